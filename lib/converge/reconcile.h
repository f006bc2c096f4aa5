/* SPDX-License-Identifier: GPL-2.0 */
/* reconcile: tenc's own objects read back from the kernel into a plan
 * (by reqid, marks, route protocol; the ipcache through its pin), so that
 * plan_diff (plan.h) can compare them with what tenc intends. */
#ifndef TENC_RECONCILE_H
#define TENC_RECONCILE_H
#include "apply.h"

/* Read tenc's objects (reqid, marks, protocol, ipcache) into have. */
int dp_read(struct dp *d, struct plan *have);
/* The same without routes and rules: the policy hash thresholds, SAs,
 * policies and the ipcache (for the audit and rotation's counter polls). */
int dp_read_xfrm(struct dp *d, struct plan *have);

#endif
