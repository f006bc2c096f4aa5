// SPDX-License-Identifier: GPL-2.0
/* peers_fast.c: the fast reader of peers.json (see peers_json.h). Why it
 * exists, measured: loading 5,000 peers through jansson's tree cost about
 * ten times this scanner, on every peer add and del (bench/native.sh);
 * it reads only what peers_write.c writes and hands anything else to
 * jansson, and test_store/fuzz_peers_json check that both agree. */
#include <string.h>
#include "names.h"
#include "num.h"
#include "peers_json.h"

struct scan {
	const char *s, *end;
};

static inline void ws(struct scan *c)
{
	while (c->s < c->end && (*c->s == ' ' || *c->s == '\n' || *c->s == '\t' || *c->s == '\r'))
		c->s++;
}

static inline bool eat(struct scan *c, char ch)
{
	ws(c);
	if (c->s < c->end && *c->s == ch) {
		c->s++;
		return true;
	}
	return false;
}

/* A string of printable ASCII without escapes: its text in place. */
static bool str(struct scan *c, const char **text, size_t *len)
{
	static bool plain[256];
	const char *b;

	if (!plain['a']) {
		for (int ch = 0x20; ch <= 0x7e; ch++)
			plain[ch] = ch != '"' && ch != '\\';
	}
	if (!eat(c, '"'))
		return false;
	for (b = c->s; c->s < c->end && plain[(unsigned char)*c->s]; c->s++)
		;
	if (c->s == c->end || *c->s != '"')
		return false;
	*text = b;
	*len = (size_t)(c->s++ - b);
	return true;
}

static inline bool is(const char *text, size_t len, const char *lit)
{
	return len == strlen(lit) && memcmp(text, lit, len) == 0;
}

/* A number of 1..3 digits, without a leading zero, at most max. */
static bool canon_num(const char **p, const char *end, unsigned max, unsigned *v)
{
	const char *b = *p;

	for (*v = 0; *p < end && **p >= '0' && **p <= '9' && *p - b < 3; (*p)++)
		*v = *v * 10 + (unsigned)(**p - '0');
	return *p > b && (*p - b == 1 || *b != '0') && *v <= max;
}

/* "A.B.C.D" or "A.B.C.D/L" in canonical form (what fmt_ipv4/fmt_cidr
 * write) into addr and len; false for any other text, which then goes to
 * the jansson reader (what *addr and *len hold is then not used). */
static bool canon_ip(const char *p, const char *end, bool with_len, uint32_t *addr, unsigned *len)
{
	uint8_t o[4];
	unsigned v;

	for (int i = 0; i < 4; i++) {
		if ((i && (p == end || *p++ != '.')) || !canon_num(&p, end, 255, &v))
			return false;
		o[i] = (uint8_t)v;
	}
	memcpy(addr, o, 4); /* network order */
	if (!with_len)
		return p == end;
	return p < end && *p++ == '/' && canon_num(&p, end, 32, len) && p == end;
}

/* An integer as JSON writes it (no leading zeros, no fraction). */
static bool integer(struct scan *c, long long *v)
{
	bool neg;
	int digits = 0;

	ws(c);
	neg = c->s < c->end && *c->s == '-';
	c->s += neg;
	if (c->s < c->end && *c->s == '0' && c->s + 1 < c->end && c->s[1] >= '0' && c->s[1] <= '9')
		return false;
	for (*v = 0; c->s < c->end && *c->s >= '0' && *c->s <= '9' && digits < 18; c->s++, digits++)
		*v = *v * 10 + (*c->s - '0');
	if (!digits || (c->s < c->end && ((*c->s >= '0' && *c->s <= '9') || *c->s == '.' ||
					  *c->s == 'e' || *c->s == 'E')))
		return false;
	if (neg)
		*v = -*v;
	return true;
}

/* The cidrs array: canonical CIDRs, host bits clear, at most 16. */
static bool fast_cidrs(struct scan *c, struct peer *x)
{
	const char *t;
	unsigned len;
	size_t n;

	if (!eat(c, '['))
		return false;
	if (eat(c, ']'))
		return true;
	do {
		struct cidr *cd = &x->cidrs[x->n_cidrs];

		if (x->n_cidrs == MAX_PEER_CIDRS || !str(c, &t, &n) || !canon_ip(t, t + n, true, &cd->addr, &len))
			return false;
		cd->len = (uint8_t)len;
		if (cd->addr & ~cidr_mask(cd->len))
			return false;
		x->n_cidrs++;
	} while (eat(c, ','));
	return eat(c, ']');
}

