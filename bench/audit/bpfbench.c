// SPDX-License-Identifier: GPL-2.0
/* bpfbench: the BPF side of `make bench-audit` (bench/audit/run.sh).
 *
 *   bpfbench pkt BPFFS [ENTRIES [REPEAT [ROUNDS]]]
 *     Per-packet cost of tenc's programs with BPF_PROG_TEST_RUN. Loads
 *     tenc's programs into BPFFS as `tenc enable` does (bpfdp_load), turns
 *     encryption on in tenc_cfg, fills the ipcache with ENTRIES (100000)
 *     entries as tenc writes them (lib/model/plan.c: per peer its node ip /32
 *     NODE and its pod cidr /24, both with the peer id and SPI 1; one local
 *     pod cidr LOCAL), puts 100000 other flows in the flow table, and loads
 *     the baselines (baseline.bpf.c) on the same ipcache map
 *     (bpf_map__reuse_fd). Then, ROUNDS (7) times, each program runs REPEAT
 *     (1000000) times on its packet; the kernel's mean ns per run
 *     (bpf_test_run_opts.duration) is recorded. Measured:
 *       from_pod  tenc_from_pod, TCP from a local pod to a peer's pod, its
 *                 flow already in the table (steady state): marked;
 *       to_wire   tenc_to_wire, ESP from this node to a peer's node ip;
 *       empty     bench_empty (TC_ACT_OK) on the TCP packet;
 *       lookup_pod, lookup_esp   bench_lookup (one ipcache lookup of the
 *                 destination) on the TCP and on the ESP packet;
 *       step1..4  bench_step1..4 on the TCP packet: tenc_from_pod rebuilt
 *                 one step at a time (baseline.bpf.c), to show where the
 *                 difference to one lookup goes;
 *       ktime_clock   bench_ktime: step 4 with bpf_ktime_get_ns per packet.
 *     The baselines use tenc's own ipcache, tenc_cfg and flows maps.
 *     Checks that every run did what it should (the mark, the flow's
 *     verdict, packet counters moved by exactly REPEAT); prints JSON.
 *
 *   bpfbench ipc-fill BPFFS TOTAL
 *     Add /24 pod cidrs to the pinned ipcache until it holds TOTAL entries,
 *     round robin over the peers already there (their NODE entries), each
 *     with the peer id, SPI and flags (less NODE) tenc gave that peer.
 *     Cidrs from 10.148.0.0 up (past the gen_peers ranges).
 *
 *   bpfbench flows-fill BPFFS N
 *     Write N flows into the pinned flow table, for the peers in the
 *     ipcache, in a mix of what the programs record (see fill_flows).
 *
 *   bpfbench read BPFFS [walk]
 *     The raw read an audit cannot avoid, as a reference: the whole flow
 *     table (bpf_map_lookup_batch, 4096 at a time, as lib/kernel/flows.c) and the
 *     whole ipcache (bpf_map_lookup_batch too), no correlation, no output
 *     but the counts and seconds (JSON). With walk, also the ipcache walked
 *     as lib/kernel/bpfdp.c's ipcache_dump does it (get_next_key + lookup per
 *     entry), timed apart.
 *
 * Exit: 0 ok, 1 failed (a step failed, or a check did not hold), 2 usage. */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>
#include <linux/tcp.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "addr.h"
#include "bpfdp.h"
#include "tenc.h"
#include "baseline.skel.h"

#define die(...) do { fprintf(stderr, "bpfbench: " __VA_ARGS__); fputc('\n', stderr); exit(1); } while (0)

static unsigned long arg_num(const char *s, unsigned long min, unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || !*s || *end || v < min || v > max) {
		fprintf(stderr, "bpfbench: bad number '%s' (%lu..%lu)\n", s, min, max);
		exit(2);
	}
	return v;
}

static int pin(const char *bpffs, const char *name)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", bpffs, name);
	fd = bpf_obj_get(path);
	if (fd < 0)
		die("%s: %s", path, strerror(errno));
	return fd;
}

