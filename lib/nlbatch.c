// SPDX-License-Identifier: GPL-2.0
/* nlbatch.c: pipelined netlink requests (see nlbatch.h).
 * Owns: the socket and its options (extended acks, capped acks, buffer
 * sizes), sequence numbers, the request queue, sending it in chunks and
 * collecting one ack per request, extack text, one-shot requests and dumps.
 *
 * Pipelining: the kernel handles every message of one sendto() in the
 * sender's context and queues all their acks on our socket before sendto()
 * returns. So a chunk is sized to fit its acks in the receive buffer
 * (window = rcvbuf / NLB_ACK_COST), and all acks of a chunk are read (with
 * recvmmsg, many per syscall) before the next chunk goes out: the ack queue
 * can never overflow (ENOBUFS), whatever the number of requests. */
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
	/* results of the last flush */
	int *res;
	size_t nres, res_cap;
	char *rx;		/* NLB_SLOTS * NLB_SLOT, also NLB_RXBUF */
};

static void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n);

	if (!q) {
		fputs("tenc: out of memory (netlink queue)\n", stderr);
		abort();
	}
	return q;
}

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
	if (b->cap - b->len < NLB_MSG_ROOM) {
		size_t cap = b->cap ? b->cap * 2 : 64 * 1024;

		while (cap - b->len < NLB_MSG_ROOM)
			cap *= 2;
		b->buf = xrealloc(b->buf, cap);
		b->cap = cap;
	}
	nlh = mnl_nlmsg_put_header(b->buf + b->len);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags | NLM_F_REQUEST | NLM_F_ACK;
	b->n++;		/* nlmsg_seq is set by nlb_flush() */
	b->open = true;
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
	b->len = 0;
	b->n = 0;
	b->open = false;
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
	return i < b->nres ? b->res[i] : EINVAL;
}

/* Read stale messages left over from an aborted exchange. */
static void drain(struct nlb *b)
{
	while (recv(b->fd, b->rx, NLB_RXBUF, MSG_DONTWAIT) > 0)
		;
}

struct ext_ack {
	const char *msg;
};

static int ext_attr(const struct nlattr *a, void *data)
{
	struct ext_ack *x = data;

	if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG &&
	    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
		x->msg = mnl_attr_get_str(a);
	return MNL_CB_OK;
}

/* The extack text of an NLMSG_ERROR or NLMSG_DONE message of len bytes
 * (received; may be less than nlmsg_len when truncated) into out. */
static void ext_text(const struct nlmsghdr *nlh, size_t len, size_t off, char *out, size_t n)
{
	struct ext_ack x = { NULL };
	size_t start = NLMSG_HDRLEN + NLMSG_ALIGN(off);

	out[0] = 0;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) || len < nlh->nlmsg_len || start >= nlh->nlmsg_len)
		return;
	mnl_attr_parse(nlh, (unsigned int)NLMSG_ALIGN(off), ext_attr, &x);
	if (x.msg)
		snprintf(out, n, "%s", x.msg);
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

/* One ack: record its result. */
static void take_ack(struct nlb *b, uint32_t base, size_t n, const struct nlmsghdr *nlh,
		     size_t len, size_t *acked, int *failed, struct nlb_error *e)
{
	const struct nlmsgerr *ne;
	size_t i = (uint32_t)(nlh->nlmsg_seq - base);
	int err;

	if (nlh->nlmsg_type != NLMSG_ERROR || nlh->nlmsg_pid != b->portid || i >= n ||
	    len < NLMSG_HDRLEN + sizeof(int) || b->res[i] != -1)
		return;		/* not ours, a duplicate, or noise */
	ne = mnl_nlmsg_get_payload(nlh);
	err = ne->error < 0 ? -ne->error : ne->error;
	b->res[i] = err;
	if (err == 0)
		crashpoint();
	(*acked)++;
	if (!err)
		return;
	(*failed)++;
	if (e && (e->err == 0 || i < e->index)) {
		e->index = i;
		e->err = err;
		ext_text(nlh, len, err_tlv_off(nlh, len), e->msg, sizeof(e->msg));
	}
}

/* Receive until want more requests have their ack. 0 or errno. */
static int read_acks(struct nlb *b, uint32_t base, size_t n, size_t want,
		     size_t *acked, int *failed, struct nlb_error *e)
{
	struct mmsghdr mm[NLB_SLOTS];
	struct iovec iov[NLB_SLOTS];
	size_t target = *acked + want;
	int i, r;

	while (*acked < target) {
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
					take_ack(b, base, n, nlh, (size_t)len, acked, failed, e);
				continue;
			}
			while (mnl_nlmsg_ok(nlh, len)) {
				take_ack(b, base, n, nlh, nlh->nlmsg_len, acked, failed, e);
				nlh = mnl_nlmsg_next(nlh, &len);
			}
		}
	}
	return 0;
}

