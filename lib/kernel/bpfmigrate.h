/* SPDX-License-Identifier: GPL-2.0 */
/* bpfmigrate: replacing pinned maps of another layout make-before-break.
 * A map's layout is its shape (type, key and value size, max entries,
 * flags): a tenc that changes a map's meaning changes its shape too.
 * bpfdp_load() moves a pinned map of another shape aside to
 * "<name>_old" and pins a new, empty one; enable then fills it from the
 * state files (reconcile), attaches the new programs (each tc filter is
 * replaced in one request), and only then calls bpfmig_finish(). Until
 * then the attached programs keep using the old maps, which stay full. */
#ifndef TENC_BPFMIGRATE_H
#define TENC_BPFMIGRATE_H
#include <stdbool.h>
#include "bpfdp.h"

/* Move the pin at path to path_old. 0 or -errno (reported). */
int bpfmig_aside(const char *path);
/* A migration is under way: an _old pin exists (a writer other than
 * enable must not change the new maps the programs do not use yet). */
bool bpfmig_pending(const char *bpffs);
/* The new programs are attached: unpin the old maps. 0 or -errno. */
int bpfmig_finish(const char *bpffs);
/* A migration failed before the new programs were attached: the old maps
 * back at their pins, and the programs that run on ifs[hook] pinned again
 * (ifs[h] NULL or "": skip). 0 or -errno (reported). */
int bpfmig_undo(const char *bpffs, const char *const ifs[HOOK__COUNT]);

#endif
