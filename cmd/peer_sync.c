// SPDX-License-Identifier: GPL-2.0
/* peer_sync.c: `tenc peer sync FILE|- [--prune] [--strict]`: make the
 * peer set match a JSON document, either `kubectl get nodes -o json`
 * (name, InternalIP, spec.podCIDRs; the local node, known by its node ip,
 * is skipped) or the output of `tenc -j peer list`. Parses the arguments
 * into a request, calls uc_peer_sync (lib/uc/uc_peer.c: the nodes that
 * cannot be peered left out, or with --strict refused, then only the
 * difference reaches the kernel, in one batch), prints the counts and the
 * nodes left out (on stderr; with -j in the summary too).
 * `tenc peer sync --watch FILE|- [--settle MS]`: follow `kubectl get nodes
 * -o json --watch --output-watch-events` (uc_peer_watch, lib/uc/uc_watch.c:
 * a batch per settle time), SIGINT/SIGTERM caught for the loop's length
 * (the batch under way finished, then exit 0), a line per applied batch
 * (-j: a JSON line). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "peer.h"
#include "tenc.h"
#include "uc_peer.h"
#include "uc_watch.h"

enum { O_PRUNE = OPT_LONG_BASE, O_STRICT, O_WATCH, O_SETTLE };

struct sync_args {
	struct peer_sync_req req;
	const char *watch;	/* --watch's FILE|- */
	unsigned long settle;	/* --settle, ms */
	bool settle_set;
};

static const struct opt sync_opts[] = {
	{ "prune", O_PRUNE, no_argument, NULL, "remove peers absent from the input", NULL },
	{ "strict", O_STRICT, no_argument, NULL, "all or nothing: refuse the input if any node is rejected",
	  NULL },
	{ "watch", O_WATCH, required_argument, "FILE|-",
	  "follow a kubectl --watch --output-watch-events stream, a batch per settle time", "file" },
	{ "settle", O_SETTLE, required_argument, "MS", "with --watch: gather events for MS (0..60000, default 200)",
	  NULL },
	{ 0 },
};

static int sync_opt(int key, char *arg, void *ctx)
{
	struct sync_args *a = ctx;

	if (key == O_PRUNE)
		a->req.prune = true;
	else if (key == O_STRICT)
		a->req.strict = true;
	else if (key == O_WATCH)
		a->watch = arg;
	else if (key == O_SETTLE && !cli_number(arg, 0, WATCH_SETTLE_MAX, &a->settle))
		a->settle_set = true;
	else if (key == O_SETTLE)
		return tenc_err(TENC_USAGE, "--settle", "'%s': not a number of ms in 0..%d", arg, WATCH_SETTLE_MAX),
		       -1;
	else
		return -1;
	return 0;
}

/* Each node left out, on stderr. */
static void print_rejected(const struct node_rejects *rej)
{
	for (size_t i = 0; i < rej->n; i++)
		fprintf(stderr, "tenc: %s: %s: %s (rejected)\n", g.cmd_path, rej->v[i].name, rej->v[i].reason);
}

/* The counts and rejected nodes, as fields of the object open. */
static void sync_json_fields(const struct peer_sync_res *r)
{
	jw_uint_field(jw, "added", r->n.added);
	jw_uint_field(jw, "changed", r->n.changed);
	jw_uint_field(jw, "removed", r->n.removed);
	jw_uint_field(jw, "unchanged", r->n.unchanged);
	jw_uint_field(jw, "kernel_changes", r->kernel_changes);
	jw_uint_field(jw, "rejected", r->rejected.n);
	jw_name(jw, "rejected_nodes");
	jw_start_array(jw);
	for (size_t i = 0; i < r->rejected.n; i++) {
		jw_start_object(jw);
		jw_string_field(jw, "name", r->rejected.v[i].name);
		jw_string_field(jw, "reason", r->rejected.v[i].reason);
		jw_end_object(jw);
	}
	jw_end_array(jw);
}

static void print_sync_json(const struct peer_sync_res *r)
{
	jw_start_object(jw);
	sync_json_fields(r);
	jw_end_object(jw);
}

static void print_sync_plain(const struct peer_sync_res *r)
{
	printf("peers: %zu added, %zu changed, %zu removed, %zu unchanged; %zu kernel changes",
	       r->n.added, r->n.changed, r->n.removed, r->n.unchanged, r->kernel_changes);
	if (r->rejected.n)
		printf("; %zu rejected", r->rejected.n);
	printf("\n");
}

