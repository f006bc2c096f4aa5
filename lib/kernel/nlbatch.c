// SPDX-License-Identifier: GPL-2.0
/* nlbatch.c: pipelined netlink requests (see nlbatch.h).
 * Owns: the socket and its options (extended acks, capped acks, buffer
 * sizes), sequence numbers, the request queue, sending it in chunks and
 * collecting one ack per request, the extended ack of every kind of
 * request, one-shot requests, dumps (collected, retried when interrupted).
 *
 * Pipelining: the kernel handles every message of one sendto() in the
 * sender's context and queues all their acks on our socket before sendto()
 * returns. So a chunk is sized to fit its acks in the receive buffer
 * (window = rcvbuf / NLB_ACK_COST), and all acks of a chunk are read (with
 * recvmmsg, many per syscall) before the next chunk goes out: the ack queue
 * can never overflow (ENOBUFS), whatever the number of requests.
 * Out of memory: a queue that cannot grow fails its flush (ENOMEM, nothing
 * sent); a dump that cannot hold its items fails with ENOMEM. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <linux/netlink.h>
#include "crashpoint.h"
#include "nlbatch.h"

#ifndef NLB_RCVBUF
#define NLB_RCVBUF	(4 << 20)	/* asked for; the kernel doubles it */
#endif
#define NLB_SNDBUF	(1 << 20)
#define NLB_CHUNK	(64 << 10)	/* bytes per sendto */
#define NLB_MSG_ROOM	8192		/* room guaranteed for one request */
#define NLB_ACK_COST	2048		/* rcvbuf bytes one queued ack may take */
#define NLB_SLOT	4096		/* recvmmsg: bytes per datagram */
#define NLB_SLOTS	64		/* recvmmsg: datagrams per syscall */
#define NLB_RXBUF	(64 << 10)	/* dumps, one-shot requests */
#define NLB_TIMEOUT_S	60		/* longest wait for one reply */
#define NLB_STR_(x)	#x
#define NLB_STR(x)	NLB_STR_(x)
#define NLB_RXMAX	(NLB_SLOTS * NLB_SLOT > NLB_RXBUF ? NLB_SLOTS * NLB_SLOT : NLB_RXBUF)

struct nlb {
	struct mnl_socket *nl;
	int fd;
	uint32_t portid;
	uint32_t seq;		/* next sequence number */
	size_t window;		/* acks the receive buffer surely holds */
	size_t chunk;		/* bytes per sendto */
	/* queue */
	char *buf;
	size_t len;		/* bytes of finished messages */
	size_t cap;
	size_t n;		/* queued messages, incl. the open one */
	bool open;		/* the last message is still being filled */
	bool oom;		/* the queue could not grow: the flush fails */
	/* results of the last flush */
	int *res;
	size_t nres, res_cap;
	int res_all;		/* when set, the result of every request */
	struct nlb_error last;	/* the refusal of the last flush, call or dump */
	char *rx;		/* NLB_SLOTS * NLB_SLOT, also NLB_RXBUF */
};

static void setopt_force(int fd, int force, int plain, int val)
{
	if (setsockopt(fd, SOL_SOCKET, force, &val, sizeof(val)) < 0)
		setsockopt(fd, SOL_SOCKET, plain, &val, sizeof(val));
}

struct nlb *nlb_open(int proto)
{
	struct nlb *b = calloc(1, sizeof(*b));
	struct timeval tmo = { .tv_sec = NLB_TIMEOUT_S };
	int one = 1, val = 0;
	socklen_t sl = sizeof(val);

