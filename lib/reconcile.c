// SPDX-License-Identifier: GPL-2.0
/* reconcile.c: reading tenc's objects back from the kernel, diffing them
 * against a plan, and converging (see apply.h). Diffs sort pointer arrays,
 * so 5,000 peers cost n log n, not n^2. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "apply.h"
#include "bpfdp.h"
#include "tenc.h"

#define CMP(a, b) do { if ((a) != (b)) return (a) < (b) ? -1 : 1; } while (0)

static int cmp_sa(const struct xsa *a, const struct xsa *b)
{
	CMP(a->dst, b->dst); CMP(a->spi, b->spi); CMP(a->mark, b->mark); CMP(a->mark_mask, b->mark_mask);
	CMP(a->src, b->src); CMP(a->reqid, b->reqid);
	return 0;
}

static int cmp_pol(const struct xpol *a, const struct xpol *b)
{
	CMP(a->dir, b->dir); CMP(a->sel_dst, b->sel_dst); CMP(a->sel_dst_len, b->sel_dst_len);
	CMP(a->sel_src, b->sel_src); CMP(a->sel_src_len, b->sel_src_len);
	CMP(a->mark, b->mark); CMP(a->mark_mask, b->mark_mask);
	CMP(a->priority, b->priority); CMP(a->block, b->block); CMP(a->allow_plain, b->allow_plain);
	if (!a->block && !a->allow_plain) {
		CMP(a->tmpl_dst, b->tmpl_dst); CMP(a->reqid, b->reqid);
	}
	return 0;
}

static int cmp_route(const struct rroute *a, const struct rroute *b)
{
	CMP(a->table, b->table); CMP(a->dst, b->dst); CMP(a->dst_len, b->dst_len);
	CMP(a->oif, b->oif); CMP(a->mtu, b->mtu);
	return 0;
}

static int cmp_rule(const struct rrule *a, const struct rrule *b)
{
	CMP(a->pref, b->pref); CMP(a->fwmark, b->fwmark); CMP(a->fwmask, b->fwmask); CMP(a->table, b->table);
	return 0;
}

static int cmp_ipc(const struct ipc_entry *a, const struct ipc_entry *b)
{
	CMP(a->prefix.addr, b->prefix.addr); CMP(a->prefix.len, b->prefix.len);
	CMP(a->val.peer_id, b->val.peer_id); CMP(a->val.spi, b->val.spi); CMP(a->val.flags, b->val.flags);
	return 0;
}

typedef int (*cmp_fn)(const void *, const void *);
static cmp_fn cur_cmp;

static int by_ptr(const void *a, const void *b)
{
	return cur_cmp(*(const void *const *)a, *(const void *const *)b);
}

/* Walk sorted want and have; push_missing/push_extra copy elements. */
static int diff_one(const void *want, size_t nw, const void *have, size_t nh, size_t sz, cmp_fn cmp,
		    void *(*push)(struct plan *), struct plan *missing, struct plan *extra)
{
	const void **w = calloc(nw + 1, sizeof(*w)), **h = calloc(nh + 1, sizeof(*h));
	size_t i = 0, j = 0;
	int ret = 0;

	if (!w || !h) {
		free(w);
		free(h);
		return -ENOMEM;
	}
	for (size_t k = 0; k < nw; k++)
		w[k] = (const char *)want + k * sz;
	for (size_t k = 0; k < nh; k++)
		h[k] = (const char *)have + k * sz;
	cur_cmp = cmp;
	qsort(w, nw, sizeof(*w), by_ptr);
	qsort(h, nh, sizeof(*h), by_ptr);
	while (!ret && (i < nw || j < nh)) {
		int c = i == nw ? 1 : j == nh ? -1 : cmp(w[i], h[j]);
		struct plan *to = c < 0 ? missing : c > 0 ? extra : NULL;
		const void *src = c < 0 ? w[i] : h[j];
		void *dst;

		if (to) {
			dst = push(to);
			if (!dst)
				ret = -ENOMEM;
			else
				memcpy(dst, src, sz);
		}
		if (c <= 0)
			i++;
		if (c >= 0)
			j++;
	}
	free(w);
	free(h);
	return ret;
}

