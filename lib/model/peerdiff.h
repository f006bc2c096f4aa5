/* SPDX-License-Identifier: GPL-2.0 */
/* peerdiff: what a peer change is, decided from the node's state alone:
 * how a peer that exists carries its local fields into its new form (peer
 * add, peer sync), and peer sync's diff of a wanted peer set against the
 * current one (the final set, the changed peers' plans before and after,
 * the counts). Pure: no kernel, no files, nothing printed; uc_peer.c
 * carries the changes out. */
#ifndef TENC_PEERDIFF_H
#define TENC_PEERDIFF_H
#include <stdbool.h>
#include <stddef.h>
#include "node.h"
#include "plan.h"

enum peer_result { PEER_ADDED, PEER_CHANGED, PEER_UNCHANGED };

/* "added", "changed", "unchanged". */
const char *peer_result_str(enum peer_result r);
/* Same kernel objects: node ip, cidrs (sorted: node_sort_cidrs) and
 * epoch. (The advertised SPI selects nothing until a rotation commits.) */
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
 * keys_new_peer_out; one only in n's set stays, or with prune is removed.
 * fin: want's peers in want's order, then those kept. 0, -ENOMEM, or
 * -ENOSPC (no free peer id); on failure d is freed. */
int sync_diff(const struct node *n, const struct peers *want, bool prune, struct sync_diff *d);
void sync_diff_free(struct sync_diff *d);

#endif
