// SPDX-License-Identifier: GPL-2.0
/* test_report: the one error path (lib/base/report.c): by default errors
 * go to stderr; with a sink set, a library call that fails (here
 * peers_load on a broken peers.json) reports to the sink and prints
 * nothing; the last error is kept, and cleared on demand. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "store.h"
#include "tap.h"
#include "tenc.h"

struct seen {
	int n;
	struct tenc_error e;
};

static void collect(const struct tenc_error *e, void *ctx)
{
	struct seen *s = ctx;

	s->n++;
	s->e = *e;
}

/* What fn wrote on stderr, into buf. */
static void stderr_of(void (*fn)(void *), void *arg, char *buf, size_t n)
{
	FILE *f = tmpfile();
	int saved = dup(2);
	size_t len;

	fflush(stderr);
	dup2(fileno(f), 2);
	fn(arg);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(f);
	len = fread(buf, 1, n - 1, f);
	buf[len] = 0;
	fclose(f);
}

static void report_one(void *arg)
{
	(void)arg;
	tenc_err(TENC_USAGE, "--spi", "must be 1..15");
}

static void load_broken(void *arg)
{
	struct peers p = { 0 };

	*(int *)arg = peers_load(&p);
	peers_free(&p);
}

int main(void)
{
	char dir[] = "/tmp/tenc-report.XXXXXX", path[256], out[2048];
	struct seen s = { 0 };
	FILE *f;
	int r = 0;

	tenc_clear_error();
	is_int(tenc_last_error()->code, 0, "no error yet");
	stderr_of(report_one, NULL, out, sizeof(out));
	is_str(out, "tenc: --spi: must be 1..15\n", "without a sink: on stderr, in the one form");
	is_int(tenc_last_error()->code, TENC_USAGE, "kept as the last error");
	is_str(tenc_last_error()->what, "--spi", "what");

	tenc_set_err_sink(collect, &s);
	stderr_of(report_one, NULL, out, sizeof(out));
	is_str(out, "", "with a sink: nothing printed");
	is_int(s.n, 1, "the sink saw it");
	is_str(s.e.why, "must be 1..15", "why");

	/* A library call that fails reports through the same path. */
	if (!mkdtemp(dir))
		return 1;
	g.state_dir = dir;
	snprintf(path, sizeof(path), "%s/peers.json", dir);
	f = fopen(path, "w");
	fputs("{\"peers\": [{\"name\": \"a\", \"id\": 1, \"node_ip\": \"10.0.0.2\", \"cidrs\": []}]}\n", f);
	fclose(f);
	tenc_clear_error();
	stderr_of(load_broken, &r, out, sizeof(out));
	is_int(r, TENC_FAIL, "a broken peers.json fails the load");
	is_str(out, "", "and prints nothing with a sink set");
	is_int(s.n, 2, "the sink saw the load's error");
	ok(strstr(s.e.what, "peers.json") != NULL, "naming the file: %s", s.e.what);
	ok(strstr(s.e.why, "cidrs") != NULL, "and the field: %s", s.e.why);
	is_int(tenc_last_error()->code, TENC_FAIL, "kept as the last error");

	tenc_set_err_sink(NULL, NULL);
	stderr_of(report_one, NULL, out, sizeof(out));
	is_str(out, "tenc: --spi: must be 1..15\n", "sink unset: stderr again");
	tenc_clear_error();
	is_int(tenc_last_error()->code, 0, "cleared");
	unlink(path);
	rmdir(dir);
	return done_testing();
}
