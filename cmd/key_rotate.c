// SPDX-License-Identifier: GPL-2.0
/* key_rotate.c: `tenc key rotate`: change keys with no lost packet and no
 * plaintext, in three phases (lib/uc/rotate.c runs them):
 *   prepare  FILE|-      the new key pending at the next SPI, installed
 *   --commit [--all]     OUT switches to it per peer as peers advertise it
 *   --finish [--force]   the retiring key removed once nothing uses it
 *   --auto FILE          all three; again with the same line: resumes
 * Owns: the options, one use case per run, the result as JSON or text,
 * --auto's progress lines, and SIGINT/SIGTERM during --auto (caught for
 * that run only, the previous handlers put back: the shell runs many
 * commands in one process). */
#include <signal.h>
#include <stdio.h>
#include "cli.h"
#include "nodelist.h"
#include "rotate.h"
#include "tenc.h"

enum { O_COMMIT = OPT_LONG_BASE, O_FINISH, O_FORCE, O_ALL, O_QUIET, O_AUTO, O_GRACE, O_SPI };

static const struct opt rotate_opts[] = {
	{ "commit", O_COMMIT, no_argument, NULL, "switch OUT to the pending key", NULL },
	{ "all", O_ALL, no_argument, NULL, "with --commit: also towards peers not advertising it", NULL },
	{ "finish", O_FINISH, no_argument, NULL, "remove the retiring key", NULL },
	{ "force", O_FORCE, no_argument, NULL, "with --finish: even if peers still use it", NULL },
	{ "quiet-for", O_QUIET, required_argument, "S",
	  "with --finish or --auto: the old key's counters must be still for S seconds (10)", NULL },
	{ "auto", O_AUTO, no_argument, NULL,
	  "prepare, commit per peer as they advertise, finish; again with its line: resume", NULL },
	{ "grace", O_GRACE, required_argument, "S", "with --auto: wait S seconds between phases (10)", NULL },
	{ "spi", O_SPI, required_argument, "N", "the new key's SPI (default: the next free one)", "spi" },
	{ 0 },
};

enum phase { PH_PREPARE, PH_COMMIT, PH_FINISH, PH_AUTO };

struct rot_args {
	bool commit, finish, automatic, have_quiet, have_grace;
	struct rotate_args r;
};

static int num(const char *arg, const char *what, int max, int *out)
{
	unsigned long v;

	if (cli_number(arg, 0, (unsigned long)max, &v))
		return tenc_err(TENC_USAGE, what, "'%s' must be 0..%d", arg, max);
	*out = (int)v;
	return 0;
}

static int rot_opt(int key, char *arg, void *ctx)
{
	struct rot_args *a = ctx;

	switch (key) {
	case O_COMMIT: a->commit = true; return 0;
	case O_FINISH: a->finish = true; return 0;
	case O_FORCE: a->r.force = true; return 0;
	case O_ALL: a->r.all = true; return 0;
	case O_AUTO: a->automatic = true; return 0;
	case O_QUIET: a->have_quiet = true; return num(arg, "--quiet-for", 86400, &a->r.quiet_for);
	case O_GRACE: a->have_grace = true; return num(arg, "--grace", 86400, &a->r.grace);
	case O_SPI:
		return parse_spi(arg, &a->r.spi) ? tenc_err(TENC_USAGE, "--spi", "must be a number 1..15") : 0;
	}
	return -1;
}

/* The phase asked for, or -1 after a usage error (reported). */
static int rot_phase(const struct cmd *self, const struct rot_args *a)
{
	const struct rotate_args *r = &a->r;

	if (a->commit + a->finish + a->automatic > 1)
		return cmd_usage_error(self, "--commit, --finish and --auto exclude each other"), -1;
	if ((r->all && !a->commit) || (r->force && !a->finish) ||
	    (a->have_quiet && !a->finish && !a->automatic) ||
	    (a->have_grace && !a->automatic) || (r->spi && (a->commit || a->finish)))
		return cmd_usage_error(self, "an option does not go with this phase"), -1;
	return a->commit ? PH_COMMIT : a->finish ? PH_FINISH : a->automatic ? PH_AUTO : PH_PREPARE;
}

/* What one phase did, as JSON (one object) or a line of text. A re-run
 * that only converged prints nothing. */
static void print_json(enum phase ph, const struct rotate_result *r)
{
	jw_start_object(jw);
	if (ph == PH_PREPARE) {
		jw_uint_field(jw, "pending", (uint64_t)r->pending);
	} else if (ph == PH_COMMIT) {
		jw_uint_field(jw, "current", (uint64_t)r->current);
		jw_uint_field(jw, "retiring", (uint64_t)r->retiring);
		jw_uint_field(jw, "waiting", r->waiting);
	} else {
		jw_uint_field(jw, "removed", (uint64_t)r->removed);
	}
	jw_end_object(jw);
}

