// SPDX-License-Identifier: GPL-2.0
/* peer_sync.c: `tenc peer sync FILE|- [--prune] [--strict]`: make the
 * peer set match a JSON document, either `kubectl get nodes -o json`
 * (name, InternalIP, spec.podCIDRs; the local node, known by its node ip,
 * is skipped) or the output of `tenc -j peer list`. Parses the arguments
 * into a request, calls uc_peer_sync (lib/uc/uc_peer.c: the nodes that
 * cannot be peered left out, or with --strict refused, then only the
 * difference reaches the kernel, in one batch), prints the counts and the
 * nodes left out (on stderr; with -j in the summary too). */
#include <stdio.h>
#include "cli.h"
#include "peer.h"
#include "tenc.h"
#include "uc_peer.h"

enum { O_PRUNE = OPT_LONG_BASE, O_STRICT };

static const struct opt sync_opts[] = {
	{ "prune", O_PRUNE, no_argument, NULL, "remove peers absent from the input", NULL },
	{ "strict", O_STRICT, no_argument, NULL, "all or nothing: refuse the input if any node is rejected",
	  NULL },
	{ 0 },
};

static int sync_opt(int key, char *arg, void *ctx)
{
	struct peer_sync_req *req = ctx;

	(void)arg;
	if (key == O_PRUNE)
		req->prune = true;
	else if (key == O_STRICT)
		req->strict = true;
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

static void print_sync_json(const struct peer_sync_res *r)
{
	jw_start_object(jw);
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

static int do_sync(const struct cmd *self, int argc, char **argv)
{
	struct peer_sync_req req = { 0 };
	struct peer_sync_res res;
	int i, ret;

	i = cmd_parse(self, argc, argv, sync_opt, &req, 1, 1);
	if (i <= 0)
		return -i;
	req.path = argv[i];
	if ((ret = uc_peer_sync(&req, &res))) {
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
	.synopsis = "FILE|- [--prune] [--strict]",
	.summary = "make the peers match a kubectl nodes list or a peer list (JSON)",
	.args_values = "file",
};
