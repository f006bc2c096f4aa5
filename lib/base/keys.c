// SPDX-License-Identifier: GPL-2.0
/* keys.c: IPsec key lines (the cilium-ipsec-keys format), key files, key
 * generation, fingerprints and the per-pair, per-direction derivation.
 * Owns everything that touches key bytes before they go to XFRM. All
 * crypto is OpenSSL libcrypto; nothing here prints or returns a key in an
 * error message, and buffers that held key text are wiped.
 *
 * Key derivation (key_derive), HKDF-SHA256 (RFC 5869, extract and expand):
 *
 *   IKM  = the configured key bytes of the component:
 *          AEAD form:     the whole rfc4106 key, 4-byte salt included;
 *          AUTH+ENC form: the auth key and the enc key are derived
 *                         separately, each from its own configured key;
 *   salt = "tenc-v1" (7 bytes) || min(src, dst) || max(src, dst)
 *          (IPv4 addresses, 4 bytes each in network byte order, ordered by
 *          their big-endian value; the same for both directions of a pair)
 *          while neither node's epoch is known (both 0); once both are:
 *          "tenc-v2" || min(src, dst) || max(src, dst) || epoch of the node
 *          with the lower address || epoch of the other (8 bytes each,
 *          big-endian), so an SA created afresh after a reboot or a
 *          re-provisioning never has the key (and nonce space) of before;
 *   info = "tenc esp " (9 bytes) || label || 0x00 || src (4 bytes) ||
 *          dst (4 bytes) || spi (1 byte), label = "aead", "auth" or "enc";
 *   IPv6 outer family (SAs between IPv6 node ips): the same with 16-byte
 *          addresses in salt and info, and the label's family named:
 *          "aead6", "auth6" or "enc6", so no key or nonce space is shared
 *          between a pair's IPv4 and IPv6 SAs;
 *   L    = the component's key length (AEAD: incl. the 4-byte salt).
 *
 * The derived key has the same SPI, algorithms, lengths and ICV. So A->B
 * and B->A differ, pairs differ, SPIs differ, and both ends of a pair
 * compute the same key for a given direction.
 *
 * Test vector (tests/unit/test_keys.c checks it; python3 snippet there):
 *   line  3+ rfc4106(gcm(aes)) 0102030405060708090a0b0c0d0e0f1011121314 128
 *   src   10.0.0.1   dst 10.0.0.2
 *   salt  74656e632d7631 0a000001 0a000002
 *   info  74656e632065737020 61656164 00 0a000001 0a000002 03
 *   out   55303f29446747cd0a3850c14150f39bbae58339   (20 bytes: AES-128 key || salt)
 *   (B->A, src 10.0.0.2 dst 10.0.0.1: eb589fed2e5158d8907cb9473462ecb25ee59ed3)
 *   with epochs: 10.0.0.1's 0102030405060708, 10.0.0.2's 1112131415161718:
 *   salt  74656e632d7632 0a000001 0a000002 0102030405060708 1112131415161718
 *   out   (A->B) V2_AB, (B->A) V2_BA: see tests/unit/test_keys.c
 *   IPv6: src fd00::1, dst fd00::2, no epochs (tests/unit/test_keys.c V6_AB):
 *   salt  74656e632d7631 fd00..01 fd00..02  (16 bytes each)
 *   info  74656e632065737020 6165616436 00 fd00..01 fd00..02 03
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include "keys.h"

#define KEY_FILE_MAX 8192	/* key files are read whole, up to this */

struct algo {
	const char *name;
	char kind;		/* 'a' AEAD, 'h' auth, 'e' enc */
	size_t lens[3];		/* accepted key lengths in bytes, 0 = none */
	const char *lens_str;
};

static const struct algo algos[] = {
	{ "rfc4106(gcm(aes))", 'a', { 20, 28, 36 }, "20, 28 or 36" },
	{ "hmac(sha1)", 'h', { 20 }, "20" },
	{ "hmac(sha256)", 'h', { 32 }, "32" },
	{ "hmac(sha512)", 'h', { 64 }, "64" },
	{ "cbc(aes)", 'e', { 16, 24, 32 }, "16, 24 or 32" },
};

