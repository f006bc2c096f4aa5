// SPDX-License-Identifier: GPL-2.0
/* keyring.c: keys.json (mode 0600), read strictly and written (see
 * store.h; what the keys are for: model/ring.c). Key material is wiped
 * from memory once written or dropped. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include "store.h"
#include "statefile.h"
#include "tenc.h"

/* Entry v into r->v[r->n]: 0, or -1 with err. */
static int key_entry(json_t *v, struct keyring *r, char *err, size_t n)
{
	const char *line = NULL, *st = NULL;
	long long spi = 0;
	char msg[160];
	int s;

	if (!json_is_object(v))
		return snprintf(err, n, "not an object"), -1;
	if (sf_str(v, "line", true, &line, err, n) || sf_str(v, "state", true, &st, err, n) ||
	    sf_int(v, "spi", true, 1, 15, &spi, err, n))
		return -1;
	for (s = KEY_CURRENT; s <= KEY_RETIRING; s++)
		if (!strcmp(st, key_state_str((enum key_state)s)))
			break;
	if (s > KEY_RETIRING)
		return snprintf(err, n, "state: expected current, pending or retiring"), -1;
	if (key_parse_line(line, &r->v[r->n].k, msg, sizeof(msg)))
		return snprintf(err, n, "line: %s", msg), -1;
	if (r->v[r->n].k.spi != spi)
		return snprintf(err, n, "spi: %lld, but the key line's is %d", spi, r->v[r->n].k.spi), -1;
	if (keys_spi(r, (enum key_state)s))
		return snprintf(err, n, "state: a second %s key (spi %d is %s)", st,
				keys_spi(r, (enum key_state)s), st), -1;
	for (int i = 0; i < r->n; i++)
		if (r->v[i].k.spi == spi)
			return snprintf(err, n, "spi: %lld appears twice", spi), -1;
	r->v[r->n++].state = (enum key_state)s;
	return 0;
}

static int parse_ring(json_t *j, struct keyring *r, char *err, size_t n)
{
	json_t *a = json_object_get(j, "keys"), *v;
	char why[224];
	size_t i;

	if (!json_is_object(j) || !json_is_array(a))
		return snprintf(err, n, "expected {\"keys\": [...]}"), -1;
	if (json_array_size(a) > 15)
		return snprintf(err, n, "%zu keys, at most 15 (one per SPI)", json_array_size(a)), -1;
	json_array_foreach(a, i, v)
		if (key_entry(v, r, why, sizeof(why)))
			return snprintf(err, n, "entry %zu: %s", i, why), -1;
	if (r->n && !keys_spi(r, KEY_CURRENT))
		return snprintf(err, n, "a %s key without a current one",
				keys_spi(r, KEY_PENDING) ? "pending" : "retiring"), -1;
	return 0;
}

int keys_parse(const char *text, size_t len, struct keyring *r, char *err, size_t n)
{
	json_error_t je;
	char why_[160];
	json_t *j;
	int ret;

	memset(r, 0, sizeof(*r));
	if (!(j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je)))
		return snprintf(err, n, "line %s", json_error_str(&je, true, why_, sizeof(why_))), -1;
	ret = parse_ring(j, r, err, n);
	json_decref(j);
	if (ret)
		keys_wipe(r);
	return ret;
}

int keys_load(struct keyring *r)
{
	char err[256];
	json_t *j;
	int ret;

	memset(r, 0, sizeof(*r));
	if (!(j = store_json_load("keys.json", &ret)))
		return ret == -ENOENT ? 0 : ret;
	ret = parse_ring(j, r, err, sizeof(err));
	json_decref(j); /* jansson frees the key text; the json objects held it briefly */
	if (ret) {
		keys_wipe(r);
		return store_bad("keys.json", "%s", err);
	}
	return 0;
}

int keys_save(const struct keyring *r)
{
	struct store_json s;
	char line[512];

	store_json_open(&s, "keys.json", JW_PRETTY);
	jw_start_object(&s.w);
	jw_name(&s.w, "keys");
	jw_start_array(&s.w);
	for (int i = 0; i < r->n; i++) {
		key_format_line(&r->v[i].k, line, sizeof(line));
		jw_start_object(&s.w);
		jw_string_field(&s.w, "line", line);
		jw_int_field(&s.w, "spi", r->v[i].k.spi);
		jw_string_field(&s.w, "state", key_state_str(r->v[i].state));
		jw_end_object(&s.w);
		OPENSSL_cleanse(line, sizeof(line));
	}
	jw_end_array(&s.w);
	jw_end_object(&s.w);
	return store_json_commit(&s); /* wipes the buffer the lines went through */
}
