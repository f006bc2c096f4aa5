// SPDX-License-Identifier: GPL-2.0
/* test_addr.c: IPv4 and IPv6 address and CIDR parsing, formatting and overlap. */
#include <arpa/inet.h>
#include "addr.h"
#include "tap.h"

/* Issue 13: IPv6 prefixes and node ips, and the bad input it names. */
static void test_ipv6(void)
{
	struct cidr6 c, d;
	uint8_t a[16];
	char err[128], buf[80];

	ok(parse_cidr6("fd00:1::/64", &c, err, sizeof(err)) == 0 && c.len == 64, "IPv6 cidr");
	is_str(fmt_cidr6(&c, buf, sizeof(buf)), "fd00:1::/64", "formats back");
	ok(parse_cidr6("FD00:0001:0000::/64", &c, err, sizeof(err)) == 0, "long form taken");
	is_str(fmt_cidr6(&c, buf, sizeof(buf)), "fd00:1::/64", "formatted canonically (RFC 5952)");
	ok(parse_cidr6("fd00::5", &c, err, sizeof(err)) == 0 && c.len == 128, "bare address is /128");
	ok(parse_cidr6("fd00:1::1/64", &c, err, sizeof(err)) == -1 && strstr(err, "host bits"),
	   "host bits refused: %s", err);
	ok(parse_cidr6("fd00::/129", &c, err, sizeof(err)) == -1 && strstr(err, "0..128"),
	   "longer than /128 refused: %s", err);
	ok(parse_cidr6("fd00::/064", &c, err, sizeof(err)) == -1, "'/064' refused");
	ok(parse_cidr6("fd00::/", &c, err, sizeof(err)) == -1, "empty length refused");
	ok(parse_cidr6("10.0.0.0/8", &c, err, sizeof(err)) == -1, "IPv4 text is not an IPv6 cidr");
	ok(parse_cidr6("::ffff:10.0.0.0/104", &c, err, sizeof(err)) == -1 && strstr(err, "IPv4-mapped"),
	   "IPv4-mapped prefix refused: %s", err);
	ok(parse_cidr6("::/0", &c, err, sizeof(err)) == 0 && c.len == 0, "::/0");
	ok(parse_cidr6("fd00:1:2:3:4:5:6:7:8/64", &c, err, sizeof(err)) == -1, "nine groups refused");

	ok(parse_ipv6_node("fd00::1", a, err, sizeof(err)) == 0, "ULA node ip");
	is_str(fmt_ipv6(a, buf, sizeof(buf)), "fd00::1", "node ip formats back");
	ok(parse_ipv6_node("2001:db8::1", a, err, sizeof(err)) == 0, "global node ip");
	ok(parse_ipv6_node("fe80::1", a, err, sizeof(err)) == -1 && strstr(err, "link-local"),
	   "link-local node ip refused: %s", err);
	ok(parse_ipv6_node("febf::1", a, err, sizeof(err)) == -1, "all of fe80::/10 refused");
	ok(parse_ipv6_node("fec0::1", a, err, sizeof(err)) == 0, "fec0:: is not link-local");
	ok(parse_ipv6_node("::ffff:10.0.0.1", a, err, sizeof(err)) == -1 && strstr(err, "IPv4-mapped"),
	   "IPv4-mapped node ip refused: %s", err);
	ok(parse_ipv6_node("::", a, err, sizeof(err)) == -1, "unspecified refused");
	ok(parse_ipv6_node("::1", a, err, sizeof(err)) == -1, "loopback refused");
	ok(parse_ipv6_node("ff02::1", a, err, sizeof(err)) == -1 && strstr(err, "multicast"),
	   "multicast refused: %s", err);
	ok(parse_ipv6_node("10.0.0.1", a, err, sizeof(err)) == -1, "IPv4 text refused");

	parse_cidr6("fd00::/48", &c, err, sizeof(err));
	parse_cidr6("fd00:0:0:5::/64", &d, err, sizeof(err));
	ok(cidr6_overlap(&c, &d) && cidr6_overlap(&d, &c), "nested IPv6 cidrs overlap both ways");
	parse_cidr6("fd00:0:1::/64", &d, err, sizeof(err));
	ok(!cidr6_overlap(&c, &d), "disjoint IPv6 cidrs do not overlap");
	parse_cidr6("fd00:1::/60", &c, err, sizeof(err));
	parse_cidr6("fd00:1:0:f::/64", &d, err, sizeof(err));
	ok(cidr6_overlap(&c, &d), "a /60 holds its 16th /64 (a prefix not on a byte)");
	parse_cidr6("fd00:1:0:10::/64", &d, err, sizeof(err));
	ok(!cidr6_overlap(&c, &d), "and not the 17th");
	inet_pton(AF_INET6, "fd00:1:0:f:ffff:ffff:ffff:ffff", a);
	ok(cidr6_contains(&c, a), "contains its last address");
	inet_pton(AF_INET6, "fd00:1:0:10::", a);
	ok(!cidr6_contains(&c, a), "not the next block's first");
	ok(cidr6_cmp(&c, &d) < 0 && cidr6_cmp(&d, &c) > 0 && !cidr6_cmp(&c, &c), "ordered by address");
}