struct tok {
	const char *p;
	size_t len;
};

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Drop a "0x" prefix; true if there was one. */
static bool strip_0x(struct tok *t)
{
	if (t->len <= 2 || t->p[0] != '0' || (t->p[1] != 'x' && t->p[1] != 'X'))
		return false;
	t->p += 2;
	t->len -= 2;
	return true;
}

/* A number field (spi, icv): decimal or 0x hex; -1 if not a number or huge. */
static long parse_num(struct tok t)
{
	int base = strip_0x(&t) ? 16 : 10, d;
	long v = 0;

	if (!t.len || t.len > 8)
		return -1;
	for (size_t i = 0; i < t.len; i++) {
		if ((d = hexval(t.p[i])) < 0 || d >= base)
			return -1;
		v = v * base + d;
	}
	return v;
}

/* The algorithm named t (field number pos), of kind; NULL with err set.
 * The field's text is never echoed: with a blank missing, it holds key
 * bytes ("cbc(aes)c0c1..."). */
static const struct algo *parse_algo(const struct tok *t, int pos, char kind, char *err, size_t errlen)
{
	static const char *const kinds[] = {
		"an AEAD (4-field form)",
		"an auth algorithm (5-field form: SPI AUTH KEY ENC KEY)",
		"an encryption algorithm",
	};
	const char *ks = kind == 'a' ? kinds[0] : kind == 'h' ? kinds[1] : kinds[2];

	for (size_t i = 0; i < sizeof(algos) / sizeof(algos[0]); i++) {
		const struct algo *a = &algos[i];

		if (strlen(a->name) != t->len || memcmp(a->name, t->p, t->len))
			continue;
		if (a->kind == kind)
			return a;
		snprintf(err, errlen, "algorithm (field %d): %s is not %s", pos, a->name, ks);
		return NULL;
	}
	snprintf(err, errlen, "algorithm (field %d): unknown, expected %s (the text is not shown)", pos, ks);
	return NULL;
}

/* Decode a hex key field into out, checking its length for a. */
static int parse_key(struct tok t, const struct algo *a, const char *field, uint8_t *out,
		     size_t *outlen, char *err, size_t errlen)
{
	size_t n;

	strip_0x(&t);
	n = t.len / 2;
	for (size_t i = 0; i < t.len; i++)
		if (hexval(t.p[i]) < 0)
			return snprintf(err, errlen, "%s: not hex", field), -1;
	if (t.len % 2)
		return snprintf(err, errlen, "%s: odd number of hex digits", field), -1;
	if (n != a->lens[0] && n != a->lens[1] && n != a->lens[2])
		return snprintf(err, errlen, "%s: %zu bytes, %s takes %s", field, n, a->name,
				a->lens_str), -1;
	for (size_t i = 0; i < n; i++)
		out[i] = (uint8_t)(hexval(t.p[2 * i]) << 4 | hexval(t.p[2 * i + 1]));
	*outlen = n;
	return 0;
}

#define FAIL(...) do { snprintf(err, errlen, __VA_ARGS__); goto out; } while (0)

