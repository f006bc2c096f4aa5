// SPDX-License-Identifier: GPL-2.0
/* audit.c: the correlation behind `tenc audit` (see audit.h). One pass
 * over the SAs, policies and ipcache to index them by peer id and SPI,
 * one pass over the flows to add up the ESP seen per (peer, SPI), one pass
 * to decide each flow. Linear in flows + SAs + ipcache entries (plus the
 * sort of the flows). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <linux/xfrm.h>
#include "audit.h"
#include "nodeio.h"
#include "reconcile.h"
#include "rxbase.h"
#include "tenc.h"

static const char *const reasons[R__COUNT] = {
	[R_OUT_OF_SCOPE] = "destination outside the ipcache: out of scope",
	[R_LOCAL] = "same node",
	[R_ENCRYPTED] = "marked for the peer's OUT SA; ESP with that SPI left the node; the SA counters moved",
	[R_DECRYPTED] = "arrived through the peer's IN SA (decrypted)",
	[R_ESP] = "ESP between the node ips",
	[R_NO_PEER] = "marked for a peer id that no peer has now",
	[R_NO_SA] = "marked for an OUT SA the kernel lacks: dropped by the fail-closed policy",
	[R_NO_POLICY] = "marked, but the peer's OUT policy is missing: dropped by the fail-closed policy",
	[R_NO_ESP] = "marked for the peer's OUT SA, but no ESP with that SPI was seen leaving",
	[R_SUBNET_DROP] = "a subnet address no peer owns: dropped by the fail-closed policy",
	[R_LEAK_OUT] = "in scope, but left the node in plaintext",
	[R_LEAK_IN] = "arrived in plaintext from a peer's address",
	[R_UNMARKED_OBSERVE] = "in scope, not marked (observe-only mode): leaves in plaintext",
	[R_UNMARKED_NOKEY] = "in scope, not marked (no key for it): leaves in plaintext",
	[R_V6_NOT_CONFIGURED] = "ipv6 not configured (tenc encrypts IPv4 only): out of scope",
	[R_V6_NOT_PLANNED] = "in scope (a peer's IPv6 prefix), but this tenc does not encrypt IPv6 yet: plaintext",
};

const char *audit_reason_str(int r)
{
	return r >= 0 && r < R__COUNT ? reasons[r] : "?";
}

const char *audit_peer_name(const struct audit *a, uint16_t id)
{
	return id && a->by_id[id] ? a->by_id[id]->p->name : NULL;
}

/* Peer by node ip: a sorted index (5,000 peers, 10,000 SAs). */
struct ip_idx {
	uint32_t ip;
	struct audit_peer *ap;
};

static int ip_cmp(const void *x, const void *y)
{
	const struct ip_idx *a = x, *b = y;

	return a->ip < b->ip ? -1 : a->ip > b->ip;
}

static struct audit_peer *by_ip(struct ip_idx *idx, size_t n, uint32_t ip)
{
	struct ip_idx k = { .ip = ip }, *f = bsearch(&k, idx, n, sizeof(*idx), ip_cmp);

	return f ? f->ap : NULL;
}

static void __attribute__((format(printf, 2, 3))) problem(struct audit_peer *ap, const char *fmt, ...)
{
	va_list ap_;

	if (ap->n_problems >= (int)ARRAY_SIZE(ap->problems))
		return;
	va_start(ap_, fmt);
	vsnprintf(ap->problems[ap->n_problems++], sizeof(ap->problems[0]), fmt, ap_);
	va_end(ap_);
}

/* The bit of out_pol for a policy's destination: the peer's node ip or
 * its cidr i; 0 for anything else. */
static uint32_t prefix_bit(const struct peer *x, uint32_t dst, uint8_t len)
{
	if (len == 32 && dst == x->node_ip)
		return 1;
	for (int i = 0; i < x->n_cidrs; i++)
		if (x->cidrs[i].addr == dst && x->cidrs[i].len == len)
			return 2u << i;
	return 0;
}

static uint32_t all_prefixes(const struct peer *x)
{
	return (2u << x->n_cidrs) - 1;
}

