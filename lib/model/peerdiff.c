// SPDX-License-Identifier: GPL-2.0
/* peerdiff.c: the decisions of a peer change, pure (see peerdiff.h). */
#include <errno.h>
#include <stdio.h>
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
	if (memcmp(a->node_ip6, b->node_ip6, 16) || a->n_cidrs6 != b->n_cidrs6)
		return false;
	for (int i = 0; i < a->n_cidrs6; i++)
		if (cidr6_cmp(&a->cidrs6[i], &b->cidrs6[i]))
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

/* old, a peer absent from the input: kept, or removed with prune
 * unless hold names it. */
static int diff_absent(struct diff_ctx *c, const struct peer *old, const struct peer_index *hold, bool prune,
		       struct sync_diff *d)
{
	struct peer *f;

	if (peer_index_find(&c->wanted, old->name))
		return 0;
	if (prune && !(hold && peer_index_find(hold, old->name))) {
		d->n.removed++;
		return plan_of(c->n, old, &d->del);
	}
	if (!(f = peers_add(&d->fin)))
		return -ENOMEM;
	*f = *old;
	return 0;
}

int sync_diff(const struct node *n, const struct peers *want, const struct peer_index *hold, bool prune,
	      struct sync_diff *d)
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
		r = diff_absent(&c, &n->peers.v[i], hold, prune, d);
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

/* What sync_pick works with: the peers still wanted, and n's peers held
 * as they are (named by a reject). */
struct pick_ctx {
	const struct node *n;
	struct peer_index have;
	struct peers cand, held;
};

/* Leave cand->v[i] out, for why: rejected, and held when n has it. */
static int leave_out(struct pick_ctx *c, const struct peer *x, const char *why, struct node_rejects *rej)
{
	const struct peer *old = peer_index_find(&c->have, x->name);
	struct peer *h;

	if (rejects_add(rej, x->name, "%s", why))
		return -ENOMEM;
	if (!old || peers_find(&c->held, old->name))
		return 0;
	if (!(h = peers_add(&c->held)))
		return -ENOMEM;
	*h = *old;
	return 0;
}

/* The wanted peers that pass node_check_peer on their own into cand;
 * n's peers named by the parse's rejects into held. */
static int pick_alone(struct pick_ctx *c, const struct peers *want, struct node_rejects *rej)
{
	struct node alone = *c->n;
	size_t parsed = rej->n;
	char why[256];

	alone.peers.n = 0;
	for (size_t i = 0; i < parsed; i++) {
		const struct peer *old = peer_index_find(&c->have, rej->v[i].name);
		struct peer *h;

		if (old && !peers_find(&c->held, old->name)) {
			if (!(h = peers_add(&c->held)))
				return -ENOMEM;
			*h = *old;
		}
	}
	for (size_t i = 0; i < want->n; i++) {
		const struct peer *x = &want->v[i];
		struct peer *f;

		if (node_check_peer(&alone, x, NULL, why, sizeof(why))) {
			if (leave_out(c, x, why, rej))
				return -ENOMEM;
		} else if (!(f = peers_add(&c->cand))) {
			return -ENOMEM;
		} else {
			*f = *x;
		}
	}
	return 0;
}

/* Is fin's peer f (from cand, carried) a new claim: new, or changed? */
static bool new_claim(const struct pick_ctx *c, const struct peer *f)
{
	const struct peer *old = peer_index_find(&c->have, f->name);

	return !old || !peer_same_objects(old, f);
}

/* One round: leave out the new claims of d->fin that clash; *out: how
 * many. cand is compacted. */
static int pick_round(struct pick_ctx *c, const struct sync_diff *d, struct node_rejects *rej, size_t *out)
{
	struct node all = *c->n;
	bool *clash = calloc(d->fin.n + 1, sizeof(*clash));
	size_t k = 0;
	char why[256];
	int r = 0;

	*out = 0;
	if (!clash || node_mark_clashes(&d->fin, clash)) {
		free(clash);
		return -ENOMEM;
	}
	all.peers = d->fin;
	for (size_t i = 0; !r && i < c->cand.n; i++) {
		const struct peer *f = &d->fin.v[i]; /* fin starts with cand, in order */

		if (!clash[i] || !new_claim(c, f)) {
			c->cand.v[k++] = c->cand.v[i];
			continue;
		}
		if (!node_check_peer(&all, f, f, why, sizeof(why)))
			snprintf(why, sizeof(why), "clashes with another peer");
		r = leave_out(c, f, why, rej);
		(*out)++;
	}
	if (!r)
		c->cand.n = k;
	free(clash);
	return r;
}

int sync_pick(const struct node *n, const struct peers *want, bool prune, struct node_rejects *rej,
	      struct sync_diff *d)
{
	struct pick_ctx c = { .n = n };
	struct peer_index hold = { 0 };
	size_t left = 1;
	int r;

	memset(d, 0, sizeof(*d));
	if (peer_index_init(&c.have, &n->peers))
		return -ENOMEM;
	r = pick_alone(&c, want, rej);
	while (!r && left) {
		peer_index_free(&hold);
		if ((r = peer_index_init(&hold, &c.held) ? -ENOMEM : 0) ||
		    (r = sync_diff(n, &c.cand, &hold, prune, d)))
			break;
		if ((r = pick_round(&c, d, rej, &left)) || left)
			sync_diff_free(d);
	}
	peer_index_free(&hold);
	peer_index_free(&c.have);
	peers_free(&c.cand);
	peers_free(&c.held);
	return r;
}
