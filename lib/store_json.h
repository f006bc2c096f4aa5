/* SPDX-License-Identifier: GPL-2.0 */
/* store_json: reading and writing one state file as JSON (jansson), for
 * store.c and keyring.c: atomic (temp file, fsync, rename), mode 0600, the
 * serialised text wiped after writing. Not for other modules. */
#ifndef TENC_STORE_JSON_H
#define TENC_STORE_JSON_H
#include <jansson.h>

/* <state dir>/name parsed, or NULL with *err: -ENOENT (no file) or
 * TENC_FAIL (reported). */
json_t *store_json_load(const char *name, int *err);
/* Write j as <state dir>/name. 0 or TENC_FAIL (reported). */
int store_json_save(const char *name, json_t *j);

#endif
