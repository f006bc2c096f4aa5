/* SPDX-License-Identifier: GPL-2.0 */
/* peerip: a peer set indexed by what the kernel's objects name a peer by:
 * its node ip of either family (an SA's far end, a policy's template) and
 * its id (the marks, the ipcache entries). Owns the index and its lookups,
 * for matching every object to its peer once, O((objects + peers) log
 * peers), where a scan per peer is O(peers x objects): at 5,000 dual-stack
 * peers, 20,000 SAs and as many policies (audit, status). Pure; it holds
 * positions in the set, which must not change while it is used. */
#ifndef TENC_PEERIP_H
#define TENC_PEERIP_H
#include <stddef.h>
#include <stdint.h>
#include "kobj.h"
#include "model.h"

struct peer_ip {
	uint8_t fam;		/* AF_INET, AF_INET6 */
	uint8_t ip[16];		/* IPv4: the first 4 bytes, the rest 0 */
	size_t pos;		/* in the set */
};

struct peer_ips {
	struct peer_ip *v;	/* sorted by family, address, position */
	size_t n;
	uint32_t *by_id;	/* [65536]: position + 1 of the first peer
				 * with that id; 0 none */
};

/* Index p's present node ips (an absent one, IPv4 0 or IPv6 all zero,
 * is left out: nothing matches it) and ids. 0 or -ENOMEM. */
int peer_ips_init(struct peer_ips *ix, const struct peers *p);
/* The position of the first peer whose node ip of family fam (an
 * object's family field: 0 is AF_INET) is a (a KADDR view), or -1. */
long peer_ips_find(const struct peer_ips *ix, uint8_t fam, const uint8_t *a);
/* The position of the first peer with id, or -1. */
long peer_ips_by_id(const struct peer_ips *ix, uint16_t id);
void peer_ips_free(struct peer_ips *ix);

#endif
