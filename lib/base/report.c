// SPDX-License-Identifier: GPL-2.0
/* report.c: error and notice output, shared by every command (see tenc.h):
 * the one path every error takes, to stderr (and stdout's JSON) or to the
 * sink a caller set, always kept as the last error. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "tenc.h"

struct tenc_globals g = { .wait_s = 10 };
jw_t *jw;

static struct tenc_error last;
static tenc_err_sink sink;
static void *sink_ctx;

void tenc_set_err_sink(tenc_err_sink fn, void *ctx)
{
	sink = fn;
	sink_ctx = ctx;
}

const struct tenc_error *tenc_last_error(void)
{
	return &last;
}

void tenc_clear_error(void)
{
	memset(&last, 0, sizeof(last));
}

static int vreport(int code, const char *what, const char *why)
{
	const char *cmd = g.cmd_path[0] ? g.cmd_path : NULL;

	g.errors++;
	last.code = code;
	snprintf(last.what, sizeof(last.what), "%s", what);
	snprintf(last.why, sizeof(last.why), "%s", why);
	if (sink) {
		sink(&last, sink_ctx);
		return code;
	}
	fprintf(stderr, "tenc: %s%s%s: %s\n", cmd ? cmd : "", cmd ? ": " : "", what, why);
	if (g.json) {
		char msg[1536];
		jw_t e; /* on the stack: an out-of-memory error is reported too */

		snprintf(msg, sizeof(msg), "%s%s%s: %s", cmd ? cmd : "", cmd ? ": " : "", what, why);
		if (jw) {
			/* A document is open: close it so stdout stays valid JSON Lines. */
			tenc_json_end();
		}
		jw_init_file(&e, stdout, JW_COMPACT);
		jw_start_object(&e);
		jw_string_field(&e, "error", msg);
		jw_end_object(&e);
		jw_finish(&e); /* the newline, fflush */
	}
	return code;
}

int tenc_err(int code, const char *what, const char *fmt, ...)
{
	char why[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return vreport(code, what, why);
}

int tenc_errno(int code, int err, const char *what, const char *fmt, ...)
{
	char why[1024];
	size_t n;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	n = strlen(why);
	snprintf(why + n, sizeof(why) - n, "%s%s", n ? ": " : "", strerror(err));
	return vreport(code, what, why);
}

void tenc_info(int lvl, const char *fmt, ...)
{
	va_list ap;

	if (g.verbose < lvl)
		return;
	va_start(ap, fmt);
	fputs("tenc: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

bool tenc_json_begin(void)
{
	if (!g.json)
		return false;
	if (!jw)
		jw = jw_new(stdout, g.pretty);
	return jw != NULL;
}

void tenc_json_end(void)
{
	jw_destroy(&jw);
}
