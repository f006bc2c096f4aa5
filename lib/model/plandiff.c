// SPDX-License-Identifier: GPL-2.0
/* plandiff.c: two plans compared object by object (see plan.h,
 * plan_diff). Diffs sort pointer arrays, so 5,000 peers cost n log n, not
 * n^2. SAs are the same only with the same key (epochs for planned SAs,
 * the fingerprint for dumped ones). Pure. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "plan.h"

#define CMP(a, b) do { if ((a) != (b)) return (a) < (b) ? -1 : 1; } while (0)
/* Families: 0 and AF_INET are one (kobj.h, kfam). IPv4 sorts first, so
 * plans of IPv4 objects keep the order they always had. */
#define CMPF(a, b) CMP(kfam(a), kfam(b))
/* Addresses of family f (KADDR views), after CMPF: its bytes only. */
#define CMPA(f, a, b) do { int c_ = kaddr_cmp((f), (a), (b)); if (c_) return c_; } while (0)

/* Outer family, dst, spi, mark, src, reqid; the selector's family last
 * (an SA that may carry the other inner family is another SA). Not
 * sel_any: the kernel's identity of an SA leaves its selector out (one SA
 * per dst, spi, proto, mark), so an SA that carries IPv4 only (installed
 * by a tenc before IPv6 over IPv4) is the one planned to carry both, and is
 * kept: re-created, its sequence numbers would start again (never
 * replaced: docs/design.md). The next key's SAs carry both. */
static int cmp_sa(const struct xsa *a, const struct xsa *b)
{
	CMPF(a->family, b->family);
	CMPA(a->family, a->dst6, b->dst6); CMP(a->spi, b->spi); CMP(a->mark, b->mark); CMP(a->mark_mask, b->mark_mask);
	CMPA(a->family, a->src6, b->src6); CMP(a->reqid, b->reqid);
	CMPF(a->sel_family, b->sel_family);
	return 0;
}

static int cmp_pol(const struct xpol *a, const struct xpol *b)
{
	CMP(a->dir, b->dir); CMPF(a->sel_family, b->sel_family);
	CMPA(a->sel_family, a->sel_dst6, b->sel_dst6); CMP(a->sel_dst_len, b->sel_dst_len);
	CMPA(a->sel_family, a->sel_src6, b->sel_src6); CMP(a->sel_src_len, b->sel_src_len);
	CMP(a->mark, b->mark); CMP(a->mark_mask, b->mark_mask);
	CMP(a->priority, b->priority); CMP(a->block, b->block); CMP(a->allow_plain, b->allow_plain);
	if (!a->block && !a->allow_plain) {
		CMPF(a->tmpl_family, b->tmpl_family);
		CMPA(a->tmpl_family, a->tmpl_src6, b->tmpl_src6); CMPA(a->tmpl_family, a->tmpl_dst6, b->tmpl_dst6);
		CMP(a->reqid, b->reqid);
	}
	return 0;
}

static int cmp_route(const struct rroute *a, const struct rroute *b)
{
	CMP(a->table, b->table); CMPF(a->family, b->family);
	CMPA(a->family, a->dst6, b->dst6); CMP(a->dst_len, b->dst_len);
	CMP(a->oif, b->oif); CMP(a->mtu, b->mtu);
	return 0;
}

static int cmp_rule(const struct rrule *a, const struct rrule *b)
{
	CMPF(a->family, b->family);
	CMP(a->pref, b->pref); CMP(a->fwmark, b->fwmark); CMP(a->fwmask, b->fwmask); CMP(a->table, b->table);
	return 0;
}

static int cmp_ipc_prefix(const struct ipc_entry *a, const struct ipc_entry *b)
{
	CMPF(a->family, b->family);
	if (kfam(a->family) == AF_INET6)
		return cidr6_cmp(&a->prefix6, &b->prefix6);
	CMP(a->prefix.addr, b->prefix.addr); CMP(a->prefix.len, b->prefix.len);
	return 0;
}

static int cmp_ipc(const struct ipc_entry *a, const struct ipc_entry *b)
{
	int c = cmp_ipc_prefix(a, b);

	if (c)
		return c;
	CMP(a->val.peer_id, b->val.peer_id); CMP(a->val.spi, b->val.spi); CMP(a->val.flags, b->val.flags);
	return 0;
}