/* The bit of the policy a flow to daddr needs: the most specific. */
static uint32_t dst_bit(const struct peer *x, uint32_t daddr)
{
	int best = -1;

	if (daddr == x->node_ip)
		return 1;
	for (int i = 0; i < x->n_cidrs; i++)
		if (cidr_contains(&x->cidrs[i], daddr) && (best < 0 || x->cidrs[i].len > x->cidrs[best].len))
			best = i;
	return best < 0 ? 0 : 2u << best;
}

static int index_kernel(struct audit *a)
{
	uint32_t me = a->n.cfg.node_ip;
	struct ip_idx *idx;
	size_t n = a->n.peers.n;

	a->peers = calloc(n ? n : 1, sizeof(*a->peers));
	a->by_id = calloc(TENC_PEER_ID_MAX + 1, sizeof(*a->by_id));
	idx = calloc(n ? n : 1, sizeof(*idx));
	a->nokey = calloc(a->have.n_ipc ? a->have.n_ipc : 1, sizeof(*a->nokey));
	if (!a->peers || !a->by_id || !idx || !a->nokey) {
		free(idx);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		struct audit_peer *ap = &a->peers[i];

		ap->p = &a->n.peers.v[i];
		ap->out_spi = plan_out_spi(&a->n.keys, ap->p);
		a->by_id[ap->p->id] = ap;
		idx[i] = (struct ip_idx){ ap->p->node_ip, ap };
	}
	qsort(idx, n, sizeof(*idx), ip_cmp);
	for (size_t i = 0; i < a->have.n_sas; i++) {
		const struct xsa *s = &a->have.sas[i];
		struct audit_peer *ap;

		if (s->spi < TENC_SPI_MIN || s->spi > TENC_SPI_MAX)
			continue;
		if (s->src == me && (ap = by_ip(idx, n, s->dst)))
			ap->out[s->spi] = s;
		else if (s->dst == me && (ap = by_ip(idx, n, s->src)))
			ap->in[s->spi] = s;
	}
	for (size_t i = 0; i < a->have.n_pols; i++) {
		const struct xpol *p = &a->have.pols[i];
		uint32_t id = p->mark >> TENC_MARK_PEER_SHIFT;
		uint32_t spi = (p->mark >> TENC_MARK_SPI_SHIFT) & 0xf;

		if (p->dir != XFRM_POLICY_OUT)
			continue;
		if (p->block && (p->mark & p->mark_mask) == TENC_MARK_ENCRYPT &&
		    p->mark_mask == TENC_MARK_TYPE_MASK)
			a->default_drop = true;
		else if (!p->block && p->mark_mask == TENC_MARK_OUT_MASK && a->by_id[id])
			a->by_id[id]->out_pol[spi] |= prefix_bit(a->by_id[id]->p, p->sel_dst, p->sel_dst_len);
	}
	for (size_t i = 0; i < a->have.n_ipc; i++) {
		const struct ipc_entry *e = &a->have.ipc[i];
		const struct ipcache_val *v = &e->val;
		struct audit_peer *ap = a->by_id[v->peer_id];
		const char *why = NULL;

		if (v->flags & (IPC_F_LOCAL | IPC_F_SUBNET))
			continue;
		if (v->flags & IPC_F_NOKEY)
			why = "flagged no key";
		else if (!v->peer_id || !ap)
			why = "no peer owns it";
		else if (v->spi < TENC_SPI_MIN || v->spi > TENC_SPI_MAX)
			why = "no SPI";
		else if (a->n.cfg.encrypt && !ap->out[v->spi])
			why = "no OUT SA for its SPI";
		else if (!a->n.cfg.encrypt)
			why = "observe-only mode";
		if (why)
			a->nokey[a->n_nokey++] = (struct audit_nokey){ e, why };
	}
	free(idx);
	return 0;
}

/* ESP seen per (peer, SPI): what "only ESP left" is checked against. */
static void count_esp(struct audit *a)
{
	for (size_t i = 0; i < a->flows.n; i++) {
		const struct flow *f = &a->flows.v[i];
		struct audit_peer *ap = a->by_id[f->v.peer_id];
		uint32_t spi = flow_esp_spi(&f->k);

		if (f->v6 || f->k.proto != 50 || !ap || spi < TENC_SPI_MIN || spi > TENC_SPI_MAX)
			continue;
		if (f->k.dir == FLOW_OUT)
			ap->esp_out[spi] += f->v.packets;
		else
			ap->esp_in[spi] += f->v.packets;
	}
}

