// SPDX-License-Identifier: GPL-2.0
/* node.c: the node's state as one object (see node.h): its plan, its
 * advertisement, the checks a peer must pass. Pure (nodeio.c loads it). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include "names.h"
#include "node.h"
#include "tenc.h"

void node_free(struct node *n)
{
	keys_wipe(&n->keys);
	peers_free(&n->peers);
}

int node_plan(const struct node *n, struct plan *p)
{
	if (!n->enabled)
		return 0;
	if (plan_all(&n->cfg, &n->keys, &n->peers, n->ifindex, n->mtu, p))
		return tenc_err(TENC_FAIL, "plan", "out of memory");
	return 0;
}

static int cmp_cidr(const void *a, const void *b)
{
	const struct cidr *x = a, *y = b;

	if (x->addr != y->addr)
		return ntohl(x->addr) < ntohl(y->addr) ? -1 : 1;
	return (int)x->len - (int)y->len;
}

static int cmp_cidr6(const void *a, const void *b)
{
	return cidr6_cmp(a, b);
}

void node_sort_cidrs(struct peer *x)
{
	qsort(x->cidrs, (size_t)x->n_cidrs, sizeof(x->cidrs[0]), cmp_cidr);
	qsort(x->cidrs6, (size_t)x->n_cidrs6, sizeof(x->cidrs6[0]), cmp_cidr6);
}

int node_advert(const struct node *n, struct peer *x)
{
	memset(x, 0, sizeof(*x));
	if (!n->enabled)
		return -1;
	snprintf(x->name, sizeof(x->name), "%s", n->cfg.name);
	x->node_ip = n->cfg.node_ip;
	x->n_cidrs = n->cfg.n_pod_cidrs < MAX_PEER_CIDRS ? n->cfg.n_pod_cidrs : MAX_PEER_CIDRS;
	memcpy(x->cidrs, n->cfg.pod_cidrs, (size_t)x->n_cidrs * sizeof(x->cidrs[0]));
	memcpy(x->node_ip6, n->cfg.node_ip6, 16);
	x->n_cidrs6 = n->cfg.n_pod_cidrs6 < MAX_PEER_CIDRS ? n->cfg.n_pod_cidrs6 : MAX_PEER_CIDRS;
	memcpy(x->cidrs6, n->cfg.pod_cidrs6, (size_t)x->n_cidrs6 * sizeof(x->cidrs6[0]));
	x->adv_spi = keys_advertise(&n->keys);
	x->epoch = n->cfg.epoch;
	return 0;
}

/* x on its own against the local node, IPv4: its node ip, its cidrs. */
static int check_alone4(const struct node *n, const struct peer *x, char *err, size_t len)
{
	char a[32], b[32];

	if (n->enabled && x->node_ip && x->node_ip == n->cfg.node_ip)
		return snprintf(err, len, "--node-ip: %s is this node's own ip",
				fmt_ipv4(x->node_ip, a, sizeof(a))), -1;
	for (int i = 0; i < x->n_cidrs; i++) {
		for (int j = 0; j < i; j++)
			if (cidr_overlap(&x->cidrs[i], &x->cidrs[j]))
				return snprintf(err, len, "--cidr: %s overlaps %s",
						fmt_cidr(&x->cidrs[i], a, sizeof(a)),
						fmt_cidr(&x->cidrs[j], b, sizeof(b))), -1;
		for (int j = 0; j < n->cfg.n_pod_cidrs; j++)
			if (cidr_overlap(&x->cidrs[i], &n->cfg.pod_cidrs[j]))
				return snprintf(err, len, "--cidr: %s overlaps the local pod cidr %s",
						fmt_cidr(&x->cidrs[i], a, sizeof(a)),
						fmt_cidr(&n->cfg.pod_cidrs[j], b, sizeof(b))), -1;
	}
	return 0;
}

static bool same_ip6(const uint8_t a[16], const uint8_t b[16])
{
	return !ipv6_is_zero(a) && !memcmp(a, b, 16);
}

