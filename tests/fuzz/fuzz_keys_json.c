// SPDX-License-Identifier: GPL-2.0
/* fuzz_keys_json: keys_parse (lib/state/store.h), keys.json's reader.
 * Invariants:
 *  - on error: a non-empty, NUL-terminated message that holds no key
 *    text: no 6 hex digits in a row of any JSON string in the input
 *    (leak.h over the input with everything outside string literals
 *    blanked, and the numbers of the input blanked in the message: a
 *    number the message echoes, like an out-of-range "spi", is not key
 *    text); and the ring wiped (all zero);
 *  - on success: the ring's invariants as keys_load states them (at most
 *    15 keys, SPIs 1..15 and unique, each state named and held by at most
 *    one key, pending or retiring only beside a current key); keys_save
 *    writes it and keys_load gives the identical ring back (memcmp).
 * It found a JSON syntax error reported with jansson's text, which quoted
 * up to 20 bytes of the input ("near '\"1 hmac(sha1) a0a1a2'"); those
 * inputs are seeds now (corpus/keys_json/leak-*). */
#include "fuzz.h"
#include "leak.h"
#include "store.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_init();
	fuzz_state_dir();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct keyring r, back;
	char err[512];
	int ret, seen[3] = { 0 };

	memset(&r, 0x5a, sizeof(r));
	fuzz_err_fill(err, sizeof(err));
	ret = keys_parse((const char *)data, size, &r, err, sizeof(err));
	if (ret) {
		char *strs = fuzz_json_strings_only(data, size), *msg = fuzz_blank_json_numbers(err, data, size);

		FUZZ_CHECK(ret == -1, "keys_parse returned %d", ret);
		FUZZ_CHECK_ERR(err, sizeof(err), "keys_parse");
		FUZZ_CHECK(!leaks_key_text(strs, size, msg), "the error shows key text: '%s'", err);
		FUZZ_CHECK(fuzz_all_zero(&r, sizeof(r)), "keys_parse failed, but the ring is not wiped");
		free(strs);
		free(msg);
		return 0;
	}
	FUZZ_CHECK(r.n >= 0 && r.n <= 15, "%d keys", r.n);
	for (int i = 0; i < r.n; i++) {
		FUZZ_CHECK(r.v[i].k.spi >= 1 && r.v[i].k.spi <= 15, "key %d: spi %d", i, r.v[i].k.spi);
		FUZZ_CHECK(r.v[i].state >= KEY_CURRENT && r.v[i].state <= KEY_RETIRING, "key %d: state %d", i,
			   r.v[i].state);
		FUZZ_CHECK(++seen[r.v[i].state] == 1, "two keys in state %s", key_state_str(r.v[i].state));
		for (int k = 0; k < i; k++)
			FUZZ_CHECK(r.v[k].k.spi != r.v[i].k.spi, "spi %d twice", r.v[i].k.spi);
	}
	FUZZ_CHECK(!r.n || seen[KEY_CURRENT], "keys without a current one");
	FUZZ_CHECK(keys_save(&r) == 0, "keys_save refused what keys_parse accepted");
	ret = keys_load(&back);
	FUZZ_CHECK(ret == 0, "keys_load refused what keys_save wrote (%d)", ret);
	FUZZ_CHECK(back.n == r.n, "saved %d keys, loaded %d", r.n, back.n);
	for (int i = 0; i < r.n; i++)
		FUZZ_CHECK(back.v[i].state == r.v[i].state &&
				   memcmp(&back.v[i].k, &r.v[i].k, sizeof(r.v[i].k)) == 0,
			   "key %d (spi %d) differs after save and load", i, r.v[i].k.spi);
	FUZZ_CHECK(memcmp(&back, &r, sizeof(r)) == 0, "the ring's bytes differ after save and load");
	keys_wipe(&r);
	keys_wipe(&back);
	return 0;
}
