// SPDX-License-Identifier: GPL-2.0
/* subnet.c: `tenc subnet add|del CIDR`: subnet mode (`enable --mode
 * subnet`). The remote pod subnets are declared up front: each gets one
 * route in table 2005 (instead of one per peer cidr), an ipcache entry that
 * marks what no peer claims for the default drop, and one block policy for
 * node-originated traffic, so an address in a subnet is either encrypted to
 * its peer or dropped: never sent in plaintext. */
#include <stdio.h>
#include <string.h>
#include "cli.h"
#include "node.h"
#include "state.h"
#include "tenc.h"


static int find_subnet(const struct tenc_config *c, const struct cidr *x)
{
	for (int i = 0; i < c->n_subnets; i++)
		if (c->subnets[i].addr == x->addr && c->subnets[i].len == x->len)
			return i;
	return -1;
}

static int change(const struct cmd *self, int argc, char **argv, bool add)
{
	struct cidr x;
	struct node n;
	char err[128], a[32], b[32];
	int i, ret;

	i = cmd_parse(self, argc, argv, NULL, NULL, 1, 1);
	if (i <= 0)
		return -i;
	if (parse_cidr(argv[i], &x, err, sizeof(err)))
		return tenc_err(TENC_USAGE, "cidr", "%s", err);
	if ((ret = writer_begin()))
		return ret;
	if ((ret = node_load(&n)))
		goto out_lock;
	ret = TENC_USAGE;
	if (!n.enabled || (add && n.cfg.mode != MODE_SUBNET)) {
		tenc_err(ret, "mode", "subnets need subnet mode (tenc enable --mode subnet ...)");
		goto out;
	}
	if (add) {
		for (int k = 0; k < n.cfg.n_subnets; k++) {
			if (cidr_overlap(&x, &n.cfg.subnets[k])) {
				tenc_err(ret, "cidr", "%s overlaps the subnet %s", fmt_cidr(&x, a, 32),
					 fmt_cidr(&n.cfg.subnets[k], b, 32));
				goto out;
			}
		}
		if (n.cfg.n_subnets == MAX_SUBNETS) {
			tenc_err(ret, "cidr", "at most %d subnets", MAX_SUBNETS);
			goto out;
		}
		n.cfg.subnets[n.cfg.n_subnets++] = x;
	} else {
		int k = find_subnet(&n.cfg, &x);

		if (k < 0) {
			tenc_err(ret, "cidr", "%s is not a subnet", fmt_cidr(&x, a, 32));
			goto out;
		}
		memmove(&n.cfg.subnets[k], &n.cfg.subnets[k + 1],
			(size_t)(n.cfg.n_subnets - k - 1) * sizeof(x));
		n.cfg.n_subnets--;
	}
	ret = node_reconcile(&n, NULL) ?: config_save(&n.cfg);
	if (ret == 0 && tenc_json_begin()) {
		jw_start_object(jw);
		jw_string_field(jw, add ? "added" : "removed", fmt_cidr(&x, a, 32));
		jw_end_object(jw);
	} else if (ret == 0) {
		printf("subnet %s %s\n", fmt_cidr(&x, a, 32), add ? "added" : "removed");
	}
out:
	node_free(&n);
out_lock:
	writer_end();
	return ret;
}

static int do_add(const struct cmd *self, int argc, char **argv) { return change(self, argc, argv, true); }
static int do_del(const struct cmd *self, int argc, char **argv) { return change(self, argc, argv, false); }

static const struct cmd subnet_add = {
	.name = "add", .fn = do_add, .synopsis = "CIDR",
	.summary = "declare a remote pod subnet (subnet mode)",
};
static const struct cmd subnet_del = {
	.name = "del", .fn = do_del, .synopsis = "CIDR", .summary = "remove a subnet",
};

static const struct cmd *const subnet_cmds[] = { &subnet_add, &subnet_del, NULL };

const struct cmd cmd_subnet = {
	.name = "subnet",
	.sub = subnet_cmds,
	.summary = "pod subnets (subnet mode)",
};
