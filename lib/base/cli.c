// SPDX-License-Identifier: GPL-2.0
/* cli.c: command dispatch, option parsing and usage (see cli.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "num.h"
#include "tenc.h"

enum { OPT_WAIT = OPT_GLOBAL_BASE };

const struct opt global_opts[] = {
	{ "json", 'j', no_argument, NULL, "print JSON", NULL },
	{ "pretty", 'p', no_argument, NULL, "print indented JSON (implies --json)", NULL },
	{ "verbose", 'v', no_argument, NULL, "more output; twice shows libbpf debug", NULL },
	{ "state-dir", 's', required_argument, "DIR", "this node instance's state directory", "dir" },
	{ "wait", OPT_WAIT, required_argument, "S", "seconds a writer waits for the state lock (default 10)", NULL },
	{ "help", 'h', no_argument, NULL, "show help", NULL },
	{ NULL, 0, 0, NULL, NULL, NULL },
};

int cli_number(const char *arg, unsigned long min, unsigned long max, unsigned long *out)
{
	return num_parse(arg, min, max, out);
}

int global_opt(int key, const char *arg)
{
	unsigned long v;

	switch (key) {
	case 'j': g.json = true; return 0;
	case 'p': g.json = g.pretty = true; return 0;
	case 'v': g.verbose++; return 0;
	case 's': g.state_dir = arg; return 0;
	case OPT_WAIT:
		if (cli_number(arg, 0, 86400, &v))
			return -2;
		g.wait_s = (int)v;
		return 0;
	}
	return -1;
}

const struct cmd *cmd_lookup(const struct cmd *const *table, const char *word, bool *ambiguous)
{
	const struct cmd *hit = NULL;
	size_t n = strlen(word);
	int count = 0;

	*ambiguous = false;
	if (!table || n == 0)
		return NULL;
	for (const struct cmd *const *cp = table; *cp; cp++) {
		const struct cmd *c = *cp;

		if (strcmp(c->name, word) == 0)
			return c;
		if (strncmp(c->name, word, n) == 0) {
			hit = c;
			count++;
		}
	}
	if (count > 1)
		*ambiguous = true;
	return count == 1 ? hit : NULL;
}

static void path_push(const char *name)
{
	size_t n = strlen(g.cmd_path);

	snprintf(g.cmd_path + n, sizeof(g.cmd_path) - n, "%s%s", n ? " " : "", name);
}

static void list_names(FILE *f, const struct cmd *const *table, const char *prefix)
{
	bool first = true;

	for (const struct cmd *const *cp = table; *cp; cp++) {
		const struct cmd *c = *cp;

		if (prefix && strncmp(c->name, prefix, strlen(prefix)))
			continue;
		fprintf(f, "%s%s", first ? "" : ", ", c->name);
		first = false;
	}
}

int cmd_dispatch(const struct cmd *parent, int argc, char **argv)
{
	const struct cmd *c;
	bool amb;

	if (argc < 1 || argv[0][0] == '-') {
		if (parent->fn)
			return parent->fn(parent, argc + 1, argv - 1);
		cmd_usage(stderr, parent);
		return TENC_USAGE;
	}
	c = cmd_lookup(parent->sub, argv[0], &amb);
	if (!c) {
		char names[512];
		FILE *m = fmemopen(names, sizeof(names), "w");

		if (m) {
			list_names(m, parent->sub, amb ? argv[0] : NULL);
			fclose(m);
		} else {
			names[0] = '\0';
		}
		if (amb)
			return tenc_err(TENC_USAGE, argv[0], "ambiguous command, could be: %s", names);
		return tenc_err(TENC_USAGE, argv[0], "unknown command, expected one of: %s", names);
	}
	path_push(c->name);
	if (c->sub && (argc >= 2 && argv[1][0] != '-'))
		return cmd_dispatch(c, argc - 1, argv + 1);
	if (!c->fn) {
		if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
			cmd_usage(stdout, c);
			return TENC_OK;
		}
		cmd_usage(stderr, c);
		return TENC_USAGE;
	}
	return c->fn(c, argc, argv);
}

static size_t count_opts(const struct opt *o)
{
	size_t n = 0;

	while (o && o[n].name)
		n++;
	return n;
}

static void add_opts(struct option *lo, size_t *nl, char *so, size_t *ns, const struct opt *o)
{
	for (; o && o->name; o++) {
		lo[*nl].name = o->name;
		lo[*nl].has_arg = o->has_arg;
		lo[*nl].flag = NULL;
		lo[*nl].val = o->key;
		(*nl)++;
		if (o->key > 0 && o->key < OPT_LONG_BASE) {
			so[(*ns)++] = (char)o->key;
			if (o->has_arg == required_argument)
				so[(*ns)++] = ':';
		}
	}
}

/* The long name of a global option, for messages (whichever form was used). */
static const char *global_name(int key)
{
	for (const struct opt *o = global_opts; o->name; o++)
		if (o->key == key)
			return o->name;
	return "?";
}

