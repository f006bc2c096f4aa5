/* SPDX-License-Identifier: GPL-2.0 */
/* peers.h: comparing peer sets, for the fuzz targets. */
#ifndef TENC_FUZZ_PEERS_H
#define TENC_FUZZ_PEERS_H
#include <stdio.h>
#include <string.h>
#include "store.h"

/* NULL when a and b hold the same peers in the same order (every field),
 * else what differs first, in why. */
static inline const char *peers_diff(const struct peers *a, const struct peers *b, char *why, size_t n)
{
	if (a->n != b->n)
		return snprintf(why, n, "%zu peers against %zu", a->n, b->n), why;
	for (size_t i = 0; i < a->n; i++) {
		const struct peer *x = &a->v[i], *y = &b->v[i];
		const char *f = strcmp(x->name, y->name) ? "name" : x->id != y->id ? "id" :
				x->node_ip != y->node_ip ? "node_ip" : x->n_cidrs != y->n_cidrs ? "n_cidrs" :
				x->adv_spi != y->adv_spi ? "spi" : x->out_spi != y->out_spi ? "out_spi" :
				memcmp(x->node_ip6, y->node_ip6, 16) ? "node_ip6" : x->n_cidrs6 != y->n_cidrs6 ? "n_cidrs6" :
				NULL;

		for (int k = 0; !f && k < x->n_cidrs && k < MAX_PEER_CIDRS; k++)
			if (x->cidrs[k].addr != y->cidrs[k].addr || x->cidrs[k].len != y->cidrs[k].len)
				f = "cidrs";
		for (int k = 0; !f && k < x->n_cidrs6 && k < MAX_PEER_CIDRS; k++)
			if (cidr6_cmp(&x->cidrs6[k], &y->cidrs6[k]))
				f = "cidrs6";
		if (f)
			return snprintf(why, n, "peer %zu ('%.60s'): %s differs", i, x->name, f), why;
	}
	return NULL;
}

#endif
