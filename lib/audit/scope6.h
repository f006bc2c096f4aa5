/* SPDX-License-Identifier: GPL-2.0 */
/* scope6: the IPv6 prefixes the model names, for judging IPv6 flows that
 * the datapath cannot judge (peers that are no planned IPv6 pair have no
 * ipcache6 entry): the node's IPv6 pod cidrs and each peer's, and each
 * peer's IPv6 node ip as a /128. They never overlap (node_check_peer), so sorted by
 * address one binary search finds the one holding an address. Pure. */
#ifndef TENC_SCOPE6_H
#define TENC_SCOPE6_H
#include <stdbool.h>
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
/* Is (c, p) a planned IPv6 pair: encrypt on, and both the node and p have
 * an IPv6 node ip? Then the planner gives p IPv6 objects (IPv6-in-IPv6
 * ESP between the IPv6 node ips) and ipcache6 entries; otherwise p's
 * IPv6 traffic is not encrypted (IPv6 over IPv4 is not planned). */
bool scope6_planned(const struct tenc_config *c, const struct peer *p);

#endif
