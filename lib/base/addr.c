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

int parse_cidr(const char *s, struct cidr *out, char *err, size_t n)
{
	char buf[64], *slash;
	unsigned long len = 32;

	if (!s || strlen(s) >= sizeof(buf)) {
		snprintf(err, n, "'%.40s' is not a CIDR", s ? s : "");
		return -1;
	}
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash) {
		*slash = '\0';
		if (num_parse(slash + 1, 0, 32, &len)) {
			snprintf(err, n, "'%s': prefix length must be 0..32", s);
			return -1;
		}
	}
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
