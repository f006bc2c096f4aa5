// SPDX-License-Identifier: GPL-2.0
/* test_dualstack.c: the IPv6 half of the model (issue 13, model layer):
 * node ips and cidrs of either family taken from the command line's
 * text; the checks a peer's IPv6 half must pass (and an IPv6-only peer's,
 * IPv4 cidrs needing an IPv4 node ip); kubectl node lists with
 * dual-stack, IPv6-only and IPv4-only nodes in one list, and tenc's own
 * JSON with and without the IPv6 fields; config.json's round trip and an
 * old file; a change of only the IPv6 half is a change; the plan of a
 * dual-stack node, with keys, is exactly its IPv4 half's plus the IPv6
 * objects; an IPv6-only node's or peer's plan has no IPv4 object. */
#include <stdlib.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/xfrm.h>
#include "node.h"
#include "nodelist.h"
#include "peerdiff.h"
#include "status.h"
#include "store.h"
#include "tap.h"
#include "tenc.h"

static void ip6(const char *s, uint8_t out[16])
{
	char err[128];

	if (parse_ipv6_node(s, out, err, sizeof(err)))
		abort();
}

static struct cidr6 c6(const char *s)
{
	struct cidr6 c;
	char err[128];

	if (parse_cidr6(s, &c, err, sizeof(err)))
		abort();
	return c;
}

static struct cidr c4(const char *s)
{
	struct cidr c;
	char err[128];

	if (parse_cidr(s, &c, err, sizeof(err)))
		abort();
	return c;
}

static void takes(void)
{
	uint32_t v4 = 0;
	uint8_t v6[16] = { 0 };
	unsigned have = 0;
	char err[160];
	struct cidr a[2];
	struct cidr6 b[2];
	int n4 = 0, n6 = 0;

	ok(node_ip_take("10.0.0.1", &v4, v6, &have, err, sizeof(err)) == 0 && have == 1, "an IPv4 node ip");
	ok(node_ip_take("fd00::1", &v4, v6, &have, err, sizeof(err)) == 0 && have == 3 && v6[15] == 1,
	   "and an IPv6 one beside it");
	ok(node_ip_take("fd00::2", &v4, v6, &have, err, sizeof(err)) && strstr(err, "second IPv6") && v6[15] == 1,
	   "a second IPv6 one is refused, the first kept (%s)", err);
	ok(node_ip_take("10.0.0.2", &v4, v6, &have, err, sizeof(err)) && strstr(err, "second IPv4"),
	   "a second IPv4 one is refused (%s)", err);
	have = 0;
	ok(node_ip_take("10.0.0.1,fd00::1", &v4, v6, &have, err, sizeof(err)) && strstr(err, "not one") && !have,
	   "families mixed in one value are refused (%s)", err);
	ok(node_ip_take("fe80::1", &v4, v6, &have, err, sizeof(err)) && strstr(err, "link-local"),
	   "a link-local one is refused (%s)", err);
	ok(node_ip_take("::ffff:10.0.0.1", &v4, v6, &have, err, sizeof(err)) && strstr(err, "IPv4-mapped"),
	   "an IPv4-mapped one is refused (%s)", err);
	ok(cidr_take("fd01::/64", a, &n4, b, &n6, 2, err, sizeof(err)) == 0 && n6 == 1 && n4 == 0,
	   "an IPv6 cidr goes to the IPv6 array");
	ok(cidr_take("10.1.0.0/24", a, &n4, b, &n6, 2, err, sizeof(err)) == 0 && n4 == 1, "an IPv4 one to the other");
	ok(cidr_take("fd01::/129", a, &n4, b, &n6, 2, err, sizeof(err)) && n6 == 1, "/129 is refused (%s)", err);
	ok(cidr_take("fd01::1/64", a, &n4, b, &n6, 2, err, sizeof(err)) && strstr(err, "host bits"),
	   "host bits are refused (%s)", err);
	ok(cidr_take("fd02::/64", a, &n4, b, &n6, 2, err, sizeof(err)) == 0 &&
	   cidr_take("fd03::/64", a, &n4, b, &n6, 2, err, sizeof(err)) && strstr(err, "at most 2 IPv6"),
	   "at most max per family (%s)", err);
}

/* The local node: 10.0.0.1 fd00::1, pods 10.1.1.0/24 fd01:1::/64; one
 * peer p2 with 10.0.0.2 fd00::2 and fd01:2::/64. */
