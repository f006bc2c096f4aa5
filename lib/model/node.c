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

void node_sort_cidrs(struct peer *x)
{
	qsort(x->cidrs, (size_t)x->n_cidrs, sizeof(x->cidrs[0]), cmp_cidr);
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
	x->adv_spi = keys_advertise(&n->keys);
	x->epoch = n->cfg.epoch;
	return 0;
}

int node_check_peer(const struct node *n, const struct peer *x, const struct peer *self, char *err,
		    size_t len)
{
	char a[32], b[32];

	if (!peer_name_ok(x->name))
		return snprintf(err, len, "name: must be " PEER_NAME_RULE), -1;
	if (n->enabled && x->node_ip == n->cfg.node_ip)
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
	for (size_t k = 0; k < n->peers.n; k++) {
		const struct peer *o = &n->peers.v[k];

		if (o == self)
			continue;
		if (strcmp(o->name, x->name) == 0)
			return snprintf(err, len, "name: a peer named '%s' exists", x->name), -1;
		if (o->node_ip == x->node_ip)
			return snprintf(err, len, "--node-ip: %s is peer '%s''s node ip",
					fmt_ipv4(x->node_ip, a, sizeof(a)), o->name), -1;
		for (int i = 0; i < x->n_cidrs; i++)
			for (int j = 0; j < o->n_cidrs; j++)
				if (cidr_overlap(&x->cidrs[i], &o->cidrs[j]))
					return snprintf(err, len, "--cidr: %s overlaps peer '%s''s %s",
							fmt_cidr(&x->cidrs[i], a, sizeof(a)), o->name,
							fmt_cidr(&o->cidrs[j], b, sizeof(b))), -1;
	}
	return 0;
}

struct cidr_ref {
	uint32_t lo, hi;	/* host order, first and last address */
	size_t peer;
};

static int cmp_ref(const void *a, const void *b)
{
	const struct cidr_ref *x = a, *y = b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return x->hi < y->hi ? 1 : x->hi > y->hi ? -1 : 0;
}

struct ip_ref {
	uint32_t ip;
	size_t peer;
};

static int cmp_ip(const void *a, const void *b)
{
	const struct ip_ref *x = a, *y = b;

	return x->ip < y->ip ? -1 : x->ip > y->ip;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp((*(const struct peer *const *)a)->name, (*(const struct peer *const *)b)->name);
}

int node_mark_clashes(const struct peers *ps, bool *clash)
{
	size_t n = ps->n, nc = 0, k = 0;
	const struct peer **byname = calloc(n + 1, sizeof(*byname));
	struct ip_ref *ips = calloc(n + 1, sizeof(*ips));
	struct cidr_ref *c;
	int r = 0;

	for (size_t i = 0; i < n; i++)
		nc += (size_t)ps->v[i].n_cidrs;
	c = calloc(nc + 1, sizeof(*c));
	if (!byname || !ips || !c) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const struct peer *x = &ps->v[i];

		byname[i] = x;
		ips[i] = (struct ip_ref){ ntohl(x->node_ip), i };
		for (int j = 0; j < x->n_cidrs; j++) {
			uint32_t lo = ntohl(x->cidrs[j].addr);

			c[k++] = (struct cidr_ref){ lo, lo | ~ntohl(cidr_mask(x->cidrs[j].len)), i };
		}
	}
	qsort(byname, n, sizeof(*byname), cmp_name);
	qsort(ips, n, sizeof(*ips), cmp_ip);
	qsort(c, nc, sizeof(*c), cmp_ref);
	for (size_t i = 1; i < n; i++) {
		if (!strcmp(byname[i]->name, byname[i - 1]->name))
			clash[byname[i] - ps->v] = clash[byname[i - 1] - ps->v] = true;
		if (ips[i].ip == ips[i - 1].ip)
			clash[ips[i].peer] = clash[ips[i - 1].peer] = true;
	}
	/* Sorted by first address, a range overlaps an earlier one exactly
	 * when it starts at or before the furthest end so far (then it and
	 * the range with that end overlap), and a later one exactly when the
	 * next range starts at or before its end. */
	for (size_t i = 0, end = 0; i < nc; i++) {
		if (i && c[i].lo <= c[end].hi)
			clash[c[i].peer] = clash[c[end].peer] = true;
		if (i + 1 < nc && c[i + 1].lo <= c[i].hi)
			clash[c[i].peer] = clash[c[i + 1].peer] = true;
		if (!i || c[i].hi > c[end].hi)
			end = i;
	}
out:
	free(byname);
	free(ips);
	free(c);
	return r;
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
