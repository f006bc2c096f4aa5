// SPDX-License-Identifier: GPL-2.0
/* flows.c: the flow tables, counters and clock of the BPF programs (see
 * flows.h). Owns reading and resetting the pinned flows and flows6 maps
 * in batches, and the text of a flow's addresses. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "bpfdp.h"
#include "env.h"
#include "flows.h"
#include "tenc.h"

#define BATCH 4096

int flows_map_open(const char *name)
{
	char bpffs[4096], path[4200];
	int fd, r = env_bpffs(bpffs, sizeof(bpffs), false);

	if (r == -1)
		return tenc_err(TENC_FAIL, "bpf", "not enabled (no bpffs for this state dir)"), -ENOENT;
	if (r)
		return -EIO;
	snprintf(path, sizeof(path), "%s/%s", bpffs, name);
	fd = bpf_obj_get(path);
	if (fd >= 0)
		return fd;
	if (errno == ENOENT)
		return tenc_err(TENC_FAIL, "bpf", "%s: not loaded (run tenc enable)", path), -ENOENT;
	return tenc_errno(TENC_FAIL, errno, "bpf", "%s", path), -errno;
}

int flows_maps_open(struct flow_maps *m)
{
	char bpffs[4096], path[4200];

	m->fd6 = -1;
	m->fd4 = flows_map_open("flows");
	if (m->fd4 < 0)
		return TENC_FAIL;
	if (env_bpffs(bpffs, sizeof(bpffs), false))
		return 0;	/* flows_map_open found it: not reached */
	snprintf(path, sizeof(path), "%s/flows6", bpffs);
	m->fd6 = bpf_obj_get(path);
	if (m->fd6 < 0 && errno != ENOENT) {
		tenc_errno(TENC_FAIL, errno, "bpf", "%s", path);
		flows_maps_close(m);
		return TENC_FAIL;
	}
	return 0;
}

void flows_maps_close(struct flow_maps *m)
{
	if (m->fd4 >= 0)
		close(m->fd4);
	if (m->fd6 >= 0)
		close(m->fd6);
	m->fd4 = m->fd6 = -1;
}