int key_parse_line(const char *line, struct tenc_key *k, char *err, size_t errlen)
{
	const struct algo *a, *e;
	size_t len = strlen(line);
	struct tenc_key nk;
	struct tok t[5];
	int n = 0;
	long v;

	memset(&nk, 0, sizeof(nk));
	while (len && strchr(" \t\r\n", line[len - 1]))
		len--;
	for (size_t i = 0, s; i < len; n++) { /* line[len - 1] is not a space */
		s = i + strspn(line + i, " \t\r\n");
		i = s + strcspn(line + s, " \t\r\n");
		if (n < 5)
			t[n] = (struct tok){ line + s, i - s };
	}
	if (n != 4 && n != 5)
		FAIL("line: expected 4 or 5 fields, got %d", n);

	if (t[0].p[t[0].len - 1] == '+') {
		nk.spi_plus = true;
		t[0].len--;
	}
	v = parse_num(t[0]);
	if (v < 0)
		FAIL("spi (field 1): not a number, expected 1..15");
	if (v < 1 || v > 15) /* the value is not shown: it could be key text */
		FAIL("spi (field 1): out of range 1..15");
	nk.spi = (int)v;

	if (!(a = parse_algo(&t[1], 2, n == 4 ? 'a' : 'h', err, errlen)))
		goto out;
	if (n == 4) {
		if (parse_key(t[2], a, "key (field 3)", nk.key, &nk.key_len, err, errlen))
			goto out;
		v = parse_num(t[3]);
		if (v != 64 && v != 96 && v != 128)
			FAIL("icv (field 4): expected 64, 96 or 128 bits");
		nk.aead = true;
		nk.icv_bits = (int)v;
	} else {
		if (!(e = parse_algo(&t[3], 4, 'e', err, errlen)) ||
		    parse_key(t[2], a, "auth key (field 3)", nk.auth_key, &nk.auth_key_len, err, errlen) ||
		    parse_key(t[4], e, "enc key (field 5)", nk.key, &nk.key_len, err, errlen))
			goto out;
		strcpy(nk.auth_algo, a->name);
		a = e;
	}
	strcpy(nk.algo, a->name);
	memcpy(k, &nk, sizeof(nk));
	OPENSSL_cleanse(&nk, sizeof(nk));
	return 0;
out:
	OPENSSL_cleanse(&nk, sizeof(nk));
	key_wipe(k);
	return -1;
}

int key_read_file(const char *path, struct tenc_key *k, char *err, size_t errlen)
{
	bool std = !strcmp(path, "-");
	const char *name = std ? "stdin" : path;
	char buf[KEY_FILE_MAX + 1], msg[192];
	size_t len = 0, lineno = 0;
	int fd, ret = -1;
	struct stat st;
	ssize_t r = 1;

	key_wipe(k);
	fd = std ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return snprintf(err, errlen, "%s: %s", name, strerror(errno)), -1;
	/* fstat the open file (no race with a chmod/rename in between). stdin
	 * is not checked: it is usually a pipe, and the operator's choice. */
	if (fstat(fd, &st))
		FAIL("%s: %s", name, strerror(errno));
	if (!std && S_ISREG(st.st_mode) && (st.st_mode & 077))
		FAIL("%s: readable by group or others (chmod 600)", name);
	while (len < KEY_FILE_MAX && r) {
		r = read(fd, buf + len, KEY_FILE_MAX - len);
		if (r < 0 && errno != EINTR)
			FAIL("%s: %s", name, strerror(errno));
		len += r > 0 ? (size_t)r : 0;
	}
	buf[len] = '\0';
	for (char *p = buf, *nl; p < buf + len; p = nl + 1) {
		if (!(nl = strchr(p, '\n')) && len == KEY_FILE_MAX)
			break; /* the line may be cut */
		if (!nl)
			nl = buf + len;
		*nl = '\0';
		lineno++;
		p += strspn(p, " \t\r");
		if (!*p || *p == '#')
			continue;
		if (key_parse_line(p, k, msg, sizeof(msg)))
			FAIL("%s: line %zu: %s", name, lineno, msg);
		ret = 0;
		goto out;
	}
	if (len == KEY_FILE_MAX)
		FAIL("%s: no key line in the first %d bytes", name, KEY_FILE_MAX);
	FAIL("%s: no key line", name);
out:
	OPENSSL_cleanse(buf, sizeof(buf));
	if (!std)
		close(fd);
	return ret;
}

static char *put_hex(char *p, const uint8_t *b, size_t n)
{
	static const char hx[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		*p++ = hx[b[i] >> 4];
		*p++ = hx[b[i] & 15];
	}
	return p;
}

