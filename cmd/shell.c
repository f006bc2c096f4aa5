// SPDX-License-Identifier: GPL-2.0
/* shell.c: `tenc shell`, and `tenc` alone on a terminal: a readline prompt
 * that runs each line as a tenc command line. Owns: splitting a line into
 * words, the per-line reset of the global options, exit/quit, tab completion
 * over the command tree (argument values from lib/uc/complete.c), Ctrl-C at the
 * prompt, and the history file <state_dir>/history. Without a terminal it
 * reads lines from stdin with no prompt and no history, for scripts. */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <readline/readline.h>
#include <readline/history.h>
#include "cli.h"
#include "complete.h"
#include "state.h"
#include "tenc.h"

#define HISTORY_MAX 1000

static struct tenc_globals start; /* the globals the shell started with */
static char *hist_path;           /* NULL: no history file */
static volatile sig_atomic_t interrupted;

/* Split line into words at blanks: '...' is literal; in "..." a backslash
 * quotes only " and \; elsewhere it quotes the next character. Returns one
 * malloc'd block, argv[0] "tenc" (as cli_parse_globals expects), argv[argc]
 * NULL; NULL with errno EINVAL on an unterminated quote unless lenient
 * (completion reads a partial line: the open word is dropped). */
static char **split(const char *line, int *argc, bool lenient)
{
	size_t len = strlen(line);
	char **argv = malloc((len + 3) * sizeof(*argv) + len + 1), *o;
	const char *p = line;

	if (!argv)
		return NULL;
	o = (char *)(argv + len + 3);
	argv[0] = "tenc";
	for (*argc = 1;;) {
		char q = 0;

		p += strspn(p, " \t");
		argv[*argc] = NULL;
		if (!*p)
			return argv;
		argv[(*argc)++] = o;
		for (; *p && (q || (*p != ' ' && *p != '\t')); p++) {
			if (*p == q)
				q = 0;
			else if (!q && (*p == '\'' || *p == '"'))
				q = *p;
			else if (*p == '\\' && q != '\'' && p[1] &&
				 (!q || p[1] == '"' || p[1] == '\\'))
				*o++ = *++p;
			else
				*o++ = *p;
		}
		*o++ = '\0';
		if (q && !lenient) {
			free(argv);
			errno = EINVAL;
			return NULL;
		}
		if (q)
			(*argc)--;
	}
}

/* Completion candidates, each pre then s; s may point into vals (from
 * complete_values(), freed once readline has the matches). */
static struct {
	const char *pre, *s;
} cand[1024];
static size_t ncand;
static const char **vals;

static void cand_add(const char *pre, const char *s)
{
	if (ncand < ARRAY_SIZE(cand))
		cand[ncand++] = (typeof(cand[0])){ pre, s };
}

static char *cand_next(const char *text, int state)
{
	static size_t i;
	size_t n = strlen(text);
	char *s;

	if (!state)
		i = 0;
	for (; i < ncand; i++) {
		if (asprintf(&s, "%s%s", cand[i].pre, cand[i].s) < 0)
			return NULL;
		if (!strncmp(s, text, n))
			return i++, s;
		free(s);
	}
	return NULL;
}

/* The option of c, or global, with the short key, or the long name of n bytes. */
static const struct opt *opt_find(const struct cmd *c, int key, const char *name, size_t n)
{
	const struct opt *set[] = { c->opts, global_opts };

	for (size_t k = 0; k < ARRAY_SIZE(set); k++)
		for (const struct opt *o = set[k]; o && o->name; o++)
			if (key ? o->key == key : !strncmp(o->name, name, n) && !o->name[n])
				return o;
	return NULL;
}

/* The option whose argument is the next word (or, glued, the word being
 * completed after "--name="), or NULL. */
