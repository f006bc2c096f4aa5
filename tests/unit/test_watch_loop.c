// SPDX-License-Identifier: GPL-2.0
/* test_watch_loop.c: peer sync --watch's loop (lib/uc/uc_watch.c) on a
 * scratch state dir (the node not enabled: state files only): a burst of
 * 2000 ADDED events already waiting (a regular file) is one batch even
 * with a settle time far shorter than its parsing (the backlog is this
 * batch's); a stream that never pauses (a pipe a child keeps full for
 * longer than watch_backlog_ms) is still applied while it goes on, in
 * more than one batch, each event in one of them. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "tap.h"
#include "tenc.h"
#include "uc_watch.h"

struct count {
	size_t batches, events, added, changed, failed;
	double first_ms;	/* when the first batch was applied */
};

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static void on_batch(const struct watch_batch_res *r, void *ctx)
{
	struct count *c = ctx;

	if (!c->batches++)
		c->first_ms = now_ms();
	c->events += r->events;
	c->added += r->sync.n.added;
	c->changed += r->sync.n.changed;
	c->failed += r->ret != 0;
}

/* Node i's event, pretty-printed as kubectl prints it, into buf. */
static int node_event(char *buf, size_t n, const char *type, int i)
{
	return snprintf(buf, n,
			"{\n    \"type\": \"%s\",\n    \"object\": {\n        \"kind\": \"Node\",\n"
			"        \"metadata\": {\n            \"name\": \"p%d\"\n        },\n"
			"        \"spec\": {\n            \"podCIDRs\": [\n                \"10.%d.%d.0/24\"\n"
			"            ]\n        },\n        \"status\": {\n            \"addresses\": [\n"
			"                {\n                    \"address\": \"10.0.%d.%d\",\n"
			"                    \"type\": \"InternalIP\"\n                }\n            ]\n"
			"        }\n    }\n}\n",
			type, i, 128 + i / 256, i % 256, (i + 1) / 256, (i + 1) % 256);
}

static int run_loop(int fd, unsigned settle, struct count *c)
{
	static volatile sig_atomic_t stop;
	sigset_t mask;

	sigemptyset(&mask);
	memset(c, 0, sizeof(*c));
	return uc_peer_watch(&(struct watch_req){ fd, settle, &stop, &mask, on_batch, c });
}

/* A fresh state dir under dir for one test. */
static void fresh_state(const char *dir, const char *name)
{
	static char sd[2][4200];
	static int k;

	snprintf(sd[k], sizeof(sd[k]), "%s/%s", dir, name);
	g.state_dir = sd[k];
	k = !k;
}

static void test_burst(const char *dir)
{
	char path[4200], ev[1024];
	struct count c;
	FILE *f;
	int fd, n = 2000;

	snprintf(path, sizeof(path), "%s/burst", dir);
	if (!(f = fopen(path, "w"))) {
		ok(0, "burst file");
		return;
	}
	for (int i = 1; i <= n; i++)
		if (node_event(ev, sizeof(ev), "ADDED", i) > 0)
			fputs(ev, f);
	fclose(f);
	fresh_state(dir, "burst-state");
	fd = open(path, O_RDONLY);
	ok(run_loop(fd, 1, &c) == 0, "burst: the loop ends at EOF, 0");
	close(fd);
	ok(c.batches == 1, "a waiting burst of %d events with --settle 1 is one batch (%zu)", n, c.batches);
	ok(c.events == (size_t)n && c.added == (size_t)n && !c.failed, "every event applied: %zu events, %zu added",
	   c.events, c.added);
}

/* The child: MODIFIED events of p1..p100, written for ms, then EOF. */
static void keep_writing(int fd, double ms)
{
	static char buf[65536];
	struct timespec t0, t;
	size_t len = 0;
	int k, i = 0;

	while ((k = node_event(buf + len, sizeof(buf) - len, "MODIFIED", 1 + i % 100)) > 0 &&
	       (size_t)k < sizeof(buf) - len) {
		len += (size_t)k;
		i++;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		if (write(fd, buf, len) < 0)
			_exit(1);
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while ((t.tv_sec - t0.tv_sec) * 1e3 + (t.tv_nsec - t0.tv_nsec) / 1e6 < ms);
	_exit(0);
}

static void test_endless(const char *dir)
{
	double t0 = now_ms(), ms = watch_backlog_ms(1) + 1000;
	struct count c;
	int p[2], st = -1;
	pid_t pid;

	if (pipe(p)) {
		ok(0, "pipe");
		return;
	}
	if (!(pid = fork())) {
		close(p[0]);
		keep_writing(p[1], ms);
	}
	close(p[1]);
	fresh_state(dir, "endless-state");
	ok(run_loop(p[0], 1, &c) == 0, "endless: the loop ends at EOF, 0");
	close(p[0]);
	waitpid(pid, &st, 0);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the writer wrote for %.0f ms", ms);
	ok(c.batches >= 2 && c.first_ms - t0 < ms, "a stream that never pauses is applied while it goes on "
	   "(%zu batches, the first after %.0f ms of %.0f)", c.batches, c.first_ms - t0, ms);
	ok(c.added == 100 && !c.failed, "its 100 nodes added (%zu), no batch failed", c.added);
}

int main(void)
{
	char dir[] = "/tmp/tenc-watchloop.XXXXXX", rm[64];

	if (!mkdtemp(dir))
		return 1;
	g.wait_s = 5;
	ok(watch_backlog_ms(0) == WATCH_BACKLOG_MIN_MS && watch_backlog_ms(1000) == 10000,
	   "the backlog limit: 10 settle times, at least %d ms", WATCH_BACKLOG_MIN_MS);
	test_burst(dir);
	test_endless(dir);
	snprintf(rm, sizeof(rm), "rm -rf %s", dir);
	if (system(rm) != 0)
		return 1;
	return done_testing();
}
