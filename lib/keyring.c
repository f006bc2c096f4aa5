// SPDX-License-Identifier: GPL-2.0
/* keyring.c: keys.json (mode 0600) and the questions asked of the keys:
 * which SPI is current, pending, retiring, advertised (see store.h). Key
 * material is wiped from memory once written or dropped. */
#include <errno.h>
#include <string.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include "store.h"
#include "store_json.h"
#include "tenc.h"

int keys_load(struct keyring *r)
{
	json_t *j, *a, *v;
	size_t i;
	int err;
	char msg[160];

	memset(r, 0, sizeof(*r));
	j = store_json_load("keys.json", &err);
	if (!j)
		return err == -ENOENT ? 0 : err;
	a = json_object_get(j, "keys");
	json_array_foreach(a, i, v) {
		const char *line = json_string_value(json_object_get(v, "line"));
		const char *st = json_string_value(json_object_get(v, "state"));

		if (r->n >= (int)(sizeof(r->v) / sizeof(r->v[0])))
			break;
		if (!line || key_parse_line(line, &r->v[r->n].k, msg, sizeof(msg))) {
			json_decref(j);
			keys_wipe(r);
			return tenc_err(TENC_FAIL, "keys.json", "entry %zu: %s", i, line ? msg : "no line");
		}
		r->v[r->n].state = !st || !strcmp(st, "current") ? KEY_CURRENT
				   : !strcmp(st, "pending") ? KEY_PENDING : KEY_RETIRING;
		r->n++;
	}
	json_decref(j); /* jansson frees the key text; the json objects held it briefly */
	return 0;
}

int keys_save(const struct keyring *r)
{
	json_t *j = json_object(), *a = json_array();
	char line[512];
	int ret;

	for (int i = 0; i < r->n; i++) {
		key_format_line(&r->v[i].k, line, sizeof(line));
		json_array_append_new(a, json_pack("{s:i, s:s, s:s}", "spi", r->v[i].k.spi, "state",
						   key_state_str(r->v[i].state), "line", line));
		OPENSSL_cleanse(line, sizeof(line));
	}
	json_object_set_new(j, "keys", a);
	ret = store_json_save("keys.json", j);
	json_decref(j);
	return ret;
}

void keys_wipe(struct keyring *r)
{
	OPENSSL_cleanse(r, sizeof(*r));
}

int keys_spi(const struct keyring *r, enum key_state st)
{
	for (int i = 0; i < r->n; i++)
		if (r->v[i].state == st)
			return r->v[i].k.spi;
	return 0;
}

int keys_new_peer_out(const struct keyring *r, int adv)
{
	int old = keys_spi(r, KEY_RETIRING);

	return old && adv != keys_spi(r, KEY_CURRENT) ? old : 0;
}

int keys_advertise(const struct keyring *r)
{
	int spi = 0;

	for (int i = 0; i < r->n; i++) {
		if (r->v[i].state == KEY_PENDING)
			return r->v[i].k.spi;
		if (r->v[i].state == KEY_CURRENT)
			spi = r->v[i].k.spi;
	}
	return spi;
}

const struct tenc_key *keys_current(const struct keyring *r)
{
	for (int i = 0; i < r->n; i++)
		if (r->v[i].state == KEY_CURRENT)
			return &r->v[i].k;
	return NULL;
}
