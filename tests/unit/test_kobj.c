// SPDX-License-Identifier: GPL-2.0
/* test_kobj.c: kobj.h's address type (KADDR) and its helpers: a zeroed or
 * IPv4-only object is IPv4, the IPv4 view is the first 4 bytes of the
 * IPv6 one, comparisons read only the bytes of the family. */
#include <stddef.h>
#include <arpa/inet.h>
#include "kobj.h"
#include "tap.h"

int main(void)
{
	struct xsa sa = { .dst = htonl(0x0a000001) };
	struct xpol a = { 0 }, b = { 0 };
	struct rroute r = { 0 };

	is_int(kfam(sa.family), AF_INET, "an SA that names only IPv4 fields is IPv4 (outer)");
	is_int(kfam(sa.sel_family), AF_INET, "and so is its selector (inner)");
	is_int(kfam(r.family), AF_INET, "a zeroed route is IPv4");
	is_int(kaddr_len(0), 4, "IPv4 addresses take 4 bytes");
	is_int(kaddr_len(AF_INET6), 16, "IPv6 addresses 16");
	ok(sa.dst6[0] == 10 && sa.dst6[3] == 1, "the IPv4 view is the first bytes of the IPv6 one");
	is_int(offsetof(struct xsa, dst6), offsetof(struct xsa, dst), "one storage for both views");

	a.sel_dst = b.sel_dst = htonl(0x0a010200);
	a.sel_dst6[4] = 0xff;	/* not part of an IPv4 address */
	ok(kaddr_eq(a.sel_family, a.sel_dst6, b.sel_dst6), "IPv4: bytes 4..15 do not count");
	ok(!kaddr_eq(AF_INET6, a.sel_dst6, b.sel_dst6), "IPv6: all 16 bytes do");
	b.sel_dst = htonl(0x0a010300);
	is_int(kaddr_cmp(0, a.sel_dst6, b.sel_dst6), a.sel_dst < b.sel_dst ? -1 : 1,
	       "IPv4 order is the uint32_t's, as the IPv4 fields compared before");
	inet_pton(AF_INET6, "fd00::1", a.sel_dst6);
	inet_pton(AF_INET6, "fd00::2", b.sel_dst6);
	is_int(kaddr_cmp(AF_INET6, a.sel_dst6, b.sel_dst6), -1, "IPv6 order is the bytes'");
	is_int(kaddr_cmp(AF_INET6, b.sel_dst6, b.sel_dst6), 0, "an IPv6 address equals itself");
	{
		char t[KADDR_STRLEN];

		is_str(kaddr_str(AF_INET6, a.sel_dst6, t, sizeof(t)), "fd00::1", "an IPv6 address's text");
		memset(a.sel_dst6, 0xee, 16);
		a.sel_dst = htonl(0x0a010203);
		is_str(kaddr_str(0, a.sel_dst6, t, sizeof(t)), "10.1.2.3", "an IPv4 one's, bytes 4..15 aside");
		memset(a.sel_dst6, 0xff, 16);
		is_str(kaddr_str(AF_INET6, a.sel_dst6, t, sizeof(t)), "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
		       "the longest IPv6 text fits KADDR_STRLEN");
	}
	return done_testing();
}
