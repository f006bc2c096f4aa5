// SPDX-License-Identifier: GPL-2.0
/* tenc.bpf.c: tenc's tc programs (docs/design.md, "BPF").
 * Owns: the ipcache and tenc_cfg maps, and which packets get which mark.
 * The programs never drop: they set skb->mark or leave it alone, and always
 * return TC_ACT_OK; failing closed is XFRM's job (the default-drop policy).
 * IPv4 only; anything else passes untouched. One LPM lookup per packet. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/in.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "tenc_kern_user.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, TENC_IPCACHE_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct ipcache_key);
	__type(value, struct ipcache_val);
} ipcache SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tenc_cfg);
} tenc_cfg SEC(".maps");

/* The IPv4 header of an Ethernet frame, or NULL: not IPv4, or truncated. */
static __always_inline struct iphdr *ipv4_hdr(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = data + sizeof(*eth);

	if ((void *)(ip + 1) > data_end)
		return NULL;
	if (eth->h_proto != bpf_htons(ETH_P_IP) || ip->version != 4 || ip->ihl < 5)
		return NULL;
	return ip;
}

/* Marks are set only with CFG_F_ENCRYPT; without it tenc observes. */
static __always_inline int encrypt_on(void)
{
	__u32 zero = 0;
	struct tenc_cfg *c = bpf_map_lookup_elem(&tenc_cfg, &zero);

	return c && (c->flags & CFG_F_ENCRYPT);
}

/* The longest ipcache prefix holding addr (network byte order). */
static __always_inline struct ipcache_val *ipcache_find(__u32 addr)
{
	struct ipcache_key k = { .prefixlen = 32, .addr = addr };

	return bpf_map_lookup_elem(&ipcache, &k);
}

/* tenc owns bits 8-31; bits 0-7 belong to others and are kept. */
static __always_inline void set_mark(struct __sk_buff *skb, __u32 mark)
{
	skb->mark = (skb->mark & ~TENC_MARK_OUT_MASK) | mark;
}

/* Ingress of a pod-facing device: mark traffic to a peer for its OUT SA. */
SEC("tc")
int tenc_from_pod(struct __sk_buff *skb)
{
	struct iphdr *ip = ipv4_hdr(skb);
	struct ipcache_val *v;

	if (!ip || !encrypt_on())
		return TC_ACT_OK;
	v = ipcache_find(ip->daddr);
	if (!v || (v->flags & (IPC_F_LOCAL | IPC_F_NOKEY)))
		return TC_ACT_OK;
	if (v->flags & IPC_F_SUBNET) {
		/* A pod subnet, no peer owns this address: the default drop. */
		set_mark(skb, TENC_MARK_ENCRYPT);
		return TC_ACT_OK;
	}
	if (v->spi < TENC_SPI_MIN || v->spi > TENC_SPI_MAX || !v->peer_id)
		return TC_ACT_OK;
	set_mark(skb, TENC_MARK_OUT(v->spi, v->peer_id));
	return TC_ACT_OK;
}

/* Ingress of the underlay: tell the IN SA which peer sent this ESP packet. */
SEC("tc")
int tenc_from_wire(struct __sk_buff *skb)
{
	struct iphdr *ip = ipv4_hdr(skb);
	struct ipcache_val *v;

	if (!ip || ip->protocol != IPPROTO_ESP || !encrypt_on())
		return TC_ACT_OK;
	v = ipcache_find(ip->saddr);
	if (!v || !(v->flags & IPC_F_NODE) || !v->peer_id)
		return TC_ACT_OK;
	set_mark(skb, TENC_MARK_IN(v->peer_id));
	return TC_ACT_OK;
}

/* Egress of the underlay, where the audit sees what leaves the node (ESP,
 * or a leak). It parses like the others and passes every packet. */
SEC("tc")
int tenc_to_wire(struct __sk_buff *skb)
{
	struct iphdr *ip = ipv4_hdr(skb);

	(void)ip;	/* no accounting yet: nothing to do with it */
	return TC_ACT_OK;
}
