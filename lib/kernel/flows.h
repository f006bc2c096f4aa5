/* SPDX-License-Identifier: GPL-2.0 */
/* flows: what the BPF programs observed, from user space: the flow tables
 * of both families (flows, flows6: read in batches into one table, reset), the program counters (stats), the names of
 * verdicts, directions and protocols, and the clock the programs stamp
 * (CLOCK_MONOTONIC) turned into wall-clock time. The events ring buffer is
 * opened here; trace.c consumes it. */
#ifndef TENC_FLOWS_H
#define TENC_FLOWS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "tenc_kern_user.h"

/* A flow of either family. IPv4: k is the flows map's key. IPv6: k6 is
 * the flows6 map's key, and k holds its ports, proto and dir (addresses
 * 0), so what does not look at addresses reads k for both. */
struct flow {
	struct flow_key k;
	struct flow_val v;
	struct flow_key6 k6;
	bool v6;
};

struct flow_table {
	struct flow *v;
	size_t n;
};

/* The pinned flow maps: fd4 flows, fd6 flows6 (-1: not pinned, the
 * programs of a tenc before IPv6 accounting run; no IPv6 flows). */
struct flow_maps {
	int fd4, fd6;
};

/* Open a pinned map (flows, events, stats) of this state dir's bpffs. fd,
 * or -errno after reporting ("not enabled" for a missing pin). */
int flows_map_open(const char *name);
/* Open both flow maps. 0 or TENC_FAIL (reported). */
int flows_maps_open(struct flow_maps *m);
void flows_maps_close(struct flow_maps *m);
/* Read both flow tables into one. 0 or TENC_FAIL. */
int flows_read(const struct flow_maps *m, struct flow_table *t);
/* Delete the flows of t from the maps (flows that started since stay). */
int flows_reset(const struct flow_maps *m, const struct flow_table *t);
void flows_free(struct flow_table *t);
/* f as the flow of an IPv6 key (the values left alone). */
void flow_set_key6(struct flow *f, const struct flow_key6 *k6);
/* A flow's source (dst false) or destination address as text. */
const char *flow_addr_str(const struct flow *f, bool dst, char *buf, size_t n);
/* Source (dst false) or destination as tables show it: the address, and
 * ":port" for TCP and UDP (an IPv6 address then in brackets). Returns b. */
const char *flow_endpoint_str(char *b, size_t n, const struct flow *f, bool dst);
/* "ipv4" or "ipv6". */
const char *flow_family_str(const struct flow *f);
/* The programs' counters. 0 or TENC_FAIL. */
int flows_stats(struct tenc_stats *st);

/* The programs stamp packets in jiffies (cheap) and new flows in ns; the
 * tick length comes from the anchors in st. Call before flow_last_ns. */
void flows_clock_init(const struct tenc_stats *st);
/* CLOCK_MONOTONIC of a flow's latest packet, at tick precision. */
uint64_t flow_last_ns(const struct flow_val *v);

/* "encrypted", ...; NULL for an unknown verdict. */
const char *verdict_str(int v);
/* V_*, or -1 for an unknown name. */
int verdict_parse(const char *s);
const char *dir_str(int dir);		/* "out", "in" */
/* "tcp", "udp", "icmp", "icmp6", "esp", else the number in buf. */
const char *proto_str(uint8_t p, char *buf, size_t n);
/* ESP flows carry their SPI in the ports. */
uint32_t flow_esp_spi(const struct flow_key *k);
/* A CLOCK_MONOTONIC stamp as UTC ISO 8601 with milliseconds. */
const char *mono_str(uint64_t ns, char *buf, size_t n);
/* Seconds since a CLOCK_MONOTONIC stamp, as a Unix time (for metrics). */
double mono_unix(uint64_t ns);

#endif
