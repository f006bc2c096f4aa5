// SPDX-License-Identifier: GPL-2.0
/* test_audit6.c: the audit's correlation (audit_correlate) over a
 * dual-stack node's kernel objects, given by hand as the planner emits
 * them (the IPv6 planner slice: IPv6-in-IPv6 SAs between the IPv6 node
 * ips, IPv6 OUT policies per IPv6 prefix, ipcache6 entries, the IPv6
 * default drop) and flows as the programs record them. A planned IPv6
 * pair's IPv6 flows are judged as IPv4's: the programs' verdict, a claim
 * of encryption checked against that family's SA, policy and ESP; a peer
 * without an IPv6 node ip (IPv6 over IPv4: not planned) stays a violation
 * from the model; the families never stand in for each other; SA health
 * and the no-key list cover IPv6; the planner's own objects (plan_all)
 * pass. trace's audit_decide6 alone too. Pure:
 * no kernel (the state dir is an empty temporary one). */
#include <stdlib.h>
#include <arpa/inet.h>
#include <linux/xfrm.h>
#include "audit.h"
#include "tenc.h"
#include "tap.h"

#define SPI 3

static void a6(uint8_t out[16], const char *s)
{
	if (inet_pton(AF_INET6, s, out) != 1)
		abort();
}

static uint32_t a4(const char *s)
{
	uint32_t v;

	if (inet_pton(AF_INET, s, &v) != 1)
		abort();
	return v;
}

static struct cidr6 c6(const char *s, uint8_t len)
{
	struct cidr6 c = { .len = len };

	a6(c.addr, s);
	return c;
}

/* A peer: id, node ip, one /24 pod cidr, an IPv6 node ip (NULL: none) and
 * one /64 IPv6 pod cidr. */
static void peer(struct audit *a, const char *name, uint16_t id, const char *ip, const char *cidr,
		 const char *ip6, const char *cidr6)
{
	struct peer *x = peers_add(&a->n.peers);

	snprintf(x->name, sizeof(x->name), "%s", name);
	x->id = id;
	x->node_ip = a4(ip);
	x->n_cidrs = 1;
	x->cidrs[0] = (struct cidr){ a4(cidr), 24 };
	if (ip6)
		a6(x->node_ip6, ip6);
	x->n_cidrs6 = 1;
	x->cidrs6[0] = c6(cidr6, 64);
}

/* The node: 10.0.0.1 / fd00::1, key SPI. Peers: node2 (id 1) with an
 * IPv6 node ip (an IPv6 pair), node3 (id 2) with IPv6 pod cidrs but no
 * IPv6 node ip (IPv6 over IPv4: node3's IPv4 SAs carry its IPv6). */
static void node(struct audit *a, bool encrypt)
{
	struct tenc_config *c = &a->n.cfg;

	a->n.enabled = true;
	c->encrypt = encrypt;
	c->node_ip = a4("10.0.0.1");
	c->n_pod_cidrs = 1;
	c->pod_cidrs[0] = (struct cidr){ a4("10.1.1.0"), 24 };
	a6(c->node_ip6, "fd00::1");
	c->n_pod_cidrs6 = 1;
	c->pod_cidrs6[0] = c6("fd01:1::", 64);
	a->n.keys.n = 1;
	a->n.keys.v[0].k.spi = SPI;
	a->n.keys.v[0].state = KEY_CURRENT;
	peer(a, "node2", 1, "10.0.0.2", "10.1.2.0", "fd00::2", "fd01:2::");
	peer(a, "node3", 2, "10.0.0.3", "10.1.3.0", NULL, "fd01:3::");
}

static void sa4(struct plan *p, const char *src, const char *dst, uint64_t packets)
{
	struct xsa *s = plan_push_sa(p);

	*s = (struct xsa){ .src = a4(src), .dst = a4(dst), .spi = SPI, .reqid = TENC_REQID(SPI),
			   .packets = packets };
}

static void sa6(struct plan *p, const char *src, const char *dst, uint64_t packets)
{
	struct xsa *s = plan_push_sa(p);

	*s = (struct xsa){ .family = AF_INET6, .sel_family = AF_INET6, .spi = SPI,
			   .reqid = TENC_REQID(SPI), .packets = packets };
	a6(s->src6, src);
	a6(s->dst6, dst);
}