static void local_node(struct node *n)
{
	struct peer *x;

	memset(n, 0, sizeof(*n));
	n->enabled = true;
	n->cfg.node_ip = htonl(0x0a000001);
	ip6("fd00::1", n->cfg.node_ip6);
	n->cfg.n_pod_cidrs = 1;
	n->cfg.pod_cidrs[0] = c4("10.1.1.0/24");
	n->cfg.n_pod_cidrs6 = 1;
	n->cfg.pod_cidrs6[0] = c6("fd01:1::/64");
	x = peers_add(&n->peers);
	snprintf(x->name, sizeof(x->name), "p2");
	x->id = 1;
	x->node_ip = htonl(0x0a000002);
	ip6("fd00::2", x->node_ip6);
	x->n_cidrs = 1;
	x->cidrs[0] = c4("10.1.2.0/24");
	x->n_cidrs6 = 1;
	x->cidrs6[0] = c6("fd01:2::/64");
}

/* A candidate p3 (10.0.0.3, 10.1.3.0/24) with the IPv6 half given. */
static int check3(const struct node *n, const char *node6, const char *ca, const char *cb, char *err, size_t len)
{
	struct peer x = { .name = "p3", .node_ip = htonl(0x0a000003), .n_cidrs = 1 };

	x.cidrs[0] = c4("10.1.3.0/24");
	if (node6)
		ip6(node6, x.node_ip6);
	if (ca)
		x.cidrs6[x.n_cidrs6++] = c6(ca);
	if (cb)
		x.cidrs6[x.n_cidrs6++] = c6(cb);
	return node_check_peer(n, &x, NULL, err, len);
}

static void checks(void)
{
	struct node n;
	char err[192];
	struct peer x = { .name = "p3" };

	local_node(&n);
	ok(check3(&n, "fd00::3", "fd01:3::/64", "fd03::/48", err, sizeof(err)) == 0, "a dual-stack peer passes");
	ok(check3(&n, NULL, NULL, NULL, err, sizeof(err)) == 0, "an IPv4-only one too");
	ok(check3(&n, "fd00::2", NULL, NULL, err, sizeof(err)) && !strcmp(err, "--node-ip: fd00::2 is peer 'p2''s node ip"),
	   "a shared IPv6 node ip: %s", err);
	ok(check3(&n, "fd00::1", NULL, NULL, err, sizeof(err)) && !strcmp(err, "--node-ip: fd00::1 is this node's own ip"),
	   "the local IPv6 node ip: %s", err);
	ok(check3(&n, NULL, "fd01:3::/64", "fd01:3::/48", err, sizeof(err)) && strstr(err, "--cidr: fd01:3::/48 overlaps fd01:3::/64"),
	   "its own IPv6 cidrs overlap: %s", err);
	ok(check3(&n, NULL, "fd01:2::8:0:0/96", NULL, err, sizeof(err)) &&
	   !strcmp(err, "--cidr: fd01:2::8:0:0/96 overlaps peer 'p2''s fd01:2::/64"), "another peer's: %s", err);
	ok(check3(&n, NULL, "fd01::/16", NULL, err, sizeof(err)) &&
	   !strcmp(err, "--cidr: fd01::/16 overlaps the local pod cidr fd01:1::/64"), "the local pod cidr: %s", err);
	ok(check3(&n, NULL, "::/0", NULL, err, sizeof(err)) && strstr(err, "overlaps"), "::/0 overlaps all: %s", err);
	/* Families never clash with each other: 10.1.2.0/24 as IPv6 bits. */
	ok(check3(&n, NULL, "a01:200::/24", NULL, err, sizeof(err)) == 0, "an IPv6 prefix never clashes with an IPv4 one");
	ip6("fd00::3", x.node_ip6);
	x.n_cidrs = 1;
	x.cidrs[0] = c4("10.1.3.0/24");
	ok(node_check_peer(&n, &x, NULL, err, sizeof(err)) && !strcmp(err, "--cidr: " IPV4_CIDRS_NEED_IP),
	   "an IPv6 node ip only, with an IPv4 cidr: %s", err);
	x.n_cidrs = 0;
	x.n_cidrs6 = 1;
	x.cidrs6[0] = c6("fd01:3::/64");
	ok(node_check_peer(&n, &x, NULL, err, sizeof(err)) == 0, "IPv6-only (node ip and cidr) passes: %s", err);
	x.n_cidrs6 = 0;
	ok(node_check_peer(&n, &x, NULL, err, sizeof(err)) && !strncmp(err, "--cidr: required", 16),
	   "no cidr of either family: %s", err);
	memset(x.node_ip6, 0, 16);
	x.n_cidrs6 = 1;
	ok(node_check_peer(&n, &x, NULL, err, sizeof(err)) && !strncmp(err, "--node-ip: required", 19),
	   "no node ip of either family: %s", err);
	/* Two peers without an IPv6 node ip do not share one. */
	memset(n.peers.v[0].node_ip6, 0, 16);
	memset(n.cfg.node_ip6, 0, 16);
	ok(check3(&n, NULL, NULL, NULL, err, sizeof(err)) == 0, "no IPv6 node ip is no shared IPv6 node ip");
	peers_free(&n.peers);
}

