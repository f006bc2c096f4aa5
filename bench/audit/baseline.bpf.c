// SPDX-License-Identifier: GPL-2.0
/* baseline.bpf.c: the reference programs of bench/audit/bpfbench.c,
 * run on the same packets as tenc's programs (BPF_PROG_TEST_RUN):
 * - bench_empty: an empty tc program (TC_ACT_OK): the cost of running a
 *   program at all;
 * - bench_lookup: only the ipcache LPM lookup of the destination, with the
 *   least parsing that lookup needs (bounds, ethertype), on tenc's own
 *   ipcache (bpfbench reuses the pinned map's fd); bench_lookup6 the same
 *   for IPv6 in ipcache6 (the destination is in the fixed header: no
 *   extension header is parsed).
 * tenc's program minus bench_lookup is what tenc adds to one lookup:
 * parsing, the config read, the mark, and the flow accounting.
 * - bench_step1..4: where that difference goes, one step at a time, on
 *   the TCP packet to a peer's pod (what tenc_from_pod does there):
 *   1: bench_lookup + tenc's whole parse (the flow key) + the tenc_cfg read
 *      + the mark: tenc_from_pod without the flow accounting;
 *   2: + the flow table lookup (tenc's flows map, reused);
 *   3: + bpf_jiffies64 (inlined) and the flow's last-seen stamp;
 *   4: + the two atomic adds (packets, bytes) and the seen/peer/spi/verdict
 *      updates: tenc_from_pod's steady state, written out again.
 * - bench_ktime: step 4 with bpf_ktime_get_ns (a helper call) instead of
 *   jiffies: what a nanosecond last-seen stamp per packet would cost.
 * - bench_step6_0..4: the same steps for IPv6 (tenc_from_pod's from_pod6,
 *   on the UDP packet after a hop-by-hop header; below, before them). */
#include <stdbool.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "tenc_kern_user.h"

char LICENSE[] SEC("license") = "GPL";

/* tenc's maps, the same definitions (bpfbench points ipcache, tenc_cfg and
 * flows at the pinned maps with bpf_map__reuse_fd before loading). */
#include "tenc_maps.bpf.h"

SEC("tc")
int bench_empty(struct __sk_buff *skb)
{
	(void)skb;
	return TC_ACT_OK;
}

/* The ipcache entry of the destination: of an IPv4 frame (v6 false) in
 * the ipcache, of an IPv6 one in ipcache6; NULL for any other frame. */
static __always_inline struct ipcache_val *lookup_dst(struct __sk_buff *skb, bool v6)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = data + sizeof(*eth);
	struct ipv6hdr *ip6 = data + sizeof(*eth);
	struct ipcache_key k = { .prefixlen = 32 };
	struct ipcache_key6 k6 = { .prefixlen = 128 };

	if (v6) {
		if ((void *)(ip6 + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IPV6))
			return NULL;
		__builtin_memcpy(k6.addr, &ip6->daddr, sizeof(k6.addr));
		return bpf_map_lookup_elem(&ipcache6, &k6);
	}
	if ((void *)(ip + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return NULL;
	k.addr = ip->daddr;
	return bpf_map_lookup_elem(&ipcache, &k);
}

static __always_inline int lookup_only(struct __sk_buff *skb, bool v6)
{
	struct ipcache_val *v = lookup_dst(skb, v6);

	/* Read the value, as tenc does (never true: 0xff is no flag set). */
	if (v && v->flags == 0xff)
		skb->priority = v->peer_id;
	return TC_ACT_OK;
}

SEC("tc")
int bench_lookup(struct __sk_buff *skb)
{
	return lookup_only(skb, false);
}

SEC("tc")
int bench_lookup6(struct __sk_buff *skb)
{
	return lookup_only(skb, true);
}

/* bench_step1..4 (and 5, bench_ktime): the steps of tenc_from_pod (bpf/tenc.bpf.c) for a peer's
 * pod with a key, in encrypt mode, the flow already in the table. */
static __always_inline int step(struct __sk_buff *skb, const int level)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = data + sizeof(*eth);
	struct ipcache_key ik = { .prefixlen = 32 };
	struct flow_key k = {};
	struct ipcache_val *v;
	struct tenc_cfg *c;
	struct flow_val *f;
	__u32 zero = 0, len;
	__u16 *l4;
	__u64 now;

	if ((void *)(ip + 1) > data_end)
		return TC_ACT_OK;
	if (eth->h_proto != bpf_htons(ETH_P_IP) || ip->version != 4 || ip->ihl < 5)
		return TC_ACT_OK;
	len = bpf_ntohs(ip->tot_len);
	k.saddr = ip->saddr;
	k.daddr = ip->daddr;
	k.proto = ip->protocol;
	k.dir = FLOW_OUT;
	if (!(ip->frag_off & bpf_htons(0x1fff))) {
		l4 = (void *)ip + ip->ihl * 4;
		if ((void *)(l4 + 2) <= data_end &&
		    (ip->protocol == IPPROTO_TCP || ip->protocol == IPPROTO_UDP ||
		     ip->protocol == IPPROTO_ESP)) {
			k.sport = l4[0];
			k.dport = l4[1];
		}
	}
	c = bpf_map_lookup_elem(&tenc_cfg, &zero);
	ik.addr = k.daddr;
	v = bpf_map_lookup_elem(&ipcache, &ik);
	if (!v || !c || !(c->flags & CFG_F_ENCRYPT) || (v->flags & (IPC_F_LOCAL | IPC_F_NOKEY | IPC_F_SUBNET)) ||
	    v->spi < TENC_SPI_MIN || v->spi > TENC_SPI_MAX || !v->peer_id)
		return TC_ACT_OK;
	skb->mark = (skb->mark & ~TENC_MARK_OUT_MASK) | TENC_MARK_OUT(v->spi, v->peer_id);
	if (level < 2)
		return TC_ACT_OK;
	f = bpf_map_lookup_elem(&flows, &k);
	if (!f)
		return TC_ACT_OK;
	if (level < 3)
		return TC_ACT_OK;
	now = level == 5 ? bpf_ktime_get_ns() : bpf_jiffies64();
	f->last_j = now;
	if (level < 4)
		return TC_ACT_OK;
	__sync_fetch_and_add(&f->packets, 1);
	__sync_fetch_and_add(&f->bytes, len);
	f->seen |= SEEN_POD;
	f->peer_id = v->peer_id;
	f->spi = v->spi;
	if (f->verdict != V_ENCRYPTED && f->verdict != V_VIOLATION)
		f->verdict = V_ENCRYPTED;
	return TC_ACT_OK;
}

