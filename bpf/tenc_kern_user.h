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

#define TENC_IPCACHE_MAX	262144

/* ipcache: LPM trie keyed by IPv4 prefix. */
struct ipcache_key {
	__u32 prefixlen;	/* 0..32 */
	__u32 addr;		/* network byte order */
};

#define IPC_F_LOCAL	0x01	/* a local pod cidr: same-node traffic */
#define IPC_F_NODE	0x02	/* a peer's node ip (/32) */
#define IPC_F_NOKEY	0x04	/* in scope, but no key: would not encrypt */
#define IPC_F_SUBNET	0x08	/* a declared pod subnet (subnet mode): what no
				 * peer entry claims is marked for the default
				 * drop, never sent in plaintext */

struct ipcache_val {
	__u16 peer_id;		/* 0 for LOCAL */
	__u8 spi;		/* key index OUT uses towards this peer; 0: none */
	__u8 flags;		/* IPC_F_* */
};

/* tenc_cfg: array of one. */
#define CFG_F_ENCRYPT	0x01	/* set marks; without it, observe only */

struct tenc_cfg {
	__u32 node_ip;		/* network byte order */
	__u32 flags;		/* CFG_F_* */
};

#endif
