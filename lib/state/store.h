/* SPDX-License-Identifier: GPL-2.0 */
/* store: the state files that say what tenc intends (config.json,
 * peers.json, keys.json; see docs/design.md), read into and written from
 * the model (model.h). config.c, keyring.c and peers_{json,fast,write}.c
 * read and write them (statefile.c: atomic, mode 0600). Loading is
 * strict: a file that breaks its form or an invariant is an error naming
 * the file and the field, never reinterpreted. The kernel is read back
 * separately (status); these files are never taken as proof of anything. */
#ifndef TENC_STORE_H
#define TENC_STORE_H
#include "model.h"

/* The layout of a state dir (its files and its pinned maps), in
 * config.json: a tenc refuses (exit 1) a state dir of a newer layout
 * rather than misread it. Files without one are layout 0, which this
 * tenc reads (it adds name, epoch and layout). Raise it with any change
 * an older tenc would misread, and migrate make-before-break (maps:
 * bpfmigrate.h). `make next-tenc` overrides it, for the upgrade test. */
#ifndef TENC_LAYOUT
#define TENC_LAYOUT	1
#endif

/* 0, -ENOENT (not enabled / none yet), or TENC_FAIL after reporting. */
int config_load(struct tenc_config *c);
int config_save(const struct tenc_config *c);
/* config.json's text parsed as config_load does: 0, or -1 with err. */
int config_parse(const char *text, size_t len, struct tenc_config *c, char *err, size_t n);
/* Forget that the node is enabled (config.json); keys and peers stay. */
int config_remove_enabled(void);

/* Missing file: empty set, 0. Else 0 or TENC_FAIL (reported). */
int peers_load(struct peers *p);
/* Refuses (TENC_FAIL, nothing written) a set the loader would refuse. */
int peers_save(const struct peers *p);

/* Missing file: empty ring, 0. Refuses (TENC_FAIL, reported) a file whose
 * keys break the ring's invariants: SPIs unique and equal to their line's,
 * every state named, at most one key in each state, a pending or retiring
 * key only beside a current one, at most 15 keys. */
int keys_load(struct keyring *r);
/* keys.json's text parsed as keys_load does: 0, or -1 with err (never
 * key text) and r wiped. */
int keys_parse(const char *text, size_t len, struct keyring *r, char *err, size_t n);
int keys_save(const struct keyring *r);

#endif
