// SPDX-License-Identifier: GPL-2.0
/* test_nlbatch.c: lib/kernel/nlbatch.c's decisions against a scripted kernel.
 * Linked with -Wl,--wrap=sendto,recv,recvmmsg,realloc: the socket is a
 * real NETLINK_ROUTE one (no root needed), but what libtenc sends is
 * caught here and the replies are made up, so this can say what no real
 * kernel does on demand: a dump interrupted (NLM_F_DUMP_INTR) every time,
 * a removal batch whose first request finds its object gone and whose
 * second is refused with an extended ack, a queue that cannot grow. And
 * what the IPv4 requests of xfrm.c and rtnl.c are, byte for byte: the same
 * as before IPv6 came (issue 13).
 * Owns: nothing of tenc. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/xfrm.h>
#include <openssl/evp.h>
#include "nlbatch.h"
#include "rtnl.h"
#include "tap.h"
#include "xfrm.h"

ssize_t __wrap_sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *a,
		      socklen_t alen);
ssize_t __wrap_recv(int fd, void *buf, size_t len, int flags);
int __wrap_recvmmsg(int fd, struct mmsghdr *mm, unsigned int n, int flags, struct timespec *t);
void *__real_realloc(void *p, size_t n);
void *__wrap_realloc(void *p, size_t n);

/* --- the scripted kernel ------------------------------------------------ */

#define MAXREQ 16
#define MAXCAP 32

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
	/* with capture: each request sent, as the first 8 bytes of the
	 * SHA-256 of its bytes with seq and pid zeroed, in hex */
	bool capture;
	char cap[MAXCAP][17];
	size_t ncap;
	/* the key bytes of the last NEWSA's XFRMA_ALG_AEAD */
	uint8_t aead_key[64];
	size_t aead_len;
} k;

/* Keep the AEAD key a NEWSA request carries (the derivation's output). */
static void capture_aead(const struct nlmsghdr *nlh)
{
	const struct nlattr *a;

	if (nlh->nlmsg_type != XFRM_MSG_NEWSA)
		return;
	mnl_attr_for_each(a, nlh, sizeof(struct xfrm_usersa_info)) {
		const struct xfrm_algo_aead *al = mnl_attr_get_payload(a);

		if (mnl_attr_get_type(a) != XFRMA_ALG_AEAD || al->alg_key_len / 8 > sizeof(k.aead_key))
			continue;
		k.aead_len = al->alg_key_len / 8;
		memcpy(k.aead_key, al->alg_key, k.aead_len);
	}
}

static void capture(const struct nlmsghdr *nlh)
{
	struct nlmsghdr h = *nlh;
	uint8_t md[32];
	EVP_MD_CTX *c = EVP_MD_CTX_new();

	if (!k.capture || k.ncap >= MAXCAP || !c)
		goto out;
	h.nlmsg_seq = h.nlmsg_pid = 0;
	EVP_DigestInit_ex(c, EVP_sha256(), NULL);
	EVP_DigestUpdate(c, &h, sizeof(h));
	EVP_DigestUpdate(c, (const char *)nlh + sizeof(h), nlh->nlmsg_len - sizeof(h));
	EVP_DigestFinal_ex(c, md, NULL);
	for (int i = 0; i < 8; i++)
		snprintf(k.cap[k.ncap] + 2 * i, 3, "%02x", md[i]);
	k.ncap++;
out:
	EVP_MD_CTX_free(c);
}

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
		capture(nlh);
		capture_aead(nlh);
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

/* IPv4 requests of every kind xfrm.c and rtnl.c build, and what each was
 * before IPv6 (the library of 0441513, the same objects): SAs (AEAD with
 * ESN and a mark, UPDSA with a small window, OUT without a window, one
 * with its key derived, AUTH+ENC, an unknown HMAC), DELSA, policies
 * (template, optional UPD, block, allow), DELPOLICY, routes (table 2005,
 * replace, table 100), DELROUTE, a rule and its removal, the hash
 * thresholds set and read, GETSA, and the four dump requests. */
