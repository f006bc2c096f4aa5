/* SPDX-License-Identifier: GPL-2.0 */
/* kobj: the kernel objects tenc plans, as values: XFRM states (SAs) and
 * policies, the policy hash thresholds, routes and rules, IPv4 or IPv6.
 * Owns: these structs, their address type (KADDR) and its helpers. Pure:
 * plan.h computes them, xfrm.h and rtnl.h turn them into netlink messages
 * and parse dumps back into them. */
#ifndef TENC_KOBJ_H
#define TENC_KOBJ_H
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include "addr.h"
#include "keys.h"

/* Addresses. KADDR(name) is an address of either family, network order, as
 * a member of a kernel object: `name` is its IPv4 view (a uint32_t, the
 * first 4 bytes), `name##6` its IPv6 view (16 bytes). Its family is a field
 * of the object, one for the addresses that go together (an SA's src and
 * dst; a selector's; a template's), and 0 means AF_INET: so a zeroed
 * object, or one built with designated initialisers that name only the
 * IPv4 fields (`.dst = ip`), is the IPv4 object it was before IPv6, and
 * every user that reads `sa->src` as an IPv4 address still may (the dump
 * functions they call return IPv4 objects only). Bytes 4..15 of an IPv4
 * address are not part of it (an initialiser that names the uint32_t may
 * leave them undefined): compare with kaddr_eq / kaddr_cmp, never memcmp.
 * Why not a struct with its family inside: the objects' IPv4 names stay
 * valid lvalues of the same type, so their users need no change. */
#define KADDR(name) union { uint32_t name; uint8_t name##6[16]; }

/* The family a family field means: AF_INET6, or AF_INET (0 included). */
static inline int kfam(uint8_t family)
{
	return family ? family : AF_INET;
}

static inline size_t kaddr_len(uint8_t family)
{
	return kfam(family) == AF_INET6 ? 16 : 4;
}

/* Addresses a and b (KADDR views: `x->dst6`) of one family: memcmp order
 * (IPv4: by the uint32_t, as the objects' IPv4 fields always compared). */
static inline int kaddr_cmp(uint8_t family, const uint8_t *a, const uint8_t *b)
{
	uint32_t x, y;

	if (kfam(family) == AF_INET6)
		return memcmp(a, b, 16);
	memcpy(&x, a, 4);
	memcpy(&y, b, 4);
	return x == y ? 0 : x < y ? -1 : 1;
}

static inline bool kaddr_eq(uint8_t family, const uint8_t *a, const uint8_t *b)
{
	return kaddr_cmp(family, a, b) == 0;
}

/* Address a (a KADDR view) of family as text, as fmt_ipv4 or fmt_ipv6
 * write it; KADDR_STRLEN bytes hold either. */
#define KADDR_STRLEN 46
static inline const char *kaddr_str(uint8_t family, const uint8_t *a, char *buf, size_t n)
{
	uint32_t v;

	if (kfam(family) == AF_INET6)
		return fmt_ipv6(a, buf, n);
	memcpy(&v, a, 4);
	return fmt_ipv4(v, buf, n);
}

/* Kernels refuse an ESN SA with replay window 0 unless it is flagged as
 * output with XFRMA_SA_DIR (6.10+): ESN SAs asked for with window 0 (OUT)
 * get this window instead, one bitmap word. Dumps then show it. */
#define XFRM_ESN_MIN_WINDOW 32

/* The IN SAs' replay window: the kernel's largest (XFRMA_REPLAY_ESN_MAX,
 * a bitmap of 128 words). With ESN, a packet that arrives more than the
 * window behind the highest sequence number seen is taken for one of the
 * next 2^32 (xfrm_replay_seqhi: seq_hi + 1), fails its ICV and counts as
 * XfrmInStateProtoError: reordering deeper than the window loses packets
 * (two CPUs' backlogs, one stalled, carry one SA's packets). 4096 costs
 * a 512-byte bitmap per IN SA, twice in the kernel (replay and preplay
 * state) and once in each dump (docs/design.md, XFRM objects). SAs are
 * not compared by their window: SAs installed with another one are kept. */
#define TENC_IN_REPLAY_WINDOW 4096