/* One watch batch: its ERROR events and rejected nodes on stderr, then
 * its line (-j: a JSON line). */
static void print_batch(const struct watch_batch_res *r, void *ctx)
{
	(void)ctx;
	for (size_t i = 0; i < r->errors->n; i++)
		fprintf(stderr, "tenc: %s: ERROR event: %s\n", g.cmd_path, r->errors->v[i].reason);
	if (r->applied && r->ret && r->retry_ms)
		fprintf(stderr, "tenc: %s: batch of %zu events not applied (nothing changed); trying again in %.1f s\n",
			g.cmd_path, r->events, r->retry_ms / 1e3);
	if (!r->applied || r->ret)
		return;
	print_rejected(&r->sync.rejected);
	if (tenc_json_begin()) {
		jw_start_object(jw);
		jw_uint_field(jw, "events", r->events);
		sync_json_fields(&r->sync);
		jw_uint_field(jw, "ms", (uint64_t)(r->ms + 0.5));
		jw_end_object(jw);
		jw_flush_line(jw);
		return;
	}
	printf("batch: %zu events; peers: %zu added, %zu changed, %zu removed, %zu unchanged; %zu kernel changes; "
	       "%zu rejected; %.1f ms\n",
	       r->events, r->sync.n.added, r->sync.n.changed, r->sync.n.removed, r->sync.n.unchanged,
	       r->sync.kernel_changes, r->sync.rejected.n, r->ms);
	fflush(stdout);
}

/* Set by SIGINT or SIGTERM while the watch runs. */
static volatile sig_atomic_t stop_watch;

static void on_stop(int sig)
{
	(void)sig;
	stop_watch = 1;
}

/* The watch loop on fd with SIGINT and SIGTERM caught, blocked but while
 * it waits for input (so a stop lands between batches), and the previous
 * handlers and mask put back. */
static int run_watch(int fd, unsigned settle)
{
	struct sigaction sa = { .sa_handler = on_stop }, old_int, old_term;
	sigset_t block, old_mask;
	struct watch_req w = { fd, settle, &stop_watch, &old_mask, print_batch, NULL };
	int ret;

	stop_watch = 0;
	sigemptyset(&sa.sa_mask);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &old_mask);
	sigdelset(&old_mask, SIGINT);
	sigdelset(&old_mask, SIGTERM);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	ret = uc_peer_watch(&w);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	sigprocmask(SIG_UNBLOCK, &block, NULL);
	stop_watch = 0;
	return ret;
}

static int do_watch(const struct cmd *self, const struct sync_args *a)
{
	int fd = strcmp(a->watch, "-") == 0 ? STDIN_FILENO : open(a->watch, O_RDONLY | O_CLOEXEC);
	int ret;

	if (a->req.prune || a->req.strict)
		return cmd_usage_error(self, "--watch takes no --prune or --strict (a DELETED event removes)");
	if (fd < 0)
		return tenc_errno(TENC_USAGE, errno, a->watch, "opening");
	ret = run_watch(fd, a->settle_set ? (unsigned)a->settle : 200);
	if (fd != STDIN_FILENO)
		close(fd);
	return ret;
}

static int do_sync(const struct cmd *self, int argc, char **argv)
{
	struct sync_args a = { 0 };
	struct peer_sync_req *req = &a.req;
	struct peer_sync_res res;
	int i, ret;

	i = cmd_parse(self, argc, argv, sync_opt, &a, 0, 1);
	if (i <= 0)
		return -i;
	if (a.watch)
		return cmd_need_args(self, argc, i, 0, 0) ?: do_watch(self, &a);
	if (a.settle_set)
		return cmd_usage_error(self, "--settle goes with --watch");
	if (cmd_need_args(self, argc, i, 1, 1))
		return TENC_USAGE;
	req->path = argv[i];
	if ((ret = uc_peer_sync(req, &res))) {
		peer_sync_res_free(&res);
		return ret;
	}
	print_rejected(&res.rejected);
	if (tenc_json_begin())
		print_sync_json(&res);
	else
		print_sync_plain(&res);
	peer_sync_res_free(&res);
	return 0;
}

const struct cmd peer_sync = {
	.name = "sync",
	.fn = do_sync,
	.opts = sync_opts,
	.synopsis = "FILE|- [--prune] [--strict] | --watch FILE|- [--settle MS]",
	.summary = "make the peers match a kubectl nodes list or a peer list (JSON), or follow a watch stream",
	.args_values = "file",
};
