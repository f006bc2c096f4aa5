/* SPDX-License-Identifier: GPL-2.0 */
/* num: strict decimal numbers from outside input (options, annotations,
 * prefix lengths). Digits only: no sign, no space, no base prefix, no
 * leading zero (but "0" itself). The one number parser for such text. */
#ifndef TENC_NUM_H
#define TENC_NUM_H
#include <stddef.h>
#include <stdint.h>

/* s[0..len) as a number in min..max: 0 with *out set, or -1. */
int num_parse_n(const char *s, size_t len, unsigned long min, unsigned long max, unsigned long *out);
/* The same for a NUL-terminated s (NULL: -1). */
int num_parse(const char *s, unsigned long min, unsigned long max, unsigned long *out);

/* An epoch's text: 16 lowercase hex digits, not all zero. */
#define EPOCH_TEXT_LEN 16
int epoch_parse_n(const char *s, size_t len, uint64_t *out);
int epoch_parse(const char *s, uint64_t *out);
/* buf gets 17 bytes. */
const char *epoch_fmt(uint64_t e, char *buf);

#endif