int opts_parse(const struct cmd *c, int argc, char **argv, opt_cb cb, void *ctx)
{
	size_t n = count_opts(c->opts) + count_opts(global_opts) + 1;
	struct option *lo = calloc(n, sizeof(*lo));
	char *so = calloc(2 * n + 2, 1);
	size_t nl = 0, ns = 0;
	int key, ret = 0;

	if (!lo || !so) {
		free(lo);
		free(so);
		return -1;
	}
	so[ns++] = ':'; /* report missing arguments distinctly */
	add_opts(lo, &nl, so, &ns, c->opts);
	add_opts(lo, &nl, so, &ns, global_opts);
	optind = 0;
	opterr = 0;
	while (ret == 0 && (key = getopt_long(argc, argv, so, lo, NULL)) != -1) {
		int r;

		if (key == 'h') {
			cmd_usage(stdout, c);
			ret = -2;
		} else if (key == '?') {
			if (optopt)
				cmd_usage_error(c, "unknown or ambiguous option '-%c'", optopt);
			else
				cmd_usage_error(c, "unknown or ambiguous option '%s'", argv[optind - 1]);
			ret = -1;
		} else if (key == ':') {
			cmd_usage_error(c, "option '%s' needs an argument", argv[optind - 1]);
			ret = -1;
		} else if ((r = global_opt(key, optarg)) != -1) {
			if (r == -2) {
				cmd_usage_error(c, "bad value '%s' for --%s", optarg, global_name(key));
				ret = -1;
			}
		} else if (!cb || cb(key, optarg, ctx)) {
			ret = -1; /* cb printed why */
		}
	}
	free(lo);
	free(so);
	return ret ? ret : optind;
}

int cli_parse_globals(int argc, char **argv)
{
	/* Not tenc_root: a usage error then lists the commands, not the globals. */
	const struct cmd root_only = { .name = "tenc", .sub = tenc_root.sub };
	struct option lo[16];
	char so[32] = "+:";
	size_t n = 0, s = 2;
	int key;

	for (const struct opt *o = global_opts; o->name; o++, n++) {
		lo[n] = (struct option){ o->name, o->has_arg, NULL, o->key };
		if (o->key < OPT_LONG_BASE) {
			so[s++] = (char)o->key;
			if (o->has_arg)
				so[s++] = ':';
		}
	}
	lo[n] = (struct option){ "version", no_argument, NULL, 'V' };
	lo[n + 1] = (struct option){ 0 };
	so[s++] = 'V';
	optind = 0;
	opterr = 0;
	while ((key = getopt_long(argc, argv, so, lo, NULL)) != -1) {
		int r;

		switch (key) {
		case 'h':
			cmd_usage(stdout, &tenc_root);
			return -2;
		case 'V':
			return -3;
		case '?':
			return cmd_usage_error(&root_only, "unknown option '%s'", argv[optind - 1]), -1;
		case ':':
			return cmd_usage_error(&root_only, "option '%s' needs an argument", argv[optind - 1]), -1;
		default:
			r = global_opt(key, optarg);
			if (r)
				return cmd_usage_error(&root_only, "bad value '%s' for --%s", optarg,
						       global_name(key)), -1;
		}
	}
	return optind;
}

int cmd_parse(const struct cmd *c, int argc, char **argv, opt_cb cb, void *ctx, int min, int max)
{
	int i = opts_parse(c, argc, argv, cb, ctx);

	if (i == -2)
		return -TENC_OK;
	if (i < 0 || cmd_need_args(c, argc, i, min, max))
		return -TENC_USAGE;
	return i;
}