/* An SA, tunnel mode ESP. Outer family (src, dst, the SA's id) and inner
 * (its selector, what it may carry) are separate: IPv6 in IPv4 and IPv4 in
 * IPv6 are SAs too. Its selector is the whole inner family (any -> any),
 * or, with sel_any, any packet of either family (the kernel's AF_UNSPEC
 * selector: the SA carries IPv4 and IPv6; sel_family is then 0). */
struct xsa {
	uint8_t family;			/* outer: of src, dst (0: AF_INET) */
	uint8_t sel_family;		/* inner (0: AF_INET) */
	bool sel_any;			/* inner: either family (AF_UNSPEC) */
	KADDR(src);
	KADDR(dst);
	uint32_t spi;			/* host order */
	uint32_t reqid;
	uint32_t mark, mark_mask;	/* 0/0: none */
	struct tenc_key key;		/* the derived key for this direction */
	bool key_base;			/* key is the configured key: xfrm_sa_add
					 * derives src->dst's from it (key_derive)
					 * when it builds the message, so plans do
					 * not derive keys for SAs that exist */
	uint64_t src_epoch, dst_epoch;	/* key_base: the nodes' epochs (key_pair) */
	bool esn;
	uint32_t replay_window;		/* packets; 0 for OUT SAs */
	/* filled by dumps only: */
	uint64_t bytes, packets;	/* curlft */
	uint64_t add_time, use_time;
	uint64_t oseq;			/* ESN: (oseq_hi << 32) | oseq */
	uint64_t seq;			/* ESN: highest inbound seq seen */
	uint32_t replay_errors, integrity_errors;
	bool has_key;			/* the dump carried key material */
	bool has_fp;			/* key_fp is the key's key_fp8 (key wiped) */
	uint8_t key_fp[8];
};

/* The derivation input of a key_base SA (keys.h): its outer family's
 * addresses and the nodes' epochs. */
static inline struct key_pair xsa_key_pair(const struct xsa *sa)
{
	struct key_pair p = { .src_epoch = sa->src_epoch, .dst_epoch = sa->dst_epoch };

	if (kfam(sa->family) == AF_INET6) {
		p.family = AF_INET6;
		memcpy(p.src6, sa->src6, 16);
		memcpy(p.dst6, sa->dst6, 16);
	} else {
		p.src = sa->src;
		p.dst = sa->dst;
	}
	return p;
}

struct xpol {
	uint8_t dir;			/* XFRM_POLICY_IN/OUT/FWD */
	uint8_t sel_family;		/* inner: of sel_src, sel_dst (0: AF_INET) */
	uint8_t tmpl_family;		/* outer: of tmpl_src, tmpl_dst (0: AF_INET) */
	KADDR(sel_src);
	KADDR(sel_dst);
	uint8_t sel_src_len, sel_dst_len;
	uint32_t mark, mark_mask;
	uint32_t priority;
	bool block;			/* action block, no template */
	bool allow_plain;		/* action allow, no template: plaintext */
	/* template (when !block && !allow_plain) */
	KADDR(tmpl_src);		/* 0.0.0.0 or ::: any */
	KADDR(tmpl_dst);
	uint32_t reqid;			/* 0: any */
	bool optional;			/* level use instead of required */
	/* filled by dumps only: */
	uint32_t index;
};

/* Policy hash thresholds, one pair per family (xfrm.h). */
struct xfrm_hthresh {
	uint8_t lbits, rbits;
};
#define XFRM_HTHRESH_DEFAULT	((struct xfrm_hthresh){ .lbits = 32, .rbits = 32 })
#define XFRM_HTHRESH6_DEFAULT	((struct xfrm_hthresh){ .lbits = 128, .rbits = 128 })

#define TENC_RTPROT	0xe5
#define TENC_TABLE	2005
#define TENC_RULE_PREF	100

struct rroute {
	uint8_t family;		/* of dst (0: AF_INET) */
	uint32_t table;
	KADDR(dst);
	uint8_t dst_len;
	int oif;		/* ifindex */
	uint32_t mtu;		/* 0: none */
	uint8_t protocol;
};

struct rrule {
	uint8_t family;		/* the rule's (0: AF_INET) */
	uint32_t pref;
	uint32_t fwmark, fwmask;
	uint32_t table;
	uint8_t protocol;
};

#endif