static void print_text(enum phase ph, const struct rotate_result *r)
{
	if (ph == PH_PREPARE)
		printf("key spi %d pending: IN and OUT SAs installed, OUT still uses spi %d\n", r->pending,
		       r->current);
	else if (ph == PH_COMMIT && r->waiting)
		printf("key spi %d is current, spi %d retiring; OUT still uses the old key towards (not "
		       "advertising it): %s\n", r->current, r->retiring, r->waiting_names);
	else if (ph == PH_COMMIT)
		printf("key spi %d is current, spi %d retiring\n", r->current, r->retiring);
	else
		printf("key spi %d removed\n", r->removed);
}

static void print_result(enum phase ph, const struct rotate_result *r)
{
	if (r->again)
		return;
	if (tenc_json_begin()) {
		print_json(ph, r);
		tenc_json_end();
	} else {
		print_text(ph, r);
	}
	fflush(stdout);
}

/* --auto run again with the line of the rotation under way, on stderr. */
static void auto_resumed(const struct rotate_result *r)
{
	if (r->pending)
		tenc_info(0, "rotate: resuming: spi %d pending, OUT on spi %d", r->pending, r->current);
	else if (r->retiring)
		tenc_info(0, "rotate: resuming: spi %d current, spi %d retiring", r->current, r->retiring);
	else
		tenc_info(0, "rotate: spi %d is current and nothing retires: nothing to do", r->current);
}

/* --auto's steps: prepare's result as prepare prints it; then, on stderr,
 * the commits' progress. */
static void auto_progress(enum rotate_step step, const struct rotate_result *r, void *ctx)
{
	const struct rotate_args *a = ctx;

	if (step == ROTATE_RESUMED)
		auto_resumed(r);
	else if (step == ROTATE_PREPARED)
		print_result(PH_PREPARE, r);
	else if (step == ROTATE_WAITING)
		tenc_info(0, "rotate: committed; %zu peer%s not advertising the new key yet", r->waiting,
			  r->waiting == 1 ? "" : "s");
	else
		tenc_info(0, "rotate: every peer uses the new key; finishing after %d s", a->grace);
}

/* Set by SIGINT or SIGTERM while an --auto runs; a handler can reach no
 * other place. Cleared by every run, so a stop never outlives its run. */
static volatile sig_atomic_t stop_auto;

static void on_stop(int sig)
{
	(void)sig;
	stop_auto = 1;
}

/* --auto with SIGINT and SIGTERM caught and the previous handlers put
 * back, whatever it returns. SA_RESTART: a step under way is not cut
 * short (its netlink and file calls go on); a sleep is (never restarted). */
static int run_auto(const struct rotate_args *a, struct tenc_key *k, struct rotate_result *r)
{
	struct sigaction sa = { .sa_handler = on_stop, .sa_flags = SA_RESTART }, old_int, old_term;
	const struct rotate_watch w = { &stop_auto, auto_progress, (void *)a };
	int ret;

	stop_auto = 0;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	ret = rotate_auto(a, k, &w, r);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	stop_auto = 0;
	return ret;
}

static int do_rotate(const struct cmd *self, int argc, char **argv)
{
	struct rot_args a = { .r = { .quiet_for = 10, .grace = 10 } };
	struct rotate_result res;
	struct tenc_key k = { 0 };
	int i, ph, nfile, ret;
	char err[160];

	i = opts_parse(self, argc, argv, rot_opt, &a);
	if (i < 0)
		return i == -2 ? TENC_OK : TENC_USAGE;
	if ((ph = rot_phase(self, &a)) < 0)
		return TENC_USAGE;
	nfile = ph == PH_PREPARE || ph == PH_AUTO;
	if (cmd_need_args(self, argc, i, nfile, nfile))
		return TENC_USAGE;
	if (nfile && key_read_file(argv[i], &k, err, sizeof(err)))
		return tenc_err(TENC_USAGE, "key", "%s", err);
	if (ph == PH_PREPARE)
		ret = rotate_prepare(&a.r, &k, &res);
	else if (ph == PH_COMMIT)
		ret = rotate_commit(&a.r, &res);
	else if (ph == PH_FINISH)
		ret = rotate_finish(&a.r, &res);
	else
		ret = run_auto(&a.r, &k, &res);
	key_wipe(&k);
	if (!ret)
		print_result(ph == PH_AUTO ? PH_FINISH : (enum phase)ph, &res);
	return ret;
}

const struct cmd key_rotate = {
	.name = "rotate",
	.fn = do_rotate,
	.opts = rotate_opts,
	.synopsis = "FILE|- [--spi N] | --commit [--all] | --finish [--force] [--quiet-for S] | "
		    "--auto FILE [--spi N] [--grace S] [--quiet-for S]",
	.summary = "rotate keys without losing or leaking a packet (prepare, commit, finish)",
	.args_values = "file",
};