	if (!b)
		return NULL;
	b->nl = mnl_socket_open2(proto, SOCK_CLOEXEC);
	if (!b->nl)
		goto fail;
	if (mnl_socket_bind(b->nl, 0, MNL_SOCKET_AUTOPID) < 0)
		goto fail;
	b->fd = mnl_socket_get_fd(b->nl);
	b->portid = mnl_socket_get_portid(b->nl);
	/* Both are best effort: kernels without them still work. */
	setsockopt(b->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(b->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	setopt_force(b->fd, SO_RCVBUFFORCE, SO_RCVBUF, NLB_RCVBUF);
	setopt_force(b->fd, SO_SNDBUFFORCE, SO_SNDBUF, NLB_SNDBUF);
	/* The kernel handles a sendto() synchronously: once it returns, the
	 * acks are queued. One that is still missing later never comes (a
	 * malformed request stops the kernel's walk), so do not wait forever. */
	setsockopt(b->fd, SOL_SOCKET, SO_RCVTIMEO, &tmo, sizeof(tmo));
	if (getsockopt(b->fd, SOL_SOCKET, SO_RCVBUF, &val, &sl) < 0 || val <= 0)
		val = 212992;
	b->window = (size_t)val / NLB_ACK_COST;
	if (b->window < 1 || crashpoint_armed())
		b->window = 1;
	val = 0;
	sl = sizeof(val);
	if (getsockopt(b->fd, SOL_SOCKET, SO_SNDBUF, &val, &sl) < 0 || val <= 0)
		val = 212992;
	b->chunk = (size_t)val / 2 < NLB_CHUNK ? (size_t)val / 2 : NLB_CHUNK;
	b->seq = (uint32_t)time(NULL);
	b->rx = malloc(NLB_RXMAX);
	if (!b->rx)
		goto fail;
	return b;
fail:
	val = errno;
	nlb_close(b);
	errno = val;
	return NULL;
}

/* Account the open message's final length. */
static void close_msg(struct nlb *b)
{
	struct nlmsghdr *nlh;

	if (!b->open)
		return;
	nlh = (struct nlmsghdr *)(b->buf + b->len);
	b->len += NLMSG_ALIGN(nlh->nlmsg_len);
	b->open = false;
}

struct nlmsghdr *nlb_msg(struct nlb *b, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh;

	if (!b->n)
		b->nres = 0;	/* a new batch: the last results go */
	close_msg(b);
	if (!b->oom && b->cap - b->len < NLB_MSG_ROOM) {
		size_t cap = b->cap ? b->cap * 2 : 64 * 1024;
		char *q;

		while (cap - b->len < NLB_MSG_ROOM)
			cap *= 2;
		if ((q = realloc(b->buf, cap))) {
			b->buf = q;
			b->cap = cap;
		} else {
			b->oom = true;
		}
	}
	b->n++;		/* nlmsg_seq is set by nlb_flush() */
	/* Out of memory: built in scratch space (rx, never sent), dropped. */
	nlh = mnl_nlmsg_put_header(b->oom ? b->rx : b->buf + b->len);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags | NLM_F_REQUEST | NLM_F_ACK;
	b->open = !b->oom;
	return nlh;
}

size_t nlb_count(const struct nlb *b)
{
	return b->n;
}

void nlb_reset(struct nlb *b)
{
	/* Queued NEWSA requests hold keys. */
	close_msg(b);
	if (b->buf)
		explicit_bzero(b->buf, b->len);
	if (b->oom && b->rx)
		explicit_bzero(b->rx, NLB_MSG_ROOM);
	b->len = 0;
	b->n = 0;
	b->open = false;
	b->oom = false;
}

void nlb_close(struct nlb *b)
{
	if (!b)
		return;
	if (b->nl)
		mnl_socket_close(b->nl);
	nlb_reset(b);
	free(b->buf);
	free(b->res);
	if (b->rx)
		explicit_bzero(b->rx, NLB_RXMAX);
	free(b->rx);
	free(b);
}

int nlb_result(const struct nlb *b, size_t i)
{
	if (i >= b->nres)
		return EINVAL;
	return b->res_all ? b->res_all : b->res[i];
}

/* Read stale messages left over from an aborted exchange. */
static void drain(struct nlb *b)
{
	while (recv(b->fd, b->rx, NLB_RXBUF, MSG_DONTWAIT) > 0)
		;
}

static void err_clear(struct nlb_error *e)
{
	if (e)
		memset(e, 0, sizeof(*e));
}

/* Request i failed with err: e describes it if it is the first. */
static void err_note(struct nlb_error *e, size_t i, int err, const char *msg)
{
	if (!e || (e->err && i >= e->index))
		return;
	err_clear(e);
	e->index = i;
	e->err = err;
	snprintf(e->msg, sizeof(e->msg), "%s", msg ? msg : "");
}

static int ext_attr(const struct nlattr *a, void *data)
{
	struct nlb_error *e = data;

	switch (mnl_attr_get_type(a)) {
	case NLMSGERR_ATTR_MSG:
		if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
			snprintf(e->msg, sizeof(e->msg), "%s", mnl_attr_get_str(a));
		break;
	case NLMSGERR_ATTR_OFFS:
		if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			e->off = mnl_attr_get_u32(a);
		break;
	case NLMSGERR_ATTR_MISS_TYPE:
		if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			e->miss_type = mnl_attr_get_u32(a);
		break;
	}
	return MNL_CB_OK;
}

/* The extended ack of an NLMSG_ERROR or NLMSG_DONE message of len bytes
 * (received; may be less than nlmsg_len when truncated), its TLVs at off
 * in the payload, into e (msg, off, miss_type; left as they are if none). */
static void ext_ack(const struct nlmsghdr *nlh, size_t len, size_t off, struct nlb_error *e)
{
	size_t start = NLMSG_HDRLEN + NLMSG_ALIGN(off);

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) || len < nlh->nlmsg_len || start >= nlh->nlmsg_len)
		return;
	mnl_attr_parse(nlh, (unsigned int)NLMSG_ALIGN(off), ext_attr, e);
}

