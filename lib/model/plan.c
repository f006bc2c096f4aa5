// SPDX-License-Identifier: GPL-2.0
/* plan.c: the objects tenc intends (see plan.h and docs/design.md). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/xfrm.h>
#include <openssl/crypto.h>
#include "plan.h"

#define GROW(arr, n, cap)                                                     \
	({                                                                    \
		int ok_ = 1;                                                  \
		if ((n) == (cap)) {                                           \
			size_t c_ = (cap) ? (cap) * 2 : 16;                   \
			void *v_ = realloc((arr), c_ * sizeof(*(arr)));       \
			if (v_) {                                             \
				(arr) = v_;                                   \
				(cap) = c_;                                   \
			} else {                                              \
				ok_ = 0;                                      \
			}                                                     \
		}                                                             \
		if (ok_)                                                      \
			memset(&(arr)[(n)], 0, sizeof(*(arr)));               \
		ok_ ? &(arr)[(n)++] : NULL;                                   \
	})

struct xpol *plan_push_pol(struct plan *p) { return GROW(p->pols, p->n_pols, p->cap_pols); }
struct xsa *plan_push_sa(struct plan *p) { return GROW(p->sas, p->n_sas, p->cap_sas); }
struct rroute *plan_push_route(struct plan *p) { return GROW(p->routes, p->n_routes, p->cap_routes); }
struct rrule *plan_push_rule(struct plan *p) { return GROW(p->rules, p->n_rules, p->cap_rules); }
struct ipc_entry *plan_push_ipc(struct plan *p) { return GROW(p->ipc, p->n_ipc, p->cap_ipc); }

/* One family's half of the node or of a peer, as the planner reads it:
 * its node ip (KADDR bytes; absent: all zero) and its pod cidrs. */
struct half {
	uint8_t fam;		/* AF_INET or AF_INET6 */
	bool has_ip;
	uint8_t ip[16];
	int n;
	struct {
		uint8_t a[16];
		uint8_t len;
	} c[MAX_PEER_CIDRS];
};
_Static_assert(MAX_POD_CIDRS <= MAX_PEER_CIDRS, "a node's cidrs fit a half");

/* The objects' family fields: 0 for IPv4 (what plans always held). */
static uint8_t ffield(uint8_t fam) { return fam == AF_INET6 ? AF_INET6 : 0; }
static uint8_t host_len(uint8_t fam) { return fam == AF_INET6 ? 128 : 32; }
/* A route's MTU reduction while no key says the algorithms: the largest
 * CBC+HMAC overhead but sha512's, as it always was for IPv4. */
static uint32_t nokey_overhead(uint8_t fam) { return fam == AF_INET6 ? 100 : 80; }

static void halves(uint32_t ip4, const struct cidr *c4, int n4, const uint8_t ip6[16],
		   const struct cidr6 *c6, int n6, struct half h[2])
{
	memset(h, 0, 2 * sizeof(*h));
	h[0].fam = AF_INET;
	h[0].has_ip = ip4 != 0;
	memcpy(h[0].ip, &ip4, 4);
	h[0].n = n4;
	for (int i = 0; i < n4; i++) {
		memcpy(h[0].c[i].a, &c4[i].addr, 4);
		h[0].c[i].len = c4[i].len;
	}
	h[1].fam = AF_INET6;
	h[1].has_ip = !ipv6_is_zero(ip6);
	memcpy(h[1].ip, ip6, 16);
	h[1].n = n6;
	for (int i = 0; i < n6; i++) {
		memcpy(h[1].c[i].a, c6[i].addr, 16);
		h[1].c[i].len = c6[i].len;
	}
}

static void node_halves(const struct tenc_config *c, struct half h[2])
{
	halves(c->node_ip, c->pod_cidrs, c->n_pod_cidrs, c->node_ip6, c->pod_cidrs6, c->n_pod_cidrs6, h);
}

static void peer_halves(const struct peer *x, struct half h[2])
{
	halves(x->node_ip, x->cidrs, x->n_cidrs, x->node_ip6, x->cidrs6, x->n_cidrs6, h);
}

