// SPDX-License-Identifier: GPL-2.0
/* subnet.c: `tenc subnet add|del CIDR`: subnet mode (`enable --mode
 * subnet`). The remote pod subnets are declared up front: each gets one
 * route in table 2005 (instead of one per peer cidr), an ipcache entry that
 * marks what no peer claims for the default drop, and one block policy for
 * node-originated traffic, so an address in a subnet is either encrypted to
 * its peer or dropped: never sent in plaintext. Parses the cidr, calls
 * uc_subnet_add or uc_subnet_del (lib/uc/uc_node.c), prints what changed. */
#include <stdio.h>
#include "cli.h"
#include "tenc.h"
#include "uc_node.h"

static void print_subnet(const struct subnet_res *r)
{
	const char *what = r->added ? "added" : "removed";
	char a[64];

	fmt_prefix(&r->cidr, a, sizeof(a));
	if (tenc_json_begin()) {
		jw_start_object(jw);
		jw_string_field(jw, what, a);
		jw_end_object(jw);
	} else {
		printf("subnet %s %s\n", a, what);
	}
}

static int change(const struct cmd *self, int argc, char **argv, bool add)
{
	struct subnet_res res;
	struct prefix x;
	char err[128];
	int i, ret;

	i = cmd_parse(self, argc, argv, NULL, NULL, 1, 1);
	if (i <= 0)
		return -i;
	if (parse_prefix(argv[i], &x, err, sizeof(err)))
		return tenc_err(TENC_USAGE, "cidr", "%s", err);
	ret = add ? uc_subnet_add(&x, &res) : uc_subnet_del(&x, &res);
	if (!ret)
		print_subnet(&res);
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
