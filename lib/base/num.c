// SPDX-License-Identifier: GPL-2.0
/* num.c: strict decimal numbers (see num.h). */
#include <string.h>
#include "num.h"

int num_parse_n(const char *s, size_t len, unsigned long min, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;

	if (!s || !len || len > 19 || (len > 1 && s[0] == '0'))
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0'); /* 19 digits fit in 64 bits */
	}
	if (v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int num_parse(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
	return s ? num_parse_n(s, strlen(s), min, max, out) : -1;
}

int epoch_parse_n(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;

	if (!s || len != EPOCH_TEXT_LEN)
		return -1;
	for (size_t i = 0; i < len; i++) {
		int d = s[i] >= '0' && s[i] <= '9' ? s[i] - '0' : s[i] >= 'a' && s[i] <= 'f' ? s[i] - 'a' + 10 : -1;

		if (d < 0)
			return -1;
		v = v << 4 | (unsigned)d;
	}
	if (!v)
		return -1;
	*out = v;
	return 0;
}

int epoch_parse(const char *s, uint64_t *out)
{
	return s ? epoch_parse_n(s, strlen(s), out) : -1;
}

const char *epoch_fmt(uint64_t e, char *buf)
{
	static const char hx[] = "0123456789abcdef";

	for (int i = EPOCH_TEXT_LEN - 1; i >= 0; i--, e >>= 4)
		buf[i] = hx[e & 15];
	buf[EPOCH_TEXT_LEN] = '\0';
	return buf;
}
