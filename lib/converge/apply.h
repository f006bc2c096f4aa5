/* SPDX-License-Identifier: GPL-2.0 */
/* apply: putting plans into the kernel and reading the kernel back.
 * Owns: carrying out a change (converge.h computes it: SAs, then
 * policies, then rules and routes, then the ipcache, so marks are set only
 * once XFRM can carry them; the reverse for removal), the rollback that
 * restores what a failed change touched (apply.c); reading tenc's own
 * objects back is reconcile.h's. */
#ifndef TENC_APPLY_H
#define TENC_APPLY_H
#include <stdbool.h>
#include "nlbatch.h"
#include "plan.h"
#include "rtnl.h"
#include "xfrm.h"

struct dp {
	struct nlb *x;		/* NETLINK_XFRM */
	struct nlb *r;		/* NETLINK_ROUTE */
	int ipc_fd;		/* pinned ipcache, -1 when not loaded */
	int ipc6_fd;		/* pinned ipcache6, -1 when not loaded */
	bool migrating_ok;	/* enable: may fill the maps of a pending migration */
	char bpffs[4096];
};

/* Open sockets and, if the bpffs holds them, the ipcaches. 0 or TENC_FAIL. */
int dp_open(struct dp *d);
void dp_close(struct dp *d);
/* Take the kernel from have (what it is believed to hold: a plan, or
 * what dp_read found) to want, make-before-break (converge.h): new
 * objects first, replacements in place, removals last; objects in both
 * are not touched. *changes: the kernel changes it makes. On a refusal:
 * every object changed so far is restored to its previous form (a new
 * one deleted, a replaced one put back, a removed one added again), the
 * refusal reported with the kernel's extended ack, TENC_FAIL. */
int dp_apply(struct dp *d, const struct plan *want, const struct plan *have, size_t *changes);
/* Make the kernel hold exactly want: dp_read, then dp_apply. */
int dp_reconcile(struct dp *d, const struct plan *want, size_t *changes);

#endif