SEC("tc")
int bench_step1(struct __sk_buff *skb)
{
	return step(skb, 1);
}

SEC("tc")
int bench_step2(struct __sk_buff *skb)
{
	return step(skb, 2);
}

SEC("tc")
int bench_step3(struct __sk_buff *skb)
{
	return step(skb, 3);
}

SEC("tc")
int bench_step4(struct __sk_buff *skb)
{
	return step(skb, 4);
}

SEC("tc")
int bench_ktime(struct __sk_buff *skb)
{
	return step(skb, 5);
}

/* ---- IPv6: bench_step6_0..4 ----
 * tenc_from_pod's IPv6 path (from_pod6 in bpf/tenc.bpf.c) on the UDP packet
 * after a hop-by-hop header to a peer's pod, in encrypt mode, its flow in
 * flows6, one step at a time:
 *   0: bench_lookup6 + the tenc_cfg read + tenc's checks of the fixed
 *      header (ethertype, version, link-local and multicast addresses),
 *      the key's addresses and the length + the mark: no extension header
 *      walked, no ports;
 *   1: + tenc's walk of the extension headers and the L4 header (the whole
 *      parse6, a copy of tenc's): tenc_from_pod IPv6 without the flow
 *      accounting;
 *   2: + the flows6 lookup (the 40-byte key in the LRU hash);
 *   3: + bpf_jiffies64 and the last-seen stamp;
 *   4: + the two atomic adds and the seen/peer/spi/verdict updates.
 * The parse below is tenc's (bpf/tenc.bpf.c, parse6 and its helpers),
 * copied; keep the two the same. */

struct pkt6 {
	struct flow_key6 k;
	__u32 len;
	__u32 spi;
} __attribute__((aligned(8)));

static __always_inline void addrs6(struct flow_key6 *k, const struct ipv6hdr *ip6)
{
	const __u64 *a = (const void *)&ip6->saddr;
	__u64 *w = (void *)k->saddr;

	w[0] = a[0];
	w[1] = a[1];
	w[2] = a[2];
	w[3] = a[3];
}

static __always_inline bool v6_link_or_mcast(const struct in6_addr *a)
{
	return a->s6_addr[0] == 0xff || (a->s6_addr[0] == 0xfe && (a->s6_addr[1] & 0xc0) == 0x80);
}

#define ICMP6_LINK_TYPES	0xEC38FFu

static __always_inline bool icmp6_link_type(__u8 t)
{
	return t >= 130 && t <= 153 && ((ICMP6_LINK_TYPES >> (t - 130)) & 1);
}

static __always_inline int ext_len(__u8 nh, const __u8 *h)
{
	switch (nh) {
	case IPPROTO_HOPOPTS:
	case IPPROTO_ROUTING:
	case IPPROTO_DSTOPTS:
		return (h[1] + 1) * 8;
	case IPPROTO_AH:
		return (h[1] + 2) * 4;
	case IPPROTO_FRAGMENT:
		return (((__u16)h[2] << 8 | h[3]) & 0xfff8) ? -1 : 8;
	}
	return 0;
}

