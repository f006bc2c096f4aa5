// SPDX-License-Identifier: GPL-2.0
/* test_plan6.c: the planner's comparisons with IPv6 objects (issue 13):
 * plan_*_same and plan_diff (plandiff.c) and converge_compute's kernel
 * identities (converge.c) read each object's families and only the bytes
 * of its addresses' family. Two objects that differ only in family, or
 * only in bytes 4..15 of an IPv6 address, differ; two IPv4 objects whose
 * undefined bytes 4..15 differ are the same; family 0 is AF_INET. An
 * updated IPv6 policy, route or ipcache entry is replaced in place, an
 * IPv6 SA in the way of its re-key removed first; mixed plans diff
 * kind by kind, IPv4 first, in IPv4's old order. Pure: no kernel. */
#include <stdlib.h>
#include <arpa/inet.h>
#include <linux/xfrm.h>
#include "converge.h"
#include "tap.h"

static void a6(uint8_t out[16], const char *s)
{
	if (inet_pton(AF_INET6, s, out) != 1)
		abort();
}

/* An IPv4 address in a KADDR whose bytes 4..15 are garbage. */
static void a4_junk(uint8_t out[16], uint32_t host, uint8_t junk)
{
	uint32_t n = htonl(host);

	memset(out, junk, 16);
	memcpy(out, &n, 4);
}

static struct xsa sa6(const char *src, const char *dst)
{
	struct xsa s = { .family = AF_INET6, .sel_family = AF_INET6, .spi = 3, .reqid = TENC_REQID(3),
			 .mark = 0x10e00, .mark_mask = 0xffff00 };

	a6(s.src6, src);
	a6(s.dst6, dst);
	return s;
}

static struct xpol pol6(const char *dst, uint8_t len, const char *tmpl_dst)
{
	struct xpol p = { .dir = XFRM_POLICY_OUT, .sel_family = AF_INET6, .tmpl_family = AF_INET6,
			  .sel_dst_len = len, .mark = 0x13e00, .mark_mask = 0xffff00, .priority = 100,
			  .reqid = TENC_REQID(3) };

	a6(p.sel_dst6, dst);
	a6(p.tmpl_src6, "fd00::1");
	a6(p.tmpl_dst6, tmpl_dst);
	return p;
}

static struct rroute route6(const char *dst, uint8_t len, uint32_t mtu)
{
	struct rroute r = { .family = AF_INET6, .table = 2005, .dst_len = len, .oif = 2, .mtu = mtu,
			    .protocol = 0xe5 };

	a6(r.dst6, dst);
	return r;
}

static struct ipc_entry ipc6(const char *addr, uint8_t len, uint8_t spi)
{
	struct ipc_entry e = { .family = AF_INET6, .val = { .peer_id = 1, .spi = spi } };

	a6(e.prefix6.addr, addr);
	e.prefix6.len = len;
	return e;
}

/* An IPv4 ipcache entry whose union bytes past .prefix are garbage. */
static struct ipc_entry ipc4_junk(uint32_t host, uint8_t len, uint8_t spi, uint8_t junk)
{
	struct ipc_entry e;

	memset(&e, junk, sizeof(e));
	e.family = 0;
	e.prefix = (struct cidr){ htonl(host), len };
	e.val = (struct ipcache_val){ .peer_id = 1, .spi = spi };
	return e;
}

/* Objects plan_diff finds missing or extra between one-object plans. */
static size_t ndiff(const struct plan *w, const struct plan *h)
{
	struct plan m = { 0 }, e = { 0 };
	size_t n;

	if (plan_diff(w, h, &m, &e))
		abort();
	n = m.n_sas + m.n_pols + m.n_routes + m.n_rules + m.n_ipc + e.n_sas + e.n_pols + e.n_routes +
	    e.n_rules + e.n_ipc;
	plan_free(&m);
	plan_free(&e);
	return n;
}

