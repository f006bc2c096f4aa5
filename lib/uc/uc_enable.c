// SPDX-License-Identifier: GPL-2.0
/* uc_enable.c: the enable use case (see uc_enable.h): the request checked
 * against the node, the name and epoch chosen, the programs loaded (maps
 * of another layout migrated: bpfmigrate.h), the plan reconciled, the
 * programs attached, config.json and the epoch pin saved. */
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <openssl/rand.h>
#include "apply.h"
#include "bpfdp.h"
#include "bpfmigrate.h"
#include "env.h"
#include "names.h"
#include "node.h"
#include "nodeio.h"
#include "state.h"
#include "tenc.h"
#include "uc_enable.h"

/* Does ifaddrs entry i hold c's node ip: the IPv4 one, or without one
 * the IPv6 one? */
static bool holds(const struct ifaddrs *i, const struct tenc_config *c)
{
	if (!i->ifa_addr)
		return false;
	if (c->node_ip)
		return i->ifa_addr->sa_family == AF_INET &&
		       ((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr == c->node_ip;
	return i->ifa_addr->sa_family == AF_INET6 &&
	       !memcmp(&((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, c->node_ip6, 16);
}

/* The interface holding c's node ip (holds), into name. 0 or -1. */
static int dev_of_addr(const struct tenc_config *c, char *name)
{
	struct ifaddrs *ifa, *i;
	int r = -1;

	if (getifaddrs(&ifa))
		return -1;
	for (i = ifa; i; i = i->ifa_next) {
		if (holds(i, c)) {
			snprintf(name, IF_NAMESIZE, "%s", i->ifa_name);
			r = 0;
			break;
		}
	}
	freeifaddrs(ifa);
	return r;
}

static int validate(struct enable_req *a, const struct node *n)
{
	struct tenc_config *c = &a->c;
	char err[160], x[32], y[32], x6[64], y6[64];
	const char *f;

	if (halves_check(c->node_ip, c->n_pod_cidrs, c->node_ip6, c->n_pod_cidrs6, "--node-ip", "--pod-cidr",
			 &f, err, sizeof(err)))
		return tenc_err(TENC_USAGE, f, "%s", err);
	for (int i = 0; i < c->n_pod_cidrs; i++)
		for (int j = 0; j < i; j++)
			if (cidr_overlap(&c->pod_cidrs[i], &c->pod_cidrs[j]))
				return tenc_err(TENC_USAGE, "--pod-cidr", "%s overlaps %s",
						fmt_cidr(&c->pod_cidrs[i], x, 32), fmt_cidr(&c->pod_cidrs[j], y, 32));
	for (int i = 0; i < c->n_pod_cidrs6; i++)
		for (int j = 0; j < i; j++)
			if (cidr6_overlap(&c->pod_cidrs6[i], &c->pod_cidrs6[j]))
				return tenc_err(TENC_USAGE, "--pod-cidr", "%s overlaps %s",
						fmt_cidr6(&c->pod_cidrs6[i], x6, 64),
						fmt_cidr6(&c->pod_cidrs6[j], y6, 64));
	if (!c->underlay[0] && dev_of_addr(c, c->underlay))
		return tenc_err(TENC_USAGE, "--node-ip", "no interface holds %s; give --underlay-dev",
				c->node_ip ? fmt_ipv4(c->node_ip, x, 32) : fmt_ipv6(c->node_ip6, x6, 64));
	for (int i = 0; i < c->n_devs; i++)
		if (strcmp(c->devs[i], c->underlay) == 0)
			return tenc_err(TENC_USAGE, "--dev", "%s is the underlay device", c->devs[i]);
	/* Existing peers must still fit beside the (new) local pod cidrs. */
	for (size_t k = 0; k < n->peers.n; k++) {
		struct node tmp = *n;

		tmp.cfg = *c;
		tmp.enabled = true;
		if (node_check_peer(&tmp, &n->peers.v[k], &n->peers.v[k], err, sizeof(err)))
			return tenc_err(TENC_USAGE, "--pod-cidr", "peer '%s': %s", n->peers.v[k].name, err);
	}
	return 0;
}

/* Was the clsact on dev created by tenc earlier? Keep that knowledge. */
static bool created_before(const struct node *n, const char *dev)
{
	if (!n->enabled)
		return false;
	if (strcmp(n->cfg.underlay, dev) == 0)
		return n->cfg.underlay_qdisc_created;
	for (int i = 0; i < n->cfg.n_devs; i++)
		if (strcmp(n->cfg.devs[i], dev) == 0)
			return n->cfg.dev_qdisc_created[i];
	return false;
}

static bool in_list(const struct tenc_config *c, const char *dev)
{
	for (int i = 0; i < c->n_devs; i++)
		if (strcmp(c->devs[i], dev) == 0)
			return true;
	return false;
}

static int attach_all(const char *bpffs, struct tenc_config *c, const struct node *old)
{
	bool cr = false, cr2 = false;

	for (int i = 0; i < c->n_devs; i++) {
		if (bpfdp_attach(bpffs, c->devs[i], HOOK_FROM_POD, &cr))
			return TENC_FAIL;
		c->dev_qdisc_created[i] = cr || created_before(old, c->devs[i]);
	}
	if (bpfdp_attach(bpffs, c->underlay, HOOK_FROM_WIRE, &cr) ||
	    bpfdp_attach(bpffs, c->underlay, HOOK_TO_WIRE, &cr2))
		return TENC_FAIL;
	c->underlay_qdisc_created = cr || cr2 || created_before(old, c->underlay);
	/* Devices dropped by a reconfiguration. */
	if (old->enabled) {
		for (int i = 0; i < old->cfg.n_devs; i++)
			if (!in_list(c, old->cfg.devs[i]) && strcmp(old->cfg.devs[i], c->underlay))
				bpfdp_detach(old->cfg.devs[i], HOOK_FROM_POD, old->cfg.dev_qdisc_created[i]);
		if (strcmp(old->cfg.underlay, c->underlay)) {
			bpfdp_detach(old->cfg.underlay, HOOK_FROM_WIRE, false);
			bpfdp_detach(old->cfg.underlay, HOOK_TO_WIRE, old->cfg.underlay_qdisc_created);
		}
	}
	return 0;
}

/* A first enable failed: leave nothing behind. */
static void undo_fresh(const char *bpffs, const struct tenc_config *c)
{
	struct plan none = { 0 };
	size_t changes;
	struct dp d;

	for (int i = 0; i < c->n_devs; i++)
		bpfdp_detach(c->devs[i], HOOK_FROM_POD, c->dev_qdisc_created[i]);
	bpfdp_detach(c->underlay, HOOK_FROM_WIRE, false);
	bpfdp_detach(c->underlay, HOOK_TO_WIRE, c->underlay_qdisc_created);
	if (dp_open(&d) == 0) {
		dp_reconcile(&d, &none, &changes);
		dp_close(&d);
	}
	if (bpffs[0])
		bpfdp_unpin(bpffs);
	env_bpffs_release();
}

/* The node's name: --name, else the saved one, else the host name if it
 * is a valid peer name (else none: advertise then asks for --name). */
static void pick_name(struct tenc_config *c, const struct node *n)
{
	char host[256] = "";

	if (c->name[0])
		return;
	if (n->enabled && n->cfg.name[0])
		memcpy(c->name, n->cfg.name, sizeof(c->name));
	else if (gethostname(host, sizeof(host) - 1) == 0 && peer_name_ok(host))
		snprintf(c->name, sizeof(c->name), "%s", host);
}

/* The node's epoch: the saved one while the kernel side is the one it
 * was made for (the epoch pin in the bpffs holds it), else a new random
 * one: after a reboot, a flushed namespace, a wiped state dir, or a
 * disable, this node's SAs are created afresh, under new keys. */
static int pick_epoch(struct tenc_config *c, const struct node *n, const char *bpffs)
{
	uint64_t pinned = 0;

	if (n->enabled && n->cfg.epoch && epoch_pin_read(bpffs, &pinned) == 0 && pinned == n->cfg.epoch) {
		c->epoch = n->cfg.epoch;
		return 0;
	}
	do
		if (RAND_bytes((unsigned char *)&c->epoch, sizeof(c->epoch)) != 1)
			return tenc_err(TENC_FAIL, "epoch", "no random bytes");
	while (!c->epoch || c->epoch == n->cfg.epoch);
	tenc_info(1, "new epoch (%s)", n->enabled && n->cfg.epoch ? "the kernel state was lost" : "first enable");
	return 0;
}

/* A migration of the pinned maps (bpfmigrate.h) failed before the new
 * programs ran: the old maps and programs back at their pins. */
static void undo_migration(const char *bpffs, const struct node *n)
{
	const char *ifs[HOOK__COUNT] = { 0 };

	if (!n->enabled)
		return; /* a first enable: undo_fresh removes everything */
	ifs[HOOK_FROM_POD] = n->cfg.n_devs ? n->cfg.devs[0] : NULL;
	ifs[HOOK_FROM_WIRE] = ifs[HOOK_TO_WIRE] = n->cfg.underlay;
	bpfmig_undo(bpffs, ifs);
}

/* The kernel side of enable: programs loaded, plan reconciled, programs
 * attached (XFRM, rules and routes first: the default drop exists before
 * any mark is set). Maps of a new layout are filled before the programs
 * that use them are attached, and the old ones go last. */
static int enable_kernel(struct enable_req *a, const struct node *n, const char *bpffs, size_t *changes)
{
	struct tenc_cfg kc = { .node_ip = a->c.node_ip, .flags = a->c.encrypt ? CFG_F_ENCRYPT : 0 };
	struct node want = *n;
	struct plan p = { 0 };
	struct dp d;
	int ret;

	if (bpfdp_load(bpffs) || cfg_write(bpffs, &kc))
		return undo_migration(bpffs, n), TENC_FAIL;
	want.cfg = a->c;
	want.enabled = true;
	if (rtnl_link(a->c.underlay, &want.ifindex, &want.mtu))
		ret = tenc_err(TENC_FAIL, "underlay", "%s: cannot read its MTU", a->c.underlay);
	else if ((ret = node_plan(&want, &p)) == 0 && (ret = dp_open(&d)) == 0) {
		d.migrating_ok = true;
		ret = dp_reconcile(&d, &p, changes);
		dp_close(&d);
	}
	plan_free(&p);
	if (ret)
		return undo_migration(bpffs, n), ret;
	/* A failure here leaves a migration pending, both sets of maps full:
	 * the next enable finishes it; other writers wait for that. */
	if ((ret = attach_all(bpffs, &a->c, n)))
		return ret;
	return bpfmig_finish(bpffs) ? TENC_FAIL : 0;
}

int uc_enable(struct enable_req *a, struct enable_res *res)
{
	char bpffs[4096] = "";
	struct node n;
	int ret;

	memset(res, 0, sizeof(*res));
	if ((ret = writer_begin()))
		return ret;
	if ((ret = node_load(&n)))
		goto out_lock;
	if (a->reapply && n.enabled) { /* boot: re-apply what was saved */
		a->c = n.cfg;
		a->have_ip = 1;
	}
	if ((ret = validate(a, &n)))
		goto out_node;
	if (n.enabled) {
		a->c.n_subnets = n.cfg.n_subnets;
		memcpy(a->c.subnets, n.cfg.subnets, sizeof(a->c.subnets));
		a->c.n_subnets6 = n.cfg.n_subnets6;
		memcpy(a->c.subnets6, n.cfg.subnets6, sizeof(a->c.subnets6));
	}
	pick_name(&a->c, &n);
	ret = env_bpffs(bpffs, sizeof(bpffs), true);
	ret = ret ?: pick_epoch(&a->c, &n, bpffs);
	ret = ret ?: enable_kernel(a, &n, bpffs, &res->kernel_changes);
	ret = ret ?: config_save(&a->c);
	ret = ret ?: epoch_pin_write(bpffs, a->c.epoch);
	if (ret && !n.enabled)
		undo_fresh(bpffs, &a->c);
	if (ret == 0)
		res->c = a->c;
out_node:
	node_free(&n);
out_lock:
	writer_end();
	return ret;
}
