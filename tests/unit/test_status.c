// SPDX-License-Identifier: GPL-2.0
/* test_status.c: status's matching of the kernel's objects to peers
 * (status_derive, over a kernel view given in memory): per peer its SAs
 * both ways and its ipcache entries in the kernel's order, its policies
 * counted by template, its rejecting IN SAs. Many peers of both families
 * (dual-stack, IPv4-only, IPv6-only with node ip 0, IPv6 over IPv4), the
 * planner's objects in a shuffled order with foreign ones among them
 * (another node's SAs, SAs and templates to 0.0.0.0 and ::, an unknown
 * peer id), checked against the scan per peer that status did before
 * the index: the same answer, object for object. Pure: no kernel (the
 * state dir is an empty temporary one). */
#include <stdlib.h>
#include <unistd.h>
#include "status.h"
#include "tenc.h"
#include "manypeers.h"
#include "tap.h"

#define SPI MANY_SPI
#define NPEERS 400

/* Objects no peer owns, of either family: an SA between two peers, SAs from
 * the node to 0.0.0.0 and ::, to 0.0.0.0 from it (an IPv6-only peer's
 * absent IPv4 node ip never matches), templates to both, an entry of no
 * peer id, a local one that names a peer's id. */
static void foreign(struct plan *p, const struct tenc_config *c)
{
	struct xsa *a;

	*plan_push_sa(p) = (struct xsa){ .src = many_ip4(10, 1, 0, 2), .dst = many_ip4(10, 1, 0, 3), .spi = SPI, .mark = 1 };
	*plan_push_sa(p) = (struct xsa){ .src = c->node_ip, .dst = 0, .spi = SPI };
	*plan_push_sa(p) = (struct xsa){ .src = 0, .dst = c->node_ip, .spi = SPI, .mark = 1 };
	a = plan_push_sa(p);
	*a = (struct xsa){ .family = AF_INET6, .spi = SPI, .mark = 1 };
	memcpy(a->dst6, c->node_ip6, 16);
	a = plan_push_sa(p);
	*a = (struct xsa){ .family = AF_INET6, .spi = SPI };
	memcpy(a->src6, c->node_ip6, 16);
	*plan_push_pol(p) = (struct xpol){ .tmpl_dst = 0 };
	*plan_push_pol(p) = (struct xpol){ .tmpl_family = AF_INET6 };
	*plan_push_ipc(p) = (struct ipc_entry){ .prefix = { many_ip4(192, 168, 0, 0), 16 }, .val = { .peer_id = 60000 } };
	*plan_push_ipc(p) = (struct ipc_entry){ .prefix = { many_ip4(10, 255, 0, 0), 24 },
						.val = { .peer_id = 1, .flags = IPC_F_LOCAL } };
}

/* The kernel's view: the planner's objects, shuffled, with foreign ones
 * among them and counters on every fifth SA. */
static void kernel_view(struct status *s)
{
	struct plan *p = &s->have;

	ok(plan_all(&s->n.cfg, &s->n.keys, &s->n.peers, 2, 1500, p) == 0, "planned");
	foreign(p, &s->n.cfg);
	for (size_t i = 0; i < p->n_sas; i++)
		if (i % 5 == 1)
			p->sas[i].integrity_errors = (uint32_t)i, p->sas[i].replay_errors = 1;
	many_shuffle(p);
}

static bool is_ip(uint8_t fam, const uint8_t *a, const uint32_t *v4, const uint8_t v6[16])
{
	if (kfam(fam) == AF_INET6)
		return !ipv6_is_zero(v6) && !memcmp(a, v6, 16);
	return *v4 && !memcmp(a, v4, 4);
}

/* What status gave before its index, for peer x (one scan of every
 * object), against what it gives: the same, object for object. */
