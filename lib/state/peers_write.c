// SPDX-License-Identifier: GPL-2.0
/* peers_write.c: writing peers.json (see store.h), one peer per line, in
 * the form the fast reader knows (peers_fast.c), through jw. Every peer is checked
 * first (peer_check_fields, peers_check_set): a set that the loaders would
 * refuse is never written. */
#include <stdio.h>
#include <string.h>
#include "num.h"
#include "statefile.h"
#include "store.h"
#include "tenc.h"

/* v (0..255: an octet, a prefix length) in decimal at q, without printf
 * or a copy (5,000 peers make tens of thousands of these); returns the end. */
static char *w_u8(char *q, unsigned v)
{
	if (v >= 100)
		*q++ = (char)('0' + v / 100);
	if (v >= 10)
		*q++ = (char)('0' + v / 10 % 10);
	*q++ = (char)('0' + v % 10);
	return q;
}

/* a, in network order, as text at q; returns the end (no NUL). */
/* Each octet as text and a dot ("192."), and its length: an address is
 * four 4-byte stores (filled once, on the first save). */
static struct {
	char t[4];
	uint8_t n;
} octets[256];

static void octets_init(void)
{
	for (unsigned v = 0; v < 256; v++) {
		char *e = w_u8(octets[v].t, v);

		*e = '.';
		octets[v].n = (uint8_t)(e - octets[v].t);
	}
}

/* a, in network order, as text at q; returns the end (no NUL; the 4
 * bytes after the end may hold a dot and digits: room for them). */
static char *w_ipv4(char *q, uint32_t a)
{
	const uint8_t *o = (const uint8_t *)&a;

	for (int i = 0; i < 3; i++) {
		memcpy(q, octets[o[i]].t, 4);
		q += octets[o[i]].n + 1;
	}
	memcpy(q, octets[o[3]].t, 4);
	return q + octets[o[3]].n;
}

/* Every string here needs no escape: names are literals or checked by
 * peer_check_fields (A-Z a-z 0-9 . _ -), the rest digits, dots and hex,
 * formatted in place. */
static void peer_w(jw_t *w, const struct peer *x)
{
	char *q;

	jw_start_object(w);
	JW_NAME(w, "cidrs");
	jw_start_array(w);
	for (int k = 0; k < x->n_cidrs && k < MAX_PEER_CIDRS; k++) {
		q = w_ipv4(jw_string_begin(w, 22), x->cidrs[k].addr);
		*q++ = '/';
		jw_string_end(w, w_u8(q, x->cidrs[k].len));
	}
	jw_end_array(w);
	jw_cidrs6_field(w, "cidrs6", x->cidrs6, x->n_cidrs6);
	if (x->epoch) {
		JW_NAME(w, "epoch");
		q = jw_string_begin(w, EPOCH_TEXT_LEN);
		epoch_fmt(x->epoch, q);
		jw_string_end(w, q + EPOCH_TEXT_LEN);
	}
	JW_NAME(w, "id");
	jw_uint(w, x->id);
	JW_NAME(w, "name");
	jw_string_plain(w, x->name, strlen(x->name));
	if (x->node_ip) {
		JW_NAME(w, "node_ip");
		jw_string_end(w, w_ipv4(jw_string_begin(w, 19), x->node_ip));
	}
	jw_ipv6_field(w, "node_ip6", x->node_ip6);
	if (x->out_spi) {
		JW_NAME(w, "out_spi");
		jw_int(w, x->out_spi);
	}
	if (x->adv_spi) {
		JW_NAME(w, "spi");
		jw_int(w, x->adv_spi);
	}
	jw_end_object(w);
}

/* One peer per line, keys sorted as before:
 * {"peers": [
 * {"cidrs": [...], "cidrs6": [...], "epoch": "...", "id": N, "name": "...", "node_ip": "...",
 *  "node_ip6": "...", "out_spi": N, "spi": N},
 * (node_ip, cidrs6 and node_ip6 only when the peer has them; cidrs may be
 * empty)
 * ...
 * ]} */
int peers_save(const struct peers *p)
{
	static struct store_json f; /* 64 KiB: off the stack */
	char err[256];
	size_t bad = 0;

	for (size_t i = 0; i < p->n; i++)
		if (peer_check_fields(&p->v[i], err, sizeof(err)))
			return store_bad("peers.json", "not written: peer %zu: %s", i, err);
	if (peers_check_set(p, &bad, err, sizeof(err)))
		return store_bad("peers.json", "not written: peer %zu: %s", bad, err);
	if (!octets[0].n)
		octets_init();
	store_json_open(&f, "peers.json", JW_SPACED);
	jw_start_object(&f.w);
	jw_name(&f.w, "peers");
	jw_start_array_lines(&f.w);
	for (size_t i = 0; i < p->n; i++)
		peer_w(&f.w, &p->v[i]);
	jw_end_array(&f.w);
	jw_end_object(&f.w);
	return store_json_commit(&f);
}
