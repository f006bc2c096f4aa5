// SPDX-License-Identifier: GPL-2.0
/* nltool: a small CLI over lib/kernel/nlbatch.c, lib/kernel/xfrm.c and lib/kernel/rtnl.c, for
 * tests/netns/netlink.bats (and the VM lane). Not installed.
 * Owns: nothing of tenc; it only drives the library and prints what the
 * dumps return, one object per line, as key=value pairs.
 * Exit: 0 done, 1 the kernel refused (or a dump failed), 2 usage. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <linux/netlink.h>
#include <linux/xfrm.h>
#include "nlbatch.h"
#include "rtnl.h"
#include "xfrm.h"

static const char *usage_text =
	"usage: nltool CMD ARGS\n"
	"  sa-add SRC DST SPI REQID MARK/MASK KEYHEX ICV [esn] [replay=N] [inner=4|6] [update]\n"
	"  sa-add-cbc SRC DST SPI REQID MARK/MASK AUTHALGO AUTHKEY ENCALGO ENCKEY [esn] [replay=N]\n"
	"             [inner=4|6] [update]\n"
	"  sa-del DST SPI MARK/MASK | sa-get DST SPI MARK/MASK | dump-sa [FAM]\n"
	"  pol-add DIR SRC/LEN DST/LEN MARK/MASK PRIO (block | tmpl TSRC TDST REQID [optional]) [update]\n"
	"  pol-del DIR SRC/LEN DST/LEN MARK/MASK | dump-pol [FAM]\n"
	"  bulk-pol N [v6] [update] [del] [fail-at=K:dup|badlen]\n"
	"  route-add TABLE DST/LEN DEV MTU PROTO [replace] | route-del TABLE DST/LEN DEV PROTO\n"
	"  dump-route [TABLE [FAM]]\n"
	"  rule-add PREF MARK/MASK TABLE PROTO [v6] | rule-del PREF MARK/MASK TABLE PROTO [v6]\n"
	"  dump-rule [FAM]\n"
	"  hthresh [LBITS RBITS] | hthresh6 [LBITS RBITS]   (get, or set, the IPv4 / IPv6\n"
	"             policy hash thresholds)\n"
	"  stat | link DEV\n"
	"Addresses are IPv4 or IPv6 (the family is the address's; inner=: an SA's selector,\n"
	"default the outer family). FAM: 4 (the default), 6 or all; objects of IPv6 print\n"
	"IPv6 addresses, SAs with an IPv6 side end in \" outer=ipvX inner=ipvY fp=HEX\" (the key's\n"
	"fingerprint, key_fp8).\n";

static void usage(void)
{
	fputs(usage_text, stderr);
	exit(2);
}

static uint32_t num(const char *s)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *end || end == s || v > UINT32_MAX) {
		fprintf(stderr, "nltool: bad number '%s'\n", s);
		exit(2);
	}
	return (uint32_t)v;
}

/* An IPv4 or IPv6 address into a KADDR view (16 bytes); its family. */
static uint8_t addr(const char *s, uint8_t *out)
{
	memset(out, 0, 16);
	if (inet_pton(AF_INET, s, out) == 1)
		return AF_INET;
	if (inet_pton(AF_INET6, s, out) == 1)
		return AF_INET6;
	fprintf(stderr, "nltool: bad address '%s'\n", s);
	exit(2);
}

/* "addr/len" (len may be out of range on purpose: tests); its family. */
static uint8_t prefix(const char *s, uint8_t *out, uint8_t *len)
{
	char buf[64];
	char *sl;
	uint8_t fam;

	snprintf(buf, sizeof(buf), "%s", s);
	sl = strchr(buf, '/');
	if (sl)
		*sl = 0;
	fam = addr(buf, out);
	*len = sl ? (uint8_t)num(sl + 1) : fam == AF_INET6 ? 128 : 32;
	return fam;
}

