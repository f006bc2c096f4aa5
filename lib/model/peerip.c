// SPDX-License-Identifier: GPL-2.0
/* peerip.c: a peer set by node ip and by id (see peerip.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "peerip.h"

static struct peer_ip ip_key(uint8_t fam, const uint8_t *a, size_t pos)
{
	struct peer_ip k = { .fam = (uint8_t)kfam(fam), .pos = pos };

	memcpy(k.ip, a, kaddr_len(fam));
	return k;
}

/* Family, address; position last (cmp_ip) or not at all (cmp_key). */
static int cmp_key(const struct peer_ip *a, const struct peer_ip *b)
{
	return a->fam != b->fam ? (int)a->fam - (int)b->fam : memcmp(a->ip, b->ip, sizeof(a->ip));
}

static int cmp_ip(const void *x, const void *y)
{
	const struct peer_ip *a = x, *b = y;
	int c = cmp_key(a, b);

	return c ? c : a->pos < b->pos ? -1 : a->pos > b->pos;
}

int peer_ips_init(struct peer_ips *ix, const struct peers *p)
{
	memset(ix, 0, sizeof(*ix));
	ix->v = calloc(2 * p->n + 1, sizeof(*ix->v));
	ix->by_id = calloc(65536, sizeof(*ix->by_id));
	if (!ix->v || !ix->by_id) {
		peer_ips_free(ix);
		return -ENOMEM;
	}
	for (size_t i = 0; i < p->n; i++) {
		const struct peer *x = &p->v[i];

		if (x->node_ip)
			ix->v[ix->n++] = ip_key(AF_INET, (const uint8_t *)&x->node_ip, i);
		if (!ipv6_is_zero(x->node_ip6))
			ix->v[ix->n++] = ip_key(AF_INET6, x->node_ip6, i);
		if (!ix->by_id[x->id])
			ix->by_id[x->id] = (uint32_t)i + 1;
	}
	qsort(ix->v, ix->n, sizeof(*ix->v), cmp_ip);
	return 0;
}

/* The first entry not below k (by family and address). */
long peer_ips_find(const struct peer_ips *ix, uint8_t fam, const uint8_t *a)
{
	struct peer_ip k = ip_key(fam, a, 0);
	size_t lo = 0, hi = ix->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cmp_key(&ix->v[mid], &k) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < ix->n && !cmp_key(&ix->v[lo], &k) ? (long)ix->v[lo].pos : -1;
}

long peer_ips_by_id(const struct peer_ips *ix, uint16_t id)
{
	return (long)ix->by_id[id] - 1;
}

void peer_ips_free(struct peer_ips *ix)
{
	free(ix->v);
	free(ix->by_id);
	memset(ix, 0, sizeof(*ix));
}