static const char kube[] =
	"{\"items\": ["
	/* dual-stack: the first InternalIP of each family, both cidrs */
	"{\"metadata\": {\"name\": \"dual\"}, \"spec\": {\"podCIDRs\": [\"fd01:2::/64\", \"10.1.2.0/24\"]},"
	" \"status\": {\"addresses\": [{\"type\": \"InternalIP\", \"address\": \"::ffff:10.9.9.9\"},"
	" {\"type\": \"InternalIP\", \"address\": \"fd00::2\"},"
	" {\"type\": \"ExternalIP\", \"address\": \"2001:db8::2\"},"
	" {\"type\": \"InternalIP\", \"address\": \"fd00::22\"}, {\"type\": \"InternalIP\", \"address\": \"10.0.0.2\"},"
	" {\"type\": \"InternalIP\", \"address\": \"10.0.0.22\"}]}},"
	"{\"metadata\": {\"name\": \"v4\"}, \"spec\": {\"podCIDR\": \"10.1.3.0/24\"},"
	" \"status\": {\"addresses\": [{\"type\": \"InternalIP\", \"address\": \"10.0.0.3\"}]}},"
	"{\"metadata\": {\"name\": \"v6\"}, \"spec\": {\"podCIDRs\": [\"fd01:4::/64\"]},"
	" \"status\": {\"addresses\": [{\"type\": \"InternalIP\", \"address\": \"fd00::4\"}]}},"
	"{\"metadata\": {\"name\": \"v6v4cidr\"}, \"spec\": {\"podCIDRs\": [\"fd01:8::/64\", \"10.1.8.0/24\"]},"
	" \"status\": {\"addresses\": [{\"type\": \"InternalIP\", \"address\": \"fd00::8\"}]}},"
	"{\"metadata\": {\"name\": \"v6cidr\"}, \"spec\": {\"podCIDRs\": [\"fd01:5::/64\"]},"
	" \"status\": {\"addresses\": [{\"type\": \"InternalIP\", \"address\": \"10.0.0.5\"}]}},"
	"{\"metadata\": {\"name\": \"ll\"}, \"spec\": {\"podCIDRs\": [\"10.1.6.0/24\"]},"
	" \"status\": {\"addresses\": [{\"type\": \"InternalIP\", \"address\": \"10.0.0.6\"},"
	" {\"type\": \"InternalIP\", \"address\": \"fe80::6\"}]}},"
	"{\"metadata\": {\"name\": \"hostbits\"}, \"spec\": {\"podCIDRs\": [\"10.1.7.0/24\", \"fd01:7::1/64\"]},"
	" \"status\": {\"addresses\": [{\"type\": \"InternalIP\", \"address\": \"10.0.0.7\"}]}}"
	"]}";

static const char *reason_of(const struct node_rejects *r, const char *name)
{
	for (size_t i = 0; i < r->n; i++)
		if (!strcmp(r->v[i].name, name))
			return r->v[i].reason;
	return "";
}

static void nodelists(void)
{
	struct peers out;
	struct node_rejects rej;
	char err[256], a[64], b[64];
	const struct peer *d, *v, *o;

	ok(nodelist_parse(kube, sizeof(kube) - 1, NULL, &out, &rej, err, sizeof(err)) == 0, "a dual-stack list parses");
	is_int(out.n, 4, "four nodes can be peered");
	d = peers_find(&out, "dual");
	v = peers_find(&out, "v4");
	o = peers_find(&out, "v6");
	ok(o && !o->node_ip && !strcmp(fmt_ipv6(o->node_ip6, a, sizeof(a)), "fd00::4") && !o->n_cidrs &&
	   o->n_cidrs6 == 1, "v6: an IPv6-only node, peered");
	o = peers_find(&out, "v6cidr");
	ok(o && o->node_ip == htonl(0x0a000005) && !o->n_cidrs && o->n_cidrs6 == 1,
	   "v6cidr: an IPv4 node ip and IPv6 pod cidrs only, peered (IPv6 over IPv4)");
	ok(d && d->node_ip == htonl(0x0a000002) && !strcmp(fmt_ipv6(d->node_ip6, a, sizeof(a)), "fd00::2"),
	   "dual: the first InternalIP of each family (an IPv4-mapped one passed over)");
	ok(d && d->n_cidrs == 1 && d->n_cidrs6 == 1 && !strcmp(fmt_cidr6(&d->cidrs6[0], b, sizeof(b)), "fd01:2::/64"),
	   "dual: both pod cidrs");
	ok(v && ipv6_is_zero(v->node_ip6) && v->n_cidrs6 == 0 && v->n_cidrs == 1, "v4: IPv4 only, as before");
	is_int(rej.n, 3, "three rejected");
	is_str(reason_of(&rej, "v6v4cidr"), "spec.podCIDRs: " IPV4_CIDRS_NEED_IP,
	       "an IPv4 pod cidr on a node with an IPv6 InternalIP only, with the reason");
	ok(!strncmp(reason_of(&rej, "ll"), "node_ip6: ", 10) && strstr(reason_of(&rej, "ll"), "link-local"),
	   "a link-local InternalIP: %s", reason_of(&rej, "ll"));
	ok(strstr(reason_of(&rej, "hostbits"), "cidrs[1]: ") && strstr(reason_of(&rej, "hostbits"), "host bits"),
	   "host bits: %s", reason_of(&rej, "hostbits"));
	peers_free(&out);
	rejects_free(&rej);
}