/* Peers as the ipcache holds them. */
struct bpeer {
	uint16_t id;
	uint8_t spi, flags;	/* of its node ip entry */
	uint32_t node_ip;	/* network order */
	uint32_t cidr;		/* one of its pod cidrs (network order), 0: none */
};

struct peers {
	struct bpeer *v;
	size_t n;
	uint32_t local;		/* a local pod cidr, 0: none */
	size_t entries;
};

static int collect_cb(uint32_t addr, uint8_t plen, const struct ipcache_val *v, void *data)
{
	struct peers *ps = data;

	ps->entries++;
	if (v->flags & IPC_F_LOCAL) {
		ps->local = addr;
		return 0;
	}
	if (!v->peer_id)
		return 0;
	if (!ps->v) {
		ps->v = calloc(TENC_PEER_ID_MAX + 1, sizeof(*ps->v));
		if (!ps->v)
			die("out of memory");
	}
	if ((v->flags & IPC_F_NODE) && plen == 32) {
		ps->v[v->peer_id].id = v->peer_id;
		ps->v[v->peer_id].spi = v->spi;
		ps->v[v->peer_id].flags = v->flags;
		ps->v[v->peer_id].node_ip = addr;
	} else if (!(v->flags & IPC_F_NODE) && !ps->v[v->peer_id].cidr) {
		ps->v[v->peer_id].cidr = addr;
	}
	return 0;
}

/* The peers of the pinned ipcache, compacted: those with a node ip. */
static void collect(int ipc, struct peers *ps)
{
	size_t n = 0;

	memset(ps, 0, sizeof(*ps));
	if (ipcache_dump(ipc, collect_cb, ps))
		die("reading the ipcache");
	for (size_t i = 0; ps->v && i <= TENC_PEER_ID_MAX; i++)
		if (ps->v[i].id)
			ps->v[n++] = ps->v[i];
	ps->n = n;
	if (!n)
		die("no peers in the ipcache");
}

static void ipc_fill(const char *bpffs, size_t total)
{
	int fd = ipcache_open(bpffs);
	struct peers ps;
	size_t k = 0;

	if (fd < 0)
		exit(1);
	collect(fd, &ps);
	for (size_t have = ps.entries; have < total; have++, k++) {
		const struct bpeer *p = &ps.v[k % ps.n];
		struct ipcache_val v = { .peer_id = p->id, .spi = p->spi, .flags = p->flags & ~IPC_F_NODE };

		if (ipcache_update(fd, htonl(0x0a940000u + (uint32_t)k * 256), 24, &v))
			exit(1);
	}
	fprintf(stderr, "bpfbench: ipcache: %zu entries (%zu added, %zu peers)\n", ps.entries + k, k, ps.n);
	free(ps.v);
	close(fd);
}

/* N flows, 20 kinds by i % 20, for peer i % n (keys all distinct):
 *  0-5  out tcp local pod -> peer pod, violation, POD|UNMARKED (observe-only)
 *  6-9  out tcp local pod -> peer pod, encrypted spi 1, POD (encrypt mode's
 *       claim; the audit checks it against the SAs)
 * 10-12 in  tcp peer pod -> local pod, violation, WIRE_PLAIN (from_wire)
 * 13-15 out udp local pod -> 203.0.113.x/8.x, plaintext (out of scope)
 * 16-17 out tcp local pod -> local pod, local
 * 18    in  tcp peer pod -> local pod, encrypted, DECRYPTED
 * 19    ESP between the node ips, spi 1, out and in (per peer: at most two) */
