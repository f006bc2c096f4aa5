// SPDX-License-Identifier: GPL-2.0
/* peers_write.c: writing peers.json (see store.h), one peer per line, in
 * the form the fast reader knows (peers_fast.c). Every peer is checked
 * first (peer_check_fields, peers_check_set): a set that the loaders would
 * refuse is never written. */
#include <stdio.h>
#include <string.h>
#include "num.h"
#include "statefile.h"
#include "store.h"
#include "tenc.h"

/* Text on its way into an afile, in chunks (a 5,000-peer file is 400 KB;
 * one chunk buffer costs fewer fresh pages than holding it all). */
struct obuf {
	struct afile *f;
	size_t n;
	char p[64 * 1024];
};

/* Room for n more bytes (n <= sizeof(p)) at the returned pointer; the
 * caller then sets b->n to where it stopped. */
static char *ob_room(struct obuf *b, size_t n)
{
	if (b->n + n > sizeof(b->p)) {
		af_write(b->f, b->p, b->n);
		b->n = 0;
	}
	return b->p + b->n;
}

static inline char *w_lit(char *q, const char *s)
{
	size_t n = strlen(s);

	memcpy(q, s, n);
	return q + n;
}

/* Decimal, without printf (5,000 peers make tens of thousands of these). */
static char *w_uint(char *q, unsigned long v)
{
	char d[24], *e = d + sizeof(d), *r = e;

	do
		*--r = (char)('0' + v % 10);
	while (v /= 10);
	memcpy(q, r, (size_t)(e - r));
	return q + (e - r);
}

static char *w_int(char *q, long v)
{
	if (v < 0) {
		*q++ = '-';
		return w_uint(q, 0UL - (unsigned long)v);
	}
	return w_uint(q, (unsigned long)v);
}

static char *w_ipv4(char *q, uint32_t a)
{
	const uint8_t *o = (const uint8_t *)&a; /* network order */

	for (int i = 0; i < 4; i++) {
		if (i)
			*q++ = '.';
		q = w_uint(q, o[i]);
	}
	return q;
}

/* One peer per line, keys sorted as before:
 * {"cidrs": [...], "epoch": "...", "id": N, "name": "...", "node_ip": "...", "out_spi": N, "spi": N}
 * A line is under 1 KiB: 16 cidrs of 22 bytes, a name of 253 bytes (a
 * checked name needs no escape). */
int peers_save(const struct peers *p)
{
	static struct obuf b;
	char err[256];
	struct afile f;
	size_t bad = 0;
	char *q;

	for (size_t i = 0; i < p->n; i++)
		if (peer_check_fields(&p->v[i], err, sizeof(err)))
			return store_bad("peers.json", "not written: peer %zu: %s", i, err);
	if (peers_check_set(p, &bad, err, sizeof(err)))
		return store_bad("peers.json", "not written: peer %zu: %s", bad, err);
	af_open(&f, "peers.json");
	b.f = &f;
	b.n = 0;
	q = w_lit(ob_room(&b, 16), "{\"peers\": [");
	b.n = (size_t)(q - b.p);
	for (size_t i = 0; i < p->n; i++) {
		const struct peer *x = &p->v[i];

		q = w_lit(ob_room(&b, 1024), i ? ",\n{\"cidrs\": [" : "\n{\"cidrs\": [");
		for (int k = 0; k < x->n_cidrs && k < MAX_PEER_CIDRS; k++) {
			q = w_lit(q, k ? ", \"" : "\"");
			q = w_ipv4(q, x->cidrs[k].addr);
			*q++ = '/';
			q = w_uint(q, x->cidrs[k].len);
			*q++ = '"';
		}
		q = w_lit(q, "]");
		if (x->epoch) {
			char e[EPOCH_TEXT_LEN + 1];

			q = w_lit(w_lit(w_lit(q, ", \"epoch\": \""), epoch_fmt(x->epoch, e)), "\"");
		}
		q = w_uint(w_lit(q, ", \"id\": "), x->id);
		q = w_lit(w_lit(w_lit(q, ", \"name\": \""), x->name), "\"");
		q = w_ipv4(w_lit(q, ", \"node_ip\": \""), x->node_ip);
		*q++ = '"';
		if (x->out_spi)
			q = w_int(w_lit(q, ", \"out_spi\": "), x->out_spi);
		if (x->adv_spi)
			q = w_int(w_lit(q, ", \"spi\": "), x->adv_spi);
		*q++ = '}';
		b.n = (size_t)(q - b.p);
	}
	q = w_lit(ob_room(&b, 16), p->n ? "\n]}\n" : "]}\n");
	b.n = (size_t)(q - b.p);
	af_write(&f, b.p, b.n);
	return af_commit(&f);
}

