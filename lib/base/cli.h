/* SPDX-License-Identifier: GPL-2.0 */
/* cli: nested command tables (bpftool style) and per-command option tables
 * (xdp-tools style). Owns: prefix matching of command words, option parsing
 * with the global options accepted everywhere, usage text, and the JSON dump
 * of the whole tree (`tenc -j help`) that docs, completion and tests read. */
#ifndef TENC_CLI_H
#define TENC_CLI_H
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

/* Long-only option keys start here. */
#define OPT_LONG_BASE 256
/* Long-only global options use keys from here, apart from commands' keys. */
#define OPT_GLOBAL_BASE 0x1000

struct opt {
	const char *name;     /* long name, without "--" */
	int key;              /* short letter, or OPT_LONG_BASE + n */
	int has_arg;          /* no_argument or required_argument */
	const char *arg;      /* metavariable: "IP", "CIDR", "S" */
	const char *help;
	const char *values;   /* completion: "peer", "spi", "iface", "file", "a|b|c" */
};

struct cmd;
typedef int (*cmd_fn)(const struct cmd *self, int argc, char **argv);

struct cmd {
	const char *name;
	cmd_fn fn;               /* NULL for a pure group */
	const struct cmd *const *sub; /* subcommands, NULL-terminated */
	const struct opt *opts;  /* options, ending with an empty entry, or NULL */
	const char *synopsis;    /* arguments after the command words */
	const char *summary;     /* one line */
	const char *args_values; /* completion of positional args: like opt.values */
};

/* Global options: parsed before the command, and accepted after it too. */
extern const struct opt global_opts[];
/* The root table (cmd/main.c). */
extern const struct cmd tenc_root;

/* Run the command named by argv[0..] in table `parent`. */
int cmd_dispatch(const struct cmd *parent, int argc, char **argv);

/* Find argv word `word` in `table` by unique prefix: exact match wins.
 * NULL if none or ambiguous (*ambiguous set). */
const struct cmd *cmd_lookup(const struct cmd *const *table, const char *word, bool *ambiguous);

typedef int (*opt_cb)(int key, char *arg, void *ctx);
/* Parse argv (argv[0] is the command word) against c->opts and the global
 * options. Calls cb for each command option. Returns the index of the first
 * positional argument, or -1 after printing a usage error (exit 2), or
 * -2 when --help was printed (exit 0). */
int opts_parse(const struct cmd *c, int argc, char **argv, opt_cb cb, void *ctx);

/* Parse the global options that lead argv (argv[0] is the program name, or
 * any word: parsing starts at argv[1]). Returns the index of the command word
 * (argc when there is none), -1 after a usage error, -2 when --help was
 * printed, -3 for -V/--version. Used by main() and by the shell per line. */
int cli_parse_globals(int argc, char **argv);

/* A decimal number in min..max (num_parse: digits only, no sign, no
 * space, no leading zero). 0 with *out set, or -1 (the caller says what
 * was wrong with its option). */
int cli_number(const char *arg, unsigned long min, unsigned long max, unsigned long *out);

/* Handle one global option key; returns 0, or -1 if key is not global. */
int global_opt(int key, const char *arg);

void cmd_usage(FILE *f, const struct cmd *c);
/* Usage error: message, then the command's usage on stderr; returns 2. */
int cmd_usage_error(const struct cmd *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Print the command tree as JSON (for `tenc -j help`). */
void cmd_dump_json(void);
/* Print help for the command path argv[0..argc) (argc 0: top level). */
int cmd_help(int argc, char **argv);

/* Require min..max (max < 0: any) positional arguments after index i. */
int cmd_need_args(const struct cmd *c, int argc, int i, int min, int max);
/* opts_parse (cb may be NULL when the command has no options of its own)
 * and cmd_need_args together. Returns the index of the first positional
 * argument (>= 1), or minus the exit status: 0 after --help, -TENC_USAGE
 * after a usage error. So: if ((i = cmd_parse(...)) <= 0) return -i; */
int cmd_parse(const struct cmd *c, int argc, char **argv, opt_cb cb, void *ctx, int min, int max);

#endif
