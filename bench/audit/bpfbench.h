/* SPDX-License-Identifier: GPL-2.0 */
/* bpfbench.h: what bench/audit/bpfbench.c (the commands, the fills and
 * reads of the pinned maps) and bench/audit/pktbench.c (`bpfbench pkt`,
 * the per-packet runs) share. */
#ifndef TENC_BPFBENCH_H
#define TENC_BPFBENCH_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define die(...) do { fprintf(stderr, "bpfbench: " __VA_ARGS__); fputc('\n', stderr); exit(1); } while (0)

/* Peers as the ipcache holds them. */
struct bpeer {
	uint16_t id;
	uint8_t spi, flags;	/* of its node ip entry */
	uint32_t node_ip;	/* network order */
	uint32_t cidr;		/* one of its pod cidrs (network order), 0: none */
};

struct peers {
	struct bpeer *v;
	size_t n;
	uint32_t local;		/* a local pod cidr, 0: none */
	size_t entries;
};

/* The fd of a pin under bpffs; dies if there is none. */
int pin(const char *bpffs, const char *name);
/* n flows of the peers ps into the flow table fd (see bpfbench.c). */
void fill_flows(int fd, const struct peers *ps, uint32_t node_ip, size_t n);
size_t count_flows(int fd);
/* `bpfbench pkt` (pktbench.c): prints its JSON; dies on a failed check. */
void pkt(const char *bpffs, size_t entries, unsigned long repeat, int rounds);

#endif