static const char *const ipv4_wire[] = {
	"3fafa64dd663f3d5", "53f1103a692e1d06", "79cfe8c746a8a2af", "a3903bda1986bce9",
	"24e768af29516ce0", "673c81da2963ba91", "b18601fbbee23463", "d57be15083d80d5f",
	"58e88f074de3eaa5", "418a3222a16c6a58", "0457003a6436e336", "947a9a98e7cdb9a8",
	"25c73d181ec2480a", "1a6293dbb9597916", "c59fcb534ff7081c", "8626c514190aca3a",
	"c00cb169858bce3c", "fdaef7d05a1d18b0", "ecb402b1a6f1fa44", "dba996e13f1a60ba",
	"2c14d80bda617ffb", "dbcb3ad6bef3d96b", "12d925e53415fd16", "51080786d38a25f3",
	"af2f2c399136dd2a",
};

static void queue_ipv4_sas(struct nlb *b, struct xsa *sa)
{
	*sa = (struct xsa){ .src = htonl(0x0a000002), .dst = htonl(0x0a000001), .spi = 3,
			    .reqid = 0x7e03, .mark = 0x20d00, .mark_mask = 0xffff0f00, .esn = true,
			    .replay_window = 128 };
	sa->key = (struct tenc_key){ .aead = true, .algo = "rfc4106(gcm(aes))", .key_len = 20,
				     .icv_bits = 128 };
	for (int i = 0; i < 20; i++)
		sa->key.key[i] = (uint8_t)(i + 1);
	xfrm_sa_add(b, sa, false);
	sa->esn = false, sa->replay_window = 16;
	xfrm_sa_add(b, sa, true);
	sa->replay_window = 0, sa->esn = true, sa->mark = sa->mark_mask = 0;
	xfrm_sa_add(b, sa, false);
	sa->key_base = true, sa->src_epoch = 5, sa->dst_epoch = 7, sa->key.spi = 3;
	xfrm_sa_add(b, sa, false);
	sa->key_base = false, sa->key.aead = false, sa->key.key_len = 16, sa->key.auth_key_len = 32;
	strcpy(sa->key.algo, "cbc(aes)");
	strcpy(sa->key.auth_algo, "hmac(sha256)");
	xfrm_sa_add(b, sa, false);
	strcpy(sa->key.auth_algo, "hmac(foo)");
	xfrm_sa_add(b, sa, false);
	sa->mark = 0x20d00, sa->mark_mask = 0xffff0f00;
	xfrm_sa_del(b, sa);
}

static void queue_ipv4_pols(struct nlb *b)
{
	struct xpol p = { .dir = XFRM_POLICY_OUT, .sel_dst = htonl(0x0a010200), .sel_dst_len = 24,
			  .mark = 0x11e00, .mark_mask = 0xffffff00, .priority = 100,
			  .tmpl_src = htonl(0x0a000001), .tmpl_dst = htonl(0x0a000002), .reqid = 0x7e01 };

	xfrm_pol_add(b, &p, false);
	p.optional = true;
	xfrm_pol_add(b, &p, true);
	p.block = true;
	xfrm_pol_add(b, &p, false);
	p.block = false, p.allow_plain = true;
	xfrm_pol_add(b, &p, false);
	xfrm_pol_del(b, &p);
}

static void queue_ipv4_routes(struct nlb *b)
{
	struct rroute r = { .table = 2005, .dst = htonl(0x0a010200), .dst_len = 24, .oif = 3,
			    .mtu = 1440, .protocol = 0xe5 };
	struct rrule ru = { .pref = 100, .fwmark = 0xe00, .fwmask = 0xf00, .table = 2005,
			    .protocol = 0xe5 };

	rtnl_route_add(b, &r, false);
	rtnl_route_add(b, &r, true);
	r.table = 100, r.mtu = 0;
	rtnl_route_add(b, &r, false);
	rtnl_route_del(b, &r);
	rtnl_rule_add(b, &ru);
	rtnl_rule_del(b, &ru);
}

