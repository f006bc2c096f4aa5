// SPDX-License-Identifier: GPL-2.0
/* fuzz_addr: parse_ipv4, parse_cidr, addr_family, cidr_family (lib/base/addr.h)
 * on the input as a C string, against references written here from
 * inet_pton and a strict decimal prefix. Invariants:
 *  - parse_ipv4 accepts exactly what inet_pton(AF_INET) accepts, with the
 *    same value; then fmt_ipv4 and parse_ipv4 give it back;
 *  - parse_cidr accepts exactly "ADDR" or "ADDR/LEN" with ADDR taken by
 *    inet_pton(AF_INET), LEN 0..32 in decimal digits without a sign, a
 *    blank or a leading zero, and no host bits set (a bare ADDR is /32),
 *    with the same value; then fmt_cidr and parse_cidr give it back;
 *  - addr_family agrees with inet_pton (IPv4 first, then IPv6); cidr_family
 *    with addr_family of the text before the first '/';
 *  - every error message is non-empty and NUL-terminated. */
#include <arpa/inet.h>
#include "addr.h"
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_init();
	return 0;
}

static enum addr_family ref_family(const char *s)
{
	struct in6_addr a6;
	struct in_addr a4;

	if (inet_pton(AF_INET, s, &a4) == 1)
		return ADDR_IPV4;
	if (inet_pton(AF_INET6, s, &a6) == 1)
		return ADDR_IPV6;
	return ADDR_NONE;
}

/* The reference CIDR parser: 0 with *out, or -1. */
static int ref_cidr(const char *s, struct cidr *out)
{
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	char *a = strndup(s, alen);
	struct in_addr in;
	unsigned len = 32;
	int ok;

	if (!a)
		abort();
	ok = inet_pton(AF_INET, a, &in) == 1;
	free(a);
	if (!ok)
		return -1;
	if (slash) {
		const char *p = slash + 1;
		size_t n = strlen(p);

		if (n == 0 || n > 2 || strspn(p, "0123456789") != n || (n > 1 && p[0] == '0'))
			return -1;
		len = (unsigned)atoi(p);
		if (len > 32)
			return -1;
	}
	if (in.s_addr & ~cidr_mask((uint8_t)len))
		return -1;
	out->addr = in.s_addr;
	out->len = (uint8_t)len;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size), err[256], buf[64], buf2[64];
	struct cidr c, c2, rc;
	struct in_addr in;
	uint32_t a, a2;
	int r, rr;
	enum addr_family f, rf;

	/* parse_ipv4 */
	fuzz_err_fill(err, sizeof(err));
	r = parse_ipv4(s, &a, err, sizeof(err));
	rr = inet_pton(AF_INET, s, &in) == 1 ? 0 : -1;
	FUZZ_CHECK(r == rr, "parse_ipv4 %s what inet_pton %s", r ? "refuses" : "accepts",
		   rr ? "refuses" : "accepts");
	if (r) {
		FUZZ_CHECK_ERR(err, sizeof(err), "parse_ipv4");
	} else {
		FUZZ_CHECK(a == in.s_addr, "parse_ipv4 and inet_pton differ: %08x %08x", a, in.s_addr);
		fmt_ipv4(a, buf, sizeof(buf));
		FUZZ_CHECK(parse_ipv4(buf, &a2, err, sizeof(err)) == 0 && a2 == a,
			   "fmt_ipv4 '%s' does not parse back", buf);
		fmt_ipv4(a2, buf2, sizeof(buf2));
		FUZZ_CHECK(!strcmp(buf, buf2), "fmt_ipv4 not canonical: '%s' '%s'", buf, buf2);
	}

	/* parse_cidr */
	fuzz_err_fill(err, sizeof(err));
	memset(&c, 0, sizeof(c));
	r = parse_cidr(s, &c, err, sizeof(err));
	rr = ref_cidr(s, &rc);
	FUZZ_CHECK(!(r == 0 && rr != 0), "parse_cidr accepts what inet_pton + a strict prefix refuse (%s)",
		   fmt_cidr(&c, buf, sizeof(buf)));
	FUZZ_CHECK(!(r != 0 && rr == 0), "parse_cidr refuses a valid CIDR (%s): %s",
		   fmt_cidr(&rc, buf, sizeof(buf)), err);
	if (r) {
		FUZZ_CHECK_ERR(err, sizeof(err), "parse_cidr");
	} else {
		FUZZ_CHECK(c.addr == rc.addr && c.len == rc.len, "parse_cidr and the reference differ");
		fmt_cidr(&c, buf, sizeof(buf));
		fuzz_err_fill(err, sizeof(err));
		FUZZ_CHECK(parse_cidr(buf, &c2, err, sizeof(err)) == 0, "fmt_cidr '%s' does not parse: %s", buf, err);
		FUZZ_CHECK(c2.addr == c.addr && c2.len == c.len, "fmt_cidr '%s' parses as another cidr", buf);
		fmt_cidr(&c2, buf2, sizeof(buf2));
		FUZZ_CHECK(!strcmp(buf, buf2), "fmt_cidr not canonical: '%s' '%s'", buf, buf2);
		FUZZ_CHECK(cidr_contains(&c, c.addr), "a cidr does not contain its own address");
		FUZZ_CHECK(cidr_overlap(&c, &c2), "a cidr does not overlap itself");
	}

	/* addr_family, cidr_family */
	f = addr_family(s);
	rf = ref_family(s);
	FUZZ_CHECK(f == rf, "addr_family %d, inet_pton says %d", f, rf);
	{
		char *head = strndup(s, strcspn(s, "/"));

		if (!head)
			abort();
		rf = ref_family(head);
		f = cidr_family(s);
		FUZZ_CHECK(f == rf, "cidr_family %d, inet_pton of '%.60s' says %d", f, head, rf);
		free(head);
	}
	free(s);
	return 0;
}
