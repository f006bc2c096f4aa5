// SPDX-License-Identifier: GPL-2.0
/* tenc.bpf.c: tenc's tc programs (docs/design.md, "BPF" and "Audit").
 * Owns: the ipcache, tenc_cfg, flows, events and stats maps; which packets
 * get which mark; the verdict each flow gets where it is seen.
 * The programs never drop: they set skb->mark or leave it alone, and always
 * return TC_ACT_OK; failing closed is XFRM's job (the default-drop policy).
 * IPv4 only; anything else passes untouched. Per packet: one or two LPM
 * lookups and one flow table update; an event only when a flow starts or
 * its verdict changes. */
#include <stdbool.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/in.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "tenc_kern_user.h"

char LICENSE[] SEC("license") = "GPL";

#include "tenc_maps.bpf.h"

enum { HOOK_POD = 0, HOOK_FROM_WIRE = 1, HOOK_TO_WIRE = 2 };

/* A parsed IPv4 packet: the header, and the flow key in direction dir. */
struct pkt {
	struct iphdr *ip;
	struct flow_key k;
	__u32 len;		/* IP total length */
	__u32 spi;		/* ESP only, host order */
};

/* Parse an Ethernet frame into p; false if it is not IPv4 (or truncated).
 * Ports are read for TCP and UDP (first fragments), the SPI for ESP. */
static __always_inline bool parse(struct __sk_buff *skb, struct pkt *p, __u8 dir)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = data + sizeof(*eth);
	__u16 *l4;

	if ((void *)(ip + 1) > data_end)
		return false;
	if (eth->h_proto != bpf_htons(ETH_P_IP) || ip->version != 4 || ip->ihl < 5)
		return false;
	p->ip = ip;
	p->len = bpf_ntohs(ip->tot_len);
	p->spi = 0;
	p->k.saddr = ip->saddr;
	p->k.daddr = ip->daddr;
	p->k.sport = 0;
	p->k.dport = 0;
	p->k.proto = ip->protocol;
	p->k.dir = dir;
	p->k.pad = 0;
	if (ip->frag_off & bpf_htons(0x1fff))
		return true;	/* not the first fragment: no L4 header */
	l4 = (void *)ip + ip->ihl * 4;
	if ((void *)(l4 + 2) > data_end)
		return true;
	if (ip->protocol == IPPROTO_TCP || ip->protocol == IPPROTO_UDP ||
	    ip->protocol == IPPROTO_ESP) {
		p->k.sport = l4[0];
		p->k.dport = l4[1];
	}
	if (ip->protocol == IPPROTO_ESP)
		p->spi = ((__u32)bpf_ntohs(l4[0]) << 16) | bpf_ntohs(l4[1]);
	return true;
}

static __always_inline struct tenc_cfg *cfg(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&tenc_cfg, &zero);
}

/* Marks are set only with CFG_F_ENCRYPT; without it tenc observes. */
static __always_inline int encrypt_on(const struct tenc_cfg *c)
{
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

static __always_inline void emit(const struct flow_key *k, const struct flow_val *v, __u8 old,
				 __u8 hook, __u64 now)
{
	__u32 zero = 0;
	__u32 *reader = bpf_map_lookup_elem(&tracing, &zero);
	struct tenc_stats *st;
	struct flow_event *e;

	if (!reader || !*reader)
		return;		/* nobody traces */
	st = bpf_map_lookup_elem(&stats, &zero);
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		if (st)
			__sync_fetch_and_add(&st->events_lost, 1);
		return;
	}
	e->ts_ns = now;
	e->key = *k;
	e->peer_id = v->peer_id;
	e->spi = v->spi;
	e->verdict = v->verdict;
	e->old_verdict = old;
	e->seen = v->seen;
	e->hook = hook;
	e->pad = 0;
	bpf_ringbuf_submit(e, 0);
	if (st)
		__sync_fetch_and_add(&st->events, 1);
}

/* What one observation says of a flow. */
struct obs {
	__u8 verdict, seen, spi, hook;
	__u16 peer_id;
};

