// SPDX-License-Identifier: GPL-2.0
/* trace.c: `tenc trace`: the programs' flow events, live: one line per
 * event (a flow starts, or its verdict changes; never per packet), or JSON
 * Lines with -j, flushed per line. Stops on SIGINT/SIGTERM or after
 * --count events, and says how many events the ring buffer lost meanwhile.
 * Once it listens it says so on stderr, in both modes ("trace: ready; ^C
 * stops"): every event from then on is shown or counted lost, so scripts
 * and tests wait for that line; stdout stays JSON Lines with -j.
 * Events of both families: the ring buffer's records are told apart by
 * their size (struct flow_event, struct flow_event6).
 * The ring buffer has one reader: the programs emit events only while a
 * trace has its pid in the `tracing` map, and a second trace is refused. */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "audit.h"
#include "cli.h"
#include "flows.h"
#include "store.h"
#include "state.h"
#include "tenc.h"

enum { O_COUNT = OPT_LONG_BASE, O_PEER, O_VERDICT };

static const struct opt trace_opts[] = {
	{ "count", O_COUNT, required_argument, "N", "stop after N events", NULL },
	{ "peer", O_PEER, required_argument, "NAME", "only events of this peer", "peer" },
	{ "verdict", O_VERDICT, required_argument, "V", "only events with this verdict",
	  "encrypted|plaintext|local|violation|dropped" },
	{ 0 },
};