static int no_sa(const struct xsa *s, void *d) { (void)s, (void)d; return 0; }
static int no_pol(const struct xpol *p, void *d) { (void)p, (void)d; return 0; }
static int no_rule(const struct rrule *r, void *d) { (void)r, (void)d; return 0; }

static void test_ipv4_wire(struct nlb *b)
{
	struct xsa sa, out;
	struct xfrm_hthresh t;
	size_t n = sizeof(ipv4_wire) / sizeof(ipv4_wire[0]), same = 0;

	memset(k.ack_err, 0, sizeof(k.ack_err));
	memset(k.ack_msg, 0, sizeof(k.ack_msg));
	memset(k.ack_off, 0, sizeof(k.ack_off));
	k.capture = true, k.ncap = 0;
	queue_ipv4_sas(b, &sa);
	queue_ipv4_pols(b);
	nlb_flush(b, NULL);
	queue_ipv4_routes(b);
	nlb_flush(b, NULL);
	/* The replies are the scripted kernel's; only the requests count. */
	xfrm_hthresh_set(b, (struct xfrm_hthresh){ 0, 24 });
	xfrm_hthresh_get(b, &t);
	xfrm_sa_get(b, &sa, &out);
	xfrm_sa_dump(b, no_sa, NULL);
	xfrm_pol_dump(b, no_pol, NULL);
	rtnl_route_dump(b, 2005, count_route, &(struct seen){ 0 });
	rtnl_rule_dump(b, no_rule, NULL);
	k.capture = false;
	is_int(k.ncap, n, "IPv4: %zu requests of every kind sent", n);
	for (size_t i = 0; i < n && i < k.ncap; i++) {
		same += !strcmp(k.cap[i], ipv4_wire[i]);
		if (strcmp(k.cap[i], ipv4_wire[i]))
			printf("#   request %zu: %s, before IPv6 %s\n", i, k.cap[i], ipv4_wire[i]);
	}
	is_int(same, n, "each byte for byte as before IPv6");
}

/* A key_base SA gets its key derived for its outer family when the
 * message is built: the tenc-key(8) vectors, IPv4 and IPv6. */
static const char *sa_key_hex(struct nlb *b, int family, const char *src, const char *dst)
{
	static char hex[2 * sizeof(k.aead_key) + 1];
	struct xsa sa = { .family = (uint8_t)family, .spi = 3, .reqid = 0x7e03, .esn = true,
			  .key_base = true };

	sa.key = (struct tenc_key){ .aead = true, .algo = "rfc4106(gcm(aes))", .key_len = 20,
				    .icv_bits = 128, .spi = 3, .spi_plus = true };
	for (int i = 0; i < 20; i++)
		sa.key.key[i] = (uint8_t)(i + 1);
	inet_pton(family, src, family == AF_INET6 ? (void *)sa.src6 : (void *)&sa.src);
	inet_pton(family, dst, family == AF_INET6 ? (void *)sa.dst6 : (void *)&sa.dst);
	k.aead_len = 0;
	memset(k.ack_err, 0, sizeof(k.ack_err));
	xfrm_sa_add(b, &sa, false);
	nlb_flush(b, NULL);
	for (size_t i = 0; i < k.aead_len; i++)
		snprintf(hex + 2 * i, 3, "%02x", k.aead_key[i]);
	hex[2 * k.aead_len] = 0;
	return hex;
}

static void test_derived_keys(struct nlb *b)
{
	is_str(sa_key_hex(b, AF_INET, "10.0.0.1", "10.0.0.2"), "55303f29446747cd0a3850c14150f39bbae58339",
	       "a key_base SA 10.0.0.1 -> 10.0.0.2 carries the IPv4 vector's key");
	is_str(sa_key_hex(b, AF_INET6, "fd00::1", "fd00::2"), "774018a63eb017353e86a972d28afa34f174ef8c",
	       "a key_base SA fd00::1 -> fd00::2 carries the IPv6 vector's key");
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
	test_ipv4_wire(b);
	test_derived_keys(b);
	nlb_close(b);
	return done_testing();
}