static void tenc_json(void)
{
	static const char doc[] =
		"{\"peers\": [{\"name\": \"a\", \"id\": 1, \"node_ip\": \"10.0.0.2\", \"cidrs\": [\"10.1.2.0/24\"],"
		" \"node_ip6\": \"fd00::2\", \"cidrs6\": [\"fd01:2::/64\"]},"
		"{\"name\": \"b\", \"node_ip\": \"10.0.0.3\", \"cidrs\": [\"10.1.3.0/24\", \"fd01:3::/64\"]},"
		"{\"name\": \"c\", \"node_ip\": \"10.0.0.4\", \"cidrs\": [\"10.1.4.0/24\"]},"
		"{\"name\": \"d\", \"node_ip6\": \"fd00::5\", \"cidrs\": [\"10.1.5.0/24\"]},"
		"{\"name\": \"e\", \"node_ip\": \"10.0.0.6\", \"cidrs\": [\"10.1.6.0/24\"], \"cidrs6\": [\"10.1.7.0/24\"]},"
		"{\"name\": \"f\", \"node_ip6\": \"fd00::7\", \"cidrs\": [\"fd01:7::/64\"]},"
		"{\"name\": \"g\", \"cidrs\": [\"fd01:8::/64\"]}]}";
	struct peers out;
	struct node_rejects rej;
	char err[256];
	const struct peer *a, *b, *c;

	ok(nodelist_parse(doc, sizeof(doc) - 1, NULL, &out, &rej, err, sizeof(err)) == 0, "tenc's JSON parses");
	a = peers_find(&out, "a");
	b = peers_find(&out, "b");
	c = peers_find(&out, "c");
	ok(a && !ipv6_is_zero(a->node_ip6) && a->n_cidrs6 == 1, "node_ip6 and cidrs6 are read");
	ok(b && b->n_cidrs == 1 && b->n_cidrs6 == 1, "an IPv6 entry of cidrs is read as IPv6");
	ok(c && ipv6_is_zero(c->node_ip6) && !c->n_cidrs6, "an older tenc's entry reads as before");
	is_str(reason_of(&rej, "d"), "cidrs: " IPV4_CIDRS_NEED_IP, "an IPv4 cidr without an IPv4 node ip");
	a = peers_find(&out, "f");
	ok(a && !a->node_ip && !ipv6_is_zero(a->node_ip6) && !a->n_cidrs && a->n_cidrs6 == 1,
	   "IPv6-only in tenc's form (no node_ip), peered");
	is_str(reason_of(&rej, "g"), "node_ip: missing", "no node ip of either family");
	ok(!strncmp(reason_of(&rej, "e"), "cidrs6[0]: ", 11), "an IPv4 prefix in cidrs6: %s", reason_of(&rej, "e"));
	peers_free(&out);
	rejects_free(&rej);
}

static void same_objects(void)
{
	struct node n;
	struct peer x;

	local_node(&n);
	x = n.peers.v[0];
	ok(peer_same_objects(&x, &n.peers.v[0]), "a peer is the same as itself");
	x.node_ip6[15] = 9;
	ok(!peer_same_objects(&x, &n.peers.v[0]), "a new IPv6 node ip only is a change");
	x = n.peers.v[0];
	x.cidrs6[0].len = 80;
	ok(!peer_same_objects(&x, &n.peers.v[0]), "a new IPv6 cidr only is a change");
	x.n_cidrs6 = 0;
	ok(!peer_same_objects(&x, &n.peers.v[0]), "losing the IPv6 cidrs is a change");
	peers_free(&n.peers);
}

/* want - have and have - want, kind by kind. */
static bool diff(const struct plan *want, const struct plan *have, struct plan *m, struct plan *e)
{
	memset(m, 0, sizeof(*m));
	memset(e, 0, sizeof(*e));
	return plan_diff(want, have, m, e) == 0;
}