static bool has_v6(const uint8_t ip6[16], int n6)
{
	return !ipv6_is_zero(ip6) || n6 > 0;
}

int plan_v6_outer(const struct tenc_config *c, const struct peer *x)
{
	if (!has_v6(c->node_ip6, c->n_pod_cidrs6) || !has_v6(x->node_ip6, x->n_cidrs6))
		return 0;
	if (!ipv6_is_zero(c->node_ip6) && !ipv6_is_zero(x->node_ip6))
		return AF_INET6;
	return plan_pair4(c, x) ? AF_INET : 0;
}

bool plan_pair4(const struct tenc_config *c, const struct peer *x)
{
	return c->node_ip && x->node_ip;
}

bool plan_pair6(const struct tenc_config *c, const struct peer *x)
{
	return plan_v6_outer(c, x) == AF_INET6;
}

/* The first prefix of h: -1, its node ip as a host prefix, if it has one. */
static int first(const struct half *h)
{
	return h->has_ip ? -1 : 0;
}

/* Prefix i of h (-1: the node ip as a host prefix) into an entry. */
static void ipc_prefix(struct ipc_entry *e, const struct half *h, int i)
{
	const uint8_t *a = i < 0 ? h->ip : h->c[i].a;
	uint8_t len = i < 0 ? host_len(h->fam) : h->c[i].len;

	e->family = ffield(h->fam);
	if (h->fam == AF_INET6) {
		memcpy(e->prefix6.addr, a, 16);
		e->prefix6.len = len;
	} else {
		memcpy(&e->prefix.addr, a, 4);
		e->prefix.len = len;
	}
}

/* A policy's selector: any source, destination prefix i of h (-1: its
 * node ip; h NULL: the whole family fam). */
static void pol_sel(struct xpol *x, uint8_t fam, const struct half *h, int i)
{
	x->sel_family = ffield(fam);
	if (!h)
		return;
	memcpy(x->sel_dst6, i < 0 ? h->ip : h->c[i].a, kaddr_len(fam));
	x->sel_dst_len = i < 0 ? host_len(fam) : h->c[i].len;
}

/* A policy's template: me -> it, reqid. */
static void pol_tmpl(struct xpol *x, const struct half *me, const struct half *it, uint32_t reqid)
{
	x->tmpl_family = ffield(me->fam);
	memcpy(x->tmpl_src6, me->ip, kaddr_len(me->fam));
	memcpy(x->tmpl_dst6, it->ip, kaddr_len(me->fam));
	x->reqid = reqid;
}

static struct rroute *push_route(struct plan *p, uint8_t fam, const uint8_t *dst, uint8_t len, int oif,
				 uint32_t mtu)
{
	struct rroute *rt = plan_push_route(p);

	if (rt) {
		rt->family = ffield(fam);
		rt->table = TENC_TABLE;
		memcpy(rt->dst6, dst, kaddr_len(fam));
		rt->dst_len = len;
		rt->oif = oif;
		rt->mtu = mtu;
		rt->protocol = TENC_RTPROT;
	}
	return rt;
}

/* Subnet mode, one family's: per subnet its ipcache entry (SUBNET), its
 * route in table 2005 and a block policy for node-originated traffic to
 * it; per local pod cidr h (of that family) an allow policy in front. */
static int plan_subnets(const struct tenc_config *c, const struct half *h, int ifindex, uint32_t mtu,
			struct plan *p)
{
	int n = config_n_subnets(c, h->fam);

