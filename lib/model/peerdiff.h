/* SPDX-License-Identifier: GPL-2.0 */
/* peerdiff: what a peer change is, decided from the node's state alone:
 * how a peer that exists carries its local fields into its new form (peer
 * add, peer sync), peer sync's diff of a wanted peer set against the
 * current one (the final set, the changed peers' plans before and after,
 * the counts), and which of the wanted peers it must leave out (the ones
 * that cannot be peered, on their own or beside the others). Pure: no kernel, no files, nothing printed; uc_peer.c
 * carries the changes out. */
#ifndef TENC_PEERDIFF_H
#define TENC_PEERDIFF_H
#include <stdbool.h>
#include <stddef.h>
#include "node.h"
#include "nodelist.h"
#include "plan.h"

enum peer_result { PEER_ADDED, PEER_CHANGED, PEER_UNCHANGED };

/* "added", "changed", "unchanged". */
const char *peer_result_str(enum peer_result r);
/* Same kernel objects: node ip, cidrs (sorted: node_sort_cidrs) and
 * epoch; and the same IPv6 half (node ip, cidrs), which plans no object
 * yet but is a change all the same: stored, shown, planned later. (The
 * advertised SPI selects nothing until a rotation commits.) */
bool peer_same_objects(const struct peer *a, const struct peer *b);
/* x is the new form of the existing peer old: x takes old's id and
 * out_spi, and old's epoch when x gives none (an input without epochs
 * keeps the known one; a new epoch re-keys exactly this peer). */
void peer_carry(struct peer *x, const struct peer *old);

struct sync_counts {
	size_t added, changed, removed, unchanged;
};

struct sync_diff {
	struct peers fin;	/* the peer set after the sync */
	/* The changed, added and removed peers' plans (only when the node is
	 * enabled): what they were (del) and what they become (add). */
	struct plan del, add;
	struct sync_counts n;
};

/* Diff want (nodelist_parse's set: no ids, cidrs sorted) against n's
 * peers. A peer in both keeps its id and out_spi (peer_carry), and counts
 * as unchanged when its kernel objects are the same (its fields are still
 * taken from want); a new one gets the lowest free id and
 * keys_new_peer_out; one only in n's set stays, or with prune is removed
 * unless hold (NULL: none) names it. fin: want's peers in want's order,
 * then those kept. 0, -ENOMEM, or -ENOSPC (no free peer id); on failure
 * d is freed. */
int sync_diff(const struct node *n, const struct peers *want, const struct peer_index *hold, bool prune,
	      struct sync_diff *d);
/* sync_diff of the part of want that can be peered; each peer left out
 * is added to rej with its reason. rej holds nodelist_parse's rejects on
 * entry: a peer of n named there or left out here stays as it is (also
 * with prune). Left out: a peer that fails node_check_peer on its own
 * (its own ip, cidrs overlapping each other or a local pod cidr), and a
 * new claim (a new peer, or a changed one's new form) that clashes with
 * any other peer of the final set (node_mark_clashes: name, node ip, an
 * overlapping cidr): a peer already peered as it is keeps its claim, and
 * of two new claims that clash, both are left out. Repeated until the
 * final set has no clash of a new claim (a changed peer left out is back
 * in its old form, which may clash with another new one). 0, -ENOMEM or
 * -ENOSPC; on failure d is freed (rej keeps what it got). */
int sync_pick(const struct node *n, const struct peers *want, bool prune, struct node_rejects *rej,
	      struct sync_diff *d);
void sync_diff_free(struct sync_diff *d);

#endif