static bool plan_empty(const struct plan *p)
{
	return !p->spd && !p->spd6 && !p->n_sas && !p->n_pols && !p->n_routes && !p->n_rules && !p->n_ipc;
}

/* Is every object of p of IPv6 (for SAs and policies: outer and inner)? */
static bool all_ipv6(const struct plan *p)
{
	for (size_t i = 0; i < p->n_sas; i++)
		if (p->sas[i].family != AF_INET6 || p->sas[i].sel_family != AF_INET6)
			return false;
	for (size_t i = 0; i < p->n_pols; i++)
		if (p->pols[i].sel_family != AF_INET6 ||
		    (!p->pols[i].block && !p->pols[i].allow_plain && p->pols[i].tmpl_family != AF_INET6))
			return false;
	for (size_t i = 0; i < p->n_routes; i++)
		if (p->routes[i].family != AF_INET6)
			return false;
	for (size_t i = 0; i < p->n_rules; i++)
		if (p->rules[i].family != AF_INET6)
			return false;
	for (size_t i = 0; i < p->n_ipc; i++)
		if (p->ipc[i].family != AF_INET6)
			return false;
	return true;
}

static const struct xpol *find_pol(const struct plan *p, int dir, const char *dst, uint8_t len, uint32_t prio)
{
	uint8_t a[16];

	if (inet_pton(AF_INET6, dst, a) != 1)
		abort();
	for (size_t i = 0; i < p->n_pols; i++)
		if (p->pols[i].dir == dir && p->pols[i].priority == prio && p->pols[i].sel_dst_len == len &&
		    !memcmp(p->pols[i].sel_dst6, a, 16))
			return &p->pols[i];
	return NULL;
}

static const struct ipc_entry *find_ipc(const struct plan *p, const char *pfx, uint8_t len)
{
	struct cidr6 c = { .len = len };

	ip6(pfx, c.addr);
	for (size_t i = 0; i < p->n_ipc; i++)
		if (p->ipc[i].family == AF_INET6 && !cidr6_cmp(&p->ipc[i].prefix6, &c))
			return &p->ipc[i];
	return NULL;
}

/* The IPv6 objects of the dual-stack pair local_node() plans (two keys,
 * 3 current and 4 pending; OUT on 3): m, what the IPv6 half adds. */
static void ipv6_objects(const struct plan *m)
{
	uint8_t me[16], it[16];
	const struct xpol *x;
	const struct ipc_entry *e;
	size_t out = 0, in = 0;

	ip6("fd00::1", me);
	ip6("fd00::2", it);
	ok(all_ipv6(m), "every object the IPv6 half adds is IPv6, outer and inner");
	ok(m->spd6 && !m->spd, "  and the IPv6 policy hash thresholds");
	is_int((int)m->n_sas, 4, "  an OUT and an IN SA per key");
	for (size_t i = 0; i < m->n_sas; i++) {
		const struct xsa *a = &m->sas[i];

		out += !memcmp(a->src6, me, 16) && !memcmp(a->dst6, it, 16) && !a->mark && a->key_base;
		in += !memcmp(a->src6, it, 16) && !memcmp(a->dst6, me, 16) && a->mark == TENC_MARK_IN(1) &&
		      a->mark_mask == TENC_MARK_IN_MASK && a->replay_window == TENC_IN_REPLAY_WINDOW;
	}
	ok(out == 2 && in == 2, "  between the IPv6 node ips, the IN SAs with the ingress mark (%zu out, %zu in)", out, in);
	is_int((int)m->n_pols, 8, "  policies: default drop, in, fwd, 2 per key (node ip, cidr), 1 node-originated");
	ok((x = find_pol(m, XFRM_POLICY_OUT, "::", 0, PRIO_DROP)) && x->block && x->mark == TENC_MARK_ENCRYPT &&
	   x->mark_mask == TENC_MARK_TYPE_MASK, "  the IPv6 default drop");
	ok((x = find_pol(m, XFRM_POLICY_IN, "::", 0, PRIO_INFWD)) && x->mark == TENC_MARK_DECRYPT && !x->reqid,
	   "  the IPv6 in policy");
	ok((x = find_pol(m, XFRM_POLICY_OUT, "fd00::2", 128, PRIO_PEER)) && x->mark == TENC_MARK_OUT(3, 1) &&
	   x->mark_mask == TENC_MARK_OUT_MASK && !memcmp(x->tmpl_src6, me, 16) && !memcmp(x->tmpl_dst6, it, 16) &&
	   x->reqid == TENC_REQID(3), "  the marked OUT policy of the peer's IPv6 node ip, spi 3");
	ok((x = find_pol(m, XFRM_POLICY_OUT, "fd01:2::", 64, PRIO_HOST)) && x->mark == 0 &&
	   x->mark_mask == TENC_MARK_TYPE_MASK && x->reqid == TENC_REQID(3), "  the node-originated one, on OUT's spi");
	ok(m->n_rules == 1 && m->rules[0].fwmark == TENC_MARK_ENCRYPT && m->rules[0].table == TENC_TABLE,
	   "  the IPv6 fwmark rule");
	ok(m->n_routes == 1 && m->routes[0].mtu == 1500 - 80 && m->routes[0].dst_len == 64,
	   "  a route per IPv6 cidr, mtu less the IPv6 ESP overhead of AES-GCM (%u)", m->n_routes ? m->routes[0].mtu : 0);
	is_int((int)m->n_ipc, 3, "  ipcache6: the local cidr, the peer's node ip and cidr");
	ok((e = find_ipc(m, "fd01:1::", 64)) && e->val.flags == IPC_F_LOCAL, "  the local one LOCAL");
	ok((e = find_ipc(m, "fd00::2", 128)) && e->val.flags == IPC_F_NODE && e->val.peer_id == 1 && e->val.spi == 3,
	   "  the node ip a NODE entry of the peer, spi 3");
	ok((e = find_ipc(m, "fd01:2::", 64)) && !e->val.flags && e->val.peer_id == 1 && e->val.spi == 3,
	   "  the cidr marked for the peer, spi 3");
}

