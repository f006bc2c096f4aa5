/* SPDX-License-Identifier: GPL-2.0 */
/* uc_enable: the `enable` use case, whole: the writer lock, the node
 * loaded, the request validated against it (TENC_USAGE changes nothing),
 * the node's name and epoch chosen, the BPF programs loaded and pinned
 * (pinned maps of another layout migrated make-before-break), the plan
 * reconciled (XFRM, rules and routes before any mark can be set), the
 * programs attached, config.json and the epoch pin saved. A first enable
 * that fails leaves nothing behind. Nothing is printed: errors are
 * reported (tenc_err), the result returned for cmd/enable.c to format. */
#ifndef TENC_UC_ENABLE_H
#define TENC_UC_ENABLE_H
#include <stdbool.h>
#include <stddef.h>
#include "store.h"

struct enable_req {
	struct tenc_config c;	/* the configuration asked for */
	unsigned have_ip;	/* given: bit 1 c.node_ip, bit 2 c.node_ip6 */
	int n_opts;		/* options given (the parser counts them) */
	bool reapply;		/* no options: re-apply the saved configuration */
};

struct enable_res {
	struct tenc_config c;	/* as saved: with its name, epoch, qdisc flags */
	size_t kernel_changes;
};

/* a->c is completed (the saved subnets, name, epoch) as it goes. 0, or a
 * TENC_* code (reported). */
int uc_enable(struct enable_req *a, struct enable_res *res);

#endif
