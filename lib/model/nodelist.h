/* SPDX-License-Identifier: GPL-2.0 */
/* nodelist: the documents peer sync reads, as a peer set: `kubectl get
 * nodes -o json` (metadata.name, the first IPv4 InternalIP, spec.podCIDRs
 * or podCIDR, annotation tenc.io/spi; IPv6 addresses and cidrs are
 * skipped, by parsing) or `tenc -j peer list` (name, node_ip, cidrs,
 * spi). Pure: nothing is printed, no state is read. */
#ifndef TENC_NODELIST_H
#define TENC_NODELIST_H
#include <stddef.h>
#include <stdint.h>
#include "model.h"

/* Parse text[0..len). local: the node's own ip (skipped), 0 when it is
 * not known. 0 with *out (ids and out_spi unset, cidrs sorted), or -1
 * with err naming the node and the field ("n3: spi: ...") and *out
 * empty. */
int nodelist_parse(const char *text, size_t len, uint32_t local, struct peers *out, char *err, size_t n);
/* An advertised SPI ("tenc.io/spi", --spi): num_parse, 1..15. 0 or -1. */
int parse_spi(const char *s, int *out);

#endif