static void fill_flows(int fd, const struct peers *ps, uint32_t node_ip, size_t n)
{
	enum { B = 4096 };
	struct flow_key *k = calloc(B, sizeof(*k));
	struct flow_val *v = calloc(B, sizeof(*v));
	struct timespec ts;
	uint64_t now;
	size_t i = 0, esp = 0;
	uint32_t local = ps->local ? ps->local : htonl(0x0aff0100);

	if (!k || !v)
		die("out of memory");
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
	while (i < n) {
		__u32 c = 0;

		for (; c < B && i < n; i++) {
			const struct bpeer *p = &ps->v[i % ps->n];
			struct flow_key *fk = &k[c];
			struct flow_val *fv = &v[c];
			int kind = i % 20;
			uint32_t me = htonl(ntohl(local) + 2 + (uint32_t)(i >> 16) % 250);
			uint32_t peer_pod = p->cidr ? htonl(ntohl(p->cidr) + 2) : p->node_ip;

			memset(fk, 0, sizeof(*fk));
			memset(fv, 0, sizeof(*fv));
			fk->proto = IPPROTO_TCP;
			fk->dir = FLOW_OUT;
			fk->saddr = me;
			fk->daddr = peer_pod;
			fk->sport = htons((uint16_t)i);
			fk->dport = htons(443);
			fv->peer_id = p->id;
			fv->packets = 1 + i % 1000;
			fv->bytes = fv->packets * (60 + i % 1400);
			fv->first_ns = now - 60000000000ull + i;
			fv->first_j = 1000000 + i / 4;
			fv->last_j = fv->first_j + 15000 - i % 250;
			if (kind <= 5) {
				fv->verdict = V_VIOLATION;
				fv->seen = SEEN_POD | SEEN_UNMARKED;
			} else if (kind <= 9) {
				fv->verdict = V_ENCRYPTED;
				fv->seen = SEEN_POD;
				fv->spi = 1;
				fk->dport = htons(80);
			} else if (kind <= 12) {
				fk->dir = FLOW_IN;
				fk->saddr = peer_pod;
				fk->daddr = me;
				fv->verdict = V_VIOLATION;
				fv->seen = SEEN_WIRE_PLAIN;
			} else if (kind <= 15) {
				fk->proto = IPPROTO_UDP;
				fk->daddr = htonl(0xcb007100u + (uint32_t)(i >> 16));
				fk->dport = htons(53);
				fv->peer_id = 0;
				fv->verdict = V_PLAINTEXT;
				fv->seen = SEEN_POD;
			} else if (kind <= 17) {
				fk->daddr = htonl(ntohl(local) + 3);
				fv->peer_id = 0;
				fv->verdict = V_LOCAL;
				fv->seen = SEEN_POD;
			} else if (kind == 18) {
				fk->dir = FLOW_IN;
				fk->saddr = peer_pod;
				fk->daddr = me;
				fv->verdict = V_ENCRYPTED;
				fv->seen = SEEN_DECRYPTED;
			} else if (esp < 2 * ps->n) {
				const struct bpeer *q = &ps->v[esp / 2 % ps->n];

				fk->proto = IPPROTO_ESP;
				fk->dir = esp % 2 ? FLOW_IN : FLOW_OUT;
				fk->saddr = esp % 2 ? q->node_ip : node_ip;
				fk->daddr = esp % 2 ? node_ip : q->node_ip;
				fk->sport = 0;
				fk->dport = htons(1);
				fv->peer_id = q->id;
				fv->spi = 1;
				fv->verdict = V_ENCRYPTED;
				fv->seen = SEEN_WIRE_ESP | SEEN_NODE;
				esp++;
			} else {	/* no ESP flow left to make: one more violation */
				fk->dport = htons(8080);
				fv->verdict = V_VIOLATION;
				fv->seen = SEEN_POD | SEEN_UNMARKED;
			}
			c++;
		}
		if (bpf_map_update_batch(fd, k, v, &c, NULL)) {
			/* batch ops missing: one by one */
			for (__u32 j = 0; j < c; j++)
				if (bpf_map_update_elem(fd, &k[j], &v[j], BPF_ANY))
					die("flows: update: %s", strerror(errno));
		}
	}
	free(k);
	free(v);
}

