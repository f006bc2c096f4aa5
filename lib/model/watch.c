// SPDX-License-Identifier: GPL-2.0
/* watch.c: kubectl's watch event stream, cut into events (see watch.h). */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "nodelist.h"
#include "watch.h"

enum { SCAN_MORE, SCAN_OBJECT, SCAN_JUNK, SCAN_HUGE };

void watch_init(struct watch_stream *s)
{
	memset(s, 0, sizeof(*s));
}

void watch_free(struct watch_stream *s)
{
	free(s->buf);
	watch_init(s);
}

const char *watch_type_str(enum watch_type t)
{
	static const char *const names[] = { "ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR", "BAD" };

	return t <= WATCH_BAD ? names[t] : "BAD";
}

int watch_feed(struct watch_stream *s, const char *p, size_t n)
{
	if (s->start) { /* the bytes before start are cut or dropped */
		memmove(s->buf, s->buf + s->start, s->len - s->start);
		s->len -= s->start;
		s->scan -= s->start;
		s->start = 0;
	}
	if (s->len + n > s->cap) {
		size_t cap = s->cap ? s->cap : 65536;
		char *b;

		while (cap < s->len + n)
			cap *= 2;
		if (!(b = realloc(s->buf, cap)))
			return -ENOMEM;
		s->buf = b;
		s->cap = cap;
	}
	memcpy(s->buf + s->len, p, n);
	s->len += n;
	return 0;
}

/* One byte c between events: the start of one, a blank, or junk. */
static int scan_between(struct watch_stream *s, char c)
{
	if (c == '{') {
		if (s->junk)
			return SCAN_JUNK; /* c is scanned again, as the next event */
		s->depth = 1;
		s->in_str = s->esc = false;
	} else if (s->junk || !strchr(" \t\r\n", c)) {
		s->junk = true;
		s->junk_n++;
	}
	s->start = ++s->scan; /* nothing kept */
	if (s->depth)
		s->start--;
	return SCAN_MORE;
}

/* One byte c inside an event. */
static int scan_inside(struct watch_stream *s, char c)
{
	s->scan++;
	if (s->in_str) {
		if (s->esc)
			s->esc = false;
		else if (c == '\\')
			s->esc = true;
		else if (c == '"')
			s->in_str = false;
	} else if (c == '"') {
		s->in_str = true;
	} else if (c == '{' || c == '[') {
		s->depth++;
	} else if ((c == '}' || c == ']') && --s->depth == 0) {
		return SCAN_OBJECT;
	}
	if (s->drop) {
		s->start = s->scan;
	} else if (s->scan - s->start > WATCH_MAX_EVENT) {
		s->drop = true;
		return SCAN_HUGE;
	}
	return SCAN_MORE;
}

static int scan(struct watch_stream *s)
{
	int r = SCAN_MORE;

	while (r == SCAN_MORE && s->scan < s->len) {
		char c = s->buf[s->scan];

		r = s->depth ? scan_inside(s, c) : scan_between(s, c);
	}
	return r;
}

/* ev from the event object j. */
static void event_of(json_t *j, const struct node_ips *local, struct watch_event *ev)
{
	const char *type = json_string_value(json_object_get(j, "type"));
	json_t *obj = json_object_get(j, "object");
	const char *name = json_string_value(json_object_get(json_object_get(obj, "metadata"), "name"));
	const char *msg;
	int r;

	if (name && peer_name_ok(name))
		snprintf(ev->name, sizeof(ev->name), "%s", name);
	if (!type) {
		snprintf(ev->err, sizeof(ev->err), "type: missing or not a string");
	} else if (!strcmp(type, "BOOKMARK")) {
		ev->type = WATCH_BOOKMARK;
	} else if (!strcmp(type, "ERROR")) {
		ev->type = WATCH_ERROR;
		msg = json_string_value(json_object_get(obj, "message"));
		snprintf(ev->err, sizeof(ev->err), "%s", msg ? msg : "(no message)");
	} else if (!strcmp(type, "ADDED") || !strcmp(type, "MODIFIED")) {
		ev->type = type[0] == 'A' ? WATCH_ADDED : WATCH_MODIFIED;
		r = nodelist_kube_node(obj, local, &ev->peer, ev->err, sizeof(ev->err));
		ev->local = r == 1;
		ev->rejected = r < 0;
	} else if (!strcmp(type, "DELETED")) {
		if (!ev->name[0])
			snprintf(ev->err, sizeof(ev->err), "object.metadata.name: missing or not " PEER_NAME_RULE);
		else
			ev->type = WATCH_DELETED;
		snprintf(ev->peer.name, sizeof(ev->peer.name), "%s", ev->name);
	} else {
		snprintf(ev->err, sizeof(ev->err), "type: '%.32s' is no watch event type", type);
	}
}

static void parse_event(const char *p, size_t n, const struct node_ips *local, struct watch_event *ev)
{
	json_error_t je;
	json_t *j = json_loadb(p, n, 0, &je);

	if (!j) {
		snprintf(ev->err, sizeof(ev->err), "not JSON: line %d: %s", je.line, je.text);
		return;
	}
	event_of(j, local, ev);
	json_decref(j);
}

int watch_next(struct watch_stream *s, const struct node_ips *local, struct watch_event *ev)
{
	for (;;) {
		int r = scan(s);

		memset(ev, 0, sizeof(*ev));
		ev->type = WATCH_BAD;
		switch (r) {
		case SCAN_MORE:
			return 0;
		case SCAN_JUNK:
			snprintf(ev->err, sizeof(ev->err), "%zu bytes that are no JSON object: skipped", s->junk_n);
			s->junk = false;
			s->junk_n = 0;
			return 1;
		case SCAN_HUGE:
			snprintf(ev->err, sizeof(ev->err), "an event over %u bytes: skipped", WATCH_MAX_EVENT);
			s->start = s->scan;
			return 1;
		}
		if (s->drop) { /* its end: reported at its start */
			s->drop = false;
			s->start = s->scan;
			continue;
		}
		parse_event(s->buf + s->start, s->scan - s->start, local, ev);
		s->start = s->scan;
		return 1;
	}
}

int watch_finish(struct watch_stream *s, struct watch_event *ev)
{
	bool open = s->depth && !s->drop;

	memset(ev, 0, sizeof(*ev));
	ev->type = WATCH_BAD;
	if (s->junk)
		snprintf(ev->err, sizeof(ev->err), "%zu bytes that are no JSON object: skipped", s->junk_n);
	else if (open)
		snprintf(ev->err, sizeof(ev->err), "the input ends inside an event");
	s->junk = s->drop = false;
	s->junk_n = s->depth = 0;
	s->start = s->scan = s->len;
	return ev->err[0] != '\0';
}
