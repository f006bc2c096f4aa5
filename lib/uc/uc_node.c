// SPDX-License-Identifier: GPL-2.0
/* uc_node.c: the writer frame, subnet add/del, disable (see uc_node.h). */
#include <string.h>
#include "apply.h"
#include "bpfdp.h"
#include "env.h"
#include "nodeio.h"
#include "state.h"
#include "store.h"
#include "tenc.h"
#include "uc_node.h"

int uc_begin(struct node *n, bool recover)
{
	int ret;

	memset(n, 0, sizeof(*n));
	if ((ret = writer_begin()))
		return ret;
	if ((ret = node_load(n))) {
		writer_end();
		return ret;
	}
	if (recover && (ret = node_recover(n))) {
		uc_end(n);
		return ret;
	}
	return 0;
}

void uc_end(struct node *n)
{
	node_free(n);
	writer_end();
}

/* c's count of subnets of x's family. */
static int *n_subnets(struct tenc_config *c, const struct prefix *x)
{
	return x->family == AF_INET6 ? &c->n_subnets6 : &c->n_subnets;
}

static int find_subnet(struct tenc_config *c, const struct prefix *x)
{
	for (int i = 0; i < *n_subnets(c, x); i++) {
		struct prefix s = config_subnet(c, x->family, i);

		if (!cidr6_cmp(&s.c, &x->c))
			return i;
	}
	return -1;
}

/* x into c's subnets: refused when it overlaps one of its family, or there
 * are enough. */
static int subnet_insert(struct tenc_config *c, const struct prefix *x)
{
	char a[64], b[64];
	int *n = n_subnets(c, x);

	for (int k = 0; k < *n; k++) {
		struct prefix s = config_subnet(c, x->family, k);

		if (cidr6_overlap(&x->c, &s.c))
			return tenc_err(TENC_USAGE, "cidr", "%s overlaps the subnet %s", fmt_prefix(x, a, sizeof(a)),
					fmt_prefix(&s, b, sizeof(b)));
	}
	if (*n == MAX_SUBNETS)
		return tenc_err(TENC_USAGE, "cidr", "at most %d subnets of a family", MAX_SUBNETS);
	config_subnet_set(c, (*n)++, x);
	return 0;
}

static int subnet_remove(struct tenc_config *c, const struct prefix *x)
{
	int k = find_subnet(c, x), *n = n_subnets(c, x);
	char a[64];

	if (k < 0)
		return tenc_err(TENC_USAGE, "cidr", "%s is not a subnet", fmt_prefix(x, a, sizeof(a)));
	for (; k + 1 < *n; k++) {
		struct prefix next = config_subnet(c, x->family, k + 1);

		config_subnet_set(c, k, &next);
	}
	(*n)--;
	return 0;
}

static int subnet_change(const struct prefix *x, bool add, struct subnet_res *res)
{
	struct node n;
	int ret;

	memset(res, 0, sizeof(*res));
	res->cidr = *x;
	res->added = add;
	if ((ret = uc_begin(&n, false)))
		return ret;
	if (!n.enabled || (add && n.cfg.mode != MODE_SUBNET))
		ret = tenc_err(TENC_USAGE, "mode",
			       "subnets need subnet mode (tenc enable --mode subnet ...)");
	else
		ret = add ? subnet_insert(&n.cfg, x) : subnet_remove(&n.cfg, x);
	if (!ret)
		ret = node_reconcile(&n, &res->kernel_changes) ?: config_save(&n.cfg);
	uc_end(&n);
	return ret;
}

int uc_subnet_add(const struct prefix *x, struct subnet_res *res)
{
	return subnet_change(x, true, res);
}

int uc_subnet_del(const struct prefix *x, struct subnet_res *res)
{
	return subnet_change(x, false, res);
}

/* Programs first: no more marks once XFRM objects start to go. */
static void detach_all(const struct tenc_config *c)
{
	for (int k = 0; k < c->n_devs; k++)
		bpfdp_detach(c->devs[k], HOOK_FROM_POD, c->dev_qdisc_created[k]);
	bpfdp_detach(c->underlay, HOOK_FROM_WIRE, false);
	bpfdp_detach(c->underlay, HOOK_TO_WIRE, c->underlay_qdisc_created);
}

/* Remove the kernel objects and the bpffs; enabled: config.json says so. */
static int remove_all(bool enabled, size_t *changes)
{
	struct plan none = { 0 };
	char bpffs[4096];
	struct dp d;
	int ret;

	if ((ret = dp_open(&d)))
		return ret;
	d.migrating_ok = true; /* both sets of maps go: the unpin drops the _old ones too */
	ret = dp_reconcile(&d, &none, changes);
	dp_close(&d);
	if (ret)
		return ret;
	if (env_bpffs(bpffs, sizeof(bpffs), false) == 0)
		bpfdp_unpin(bpffs);
	if ((ret = env_bpffs_release()))
		return ret;
	return enabled ? config_remove_enabled() : 0;
}

int uc_disable(struct disable_res *res)
{
	struct tenc_config c;
	int ret, r;

	memset(res, 0, sizeof(*res));
	if ((ret = writer_begin()))
		return ret;
	r = config_load(&c);
	if (r > 0) {
		ret = r;
	} else {
		if (r == 0)
			detach_all(&c);
		ret = remove_all(r == 0, &res->kernel_changes);
	}
	writer_end();
	return ret;
}
