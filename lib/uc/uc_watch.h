/* SPDX-License-Identifier: GPL-2.0 */
/* uc_watch: `peer sync --watch`'s loop as a use case: the event stream
 * (watch.h) read from a file descriptor as it arrives (poll, chunks into
 * the parser), the events that arrive within the settle time gathered
 * into one batch (with what is already waiting at its end: a burst read
 * slower than it came stays one batch, up to watch_backlog_ms more; the
 * newest event of each node wins: an upsert, a
 * removal, or a node that cannot be peered, which then stays as it is),
 * each batch applied whole by uc_peer_sync_batch (one converge under one
 * state lock, free between batches), and what each batch did handed to a
 * callback for cmd/ to print. Nothing printed; a failing batch is
 * reported (tenc_err) and the loop goes on. */
#ifndef TENC_UC_WATCH_H
#define TENC_UC_WATCH_H
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include "uc_peer.h"
#include "watch.h"

#define WATCH_SETTLE_MAX	60000	/* ms */
#define WATCH_BACKLOG_MIN_MS	2000

/* How long past its settle time a batch may go on taking input that is
 * already waiting: 10 settle times, at least WATCH_BACKLOG_MIN_MS. */
double watch_backlog_ms(unsigned settle_ms);

/* The events of one batch, gathered (pure: no state, no kernel). */
struct watch_batch {
	struct peers ops;	/* one per node name, in first-seen order */
	enum watch_type *kind;	/* per op: WATCH_ADDED (upsert), WATCH_DELETED, WATCH_BAD */
	char (*why)[256];	/* per op, for WATCH_BAD */
	size_t cap;
	struct peer_index ix;	/* ops by name */
	struct node_rejects nameless;	/* bad events without a node name */
	struct node_rejects errors;	/* ERROR events' messages */
	size_t events;		/* every event but BOOKMARK */
	unsigned retries;	/* failed applies of the ops kept in it */
};

void watch_batch_init(struct watch_batch *b);
void watch_batch_free(struct watch_batch *b);
/* Add one event (BOOKMARK and the local node: nothing). 0 or -ENOMEM. */
int watch_batch_add(struct watch_batch *b, const struct watch_event *ev);
/* The batch as uc_peer_sync_batch's request; the sets are b's or *up,
 * *del, *bad's (free those three). 0 or -ENOMEM. */
int watch_batch_req(const struct watch_batch *b, struct peers *up, struct peers *del, struct node_rejects *bad);

/* What one batch did. */
struct watch_batch_res {
	bool applied;			/* a converge ran (the batch held node events) */
	int ret;			/* its TENC_* code (reported) */
	struct peer_sync_res sync;	/* when applied and ret is 0 */
	const struct node_rejects *errors;	/* the ERROR events' messages */
	size_t events;
	double ms;			/* the converge's time */
	/* ret TENC_FAIL (a refusal, rolled back): the batch's node events
	 * are kept and applied again, with any newer ones, in retry_ms. */
	unsigned retry_ms;
};

struct watch_req {
	int fd;				/* the stream */
	unsigned settle_ms;		/* 0..WATCH_SETTLE_MAX */
	/* Set by a signal handler: finish the batch, then return. */
	const volatile sig_atomic_t *stop;
	/* The mask to wait under (ppoll): the caller blocks its stop signals
	 * outside the wait, so none is lost between a check and the wait. */
	const sigset_t *waitmask;
	void (*on_batch)(const struct watch_batch_res *r, void *ctx);
	void *ctx;
};

/* Run the loop until EOF or a stop, the last batch applied. A batch that
 * fails is retried (WATCH_RETRY_MS, doubling up to WATCH_RETRY_MAX_MS).
 * 0; TENC_FAIL when reading failed or the last batch failed (each
 * reported; its events then are lost). */
#define WATCH_RETRY_MS 1000
#define WATCH_RETRY_MAX_MS 30000
int uc_peer_watch(const struct watch_req *req);

#endif
