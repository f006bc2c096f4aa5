/* SPDX-License-Identifier: GPL-2.0 */
/* tenc.h: what every command shares: the global options, the exit codes,
 * and the error/notice reporters (one format: "tenc: <command>: <what>: <why>"). */
#ifndef TENC_H
#define TENC_H
#include <stdbool.h>
#include "jw.h"

enum tenc_exit {
	TENC_OK = 0,
	TENC_FAIL = 1,      /* failure while running: kernel refused, privilege */
	TENC_USAGE = 2,     /* usage error or bad input; nothing was changed */
	TENC_VIOLATION = 3, /* audit: violations found */
};

struct tenc_globals {
	bool json;
	bool pretty;
	int verbose;
	const char *state_dir; /* -s, TENC_STATE_DIR, default TENC_DEFAULT_STATE_DIR */
	int wait_s;            /* --wait: how long a writer waits for the lock */
	char cmd_path[64];     /* "peer add": the command being run, for messages */
	bool in_shell;
	unsigned errors;       /* errors reported so far (tenc_err, tenc_errno) */
};

#define TENC_DEFAULT_STATE_DIR "/var/lib/tenc"

extern struct tenc_globals g;
extern jw_t *jw; /* the JSON writer on stdout in JSON mode, else NULL */

/* An error as reported: the exit code it asks for, what failed, and why
 * (with the kernel's extended ack when the kernel gave one). */
struct tenc_error {
	int code;
	char what[128];
	char why[1024];
};

/* Report an error: to the sink if one is set (tenc_set_err_sink), else on
 * stderr, and as {"error": ...} on stdout in JSON mode. Either way it is
 * kept as tenc_last_error(). Returns code, so callers can
 * `return tenc_err(TENC_USAGE, ...)`. */
int tenc_err(int code, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The same with errno's text appended (": <strerror>"). */
int tenc_errno(int code, int err, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Where errors go. A caller that runs use cases itself and reports their
 * errors its own way (a watch loop counting bad events, a test) sets a
 * sink; NULL restores stderr. The sink sees each error as it is reported. */
typedef void (*tenc_err_sink)(const struct tenc_error *e, void *ctx);
void tenc_set_err_sink(tenc_err_sink fn, void *ctx);
/* The last error reported in this process (code 0: none yet); cleared by
 * tenc_clear_error(), e.g. before a use case is called. */
const struct tenc_error *tenc_last_error(void);
void tenc_clear_error(void);
/* Verbose output on stderr at level >= lvl. */
void tenc_info(int lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Open the JSON writer on stdout if in JSON mode; true if it did. */
bool tenc_json_begin(void);
void tenc_json_end(void);

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
