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