static size_t count_flows(int fd)
{
	struct flow_key a, b;
	size_t n = 0;
	void *prev = NULL;

	while (!bpf_map_get_next_key(fd, prev, n % 2 ? &a : &b)) {
		prev = n % 2 ? &a : &b;
		n++;
	}
	return n;
}

static void flows_fill(const char *bpffs, size_t n)
{
	int ipc = ipcache_open(bpffs), fd = pin(bpffs, "flows");
	struct tenc_cfg c = { 0 };
	struct peers ps;
	size_t got;

	if (ipc < 0 || cfg_read(bpffs, &c))
		exit(1);
	collect(ipc, &ps);
	fill_flows(fd, &ps, c.node_ip, n);
	got = count_flows(fd);
	fprintf(stderr, "bpfbench: flows: %zu in the table\n", got);
	if (got < n)
		die("flows: %zu of %zu in the table (LRU evicted some)", got, n);
	free(ps.v);
	close(fd);
	close(ipc);
}


static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/* Read a whole map with bpf_map_lookup_batch, 4096 entries at a time;
 * returns the entries read. */
static size_t read_batch(int fd, size_t ksz, size_t vsz, const char *what)
{
	enum { B = 4096 };
	char *k = malloc(B * ksz), *v = malloc(B * vsz);
	char in[16], out[16];	/* batch cursors: the hash's 4 bytes, the trie's key */
	bool first = true;
	size_t n = 0;

	if (!k || !v)
		die("out of memory");
	for (;;) {
		__u32 c = B;
		int e = bpf_map_lookup_batch(fd, first ? NULL : in, out, k, v, &c, NULL) ? errno : 0;

		if (e && e != ENOENT)
			die("%s: batch lookup: %s", what, strerror(e));
		n += c;
		if (e == ENOENT)
			break;
		memcpy(in, out, sizeof(in));
		first = false;
	}
	free(k);
	free(v);
	return n;
}

static int count_cb(uint32_t addr, uint8_t plen, const struct ipcache_val *v, void *data)
{
	(void)addr, (void)plen, (void)v;
	++*(size_t *)data;
	return 0;
}

static void read_maps(const char *bpffs, bool walk)
{
	int flows = pin(bpffs, "flows"), ipc = pin(bpffs, "ipcache");
	double t0 = now_s(), t1, t2, t3 = 0;
	size_t nf, ni, nw = 0;

	nf = read_batch(flows, sizeof(struct flow_key), sizeof(struct flow_val), "flows");
	t1 = now_s();
	ni = read_batch(ipc, sizeof(struct ipcache_key), sizeof(struct ipcache_val), "ipcache");
	t2 = now_s();
	if (walk) {
		if (ipcache_dump(ipc, count_cb, &nw))
			exit(1);
		t3 = now_s();
	}
	printf("{\"flows\": %zu, \"flows_batch_s\": %.6f, \"ipcache\": %zu, \"ipcache_batch_s\": %.6f",
	       nf, t1 - t0, ni, t2 - t1);
	if (walk)
		printf(", \"ipcache_walked\": %zu, \"ipcache_walk_s\": %.6f", nw, t3 - t2);
	printf("}\n");
	close(flows);
	close(ipc);
}

/* pkt */

/* A 98-byte Ethernet + IPv4 frame, with a TCP or an ESP header. */
struct frame {
	unsigned char pad[2];	/* so that the IPv4 header is 4-byte aligned */
	unsigned char b[98];
} __attribute__((aligned(4)));