int dp_diff(const struct plan *want, const struct plan *have, struct plan *missing, struct plan *extra)
{
	int r = 0;

	missing->spd = want->spd && !have->spd;
	extra->spd = have->spd && !want->spd;
	r = r ?: diff_one(want->sas, want->n_sas, have->sas, have->n_sas, sizeof(struct xsa),
			  (cmp_fn)cmp_sa, (void *(*)(struct plan *))plan_push_sa, missing, extra);
	r = r ?: diff_one(want->pols, want->n_pols, have->pols, have->n_pols, sizeof(struct xpol),
			  (cmp_fn)cmp_pol, (void *(*)(struct plan *))plan_push_pol, missing, extra);
	r = r ?: diff_one(want->routes, want->n_routes, have->routes, have->n_routes, sizeof(struct rroute),
			  (cmp_fn)cmp_route, (void *(*)(struct plan *))plan_push_route, missing, extra);
	r = r ?: diff_one(want->rules, want->n_rules, have->rules, have->n_rules, sizeof(struct rrule),
			  (cmp_fn)cmp_rule, (void *(*)(struct plan *))plan_push_rule, missing, extra);
	r = r ?: diff_one(want->ipc, want->n_ipc, have->ipc, have->n_ipc, sizeof(struct ipc_entry),
			  (cmp_fn)cmp_ipc, (void *(*)(struct plan *))plan_push_ipc, missing, extra);
	return r;
}

static int read_sa(const struct xsa *sa, void *data)
{
	struct xsa *x;

	if (!plan_sa_is_tenc(sa))
		return 0;
	x = plan_push_sa(data);
	if (!x)
		return -ENOMEM;
	*x = *sa;
	return 0;
}

static int read_pol(const struct xpol *p, void *data)
{
	struct xpol *x;

	if (!plan_pol_is_tenc(p))
		return 0;
	x = plan_push_pol(data);
	if (!x)
		return -ENOMEM;
	*x = *p;
	x->index = 0; /* not part of identity */
	return 0;
}

static int read_route(const struct rroute *r, void *data)
{
	struct rroute *x;

	if (r->protocol != TENC_RTPROT)
		return 0;
	x = plan_push_route(data);
	if (!x)
		return -ENOMEM;
	*x = *r;
	return 0;
}

static int read_rule(const struct rrule *r, void *data)
{
	struct rrule *x;

	if (r->protocol != TENC_RTPROT)
		return 0;
	x = plan_push_rule(data);
	if (!x)
		return -ENOMEM;
	*x = *r;
	return 0;
}

static int read_ipc(uint32_t addr, uint8_t plen, const struct ipcache_val *v, void *data)
{
	struct ipc_entry *x = plan_push_ipc(data);

	if (!x)
		return -ENOMEM;
	x->prefix.addr = addr;
	x->prefix.len = plen;
	x->val = *v;
	return 0;
}

int dp_read_xfrm(struct dp *d, struct plan *have)
{
	struct xfrm_hthresh t;
	int r;

	if ((r = xfrm_hthresh_get(d->x, &t)) == 0)
		have->spd = t.lbits == TENC_HTHRESH.lbits && t.rbits == TENC_HTHRESH.rbits;
	if (r || (r = xfrm_sa_dump(d->x, read_sa, have)) || (r = xfrm_pol_dump(d->x, read_pol, have)))
		return tenc_errno(TENC_FAIL, -r, "kernel", "reading back");
	if (d->ipc_fd >= 0 && (r = ipcache_dump(d->ipc_fd, read_ipc, have)))
		return tenc_errno(TENC_FAIL, -r, "ipcache", "reading back");
	return 0;
}

int dp_read(struct dp *d, struct plan *have)
{
	int r = dp_read_xfrm(d, have);

	if (r == 0 && ((r = rtnl_route_dump(d->r, TENC_TABLE, read_route, have)) ||
		       (r = rtnl_rule_dump(d->r, read_rule, have))))
		return tenc_errno(TENC_FAIL, -r, "kernel", "reading back");
	return r;
}

/* Kernel identities for drop_replaced: what an update replaces in place
 * (policies: dir, selector, mark; routes: table, prefix; ipcache: prefix),
 * and what blocks a new SA (dst, spi, mark). Kept sorted, looked up by
 * binary search, so a commit that moves 5,000 peers stays n log n. */
struct rkey {
	uint32_t k[6];
};

static int cmp_rkey(const void *a, const void *b)
{
	const struct rkey *x = a, *y = b;

	for (int i = 0; i < 6; i++)
		CMP(x->k[i], y->k[i]);
	return 0;
}

