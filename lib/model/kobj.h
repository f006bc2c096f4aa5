/* SPDX-License-Identifier: GPL-2.0 */
/* kobj: the kernel objects tenc plans, as values: XFRM states (SAs) and
 * policies, the policy hash thresholds, routes and rules. Pure: plan.h
 * computes them, xfrm.h and rtnl.h turn them into netlink messages and
 * parse dumps back into them. */
#ifndef TENC_KOBJ_H
#define TENC_KOBJ_H
#include <stdbool.h>
#include <stdint.h>
#include "keys.h"

/* Kernels refuse an ESN SA with replay window 0 unless it is flagged as
 * output with XFRMA_SA_DIR (6.10+): ESN SAs asked for with window 0 (OUT)
 * get this window instead, one bitmap word. Dumps then show it. */
#define XFRM_ESN_MIN_WINDOW 32

struct xsa {
	uint32_t src, dst;		/* IPv4, network order */
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

struct xpol {
	uint8_t dir;			/* XFRM_POLICY_IN/OUT/FWD */
	uint32_t sel_src, sel_dst;	/* network order */
	uint8_t sel_src_len, sel_dst_len;
	uint32_t mark, mark_mask;
	uint32_t priority;
	bool block;			/* action block, no template */
	bool allow_plain;		/* action allow, no template: plaintext */
	/* template (when !block && !allow_plain) */
	uint32_t tmpl_src, tmpl_dst;	/* 0.0.0.0: any */
	uint32_t reqid;			/* 0: any */
	bool optional;			/* level use instead of required */
	/* filled by dumps only: */
	uint32_t index;
};

struct xfrm_hthresh {
	uint8_t lbits, rbits;
};
#define XFRM_HTHRESH_DEFAULT	((struct xfrm_hthresh){ .lbits = 32, .rbits = 32 })

#define TENC_RTPROT	0xe5
#define TENC_TABLE	2005
#define TENC_RULE_PREF	100

struct rroute {
	uint32_t table;
	uint32_t dst;		/* network order */
	uint8_t dst_len;
	int oif;		/* ifindex */
	uint32_t mtu;		/* 0: none */
	uint8_t protocol;
};

struct rrule {
	uint32_t pref;
	uint32_t fwmark, fwmask;
	uint32_t table;
	uint8_t protocol;
};

#endif
