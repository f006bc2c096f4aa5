// SPDX-License-Identifier: GPL-2.0
/* dptool: a small CLI over lib/kernel/bpfdp.c, for the netns tests (bpf.bats) to
 * drive the datapath without tenc's commands, and to run the programs on
 * crafted packets (BPF_PROG_TEST_RUN). Not installed.
 * Exit: 0 ok, 1 failed (or query: nothing attached), 2 usage. */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include "addr.h"
#include "bpfdp.h"
#include "flows.h"
#include "tenc.h"

static const char usage[] =
	"usage: dptool [-v...] COMMAND ARGS\n"
	"  load BPFFS\n"
	"  unpin BPFFS\n"
	"  attach BPFFS IF HOOK                 prints: qdisc created|existed\n"
	"  detach IF HOOK [--destroy-qdisc]\n"
	"  query IF HOOK                        prints: ID NAME, or none (exit 1)\n"
	"  ipc-set BPFFS CIDR PEER SPI FLAGS    FLAGS: local,node,nokey,subnet | NUM | -\n"
	"                                       (an IPv6 CIDR: the entry goes to ipcache6)\n"
	"  ipc-get BPFFS CIDR                   exact prefix; prints: peer P spi S flags F\n"
	"  ipc-del BPFFS CIDR\n"
	"  ipc-dump BPFFS                       prints: CIDR peer P spi S flags F (the\n"
	"                                       ipcache, then ipcache6)\n"
	"  cfg-set BPFFS NODEIP FLAGS           FLAGS: encrypt | NUM | -\n"
	"  cfg-get BPFFS                        prints: node IP flags F\n"
	"  testrun BPFFS HOOK SRC DST PROTO [--mark M] [--ethertype T] [--vihl B] [--len N]\n"
	"                                       PROTO: esp, udp, tcp, icmp or NUM;\n"
	"                                       --vihl: the IPv4 version/ihl byte (0x45)\n"
	"                                       prints the mark after the program\n"
	"  testrun6 BPFFS HOOK SRC DST CHAIN [--mark M] [--ethertype T] [--len N]\n"
	"                                       an IPv6 frame; CHAIN: its headers after the\n"
	"                                       IPv6 one, comma-separated: hop, rt, dst, ah\n"
	"                                       (optionally NAME*K: length field K), frag\n"
	"                                       (first fragment), frag+ (a later one), udp,\n"
	"                                       tcp, icmp6:TYPE, esp[:SPI] (SPI 0 if not\n"
	"                                       given), or a next-header NUM (8 zero bytes);\n"
	"                                       --len cuts the frame to N; prints the mark\n"
	"  flows6 BPFFS                         prints the IPv6 flows: DIR PROTO SRC SPORT\n"
	"                                       DST DPORT packets P bytes B verdict V peer P\n"
	"                                       spi S seen F (PROTO a number; ICMPv6: SPORT\n"
	"                                       is the type; ESP: the SPI's halves)\n"
	"HOOK: from_pod, from_wire, to_wire\n";

static const char *const ipc_flag_names[] = { "local", "node", "nokey", "subnet" };
static const char *const cfg_flag_names[] = { "encrypt" };
static const char *const seen_names[] = { "pod", "wire_plain", "wire_esp", "decrypted", "unmarked", "node" };

static void __attribute__((noreturn)) bad(const char *what, const char *s)
{
	fprintf(stderr, "dptool: bad %s '%s'\n%s", what, s, usage);
	exit(TENC_USAGE);
}

static unsigned long num(const char *what, const char *s, unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || !*s || *end || v > max)
		bad(what, s);
	return v;
}

static enum bpfdp_hook hook(const char *s)
{
	int h;

	for (h = 0; h < HOOK__COUNT; h++)
		if (!strcmp(s, bpfdp_hook_name(h)))
			return h;
	bad("hook", s);
}

static uint32_t ip4(const char *s)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		bad("IPv4 address", s);
	return a.s_addr;
}

static void ip6(const char *s, struct in6_addr *a)
{
	if (inet_pton(AF_INET6, s, a) != 1)
		bad("IPv6 address", s);
}

/* A CIDR of either family (parsed, addr.h); a bare address is the
 * longest prefix. */
struct dcidr {
	bool v6;
	uint32_t a4;
	struct in6_addr a6;
	uint8_t plen;
};

