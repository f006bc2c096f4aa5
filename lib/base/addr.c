// SPDX-License-Identifier: GPL-2.0
/* addr.c: IPv4 and CIDR parsing (see addr.h). */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "addr.h"
#include "num.h"

uint32_t cidr_mask(uint8_t len)
{
	return len == 0 ? 0 : htonl(0xffffffffu << (32 - len));
}

int parse_ipv4(const char *s, uint32_t *out, char *err, size_t n)
{
	struct in_addr a;

	if (!s || inet_pton(AF_INET, s, &a) != 1) {
		snprintf(err, n, "'%s' is not an IPv4 address", s ? s : "");
		return -1;
	}
	*out = a.s_addr;
	return 0;
}

/* Split "ADDR/LEN" (or a bare ADDR: LEN max) into buf (64 bytes) and
 * *len, LEN 0..max in num_parse form. 0, or -1 with err (what names the
 * form: "a CIDR", "an IPv6 CIDR"). */
static int split_prefix(const char *s, const char *what, unsigned long max, char *buf,
			unsigned long *len, char *err, size_t n)
{
	char *slash;

	if (!s || strlen(s) >= 64)
		return snprintf(err, n, "'%.40s' is not %s", s ? s : "", what), -1;
	strcpy(buf, s);
	*len = max;
	slash = strchr(buf, '/');
	if (slash) {
		*slash = '\0';
		if (num_parse(slash + 1, 0, max, len))
			return snprintf(err, n, "'%s': prefix length must be 0..%lu", s, max), -1;
	}
	return 0;
}

int parse_cidr(const char *s, struct cidr *out, char *err, size_t n)
{
	char buf[64];
	unsigned long len;

	if (split_prefix(s, "a CIDR", 32, buf, &len, err, n))
		return -1;
	if (parse_ipv4(buf, &out->addr, err, n)) {
		snprintf(err, n, "'%s' is not a CIDR", s);
		return -1;
	}
	out->len = (uint8_t)len;
	if (out->addr & ~cidr_mask(out->len)) {
		snprintf(err, n, "'%s': host bits set", s);
		return -1;
	}
	return 0;
}

enum addr_family addr_family(const char *s)
{
	struct in6_addr a6;
	struct in_addr a4;

	if (s && inet_pton(AF_INET, s, &a4) == 1)
		return ADDR_IPV4;
	if (s && inet_pton(AF_INET6, s, &a6) == 1)
		return ADDR_IPV6;
	return ADDR_NONE;
}

enum addr_family cidr_family(const char *s)
{
	char buf[64];
	size_t n = s ? strcspn(s, "/") : 0;

	if (!s || n >= sizeof(buf))
		return ADDR_NONE;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return addr_family(buf);
}

const char *fmt_ipv4(uint32_t a, char *buf, size_t n)
{
	struct in_addr in = { .s_addr = a };

	return inet_ntop(AF_INET, &in, buf, (socklen_t)n) ? buf : "?";
}

const char *fmt_node_ips(uint32_t ip4, const uint8_t ip6[16], char *buf, size_t n)
{
	char a[32], b[48];

	snprintf(buf, n, "%s%s%s", ip4 ? fmt_ipv4(ip4, a, sizeof(a)) : "", ip4 && !ipv6_is_zero(ip6) ? "," : "",
		 ipv6_is_zero(ip6) ? "" : fmt_ipv6(ip6, b, sizeof(b)));
	return buf;
}

const char *fmt_cidr(const struct cidr *c, char *buf, size_t n)
{
	char a[INET_ADDRSTRLEN];

	snprintf(buf, n, "%s/%u", fmt_ipv4(c->addr, a, sizeof(a)), c->len);
	return buf;
}

bool cidr_contains(const struct cidr *c, uint32_t addr)
{
	return (addr & cidr_mask(c->len)) == c->addr;
}

bool cidr_overlap(const struct cidr *a, const struct cidr *b)
{
	uint8_t l = a->len < b->len ? a->len : b->len;

	return (a->addr & cidr_mask(l)) == (b->addr & cidr_mask(l));
}