/* Both addresses of a pair (an SA's, a template's) of one family. */
static uint8_t addr_pair(const char *a, const char *b, uint8_t *x, uint8_t *y)
{
	uint8_t fam = addr(a, x);

	if (addr(b, y) != fam) {
		fprintf(stderr, "nltool: '%s' and '%s' are of two families\n", a, b);
		exit(2);
	}
	return fam;
}

/* FAM: "4", "6", "all" (default 4). */
static int famarg(const char *s)
{
	if (!s || !strcmp(s, "4"))
		return AF_INET;
	if (!strcmp(s, "6"))
		return AF_INET6;
	if (!strcmp(s, "all"))
		return AF_UNSPEC;
	usage();
	return 0;
}

static void markmask(const char *s, uint32_t *mark, uint32_t *mask)
{
	char buf[64];
	char *sl;

	snprintf(buf, sizeof(buf), "%s", s);
	sl = strchr(buf, '/');
	*mask = 0xffffffff;
	if (sl) {
		*sl = 0;
		*mask = num(sl + 1);
	}
	*mark = num(buf);
}

static size_t hexkey(const char *s, uint8_t *out)
{
	size_t n = 0;

	if (!strncmp(s, "0x", 2))
		s += 2;
	while (s[0] && s[1] && n < KEY_MAX_BYTES) {
		unsigned int v;

		if (sscanf(s, "%2x", &v) != 1)
			usage();
		out[n++] = (uint8_t)v;
		s += 2;
	}
	if (*s)
		usage();
	return n;
}

/* A KADDR view of family, as text. */
static const char *astr(uint8_t family, const uint8_t *a, char *buf)
{
	return inet_ntop(kfam(family), a, buf, INET6_ADDRSTRLEN);
}

static const char *ipv(uint8_t family)
{
	return kfam(family) == AF_INET6 ? "ipv6" : "ipv4";
}

static bool has(int argc, char **argv, const char *word)
{
	for (int i = 0; i < argc; i++)
		if (!strcmp(argv[i], word))
			return true;
	return false;
}

static const char *opt(int argc, char **argv, const char *key)
{
	size_t n = strlen(key);

	for (int i = 0; i < argc; i++)
		if (!strncmp(argv[i], key, n) && argv[i][n] == '=')
			return argv[i] + n + 1;
	return NULL;
}

static struct nlb *open_or_die(int proto)
{
	struct nlb *b = nlb_open(proto);

	if (!b) {
		fprintf(stderr, "nltool: netlink: %s\n", strerror(errno));
		exit(1);
	}
	return b;
}

/* Flush and report: "ok N" or "failed F index I errno E (text) msg '...'". */
static int flush(struct nlb *b)
{
	struct nlb_error e;
	size_t n = nlb_count(b);
	int f = nlb_flush(b, &e);

	if (!f) {
		printf("ok %zu\n", n);
		return 0;
	}
	printf("failed %d index %zu errno %d (%s) msg '%s'\n", f, e.index, e.err,
	       strerror(e.err), e.msg);
	return 1;
}

