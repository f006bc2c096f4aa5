/* SPDX-License-Identifier: GPL-2.0 */
/* nodelist: the documents peer sync reads, as a peer set: `kubectl get
 * nodes -o json` (metadata.name, the first InternalIP of each family,
 * every spec.podCIDRs entry of either family, or podCIDR, annotations
 * tenc.io/spi and tenc.io/epoch) or `tenc -j peer list` and `tenc -j
 * advertise` (name, node_ip, the optional node_ip6, cidrs of either
 * family, the optional cidrs6, spi, epoch); and the nodes of such a
 * document that cannot be peered, each with its reason (struct
 * node_rejects: one with IPv4 pod cidrs and no IPv4 InternalIP is one,
 * IPV4_CIDRS_NEED_IP). Pure: nothing
 * is printed, no state is read. */
#ifndef TENC_NODELIST_H
#define TENC_NODELIST_H
#include <stddef.h>
#include <stdint.h>
#include "model.h"

/* A node of the input that cannot be peered, and why. */
struct node_reject {
	char name[PEER_NAME_MAX + 1];	/* "item N" (from 0) without a valid name */
	char reason[256];		/* the field and what is wrong with it */
};

struct node_rejects {
	struct node_reject *v;
	size_t n, cap;
};

/* Add one. 0 or -ENOMEM. */
int rejects_add(struct node_rejects *r, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void rejects_free(struct node_rejects *r);

/* Parse text[0..len). local: the node's own ips (the node holding one is
 * skipped), NULL when they are not known. 0 with *out (ids and out_spi unset, cidrs sorted, names
 * unique) and in *rej each node that cannot be peered on its own (a bad
 * field, no InternalIP, no cidr, IPv4 cidrs without an IPv4 InternalIP, a
 * name given twice: every
 * holder of it), the reason naming the field ("spi: ..."). -1 when the
 * document as a whole is bad (not JSON, not a node or peer list; out of
 * memory), with err, and *out and *rej empty. */
int nodelist_parse(const char *text, size_t len, const struct node_ips *local, struct peers *out, struct node_rejects *rej,
		   char *err, size_t n);
struct json_t;
/* One kubectl Node object (a watch event's), as nodelist_parse reads each
 * of a list: 0 with *x, 1 (the local node: skip it), or -1 with why. */
int nodelist_kube_node(struct json_t *node, const struct node_ips *local, struct peer *x, char *why, size_t n);
/* An advertised SPI ("tenc.io/spi", --spi): num_parse, 1..15. 0 or -1. */
int parse_spi(const char *s, int *out);

#endif