/* The same for the IPv6 half. */
static int check_alone6(const struct node *n, const struct peer *x, char *err, size_t len)
{
	char a[64], b[64];

	if (n->enabled && same_ip6(x->node_ip6, n->cfg.node_ip6))
		return snprintf(err, len, "--node-ip: %s is this node's own ip",
				fmt_ipv6(x->node_ip6, a, sizeof(a))), -1;
	for (int i = 0; i < x->n_cidrs6; i++) {
		for (int j = 0; j < i; j++)
			if (cidr6_overlap(&x->cidrs6[i], &x->cidrs6[j]))
				return snprintf(err, len, "--cidr: %s overlaps %s",
						fmt_cidr6(&x->cidrs6[i], a, sizeof(a)),
						fmt_cidr6(&x->cidrs6[j], b, sizeof(b))), -1;
		for (int j = 0; j < n->cfg.n_pod_cidrs6; j++)
			if (cidr6_overlap(&x->cidrs6[i], &n->cfg.pod_cidrs6[j]))
				return snprintf(err, len, "--cidr: %s overlaps the local pod cidr %s",
						fmt_cidr6(&x->cidrs6[i], a, sizeof(a)),
						fmt_cidr6(&n->cfg.pod_cidrs6[j], b, sizeof(b))), -1;
	}
	return 0;
}

/* x against another peer o: node ips and cidrs of both families. */
static int check_other(const struct peer *x, const struct peer *o, char *err, size_t len)
{
	char a[64], b[64];

	if (x->node_ip && o->node_ip == x->node_ip)
		return snprintf(err, len, "--node-ip: %s is peer '%s''s node ip",
				fmt_ipv4(x->node_ip, a, sizeof(a)), o->name), -1;
	if (same_ip6(x->node_ip6, o->node_ip6))
		return snprintf(err, len, "--node-ip: %s is peer '%s''s node ip",
				fmt_ipv6(x->node_ip6, a, sizeof(a)), o->name), -1;
	for (int i = 0; i < x->n_cidrs; i++)
		for (int j = 0; j < o->n_cidrs; j++)
			if (cidr_overlap(&x->cidrs[i], &o->cidrs[j]))
				return snprintf(err, len, "--cidr: %s overlaps peer '%s''s %s",
						fmt_cidr(&x->cidrs[i], a, sizeof(a)), o->name,
						fmt_cidr(&o->cidrs[j], b, sizeof(b))), -1;
	for (int i = 0; i < x->n_cidrs6; i++)
		for (int j = 0; j < o->n_cidrs6; j++)
			if (cidr6_overlap(&x->cidrs6[i], &o->cidrs6[j]))
				return snprintf(err, len, "--cidr: %s overlaps peer '%s''s %s",
						fmt_cidr6(&x->cidrs6[i], a, sizeof(a)), o->name,
						fmt_cidr6(&o->cidrs6[j], b, sizeof(b))), -1;
	return 0;
}

int node_check_peer(const struct node *n, const struct peer *x, const struct peer *self, char *err,
		    size_t len)
{
	if (!peer_name_ok(x->name))
		return snprintf(err, len, "name: must be " PEER_NAME_RULE), -1;
	if (halves_check_msg(x->node_ip, x->n_cidrs, x->node_ip6, x->n_cidrs6, "--node-ip", "--cidr", err, len))
		return -1;
	if (check_alone4(n, x, err, len) || check_alone6(n, x, err, len))
		return -1;
	for (size_t k = 0; k < n->peers.n; k++) {
		const struct peer *o = &n->peers.v[k];

		if (o == self)
			continue;
		if (strcmp(o->name, x->name) == 0)
			return snprintf(err, len, "name: a peer named '%s' exists", x->name), -1;
		if (check_other(x, o, err, len))
			return -1;
	}
	return 0;
}

/* An address or a range of either family as one sortable key: the
 * family first (4 or 6), then 128 bits (IPv4 in the low 32). Ranges of
 * two families never meet. */
typedef unsigned __int128 u128;

struct cidr_ref {
	uint8_t fam;
	u128 lo, hi;		/* first and last address */
	size_t peer;
};

static u128 u128_of(const uint8_t a[16])
{
	u128 v = 0;

	for (int i = 0; i < 16; i++)
		v = v << 8 | a[i];
	return v;
}

static struct cidr_ref ref4(const struct cidr *c, size_t peer)
{
	uint32_t lo = ntohl(c->addr);

	return (struct cidr_ref){ 4, lo, lo | ~ntohl(cidr_mask(c->len)), peer };
}

static struct cidr_ref ref6(const struct cidr6 *c, size_t peer)
{
	u128 lo = u128_of(c->addr), host = c->len ? ((u128)1 << (128 - c->len)) - 1 : ~(u128)0;

	return (struct cidr_ref){ 6, lo, lo | host, peer };
}