static int print_sa(const struct xsa *sa, void *data)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];

	(void)data;
	printf("src=%s dst=%s spi=0x%x reqid=0x%x mark=0x%x/0x%x esn=%d replay_window=%u "
	       "bytes=%" PRIu64 " packets=%" PRIu64 " add_time=%" PRIu64 " use_time=%" PRIu64
	       " oseq=%" PRIu64 " seq=%" PRIu64 " replay_errors=%u integrity_errors=%u "
	       "has_key=%d aead=%d algo=%s key_bits=%zu icv=%d auth=%s",
	       astr(sa->family, sa->src6, s), astr(sa->family, sa->dst6, d), sa->spi, sa->reqid, sa->mark, sa->mark_mask,
	       sa->esn, sa->replay_window, sa->bytes, sa->packets, sa->add_time, sa->use_time,
	       sa->oseq, sa->seq, sa->replay_errors, sa->integrity_errors, sa->has_key,
	       sa->key.aead, sa->key.algo[0] ? sa->key.algo : "-", sa->key.key_len * 8,
	       sa->key.icv_bits, sa->key.auth_algo[0] ? sa->key.auth_algo : "-");
	if (kfam(sa->family) == AF_INET6 || kfam(sa->sel_family) == AF_INET6) {
		printf(" outer=%s inner=%s fp=", ipv(sa->family), ipv(sa->sel_family));
		for (size_t i = 0; i < sizeof(sa->key_fp); i++)
			printf(sa->has_fp ? "%02x" : "-", sa->key_fp[i]);
	}
	printf("\n");
	/* The dump wiped the key bytes: prove it. */
	for (size_t i = 0; i < sizeof(sa->key.key); i++)
		if (sa->key.key[i] || sa->key.auth_key[i])
			printf("KEY-LEAK\n");
	return 0;
}

static const char *dirname_(uint8_t d)
{
	return d == XFRM_POLICY_IN ? "in" : d == XFRM_POLICY_OUT ? "out" :
	       d == XFRM_POLICY_FWD ? "fwd" : "?";
}

static int print_pol(const struct xpol *p, void *data)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];

	(void)data;
	printf("dir=%s sel=%s/%u->", dirname_(p->dir), astr(p->sel_family, p->sel_src6, a),
	       p->sel_src_len);
	printf("%s/%u mark=0x%x/0x%x priority=%u action=%s", astr(p->sel_family, p->sel_dst6, a),
	       p->sel_dst_len, p->mark, p->mark_mask, p->priority, p->block ? "block" : "allow");
	if (!p->block)
		printf(" tmpl=%s->%s reqid=0x%x optional=%d", astr(p->tmpl_family, p->tmpl_src6, a),
		       astr(p->tmpl_family, p->tmpl_dst6, b), p->reqid, p->optional);
	printf(" index=%u\n", p->index);
	return 0;
}

static int print_route(const struct rroute *r, void *data)
{
	char d[INET6_ADDRSTRLEN], dev[IF_NAMESIZE] = "-";

	(void)data;
	if (r->oif)
		if_indextoname((unsigned int)r->oif, dev);
	printf("table=%u dst=%s/%u dev=%s mtu=%u protocol=%u\n", r->table, astr(r->family, r->dst6, d),
	       r->dst_len, dev, r->mtu, r->protocol);
	return 0;
}

static int print_rule(const struct rrule *r, void *data)
{
	(void)data;
	printf("pref=%u fwmark=0x%x/0x%x table=%u protocol=%u%s\n", r->pref, r->fwmark, r->fwmask,
	       r->table, r->protocol, kfam(r->family) == AF_INET6 ? " family=ipv6" : "");
	return 0;
}

static int print_stat(const char *name, uint64_t v, void *data)
{
	(void)data;
	printf("%s=%" PRIu64 "\n", name, v);
	return 0;
}

static int dumped(const char *what, int r)
{
	if (!r)
		return 0;
	fprintf(stderr, "nltool: %s: %s\n", what, strerror(-r));
	return 1;
}

/* A request on b failed (r < 0): the kernel's words, as tenc reports them. */
static int refused(struct nlb *b, const char *what, int r)
{
	char why[512];

	if (!r)
		return 0;
	fprintf(stderr, "nltool: %s: %s\n", what, nlb_strerror(nlb_last_error(b), why, sizeof(why)));
	return 1;
}

static int cmd_hthresh(int argc, char **argv)
{
	struct nlb *b = open_or_die(NETLINK_XFRM);
	int fam = !strcmp(argv[0], "hthresh6") ? AF_INET6 : AF_INET;
	struct xfrm_hthresh t;
	int ret;

	if (argc >= 3) {
		t.lbits = (uint8_t)num(argv[1]);
		t.rbits = (uint8_t)num(argv[2]);
		ret = refused(b, argv[0], xfrm_hthresh_set_af(b, fam, t));
	} else {
		ret = refused(b, argv[0], xfrm_hthresh_get_af(b, fam, &t));
		if (!ret)
			printf("lbits=%u rbits=%u\n", t.lbits, t.rbits);
	}
	nlb_close(b);
	return ret;
}