const char *nlb_strerror(const struct nlb_error *e, char *buf, size_t n)
{
	int k = snprintf(buf, n, "%s%s%s", strerror(e->err), e->msg[0] ? ": " : "", e->msg);

	if (e->off && k >= 0 && (size_t)k < n)
		k += snprintf(buf + k, n - (size_t)k, " (attribute at byte %u)", e->off);
	if (e->miss_type && k >= 0 && (size_t)k < n)
		snprintf(buf + k, n - (size_t)k, " (missing attribute %u)", e->miss_type);
	return buf;
}

/* Whether a refusal counts: removals (gone_ok) take ENOENT/ESRCH as done. */
static bool refusal(int err, bool gone_ok)
{
	return err && !(gone_ok && (err == ENOENT || err == ESRCH));
}

/* Offset of the TLVs in an NLMSG_ERROR payload. */
static size_t err_tlv_off(const struct nlmsghdr *nlh, size_t len)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_flags & NLM_F_CAPPED)
		return sizeof(*e);
	if (len < NLMSG_HDRLEN + sizeof(*e))
		return len;
	return sizeof(int) + e->msg.nlmsg_len;
}

/* The progress of one flush. */
struct flush {
	uint32_t base;		/* sequence number of request 0 */
	size_t n;		/* requests */
	size_t acked;
	int failed;
	bool gone_ok;		/* removals: ENOENT/ESRCH are no refusal */
	struct nlb_error *e;
};

/* One ack: record its result. */
static void take_ack(struct nlb *b, struct flush *f, const struct nlmsghdr *nlh, size_t len)
{
	const struct nlmsgerr *ne;
	size_t i = (uint32_t)(nlh->nlmsg_seq - f->base);
	int err;

	if (nlh->nlmsg_type != NLMSG_ERROR || nlh->nlmsg_pid != b->portid || i >= f->n ||
	    len < NLMSG_HDRLEN + sizeof(int) || b->res[i] != -1)
		return;		/* not ours, a duplicate, or noise */
	ne = mnl_nlmsg_get_payload(nlh);
	err = ne->error < 0 ? -ne->error : ne->error;
	b->res[i] = err;
	if (err == 0)
		crashpoint();
	f->acked++;
	if (!refusal(err, f->gone_ok))
		return;
	f->failed++;
	if (f->e && (!f->e->err || i < f->e->index)) {
		err_note(f->e, i, err, NULL);
		ext_ack(nlh, len, err_tlv_off(nlh, len), f->e);
	}
}

