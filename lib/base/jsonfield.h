/* SPDX-License-Identifier: GPL-2.0 */
/* jsonfield: typed, strict reads of a JSON object's fields (jansson), for
 * every reader of outside JSON: the state files and peer sync's input. */
#ifndef TENC_JSONFIELD_H
#define TENC_JSONFIELD_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "addr.h"

/* Typed fields of a JSON object, strict: a field of the wrong type or out
 * of range is an error, never read as 0 or "". A missing field is an error
 * when required, else *out is left as it is. 0, or -1 with err as
 * "<key>: <why>". */
int sf_str(json_t *o, const char *key, bool required, const char **out, char *err, size_t n);
int sf_int(json_t *o, const char *key, bool required, long long min, long long max, long long *out,
	   char *err, size_t n);
int sf_bool(json_t *o, const char *key, bool required, bool *out, char *err, size_t n);
/* An IPv4 address (parse_ipv4); missing: 0, or an error when req. */
int sf_ipv4(json_t *o, const char *key, bool req, uint32_t *out, char *err, size_t n);
/* An array of min..max CIDR strings (required when min > 0). */
int sf_cidrs(json_t *o, const char *key, int min, int max, struct cidr *out, int *count, char *err,
	     size_t n);
/* An optional IPv6 node ip (parse_ipv6_node); missing leaves out as it
 * is. */
int sf_ipv6_node(json_t *o, const char *key, uint8_t out[16], char *err, size_t n);
/* An optional array of at most max IPv6 CIDR strings (parse_cidr6). */
int sf_cidrs6(json_t *o, const char *key, int max, struct cidr6 *out, int *count, char *err, size_t n);

#endif
