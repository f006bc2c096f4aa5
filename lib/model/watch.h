/* SPDX-License-Identifier: GPL-2.0 */
/* watch: the event stream `kubectl get nodes -o json --watch
 * --output-watch-events` prints: JSON objects {"type": "ADDED|MODIFIED|
 * DELETED|BOOKMARK|ERROR", "object": {...}}, concatenated and
 * pretty-printed across lines, cut into events as the bytes arrive (any
 * chunking gives the same events), each event's Node read as nodelist.h
 * reads a kubectl node. Bytes that are no JSON object, an object that is
 * no event, and an event over WATCH_MAX_EVENT are each one WATCH_BAD
 * event: the stream goes on. Pure: nothing is printed, no state read. */
#ifndef TENC_WATCH_H
#define TENC_WATCH_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "model.h"

#define WATCH_MAX_EVENT	(4u << 20)	/* bytes of one event */

enum watch_type { WATCH_ADDED, WATCH_MODIFIED, WATCH_DELETED, WATCH_BOOKMARK, WATCH_ERROR, WATCH_BAD };

struct watch_event {
	enum watch_type type;
	/* ADDED, MODIFIED: the node as a peer (no id; cidrs sorted) unless
	 * rejected; DELETED: its name alone. */
	struct peer peer;
	bool local;		/* ADDED, MODIFIED: the local node (by a node ip): skip it */
	bool rejected;		/* ADDED, MODIFIED: the node cannot be peered: err says why */
	char name[PEER_NAME_MAX + 1];	/* the node's name, when it has a valid one */
	char err[256];		/* rejected or WATCH_BAD: why; WATCH_ERROR: the Status message */
};

struct watch_stream {
	char *buf;
	size_t len, cap;
	size_t start;		/* where the bytes not yet cut begin */
	size_t scan;		/* how far they have been scanned */
	size_t depth;		/* of { and [ at scan; 0: between events */
	bool in_str, esc;	/* inside a string at scan; after a backslash */
	bool junk;		/* scanning bytes that are no object */
	size_t junk_n;		/* how many so far (not kept) */
	bool drop;		/* dropping an object over WATCH_MAX_EVENT */
};

void watch_init(struct watch_stream *s);
void watch_free(struct watch_stream *s);
/* Append n bytes. 0 or -ENOMEM. */
int watch_feed(struct watch_stream *s, const char *p, size_t n);
/* The next event the bytes so far hold: 1 with *ev, 0 when more are
 * needed. local: the node's own ips, NULL when not known. */
int watch_next(struct watch_stream *s, const struct node_ips *local, struct watch_event *ev);
/* At the end of the input, after watch_next gave 0: 1 with a WATCH_BAD
 * for what is left unfinished, else 0. */
int watch_finish(struct watch_stream *s, struct watch_event *ev);
/* "ADDED", ..., "BAD". */
const char *watch_type_str(enum watch_type t);

#endif