uint16_t ip_csum(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint32_t s = 0;

	for (; n > 1; n -= 2, b += 2)
		s += (uint32_t)(b[0] | b[1] << 8);
	if (n)
		s += b[0];
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* Does a have no bit set past the first len? */
static bool ipv6_host_zero(const uint8_t a[16], unsigned len)
{
	for (unsigned i = len; i < 128; i++)
		if (a[i / 8] & (0x80 >> (i % 8)))
			return false;
	return true;
}

/* Do a and b agree on their first len bits? */
static bool ipv6_prefix_eq(const uint8_t a[16], const uint8_t b[16], unsigned len)
{
	unsigned whole = len / 8, rest = len % 8;
	uint8_t m = (uint8_t)(0xff << (8 - rest));

	return !memcmp(a, b, whole) && (!rest || !((a[whole] ^ b[whole]) & m));
}

static const uint8_t v4mapped[16] = { [10] = 0xff, [11] = 0xff };

bool ipv6_is_zero(const uint8_t a[16])
{
	return ipv6_host_zero(a, 0);
}

int parse_cidr6(const char *s, struct cidr6 *out, char *err, size_t n)
{
	char buf[64];
	unsigned long len;

	if (split_prefix(s, "an IPv6 CIDR", 128, buf, &len, err, n))
		return -1;
	if (inet_pton(AF_INET6, buf, out->addr) != 1)
		return snprintf(err, n, "'%s' is not an IPv6 CIDR", s), -1;
	out->len = (uint8_t)len;
	if (!ipv6_host_zero(out->addr, out->len))
		return snprintf(err, n, "'%s': host bits set", s), -1;
	if (out->len >= 96 && ipv6_prefix_eq(out->addr, v4mapped, 96))
		return snprintf(err, n, "'%s': an IPv4-mapped prefix (::ffff:0:0/96); give the IPv4 form", s),
		       -1;
	return 0;
}

int parse_ipv6_node(const char *s, uint8_t out[16], char *err, size_t n)
{
	static const uint8_t loop[16] = { [15] = 1 };

	if (!s || inet_pton(AF_INET6, s, out) != 1)
		return snprintf(err, n, "'%s' is not an IPv6 address", s ? s : ""), -1;
	if (ipv6_is_zero(out))
		return snprintf(err, n, "'%s' is the unspecified address", s), -1;
	if (!memcmp(out, loop, 16))
		return snprintf(err, n, "'%s' is the loopback address", s), -1;
	if (ipv6_prefix_eq(out, v4mapped, 96))
		return snprintf(err, n, "'%s' is IPv4-mapped; give the IPv4 address", s), -1;
	if (out[0] == 0xfe && (out[1] & 0xc0) == 0x80)
		return snprintf(err, n, "'%s' is link-local (fe80::/10), never routed between nodes", s), -1;
	if (out[0] == 0xff)
		return snprintf(err, n, "'%s' is a multicast address", s), -1;
	return 0;
}

const char *fmt_ipv6(const uint8_t a[16], char *buf, size_t n)
{
	return inet_ntop(AF_INET6, a, buf, (socklen_t)n) ? buf : "?";
}

const char *fmt_cidr6(const struct cidr6 *c, char *buf, size_t n)
{
	char a[INET6_ADDRSTRLEN];

	snprintf(buf, n, "%s/%u", fmt_ipv6(c->addr, a, sizeof(a)), c->len);
	return buf;
}

bool cidr6_contains(const struct cidr6 *c, const uint8_t a[16])
{
	return ipv6_prefix_eq(c->addr, a, c->len);
}

bool cidr6_overlap(const struct cidr6 *a, const struct cidr6 *b)
{
	return ipv6_prefix_eq(a->addr, b->addr, a->len < b->len ? a->len : b->len);
}

int cidr6_cmp(const struct cidr6 *a, const struct cidr6 *b)
{
	int c = memcmp(a->addr, b->addr, 16);

	return c ? c : (int)a->len - (int)b->len;
}

int parse_prefix(const char *s, struct prefix *out, char *err, size_t n)
{
	struct cidr c4;

	memset(out, 0, sizeof(*out));
	if (cidr_family(s) == ADDR_IPV6) {
		out->family = AF_INET6;
		return parse_cidr6(s, &out->c, err, n);
	}
	if (parse_cidr(s, &c4, err, n))
		return -1;
	*out = prefix4(&c4);
	return 0;
}

const char *fmt_prefix(const struct prefix *p, char *buf, size_t n)
{
	struct cidr c4 = prefix_cidr4(p);

	return p->family == AF_INET6 ? fmt_cidr6(&p->c, buf, n) : fmt_cidr(&c4, buf, n);
}

struct prefix prefix4(const struct cidr *c)
{
	struct prefix p = { .family = AF_INET, .c = { .len = c->len } };

	memcpy(p.c.addr, &c->addr, 4);
	return p;
}

struct prefix prefix6(const struct cidr6 *c)
{
	return (struct prefix){ .family = AF_INET6, .c = *c };
}

struct cidr prefix_cidr4(const struct prefix *p)
{
	struct cidr c = { .len = p->c.len };

	memcpy(&c.addr, p->c.addr, 4);
	return c;
}
