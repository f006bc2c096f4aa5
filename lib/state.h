/* SPDX-License-Identifier: GPL-2.0 */
/* state: one node instance's state directory (-s / TENC_STATE_DIR) and the
 * writer lock on it. Files in the directory (docs/design.md lists them):
 *   lock      flock()ed by the one writer; holds the writer's pid
 *   history   the interactive shell's history
 *   bpf/      a bpffs of its own, where maps and programs are pinned
 * Owns: creating the directory (0700), path building, the lock. */
#ifndef TENC_STATE_H
#define TENC_STATE_H
#include <stddef.h>

/* Create the state dir if needed; 0 or a TENC_* exit code (reported). */
int state_dir_ensure(void);
/* "<state_dir>/<name>" into buf; returns buf. */
char *state_path(char *buf, size_t n, const char *name);
/* Take the writer lock, waiting up to g.wait_s; 0 or TENC_FAIL (reported,
 * naming the holder's pid). Released at exit or by state_unlock(). */
int state_lock(void);
void state_unlock(void);

/* Everything a state-changing command needs up front: privileges, the state
 * dir, the lock. Reports what is missing; 0 or TENC_FAIL. (The bpffs is
 * enable's to create: see env_bpffs.) */
int writer_begin(void);
void writer_end(void);

#endif