static void mkframe(struct frame *f, uint32_t src, uint32_t dst, uint8_t proto)
{
	struct ethhdr *eth = (void *)f->b;
	struct iphdr *ip = (void *)(f->b + ETH_HLEN);
	unsigned char *l4 = (unsigned char *)(ip + 1);

	memset(f, 0, sizeof(*f));
	memcpy(eth->h_dest, "\x02\0\0\0\0\x02", ETH_ALEN);
	memcpy(eth->h_source, "\x02\0\0\0\0\x01", ETH_ALEN);
	eth->h_proto = htons(ETH_P_IP);
	ip->version = 4;
	ip->ihl = 5;
	ip->tot_len = htons(sizeof(f->b) - ETH_HLEN);
	ip->ttl = 64;
	ip->protocol = proto;
	ip->saddr = src;
	ip->daddr = dst;
	ip->check = ip_csum(ip, sizeof(*ip));
	if (proto == IPPROTO_TCP) {
		struct tcphdr *t = (void *)l4;

		t->source = htons(40000);
		t->dest = htons(5201);
		t->doff = 5;
		t->ack = 1;
	} else {	/* ESP: spi 1, seq 7 */
		uint32_t esp[2] = { htonl(1), htonl(7) };

		memcpy(l4, esp, sizeof(esp));
	}
}

struct run {
	const char *name;
	int fd;
	struct frame *f;
	int counts;		/* 1: counts the TCP flow's packets, 2: the ESP flow's */
	__u32 ns[64];
};

#define NRUNS 10

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
	if (mark)
		*mark = ctx.mark;
	return o.duration;
}