static __always_inline bool parse6_l4(struct pkt6 *p, const __u8 *h, void *data_end)
{
	const __u16 *ports = (const __u16 *)h;

	if ((void *)(h + 4) > data_end)
		return true;
	if (p->k.proto == IPPROTO_TCP || p->k.proto == IPPROTO_UDP || p->k.proto == IPPROTO_ESP) {
		p->k.sport = ports[0];
		p->k.dport = ports[1];
		if (p->k.proto == IPPROTO_ESP)
			p->spi = ((__u32)bpf_ntohs(ports[0]) << 16) | bpf_ntohs(ports[1]);
	} else if (p->k.proto == IPPROTO_ICMPV6) {
		if (icmp6_link_type(h[0]))
			return false;
		p->k.sport = bpf_htons(h[0]);
	}
	return true;
}

/* walk: false stops after the fixed header (step 0). */
static __always_inline bool parse6(struct __sk_buff *skb, struct pkt6 *p, __u8 dir, bool walk)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct ipv6hdr *ip6 = data + sizeof(*eth);
	__u32 off = sizeof(*eth) + sizeof(*ip6);
	__u8 nh;

	if ((void *)(ip6 + 1) > data_end)
		return false;
	if (eth->h_proto != bpf_htons(ETH_P_IPV6) || ip6->version != 6 ||
	    v6_link_or_mcast(&ip6->saddr) || v6_link_or_mcast(&ip6->daddr))
		return false;
	addrs6(&p->k, ip6);
	p->k.sport = 0;
	p->k.dport = 0;
	p->k.dir = dir;
	p->k.pad = 0;
	p->spi = 0;
	p->len = bpf_ntohs(ip6->payload_len) + sizeof(*ip6);
	nh = ip6->nexthdr;
	if (!walk) {
		p->k.proto = nh;
		return true;
	}
#pragma unroll
	for (int i = 0; i < TENC_V6_EXT_MAX; i++) {
		const __u8 *h = data + off;
		int n;

		if ((void *)(h + 8) > data_end)
			break;
		n = ext_len(nh, h);
		if (n == 0)
			break;
		nh = h[0];
		if (n < 0) {
			p->k.proto = nh;
			return true;
		}
		off += n;
	}
	p->k.proto = nh;
	if (off > 0xffff)
		return true;
	return parse6_l4(p, data + off, data_end);
}

static __always_inline int step6(struct __sk_buff *skb, const int level)
{
	struct ipcache_key6 ik = { .prefixlen = 128 };
	struct ipcache_val *v;
	struct tenc_cfg *c;
	struct flow_val *f;
	struct pkt6 p;
	__u32 zero = 0;

	c = bpf_map_lookup_elem(&tenc_cfg, &zero);
	if (!parse6(skb, &p, FLOW_OUT, level >= 1))
		return TC_ACT_OK;
	__builtin_memcpy(ik.addr, p.k.daddr, sizeof(ik.addr));
	v = bpf_map_lookup_elem(&ipcache6, &ik);
	if (!v || !c || !(c->flags & CFG_F_ENCRYPT) || (v->flags & (IPC_F_LOCAL | IPC_F_NOKEY | IPC_F_SUBNET)) ||
	    v->spi < TENC_SPI_MIN || v->spi > TENC_SPI_MAX || !v->peer_id)
		return TC_ACT_OK;
	skb->mark = (skb->mark & ~TENC_MARK_OUT_MASK) | TENC_MARK_OUT(v->spi, v->peer_id);
	if (level < 2)
		return TC_ACT_OK;
	f = bpf_map_lookup_elem(&flows6, &p.k);
	if (!f)
		return TC_ACT_OK;
	if (level < 3)
		return TC_ACT_OK;
	f->last_j = bpf_jiffies64();
	if (level < 4)
		return TC_ACT_OK;
	__sync_fetch_and_add(&f->packets, 1);
	__sync_fetch_and_add(&f->bytes, p.len);
	f->seen |= SEEN_POD;
	f->peer_id = v->peer_id;
	f->spi = v->spi;
	if (f->verdict != V_ENCRYPTED && f->verdict != V_VIOLATION)
		f->verdict = V_ENCRYPTED;
	return TC_ACT_OK;
}

SEC("tc")
int bench_step6_0(struct __sk_buff *skb)
{
	return step6(skb, 0);
}

SEC("tc")
int bench_step6_1(struct __sk_buff *skb)
{
	return step6(skb, 1);
}

SEC("tc")
int bench_step6_2(struct __sk_buff *skb)
{
	return step6(skb, 2);
}

SEC("tc")
int bench_step6_3(struct __sk_buff *skb)
{
	return step6(skb, 3);
}

SEC("tc")
int bench_step6_4(struct __sk_buff *skb)
{
	return step6(skb, 4);
}
