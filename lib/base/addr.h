/* SPDX-License-Identifier: GPL-2.0 */
/* addr: strict IPv4 and IPv6 address and CIDR parsing and formatting. A
 * CIDR with host bits set is refused (10.1.0.1/24, fd00::1/64), so what
 * tenc stores is canonical. IPv6 text is formatted as inet_ntop does
 * (RFC 5952). */
#ifndef TENC_ADDR_H
#define TENC_ADDR_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cidr {
	uint32_t addr;	/* network order */
	uint8_t len;
};

/* 0, or -1 with err saying what is wrong (without the field name). */
int parse_ipv4(const char *s, uint32_t *out, char *err, size_t n);
/* "A.B.C.D/L"; a bare address is a /32; L is 0..32 in num_parse form. */
int parse_cidr(const char *s, struct cidr *out, char *err, size_t n);
/* What an address text is, parsed (never guessed from its characters):
 * an IPv4 address, an IPv6 one (an IPv4-mapped "::ffff:a.b.c.d" is IPv6
 * text), or neither. */
enum addr_family { ADDR_NONE, ADDR_IPV4, ADDR_IPV6 };
enum addr_family addr_family(const char *s);
/* The same for the address part of "ADDR/LEN" (or a bare address). */
enum addr_family cidr_family(const char *s);
/* An IPv6 prefix: 16 bytes in network order, host bits zero. */
struct cidr6 {
	uint8_t addr[16];
	uint8_t len;
};
/* "ADDR/L" of IPv6 text; a bare address is a /128; L is 0..128. Refused
 * like the IPv4 form, and an IPv4-mapped prefix (::ffff:0:0/96 and
 * within): tenc never carries IPv4 inside IPv6 addresses. */
int parse_cidr6(const char *s, struct cidr6 *out, char *err, size_t n);
/* An IPv6 address a node can be reached at between nodes: global or
 * unique-local unicast. Refused, each saying why: not IPv6 text, the
 * unspecified address, loopback, IPv4-mapped, link-local (fe80::/10, which
 * needs an interface and is never routed) and multicast. */
int parse_ipv6_node(const char *s, uint8_t out[16], char *err, size_t n);
bool ipv6_is_zero(const uint8_t a[16]);
const char *fmt_ipv6(const uint8_t a[16], char *buf, size_t n);
const char *fmt_cidr6(const struct cidr6 *c, char *buf, size_t n);
bool cidr6_overlap(const struct cidr6 *a, const struct cidr6 *b);
bool cidr6_contains(const struct cidr6 *c, const uint8_t a[16]);
/* Order of prefixes by address, then length: sorts equal sets equal. */
int cidr6_cmp(const struct cidr6 *a, const struct cidr6 *b);
/* A prefix of either family (a subnet): IPv4's address in the first 4
 * bytes of c.addr, the rest zero, len 0..32; the cidr6 functions compare
 * bits, so cidr6_overlap and cidr6_cmp hold for two of one family. */
struct prefix {
	uint8_t family;		/* AF_INET, AF_INET6 */
	struct cidr6 c;
};
/* Either family's CIDR text (parse_cidr or parse_cidr6, by its address). */
int parse_prefix(const char *s, struct prefix *out, char *err, size_t n);
const char *fmt_prefix(const struct prefix *p, char *buf, size_t n);
struct prefix prefix4(const struct cidr *c);
struct prefix prefix6(const struct cidr6 *c);
/* IPv4 prefix p as a struct cidr. */
struct cidr prefix_cidr4(const struct prefix *p);
const char *fmt_ipv4(uint32_t a, char *buf, size_t n);
/* A node's or peer's node ips as text: "IPV4", "IPV4,IPV6" or "IPV6"
 * (an absent one left out: 0, all zero); buf of 64 bytes holds any. */
const char *fmt_node_ips(uint32_t ip4, const uint8_t ip6[16], char *buf, size_t n);
const char *fmt_cidr(const struct cidr *c, char *buf, size_t n);
/* The IPv4 header checksum (RFC 1071) of n bytes at p. */
uint16_t ip_csum(const void *p, size_t n);
bool cidr_overlap(const struct cidr *a, const struct cidr *b);
bool cidr_contains(const struct cidr *c, uint32_t addr);
uint32_t cidr_mask(uint8_t len); /* network order */

#endif
