/* SPDX-License-Identifier: GPL-2.0 */
/* jw: the one streaming JSON writer of tenc (bpftool's json_writer idea).
 * Owns: escaping, commas, nesting and pretty indentation of everything
 * tenc prints as JSON. Writers never build a tree; they stream. */
#ifndef TENC_JW_H
#define TENC_JW_H
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef struct jw jw_t;

jw_t *jw_new(FILE *f, bool pretty);
void jw_destroy(jw_t **w);          /* ends with a newline, flushes */
void jw_flush_line(jw_t *w);        /* newline + fflush, for JSON Lines */

void jw_name(jw_t *w, const char *name);
void jw_start_object(jw_t *w);
void jw_end_object(jw_t *w);
void jw_start_array(jw_t *w);
void jw_end_array(jw_t *w);
void jw_string(jw_t *w, const char *s);
void jw_stringf(jw_t *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void jw_uint(jw_t *w, uint64_t v);
void jw_int(jw_t *w, int64_t v);
void jw_bool(jw_t *w, bool v);
void jw_null(jw_t *w);

/* name + value shorthands */
void jw_string_field(jw_t *w, const char *name, const char *s);
void jw_uint_field(jw_t *w, const char *name, uint64_t v);
void jw_int_field(jw_t *w, const char *name, int64_t v);
void jw_bool_field(jw_t *w, const char *name, bool v);

/* Escape s as a JSON string (with quotes) into f. */
void jw_escape(FILE *f, const char *s);

#endif
