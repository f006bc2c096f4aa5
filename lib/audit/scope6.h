/* SPDX-License-Identifier: GPL-2.0 */
/* scope6: the IPv6 prefixes the model names, for judging IPv6 flows that
 * the datapath cannot judge (a peer's prefix ipcache6 lacks): the node's IPv6 pod cidrs and each peer's, and each
 * peer's IPv6 node ip as a /128. They never overlap (node_check_peer), so
 * sorted by address one binary search finds the one holding an address.
 * Pure. */
#ifndef TENC_SCOPE6_H
#define TENC_SCOPE6_H
#include <stddef.h>
#include <stdint.h>
#include "model.h"

struct scope6_entry {
	struct cidr6 c;
	const struct peer *p;	/* NULL: a local pod cidr */
};

struct scope6 {
	struct scope6_entry *v;
	size_t n;
};

/* From c and ps (which must outlive s). 0 or -ENOMEM (s then empty). */
int scope6_build(struct scope6 *s, const struct tenc_config *c, const struct peers *ps);
/* The prefix holding addr, or NULL. */
const struct scope6_entry *scope6_find(const struct scope6 *s, const uint8_t addr[16]);
void scope6_free(struct scope6 *s);

#endif