/* Receive until want more requests have their ack. 0 or errno. */
static int read_acks(struct nlb *b, struct flush *f, size_t want)
{
	struct mmsghdr mm[NLB_SLOTS];
	struct iovec iov[NLB_SLOTS];
	size_t target = f->acked + want;
	int i, r;

	while (f->acked < target) {
		memset(mm, 0, sizeof(mm));
		for (i = 0; i < NLB_SLOTS; i++) {
			iov[i].iov_base = b->rx + (size_t)i * NLB_SLOT;
			iov[i].iov_len = NLB_SLOT;
			mm[i].msg_hdr.msg_iov = &iov[i];
			mm[i].msg_hdr.msg_iovlen = 1;
		}
		r = recvmmsg(b->fd, mm, NLB_SLOTS, MSG_WAITFORONE, NULL);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN ? ETIMEDOUT : errno;
		}
		for (i = 0; i < r; i++) {
			const struct nlmsghdr *nlh = iov[i].iov_base;
			int len = (int)mm[i].msg_len;

			/* A truncated datagram still has the error code. */
			if (mm[i].msg_hdr.msg_flags & MSG_TRUNC) {
				if ((size_t)len >= NLMSG_HDRLEN + sizeof(int))
					take_ack(b, f, nlh, (size_t)len);
				continue;
			}
			while (mnl_nlmsg_ok(nlh, len)) {
				take_ack(b, f, nlh, nlh->nlmsg_len);
				nlh = mnl_nlmsg_next(nlh, &len);
			}
		}
	}
	return 0;
}

/* Every request fails with err, unsent (the queue or the results could
 * not be held). Returns the number failed. */
static int fail_all(struct nlb *b, struct flush *f, int err)
{
	b->res_all = err;
	b->nres = f->n;
	if (f->n)
		err_note(f->e, 0, err, NULL);
	return (int)f->n;
}

/* Send the requests from off (the first is sent) in one chunk: whole
 * messages, at most b->chunk bytes (but at least one message) and at most
 * b->window acks; read their acks. 0 or errno. *off and *sent move on. */
static int send_chunk(struct nlb *b, struct flush *f, size_t *off, size_t *sent)
{
	size_t start = *off, cnt = 0;
	ssize_t w;

	while (*sent + cnt < f->n && cnt < b->window) {
		const struct nlmsghdr *nlh = (const void *)(b->buf + *off);
		size_t l = NLMSG_ALIGN(nlh->nlmsg_len);

		if (cnt && *off + l - start > b->chunk)
			break;
		*off += l;
		cnt++;
	}
	if (cnt == 1 && faultpoint()) { /* a test's refusal (one at a time) */
		b->res[*sent] = EPERM;
		f->failed++;
		err_note(f->e, *sent, EPERM, FAULTPOINT_MSG);
		(*sent)++;
		return 0;
	}
	do
		w = sendto(b->fd, b->buf + start, *off - start, 0, NULL, 0);
	while (w < 0 && errno == EINTR);
	if (w < 0)
		return errno;
	*sent += cnt;
	return read_acks(b, f, cnt);
}

