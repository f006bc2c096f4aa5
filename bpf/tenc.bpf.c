// SPDX-License-Identifier: GPL-2.0
/* tenc.bpf.c: tenc's tc programs (docs/design.md, "BPF" and "Audit").
 * Owns: the ipcache, ipcache6, tenc_cfg, flows, flows6, events and stats
 * maps; which packets get which mark; the verdict each flow gets where it
 * is seen.
 * The programs never drop: they set skb->mark or leave it alone, and always
 * return TC_ACT_OK; failing closed is XFRM's job (the default-drop policy).
 * Both families are marked and accounted at every hook by the same
 * decisions (pod_entry, from_wire_obs, to_wire_obs), IPv4 through the
 * ipcache and flows, IPv6 through ipcache6 and flows6. IPv6 is parsed
 * past extension headers (up to TENC_V6_EXT_MAX); link-local, multicast,
 * neighbour discovery and MLD are never marked and are not flows, whatever
 * ipcache6 holds. Anything else passes untouched.
 * Per packet: one or two LPM lookups and one flow table update; an event
 * only when a flow starts or its verdict changes. */
#include <stdbool.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
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

/* The longest ipcache6 prefix holding the IPv6 address at a. */
static __always_inline struct ipcache_val *ipcache6_find(const __u8 *a)
{
	struct ipcache_key6 k = { .prefixlen = 128 };

	__builtin_memcpy(k.addr, a, sizeof(k.addr));
	return bpf_map_lookup_elem(&ipcache6, &k);
}

/* Either family's: a points at the address in its flow key. */
static __always_inline struct ipcache_val *ipc_find(const void *a, bool v6)
{
	return v6 ? ipcache6_find(a) : ipcache_find(*(const __u32 *)a);
}

/* tenc owns bits 8-31; bits 0-7 belong to others and are kept. */
static __always_inline void set_mark(struct __sk_buff *skb, __u32 mark)
{
	skb->mark = (skb->mark & ~TENC_MARK_OUT_MASK) | mark;
}

/* Reserve an event record of the key's family, its key filled in. */
static __always_inline void *event_new(const void *key, bool v6)
{
	struct flow_event6 *e6;
	struct flow_event *e;

	if (v6) {
		e6 = bpf_ringbuf_reserve(&events, sizeof(*e6), 0);
		if (e6)
			__builtin_memcpy(&e6->key, key, sizeof(e6->key));
		return e6;
	}
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (e)
		e->key = *(const struct flow_key *)key;
	return e;
}

/* The fields after the key, the same in both records. */
#define EVENT_TAIL(e, v, old, hook, now)				\
	do {								\
		(e)->ts_ns = (now);					\
		(e)->peer_id = (v)->peer_id;				\
		(e)->spi = (v)->spi;					\
		(e)->verdict = (v)->verdict;				\
		(e)->old_verdict = (old);				\
		(e)->seen = (v)->seen;					\
		(e)->hook = (hook);					\
		(e)->pad = 0;						\
	} while (0)

