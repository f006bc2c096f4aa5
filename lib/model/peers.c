// SPDX-License-Identifier: GPL-2.0
/* peers.c: the peer set in memory (see store.h): add, find, remove, free
 * ids, the name index, and the checks every stored peer passes (what the
 * loaders accept and the writer writes is the same set of peers). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "names.h"
#include "model.h"

int peer_check_fields(const struct peer *x, char *err, size_t n)
{
	if (!peer_name_ok(x->name))
		return snprintf(err, n, "name: not " PEER_NAME_RULE), -1;
	if (x->id == 0)
		return snprintf(err, n, "id: 0 is not a peer id (1..65535)"), -1;
	if (x->n_cidrs < 0 || x->n_cidrs > MAX_PEER_CIDRS)
		return snprintf(err, n, "cidrs: %d, expected 0..%d", x->n_cidrs, MAX_PEER_CIDRS), -1;
	if (x->n_cidrs6 < 0 || x->n_cidrs6 > MAX_PEER_CIDRS)
		return snprintf(err, n, "cidrs6: %d, expected 0..%d", x->n_cidrs6, MAX_PEER_CIDRS), -1;
	if (halves_check_msg(x->node_ip, x->n_cidrs, x->node_ip6, x->n_cidrs6, "node_ip", "cidrs", err, n))
		return -1;
	if (x->adv_spi < 0 || x->adv_spi > 15)
		return snprintf(err, n, "spi: out of range 0..15"), -1;
	if (x->out_spi < 0 || x->out_spi > 15)
		return snprintf(err, n, "out_spi: out of range 0..15"), -1;
	return 0;
}

int halves_check(uint32_t ip4, int n4, const uint8_t ip6[16], int n6, const char *ipf, const char *cidrf,
		 const char **field, char *err, size_t n)
{
	*field = ipf;
	if (!ip4 && ipv6_is_zero(ip6))
		return snprintf(err, n, "required (one of either family, or both)"), -1;
	*field = cidrf;
	if (n4 + n6 == 0)
		return snprintf(err, n, "required (one of either family at least)"), -1;
	if (n4 && !ip4)
		return snprintf(err, n, IPV4_CIDRS_NEED_IP), -1;
	return 0;
}

int halves_check_msg(uint32_t ip4, int n4, const uint8_t ip6[16], int n6, const char *ipf, const char *cidrf,
		     char *err, size_t n)
{
	const char *f;
	char why[128];

	if (!halves_check(ip4, n4, ip6, n6, ipf, cidrf, &f, why, sizeof(why)))
		return 0;
	return snprintf(err, n, "%s: %s", f, why), -1;
}

bool node_ips_held(const struct node_ips *l, const struct peer *x)
{
	return l && ((l->ip4 && l->ip4 == x->node_ip) ||
		     (!ipv6_is_zero(l->ip6) && !memcmp(l->ip6, x->node_ip6, 16)));
}

int node_ip_take(const char *s, uint32_t *v4, uint8_t v6[16], unsigned *have, char *err, size_t n)
{
	switch (addr_family(s)) {
	case ADDR_IPV4:
		if (*have & 1)
			return snprintf(err, n, "'%s': a second IPv4 address (one per family)", s), -1;
		if (parse_ipv4(s, v4, err, n))
			return -1;
		*have |= 1;
		return 0;
	case ADDR_IPV6:
		if (*have & 2)
			return snprintf(err, n, "'%s': a second IPv6 address (one per family)", s), -1;
		if (parse_ipv6_node(s, v6, err, n))
			return -1;
		*have |= 2;
		return 0;
	default:
		return snprintf(err, n, "'%s': not one IPv4 or IPv6 address", s), -1;
	}
}

int cidr_take(const char *s, struct cidr *v4, int *n4, struct cidr6 *v6, int *n6, int max, char *err, size_t n)
{
	bool six = cidr_family(s) == ADDR_IPV6;
	int *k = six ? n6 : n4;

	if (*k == max)
		return snprintf(err, n, six ? "at most %d IPv6 cidrs" : "at most %d", max), -1;
	if (six ? parse_cidr6(s, &v6[*k], err, n) : parse_cidr(s, &v4[*k], err, n))
		return -1;
	(*k)++;
	return 0;
}

int peers_check_set(const struct peers *p, size_t *bad, char *err, size_t n)
{
	uint32_t *by_id = calloc(65536, sizeof(*by_id)); /* position + 1 */
	struct peer_index ix;
	int r = 0;

	if (!by_id || peer_index_init(&ix, p)) {
		free(by_id);
		return snprintf(err, n, "out of memory"), -1;
	}
	for (size_t i = 0; !r && i < p->n; i++) {
		const struct peer *x = &p->v[i], *first = peer_index_find(&ix, x->name);

		*bad = i;
		if (first != x)
			r = (snprintf(err, n, "name: '%s' is also peer %zu's", x->name, (size_t)(first - p->v)), -1);
		else if (by_id[x->id])
			r = (snprintf(err, n, "id: %u is also peer %u's", x->id, by_id[x->id] - 1), -1);
		by_id[x->id] = (uint32_t)i + 1;
	}
	peer_index_free(&ix);
	free(by_id);
	return r;
}