static int cmd_sa(int argc, char **argv)
{
	struct nlb *b = open_or_die(NETLINK_XFRM);
	const char *c = argv[0];
	struct xsa sa = { 0 };
	const char *rw, *inner;
	int ret = 0;

	if (!strcmp(c, "dump-sa")) {
		ret = refused(b, c, xfrm_sa_dump_af(b, famarg(argv[1]), print_sa, NULL));
	} else if (!strcmp(c, "sa-del") || !strcmp(c, "sa-get")) {
		if (argc < 4)
			usage();
		sa.family = addr(argv[1], sa.dst6);
		sa.spi = num(argv[2]);
		markmask(argv[3], &sa.mark, &sa.mark_mask);
		if (!strcmp(c, "sa-del")) {
			xfrm_sa_del(b, &sa);
			ret = flush(b);
		} else {
			int r = xfrm_sa_get(b, &sa, &sa);

			if (r) /* not found is an answer, not a refusal */
				ret = r == -ENOENT ? dumped(c, r) : refused(b, c, r);
			else
				print_sa(&sa, NULL);
		}
	} else {
		bool cbc = !strcmp(c, "sa-add-cbc");

		if (argc < (cbc ? 10 : 8))
			usage();
		sa.family = addr_pair(argv[1], argv[2], sa.src6, sa.dst6);
		inner = opt(argc, argv, "inner");
		sa.sel_family = !inner ? sa.family : (uint8_t)famarg(inner);
		if (!sa.sel_family)
			usage();
		sa.spi = num(argv[3]);
		sa.reqid = num(argv[4]);
		markmask(argv[5], &sa.mark, &sa.mark_mask);
		if (!strcmp(argv[5], "0"))
			sa.mark_mask = 0;
		sa.key.spi = (int)(sa.spi & 0xf);
		if (cbc) {
			snprintf(sa.key.auth_algo, sizeof(sa.key.auth_algo), "%s", argv[6]);
			sa.key.auth_key_len = hexkey(argv[7], sa.key.auth_key);
			snprintf(sa.key.algo, sizeof(sa.key.algo), "%s", argv[8]);
			sa.key.key_len = hexkey(argv[9], sa.key.key);
		} else {
			sa.key.aead = true;
			snprintf(sa.key.algo, sizeof(sa.key.algo), "rfc4106(gcm(aes))");
			sa.key.key_len = hexkey(argv[6], sa.key.key);
			sa.key.icv_bits = (int)num(argv[7]);
		}
		sa.esn = has(argc, argv, "esn");
		rw = opt(argc, argv, "replay");
		sa.replay_window = rw ? num(rw) : 0;
		xfrm_sa_add(b, &sa, has(argc, argv, "update"));
		explicit_bzero(&sa, sizeof(sa));
		ret = flush(b);
	}
	nlb_close(b);
	return ret;
}

static uint8_t dirnum(const char *s)
{
	if (!strcmp(s, "in"))
		return XFRM_POLICY_IN;
	if (!strcmp(s, "out"))
		return XFRM_POLICY_OUT;
	if (!strcmp(s, "fwd"))
		return XFRM_POLICY_FWD;
	usage();
	return 0;
}

static void sel_args(char **argv, struct xpol *p)
{
	p->dir = dirnum(argv[1]);
	p->sel_family = prefix(argv[2], p->sel_src6, &p->sel_src_len);
	if (prefix(argv[3], p->sel_dst6, &p->sel_dst_len) != p->sel_family)
		usage();
	markmask(argv[4], &p->mark, &p->mark_mask);
	if (!strcmp(argv[4], "0"))
		p->mark_mask = 0;
}

