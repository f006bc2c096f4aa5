/* SPDX-License-Identifier: GPL-2.0 */
/* uc_node: the use cases on the node as a whole, `subnet add|del` and
 * `disable`, and the frame every writer's use case runs in (uc_begin,
 * uc_end: the writer lock and its journal, the node loaded, recovery after
 * a writer that died half-way). Like every uc_*: inputs in, a result out,
 * errors reported (tenc_err), nothing printed; cmd/ formats the result. */
#ifndef TENC_UC_NODE_H
#define TENC_UC_NODE_H
#include <stdbool.h>
#include <stddef.h>
#include "node.h"

/* Begin a writer's use case: writer_begin (privileges, the state dir, the
 * lock), node_load, and with recover, node_recover (after a writer that
 * died or failed half-way, the kernel reconciled with the state files
 * before a change is computed from them). 0, or a TENC_* code (reported;
 * then nothing is to be ended). */
int uc_begin(struct node *n, bool recover);
/* End it: node_free, writer_end (the journal goes when nothing failed). */
void uc_end(struct node *n);

struct subnet_res {
	struct prefix cidr;	/* the subnet added or removed, either family */
	bool added;
	size_t kernel_changes;
};

/* Declare the remote pod subnet x (subnet mode), or remove it; then the
 * whole node is reconciled and config.json saved. 0, or a TENC_* code
 * (reported; TENC_USAGE: not subnet mode, an overlap, too many, no such
 * subnet). */
int uc_subnet_add(const struct prefix *x, struct subnet_res *res);
int uc_subnet_del(const struct prefix *x, struct subnet_res *res);

struct disable_res {
	size_t kernel_changes;
};

/* Remove everything tenc installed and nothing else: programs (and the
 * clsact qdiscs tenc created) first, then tenc's XFRM states and policies,
 * rules and routes (a reconcile to nothing), the pins and the bpffs; the
 * node is no longer enabled. Keys and peers stay. 0 or a TENC_* code. */
int uc_disable(struct disable_res *res);

#endif