static void cidr(const char *s, struct dcidr *c)
{
	char buf[64], *slash;

	if (snprintf(buf, sizeof(buf), "%s", s) >= (int)sizeof(buf))
		bad("CIDR", s);
	c->v6 = cidr_family(s) == ADDR_IPV6;
	slash = strchr(buf, '/');
	c->plen = c->v6 ? 128 : 32;
	if (slash) {
		*slash = '\0';
		c->plen = num("prefix length", slash + 1, c->plen);
	}
	if (c->v6)
		ip6(buf, &c->a6);
	else
		c->a4 = ip4(buf);
}

/* "a,b" by name, a number, or "-" for none. */
static unsigned long flags(const char *s, const char *const *names, int n)
{
	char buf[64], *tok, *save;
	unsigned long v = 0;
	int i;

	if (!strcmp(s, "-"))
		return 0;
	if (*s >= '0' && *s <= '9')
		return num("flags", s, 0xffffffff);
	snprintf(buf, sizeof(buf), "%s", s);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < n && strcmp(tok, names[i]); i++)
			;
		if (i == n)
			bad("flag", tok);
		v |= 1ul << i;
	}
	return v;
}

static const char *flag_str(char *buf, size_t sz, unsigned long v, const char *const *names, int n)
{
	size_t len = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < 32; i++) {
		if (!(v & (1ul << i)))
			continue;
		if (i < n)
			len += snprintf(buf + len, sz - len, "%s%s", len ? "," : "", names[i]);
		else
			len += snprintf(buf + len, sz - len, "%s0x%lx", len ? "," : "", 1ul << i);
		if (len >= sz)
			break;
	}
	return buf[0] ? buf : "-";
}

static void print_ipc(const struct ipcache_val *v)
{
	char f[64];

	printf("peer %u spi %u flags %s\n", v->peer_id, v->spi,
	       flag_str(f, sizeof(f), v->flags, ipc_flag_names, ARRAY_SIZE(ipc_flag_names)));
}

static int print_entry(int af, const void *a, uint8_t plen, const struct ipcache_val *v)
{
	char s[INET6_ADDRSTRLEN];

	printf("%s/%u ", inet_ntop(af, a, s, sizeof(s)), plen);
	print_ipc(v);
	return 0;
}

static int dump_cb(uint32_t addr, uint8_t plen, const struct ipcache_val *v, void *data)
{
	(void)data;
	return print_entry(AF_INET, &addr, plen, v);
}

static int dump6_cb(const uint8_t a[16], uint8_t plen, const struct ipcache_val *v, void *data)
{
	(void)data;
	return print_entry(AF_INET6, a, plen, v);
}

/* Both ipcaches, IPv4 first. */
static int ipc_dump_all(const char *bpffs)
{
	int fd = ipcache_open(bpffs), fd6 = ipcache6_open(bpffs), r = TENC_FAIL;

	if (fd >= 0 && fd6 >= 0 && !ipcache_dump(fd, dump_cb, NULL) && !ipcache6_dump(fd6, dump6_cb, NULL))
		r = TENC_OK;
	if (fd >= 0)
		close(fd);
	if (fd6 >= 0)
		close(fd6);
	return r;
}

/* ipc-set, -get, -del of the entry c in its family's ipcache. */
static int ipc_one(const char *cmd, char **argv, const struct dcidr *c)
{
	struct ipcache_val v = {};
	int fd = c->v6 ? ipcache6_open(argv[0]) : ipcache_open(argv[0]), r;

	if (fd < 0)
		return TENC_FAIL;
	if (!strcmp(cmd, "ipc-set")) {
		v.peer_id = num("peer id", argv[2], TENC_PEER_ID_MAX);
		v.spi = num("spi", argv[3], 255);
		v.flags = flags(argv[4], ipc_flag_names, ARRAY_SIZE(ipc_flag_names));
		r = c->v6 ? ipcache6_update(fd, c->a6.s6_addr, c->plen, &v) : ipcache_update(fd, c->a4, c->plen, &v);
	} else if (!strcmp(cmd, "ipc-get")) {
		r = c->v6 ? ipcache6_lookup(fd, c->a6.s6_addr, c->plen, &v) : ipcache_lookup(fd, c->a4, c->plen, &v);
		if (!r)
			print_ipc(&v);
	} else {
		r = c->v6 ? ipcache6_delete(fd, c->a6.s6_addr, c->plen) : ipcache_delete(fd, c->a4, c->plen);
	}
	if (r == -ENOENT)
		fprintf(stderr, "dptool: %s: no such entry\n", argv[1]);
	close(fd);
	return r ? TENC_FAIL : TENC_OK;
}

