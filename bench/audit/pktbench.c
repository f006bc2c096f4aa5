// SPDX-License-Identifier: GPL-2.0
/* pktbench.c: `bpfbench pkt` (bench/audit/bpfbench.c says what it
 * measures): tenc's programs, loaded as `tenc enable` loads them, and the
 * baselines (baseline.bpf.c) on the same maps, run on crafted frames with
 * BPF_PROG_TEST_RUN, both ipcaches filled as tenc fills them; every run is
 * checked (its mark, its flow's verdict and packet count). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/pkt_cls.h>
#include <linux/tcp.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "addr.h"
#include "bpfdp.h"
#include "bpfbench.h"
#include "baseline.skel.h"

/* A 98-byte Ethernet + IP frame. */
struct frame {
	unsigned char pad[2];	/* so that the IPv4 header is 4-byte aligned */
	unsigned char b[98];
} __attribute__((aligned(4)));

static void eth(struct frame *f, uint16_t ethertype)
{
	struct ethhdr *e = (void *)f->b;

	memset(f, 0, sizeof(*f));
	memcpy(e->h_dest, "\x02\0\0\0\0\x02", ETH_ALEN);
	memcpy(e->h_source, "\x02\0\0\0\0\x01", ETH_ALEN);
	e->h_proto = htons(ethertype);
}

/* ESP's first 8 bytes: spi 1, sequence number 7. */
static void esp_hdr(unsigned char *l4)
{
	uint32_t esp[2] = { htonl(1), htonl(7) };

	memcpy(l4, esp, sizeof(esp));
}

/* IPv4 with a TCP (40000 -> 5201) or an ESP header. */
static void mkframe(struct frame *f, uint32_t src, uint32_t dst, uint8_t proto)
{
	struct iphdr *ip = (void *)(f->b + ETH_HLEN);
	struct tcphdr *t = (void *)(ip + 1);

	eth(f, ETH_P_IP);
	ip->version = 4;
	ip->ihl = 5;
	ip->tot_len = htons(sizeof(f->b) - ETH_HLEN);
	ip->ttl = 64;
	ip->protocol = proto;
	ip->saddr = src;
	ip->daddr = dst;
	ip->check = ip_csum(ip, sizeof(*ip));
	if (proto != IPPROTO_TCP) {
		esp_hdr((void *)t);
		return;
	}
	t->source = htons(40000);
	t->dest = htons(5201);
	t->doff = 5;
	t->ack = 1;
}

/* IPv6 with UDP 40000 -> 5201 after a hop-by-hop header (8 bytes, PadN),
 * or with ESP. */
static void mkframe6(struct frame *f, const struct in6_addr *src, const struct in6_addr *dst, uint8_t proto)
{
	struct ipv6hdr *ip6 = (void *)(f->b + ETH_HLEN);
	unsigned char *hop = (unsigned char *)(ip6 + 1);
	uint16_t ports[2] = { htons(40000), htons(5201) };

	eth(f, ETH_P_IPV6);
	ip6->version = 6;
	ip6->payload_len = htons(sizeof(f->b) - ETH_HLEN - sizeof(*ip6));
	ip6->hop_limit = 64;
	ip6->saddr = *src;
	ip6->daddr = *dst;
	ip6->nexthdr = proto == IPPROTO_ESP ? IPPROTO_ESP : 0;	/* 0: hop-by-hop */
	if (proto == IPPROTO_ESP) {
		esp_hdr(hop);
		return;
	}
	hop[0] = IPPROTO_UDP;
	hop[2] = 1;		/* PadN, 4 bytes */
	hop[3] = 4;
	memcpy(hop + 8, ports, sizeof(ports));
}

/* The benchmark's IPv6 addresses: hi the first 64 bits, lo the last 32. */
static struct in6_addr addr6(uint64_t hi, uint32_t lo)
{
	struct in6_addr a = { 0 };
	uint32_t h[2] = { htonl(hi >> 32), htonl((uint32_t)hi) };

	memcpy(a.s6_addr, h, sizeof(h));
	a.s6_addr32[3] = htonl(lo);
	return a;
}

#define NODE6(i)	addr6(0xfd00ac1000000000ull, (i))	/* peer i's node ip, /128 */
#define POD6(i, h)	addr6(0xfd0a000000000000ull | (i), (h))	/* its pod cidr, /64 */
#define LOCAL6(h)	addr6(0xfd0bff0100000000ull, (h))	/* this node's pods, /64 */