bool plan_sa_same(const struct xsa *a, const struct xsa *b) { return cmp_sa(a, b) == 0; }
bool plan_pol_same(const struct xpol *a, const struct xpol *b) { return cmp_pol(a, b) == 0; }
bool plan_route_same(const struct rroute *a, const struct rroute *b) { return cmp_route(a, b) == 0; }
bool plan_rule_same(const struct rrule *a, const struct rrule *b) { return cmp_rule(a, b) == 0; }

typedef int (*cmp_fn)(const void *, const void *);
typedef bool (*same_fn)(const void *, const void *);
static cmp_fn cur_cmp;

/* Two SAs of one identity: do they hold the same key? A planned SA
 * (key_base) is compared with another plan's by the epochs its key is
 * derived with (the configured key of an SPI does not change), and with
 * one read back from the kernel by the fingerprint of the key it would
 * be installed with: a peer's new epoch re-keys its SAs. */
static bool sa_same_key(const void *a, const void *b)
{
	const struct xsa *x = a, *y = b, *plan, *kern;
	struct key_pair pr;
	struct tenc_key k;
	uint8_t fp[8];
	bool same;

	if (x->key_base && y->key_base)
		return x->src_epoch == y->src_epoch && x->dst_epoch == y->dst_epoch;
	plan = x->key_base ? x : y->key_base ? y : NULL;
	kern = plan == x ? y : x;
	if (!plan || !kern->has_fp)
		return true;
	pr = xsa_key_pair(plan);
	if (key_derive(&plan->key, &pr, &k))
		return false;
	key_fp8(&k, fp);
	key_wipe(&k);
	same = memcmp(fp, kern->key_fp, sizeof(fp)) == 0;
	explicit_bzero(fp, sizeof(fp));
	return same;
}

static int by_ptr(const void *a, const void *b)
{
	return cur_cmp(*(const void *const *)a, *(const void *const *)b);
}

/* Walk sorted want and have; push_missing/push_extra copy elements. */
static int diff_one(const void *want, size_t nw, const void *have, size_t nh, size_t sz, cmp_fn cmp,
		    same_fn same, void *(*push)(struct plan *), struct plan *missing, struct plan *extra)
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

		if (c == 0 && same && !same(w[i], h[j])) { /* one identity, other contents: both */
			if (!(dst = push(missing)) || (memcpy(dst, w[i], sz), !(dst = push(extra))))
				ret = -ENOMEM;
			else
				memcpy(dst, h[j], sz);
		}
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

int plan_diff(const struct plan *want, const struct plan *have, struct plan *missing, struct plan *extra)
{
	int r = 0;

	missing->spd = want->spd && !have->spd;
	extra->spd = have->spd && !want->spd;
	missing->spd6 = want->spd6 && !have->spd6;
	extra->spd6 = have->spd6 && !want->spd6;
	r = r ?: diff_one(want->sas, want->n_sas, have->sas, have->n_sas, sizeof(struct xsa),
			  (cmp_fn)cmp_sa, sa_same_key, (void *(*)(struct plan *))plan_push_sa, missing, extra);
	r = r ?: diff_one(want->pols, want->n_pols, have->pols, have->n_pols, sizeof(struct xpol),
			  (cmp_fn)cmp_pol, NULL, (void *(*)(struct plan *))plan_push_pol, missing, extra);
	r = r ?: diff_one(want->routes, want->n_routes, have->routes, have->n_routes, sizeof(struct rroute),
			  (cmp_fn)cmp_route, NULL, (void *(*)(struct plan *))plan_push_route, missing, extra);
	r = r ?: diff_one(want->rules, want->n_rules, have->rules, have->n_rules, sizeof(struct rrule),
			  (cmp_fn)cmp_rule, NULL, (void *(*)(struct plan *))plan_push_rule, missing, extra);
	r = r ?: diff_one(want->ipc, want->n_ipc, have->ipc, have->n_ipc, sizeof(struct ipc_entry),
			  (cmp_fn)cmp_ipc, NULL, (void *(*)(struct plan *))plan_push_ipc, missing, extra);
	return r;
}
