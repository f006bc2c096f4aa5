// SPDX-License-Identifier: GPL-2.0
/* apply.c: plans into the kernel, and the kernel back into plans (apply.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/xfrm.h>
#include "apply.h"
#include "bpfdp.h"
#include "crashpoint.h"
#include "env.h"
#include "tenc.h"

int dp_open(struct dp *d)
{
	memset(d, 0, sizeof(*d));
	d->ipc_fd = -1;
	d->x = nlb_open(NETLINK_XFRM);
	d->r = nlb_open(NETLINK_ROUTE);
	if (!d->x || !d->r) {
		int err = errno;

		dp_close(d);
		return tenc_errno(TENC_FAIL, err, "netlink", "open");
	}
	if (env_bpffs(d->bpffs, sizeof(d->bpffs), false) == 0) {
		int fd = ipcache_open(d->bpffs);

		d->ipc_fd = fd >= 0 ? fd : -1;
	}
	return 0;
}

void dp_close(struct dp *d)
{
	if (d->x)
		nlb_close(d->x);
	if (d->r)
		nlb_close(d->r);
	if (d->ipc_fd >= 0)
		close(d->ipc_fd);
	d->x = d->r = NULL;
	d->ipc_fd = -1;
}

static void desc_sa(const struct xsa *s, char *buf, size_t n)
{
	char a[16], b[16];

	snprintf(buf, n, "SA %s->%s spi %u mark 0x%x", fmt_ipv4(s->src, a, 16), fmt_ipv4(s->dst, b, 16),
		 s->spi, s->mark);
}

static void desc_pol(const struct xpol *p, char *buf, size_t n)
{
	char a[16];

	snprintf(buf, n, "policy dir %s dst %s/%u mark 0x%x/0x%x",
		 p->dir == XFRM_POLICY_IN ? "in" : p->dir == XFRM_POLICY_OUT ? "out" : "fwd",
		 fmt_ipv4(p->sel_dst, a, 16), p->sel_dst_len, p->mark, p->mark_mask);
}

static void desc_route(const struct rroute *r, char *buf, size_t n)
{
	char a[16];

	snprintf(buf, n, "route %s/%u table %u", fmt_ipv4(r->dst, a, 16), r->dst_len, r->table);
}

static void desc_rule(const struct rrule *r, char *buf, size_t n)
{
	snprintf(buf, n, "rule pref %u fwmark 0x%x/0x%x", r->pref, r->fwmark, r->fwmask);
}

static int report(const char *what, const struct nlb_error *e)
{
	return tenc_err(TENC_FAIL, "kernel", "adding %s: %s%s%s", what, strerror(e->err),
			e->msg[0] ? ": " : "", e->msg);
}

/* Queue the removal of p's objects; only those with done[i] when given. */
static void queue_del_sas(struct dp *d, const struct plan *p, const bool *done)
{
	for (size_t i = 0; i < p->n_sas; i++)
		if (!done || done[i])
			xfrm_sa_del(d->x, p->sas[i].dst, p->sas[i].spi, p->sas[i].mark, p->sas[i].mark_mask);
}

static void queue_del_pols(struct dp *d, const struct plan *p, const bool *done)
{
	for (size_t i = 0; i < p->n_pols; i++)
		if (!done || done[i])
			xfrm_pol_del(d->x, &p->pols[i]);
}

static void queue_del_routes(struct dp *d, const struct plan *p, const bool *rt, const bool *ru)
{
	for (size_t i = 0; i < p->n_routes; i++)
		if (!rt || rt[i])
			rtnl_route_del(d->r, &p->routes[i]);
	for (size_t i = 0; i < p->n_rules; i++)
		if (!ru || ru[i])
			rtnl_rule_del(d->r, &p->rules[i]);
}

static void del_ipc(struct dp *d, const struct plan *p, size_t upto)
{
	for (size_t i = 0; i < upto && d->ipc_fd >= 0; i++)
		if (ipcache_delete(d->ipc_fd, p->ipc[i].prefix.addr, p->ipc[i].prefix.len) == 0)
			crashpoint();
}

static void mark_done(const struct nlb *b, bool *done, size_t n)
{
	for (size_t i = 0; i < n; i++)
		done[i] = nlb_result(b, i) == 0;
}

