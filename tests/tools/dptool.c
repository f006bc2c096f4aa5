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
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include "addr.h"
#include "bpfdp.h"
#include "tenc.h"

static const char usage[] =
	"usage: dptool [-v...] COMMAND ARGS\n"
	"  load BPFFS\n"
	"  unpin BPFFS\n"
	"  attach BPFFS IF HOOK                 prints: qdisc created|existed\n"
	"  detach IF HOOK [--destroy-qdisc]\n"
	"  query IF HOOK                        prints: ID NAME, or none (exit 1)\n"
	"  ipc-set BPFFS CIDR PEER SPI FLAGS    FLAGS: local,node,nokey,subnet | NUM | -\n"
	"  ipc-get BPFFS CIDR                   exact prefix; prints: peer P spi S flags F\n"
	"  ipc-del BPFFS CIDR\n"
	"  ipc-dump BPFFS                       prints: CIDR peer P spi S flags F\n"
	"  cfg-set BPFFS NODEIP FLAGS           FLAGS: encrypt | NUM | -\n"
	"  cfg-get BPFFS                        prints: node IP flags F\n"
	"  testrun BPFFS HOOK SRC DST PROTO [--mark M] [--ethertype T] [--vihl B] [--len N]\n"
	"                                       PROTO: esp, udp, tcp, icmp or NUM;\n"
	"                                       --vihl: the IPv4 version/ihl byte (0x45)\n"
	"                                       prints the mark after the program\n"
	"HOOK: from_pod, from_wire, to_wire\n";

static const char *const ipc_flag_names[] = { "local", "node", "nokey", "subnet" };
static const char *const cfg_flag_names[] = { "encrypt" };

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

static uint32_t cidr(const char *s, uint8_t *plen)
{
	char buf[32], *slash;

	if (snprintf(buf, sizeof(buf), "%s", s) >= (int)sizeof(buf))
		bad("CIDR", s);
	slash = strchr(buf, '/');
	*plen = 32;
	if (slash) {
		*slash = '\0';
		*plen = num("prefix length", slash + 1, 32);
	}
	return ip4(buf);
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

static int dump_cb(uint32_t addr, uint8_t plen, const struct ipcache_val *v, void *data)
{
	char a[INET_ADDRSTRLEN];

	(void)data;
	inet_ntop(AF_INET, &addr, a, sizeof(a));
	printf("%s/%u ", a, plen);
	print_ipc(v);
	return 0;
}

static int ipc_cmd(const char *cmd, int argc, char **argv)
{
	struct ipcache_val v = {};
	uint32_t addr = 0;
	uint8_t plen = 0;
	int fd, r;

	if (strcmp(cmd, "ipc-set") && strcmp(cmd, "ipc-get") && strcmp(cmd, "ipc-del") &&
	    strcmp(cmd, "ipc-dump"))
		bad("command", cmd);
	if (argc < 1 || (strcmp(cmd, "ipc-dump") && argc < 2) || (!strcmp(cmd, "ipc-set") && argc != 5) ||
	    (strcmp(cmd, "ipc-set") && argc > 2) || (!strcmp(cmd, "ipc-dump") && argc != 1))
		bad("arguments for", cmd);
	if (argc >= 2)
		addr = cidr(argv[1], &plen);
	fd = ipcache_open(argv[0]);
	if (fd < 0)
		return TENC_FAIL;
	if (!strcmp(cmd, "ipc-set")) {
		v.peer_id = num("peer id", argv[2], TENC_PEER_ID_MAX);
		v.spi = num("spi", argv[3], 255);
		v.flags = flags(argv[4], ipc_flag_names, ARRAY_SIZE(ipc_flag_names));
		r = ipcache_update(fd, addr, plen, &v);
	} else if (!strcmp(cmd, "ipc-get")) {
		r = ipcache_lookup(fd, addr, plen, &v);
		if (!r)
			print_ipc(&v);
		else if (r == -ENOENT)
			fprintf(stderr, "dptool: %s: no such entry\n", argv[1]);
	} else if (!strcmp(cmd, "ipc-del")) {
		r = ipcache_delete(fd, addr, plen);
		if (r == -ENOENT)
			fprintf(stderr, "dptool: %s: no such entry\n", argv[1]);
	} else {
		r = ipcache_dump(fd, dump_cb, NULL);
	}
	close(fd);
	return r ? TENC_FAIL : TENC_OK;
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

/* Run a program once on a 64-byte Ethernet+IPv4 frame (long enough to hold
 * an IPv6 header too, when --ethertype says so); print skb->mark after. */
static int testrun(int argc, char **argv)
{
	/* 2 bytes in, so that the IPv4 header is 4-byte aligned */
	unsigned char buf[2 + 64] __attribute__((aligned(4))) = {}, *pkt = buf + 2;
	size_t size = sizeof(buf) - 2;
	struct ethhdr *eth = (void *)pkt;
	struct iphdr *ip = (void *)(pkt + ETH_HLEN);
	struct __sk_buff ctx = {};
	unsigned long len = size, ethertype = ETH_P_IP, vihl = 0x45;
	char path[PATH_MAX];
	int i, fd, r;

	if (argc < 5)
		bad("arguments for", "testrun");
	for (i = 5; i < argc; i += 2) {
		if (i + 1 >= argc)
			bad("option", argv[i]);
		if (!strcmp(argv[i], "--mark"))
			ctx.mark = num("mark", argv[i + 1], 0xffffffff);
		else if (!strcmp(argv[i], "--ethertype"))
			ethertype = num("ethertype", argv[i + 1], 0xffff);
		else if (!strcmp(argv[i], "--vihl"))
			vihl = num("version/ihl", argv[i + 1], 0xff);
		else if (!strcmp(argv[i], "--len"))
			len = num("length", argv[i + 1], size);
		else
			bad("option", argv[i]);
	}
	if (len < ETH_HLEN)
		bad("length (at least 14)", argv[argc - 1]);
	memcpy(eth->h_dest, "\x02\0\0\0\0\x02", ETH_ALEN);
	memcpy(eth->h_source, "\x02\0\0\0\0\x01", ETH_ALEN);
	eth->h_proto = htons(ethertype);
	ip->version = vihl >> 4;
	ip->ihl = vihl & 0xf;
	ip->tot_len = htons(size - ETH_HLEN);
	ip->ttl = 64;
	ip->protocol = proto(argv[4]);
	ip->saddr = ip4(argv[2]);
	ip->daddr = ip4(argv[3]);
	ip->check = ip_csum(ip, sizeof(*ip));

	if (snprintf(path, sizeof(path), "%s/prog_%s", argv[0], bpfdp_hook_name(hook(argv[1]))) >=
	    (int)sizeof(path))
		bad("bpffs", argv[0]);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return tenc_errno(TENC_FAIL, errno, path, "open");
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .data_size_in = len, .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .ctx_out = &ctx, .ctx_size_out = sizeof(ctx),
		    .repeat = 1);
	r = bpf_prog_test_run_opts(fd, &o);
	close(fd);
	if (r)
		return tenc_errno(TENC_FAIL, -r, path, "BPF_PROG_TEST_RUN");
	if (o.retval != TC_ACT_OK)
		return tenc_err(TENC_FAIL, path, "returned %d, not TC_ACT_OK", o.retval);
	printf("0x%08x\n", ctx.mark);
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
	bad("command or arguments", cmd);
}
