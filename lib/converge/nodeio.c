// SPDX-License-Identifier: GPL-2.0
/* nodeio.c: the node loaded from its state files and its underlay, and
 * made to hold its plan (see nodeio.h). */
#include <string.h>
#include "apply.h"
#include "nodeio.h"
#include "rtnl.h"
#include "state.h"
#include "store.h"
#include "tenc.h"

int node_load(struct node *n)
{
	int r;

	memset(n, 0, sizeof(*n));
	r = config_load(&n->cfg);
	if (r > 0)
		return r;
	n->enabled = r == 0;
	if ((r = keys_load(&n->keys)) || (r = peers_load(&n->peers))) {
		node_free(n);
		return r;
	}
	if (n->enabled) {
		r = rtnl_link(n->cfg.underlay, &n->ifindex, &n->mtu);
		if (r) {
			node_free(n);
			return tenc_errno(TENC_FAIL, -r, "underlay", "%s", n->cfg.underlay);
		}
	}
	return 0;
}

int node_reconcile(const struct node *n, size_t *changes)
{
	struct plan p = { 0 };
	size_t dummy;
	struct dp d;
	int ret;

	/* Observing too: its ipcache entries carry the key's SPI, which a
	 * key change moves (status would show drift otherwise). */
	if (!n->enabled)
		return 0;
	if ((ret = node_plan(n, &p)) == 0 && (ret = dp_open(&d)) == 0) {
		ret = dp_reconcile(&d, &p, changes ? changes : &dummy);
		dp_close(&d);
	}
	plan_free(&p);
	return ret;
}

int node_recover(const struct node *n)
{
	struct plan p = { 0 };
	size_t changes = 0;
	struct dp d;
	int ret;

	if (!state_journal_found() || !n->enabled)
		return 0;
	if ((ret = node_plan(n, &p)) == 0 && (ret = dp_open(&d)) == 0) {
		ret = dp_reconcile(&d, &p, &changes);
		dp_close(&d);
	}
	plan_free(&p);
	if (ret)
		return ret;
	state_journal_recovered();
	tenc_info(0, "recovered from an interrupted change: %zu kernel changes", changes);
	return 0;
}
