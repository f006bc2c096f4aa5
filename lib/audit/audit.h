/* SPDX-License-Identifier: GPL-2.0 */
/* audit: the correlation behind `tenc audit`. Owns the final verdict of
 * each flow and its reason: the programs' verdict (flows.h), checked
 * against the peers, the SAs and policies the kernel holds, and the ESP
 * the underlay saw; SA health per peer; ipcache entries that would not
 * encrypt; the XFRM error counters. It prints nothing: the report's
 * forms are cmd/audit_fmt.c's. */
#ifndef TENC_AUDIT_H
#define TENC_AUDIT_H
#include <stdint.h>
#include "apply.h"
#include "flows.h"
#include "node.h"
#include "scope6.h"

enum audit_reason {
	R_OUT_OF_SCOPE,		/* plaintext: destination outside the ipcache */
	R_LOCAL,		/* local: same node */
	R_ENCRYPTED,		/* marked; ESP to the peer on that SPI; SA moved */
	R_DECRYPTED,		/* arrived through the peer's IN SA */
	R_ESP,			/* the ESP itself, between node ips */
	R_NO_PEER,		/* marked for a peer id nobody has now */
	R_NO_SA,		/* marked, the OUT SA is missing: dropped */
	R_NO_POLICY,		/* marked, the OUT policy is missing: dropped */
	R_NO_ESP,		/* marked, SA present, but no ESP seen / SA idle */
	R_SUBNET_DROP,		/* subnet address no peer owns: dropped */
	R_LEAK_OUT,		/* left the node in plaintext while in scope */
	R_LEAK_IN,		/* arrived in plaintext from a peer's address */
	R_UNMARKED_OBSERVE,	/* in scope, not marked: observe-only mode */
	R_UNMARKED_NOKEY,	/* in scope, not marked: no key for it */
	R_V6_NOT_CONFIGURED,	/* plaintext: IPv6, and this node has no IPv6
				 * half (out of scope) */
	R_V6_NOT_PLANNED,	/* violation: IPv6 to or from a peer's IPv6
				 * prefix, which this tenc does not encrypt */
	R__COUNT
};

struct audit_peer {
	const struct peer *p;
	int out_spi;				/* the SPI OUT should use */
	const struct xsa *out[TENC_SPI_MAX + 1], *in[TENC_SPI_MAX + 1];
	uint32_t out_pol[TENC_SPI_MAX + 1];	/* OUT policies for (spi, peer): bit 0
						 * node ip, bit 1 + i cidr i */
	uint64_t esp_out[TENC_SPI_MAX + 1];	/* ESP packets seen leaving */
	uint64_t esp_in[TENC_SPI_MAX + 1];	/* ESP packets seen arriving */
	uint64_t rejected;			/* packets its IN SAs refused since
						 * the last converge (rxbase.h) */
	int n_problems;
	char problems[4][96];
};

struct audit_nokey {
	const struct ipc_entry *e;
	const char *reason;
};

struct audit_stat {
	char name[48];
	uint64_t value;
};

struct audit {
	struct node n;
	struct plan have;		/* tenc's objects, read from the kernel */
	struct flow_table flows;	/* sorted: violations first */
	uint8_t *verdict;		/* per flow: final V_* */
	uint8_t *reason;		/* per flow: R_* */
	size_t counts[V__COUNT];	/* both families */
	size_t fcounts[2][V__COUNT];	/* [v6]: per family */
	uint64_t fbytes[2][V__COUNT];
	struct audit_peer *peers;	/* one per peer, in peers.json order */
	struct audit_peer **by_id;	/* [TENC_PEER_ID_MAX + 1] */
	struct audit_nokey *nokey;
	size_t n_nokey;
	struct scope6 scope6;		/* the model's IPv6 prefixes */
	struct audit_stat xstat[64];
	int n_xstat;
	struct tenc_stats st;
	bool default_drop;		/* the kernel holds the default drop */
	uint64_t now_ns;		/* CLOCK_MONOTONIC at the read */
};

/* Load the node, read the kernel and the flow tables (through m), and
 * correlate. 0 or TENC_FAIL (reported). */
int audit_run(struct audit *a, const struct flow_maps *m);
void audit_free(struct audit *a);
const char *audit_reason_str(int r);
/* An IPv6 flow's verdict and reason, from the model while tenc plans no
 * IPv6 object: on a node without an IPv6 half, plaintext "ipv6 not
 * configured"; with one, the far end (destination out, source in): a
 * local pod cidr local, a peer's prefix a violation (in scope, plaintext),
 * else plaintext out of scope. trace judges its IPv6 events so too. */
void audit_decide6(const struct tenc_config *c, const struct scope6 *sc, const struct flow *f,
		   uint8_t *verdict, uint8_t *reason);
/* Peer name of a flow or NULL. */
const char *audit_peer_name(const struct audit *a, uint16_t id);

#endif
