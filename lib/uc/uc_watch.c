// SPDX-License-Identifier: GPL-2.0
/* uc_watch.c: peer sync --watch's batches and loop (see uc_watch.h). */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "tenc.h"
#include "uc_watch.h"

void watch_batch_init(struct watch_batch *b)
{
	memset(b, 0, sizeof(*b));
}

void watch_batch_free(struct watch_batch *b)
{
	peers_free(&b->ops);
	peer_index_free(&b->ix);
	free(b->kind);
	free(b->why);
	rejects_free(&b->nameless);
	rejects_free(&b->errors);
	watch_batch_init(b);
}

/* Room for one more op's kind and reason. 0 or -ENOMEM. */
static int grow(struct watch_batch *b)
{
	size_t cap = b->cap ? b->cap * 2 : 64;
	enum watch_type *k;
	char(*w)[256];

	if (b->ops.n < b->cap)
		return 0;
	if (!(k = realloc(b->kind, cap * sizeof(*k))))
		return -ENOMEM;
	b->kind = k;
	if (!(w = realloc(b->why, cap * sizeof(*w))))
		return -ENOMEM;
	b->why = w;
	b->cap = cap;
	return 0;
}

/* The op slot of the node named name: its earlier one (the newest event
 * wins) or a new one. NULL on ENOMEM. */
static struct peer *op_of(struct watch_batch *b, const char *name)
{
	struct peer *x;

	if (!b->ix.slot && peer_index_init(&b->ix, &b->ops))
		return NULL;
	if ((x = peer_index_find(&b->ix, name)))
		return x;
	if (grow(b) || !(x = peers_add(&b->ops)))
		return NULL;
	snprintf(x->name, sizeof(x->name), "%s", name);
	if (peer_index_add(&b->ix, b->ops.n - 1)) {
		peers_remove(&b->ops, x);
		return NULL;
	}
	return x;
}

int watch_batch_add(struct watch_batch *b, const struct watch_event *ev)
{
	enum watch_type k = ev->type == WATCH_MODIFIED ? WATCH_ADDED : ev->type;
	struct peer *x;
	size_t i;

	if (k == WATCH_BOOKMARK || ((k == WATCH_ADDED) && ev->local && !ev->rejected))
		return 0;
	b->events++;
	if (k == WATCH_ERROR)
		return rejects_add(&b->errors, "ERROR", "%s", ev->err);
	if (!ev->name[0])
		return rejects_add(&b->nameless, "event", "%s", ev->err);
	if (!(x = op_of(b, ev->name)))
		return -ENOMEM;
	i = (size_t)(x - b->ops.v);
	if (ev->rejected)
		k = WATCH_BAD;
	b->kind[i] = k;
	snprintf(b->why[i], sizeof(b->why[i]), "%s", ev->err);
	if (k == WATCH_ADDED)
		*x = ev->peer;
	return 0;
}

int watch_batch_req(const struct watch_batch *b, struct peers *up, struct peers *del, struct node_rejects *bad)
{
	struct peer *x;

	memset(up, 0, sizeof(*up));
	memset(del, 0, sizeof(*del));
	memset(bad, 0, sizeof(*bad));
	for (size_t i = 0; i < b->nameless.n; i++)
		if (rejects_add(bad, b->nameless.v[i].name, "%s", b->nameless.v[i].reason))
			return -ENOMEM;
	for (size_t i = 0; i < b->ops.n; i++) {
		if (b->kind[i] == WATCH_BAD) {
			if (rejects_add(bad, b->ops.v[i].name, "%s", b->why[i]))
				return -ENOMEM;
			continue;
		}
		if (!(x = peers_add(b->kind[i] == WATCH_ADDED ? up : del)))
			return -ENOMEM;
		*x = b->ops.v[i];
	}
	return 0;
}

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/* The wait before a failed batch's next try. */
static unsigned retry_ms(const struct watch_batch *b, unsigned settle)
{
	unsigned ms = WATCH_RETRY_MS;

	for (unsigned i = 0; i < b->retries && ms < WATCH_RETRY_MAX_MS; i++)
		ms *= 2;
	ms = ms < WATCH_RETRY_MAX_MS ? ms : WATCH_RETRY_MAX_MS;
	return ms > settle ? ms : settle;
}

/* After a failed apply (rolled back): keep the node events for the next
 * try, drop what was reported once (ERROR events, nameless ones). */
static void keep_ops(struct watch_batch *b)
{
	rejects_free(&b->nameless);
	rejects_free(&b->errors);
	b->events = b->ops.n;
	b->retries++;
}

/* Apply b (when it holds node events), hand the result on, empty it; on
 * a failure with node events, when retry is given, keep them and set
 * *retry to the wait before the next try. 0 or the batch's TENC_* code. */