static __always_inline void emit(const void *k, bool v6, const struct flow_val *v, __u8 old,
				 __u8 hook, __u64 now)
{
	__u32 zero = 0;
	__u32 *reader = bpf_map_lookup_elem(&tracing, &zero);
	struct tenc_stats *st;
	void *e;

	if (!reader || !*reader)
		return;		/* nobody traces */
	st = bpf_map_lookup_elem(&stats, &zero);
	e = event_new(k, v6);
	if (!e) {
		if (st)
			__sync_fetch_and_add(&st->events_lost, 1);
		return;
	}
	if (v6)
		EVENT_TAIL((struct flow_event6 *)e, v, old, hook, now);
	else
		EVENT_TAIL((struct flow_event *)e, v, old, hook, now);
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
static __always_inline void account_in(void *map, const void *key, bool v6, __u32 len,
				       const struct obs *o)
{
	__u64 j = bpf_jiffies64();	/* inlined: no helper call per packet */
	struct flow_val *f = bpf_map_lookup_elem(map, key);
	__u8 old;

	if (!f) {
		__u64 now = bpf_ktime_get_ns();
		struct flow_val nv = {
			.first_ns = now, .first_j = j, .last_j = j, .packets = 1, .bytes = len,
			.peer_id = o->peer_id, .spi = o->spi, .verdict = o->verdict, .seen = o->seen,
		};
		__u32 zero = 0;
		struct tenc_stats *st;

		if (!bpf_map_update_elem(map, key, &nv, BPF_NOEXIST)) {
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
			emit(key, v6, &nv, V_NONE, o->hook, now);
			return;
		}
		f = bpf_map_lookup_elem(map, key);	/* another CPU won */
		if (!f)
			return;
	}
	if (f->last_j != j)
		f->last_j = j;
	if (o->hook != HOOK_TO_WIRE || !(f->seen & SEEN_POD)) {
		__sync_fetch_and_add(&f->packets, 1);
		__sync_fetch_and_add(&f->bytes, len);
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
		emit(key, v6, f, old, o->hook, bpf_ktime_get_ns());
	}
}

static __always_inline void account(struct pkt *p, const struct obs *o)
{
	account_in(&flows, &p->k, false, p->len, o);
}

/* ---- IPv6 parsing ---- */

/* A parsed IPv6 packet: its flow key, its length as IP total length.
 * 8-byte aligned: parse6 writes the key's addresses 8 bytes at a time. */
struct pkt6 {
	struct flow_key6 k;
	__u32 len;
	__u32 spi;		/* ESP only, host order */
} __attribute__((aligned(8)));

/* Link-local (fe80::/10) or multicast (ff00::/8): never a flow. */
static __always_inline bool v6_link_or_mcast(const struct in6_addr *a)
{
	return a->s6_addr[0] == 0xff || (a->s6_addr[0] == 0xfe && (a->s6_addr[1] & 0xc0) == 0x80);
}

/* ICMPv6 types of neighbour discovery (RS, RA, NS, NA, redirect; inverse
 * ND; SEND; multicast router discovery) and MLD (130-132, 143): bit
 * type - 130. Never flows, whatever the addresses. */
#define ICMP6_LINK_TYPES	0xEC38FFu

static __always_inline bool icmp6_link_type(__u8 t)
{
	return t >= 130 && t <= 153 && ((ICMP6_LINK_TYPES >> (t - 130)) & 1);
}

/* Step over the extension header of type nh at h: its length, 0 when nh
 * is not one (the L4 header, or what cannot be skipped), -1 for a
 * fragment that is not the first (no L4 header in it). */
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

/* The L4 header: TCP and UDP ports, ESP's SPI (in the ports too, as
 * parse), the ICMPv6 type. false: a link message (ND, MLD), not a flow. */
static __always_inline bool parse6_l4(struct pkt6 *p, const __u8 *h, void *data_end)
{
	const __u16 *ports = (const __u16 *)h;

	if ((void *)(h + 4) > data_end)
		return true;	/* cut short: no ports */
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

/* The header's two addresses into the flow key, as they are (network
 * byte order), in four 8-byte loads and stores rather than eight 4-byte
 * loads merged into four stores. The loads are at offsets 22, 30, 38 and 46
 * of the frame: 8-byte aligned after the 2 bytes of NET_IP_ALIGN the
 * verifier counts where it enforces alignment. */
static __always_inline void addrs6(struct flow_key6 *k, const struct ipv6hdr *ip6)
{
	const __u64 *a = (const void *)&ip6->saddr;
	__u64 *w = (void *)k->saddr;

	w[0] = a[0];
	w[1] = a[1];
	w[2] = a[2];
	w[3] = a[3];
}

/* Parse an Ethernet frame holding IPv6 into p; false if it is not one, is
 * truncated before the L4 part, or is not a flow of the audit. */
static __always_inline bool parse6(struct __sk_buff *skb, struct pkt6 *p, __u8 dir)
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
#pragma unroll
	for (int i = 0; i < TENC_V6_EXT_MAX; i++) {
		const __u8 *h = data + off;
		int n;

		if ((void *)(h + 8) > data_end)
			break;	/* cut short (or the L4 header is): see below */
		n = ext_len(nh, h);
		if (n == 0)
			break;
		nh = h[0];
		if (n < 0) {	/* a later fragment: its protocol, no ports */
			p->k.proto = nh;
			return true;
		}
		off += n;
	}
	p->k.proto = nh;
	if (off > 0xffff)
		return true;
	/* nh still an extension header: the chain was longer than the bound
	 * or cut short; the flow is its next header, without ports. */
	return parse6_l4(p, data + off, data_end);
}

/* ---- what a packet is, for both families ---- */

/* In scope: an ipcache entry that is not LOCAL, i.e. a peer's cidr or node
 * ip, a declared subnet, or an entry without key. */
static __always_inline bool in_scope(const struct ipcache_val *v)
{
	return v && !(v->flags & IPC_F_LOCAL);
}

/* A pod's packet to an address of the ipcache entry v (either family's):
 * marked for the peer's OUT SA, the default drop, or not at all; o says
 * what the flow is. */
static __always_inline void pod_entry(struct __sk_buff *skb, const struct tenc_cfg *c,
				      const struct ipcache_val *v, struct obs *o)
{
	if (v->flags & IPC_F_LOCAL) {
		o->verdict = V_LOCAL;
	} else if ((v->flags & IPC_F_SUBNET) && encrypt_on(c)) {
		/* A pod subnet, no peer owns this address: the default drop. */
		set_mark(skb, TENC_MARK_ENCRYPT);
		o->verdict = V_DROPPED;
	} else if (!encrypt_on(c) || (v->flags & (IPC_F_NOKEY | IPC_F_SUBNET)) ||
		   v->spi < TENC_SPI_MIN || v->spi > TENC_SPI_MAX || !v->peer_id) {
		/* In scope, but it will not be marked: it leaves in plaintext. */
		o->verdict = V_VIOLATION;
		o->seen |= SEEN_UNMARKED;
		o->peer_id = v->peer_id;
	} else {
		set_mark(skb, TENC_MARK_OUT(v->spi, v->peer_id));
		o->verdict = V_ENCRYPTED;
		o->peer_id = v->peer_id;
		o->spi = v->spi;
	}
	if (v->flags & IPC_F_NODE)
		o->seen |= SEEN_NODE;
}

/* A packet on the underlay as its hooks look at it: where its parse put
 * the addresses (in its flow key, either family), the protocol and ESP's
 * SPI (read where they are used, as before IPv6 shared this code). */
struct wire {
	const void *saddr, *daddr;
	const __u32 *spi;
	const __u8 *proto;
	bool v6;
};

/* ESP between this node and peer (ESP is a flow of its own). */
static __always_inline void esp_obs(struct obs *o, __u16 peer, __u32 spi)
{
	o->verdict = V_ENCRYPTED;
	o->seen = SEEN_WIRE_ESP | SEEN_NODE;
	o->peer_id = peer;
	o->spi = spi <= TENC_SPI_MAX ? spi : 0;
}

/* Ingress of the underlay: tell the IN SA which peer sent an ESP packet
 * (the mark); what ESP, decrypted traffic and plaintext from a peer's pods
 * are. false: none of tenc's business. */
static __always_inline bool from_wire_obs(struct __sk_buff *skb, const struct wire *w, struct obs *o)
{
	struct ipcache_val *s = ipc_find(w->saddr, w->v6), *d;

	if (*w->proto == IPPROTO_ESP) {
		if (!s || !(s->flags & IPC_F_NODE) || !s->peer_id)
			return false;	/* not from a peer: not ours */
		if (encrypt_on(cfg()))
			set_mark(skb, TENC_MARK_IN(s->peer_id));
		esp_obs(o, s->peer_id, *w->spi);
		return true;
	}
	if ((skb->mark & TENC_MARK_TYPE_MASK) == TENC_MARK_DECRYPT) {
		/* Back from the IN SA: XFRM re-injects the inner packet here. */
		o->verdict = V_ENCRYPTED;
		o->seen = SEEN_DECRYPTED;
		o->peer_id = skb->mark >> TENC_MARK_PEER_SHIFT;
		return true;
	}
	d = ipc_find(w->daddr, w->v6);
	/* Plaintext from a peer's pod, or from a peer node to our pods. */
	if (!in_scope(s) || ((s->flags & IPC_F_NODE) && !(d && (d->flags & IPC_F_LOCAL))))
		return false;
	o->verdict = V_VIOLATION;
	o->seen = SEEN_WIRE_PLAIN | ((s->flags & IPC_F_NODE) ? SEEN_NODE : 0);
	o->peer_id = s->peer_id;
	return true;
}

/* Egress of the underlay: what leaves the node, ESP or a leak. false: none
 * of tenc's business. */
static __always_inline bool to_wire_obs(const struct wire *w, struct obs *o)
{
	struct ipcache_val *s, *d = ipc_find(w->daddr, w->v6);

	if (*w->proto == IPPROTO_ESP) {
		if (!d || !(d->flags & IPC_F_NODE) || !d->peer_id)
			return false;	/* not to a peer: not ours */
		esp_obs(o, d->peer_id, *w->spi);
		return true;
	}
	if (!in_scope(d))
		return false;
	if (d->flags & IPC_F_NODE) {
		/* Node to node is the underlay itself; a pod's is not. */
		s = ipc_find(w->saddr, w->v6);
		if (!s || !(s->flags & IPC_F_LOCAL))
			return false;
	}
	o->verdict = V_VIOLATION;
	o->seen = SEEN_WIRE_PLAIN | ((d->flags & IPC_F_NODE) ? SEEN_NODE : 0);
	o->peer_id = d->peer_id;
	return true;
}

/* ---- IPv6 at the hooks ---- */

/* An IPv6 packet from a pod: as IPv4's, through ipcache6; outside it,
 * plaintext (out of scope). tenc_cfg holds no IPv6 node ip: the node's
 * own IPv6 addresses are local when ipcache6 says so. */
static __always_inline void from_pod6(struct __sk_buff *skb, const struct tenc_cfg *c)
{
	struct obs o = { .hook = HOOK_POD, .seen = SEEN_POD, .verdict = V_PLAINTEXT };
	struct ipcache_val *v;
	struct pkt6 p;

	if (!parse6(skb, &p, FLOW_OUT))
		return;
	v = ipcache6_find(p.k.daddr);
	if (v)
		pod_entry(skb, c, v, &o);
	account_in(&flows6, &p.k, true, p.len, &o);
}

/* An IPv6 packet on the underlay, at hook HOOK_FROM_WIRE or HOOK_TO_WIRE. */
static __always_inline void wire6(struct __sk_buff *skb, __u8 hook)
{
	struct obs o = { .hook = hook };
	struct pkt6 p;
	struct wire w = { p.k.saddr, p.k.daddr, &p.spi, &p.k.proto, true };

	if (!parse6(skb, &p, hook == HOOK_FROM_WIRE ? FLOW_IN : FLOW_OUT))
		return;
	if (hook == HOOK_FROM_WIRE ? from_wire_obs(skb, &w, &o) : to_wire_obs(&w, &o))
		account_in(&flows6, &p.k, true, p.len, &o);
}

/* ---- the programs ---- */

/* Ingress of a pod-facing device: mark traffic to a peer for its OUT SA. */
SEC("tc")
int tenc_from_pod(struct __sk_buff *skb)
{
	struct tenc_cfg *c = cfg();
	struct obs o = { .hook = HOOK_POD, .seen = SEEN_POD };
	struct ipcache_val *v;
	struct pkt p;

	if (!parse(skb, &p, FLOW_OUT)) {
		from_pod6(skb, c);
		return TC_ACT_OK;
	}
	v = ipcache_find(p.k.daddr);
	if (!v)
		o.verdict = (c && c->node_ip == p.k.daddr) ? V_LOCAL : V_PLAINTEXT;
	else
		pod_entry(skb, c, v, &o);
	account(&p, &o);
	return TC_ACT_OK;
}

/* The wire view of a parsed IPv4 packet. */
#define WIRE4(p) ((struct wire){ &(p).k.saddr, &(p).k.daddr, &(p).spi, &(p).k.proto, false })

/* Ingress of the underlay (from_wire_obs). */
SEC("tc")
int tenc_from_wire(struct __sk_buff *skb)
{
	struct obs o = { .hook = HOOK_FROM_WIRE };
	struct pkt p;

	if (!parse(skb, &p, FLOW_IN)) {
		wire6(skb, HOOK_FROM_WIRE);
		return TC_ACT_OK;
	}
	if (from_wire_obs(skb, &WIRE4(p), &o))
		account(&p, &o);
	return TC_ACT_OK;
}

/* Egress of the underlay (to_wire_obs). */
SEC("tc")
int tenc_to_wire(struct __sk_buff *skb)
{
	struct obs o = { .hook = HOOK_TO_WIRE };
	struct pkt p;

	if (!parse(skb, &p, FLOW_OUT)) {
		wire6(skb, HOOK_TO_WIRE);
		return TC_ACT_OK;
	}
	if (to_wire_obs(&WIRE4(p), &o))
		account(&p, &o);
	return TC_ACT_OK;
}