	for (int i = 0; i < n; i++) {
		struct prefix s = config_subnet(c, h->fam, i);
		struct ipc_entry *e = plan_push_ipc(p);
		struct rroute *rt = push_route(p, h->fam, s.c.addr, s.c.len, ifindex, mtu - nokey_overhead(h->fam));
		struct xpol *x = plan_push_pol(p);

		if (!e || !rt || !x)
			return -ENOMEM;
		e->family = ffield(h->fam);
		if (h->fam == AF_INET6)
			e->prefix6 = s.c;
		else
			e->prefix = prefix_cidr4(&s);
		e->val.flags = IPC_F_SUBNET;
		x->dir = XFRM_POLICY_OUT;
		x->sel_family = ffield(h->fam);
		memcpy(x->sel_dst6, s.c.addr, kaddr_len(h->fam));
		x->sel_dst_len = s.c.len;
		x->mark_mask = TENC_MARK_TYPE_MASK;
		x->priority = PRIO_SUBNET;
		x->block = true;
	}
	for (int i = 0; n && i < h->n; i++) {
		struct xpol *x = plan_push_pol(p);

		if (!x)
			return -ENOMEM;
		x->dir = XFRM_POLICY_OUT;
		pol_sel(x, h->fam, h, i);
		x->mark_mask = TENC_MARK_TYPE_MASK;
		x->priority = PRIO_LOCAL;
		x->allow_plain = true;
	}
	return 0;
}

/* One family's node-wide XFRM objects and rule: the default drop, in/fwd. */
static int node_xfrm(uint8_t fam, struct plan *p)
{
	struct xpol *x;
	struct rrule *r;

	if (!(x = plan_push_pol(p)))
		return -ENOMEM;
	x->dir = XFRM_POLICY_OUT;
	pol_sel(x, fam, NULL, 0);
	x->mark = TENC_MARK_ENCRYPT;
	x->mark_mask = TENC_MARK_TYPE_MASK;
	x->priority = PRIO_DROP;
	x->block = true;
	for (int i = 0; i < 2; i++) {
		if (!(x = plan_push_pol(p)))
			return -ENOMEM;
		x->dir = i == 0 ? XFRM_POLICY_IN : XFRM_POLICY_FWD;
		pol_sel(x, fam, NULL, 0);
		x->tmpl_family = ffield(fam);
		x->mark = TENC_MARK_DECRYPT;
		x->mark_mask = TENC_MARK_TYPE_MASK;
		x->priority = PRIO_INFWD;
	}
	if (!(r = plan_push_rule(p)))
		return -ENOMEM;
	r->family = ffield(fam);
	r->pref = TENC_RULE_PREF;
	r->fwmark = TENC_MARK_ENCRYPT;
	r->fwmask = TENC_MARK_TYPE_MASK;
	r->table = TENC_TABLE;
	r->protocol = TENC_RTPROT;
	return 0;
}

int plan_node(const struct tenc_config *c, int ifindex, uint32_t mtu, struct plan *p)
{
	struct half h[2];
	struct ipc_entry *e;
	int ret;

	node_halves(c, h);
	for (int f = 0; f < 2; f++)
		for (int i = 0; i < h[f].n; i++) {
			if (!(e = plan_push_ipc(p)))
				return -ENOMEM;
			ipc_prefix(e, &h[f], i);
			e->val.flags = IPC_F_LOCAL;
		}
	if (!c->encrypt)
		return 0;
	for (int f = 0; f < 2; f++) {
		/* No half of that family, and no subnet of it, whose SUBNET
		 * entries mark for the default drop: nothing of the family. */
		if (!h[f].has_ip && !h[f].n && (c->mode != MODE_SUBNET || !config_n_subnets(c, h[f].fam)))
			continue;
		*(f ? &p->spd6 : &p->spd) = true;
		if ((ret = node_xfrm(h[f].fam, p)))
			return ret;
	}
	for (int f = 0; f < 2 && c->mode == MODE_SUBNET; f++)
		if ((ret = plan_subnets(c, &h[f], ifindex, mtu, p)))
			return ret;
	return 0;
}

int plan_out_spi(const struct keyring *r, const struct peer *x)
{
	const struct tenc_key *cur = keys_current(r);

	for (int i = 0; x->out_spi && i < r->n; i++)
		if (r->v[i].k.spi == x->out_spi && r->v[i].state != KEY_PENDING)
			return x->out_spi;
	return cur ? cur->spi : 0;
}