/* One entry of each family, the same value. */
static void put2(int ipc, int ipc6, uint32_t a4, uint8_t l4, struct in6_addr a6, uint8_t l6,
		 const struct ipcache_val *v)
{
	if (ipcache_update(ipc, a4, l4, v) || ipcache6_update(ipc6, a6.s6_addr, l6, v))
		exit(1);
}

/* Both ipcaches, entries each, as tenc writes them (lib/model/plan.c):
 * the local pod cidr (LOCAL), then per peer i (1..) its node ip (NODE)
 * and its pod cidr, peer id i and SPI 1, until full. IPv4: 172.16.0.0+i
 * /32 and 10.0.0.0+i*256 /24; IPv6: NODE6(i) /128 and POD6(i) /64. */
static void fill_ipcaches(int ipc, int ipc6, size_t entries, uint32_t local, struct peers *ps)
{
	struct ipcache_val lv = { .flags = IPC_F_LOCAL };
	size_t n = 1;

	memset(ps, 0, sizeof(*ps));
	if (entries / 2 > TENC_PEER_ID_MAX || entries / 2 < 2)
		die("%zu entries: 2 per peer, peer ids 1..%d", entries, TENC_PEER_ID_MAX);
	ps->v = calloc(entries / 2, sizeof(*ps->v));
	if (!ps->v)
		die("out of memory");
	put2(ipc, ipc6, local, 24, LOCAL6(0), 64, &lv);
	for (uint32_t i = 1; n < entries; i++) {
		struct ipcache_val v = { .peer_id = (uint16_t)i, .spi = 1, .flags = IPC_F_NODE };
		struct bpeer *p = &ps->v[ps->n++];

		*p = (struct bpeer){ .id = (uint16_t)i, .spi = 1, .flags = IPC_F_NODE, .node_ip = htonl(0xac100000u + i) };
		put2(ipc, ipc6, p->node_ip, 32, NODE6(i), 128, &v);
		if (++n == entries)
			break;
		v.flags = 0;
		p->cidr = htonl(0x0a000000u + i * 256);
		put2(ipc, ipc6, p->cidr, 24, POD6(i, 0), 64, &v);
		n++;
	}
	ps->local = local;
	ps->entries = n;
}

/* n other IPv6 flows in flows6 (OTHER_FLOWS, as many as in flows; under
 * half its size: an LRU hash evicts before it is full): out UDP from local
 * pods to peers' pods, encrypted. */
static void fill_flows6(int fd, const struct peers *ps, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct bpeer *p = &ps->v[i % ps->n];
		struct in6_addr s = LOCAL6(3 + (uint32_t)(i >> 16)), d = POD6(p->id, 9);
		struct flow_key6 k = { .sport = htons((uint16_t)i), .dport = htons(53), .proto = IPPROTO_UDP,
				       .dir = FLOW_OUT };
		struct flow_val v = { .packets = 1, .bytes = 100, .peer_id = p->id, .spi = 1,
				      .verdict = V_ENCRYPTED, .seen = SEEN_POD };

		memcpy(k.saddr, &s, 16);
		memcpy(k.daddr, &d, 16);
		if (bpf_map_update_elem(fd, &k, &v, BPF_ANY))
			die("flows6: update: %s", strerror(errno));
	}
}

/* Other flows in each family's table, besides the measured ones: the
 * same number in flows and flows6, so that the two families' flow lookups
 * are measured on tables as full (100000, the audit's scale). */
#define OTHER_FLOWS	100000

/* The measured frames, and the flows they count to. */
enum { F_TCP, F_ESP, F_UDP6, F_ESP6, F__COUNT };

struct run {
	const char *name;
	int fd;
	int frame;		/* F_* */
	bool counts;		/* a tenc program (or step 4): counts its frame's flow */
	__u32 mark;		/* the mark it must leave */
	__u32 ns[64];
};

