/* SPDX-License-Identifier: GPL-2.0 */
/* node: this node instance as the commands see it: what its state files
 * say, together (nodeio.h loads them), the underlay's ifindex and MTU, and
 * the checks a new peer must pass against what exists (names, node ips,
 * overlapping cidrs, each family on its own: an IPv6 prefix never clashes
 * with an IPv4 one). Pure. */
#ifndef TENC_NODE_H
#define TENC_NODE_H
#include <stdbool.h>
#include "plan.h"
#include "model.h"

struct node {
	bool enabled;		/* config.json exists */
	struct tenc_config cfg;
	struct keyring keys;
	struct peers peers;
	int ifindex;		/* underlay, when enabled */
	uint32_t mtu;
};

void node_free(struct node *n);
/* Whole plan of the node's intent (empty when not enabled). */
int node_plan(const struct node *n, struct plan *p);
/* What peers need to know about this node, as a peer of theirs: its
 * name, node ip, pod cidrs, advertised SPI (keys_advertise) and epoch.
 * 0, or -1 when the node is not enabled. */
int node_advert(const struct node *n, struct peer *x);
/* Is x acceptable beside the existing peers (skipping `self`) and the
 * local pod cidrs? 0, or -1 with err naming the field. */
int node_check_peer(const struct node *n, const struct peer *x, const struct peer *self, char *err,
		    size_t errlen);
/* node_check_peer for every peer of n against all the others: 0, or -1
 * with err about the first peer that fails, *bad its position. Sorts
 * instead of comparing every pair (n log n, also when a peer fails);
 * gives exactly the loop's answer. */
int node_check_all(const struct node *n, size_t *bad, char *err, size_t errlen);
/* Mark in clash[] (ps->n of them, set false) every peer that shares its
 * name or a node ip (IPv4, or a non-zero IPv6 one) with another, or has
 * a cidr of either family overlapping another peer's: sorting, n log n
 * in peers and cidrs. (A peer's own cidrs are checked apart.) 0 or
 * -ENOMEM. */
int node_mark_clashes(const struct peers *ps, bool *clash);
/* Sort a peer's cidrs of both families, so equal sets compare equal. */
void node_sort_cidrs(struct peer *x);

#endif