static size_t ipc_diff(struct ipc_entry a, struct ipc_entry b)
{
	return ndiff(&(struct plan){ .ipc = &a, .n_ipc = 1 }, &(struct plan){ .ipc = &b, .n_ipc = 1 });
}

static void sas(void)
{
	struct xsa a = sa6("fd00::1", "fd00::2"), b = a;

	ok(plan_sa_same(&a, &b), "SA: an IPv6 SA is its copy");
	b.dst6[15] = 3;
	ok(!plan_sa_same(&a, &b), "  another dst (last byte): another SA");
	b = a, b.dst6[8] ^= 1;
	ok(!plan_sa_same(&a, &b), "  dst differing in byte 8 only: another SA");
	b = a, b.src6[12] ^= 1;
	ok(!plan_sa_same(&a, &b), "  src differing in byte 12 only: another SA");
	b = a, b.family = AF_INET;
	ok(!plan_sa_same(&a, &b), "  the same bytes, outer family IPv4: another SA");
	b = a, b.sel_family = AF_INET;
	ok(!plan_sa_same(&a, &b), "  the same, inner family IPv4: another SA");
	a = (struct xsa){ .spi = 3, .reqid = TENC_REQID(3) }, b = a;
	a4_junk(a.src6, 0x0a000001, 0xa5), a4_junk(a.dst6, 0x0a000002, 0xa5);
	a4_junk(b.src6, 0x0a000001, 0x5a), a4_junk(b.dst6, 0x0a000002, 0x5a);
	ok(plan_sa_same(&a, &b), "  IPv4 SAs whose bytes 4..15 differ: the same");
	b.family = b.sel_family = AF_INET;
	ok(plan_sa_same(&a, &b), "  family 0 and AF_INET: the same");
	is_int(ndiff(&(struct plan){ .sas = &a, .n_sas = 1 }, &(struct plan){ .sas = &b, .n_sas = 1 }), 0,
	       "  and plan_diff finds nothing between them");
}

static void pols(void)
{
	struct xpol a = pol6("fd01:0:0:2::", 64, "fd00::2"), b = a;

	ok(plan_pol_same(&a, &b), "policy: an IPv6 policy is its copy");
	b.sel_dst6[7] = 3;
	ok(!plan_pol_same(&a, &b), "  selector dst differing in byte 7 only: another policy");
	b = a, b.sel_src6[10] = 1;
	ok(!plan_pol_same(&a, &b), "  selector src differing in byte 10 only: another policy");
	b = a, b.tmpl_dst6[15] = 9;
	ok(!plan_pol_same(&a, &b), "  template dst differing in byte 15 only: another policy");
	b = a, b.sel_family = AF_INET;
	ok(!plan_pol_same(&a, &b), "  selector family IPv4: another policy");
	b = a, b.tmpl_family = AF_INET;
	ok(!plan_pol_same(&a, &b), "  template family IPv4: another policy");
	a = (struct xpol){ .dir = XFRM_POLICY_OUT, .sel_dst_len = 24, .mark = 0x13e00, .mark_mask = 0xffff00,
			   .priority = 100, .reqid = TENC_REQID(3) };
	b = a;
	a4_junk(a.sel_dst6, 0x0a010200, 0xa5), a4_junk(a.sel_src6, 0, 0xa5);
	a4_junk(a.tmpl_src6, 0x0a000001, 0xa5), a4_junk(a.tmpl_dst6, 0x0a000002, 0xa5);
	a4_junk(b.sel_dst6, 0x0a010200, 0x5a), a4_junk(b.sel_src6, 0, 0x5a);
	a4_junk(b.tmpl_src6, 0x0a000001, 0x5a), a4_junk(b.tmpl_dst6, 0x0a000002, 0x5a);
	ok(plan_pol_same(&a, &b), "  IPv4 policies whose bytes 4..15 differ: the same");
	b.sel_family = b.tmpl_family = AF_INET;
	ok(plan_pol_same(&a, &b), "  family 0 and AF_INET: the same");
}

