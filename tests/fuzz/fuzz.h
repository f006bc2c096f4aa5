/* SPDX-License-Identifier: GPL-2.0 */
/* fuzz.h: what the libFuzzer targets share (tests/fuzz/README.md).
 *  - FUZZ_CHECK(cond, fmt, ...): an invariant; on violation print it and
 *    abort(), so libFuzzer reports the input as a crash.
 *  - stderr is /dev/null while the library runs (tenc_err prints there);
 *    libFuzzer and the sanitizers write to fd 2 through their own
 *    handles, and the violations go to the real stderr. TENC_FUZZ_STDERR=1
 *    keeps the library's messages.
 *  - fuzz_state_dir(): a private state dir (g.state_dir) made once per
 *    process, on /dev/shm when it can be (the state files are fsync'ed;
 *    on tmpfs that costs nothing), removed at exit. TENC_FUZZ_TMP picks
 *    the parent directory.
 *  - error buffers: filled with 'X' before a call, so an error message
 *    that is not written, or not terminated, is seen. */
#ifndef TENC_FUZZ_H
#define TENC_FUZZ_H
#include <dirent.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "tenc.h"

static FILE *fuzz_stderr;	/* the real one */
static char fuzz_dir[256];

static inline void fuzz_rm_state_dir(void)
{
	DIR *d;
	struct dirent *e;
	char p[512];

	if (!fuzz_dir[0] || !(d = opendir(fuzz_dir)))
		return;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(p, sizeof(p), "%s/%s", fuzz_dir, e->d_name);
		unlink(p);
	}
	closedir(d);
	rmdir(fuzz_dir);
	fuzz_dir[0] = '\0';
}

__attribute__((format(printf, 4, 5), noreturn))
static inline void fuzz_fail(const char *cond, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(fuzz_stderr, "\n==tenc-fuzz== INVARIANT VIOLATED at %s:%d: %s\n==tenc-fuzz== ", file, line, cond);
	va_start(ap, fmt);
	vfprintf(fuzz_stderr, fmt, ap);
	va_end(ap);
	fprintf(fuzz_stderr, "\n");
	fflush(fuzz_stderr);
	fuzz_rm_state_dir();
	abort();
}

#define FUZZ_CHECK(cond, ...) \
	do { \
		if (!(cond)) \
			fuzz_fail(#cond, __FILE__, __LINE__, __VA_ARGS__); \
	} while (0)

/* Call once, from LLVMFuzzerInitialize. */
static inline void fuzz_init(void)
{
	FILE *null;

	fuzz_stderr = stderr;
	if (!getenv("TENC_FUZZ_STDERR") && (null = fopen("/dev/null", "w")))
		stderr = null;
}

/* A fresh state dir for this process, as g.state_dir. */
static inline void fuzz_state_dir(void)
{
	const char *parent = getenv("TENC_FUZZ_TMP");

	if (!parent)
		parent = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	snprintf(fuzz_dir, sizeof(fuzz_dir), "%s/tenc-fuzz.XXXXXX", parent);
	if (!mkdtemp(fuzz_dir)) {
		fprintf(fuzz_stderr, "tenc-fuzz: mkdtemp %s failed\n", fuzz_dir);
		exit(1);
	}
	g.state_dir = fuzz_dir;
	atexit(fuzz_rm_state_dir);
}

/* The input as a NUL-terminated string (what follows an inner NUL is not
 * seen by the parser); free() it. */
/* Are n bytes at p all zero (a wiped key, a wiped ring)? */
static inline bool fuzz_all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

static inline void fuzz_err_fill(char *err, size_t n)
{
	memset(err, 'X', n);
}

/* An error message as every parser here promises it: written (not empty)
 * and NUL-terminated inside its buffer. */
#define FUZZ_CHECK_ERR(err, n, what) \
	do { \
		FUZZ_CHECK(memchr((err), '\0', (n)) != NULL, "%s: error message not terminated in its %zu bytes", \
			   (what), (size_t)(n)); \
		FUZZ_CHECK((err)[0] != '\0', "%s: empty error message", (what)); \
	} while (0)

/* A copy of text where every byte outside a JSON string literal is a
 * blank: key text in a JSON document lives in strings ("line"), and a
 * number the message echoes (an out-of-range "spi") is not key text. */
static inline char *fuzz_json_strings_only(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	bool in = false, esc = false;

	if (!s)
		abort();
	for (size_t i = 0; i < size; i++) {
		char c = (char)data[i];

		if (!in) {
			s[i] = ' ';
			in = c == '"';
			continue;
		}
		s[i] = c;
		if (esc)
			esc = false;
		else if (c == '\\')
			esc = true;
		else if (c == '"')
			in = false, s[i] = ' ';
	}
	s[size] = '\0';
	return s;
}

/* A copy of msg with every run of 6 or more digits that the input holds
 * as a number (outside string literals) blanked: a message may echo a
 * number it refuses ("spi: 1234567 is out of range"), and that is not key
 * text even when the same digits happen to be in a key line too. */
static inline char *fuzz_blank_json_numbers(const char *msg, const uint8_t *data, size_t size)
{
	char *m = strdup(msg), num[32];
	bool in = false, esc = false;

	if (!m)
		abort();
	for (size_t i = 0; i < size; i++) {
		char c = (char)data[i];
		size_t n = 0;

		if (in) {
			if (esc)
				esc = false;
			else if (c == '\\')
				esc = true;
			else if (c == '"')
				in = false;
			continue;
		}
		if (c == '"') {
			in = true;
			continue;
		}
		while (i + n < size && data[i + n] >= '0' && data[i + n] <= '9')
			n++;
		if (n >= 6 && n < sizeof(num)) {
			memcpy(num, data + i, n);
			num[n] = '\0';
			for (char *p = m; (p = strstr(p, num));)
				memset(p, ' ', n);
		}
		if (n)
			i += n - 1;
	}
	return m;
}

#endif