int key_format_line(const struct tenc_key *k, char *buf, size_t n)
{
	const uint8_t *k1 = k->aead ? k->key : k->auth_key;
	size_t l1 = k->aead ? k->key_len : k->auth_key_len;
	char *p = buf, *end = buf + n;
	int m;

	if (!n || k->key_len > KEY_MAX_BYTES || l1 > KEY_MAX_BYTES)
		goto fail;
	m = snprintf(p, n, "%d%s %s ", k->spi, k->spi_plus ? "+" : "",
		     k->aead ? k->algo : k->auth_algo);
	if (m < 0 || (size_t)m + 2 * l1 >= n)
		goto fail;
	p = put_hex(p + m, k1, l1);
	if (k->aead)
		m = snprintf(p, (size_t)(end - p), " %d", k->icv_bits);
	else
		m = snprintf(p, (size_t)(end - p), " %s ", k->algo);
	if (m < 0 || m >= end - p)
		goto fail;
	p += m;
	if (!k->aead) {
		if (2 * k->key_len >= (size_t)(end - p))
			goto fail;
		*put_hex(p, k->key, k->key_len) = '\0';
	}
	return 0;
fail:
	if (n)
		OPENSSL_cleanse(buf, n);
	return -1;
}

/* Fingerprint: SHA-256 over "tenc-fp-v1" || spi (1 byte) || algo || 0x00 ||
 * [auth_algo || 0x00] || key_len (1) || key || [auth_key_len (1) || auth_key],
 * bracketed parts only in the AUTH+ENC form; first 8 bytes as hex. */
void key_fingerprint(const struct tenc_key *k, char out[17])
{
	uint8_t md[32], b[2] = { (uint8_t)k->spi, (uint8_t)k->key_len };
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	int ok = c && EVP_DigestInit_ex(c, EVP_sha256(), NULL) &&
		 EVP_DigestUpdate(c, "tenc-fp-v1", 10) && EVP_DigestUpdate(c, b, 1) &&
		 EVP_DigestUpdate(c, k->algo, strlen(k->algo) + 1);

	if (ok && !k->aead)
		ok = EVP_DigestUpdate(c, k->auth_algo, strlen(k->auth_algo) + 1);
	ok = ok && EVP_DigestUpdate(c, b + 1, 1) && EVP_DigestUpdate(c, k->key, k->key_len);
	if (ok && !k->aead) {
		b[1] = (uint8_t)k->auth_key_len;
		ok = EVP_DigestUpdate(c, b + 1, 1) &&
		     EVP_DigestUpdate(c, k->auth_key, k->auth_key_len);
	}
	ok = ok && EVP_DigestFinal_ex(c, md, NULL);
	EVP_MD_CTX_free(c);
	out[0] = '\0';
	if (ok)
		*put_hex(out, md, 8) = '\0';
	OPENSSL_cleanse(md, sizeof(md));
}

/* HMAC-SHA256(key, a || b || c) through one EVP_MAC context (the
 * caller's); out: 32 bytes. 0 or -1. */
static int hmac256(EVP_MAC_CTX *ctx, const uint8_t *key, size_t key_len, const uint8_t *a,
		   size_t a_len, const uint8_t *b, size_t b_len, const uint8_t *c, size_t c_len,
		   uint8_t out[32])
{
	size_t n = 0;

	return EVP_MAC_init(ctx, key, key_len, NULL) == 1 && EVP_MAC_update(ctx, a, a_len) == 1 &&
			       EVP_MAC_update(ctx, b, b_len) == 1 && EVP_MAC_update(ctx, c, c_len) == 1 &&
			       EVP_MAC_final(ctx, out, &n, 32) == 1 && n == 32 ? 0 : -1;
}

/* HKDF-SHA256 (RFC 5869), extract then expand, over HMAC. OpenSSL's HKDF
 * KDF would fetch its algorithms on every call, a few times the cost of
 * the hashing itself; rotation derives thousands of keys. The HMAC
 * context with its digest is set up once and copied per call (a copy
 * holds no key until init), and freed (wiped) after. out_len <= 255 * 32. */
