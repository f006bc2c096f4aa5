// SPDX-License-Identifier: GPL-2.0
/* disable.c: `tenc disable`: remove everything tenc installed and nothing
 * else: programs (and the clsact qdiscs tenc created), tenc's XFRM states
 * and policies (by reqid and marks), rules and routes (by protocol), pins
 * and the bpffs. Keys and peers stay in the state dir for a later enable. */
#include <stdio.h>
#include "apply.h"
#include "bpfdp.h"
#include "cli.h"
#include "env.h"
#include "node.h"
#include "state.h"
#include "tenc.h"


static int do_disable(const struct cmd *self, int argc, char **argv)
{
	struct tenc_config c;
	struct plan none = { 0 };
	size_t changes = 0;
	char bpffs[4096];
	struct dp d;
	int i, ret, r;

	i = cmd_parse(self, argc, argv, NULL, NULL, 0, 0);
	if (i <= 0)
		return -i;
	if ((ret = writer_begin()))
		return ret;
	r = config_load(&c);
	if (r > 0) {
		ret = r;
		goto out;
	}
	if (r == 0) {
		/* Programs first: no more marks once XFRM objects start to go. */
		for (int k = 0; k < c.n_devs; k++)
			bpfdp_detach(c.devs[k], HOOK_FROM_POD, c.dev_qdisc_created[k]);
		bpfdp_detach(c.underlay, HOOK_FROM_WIRE, false);
		bpfdp_detach(c.underlay, HOOK_TO_WIRE, c.underlay_qdisc_created);
	}
	if ((ret = dp_open(&d)))
		goto out;
	ret = dp_reconcile(&d, &none, &changes);
	dp_close(&d);
	if (ret)
		goto out;
	if (env_bpffs(bpffs, sizeof(bpffs), false) == 0)
		bpfdp_unpin(bpffs);
	if ((ret = env_bpffs_release()))
		goto out;
	ret = r == 0 ? config_remove_enabled() : 0;
	if (ret == 0) {
		if (tenc_json_begin()) {
			jw_start_object(jw);
			jw_bool_field(jw, "enabled", false);
			jw_uint_field(jw, "changes", changes);
			jw_end_object(jw);
		} else {
			printf("tenc disabled, %zu kernel change%s\n", changes, changes == 1 ? "" : "s");
		}
	}
out:
	writer_end();
	return ret;
}

const struct cmd cmd_disable = {
	.name = "disable",
	.fn = do_disable,
	.synopsis = "",
	.summary = "remove everything tenc installed, and nothing else",
};