static int grow(struct flow_table *t, size_t *cap, size_t need)
{
	struct flow *nv;
	size_t c = *cap ? *cap : BATCH;

	if (need <= *cap)
		return 0;
	while (c < need)
		c *= 2;
	nv = realloc(t->v, c * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	t->v = nv;
	*cap = c;
	return 0;
}

struct read_ctx {
	struct flow_table *t;
	size_t cap;
	bool v6;		/* the keys are struct flow_key6 */
};

void flow_set_key6(struct flow *f, const struct flow_key6 *k6)
{
	memset(&f->k, 0, sizeof(f->k));
	f->k.sport = k6->sport;
	f->k.dport = k6->dport;
	f->k.proto = k6->proto;
	f->k.dir = k6->dir;
	f->k6 = *k6;
	f->v6 = true;
}

static int read_cb(const void *keys, const void *vals, uint32_t count, void *data)
{
	const struct flow_val *v = vals;
	struct read_ctx *c = data;
	struct flow_table *t = c->t;

	if (grow(t, &c->cap, t->n + count))
		return -ENOMEM;
	for (uint32_t i = 0; i < count; i++) {
		struct flow *f = &t->v[t->n++];

		memset(f, 0, sizeof(*f));
		if (c->v6)
			flow_set_key6(f, &((const struct flow_key6 *)keys)[i]);
		else
			f->k = ((const struct flow_key *)keys)[i];
		f->v = v[i];
	}
	return 0;
}

int flows_read(const struct flow_maps *m, struct flow_table *t)
{
	struct read_ctx c = { t, 0, false };
	int r;

	t->v = NULL;
	t->n = 0;
	/* An LRU map holds its max; twice that is a map that churns. */
	r = map_read_batches(m->fd4, sizeof(struct flow_key), sizeof(struct flow_val), BATCH,
			     2 * (size_t)TENC_FLOWS_MAX, read_cb, &c);
	c.v6 = true;
	if (!r && m->fd6 >= 0)
		r = map_read_batches(m->fd6, sizeof(struct flow_key6), sizeof(struct flow_val), BATCH,
				     2 * (size_t)TENC_FLOWS6_MAX, read_cb, &c);
	if (r) {
		flows_free(t);
		return tenc_errno(TENC_FAIL, r == -EAGAIN ? EAGAIN : -r, "flows", "reading the flow table");
	}
	return 0;
}

/* Delete t's flows of one family (v6) from fd, BATCH at a time. */
static void reset_family(int fd, const struct flow_table *t, bool v6, void *keys)
{
	size_t ksz = v6 ? sizeof(struct flow_key6) : sizeof(struct flow_key), i = 0;

	while (i < t->n) {
		__u32 count = 0;

		for (; count < BATCH && i < t->n; i++)
			if (t->v[i].v6 == v6)
				memcpy((char *)keys + ksz * count++, v6 ? (const void *)&t->v[i].k6
							       : (const void *)&t->v[i].k, ksz);
		/* A flow the LRU evicted meanwhile is fine: delete one by one. */
		if (count && bpf_map_delete_batch(fd, keys, &count, NULL) && errno != ENOENT) {
			for (__u32 j = 0; j < count; j++)
				bpf_map_delete_elem(fd, (char *)keys + ksz * j);
		}
	}
}

int flows_reset(const struct flow_maps *m, const struct flow_table *t)
{
	void *keys = malloc(BATCH * sizeof(struct flow_key6));

	if (!keys)
		return tenc_errno(TENC_FAIL, ENOMEM, "flows", "reset");
	reset_family(m->fd4, t, false, keys);
	if (m->fd6 >= 0)
		reset_family(m->fd6, t, true, keys);
	free(keys);
	return 0;
}

const char *flow_addr_str(const struct flow *f, bool dst, char *buf, size_t n)
{
	if (f->v6)
		return inet_ntop(AF_INET6, dst ? f->k6.daddr : f->k6.saddr, buf, n) ?: "?";
	return inet_ntop(AF_INET, dst ? &f->k.daddr : &f->k.saddr, buf, n) ?: "?";
}

const char *flow_endpoint_str(char *b, size_t n, const struct flow *f, bool dst)
{
	char ip[INET6_ADDRSTRLEN];
	uint16_t port = dst ? f->k.dport : f->k.sport;

	flow_addr_str(f, dst, ip, sizeof(ip));
	if ((f->k.proto == 6 || f->k.proto == 17) && port)
		snprintf(b, n, f->v6 ? "[%s]:%u" : "%s:%u", ip, ntohs(port));
	else
		snprintf(b, n, "%s", ip);
	return b;
}

const char *flow_family_str(const struct flow *f)
{
	return f->v6 ? "ipv6" : "ipv4";
}

void flows_free(struct flow_table *t)
{
	free(t->v);
	t->v = NULL;
	t->n = 0;
}

int flows_stats(struct tenc_stats *st)
{
	int fd = flows_map_open("stats"), r = 0;
	__u32 zero = 0;

	if (fd < 0)
		return TENC_FAIL;
	if (bpf_map_lookup_elem(fd, &zero, st))
		r = tenc_errno(TENC_FAIL, errno, "bpf", "reading the stats map");
	close(fd);
	return r;
}

static double ns_per_jiffy = 4e6;	/* HZ 250 until told otherwise */

void flows_clock_init(const struct tenc_stats *st)
{
	static const double hz[] = { 100, 250, 300, 1000 };	/* what kernels use */
	double est, best = 0, best_err = 1e9;

	/* Over 100 ms or more, +-1 tick is within 10% even at HZ 100. With less,
	 * every flow is younger than that, and the default errs by less. */
	if (st->latest_ns < st->anchor_ns + 100000000ULL || st->latest_j <= st->anchor_j)
		return;
	est = (double)(st->latest_j - st->anchor_j) * 1e9 / (double)(st->latest_ns - st->anchor_ns);
	for (size_t i = 0; i < ARRAY_SIZE(hz); i++) {
		double err = est > hz[i] ? est / hz[i] : hz[i] / est;

		if (err < best_err)
			best_err = err, best = hz[i];
	}
	ns_per_jiffy = 1e9 / (best_err < 1.2 ? best : est);
}

uint64_t flow_last_ns(const struct flow_val *v)
{
	return v->first_ns + (uint64_t)((double)(v->last_j - v->first_j) * ns_per_jiffy);
}

static const char *const verdicts[V__COUNT] = {
	[V_NONE] = "none",
	[V_ENCRYPTED] = "encrypted",
	[V_PLAINTEXT] = "plaintext",
	[V_LOCAL] = "local",
	[V_VIOLATION] = "violation",
	[V_DROPPED] = "dropped",
};

const char *verdict_str(int v)
{
	return v >= 0 && v < V__COUNT ? verdicts[v] : NULL;
}

int verdict_parse(const char *s)
{
	for (int v = V_NONE + 1; v < V__COUNT; v++)
		if (!strcmp(s, verdicts[v]))
			return v;
	return -1;
}

const char *dir_str(int dir)
{
	return dir == FLOW_IN ? "in" : "out";
}

const char *proto_str(uint8_t p, char *buf, size_t n)
{
	switch (p) {
	case 6: return "tcp";
	case 17: return "udp";
	case 1: return "icmp";
	case 58: return "icmp6";
	case 50: return "esp";
	}
	snprintf(buf, n, "%u", p);
	return buf;
}

uint32_t flow_esp_spi(const struct flow_key *k)
{
	return ((uint32_t)ntohs(k->sport) << 16) | ntohs(k->dport);
}

/* CLOCK_REALTIME - CLOCK_MONOTONIC, in ns, read once. */
static int64_t mono_offset(void)
{
	static int64_t off;
	static bool done;
	struct timespec r, m;

	if (!done) {
		clock_gettime(CLOCK_REALTIME, &r);
		clock_gettime(CLOCK_MONOTONIC, &m);
		off = ((int64_t)r.tv_sec - m.tv_sec) * 1000000000LL + (r.tv_nsec - m.tv_nsec);
		done = true;
	}
	return off;
}

double mono_unix(uint64_t ns)
{
	return (double)((int64_t)ns + mono_offset()) / 1e9;
}

const char *mono_str(uint64_t ns, char *buf, size_t n)
{
	static time_t last = -1;
	static char day[24];	/* "YYYY-MM-DDTHH:MM:SS" of `last` */
	int64_t t = (int64_t)ns + mono_offset();
	time_t s = t / 1000000000LL;
	int ms = (int)(t % 1000000000LL / 1000000);

	if (s != last) {	/* flows cluster in time: format each second once */
		struct tm tm;

		gmtime_r(&s, &tm);
		strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm);
		last = s;
	}
	snprintf(buf, n, "%s.%03dZ", day, ms);
	return buf;
}
