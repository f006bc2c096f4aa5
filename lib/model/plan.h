/* SPDX-License-Identifier: GPL-2.0 */
/* plan: the kernel objects tenc intends, computed from the state files
 * alone (config, keys, peers). One function per scope: the node-wide
 * objects, and one peer's objects. enable, peer, key and disable apply or
 * remove plans; status compares the whole plan with what the kernel holds.
 * docs/design.md lists the objects; this file is their single definition. */
#ifndef TENC_PLAN_H
#define TENC_PLAN_H
#include <stddef.h>
#include "kobj.h"
#include "model.h"
#include "tenc_kern_user.h"

/* An ipcache entry: a prefix of either family and what it maps to. family
 * 0 is AF_INET, so a zeroed entry, or one that names only .prefix, is the
 * IPv4 entry it was before IPv6 (for the ipcache map); an IPv6 one has
 * prefix6 (for ipcache6). Read the view of the entry's family only: the
 * rest of an IPv4 entry's union is not defined (as in kobj.h's KADDR). */
struct ipc_entry {
	uint8_t family;			/* of the prefix (0: AF_INET) */
	union {
		struct cidr prefix;	/* IPv4 */
		struct cidr6 prefix6;	/* IPv6 */
	};
	struct ipcache_val val;
};

/* "ADDR/LEN" of e's prefix, of its family; buf of 64 bytes holds any. */
const char *plan_ipc_str(const struct ipc_entry *e, char *buf, size_t n);

struct plan {
	struct xsa *sas;
	size_t n_sas, cap_sas;
	struct xpol *pols;
	size_t n_pols, cap_pols;
	struct rroute *routes;
	size_t n_routes, cap_routes;
	struct rrule *rules;
	size_t n_rules, cap_rules;
	struct ipc_entry *ipc;
	size_t n_ipc, cap_ipc;
	bool spd;		/* the netns' IPv4 policy hash thresholds are tenc's */
	bool spd6;		/* and its IPv6 ones (TENC_HTHRESH6) */
};

/* The IPv4 policy hash thresholds tenc sets (with encrypt): policies whose
 * destination prefix is /24 or longer, from any source, are hashed by
 * destination; so each peer's policies (destination: its node ip and pod
 * cidrs) are found and inserted in constant time, not in the kernel's
 * inexact list (see docs/design.md). Without encrypt, the kernel default. */
#define TENC_HTHRESH	((struct xfrm_hthresh){ .lbits = 0, .rbits = 24 })
/* The IPv6 counterpart (hthresh6): destination prefixes of /64 or longer,
 * from any source, are hashed; an IPv6 peer's prefixes are /64 pod cidrs
 * and its /128 node ip. Set (spd6) with encrypt on a node with an IPv6
 * half. */
#define TENC_HTHRESH6	((struct xfrm_hthresh){ .lbits = 0, .rbits = 64 })

#define PRIO_PEER	100	/* per peer and spi, selected by mark */
#define PRIO_HOST	200	/* node-originated, selected by destination */
#define PRIO_LOCAL	250	/* subnet mode: local pod cidrs, plaintext */
#define PRIO_SUBNET	300	/* subnet mode: block the rest of a subnet */
#define PRIO_INFWD	1000
#define PRIO_DROP	2000	/* default drop of marked traffic */

/* Node-wide: default-drop, in/fwd policies, the fwmark rule, the policy
 * hash thresholds (all only with encrypt, each family's when the node has
 * a half of that family, a node ip or pod cidrs of it, or in subnet mode
 * a subnet of it: its SUBNET entries mark for that drop), and the ipcache entries of the local pod cidrs of
 * both families. In subnet mode also, per declared subnet: its ipcache entry (SUBNET), its route in table
 * 2005, and a block policy for node-originated traffic to it, with an
 * allow policy per local pod cidr in front. */
int plan_node(const struct tenc_config *c, int ifindex, uint32_t mtu, struct plan *p);
/* How x's IPv6 traffic is carried, when both this node and x have an
 * IPv6 half (an IPv6 node ip or IPv6 pod cidrs): AF_INET6, in IPv6 ESP
 * between the IPv6 node ips (both have one: an "IPv6 pair"); AF_INET, in
 * IPv4 ESP between the IPv4 node ips, by the IPv4 SAs (IPv6 over IPv4:
 * either lacks an IPv6 node ip, both have an IPv4 one); 0: not at all
 * (either has no IPv6 half, or the pair has no node ips of one family). */
int plan_v6_outer(const struct tenc_config *c, const struct peer *x);
/* Is x's IPv4 half planned: do both this node and x have an IPv4 node ip
 * (an "IPv4 pair")? Without one of them (an IPv6-only node or peer), no
 * IPv4 object of x's is planned: IPv4 is never carried over IPv6, and
 * IPv4 pod cidrs need an IPv4 node ip (model.h). */
bool plan_pair4(const struct tenc_config *c, const struct peer *x);
/* plan_v6_outer(c, x) == AF_INET6. */
bool plan_pair6(const struct tenc_config *c, const struct peer *x);
/* One peer, per family (IPv6 as plan_v6_outer says): its ipcache entries; with encrypt, its routes, and per key its
 * IN and OUT SAs and OUT policies (one per ipcache prefix), and the
 * node-originated policies for the SPI OUT uses. ifindex/mtu: the underlay's. 0 or -ENOMEM. The SAs carry
 * the configured key (key_base): the per-direction key is derived only
 * when an SA is installed (xfrm_sa_add), not for the SAs a reconcile
 * finds in place or a removal names. */
int plan_peer(const struct tenc_config *c, const struct keyring *r, const struct peer *x,
	      int underlay_ifindex, uint32_t underlay_mtu, struct plan *p);
/* Everything: the node's objects and every peer's. */
int plan_all(const struct tenc_config *c, const struct keyring *r, const struct peers *ps,
	     int underlay_ifindex, uint32_t underlay_mtu, struct plan *p);
/* The SPI OUT uses towards x: x->out_spi if that key is installed, else
 * the current key's; 0 when there is none. */
int plan_out_spi(const struct keyring *r, const struct peer *x);
void plan_free(struct plan *p);
/* missing = want - have; extra = have - want (by identity; an SA with
 * another key is both). 0 or -ENOMEM (plandiff.c). */
int plan_diff(const struct plan *want, const struct plan *have, struct plan *missing, struct plan *extra);
/* Append a zeroed object; NULL on ENOMEM. */
struct xsa *plan_push_sa(struct plan *p);
struct xpol *plan_push_pol(struct plan *p);
struct rroute *plan_push_route(struct plan *p);
struct rrule *plan_push_rule(struct plan *p);
struct ipc_entry *plan_push_ipc(struct plan *p);

/* The identities plan_diff compares objects by (plandiff.c): families
 * (0 is AF_INET) and the addresses of each family, keys aside. */
bool plan_sa_same(const struct xsa *a, const struct xsa *b);
bool plan_pol_same(const struct xpol *a, const struct xpol *b);
bool plan_route_same(const struct rroute *a, const struct rroute *b);
bool plan_rule_same(const struct rrule *a, const struct rrule *b);
/* Is a kernel object tenc's (by reqid, marks, priority, protocol)? */
bool plan_sa_is_tenc(const struct xsa *sa);
bool plan_pol_is_tenc(const struct xpol *p);

#endif