static bool same_as_scan(const struct status *s, const struct status_peer *sp, size_t sa0, size_t ipc0)
{
	const struct tenc_config *c = &s->n.cfg;
	const struct peer *x = sp->p;
	size_t n_sas = 0, n_ipc = 0, pols = 0, spi = 0;
	uint64_t rej = 0;
	bool same = sp->sa0 == sa0 && sp->ipc0 == ipc0;

	for (size_t i = 0; i < s->have.n_sas; i++) {
		const struct xsa *a = &s->have.sas[i];
		bool out = is_ip(a->family, a->src6, &c->node_ip, c->node_ip6) &&
			   is_ip(a->family, a->dst6, &x->node_ip, x->node_ip6);
		bool in = is_ip(a->family, a->src6, &x->node_ip, x->node_ip6) &&
			  is_ip(a->family, a->dst6, &c->node_ip, c->node_ip6);
		uint64_t k = (uint64_t)a->integrity_errors + a->replay_errors; /* no rx.json */

		if (!out && !in)
			continue;
		same &= n_sas < sp->n_sas && s->sas[sa0 + n_sas].sa == a && s->sas[sa0 + n_sas].out == out;
		n_sas++;
		if (!out && a->mark && k)
			rej += k, spi = a->spi;
	}
	for (size_t i = 0; i < s->have.n_pols; i++)
		pols += !s->have.pols[i].block && !s->have.pols[i].allow_plain &&
			is_ip(s->have.pols[i].tmpl_family, s->have.pols[i].tmpl_dst6, &x->node_ip, x->node_ip6);
	for (size_t i = 0; i < s->have.n_ipc; i++) {
		const struct ipc_entry *e = &s->have.ipc[i];

		if (e->val.peer_id != x->id || (e->val.flags & IPC_F_LOCAL))
			continue;
		same &= n_ipc < sp->n_ipc && s->ipc[ipc0 + n_ipc] == e;
		n_ipc++;
	}
	return same && sp->n_sas == n_sas && sp->n_ipc == n_ipc && sp->policies == pols && sp->rejected == rej &&
	       sp->rejected_spi == spi && sp->out_spi == SPI;
}

static void test_matching(void)
{
	struct status s;
	size_t sa0 = 0, ipc0 = 0, bad = 0, sas = 0, ipc = 0, rejecting = 0;

	memset(&s, 0, sizeof(s));
	ok(many_node(&s.n, NPEERS, true) == 0, "a node with %d peers of both families", NPEERS);
	kernel_view(&s);
	ok(plan_all(&s.n.cfg, &s.n.keys, &s.n.peers, 2, 1500, &s.want) == 0, "the intent planned");
	is_int(status_derive(&s), 0, "derived");
	for (size_t k = 0; k < s.n.peers.n; k++) {
		const struct status_peer *sp = &s.peers[k];

		bad += sp->p != &s.n.peers.v[k] || !same_as_scan(&s, sp, sa0, ipc0);
		sa0 += sp->n_sas, ipc0 += sp->n_ipc, sas += sp->n_sas, ipc += sp->n_ipc;
		rejecting += sp->rejected > 0;
	}
	is_int((int)bad, 0, "every peer, in peers.json order: its SAs, ipcache entries, policies, rejecting as the scan per peer");
	ok(sas > 2 * NPEERS && ipc > NPEERS, "SAs and ipcache entries matched (%zu, %zu)", sas, ipc);
	ok(rejecting > NPEERS / 4 && rejecting < NPEERS, "rejecting peers and others (%zu)", rejecting);
	/* node3: IPv6 only (node ip 0): its IPv6 SAs both ways, none of
	 * 0.0.0.0's; node7: IPv6 over IPv4, its IPv4 SAs. */
	is_int((int)s.peers[3].n_sas, 2, "node3 (IPv6 only): 2 SAs");
	ok(kfam(s.sas[s.peers[3].sa0].sa->family) == AF_INET6, "  IPv6 ones");
	ok(s.peers[3].policies > 0, "  its policies, by its IPv6 node ip (%zu)", s.peers[3].policies);
	is_int((int)s.peers[7].n_sas, 2, "node7 (IPv6 over IPv4): 2 SAs");
	ok(kfam(s.sas[s.peers[7].sa0].sa->family) == AF_INET, "  IPv4 ones");
	is_int((int)s.peers[0].n_sas, 4, "node0 (dual-stack): 4 SAs");
	is_int((int)s.peers[2].n_sas, 2, "node2 (IPv4 only): 2 SAs");
	status_free(&s);
}

/* No peers, no objects: nothing to match. */
static void test_empty(void)
{
	struct status s;

	memset(&s, 0, sizeof(s));
	s.n.enabled = true;
	is_int(status_derive(&s), 0, "no peers, no objects: derived");
	is_int((int)s.n_drift, 0, "  no drift");
	status_free(&s);
}

int main(void)
{
	char dir[] = "/tmp/tenc-test-status.XXXXXX";

	/* an empty state dir: no rx.json, every IN SA counts from 0 */
	if (!(g.state_dir = mkdtemp(dir)))
		return 2;
	test_matching();
	test_empty();
	rmdir(dir);
	return done_testing();
}
