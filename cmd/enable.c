// SPDX-License-Identifier: GPL-2.0
/* enable.c: `tenc enable`: its options parsed into a request, the use
 * case called (lib/uc/uc_enable.c: load, pin and attach the BPF programs, and
 * make the kernel hold the node's whole plan), its result printed.
 * Idempotent; with other arguments it reconfigures. Without --encrypt it
 * only observes: no marks, no XFRM objects. */
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include "addr.h"
#include "cli.h"
#include "model.h"
#include "names.h"
#include "tenc.h"
#include "uc_enable.h"

enum { O_ENCRYPT = OPT_LONG_BASE, O_NODE_IP, O_POD_CIDR, O_DEV, O_UNDERLAY, O_MODE, O_NAME };

static const struct opt enable_opts[] = {
	{ "encrypt", O_ENCRYPT, no_argument, NULL, "encrypt (without it: observe only, no marks)", NULL },
	{ "node-ip", O_NODE_IP, required_argument, "IP",
	  "this node's underlay address (one per family: IPv4 required, IPv6 optional)", NULL },
	{ "pod-cidr", O_POD_CIDR, required_argument, "CIDR", "a local pod cidr, IPv4 or IPv6 (repeatable)", NULL },
	{ "dev", O_DEV, required_argument, "IFACE", "device pods send through (repeatable)", "iface" },
	{ "underlay-dev", O_UNDERLAY, required_argument, "IFACE",
	  "underlay device (default: the one holding --node-ip)", "iface" },
	{ "mode", O_MODE, required_argument, "MODE", "endpoint or subnet (default endpoint)",
	  "endpoint|subnet" },
	{ "name", O_NAME, required_argument, "NAME", "this node's name in its advertisement (default: the host name)",
	  NULL },
	{ 0 },
};

static int enable_opt(int key, char *arg, void *ctx)
{
	struct enable_req *a = ctx;
	struct tenc_config *c = &a->c;
	char err[128];

	a->n_opts++;
	switch (key) {
	case O_NAME:
		if (!peer_name_ok(arg))
			return tenc_err(TENC_USAGE, "--name", "must be " PEER_NAME_RULE);
		snprintf(c->name, sizeof(c->name), "%s", arg);
		return 0;
	case O_ENCRYPT:
		c->encrypt = true;
		return 0;
	case O_NODE_IP:
		if (node_ip_take(arg, &c->node_ip, c->node_ip6, &a->have_ip, err, sizeof(err)))
			return tenc_err(TENC_USAGE, "--node-ip", "%s", err);
		return 0;
	case O_POD_CIDR:
		if (cidr_take(arg, c->pod_cidrs, &c->n_pod_cidrs, c->pod_cidrs6, &c->n_pod_cidrs6, MAX_POD_CIDRS, err,
			      sizeof(err)))
			return tenc_err(TENC_USAGE, "--pod-cidr", "%s", err);
		return 0;
	case O_DEV:
		if (c->n_devs == MAX_DEVS)
			return tenc_err(TENC_USAGE, "--dev", "at most %d", MAX_DEVS);
		if (ifname_check(arg, err, sizeof(err)))
			return tenc_err(TENC_USAGE, "--dev", "%s", err);
		if (!if_nametoindex(arg))
			return tenc_err(TENC_USAGE, "--dev", "no such interface '%s'", arg);
		snprintf(c->devs[c->n_devs++], IF_NAMESIZE, "%s", arg);
		return 0;
	case O_UNDERLAY:
		if (ifname_check(arg, err, sizeof(err)))
			return tenc_err(TENC_USAGE, "--underlay-dev", "%s", err);
		if (!if_nametoindex(arg))
			return tenc_err(TENC_USAGE, "--underlay-dev", "no such interface '%s'", arg);
		snprintf(c->underlay, IF_NAMESIZE, "%s", arg);
		return 0;
	case O_MODE:
		if (strcmp(arg, "endpoint") && strcmp(arg, "subnet"))
			return tenc_err(TENC_USAGE, "--mode", "'%s': expected endpoint or subnet", arg);
		c->mode = strcmp(arg, "subnet") == 0 ? MODE_SUBNET : MODE_ENDPOINT;
		return 0;
	}
	return -1;
}

static void enable_print(const struct tenc_config *c, size_t changes)
{
	char ip[64];

	if (c->node_ip) /* the IPv4 one, else (an IPv6-only node) the IPv6 one */
		fmt_ipv4(c->node_ip, ip, sizeof(ip));
	else
		fmt_ipv6(c->node_ip6, ip, sizeof(ip));
	if (tenc_json_begin()) {
		jw_start_object(jw);
		jw_bool_field(jw, "encrypt", c->encrypt);
		jw_ipv4_field(jw, "node_ip", c->node_ip);
		jw_ipv6_field(jw, "node_ip6", c->node_ip6);
		jw_string_field(jw, "mode", mode_str(c->mode));
		jw_uint_field(jw, "changes", changes);
		jw_end_object(jw);
	} else {
		printf("tenc %s on %s (%s), %zu kernel change%s\n", c->encrypt ? "encrypting" : "observing",
		       ip, c->underlay, changes, changes == 1 ? "" : "s");
	}
}

static int do_enable(const struct cmd *self, int argc, char **argv)
{
	struct enable_req a = { 0 };
	struct enable_res res;
	int i, ret;

	i = cmd_parse(self, argc, argv, enable_opt, &a, 0, 0);
	if (i <= 0)
		return -i;
	a.reapply = a.n_opts == 0;
	if ((ret = uc_enable(&a, &res)) == 0)
		enable_print(&res.c, res.kernel_changes);
	return ret;
}
const struct cmd cmd_enable = {
	.name = "enable",
	.fn = do_enable,
	.opts = enable_opts,
	.synopsis = "[--encrypt] --node-ip IP [--node-ip IP6] --pod-cidr CIDR [--pod-cidr CIDR]... [--dev IFACE]... "
		    "[--underlay-dev IFACE] [--mode endpoint|subnet] [--name NAME]",
	.summary = "attach the datapath and install the node's objects",
};
