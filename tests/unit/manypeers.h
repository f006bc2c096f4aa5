/* SPDX-License-Identifier: GPL-2.0 */
/* manypeers.h: a node with many peers of both families and its kernel
 * objects in a shuffled order, for test_status and bench/status (whose
 * Makefile rule adds tests/unit to its include path). The node is
 * 10.0.0.1 / fd00::1 with key SPI 3 (encrypt); peer i has id i + 1,
 * node ips 10.1.0.0 + i + 2 and fd00::(i + 2), pod cidrs a /24 and a /64;
 * with mixed, peer i % 4 == 2 is IPv4 only, i % 8 == 3 IPv6 only (node
 * ip 0) and i % 8 == 7 IPv6 over IPv4 (no IPv6 node ip). */
#ifndef TENC_TEST_MANYPEERS_H
#define TENC_TEST_MANYPEERS_H
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include "node.h"

#define MANY_SPI 3

static uint32_t many_seed = 12345;

static inline uint32_t many_rnd(void)
{
	many_seed = many_seed * 1103515245u + 12345u;
	return many_seed >> 8;
}

static inline uint32_t many_ip4(uint32_t a, uint32_t b, uint32_t c, uint32_t d)
{
	return htonl(a << 24 | b << 16 | c << 8 | d);
}

/* fdNN:NN00::host (net: bytes 1 and 2). */
static inline void many_ip6(uint8_t out[16], uint16_t net, uint32_t host)
{
	memset(out, 0, 16);
	out[0] = 0xfd, out[1] = (uint8_t)(net >> 8), out[2] = (uint8_t)net;
	memcpy(out + 12, &(uint32_t){ htonl(host) }, 4);
}

static inline int many_peer(struct node *n, int i, bool mixed)
{
	struct peer *x = peers_add(&n->peers);
	bool v4 = !mixed || i % 8 != 3, v6 = !mixed || i % 4 != 2, ip6 = !mixed || (i % 4 != 2 && i % 8 != 7);
	uint32_t h = (uint32_t)i + 2;

	if (!x)
		return -1;
	snprintf(x->name, sizeof(x->name), "node%d", i);
	x->id = (uint16_t)(i + 1);
	if (v4) {
		x->node_ip = many_ip4(10, 1, h >> 8, h & 0xff);
		x->n_cidrs = 1;
		x->cidrs[0] = (struct cidr){ many_ip4(10, 128 + ((uint32_t)i >> 8), (uint32_t)i & 0xff, 0), 24 };
	}
	if (v6) {
		if (ip6)
			many_ip6(x->node_ip6, 0, h);
		x->n_cidrs6 = 1;
		many_ip6(x->cidrs6[0].addr, 0x100, (uint32_t)i << 16);
		x->cidrs6[0].len = 64;
	}
	return 0;
}

/* The node, enabled, and np peers. 0, or -1 on ENOMEM. */
static inline int many_node(struct node *n, int np, bool mixed)
{
	n->enabled = true;
	n->ifindex = 2;
	n->mtu = 1500;
	n->cfg.encrypt = true;
	n->cfg.node_ip = many_ip4(10, 0, 0, 1);
	n->cfg.n_pod_cidrs = 1;
	n->cfg.pod_cidrs[0] = (struct cidr){ many_ip4(10, 255, 0, 0), 24 };
	many_ip6(n->cfg.node_ip6, 0, 1);
	n->cfg.n_pod_cidrs6 = 1;
	many_ip6(n->cfg.pod_cidrs6[0].addr, 0xffff, 0);
	n->cfg.pod_cidrs6[0].len = 64;
	n->keys.n = 1;
	n->keys.v[0].k.spi = MANY_SPI;
	n->keys.v[0].state = KEY_CURRENT;
	for (int i = 0; i < np; i++)
		if (many_peer(n, i, mixed))
			return -1;
	return 0;
}

#define MANY_SHUFFLE(v, n)                                                \
	for (size_t i_ = (n); i_ > 1; i_--) {                             \
		size_t j_ = many_rnd() % i_;                              \
		__typeof__(*(v)) t_ = (v)[i_ - 1];                        \
		(v)[i_ - 1] = (v)[j_], (v)[j_] = t_;                      \
	}

/* The kernel's view as a dump may give it: p's objects shuffled. */
static inline void many_shuffle(struct plan *p)
{
	MANY_SHUFFLE(p->sas, p->n_sas);
	MANY_SHUFFLE(p->pols, p->n_pols);
	MANY_SHUFFLE(p->ipc, p->n_ipc);
}

#endif
