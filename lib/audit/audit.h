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
	R_V6_NO_ENTRY,		/* violation: IPv6 to an IPv6 pair's prefix
				 * that ipcache6 lacks: not marked */
	R_V6_NO_OUTER,		/* violation: IPv6 to a peer's prefix, and
				 * the pair has no node ips of one family */
	R_V4_NOT_CONFIGURED,	/* plaintext: IPv4, and this node has no IPv4
				 * half (an IPv6-only node; out of scope) */
	R__COUNT
};

/* A peer's objects and ESP of one family: its SAs between the node ips of
 * that family, its OUT policies whose selector is of that family. */
struct audit_fam {
	const struct xsa *out[TENC_SPI_MAX + 1], *in[TENC_SPI_MAX + 1];
	uint32_t out_pol[TENC_SPI_MAX + 1];	/* OUT policies for (spi, peer): bit 0
						 * node ip, bit 1 + i cidr i (of
						 * the family: cidrs, cidrs6) */
	uint64_t esp_out[TENC_SPI_MAX + 1];	/* ESP packets seen leaving */
	uint64_t esp_in[TENC_SPI_MAX + 1];	/* ESP packets seen arriving */
};

/* Family index of fam[] and the per-family arrays: 0 IPv4, 1 IPv6. */
#define AUDIT_V4 0
#define AUDIT_V6 1

struct audit_peer {
	const struct peer *p;
	int out_spi;				/* the SPI OUT should use (both
						 * families: one ipcache SPI) */
	struct audit_fam fam[2];		/* [AUDIT_V4], [AUDIT_V6] */
	uint64_t rejected;			/* packets its IN SAs refused since
						 * the last converge (rxbase.h) */
	int n_problems;
	char problems[8][96];
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
	bool default_drop[2];		/* the kernel holds the default drop
					 * of the family ([AUDIT_V4], [AUDIT_V6]) */
	uint64_t now_ns;		/* CLOCK_MONOTONIC at the read */
};

/* Load the node, read the kernel and the flow tables (through m), and
 * correlate. 0 or TENC_FAIL (reported). */
int audit_run(struct audit *a, const struct flow_maps *m);
/* The correlation alone, over what a holds already: n (the node), have
 * (tenc's objects in the kernel), flows, st; fills the rest (the indexes,
 * verdict, reason, counts, SA health, no-key entries; flows sorted).
 * Reads nothing of the kernel (rx.json of the state dir only, for
 * rejecting peers): the tests give it objects of their own. 0 or
 * TENC_FAIL (reported). */
int audit_correlate(struct audit *a);
void audit_free(struct audit *a);
const char *audit_reason_str(int r);
/* An IPv6 flow's verdict and reason as far as the model and the flow
 * tell. On a node without an IPv6 half, plaintext "ipv6 not configured".
 * With one, the far end (destination out, source in) in the model's IPv6
 * prefixes (scope6): a local pod cidr is local; a peer's prefix that the
 * programs did not find in ipcache6 (plaintext) a violation. Otherwise (a
 * peer's, through ipcache6 as IPv4's through the ipcache, over either
 * outer family, or no prefix of the model) the programs' verdict
 * stands, read as an IPv4 flow's (audit_flow_verdict). Returns true when that is a
 * claim of encryption to check against the kernel (audit_decide does).
 * trace judges its IPv6 events so, unchecked. */
bool audit_decide6(const struct tenc_config *c, const struct scope6 *sc, const struct flow *f,
		   uint8_t *verdict, uint8_t *reason);
/* The programs' verdict of f and its reason, from the flow alone (encrypt:
 * the node's mode). Returns true when it is a claim to check: an out flow
 * marked for a peer's OUT SA (then V_ENCRYPTED, R_ENCRYPTED). */
bool audit_flow_verdict(bool encrypt, const struct flow *f, uint8_t *verdict, uint8_t *reason);
/* A flow's final verdict and reason, either family: the programs' (for
 * IPv6, audit_decide6), and a claim of encryption checked against the
 * kernel objects and the ESP of the flow's family that a's indexes hold
 * (audit_correlate builds them). */
void audit_decide(const struct audit *a, const struct flow *f, uint8_t *verdict, uint8_t *reason);
/* Peer name of a flow or NULL. */
const char *audit_peer_name(const struct audit *a, uint16_t id);

#endif
