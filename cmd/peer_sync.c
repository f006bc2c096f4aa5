// SPDX-License-Identifier: GPL-2.0
/* peer_sync.c: `tenc peer sync FILE|- [--prune]`: make the peer set match
 * a JSON document, either `kubectl get nodes -o json` (name, InternalIP,
 * spec.podCIDRs; the local node, known by its node ip, is skipped) or the
 * output of `tenc -j peer list`. Parses the arguments into a request,
 * calls uc_peer_sync (lib/uc/uc_peer.c: the whole input validated first, then
 * only the difference reaches the kernel, in one batch), prints the
 * counts. */
#include <stdio.h>
#include "cli.h"
#include "peer.h"
#include "tenc.h"
#include "uc_peer.h"

enum { O_PRUNE = OPT_LONG_BASE };

static const struct opt sync_opts[] = {
	{ "prune", O_PRUNE, no_argument, NULL, "remove peers absent from the input", NULL },
	{ 0 },
};

static int sync_opt(int key, char *arg, void *ctx)
{
	(void)arg;
	if (key != O_PRUNE)
		return -1;
	((struct peer_sync_req *)ctx)->prune = true;
	return 0;
}

static void print_sync_json(const struct peer_sync_res *r)
{
	jw_start_object(jw);
	jw_uint_field(jw, "added", r->n.added);
	jw_uint_field(jw, "changed", r->n.changed);
	jw_uint_field(jw, "removed", r->n.removed);
	jw_uint_field(jw, "unchanged", r->n.unchanged);
	jw_uint_field(jw, "kernel_changes", r->kernel_changes);
	jw_end_object(jw);
}

static void print_sync_plain(const struct peer_sync_res *r)
{
	printf("peers: %zu added, %zu changed, %zu removed, %zu unchanged; %zu kernel changes\n",
	       r->n.added, r->n.changed, r->n.removed, r->n.unchanged, r->kernel_changes);
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
	if ((ret = uc_peer_sync(&req, &res)))
		return ret;
	if (tenc_json_begin())
		print_sync_json(&res);
	else
		print_sync_plain(&res);
	return 0;
}

const struct cmd peer_sync = {
	.name = "sync",
	.fn = do_sync,
	.opts = sync_opts,
	.synopsis = "FILE|- [--prune]",
	.summary = "make the peers match a kubectl nodes list or a peer list (JSON)",
	.args_values = "file",
};