static void pol4(struct plan *p, uint16_t peer, const char *dst, uint8_t len)
{
	struct xpol *x = plan_push_pol(p);

	*x = (struct xpol){ .dir = XFRM_POLICY_OUT, .sel_dst = a4(dst), .sel_dst_len = len,
			    .mark = TENC_MARK_OUT(SPI, peer), .mark_mask = TENC_MARK_OUT_MASK,
			    .priority = 100, .reqid = TENC_REQID(SPI) };
}

static void pol6(struct plan *p, uint16_t peer, const char *dst, uint8_t len)
{
	struct xpol *x = plan_push_pol(p);

	*x = (struct xpol){ .dir = XFRM_POLICY_OUT, .sel_family = AF_INET6, .tmpl_family = AF_INET6,
			    .sel_dst_len = len, .mark = TENC_MARK_OUT(SPI, peer),
			    .mark_mask = TENC_MARK_OUT_MASK, .priority = 100, .reqid = TENC_REQID(SPI) };
	a6(x->sel_dst6, dst);
	a6(x->tmpl_src6, "fd00::1");
	a6(x->tmpl_dst6, "fd00::2");
}

/* node3's IPv6 cidr: an IPv6 policy with an IPv4 template (IPv6 over IPv4). */
static void pol64(struct plan *p, uint16_t peer, const char *dst, uint8_t len)
{
	struct xpol *x = plan_push_pol(p);

	*x = (struct xpol){ .dir = XFRM_POLICY_OUT, .sel_family = AF_INET6, .sel_dst_len = len,
			    .mark = TENC_MARK_OUT(SPI, peer), .mark_mask = TENC_MARK_OUT_MASK, .priority = 100,
			    .tmpl_src = a4("10.0.0.1"), .tmpl_dst = a4("10.0.0.3"), .reqid = TENC_REQID(SPI) };
	a6(x->sel_dst6, dst);
}

static void drop(struct plan *p, uint8_t family)
{
	struct xpol *x = plan_push_pol(p);

	*x = (struct xpol){ .dir = XFRM_POLICY_OUT, .sel_family = family, .block = true,
			    .mark = TENC_MARK_ENCRYPT, .mark_mask = TENC_MARK_TYPE_MASK, .priority = 2000 };
}

static void ipc6(struct plan *p, const char *prefix, uint8_t len, uint16_t peer, uint8_t flags)
{
	struct ipc_entry *e = plan_push_ipc(p);

	*e = (struct ipc_entry){ .family = AF_INET6, .prefix6 = c6(prefix, len),
				 .val = { .peer_id = peer, .spi = SPI, .flags = flags } };
}

/* What the planner gives the node: node2's objects of both families,
 * node3's IPv4 ones and its IPv6 policy over IPv4, both default drops,
 * the ipcache6 entries. The SAs have carried packets (as a dump shows
 * them). */
static void kernel(struct audit *a)
{
	struct plan *p = &a->have;
	struct ipc_entry *e;

	drop(p, AF_INET);
	drop(p, AF_INET6);
	sa4(p, "10.0.0.1", "10.0.0.2", 5);
	sa4(p, "10.0.0.2", "10.0.0.1", 5);
	pol4(p, 1, "10.0.0.2", 32);
	pol4(p, 1, "10.1.2.0", 24);
	sa4(p, "10.0.0.1", "10.0.0.3", 5);
	sa4(p, "10.0.0.3", "10.0.0.1", 5);
	pol4(p, 2, "10.0.0.3", 32);
	pol4(p, 2, "10.1.3.0", 24);
	sa6(p, "fd00::1", "fd00::2", 7);
	sa6(p, "fd00::2", "fd00::1", 7);
	pol6(p, 1, "fd00::2", 128);
	pol6(p, 1, "fd01:2::", 64);
	e = plan_push_ipc(p);
	*e = (struct ipc_entry){ .prefix = { a4("10.1.2.0"), 24 }, .val = { .peer_id = 1, .spi = SPI } };
	ipc6(p, "fd00::2", 128, 1, IPC_F_NODE);
	ipc6(p, "fd01:2::", 64, 1, 0);
	ipc6(p, "fd01:1::", 64, 0, IPC_F_LOCAL);
	pol64(p, 2, "fd01:3::", 64);
	ipc6(p, "fd01:3::", 64, 2, 0);
}

