/* SPDX-License-Identifier: GPL-2.0 */
/* status: the read behind `tenc status`, a use case that prints nothing.
 * Owns: reading, once, everything the status shows (the state files, the
 * kernel's objects, the programs attached per device, the XFRM error
 * counters, rx.json) into one result, and what it derives from them: per
 * peer its SAs, policies and ipcache entries and whether it is rejecting
 * (rxbase.h), and the drift both ways ("drift" is empty exactly when the
 * kernel matches intent), in the order it is shown. cmd/status.c formats
 * the result, as JSON or as text. */
#ifndef TENC_STATUS_H
#define TENC_STATUS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "bpfdp.h"
#include "node.h"
#include "plan.h"

struct status_prog {
	const char *dev;	/* a name in s->n.cfg */
	enum bpfdp_hook hook;
	bool attached;
	uint32_t id;		/* when attached */
	char name[64];
};

struct status_key {
	int spi;
	enum key_state state;
	char algo[140];
	char fingerprint[17];	/* never the key itself */
};

struct status_sa {
	const struct xsa *sa;	/* in s->have */
	bool out;		/* this node -> the peer; else the peer -> this node */
};

struct status_peer {
	const struct peer *p;	/* in s->n.peers */
	int out_spi;
	uint64_t rejected;	/* packets its IN SAs refused since the last converge */
	uint32_t rejected_spi;	/* the last IN SA that refused some */
	size_t policies;	/* OUT policies with a template towards its node ip */
	size_t sa0, n_sas;	/* its SAs: s->sas[sa0 ..], in the kernel's order */
	size_t ipc0, n_ipc;	/* its ipcache entries: s->ipc[ipc0 ..] */
};

/* What is done with an IPv6 half (the node's, or a peer's towards this
 * node, plan_v6_outer): encrypted, in IPv6 ESP between the IPv6 node ips
 * or in IPv4 ESP (IPv6 over IPv4); else not, and why. */
enum status_v6 {
	V6_NONE,		/* no IPv6 half */
	V6_ESP,			/* the node's: encrypted (to each peer as below) */
	V6_ESP6,		/* a peer's: in IPv6 ESP */
	V6_ESP4,		/* a peer's: in IPv4 ESP (IPv6 over IPv4) */
	V6_OBSERVE,		/* planned, but observe-only mode: not encrypted */
	V6_NO_LOCAL,		/* a peer's, but this node has no IPv6 half */
	V6_NO_PAIR,		/* a peer's, both have IPv6 halves, but not
				 * node ips of one family to carry it */
};
/* The node's (x NULL) or peer x's. */
enum status_v6 status_ipv6(const struct tenc_config *c, const struct peer *x);
bool status_v6_encrypted(enum status_v6 v);
/* The outer family's name ("ipv6", "ipv4") of a peer's, else NULL. */
const char *status_v6_outer(enum status_v6 v);
/* Why not encrypted ("" when encrypted or none). */
const char *status_v6_reason(enum status_v6 v);

struct xfrm_counter {
	char name[48];
	uint64_t value;
};

enum status_drift_kind {
	SD_PROGRAM, SD_SPD, SD_SA, SD_POLICY, SD_RULE, SD_ROUTE, SD_IPCACHE, SD_PEER,
};

/* SP_IPV4_ONLY: an IPv4 SA of a peer whose IPv6 goes over IPv4 carries
 * IPv4 only (installed by a tenc before IPv6 over IPv4; kept, never
 * replaced: the next key's SAs carry both): that IPv6 is dropped. */
enum status_problem { SP_MISSING, SP_UNEXPECTED, SP_REJECTING, SP_IPV4_ONLY };

/* One drift entry: which object, found where (i: a position in s->progs,
 * in the missing or extra plan's array of its kind, in s->have.sas for
 * SP_IPV4_ONLY, or in s->peers). */
struct status_drift {
	enum status_drift_kind kind;
	enum status_problem problem;
	size_t i;
};

struct status {
	struct node n;
	struct plan have, want, missing, extra;
	struct status_prog progs[MAX_DEVS + 2];	/* when enabled */
	int n_progs;
	struct status_key keys[16];
	int n_keys;
	int advertise;		/* keys_advertise() */
	struct status_peer *peers;	/* one per peer, in peers.json order */
	struct status_sa *sas;
	const struct ipc_entry **ipc;
	struct xfrm_counter xstat[64];	/* the non-zero ones */
	int n_xstat;
	struct status_drift *drift;
	size_t n_drift;
};

/* Read it all. 0, or TENC_FAIL (reported); status_free either way. */
int status_read(struct status *s);
/* The derivation alone, over what s holds already (zeroed, then n, have
 * and want filled): the missing and extra plans, per peer its SAs,
 * policies, ipcache entries and rejecting (rx.json of the state dir
 * only), the drift. Reads nothing of the kernel: the tests and the
 * benchmark give it objects of their own. 0, or TENC_FAIL (reported). */
int status_derive(struct status *s);
void status_free(struct status *s);
const char *status_drift_kind_str(enum status_drift_kind k);
const char *status_problem_str(enum status_problem p);
/* The drifting object in words ("pref 100 fwmark 0xe00/0xf00 lookup
 * 2005"). Returns b. */
const char *status_drift_object(const struct status *s, const struct status_drift *d, char *b, size_t n);

#endif
