// SPDX-License-Identifier: GPL-2.0
/* apply.c: plans into the kernel, and the kernel back into plans (apply.h). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/xfrm.h>
#include "apply.h"
#include "reconcile.h"
#include "bpfmigrate.h"
#include "bpfdp.h"
#include "converge.h"
#include "crashpoint.h"
#include "env.h"
#include "rxbase.h"
#include "state.h"
#include "tenc.h"

int dp_open(struct dp *d)
{
	memset(d, 0, sizeof(*d));
	d->ipc_fd = d->ipc6_fd = -1;
	d->x = nlb_open(NETLINK_XFRM);
	d->r = nlb_open(NETLINK_ROUTE);
	if (!d->x || !d->r) {
		int err = errno;

		dp_close(d);
		return tenc_errno(TENC_FAIL, err, "netlink", "open");
	}
	if (env_bpffs(d->bpffs, sizeof(d->bpffs), false) == 0) {
		int fd = ipcache_open(d->bpffs), fd6 = fd >= 0 ? ipcache6_open(d->bpffs) : -ENOENT;

		d->ipc_fd = fd >= 0 ? fd : -1;
		d->ipc6_fd = fd6 >= 0 ? fd6 : -1;
		/* there but unusable: reported; ipcache6 is missing only in
		 * the pins of a tenc before it (enable migrates them) */
		if ((fd < 0 && fd != -ENOENT) || (fd6 < 0 && fd6 != -ENOENT)) {
			dp_close(d);
			return TENC_FAIL;
		}
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
	if (d->ipc6_fd >= 0)
		close(d->ipc6_fd);
	d->x = d->r = NULL;
	d->ipc_fd = d->ipc6_fd = -1;
}

static void desc_sa(const struct xsa *s, char *buf, size_t n)
{
	char a[KADDR_STRLEN], b[KADDR_STRLEN];

	snprintf(buf, n, "SA %s->%s spi %u mark 0x%x", kaddr_str(s->family, s->src6, a, sizeof(a)),
		 kaddr_str(s->family, s->dst6, b, sizeof(b)), s->spi, s->mark);
}

static void desc_pol(const struct xpol *p, char *buf, size_t n)
{
	char a[KADDR_STRLEN];

	snprintf(buf, n, "policy dir %s dst %s/%u mark 0x%x/0x%x",
		 p->dir == XFRM_POLICY_IN ? "in" : p->dir == XFRM_POLICY_OUT ? "out" : "fwd",
		 kaddr_str(p->sel_family, p->sel_dst6, a, sizeof(a)), p->sel_dst_len, p->mark, p->mark_mask);
}

static void desc_route(const struct rroute *r, char *buf, size_t n)
{
	char a[KADDR_STRLEN];

	snprintf(buf, n, "route %s/%u table %u", kaddr_str(r->family, r->dst6, a, sizeof(a)), r->dst_len,
		 r->table);
}

static void desc_rule(const struct rrule *r, char *buf, size_t n)
{
	snprintf(buf, n, "rule pref %u fwmark 0x%x/0x%x", r->pref, r->fwmark, r->fwmask);
}

static int report(const char *what, const struct nlb_error *e)
{
	char why[512];

	return tenc_err(TENC_FAIL, "kernel", "%s: %s", what, nlb_strerror(e, why, sizeof(why)));
}

/* One step of a change: one kind of object, put (add or replace in place)
 * or deleted, sent as one batch. */
enum kind { K_SA, K_POL, K_RULE, K_ROUTE, K_IPC };
enum op { OP_PUT, OP_DEL };

struct step {
	enum kind kind;
	enum op op;
	const struct plan *p;	/* the objects */
	const ssize_t *prev;	/* OP_PUT: index in old of the replaced one, or -1 */
	int *res;		/* per object: 0 changed, -1 nothing to do, or errno */
};

static size_t step_n(const struct step *s)
{
	const struct plan *p = s->p;

	return s->kind == K_SA ? p->n_sas : s->kind == K_POL ? p->n_pols : s->kind == K_RULE ? p->n_rules
	       : s->kind == K_ROUTE ? p->n_routes : p->n_ipc;
}

static void describe(enum kind k, const struct plan *p, size_t i, char *buf, size_t n)
{
	char c[64];

	switch (k) {
	case K_SA: desc_sa(&p->sas[i], buf, n); break;
	case K_POL: desc_pol(&p->pols[i], buf, n); break;
	case K_RULE: desc_rule(&p->rules[i], buf, n); break;
	case K_ROUTE: desc_route(&p->routes[i], buf, n); break;
	case K_IPC: snprintf(buf, n, "ipcache entry %s", plan_ipc_str(&p->ipc[i], c, sizeof(c))); break;
	}
}

/* Put or delete one ipcache entry, in the map of its family (ipcache,
 * ipcache6); 0 or -errno. */