static int ipc_cmd(const char *cmd, int argc, char **argv)
{
	struct dcidr c;

	if (strcmp(cmd, "ipc-set") && strcmp(cmd, "ipc-get") && strcmp(cmd, "ipc-del") &&
	    strcmp(cmd, "ipc-dump"))
		bad("command", cmd);
	if (argc < 1 || (strcmp(cmd, "ipc-dump") && argc < 2) || (!strcmp(cmd, "ipc-set") && argc != 5) ||
	    (strcmp(cmd, "ipc-set") && argc > 2) || (!strcmp(cmd, "ipc-dump") && argc != 1))
		bad("arguments for", cmd);
	if (!strcmp(cmd, "ipc-dump"))
		return ipc_dump_all(argv[0]);
	cidr(argv[1], &c);
	return ipc_one(cmd, argv, &c);
}

static int proto(const char *s)
{
	static const struct { const char *n; int p; } t[] = {
		{ "icmp", IPPROTO_ICMP }, { "tcp", IPPROTO_TCP }, { "udp", IPPROTO_UDP },
		{ "esp", IPPROTO_ESP },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(t); i++)
		if (!strcmp(s, t[i].n))
			return t[i].p;
	return num("protocol", s, 255);
}

/* Run the program of hook once on pkt; print skb->mark after. */
static int run_prog(const char *bpffs, const char *hk, void *pkt, size_t len, struct __sk_buff *ctx)
{
	char path[PATH_MAX];
	int fd, r;

	if (snprintf(path, sizeof(path), "%s/prog_%s", bpffs, bpfdp_hook_name(hook(hk))) >=
	    (int)sizeof(path))
		bad("bpffs", bpffs);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return tenc_errno(TENC_FAIL, errno, path, "open");
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .data_size_in = len, .ctx_in = ctx,
		    .ctx_size_in = sizeof(*ctx), .ctx_out = ctx, .ctx_size_out = sizeof(*ctx),
		    .repeat = 1);
	r = bpf_prog_test_run_opts(fd, &o);
	close(fd);
	if (r)
		return tenc_errno(TENC_FAIL, -r, path, "BPF_PROG_TEST_RUN");
	if (o.retval != TC_ACT_OK)
		return tenc_err(TENC_FAIL, path, "returned %d, not TC_ACT_OK", o.retval);
	printf("0x%08x\n", ctx->mark);
	return TENC_OK;
}

/* The options of testrun and testrun6 after their 5 arguments (--vihl
 * only for IPv4); len 0: the whole frame. */
struct run_opts {
	unsigned long mark, ethertype, vihl, len;
};

static void run_opts(int argc, char **argv, bool v6, struct run_opts *o)
{
	for (int i = 5; i < argc; i += 2) {
		if (i + 1 >= argc)
			bad("option", argv[i]);
		if (!strcmp(argv[i], "--mark"))
			o->mark = num("mark", argv[i + 1], 0xffffffff);
		else if (!strcmp(argv[i], "--ethertype"))
			o->ethertype = num("ethertype", argv[i + 1], 0xffff);
		else if (!strcmp(argv[i], "--vihl") && !v6)
			o->vihl = num("version/ihl", argv[i + 1], 0xff);
		else if (!strcmp(argv[i], "--len"))
			o->len = num("length", argv[i + 1], 0xffff);
		else
			bad("option", argv[i]);
	}
}

/* The Ethernet header of a test frame. */
static void eth_hdr(struct ethhdr *eth, unsigned long ethertype)
{
	memcpy(eth->h_dest, "\x02\0\0\0\0\x02", ETH_ALEN);
	memcpy(eth->h_source, "\x02\0\0\0\0\x01", ETH_ALEN);
	eth->h_proto = htons(ethertype);
}

/* Run a program once on a 64-byte Ethernet+IPv4 frame (long enough to hold
 * an IPv6 header too, when --ethertype says so); print skb->mark after. */
static int testrun(int argc, char **argv)
{
	/* 2 bytes in, so that the IPv4 header is 4-byte aligned */
	unsigned char buf[2 + 64] __attribute__((aligned(4))) = {}, *pkt = buf + 2;
	size_t size = sizeof(buf) - 2;
	struct iphdr *ip = (void *)(pkt + ETH_HLEN);
	struct run_opts o = { .ethertype = ETH_P_IP, .vihl = 0x45, .len = size };
	struct __sk_buff ctx = {};
	unsigned long vihl;

	if (argc < 5)
		bad("arguments for", "testrun");
	run_opts(argc, argv, false, &o);
	if (o.len < ETH_HLEN || o.len > size)
		bad("length (14 to 64)", argv[argc - 1]);
	ctx.mark = o.mark;
	vihl = o.vihl;
	eth_hdr((void *)pkt, o.ethertype);
	ip->version = vihl >> 4;
	ip->ihl = vihl & 0xf;
	ip->tot_len = htons(size - ETH_HLEN);
	ip->ttl = 64;
	ip->protocol = proto(argv[4]);
	ip->saddr = ip4(argv[2]);
	ip->daddr = ip4(argv[3]);
	ip->check = ip_csum(ip, sizeof(*ip));

	return run_prog(argv[0], argv[1], pkt, o.len, &ctx);
}

