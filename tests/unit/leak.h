/* SPDX-License-Identifier: GPL-2.0 */
/* leak.h: the invariant that no message shows key text, for the unit
 * tests and the fuzz targets. A message leaks when it holds any 6
 * consecutive hex digits of the input line, once the algorithm names
 * (which hold "fc4106") are blanked out of both. */
#ifndef TENC_TEST_LEAK_H
#define TENC_TEST_LEAK_H
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static void leak_blank_algos(char *s)
{
	static const char *const names[] = { "rfc4106(gcm(aes))", "hmac(sha1)", "hmac(sha256)",
					     "hmac(sha512)", "cbc(aes)" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		for (char *p = s; (p = strstr(p, names[i]));)
			memset(p, ' ', strlen(names[i]));
}

static bool leak_is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Does msg show 6 hex digits in a row of line[0..len)? */
static bool leaks_key_text(const char *line, size_t len, const char *msg)
{
	char *l = malloc(len + 1), *m = strdup(msg), w[7];
	bool leak = false;

	if (!l || !m) {
		free(l);
		free(m);
		return false;
	}
	memcpy(l, line, len);
	l[len] = '\0';
	for (size_t i = 0; i < len; i++)
		if (!l[i])
			l[i] = ' ';
	leak_blank_algos(l);
	leak_blank_algos(m);
	for (size_t i = 0; !leak && i + 6 <= len; i++) {
		size_t k = 0;

		while (k < 6 && leak_is_hex(l[i + k]))
			k++;
		if (k < 6)
			continue;
		memcpy(w, l + i, 6);
		w[6] = '\0';
		leak = strcasestr(m, w) != NULL;
	}
	free(l);
	free(m);
	return leak;
}

#endif
