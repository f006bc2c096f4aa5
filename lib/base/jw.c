// SPDX-License-Identifier: GPL-2.0
/* Streaming JSON writer: see jw.h. Depth is bounded; tenc's documents are
 * shallow. Strings are escaped as jansson escapes them (\" \\ \b \f \n \r
 * \t, other control bytes \u00XX, all else as it is), so a state file
 * written here is byte for byte what json_dumps wrote before.
 *
 * Speed: peers.json at 5,000 peers is ~60,000 tokens, written on every
 * peer change, and this replaced a writer that only copied bytes. So each
 * token makes room once (JW_ROOM covers a separator, a name, a number)
 * and is written through a pointer; strings are checked for what needs
 * escaping a word at a time as they are copied; numbers are formatted
 * without printf. Long strings and escapes take the slow path. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "addr.h"
#include "jw.h"

#define JW_SHORT 128			/* strings up to this take the fast path */
#define JW_ROOM (2 + 64 + 24 + 4)	/* ", " "\n  ..." a number (or ": ") quotes */

/* A newline and the indent of up to 31 levels. */
static const char nl_indent[] = "\n                                                              ";
_Static_assert(sizeof(nl_indent) - 1 >= 1 + 2 * (JW_MAX_DEPTH - 1), "nl_indent: one level short");

static void flush(jw_t *w)
{
	if (w->n)
		w->sink(w->ctx, w->buf, w->n);
	w->n = 0;
}

/* Room for n more bytes at the returned pointer (n <= cap). */
static inline char *room(jw_t *w, size_t n)
{
	if (__builtin_expect(w->cap - w->n < n, 0))
		flush(w);
	return w->buf + w->n;
}

static inline void done(jw_t *w, char *q)
{
	w->n = (size_t)(q - w->buf);
}

/* memcpy of a few bytes without a call into libc: overlapping fixed-size
 * moves up to 32 bytes (names, numbers, addresses). */
static inline char *copy(char *d, const char *p, size_t n)
{
	if (n > 32) {
		memcpy(d, p, n);
	} else if (n >= 16) {
		memcpy(d, p, 16);
		memcpy(d + n - 16, p + n - 16, 16);
	} else if (n >= 8) {
		memcpy(d, p, 8);
		memcpy(d + n - 8, p + n - 8, 8);
	} else if (n >= 4) {
		memcpy(d, p, 4);
		memcpy(d + n - 4, p + n - 4, 4);
	} else if (n) {
		d[0] = p[0];
		d[n / 2] = p[n / 2];
		d[n - 1] = p[n - 1];
	}
	return d + n;
}

/* Any length (the slow path). */
static void put(jw_t *w, const char *p, size_t n)
{
	if (n > w->cap - w->n) {
		flush(w);
		if (n > w->cap) {
			w->sink(w->ctx, p, n);
			return;
		}
	}
	memcpy(w->buf + w->n, p, n);
	w->n += n;
}

static void file_sink(void *f, const char *p, size_t n)
{
	fwrite_unlocked(p, 1, n, f);
}

void jw_init_sink(jw_t *w, char *buf, size_t cap, void (*sink)(void *ctx, const char *p, size_t n),
		  void *ctx, enum jw_style style)
{
	memset(w, 0, offsetof(jw_t, own));
	w->buf = buf;
	w->cap = cap;
	w->sink = sink;
	w->ctx = ctx;
	w->style = style;
	w->first[0] = true;
}

void jw_init_file(jw_t *w, FILE *f, enum jw_style style)
{
	jw_init_sink(w, w->own, sizeof(w->own), file_sink, f, style);
	w->f = f;
}

jw_t *jw_new(FILE *f, bool pretty)
{
	jw_t *w = malloc(sizeof(*w));

	if (w)
		jw_init_file(w, f, pretty ? JW_PRETTY : JW_COMPACT);
	return w;
}

/* A newline, everything to the sink, and the stream flushed. */
static void end_line(jw_t *w)
{
	*room(w, 1) = '\n';
	w->n++;
	w->first[0] = true;
	flush(w);
	if (w->f)
		fflush(w->f);
}

void jw_flush_line(jw_t *w)
{
	end_line(w);
}

void jw_finish(jw_t *w)
{
	if (!w->first[0])	/* a line is open: end it (JSON Lines end themselves) */
		end_line(w);
	flush(w);
	if (w->f)
		fflush(w->f);
	explicit_bzero(w->buf, w->cap); /* all of it: a string is copied before it is checked */
}

void jw_destroy(jw_t **wp)
{
	if (!*wp)
		return;
	jw_finish(*wp);
	free(*wp);
	*wp = NULL;
}

/* The separator before a new element (a name, or a value not following
 * a name) at q: at most 2 + 63 bytes. */