static int flush(struct nlb *b, bool gone_ok)
{
	struct nlb_error *e = &b->last;
	struct flush f = { .base = b->seq, .gone_ok = gone_ok, .e = e };
	size_t off = 0, sent = 0, i;
	int err = 0;

	close_msg(b);
	f.n = b->n;
	err_clear(e);
	b->res_all = 0;
	if (b->res_cap < f.n) {
		int *q = realloc(b->res, f.n * sizeof(*b->res));

		if (!q)
			b->oom = true;
		else
			b->res = q, b->res_cap = f.n;
	}
	if (b->oom) {
		int failed = fail_all(b, &f, ENOMEM);

		nlb_reset(b);
		return failed;
	}
	for (i = 0; i < f.n; i++)
		b->res[i] = -1;	/* no ack yet */
	b->nres = f.n;
	if (f.n)
		drain(b);
	/* Sequence numbers base + i, so an ack names its request; dumps and
	 * calls in between queued requests take their own numbers. */
	for (i = 0; i < f.n; i++) {
		struct nlmsghdr *nlh = (struct nlmsghdr *)(b->buf + off);

		nlh->nlmsg_seq = f.base + (uint32_t)i;
		off += NLMSG_ALIGN(nlh->nlmsg_len);
	}
	off = 0;
	while (!err && sent < f.n)
		err = send_chunk(b, &f, &off, &sent);
	if (err) {
		/* Requests without an ack: their outcome is unknown. */
		for (i = 0; i < f.n; i++) {
			if (b->res[i] != -1)
				continue;
			b->res[i] = err;
			f.failed++;
			err_note(e, i, err, NULL);
		}
	}
	b->seq += (uint32_t)f.n + 1;
	nlb_reset(b);
	/* Error acks without NETLINK_CAP_ACK echo the request (keys). */
	if (f.n)
		explicit_bzero(b->rx, NLB_SLOTS * NLB_SLOT);
	return f.failed;
}

int nlb_flush(struct nlb *b, struct nlb_error *e)
{
	int failed = flush(b, false);

	if (e)
		*e = b->last;
	return failed;
}

int nlb_flush_del(struct nlb *b, struct nlb_error *e)
{
	int failed = flush(b, true);

	if (e)
		*e = b->last;
	return failed;
}

const struct nlb_error *nlb_last_error(const struct nlb *b)
{
	return &b->last;
}

/* Send one request (already filled, seq and pid are set here) and read
 * its replies: data messages go to cb; NLMSG_DONE or an ack ends it.
 * 0 or -errno; -EINTR when the kernel says a dump was interrupted
 * (NLM_F_DUMP_INTR): the data may be inconsistent, try again. */
static int transact(struct nlb *b, struct nlmsghdr *req, mnl_cb_t cb, void *data)
{
	struct nlb_error *e = &b->last;
	uint32_t seq = b->seq++;
	bool done = false, cb_on = true, intr = false;
	ssize_t w;
	int ret = 0;

	err_clear(e);
	drain(b);
	req->nlmsg_seq = seq;
	req->nlmsg_pid = 0;
	do
		w = sendto(b->fd, req, req->nlmsg_len, 0, NULL, 0);
	while (w < 0 && errno == EINTR);
	if (w < 0) {
		ret = -errno;
		err_note(e, 0, -ret, NULL);
		return ret;
	}
	while (!done) {
		ssize_t r = recv(b->fd, b->rx, NLB_RXBUF, 0);
		const struct nlmsghdr *nlh = (const void *)b->rx;
		int len = (int)r;

		if (r <= 0) {
			if (r < 0 && errno == EINTR)
				continue;
			ret = r == 0 ? -ENODATA : errno == EAGAIN ? -ETIMEDOUT : -errno;
			break;
		}
		for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
			if (nlh->nlmsg_seq != seq || nlh->nlmsg_pid != b->portid)
				continue;
			if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
				intr = true;
			if (nlh->nlmsg_type == NLMSG_DONE || nlh->nlmsg_type == NLMSG_ERROR) {
				int err = 0;
				size_t off = sizeof(int);

				if (nlh->nlmsg_len >= NLMSG_HDRLEN + sizeof(int))
					err = *(const int *)mnl_nlmsg_get_payload(nlh);
				if (nlh->nlmsg_type == NLMSG_ERROR)
					off = err_tlv_off(nlh, nlh->nlmsg_len);
				if (err < 0 && !ret) {
					ret = err;
					err_note(e, 0, -err, NULL);
					ext_ack(nlh, nlh->nlmsg_len, off, e);
				}
				done = true;
				break;
			}
			if (nlh->nlmsg_type < NLMSG_MIN_TYPE || !cb_on || !cb)
				continue;
			switch (cb(nlh, data)) {
			case MNL_CB_OK:
				break;
			case MNL_CB_STOP:
				cb_on = false;	/* read the rest, quietly */
				break;
			default:
				cb_on = false;
				if (!ret)
					ret = errno ? -errno : -EIO;
				break;
			}
		}
		/* Replies may carry secrets (SA keys): do not leave them around. */
		explicit_bzero(b->rx, (size_t)r);
	}
	if (!ret && intr)
		ret = -EINTR;
	if (ret)
		err_note(e, 0, -ret, NULL);
	return ret;
}