/* Run fd on f repeat times; mean ns per run; *mark the mark after. */
static __u32 testrun(int fd, struct frame *f, unsigned long repeat, __u32 *mark)
{
	struct __sk_buff ctx = { 0 };
	int r;

	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f->b, .data_size_in = sizeof(f->b),
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .ctx_out = &ctx,
		    .ctx_size_out = sizeof(ctx), .repeat = (int)repeat);
	r = bpf_prog_test_run_opts(fd, &o);
	if (r)
		die("BPF_PROG_TEST_RUN: %s", strerror(-r));
	if (o.retval != TC_ACT_OK)
		die("a program returned %u, not TC_ACT_OK", o.retval);
	*mark = ctx.mark;
	return o.duration;
}

/* The flow (out) of frame f, from the map of its family (fds[0] flows,
 * fds[1] flows6). */
static void flow_get(const int fds[2], const struct frame *f, struct flow_val *v)
{
	const struct ipv6hdr *ip6 = (const void *)(f->b + ETH_HLEN);
	const struct iphdr *ip = (const void *)ip6;
	const unsigned char *l6 = (const unsigned char *)(ip6 + 1) + (ip6->nexthdr ? 0 : 8);
	const uint16_t *l4 = (const void *)(ip + 1);
	struct flow_key k = { .saddr = ip->saddr, .daddr = ip->daddr, .sport = l4[0], .dport = l4[1],
			      .proto = ip->protocol, .dir = FLOW_OUT };
	struct flow_key6 k6 = { .proto = ip6->nexthdr ? ip6->nexthdr : l6[-8], .dir = FLOW_OUT };
	bool v6 = ip6->version == 6;

	memcpy(k6.saddr, &ip6->saddr, 16);
	memcpy(k6.daddr, &ip6->daddr, 16);
	memcpy(&k6.sport, l6, 2);
	memcpy(&k6.dport, l6 + 2, 2);
	if (bpf_map_lookup_elem(fds[v6], v6 ? (void *)&k6 : (void *)&k, v))
		die("a measured flow is not in the %s table: %s", v6 ? "IPv6" : "IPv4", strerror(errno));
}

