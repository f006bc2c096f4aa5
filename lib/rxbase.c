// SPDX-License-Identifier: GPL-2.0
/* rxbase.c: rx.json, the IN SA counters at the last converge (rxbase.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "rxbase.h"
#include "state.h"
#include "statefile.h"
#include "tenc.h"

void rxbase_save(const struct plan *have)
{
	json_t *j = json_object(), *a = json_array();
	char ip[32];

	if (!state_locked())
		goto out; /* not a writer (a test tool): nothing to save */
	for (size_t i = 0; a && i < have->n_sas; i++) {
		const struct xsa *s = &have->sas[i];

		if (!s->mark) /* IN SAs are told apart by their mark */
			continue;
		json_array_append_new(a, json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I}", "src",
						   fmt_ipv4(s->src, ip, sizeof(ip)), "spi", (json_int_t)s->spi,
						   "mark", (json_int_t)s->mark, "add_time", (json_int_t)s->add_time,
						   "packets", (json_int_t)s->packets, "integrity",
						   (json_int_t)s->integrity_errors, "replay",
						   (json_int_t)s->replay_errors));
	}
	if (j && a && !json_object_set(j, "sas", a))
		store_json_save("rx.json", j);
out:
	json_decref(a);
	json_decref(j);
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
			char e[64];

			if (sf_ipv4(v, "src", &r->src, e, sizeof(e)))
				continue;
			r->spi = (uint32_t)json_integer_value(json_object_get(v, "spi"));
			r->mark = (uint32_t)json_integer_value(json_object_get(v, "mark"));
			r->add_time = (uint64_t)json_integer_value(json_object_get(v, "add_time"));
			r->packets = (uint64_t)json_integer_value(json_object_get(v, "packets"));
			r->integrity = (uint64_t)json_integer_value(json_object_get(v, "integrity"));
			r->replay = (uint64_t)json_integer_value(json_object_get(v, "replay"));
			b->n++;
		}
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

	for (size_t i = 0; i < b->n; i++) {
		const struct rx_sa *r = &b->v[i];

		if (r->src == s->src && r->spi == s->spi && r->mark == s->mark && r->add_time == s->add_time)
			return now > r->integrity + r->replay ? now - r->integrity - r->replay : 0;
	}
	return now;
}