/* Account one packet to its flow. A violation is sticky (a flow that leaked
 * once stays reported until the table is reset); otherwise the newest
 * verdict wins. A flow the pod side counts is not counted again on the
 * underlay when it leaks there. */
static __always_inline void account(struct pkt *p, const struct obs *o)
{
	__u64 j = bpf_jiffies64();	/* inlined: no helper call per packet */
	struct flow_val *f = bpf_map_lookup_elem(&flows, &p->k);
	__u8 old;

	if (!f) {
		__u64 now = bpf_ktime_get_ns();
		struct flow_val nv = {
			.first_ns = now, .first_j = j, .last_j = j, .packets = 1, .bytes = p->len,
			.peer_id = o->peer_id, .spi = o->spi, .verdict = o->verdict, .seen = o->seen,
		};
		__u32 zero = 0;
		struct tenc_stats *st;

		if (!bpf_map_update_elem(&flows, &p->k, &nv, BPF_NOEXIST)) {
			st = bpf_map_lookup_elem(&stats, &zero);
			if (st) {
				__sync_fetch_and_add(&st->flows_new, 1);
				if (!st->anchor_ns) {
					st->anchor_j = j;
					st->anchor_ns = now;
				}
				st->latest_j = j;
				st->latest_ns = now;
			}
			emit(&p->k, &nv, V_NONE, o->hook, now);
			return;
		}
		f = bpf_map_lookup_elem(&flows, &p->k);	/* another CPU won */
		if (!f)
			return;
	}
	if (f->last_j != j)
		f->last_j = j;
	if (o->hook != HOOK_TO_WIRE || !(f->seen & SEEN_POD)) {
		__sync_fetch_and_add(&f->packets, 1);
		__sync_fetch_and_add(&f->bytes, p->len);
	}
	/* The rest rarely changes: write only what does. */
	if ((f->seen | o->seen) != f->seen)
		f->seen |= o->seen;
	if (o->peer_id && f->peer_id != o->peer_id)
		f->peer_id = o->peer_id;
	if (o->spi && f->spi != o->spi)
		f->spi = o->spi;
	old = f->verdict;
	if (old != o->verdict && old != V_VIOLATION) {
		f->verdict = o->verdict;
		emit(&p->k, f, old, o->hook, bpf_ktime_get_ns());
	}
}

/* In scope: an ipcache entry that is not LOCAL, i.e. a peer's cidr or node
 * ip, a declared subnet, or an entry without key. */
static __always_inline bool in_scope(const struct ipcache_val *v)
{
	return v && !(v->flags & IPC_F_LOCAL);
}

/* Ingress of a pod-facing device: mark traffic to a peer for its OUT SA. */
SEC("tc")
int tenc_from_pod(struct __sk_buff *skb)
{
	struct tenc_cfg *c = cfg();
	struct obs o = { .hook = HOOK_POD, .seen = SEEN_POD };
	struct ipcache_val *v;
	struct pkt p;

	if (!parse(skb, &p, FLOW_OUT))
		return TC_ACT_OK;
	v = ipcache_find(p.k.daddr);
	if (!v) {
		o.verdict = (c && c->node_ip == p.k.daddr) ? V_LOCAL : V_PLAINTEXT;
	} else if (v->flags & IPC_F_LOCAL) {
		o.verdict = V_LOCAL;
	} else if ((v->flags & IPC_F_SUBNET) && encrypt_on(c)) {
		/* A pod subnet, no peer owns this address: the default drop. */
		set_mark(skb, TENC_MARK_ENCRYPT);
		o.verdict = V_DROPPED;
	} else if (!encrypt_on(c) || (v->flags & (IPC_F_NOKEY | IPC_F_SUBNET)) ||
		   v->spi < TENC_SPI_MIN || v->spi > TENC_SPI_MAX || !v->peer_id) {
		/* In scope, but it will not be marked: it leaves in plaintext. */
		o.verdict = V_VIOLATION;
		o.seen |= SEEN_UNMARKED;
		o.peer_id = v->peer_id;
	} else {
		set_mark(skb, TENC_MARK_OUT(v->spi, v->peer_id));
		o.verdict = V_ENCRYPTED;
		o.peer_id = v->peer_id;
		o.spi = v->spi;
	}
	if (v && (v->flags & IPC_F_NODE))
		o.seen |= SEEN_NODE;
	account(&p, &o);
	return TC_ACT_OK;
}

