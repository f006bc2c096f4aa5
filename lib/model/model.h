/* SPDX-License-Identifier: GPL-2.0 */
/* model: what tenc intends, as values: this node's configuration, its
 * peers (the set, its index, the checks every peer and every set must
 * pass) and its keyring (what each key is for). Pure: no file, no kernel;
 * store.h reads and writes these from the state files, plan.h turns them
 * into kernel objects. Both families: the node and each peer have a node
 * ip of either family or both (an absent IPv4 one is 0, an absent IPv6
 * one all zero: the "6" fields hold IPv6) and at least one pod cidr of
 * either family; IPv4 pod cidrs need an IPv4 node ip (IPv4 is never
 * carried over IPv6), IPv6 ones are carried over IPv4 when a pair lacks
 * IPv6 node ips (plan.h). */
#ifndef TENC_MODEL_H
#define TENC_MODEL_H
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "addr.h"
#include "keys.h"
#include "names.h"

#define MAX_POD_CIDRS	16
#define MAX_DEVS	16
#define MAX_PEER_CIDRS	16
#define MAX_SUBNETS	256

enum tenc_mode { MODE_ENDPOINT, MODE_SUBNET };

struct tenc_config {
	char name[PEER_NAME_MAX + 1];	/* this node's name (enable --name) */
	uint64_t epoch;			/* this node's epoch: new whenever its
					 * kernel state is created afresh */
	bool encrypt;
	uint32_t node_ip;
	struct cidr pod_cidrs[MAX_POD_CIDRS];
	int n_pod_cidrs;
	uint8_t node_ip6[16];		/* all zero: none */
	struct cidr6 pod_cidrs6[MAX_POD_CIDRS];
	int n_pod_cidrs6;
	char devs[MAX_DEVS][IF_NAMESIZE];
	bool dev_qdisc_created[MAX_DEVS];	/* tenc created its clsact */
	int n_devs;
	char underlay[IF_NAMESIZE];
	bool underlay_qdisc_created;
	enum tenc_mode mode;
	struct cidr subnets[MAX_SUBNETS];
	int n_subnets;
	struct cidr6 subnets6[MAX_SUBNETS];	/* subnet mode's IPv6 subnets */
	int n_subnets6;
};

struct peer {
	char name[PEER_NAME_MAX + 1];
	uint16_t id;			/* local, 1..65535: in marks */
	uint32_t node_ip;
	struct cidr cidrs[MAX_PEER_CIDRS];
	int n_cidrs;
	uint8_t node_ip6[16];		/* all zero: none */
	struct cidr6 cidrs6[MAX_PEER_CIDRS];
	int n_cidrs6;
	int adv_spi;			/* SPI the peer advertises, 0 unknown */
	uint64_t epoch;			/* the epoch it advertises, 0 unknown */
	int out_spi;			/* SPI OUT uses towards it, 0 none */
};

struct peers {
	struct peer *v;
	size_t n, cap;
};

enum key_state { KEY_CURRENT, KEY_PENDING, KEY_RETIRING };

struct keyring {
	struct {
		struct tenc_key k;
		enum key_state state;
	} v[16];	/* one per SPI at most */
	int n;
};

const char *key_state_str(enum key_state s);
const char *mode_str(enum tenc_mode m);

/* What every stored peer is on its own: a valid name, an id, 0..16
 * cidrs of each family, halves_check, SPIs 0..15. 0, or -1 with err naming the
 * field. */
int peer_check_fields(const struct peer *x, char *err, size_t n);
/* Names and ids unique in the set: 0, or -1 with err and *bad the
 * position of the second holder. */