struct trace {
	unsigned long count;	/* 0: no limit */
	const char *peer_name;
	int peer_id;		/* -1: any */
	int verdict;		/* -1: any */
	struct peers peers;
	struct tenc_config cfg;	/* the IPv6 half, for IPv6 verdicts */
	struct scope6 scope6;	/* over cfg and peers (audit_decide6) */
	const char **names;	/* by peer id */
	unsigned long printed;
	uint64_t start_ns;
	struct stat names_of;	/* peers.json as the names were loaded */
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int trace_opt(int key, char *arg, void *ctx)
{
	struct trace *t = ctx;

	switch (key) {
	case O_COUNT:
		if (cli_number(arg, 1, ULONG_MAX, &t->count))
			return tenc_err(TENC_USAGE, "--count", "'%s' must be a number >= 1", arg);
		return 0;
	case O_PEER:
		t->peer_name = arg;
		return 0;
	case O_VERDICT:
		t->verdict = verdict_parse(arg);
		if (t->verdict < 0)
			return tenc_err(TENC_USAGE, "--verdict", "'%s' is not one of encrypted, "
					"plaintext, local, violation, dropped", arg);
		return 0;
	}
	return -1;
}

static const char *const hooks[] = { "from_pod", "from_wire", "to_wire" };

/* One event of either family: its flow (the key) and the record's fields. */
struct ev {
	struct flow f;
	uint64_t ts_ns;
	uint16_t peer_id;
	uint8_t spi, verdict, old_verdict, hook;
};

#define EV_FIELDS(ev, e)						\
	do {								\
		(ev)->ts_ns = (e)->ts_ns;				\
		(ev)->peer_id = (e)->peer_id;				\
		(ev)->spi = (e)->spi;					\
		(ev)->verdict = (e)->verdict;				\
		(ev)->old_verdict = (e)->old_verdict;			\
		(ev)->hook = (e)->hook;					\
		(ev)->f.v.peer_id = (e)->peer_id;			\
		(ev)->f.v.spi = (e)->spi;				\
		(ev)->f.v.verdict = (e)->verdict;			\
		(ev)->f.v.seen = (e)->seen;				\
	} while (0)

/* false: a record of no known size. */
static bool ev_read(struct ev *ev, const void *data, size_t size)
{
	memset(ev, 0, sizeof(*ev));
	if (size == sizeof(struct flow_event6)) {
		const struct flow_event6 *e = data;

		flow_set_key6(&ev->f, &e->key);
		EV_FIELDS(ev, e);
		return true;
	}
	if (size == sizeof(struct flow_event)) {
		const struct flow_event *e = data;

		ev->f.k = e->key;
		EV_FIELDS(ev, e);
		return true;
	}
	return false;
}

static void print_event(struct trace *t, const struct ev *e)
{
	char ts[40], pb[8], src[56], dst[56];
	const struct flow_key *k = &e->f.k;
	const char *proto = proto_str(k->proto, pb, sizeof(pb));
	const char *peer = e->peer_id ? t->names[e->peer_id] : NULL;
	const char *hook = e->hook < ARRAY_SIZE(hooks) ? hooks[e->hook] : "?";
	const char *v = verdict_str(e->verdict) ?: "?";
	uint32_t spi = k->proto == 50 ? flow_esp_spi(k) : e->spi;

	mono_str(e->ts_ns, ts, sizeof(ts));
	if (jw) {
		jw_start_object(jw);
		jw_string_field(jw, "time", ts);
		jw_string_field(jw, "event", e->old_verdict == V_NONE ? "new" : "verdict");
		jw_string_field(jw, "family", flow_family_str(&e->f));
		jw_string_field(jw, "dir", dir_str(k->dir));
		jw_string_field(jw, "proto", proto);
		jw_string_field(jw, "src", flow_addr_str(&e->f, false, src, sizeof(src)));
		jw_string_field(jw, "dst", flow_addr_str(&e->f, true, dst, sizeof(dst)));
		if (k->proto == 6 || k->proto == 17) {
			jw_uint_field(jw, "sport", ntohs(k->sport));
			jw_uint_field(jw, "dport", ntohs(k->dport));
		}
		if (e->f.v6 && k->proto == 58)
			jw_uint_field(jw, "icmp_type", ntohs(k->sport));
		jw_string_field(jw, "verdict", v);
		if (e->old_verdict != V_NONE)
			jw_string_field(jw, "old_verdict", verdict_str(e->old_verdict) ?: "?");
		if (peer)
			jw_string_field(jw, "peer", peer);
		else
			jw_name(jw, "peer"), jw_null(jw);
		jw_uint_field(jw, "spi", spi);
		jw_string_field(jw, "hook", hook);
		jw_end_object(jw);
		jw_flush_line(jw);
		return;
	}
	printf("%s %-7s %-3s %-4s %s -> %s  ", ts, e->old_verdict == V_NONE ? "new" : "verdict",
	       dir_str(k->dir), proto, flow_endpoint_str(src, sizeof(src), &e->f, false),
	       flow_endpoint_str(dst, sizeof(dst), &e->f, true));
	if (e->old_verdict != V_NONE)
		printf("%s -> ", verdict_str(e->old_verdict) ?: "?");
	printf("%s", v);
	if (peer)
		printf("  peer %s", peer);
	if (spi)
		printf("  spi %u", spi);
	printf("  [%s]\n", hook);
	fflush(stdout);
}

static int load_names(struct trace *t);
static bool peers_changed(const struct trace *t);

static int on_event(void *ctx, void *data, size_t size)
{
	struct trace *t = ctx;
	struct ev ev, *e = &ev;

	if (stop || !ev_read(e, data, size))
		return 0;
	if (e->ts_ns < t->start_ns)
		return 0;	/* left in the ring before this trace began */
	if (e->f.v6) { /* the audit's verdict where the model decides (audit_decide6) */
		uint8_t reason;

		audit_decide6(&t->cfg, &t->scope6, &e->f, &e->verdict, &reason);
	}
	if (t->verdict >= 0 && e->verdict != t->verdict)
		return 0;
	if (t->peer_id >= 0 && e->peer_id != t->peer_id)
		return 0;
	if (e->peer_id && !t->names[e->peer_id] && peers_changed(t))
		load_names(t);
	print_event(t, e);
	if (t->count && ++t->printed >= t->count)
		stop = 1;
	else if (!t->count)
		t->printed++;
	return 0;
}

/* peers.json, as stat sees it (st_ino 0: none). Every save replaces the
 * file (rename), so a new inode or mtime means new contents. */
static void peers_stat(struct stat *st)
{
	char path[4096];

	if (stat(state_path(path, sizeof(path), "peers.json"), st))
		memset(st, 0, sizeof(*st));
}

static bool peers_changed(const struct trace *t)
{
	struct stat st;

	peers_stat(&st);
	return st.st_ino != t->names_of.st_ino || st.st_mtim.tv_sec != t->names_of.st_mtim.tv_sec ||
	       st.st_mtim.tv_nsec != t->names_of.st_mtim.tv_nsec || st.st_size != t->names_of.st_size;
}

/* Peer names by id, for the events (they carry ids). Reloaded when an
 * event names a peer id not known yet and peers.json changed since (a
 * peer added meanwhile): one stat per such event, no clock. */
static int load_names(struct trace *t)
{
	int r;

	peers_stat(&t->names_of);
	scope6_free(&t->scope6);
	peers_free(&t->peers);
	if ((r = peers_load(&t->peers)))
		return r;
	if (scope6_build(&t->scope6, &t->cfg, &t->peers))
		return tenc_errno(TENC_FAIL, ENOMEM, "trace", "IPv6 prefixes");
	if (!t->names)
		t->names = calloc(TENC_PEER_ID_MAX + 1, sizeof(*t->names));
	if (!t->names)
		return tenc_errno(TENC_FAIL, ENOMEM, "trace", "peer names");
	memset(t->names, 0, (TENC_PEER_ID_MAX + 1) * sizeof(*t->names));
	for (size_t i = 0; i < t->peers.n; i++) {
		t->names[t->peers.v[i].id] = t->peers.v[i].name;
		if (t->peer_name && !strcmp(t->peer_name, t->peers.v[i].name))
			t->peer_id = t->peers.v[i].id;
	}
	if (t->peer_name && t->peer_id < 0 && !t->printed)
		return tenc_err(TENC_USAGE, "--peer", "no peer named '%s'", t->peer_name);
	return 0;
}

/* Claim the events for this process (the programs emit only then). */
static int claim(int *fd)
{
	__u32 zero = 0, cur = 0, me = (__u32)getpid();

	*fd = flows_map_open("tracing");
	if (*fd < 0)
		return TENC_FAIL;
	if (!bpf_map_lookup_elem(*fd, &zero, &cur) && cur && cur != me &&
	    (kill((pid_t)cur, 0) == 0 || errno == EPERM))
		return tenc_err(TENC_FAIL, "trace", "another tenc trace (pid %u) reads the events", cur);
	if (bpf_map_update_elem(*fd, &zero, &me, BPF_ANY))
		return tenc_errno(TENC_FAIL, errno, "trace", "claiming the events");
	return 0;
}

static void release(int fd)
{
	__u32 zero = 0, cur = 0, none = 0;

	if (fd < 0)
		return;
	if (!bpf_map_lookup_elem(fd, &zero, &cur) && cur == (__u32)getpid())
		bpf_map_update_elem(fd, &zero, &none, BPF_ANY);
	close(fd);
}

static int do_trace(const struct cmd *self, int argc, char **argv)
{
	struct trace t = { .peer_id = -1, .verdict = -1 };
	struct tenc_stats st0 = { 0 }, st1 = { 0 };
	struct sigaction sa = { .sa_handler = on_signal }, old_int, old_term;
	struct ring_buffer *rb = NULL;
	struct timespec now;
	int i, fd = -1, claim_fd = -1, ret;

	i = cmd_parse(self, argc, argv, trace_opt, &t, 0, 0);
	if (i <= 0)
		return -i;
	if ((ret = config_load(&t.cfg)) == -ENOENT)
		ret = 0; /* not enabled: the open below says so */
	if (ret || (ret = load_names(&t)))
		goto out;
	fd = flows_map_open("events");
	if (fd < 0 || flows_stats(&st0)) {
		ret = TENC_FAIL;
		goto out;
	}
	if ((ret = claim(&claim_fd)))
		goto out;
	rb = ring_buffer__new(fd, on_event, &t, NULL);
	if (!rb) {
		ret = tenc_errno(TENC_FAIL, errno, "trace", "opening the events ring buffer");
		goto out;
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	t.start_ns = (uint64_t)now.tv_sec * 1000000000ULL + now.tv_nsec;
	stop = 0;	/* the shell runs commands again in one process */
	sigaction(SIGINT, &sa, &old_int);	/* no SA_RESTART: poll returns EINTR */
	sigaction(SIGTERM, &sa, &old_term);
	g.pretty = false;		/* JSON Lines: one object per line */
	tenc_json_begin();
	/* the ready line: claimed, attached, and events from now on kept */
	fprintf(stderr, "trace: ready; ^C stops\n");
	while (!stop) {
		int r = ring_buffer__poll(rb, 250);

		if (r < 0 && r != -EINTR) {
			ret = tenc_errno(TENC_FAIL, -r, "trace", "polling the ring buffer");
			break;
		}
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	if (!flows_stats(&st1)) {
		unsigned long long lost = st1.events_lost - st0.events_lost;

		fprintf(stderr, "trace: %lu event(s) shown, %llu lost (ring buffer full)\n",
				t.printed, lost);
	}
out:
	release(claim_fd);
	ring_buffer__free(rb);
	if (fd >= 0)
		close(fd);
	free(t.names);
	scope6_free(&t.scope6);
	peers_free(&t.peers);
	return ret;
}

const struct cmd cmd_trace = {
	.name = "trace",
	.fn = do_trace,
	.opts = trace_opts,
	.synopsis = "[--count N] [--peer NAME] [--verdict V]",
	.summary = "stream flow events live (flow starts, verdict changes)",
};
