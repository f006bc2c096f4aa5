/* SPDX-License-Identifier: GPL-2.0 */
/* jw: the one streaming JSON writer of tenc (bpftool's json_writer idea).
 * Owns: escaping, commas, nesting and the layout (compact, pretty,
 * spaced) of every JSON tenc writes: on stdout (the -j documents, the
 * error line) and into the state files (config.json, keys.json,
 * peers.json, rx.json: through a buffer handed to a sink, statefile.h).
 * Writers never build a tree; they stream. jansson only reads. */
#ifndef TENC_JW_H
#define TENC_JW_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define JW_MAX_DEPTH 32

enum jw_style {
	JW_COMPACT,	/* {"a":1,"b":[1,2]} */
	JW_PRETTY,	/* one member a line, two spaces a level, "a": 1 (jansson's JSON_INDENT(2)) */
	JW_SPACED,	/* {"a": 1, "b": [1, 2]}: one line, a space after each , and : */
};

/* The writer's state; its fields are jw.c's. On the stack (jw_init_*) or
 * from jw_new. Text goes into buf, and from there to the sink: a stream's
 * whenever a top-level value ends (so a stream sees whole documents, in
 * order with what else is written to it), a sink's when buf is full. */
typedef struct jw {
	char *buf;
	size_t n, cap;
	void (*sink)(void *ctx, const char *p, size_t n);
	void *ctx;
	FILE *f;			/* a stream's writer, else NULL */
	enum jw_style style;
	int depth;
	bool after_name;
	bool first[JW_MAX_DEPTH];	/* no element yet at this depth */
	bool space[JW_MAX_DEPTH];	/* ", " between elements */
	uint8_t nl[JW_MAX_DEPTH];	/* bytes of "\n  ..." before each element */
	uint8_t nl_end[JW_MAX_DEPTH];	/* ... and before the end, if any element */
	char own[4096];			/* buf of a stream's writer */
} jw_t;

/* Write to a stream. */
void jw_init_file(jw_t *w, FILE *f, enum jw_style style);
/* Write into buf (cap bytes, at least 256); whenever it is full, and at
 * jw_finish, hand what it holds to sink(ctx, ...). */
void jw_init_sink(jw_t *w, char *buf, size_t cap, void (*sink)(void *ctx, const char *p, size_t n),
		  void *ctx, enum jw_style style);
/* End: a newline if a line is open, then flush (stream or sink); a
 * sink's buffer is wiped (it may have held key text). */
void jw_finish(jw_t *w);

jw_t *jw_new(FILE *f, bool pretty); /* compact or pretty, on the heap */
void jw_destroy(jw_t **w);          /* jw_finish, free */
void jw_flush_line(jw_t *w);        /* newline + fflush, for JSON Lines */

void jw_name(jw_t *w, const char *name);
void jw_start_object(jw_t *w);
void jw_end_object(jw_t *w);
void jw_start_array(jw_t *w);
/* An array whose elements each start a new line, and whose end does
 * (peers.json: one peer a line). */
void jw_start_array_lines(jw_t *w);
void jw_end_array(jw_t *w);
void jw_string(jw_t *w, const char *s);
/* A string of len bytes (no NUL needed). */
void jw_string_len(jw_t *w, const char *s, size_t len);
/* A name or a string the caller knows holds nothing JSON escapes (no
 * control byte, '"' or '\\': digits, an address, a name checked against
 * its rule, an identifier), copied as it is, unchecked: for writers of
 * many such tokens (peers.json at 5,000 peers). JW_NAME takes a literal. */
void jw_name_plain(jw_t *w, const char *name, size_t len);
void jw_string_plain(jw_t *w, const char *s, size_t len);
#define JW_NAME(w, lit) jw_name_plain((w), "" lit, sizeof(lit) - 1)
/* The same, formatted in place: room for up to max (<= 128) bytes at the
 * returned pointer (and a NUL after them); the caller writes the string
 * there and ends it with jw_string_end at its end. */
char *jw_string_begin(jw_t *w, size_t max);
void jw_string_end(jw_t *w, char *end);
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

/* The IPv6 half of a node or peer, as every writer of it writes it: an
 * address field, and an array of prefixes, each left out when there is
 * none (an all-zero address, no prefix), so IPv4-only documents stay as
 * they were. */
struct cidr6;
void jw_ipv6_field(jw_t *w, const char *name, const uint8_t a[16]);
/* An IPv4 node ip field, left out when there is none (0: an IPv6-only
 * node or peer). */
void jw_ipv4_field(jw_t *w, const char *name, uint32_t a);
void jw_cidrs6_field(jw_t *w, const char *name, const struct cidr6 *c, int n);

#endif
