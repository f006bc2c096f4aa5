/* SPDX-License-Identifier: GPL-2.0 */
/* apply: putting plans into the kernel and reading the kernel back.
 * Owns: the order of changes (SAs, then policies, then rules and routes,
 * then the ipcache, so marks are set only once XFRM can carry them; the
 * reverse for removal), rollback of what a failed command added, reading
 * tenc's own objects back, and reconciling a whole plan with the kernel. */
#ifndef TENC_APPLY_H
#define TENC_APPLY_H
#include <stdbool.h>
#include "nlbatch.h"
#include "plan.h"

struct dp {
	struct nlb *x;		/* NETLINK_XFRM */
	struct nlb *r;		/* NETLINK_ROUTE */
	int ipc_fd;		/* pinned ipcache, -1 when not loaded */
	char bpffs[4096];
};

/* Open sockets and, if the bpffs holds one, the ipcache. 0 or TENC_FAIL. */
int dp_open(struct dp *d);
void dp_close(struct dp *d);
/* Add everything in p (replace: policies and routes replace those with the
 * same kernel identity, in place); on failure remove what this call added, report
 * (with the kernel's extended ack) and return TENC_FAIL. */
int dp_add(struct dp *d, const struct plan *p, bool replace);
/* Remove everything in p; objects already gone are fine. */
int dp_del(struct dp *d, const struct plan *p);
/* Read tenc's objects (reqid, marks, protocol, ipcache) into have. */
int dp_read(struct dp *d, struct plan *have);
/* The same without routes and rules: the policy hash thresholds, SAs,
 * policies and the ipcache (for the audit and rotation's counter polls). */
int dp_read_xfrm(struct dp *d, struct plan *have);
/* missing = want - have; extra = have - want (by identity). */
int dp_diff(const struct plan *want, const struct plan *have, struct plan *missing, struct plan *extra);
/* Make the kernel hold exactly want: add missing, then remove extra.
 * *changes counts kernel changes. 0 or TENC_FAIL. */
int dp_reconcile(struct dp *d, const struct plan *want, size_t *changes);

#endif
