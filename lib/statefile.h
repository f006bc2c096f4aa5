/* SPDX-License-Identifier: GPL-2.0 */
/* statefile: one state file on disk, for the modules that own one
 * (config.c, keyring.c, peers_*.c); not for other modules.
 * Owns: atomic writes (a temp file, written, fsync'ed, renamed over the
 * old one, mode 0600: a crash leaves the old file or the new one, never
 * a part), loading and saving through jansson (the serialised text is
 * wiped after writing), and the one form of a broken-file error. */
#ifndef TENC_STATEFILE_H
#define TENC_STATEFILE_H
#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>
#include "jsonfield.h"

struct afile {
	const char *name;
	char path[4096], tmp[4200];
	int fd, err;
};

/* Start writing <state dir>/name; errors are kept in f->err until commit. */
void af_open(struct afile *f, const char *name);
void af_write(struct afile *f, const char *p, size_t len);
/* fsync, rename into place; on any error remove the temp file, report,
 * and return TENC_FAIL. */
int af_commit(struct afile *f);
/* Give up: remove the temp file, write nothing. */
void af_abort(struct afile *f);

/* <state dir>/name parsed, or NULL with *err: -ENOENT (no file) or
 * TENC_FAIL (reported). */
json_t *store_json_load(const char *name, int *err);
/* A parse error as "LINE:COLUMN: what"; when secret (keys.json), never
 * quoting the input, which may be key text. Returns buf. */
const char *json_error_str(const json_error_t *je, bool secret, char *buf, size_t n);
/* Write j as <state dir>/name. 0 or TENC_FAIL (reported). */
int store_json_save(const char *name, json_t *j);
/* Report that state file `name` breaks its form or an invariant:
 * "tenc: <cmd>: <name>: <why>"; returns TENC_FAIL. */
int store_bad(const char *name, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