static int hkdf(const uint8_t *ikm, size_t ikm_len, const uint8_t *salt, size_t salt_len,
		const uint8_t *info, size_t info_len, uint8_t *out, size_t out_len)
{
	static EVP_MAC_CTX *tmpl;
	uint8_t prk[32], t[32], ctr;
	EVP_MAC_CTX *c;
	size_t done = 0, tl = 0;
	int ret = 0;

	if (!tmpl) {
		EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
		OSSL_PARAM p[] = {
			OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0),
			OSSL_PARAM_construct_end(),
		};

		tmpl = mac ? EVP_MAC_CTX_new(mac) : NULL;
		EVP_MAC_free(mac); /* the context holds its own reference */
		if (tmpl && EVP_MAC_CTX_set_params(tmpl, p) != 1) {
			EVP_MAC_CTX_free(tmpl);
			tmpl = NULL;
		}
		if (!tmpl)
			return -1;
	}
	if (out_len > 255 * 32 || !(c = EVP_MAC_CTX_dup(tmpl)))
		return -1;
	/* PRK = HMAC(salt, IKM); T(i) = HMAC(PRK, T(i-1) || info || i). */
	ret = hmac256(c, salt, salt_len, ikm, ikm_len, NULL, 0, NULL, 0, prk);
	for (ctr = 1; !ret && done < out_len; ctr++) {
		size_t k = out_len - done < 32 ? out_len - done : 32;

		ret = hmac256(c, prk, sizeof(prk), t, tl, info, info_len, &ctr, 1, t);
		memcpy(out + done, t, k);
		done += k;
		tl = 32;
	}
	EVP_MAC_CTX_free(c);
	OPENSSL_cleanse(prk, sizeof(prk));
	OPENSSL_cleanse(t, sizeof(t));
	if (ret)
		OPENSSL_cleanse(out, out_len);
	return ret;
}

/* Epochs into salt (8 bytes each, big-endian), for the v2 derivation. */
static void put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

/* The pair's addresses as bytes (network order) and their length: 4 for
 * IPv4, 16 for the IPv6 outer family. */
static size_t pair_addrs(const struct key_pair *pr, const uint8_t **src, const uint8_t **dst)
{
	if (pr->family == AF_INET6) {
		*src = pr->src6;
		*dst = pr->dst6;
		return 16;
	}
	*src = (const uint8_t *)&pr->src;
	*dst = (const uint8_t *)&pr->dst;
	return 4;
}

static int derive_one(const char *label, const uint8_t *ikm, size_t len, const struct key_pair *pr,
		      uint8_t *out)
{
	const uint8_t *src, *dst;
	size_t al = pair_addrs(pr, &src, &dst);
	bool src_lo = memcmp(src, dst, al) < 0; /* big-endian value order */
	uint64_t elo = src_lo ? pr->src_epoch : pr->dst_epoch, ehi = src_lo ? pr->dst_epoch : pr->src_epoch;
	bool v2 = pr->src_epoch || pr->dst_epoch;
	uint8_t salt[7 + 32 + 16], info[9 + 6 + 33];
	size_t ll = strlen(label), n = 9, sl = 7 + 2 * al;

	memcpy(salt, v2 ? "tenc-v2" : "tenc-v1", 7);
	memcpy(salt + 7, src_lo ? src : dst, al);
	memcpy(salt + 7 + al, src_lo ? dst : src, al);
	if (v2) {
		put_be64(salt + sl, elo);
		put_be64(salt + sl + 8, ehi);
		sl += 16;
	}
	memcpy(info, "tenc esp ", 9);
	memcpy(info + n, label, ll);
	n += ll;
	if (al == 16)
		info[n++] = '6'; /* the outer family, labelled */
	info[n++] = 0;
	memcpy(info + n, src, al);
	memcpy(info + n + al, dst, al);
	info[n + 2 * al] = (uint8_t)pr->spi;
	return hkdf(ikm, len, salt, sl, info, n + 2 * al + 1, out, len);
}