int main(void)
{
	struct cidr c, d;
	uint32_t a;
	char err[128], buf[64];

	ok(parse_ipv4("10.0.0.1", &a, err, sizeof(err)) == 0, "plain address");
	is_str(fmt_ipv4(a, buf, sizeof(buf)), "10.0.0.1", "formats back");
	ok(parse_ipv4("10.0.0.256", &a, err, sizeof(err)) == -1, "octet out of range refused");
	ok(strstr(err, "10.0.0.256") != NULL, "error names the input: %s", err);
	ok(parse_ipv4("10.0.0", &a, err, sizeof(err)) == -1, "short address refused");
	ok(parse_ipv4("", &a, err, sizeof(err)) == -1, "empty refused");

	ok(parse_cidr("10.1.0.0/24", &c, err, sizeof(err)) == 0, "cidr");
	is_int(c.len, 24, "prefix length");
	is_str(fmt_cidr(&c, buf, sizeof(buf)), "10.1.0.0/24", "cidr formats back");
	ok(parse_cidr("10.1.0.1/24", &c, err, sizeof(err)) == -1, "host bits refused");
	ok(strstr(err, "host bits") != NULL, "says host bits: %s", err);
	ok(parse_cidr("10.1.0.0/33", &c, err, sizeof(err)) == -1, "/33 refused");
	ok(parse_cidr("10.1.0.0/", &c, err, sizeof(err)) == -1, "empty length refused");
	ok(parse_cidr("10.1.0.0/2x", &c, err, sizeof(err)) == -1, "junk length refused");
	ok(parse_cidr("nope/8", &c, err, sizeof(err)) == -1, "bad address refused");
	ok(parse_cidr("10.0.0.7", &c, err, sizeof(err)) == 0 && c.len == 32, "bare address is /32");
	ok(parse_cidr("0.0.0.0/0", &c, err, sizeof(err)) == 0 && c.len == 0, "default route");

	/* Issue 14, 9: the prefix length is a strict number. */
	ok(parse_cidr("0.0.0.0/+8", &c, err, sizeof(err)) == -1, "'/+8' refused");
	ok(parse_cidr("10.0.0.0/ 8", &c, err, sizeof(err)) == -1, "'/ 8' refused");
	ok(parse_cidr("0.0.0.0/-0", &c, err, sizeof(err)) == -1, "'/-0' refused");
	ok(parse_cidr("10.0.0.0/08", &c, err, sizeof(err)) == -1, "'/08' refused");
	ok(parse_cidr("10.0.0.0/8 ", &c, err, sizeof(err)) == -1, "a trailing blank refused");
	ok(parse_cidr("10.0.0.0/0x8", &c, err, sizeof(err)) == -1, "'/0x8' refused");
	ok(parse_cidr("10.0.0.0/8", &c, err, sizeof(err)) == 0 && c.len == 8, "'/8' taken");

	/* Issue 14, 10: the family is parsed, never guessed. */
	is_int(addr_family("192.168.50.2"), ADDR_IPV4, "IPv4");
	is_int(addr_family("::ffff:192.168.50.2"), ADDR_IPV6, "IPv4-mapped text is IPv6");
	is_int(addr_family("fd00::1"), ADDR_IPV6, "IPv6");
	is_int(addr_family("192.168.50"), ADDR_NONE, "neither");
	is_int(addr_family(NULL), ADDR_NONE, "NULL: neither");
	is_int(cidr_family("fd00:1::/64"), ADDR_IPV6, "IPv6 cidr");
	is_int(cidr_family("::ffff:10.0.0.0/120"), ADDR_IPV6, "IPv4-mapped cidr");
	is_int(cidr_family("10.0.0.0/8"), ADDR_IPV4, "IPv4 cidr");

	test_ipv6();

	parse_cidr("10.1.0.0/16", &c, err, sizeof(err));
	parse_cidr("10.1.2.0/24", &d, err, sizeof(err));
	ok(cidr_overlap(&c, &d) && cidr_overlap(&d, &c), "nested cidrs overlap both ways");
	parse_cidr("10.2.0.0/16", &d, err, sizeof(err));
	ok(!cidr_overlap(&c, &d), "disjoint cidrs do not overlap");
	parse_ipv4("10.1.255.255", &a, err, sizeof(err));
	ok(cidr_contains(&c, a), "contains last address");
	parse_ipv4("10.2.0.0", &a, err, sizeof(err));
	ok(!cidr_contains(&c, a), "does not contain next block");
	is_int(ntohl(cidr_mask(24)), 0xffffff00u, "mask /24");
	is_int(cidr_mask(0), 0, "mask /0");
	return done_testing();
}
