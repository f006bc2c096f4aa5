// SPDX-License-Identifier: GPL-2.0
/* bpfbench: the BPF side of `make bench-audit` (bench/audit/run.sh).
 *
 *   bpfbench pkt BPFFS [ENTRIES [REPEAT [ROUNDS]]]
 *     Per-packet cost of tenc's programs with BPF_PROG_TEST_RUN. Loads
 *     tenc's programs into BPFFS as `tenc enable` does (bpfdp_load), turns
 *     encryption on in tenc_cfg, fills the ipcache with ENTRIES (100000)
 *     entries as tenc writes them (lib/model/plan.c: per peer its node ip /32
 *     NODE and its pod cidr /24, both with the peer id and SPI 1; one local
 *     pod cidr LOCAL), and ipcache6 with as many of the same peers (node ip
 *     /128 NODE, pod cidr /64), puts 100000 other flows in the flow table
 *     and as many in flows6 (pktbench.c OTHER_FLOWS; until this change
 *     flows6 got 131072, half its size: the two lookups were not measured
 *     on tables as full), and loads the baselines (baseline.bpf.c) on the
 *     same maps (bpf_map__reuse_fd). Then, ROUNDS (7) times, each program
 *     runs REPEAT (1000000) times on its packet; the kernel's mean ns per run
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
 *       ktime_clock   bench_ktime: step 4 with bpf_ktime_get_ns per packet;
 *       from_pod6 tenc_from_pod, IPv6 UDP after a hop-by-hop header from a
 *                 local pod to a peer pod's address, its flow in flows6:
 *                 marked;
 *       to_wire6  tenc_to_wire, IPv6 ESP from this node to a peer's IPv6
 *                 node ip;
 *       lookup_pod6, lookup_esp6   bench_lookup6 (one ipcache6 lookup of
 *                 the destination) on those two packets;
 *       step6_0..4  bench_step6_0..4 on the IPv6 UDP packet: from_pod6
 *                 rebuilt one step at a time (baseline.bpf.c): the fixed
 *                 header, + the extension headers and ports, + the flows6
 *                 lookup, + the clock, + the atomics.
 *     The baselines use tenc's own ipcache, ipcache6, tenc_cfg, flows and
 *     flows6 maps. The code is in pktbench.c. Checks that every run did what it
 *     should (the mark, the flow's verdict, packet counters moved by
 *     exactly REPEAT); prints JSON.
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
#include <linux/ipv6.h>
#include <linux/pkt_cls.h>
#include <linux/tcp.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "addr.h"
#include "bpfdp.h"
#include "tenc.h"
#include "bpfbench.h"

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

int pin(const char *bpffs, const char *name)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", bpffs, name);
	fd = bpf_obj_get(path);
	if (fd < 0)
		die("%s: %s", path, strerror(errno));
	return fd;
}

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
void fill_flows(int fd, const struct peers *ps, uint32_t node_ip, size_t n)
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

size_t count_flows(int fd)
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
