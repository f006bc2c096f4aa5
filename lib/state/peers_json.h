/* SPDX-License-Identifier: GPL-2.0 */
/* peers_json: reading peers.json, two ways that must agree.
 *  - peers_parse_json: jansson, strict: any valid JSON document in the
 *    form {"peers": [{name, id, node_ip, cidrs, spi?, out_spi?}, ...]};
 *    a field that is missing, mistyped or out of range is an error naming
 *    the peer and the field (never read as 0 or "").
 *  - peers_parse_fast (peers_fast.c): a scanner for exactly the text
 *    peers_save writes, in any layout and key order: canonical addresses,
 *    printable ASCII strings without escapes, integers. Anything else (an
 *    unknown or repeated key, an escape, a real number, a value that is
 *    not canonical or not valid) is PF_OTHER, and the text goes to
 *    peers_parse_json. So what it accepts, jansson accepts the same (the
 *    differential unit test and fuzz target check it).
 * Why two: loading 5,000 peers through jansson's tree cost about ten times
 * the scanner (session 2's measurement, bench/native.sh: peer add/del at
 * 5,000 peers in 8-9 ms, of which the scanner's load is a small part). */
#ifndef TENC_PEERS_JSON_H
#define TENC_PEERS_JSON_H
#include <stddef.h>
#include "store.h"

enum pf_result { PF_OK, PF_OTHER, PF_NOMEM };

/* p is set up here; on PF_OTHER and PF_NOMEM it is left empty. */
enum pf_result peers_parse_fast(const char *text, size_t len, struct peers *p);
/* 0, or -1 with err ("peer 3: node_ip: ...") and p left empty. */
int peers_parse_json(const char *text, size_t len, struct peers *p, char *err, size_t n);

#endif