/* An IPv6 string (as fmt_ipv6/fmt_cidr6 write it, or any text
 * parse_cidr6 and parse_ipv6_node accept, as the jansson reader does) into
 * a NUL-terminated copy at buf. */
static bool str6(struct scan *c, char buf[64])
{
	const char *t;
	size_t n;

	if (!str(c, &t, &n) || n >= 64)
		return false;
	memcpy(buf, t, n);
	buf[n] = '\0';
	return true;
}

/* The cidrs6 array: IPv6 prefixes, at most 16. */
static bool fast_cidrs6(struct scan *c, struct peer *x)
{
	char buf[64], err[96];

	if (!eat(c, '['))
		return false;
	if (eat(c, ']'))
		return true;
	do {
		if (x->n_cidrs6 == MAX_PEER_CIDRS || !str6(c, buf) ||
		    parse_cidr6(buf, &x->cidrs6[x->n_cidrs6], err, sizeof(err)))
			return false;
		x->n_cidrs6++;
	} while (eat(c, ','));
	return eat(c, ']');
}

static bool fast_ip6(struct scan *c, struct peer *x)
{
	char buf[64], err[96];

	return str6(c, buf) && !parse_ipv6_node(buf, x->node_ip6, err, sizeof(err));
}

enum { F_NAME = 1, F_ID = 2, F_IP = 4, F_CIDRS = 8, F_SPI = 16, F_OUT = 32, F_EPOCH = 64, F_IP6 = 128,
       F_CIDRS6 = 256 };

/* One peer object; false hands the file over to jansson. */
static bool fast_peer(struct scan *c, struct peer *x)
{
	unsigned seen = 0, len;
	const char *t;
	size_t n;
	long long v;

	if (!eat(c, '{'))
		return false;
	do {
		unsigned bit;

		if (!str(c, &t, &n) || !eat(c, ':'))
			return false;
		bit = is(t, n, "name") ? F_NAME : is(t, n, "id") ? F_ID : is(t, n, "node_ip") ? F_IP :
		      is(t, n, "cidrs") ? F_CIDRS : is(t, n, "spi") ? F_SPI : is(t, n, "out_spi") ? F_OUT :
		      is(t, n, "epoch") ? F_EPOCH : is(t, n, "node_ip6") ? F_IP6 : is(t, n, "cidrs6") ? F_CIDRS6 : 0;
		if (!bit || (seen & bit))
			return false;
		seen |= bit;
		if (bit == F_NAME) {
			if (!str(c, &t, &n) || n > PEER_NAME_MAX)
				return false;
			memcpy(x->name, t, n);
			x->name[n] = '\0';
		} else if (bit == F_IP) {
			if (!str(c, &t, &n) || !canon_ip(t, t + n, false, &x->node_ip, &len))
				return false;
		} else if (bit == F_CIDRS) {
			if (!fast_cidrs(c, x))
				return false;
		} else if (bit == F_IP6 || bit == F_CIDRS6) {
			if (!(bit == F_IP6 ? fast_ip6(c, x) : fast_cidrs6(c, x)))
				return false;
		} else if (bit == F_EPOCH) {
			if (!str(c, &t, &n) || epoch_parse_n(t, n, &x->epoch))
				return false;
		} else {
			if (!integer(c, &v) || v < 0 || v > (bit == F_ID ? 65535 : 15))
				return false;
			if (bit == F_ID)
				x->id = (uint16_t)v;
			else if (bit == F_SPI)
				x->adv_spi = (int)v;
			else
				x->out_spi = (int)v;
		}
	} while (eat(c, ','));
	if ((seen & (F_NAME | F_ID | F_CIDRS)) != (F_NAME | F_ID | F_CIDRS))
		return false;
	return eat(c, '}');
}

enum pf_result peers_parse_fast(const char *text, size_t len, struct peers *p)
{
	struct scan c = { text, text + len };
	char err[128];
	const char *t;
	size_t n;

	memset(p, 0, sizeof(*p));
	if (memchr(text, '\0', len) || !eat(&c, '{') || !str(&c, &t, &n) || !is(t, n, "peers") ||
	    !eat(&c, ':') || !eat(&c, '['))
		return PF_OTHER;
	if (!eat(&c, ']')) {
		do {
			struct peer *x = peers_add(p);

			if (!x) {
				peers_free(p);
				return PF_NOMEM;
			}
			if (!fast_peer(&c, x) || peer_check_fields(x, err, sizeof(err)))
				goto other;
		} while (eat(&c, ','));
		if (!eat(&c, ']'))
			goto other;
	}
	if (!eat(&c, '}'))
		goto other;
	ws(&c);
	if (c.s == c.end)
		return PF_OK;
other:
	peers_free(p);
	return PF_OTHER;
}