int peers_check_set(const struct peers *p, size_t *bad, char *err, size_t n);
void peers_free(struct peers *p);
/* The message for a node or peer with IPv4 pod cidrs and no IPv4 node ip. */
#define IPV4_CIDRS_NEED_IP "IPv4 pod cidrs need an IPv4 node ip (IPv4 is not carried over IPv6)"
/* A node's or peer's halves as a whole (node ip, count of IPv4 cidrs, IPv6
 * node ip, count of IPv6 cidrs): a node ip of either family, a pod cidr of
 * either, IPv4 cidrs only with an IPv4 node ip. 0, or -1 with err and
 * *field the field at fault as the caller calls it (ipf: the node ip's,
 * cidrf: the cidrs'). halves_check_msg: the same, err "FIELD: why". */
int halves_check(uint32_t ip4, int n4, const uint8_t ip6[16], int n6, const char *ipf, const char *cidrf,
		 const char **field, char *err, size_t n);
int halves_check_msg(uint32_t ip4, int n4, const uint8_t ip6[16], int n6, const char *ipf, const char *cidrf,
		     char *err, size_t n);
/* A node ip of either family, parsed by its family (parse_ipv4,
 * parse_ipv6_node) into *v4 or v6, refusing a second one of a family
 * already held (*have: bit 1 IPv4, bit 2 IPv6, updated). 0, or -1 with
 * err (without the field name). */
int node_ip_take(const char *s, uint32_t *v4, uint8_t v6[16], unsigned *have, char *err, size_t n);
/* A cidr of either family appended to v4[*n4] or v6[*n6] (at most max
 * of each). 0, or -1 with err (without the field name). */
int cidr_take(const char *s, struct cidr *v4, int *n4, struct cidr6 *v6, int *n6, int max, char *err, size_t n);
/* Subnet mode's subnets of family fam (AF_INET, AF_INET6): how many, and
 * the k-th as a prefix (config_subnet_set writes one). */
int config_n_subnets(const struct tenc_config *c, int fam);
struct prefix config_subnet(const struct tenc_config *c, int fam, int k);
void config_subnet_set(struct tenc_config *c, int k, const struct prefix *x);
/* A node's own node ips, as peer sync knows itself in a node list: an
 * absent family 0 (IPv4) or all zero (IPv6). */
struct node_ips {
	uint32_t ip4;
	uint8_t ip6[16];
};
/* Does x have one of l's node ips (a present one, either family)? l NULL:
 * the node's ips are not known (no). */
bool node_ips_held(const struct node_ips *l, const struct peer *x);
struct peer *peers_find(const struct peers *p, const char *name);
struct peer *peers_add(struct peers *p);	/* zeroed slot; NULL on ENOMEM */
void peers_remove(struct peers *p, struct peer *x);
/* Lowest id not in use, 0 if all are. */
uint16_t peers_free_id(const struct peers *p);

/* A hash index of a peer set by name, for sets too large to search one by
 * one (peer sync). It holds positions, so p may grow meanwhile. */
struct peer_index {
	const struct peers *p;
	uint32_t *slot;		/* position + 1; 0 empty */
	size_t cap, n;
};
/* Index p's peers (with a repeated name, the first one is found). 0 or
 * -ENOMEM. */
int peer_index_init(struct peer_index *ix, const struct peers *p);
/* Add p->v[i] (after peers_add). 0 or -ENOMEM. */
int peer_index_add(struct peer_index *ix, size_t i);
/* The first indexed peer named name, as peers_find would find it, or NULL. */
struct peer *peer_index_find(const struct peer_index *ix, const char *name);
void peer_index_free(struct peer_index *ix);

void keys_wipe(struct keyring *r);
/* The SPI this node should advertise to its peers: the newest key it
 * accepts (pending, else current); 0 without keys. */
int keys_advertise(const struct keyring *r);
/* The SPI of the key in state st, 0 if none. */
int keys_spi(const struct keyring *r, enum key_state st);
/* The SPI OUT should start with towards a new peer advertising adv: the
 * retiring key's while a rotation is under way and the peer does not
 * advertise the current one; else 0 (the current key). */
int keys_new_peer_out(const struct keyring *r, int adv);
/* The current key, or NULL. */
const struct tenc_key *keys_current(const struct keyring *r);

#endif
