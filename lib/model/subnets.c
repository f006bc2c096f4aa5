// SPDX-License-Identifier: GPL-2.0
/* subnets.c: subnet mode's subnets of either family as one list a family
 * (see model.h): config.json keeps IPv4's in `subnets` and IPv6's in
 * `subnets6`, so older readers see theirs unchanged. Pure. */
#include <sys/socket.h>
#include "model.h"

int config_n_subnets(const struct tenc_config *c, int fam)
{
	return fam == AF_INET6 ? c->n_subnets6 : c->n_subnets;
}

struct prefix config_subnet(const struct tenc_config *c, int fam, int k)
{
	return fam == AF_INET6 ? prefix6(&c->subnets6[k]) : prefix4(&c->subnets[k]);
}

void config_subnet_set(struct tenc_config *c, int k, const struct prefix *x)
{
	if (x->family == AF_INET6)
		c->subnets6[k] = x->c;
	else
		c->subnets[k] = prefix_cidr4(x);
}
