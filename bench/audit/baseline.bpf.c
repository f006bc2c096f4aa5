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
 *   jiffies: what a nanosecond last-seen stamp per packet would cost. */
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