int dp_add(struct dp *d, const struct plan *p, bool replace)
{
	size_t nmax = p->n_sas + p->n_pols + p->n_routes + p->n_rules + 1;
	bool *done = calloc(nmax, sizeof(*done));
	bool *sa_done = done, *pol_done = done + p->n_sas, *rt_done = pol_done + p->n_pols;
	bool *ru_done = rt_done + p->n_routes;
	struct nlb_error e = { 0 };
	char what[160] = "";
	size_t i;
	int ret = TENC_FAIL;

	if (!done)
		return tenc_err(TENC_FAIL, "apply", "out of memory");
	/* 0. The policy hash thresholds, before the policies go in. */
	if (p->spd && (e.err = -xfrm_hthresh_set(d->x, TENC_HTHRESH)) != 0) {
		snprintf(what, sizeof(what), "policy hash thresholds");
		free(done);
		return report(what, &e);
	}
	/* 1. SAs: IN and OUT, before anything can select them. */
	for (i = 0; i < p->n_sas; i++)
		xfrm_sa_add(d->x, &p->sas[i], false);
	if (nlb_flush(d->x, &e)) {
		mark_done(d->x, sa_done, p->n_sas);
		desc_sa(&p->sas[e.index], what, sizeof(what));
		goto rollback;
	}
	memset(sa_done, 1, p->n_sas * sizeof(bool));
	/* 2. Policies. */
	for (i = 0; i < p->n_pols; i++)
		xfrm_pol_add(d->x, &p->pols[i], replace);
	if (nlb_flush(d->x, &e)) {
		mark_done(d->x, pol_done, p->n_pols);
		desc_pol(&p->pols[e.index], what, sizeof(what));
		goto rollback;
	}
	memset(pol_done, 1, p->n_pols * sizeof(bool));
	/* 3. Rules, then routes. */
	for (i = 0; i < p->n_rules; i++)
		rtnl_rule_add(d->r, &p->rules[i]);
	for (i = 0; i < p->n_routes; i++)
		rtnl_route_add(d->r, &p->routes[i], replace);
	if (nlb_flush(d->r, &e)) {
		for (i = 0; i < p->n_rules; i++)
			ru_done[i] = nlb_result(d->r, i) == 0;
		for (i = 0; i < p->n_routes; i++)
			rt_done[i] = nlb_result(d->r, p->n_rules + i) == 0;
		if (e.index < p->n_rules)
			desc_rule(&p->rules[e.index], what, sizeof(what));
		else
			desc_route(&p->routes[e.index - p->n_rules], what, sizeof(what));
		goto rollback;
	}
	memset(rt_done, 1, (p->n_routes + p->n_rules) * sizeof(bool));
	/* 4. ipcache last: from here on packets get marked. */
	for (i = 0; i < p->n_ipc; i++) {
		int r = d->ipc_fd < 0 ? -ENOENT
				      : ipcache_update(d->ipc_fd, p->ipc[i].prefix.addr, p->ipc[i].prefix.len,
						       &p->ipc[i].val);
		if (!r)
			crashpoint();
		if (r) {
			char c[32];

			del_ipc(d, p, i);
			e.err = -r;
			e.msg[0] = '\0';
			snprintf(what, sizeof(what), "ipcache entry %s", fmt_cidr(&p->ipc[i].prefix, c, sizeof(c)));
			goto rollback;
		}
	}
	free(done);
	return 0;
rollback:
	ret = report(what, &e);
	queue_del_routes(d, p, rt_done, ru_done);
	nlb_flush(d->r, NULL);
	queue_del_pols(d, p, pol_done);
	queue_del_sas(d, p, sa_done);
	nlb_flush(d->x, NULL);
	free(done);
	return ret;
}

static int flush_del(struct nlb *b)
{
	struct nlb_error e;
	size_t n = nlb_count(b);
	int bad = 0;

	if (!nlb_flush(b, &e))
		return 0;
	for (size_t i = 0; i < n; i++) {
		int r = nlb_result(b, i);

		if (r && r != ENOENT && r != ESRCH)
			bad++;
	}
	if (bad)
		return tenc_err(TENC_FAIL, "kernel", "removing: %d objects refused, first: %s%s%s", bad,
				strerror(e.err), e.msg[0] ? ": " : "", e.msg);
	return 0;
}

int dp_del(struct dp *d, const struct plan *p)
{
	int ret = 0;

	/* Reverse order: stop marking first, then routes, policies, SAs. */
	del_ipc(d, p, p->n_ipc);
	queue_del_routes(d, p, NULL, NULL);
	ret |= flush_del(d->r);
	queue_del_pols(d, p, NULL);
	ret |= flush_del(d->x);
	queue_del_sas(d, p, NULL);
	ret |= flush_del(d->x);
	if (p->spd && xfrm_hthresh_set(d->x, XFRM_HTHRESH_DEFAULT))
		ret |= tenc_err(TENC_FAIL, "kernel", "restoring the policy hash thresholds");
	return ret ? TENC_FAIL : 0;
}