static struct rkey pol_key(const struct xpol *p)
{
	return (struct rkey){ { p->dir, p->sel_dst, (uint32_t)p->sel_dst_len << 8 | p->sel_src_len,
				p->sel_src, p->mark, p->mark_mask } };
}

static struct rkey route_key(const struct rroute *r)
{
	return (struct rkey){ { r->table, r->dst, r->dst_len } };
}

static struct rkey ipc_key(const struct ipc_entry *e)
{
	return (struct rkey){ { e->prefix.addr, e->prefix.len } };
}

static struct rkey sa_key(const struct xsa *s)
{
	return (struct rkey){ { s->dst, s->spi, s->mark } };
}

/* The sorted keys of n objects (key(obj i)); NULL on ENOMEM (with n > 0). */
#define KEYS(arr, n, keyfn)                                                   \
	({                                                                    \
		struct rkey *k_ = calloc((n) + 1, sizeof(*k_));               \
		for (size_t i_ = 0; k_ && i_ < (n); i_++)                     \
			k_[i_] = keyfn(&(arr)[i_]);                           \
		if (k_)                                                       \
			qsort(k_, (n), sizeof(*k_), cmp_rkey);                \
		k_;                                                           \
	})

static bool has_key(const struct rkey *keys, size_t n, struct rkey k)
{
	return n && bsearch(&k, keys, n, sizeof(k), cmp_rkey) != NULL;
}

/* Drop from extra what missing replaces in place (same kernel identity),
 * so removing the extra one does not remove its replacement. SAs cannot be
 * replaced: an extra SA in the way of a missing one is removed first.
 * Orders are kept. -ENOMEM or 0. */
static int drop_replaced(struct plan *missing, struct plan *extra, struct plan *first)
{
	struct rkey *pk = KEYS(missing->pols, missing->n_pols, pol_key);
	struct rkey *rk = KEYS(missing->routes, missing->n_routes, route_key);
	struct rkey *ik = KEYS(missing->ipc, missing->n_ipc, ipc_key);
	struct rkey *sk = KEYS(missing->sas, missing->n_sas, sa_key);
	size_t i, k;
	int ret = 0;

	if (!pk || !rk || !ik || !sk) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0, k = 0; i < extra->n_pols; i++)
		if (!has_key(pk, missing->n_pols, pol_key(&extra->pols[i])))
			extra->pols[k++] = extra->pols[i];
	extra->n_pols = k;
	for (i = 0, k = 0; i < extra->n_routes; i++)
		if (!has_key(rk, missing->n_routes, route_key(&extra->routes[i])))
			extra->routes[k++] = extra->routes[i];
	extra->n_routes = k;
	for (i = 0, k = 0; i < extra->n_ipc; i++)
		if (!has_key(ik, missing->n_ipc, ipc_key(&extra->ipc[i])))
			extra->ipc[k++] = extra->ipc[i];
	extra->n_ipc = k;
	for (i = 0, k = 0; i < extra->n_sas; i++) {
		const struct xsa *e = &extra->sas[i];

		if (has_key(sk, missing->n_sas, sa_key(e))) {
			struct xsa *f = plan_push_sa(first);

			if (f)
				*f = *e;
		} else {
			extra->sas[k++] = *e;
		}
	}
	extra->n_sas = k;
out:
	free(pk);
	free(rk);
	free(ik);
	free(sk);
	return ret;
}

int dp_reconcile(struct dp *d, const struct plan *want, size_t *changes)
{
	struct plan have = { 0 }, missing = { 0 }, extra = { 0 }, first = { 0 };
	int ret;

	ret = dp_read(d, &have);
	if (!ret && dp_diff(want, &have, &missing, &extra))
		ret = tenc_err(TENC_FAIL, "reconcile", "out of memory");
	if (!ret && drop_replaced(&missing, &extra, &first))
		ret = tenc_err(TENC_FAIL, "reconcile", "out of memory");
	if (!ret) {
		*changes = missing.spd + missing.n_sas + missing.n_pols + missing.n_routes +
			   missing.n_rules + missing.n_ipc + extra.spd + extra.n_sas + extra.n_pols +
			   extra.n_routes + extra.n_rules + extra.n_ipc;
		ret = dp_del(d, &first);
		ret = ret ?: dp_add(d, &missing, true);
		ret = ret ?: dp_del(d, &extra);
	}
	plan_free(&have);
	plan_free(&missing);
	plan_free(&extra);
	plan_free(&first);
	return ret;
}
