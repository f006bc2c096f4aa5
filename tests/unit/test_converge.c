// SPDX-License-Identifier: GPL-2.0
/* test_converge.c: converge_compute's decisions, from the plans of a peer
 * before and after a change: what is kept (not in the change at all),
 * replaced in place (put with prev), added, removed after, and the SAs
 * removed first (a re-key). Pure: no kernel. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <linux/xfrm.h>
#include "converge.h"
#include "tap.h"

static struct tenc_config cfg;
static struct keyring ring;

static void peer(struct peer *x, uint32_t ip, int ncidr)
{
	memset(x, 0, sizeof(*x));
	snprintf(x->name, sizeof(x->name), "node2");
	x->id = 1;
	x->node_ip = htonl(ip);
	x->n_cidrs = ncidr;
	x->cidrs[0] = (struct cidr){ htonl(0x0a010200), 24 };
	x->cidrs[1] = (struct cidr){ htonl(0x0a020200), 24 };
}

static int plan_of(const struct peer *x, struct plan *p)
{
	memset(p, 0, sizeof(*p));
	return plan_peer(&cfg, &ring, x, 2, 1500, p);
}

int main(void)
{
	struct peer a, b;
	struct plan pa, pb;
	struct change c;
	char err[128];

	cfg.encrypt = true;
	cfg.node_ip = htonl(0x0a000001);
	cfg.n_pod_cidrs = 1;
	cfg.pod_cidrs[0] = (struct cidr){ htonl(0x0a010100), 24 };
	ring.n = 1;
	ring.v[0].state = KEY_CURRENT;
	key_parse_line("3+ rfc4106(gcm(aes)) 0102030405060708090a0b0c0d0e0f1011121314 128", &ring.v[0].k, err,
		       sizeof(err));

	/* No change: nothing to do. */
	peer(&a, 0x0a000002, 1);
	ok(plan_of(&a, &pa) == 0 && converge_compute(&pa, &pa, &c) == 0, "same plan");
	is_int(converge_count(&c), 0, "no kernel change");
	converge_free(&c);

	/* A cidr gained: its ipcache entry, route, OUT and node policies are
	 * added; nothing removed, no SA touched. */
	peer(&b, 0x0a000002, 2);
	ok(plan_of(&b, &pb) == 0 && converge_compute(&pb, &pa, &c) == 0, "gain a cidr");
	is_int(c.put.n_sas + c.first.n_sas + c.del.n_sas, 0, "no SA added, removed or re-keyed");
	is_int(c.put.n_ipc, 1, "one ipcache entry added");
	is_int(c.put.n_routes, 1, "one route added");
	is_int(c.put.n_pols, 2, "two policies added (marked OUT, node-originated)");
	ok(c.prev_pol[0] < 0 && c.prev_pol[1] < 0 && c.prev_ipc[0] < 0, "all new: nothing replaced");
	is_int(c.del.n_ipc + c.del.n_routes + c.del.n_pols, 0, "nothing removed");
	converge_free(&c);

	/* And lost again: the same objects removed, after; nothing added. */
	ok(converge_compute(&pa, &pb, &c) == 0, "lose a cidr");
	is_int(c.put.n_sas + c.put.n_pols + c.put.n_routes + c.put.n_ipc, 0, "nothing added");
	ok(c.del.n_ipc == 1 && c.del.n_routes == 1 && c.del.n_pols == 2 && c.del.n_sas == 0,
	   "its entry, route and two policies removed, no SA");
	converge_free(&c);
	plan_free(&pb);

	/* A new node ip: the OUT SA is new (a new dst), the IN SA is in the
	 * way of its replacement (same dst, spi, mark), the policies that
	 * point at the node are replaced in place, the node ip's ipcache
	 * entry and marked policy move. */
	peer(&b, 0x0a00000c, 1);
	ok(plan_of(&b, &pb) == 0 && converge_compute(&pb, &pa, &c) == 0, "new node ip");
	is_int(c.put.n_sas, 2, "two SAs put");
	is_int(c.first.n_sas, 1, "the IN SA removed first (re-keyed: new source)");
	ok(c.first.n_sas == 1 && c.first.sas[0].src == htonl(0x0a000002), "  it is the old peer's");
	is_int(c.del.n_sas, 1, "the old OUT SA removed after");
	ok(c.del.n_sas == 1 && c.del.sas[0].dst == htonl(0x0a000002), "  to the old node ip");
	{
		size_t repl = 0;

		for (size_t i = 0; i < c.put.n_pols; i++)
			repl += c.prev_pol[i] >= 0;
		ok(repl >= 1 && repl == c.old.n_pols, "policies to the cidr replaced in place (%zu), the old form kept", repl);
	}
	ok(c.put.n_ipc == 1 && c.del.n_ipc == 1 && c.prev_ipc[0] < 0, "ipcache: the new node ip's entry added, the old one removed, the cidr's kept");
	converge_free(&c);
	plan_free(&pb);

	/* The replay windows: IN the kernel's largest (with ESN, a packet
	 * more than the window behind is taken for the next 2^32 and fails
	 * its ICV), OUT none asked for. An IN SA the kernel holds with
	 * another window (an older tenc's 128) is kept: no SA restarts. */
	{
		const struct xsa *in = NULL, *out = NULL;

		for (size_t i = 0; i < pa.n_sas; i++)
			*(pa.sas[i].dst == cfg.node_ip ? &in : &out) = &pa.sas[i];
		ok(in && out, "an IN and an OUT SA");
		is_int(in ? (int)in->replay_window : -1, 4096, "IN SA: replay window 4096, the kernel's largest");
		ok(in && in->esn && (in->replay_window + 31) / 32 <= 128, "  ESN, its bitmap within the kernel's 128 words");
		is_int(out ? (int)out->replay_window : -1, 0, "OUT SA: no window asked for (ESN's minimum)");
		pb = pa;
		pb.sas = calloc(pa.n_sas, sizeof(*pb.sas));
		pb.pols = pa.pols, pb.routes = pa.routes, pb.rules = pa.rules, pb.ipc = pa.ipc;
		for (size_t i = 0; pb.sas && i < pa.n_sas; i++) {
			pb.sas[i] = pa.sas[i];
			if (pb.sas[i].dst == cfg.node_ip)
				pb.sas[i].replay_window = 128;
		}
		ok(pb.sas && converge_compute(&pa, &pb, &c) == 0, "the kernel's IN SA has window 128");
		is_int(converge_count(&c), 0, "  kept: no kernel change");
		converge_free(&c);
		free(pb.sas);
	}
	plan_free(&pa);
	return done_testing();
}