static const struct opt *opt_waiting(const struct cmd *c, const char *a, bool glued)
{
	const struct opt *o = NULL;
	size_t n = strcspn(a, "=");

	if (a[1] == '-') {
		if (a[n] && (!glued || a[n + 1]))
			return NULL; /* "--name=arg" */
		o = opt_find(c, 0, a + 2, n - 2);
	} else {
		for (a++; *a && !(o && o->has_arg == required_argument); a++)
			o = opt_find(c, *a, NULL, 0);
		if (*a)
			return NULL; /* the rest of "-sDIR" was the argument */
	}
	return o && o->has_arg == required_argument ? o : NULL;
}

/* Walk the words before the one being completed down the command tree, then
 * offer what may come next: an option's values, flags, subcommands, or the
 * command's argument values. */
static char **complete(const char *text, int begin, int end)
{
	const struct cmd *c = &tenc_root, *s;
	const struct opt *want = NULL;
	const char *kind = NULL;
	bool positional = false, amb;
	char **m = NULL, **argv, *head = strndup(rl_line_buffer, (size_t)begin);
	int argc;

	(void)end;
	rl_attempted_completion_over = 1;
	argv = head ? split(head, &argc, true) : NULL;
	free(head);
	if (!argv)
		return NULL;
	for (int i = 1; i < argc; i++) {
		if (want)
			want = NULL; /* argv[i] was the option's argument */
		else if (argv[i][0] == '-' && argv[i][1])
			want = opt_waiting(c, argv[i],
					   i == argc - 1 && rl_line_buffer[begin - 1] == '=');
		else if (c->sub && !positional && (s = cmd_lookup(c->sub, argv[i], &amb)))
			c = s;
		else
			positional = true;
	}
	free(argv);
	if (want) {
		kind = want->values;
	} else if (text[0] == '-') {
		for (const struct opt *o = c->opts; o && o->name; o++)
			cand_add("--", o->name);
		for (const struct opt *o = global_opts; o->name; o++)
			cand_add("--", o->name);
	} else if (c->sub && !positional) {
		for (const struct cmd *const *sp = c->sub; *sp; sp++)
			cand_add("", (*sp)->name);
		if (c == &tenc_root) {
			cand_add("", "exit");
			cand_add("", "quit");
		}
	} else {
		kind = c->args_values;
	}
	if (complete_is_path(kind))
		rl_attempted_completion_over = 0; /* readline's filename completion */
	else
		vals = complete_values(kind);
	for (size_t k = 0; vals && vals[k]; k++)
		cand_add("", vals[k]);
	if (ncand)
		m = rl_completion_matches(text, cand_next);
	free(vals);
	vals = NULL;
	ncand = 0;
	return m;
}

/* Ctrl-C at the prompt: readline cleans up and passes the signal on to
 * on_sigint, then calls after_signal, which drops the line: at once when the
 * signal cut its read short, else (the signal came just before the read)
 * from the event hook, which readline calls ten times a second. */
static void on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

static int after_signal(void)
{
	if (interrupted) {
		interrupted = 0;
		rl_replace_line("", 0);
		rl_crlf();
		rl_on_new_line();
		rl_redisplay();
	}
	return 0;
}

static void history_start(void)
{
	char path[PATH_MAX];
	struct stat st;
	bool ok;

	using_history();
	stifle_history(HISTORY_MAX);
	/* Create the state dir only where we may (not root: maybe not); the
	 * shell works without a history file. */
	snprintf(path, sizeof(path), "%s", g.state_dir);
	if (!stat(g.state_dir, &st))
		ok = S_ISDIR(st.st_mode) && !access(g.state_dir, W_OK | X_OK);
	else
		ok = !access(dirname(path), W_OK | X_OK) && !state_dir_ensure();
	if (!ok)
		return;
	hist_path = strdup(state_path(path, sizeof(path), "history"));
	if (hist_path && read_history(hist_path) == ENOENT)
		write_history(hist_path); /* append_history needs the file */
}

