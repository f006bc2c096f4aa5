// SPDX-License-Identifier: GPL-2.0
/* node.c: the node's state as one object (see node.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include "apply.h"
#include "node.h"
#include "rtnl.h"
#include "tenc.h"

int node_load(struct node *n)
{
	int r;

	memset(n, 0, sizeof(*n));
	r = config_load(&n->cfg);
	if (r > 0)
		return r;
	n->enabled = r == 0;
	if ((r = keys_load(&n->keys)) || (r = peers_load(&n->peers))) {
		node_free(n);
		return r;
	}
	if (n->enabled) {
		r = rtnl_link(n->cfg.underlay, &n->ifindex, &n->mtu);
		if (r) {
			node_free(n);
			return tenc_errno(TENC_FAIL, -r, "underlay", "%s", n->cfg.underlay);
		}
	}
	return 0;
}

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

int node_reconcile(const struct node *n, size_t *changes)
{
	struct plan p = { 0 };
	size_t dummy;
	struct dp d;
	int ret;

	if (!n->enabled || !n->cfg.encrypt)
		return 0;
	if ((ret = node_plan(n, &p)) == 0 && (ret = dp_open(&d)) == 0) {
		ret = dp_reconcile(&d, &p, changes ? changes : &dummy);
		dp_close(&d);
	}
	plan_free(&p);
	return ret;
}

bool node_valid_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 63 || s[0] == '-')
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

int node_check_peer(const struct node *n, const struct peer *x, const struct peer *self, char *err,
		    size_t len)
{
	char a[32], b[32];

	if (!node_valid_name(x->name))
		return snprintf(err, len, "name: '%s' must be 1..63 of A-Z a-z 0-9 . _ -", x->name), -1;
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

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp((*(const struct peer *const *)a)->name, (*(const struct peer *const *)b)->name);
}

/* Could some pair of different peers clash (same name, same node ip,
 * overlapping cidrs)? false means none does; true may also mean out of
 * memory (the caller then compares every pair). */
static bool may_clash(const struct peers *ps)
{
	size_t n = ps->n, nc = 0, k = 0;
	const struct peer **byname = calloc(n + 1, sizeof(*byname));
	uint32_t *ips = calloc(n + 1, sizeof(*ips));
	struct cidr_ref *c;
	bool clash = false;

	for (size_t i = 0; i < n; i++)
		nc += (size_t)ps->v[i].n_cidrs;
	c = calloc(nc + 1, sizeof(*c));
	if (!byname || !ips || !c) {
		clash = true;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const struct peer *x = &ps->v[i];

		byname[i] = x;
		ips[i] = x->node_ip;
		for (int j = 0; j < x->n_cidrs; j++) {
			uint32_t lo = ntohl(x->cidrs[j].addr);

			c[k++] = (struct cidr_ref){ lo, lo | ~ntohl(cidr_mask(x->cidrs[j].len)), i };
		}
	}
	qsort(byname, n, sizeof(*byname), cmp_name);
	qsort(ips, n, sizeof(*ips), cmp_u32);
	qsort(c, nc, sizeof(*c), cmp_ref);
	for (size_t i = 1; !clash && i < n; i++)
		clash = ips[i] == ips[i - 1] || strcmp(byname[i]->name, byname[i - 1]->name) == 0;
	/* Sorted by first address, a range overlaps an earlier one exactly
	 * when it starts before the furthest end so far. (Each peer's own
	 * cidrs were checked apart: an overlap is between two peers.) */
	for (size_t i = 1, end = 0; !clash && i < nc; i++) {
		clash = c[i].lo <= c[end].hi;
		if (c[i].hi > c[end].hi)
			end = i;
	}
out:
	free(byname);
	free(ips);
	free(c);
	return clash;
}

int node_check_all(const struct node *n, size_t *bad, char *err, size_t len)
{
	struct node alone = *n;
	bool fails = false;

	/* First what each peer must be on its own (node_check_peer with no
	 * other peer to compare with), then whether any two peers clash. Only
	 * when something fails, the pairwise loop finds which peer it reports
	 * first. */
	alone.peers.n = 0;
	for (size_t i = 0; !fails && i < n->peers.n; i++)
		fails = node_check_peer(&alone, &n->peers.v[i], NULL, err, len) != 0;
	if (!fails && !may_clash(&n->peers))
		return 0;
	for (size_t i = 0; i < n->peers.n; i++) {
		if (node_check_peer(n, &n->peers.v[i], &n->peers.v[i], err, len)) {
			*bad = i;
			return -1;
		}
	}
	return 0;
}