int nlb_call(struct nlb *b, struct nlmsghdr *req, mnl_cb_t cb, void *data,
	     struct nlb_error *e)
{
	int r;

	req->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	r = transact(b, req, cb, data);
	if (e)
		*e = b->last;
	return r;
}

/* The items of one dump, before they are handed out. */
struct items {
	const struct nlb_dump *d;
	char *v;
	size_t n, cap;
};

static int collect(const struct nlmsghdr *nlh, void *data)
{
	struct items *it = data;
	size_t sz = it->d->item_size;
	void *item;
	int r;

	if (it->n == it->cap) {
		size_t cap = it->cap ? it->cap * 2 : 64;
		char *q = malloc(cap * sz);

		if (!q) {
			errno = ENOMEM;
			return MNL_CB_ERROR;
		}
		if (it->v) {
			memcpy(q, it->v, it->n * sz);
			explicit_bzero(it->v, it->n * sz);
			free(it->v);
		}
		it->v = q;
		it->cap = cap;
	}
	item = it->v + it->n * sz;
	memset(item, 0, sz);
	r = it->d->parse(nlh, item, it->d->data);
	if (r < 0) {
		errno = -r;
		return MNL_CB_ERROR;
	}
	it->n += r > 0;
	return MNL_CB_OK;
}

/* Hand the items out. 0 or the error each() stopped with. */
static int hand_out(const struct items *it)
{
	for (size_t i = 0; i < it->n; i++) {
		int r = it->d->each(it->v + i * it->d->item_size, it->d->data);

		if (r)
			return r < 0 ? r : 0;
	}
	return 0;
}

int nlb_dump(struct nlb *b, const struct nlb_dump *d, struct nlb_error *e)
{
	char buf[NLMSG_HDRLEN + 256] __attribute__((aligned(8)));
	struct items it = { d, NULL, 0, 0 };
	struct nlmsghdr *nlh;
	int r, tries = 0;

	if (d->hdrlen > 256) {
		err_clear(&b->last);
		err_note(&b->last, 0, EINVAL, NULL);
		return -EINVAL;
	}
	do {
		memset(buf, 0, sizeof(buf));
		nlh = mnl_nlmsg_put_header(buf);
		nlh->nlmsg_type = d->type;
		nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
		if (d->hdrlen)
			memcpy(mnl_nlmsg_put_extra_header(nlh, d->hdrlen), d->hdr, d->hdrlen);
		if (it.v)
			explicit_bzero(it.v, it.n * d->item_size);
		it.n = 0;
		r = transact(b, nlh, collect, &it);
	} while (r == -EINTR && ++tries < NLB_DUMP_TRIES);
	if (r == -EINTR) {
		r = -EAGAIN;
		err_clear(&b->last);
		err_note(&b->last, 0, EAGAIN,
			 "the dump was interrupted " NLB_STR(NLB_DUMP_TRIES) " times in a row (the kernel's tables kept changing)");
	}
	if (!r && (r = hand_out(&it)) != 0)
		err_note(&b->last, 0, -r, NULL);
	if (it.v)
		explicit_bzero(it.v, it.cap * d->item_size);
	free(it.v);
	if (e)
		*e = b->last;
	return r;
}
