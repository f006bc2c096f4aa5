// SPDX-License-Identifier: GPL-2.0
/* names.c: peer and interface names (see names.h). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "names.h"

bool peer_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > PEER_NAME_MAX || s[0] == '-')
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

/* Length of the UTF-8 sequence at s (shortest form, no surrogates), or 0. */
static size_t utf8_len(const unsigned char *s)
{
	uint32_t cp;
	size_t n;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

int ifname_check(const char *s, char *err, size_t n)
{
	size_t len = strlen(s);

	if (len == 0)
		return snprintf(err, n, "empty interface name"), -1;
	if (len > IFNAME_MAX)
		return snprintf(err, n, "interface name of %zu bytes: at most %d", len, IFNAME_MAX), -1;
	if (!strcmp(s, ".") || !strcmp(s, "..") || strpbrk(s, "/: \t\n\r\v\f"))
		return snprintf(err, n, "not an interface name (no '/', ':' or blanks)"), -1;
	for (size_t i = 0, k; i < len; i += k)
		if (!(k = utf8_len((const unsigned char *)s + i)) || (unsigned char)s[i] < 0x20)
			return snprintf(err, n, "interface name is not printable UTF-8"), -1;
	return 0;
}