/* A flow as the programs record it, and the "verdict: reason" the audit
 * should give it with every object in place (test_judged), and why. */
struct fl {
	const char *src, *dst;
	uint8_t proto, dir, verdict, seen;
	uint16_t peer;
	uint8_t spi;
	const char *got, *what;
};

/* The flows of t (n of them) into a's table, of the family their
 * addresses are. */
static void flows(struct audit *a, const struct fl *t, size_t n)
{
	a->flows.v = calloc(n, sizeof(*a->flows.v));
	a->flows.n = n;
	for (size_t i = 0; i < n; i++) {
		struct flow *f = &a->flows.v[i];

		if (strchr(t[i].src, ':')) {
			struct flow_key6 k = { .proto = t[i].proto, .dir = t[i].dir };

			a6(k.saddr, t[i].src);
			a6(k.daddr, t[i].dst);
			if (t[i].proto == 50)
				k.dport = htons(t[i].spi);
			flow_set_key6(f, &k);
		} else {
			f->k = (struct flow_key){ .saddr = a4(t[i].src), .daddr = a4(t[i].dst),
						  .proto = t[i].proto, .dir = t[i].dir };
			if (t[i].proto == 50)
				f->k.dport = htons(t[i].spi);
		}
		f->v.verdict = t[i].verdict;
		f->v.seen = t[i].seen;
		f->v.peer_id = t[i].peer;
		f->v.spi = t[i].spi;
		f->v.packets = 5;
		f->v.bytes = 100 + i; /* a stable order */
	}
}

#define ESP "encrypted: ESP between the node ips"
#define DECRYPTED "encrypted: arrived through the peer's IN SA (decrypted)"
#define LOCAL "local: same node"
#define OUT_OF_SCOPE "plaintext: destination outside the ipcache: out of scope"
#define LEAK_OUT "violation: in scope, but left the node in plaintext"
#define LEAK_IN "violation: arrived in plaintext from a peer's address"
#define UNMARKED_NOKEY "violation: in scope, not marked (no key for it): leaves in plaintext"
#define UNMARKED_OBSERVE "violation: in scope, not marked (observe-only mode): leaves in plaintext"
#define NO_PEER "dropped: marked for a peer id that no peer has now"
#define ENC "encrypted: marked for the peer's OUT SA; ESP with that SPI left the node; the SA counters moved"
#define NO_ENTRY "violation: in scope (a peer's IPv6 prefix), but not in ipcache6, so not marked: plaintext"

/* Pod traffic both ways with node2 and node3, as encrypting programs
 * record it: marked out flows, ESP both ways, decrypted replies. */
