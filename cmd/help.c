// SPDX-License-Identifier: GPL-2.0
/* help.c: `tenc help [COMMAND...]`; with -j, the whole command tree as JSON. */
#include <string.h>
#include "cli.h"
#include "tenc.h"

static int do_help(const struct cmd *self, int argc, char **argv)
{
	const struct cmd *c = &tenc_root;
	int i = cmd_parse(self, argc, argv, NULL, NULL, 0, 2);

	if (i <= 0)
		return -i;
	if (g.json) {
		cmd_dump_json();
		return TENC_OK;
	}
	g.cmd_path[0] = '\0';
	for (; i < argc; i++) {
		bool amb;
		const struct cmd *s = cmd_lookup(c->sub, argv[i], &amb);

		if (!s)
			return tenc_err(TENC_USAGE, argv[i], amb ? "ambiguous command" : "unknown command");
		c = s;
		snprintf(g.cmd_path + strlen(g.cmd_path), sizeof(g.cmd_path) - strlen(g.cmd_path),
			 "%s%s", g.cmd_path[0] ? " " : "", s->name);
	}
	cmd_usage(stdout, c);
	return TENC_OK;
}

const struct cmd cmd_help_ = {
	.name = "help",
	.fn = do_help,
	.synopsis = "[COMMAND [SUBCOMMAND]]",
	.summary = "show help for a command; with -j, list every command and option",
	.args_values = "command",
};