static void routes_rules(void)
{
	struct rroute a = route6("fd01:0:0:2::", 64, 1420), b = a;
	struct rrule r = { .pref = 100, .fwmark = 0xe00, .fwmask = 0xf00, .table = 2005 }, s = r;

	ok(plan_route_same(&a, &b), "route: an IPv6 route is its copy");
	b.dst6[6] = 1;
	ok(!plan_route_same(&a, &b), "  dst differing in byte 6 only: another route");
	b = a, b.family = AF_INET;
	ok(!plan_route_same(&a, &b), "  family IPv4: another route");
	a = (struct rroute){ .table = 2005, .dst_len = 24, .oif = 2, .mtu = 1440 }, b = a;
	a4_junk(a.dst6, 0x0a010200, 0xa5), a4_junk(b.dst6, 0x0a010200, 0x5a);
	b.family = AF_INET;
	ok(plan_route_same(&a, &b), "  IPv4 routes (family 0, AF_INET) whose bytes 4..15 differ: the same");
	s.family = AF_INET;
	ok(plan_rule_same(&r, &s), "rule: family 0 and AF_INET: the same");
	s.family = AF_INET6;
	ok(!plan_rule_same(&r, &s), "  the IPv6 rule of the same numbers is another rule");
}

static void ipcs(void)
{
	struct ipc_entry a = ipc6("fd01:0:0:2::", 64, 3), b = a;
	char buf[64];

	is_int(ipc_diff(a, b), 0, "ipcache: an IPv6 entry is its copy");
	b.prefix6.addr[7] = 3;
	is_int(ipc_diff(a, b), 2, "  prefix differing in byte 7 only: another entry (missing and extra)");
	b = a, b.prefix6.len = 80;
	is_int(ipc_diff(a, b), 2, "  another length: another entry");
	b = a, b.family = AF_INET;
	is_int(ipc_diff(a, b), 2, "  family IPv4: another entry");
	a = ipc4_junk(0x0a010200, 24, 3, 0xa5), b = ipc4_junk(0x0a010200, 24, 3, 0x5a);
	is_int(ipc_diff(a, b), 0, "  IPv4 entries whose bytes past the IPv4 prefix differ: the same");
	b.family = AF_INET;
	is_int(ipc_diff(a, b), 0, "  family 0 and AF_INET: the same");
	is_str(plan_ipc_str(&a, buf, sizeof(buf)), "10.1.2.0/24", "  an IPv4 entry's text");
	a = ipc6("fd01:0:0:2::", 64, 3);
	is_str(plan_ipc_str(&a, buf, sizeof(buf)), "fd01:0:0:2::/64", "  an IPv6 entry's text");
}