static const struct fl traffic[] = {
	{ "fd01:1::2", "fd01:2::2", 17, FLOW_OUT, V_ENCRYPTED, SEEN_POD, 1, SPI,
	  ENC, "an IPv6 pair's pod flow: encrypted, as IPv4's" },
	{ "fd00::1", "fd00::2", 50, FLOW_OUT, V_ENCRYPTED, SEEN_WIRE_ESP | SEEN_NODE, 1, SPI, ESP, "IPv6 ESP out" },
	{ "fd00::2", "fd00::1", 50, FLOW_IN, V_ENCRYPTED, SEEN_WIRE_ESP | SEEN_NODE, 1, SPI, ESP, "IPv6 ESP in" },
	{ "fd01:2::2", "fd01:1::2", 17, FLOW_IN, V_ENCRYPTED, SEEN_DECRYPTED, 1, 0,
	  DECRYPTED, "decrypted IPv6 reply" },
	{ "fd01:1::2", "fd00::2", 58, FLOW_OUT, V_ENCRYPTED, SEEN_POD | SEEN_NODE, 1, SPI,
	  ENC, "to its IPv6 node ip (the /128 policy): encrypted" },
	{ "10.1.1.2", "10.1.2.2", 17, FLOW_OUT, V_ENCRYPTED, SEEN_POD, 1, SPI, ENC, "IPv4 beside it: unchanged" },
	{ "10.0.0.1", "10.0.0.2", 50, FLOW_OUT, V_ENCRYPTED, SEEN_WIRE_ESP | SEEN_NODE, 1, SPI, ESP, "IPv4 ESP" },
	{ "10.0.0.1", "10.0.0.3", 50, FLOW_OUT, V_ENCRYPTED, SEEN_WIRE_ESP | SEEN_NODE, 2, SPI, ESP,
	  "IPv4 ESP to node3 (its IPv6 inside)" },
	/* IPv6 over IPv4 (node3): marked, carried by its IPv4 SA */
	{ "fd01:1::2", "fd01:3::2", 17, FLOW_OUT, V_ENCRYPTED, SEEN_POD, 2, SPI,
	  ENC, "IPv6 over IPv4 (no IPv6 node ip): encrypted by the IPv4 SA, its ESP IPv4's" },
	{ "fd01:1::2", "fd01:1::7", 17, FLOW_OUT, V_PLAINTEXT, SEEN_POD, 0, 0, LOCAL, "a local IPv6 pod cidr" },
	{ "fd01:1::2", "fd00::9", 17, FLOW_OUT, V_PLAINTEXT, SEEN_POD, 0, 0,
	  OUT_OF_SCOPE, "no one's IPv6 address: plaintext" },
	/* leaks, as the programs see them */
	{ "fd01:1::2", "fd01:2::3", 17, FLOW_OUT, V_VIOLATION, SEEN_POD | SEEN_WIRE_PLAIN, 1, SPI,
	  LEAK_OUT, "IPv6 leak out" },
	{ "fd01:2::3", "fd01:1::2", 17, FLOW_IN, V_VIOLATION, SEEN_WIRE_PLAIN, 1, 0, LEAK_IN, "IPv6 leak in" },
	{ "fd01:1::2", "fd01:2::4", 17, FLOW_OUT, V_VIOLATION, SEEN_POD | SEEN_UNMARKED, 1, 0,
	  UNMARKED_NOKEY, "unmarked IPv6 (no key)" },
	/* an IPv6 pair's prefix the programs did not find in ipcache6 */
	{ "fd01:1::2", "fd01:2::5", 17, FLOW_OUT, V_PLAINTEXT, SEEN_POD, 0, 0,
	  NO_ENTRY, "an IPv6 pair's prefix ipcache6 lacks: a violation, never plaintext" },
	/* an ipcache6 entry of no peer's, flagged no key (as a test forces it) */
	{ "fd01:1::2", "fd00::8", 17, FLOW_OUT, V_VIOLATION, SEEN_POD | SEEN_UNMARKED, 0, 0,
	  UNMARKED_NOKEY, "an ipcache6 entry outside the model: the programs' verdict stands" },
	{ "fd01:1::2", "fd01:9::1", 17, FLOW_OUT, V_ENCRYPTED, SEEN_POD, 9, SPI,
	  NO_PEER, "marked for a peer id nobody has" },
};

/* The final verdict and reason of a's flow from src to dst ("?" if none). */
static const char *judged(const struct audit *a, const char *src, const char *dst, uint8_t proto)
{
	static char buf[256];
	char s[64], d[64];

	for (size_t i = 0; i < a->flows.n; i++) {
		const struct flow *f = &a->flows.v[i];

		if (f->k.proto == proto && !strcmp(flow_addr_str(f, false, s, sizeof(s)), src) &&
		    !strcmp(flow_addr_str(f, true, d, sizeof(d)), dst)) {
			snprintf(buf, sizeof(buf), "%s: %s", verdict_str(a->verdict[i]),
				 audit_reason_str(a->reason[i]));
			return buf;
		}
	}
	return "?";
}

