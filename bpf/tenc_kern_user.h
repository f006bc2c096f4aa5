/* SPDX-License-Identifier: GPL-2.0 */
/* tenc_kern_user.h: what the BPF programs and user space share: the mark
 * layout, the reqid range, and the map key/value layouts. docs/design.md
 * explains them; change both together. */
#ifndef TENC_KERN_USER_H
#define TENC_KERN_USER_H
#include <linux/types.h>

/* skb->mark */
#define TENC_MARK_ENCRYPT	0x0e00
#define TENC_MARK_DECRYPT	0x0d00
#define TENC_MARK_TYPE_MASK	0x0f00
#define TENC_MARK_OUT_MASK	0xffffff00
#define TENC_MARK_IN_MASK	0xffff0f00
#define TENC_MARK_SPI_SHIFT	12
#define TENC_MARK_PEER_SHIFT	16
#define TENC_MARK_OUT(spi, peer) \
	(TENC_MARK_ENCRYPT | ((__u32)(spi) << TENC_MARK_SPI_SHIFT) | ((__u32)(peer) << TENC_MARK_PEER_SHIFT))
#define TENC_MARK_IN(peer) (TENC_MARK_DECRYPT | ((__u32)(peer) << TENC_MARK_PEER_SHIFT))

#define TENC_SPI_MIN		1
#define TENC_SPI_MAX		15
#define TENC_PEER_ID_MAX	65535
#define TENC_REQID_BASE		0x7e00
#define TENC_REQID(spi)		(TENC_REQID_BASE + (spi))

/* tc attachment: tenc's own filters are found by this handle/priority. */
#define TENC_TC_HANDLE		0xe5
#define TENC_TC_PRIO		0xe5

/* Overridden by `make next-tenc`: a map of another shape, as a future
 * layout would have (tests/netns/upgrade.bats migrates to it). */
#ifndef TENC_IPCACHE_MAX
#define TENC_IPCACHE_MAX	262144
#endif

/* ipcache: LPM trie keyed by IPv4 prefix; values: struct ipcache_val. */
struct ipcache_key {
	__u32 prefixlen;	/* 0..32 */
	__u32 addr;		/* network byte order */
};

#define IPC_F_LOCAL	0x01	/* a local pod cidr: same-node traffic */
#define IPC_F_NODE	0x02	/* a peer's node ip (/32; ipcache6: /128) */
#define IPC_F_NOKEY	0x04	/* in scope, but no key: would not encrypt */
#define IPC_F_SUBNET	0x08	/* a declared pod subnet (subnet mode): what no
				 * peer entry claims is marked for the default
				 * drop, never sent in plaintext */

struct ipcache_val {
	__u16 peer_id;		/* 0 for LOCAL */
	__u8 spi;		/* key index OUT uses towards this peer; 0: none */
	__u8 flags;		/* IPC_F_* */
};

/* ipcache6: LPM trie keyed by IPv6 prefix, the same values with the same
 * meaning (a peer's node ip is a /128 NODE entry). A map of its own, so
 * that the IPv4 key, its lookup and the pinned ipcache stay as they were
 * (docs/design.md, "IPv6"). Room for as many entries as the ipcache. */
#define TENC_IPCACHE6_MAX	262144

struct ipcache_key6 {
	__u32 prefixlen;	/* 0..128 */
	__u8 addr[16];		/* network byte order */
};

/* tenc_cfg: array of one. */
#define CFG_F_ENCRYPT	0x01	/* set marks; without it, observe only */

struct tenc_cfg {
	__u32 node_ip;		/* network byte order */
	__u32 flags;		/* CFG_F_* */
};

/* flows: LRU hash from 5-tuple + direction to what was seen of the flow
 * (docs/design.md, "Audit"). ESP is one flow per (outer addresses, SPI):
 * sport:dport hold the SPI's high:low 16 bits. */
#define TENC_FLOWS_MAX		262144
#define TENC_EVENTS_BYTES	(256 * 1024)

enum flow_dir { FLOW_OUT = 0, FLOW_IN = 1 };	/* leaving / reaching this node */

/* Verdicts, as the programs see them; `tenc audit` refines ENCRYPTED into
 * DROPPED when the SA it was marked for is missing. 0 is "none yet". */
