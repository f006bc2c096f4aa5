// SPDX-License-Identifier: GPL-2.0
/* statefile.c: atomic state files and their JSON form (see statefile.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "state.h"
#include "statefile.h"
#include "tenc.h"

json_t *store_json_load(const char *name, int *err)
{
	char path[4096];
	json_error_t je;
	json_t *j;

	state_path(path, sizeof(path), name);
	if (access(path, F_OK)) {
		*err = -ENOENT;
		return NULL;
	}
	j = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	if (!j) {
		char why[160];

		*err = tenc_err(TENC_FAIL, name, "%s:%s", path,
				json_error_str(&je, !strcmp(name, "keys.json"), why, sizeof(why)));
		return NULL;
	}
	*err = 0;
	return j;
}

const char *json_error_str(const json_error_t *je, bool secret, char *buf, size_t n)
{
	/* jansson's text quotes the input near the error ("near '\"1 hmac(sha1)
	 * a0a1a2'"): in keys.json that is key text. There, say where, and what
	 * kind of error only when the text quotes nothing. */
	if (secret && (strstr(je->text, "near") || strchr(je->text, '\'')))
		snprintf(buf, n, "%d:%d: not valid JSON (the text there is not shown)", je->line, je->column);
	else
		snprintf(buf, n, "%d:%d: %s", je->line, je->column, je->text);
	return buf;
}

void af_open(struct afile *f, const char *name)
{
	f->name = name;
	f->err = 0;
	state_path(f->path, sizeof(f->path), name);
	snprintf(f->tmp, sizeof(f->tmp), "%s.tmp.%d", f->path, (int)getpid());
	f->fd = open(f->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (f->fd < 0)
		f->err = errno;
}

void af_write(struct afile *f, const char *p, size_t len)
{
	while (!f->err && len) {
		ssize_t w = write(f->fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			f->err = w < 0 ? errno : EIO;
		else
			p += w, len -= (size_t)w;
	}
}

int af_commit(struct afile *f)
{
	int ret = 0;

	if (!f->err && (fsync(f->fd) || rename(f->tmp, f->path)))
		f->err = errno;
	if (f->err) {
		state_journal_keep(); /* the kernel may hold what this file does not say */
		ret = tenc_errno(TENC_FAIL, f->err, f->name, "writing %s", f->path);
	}
	if (f->fd >= 0)
		close(f->fd);
	if (ret)
		unlink(f->tmp);
	return ret;
}

void af_abort(struct afile *f)
{
	if (f->fd >= 0)
		close(f->fd);
	unlink(f->tmp);
}

static void af_sink(void *f, const char *p, size_t n)
{
	af_write(f, p, n);
}

void store_json_open(struct store_json *s, const char *name, enum jw_style style)
{
	af_open(&s->f, name);
	jw_init_sink(&s->w, s->buf, sizeof(s->buf), af_sink, &s->f, style);
}

int store_json_commit(struct store_json *s)
{
	jw_finish(&s->w); /* flushes into the file, wipes buf */
	return af_commit(&s->f);
}

int store_bad(const char *name, const char *fmt, ...)
{
	char why[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return tenc_err(TENC_FAIL, name, "%s", why);
}
