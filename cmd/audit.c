// SPDX-License-Identifier: GPL-2.0
/* audit.c: `tenc audit`: what was encrypted and what went in plaintext,
 * flow by flow: lib/audit/audit.c reads and decides once (audit_run), then the
 * report is printed in one form (audit_fmt.c): a table, JSON (-j; the
 * schema is docs/schema/audit.schema.json) or Prometheus text (--format
 * prometheus). Exit 3 when any flow is a violation, so a CI job can gate
 * on it. --duration waits while flows accumulate; --reset empties the flow
 * table of what was reported. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "audit.h"
#include "audit_fmt.h"
#include "cli.h"
#include "tenc.h"

enum { O_DURATION = OPT_LONG_BASE, O_RESET, O_FORMAT };
enum fmt { F_TABLE, F_JSON, F_PROM };

static const struct opt audit_opts[] = {
	{ "duration", O_DURATION, required_argument, "S", "wait S seconds for flows first", NULL },
	{ "reset", O_RESET, no_argument, NULL, "empty the flow table of what was reported", NULL },
	{ "format", O_FORMAT, required_argument, "F", "table (default), json, or prometheus",
	  "table|json|prometheus" },
	{ 0 },
};

struct audit_args {
	unsigned long duration;
	bool reset;
	enum fmt fmt;
	bool fmt_given;
};

static int audit_opt(int key, char *arg, void *ctx)
{
	struct audit_args *o = ctx;

	switch (key) {
	case O_DURATION:
		if (cli_number(arg, 0, 86400, &o->duration))
			return tenc_err(TENC_USAGE, "--duration", "'%s' must be 0..86400 seconds", arg);
		return 0;
	case O_RESET:
		o->reset = true;
		return 0;
	case O_FORMAT:
		if (!strcmp(arg, "table"))
			o->fmt = F_TABLE;
		else if (!strcmp(arg, "json"))
			o->fmt = F_JSON;
		else if (!strcmp(arg, "prometheus"))
			o->fmt = F_PROM;
		else
			return tenc_err(TENC_USAGE, "--format", "'%s' is not table, json or prometheus", arg);
		o->fmt_given = true;
		return 0;
	}
	return -1;
}

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

/* Wait s seconds (^C ends the wait early, and the report follows). */
static void wait_for(unsigned long s)
{
	struct sigaction sa = { .sa_handler = on_signal }, old_int, old_term;
	struct timespec t = { .tv_sec = (time_t)s };

	if (!s)
		return;
	interrupted = 0;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	while (!interrupted && nanosleep(&t, &t) && errno == EINTR)
		;
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
}

static int do_audit(const struct cmd *self, int argc, char **argv)
{
	struct audit_args o = { 0 };
	struct audit a = { 0 };
	struct flow_maps m;
	int i, ret;

	i = cmd_parse(self, argc, argv, audit_opt, &o, 0, 0);
	if (i <= 0)
		return -i;
	if (g.json && o.fmt_given && o.fmt != F_JSON)
		return tenc_err(TENC_USAGE, "--format", "-j asks for JSON already");
	if (o.fmt == F_JSON)
		g.json = true;
	if (flows_maps_open(&m))
		return TENC_FAIL;
	wait_for(o.duration);
	ret = audit_run(&a, &m);
	if (!ret) {
		if (o.fmt == F_PROM)
			audit_print_prometheus(&a);
		else if (tenc_json_begin())
			audit_print_json(&a);
		else
			audit_print_plain(&a);
		fflush(stdout);
		if (o.reset)
			ret = flows_reset(&m, &a.flows);
		if (!ret && a.counts[V_VIOLATION])
			ret = TENC_VIOLATION;
	}
	flows_maps_close(&m);
	audit_free(&a);
	return ret;
}

const struct cmd cmd_audit = {
	.name = "audit",
	.fn = do_audit,
	.opts = audit_opts,
	.synopsis = "[--duration S] [--reset] [--format table|json|prometheus]",
	.summary = "report, flow by flow, what was encrypted and what was not",
};