static int flush(const struct watch_req *req, struct watch_batch *b, unsigned *retry)
{
	struct watch_batch_res r = { .errors = &b->errors, .events = b->events };
	struct peer_batch_req breq;
	struct peers up, del;
	struct node_rejects bad;
	double t0 = now_ms();

	if (!b->events)
		return 0;
	if (b->ops.n || b->nameless.n) {
		r.applied = true;
		if (watch_batch_req(b, &up, &del, &bad))
			r.ret = tenc_err(TENC_FAIL, "watch", "out of memory");
		breq = (struct peer_batch_req){ &up, &del, &bad };
		if (!r.ret)
			r.ret = uc_peer_sync_batch(&breq, &r.sync);
		r.ms = now_ms() - t0;
		peers_free(&up);
		peers_free(&del);
		rejects_free(&bad);
	}
	if (retry && r.ret == TENC_FAIL && b->ops.n)
		r.retry_ms = retry_ms(b, req->settle_ms);
	req->on_batch(&r, req->ctx);
	peer_sync_res_free(&r.sync);
	if (r.retry_ms)
		keep_ops(b);
	else
		watch_batch_free(b);
	if (retry)
		*retry = r.retry_ms;
	return r.ret;
}

/* The parser's events so far into b; local: the node ip to skip. */
static int drain(struct watch_stream *s, struct watch_batch *b, const struct node_ips *local, bool eof)
{
	struct watch_event ev;

	while (watch_next(s, local, &ev) == 1)
		if (watch_batch_add(b, &ev))
			return -ENOMEM;
	if (eof && watch_finish(s, &ev) == 1 && watch_batch_add(b, &ev))
		return -ENOMEM;
	return 0;
}

double watch_backlog_ms(unsigned settle_ms)
{
	return settle_ms * 10.0 > WATCH_BACKLOG_MIN_MS ? settle_ms * 10.0 : WATCH_BACKLOG_MIN_MS;
}

/* Past the batch's deadline: input already waiting is still this batch's
 * (a burst that came faster than it is parsed, like kubectl's initial
 * listing, is one converge, not one per settle time), for at most
 * watch_backlog_ms past the deadline (a stream that never pauses still
 * gets applied). */
static bool backlog(const struct watch_req *req, double late)
{
	struct pollfd p = { .fd = req->fd, .events = POLLIN };

	return late < watch_backlog_ms(req->settle_ms) && poll(&p, 1, 0) == 1;
}

/* Wait for input: until the batch's deadline when one is open, else
 * until it comes. 1 readable, 0 deadline, -1 interrupted or failed. */
static int wait_input(const struct watch_req *req, const struct watch_batch *b, double deadline)
{
	struct pollfd p = { .fd = req->fd, .events = POLLIN };
	struct timespec ts;
	double left;

	if (!b->events)
		return ppoll(&p, 1, NULL, req->waitmask) > 0 ? 1 : -1;
	left = deadline - now_ms();
	if (left <= 0)
		return backlog(req, -left) ? 1 : 0;
	ts.tv_sec = (time_t)(left / 1e3);
	ts.tv_nsec = (long)((left - ts.tv_sec * 1e3) * 1e6);
	left = ppoll(&p, 1, &ts, req->waitmask);
	return left > 0 ? 1 : left == 0 ? 0 : -1;
}

/* The loop's state. */
struct loop {
	struct watch_stream s;
	struct watch_batch b;
	double deadline;
	struct node_ips local;
	int failed;
};

/* One chunk from the fd into the parser and the batch. 1 read, 0 EOF,
 * -1 failed (reported). */
static int read_chunk(const struct watch_req *req, struct loop *l)
{
	char buf[65536];
	size_t before = l->b.events;
	ssize_t n = read(req->fd, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 1;
	if (n < 0) {
		tenc_errno(TENC_FAIL, errno, "watch", "reading the stream");
		return -1;
	}
	if ((n && watch_feed(&l->s, buf, (size_t)n)) || drain(&l->s, &l->b, &l->local, !n)) {
		tenc_err(TENC_FAIL, "watch", "out of memory");
		return -1;
	}
	if (!before && l->b.events)
		l->deadline = now_ms() + req->settle_ms;
	return n > 0;
}

/* The batch applied. In the loop, a failed one is tried again later
 * (its deadline moved on); the last one's failure is the exit status. */
static void apply_batch(const struct watch_req *req, struct loop *l, bool last)
{
	unsigned wait = 0;
	int r = flush(req, &l->b, last ? NULL : &wait);

	if (wait)
		l->deadline = now_ms() + wait;
	else if (r)
		l->failed = TENC_FAIL;
}

static int poll_failed(void)
{
	tenc_errno(TENC_FAIL, errno, "watch", "poll");
	return -1;
}

int uc_peer_watch(const struct watch_req *req)
{
	struct loop l = { 0 };
	int r = 1;

	watch_init(&l.s);
	watch_batch_init(&l.b);
	uc_peer_local_ip(&l.local);
	while (r > 0 && !*req->stop) {
		r = wait_input(req, &l.b, l.deadline);
		if (r == 0) {
			apply_batch(req, &l, false);
			r = 1;
		} else if (r > 0)
			r = read_chunk(req, &l);
		else if (errno == EINTR)
			r = 1;
		else
			r = poll_failed();
	}
	apply_batch(req, &l, true);
	watch_batch_free(&l.b);
	watch_free(&l.s);
	return r < 0 ? TENC_FAIL : l.failed;
}
