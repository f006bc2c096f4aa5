/* SPDX-License-Identifier: GPL-2.0 */
/* nlbatch: pipelined netlink requests over libmnl. Requests are queued,
 * sent in large writes, and their acks read afterwards, so n requests cost
 * about n/k round trips instead of n (iproute2 waits for every ack).
 * Owns: sequence numbers, buffering, ack collection, the kernel's extended
 * ack (its text, the offset or missing attribute it names) for every kind
 * of request, dumps and their retry. Message contents are built by xfrm.c
 * and rtnl.c. Out of memory is an error result, never an abort. */
#ifndef TENC_NLBATCH_H
#define TENC_NLBATCH_H
#include <stddef.h>
#include <stdint.h>
#include <libmnl/libmnl.h>

struct nlb;

/* Open a socket for proto (NETLINK_XFRM, NETLINK_ROUTE) with extended
 * acks on. NULL with errno set on failure. */
struct nlb *nlb_open(int proto);
void nlb_close(struct nlb *b);

/* Queue a new request; returns its header for the caller to fill (extra
 * header via mnl_nlmsg_put_extra_header, attributes via mnl_attr_put*).
 * NLM_F_REQUEST | NLM_F_ACK are added to flags. Never NULL: should the
 * queue fail to grow, the request is built in scratch space and the next
 * nlb_flush() sends nothing and fails every queued request with ENOMEM.
 * The request's index is nlb_count(b) - 1 after the call.
 * A request may take up to 8 KiB; its header pointer is valid until the
 * next nlb_msg() or nlb_flush() (the queue may move). */
struct nlmsghdr *nlb_msg(struct nlb *b, uint16_t type, uint16_t flags);
size_t nlb_count(const struct nlb *b);

/* A refusal, in the kernel's words when it gave any (extended ack). */
struct nlb_error {
	size_t index;		/* first failed request */
	int err;		/* its errno */
	char msg[256];		/* NLMSGERR_ATTR_MSG, or "" */
	uint32_t off;		/* NLMSGERR_ATTR_OFFS: the byte of the request
				 * it blames (an attribute), 0: none */
	uint32_t miss_type;	/* NLMSGERR_ATTR_MISS_TYPE: the required
				 * attribute it missed, 0: none */
};

/* The refusal of the last nlb_flush, nlb_call or nlb_dump on b (err 0:
 * none), whether or not it was given an nlb_error: the xfrm_ and rtnl_
 * requests return -errno only, their callers find the kernel's words here. */
const struct nlb_error *nlb_last_error(const struct nlb *b);
/* e as one line, the form every netlink failure is reported in:
 * "<strerror>[: <msg>][ (attribute at byte N)][ (missing attribute N)]". */
const char *nlb_strerror(const struct nlb_error *e, char *buf, size_t n);

/* Send every queued request, read every ack. Returns the number of failed
 * requests (0: all done); the first failure is described in *e (may be
 * NULL). The queue is then empty; per-request results stay readable with
 * nlb_result() until the next nlb_msg(). */
int nlb_flush(struct nlb *b, struct nlb_error *e);
/* The same for a batch of removals: a request refused with ENOENT or ESRCH
 * (already gone) is no failure: not counted and not the one in *e, which
 * describes the first real refusal; nlb_result() still gives its errno. */
int nlb_flush_del(struct nlb *b, struct nlb_error *e);
/* errno of request i of the last flush (0: succeeded). */
int nlb_result(const struct nlb *b, size_t i);
/* Drop queued, unsent requests. */
void nlb_reset(struct nlb *b);

/* A dump: one NLM_F_DUMP request of type with its fixed header; every
 * reply message is parsed into an item (parse: 1 an item, 0 no item, < 0
 * -errno), the items collected, and handed to each() (0 go on, > 0 stop,
 * < 0 stop with that error) only once the dump has completed. A dump the
 * kernel marks interrupted (NLM_F_DUMP_INTR: its tables changed under it,
 * objects may be missing or repeated) is started over, at most
 * NLB_DUMP_TRIES times in all; then it fails with EAGAIN and a text that
 * says so. Items are wiped when done (SA dumps). */
#define NLB_DUMP_TRIES	3
struct nlb_dump {
	uint16_t type;
	const void *hdr;
	size_t hdrlen;		/* at most 256 */
	size_t item_size;
	int (*parse)(const struct nlmsghdr *nlh, void *item, void *data);
	int (*each)(const void *item, void *data);
	void *data;		/* for both */
};
/* 0 or -errno (e filled if given). */
int nlb_dump(struct nlb *b, const struct nlb_dump *d, struct nlb_error *e);
/* One request with a reply (a GET): req is built by the caller in its own
 * buffer (NLM_F_REQUEST | NLM_F_ACK are added, seq and pid set here); cb
 * sees every reply message, then the ack ends it. Independent of the
 * queue. Returns 0 or -errno (e filled if given). Reply buffers are wiped
 * after cb has seen them (SA replies carry keys). */
int nlb_call(struct nlb *b, struct nlmsghdr *req, mnl_cb_t cb, void *data,
	     struct nlb_error *e);

#endif
