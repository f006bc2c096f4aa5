// SPDX-License-Identifier: GPL-2.0
/* peer.c: `tenc peer add|del|list|sync`: the other nodes. add and del parse
 * their arguments into a request, call their use case (lib/uc/uc_peer.c: the
 * change validated whole, exit 2 changing nothing, then made
 * make-before-break), and format its result; list reads peers.json. sync
 * is peer_sync.c's. */
#include <stdio.h>
#include <string.h>
#include "cli.h"
#include "names.h"
#include "nodelist.h"
#include "num.h"
#include "peer.h"
#include "tenc.h"
#include "uc_peer.h"

enum { O_NODE_IP = OPT_LONG_BASE, O_CIDR, O_SPI, O_EPOCH };

static const struct opt add_opts[] = {
	{ "node-ip", O_NODE_IP, required_argument, "IP",
	  "the peer's node (underlay) ip (one per family: IPv4 required, IPv6 optional)", NULL },
	{ "cidr", O_CIDR, required_argument, "CIDR", "a pod cidr of the peer, IPv4 or IPv6 (repeatable)", NULL },
	{ "spi", O_SPI, required_argument, "N", "the SPI the peer advertises (1..15)", "spi" },
	{ "epoch", O_EPOCH, required_argument, "E", "the epoch the peer advertises (tenc advertise)", NULL },
	{ 0 },
};

struct add_args {
	struct peer p;
	unsigned have_ip;	/* bit 1: IPv4, bit 2: IPv6 */
};

static int add_opt(int key, char *arg, void *ctx)
{
	struct add_args *a = ctx;
	char err[128];

	switch (key) {
	case O_NODE_IP:
		if (node_ip_take(arg, &a->p.node_ip, a->p.node_ip6, &a->have_ip, err, sizeof(err)))
			return tenc_err(TENC_USAGE, "--node-ip", "%s", err);
		return 0;
	case O_CIDR:
		if (cidr_take(arg, a->p.cidrs, &a->p.n_cidrs, a->p.cidrs6, &a->p.n_cidrs6, MAX_PEER_CIDRS, err,
			      sizeof(err)))
			return tenc_err(TENC_USAGE, "--cidr", "%s", err);
		return 0;
	case O_SPI:
		if (parse_spi(arg, &a->p.adv_spi))
			return tenc_err(TENC_USAGE, "--spi", "must be a number 1..15");
		return 0;
	case O_EPOCH:
		if (epoch_parse(arg, &a->p.epoch))
			return tenc_err(TENC_USAGE, "--epoch", "must be %d lowercase hex digits, not all 0",
					EPOCH_TEXT_LEN);
		return 0;
	}
	return -1;
}

static void print_add(const struct peer_add_res *res)
{
	const char *result = peer_result_str(res->result);

	if (tenc_json_begin())
		peer_json(&res->peer, result);
	else
		printf("peer %s %s (id %u)\n", res->peer.name, result, res->peer.id);
}

static int do_add(const struct cmd *self, int argc, char **argv)
{
	struct add_args a = { 0 };
	struct peer_add_res res;
	const char *f;
	char err[160];
	int i, ret;

	i = cmd_parse(self, argc, argv, add_opt, &a, 1, 1);
	if (i <= 0)
		return -i;
	if (!peer_name_ok(argv[i]))
		return tenc_err(TENC_USAGE, "name", "must be " PEER_NAME_RULE);
	snprintf(a.p.name, sizeof(a.p.name), "%s", argv[i]);
	if (halves_check(a.p.node_ip, a.p.n_cidrs, a.p.node_ip6, a.p.n_cidrs6, "--node-ip", "--cidr", &f, err,
			 sizeof(err)))
		return tenc_err(TENC_USAGE, f, "%s", err);
	if (!(ret = uc_peer_add(&a.p, &res)))
		print_add(&res);
	return ret;
}

static void print_del(const struct peer *removed)
{
	if (tenc_json_begin()) {
		jw_start_object(jw);
		jw_string_field(jw, "removed", removed->name);
		jw_end_object(jw);
	} else {
		printf("peer %s removed\n", removed->name);
	}
}

