/* SPDX-License-Identifier: GPL-2.0 */
/* crashpoint: a test hook for crash safety. With TENC_TEST_CRASH_AFTER=k
 * in the environment, the process dies (as by kill -9: _exit, no cleanup)
 * right after its k-th kernel change; netlink requests are then sent one
 * at a time so that "k-th" is exact. Without the variable: no effect. */
#ifndef TENC_CRASHPOINT_H
#define TENC_CRASHPOINT_H
#include <stdbool.h>

bool crashpoint_armed(void);
/* Count one kernel change; dies when the count reaches k. */
void crashpoint(void);

#endif