enum flow_verdict {
	V_NONE = 0,
	V_ENCRYPTED = 1,	/* marked for a peer's OUT SA; ESP; or decrypted */
	V_PLAINTEXT = 2,	/* destination outside the ipcache: out of scope */
	V_LOCAL = 3,		/* same node */
	V_VIOLATION = 4,	/* in scope, in plaintext (or would be: unmarked) */
	V_DROPPED = 5,		/* marked for the default drop */
	V__COUNT
};

/* Where a flow was seen, and how (flow_val.seen, OR-ed). */
#define SEEN_POD	0x01	/* pod-side ingress (tenc_from_pod) */
#define SEEN_WIRE_PLAIN	0x02	/* on the underlay, not ESP, while in scope */
#define SEEN_WIRE_ESP	0x04	/* on the underlay as ESP */
#define SEEN_DECRYPTED	0x08	/* arrived decrypted (decrypt mark) */
#define SEEN_UNMARKED	0x10	/* in scope but left unmarked: no key, or
				 * observe-only mode */
#define SEEN_NODE	0x20	/* to/from a peer's node ip */

struct flow_key {
	__u32 saddr, daddr;	/* network byte order */
	__u16 sport, dport;	/* network byte order; ESP: SPI hi, lo */
	__u8 proto;
	__u8 dir;		/* enum flow_dir */
	__u16 pad;
};

/* flows6: the IPv6 flows, a map of their own (docs/design.md, "Audit":
 * the IPv4 key and its per-packet hash stay as they were). TCP/UDP: the
 * ports; ESP: the SPI, as in flows; ICMPv6: sport holds the type, dport
 * 0; a packet whose L4 header
 * was not reached (a later fragment, an extension header chain longer
 * than TENC_V6_EXT_MAX or cut short): proto is the next header where the
 * parse stopped, ports 0. */
#define TENC_FLOWS6_MAX		262144	/* as flows: IPv6 is in scope (a tenc
					 * before it had 65,536: migrated) */
#define TENC_V6_EXT_MAX		6	/* extension headers skipped before L4 */

struct flow_key6 {
	__u8 saddr[16], daddr[16];
	__u16 sport, dport;	/* network byte order; ESP: SPI hi, lo; ICMPv6: type, 0 */
	__u8 proto;
	__u8 dir;		/* enum flow_dir */
	__u16 pad;
};

struct flow_val {
	__u64 first_ns;			/* CLOCK_MONOTONIC at the first packet */
	__u64 first_j, last_j;		/* jiffies at the first and latest
					 * packet (bpf_jiffies64: the verifier
					 * inlines it; a clock read per packet
					 * would cost more than the rest of the
					 * accounting). tenc converts with the
					 * anchors in tenc_stats. */
	__u64 packets, bytes;		/* bytes: IP total length */
	__u16 peer_id;			/* 0: none */
	__u8 spi;			/* key index marked for / seen; 0: none */
	__u8 verdict;			/* enum flow_verdict */
	__u8 seen;			/* SEEN_* */
	__u8 pad[3];
};

/* events: ring buffer record, emitted when a flow starts or its verdict
 * changes (never per packet). */
struct flow_event {
	__u64 ts_ns;			/* CLOCK_MONOTONIC */
	struct flow_key key;
	__u16 peer_id;
	__u8 spi;
	__u8 verdict, old_verdict;	/* old: V_NONE for a new flow */
	__u8 seen;
	__u8 hook;			/* enum bpfdp_hook order: 0 from_pod,
					 * 1 from_wire, 2 to_wire */
	__u8 pad;
};

/* The same for an IPv6 flow: the ring buffer's records are told apart
 * by their size. */
struct flow_event6 {
	__u64 ts_ns;
	struct flow_key6 key;
	__u16 peer_id;
	__u8 spi;
	__u8 verdict, old_verdict;
	__u8 seen;
	__u8 hook;
	__u8 pad;
};

/* tracing: array of one __u32, the pid of the `tenc trace` reading the
 * events; 0: nobody, and the programs emit no events (the ring buffer
 * would fill and stay full). */

/* stats: array of one, counters the programs keep. */
struct tenc_stats {
	__u64 events;			/* emitted */
	__u64 events_lost;		/* ring buffer full */
	__u64 flows_new;
	/* (jiffies, CLOCK_MONOTONIC) read together: at the first new flow
	 * (anchor) and at the latest one; their slope is the tick length. */
	__u64 anchor_j, anchor_ns;
	__u64 latest_j, latest_ns;
};

#endif
