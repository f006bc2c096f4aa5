// SPDX-License-Identifier: GPL-2.0
/* rxbase.c: rx.json, the IN SA counters at the last converge (rxbase.h). */
#include <errno.h>
#include <stdlib.h>
#include <arpa/inet.h>
#include <string.h>
#include "rxbase.h"
#include "state.h"
#include "statefile.h"
#include "tenc.h"

void rxbase_save(const struct plan *have)
{
	struct store_json f;
	jw_t *w = &f.w;
	char ip[KADDR_STRLEN];

	if (!state_locked())
		return; /* not a writer (a test tool): nothing to save */
	store_json_open(&f, "rx.json", JW_PRETTY);
	jw_start_object(w);
	jw_name(w, "sas");
	jw_start_array(w);
	for (size_t i = 0; i < have->n_sas; i++) {
		const struct xsa *s = &have->sas[i];

		if (!s->mark) /* IN SAs are told apart by their mark */
			continue;
		/* Sorted keys; signed, as jansson's integers are (its loader
		 * reads them back). */
		jw_start_object(w);
		jw_int_field(w, "add_time", (int64_t)s->add_time);
		jw_int_field(w, "integrity", s->integrity_errors);
		jw_int_field(w, "mark", s->mark);
		jw_int_field(w, "packets", (int64_t)s->packets);
		jw_int_field(w, "replay", s->replay_errors);
		jw_int_field(w, "spi", s->spi);
		jw_string_field(w, "src", kaddr_str(s->family, s->src6, ip, sizeof(ip)));
		jw_end_object(w);
	}
	jw_end_array(w);
	jw_end_object(w);
	store_json_commit(&f);
}

/* The base's order: by SA instance (family, src, spi, mark, add time),
 * then by place in rx.json (cmp_rx), so that the first of equal ones is
 * found first, as a scan of the file would (cmp_key: the instance only). */
static int cmp_key(const struct rx_sa *a, const struct rx_sa *b)
{
	int c = a->family != b->family ? (int)a->family - (int)b->family : memcmp(a->src, b->src, sizeof(a->src));

	if (c)
		return c;
	if (a->spi != b->spi)
		return a->spi < b->spi ? -1 : 1;
	if (a->mark != b->mark)
		return a->mark < b->mark ? -1 : 1;
	return a->add_time < b->add_time ? -1 : a->add_time > b->add_time;
}

static int cmp_rx(const void *x, const void *y)
{
	const struct rx_sa *a = x, *b = y;
	int c = cmp_key(a, b);

	return c ? c : a->pos < b->pos ? -1 : a->pos > b->pos;
}

void rxbase_load(struct rxbase *b)
{
	json_t *j, *a, *v;
	size_t i;
	int err;

	memset(b, 0, sizeof(*b));
	if (!(j = store_json_load("rx.json", &err)))
		return;
	a = json_object_get(j, "sas");
	if (json_is_array(a) && (b->v = calloc(json_array_size(a) + 1, sizeof(*b->v)))) {
		json_array_foreach(a, i, v) {
			struct rx_sa *r = &b->v[b->n];
			const char *src = json_string_value(json_object_get(v, "src"));

			memset(r, 0, sizeof(*r));
			r->family = src && strchr(src, ':') ? AF_INET6 : AF_INET;
			if (!src || inet_pton(r->family, src, r->src) != 1)
				continue;
			r->spi = (uint32_t)json_integer_value(json_object_get(v, "spi"));
			r->mark = (uint32_t)json_integer_value(json_object_get(v, "mark"));
			r->add_time = (uint64_t)json_integer_value(json_object_get(v, "add_time"));
			r->packets = (uint64_t)json_integer_value(json_object_get(v, "packets"));
			r->integrity = (uint64_t)json_integer_value(json_object_get(v, "integrity"));
			r->replay = (uint64_t)json_integer_value(json_object_get(v, "replay"));
			r->pos = b->n++;
		}
		qsort(b->v, b->n, sizeof(*b->v), cmp_rx);
	}
	json_decref(j);
}

void rxbase_free(struct rxbase *b)
{
	free(b->v);
	memset(b, 0, sizeof(*b));
}

uint64_t rxbase_refused_since(const struct rxbase *b, const struct xsa *s)
{
	uint64_t now = (uint64_t)s->integrity_errors + s->replay_errors;
	struct rx_sa k = { .family = (uint8_t)kfam(s->family), .spi = s->spi, .mark = s->mark, .add_time = s->add_time };
	size_t lo = 0, hi = b->n;

	memcpy(k.src, s->src6, kaddr_len(s->family));
	while (lo < hi) { /* the first not below k */
		size_t mid = lo + (hi - lo) / 2;

		if (cmp_key(&b->v[mid], &k) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == b->n || cmp_key(&b->v[lo], &k))
		return now;
	return now > b->v[lo].integrity + b->v[lo].replay ? now - b->v[lo].integrity - b->v[lo].replay : 0;
}