void peers_free(struct peers *p)
{
	free(p->v);
	memset(p, 0, sizeof(*p));
}

struct peer *peers_find(const struct peers *p, const char *name)
{
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->v[i].name, name) == 0)
			return &p->v[i];
	return NULL;
}

struct peer *peers_add(struct peers *p)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 16;
		struct peer *v = realloc(p->v, cap * sizeof(*v));

		if (!v)
			return NULL;
		p->v = v;
		p->cap = cap;
	}
	memset(&p->v[p->n], 0, sizeof(p->v[0]));
	return &p->v[p->n++];
}

void peers_remove(struct peers *p, struct peer *x)
{
	size_t i = (size_t)(x - p->v);

	memmove(&p->v[i], &p->v[i + 1], (p->n - i - 1) * sizeof(*x));
	p->n--;
}

uint16_t peers_free_id(const struct peers *p)
{
	uint8_t *used = calloc(65536, 1);
	uint16_t id = 0;

	if (!used)
		return 0;
	for (size_t i = 0; i < p->n; i++)
		used[p->v[i].id] = 1;
	for (uint32_t i = 1; i <= 65535; i++) {
		if (!used[i]) {
			id = (uint16_t)i;
			break;
		}
	}
	free(used);
	return id;
}

static uint32_t name_hash(const char *s)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	while (*s)
		h = (h ^ (uint8_t)*s++) * 16777619u;
	return h;
}

/* Insert position i unless its name is there already (the first stays). */
static void index_put(struct peer_index *ix, size_t i)
{
	size_t m = ix->cap - 1, k = name_hash(ix->p->v[i].name) & m;

	for (; ix->slot[k]; k = (k + 1) & m)
		if (strcmp(ix->p->v[ix->slot[k] - 1].name, ix->p->v[i].name) == 0)
			return;
	ix->slot[k] = (uint32_t)i + 1;
	ix->n++;
}

/* Keep the table at most half full. */
static int index_grow(struct peer_index *ix, size_t want)
{
	uint32_t *old = ix->slot;
	size_t cap = 64, ocap = ix->cap;

	if (want * 2 <= ix->cap)
		return 0;
	while (cap < want * 2)
		cap *= 2;
	if (!(ix->slot = calloc(cap, sizeof(*ix->slot)))) {
		ix->slot = old;
		return -ENOMEM;
	}
	ix->cap = cap;
	ix->n = 0;
	for (size_t k = 0; k < ocap; k++)
		if (old[k])
			index_put(ix, old[k] - 1);
	free(old);
	return 0;
}

int peer_index_init(struct peer_index *ix, const struct peers *p)
{
	memset(ix, 0, sizeof(*ix));
	ix->p = p;
	if (index_grow(ix, p->n + 1))
		return -ENOMEM;
	for (size_t i = 0; i < p->n; i++)
		index_put(ix, i);
	return 0;
}

int peer_index_add(struct peer_index *ix, size_t i)
{
	if (index_grow(ix, ix->n + 1))
		return -ENOMEM;
	index_put(ix, i);
	return 0;
}

struct peer *peer_index_find(const struct peer_index *ix, const char *name)
{
	size_t m = ix->cap - 1, k = name_hash(name) & m;

	for (; ix->slot[k]; k = (k + 1) & m)
		if (strcmp(ix->p->v[ix->slot[k] - 1].name, name) == 0)
			return &ix->p->v[ix->slot[k] - 1];
	return NULL;
}

void peer_index_free(struct peer_index *ix)
{
	free(ix->slot);
	memset(ix, 0, sizeof(*ix));
}
