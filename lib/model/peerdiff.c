// SPDX-License-Identifier: GPL-2.0
/* peerdiff.c: the decisions of a peer change, pure (see peerdiff.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "peerdiff.h"

const char *peer_result_str(enum peer_result r)
{
	switch (r) {
	case PEER_ADDED:
		return "added";
	case PEER_CHANGED:
		return "changed";
	case PEER_UNCHANGED:
		break;
	}
	return "unchanged";
}

bool peer_same_objects(const struct peer *a, const struct peer *b)
{
	if (a->node_ip != b->node_ip || a->n_cidrs != b->n_cidrs || a->epoch != b->epoch)
		return false;
	for (int i = 0; i < a->n_cidrs; i++)
		if (a->cidrs[i].addr != b->cidrs[i].addr || a->cidrs[i].len != b->cidrs[i].len)
			return false;
	return true;
}

void peer_carry(struct peer *x, const struct peer *old)
{
	x->id = old->id;
	x->out_spi = old->out_spi;
	if (!x->epoch)
		x->epoch = old->epoch;
}

/* What a diff works with besides its result. */
struct diff_ctx {
	const struct node *n;
	struct peer_index have, wanted;
	uint8_t *used;		/* ids in use, [1..65535] */
	uint32_t next;		/* no free id below it */
};

static int ctx_init(struct diff_ctx *c, const struct node *n, const struct peers *want)
{
	memset(c, 0, sizeof(*c));
	c->n = n;
	c->next = 1;
	if (!(c->used = calloc(65536, 1)))
		return -ENOMEM;
	if (peer_index_init(&c->have, &n->peers)) {
		free(c->used);
		return -ENOMEM;
	}
	if (peer_index_init(&c->wanted, want)) {
		peer_index_free(&c->have);
		free(c->used);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n->peers.n; i++)
		c->used[n->peers.v[i].id] = 1;
	return 0;
}

static void ctx_free(struct diff_ctx *c)
{
	peer_index_free(&c->have);
	peer_index_free(&c->wanted);
	free(c->used);
}

static int plan_of(const struct node *n, const struct peer *x, struct plan *p)
{
	if (!n->enabled)
		return 0;
	return plan_peer(&n->cfg, &n->keys, x, n->ifindex, n->mtu, p);
}

/* f, a peer of the input, into the final set: as the peer it was, or new. */
static int diff_wanted(struct diff_ctx *c, struct peer *f, struct sync_diff *d)
{
	const struct peer *old = peer_index_find(&c->have, f->name);
	int r;

	if (old) {
		peer_carry(f, old);
		if (peer_same_objects(old, f)) {
			d->n.unchanged++;
			return 0;
		}
		d->n.changed++;
		if ((r = plan_of(c->n, old, &d->del)))
			return r;
	} else {
		while (c->next <= 65535 && c->used[c->next])
			c->next++;
		if (c->next > 65535)
			return -ENOSPC;
		f->id = (uint16_t)c->next;
		f->out_spi = keys_new_peer_out(&c->n->keys, f->adv_spi);
		c->used[c->next] = 1;
		d->n.added++;
	}
	return plan_of(c->n, f, &d->add);
}

/* old, a peer absent from the input: kept, or removed with prune. */
static int diff_absent(struct diff_ctx *c, const struct peer *old, bool prune, struct sync_diff *d)
{
	struct peer *f;

	if (peer_index_find(&c->wanted, old->name))
		return 0;
	if (prune) {
		d->n.removed++;
		return plan_of(c->n, old, &d->del);
	}
	if (!(f = peers_add(&d->fin)))
		return -ENOMEM;
	*f = *old;
	return 0;
}

int sync_diff(const struct node *n, const struct peers *want, bool prune, struct sync_diff *d)
{
	struct diff_ctx c;
	int r;

	memset(d, 0, sizeof(*d));
	if ((r = ctx_init(&c, n, want)))
		return r;
	for (size_t i = 0; !r && i < want->n; i++) {
		struct peer *f = peers_add(&d->fin);

		if (!f) {
			r = -ENOMEM;
			break;
		}
		*f = want->v[i];
		r = diff_wanted(&c, f, d);
	}
	for (size_t i = 0; !r && i < n->peers.n; i++)
		r = diff_absent(&c, &n->peers.v[i], prune, d);
	ctx_free(&c);
	if (r)
		sync_diff_free(d);
	return r;
}

void sync_diff_free(struct sync_diff *d)
{
	peers_free(&d->fin);
	plan_free(&d->del);
	plan_free(&d->add);
}
