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

/* Subnet mode: what plan_node adds per subnet and per local cidr. */
static int plan_subnets(const struct tenc_config *c, int ifindex, uint32_t mtu, struct plan *p)
{
	for (int i = 0; i < c->n_subnets; i++) {
		struct ipc_entry *e = plan_push_ipc(p);
		struct rroute *rt = plan_push_route(p);
		struct xpol *x = plan_push_pol(p);

		if (!e || !rt || !x)
			return -ENOMEM;
		e->prefix = c->subnets[i];
		e->val.flags = IPC_F_SUBNET;
		*rt = (struct rroute){ .table = TENC_TABLE, .dst = c->subnets[i].addr,
				       .dst_len = c->subnets[i].len, .oif = ifindex, .mtu = mtu - 80,
				       .protocol = TENC_RTPROT };
		x->dir = XFRM_POLICY_OUT;
		x->sel_dst = c->subnets[i].addr;
		x->sel_dst_len = c->subnets[i].len;
		x->mark_mask = TENC_MARK_TYPE_MASK;
		x->priority = PRIO_SUBNET;
		x->block = true;
	}
	for (int i = 0; c->n_subnets && i < c->n_pod_cidrs; i++) {
		struct xpol *x = plan_push_pol(p);

		if (!x)
			return -ENOMEM;
		x->dir = XFRM_POLICY_OUT;
		x->sel_dst = c->pod_cidrs[i].addr;
		x->sel_dst_len = c->pod_cidrs[i].len;
		x->mark_mask = TENC_MARK_TYPE_MASK;
		x->priority = PRIO_LOCAL;
		x->allow_plain = true;
	}
	return 0;
}

int plan_node(const struct tenc_config *c, int ifindex, uint32_t mtu, struct plan *p)
{
	struct xpol *x;
	struct rrule *r;
	struct ipc_entry *e;

	for (int i = 0; i < c->n_pod_cidrs; i++) {
		if (!(e = plan_push_ipc(p)))
			return -ENOMEM;
		e->prefix = c->pod_cidrs[i];
		e->val.flags = IPC_F_LOCAL;
	}
	if (!c->encrypt)
		return 0;
	p->spd = true;
	if (!(x = plan_push_pol(p)))
		return -ENOMEM;
	x->dir = XFRM_POLICY_OUT;
	x->mark = TENC_MARK_ENCRYPT;
	x->mark_mask = TENC_MARK_TYPE_MASK;
	x->priority = PRIO_DROP;
	x->block = true;
	for (int i = 0; i < 2; i++) {
		if (!(x = plan_push_pol(p)))
			return -ENOMEM;
		x->dir = i == 0 ? XFRM_POLICY_IN : XFRM_POLICY_FWD;
		x->mark = TENC_MARK_DECRYPT;
		x->mark_mask = TENC_MARK_TYPE_MASK;
		x->priority = PRIO_INFWD;
	}
	if (!(r = plan_push_rule(p)))
		return -ENOMEM;
	r->pref = TENC_RULE_PREF;
	r->fwmark = TENC_MARK_ENCRYPT;
	r->fwmask = TENC_MARK_TYPE_MASK;
	r->table = TENC_TABLE;
	r->protocol = TENC_RTPROT;
	return c->mode == MODE_SUBNET ? plan_subnets(c, ifindex, mtu, p) : 0;
}

int plan_out_spi(const struct keyring *r, const struct peer *x)
{
	const struct tenc_key *cur = keys_current(r);

	for (int i = 0; x->out_spi && i < r->n; i++)
		if (r->v[i].k.spi == x->out_spi && r->v[i].state != KEY_PENDING)
			return x->out_spi;
	return cur ? cur->spi : 0;
}

/* Per key: the OUT and IN SA, and an OUT policy per prefix the peer's
 * ipcache entries mark (node ip, then pod cidrs): the selector's
 * destination keeps each in the kernel's policy hash (TENC_HTHRESH). */
static int peer_sas(const struct tenc_config *c, const struct tenc_key *k, const struct peer *x,
		    struct plan *p)
{
	struct xsa *out = plan_push_sa(p), *in;
	/* Epochs go into the keys once the peer's is known (both ends then
	 * know both); until then neither does (docs/design.md, Epochs). */
	uint64_t mine = x->epoch ? c->epoch : 0;