/* converge_compute of one-object plans: put (replacing?) and del. */
static void in_place(void)
{
	struct xpol pa = pol6("fd01:0:0:2::", 64, "fd00::2"), pb = pa;
	struct rroute ra = route6("fd01:0:0:2::", 64, 1400), rb = ra;
	struct ipc_entry ea = ipc6("fd01:0:0:2::", 64, 3), eb = ea;
	struct change c;

	a6(pb.tmpl_dst6, "fd00::3"), pb.reqid = TENC_REQID(4);
	rb.mtu = 1380;
	eb.val.spi = 4;
	ok(converge_compute(&(struct plan){ .pols = &pb, .n_pols = 1, .routes = &rb, .n_routes = 1,
					    .ipc = &eb, .n_ipc = 1 },
			    &(struct plan){ .pols = &pa, .n_pols = 1, .routes = &ra, .n_routes = 1,
					    .ipc = &ea, .n_ipc = 1 }, &c) == 0,
	   "converge: an IPv6 policy, route and entry updated");
	ok(c.put.n_pols == 1 && c.prev_pol[0] == 0 && c.del.n_pols == 0, "  the policy replaced in place");
	ok(c.put.n_routes == 1 && c.prev_route[0] == 0 && c.del.n_routes == 0, "  the route replaced in place");
	ok(c.put.n_ipc == 1 && c.prev_ipc[0] == 0 && c.del.n_ipc == 0, "  the entry replaced in place");
	converge_free(&c);

	/* Objects that differ in their family only (IPv6 addresses whose
	 * bytes 4..15 are 0): the IPv4 one is not the IPv6 one's identity. */
	pa = pol6("fd01::", 24, "fd00::2"), pb = pa, pa.sel_family = AF_INET;
	ra = route6("fd01::", 24, 1400), rb = ra, ra.family = AF_INET;
	eb = ipc6("fd01::", 24, 3), ea = eb, ea.family = AF_INET, ea.prefix.len = 24;
	ok(converge_compute(&(struct plan){ .pols = &pb, .n_pols = 1, .routes = &rb, .n_routes = 1,
					    .ipc = &eb, .n_ipc = 1 },
			    &(struct plan){ .pols = &pa, .n_pols = 1, .routes = &ra, .n_routes = 1,
					    .ipc = &ea, .n_ipc = 1 }, &c) == 0,
	   "converge: IPv6 objects, and IPv4 ones of the same bytes");
	ok(c.prev_pol[0] < 0 && c.del.n_pols == 1, "  the policy is added, the IPv4 one removed after");
	ok(c.prev_route[0] < 0 && c.del.n_routes == 1, "  the route likewise");
	ok(c.prev_ipc[0] < 0 && c.del.n_ipc == 1, "  the entry likewise");
	converge_free(&c);
}

static void in_place_bytes(void)
{
	struct xpol pa = pol6("fd01:0:0:2::", 64, "fd00::2"), pb = pa;
	struct ipc_entry ea = ipc6("fd01:0:0:2::", 64, 3), eb = ea;
	struct rroute ra = route6("fd01:0:0:2::", 64, 1400), rb = ra;
	struct change c;

	pb.sel_dst6[7] = 3, pb.reqid = TENC_REQID(4);
	eb.prefix6.addr[7] = 3;
	rb.dst6[7] = 3;
	ok(converge_compute(&(struct plan){ .pols = &pb, .n_pols = 1, .routes = &rb, .n_routes = 1,
					    .ipc = &eb, .n_ipc = 1 },
			    &(struct plan){ .pols = &pa, .n_pols = 1, .routes = &ra, .n_routes = 1,
					    .ipc = &ea, .n_ipc = 1 }, &c) == 0,
	   "converge: IPv6 objects differing in byte 7 only");
	ok(c.prev_pol[0] < 0 && c.prev_route[0] < 0 && c.prev_ipc[0] < 0, "  none replaces the old one");
	ok(c.del.n_pols == 1 && c.del.n_routes == 1 && c.del.n_ipc == 1, "  the old ones removed after");
	converge_free(&c);

	/* IPv4: bytes 4..15 do not count in the identities either. */
	pa = (struct xpol){ .dir = XFRM_POLICY_OUT, .sel_dst_len = 24, .mark = 0x13e00, .mark_mask = 0xffff00,
			    .priority = 200, .reqid = TENC_REQID(3) };
	pb = pa, pb.reqid = TENC_REQID(4), pb.sel_family = AF_INET;
	a4_junk(pa.sel_dst6, 0x0a010200, 0xa5), a4_junk(pa.sel_src6, 0, 0xa5);
	a4_junk(pb.sel_dst6, 0x0a010200, 0x5a), a4_junk(pb.sel_src6, 0, 0x5a);
	ra = (struct rroute){ .table = 2005, .dst_len = 24, .oif = 2, .mtu = 1440 };
	rb = ra, rb.mtu = 1420, rb.family = AF_INET;
	a4_junk(ra.dst6, 0x0a010200, 0xa5), a4_junk(rb.dst6, 0x0a010200, 0x5a);
	ea = ipc4_junk(0x0a010200, 24, 3, 0xa5), eb = ipc4_junk(0x0a010200, 24, 4, 0x5a), eb.family = AF_INET;
	ok(converge_compute(&(struct plan){ .pols = &pb, .n_pols = 1, .routes = &rb, .n_routes = 1,
					    .ipc = &eb, .n_ipc = 1 },
			    &(struct plan){ .pols = &pa, .n_pols = 1, .routes = &ra, .n_routes = 1,
					    .ipc = &ea, .n_ipc = 1 }, &c) == 0,
	   "converge: IPv4 objects updated, their bytes 4..15 garbage, family 0 and AF_INET");
	ok(c.prev_pol[0] == 0 && c.prev_route[0] == 0 && c.prev_ipc[0] == 0, "  each replaced in place");
	is_int(c.del.n_pols + c.del.n_routes + c.del.n_ipc, 0, "  nothing removed");
	converge_free(&c);
}