static const char *problems(const struct audit *a, int peer)
{
	static char buf[1024];
	const struct audit_peer *ap = &a->peers[peer];

	buf[0] = '\0';
	for (int k = 0; k < ap->n_problems; k++)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s", k ? "; " : "", ap->problems[k]);
	return buf;
}

/* The IPv6 SA (or, v4, the IPv4 one) of have from src, removed. */
static void sa_del(struct plan *p, const char *src)
{
	uint8_t s6[16] = { 0 };
	uint32_t s4 = 0;
	bool v6 = strchr(src, ':');

	if (v6)
		a6(s6, src);
	else
		s4 = a4(src);
	for (size_t i = 0; i < p->n_sas; i++)
		if (v6 ? p->sas[i].family == AF_INET6 && !memcmp(p->sas[i].src6, s6, 16) :
			 p->sas[i].family != AF_INET6 && p->sas[i].src == s4) {
			p->sas[i] = p->sas[--p->n_sas];
			return;
		}
	abort();
}

static void pol_del(struct plan *p, uint8_t family, uint8_t len)
{
	for (size_t i = 0; i < p->n_pols; i++)
		if (kfam(p->pols[i].sel_family) == family && !p->pols[i].block && p->pols[i].sel_dst_len == len) {
			p->pols[i] = p->pols[--p->n_pols];
			return;
		}
	abort();
}

static void setup(struct audit *a, bool encrypt, const struct fl *t, size_t n)
{
	memset(a, 0, sizeof(*a));
	node(a, encrypt);
	kernel(a);
	flows(a, t, n);
}

static void test_judged(void)
{
	struct audit a;

	setup(&a, true, traffic, ARRAY_SIZE(traffic));
	ipc6(&a.have, "fd00::8", 128, 0, IPC_F_NOKEY);
	ok(audit_correlate(&a) == 0, "correlated");
	for (size_t i = 0; i < ARRAY_SIZE(traffic); i++)
		is_str(judged(&a, traffic[i].src, traffic[i].dst, traffic[i].proto), traffic[i].got, "%s",
		       traffic[i].what);
	is_int(a.counts[V_VIOLATION], 5, "five violations");
	is_int(a.fcounts[1][V_ENCRYPTED], 6, "six IPv6 flows encrypted");
	is_str(problems(&a, 0), "", "node2: no problem, both families");
	is_str(problems(&a, 1), "", "node3: no problem (IPv6 over IPv4: its IPv6 policy, its IPv4 SAs)");
	ok(a.peers[0].fam[AUDIT_V6].out[SPI] && a.peers[0].fam[AUDIT_V6].in[SPI] &&
	   a.peers[0].fam[AUDIT_V6].out[SPI]->family == AF_INET6 &&
	   a.peers[0].fam[AUDIT_V4].out[SPI]->family == 0, "each family's SAs indexed apart");
	is_int(a.peers[0].fam[AUDIT_V6].out_pol[SPI], 3, "both IPv6 OUT policies indexed");
	is_int(a.peers[0].fam[AUDIT_V6].esp_out[SPI], 5, "IPv6 ESP out counted apart");
	is_int(a.peers[0].fam[AUDIT_V4].esp_out[SPI], 5, "IPv4 ESP out counted apart");
	ok(a.default_drop[AUDIT_V4] && a.default_drop[AUDIT_V6], "both default drops seen");
	is_int(a.n_nokey, 1, "one ipcache entry without a key: the one flagged so");
	is_str(a.nokey[0].reason, "flagged no key", "... flagged no key");
	audit_free(&a);
}

#define NO_SA "dropped: marked for an OUT SA the kernel lacks: dropped by the fail-closed policy"
#define NO_POLICY "dropped: marked, but the peer's OUT policy is missing: dropped by the fail-closed policy"
#define NO_ESP "dropped: marked for the peer's OUT SA, but no ESP with that SPI was seen leaving"

/* One object missing from the kernel (an SA from sa_src, an OUT policy of
 * pol_family for a /pol_len, or the ESP flow no_esp seen for no peer):
 * the flow to `hit` (proto 17, from its family's pod) gets `reason`, the
 * flow to `fine` stays encrypted, node2 has `problem`, and n_nokey
 * ipcache entries would not encrypt. */