static inline char *sep(jw_t *w, char *q)
{
	int d = w->depth;

	if (w->after_name) {
		w->after_name = false;
		return q;
	}
	if (w->first[d]) {
		w->first[d] = false;
	} else {
		*q++ = ',';
		if (w->space[d])
			*q++ = ' ';
	}
	if (w->nl[d])
		q = copy(q, nl_indent, w->nl[d]);
	return q;
}

/* Bytes a JSON string cannot hold as they are: control bytes, '"', '\'. */
static const bool special[256] = {
	[0 ... 0x1f] = true, ['"'] = true, ['\\'] = true,
};

/* Does any of the 8 bytes in v need escaping? Word arithmetic: x has a
 * zero byte when (x - 0x01..) & ~x & 0x80.. is not 0. */
static inline bool special8(uint64_t v)
{
	const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
	uint64_t q = v ^ (ones * '"'), b = v ^ (ones * '\\');

	return (((v - ones * 0x20) & ~v) | ((q - ones) & ~q) | ((b - ones) & ~b)) & highs;
}

/* "s" at q when s (len <= JW_SHORT) needs no escape: the end, else NULL.
 * Words, the last one overlapping; short strings in two overlapping
 * halves or three bytes (as memcpy does small sizes). */
static inline char *plain(char *q, const char *s, size_t len)
{
	char *d = q + 1;

	if (len >= 8) {
		uint64_t v;

		for (size_t i = 0; i + 8 < len; i += 8) {
			memcpy(&v, s + i, 8);
			if (special8(v))
				return NULL;
			memcpy(d + i, &v, 8);
		}
		memcpy(&v, s + len - 8, 8);
		if (special8(v))
			return NULL;
		memcpy(d + len - 8, &v, 8);
	} else if (len >= 4) {
		uint32_t a, b;

		memcpy(&a, s, 4);
		memcpy(&b, s + len - 4, 4);
		if (special8(a | (uint64_t)b << 32))
			return NULL;
		memcpy(d, &a, 4);
		memcpy(d + len - 4, &b, 4);
	} else if (len) {
		uint64_t v = (uint8_t)s[0] | (uint64_t)(uint8_t)s[len / 2] << 8 |
			     (uint64_t)(uint8_t)s[len - 1] << 16;

		if (special8(v | v << 24 | v << 40))
			return NULL;
		d[0] = s[0], d[len / 2] = s[len / 2], d[len - 1] = s[len - 1];
	}
	q[0] = d[len] = '"';
	return d + len + 1;
}

