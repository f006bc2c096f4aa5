/* SPDX-License-Identifier: GPL-2.0 */
/* nodeio: the node (node.h) loaded from the state files and the kernel's
 * view of its underlay, reconciled with the kernel, recovered after a
 * writer that died half-way. */
#ifndef TENC_NODEIO_H
#define TENC_NODEIO_H
#include <stddef.h>
#include "node.h"

/* Load every state file, and the underlay's ifindex and MTU when the
 * node is enabled. 0 or TENC_FAIL (reported). */
int node_load(struct node *n);
/* Make the kernel hold the node's whole plan (nothing when not enabled
 * or only observing). *changes may be NULL. 0 or TENC_FAIL. */
int node_reconcile(const struct node *n, size_t *changes);
/* After a writer that died or failed half-way (state_journal_found):
 * make the kernel hold the state files' plan again, so that a change
 * computed from them (peer add, del, sync) starts from what the kernel
 * holds. Nothing otherwise. 0 or TENC_FAIL. */
int node_recover(const struct node *n);

#endif