/* The IPv6 objects m of local_node() when its peer has no IPv6 node ip
 * (p: the whole plan). */
static void ipv6_over_ipv4(const struct plan *p, const struct plan *m)
{
	const struct xpol *x;
	const struct ipc_entry *e;
	size_t any = 0;

	for (size_t i = 0; i < p->n_sas; i++)
		any += p->sas[i].family != AF_INET6 && p->sas[i].sel_any;
	ok(p->n_sas == 4 && any == 4, "  the IPv4 SAs carry either family (%zu of %zu)", any, p->n_sas);
	ok(!m->n_sas && m->spd6 && m->n_rules == 1, "  no IPv6 SA; hthresh6 and the IPv6 rule");
	is_int((int)m->n_pols, 6, "  policies: default drop, in, fwd, 1 per key (the cidr), 1 node-originated");
	ok((x = find_pol(m, XFRM_POLICY_OUT, "fd01:2::", 64, PRIO_PEER)) && x->sel_family == AF_INET6 &&
	   kfam(x->tmpl_family) == AF_INET && x->tmpl_src == htonl(0x0a000001) && x->tmpl_dst == htonl(0x0a000002) &&
	   x->mark == TENC_MARK_OUT(3, 1), "  the marked OUT policy: IPv6 selector, IPv4 template between the node ips");
	ok((x = find_pol(m, XFRM_POLICY_OUT, "fd01:2::", 64, PRIO_HOST)) && kfam(x->tmpl_family) == AF_INET &&
	   x->reqid == TENC_REQID(3), "  the node-originated one too");
	ok(m->n_routes == 1 && m->routes[0].family == AF_INET6 && m->routes[0].mtu == 1500 - 60,
	   "  the route's mtu less the IPv4 ESP overhead (%u)", m->n_routes ? m->routes[0].mtu : 0);
	is_int((int)m->n_ipc, 2, "  ipcache6: the local cidr and the peer's (no node ip entry)");
	ok((e = find_ipc(m, "fd01:2::", 64)) && e->val.peer_id == 1 && e->val.spi == 3, "  the cidr marked for the peer");
}

/* local_node(), encrypting, with two keys (3 current, 4 pending; OUT on
 * 3), its peer's epoch known. */
static void keyed_node(struct node *n)
{
	char err[128];

	local_node(n);
	n->cfg.encrypt = true;
	n->cfg.epoch = 0x1122334455667788ull;
	n->ifindex = 2;
	n->mtu = 1500;
	n->keys.n = 2;
	if (key_parse_line("3+ rfc4106(gcm(aes)) 0102030405060708090a0b0c0d0e0f1011121314 128", &n->keys.v[0].k, err,
			   sizeof(err)) ||
	    key_parse_line("4+ rfc4106(gcm(aes)) 1102030405060708090a0b0c0d0e0f1011121314 128", &n->keys.v[1].k, err,
			   sizeof(err)))
		abort();
	n->keys.v[0].state = KEY_CURRENT;
	n->keys.v[1].state = KEY_PENDING;
	n->peers.v[0].out_spi = 3;
	n->peers.v[0].epoch = 0x99;
}