/* Policy i of a bulk run: out, 0/0 -> 10.i>>8.i&255.0/24, its own mark.
 * v6: ::/0 -> fd00:0:0:i::/64, the same template (IPv4 outer). */
static void bulk_one(struct xpol *p, uint32_t i, bool v6)
{
	memset(p, 0, sizeof(*p));
	p->dir = XFRM_POLICY_OUT;
	if (v6) {
		p->sel_family = AF_INET6;
		p->sel_dst6[0] = 0xfd;
		p->sel_dst6[6] = (uint8_t)(i >> 8);
		p->sel_dst6[7] = (uint8_t)i;
		p->sel_dst_len = 64;
	} else {
		p->sel_dst = htonl(0x0a000000 | (i & 0xffff) << 8);
		p->sel_dst_len = 24;
	}
	p->mark = 0xe00 | 1 << 12 | ((i + 1) & 0xffff) << 16;
	p->mark_mask = 0xffffff00;
	p->priority = 100;
	p->tmpl_src = htonl(0xc0000201);
	p->tmpl_dst = htonl(0xc0000202);
	p->reqid = 0x7e01;
}

static int cmd_bulk(int argc, char **argv)
{
	struct nlb *b = open_or_die(NETLINK_XFRM);
	uint32_t n, i, fail_at = UINT32_MAX;
	const char *fa = opt(argc, argv, "fail-at");
	bool del = has(argc, argv, "del"), upd = has(argc, argv, "update"), badlen = false;
	bool v6 = has(argc, argv, "v6");
	struct timespec t0, t1;
	struct xpol p;
	int ret;

	if (argc < 2)
		usage();
	n = num(argv[1]);
	if (n > 65535)
		usage();
	if (fa) {
		char buf[32], *colon;

		snprintf(buf, sizeof(buf), "%s", fa);
		colon = strchr(buf, ':');
		if (!colon)
			usage();
		*colon = 0;
		fail_at = num(buf);
		badlen = !strcmp(colon + 1, "badlen");
		if (!badlen && strcmp(colon + 1, "dup"))
			usage();
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < n; i++) {
		bulk_one(&p, i == fail_at && !badlen ? 0 : i, v6);
		if (i == fail_at && badlen)
			p.sel_dst_len = v6 ? 129 : 33;
		if (del)
			xfrm_pol_del(b, &p);
		else
			xfrm_pol_add(b, &p, upd);
	}
	ret = flush(b);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	fprintf(stderr, "nltool: %u requests in %.1f ms\n", n,
		(double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
	/* Per-request results, as "results ERRNO=COUNT..." (0: done). */
	{
		static unsigned int tally[256];
		int e;

		for (i = 0; i < n; i++) {
			e = nlb_result(b, i);
			tally[e >= 0 && e < 255 ? e : 255]++;
			if (fa && (e != 0) != (i == fail_at))
				printf("unexpected result %d at %u\n", e, i);
		}
		printf("results");
		for (e = 0; e < 256; e++)
			if (tally[e])
				printf(" %d=%u", e, tally[e]);
		printf("\n");
	}
	nlb_close(b);
	return ret;
}

static int cmd_pol(int argc, char **argv)
{
	struct nlb *b = open_or_die(NETLINK_XFRM);
	const char *c = argv[0];
	struct xpol p = { 0 };
	int ret;

	if (!strcmp(c, "dump-pol")) {
		ret = refused(b, c, xfrm_pol_dump_af(b, famarg(argv[1]), print_pol, NULL));
	} else if (!strcmp(c, "pol-del")) {
		if (argc < 5)
			usage();
		sel_args(argv, &p);
		xfrm_pol_del(b, &p);
		ret = flush(b);
	} else {
		if (argc < 7)
			usage();
		sel_args(argv, &p);
		p.priority = num(argv[5]);
		if (!strcmp(argv[6], "block")) {
			p.block = true;
		} else if (!strcmp(argv[6], "tmpl") && argc >= 10) {
			p.tmpl_family = addr_pair(argv[7], argv[8], p.tmpl_src6, p.tmpl_dst6);
			p.reqid = num(argv[9]);
			p.optional = has(argc, argv, "optional");
		} else {
			usage();
		}
		xfrm_pol_add(b, &p, has(argc, argv, "update"));
		ret = flush(b);
	}
	nlb_close(b);
	return ret;
}

static int cmd_rt(int argc, char **argv)
{
	struct nlb *b = open_or_die(NETLINK_ROUTE);
	const char *c = argv[0];
	int ret;

	if (!strcmp(c, "dump-route")) {
		ret = refused(b, c, rtnl_route_dump_af(b, famarg(argc > 2 ? argv[2] : NULL),
						       argc > 1 ? num(argv[1]) : 0, print_route, NULL));
	} else if (!strcmp(c, "dump-rule")) {
		ret = refused(b, c, rtnl_rule_dump_af(b, famarg(argv[1]), print_rule, NULL));
	} else if (!strcmp(c, "route-add") || !strcmp(c, "route-del")) {
		bool add = !strcmp(c, "route-add");
		struct rroute r = { 0 };
		uint32_t mtu;

		if (argc < (add ? 6 : 5))
			usage();
		r.table = num(argv[1]);
		r.family = prefix(argv[2], r.dst6, &r.dst_len);
		if (rtnl_link(argv[3], &r.oif, &mtu)) {
			fprintf(stderr, "nltool: no device %s\n", argv[3]);
			return 1;
		}
		if (add) {
			r.mtu = num(argv[4]);
			r.protocol = (uint8_t)num(argv[5]);
			rtnl_route_add(b, &r, has(argc, argv, "replace"));
		} else {
			r.protocol = (uint8_t)num(argv[4]);
			rtnl_route_del(b, &r);
		}
		ret = flush(b);
	} else {
		struct rrule r = { 0 };

		if (argc < 5)
			usage();
		r.pref = num(argv[1]);
		markmask(argv[2], &r.fwmark, &r.fwmask);
		r.table = num(argv[3]);
		r.protocol = (uint8_t)num(argv[4]);
		r.family = has(argc, argv, "v6") ? AF_INET6 : AF_INET;
		if (!strcmp(c, "rule-add"))
			rtnl_rule_add(b, &r);
		else
			rtnl_rule_del(b, &r);
		ret = flush(b);
	}
	nlb_close(b);
	return ret;
}

int main(int argc, char **argv)
{
	const char *c;

	if (argc < 2)
		usage();
	argc--;
	argv++;
	c = argv[0];
	if (!strncmp(c, "sa-", 3) || !strcmp(c, "dump-sa"))
		return cmd_sa(argc, argv);
	if (!strncmp(c, "pol-", 4) || !strcmp(c, "dump-pol"))
		return cmd_pol(argc, argv);
	if (!strcmp(c, "bulk-pol"))
		return cmd_bulk(argc, argv);
	if (!strcmp(c, "hthresh") || !strcmp(c, "hthresh6"))
		return cmd_hthresh(argc, argv);
	if (!strncmp(c, "route-", 6) || !strncmp(c, "rule-", 5) || !strcmp(c, "dump-route") ||
	    !strcmp(c, "dump-rule"))
		return cmd_rt(argc, argv);
	if (!strcmp(c, "stat"))
		return dumped(c, xfrm_stat_read(print_stat, NULL));
	if (!strcmp(c, "link") && argc > 1) {
		int idx;
		uint32_t mtu;
		int r = rtnl_link(argv[1], &idx, &mtu);

		if (r)
			return dumped(c, r);
		printf("ifindex=%d mtu=%u\n", idx, mtu);
		return 0;
	}
	usage();
	return 2;
}
