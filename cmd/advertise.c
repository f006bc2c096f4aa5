// SPDX-License-Identifier: GPL-2.0
/* advertise.c: `tenc advertise [--kubectl]`: what peers need to know
 * about this node (name, node ip, pod cidrs, the SPI it accepts, its
 * epoch; the IPv6 node ip and cidrs as "node_ip6" and "cidrs6" when it has
 * them). With -j in the `tenc -j peer list` form, so one node's output
 * feeds another's `peer sync`; with --kubectl, the node annotations. */
#include <stdio.h>
#include "cli.h"
#include "node.h"
#include "nodeio.h"
#include "num.h"
#include "peer.h"
#include "tenc.h"

enum { O_KUBECTL = OPT_LONG_BASE };

static const struct opt adv_opts[] = {
	{ "kubectl", O_KUBECTL, no_argument, NULL,
	  "print the node annotations (tenc.io/spi, tenc.io/epoch) for kubectl annotate node", NULL },
	{ 0 },
};

static int adv_opt(int key, char *arg, void *ctx)
{
	(void)arg;
	if (key != O_KUBECTL)
		return -1;
	*(bool *)ctx = true;
	return 0;
}

static void print_adv_kubectl(const struct peer *x)
{
	char e[EPOCH_TEXT_LEN + 1];

	if (x->adv_spi)
		printf("tenc.io/spi=%d ", x->adv_spi);
	printf("tenc.io/epoch=%s\n", epoch_fmt(x->epoch, e));
}

static void print_adv_plain(const struct peer *x)
{
	char b[64], e[EPOCH_TEXT_LEN + 1];

	printf("name %s\n", x->name);
	if (x->node_ip)
		printf("node_ip %s\n", fmt_ipv4(x->node_ip, b, sizeof(b)));
	if (!ipv6_is_zero(x->node_ip6))
		printf("node_ip6 %s\n", fmt_ipv6(x->node_ip6, b, sizeof(b)));
	printf("cidrs");
	for (int i = 0; i < x->n_cidrs; i++)
		printf("%s%s", i ? "," : " ", fmt_cidr(&x->cidrs[i], b, sizeof(b)));
	if (x->n_cidrs6)
		printf("\ncidrs6");
	for (int i = 0; i < x->n_cidrs6; i++)
		printf("%s%s", i ? "," : " ", fmt_cidr6(&x->cidrs6[i], b, sizeof(b)));
	printf("\nspi %d\nepoch %s\n", x->adv_spi, epoch_fmt(x->epoch, e));
}

static void print_adv_json(const struct peer *x)
{
	jw_start_object(jw);
	jw_name(jw, "peers");
	jw_start_array(jw);
	peer_json(x, NULL);
	jw_end_array(jw);
	jw_end_object(jw);
}

static int do_advertise(const struct cmd *self, int argc, char **argv)
{
	bool kubectl = false;
	struct node n;
	struct peer x;
	int i, ret;

	i = cmd_parse(self, argc, argv, adv_opt, &kubectl, 0, 0);
	if (i <= 0)
		return -i;
	if ((ret = node_load(&n)))
		return ret;
	if (node_advert(&n, &x) || !x.epoch) {
		node_free(&n);
		return tenc_err(TENC_USAGE, "advertise", "this node is not enabled (tenc enable)");
	}
	if (!x.name[0]) {
		node_free(&n);
		return tenc_err(TENC_USAGE, "advertise", "this node has no name (tenc enable --name NAME)");
	}
	if (kubectl)
		print_adv_kubectl(&x);
	else if (tenc_json_begin())
		print_adv_json(&x);
	else
		print_adv_plain(&x);
	node_free(&n);
	return TENC_OK;
}

const struct cmd cmd_advertise = {
	.name = "advertise",
	.fn = do_advertise,
	.opts = adv_opts,
	.synopsis = "[--kubectl]",
	.summary = "what peers need to know about this node (peer sync input, or node annotations)",
};