int cmd_need_args(const struct cmd *c, int argc, int i, int min, int max)
{
	int n = argc - i;

	if (n < min)
		return cmd_usage_error(c, "missing argument");
	if (max >= 0 && n > max)
		return cmd_usage_error(c, "too many arguments");
	return 0;
}

static void print_opts(FILE *f, const struct opt *o)
{
	for (; o && o->name; o++) {
		char left[64];

		if (o->key > 0 && o->key < OPT_LONG_BASE)
			snprintf(left, sizeof(left), "-%c, --%s%s%s", o->key, o->name,
				 o->arg ? " " : "", o->arg ? o->arg : "");
		else
			snprintf(left, sizeof(left), "    --%s%s%s", o->name,
				 o->arg ? " " : "", o->arg ? o->arg : "");
		fprintf(f, "  %-28s %s\n", left, o->help);
	}
}

void cmd_usage(FILE *f, const struct cmd *c)
{
	const char *path = g.cmd_path[0] ? g.cmd_path : NULL;

	if (c->sub) {
		fprintf(f, "Usage: tenc%s%s ", path ? " " : "", path ? path : "");
		fprintf(f, "%s\n", c == &tenc_root ? "[OPTIONS] COMMAND [ARGS]" : "COMMAND [ARGS]");
		if (c->summary)
			fprintf(f, "%s\n", c->summary);
		fputs("\nCommands:\n", f);
		for (const struct cmd *const *s = c->sub; *s; s++)
			fprintf(f, "  %-10s %s\n", (*s)->name, (*s)->summary ? (*s)->summary : "");
	} else {
		fprintf(f, "Usage: tenc %s%s%s\n", path ? path : c->name,
			c->synopsis ? " " : "", c->synopsis ? c->synopsis : "");
		if (c->summary)
			fprintf(f, "%s\n", c->summary);
	}
	if (c->opts && c->opts->name) {
		fputs("\nOptions:\n", f);
		print_opts(f, c->opts);
	}
	if (c == &tenc_root) {
		fputs("\nGlobal options:\n", f);
		print_opts(f, global_opts);
		fputs("\nRun 'tenc help COMMAND' for more. See tenc(8).\n", f);
	}
}

int cmd_usage_error(const struct cmd *c, const char *fmt, ...)
{
	char why[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	tenc_err(TENC_USAGE, "usage", "%s", why);
	if (!g.json)
		cmd_usage(stderr, c);
	return TENC_USAGE;
}

static void dump_opts(const struct opt *o)
{
	jw_start_array(jw);
	for (; o && o->name; o++) {
		jw_start_object(jw);
		jw_name(jw, "long");
		jw_stringf(jw, "--%s", o->name);
		if (o->key > 0 && o->key < OPT_LONG_BASE) {
			jw_name(jw, "short");
			jw_stringf(jw, "-%c", o->key);
		}
		if (o->arg)
			jw_string_field(jw, "arg", o->arg);
		if (o->values)
			jw_string_field(jw, "values", o->values);
		jw_end_object(jw);
	}
	jw_end_array(jw);
}

static void dump_cmd(const struct cmd *c, const char *prefix)
{
	char path[128];

	snprintf(path, sizeof(path), "%s%s%s", prefix, *prefix ? " " : "", c->name);
	if (c->fn) {
		jw_start_object(jw);
		jw_string_field(jw, "command", path);
		jw_string_field(jw, "synopsis", c->synopsis ? c->synopsis : "");
		jw_string_field(jw, "summary", c->summary ? c->summary : "");
		if (c->args_values)
			jw_string_field(jw, "args", c->args_values);
		jw_name(jw, "options");
		dump_opts(c->opts);
		jw_end_object(jw);
	}
	for (const struct cmd *const *s = c->sub; s && *s; s++)
		dump_cmd(*s, path);
}

void cmd_dump_json(void)
{
	tenc_json_begin();
	jw_start_object(jw);
	jw_name(jw, "commands");
	jw_start_array(jw);
	for (const struct cmd *const *s = tenc_root.sub; *s; s++)
		dump_cmd(*s, "");
	jw_end_array(jw);
	jw_name(jw, "global_options");
	dump_opts(global_opts);
	jw_end_object(jw);
	tenc_json_end();
}