static void escape_one(jw_t *w, unsigned char c)
{
	static const char hex[] = "0123456789ABCDEF";
	char e[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
	size_t n = 2;

	switch (c) {
	case '"': e[1] = '"'; break;
	case '\\': e[1] = '\\'; break;
	case '\b': e[1] = 'b'; break;
	case '\f': e[1] = 'f'; break;
	case '\n': e[1] = 'n'; break;
	case '\r': e[1] = 'r'; break;
	case '\t': e[1] = 't'; break;
	default: n = 6;
	}
	put(w, e, n);
}

/* The slow path: any length, in runs, escapes where needed. */
static void escape_runs(jw_t *w, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len, *run = p;

	put(w, "\"", 1);
	for (; p < end; p++) {
		if (!special[*p])
			continue;
		put(w, (const char *)run, (size_t)(p - run));
		escape_one(w, *p);
		run = p + 1;
	}
	put(w, (const char *)run, (size_t)(p - run));
	put(w, "\"", 1);
}

/* sep, then s as a string; a name when colon. */
static void str(jw_t *w, const char *s, size_t len, bool colon)
{
	char *q = sep(w, room(w, JW_ROOM + JW_SHORT)), *e;

	if (__builtin_expect(len <= JW_SHORT && (e = plain(q, s, len)), 1)) {
		q = e;
	} else {
		done(w, q);
		escape_runs(w, s, len);
		q = room(w, JW_ROOM);
	}
	if (colon) {
		*q++ = ':';
		if (w->style != JW_COMPACT)
			*q++ = ' ';
		w->after_name = true;
	}
	done(w, q);
}

void jw_name(jw_t *w, const char *name)
{
	str(w, name, strlen(name), true);
}

/* sep, then s as it is (the caller checked it), and the colon of a name. */
static void plain_str(jw_t *w, const char *s, size_t len, bool colon)
{
	char *q;

	if (len > JW_SHORT)
		return str(w, s, len, colon); /* checked anyway: the slow path */
	q = sep(w, room(w, JW_ROOM + JW_SHORT));
	*q++ = '"';
	q = copy(q, s, len);
	*q++ = '"';
	if (colon) {
		*q++ = ':';
		if (w->style != JW_COMPACT)
			*q++ = ' ';
		w->after_name = true;
	}
	done(w, q);
}

void jw_name_plain(jw_t *w, const char *name, size_t len) { plain_str(w, name, len, true); }
void jw_string_plain(jw_t *w, const char *s, size_t len) { plain_str(w, s, len, false); }

char *jw_string_begin(jw_t *w, size_t max)
{
	char *q = sep(w, room(w, JW_ROOM + (max < JW_SHORT ? max : JW_SHORT)));

	*q++ = '"';
	return q;
}

void jw_string_end(jw_t *w, char *end)
{
	*end++ = '"';
	done(w, end);
}

static void open_(jw_t *w, char c, bool lines)
{
	char *q = sep(w, room(w, JW_ROOM));
	int d;

	*q++ = c;
	done(w, q);
	if (w->depth < JW_MAX_DEPTH - 1)
		w->depth++;
	d = w->depth;
	w->first[d] = true;
	w->space[d] = w->style == JW_SPACED && !lines;
	if (w->style == JW_PRETTY)
		w->nl[d] = (uint8_t)(1 + 2 * d), w->nl_end[d] = (uint8_t)(2 * d - 1);
	else
		w->nl[d] = w->nl_end[d] = lines;
}

static void close_(jw_t *w, char c)
{
	char *q = room(w, JW_ROOM);
	int d = w->depth;

	if (!w->first[d] && w->nl_end[d]) {
		memcpy(q, nl_indent, w->nl_end[d]);
		q += w->nl_end[d];
	}
	*q++ = c;
	done(w, q);
	if (d > 0)
		w->depth--;
	if (w->depth == 0 && w->f)	/* a whole document: to the stream */
		flush(w);
}

void jw_start_object(jw_t *w) { open_(w, '{', false); }
void jw_end_object(jw_t *w) { close_(w, '}'); }
void jw_start_array(jw_t *w) { open_(w, '[', false); }
void jw_start_array_lines(jw_t *w) { open_(w, '[', true); }
void jw_end_array(jw_t *w) { close_(w, ']'); }

void jw_string_len(jw_t *w, const char *s, size_t len)
{
	str(w, s, len, false);
}

void jw_string(jw_t *w, const char *s)
{
	if (s)
		str(w, s, strlen(s), false);
	else
		jw_null(w);
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

/* sep, then a word (a number, true, false, null) of at most 24 bytes. */
static void word(jw_t *w, const char *p, size_t n)
{
	done(w, copy(sep(w, room(w, JW_ROOM)), p, n));
}

/* "00".."99": numbers are written two digits at a time. */
static const char digits2[] =
	"00010203040506070809101112131415161718192021222324"
	"25262728293031323334353637383940414243444546474849"
	"50515253545556575859606162636465666768697071727374"
	"75767778798081828384858687888990919293949596979899";

/* Written in place, last digits first (a copy from a stack buffer would
 * read back, a word at a time, bytes just stored one by one: slow). */
static void number(jw_t *w, uint64_t v, bool neg)
{
	char *q = sep(w, room(w, JW_ROOM)), *e;
	int n = 1;

	if (neg)
		*q++ = '-';
	for (uint64_t t = v; t >= 10; t /= 10)
		n++;
	e = q + n;
	for (; v >= 100; v /= 100)
		e -= 2, memcpy(e, digits2 + 2 * (v % 100), 2);
	if (v >= 10)
		memcpy(e - 2, digits2 + 2 * v, 2);
	else
		e[-1] = (char)('0' + v);
	done(w, q + n);
}

void jw_uint(jw_t *w, uint64_t v) { number(w, v, false); }
void jw_int(jw_t *w, int64_t v) { number(w, v < 0 ? 0 - (uint64_t)v : (uint64_t)v, v < 0); }
void jw_bool(jw_t *w, bool v) { word(w, v ? "true" : "false", v ? 4 : 5); }
void jw_null(jw_t *w) { word(w, "null", 4); }

void jw_string_field(jw_t *w, const char *n, const char *s) { jw_name(w, n); jw_string(w, s); }
void jw_uint_field(jw_t *w, const char *n, uint64_t v) { jw_name(w, n); jw_uint(w, v); }
void jw_int_field(jw_t *w, const char *n, int64_t v) { jw_name(w, n); jw_int(w, v); }
void jw_bool_field(jw_t *w, const char *n, bool v) { jw_name(w, n); jw_bool(w, v); }

void jw_ipv6_field(jw_t *w, const char *name, const uint8_t a[16])
{
	char buf[64];

	if (!ipv6_is_zero(a))
		jw_string_field(w, name, fmt_ipv6(a, buf, sizeof(buf)));
}

void jw_ipv4_field(jw_t *w, const char *name, uint32_t a)
{
	char buf[32];

	if (a)
		jw_string_field(w, name, fmt_ipv4(a, buf, sizeof(buf)));
}

void jw_cidrs6_field(jw_t *w, const char *name, const struct cidr6 *c, int n)
{
	char buf[64];

	if (!n)
		return;
	jw_name(w, name);
	jw_start_array(w);
	for (int i = 0; i < n; i++)
		jw_string(w, fmt_cidr6(&c[i], buf, sizeof(buf)));
	jw_end_array(w);
}
