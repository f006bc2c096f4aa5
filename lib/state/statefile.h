/* SPDX-License-Identifier: GPL-2.0 */
/* statefile: one state file on disk, for the modules that own one
 * (config.c, keyring.c, peers_*.c); not for other modules.
 * Owns: atomic writes (a temp file, written, fsync'ed, renamed over the
 * old one, mode 0600: a crash leaves the old file or the new one, never
 * a part), loading through jansson (strict), writing through jw (the
 * one JSON writer; its buffer is wiped after), and the one form of a
 * broken-file error. */
#ifndef TENC_STATEFILE_H
#define TENC_STATEFILE_H
#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>
#include "jsonfield.h"
#include "jw.h"

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
/* A state file being written as JSON: jw streams into buf, and buf into
 * the temp file. */
struct store_json {
	struct afile f;
	jw_t w;
	char buf[64 * 1024];
};
/* Start writing <state dir>/name; write the document on s->w. Styles:
 * JW_PRETTY (config.json, keys.json, rx.json: as jansson's JSON_INDENT(2)
 * wrote them, keys in sorted order) or JW_SPACED (peers.json). */
void store_json_open(struct store_json *s, const char *name, enum jw_style style);
/* End the document (a newline), write it into place: af_commit. */
int store_json_commit(struct store_json *s);
/* Report that state file `name` breaks its form or an invariant:
 * "tenc: <cmd>: <name>: <why>"; returns TENC_FAIL. */
int store_bad(const char *name, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
