// SPDX-License-Identifier: GPL-2.0
/* test_nlbatch.c: lib/kernel/nlbatch.c's decisions against a scripted kernel.
 * Linked with -Wl,--wrap=sendto,recv,recvmmsg,realloc: the socket is a
 * real NETLINK_ROUTE one (no root needed), but what libtenc sends is
 * caught here and the replies are made up, so this can say what no real
 * kernel does on demand: a dump interrupted (NLM_F_DUMP_INTR) every time,
 * a removal batch whose first request finds its object gone and whose
 * second is refused with an extended ack, a queue that cannot grow.
 * Owns: nothing of tenc. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include "nlbatch.h"
#include "rtnl.h"
#include "tap.h"

ssize_t __wrap_sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *a,
		      socklen_t alen);
ssize_t __wrap_recv(int fd, void *buf, size_t len, int flags);
int __wrap_recvmmsg(int fd, struct mmsghdr *mm, unsigned int n, int flags, struct timespec *t);
void *__real_realloc(void *p, size_t n);
void *__wrap_realloc(void *p, size_t n);

/* --- the scripted kernel ------------------------------------------------ */

#define MAXREQ 16

static struct {
	int sends;		/* sendto calls */
	int dumps;		/* dump requests seen */
	int intr_dumps;		/* the first this many dumps are interrupted */
	uint32_t seq[MAXREQ];	/* of the requests of the last flush / call */
	size_t nreq, acked;
	int ack_err[MAXREQ];	/* errno per request index */
	const char *ack_msg[MAXREQ];
	uint32_t ack_off[MAXREQ];
	bool fail_realloc;
} k;

static uint32_t portid(int fd)
{
	struct sockaddr_nl sa;
	socklen_t l = sizeof(sa);

	getsockname(fd, (struct sockaddr *)&sa, &l);
	return sa.nl_pid;
}

void *__wrap_realloc(void *p, size_t n)
{
	return k.fail_realloc ? NULL : __real_realloc(p, n);
}

ssize_t __wrap_sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *a,
		      socklen_t alen)
{
	const struct nlmsghdr *nlh = buf;
	int l = (int)len;

	(void)fd, (void)flags, (void)a, (void)alen;
	k.sends++;
	k.nreq = k.acked = 0;
	for (; mnl_nlmsg_ok(nlh, l) && k.nreq < MAXREQ; nlh = mnl_nlmsg_next(nlh, &l)) {
		k.seq[k.nreq++] = nlh->nlmsg_seq;
		if (nlh->nlmsg_flags & NLM_F_DUMP)
			k.dumps++;
	}
	return (ssize_t)len;
}

/* A route of table 2005 to 10.<attempt>.<i>.0/24, one part of a dump. */
static void put_route(char *buf, uint32_t seq, uint32_t pid, int i, bool intr)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rtmsg *rt = mnl_nlmsg_put_extra_header(nlh, sizeof(*rt));
	uint32_t dst = htonl(0x0a000000u | (uint32_t)k.dumps << 16 | (uint32_t)i << 8);

	nlh->nlmsg_type = RTM_NEWROUTE;
	nlh->nlmsg_flags = NLM_F_MULTI | (intr ? NLM_F_DUMP_INTR : 0);
	nlh->nlmsg_seq = seq;
	nlh->nlmsg_pid = pid;
	rt->rtm_family = AF_INET;
	rt->rtm_dst_len = 24;
	rt->rtm_table = RT_TABLE_UNSPEC;
	mnl_attr_put_u32(nlh, RTA_TABLE, 2005);
	mnl_attr_put(nlh, RTA_DST, 4, &dst);
}

/* A dump's reply: two routes (the kernel flags the second when its tables
 * changed under this dump), then NLMSG_DONE. Blocking reads only. */