static const struct miss {
	const char *what, *sa_src;
	uint8_t pol_family, pol_len;
	int no_esp;
	const char *hit, *reason, *fine, *problem;
	size_t n_nokey;
} missing[] = {
	{ "the IPv6 OUT SA", "fd00::1", 0, 0, -1, "fd01:2::2", NO_SA, "10.1.2.2",
	  "no OUT SA for spi 3 (ipv6)", 2 },
	{ "the IPv4 OUT SA", "10.0.0.1", 0, 0, -1, "10.1.2.2", NO_SA, "fd01:2::2", "no OUT SA for spi 3", 1 },
	{ "the IPv6 pod cidr's OUT policy", NULL, AF_INET6, 64, -1, "fd01:2::2", NO_POLICY, "10.1.2.2",
	  "1 of 2 OUT policies for spi 3 missing (ipv6)", 0 },
	{ "the IPv4 pod cidr's OUT policy", NULL, AF_INET, 24, -1, "10.1.2.2", NO_POLICY, "fd01:2::2",
	  "1 of 2 OUT policies for spi 3 missing", 0 },
	{ "the IPv6 IN SA", "fd00::2", 0, 0, -1, NULL, NULL, "fd01:2::2", "no IN SA for spi 3 (ipv6)", 0 },
	{ "IPv6 ESP", NULL, 0, 0, 1, "fd01:2::2", NO_ESP, "10.1.2.2", "", 0 },
	{ "IPv4 ESP", NULL, 0, 0, 6, "10.1.2.2", NO_ESP, "fd01:2::2", "", 0 },
};

/* Each object missing in turn: the flow of its family dropped with the
 * reason, a health problem (IPv6's say so); the other family's flow still
 * encrypted: no object of one family stands in for the other's. */
static void test_missing(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(missing); i++) {
		const struct miss *m = &missing[i];
		const char *pod = strchr(m->fine, ':') ? "fd01:1::2" : "10.1.1.2";
		struct audit a;

		setup(&a, true, traffic, ARRAY_SIZE(traffic));
		if (m->sa_src)
			sa_del(&a.have, m->sa_src);
		if (m->pol_len)
			pol_del(&a.have, m->pol_family, m->pol_len);
		if (m->no_esp >= 0)
			a.flows.v[m->no_esp].v.peer_id = 0;
		audit_correlate(&a);
		if (m->hit)
			is_str(judged(&a, strchr(m->hit, ':') ? "fd01:1::2" : "10.1.1.2", m->hit, 17), m->reason,
			       "without %s: the flow to %s", m->what, m->hit);
		is_str(judged(&a, pod, m->fine, 17), ENC, "without %s: the flow to %s still encrypted", m->what,
		       m->fine);
		is_str(problems(&a, 0), m->problem, "without %s: node2's problems", m->what);
		is_int(a.n_nokey, m->n_nokey, "without %s: ipcache entries that would not encrypt", m->what);
		for (size_t k = 0; k < a.n_nokey; k++)
			is_str(a.nokey[k].reason, "no OUT SA for its SPI", "... for want of its family's OUT SA");
		audit_free(&a);
	}
}

/* Observe-only: an IPv6 pair's flows are the programs' (ipcache6 holds
 * its entries, unmarked), as IPv4's. A node without an IPv6 node ip, or
 * without an IPv6 half: the model judges, as before the IPv6 planner
 * slice. */
