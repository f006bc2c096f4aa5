// SPDX-License-Identifier: GPL-2.0
/* main.c: the top-level command table, global options and multi-call
 * dispatch (a link named tenc-<command> runs `tenc <command>`). Each
 * command lives in cmd/<command>.c. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "tenc.h"

extern const struct cmd cmd_enable, cmd_disable, cmd_key, cmd_peer, cmd_status, cmd_subnet;
extern const struct cmd cmd_shell, cmd_help_, cmd_version, cmd_audit, cmd_trace, cmd_advertise;

static const struct cmd *const top[] = {
	&cmd_enable,
	&cmd_disable,
	&cmd_key,
	&cmd_peer,
	&cmd_subnet,
	&cmd_status,
	&cmd_advertise,
	&cmd_audit,
	&cmd_trace,
	&cmd_shell,
	&cmd_help_,
	&cmd_version,
	NULL,
};

const struct cmd tenc_root = {
	.name = "tenc",
	.sub = top,
	.summary = "transparent IPsec encryption of pod and node traffic",
};

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

	i = cli_parse_globals(n, args);
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
