// SPDX-License-Identifier: GPL-2.0
/* main.c: the top-level command table, global options and multi-call
 * dispatch (a link named tenc-<command> runs `tenc <command>`). Each
 * command lives in cmd/<command>.c. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "tenc.h"

extern const struct cmd cmd_help_, cmd_version;

static const struct cmd *const top[] = {
	&cmd_help_,
	&cmd_version,
	
	NULL,
};

const struct cmd tenc_root = {
	.name = "tenc",
	.sub = top,
	.summary = "transparent IPsec encryption of pod and node traffic",
};

/* Parse global options before the command; returns argv index or -1/-2. */
static int parse_globals(int argc, char **argv)
{
	static const struct cmd root_only = { .name = "tenc", .sub = top };
	int key;
	struct option lo[16];
	char so[32] = "+:";
	size_t n = 0, s = 2;

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
				return cmd_usage_error(&root_only, "bad value '%s' for '%s'", optarg,
						       argv[optind - 1]), -1;
		}
	}
	return optind;
}

int main(int argc, char **argv)
{
	const char *base = strrchr(argv[0], '/');
	char **args;
	int i, n, ret;

	base = base ? base + 1 : argv[0];
	g.state_dir = getenv("TENC_STATE_DIR");
	if (!g.state_dir || !*g.state_dir)
		g.state_dir = TENC_DEFAULT_STATE_DIR;

	/* Multi-call: tenc-status [args] == tenc status [args]. */
	args = calloc((size_t)argc + 2, sizeof(*args));
	if (!args)
		return TENC_FAIL;
	args[0] = argv[0];
	n = 1;
	if (strncmp(base, "tenc-", 5) == 0 && base[5])
		args[n++] = (char *)base + 5;
	for (i = 1; i < argc; i++)
		args[n++] = argv[i];
	args[n] = NULL;

	i = parse_globals(n, args);
	if (i == -1)
		ret = TENC_USAGE;
	else if (i == -2)
		ret = TENC_OK;
	else if (i == -3) {
		char *v[] = { "version", NULL };
		ret = cmd_dispatch(&tenc_root, 1, v);
	} else if (i >= n) {
		if (isatty(STDIN_FILENO)) {
			char *v[] = { "shell", NULL };
			ret = cmd_dispatch(&tenc_root, 1, v);
		} else {
			cmd_usage(stderr, &tenc_root);
			ret = TENC_USAGE;
		}
	} else {
		ret = cmd_dispatch(&tenc_root, n - i, args + i);
	}
	tenc_json_end();
	free(args);
	return ret;
}
