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
 * new SA. Sorted with the object's index, for lookups. Words: families
 * (0 and AF_INET are one: kfam), numbers, and each address as 4 words
 * that hold its family's bytes only (an IPv4 one: 1 word, 3 zero), so
 * the undefined bytes of an IPv4 address never count. */
#define RKEY_WORDS 13
struct rkey {
	uint32_t k[RKEY_WORDS];
	size_t i;
};

static int cmp_rkey(const void *a, const void *b)
{
	const struct rkey *x = a, *y = b;

	for (int i = 0; i < RKEY_WORDS; i++)
		CMP(x->k[i], y->k[i]);
	return 0;
}

typedef struct rkey (*key_fn)(const void *obj);

/* Address a of family f into w[0..3]; returns w + 4. */
static uint32_t *key_addr(uint32_t *w, uint8_t f, const uint8_t *a)
{
	memcpy(w, a, kaddr_len(f));
	return w + 4;
}

/* Direction, selector (family, dst, lengths, src), mark. */
static struct rkey pol_key(const void *o)
{
	const struct xpol *p = o;
	struct rkey k = { { p->dir, (uint32_t)kfam(p->sel_family) }, 0 };
	uint32_t *w = key_addr(&k.k[2], p->sel_family, p->sel_dst6);

	*w++ = (uint32_t)p->sel_dst_len << 8 | p->sel_src_len;
	w = key_addr(w, p->sel_family, p->sel_src6);
	*w++ = p->mark;
	*w = p->mark_mask;
	return k;
}

static struct rkey route_key(const void *o)
{
	const struct rroute *r = o;
	struct rkey k = { { r->table, (uint32_t)kfam(r->family) }, 0 };

	*key_addr(&k.k[2], r->family, r->dst6) = r->dst_len;
	return k;
}

static struct rkey ipc_key(const void *o)
{
	const struct ipc_entry *e = o;
	struct rkey k = { { (uint32_t)kfam(e->family) }, 0 };
	bool v6 = kfam(e->family) == AF_INET6;

	*key_addr(&k.k[1], e->family, v6 ? e->prefix6.addr : (const uint8_t *)&e->prefix.addr) =
		v6 ? e->prefix6.len : e->prefix.len;
	return k;
}

/* The kernel's SA id: outer family, dst, spi (and tenc's mark). */
static struct rkey sa_key(const void *o)
{
	const struct xsa *s = o;
	struct rkey k = { { (uint32_t)kfam(s->family) }, 0 };
	uint32_t *w = key_addr(&k.k[1], s->family, s->dst6);

	*w++ = s->spi;
	*w = s->mark;
	return k;
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
	return p->spd + p->spd6 + p->n_sas + p->n_pols + p->n_routes + p->n_rules + p->n_ipc;
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