ssize_t __wrap_recv(int fd, void *buf, size_t len, int flags)
{
	uint32_t pid = portid(fd), seq = k.seq[0];
	bool intr = k.dumps <= k.intr_dumps;
	char *p = buf;
	struct nlmsghdr *done;

	(void)len;
	if (flags & MSG_DONTWAIT) {	/* drain: nothing stale */
		errno = EAGAIN;
		return -1;
	}
	put_route(p, seq, pid, 0, false);
	p += NLMSG_ALIGN(((struct nlmsghdr *)p)->nlmsg_len);
	put_route(p, seq, pid, 1, intr);
	p += NLMSG_ALIGN(((struct nlmsghdr *)p)->nlmsg_len);
	done = mnl_nlmsg_put_header(p);
	done->nlmsg_type = NLMSG_DONE;
	done->nlmsg_flags = NLM_F_MULTI;
	done->nlmsg_seq = seq;
	done->nlmsg_pid = pid;
	*(int *)mnl_nlmsg_put_extra_header(done, sizeof(int)) = 0;
	p += done->nlmsg_len;
	return p - (char *)buf;
}

/* The ack of request i, capped, with its extended ack if scripted. */
static size_t put_ack(char *buf, uint32_t pid, size_t i)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nlmsgerr *e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));

	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_flags = NLM_F_CAPPED;
	nlh->nlmsg_seq = k.seq[i];
	nlh->nlmsg_pid = pid;
	e->error = -k.ack_err[i];
	e->msg.nlmsg_seq = k.seq[i];
	if (k.ack_msg[i]) {
		nlh->nlmsg_flags |= NLM_F_ACK_TLVS;
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, k.ack_msg[i]);
	}
	if (k.ack_off[i]) {
		nlh->nlmsg_flags |= NLM_F_ACK_TLVS;
		mnl_attr_put_u32(nlh, NLMSGERR_ATTR_OFFS, k.ack_off[i]);
	}
	return nlh->nlmsg_len;
}

int __wrap_recvmmsg(int fd, struct mmsghdr *mm, unsigned int n, int flags, struct timespec *t)
{
	uint32_t pid = portid(fd);
	unsigned int got = 0;

	(void)flags, (void)t;
	while (got < n && k.acked < k.nreq) {
		mm[got].msg_len = (unsigned int)put_ack(mm[got].msg_hdr.msg_iov[0].iov_base, pid, k.acked);
		k.acked++;
		got++;
	}
	if (!got) {
		errno = EAGAIN;
		return -1;
	}
	return (int)got;
}

/* --- tests -------------------------------------------------------------- */

struct seen {
	int n;
	int attempt;	/* the dump the last route came from */
};

static int count_route(const struct rroute *r, void *data)
{
	struct seen *s = data;

	s->n++;
	s->attempt = (int)(ntohl(r->dst) >> 16 & 0xff);
	return 0;
}

static void test_dump_retry(struct nlb *b)
{
	struct seen s = { 0 };
	int r;

	k.dumps = 0, k.intr_dumps = 1;
	r = rtnl_route_dump(b, 2005, count_route, &s);
	is_int(r, 0, "dump interrupted once: started over, then done");
	is_int(k.dumps, 2, "two dump requests");
	is_int(s.n, 2, "the caller sees one dump's routes, not both");
	is_int(s.attempt, 2, "those of the uninterrupted one");

	memset(&s, 0, sizeof(s));
	k.dumps = 0, k.intr_dumps = NLB_DUMP_TRIES - 1;
	is_int(rtnl_route_dump(b, 2005, count_route, &s), 0, "interrupted %d times: the last try completes",
	       NLB_DUMP_TRIES - 1);
	is_int(k.dumps, NLB_DUMP_TRIES, "%d dump requests", NLB_DUMP_TRIES);

	memset(&s, 0, sizeof(s));
	k.dumps = 0, k.intr_dumps = 100;
	r = rtnl_route_dump(b, 2005, count_route, &s);
	is_int(r, -EAGAIN, "interrupted every time: an error");
	is_int(k.dumps, NLB_DUMP_TRIES, "after %d tries, no more", NLB_DUMP_TRIES);
	is_int(s.n, 0, "and the caller saw no route of an inconsistent dump");
	is_int(nlb_last_error(b)->err, EAGAIN, "the record says EAGAIN");
	ok(strstr(nlb_last_error(b)->msg, "interrupted 3 times") != NULL, "and why: '%s'",
	   nlb_last_error(b)->msg);
	k.intr_dumps = 0;
}