static void flow_get(int fd, const struct frame *f, uint8_t dir, struct flow_val *v)
{
	const struct iphdr *ip = (const void *)(f->b + ETH_HLEN);
	const uint16_t *l4 = (const void *)(ip + 1);
	struct flow_key k = {
		.saddr = ip->saddr, .daddr = ip->daddr, .sport = l4[0], .dport = l4[1],
		.proto = ip->protocol, .dir = dir,
	};

	if (bpf_map_lookup_elem(fd, &k, v))
		die("the measured flow is not in the flow table: %s", strerror(errno));
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

static void pkt(const char *bpffs, size_t entries, unsigned long repeat, int rounds)
{
	const uint32_t node_ip = htonl(0xac1fff01);	/* 172.31.255.1: this node */
	const uint32_t local = htonl(0x0aff0100);	/* 10.255.1.0/24: its pods */
	struct tenc_cfg cfg = { .node_ip = node_ip, .flags = CFG_F_ENCRYPT };
	struct frame tcp, esp;
	struct baseline *bl;
	struct run runs[NRUNS];
	uint64_t counted[2] = { 0, 0 };
	struct flow_val before[2], after[2];
	struct peers ps = { 0 };
	size_t n = 0, npeers, target;
	int ipc, flows, from_pod, to_wire, cfgfd;
	__u32 mark;

	if (bpfdp_load(bpffs))
		die("loading tenc's programs into %s", bpffs);
	if (cfg_write(bpffs, &cfg))
		exit(1);
	ipc = ipcache_open(bpffs);
	if (ipc < 0)
		exit(1);
	flows = pin(bpffs, "flows");
	from_pod = pin(bpffs, "prog_from_pod");
	to_wire = pin(bpffs, "prog_to_wire");
	cfgfd = pin(bpffs, "tenc_cfg");

	/* The ipcache: the local pod cidr, then per peer i (1..) its node ip
	 * 172.16.0.0+i /32 and its pod cidr 10.0.0.0+i*256 /24, until full. */
	{
		struct ipcache_val v = { .flags = IPC_F_LOCAL };

		if (ipcache_update(ipc, local, 24, &v))
			exit(1);
		n++;
	}
	npeers = (entries - 1 + 1) / 2;
	if (npeers > TENC_PEER_ID_MAX || npeers < 2)
		die("%zu entries: 2 per peer, peer ids 1..%d", entries, TENC_PEER_ID_MAX);
	ps.v = calloc(npeers, sizeof(*ps.v));
	if (!ps.v)
		die("out of memory");
	for (uint32_t i = 1; n < entries; i++) {
		struct ipcache_val v = { .peer_id = (uint16_t)i, .spi = 1, .flags = IPC_F_NODE };
		struct bpeer *p = &ps.v[ps.n++];

		p->id = (uint16_t)i;
		p->spi = 1;
		p->flags = IPC_F_NODE;
		p->node_ip = htonl(0xac100000u + i);
		if (ipcache_update(ipc, p->node_ip, 32, &v))
			exit(1);
		if (++n == entries)
			break;
		v.flags = 0;
		p->cidr = htonl(0x0a000000u + i * 256);
		if (ipcache_update(ipc, p->cidr, 24, &v))
			exit(1);
		n++;
	}
	ps.local = local;
	/* Other flows in the table, as at the audit's scale. */
	fill_flows(flows, &ps, node_ip, 100000);

	/* The measured packets: to peer `target` (in the middle). */
	target = ps.n / 2;
	mkframe(&tcp, htonl(ntohl(local) + 2), htonl(ntohl(ps.v[target].cidr) + 7), IPPROTO_TCP);
	mkframe(&esp, node_ip, ps.v[target].node_ip, IPPROTO_ESP);

	bl = baseline__open();
	if (!bl)
		die("open the baseline object: %s", strerror(errno));
	if (bpf_map__reuse_fd(bl->maps.ipcache, ipc) || bpf_map__reuse_fd(bl->maps.flows, flows) ||
	    bpf_map__reuse_fd(bl->maps.tenc_cfg, cfgfd))
		die("reuse tenc's maps for the baseline: %s", strerror(errno));
	if (baseline__load(bl))
		die("load the baseline programs: %s", strerror(errno));

	/* Steady state: the flows exist, and the programs do what they should. */
	testrun(from_pod, &tcp, 1, &mark);
	if (mark != TENC_MARK_OUT(1, ps.v[target].id))
		die("tenc_from_pod marked 0x%08x, not 0x%08x", mark, TENC_MARK_OUT(1, ps.v[target].id));
	testrun(to_wire, &esp, 1, NULL);
	flow_get(flows, &tcp, FLOW_OUT, &before[0]);
	flow_get(flows, &esp, FLOW_OUT, &before[1]);
	if (before[0].verdict != V_ENCRYPTED || before[1].verdict != V_ENCRYPTED ||
	    before[0].peer_id != ps.v[target].id || before[1].peer_id != ps.v[target].id)
		die("the measured flows' verdicts are %u and %u, not encrypted", before[0].verdict,
		    before[1].verdict);

	runs[0] = (struct run){ "empty", bpf_program__fd(bl->progs.bench_empty), &tcp, 0, { 0 } };
	runs[1] = (struct run){ "lookup_pod", bpf_program__fd(bl->progs.bench_lookup), &tcp, 0, { 0 } };
	runs[2] = (struct run){ "step1_no_accounting", bpf_program__fd(bl->progs.bench_step1), &tcp, 0, { 0 } };
	runs[3] = (struct run){ "step2_flow_lookup", bpf_program__fd(bl->progs.bench_step2), &tcp, 0, { 0 } };
	runs[4] = (struct run){ "step3_clock", bpf_program__fd(bl->progs.bench_step3), &tcp, 0, { 0 } };
	runs[5] = (struct run){ "step4_atomics", bpf_program__fd(bl->progs.bench_step4), &tcp, 1, { 0 } };
	runs[6] = (struct run){ "from_pod", from_pod, &tcp, 1, { 0 } };
	runs[7] = (struct run){ "lookup_esp", bpf_program__fd(bl->progs.bench_lookup), &esp, 0, { 0 } };
	runs[8] = (struct run){ "to_wire", to_wire, &esp, 2, { 0 } };
	runs[9] = (struct run){ "ktime_clock", bpf_program__fd(bl->progs.bench_ktime), &tcp, 1, { 0 } };
	/* Warm up, then the rounds; the order turns each round, so that no
	 * program always runs first (or after the same one). */
	for (int j = 0; j < NRUNS; j++)
		testrun(runs[j].fd, runs[j].f, repeat / 10 ? repeat / 10 : 1, &mark);
	flow_get(flows, &tcp, FLOW_OUT, &before[0]);
	flow_get(flows, &esp, FLOW_OUT, &before[1]);
	for (int r = 0; r < rounds; r++) {
		for (int j = 0; j < NRUNS; j++) {
			struct run *x = &runs[(r + j) % NRUNS];

			x->ns[r] = testrun(x->fd, x->f, repeat, &mark);
			if (x->fd != runs[0].fd && x->fd != runs[1].fd && x->f == &tcp &&
			    mark != TENC_MARK_OUT(1, ps.v[target].id))
				die("%s marked 0x%08x, not 0x%08x", x->name, mark, TENC_MARK_OUT(1, ps.v[target].id));
			if (x->counts)
				counted[x->counts - 1] += repeat;
		}
		fprintf(stderr, "bpfbench: round %d/%d:", r + 1, rounds);
		for (int j = 0; j < NRUNS; j++)
			fprintf(stderr, " %s %u", runs[j].name, runs[j].ns[r]);
		fprintf(stderr, " ns\n");
	}
	flow_get(flows, &tcp, FLOW_OUT, &after[0]);
	flow_get(flows, &esp, FLOW_OUT, &after[1]);
	if (after[0].packets - before[0].packets != counted[0] ||
	    after[1].packets - before[1].packets != counted[1])
		die("the flows counted %llu and %llu packets, not %llu and %llu",
		    (unsigned long long)(after[0].packets - before[0].packets),
		    (unsigned long long)(after[1].packets - before[1].packets),
		    (unsigned long long)counted[0], (unsigned long long)counted[1]);

	printf("{\n  \"ipcache_entries\": %zu,\n  \"peers\": %zu,\n  \"flows_in_table\": %zu,\n"
	       "  \"repeat\": %lu,\n  \"rounds\": %d,\n  \"measured_peer\": %u,\n  \"runs\": {\n",
	       n, ps.n, count_flows(flows), repeat, rounds, ps.v[target].id);
	for (int j = 0; j < NRUNS; j++)
		print_run(&runs[j], rounds, j == NRUNS - 1);
	printf("  }\n}\n");

	baseline__destroy(bl);
	close(from_pod);
	close(to_wire);
	close(flows);
	close(cfgfd);
	close(ipc);
	free(ps.v);
}

int main(int argc, char **argv)
{
	snprintf(g.cmd_path, sizeof(g.cmd_path), "bpfbench");
	if (argc >= 3 && !strcmp(argv[1], "pkt") && argc <= 6) {
		int rounds = argc > 5 ? (int)arg_num(argv[5], 1, 63) : 7;
		unsigned long repeat = argc > 4 ? arg_num(argv[4], 1, 1ul << 30) : 1000000;
		size_t entries = argc > 3 ? arg_num(argv[3], 5, 2 * TENC_PEER_ID_MAX) : 100000;

		pkt(argv[2], entries, repeat, rounds);
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "ipc-fill")) {
		ipc_fill(argv[2], arg_num(argv[3], 1, TENC_IPCACHE_MAX));
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "flows-fill")) {
		flows_fill(argv[2], arg_num(argv[3], 1, TENC_FLOWS_MAX));
		return 0;
	}
	if ((argc == 3 || (argc == 4 && !strcmp(argv[3], "walk"))) && !strcmp(argv[1], "read")) {
		read_maps(argv[2], argc == 4);
		return 0;
	}
	fprintf(stderr, "usage: bpfbench pkt BPFFS [ENTRIES [REPEAT [ROUNDS]]]\n"
		"       bpfbench ipc-fill BPFFS TOTAL\n"
		"       bpfbench flows-fill BPFFS N\n"
		"       bpfbench read BPFFS [walk]\n");
	return 2;
}