static int do_del(const struct cmd *self, int argc, char **argv)
{
	struct peer removed;
	int i, ret;

	i = cmd_parse(self, argc, argv, NULL, NULL, 1, 1);
	if (i <= 0)
		return -i;
	if (!(ret = uc_peer_del(argv[i], &removed)))
		print_del(&removed);
	return ret;
}

void peer_json(const struct peer *x, const char *result)
{
	char buf[32];

	jw_start_object(jw);
	if (result)
		jw_string_field(jw, "result", result);
	jw_string_field(jw, "name", x->name);
	jw_uint_field(jw, "id", x->id);
	jw_ipv4_field(jw, "node_ip", x->node_ip);
	jw_name(jw, "cidrs");
	jw_start_array(jw);
	for (int k = 0; k < x->n_cidrs; k++)
		jw_string(jw, fmt_cidr(&x->cidrs[k], buf, sizeof(buf)));
	jw_end_array(jw);
	jw_ipv6_field(jw, "node_ip6", x->node_ip6);
	jw_cidrs6_field(jw, "cidrs6", x->cidrs6, x->n_cidrs6);
	if (x->adv_spi)
		jw_uint_field(jw, "spi", (uint64_t)x->adv_spi);
	if (x->epoch) {
		char e[EPOCH_TEXT_LEN + 1];

		jw_string_field(jw, "epoch", epoch_fmt(x->epoch, e));
	}
	jw_end_object(jw);
}

/* One peer a line; a peer's IPv6 node ip after its IPv4 one, its IPv6
 * cidrs after its IPv4 ones. */
static void list_plain(const struct peers *ps)
{
	char buf[64], ip[96];

	if (ps->n)
		printf("%-20s %5s %-15s %4s %s\n", "NAME", "ID", "NODE-IP", "SPI", "CIDRS");
	for (size_t k = 0; k < ps->n; k++) {
		const struct peer *x = &ps->v[k];

		fmt_node_ips(x->node_ip, x->node_ip6, ip, sizeof(ip));
		printf("%-20s %5u %-15s ", x->name, x->id, ip);
		if (x->adv_spi)
			printf("%4d", x->adv_spi);
		else
			printf("%4s", "-");
		for (int c = 0; c < x->n_cidrs; c++)
			printf("%s%s", c ? "," : " ", fmt_cidr(&x->cidrs[c], buf, sizeof(buf)));
		for (int c = 0; c < x->n_cidrs6; c++)
			printf(",%s", fmt_cidr6(&x->cidrs6[c], buf, sizeof(buf)));
		printf("\n");
	}
}

static int do_list(const struct cmd *self, int argc, char **argv)
{
	struct peers ps;
	int i, ret;

	i = cmd_parse(self, argc, argv, NULL, NULL, 0, 0);
	if (i <= 0)
		return -i;
	if ((ret = peers_load(&ps)))
		return ret;
	if (tenc_json_begin()) {
		jw_start_object(jw);
		jw_name(jw, "peers");
		jw_start_array(jw);
		for (size_t k = 0; k < ps.n; k++)
			peer_json(&ps.v[k], NULL);
		jw_end_array(jw);
		jw_end_object(jw);
	} else {
		list_plain(&ps);
	}
	peers_free(&ps);
	return TENC_OK;
}

static const struct cmd peer_add = {
	.name = "add", .fn = do_add, .opts = add_opts,
	.synopsis = "NAME --node-ip IP [--node-ip IP6] --cidr CIDR [--cidr CIDR]... [--spi N] [--epoch E]",
	.summary = "add a peer node, or change one (make-before-break)", .args_values = "",
};
static const struct cmd peer_del = {
	.name = "del", .fn = do_del, .synopsis = "NAME", .summary = "remove a peer node",
	.args_values = "peer",
};
static const struct cmd peer_list = {
	.name = "list", .fn = do_list, .synopsis = "", .summary = "list the peers (input for sync)",
};

static const struct cmd *const peer_cmds[] = { &peer_add, &peer_del, &peer_list, &peer_sync, NULL };

const struct cmd cmd_peer = {
	.name = "peer",
	.sub = peer_cmds,
	.summary = "manage peer nodes",
};