static char *read_line(bool tty)
{
	struct sigaction sa = { .sa_handler = on_sigint }, old;
	char *line = NULL;
	size_t n = 0;

	if (tty) {
		sigaction(SIGINT, &sa, &old);
		line = readline("tenc> ");
		sigaction(SIGINT, &old, NULL);
		return line;
	}
	if (getline(&line, &n, stdin) < 0) {
		free(line);
		return NULL;
	}
	line[strcspn(line, "\n")] = '\0';
	return line;
}

static void reset_globals(void)
{
	tenc_json_end();
	fflush(stdout);
	g = start; /* also drops a -s that pointed into the last line */
	g.cmd_path[0] = '\0';
}

/* exit [N]: N, else the last command's status. */
static int do_exit(int argc, char **argv, int last, bool *quit)
{
	char *end;
	long n = last;

	if (argc > 2)
		return tenc_err(TENC_USAGE, argv[0], "too many arguments");
	if (argc == 2) {
		n = strtol(argv[1], &end, 10);
		if (!*argv[1] || *end || n < 0 || n > 255)
			return tenc_err(TENC_USAGE, argv[0], "bad status '%s' (0-255)", argv[1]);
	}
	*quit = true;
	return (int)n;
}

static int run_line(const char *line, int last, bool *quit)
{
	char *version[] = { "version", NULL }, **argv;
	int argc, i, ret;

	argv = split(line, &argc, false);
	if (!argv)
		return errno == EINVAL ? tenc_err(TENC_USAGE, "shell", "unterminated quote")
				       : tenc_errno(TENC_FAIL, errno, "shell", "line");
	i = cli_parse_globals(argc, argv);
	if (i == -1)
		ret = TENC_USAGE;
	else if (i == -2)
		ret = TENC_OK;
	else if (i == -3)
		ret = cmd_dispatch(&tenc_root, 1, version);
	else if (i >= argc)
		ret = tenc_err(TENC_USAGE, "shell", "options without a command");
	else if (!strcmp(argv[i], "exit") || !strcmp(argv[i], "quit"))
		ret = do_exit(argc - i, argv + i, last, quit);
	else
		ret = cmd_dispatch(&tenc_root, argc - i, argv + i);
	reset_globals();
	free(argv);
	return ret;
}

static int do_shell(const struct cmd *self, int argc, char **argv)
{
	bool tty = isatty(STDIN_FILENO), quit = false;
	int i = cmd_parse(self, argc, argv, NULL, NULL, 0, 0), last = TENC_OK;
	char *line = NULL;

	if (i <= 0)
		return -i;
	if (g.in_shell)
		return tenc_err(TENC_USAGE, "nested", "already in the shell");
	g.in_shell = true;
	start = g;
	if (tty) {
		rl_readline_name = "tenc";
		rl_attempted_completion_function = complete;
		rl_completer_quote_characters = "\"'";
		rl_signal_event_hook = after_signal;
		rl_event_hook = after_signal;
		history_start();
	}
	while (!quit) {
		char *p;

		reset_globals();
		line = read_line(tty);
		if (!line)
			break;
		p = line + strspn(line, " \t");
		if (*p && *p != '#') {
			if (tty)
				add_history(p);
			if (tty && hist_path && !append_history(1, hist_path))
				history_truncate_file(hist_path, HISTORY_MAX);
			last = run_line(p, last, &quit);
		}
		free(line);
	}
	/* Ctrl-D: readline ends the line itself when bracketed paste is on. */
	if (!quit && tty && strcmp(rl_variable_value("enable-bracketed-paste") ?: "off", "on"))
		putchar('\n');
	if (tty)
		clear_history();
	free(hist_path);
	hist_path = NULL;
	g.in_shell = false;
	return last;
}

const struct cmd cmd_shell = {
	.name = "shell",
	.fn = do_shell,
	.synopsis = "",
	.summary = "interactive shell with history and tab completion",
};
