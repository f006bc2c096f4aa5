/* SPDX-License-Identifier: GPL-2.0 */
/* converge: how to take the kernel from the objects it holds (have) to the
 * ones tenc wants, make-before-break. Pure: computes a change, touches
 * nothing (apply.c carries it out).
 *
 * A change is, in the order it is applied:
 *   first  SAs in the way of a new one (same dst, spi, mark: the kernel
 *          has no in-place update of an SA's key or source), removed
 *          just before their replacements go in (a re-key);
 *   put    objects added, or replacing one of the same kernel identity in
 *          place (policies: dir, selector, mark; routes: table, prefix;
 *          ipcache entries: prefix), in the order SAs, policies, rules,
 *          routes, ipcache; prev[] says which one each replaces, in old;
 *   del    objects removed, after everything new is in: ipcache first,
 *          then routes, rules, policies, SAs.
 * So at no instant is an address that is in scope before and after the
 * change unmarked, unpoliced or routed in plaintext, and objects that
 * stay are never touched (an SA that stays keeps its sequence numbers). */
#ifndef TENC_CONVERGE_H
#define TENC_CONVERGE_H
#include <sys/types.h>
#include "plan.h"

struct change {
	struct plan first, put, del;
	struct plan old;	/* the previous forms of what put replaces */
	/* per object of put: index into old, or -1 for a new object */
	ssize_t *prev_pol, *prev_route, *prev_ipc;
};

/* Compute the change from have to want. 0 or -ENOMEM (c is then freed). */
int converge_compute(const struct plan *want, const struct plan *have, struct change *c);
/* Kernel changes the change makes. */
size_t converge_count(const struct change *c);
void converge_free(struct change *c);

#endif
