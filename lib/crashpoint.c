// SPDX-License-Identifier: GPL-2.0
/* crashpoint.c: see crashpoint.h. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "crashpoint.h"

static long limit = -1; /* -1: not read yet, 0: disarmed */
static long count;

bool crashpoint_armed(void)
{
	if (limit < 0) {
		const char *s = getenv("TENC_TEST_CRASH_AFTER");

		limit = s ? strtol(s, NULL, 10) : 0;
		if (limit < 0)
			limit = 0;
	}
	return limit > 0;
}

void crashpoint(void)
{
	if (!crashpoint_armed())
		return;
	if (++count >= limit) {
		fprintf(stderr, "tenc: crashpoint: dying after kernel change %ld\n", count);
		_exit(137);
	}
}