int nlb_flush(struct nlb *b, struct nlb_error *e)
{
	uint32_t base = b->seq;
	size_t n, off = 0, sent = 0, acked = 0, i;
	int failed = 0, err = 0;

	close_msg(b);
	n = b->n;
	if (e) {
		e->index = 0;
		e->err = 0;
		e->msg[0] = 0;
	}
	if (b->res_cap < n) {
		b->res = xrealloc(b->res, n * sizeof(*b->res));
		b->res_cap = n;
	}
	for (i = 0; i < n; i++)
		b->res[i] = -1;	/* no ack yet */
	b->nres = n;
	if (n)
		drain(b);
	/* Sequence numbers base + i, so an ack names its request; dumps and
	 * calls in between queued requests take their own numbers. */
	for (i = 0; i < n; i++) {
		struct nlmsghdr *nlh = (struct nlmsghdr *)(b->buf + off);

		nlh->nlmsg_seq = base + (uint32_t)i;
		off += NLMSG_ALIGN(nlh->nlmsg_len);
	}
	off = 0;
	while (sent < n) {
		size_t start = off, cnt = 0;
		ssize_t w;

		/* One chunk: whole messages, at most b->chunk bytes (but at
		 * least one message) and at most b->window acks. */
		while (sent + cnt < n && cnt < b->window) {
			const struct nlmsghdr *nlh = (const void *)(b->buf + off);
			size_t l = NLMSG_ALIGN(nlh->nlmsg_len);

			if (cnt && off + l - start > b->chunk)
				break;
			off += l;
			cnt++;
		}
		if (cnt == 1 && faultpoint()) { /* a test's refusal (one at a time) */
			b->res[sent] = EPERM;
			failed++;
			if (e && (e->err == 0 || sent < e->index)) {
				e->index = sent;
				e->err = EPERM;
				snprintf(e->msg, sizeof(e->msg), "%s", FAULTPOINT_MSG);
			}
			sent++;
			continue;
		}
		do
			w = sendto(b->fd, b->buf + start, off - start, 0, NULL, 0);
		while (w < 0 && errno == EINTR);
		if (w < 0) {
			err = errno;
			break;
		}
		sent += cnt;
		err = read_acks(b, base, n, cnt, &acked, &failed, e);
		if (err)
			break;
	}
	if (err) {
		/* Requests without an ack: their outcome is unknown. */
		for (i = 0; i < n; i++) {
			if (b->res[i] != -1)
				continue;
			b->res[i] = err;
			failed++;
			if (e && (e->err == 0 || i < e->index)) {
				e->index = i;
				e->err = err;
				e->msg[0] = 0;
			}
		}
	}
	b->seq += (uint32_t)n + 1;
	nlb_reset(b);
	/* Error acks without NETLINK_CAP_ACK echo the request (keys). */
	if (n)
		explicit_bzero(b->rx, NLB_SLOTS * NLB_SLOT);
	return failed;
}

/* Send one request (already filled, seq and pid are set here) and read
 * its replies: data messages go to cb; NLMSG_DONE or an ack ends it.
 * 0 or -errno; -EINTR when the kernel says a dump was interrupted
 * (NLM_F_DUMP_INTR): the data may be inconsistent, try again. */
static int transact(struct nlb *b, struct nlmsghdr *req, mnl_cb_t cb, void *data,
		    struct nlb_error *e)
{
	uint32_t seq = b->seq++;
	bool done = false, cb_on = true, intr = false;
	int ret = 0;

	if (e) {
		e->index = 0;
		e->err = 0;
		e->msg[0] = 0;
	}
	drain(b);
	req->nlmsg_seq = seq;
	req->nlmsg_pid = 0;
	if (mnl_socket_sendto(b->nl, req, req->nlmsg_len) < 0)
		return -errno;
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
					if (e) {
						e->err = -err;
						ext_text(nlh, nlh->nlmsg_len, off, e->msg, sizeof(e->msg));
					}
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
	if (e && ret && !e->err)
		e->err = -ret;
	return ret;
}

int nlb_call(struct nlb *b, struct nlmsghdr *req, mnl_cb_t cb, void *data,
	     struct nlb_error *e)
{
	req->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	return transact(b, req, cb, data, e);
}

int nlb_dump(struct nlb *b, uint16_t type, const void *hdr, size_t hdrlen,
	     mnl_cb_t cb, void *data, struct nlb_error *e)
{
	char buf[NLMSG_HDRLEN + 256] __attribute__((aligned(8))) = { 0 };
	struct nlmsghdr *nlh;

	if (hdrlen > 256)
		return -EINVAL;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	if (hdrlen)
		memcpy(mnl_nlmsg_put_extra_header(nlh, hdrlen), hdr, hdrlen);
	return transact(b, nlh, cb, data, e);
}