/* One SA of family fam, src -> dst (KADDR bytes). */
static struct xsa *push_sa(struct plan *p, const struct tenc_key *k, const struct half *src,
			   const struct half *dst)
{
	struct xsa *sa = plan_push_sa(p);

	if (!sa)
		return NULL;
	sa->family = ffield(src->fam);
	sa->sel_family = ffield(src->fam);
	sa->sel_any = src->fam == AF_INET; /* IPv4 SAs carry IPv6 over IPv4 too */
	memcpy(sa->src6, src->ip, kaddr_len(src->fam));
	memcpy(sa->dst6, dst->ip, kaddr_len(src->fam));
	sa->spi = (uint32_t)k->spi;
	sa->reqid = TENC_REQID(k->spi);
	sa->esn = true;
	sa->key = *k; /* derived for src->dst when it is installed */
	sa->key_base = true;
	return sa;
}

/* Per key: the OUT and IN SA of the outer family (me, it; sas), and an
 * OUT policy per prefix the peer's ipcache entries of the inner family
 * mark (in: node ip, then pod cidrs), its template me -> it: the
 * selector's destination keeps each in the kernel's policy hash
 * (TENC_HTHRESH, TENC_HTHRESH6). */
static int peer_sas(const struct tenc_config *c, const struct tenc_key *k, const struct peer *x,
		    const struct half *me, const struct half *it, const struct half *in, bool sas,
		    struct plan *p)
{
	/* Epochs go into the keys once the peer's is known (both ends then
	 * know both); until then neither does (docs/design.md, Epochs). */
	uint64_t mine = x->epoch ? c->epoch : 0;

	if (sas) {
		struct xsa *out = push_sa(p, k, me, it), *insa;

		if (!out)
			return -ENOMEM;
		out->src_epoch = mine;
		out->dst_epoch = x->epoch;
		if (!(insa = push_sa(p, k, it, me)))
			return -ENOMEM;
		insa->src_epoch = x->epoch;
		insa->dst_epoch = mine;
		insa->mark = TENC_MARK_IN(x->id);
		insa->mark_mask = TENC_MARK_IN_MASK;
		insa->replay_window = TENC_IN_REPLAY_WINDOW;
	}
	for (int i = first(in); i < in->n; i++) {
		struct xpol *pol = plan_push_pol(p);

		if (!pol)
			return -ENOMEM;
		pol->dir = XFRM_POLICY_OUT;
		pol_sel(pol, in->fam, in, i);
		pol->mark = TENC_MARK_OUT(k->spi, x->id);
		pol->mark_mask = TENC_MARK_OUT_MASK;
		pol->priority = PRIO_PEER;
		pol_tmpl(pol, me, it, TENC_REQID(k->spi));
	}
	return 0;
}

/* Subnet mode: does a declared subnet's route cover cidr i of h? */
static bool in_subnet(const struct tenc_config *c, const struct half *h, int i)
{
	for (int j = 0; c->mode == MODE_SUBNET && j < config_n_subnets(c, h->fam); j++) {
		struct prefix s = config_subnet(c, h->fam, j);

		if (s.c.len <= h->c[i].len && cidr6_contains(&s.c, h->c[i].a))
			return true;
	}
	return false;
}

/* Routes and node-originated policies towards the pod cidrs of in, over
 * the outer family of me and it. */
static int peer_routes(const struct tenc_config *c, const struct tenc_key *out_key, int out_spi,
		       const struct half *me, const struct half *it, const struct half *in, int ifindex,
		       uint32_t mtu, struct plan *p)
{
	uint32_t rmtu = mtu - (out_key ? (uint32_t)key_overhead(out_key, me->fam) : nokey_overhead(me->fam));

	for (int i = 0; i < in->n; i++) {
		struct xpol *pol;

		/* else a declared subnet's route covers it */
		if (!in_subnet(c, in, i) && !push_route(p, in->fam, in->c[i].a, in->c[i].len, ifindex, rmtu))
			return -ENOMEM;
		if (!out_key)
			continue;
		if (!(pol = plan_push_pol(p)))
			return -ENOMEM;
		pol->dir = XFRM_POLICY_OUT;
		pol_sel(pol, in->fam, in, i);
		pol->mark = 0;
		pol->mark_mask = TENC_MARK_TYPE_MASK;
		pol->priority = PRIO_HOST;
		pol_tmpl(pol, me, it, TENC_REQID(out_spi));
	}
	return 0;
}