int key_derive(const struct tenc_key *k, const struct key_pair *pr, struct tenc_key *out)
{
	struct key_pair p = *pr;
	struct tenc_key d;
	int ret;

	if (k->spi < 1 || k->spi > 15 || !k->key_len || k->key_len > KEY_MAX_BYTES ||
	    (!k->aead && (!k->auth_key_len || k->auth_key_len > KEY_MAX_BYTES)))
		return -1;
	p.spi = k->spi;
	memcpy(&d, k, sizeof(d)); /* out may be k */
	ret = derive_one(k->aead ? "aead" : "enc", k->key, k->key_len, &p, d.key);
	if (!ret && !k->aead)
		ret = derive_one("auth", k->auth_key, k->auth_key_len, &p, d.auth_key);
	if (!ret)
		memcpy(out, &d, sizeof(d));
	OPENSSL_cleanse(&d, sizeof(d));
	return ret;
}

void key_fp8(const struct tenc_key *k, uint8_t out[8])
{
	uint8_t md[32];
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	int ok = c && EVP_DigestInit_ex(c, EVP_sha256(), NULL) && EVP_DigestUpdate(c, "tenc-sa-v1", 10) &&
		 EVP_DigestUpdate(c, k->key, k->key_len) && EVP_DigestUpdate(c, k->auth_key, k->auth_key_len) &&
		 EVP_DigestFinal_ex(c, md, NULL);

	EVP_MD_CTX_free(c);
	memset(out, 0, 8);
	if (ok)
		memcpy(out, md, 8);
	OPENSSL_cleanse(md, sizeof(md));
}

int key_generate(int spi, struct tenc_key *k)
{
	key_wipe(k);
	if (spi < 1 || spi > 15)
		return -1;
	k->spi = spi;
	k->spi_plus = true;
	k->aead = true;
	strcpy(k->algo, "rfc4106(gcm(aes))");
	k->key_len = 20;
	k->icv_bits = 128;
	if (RAND_bytes(k->key, (int)k->key_len) != 1) {
		key_wipe(k);
		return -1;
	}
	return 0;
}

/* Worst-case ESP tunnel overhead: outer header (IPv4 20, IPv6 40) + ESP
 * header 8 + IV + padding and trailer + ICV, rounded up to 4 bytes.
 * IPv4: GCM 20+8+8+(3+2)+16 = 57 -> 60. CBC: 20+8+16+(15+2)+ICV: 16-byte
 * or shorter ICV -> 77 -> 80; hmac(sha512) (the kernel's default
 * truncation is 256 bits) -> 93 -> 96. IPv6: each 20 more, exactly (77 ->
 * 80, 97 -> 100, 113 -> 116: 20 is a multiple of 4). */
int key_overhead(const struct tenc_key *k, int family)
{
	int outer = family == AF_INET6 ? 20 : 0;

	if (k->aead)
		return 60 + outer;
	return (strcmp(k->auth_algo, "hmac(sha512)") ? 80 : 96) + outer;
}

bool key_same_shape(const struct tenc_key *a, const struct tenc_key *b)
{
	if (a->aead != b->aead || strcmp(a->algo, b->algo) || a->key_len != b->key_len)
		return false;
	if (a->aead)
		return a->icv_bits == b->icv_bits;
	return !strcmp(a->auth_algo, b->auth_algo) && a->auth_key_len == b->auth_key_len;
}

void key_wipe(struct tenc_key *k)
{
	OPENSSL_cleanse(k, sizeof(*k));
}

const char *key_algo_str(const struct tenc_key *k, char *buf, size_t n)
{
	if (k->aead)
		snprintf(buf, n, "%s", k->algo);
	else
		snprintf(buf, n, "%s+%s", k->auth_algo, k->algo);
	return buf;
}