static int ipc_op(struct dp *d, enum op op, const struct ipc_entry *e)
{
	bool v6 = kfam(e->family) == AF_INET6;
	int fd = v6 ? d->ipc6_fd : d->ipc_fd, r;

	if (fd < 0)
		return op == OP_DEL ? -ENOENT : -EBADF;
	if (faultpoint())
		return -EPERM;
	if (v6)
		r = op == OP_PUT ? ipcache6_update(fd, e->prefix6.addr, e->prefix6.len, &e->val)
				 : ipcache6_delete(fd, e->prefix6.addr, e->prefix6.len);
	else
		r = op == OP_PUT ? ipcache_update(fd, e->prefix.addr, e->prefix.len, &e->val)
				 : ipcache_delete(fd, e->prefix.addr, e->prefix.len);
	if (!r)
		crashpoint();
	return r;
}

/* Queue object i of p: put (replacing the object of its kernel identity
 * in place when replace; else a new one, refused if one is in the way:
 * tenc never overwrites an object it does not know), or delete. */
static void queue(struct dp *d, enum kind k, enum op op, const struct plan *p, size_t i, bool replace)
{
	switch (k) {
	case K_SA:
		if (op == OP_PUT)
			xfrm_sa_add(d->x, &p->sas[i], false);
		else
			xfrm_sa_del(d->x, &p->sas[i]);
		break;
	case K_POL:
		if (op == OP_PUT)
			xfrm_pol_add(d->x, &p->pols[i], replace);
		else
			xfrm_pol_del(d->x, &p->pols[i]);
		break;
	case K_RULE:
		if (op == OP_PUT)
			rtnl_rule_add(d->r, &p->rules[i]);
		else
			rtnl_rule_del(d->r, &p->rules[i]);
		break;
	case K_ROUTE:
		if (op == OP_PUT)
			rtnl_route_add(d->r, &p->routes[i], replace);
		else
			rtnl_route_del(d->r, &p->routes[i]);
		break;
	case K_IPC:
		break;
	}
}

static struct nlb *sock(struct dp *d, enum kind k)
{
	return k == K_RULE || k == K_ROUTE ? d->r : d->x;
}

/* Carry out one step: res[] filled; 0, or TENC_FAIL after reporting the
 * first refusal (deleting what is already gone is no refusal). */
static int run_step(struct dp *d, struct step *s)
{
	size_t n = step_n(s), bad = SIZE_MAX;
	struct nlb_error e = { 0 };
	char what[192];
	int off;

	for (size_t i = 0; i < n; i++) {
		if (s->kind == K_IPC)
			s->res[i] = -ipc_op(d, s->op, &s->p->ipc[i]);
		else
			queue(d, s->kind, s->op, s->p, i, s->prev && s->prev[i] >= 0);
	}
	if (s->kind != K_IPC && n) {
		(s->op == OP_DEL ? nlb_flush_del : nlb_flush)(sock(d, s->kind), &e);
		for (size_t i = 0; i < n; i++)
			s->res[i] = nlb_result(sock(d, s->kind), i);
	}
	for (size_t i = 0; i < n; i++) {
		if (s->op == OP_DEL && (s->res[i] == ENOENT || s->res[i] == ESRCH))
			s->res[i] = -1;
		else if (s->res[i] > 0 && bad == SIZE_MAX)
			bad = i;
	}
	if (bad == SIZE_MAX)
		return 0;
	if (s->kind == K_IPC || e.index != bad) {
		e.err = s->res[bad];
		snprintf(e.msg, sizeof(e.msg), "%s", s->kind == K_IPC && e.err == EPERM && crashpoint_armed()
							     ? FAULTPOINT_MSG : "");
	}
	off = snprintf(what, sizeof(what), "%s ", s->op == OP_PUT ? "adding" : "removing");
	describe(s->kind, s->p, bad, what + off, sizeof(what) - (size_t)off);
	return report(what, &e);
}

/* Undo what step s changed, in reverse: a new object is deleted, a
 * replaced one put back as it was (from old), a deleted one added again.
 * Returns how many could not be undone (an SA read from the kernel has
 * no key to be added again with). */
static size_t undo_step(struct dp *d, const struct step *s, const struct plan *old)
{
	size_t n = step_n(s), failed = 0, q = 0;

	for (size_t i = n; i-- > 0;) {
		const struct plan *p = s->p;
		size_t j = i;
		enum op op = OP_DEL;
		bool replace = false;

		if (s->res[i] != 0)
			continue;
		if (s->op == OP_PUT && s->prev && s->prev[i] >= 0) {
			p = old, j = (size_t)s->prev[i], op = OP_PUT, replace = true;
		} else if (s->op == OP_DEL) {
			op = OP_PUT;
			if (s->kind == K_SA && !s->p->sas[i].key_base) { /* read back: no key */
				failed++;
				continue;
			}
		}
		if (s->kind == K_IPC)
			failed += ipc_op(d, op, &p->ipc[j]) != 0;
		else
			queue(d, s->kind, op, p, j, replace), q++;
	}
	if (q)
		failed += (size_t)nlb_flush(sock(d, s->kind), NULL);
	return failed;
}