static void sa_health(struct audit *a)
{
	struct rxbase rx;

	if (!a->n.cfg.encrypt)
		return;
	rxbase_load(&rx);
	for (size_t i = 0; i < a->n.peers.n; i++) {
		struct audit_peer *ap = &a->peers[i];

		for (int s = TENC_SPI_MIN; s <= TENC_SPI_MAX; s++)
			ap->rejected += ap->in[s] ? rxbase_refused_since(&rx, ap->in[s]) : 0;
		if (ap->rejected)
			problem(ap, "rejecting: %llu packets refused since the last converge: its epoch or key is stale here",
				(unsigned long long)ap->rejected);

		if (!ap->out_spi) {
			problem(ap, "no key to send with");
			continue;
		}
		if (!ap->out[ap->out_spi])
			problem(ap, "no OUT SA for spi %d", ap->out_spi);
		if (ap->out_pol[ap->out_spi] != all_prefixes(ap->p))
			problem(ap, "%d of %d OUT policies for spi %d missing",
				__builtin_popcount(all_prefixes(ap->p) & ~ap->out_pol[ap->out_spi]),
				__builtin_popcount(all_prefixes(ap->p)), ap->out_spi);
		if (!ap->in[ap->out_spi])
			problem(ap, "no IN SA for spi %d", ap->out_spi);
		for (int s = TENC_SPI_MIN; s <= TENC_SPI_MAX; s++)
			if (ap->in[s] && (ap->in[s]->replay_errors || ap->in[s]->integrity_errors))
				problem(ap, "IN SA spi %d has replay or integrity errors", s);
	}
	rxbase_free(&rx);
}

void audit_decide6(const struct tenc_config *c, const struct scope6 *sc, const struct flow *f,
		   uint8_t *verdict, uint8_t *reason)
{
	const struct scope6_entry *s;

	*verdict = V_PLAINTEXT;
	*reason = R_OUT_OF_SCOPE;
	if (!c->n_pod_cidrs6 && ipv6_is_zero(c->node_ip6)) {
		*reason = R_V6_NOT_CONFIGURED;
		return;
	}
	s = scope6_find(sc, f->k.dir == FLOW_IN ? f->k6.saddr : f->k6.daddr);
	if (s && !s->p)
		*verdict = V_LOCAL, *reason = R_LOCAL;
	else if (s)
		*verdict = V_VIOLATION, *reason = R_V6_NOT_PLANNED;
}

static void decide(struct audit *a, const struct flow *f, uint8_t *verdict, uint8_t *reason)
{
	const struct flow_val *v = &f->v;
	struct audit_peer *ap = a->by_id[v->peer_id];

	*verdict = v->verdict;
	if (f->v6) {
		audit_decide6(&a->n.cfg, &a->scope6, f, verdict, reason);
		return;
	}
	switch (v->verdict) {
	case V_PLAINTEXT:
		*reason = R_OUT_OF_SCOPE;
		return;
	case V_LOCAL:
		*reason = R_LOCAL;
		return;
	case V_DROPPED:
		*reason = R_SUBNET_DROP;
		return;
	case V_VIOLATION:
		if (v->seen & SEEN_WIRE_PLAIN)
			*reason = f->k.dir == FLOW_IN ? R_LEAK_IN : R_LEAK_OUT;
		else
			*reason = a->n.cfg.encrypt ? R_UNMARKED_NOKEY : R_UNMARKED_OBSERVE;
		return;
	}
	/* V_ENCRYPTED (or an unknown verdict, treated as a claim to check). */
	if (f->k.proto == 50) {
		*reason = R_ESP;
		return;
	}
	if (f->k.dir == FLOW_IN) {
		*reason = R_DECRYPTED;
		return;
	}
	*verdict = V_DROPPED;
	if (!ap || v->spi < TENC_SPI_MIN || v->spi > TENC_SPI_MAX)
		*reason = R_NO_PEER;
	else if (!ap->out[v->spi])
		*reason = R_NO_SA;
	else if (!(ap->out_pol[v->spi] & dst_bit(ap->p, f->k.daddr)))
		*reason = R_NO_POLICY;
	else if (!ap->esp_out[v->spi] || !ap->out[v->spi]->packets)
		*reason = R_NO_ESP;
	else
		*verdict = V_ENCRYPTED, *reason = R_ENCRYPTED;
}