/* The objects of peer x's prefixes of one family (in), carried between
 * me and it (the outer family: in's own, or IPv4 for IPv6 over IPv4, whose
 * SAs are the IPv4 ones, planned with the IPv4 prefixes): SAs and
 * policies per key, its ipcache entries, routes and node-originated
 * policies. */
static int peer_family(const struct tenc_config *c, const struct keyring *r, const struct peer *x,
		       const struct half *me, const struct half *it, const struct half *in, int ifindex,
		       uint32_t mtu, struct plan *p)
{
	int out_spi = plan_out_spi(r, x);
	const struct tenc_key *out_key = NULL;
	struct ipc_entry *e;
	int ret;

	for (int i = 0; i < r->n; i++) {
		if (r->v[i].k.spi == out_spi)
			out_key = &r->v[i].k;
		if (c->encrypt && (ret = peer_sas(c, &r->v[i].k, x, me, it, in, in->fam == me->fam, p)))
			return ret;
	}
	/* The peer's node ip, then its pod cidrs. */
	for (int i = first(in); i < in->n; i++) {
		if (!(e = plan_push_ipc(p)))
			return -ENOMEM;
		ipc_prefix(e, in, i);
		e->val.peer_id = x->id;
		e->val.spi = (uint8_t)out_spi;
		e->val.flags = (uint8_t)((i < 0 ? IPC_F_NODE : 0) | (out_spi ? 0 : IPC_F_NOKEY));
	}
	return c->encrypt ? peer_routes(c, out_key, out_spi, me, it, in, ifindex, mtu, p) : 0;
}

int plan_peer(const struct tenc_config *c, const struct keyring *r, const struct peer *x,
	      int ifindex, uint32_t mtu, struct plan *p)
{
	struct half me[2], it[2];
	int outer = plan_v6_outer(c, x), o = outer == AF_INET6, ret;

	node_halves(c, me);
	peer_halves(x, it);
	ret = plan_pair4(c, x) ? peer_family(c, r, x, &me[0], &it[0], &it[0], ifindex, mtu, p) : 0;
	if (!ret && outer)
		ret = peer_family(c, r, x, &me[o], &it[o], &it[1], ifindex, mtu, p);
	return ret;
}

int plan_all(const struct tenc_config *c, const struct keyring *r, const struct peers *ps,
	     int ifindex, uint32_t mtu, struct plan *p)
{
	int ret = plan_node(c, ifindex, mtu, p);

	for (size_t i = 0; !ret && i < ps->n; i++)
		ret = plan_peer(c, r, &ps->v[i], ifindex, mtu, p);
	return ret;
}

void plan_free(struct plan *p)
{
	if (p->sas)
		OPENSSL_cleanse(p->sas, p->n_sas * sizeof(*p->sas));
	free(p->sas);
	free(p->pols);
	free(p->routes);
	free(p->rules);
	free(p->ipc);
	memset(p, 0, sizeof(*p));
}

const char *plan_ipc_str(const struct ipc_entry *e, char *buf, size_t n)
{
	return kfam(e->family) == AF_INET6 ? fmt_cidr6(&e->prefix6, buf, n) : fmt_cidr(&e->prefix, buf, n);
}

bool plan_sa_is_tenc(const struct xsa *sa)
{
	return sa->reqid > TENC_REQID_BASE && sa->reqid <= TENC_REQID(TENC_SPI_MAX);
}

bool plan_pol_is_tenc(const struct xpol *p)
{
	uint32_t type = p->mark & TENC_MARK_TYPE_MASK;

	if (p->mark_mask == TENC_MARK_TYPE_MASK && (type == TENC_MARK_ENCRYPT || type == TENC_MARK_DECRYPT))
		return true;
	if (p->mark_mask == TENC_MARK_OUT_MASK && type == TENC_MARK_ENCRYPT)
		return true;
	if (p->mark_mask == TENC_MARK_TYPE_MASK && (p->priority == PRIO_SUBNET || p->priority == PRIO_LOCAL))
		return true;
	return !p->block && p->reqid > TENC_REQID_BASE && p->reqid <= TENC_REQID(TENC_SPI_MAX);
}