/* SAs in the way of their replacement: same outer family, dst, spi, mark. */
static void sas_in_the_way(void)
{
	struct xsa a = sa6("fd00::2", "fd00::1"), b = a, d;
	struct change c;

	a6(b.src6, "fd00::12");
	ok(converge_compute(&(struct plan){ .sas = &b, .n_sas = 1 }, &(struct plan){ .sas = &a, .n_sas = 1 }, &c) == 0 &&
	   c.first.n_sas == 1 && c.put.n_sas == 1 && c.del.n_sas == 0,
	   "converge: an IPv6 SA with a new source: the old one removed first");
	converge_free(&c);
	d = b, d.dst6[9] = 1;
	ok(converge_compute(&(struct plan){ .sas = &d, .n_sas = 1 }, &(struct plan){ .sas = &a, .n_sas = 1 }, &c) == 0 &&
	   c.first.n_sas == 0 && c.del.n_sas == 1,
	   "  another dst in byte 9 only: not in the way, removed after");
	converge_free(&c);
	a = sa6("fd00::2", "fd01::"), d = a, a6(d.src6, "fd00::12"), d.family = AF_INET;
	ok(converge_compute(&(struct plan){ .sas = &d, .n_sas = 1 }, &(struct plan){ .sas = &a, .n_sas = 1 }, &c) == 0 &&
	   c.first.n_sas == 0 && c.del.n_sas == 1,
	   "  an IPv4 SA of the same dst bytes (fd01::'s 4..15 are 0): not in the way");
	converge_free(&c);
	a = (struct xsa){ .spi = 3, .reqid = TENC_REQID(3) }, b = a;
	a4_junk(a.dst6, 0x0a000001, 0xa5), a4_junk(a.src6, 0x0a000002, 0xa5);
	a4_junk(b.dst6, 0x0a000001, 0x5a), a4_junk(b.src6, 0x0a00000c, 0x5a);
	b.family = AF_INET;
	ok(converge_compute(&(struct plan){ .sas = &b, .n_sas = 1 }, &(struct plan){ .sas = &a, .n_sas = 1 }, &c) == 0 &&
	   c.first.n_sas == 1 && c.del.n_sas == 0,
	   "  IPv4, bytes 4..15 garbage, family 0 and AF_INET: in the way");
	converge_free(&c);
}

static struct tenc_config cfg;
static struct keyring ring;

/* The IPv4 plan of a peer, as test_converge.c makes it. */
static void plan4(struct plan *p)
{
	struct peer x = { .id = 1, .node_ip = htonl(0x0a000002), .n_cidrs = 2 };
	char err[128];

	cfg.encrypt = true;
	cfg.node_ip = htonl(0x0a000001);
	ring.n = 1;
	ring.v[0].state = KEY_CURRENT;
	key_parse_line("3+ rfc4106(gcm(aes)) 0102030405060708090a0b0c0d0e0f1011121314 128", &ring.v[0].k, err,
		       sizeof(err));
	x.cidrs[0] = (struct cidr){ htonl(0x0a020100), 24 };
	x.cidrs[1] = (struct cidr){ htonl(0x0a010200), 24 };
	memset(p, 0, sizeof(*p));
	if (plan_peer(&cfg, &ring, &x, 2, 1500, p))
		abort();
}