/* Ingress of the underlay: tell the IN SA which peer sent an ESP packet;
 * account ESP, decrypted traffic, and plaintext from a peer's pods. */
SEC("tc")
int tenc_from_wire(struct __sk_buff *skb)
{
	struct obs o = { .hook = HOOK_FROM_WIRE };
	struct ipcache_val *s, *d;
	struct pkt p;

	if (!parse(skb, &p, FLOW_IN))
		return TC_ACT_OK;
	s = ipcache_find(p.k.saddr);
	if (p.k.proto == IPPROTO_ESP) {
		if (!s || !(s->flags & IPC_F_NODE) || !s->peer_id)
			return TC_ACT_OK;	/* not from a peer: not ours */
		if (encrypt_on(cfg()))
			set_mark(skb, TENC_MARK_IN(s->peer_id));
		o.verdict = V_ENCRYPTED;
		o.seen = SEEN_WIRE_ESP | SEEN_NODE;
		o.peer_id = s->peer_id;
		o.spi = p.spi <= TENC_SPI_MAX ? p.spi : 0;
	} else if ((skb->mark & TENC_MARK_TYPE_MASK) == TENC_MARK_DECRYPT) {
		/* Back from the IN SA: XFRM re-injects the inner packet here. */
		o.verdict = V_ENCRYPTED;
		o.seen = SEEN_DECRYPTED;
		o.peer_id = skb->mark >> TENC_MARK_PEER_SHIFT;
	} else {
		d = ipcache_find(p.k.daddr);
		/* Plaintext from a peer's pod, or from a peer node to our pods. */
		if (!in_scope(s) || ((s->flags & IPC_F_NODE) && !(d && (d->flags & IPC_F_LOCAL))))
			return TC_ACT_OK;
		o.verdict = V_VIOLATION;
		o.seen = SEEN_WIRE_PLAIN | ((s->flags & IPC_F_NODE) ? SEEN_NODE : 0);
		o.peer_id = s->peer_id;
	}
	account(&p, &o);
	return TC_ACT_OK;
}

/* Egress of the underlay: what leaves the node, ESP or a leak. */
SEC("tc")
int tenc_to_wire(struct __sk_buff *skb)
{
	struct obs o = { .hook = HOOK_TO_WIRE };
	struct ipcache_val *s, *d;
	struct pkt p;

	if (!parse(skb, &p, FLOW_OUT))
		return TC_ACT_OK;
	d = ipcache_find(p.k.daddr);
	if (p.k.proto == IPPROTO_ESP) {
		if (!d || !(d->flags & IPC_F_NODE) || !d->peer_id)
			return TC_ACT_OK;	/* not to a peer: not ours */
		o.verdict = V_ENCRYPTED;
		o.seen = SEEN_WIRE_ESP | SEEN_NODE;
		o.peer_id = d->peer_id;
		o.spi = p.spi <= TENC_SPI_MAX ? p.spi : 0;
	} else {
		if (!in_scope(d))
			return TC_ACT_OK;
		if (d->flags & IPC_F_NODE) {
			/* Node to node is the underlay itself; a pod's is not. */
			s = ipcache_find(p.k.saddr);
			if (!s || !(s->flags & IPC_F_LOCAL))
				return TC_ACT_OK;
		}
		o.verdict = V_VIOLATION;
		o.seen = SEEN_WIRE_PLAIN | ((d->flags & IPC_F_NODE) ? SEEN_NODE : 0);
		o.peer_id = d->peer_id;
	}
	account(&p, &o);
	return TC_ACT_OK;
}