	if (!out)
		return -ENOMEM;
	out->src_epoch = mine;
	out->dst_epoch = x->epoch;
	out->src = c->node_ip;
	out->dst = x->node_ip;
	out->spi = (uint32_t)k->spi;
	out->reqid = TENC_REQID(k->spi);
	out->esn = true;
	out->key = *k; /* derived for local->peer when it is installed */
	out->key_base = true;
	if (!(in = plan_push_sa(p)))
		return -ENOMEM;
	in->src_epoch = x->epoch;
	in->dst_epoch = mine;
	in->src = x->node_ip;
	in->dst = c->node_ip;
	in->spi = (uint32_t)k->spi;
	in->reqid = TENC_REQID(k->spi);
	in->mark = TENC_MARK_IN(x->id);
	in->mark_mask = TENC_MARK_IN_MASK;
	in->esn = true;
	in->replay_window = TENC_IN_REPLAY_WINDOW;
	in->key = *k; /* derived for peer->local when it is installed */
	in->key_base = true;
	for (int i = -1; i < x->n_cidrs; i++) {
		struct xpol *pol = plan_push_pol(p);

		if (!pol)
			return -ENOMEM;
		pol->dir = XFRM_POLICY_OUT;
		pol->sel_dst = i < 0 ? x->node_ip : x->cidrs[i].addr;
		pol->sel_dst_len = i < 0 ? 32 : x->cidrs[i].len;
		pol->mark = TENC_MARK_OUT(k->spi, x->id);
		pol->mark_mask = TENC_MARK_OUT_MASK;
		pol->priority = PRIO_PEER;
		pol->tmpl_src = c->node_ip;
		pol->tmpl_dst = x->node_ip;
		pol->reqid = TENC_REQID(k->spi);
	}
	return 0;
}

/* Subnet mode: does a declared subnet's route cover cidr x? */
static bool in_subnet(const struct tenc_config *c, const struct cidr *x)
{
	for (int i = 0; c->mode == MODE_SUBNET && i < c->n_subnets; i++)
		if (c->subnets[i].len <= x->len && cidr_contains(&c->subnets[i], x->addr))
			return true;
	return false;
}

int plan_peer(const struct tenc_config *c, const struct keyring *r, const struct peer *x,
	      int ifindex, uint32_t mtu, struct plan *p)
{
	int out_spi = plan_out_spi(r, x);
	const struct tenc_key *out_key = NULL;
	struct ipc_entry *e;
	int ret;

	for (int i = 0; i < r->n; i++) {
		if (r->v[i].k.spi == out_spi)
			out_key = &r->v[i].k;
		if (c->encrypt && (ret = peer_sas(c, &r->v[i].k, x, p)))
			return ret;
	}
	/* The peer's node ip, then its pod cidrs. */
	for (int i = -1; i < x->n_cidrs; i++) {
		if (!(e = plan_push_ipc(p)))
			return -ENOMEM;
		e->prefix = i < 0 ? (struct cidr){ x->node_ip, 32 } : x->cidrs[i];
		e->val.peer_id = x->id;
		e->val.spi = (uint8_t)out_spi;
		e->val.flags = (uint8_t)((i < 0 ? IPC_F_NODE : 0) | (out_spi ? 0 : IPC_F_NOKEY));
	}
	if (!c->encrypt)
		return 0;
	for (int i = 0; i < x->n_cidrs; i++) {
		bool covered = in_subnet(c, &x->cidrs[i]);
		struct rroute *rt = covered ? NULL : plan_push_route(p);
		struct xpol *pol;

		if (!covered && !rt)
			return -ENOMEM;
		if (rt) { /* else a declared subnet's route covers it */
			rt->table = TENC_TABLE;
			rt->dst = x->cidrs[i].addr;
			rt->dst_len = x->cidrs[i].len;
			rt->oif = ifindex;
			rt->mtu = out_key ? mtu - (uint32_t)key_overhead(out_key, AF_INET) : mtu - 80;
			rt->protocol = TENC_RTPROT;
		}
		if (!out_key)
			continue;
		if (!(pol = plan_push_pol(p)))
			return -ENOMEM;
		pol->dir = XFRM_POLICY_OUT;
		pol->sel_dst = x->cidrs[i].addr;
		pol->sel_dst_len = x->cidrs[i].len;
		pol->mark = 0;
		pol->mark_mask = TENC_MARK_TYPE_MASK;
		pol->priority = PRIO_HOST;
		pol->tmpl_src = c->node_ip;
		pol->tmpl_dst = x->node_ip;
		pol->reqid = TENC_REQID(out_spi);
	}
	return 0;
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
