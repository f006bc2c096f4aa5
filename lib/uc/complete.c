// SPDX-License-Identifier: GPL-2.0
/* complete.c: values for tab completion (see complete.h). */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "store.h"
#include "complete.h"

/* Borrowed strings (s, len), copied by pack() into one block. */
struct names {
	struct {
		const char *s;
		size_t len;
	} *v;
	size_t n, cap;
	bool oom;
};

static void add(struct names *l, const char *s, size_t len)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		void *v = realloc(l->v, cap * sizeof(*l->v));

		if (!v) {
			l->oom = true;
			return;
		}
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n].s = s;
	l->v[l->n++].len = len;
}

/* The NULL-terminated pointer array, then the strings, in one allocation.
 * Frees l's own memory. */
static const char **pack(struct names *l)
{
	size_t bytes = (l->n + 1) * sizeof(char *);
	const char **out = NULL;
	char *p;

	for (size_t i = 0; i < l->n; i++)
		bytes += l->v[i].len + 1;
	if (!l->oom && l->n)
		out = malloc(bytes);
	if (out) {
		p = (char *)(out + l->n + 1);
		for (size_t i = 0; i < l->n; i++) {
			memcpy(p, l->v[i].s, l->v[i].len);
			p[l->v[i].len] = '\0';
			out[i] = p;
			p += l->v[i].len + 1;
		}
		out[l->n] = NULL;
	}
	free(l->v);
	return out;
}

/* "a|b|c": the words between the bars. */
static const char **alternatives(const char *kind)
{
	struct names l = { 0 };

	for (const char *p = kind;; p++) {
		const char *bar = strchrnul(p, '|');

		if (bar > p)
			add(&l, p, (size_t)(bar - p));
		if (!*bar)
			break;
		p = bar;
	}
	return pack(&l);
}

static int not_dot(const struct dirent *de)
{
	return de->d_name[0] != '.';
}

static const char **interfaces(void)
{
	struct names l = { 0 };
	struct dirent **de;
	const char **out;
	int n = scandir("/sys/class/net", &de, not_dot, alphasort);

	if (n < 0)
		return NULL;
	for (int i = 0; i < n; i++)
		add(&l, de[i]->d_name, strlen(de[i]->d_name));
	out = pack(&l);
	for (int i = 0; i < n; i++)
		free(de[i]);
	free(de);
	return out;
}

static const char **commands(void)
{
	struct names l = { 0 };

	for (const struct cmd *const *c = tenc_root.sub; c && *c; c++)
		add(&l, (*c)->name, strlen((*c)->name));
	return pack(&l);
}

/* Peer names from <state_dir>/peers.json. */
static const char **peer_names(void)
{
	struct names l = { 0 };
	struct peers ps;
	const char **out;

	if (peers_load(&ps))
		return NULL;
	for (size_t i = 0; i < ps.n; i++)
		add(&l, ps.v[i].name, strlen(ps.v[i].name));
	out = pack(&l);
	peers_free(&ps);
	return out;
}

/* The SPIs of <state_dir>/keys.json (the keys themselves are wiped). */
static const char **spis(void)
{
	char num[16][4];
	struct names l = { 0 };
	struct keyring r;
	const char **out;

	if (keys_load(&r))
		return NULL;
	for (int i = 0; i < r.n && i < 16; i++) {
		snprintf(num[i], sizeof(num[i]), "%d", r.v[i].k.spi);
		add(&l, num[i], strlen(num[i]));
	}
	keys_wipe(&r);
	out = pack(&l);
	return out;
}

const char **complete_values(const char *kind)
{
	if (!kind || !*kind)
		return NULL;
	if (strchr(kind, '|'))
		return alternatives(kind);
	if (!strcmp(kind, "iface"))
		return interfaces();
	if (!strcmp(kind, "command"))
		return commands();
	if (!strcmp(kind, "peer"))
		return peer_names();
	if (!strcmp(kind, "spi"))
		return spis();
	return NULL;
}

bool complete_is_path(const char *kind)
{
	return kind && (!strcmp(kind, "file") || !strcmp(kind, "dir"));
}