/* Set the hash thresholds of the families p says (spd, spd6) to tenc's,
 * or put back the kernel's defaults; 0 or -errno (the first failure). */
static int spd_set(struct dp *d, const struct plan *p, bool tenc)
{
	int r = 0;

	if (p->spd)
		r = xfrm_hthresh_set_af(d->x, AF_INET, tenc ? TENC_HTHRESH : XFRM_HTHRESH_DEFAULT);
	if (!r && p->spd6)
		r = xfrm_hthresh_set_af(d->x, AF_INET6, tenc ? TENC_HTHRESH6 : XFRM_HTHRESH6_DEFAULT);
	return r;
}

static int spd_put(struct dp *d, const struct plan *p) { return -spd_set(d, p, true); }
static int spd_default(struct dp *d, const struct plan *p) { return spd_set(d, p, false); }

int dp_apply(struct dp *d, const struct plan *want, const struct plan *have, size_t *changes)
{
	struct change c;
	struct step st[11];
	size_t ns = 0, done = 0, undone = 0, total = 0;
	int *res, ret = 0;

	/* Mid-migration the pinned ipcache is not the one that runs (or,
	 * killed between moving the old pin and pinning the new, none is). */
	if (!d->migrating_ok && d->bpffs[0] && bpfmig_pending(d->bpffs))
		return tenc_err(TENC_FAIL, "bpf", "an upgrade of the pinned maps under %s did not finish: "
				"run 'tenc enable' first", d->bpffs);
	if (converge_compute(want, have, &c))
		return tenc_err(TENC_FAIL, "apply", "out of memory");
	st[ns++] = (struct step){ K_SA, OP_DEL, &c.first, NULL, NULL };
	st[ns++] = (struct step){ K_SA, OP_PUT, &c.put, NULL, NULL };
	st[ns++] = (struct step){ K_POL, OP_PUT, &c.put, c.prev_pol, NULL };
	st[ns++] = (struct step){ K_RULE, OP_PUT, &c.put, NULL, NULL };
	st[ns++] = (struct step){ K_ROUTE, OP_PUT, &c.put, c.prev_route, NULL };
	st[ns++] = (struct step){ K_IPC, OP_PUT, &c.put, c.prev_ipc, NULL };
	st[ns++] = (struct step){ K_IPC, OP_DEL, &c.del, NULL, NULL };
	st[ns++] = (struct step){ K_ROUTE, OP_DEL, &c.del, NULL, NULL };
	st[ns++] = (struct step){ K_RULE, OP_DEL, &c.del, NULL, NULL };
	st[ns++] = (struct step){ K_POL, OP_DEL, &c.del, NULL, NULL };
	st[ns++] = (struct step){ K_SA, OP_DEL, &c.del, NULL, NULL };
	for (size_t i = 0; i < ns; i++)
		total += step_n(&st[i]);
	if (!(res = calloc(total + 1, sizeof(*res)))) {
		converge_free(&c);
		return tenc_err(TENC_FAIL, "apply", "out of memory");
	}
	for (size_t i = 0, off = 0; i < ns; off += step_n(&st[i]), i++)
		st[i].res = res + off;
	*changes = converge_count(&c);
	if (*changes)
		state_journal_open();
	/* The policy hash thresholds: before the policies go in. */
	if ((ret = spd_put(d, &c.put)) != 0)
		ret = report("setting the policy hash thresholds", nlb_last_error(d->x));
	for (; !ret && done < ns; done++)
		ret = run_step(d, &st[done]);
	if (ret) {
		/* Restore: every step that ran, the failed one too, in reverse. */
		while (done-- > 0)
			undone += undo_step(d, &st[done], &c.old);
		spd_default(d, &c.put);
		if (undone) {
			state_journal_keep(); /* the next writer reconciles first */
			tenc_err(TENC_FAIL, "kernel", "rollback: %zu objects not restored (the next change converges first)",
				 undone);
		} else {
			state_journal_restored();
		}
	} else if (spd_default(d, &c.del)) {
		ret = report("restoring the policy hash thresholds", nlb_last_error(d->x));
	}
	free(res);
	converge_free(&c);
	return ret;
}

int dp_reconcile(struct dp *d, const struct plan *want, size_t *changes)
{
	struct plan have = { 0 };
	int ret = dp_read(d, &have);

	/* The whole node converges: the journal, if any, goes when this
	 * writer ends well (even with no change to make). */
	state_journal_open();
	if (!ret)
		ret = dp_apply(d, want, &have, changes);
	if (!ret)
		rxbase_save(&have); /* counters that moved before this converge no longer count */
	plan_free(&have);
	return ret;
}
