// SPDX-License-Identifier: GPL-2.0
/* crashpoint.c: see crashpoint.h. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "crashpoint.h"
#include "num.h"

/* -1: not read yet, 0: disarmed. */
static long crash_at = -1, fail_at = -1;
static long changes, attempts;

static long env_count(const char *name)
{
	unsigned long v;

	return num_parse(getenv(name), 1, 1000000000, &v) ? 0 : (long)v;
}

bool crashpoint_armed(void)
{
	if (crash_at < 0) {
		crash_at = env_count("TENC_TEST_CRASH_AFTER");
		fail_at = env_count("TENC_TEST_FAIL_AT");
	}
	return crash_at > 0 || fail_at > 0;
}

void crashpoint(void)
{
	if (!crashpoint_armed() || crash_at == 0)
		return;
	if (++changes >= crash_at) {
		fprintf(stderr, "tenc: crashpoint: dying after kernel change %ld\n", changes);
		_exit(137);
	}
}

bool faultpoint(void)
{
	if (!crashpoint_armed() || fail_at == 0)
		return false;
	return ++attempts == fail_at;
}