static int cmp_ref(const void *a, const void *b)
{
	const struct cidr_ref *x = a, *y = b;

	if (x->fam != y->fam)
		return x->fam < y->fam ? -1 : 1;
	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return x->hi < y->hi ? 1 : x->hi > y->hi ? -1 : 0;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp((*(const struct peer *const *)a)->name, (*(const struct peer *const *)b)->name);
}

/* Every peer's node ips (as /32 and /128 ranges) into ips, its cidrs
 * into c; *ni and *nc their counts. */
static void collect(const struct peers *ps, struct cidr_ref *ips, size_t *ni, struct cidr_ref *c, size_t *nc)
{
	*ni = *nc = 0;
	for (size_t i = 0; i < ps->n; i++) {
		const struct peer *x = &ps->v[i];

		if (x->node_ip)
			ips[(*ni)++] = (struct cidr_ref){ 4, ntohl(x->node_ip), ntohl(x->node_ip), i };
		if (!ipv6_is_zero(x->node_ip6))
			ips[(*ni)++] = (struct cidr_ref){ 6, u128_of(x->node_ip6), u128_of(x->node_ip6), i };
		for (int j = 0; j < x->n_cidrs; j++)
			c[(*nc)++] = ref4(&x->cidrs[j], i);
		for (int j = 0; j < x->n_cidrs6; j++)
			c[(*nc)++] = ref6(&x->cidrs6[j], i);
	}
}

/* Sorted by family and first address, a range overlaps an earlier one
 * exactly when it starts at or before the furthest end so far in its
 * family (then it and the range with that end overlap), and a later one
 * exactly when the next range of its family starts at or before its end.
 * Equal addresses are overlapping /32 or /128 ranges. */
static void mark_overlaps(struct cidr_ref *c, size_t nc, bool *clash)
{
	qsort(c, nc, sizeof(*c), cmp_ref);
	for (size_t i = 0, end = 0; i < nc; i++) {
		bool fresh = !i || c[i].fam != c[end].fam;

		if (!fresh && c[i].lo <= c[end].hi)
			clash[c[i].peer] = clash[c[end].peer] = true;
		if (i + 1 < nc && c[i + 1].fam == c[i].fam && c[i + 1].lo <= c[i].hi)
			clash[c[i].peer] = clash[c[i + 1].peer] = true;
		if (fresh || c[i].hi > c[end].hi)
			end = i;
	}
}

int node_mark_clashes(const struct peers *ps, bool *clash)
{
	size_t n = ps->n, nc = 0, ni;
	const struct peer **byname = calloc(n + 1, sizeof(*byname));
	struct cidr_ref *ips = calloc(2 * n + 1, sizeof(*ips)), *c;

	for (size_t i = 0; i < n; i++)
		nc += (size_t)ps->v[i].n_cidrs + (size_t)ps->v[i].n_cidrs6;
	c = calloc(nc + 1, sizeof(*c));
	if (!byname || !ips || !c) {
		free(byname);
		free(ips);
		free(c);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		byname[i] = &ps->v[i];
	qsort(byname, n, sizeof(*byname), cmp_name);
	for (size_t i = 1; i < n; i++)
		if (!strcmp(byname[i]->name, byname[i - 1]->name))
			clash[byname[i] - ps->v] = clash[byname[i - 1] - ps->v] = true;
	collect(ps, ips, &ni, c, &nc);
	mark_overlaps(ips, ni, clash);
	mark_overlaps(c, nc, clash);
	free(byname);
	free(ips);
	free(c);
	return 0;
}

int node_check_all(const struct node *n, size_t *bad, char *err, size_t len)
{
	struct node alone = *n;
	bool *clash;
	int r = 0;

	/* First what each peer must be on its own (node_check_peer with no
	 * other peer to compare with); then which peers clash with another.
	 * The first peer that fails either way is the one checking every
	 * peer against every other would report: it alone is checked
	 * against all the others, for the message. */
	alone.peers.n = 0;
	if (!(clash = calloc(n->peers.n + 1, sizeof(*clash))) || node_mark_clashes(&n->peers, clash)) {
		free(clash);
		return snprintf(err, len, "out of memory"), -1;
	}
	for (size_t i = 0; !r && i < n->peers.n; i++) {
		const struct peer *x = &n->peers.v[i];

		if (node_check_peer(&alone, x, NULL, err, len) ||
		    (clash[i] && node_check_peer(n, x, x, err, len))) {
			*bad = i;
			r = -1;
		}
	}
	free(clash);
	return r;
}