/* The same plus one IPv6 object of each kind, each pushed first. */
static void plan46(struct plan *p)
{
	struct plan six = { 0 };

	*plan_push_sa(&six) = sa6("fd00::2", "fd00::1");
	*plan_push_pol(&six) = pol6("fd01:0:0:2::", 64, "fd00::2");
	*plan_push_route(&six) = route6("fd01:0:0:2::", 64, 1420);
	plan_push_rule(&six)->family = AF_INET6;
	*plan_push_ipc(&six) = ipc6("fd01:0:0:2::", 64, 3);
	plan4(p);
	for (size_t i = 0; i < p->n_sas; i++)
		*plan_push_sa(&six) = p->sas[i];
	for (size_t i = 0; i < p->n_pols; i++)
		*plan_push_pol(&six) = p->pols[i];
	for (size_t i = 0; i < p->n_routes; i++)
		*plan_push_route(&six) = p->routes[i];
	for (size_t i = 0; i < p->n_ipc; i++)
		*plan_push_ipc(&six) = p->ipc[i];
	for (size_t i = 0; i < p->n_rules; i++)
		*plan_push_rule(&six) = p->rules[i];
	plan_free(p);
	*p = six;
}

static bool all_v6(const struct plan *p)
{
	return p->n_sas == 1 && kfam(p->sas[0].family) == AF_INET6 && p->n_pols == 1 &&
	       kfam(p->pols[0].sel_family) == AF_INET6 && p->n_routes == 1 && kfam(p->routes[0].family) == AF_INET6 &&
	       p->n_rules == 1 && kfam(p->rules[0].family) == AF_INET6 && p->n_ipc == 1 &&
	       kfam(p->ipc[0].family) == AF_INET6;
}

static void mixed(void)
{
	struct plan p4, p46;
	struct change c;

	plan4(&p4);
	plan46(&p46);
	ok(converge_compute(&p46, &p46, &c) == 0 && converge_count(&c) == 0, "mixed plan: itself, no change");
	converge_free(&c);
	ok(converge_compute(&p46, &p4, &c) == 0 && all_v6(&c.put) && converge_count(&c) == 5,
	   "  from its IPv4 half: exactly the IPv6 SA, policy, route, rule and entry added");
	converge_free(&c);
	ok(converge_compute(&p4, &p46, &c) == 0 && all_v6(&c.del) && converge_count(&c) == 5,
	   "  back: exactly those removed");
	converge_free(&c);
	/* Added from nothing: IPv4 first, in the uint32_t order of the
	 * destinations (as before IPv6), the IPv6 one last. */
	ok(converge_compute(&p46, &(struct plan){ 0 }, &c) == 0 && c.put.n_routes == 3, "  all added: 3 routes");
	ok(c.put.n_routes == 3 && kfam(c.put.routes[0].family) == AF_INET && kfam(c.put.routes[1].family) == AF_INET &&
	   c.put.routes[0].dst < c.put.routes[1].dst && kfam(c.put.routes[2].family) == AF_INET6,
	   "  routes: IPv4 by their uint32_t dst, then IPv6");
	ok(c.put.n_ipc == 4 && kfam(c.put.ipc[3].family) == AF_INET6 && c.put.ipc[0].prefix.addr < c.put.ipc[1].prefix.addr &&
	   c.put.ipc[1].prefix.addr < c.put.ipc[2].prefix.addr, "  ipcache: IPv4 by address, then IPv6");
	converge_free(&c);
	plan_free(&p4);
	plan_free(&p46);
}

int main(void)
{
	sas();
	pols();
	routes_rules();
	ipcs();
	in_place();
	in_place_bytes();
	sas_in_the_way();
	mixed();
	ok(TENC_HTHRESH6.lbits == 0 && TENC_HTHRESH6.rbits == 64, "IPv6 hash thresholds: 0/64 (set by no one yet)");
	return done_testing();
}