/* ---- IPv6 ---- */

/* One header of a CHAIN at h (room: what is left); its next-header
 * number in *nh; its length. */
static size_t chain_hdr(const char *tok, unsigned char *h, size_t room, uint8_t *nh)
{
	static const struct { const char *n; uint8_t p; } ext[] = {
		{ "hop", 0 }, { "rt", 43 }, { "dst", 60 }, { "ah", 51 },
	};
	unsigned long k = 0;
	size_t n = 8;
	char name[16];
	const char *star = strchr(tok, '*');

	snprintf(name, sizeof(name), "%.*s", star ? (int)(star - tok) : (int)strlen(tok), tok);
	if (star)
		k = num("length field", star + 1, 255);
	for (size_t i = 0; i < ARRAY_SIZE(ext); i++)
		if (!strcmp(name, ext[i].n)) {
			*nh = ext[i].p;
			n = *nh == 51 ? (k + 2) * 4 : (k + 1) * 8;
			if (n > room)
				bad("chain (too long)", tok);
			h[1] = k;
			return n;
		}
	if (!strcmp(tok, "frag") || !strcmp(tok, "frag+")) {
		*nh = 44;
		h[3] = tok[4] ? 8 : 0;	/* fragment offset 1 (8 bytes) or 0 */
		return 8;
	}
	if (!strcmp(tok, "udp") || !strcmp(tok, "tcp")) {
		uint16_t ports[2] = { htons(40000), htons(5201) };

		*nh = tok[0] == 'u' ? IPPROTO_UDP : IPPROTO_TCP;
		memcpy(h, ports, sizeof(ports));
		return *nh == IPPROTO_TCP ? 20 : 8;
	}
	if (!strncmp(tok, "icmp6:", 6)) {
		*nh = IPPROTO_ICMPV6;
		h[0] = num("ICMPv6 type", tok + 6, 255);
		return 8;
	}
	if (!strcmp(tok, "esp") || !strncmp(tok, "esp:", 4)) {	/* SPI, sequence number 7 */
		uint32_t esp[2] = { htonl(tok[3] ? num("SPI", tok + 4, 0xffffffff) : 0), htonl(7) };

		*nh = IPPROTO_ESP;
		memcpy(h, esp, sizeof(esp));
		return 8;
	}
	*nh = num("chain header", tok, 255);
	return 8;
}

/* Run a program once on an Ethernet+IPv6 frame of the headers CHAIN. */
static int testrun6(int argc, char **argv)
{
	static unsigned char buf[2 + 4096] __attribute__((aligned(8)));
	unsigned char *pkt = buf + 2, *prev_nh, *at;
	struct ipv6hdr *ip = (void *)(pkt + ETH_HLEN);
	struct run_opts o = { .ethertype = ETH_P_IPV6 };
	struct __sk_buff ctx = {};
	char chain[256], *tok, *save;
	bool ext = false;	/* the last header is an extension header */

	if (argc < 5)
		bad("arguments for", "testrun6");
	run_opts(argc, argv, true, &o);
	ctx.mark = o.mark;
	memset(buf, 0, sizeof(buf));
	eth_hdr((void *)pkt, o.ethertype);
	ip->version = 6;
	ip->hop_limit = 64;
	ip6(argv[2], &ip->saddr);
	ip6(argv[3], &ip->daddr);
	prev_nh = &ip->nexthdr;
	at = (unsigned char *)(ip + 1);
	snprintf(chain, sizeof(chain), "%s", argv[4]);
	for (tok = strtok_r(chain, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		size_t n = chain_hdr(tok, at, buf + sizeof(buf) - at, prev_nh);

		ext = strchr("\x00\x2b\x2c\x33\x3c", *prev_nh) != NULL; /* 0, 43, 44, 51, 60 */
		prev_nh = at;	/* an extension header's next header is its first byte */
		at += n;
	}
	if (ext)
		*prev_nh = 59;	/* after the last extension header: no next header */
	ip->payload_len = htons(at - (unsigned char *)(ip + 1));
	if (o.len > (size_t)(at - pkt))
		bad("length (longer than the frame)", argv[argc - 1]);
	return run_prog(argv[0], argv[1], pkt, o.len ? o.len : (size_t)(at - pkt), &ctx);
}

static int flows6(const char *bpffs)
{
	char path[PATH_MAX], s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN], f[64];
	struct flow_key6 k, *prev = NULL;
	struct flow_val v;
	int fd;

	snprintf(path, sizeof(path), "%s/flows6", bpffs);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return tenc_errno(TENC_FAIL, errno, path, "open");
	while (!bpf_map_get_next_key(fd, prev, &k)) {
		prev = &k;
		if (bpf_map_lookup_elem(fd, &k, &v))
			continue;
		printf("%s %u %s %u %s %u packets %llu bytes %llu verdict %s peer %u spi %u seen %s\n",
		       dir_str(k.dir), k.proto, inet_ntop(AF_INET6, k.saddr, s, sizeof(s)),
		       ntohs(k.sport), inet_ntop(AF_INET6, k.daddr, d, sizeof(d)), ntohs(k.dport),
		       (unsigned long long)v.packets, (unsigned long long)v.bytes, verdict_str(v.verdict) ?: "?",
		       v.peer_id, v.spi, flag_str(f, sizeof(f), v.seen, seen_names, ARRAY_SIZE(seen_names)));
	}
	close(fd);
	return TENC_OK;
}

