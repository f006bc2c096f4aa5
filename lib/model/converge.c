// SPDX-License-Identifier: GPL-2.0
/* converge.c: the make-before-break change from have to want (see
 * converge.h). Keys are sorted and looked up by binary search, so a
 * change of 5,000 peers stays n log n. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "converge.h"
#include "plan.h"

#define CMP(a, b) do { if ((a) != (b)) return (a) < (b) ? -1 : 1; } while (0)

/* A kernel identity: what an update replaces in place, or what blocks a
 * new SA. Sorted with the object's index, for lookups. */
struct rkey {
	uint32_t k[6];
	size_t i;
};

static int cmp_rkey(const void *a, const void *b)
{
	const struct rkey *x = a, *y = b;

	for (int i = 0; i < 6; i++)
		CMP(x->k[i], y->k[i]);
	return 0;
}

typedef struct rkey (*key_fn)(const void *obj);

static struct rkey pol_key(const void *o)
{
	const struct xpol *p = o;

	return (struct rkey){ { p->dir, p->sel_dst, (uint32_t)p->sel_dst_len << 8 | p->sel_src_len,
				p->sel_src, p->mark, p->mark_mask }, 0 };
}

static struct rkey route_key(const void *o)
{
	const struct rroute *r = o;

	return (struct rkey){ { r->table, r->dst, r->dst_len }, 0 };
}

static struct rkey ipc_key(const void *o)
{
	const struct ipc_entry *e = o;

	return (struct rkey){ { e->prefix.addr, e->prefix.len }, 0 };
}

static struct rkey sa_key(const void *o)
{
	const struct xsa *s = o;

	return (struct rkey){ { s->dst, s->spi, s->mark }, 0 };
}

static void *push_pol(struct plan *p) { return plan_push_pol(p); }
static void *push_route(struct plan *p) { return plan_push_route(p); }
static void *push_ipc(struct plan *p) { return plan_push_ipc(p); }
static void *push_sa(struct plan *p) { return plan_push_sa(p); }

/* Objects of one kind in a plan: its array, count and element size. */
struct objs {
	void *v;
	size_t *n, sz;
};

#define OBJS(p, arr, cnt) ((struct objs){ (p)->arr, &(p)->cnt, sizeof(*(p)->arr) })
#define AT(o, i) ((char *)(o).v + (i) * (o).sz)

/* The sorted keys of o's objects, each with its index; NULL on ENOMEM. */
static struct rkey *keys_of(struct objs o, key_fn key)
{
	struct rkey *k = calloc(*o.n + 1, sizeof(*k));

	for (size_t i = 0; k && i < *o.n; i++) {
		k[i] = key(AT(o, i));
		k[i].i = i;
	}
	if (k)
		qsort(k, *o.n, sizeof(*k), cmp_rkey);
	return k;
}

/* Index of the object with key k, or -1. */
static ssize_t find_key(const struct rkey *keys, size_t n, struct rkey k)
{
	const struct rkey *hit = n ? bsearch(&k, keys, n, sizeof(k), cmp_rkey) : NULL;

	return hit ? (ssize_t)hit->i : -1;
}

/* Each object of put that has the kernel identity of one in del: that
 * one is moved out of del (keeping del's order) into to, and, with prev,
 * prev[i] is its index there (-1: put[i] is new). 0 or -ENOMEM. */
static int split(struct objs put, struct objs del, key_fn key, void *(*push)(struct plan *),
		 struct plan *to, const size_t *to_n, ssize_t **prev)
{
	struct rkey *k = keys_of(del, key);
	bool *gone = calloc(*del.n + 1, sizeof(*gone));
	size_t kept = 0;
	int r = k && gone ? 0 : -ENOMEM;

	if (!r && prev && !(*prev = calloc(*put.n + 1, sizeof(**prev))))
		r = -ENOMEM;
	for (size_t i = 0; !r && i < *put.n; i++) {
		ssize_t j = find_key(k, *del.n, key(AT(put, i)));
		void *o;

		if (prev)
			(*prev)[i] = -1;
		if (j < 0 || gone[j])
			continue;
		if (!(o = push(to))) {
			r = -ENOMEM;
			break;
		}
		memcpy(o, AT(del, (size_t)j), del.sz);
		if (prev)
			(*prev)[i] = (ssize_t)(*to_n - 1);
		gone[j] = true;
	}
	for (size_t i = 0; !r && i < *del.n; i++)
		if (!gone[i])
			memmove(AT(del, kept++), AT(del, i), del.sz);
	if (!r)
		*del.n = kept;
	free(k);
	free(gone);
	return r;
}

int converge_compute(const struct plan *want, const struct plan *have, struct change *c)
{
	int r;

	memset(c, 0, sizeof(*c));
	r = plan_diff(want, have, &c->put, &c->del);
	r = r ?: split(OBJS(&c->put, pols, n_pols), OBJS(&c->del, pols, n_pols), pol_key, push_pol,
		       &c->old, &c->old.n_pols, &c->prev_pol);
	r = r ?: split(OBJS(&c->put, routes, n_routes), OBJS(&c->del, routes, n_routes), route_key,
		       push_route, &c->old, &c->old.n_routes, &c->prev_route);
	r = r ?: split(OBJS(&c->put, ipc, n_ipc), OBJS(&c->del, ipc, n_ipc), ipc_key, push_ipc, &c->old,
		       &c->old.n_ipc, &c->prev_ipc);
	/* SAs of del in the way of one of put: removed first (no prev). */
	r = r ?: split(OBJS(&c->put, sas, n_sas), OBJS(&c->del, sas, n_sas), sa_key, push_sa, &c->first,
		       &c->first.n_sas, NULL);
	if (r)
		converge_free(c);
	return r;
}

static size_t plan_count(const struct plan *p)
{
	return p->spd + p->n_sas + p->n_pols + p->n_routes + p->n_rules + p->n_ipc;
}

size_t converge_count(const struct change *c)
{
	return plan_count(&c->first) + plan_count(&c->put) + plan_count(&c->del);
}

void converge_free(struct change *c)
{
	plan_free(&c->first);
	plan_free(&c->put);
	plan_free(&c->del);
	plan_free(&c->old);
	free(c->prev_pol);
	free(c->prev_route);
	free(c->prev_ipc);
	memset(c, 0, sizeof(*c));
}