static const uint8_t rank[V__COUNT] = {
	[V_VIOLATION] = 0, [V_DROPPED] = 1, [V_ENCRYPTED] = 2, [V_PLAINTEXT] = 3, [V_LOCAL] = 4,
	[V_NONE] = 5,
};

/* Sort key: final verdict (violations first), then bytes, largest first. */
static int flow_cmp(const void *x, const void *y)
{
	const struct flow *a = x, *b = y;
	uint8_t ra = rank[a->v.pad[0]], rb = rank[b->v.pad[0]];

	if (ra != rb)
		return ra < rb ? -1 : 1;
	if (a->v.bytes != b->v.bytes)
		return a->v.bytes > b->v.bytes ? -1 : 1;
	if (a->v6 != b->v6)
		return a->v6 ? 1 : -1;
	return a->v6 ? memcmp(&a->k6, &b->k6, sizeof(a->k6)) : memcmp(&a->k, &b->k, sizeof(a->k));
}

static int stat_cb(const char *name, uint64_t value, void *data)
{
	struct audit *a = data;

	if (a->n_xstat < (int)ARRAY_SIZE(a->xstat)) {
		snprintf(a->xstat[a->n_xstat].name, sizeof(a->xstat[0].name), "%s", name);
		a->xstat[a->n_xstat++].value = value;
	}
	return 0;
}

int audit_run(struct audit *a, const struct flow_maps *m)
{
	struct timespec now;
	struct dp d;
	int ret;

	if ((ret = node_load(&a->n)))
		return ret;
	if (!a->n.enabled)
		return tenc_err(TENC_FAIL, "audit", "not enabled (run tenc enable)");
	if ((ret = dp_open(&d)))
		return ret;
	ret = dp_read_xfrm(&d, &a->have);
	dp_close(&d);
	if (ret)
		return ret;
	clock_gettime(CLOCK_MONOTONIC, &now);
	a->now_ns = (uint64_t)now.tv_sec * 1000000000ULL + now.tv_nsec;
	if ((ret = flows_stats(&a->st)) || (ret = flows_read(m, &a->flows)))
		return ret;
	flows_clock_init(&a->st);
	if (xfrm_stat_read(stat_cb, a))
		a->n_xstat = 0;	/* no /proc/net/xfrm_stat: no counters to show */
	if (index_kernel(a) || scope6_build(&a->scope6, &a->n.cfg, &a->n.peers))
		return tenc_errno(TENC_FAIL, ENOMEM, "audit", "indexing");
	count_esp(a);
	sa_health(a);
	/* Decide, keeping verdict and reason in the padding while sorting. */
	for (size_t i = 0; i < a->flows.n; i++) {
		struct flow *f = &a->flows.v[i];

		decide(a, f, &f->v.pad[0], &f->v.pad[1]);
	}
	if (a->flows.n)	/* an empty table has no array at all */
		qsort(a->flows.v, a->flows.n, sizeof(*a->flows.v), flow_cmp);
	a->verdict = malloc(a->flows.n + 1);
	a->reason = malloc(a->flows.n + 1);
	if (!a->verdict || !a->reason)
		return tenc_errno(TENC_FAIL, ENOMEM, "audit", "flows");
	for (size_t i = 0; i < a->flows.n; i++) {
		struct flow *f = &a->flows.v[i];

		a->verdict[i] = f->v.pad[0];
		a->reason[i] = f->v.pad[1];
		f->v.pad[0] = f->v.pad[1] = 0;
		a->counts[a->verdict[i]]++;
		a->fcounts[f->v6][a->verdict[i]]++;
		a->fbytes[f->v6][a->verdict[i]] += f->v.bytes;
	}
	return 0;
}

void audit_free(struct audit *a)
{
	flows_free(&a->flows);
	free(a->verdict);
	free(a->reason);
	free(a->peers);
	free(a->by_id);
	free(a->nokey);
	scope6_free(&a->scope6);
	plan_free(&a->have);
	node_free(&a->n);
}
