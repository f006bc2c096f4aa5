// SPDX-License-Identifier: GPL-2.0
/* Streaming JSON writer: see jw.h. Depth is bounded; tenc's documents are shallow. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "jw.h"

#define JW_MAX_DEPTH 32

struct jw {
	FILE *f;
	bool pretty;
	int depth;
	bool first[JW_MAX_DEPTH]; /* no element yet at this depth */
	bool after_name;
};

jw_t *jw_new(FILE *f, bool pretty)
{
	jw_t *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->f = f;
	w->pretty = pretty;
	w->first[0] = true;
	return w;
}

void jw_flush_line(jw_t *w)
{
	fputc('\n', w->f);
	fflush(w->f);
	w->first[0] = true;
}

void jw_destroy(jw_t **wp)
{
	if (!*wp)
		return;
	if (!(*wp)->first[0])	/* a line is open: end it (JSON Lines end themselves) */
		jw_flush_line(*wp);
	else
		fflush((*wp)->f);
	free(*wp);
	*wp = NULL;
}

static void indent(jw_t *w)
{
	if (!w->pretty)
		return;
	fputc('\n', w->f);
	for (int i = 0; i < w->depth; i++)
		fputs("  ", w->f);
}

/* Separator before a new element (a name, or a value not following a name). */
static void sep(jw_t *w)
{
	if (w->after_name) {
		w->after_name = false;
		return;
	}
	if (!w->first[w->depth])
		fputc(',', w->f);
	if (w->depth > 0)
		indent(w);
	w->first[w->depth] = false;
}

void jw_escape(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : ""), *run = p;

	putc_unlocked('"', f);
	/* Plain runs are written whole; only what needs escaping is special. */
	for (; *p; p++) {
		if (*p >= 0x20 && *p != '"' && *p != '\\')
			continue;
		fwrite_unlocked(run, 1, p - run, f);
		switch (*p) {
		case '"': fputs_unlocked("\\\"", f); break;
		case '\\': fputs_unlocked("\\\\", f); break;
		case '\n': fputs_unlocked("\\n", f); break;
		case '\r': fputs_unlocked("\\r", f); break;
		case '\t': fputs_unlocked("\\t", f); break;
		default: fprintf(f, "\\u%04x", *p);
		}
		run = p + 1;
	}
	fwrite_unlocked(run, 1, p - run, f);
	putc_unlocked('"', f);
}

void jw_name(jw_t *w, const char *name)
{
	sep(w);
	jw_escape(w->f, name);
	fputs(w->pretty ? ": " : ":", w->f);
	w->after_name = true;
}

static void open_(jw_t *w, char c)
{
	sep(w);
	fputc(c, w->f);
	if (w->depth < JW_MAX_DEPTH - 1)
		w->depth++;
	w->first[w->depth] = true;
}

static void close_(jw_t *w, char c)
{
	bool empty = w->first[w->depth];

	if (w->depth > 0)
		w->depth--;
	if (!empty)
		indent(w);
	fputc(c, w->f);
}

void jw_start_object(jw_t *w) { open_(w, '{'); }
void jw_end_object(jw_t *w) { close_(w, '}'); }
void jw_start_array(jw_t *w) { open_(w, '['); }
void jw_end_array(jw_t *w) { close_(w, ']'); }

void jw_string(jw_t *w, const char *s)
{
	sep(w);
	if (s)
		jw_escape(w->f, s);
	else
		fputs("null", w->f);
}

void jw_stringf(jw_t *w, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	jw_string(w, buf);
}

void jw_uint(jw_t *w, uint64_t v) { sep(w); fprintf(w->f, "%llu", (unsigned long long)v); }
void jw_int(jw_t *w, int64_t v) { sep(w); fprintf(w->f, "%lld", (long long)v); }
void jw_bool(jw_t *w, bool v) { sep(w); fputs(v ? "true" : "false", w->f); }
void jw_null(jw_t *w) { sep(w); fputs("null", w->f); }

void jw_string_field(jw_t *w, const char *n, const char *s) { jw_name(w, n); jw_string(w, s); }
void jw_uint_field(jw_t *w, const char *n, uint64_t v) { jw_name(w, n); jw_uint(w, v); }
void jw_int_field(jw_t *w, const char *n, int64_t v) { jw_name(w, n); jw_int(w, v); }
void jw_bool_field(jw_t *w, const char *n, bool v) { jw_name(w, n); jw_bool(w, v); }