int main(int argc, char **argv)
{
	const char *cmd;
	bool created;
	char name[64];
	uint32_t id;
	int r;

	while (argc > 1 && !strncmp(argv[1], "-v", 2) && strspn(argv[1] + 1, "v") == strlen(argv[1] + 1)) {
		g.verbose += strlen(argv[1]) - 1;
		argc--, argv++;
	}
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? TENC_USAGE : TENC_OK;
	}
	cmd = argv[1];
	snprintf(g.cmd_path, sizeof(g.cmd_path), "%s", cmd);
	argc -= 2, argv += 2;

	if (!strcmp(cmd, "load") && argc == 1)
		return bpfdp_load(argv[0]) ? TENC_FAIL : TENC_OK;
	if (!strcmp(cmd, "unpin") && argc == 1)
		return bpfdp_unpin(argv[0]) ? TENC_FAIL : TENC_OK;
	if (!strcmp(cmd, "attach") && argc == 3) {
		if (bpfdp_attach(argv[0], argv[1], hook(argv[2]), &created))
			return TENC_FAIL;
		printf("qdisc %s\n", created ? "created" : "existed");
		return TENC_OK;
	}
	if (!strcmp(cmd, "detach") && (argc == 2 || (argc == 3 && !strcmp(argv[2], "--destroy-qdisc"))))
		return bpfdp_detach(argv[0], hook(argv[1]), argc == 3) ? TENC_FAIL : TENC_OK;
	if (!strcmp(cmd, "query") && argc == 2) {
		r = bpfdp_query(argv[0], hook(argv[1]), &id, name, sizeof(name));
		if (r == -ENOENT)
			puts("none");
		else if (r == -ENODEV)
			tenc_err(TENC_FAIL, argv[0], "no such network interface");
		else if (!r)
			printf("%u %s\n", id, name);
		return r ? TENC_FAIL : TENC_OK;
	}
	if (!strncmp(cmd, "ipc-", 4))
		return ipc_cmd(cmd, argc, argv);
	if (!strcmp(cmd, "cfg-set") && argc == 3) {
		struct tenc_cfg c = {
			.node_ip = ip4(argv[1]),
			.flags = flags(argv[2], cfg_flag_names, ARRAY_SIZE(cfg_flag_names)),
		};

		return cfg_write(argv[0], &c) ? TENC_FAIL : TENC_OK;
	}
	if (!strcmp(cmd, "cfg-get") && argc == 1) {
		struct tenc_cfg c;
		char a[INET_ADDRSTRLEN], f[64];

		if (cfg_read(argv[0], &c))
			return TENC_FAIL;
		inet_ntop(AF_INET, &c.node_ip, a, sizeof(a));
		printf("node %s flags %s\n", a,
		       flag_str(f, sizeof(f), c.flags, cfg_flag_names, ARRAY_SIZE(cfg_flag_names)));
		return TENC_OK;
	}
	if (!strcmp(cmd, "testrun"))
		return testrun(argc, argv);
	if (!strcmp(cmd, "testrun6"))
		return testrun6(argc, argv);
	if (!strcmp(cmd, "flows6") && argc == 1)
		return flows6(argv[0]);
	bad("command or arguments", cmd);
}
