// SPDX-License-Identifier: GPL-2.0
/* fuzz_keyline: key_parse_line (lib/base/keys.h) on the input as a C string.
 * Invariants:
 *  - on error: the message is non-empty, NUL-terminated inside its buffer,
 *    holds no 6 hex digits in a row of the input (leak.h), and *k is
 *    zeroed; with a 16-byte buffer, nothing is written past it;
 *  - on success: key_format_line takes the key (512 bytes suffice), and
 *    parsing that line gives the identical struct (both parsed into zeroed
 *    structs, memcmp), whose line is the same text again (canonical). */
#include "fuzz.h"
#include "keys.h"
#include "leak.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_init();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = fuzz_cstr(data, size), err[256], small[16 + 64], buf[512], buf2[512];
	struct tenc_key k, k2;
	size_t len = strlen(line);
	int r;

	memset(&k, 0x5a, sizeof(k)); /* an error must zero what was there */
	fuzz_err_fill(err, sizeof(err));
	r = key_parse_line(line, &k, err, sizeof(err));
	if (r) {
		FUZZ_CHECK(r == -1, "returned %d", r);
		FUZZ_CHECK_ERR(err, sizeof(err), "key_parse_line");
		FUZZ_CHECK(!leaks_key_text(line, len, err), "the error shows key text: '%s'", err);
		FUZZ_CHECK(fuzz_all_zero(&k, sizeof(k)), "error, but *k is not zeroed");
		/* A short buffer: cut, terminated, nothing past it. */
		fuzz_err_fill(small, sizeof(small));
		FUZZ_CHECK(key_parse_line(line, &k2, small, 16) == -1, "a second parse succeeded");
		FUZZ_CHECK(memchr(small, '\0', 16) != NULL, "16-byte error buffer not terminated");
		for (size_t i = 16; i < sizeof(small); i++)
			FUZZ_CHECK(small[i] == 'X', "written past a 16-byte error buffer (byte %zu)", i);
		free(line);
		return 0;
	}
	memset(&k, 0, sizeof(k));
	FUZZ_CHECK(key_parse_line(line, &k, err, sizeof(err)) == 0, "a second parse failed");
	FUZZ_CHECK(k.spi >= 1 && k.spi <= 15, "spi %d", k.spi);
	FUZZ_CHECK(key_format_line(&k, buf, sizeof(buf)) == 0, "key_format_line refused a parsed key");
	memset(&k2, 0, sizeof(k2));
	fuzz_err_fill(err, sizeof(err));
	r = key_parse_line(buf, &k2, err, sizeof(err));
	FUZZ_CHECK(r == 0, "the formatted line does not parse: %s", err);
	FUZZ_CHECK(memcmp(&k, &k2, sizeof(k)) == 0, "format then parse is a different key "
		   "(spi %d/%d plus %d/%d aead %d/%d algo '%s'/'%s' key_len %zu/%zu icv %d/%d auth '%s'/'%s' %zu/%zu)",
		   k.spi, k2.spi, k.spi_plus, k2.spi_plus, k.aead, k2.aead, k.algo, k2.algo, k.key_len,
		   k2.key_len, k.icv_bits, k2.icv_bits, k.auth_algo, k2.auth_algo, k.auth_key_len,
		   k2.auth_key_len);
	FUZZ_CHECK(key_format_line(&k2, buf2, sizeof(buf2)) == 0 && strcmp(buf, buf2) == 0,
		   "the formatted line is not canonical");
	key_wipe(&k);
	key_wipe(&k2);
	free(line);
	return 0;
}