static int cmp_u32(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

static double median(const __u32 *v, int n)
{
	__u32 s[64];

	memcpy(s, v, n * sizeof(*v));
	qsort(s, n, sizeof(*s), cmp_u32);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2.0;
}

static void print_run(const struct run *r, int rounds, bool last)
{
	printf("    \"%s\": {\"median_ns\": %.1f, \"rounds_ns\": [", r->name, median(r->ns, rounds));
	for (int i = 0; i < rounds; i++)
		printf("%s%u", i ? ", " : "", r->ns[i]);
	printf("]}%s\n", last ? "" : ",");
}

/* What is measured (bpfbench.c's list); m: the mark towards the peer. */
static int runs_init(struct run *r, const struct baseline *bl, int from_pod, int to_wire, __u32 m)
{
	int n = 0;

#define RUN(nm, fd, fr, c, mk) (r[n++] = (struct run){ nm, fd, fr, c, mk, { 0 } })
	RUN("empty", bpf_program__fd(bl->progs.bench_empty), F_TCP, false, 0);
	RUN("lookup_pod", bpf_program__fd(bl->progs.bench_lookup), F_TCP, false, 0);
	RUN("step1_no_accounting", bpf_program__fd(bl->progs.bench_step1), F_TCP, false, m);
	RUN("step2_flow_lookup", bpf_program__fd(bl->progs.bench_step2), F_TCP, false, m);
	RUN("step3_clock", bpf_program__fd(bl->progs.bench_step3), F_TCP, false, m);
	RUN("step4_atomics", bpf_program__fd(bl->progs.bench_step4), F_TCP, true, m);
	RUN("from_pod", from_pod, F_TCP, true, m);
	RUN("lookup_esp", bpf_program__fd(bl->progs.bench_lookup), F_ESP, false, 0);
	RUN("to_wire", to_wire, F_ESP, true, 0);
	RUN("ktime_clock", bpf_program__fd(bl->progs.bench_ktime), F_TCP, true, m);
	RUN("lookup_pod6", bpf_program__fd(bl->progs.bench_lookup6), F_UDP6, false, 0);
	RUN("from_pod6", from_pod, F_UDP6, true, m);
	RUN("lookup_esp6", bpf_program__fd(bl->progs.bench_lookup6), F_ESP6, false, 0);
	RUN("to_wire6", to_wire, F_ESP6, true, 0);
	RUN("step6_0_fixed_header", bpf_program__fd(bl->progs.bench_step6_0), F_UDP6, false, m);
	RUN("step6_1_no_accounting", bpf_program__fd(bl->progs.bench_step6_1), F_UDP6, false, m);
	RUN("step6_2_flow_lookup", bpf_program__fd(bl->progs.bench_step6_2), F_UDP6, false, m);
	RUN("step6_3_clock", bpf_program__fd(bl->progs.bench_step6_3), F_UDP6, false, m);
	RUN("step6_4_atomics", bpf_program__fd(bl->progs.bench_step6_4), F_UDP6, true, m);
#undef RUN
	return n;
}

/* The flows the frames count to, read into v[F__COUNT]. */
static void flows_get(const int fds[2], struct frame *fr, struct flow_val *v)
{
	for (int i = 0; i < F__COUNT; i++)
		flow_get(fds, &fr[i], &v[i]);
}

static void warm_up(const struct run *runs, int nruns, struct frame *fr, unsigned long repeat)
{
	__u32 mark;

	for (int j = 0; j < nruns; j++)
		testrun(runs[j].fd, &fr[runs[j].frame], repeat / 10 ? repeat / 10 : 1, &mark);
}

/* The rounds: each run repeat times per round, in an order that turns
 * (no program always runs first, or after the same one); every run's
 * mark is checked; counted[f] the packets frame f's flow must have got. */
static void rounds_run(struct run *runs, int nruns, struct frame *fr, unsigned long repeat, int rounds,
		       uint64_t *counted)
{
	__u32 mark;

	for (int r = 0; r < rounds; r++) {
		for (int j = 0; j < nruns; j++) {
			struct run *x = &runs[(r + j) % nruns];

			x->ns[r] = testrun(x->fd, &fr[x->frame], repeat, &mark);
			if (mark != x->mark)
				die("%s marked 0x%08x, not 0x%08x", x->name, mark, x->mark);
			if (x->counts)
				counted[x->frame] += repeat;
		}
		fprintf(stderr, "bpfbench: round %d/%d:", r + 1, rounds);
		for (int j = 0; j < nruns; j++)
			fprintf(stderr, " %s %u", runs[j].name, runs[j].ns[r]);
		fprintf(stderr, " ns\n");
	}
}

/* The measured frames: from a local pod to a pod of peer p (TCP; IPv6 UDP
 * after a hop-by-hop header), and ESP from this node to p's node ip. */
static void frames(struct frame *fr, const struct bpeer *p, uint32_t node_ip, uint32_t local)
{
	struct in6_addr me = LOCAL6(2), pod = POD6(p->id, 7), node6 = NODE6(0xffffffff), peer6 = NODE6(p->id);

	mkframe(&fr[F_TCP], htonl(ntohl(local) + 2), htonl(ntohl(p->cidr) + 7), IPPROTO_TCP);
	mkframe(&fr[F_ESP], node_ip, p->node_ip, IPPROTO_ESP);
	mkframe6(&fr[F_UDP6], &me, &pod, IPPROTO_UDP);
	mkframe6(&fr[F_ESP6], &node6, &peer6, IPPROTO_ESP);
}

/* Steady state: every frame's flow exists, encrypted, for peer id. */
static void steady(int from_pod, int to_wire, const int fds[2], struct frame *fr, uint16_t id)
{
	struct flow_val v[F__COUNT];
	__u32 mark;

	for (int i = 0; i < F__COUNT; i++) {
		testrun(i == F_ESP || i == F_ESP6 ? to_wire : from_pod, &fr[i], 1, &mark);
		if (mark != (i == F_ESP || i == F_ESP6 ? 0 : TENC_MARK_OUT(1, id)))
			die("frame %d: marked 0x%08x", i, mark);
	}
	flows_get(fds, fr, v);
	for (int i = 0; i < F__COUNT; i++)
		if (v[i].verdict != V_ENCRYPTED || v[i].peer_id != id)
			die("frame %d: the flow's verdict is %u (peer %u), not encrypted (peer %u)", i,
			    v[i].verdict, v[i].peer_id, id);
}

static struct baseline *baseline_on(int ipc, int ipc6, const int flows[2], int cfgfd)
{
	struct baseline *bl = baseline__open();

	if (!bl)
		die("open the baseline object: %s", strerror(errno));
	if (bpf_map__reuse_fd(bl->maps.ipcache, ipc) || bpf_map__reuse_fd(bl->maps.ipcache6, ipc6) ||
	    bpf_map__reuse_fd(bl->maps.flows, flows[0]) || bpf_map__reuse_fd(bl->maps.flows6, flows[1]) ||
	    bpf_map__reuse_fd(bl->maps.tenc_cfg, cfgfd))
		die("reuse tenc's maps for the baseline: %s", strerror(errno));
	if (baseline__load(bl))
		die("load the baseline programs: %s", strerror(errno));
	return bl;
}

static size_t count_flows6(int fd)
{
	struct flow_key6 k[2];
	size_t n = 0;

	while (!bpf_map_get_next_key(fd, n ? &k[n % 2] : NULL, &k[(n + 1) % 2]))
		n++;
	return n;
}

static void print_json(const struct run *runs, int nruns, int rounds, const struct peers *ps,
		       const int flows[2], unsigned long repeat, uint16_t id)
{
	printf("{\n  \"ipcache_entries\": %zu,\n  \"ipcache6_entries\": %zu,\n  \"peers\": %zu,\n"
	       "  \"flows_in_table\": %zu,\n  \"flows6_in_table\": %zu,\n  \"repeat\": %lu,\n"
	       "  \"rounds\": %d,\n  \"measured_peer\": %u,\n  \"runs\": {\n",
	       ps->entries, ps->entries, ps->n, count_flows(flows[0]), count_flows6(flows[1]), repeat, rounds, id);
	for (int j = 0; j < nruns; j++)
		print_run(&runs[j], rounds, j == nruns - 1);
	printf("  }\n}\n");
}

void pkt(const char *bpffs, size_t entries, unsigned long repeat, int rounds)
{
	const uint32_t node_ip = htonl(0xac1fff01);	/* 172.31.255.1: this node */
	const uint32_t local = htonl(0x0aff0100);	/* 10.255.1.0/24: its pods */
	struct tenc_cfg cfg = { .node_ip = node_ip, .flags = CFG_F_ENCRYPT };
	struct flow_val before[F__COUNT], after[F__COUNT];
	uint64_t counted[F__COUNT] = { 0 };
	struct frame fr[F__COUNT];
	struct run runs[24];
	struct peers ps;
	struct baseline *bl;
	int ipc, ipc6, fds[2], from_pod, to_wire, cfgfd, nruns;
	uint16_t id;

	if (bpfdp_load(bpffs))
		die("loading tenc's programs into %s", bpffs);
	if (cfg_write(bpffs, &cfg) || (ipc = ipcache_open(bpffs)) < 0 || (ipc6 = ipcache6_open(bpffs)) < 0)
		exit(1);
	fds[0] = pin(bpffs, "flows");
	fds[1] = pin(bpffs, "flows6");
	from_pod = pin(bpffs, "prog_from_pod");
	to_wire = pin(bpffs, "prog_to_wire");
	cfgfd = pin(bpffs, "tenc_cfg");
	fill_ipcaches(ipc, ipc6, entries, local, &ps);
	fill_flows(fds[0], &ps, node_ip, OTHER_FLOWS);
	fill_flows6(fds[1], &ps, OTHER_FLOWS);
	id = ps.v[ps.n / 2].id;				/* the measured peer: in the middle */
	frames(fr, &ps.v[ps.n / 2], node_ip, local);
	bl = baseline_on(ipc, ipc6, fds, cfgfd);
	steady(from_pod, to_wire, fds, fr, id);
	nruns = runs_init(runs, bl, from_pod, to_wire, TENC_MARK_OUT(1, id));
	warm_up(runs, nruns, fr, repeat);
	flows_get(fds, fr, before);
	rounds_run(runs, nruns, fr, repeat, rounds, counted);
	flows_get(fds, fr, after);
	for (int i = 0; i < F__COUNT; i++)
		if (after[i].packets - before[i].packets != counted[i])
			die("frame %d's flow counted %llu packets, not %llu", i,
			    (unsigned long long)(after[i].packets - before[i].packets),
			    (unsigned long long)counted[i]);
	print_json(runs, nruns, rounds, &ps, fds, repeat, id);
	baseline__destroy(bl);
	close(from_pod);
	close(to_wire);
	close(fds[0]);
	close(fds[1]);
	close(cfgfd);
	close(ipc);
	close(ipc6);
	free(ps.v);
}
