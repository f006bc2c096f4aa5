/* SPDX-License-Identifier: GPL-2.0 */
/* flows: what the BPF programs observed, from user space: the flow table
 * (read in batches, reset), the program counters (stats), the names of
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

struct flow {
	struct flow_key k;
	struct flow_val v;
};

struct flow_table {
	struct flow *v;
	size_t n;
};

/* Open a pinned map (flows, events, stats) of this state dir's bpffs. fd,
 * or -errno after reporting ("not enabled" for a missing pin). */
int flows_map_open(const char *name);
/* Read the whole flow table. 0 or TENC_FAIL. */
int flows_read(int fd, struct flow_table *t);
/* Delete the flows of t from the table (flows that started since stay). */
int flows_reset(int fd, const struct flow_table *t);
void flows_free(struct flow_table *t);
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
/* "tcp", "udp", "icmp", "esp", else the number in buf. */
const char *proto_str(uint8_t p, char *buf, size_t n);
/* ESP flows carry their SPI in the ports. */
uint32_t flow_esp_spi(const struct flow_key *k);
/* A CLOCK_MONOTONIC stamp as UTC ISO 8601 with milliseconds. */
const char *mono_str(uint64_t ns, char *buf, size_t n);
/* Seconds since a CLOCK_MONOTONIC stamp, as a Unix time (for metrics). */
double mono_unix(uint64_t ns);

#endif