static void test_not_planned(void)
{
	struct audit a;

	setup(&a, false, traffic, 2);
	a.flows.v[0].v.verdict = V_VIOLATION; /* ipcache6 has the pair's entries, unmarked */
	a.flows.v[0].v.seen = SEEN_POD | SEEN_UNMARKED;
	a.flows.v[1].v.verdict = V_PLAINTEXT;
	a.flows.v[1].k.proto = 17;
	audit_correlate(&a);
	is_str(judged(&a, "fd01:1::2", "fd01:2::2", 17), UNMARKED_OBSERVE,
	       "observe-only, an IPv6 pair: the programs' violation, as IPv4's");
	is_str(judged(&a, "fd00::1", "fd00::2", 17), NO_ENTRY,
	       "observe-only, an IPv6 pair's prefix ipcache6 lacks: a violation");
	is_str(problems(&a, 0), "", "observe-only: no SA health");
	audit_free(&a);

	setup(&a, true, traffic, 1);
	memset(a.n.cfg.node_ip6, 0, 16);
	a.flows.v[0].v.verdict = V_PLAINTEXT;
	audit_correlate(&a);
	is_str(judged(&a, "fd01:1::2", "fd01:2::2", 17), NO_ENTRY,
	       "the node lacks an IPv6 node ip (IPv6 over IPv4), the flow unmarked: a violation");
	ok(!a.peers[0].fam[AUDIT_V6].out[SPI], "nor its IPv6 SAs taken for the node's");
	audit_free(&a);

	setup(&a, true, traffic, 1);
	memset(a.n.cfg.node_ip6, 0, 16);
	a.n.cfg.n_pod_cidrs6 = 0;
	audit_correlate(&a);
	is_str(judged(&a, "fd01:1::2", "fd01:2::2", 17),
	       "plaintext: ipv6 not configured (this node has no IPv6 half): out of scope",
	       "no IPv6 half: not configured");
	audit_free(&a);
}

/* The planner's own objects (plan_all) are what the audit checks against:
 * no problem, no entry without a key, the flows encrypted. */
static void test_planner(void)
{
	struct audit a;

	memset(&a, 0, sizeof(a));
	node(&a, true);
	ok(plan_all(&a.n.cfg, &a.n.keys, &a.n.peers, 2, 1500, &a.have) == 0, "planned");
	for (size_t i = 0; i < a.have.n_sas; i++)
		a.have.sas[i].packets = 5; /* as a dump after traffic shows them */
	flows(&a, traffic, ARRAY_SIZE(traffic));
	audit_correlate(&a);
	is_str(problems(&a, 0), "", "node2 (an IPv6 pair): no problem in the planner's objects");
	is_str(problems(&a, 1), "", "node3 (IPv6 over IPv4): no problem");
	is_int(a.peers[0].fam[AUDIT_V6].out_pol[SPI], 3, "node2's IPv6 OUT policies: both prefixes");
	ok(a.default_drop[AUDIT_V4] && a.default_drop[AUDIT_V6], "both default drops");
	is_int(a.n_nokey, 0, "no entry of either family without a key");
	is_str(judged(&a, "fd01:1::2", "fd01:2::2", 17), ENC, "the IPv6 pod flow: encrypted");
	is_str(judged(&a, "fd01:1::2", "fd00::2", 58), ENC, "to the IPv6 node ip: encrypted");
	is_str(judged(&a, "10.1.1.2", "10.1.2.2", 17), ENC, "the IPv4 one: encrypted");
	audit_free(&a);
}

/* trace's view: audit_decide6 alone, unchecked. */
static void test_decide6(void)
{
	struct audit a;
	uint8_t v, r;

	setup(&a, true, traffic, ARRAY_SIZE(traffic));
	scope6_build(&a.scope6, &a.n.cfg, &a.n.peers);
	ok(audit_decide6(&a.n.cfg, &a.scope6, &a.flows.v[0], &v, &r) && v == V_ENCRYPTED,
	   "a planned pair's marked flow: the programs' claim, to check");
	ok(!audit_decide6(&a.n.cfg, &a.scope6, &a.flows.v[1], &v, &r) && v == V_ENCRYPTED && r == R_ESP,
	   "its ESP: encrypted");
	ok(audit_decide6(&a.n.cfg, &a.scope6, &a.flows.v[8], &v, &r) && v == V_ENCRYPTED,
	   "IPv6 over IPv4's marked flow: a claim to check too");
	audit_free(&a);
}

int main(void)
{
	static char dir[] = "/tmp/tenc-test-audit6.XXXXXX";

	if (!mkdtemp(dir))
		abort();
	g.state_dir = dir; /* no rx.json: every IN SA counts from 0 */
	test_judged();
	test_missing();
	test_not_planned();
	test_planner();
	test_decide6();
	rmdir(dir);
	return done_testing();
}
