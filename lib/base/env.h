/* SPDX-License-Identifier: GPL-2.0 */
/* env: the environment check before commands that change state (xdp-tools'
 * idea): capabilities, and the bpffs this state dir pins into.
 * Owns: finding or mounting <state_dir>/bpf. `ip netns exec` remounts /sys,
 * hiding /sys/fs/bpf, so tenc mounts a bpffs of its own under the state dir,
 * in a mount namespace that outlives this invocation (PID 1's if visible,
 * else that of the nearest ancestor outside `ip netns exec`'s private one);
 * a process that does not see the mount reaches it via /proc/PID/root. */
#ifndef TENC_ENV_H
#define TENC_ENV_H
#include <stdbool.h>
#include <stddef.h>

/* 0 when CAP_NET_ADMIN and CAP_BPF (or CAP_SYS_ADMIN) are effective, else
 * reports which are missing and returns TENC_FAIL. */
int env_check_caps(void);
/* Path of this state dir's bpffs as this process can reach it; mounts it
 * when `create`. 0, or TENC_FAIL (reported), or -1 when absent and !create. */
int env_bpffs(char *out, size_t n, bool create);
/* Unmount this state dir's bpffs (disable). 0 or TENC_FAIL. */
int env_bpffs_release(void);
bool env_is_bpffs(const char *path);

#endif
