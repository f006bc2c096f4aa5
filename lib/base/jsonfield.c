// SPDX-License-Identifier: GPL-2.0
/* jsonfield.c: strict JSON fields (see jsonfield.h). */
#include <stdio.h>
#include <string.h>
#include "jsonfield.h"

/* The field, or NULL: then 0 when it may be missing, else -1. */
static json_t *field(json_t *o, const char *key, bool required, int *r, char *err, size_t n)
{
	json_t *v = json_object_get(o, key);

	*r = 0;
	if (!v && required)
		*r = -1, snprintf(err, n, "%s: missing", key);
	return v;
}

int sf_str(json_t *o, const char *key, bool required, const char **out, char *err, size_t n)
{
	int r;
	json_t *v = field(o, key, required, &r, err, n);

	if (!v)
		return r;
	if (!json_is_string(v))
		return snprintf(err, n, "%s: not a string", key), -1;
	*out = json_string_value(v);
	if (strlen(*out) != json_string_length(v))
		return snprintf(err, n, "%s: holds a NUL byte", key), -1;
	return 0;
}

int sf_int(json_t *o, const char *key, bool required, long long min, long long max, long long *out,
	   char *err, size_t n)
{
	int r;
	json_t *v = field(o, key, required, &r, err, n);

	if (!v)
		return r;
	if (!json_is_integer(v))
		return snprintf(err, n, "%s: not an integer", key), -1;
	if (json_integer_value(v) < min || json_integer_value(v) > max)
		return snprintf(err, n, "%s: %lld is out of range %lld..%lld", key,
				(long long)json_integer_value(v), min, max), -1;
	*out = json_integer_value(v);
	return 0;
}

int sf_bool(json_t *o, const char *key, bool required, bool *out, char *err, size_t n)
{
	int r;
	json_t *v = field(o, key, required, &r, err, n);

	if (!v)
		return r;
	if (!json_is_boolean(v))
		return snprintf(err, n, "%s: not true or false", key), -1;
	*out = json_is_true(v);
	return 0;
}

int sf_ipv4(json_t *o, const char *key, bool req, uint32_t *out, char *err, size_t n)
{
	const char *s = NULL;
	char why[128];

	*out = 0;
	if (sf_str(o, key, req, &s, err, n))
		return -1;
	if (s && parse_ipv4(s, out, why, sizeof(why)))
		return snprintf(err, n, "%s: %s", key, why), -1;
	return 0;
}

int sf_ipv6_node(json_t *o, const char *key, uint8_t out[16], char *err, size_t n)
{
	const char *s = NULL;
	char why[128];

	if (sf_str(o, key, false, &s, err, n) || !s)
		return s ? -1 : 0;
	if (parse_ipv6_node(s, out, why, sizeof(why)))
		return snprintf(err, n, "%s: %s", key, why), -1;
	return 0;
}

typedef int (*cidr_parse_fn)(const char *s, void *out, char *err, size_t n);

static int parse4(const char *s, void *out, char *err, size_t n)
{
	return parse_cidr(s, out, err, n);
}

static int parse6(const char *s, void *out, char *err, size_t n)
{
	return parse_cidr6(s, out, err, n);
}

/* An array of min..max CIDR strings, each parsed by fn into out's
 * elements of size sz. */
static int cidr_array(json_t *o, const char *key, int min, int max, cidr_parse_fn fn, void *out, size_t sz,
		      int *count, char *err, size_t n)
{
	json_t *a, *v;
	char why[128];
	int r;
	size_t i;

	*count = 0;
	if (!(a = field(o, key, min > 0, &r, err, n)))
		return r;
	if (!json_is_array(a))
		return snprintf(err, n, "%s: not an array", key), -1;
	if (json_array_size(a) < (size_t)min || json_array_size(a) > (size_t)max)
		return snprintf(err, n, "%s: %zu entries, expected %d..%d", key, json_array_size(a), min,
				max), -1;
	json_array_foreach(a, i, v) {
		if (!json_is_string(v))
			return snprintf(err, n, "%s[%zu]: not a string", key, i), -1;
		if (fn(json_string_value(v), (char *)out + i * sz, why, sizeof(why)))
			return snprintf(err, n, "%s[%zu]: %s", key, i, why), -1;
	}
	*count = (int)i;
	return 0;
}

int sf_cidrs(json_t *o, const char *key, int min, int max, struct cidr *out, int *count, char *err,
	     size_t n)
{
	return cidr_array(o, key, min, max, parse4, out, sizeof(*out), count, err, n);
}

int sf_cidrs6(json_t *o, const char *key, int max, struct cidr6 *out, int *count, char *err, size_t n)
{
	return cidr_array(o, key, 0, max, parse6, out, sizeof(*out), count, err, n);
}
