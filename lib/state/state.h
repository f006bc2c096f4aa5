/* SPDX-License-Identifier: GPL-2.0 */
/* state: one node instance's state directory (-s / TENC_STATE_DIR) and the
 * writer lock on it. Files in the directory (docs/design.md lists them):
 *   lock      flock()ed by the one writer; holds the writer's pid
 *   history   the interactive shell's history
 *   bpf/      a bpffs of its own, where maps and programs are pinned
 *   rx.json   the IN SA counters at the last whole-node converge (rxbase.h)
 *   changing  the journal: there while a writer's kernel changes and its
 *             state files may disagree (from its first kernel change until
 *             it ends well); found by the next writer after a crash
 * Owns: creating the directory (0700), path building, the lock, the
 * journal. */
#ifndef TENC_STATE_H
#define TENC_STATE_H
#include <stdbool.h>
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
/* Release the lock; remove the journal if it was opened and nothing
 * failed since (an error reported, state_journal_keep()). */
void writer_end(void);

/* Does this process hold the writer lock? */
bool state_locked(void);
/* Before a writer's first kernel change (apply.c): create the journal. */
void state_journal_open(void);
/* A failed change was rolled back whole: the errors reported so far do
 * not keep the journal. */
void state_journal_restored(void);
/* The kernel and the state files may disagree (a rollback that could not
 * restore, a state file not written after a kernel change): the journal
 * stays for the next writer. */
void state_journal_keep(void);
/* Did writer_begin find a journal, left by a writer that died or failed
 * half-way? Then the kernel must be reconciled with the state files before
 * a change is computed from them (node_recover). */
bool state_journal_found(void);
/* The kernel was reconciled: the journal goes when this writer ends well. */
void state_journal_recovered(void);

#endif