/* Three route deletions acked ENOENT, EINVAL with the kernel's words, 0. */
static void queue_dels(struct nlb *b)
{
	struct rroute r = { .table = 2005, .dst_len = 24 };

	for (int i = 0; i < 3; i++)
		rtnl_route_del(b, &r);
	k.ack_err[0] = ENOENT, k.ack_msg[0] = NULL, k.ack_off[0] = 0;
	k.ack_err[1] = EINVAL, k.ack_msg[1] = "Invalid prefix for given prefix length", k.ack_off[1] = 36;
	k.ack_err[2] = 0, k.ack_msg[2] = NULL, k.ack_off[2] = 0;
}

static void test_flush_del(struct nlb *b)
{
	struct nlb_error e;
	char why[512];

	queue_dels(b);
	is_int(nlb_flush_del(b, &e), 1, "removals: the one gone is no failure, the refusal is");
	is_int(e.index, 1, "the record names the refusal, not the ENOENT before it");
	is_int(e.err, EINVAL, "its errno");
	is_str(e.msg, "Invalid prefix for given prefix length", "its extended ack text");
	is_int(e.off, 36, "the offset the kernel blames");
	is_str(nlb_strerror(&e, why, sizeof(why)),
	       "Invalid argument: Invalid prefix for given prefix length (attribute at byte 36)",
	       "reported in one line");
	is_int(nlb_result(b, 0), ENOENT, "the gone one's result still says ENOENT");
	is_int(nlb_result(b, 2), 0, "the last one done");
	is_int(nlb_last_error(b)->index, 1, "nlb_last_error says the same");

	queue_dels(b);
	is_int(nlb_flush(b, &e), 2, "a plain flush counts the ENOENT too");
	ok(e.index == 0 && e.err == ENOENT && !e.msg[0], "and names it first");

	queue_dels(b);
	k.ack_err[1] = ENOENT, k.ack_msg[1] = NULL, k.ack_off[1] = 0;
	is_int(nlb_flush_del(b, &e), 0, "removals all gone or done: no failure");
	is_int(e.err, 0, "and no record");
}

static void test_oom(struct nlb *b)
{
	struct rroute r = { .table = 2005, .dst_len = 24 };
	struct nlb_error e;
	int sends = k.sends;

	/* A fresh queue allocates on its first request. */
	k.fail_realloc = true;
	for (int i = 0; i < 3; i++)
		rtnl_route_add(b, &r, false);
	is_int(nlb_count(b), 3, "out of memory: the requests still count");
	is_int(nlb_flush(b, &e), 3, "the flush fails all of them");
	is_int(e.err, ENOMEM, "with ENOMEM");
	is_int(k.sends, sends, "and sends nothing");
	is_int(nlb_result(b, 2), ENOMEM, "each result says ENOMEM");
	k.fail_realloc = false;
	k.ack_err[0] = 0, k.ack_msg[0] = NULL, k.ack_off[0] = 0;
	rtnl_route_add(b, &r, false);
	is_int(nlb_flush(b, &e), 0, "with memory again, the next flush works");
	is_int(k.sends, sends + 1, "and is sent");
}

int main(void)
{
	struct nlb *b = nlb_open(NETLINK_ROUTE);

	ok(b != NULL, "a NETLINK_ROUTE socket");
	if (!b)
		return done_testing();
	test_oom(b);
	test_dump_retry(b);
	test_flush_del(b);
	nlb_close(b);
	return done_testing();
}