/* Does p hold an object of IPv4 (any SA, policy, route, rule or ipcache
 * entry whose family is IPv4, outer or inner)? */
static bool any_ipv4(const struct plan *p)
{
	return p->spd || !all_ipv6(p);
}

/* Drop the IPv4 half of the node (cfg) or of its peer. */
static void no_ipv4(struct node *n, bool node)
{
	if (node) {
		n->cfg.node_ip = 0;
		n->cfg.n_pod_cidrs = 0;
	} else {
		n->peers.v[0].node_ip = 0;
		n->peers.v[0].n_cidrs = 0;
	}
}

/* IPv6-only nodes and peers: a pair without IPv4 node ips on both plans
 * no IPv4 object of the peer's; without IPv6 ones on both, IPv6 over
 * IPv4 when both have IPv4 ones, else nothing. */
/* keyed_node's keys and peers freed. */
static void node_done(struct node *n)
{
	keys_wipe(&n->keys);
	peers_free(&n->peers);
}

static void ipv6_only_plans(void)
{
	struct node n;
	struct plan p = { 0 }, q = { 0 };
	size_t drops;

	keyed_node(&n);
	no_ipv4(&n, true);
	no_ipv4(&n, false);
	ok(node_plan(&n, &p) == 0 && !any_ipv4(&p), "IPv6-only node and peer: no IPv4 object at all");
	ipv6_objects(&p);
	plan_free(&p);
	node_done(&n);
	keyed_node(&n);
	no_ipv4(&n, false);
	ok(node_plan(&n, &p) == 0 && p.spd && p.spd6, "a dual-stack node, an IPv6-only peer: both families' node-wide objects");
	ok(plan_peer(&n.cfg, &n.keys, &n.peers.v[0], 2, 1500, &q) == 0 && q.n_sas == 4 && !any_ipv4(&q),
	   "  the peer's objects: IPv6 only (%zu SAs)", q.n_sas);
	ok(plan_v6_outer(&n.cfg, &n.peers.v[0]) == AF_INET6 && !plan_pair4(&n.cfg, &n.peers.v[0]), "  an IPv6 pair, no IPv4 one");
	plan_free(&p);
	plan_free(&q);
	node_done(&n);
	keyed_node(&n);
	no_ipv4(&n, true);
	ok(node_plan(&n, &p) == 0 && !any_ipv4(&p) && p.n_sas == 4,
	   "an IPv6-only node, a dual-stack peer: the peer's IPv4 half unplanned (IPv4 is not carried over IPv6)");
	plan_free(&p);
	/* An IPv4 node ip with IPv6 pod cidrs, an IPv6-only peer: no node ips
	 * of one family, nothing planned for the peer; status says why. */
	node_done(&n);
	keyed_node(&n);
	memset(n.cfg.node_ip6, 0, 16);
	n.cfg.n_pod_cidrs = 0;
	no_ipv4(&n, false);
	ok(plan_v6_outer(&n.cfg, &n.peers.v[0]) == 0 && !plan_pair4(&n.cfg, &n.peers.v[0]), "no pair of either family");
	ok(plan_peer(&n.cfg, &n.keys, &n.peers.v[0], 2, 1500, &q) == 0 && plan_empty(&q), "  nothing planned for the peer");
	is_int(status_ipv6(&n.cfg, &n.peers.v[0]), V6_NO_PAIR, "  status: not encrypted, no pair");
	memset(n.cfg.node_ip6, 0, 16);
	n.cfg.n_pod_cidrs6 = 0;
	n.cfg.n_pod_cidrs = 1;
	is_int(status_ipv6(&n.cfg, &n.peers.v[0]), V6_NO_LOCAL, "  an IPv4-only node: no IPv6 half here");
	plan_free(&q);
	/* Subnet mode: an IPv6 subnet on that IPv4-only node marks its
	 * addresses for the IPv6 default drop, which so exists. */
	n.cfg.mode = MODE_SUBNET;
	n.cfg.n_subnets6 = 1;
	n.cfg.subnets6[0] = c6("fd01::/16");
	ok(plan_node(&n.cfg, 2, 1500, &q) == 0 && q.spd6 && q.n_rules == 2, "an IPv6 subnet, no IPv6 half: the IPv6 node-wide objects");
	drops = 0;
	for (size_t i = 0; i < q.n_pols; i++)
		drops += q.pols[i].sel_family == AF_INET6 && q.pols[i].priority == PRIO_DROP && q.pols[i].block;
	is_int((int)drops, 1, "  the IPv6 default drop");
	plan_free(&q);
	node_done(&n);
}

