/* SPDX-License-Identifier: GPL-2.0 */
/* crashpoint: test hooks for crash safety and rollback.
 *  - TENC_TEST_CRASH_AFTER=k: the process dies (as by kill -9: _exit
 *    137, no cleanup) right after its k-th kernel change;
 *  - TENC_TEST_FAIL_AT=k: the k-th kernel change it attempts is refused,
 *    as the kernel would refuse it (EPERM, with an extended-ack text
 *    that says so); later changes go through.
 * A kernel change is one netlink request that changes state (not a dump
 * or a GET), one ipcache update or delete. With either hook armed,
 * netlink requests are sent one at a time, so that "k-th" is exact.
 * Without the variables: no effect. */
#ifndef TENC_CRASHPOINT_H
#define TENC_CRASHPOINT_H
#include <stdbool.h>

bool crashpoint_armed(void);
/* Count one kernel change; dies when the count reaches k. */
void crashpoint(void);
/* Before attempting a kernel change: true when this one is to be refused. */
bool faultpoint(void);
#define FAULTPOINT_MSG "refused by TENC_TEST_FAIL_AT"

#endif
