// SPDX-License-Identifier: GPL-2.0
/* test_node.c: lib/model/node.c's node_check_all gives exactly what checking
 * every peer against every other one (node_check_peer in a loop, as peer
 * sync did) gives: the same peer, the same message, on random peer sets
 * small enough to clash often, and on a large clean set. */
#include <stdlib.h>
#include <time.h>
#include <arpa/inet.h>
#include "node.h"
#include "tap.h"

/* The loop node_check_all replaces. */
static int check_loop(const struct node *n, size_t *bad, char *err, size_t len)
{
	for (size_t i = 0; i < n->peers.n; i++)
		if (node_check_peer(n, &n->peers.v[i], &n->peers.v[i], err, len)) {
			*bad = i;
			return -1;
		}
	return 0;
}

static uint32_t rnd(uint32_t n)
{
	return (uint32_t)random() % n;
}

/* A random peer set: names, node ips and cidrs from small pools. */
static void random_set(struct node *n, size_t count, uint32_t pool)
{
	n->peers.n = 0;
	for (size_t i = 0; i < count; i++) {
		struct peer *x = peers_add(&n->peers);

		snprintf(x->name, sizeof(x->name), "%s%u", rnd(50) ? "p" : "-", rnd(pool * 4));
		x->node_ip = htonl(0xc0000200u + rnd(pool * 4));
		x->n_cidrs = 1 + (int)rnd(3);
		for (int k = 0; k < x->n_cidrs; k++) {
			uint8_t len = (uint8_t)(16 + rnd(17));
			uint32_t a = 0x0a000000u | rnd(pool) << 12 | rnd(1u << 12);

			x->cidrs[k] = (struct cidr){ htonl(a) & cidr_mask(len), len };
		}
		node_sort_cidrs(x);
	}
}

int main(void)
{
	struct node n;
	char e1[192], e2[192];
	size_t b1, b2, clashes = 0, agree = 0, rounds = 4000;
	int r1, r2;

	memset(&n, 0, sizeof(n));
	n.enabled = true;
	n.cfg.node_ip = htonl(0xc0000205u);
	n.cfg.n_pod_cidrs = 1;
	n.cfg.pod_cidrs[0] = (struct cidr){ htonl(0x0a3f0000u), 20 };
	srandom(42);
	for (size_t t = 0; t < rounds; t++) {
		random_set(&n, 1 + rnd(12), 8 + rnd(200));
		b1 = b2 = (size_t)-1;
		e1[0] = e2[0] = '\0';
		r1 = check_loop(&n, &b1, e1, sizeof(e1));
		r2 = node_check_all(&n, &b2, e2, sizeof(e2));
		clashes += r1 != 0;
		if (r1 == r2 && (r1 == 0 || (b1 == b2 && strcmp(e1, e2) == 0)))
			agree++;
		else
			printf("# round %zu: loop %d peer %zu '%s', node_check_all %d peer %zu '%s'\n", t, r1, b1,
			       e1, r2, b2, e2);
	}
	is_int(agree, rounds, "node_check_all agrees with the pairwise loop on %zu random sets", rounds);
	ok(clashes > rounds / 4 && clashes < rounds - rounds / 4, "about half of them fail (%zu)", clashes);

	/* 5,000 peers as the benchmark makes them: clean, then one clash. */
	n.peers.n = 0;
	n.cfg.pod_cidrs[0] = (struct cidr){ htonl(0x0a010000u), 24 };
	for (uint32_t i = 1; i <= 5000; i++) {
		struct peer *x = peers_add(&n.peers);

		snprintf(x->name, sizeof(x->name), "p%u", i);
		x->node_ip = htonl(0x0a000001u + i);
		x->n_cidrs = 1;
		x->cidrs[0] = (struct cidr){ htonl(0x0a800000u + (i << 8)), 24 };
	}
	ok(node_check_all(&n, &b2, e2, sizeof(e2)) == 0, "5000 distinct peers pass");
	n.peers.v[4999].cidrs[0] = (struct cidr){ htonl(0x0a800000u + (1234u << 8)), 23 };
	r1 = check_loop(&n, &b1, e1, sizeof(e1));
	r2 = node_check_all(&n, &b2, e2, sizeof(e2));
	ok(r1 && r2 && b1 == b2 && !strcmp(e1, e2), "one overlap among 5000: the same report (%s)", e2);

	/* Issue 14, 7: 5,000 peers with 16 cidrs each, all distinct but for
	 * the last two sharing a node ip, used to take 13.4 s of pairwise
	 * checks before exit 2. A complexity guard, not a benchmark: sorted,
	 * it is milliseconds; the bound is a tenth of the old time. */
	n.peers.n = 0;
	for (uint32_t i = 1; i <= 5000; i++) {
		struct peer *x = peers_add(&n.peers);

		snprintf(x->name, sizeof(x->name), "p%u", i);
		x->node_ip = htonl(0x0b000001u + (i < 5000 ? i : 4999));
		x->n_cidrs = 16;
		for (uint32_t k = 0; k < 16; k++)
			x->cidrs[k] = (struct cidr){ htonl(0x20000000u + ((i * 16 + k) << 8)), 24 };
	}
	{
		clock_t t0 = clock();

		r2 = node_check_all(&n, &b2, e2, sizeof(e2));
		ok(r2 && b2 == 4998 && strstr(e2, "node ip"), "the shared node ip is found: peer %zu: %s", b2, e2);
		ok(clock() - t0 < CLOCKS_PER_SEC * 134 / 100, "in %.3f s of CPU (was 13.4 s)",
		   (double)(clock() - t0) / CLOCKS_PER_SEC);
	}
	peers_free(&n.peers);
	return done_testing();
}
