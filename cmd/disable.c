// SPDX-License-Identifier: GPL-2.0
/* disable.c: `tenc disable`: remove everything tenc installed and nothing
 * else: programs (and the clsact qdiscs tenc created), tenc's XFRM states
 * and policies (by reqid and marks), rules and routes (by protocol), pins
 * and the bpffs. Keys and peers stay in the state dir for a later enable.
 * The work is uc_disable's (lib/uc/uc_node.c); this file prints its result. */
#include <stdio.h>
#include "cli.h"
#include "tenc.h"
#include "uc_node.h"

static void print_disable(const struct disable_res *r)
{
	size_t n = r->kernel_changes;

	if (tenc_json_begin()) {
		jw_start_object(jw);
		jw_bool_field(jw, "enabled", false);
		jw_uint_field(jw, "changes", n);
		jw_end_object(jw);
	} else {
		printf("tenc disabled, %zu kernel change%s\n", n, n == 1 ? "" : "s");
	}
}

static int do_disable(const struct cmd *self, int argc, char **argv)
{
	struct disable_res res;
	int i, ret;

	i = cmd_parse(self, argc, argv, NULL, NULL, 0, 0);
	if (i <= 0)
		return -i;
	if (!(ret = uc_disable(&res)))
		print_disable(&res);
	return ret;
}

const struct cmd cmd_disable = {
	.name = "disable",
	.fn = do_disable,
	.synopsis = "",
	.summary = "remove everything tenc installed, and nothing else",
};
