/* SPDX-License-Identifier: GPL-2.0 */
/* nlbatch: pipelined netlink requests over libmnl. Requests are queued,
 * sent in large writes, and their acks read afterwards, so n requests cost
 * about n/k round trips instead of n (iproute2 waits for every ack).
 * Owns: sequence numbers, buffering, ack collection, the kernel's extended
 * ack text, dumps. Message contents are built by xfrm.c and rtnl.c. */
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
 * NLM_F_REQUEST | NLM_F_ACK are added to flags. Never NULL: the queue
 * grows. The request's index is nlb_count(b) - 1 after the call.
 * A request may take up to 8 KiB; its header pointer is valid until the
 * next nlb_msg() or nlb_flush() (the queue may move). */
struct nlmsghdr *nlb_msg(struct nlb *b, uint16_t type, uint16_t flags);
size_t nlb_count(const struct nlb *b);

struct nlb_error {
	size_t index;		/* first failed request */
	int err;		/* its errno */
	char msg[256];		/* the kernel's extended ack text, or "" */
};

/* Send every queued request, read every ack. Returns the number of failed
 * requests (0: all done); the first failure is described in *e (may be
 * NULL). The queue is then empty; per-request results stay readable with
 * nlb_result() until the next nlb_msg(). */
int nlb_flush(struct nlb *b, struct nlb_error *e);
/* errno of request i of the last flush (0: succeeded). */
int nlb_result(const struct nlb *b, size_t i);
/* Drop queued, unsent requests. */
void nlb_reset(struct nlb *b);

/* Dump: send one NLM_F_DUMP request of type with the given fixed header,
 * call cb for every message. Returns 0 or -errno (e filled if given). */
int nlb_dump(struct nlb *b, uint16_t type, const void *hdr, size_t hdrlen,
	     mnl_cb_t cb, void *data, struct nlb_error *e);
/* One request with a reply (a GET): req is built by the caller in its own
 * buffer (NLM_F_REQUEST | NLM_F_ACK are added, seq and pid set here); cb
 * sees every reply message, then the ack ends it. Independent of the
 * queue. Returns 0 or -errno (e filled if given). Reply buffers are wiped
 * after cb has seen them (SA replies carry keys). */
int nlb_call(struct nlb *b, struct nlmsghdr *req, mnl_cb_t cb, void *data,
	     struct nlb_error *e);

#endif