/* The planner's objects with the IPv6 half and without it. */
static void plans(void)
{
	struct node n, v4;
	struct plan p6 = { 0 }, p4 = { 0 }, m, e;

	keyed_node(&n);
	v4 = n;
	v4.peers.v = malloc(sizeof(struct peer));
	v4.peers.v[0] = n.peers.v[0];
	memset(v4.cfg.node_ip6, 0, 16);
	v4.cfg.n_pod_cidrs6 = 0;
	memset(v4.peers.v[0].node_ip6, 0, 16);
	v4.peers.v[0].n_cidrs6 = 0;
	ok(node_plan(&n, &p6) == 0 && node_plan(&v4, &p4) == 0 && p4.n_sas > 0 && p4.n_pols > 0,
	   "both planned (%zu SAs, %zu policies, %zu routes, %zu ipcache entries)", p4.n_sas, p4.n_pols, p4.n_routes,
	   p4.n_ipc);
	ok(diff(&p6, &p4, &m, &e) && plan_empty(&e), "the dual-stack plan holds its IPv4 half's, unchanged");
	ipv6_objects(&m);
	plan_free(&m);
	plan_free(&e);
	plan_free(&p6);
	/* IPv6 over IPv4 (the peer has no IPv6 node ip): its IPv6 prefixes
	 * are policed and routed as IPv6, their templates and SAs are the
	 * IPv4 ones, which carry both families (sel_any). */
	memset(n.peers.v[0].node_ip6, 0, 16);
	ok(node_plan(&n, &p6) == 0 && diff(&p6, &p4, &m, &e) && plan_empty(&e), "IPv6 over IPv4: planned");
	ipv6_over_ipv4(&p6, &m);
	plan_free(&m);
	plan_free(&e);
	plan_free(&p6);
	plan_free(&p4);
	free(v4.peers.v);
	keys_wipe(&n.keys);
	peers_free(&n.peers);
}

static void config_files(void)
{
	static char dir[] = "/tmp/tenc-test-dual.XXXXXX";
	static const char old[] =
		"{\"devs\": [{\"name\": \"pod0\", \"qdisc_created\": true}], \"encrypt\": true, \"mode\": \"endpoint\","
		" \"node_ip\": \"10.0.0.1\", \"pod_cidrs\": [\"10.1.1.0/24\"], \"subnets\": [],"
		" \"underlay\": {\"name\": \"eth0\", \"qdisc_created\": false}}";
	struct tenc_config c, d;
	char err[160], path[256], text[4096];
	FILE *f;
	size_t len;

	ok(config_parse(old, sizeof(old) - 1, &c, err, sizeof(err)) == 0 && ipv6_is_zero(c.node_ip6) &&
	   !c.n_pod_cidrs6, "an older config.json loads, without an IPv6 half");
	if (!mkdtemp(dir))
		abort();
	g.state_dir = dir;
	snprintf(path, sizeof(path), "%s/config.json", dir);
	ok(config_save(&c) == 0, "saved");
	f = fopen(path, "r");
	len = f ? fread(text, 1, sizeof(text) - 1, f) : 0;
	text[len] = '\0';
	if (f)
		fclose(f);
	ok(!strstr(text, "node_ip6") && !strstr(text, "pod_cidrs6"), "an IPv4-only config is written as before");
	ip6("fd00::1", c.node_ip6);
	c.n_pod_cidrs6 = 2;
	c.pod_cidrs6[0] = c6("fd01:1::/64");
	c.pod_cidrs6[1] = c6("2001:db8:1::/48");
	ok(config_save(&c) == 0 && config_load(&d) == 0, "a dual-stack config saved and loaded");
	ok(!memcmp(c.node_ip6, d.node_ip6, 16) && d.n_pod_cidrs6 == 2 && !cidr6_cmp(&c.pod_cidrs6[1], &d.pod_cidrs6[1]) &&
	   d.node_ip == c.node_ip && d.n_pod_cidrs == 1, "the same, both halves");
	ok(config_parse("{\"node_ip6\": \"fe80::1\"}", 22, &d, err, sizeof(err)) != 0, "a bad file is refused");
	{
		static const char bad[] =
			"{\"devs\": [], \"encrypt\": true, \"mode\": \"endpoint\", \"node_ip\": \"10.0.0.1\","
			" \"node_ip6\": \"fe80::1\", \"pod_cidrs\": [\"10.1.1.0/24\"], \"subnets\": [],"
			" \"underlay\": {\"name\": \"eth0\", \"qdisc_created\": false}}";

		ok(config_parse(bad, sizeof(bad) - 1, &d, err, sizeof(err)) && strstr(err, "node_ip6: "),
		   "a link-local node_ip6 is refused, naming it: %s", err);
	}
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	takes();
	checks();
	nodelists();
	tenc_json();
	same_objects();
	plans();
	ipv6_only_plans();
	config_files();
	return done_testing();
}
