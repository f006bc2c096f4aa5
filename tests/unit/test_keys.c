// SPDX-License-Identifier: GPL-2.0
/* test_keys.c: lib/base/keys.c: key lines, key files, fingerprints, derivation
 * (with a fixed, independently computed test vector), generation. */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <openssl/crypto.h>
#include "keys.h"
#include "leak.h"
#include "tap.h"

#define HEX20 "0102030405060708090a0b0c0d0e0f1011121314"
#define LINE_GCM "3+ rfc4106(gcm(aes)) " HEX20 " 128"
#define HEX_AUTH "a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0"
#define HEX_ENC "c1c2c3c4c5c6c7c8c9cacbcccdcecfd0"
#define LINE_CBC "1 hmac(sha256) " HEX_AUTH " cbc(aes) " HEX_ENC

/* Independent check of the vector (python3 stdlib, no OpenSSL HKDF):
 *
 * import hmac, hashlib, socket
 * def hkdf(ikm, salt, info, L):
 *     prk = hmac.new(salt, ikm, hashlib.sha256).digest()
 *     t, okm = b"", b""
 *     for i in range((L + 31) // 32):
 *         t = hmac.new(prk, t + info + bytes([i + 1]), hashlib.sha256).digest()
 *         okm += t
 *     return okm[:L]
 * ikm = bytes.fromhex("0102030405060708090a0b0c0d0e0f1011121314")
 * src, dst = socket.inet_aton("10.0.0.1"), socket.inet_aton("10.0.0.2")
 * salt = b"tenc-v1" + min(src, dst) + max(src, dst)
 * info = b"tenc esp " + b"aead" + b"\0" + src + dst + bytes([3])
 * print(hkdf(ikm, salt, info, 20).hex())
 */
#define VEC_AB "55303f29446747cd0a3850c14150f39bbae58339"
#define VEC_BA "eb589fed2e5158d8907cb9473462ecb25ee59ed3" /* same, src/dst swapped */

static void hex(const uint8_t *b, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
	out[2 * n] = '\0';
}

/* An IPv4 pair (family 0: AF_INET), as the SAs' planner builds it. */
#define PAIR(s, d, es, ed) (&(struct key_pair){ .src = (s), .dst = (d), .src_epoch = (es), .dst_epoch = (ed) })

static uint32_t ip(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return a.s_addr;
}

/* The line must fail, with field in the message and no key hex in it. */
static void bad(const char *line, const char *field, const char *keyhex)
{
	struct tenc_key k;
	char err[256] = "";
	int r = key_parse_line(line, &k, err, sizeof(err));

	ok(r == -1 && strstr(err, field), "rejects '%.50s': %s", line, err);
	if (keyhex)
		ok(!strstr(err, keyhex), "  error does not show the key");
	ok(!leaks_key_text(line, strlen(line), err), "  no 6 hex digits of the line in the message");
}

static void test_parse(void)
{
	struct tenc_key k, k2;
	char err[256] = "", line[512], kh[2 * KEY_MAX_BYTES + 1];

	is_int(key_parse_line(LINE_GCM "\n", &k, err, sizeof(err)), 0, "AEAD line parses %s", err);
	is_int(k.spi, 3, "spi 3");
	ok(k.spi_plus && k.aead, "spi+ and aead");
	is_str(k.algo, "rfc4106(gcm(aes))", "algo");
	is_int(k.key_len, 20, "key 20 bytes");
	hex(k.key, k.key_len, kh);
	is_str(kh, HEX20, "key bytes");
	is_int(k.icv_bits, 128, "icv 128");
	is_int(key_overhead(&k, AF_INET), 60, "GCM overhead 60 (IPv4 outer)");
	is_int(key_overhead(&k, 0), 60, "  family 0 is IPv4");
	is_int(key_overhead(&k, AF_INET6), 80, "  IPv6 outer: 80 (header 40, not 20)");

	is_int(key_parse_line("\t1  hmac(sha256)\t" HEX_AUTH " cbc(aes)  " HEX_ENC " \r\n", &k2,
			      err, sizeof(err)), 0, "AUTH+ENC line with tabs, CRLF parses %s", err);
	ok(!k2.spi_plus && !k2.aead && k2.spi == 1, "spi 1, no +, not aead");
	is_str(k2.auth_algo, "hmac(sha256)", "auth algo");
	is_str(k2.algo, "cbc(aes)", "enc algo");
	hex(k2.auth_key, k2.auth_key_len, kh);
	is_str(kh, HEX_AUTH, "auth key bytes");
	hex(k2.key, k2.key_len, kh);
	is_str(kh, HEX_ENC, "enc key bytes");
	is_int(key_overhead(&k2, AF_INET), 80, "CBC+HMAC overhead 80");
	is_int(key_overhead(&k2, AF_INET6), 100, "  IPv6 outer: 100");
	ok(!key_same_shape(&k, &k2), "GCM and CBC differ in shape");

	is_int(key_parse_line("0xf rfc4106(gcm(aes)) 0x" HEX20 "aabbccddeeff0011 0x60", &k2, err,
			      sizeof(err)), 0, "0x spi, key and icv parse %s", err);
	ok(k2.spi == 15 && k2.key_len == 28 && k2.icv_bits == 96, "spi 15, 28 bytes, icv 96");
	ok(!key_same_shape(&k, &k2), "different key length: different shape");
	is_int(key_parse_line("1 rfc4106(gcm(aes)) 0X" HEX20 " 128", &k2, err, sizeof(err)), 0,
	       "0X prefix, uppercase");
	ok(key_same_shape(&k, &k2), "same algos/lengths: same shape despite spi");
	is_int(key_parse_line("2 hmac(sha512) " HEX_AUTH HEX_AUTH " cbc(aes) " HEX_ENC HEX_ENC,
			      &k2, err, sizeof(err)), 0, "hmac(sha512) + cbc(aes)-256 %s", err);
	is_int(key_overhead(&k2, AF_INET), 96, "hmac(sha512) overhead 96 (256-bit ICV)");
	is_int(key_overhead(&k2, AF_INET6), 116, "  IPv6 outer: 116");
	is_int(key_parse_line("2 hmac(sha1) " HEX20 " cbc(aes) " HEX20 "c5c6c7c8", &k2, err,
			      sizeof(err)), 0, "hmac(sha1) + cbc(aes)-192 %s", err);

	bad("16 rfc4106(gcm(aes)) " HEX20 " 128", "spi (field 1): out of range 1..15", HEX20);
	bad("0 rfc4106(gcm(aes)) " HEX20 " 128", "spi (field 1): out of range", NULL);
	bad("0x10+ rfc4106(gcm(aes)) " HEX20 " 128", "spi (field 1): out of range", NULL);
	bad("x rfc4106(gcm(aes)) " HEX20 " 128", "spi (field 1):", HEX20);
	bad("01020304+ rfc4106(gcm(aes)) " HEX20 " 128", "spi (field 1):", "01020304");
	bad("3 rfc4106(gcm(aes)) 0102030405060708090a0b0c0d0e0f101112 128",
	    "key (field 3): 18 bytes, rfc4106(gcm(aes)) takes 20, 28 or 36", "0102030405060708090a");
	bad("3 rfc4106(gcm(aes)) 0102030405060708090a0b0c0d0e0f10111213zz 128", "key (field 3): not hex",
	    "0102030405060708090a");
	bad("3 rfc4106(gcm(aes)) 0102030405060708090a0b0c0d0e0f101112131 128", "key (field 3): odd",
	    "0102030405060708090a");
	bad("3 gcm(foo) " HEX20 " 128", "algorithm (field 2): unknown, expected an AEAD", HEX20);
	bad("3 " HEX20 " rfc4106(gcm(aes)) 128", "algorithm (field 2): unknown", HEX20);
	bad("3 hmac(sha256) " HEX20 " 128", "algorithm (field 2): hmac(sha256) is not an AEAD", HEX20);
	bad("3 rfc4106(gcm(aes)) " HEX20 " 100", "icv (field 4): expected 64, 96 or 128 bits", HEX20);
	bad("3 rfc4106(gcm(aes)) " HEX20 " big", "icv (field 4):", HEX20);
	bad("3 rfc4106(gcm(aes)) " HEX20, "line: expected 4 or 5 fields, got 3", HEX20);
	bad("", "line: expected 4 or 5 fields, got 0", NULL);
	bad(LINE_CBC " extra", "line: expected 4 or 5 fields, got 6", HEX_AUTH);
	bad("1 hmac(md5) " HEX_AUTH " cbc(aes) " HEX_ENC, "algorithm (field 2): unknown, expected an auth",
	    HEX_ENC);
	bad("1 hmac(sha256) " HEX_AUTH " cbc(des) " HEX_ENC, "algorithm (field 4): unknown, expected an enc",
	    HEX_AUTH);
	bad("1 cbc(aes) " HEX_ENC " cbc(aes) " HEX_ENC, "algorithm (field 2): cbc(aes) is not an auth",
	    HEX_ENC);
	bad("1 hmac(sha256) " HEX_AUTH " hmac(sha1) " HEX20,
	    "algorithm (field 4): hmac(sha1) is not an enc", HEX_AUTH);
	bad("1 hmac(sha256) " HEX20 " cbc(aes) " HEX_ENC,
	    "auth key (field 3): 20 bytes, hmac(sha256) takes 32", HEX20);
	bad("1 hmac(sha256) " HEX_AUTH " cbc(aes) " HEX20, "enc key (field 5): 20 bytes, cbc(aes) takes 16",
	    HEX_AUTH);
	bad("1 hmac(sha256) " HEX_AUTH " cbc(aes) " HEX_ENC "q", "enc key (field 5): not hex", HEX_AUTH);
	/* Issue 14, 1: a blank missing between an algorithm and its key. */
	bad("1 hmac(sha256) a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf "
	    "cbc(aes)c0c1c2c3c4c5c6c7c8c9cacbcccdcecf 128", "algorithm (field 4): unknown",
	    "c0c1c2c3c4c5c6c7c8c9cacbcccdcecf");
	bad("3 rfc4106(gcm(aes))" HEX20 " 128 x", "algorithm (field 2): unknown", HEX20);
	bad("3 rfc4106(gcm(aes))" HEX20 " 128", "line: expected 4 or 5 fields, got 3", HEX20);
	bad("0102 rfc4106(gcm(aes)) " HEX20 " 128", "spi (field 1): out of range", "0102");
	bad("3 rfc4106(gcm(aes)) " HEX20 " 0x0102", "icv (field 4): expected", "0102");
	ok(key_parse_line("16 rfc4106(gcm(aes)) " HEX20 " 128", &k2, err, sizeof(err)) == -1 &&
	   k2.key_len == 0 && k2.key[0] == 0, "a failed parse leaves the key zeroed");

	/* Round trips, both forms, with and without 0x. */
	const char *lines[] = { LINE_GCM, LINE_CBC, "0x7 rfc4106(gcm(aes)) 0X" HEX20 " 64" };
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		key_parse_line(lines[i], &k, err, sizeof(err));
		is_int(key_format_line(&k, line, sizeof(line)), 0, "format %zu", i);
		ok(key_parse_line(line, &k2, err, sizeof(err)) == 0 && !memcmp(&k, &k2, sizeof(k)),
		   "round trip %zu: %s", i, line);
	}
	key_parse_line(LINE_GCM, &k, err, sizeof(err));
	key_format_line(&k, line, sizeof(line));
	is_str(line, LINE_GCM, "canonical GCM line");
	key_parse_line("0x1 hmac(sha256) 0x" HEX_AUTH " cbc(aes) 0x" HEX_ENC, &k, err, sizeof(err));
	key_format_line(&k, line, sizeof(line));
	is_str(line, LINE_CBC, "canonical CBC line (no 0x, no +)");
	ok(key_format_line(&k, line, 40) == -1 && line[0] == '\0', "short buffer: -1, empty");
	key_wipe(&k);
	ok(k.key_len == 0 && k.key[0] == 0 && k.auth_key[0] == 0, "key_wipe zeroes");
}

static void test_fingerprint(void)
{
	struct tenc_key k, k2;
	char err[256], f1[17], f2[17], f3[17];

	key_parse_line(LINE_GCM, &k, err, sizeof(err));
	key_fingerprint(&k, f1);
	key_fingerprint(&k, f2);
	is_int(strlen(f1), 16, "fingerprint: 16 chars (%s)", f1);
	is_str(f1, f2, "fingerprint stable");
	ok(strspn(f1, "0123456789abcdef") == 16, "lowercase hex");
	ok(!strstr(HEX20, f1) && !strstr(f1, "0102030405"), "fingerprint is not the key");
	key_parse_line("3+ rfc4106(gcm(aes)) 0102030405060708090a0b0c0d0e0f1011121315 128", &k2,
		       err, sizeof(err));
	key_fingerprint(&k2, f3);
	ok(strcmp(f1, f3), "different key: different fingerprint");
	key_parse_line("4+ rfc4106(gcm(aes)) " HEX20 " 128", &k2, err, sizeof(err));
	key_fingerprint(&k2, f3);
	ok(strcmp(f1, f3), "different spi: different fingerprint");
	key_parse_line(LINE_CBC, &k, err, sizeof(err));
	key_fingerprint(&k, f1);
	key_parse_line("1 hmac(sha256) " HEX_AUTH " cbc(aes) c1c2c3c4c5c6c7c8c9cacbcccdcecfd1", &k2,
		       err, sizeof(err));
	key_fingerprint(&k2, f2);
	ok(strlen(f1) == 16 && strcmp(f1, f2), "CBC form: enc key changes the fingerprint");
}

/* The IPv6 outer family (issue 13): 16-byte addresses and the label
 * "aead6" (python3 as above with those; the vectors in keys.c's header and
 * tenc-key(8)). Never the IPv4 pair's key, whatever the addresses. */
static void test_derive_v6(const struct tenc_key *k, const uint8_t *v4_ab)
{
	struct key_pair p = { .family = AF_INET6 }, q;
	struct tenc_key ab, ba, x;
	char h[2 * KEY_MAX_BYTES + 1];

	inet_pton(AF_INET6, "fd00::1", p.src6);
	inet_pton(AF_INET6, "fd00::2", p.dst6);
	is_int(key_derive(k, &p, &ab), 0, "derive IPv6 A->B");
	hex(ab.key, ab.key_len, h);
	is_str(h, "774018a63eb017353e86a972d28afa34f174ef8c", "IPv6 vector: fd00::1 -> fd00::2");
	q = p;
	memcpy(q.src6, p.dst6, 16);
	memcpy(q.dst6, p.src6, 16);
	key_derive(k, &q, &ba);
	hex(ba.key, ba.key_len, h);
	is_str(h, "129822980e3427ec598859e5d7983b203d6dc743", "IPv6 vector: fd00::2 -> fd00::1");
	q = p;
	q.src_epoch = 0x0102030405060708ULL;
	q.dst_epoch = 0x1112131415161718ULL;
	key_derive(k, &q, &x);
	hex(x.key, x.key_len, h);
	is_str(h, "cfb84ebf91ef3a72ffc411696cf4bc83d7aaec40", "IPv6 v2 vector: fd00::1 -> fd00::2");
	memcpy(q.src6, p.dst6, 16);
	memcpy(q.dst6, p.src6, 16);
	q.src_epoch = 0x1112131415161718ULL;
	q.dst_epoch = 0x0102030405060708ULL;
	key_derive(k, &q, &x);
	hex(x.key, x.key_len, h);
	is_str(h, "a717946da0df5757047be7a88a18922d33d77406", "IPv6 v2 vector: fd00::2 -> fd00::1");
	/* ::ffff:10.0.0.1 -> ::ffff:10.0.0.2 holds the IPv4 pair's bytes, yet
	 * its key is the IPv6 family's, not 10.0.0.1 -> 10.0.0.2's. */
	q = (struct key_pair){ .family = AF_INET6 };
	inet_pton(AF_INET6, "::ffff:10.0.0.1", q.src6);
	inet_pton(AF_INET6, "::ffff:10.0.0.2", q.dst6);
	key_derive(k, &q, &x);
	ok(memcmp(x.key, v4_ab, 20) && memcmp(x.key, ab.key, 20), "IPv6 keys never the IPv4 pair's");
	key_wipe(&ab);
	key_wipe(&ba);
	key_wipe(&x);
}

static void test_derive(void)
{
	uint32_t a = ip("10.0.0.1"), b = ip("10.0.0.2"), c = ip("10.0.1.1");
	struct tenc_key k, ab, ba, ab2, x;
	char err[256], h1[2 * KEY_MAX_BYTES + 1], h2[2 * KEY_MAX_BYTES + 1];

	key_parse_line(LINE_GCM, &k, err, sizeof(err));
	is_int(key_derive(&k, PAIR(a, b, 0, 0), &ab), 0, "derive A->B");
	hex(ab.key, ab.key_len, h1);
	is_str(h1, VEC_AB, "test vector: 10.0.0.1 -> 10.0.0.2, spi 3");
	ok(ab.spi == 3 && ab.spi_plus && ab.aead && ab.key_len == 20 && ab.icv_bits == 128 &&
	   !strcmp(ab.algo, k.algo), "derived key keeps spi, algo, length, icv");
	ok(key_same_shape(&k, &ab), "derived key has the same shape");
	is_int(key_derive(&k, PAIR(b, a, 0, 0), &ba), 0, "derive B->A");
	hex(ba.key, ba.key_len, h2);
	is_str(h2, VEC_BA, "test vector: 10.0.0.2 -> 10.0.0.1");
	ok(memcmp(ab.key, ba.key, 20), "A->B != B->A");

	/* Node A and node B each parse the configured line and derive A->B. */
	struct tenc_key node_a, node_b, at_a, at_b;
	key_parse_line(LINE_GCM, &node_a, err, sizeof(err));
	key_parse_line(LINE_GCM "\n", &node_b, err, sizeof(err));
	key_derive(&node_a, PAIR(a, b, 0, 0), &at_a); /* A's OUT SA */
	key_derive(&node_b, PAIR(a, b, 0, 0), &at_b); /* B's IN SA */
	ok(!memcmp(at_a.key, at_b.key, 20) && at_a.key_len == at_b.key_len,
	   "both ends agree on the A->B key");
	key_derive(&node_a, PAIR(b, a, 0, 0), &at_a); /* A's IN SA */
	key_derive(&node_b, PAIR(b, a, 0, 0), &at_b); /* B's OUT SA */
	ok(!memcmp(at_a.key, at_b.key, 20), "both ends agree on the B->A key");

	key_parse_line("4+ rfc4106(gcm(aes)) " HEX20 " 128", &x, err, sizeof(err));
	key_derive(&x, PAIR(a, b, 0, 0), &ab2);
	ok(memcmp(ab.key, ab2.key, 20), "different spi: different key");
	key_derive(&k, PAIR(a, c, 0, 0), &ab2);
	ok(memcmp(ab.key, ab2.key, 20), "different pair (A,C): different key");
	key_derive(&k, PAIR(c, b, 0, 0), &ab2);
	ok(memcmp(ab.key, ab2.key, 20), "different pair (C,B): different key");

	/* Epochs (issue 10): the v2 vector (python3 as above, salt
	 * b"tenc-v2" + a + b + epoch_a + epoch_b). Both ends derive it. */
	const uint64_t ea = 0x0102030405060708ULL, eb = 0x1112131415161718ULL;
	is_int(key_derive(&k, PAIR(a, b, ea, eb), &ab2), 0, "derive A->B with epochs");
	hex(ab2.key, ab2.key_len, h1);
	is_str(h1, "185643825d2c6660a3d2cf16fb3e445c8072c78c", "v2 vector: 10.0.0.1 -> 10.0.0.2");
	key_derive(&node_b, PAIR(b, a, eb, ea), &at_b);
	hex(at_b.key, at_b.key_len, h2);
	is_str(h2, "6f397f7ea2986495c9e5f13cb08902d9bbc45ce8", "v2 vector: 10.0.0.2 -> 10.0.0.1");
	key_derive(&node_b, PAIR(a, b, ea, eb), &at_b);
	ok(!memcmp(ab2.key, at_b.key, 20), "both ends agree with epochs");
	ok(memcmp(ab.key, ab2.key, 20), "with epochs: not the key without");
	key_derive(&k, PAIR(a, b, ea + 1, eb), &at_a);
	ok(memcmp(ab2.key, at_a.key, 20), "a new epoch of A: a new key");
	key_derive(&k, PAIR(a, b, ea, eb + 1), &at_a);
	ok(memcmp(ab2.key, at_a.key, 20), "a new epoch of B: a new key");
	key_derive(&k, PAIR(a, b, eb, ea), &at_a);
	ok(memcmp(ab2.key, at_a.key, 20), "epochs are bound to their node");
	test_derive_v6(&k, ab.key);
	{
		uint8_t f1[8], f2[8];

		key_fp8(&ab2, f1);
		key_fp8(&at_b, f2);
		ok(!memcmp(f1, f2, 8), "same key: same SA fingerprint");
		key_fp8(&ab, f2);
		ok(memcmp(f1, f2, 8), "other key: other fingerprint");
	}
	ok(memcmp(ab.key, k.key, 20), "derived != configured");

	key_parse_line(LINE_CBC, &k, err, sizeof(err));
	is_int(key_derive(&k, PAIR(a, b, 0, 0), &ab), 0, "derive AUTH+ENC form");
	key_derive(&k, PAIR(b, a, 0, 0), &ba);
	ok(ab.key_len == 16 && ab.auth_key_len == 32 && key_same_shape(&k, &ab),
	   "AUTH+ENC: same lengths");
	ok(memcmp(ab.key, k.key, 16) && memcmp(ab.auth_key, k.auth_key, 32),
	   "AUTH+ENC: both keys derived");
	ok(memcmp(ab.key, ba.key, 16) && memcmp(ab.auth_key, ba.auth_key, 32),
	   "AUTH+ENC: A->B != B->A");
	ok(memcmp(ab.key, ab.auth_key, 16), "auth and enc keys differ");
	x = k;
	is_int(key_derive(&x, PAIR(a, b, 0, 0), &x), 0, "derive in place (out == k)");
	ok(!memcmp(x.key, ab.key, 16) && !memcmp(x.auth_key, ab.auth_key, 32), "  same result");
	k.spi = 0;
	is_int(key_derive(&k, PAIR(a, b, 0, 0), &ab), -1, "invalid key: derive fails");

	/* Outputs longer than one SHA-256 block (HKDF's T(2)), checked with
	 * the python3 snippet above: hkdf(ikm, salt, info, len(ikm)) for
	 * 10.0.0.7 -> 10.0.0.3, labels "aead" (spi 3) and "enc"/"auth" (spi 5). */
	key_parse_line("3+ rfc4106(gcm(aes)) " HEX20 "15161718191a1b1c1d1e1f2021222324 128", &k, err,
		       sizeof(err));
	is_int(key_derive(&k, PAIR(ip("10.0.0.7"), ip("10.0.0.3"), 0, 0), &ab), 0, "derive a 36-byte AEAD key");
	hex(ab.key, ab.key_len, h1);
	is_str(h1, "9a679ba319483a8ffa66ea837262601bf9cff0f812a132c65dccc0fa668936244387d111",
	       "test vector: 36 bytes");
	key_parse_line("5 hmac(sha512) " HEX_AUTH HEX_AUTH " cbc(aes) " HEX_ENC HEX_ENC, &k, err, sizeof(err));
	is_int(key_derive(&k, PAIR(ip("10.0.0.7"), ip("10.0.0.3"), 0, 0), &ab), 0, "derive hmac(sha512) + cbc(aes) 256");
	hex(ab.key, ab.key_len, h1);
	hex(ab.auth_key, ab.auth_key_len, h2);
	is_str(h1, "2b78f0198c2e17dd6e32c259c5897a40243bad9d39a49b90d23be783c4b1f5ae",
	       "test vector: 32-byte enc key");
	is_str(h2, "e34d519c420a9d362c27f5f84c86d97cd9e6ca1f5c8d9a1c12b8c7b148d5bcc8"
		   "9930517d8cf70b89ccc11fcdeead3c4cfc54ce2de8dad5c4496c8fc8e01bf9b0",
	       "test vector: 64-byte auth key");
}

static int write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd < 0)
		return -1;
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text) || fchmod(fd, mode)) {
		close(fd);
		return -1;
	}
	return close(fd);
}

static void test_read_file(void)
{
	char dir[] = "/tmp/tenc-test-keys-XXXXXX", path[128], err[512] = "";
	struct tenc_key k;
	int pfd[2], saved;

	if (!mkdtemp(dir)) {
		ok(0, "mkdtemp");
		return;
	}
	snprintf(path, sizeof(path), "%s/key", dir);
	ok(write_file(path, LINE_GCM "\n", 0644) == 0, "wrote a 0644 key file");
	is_int(key_read_file(path, &k, err, sizeof(err)), -1, "0644 key file refused");
	ok(strstr(err, path) && strstr(err, "readable by group or others (chmod 600)"),
	   "message: %s", err);
	ok(!strstr(err, HEX20), "  error does not show the key");
	chmod(path, 0640);
	is_int(key_read_file(path, &k, err, sizeof(err)), -1, "0640 refused");
	chmod(path, 0602);
	is_int(key_read_file(path, &k, err, sizeof(err)), -1, "0602 (other-writable) refused");
	chmod(path, 0600);
	is_int(key_read_file(path, &k, err, sizeof(err)), 0, "0600 key file accepted");
	ok(k.spi == 3 && k.key_len == 20 && k.key[19] == 0x14, "key read");
	chmod(path, 0400);
	is_int(key_read_file(path, &k, err, sizeof(err)), 0, "0400 accepted");

	write_file(path, "# tenc key\n\n   \t\r\n  # indented comment\n" LINE_CBC "\r\n" LINE_GCM
		   "\n", 0600);
	is_int(key_read_file(path, &k, err, sizeof(err)), 0, "comments and blank lines skipped");
	ok(k.spi == 1 && !k.aead, "the first key line is used");
	write_file(path, "# only\n\n# comments\n", 0600);
	is_int(key_read_file(path, &k, err, sizeof(err)), -1, "no key line");
	ok(strstr(err, "no key line") != NULL, "message: %s", err);
	write_file(path, "# bad\n3 rfc4106(gcm(aes)) " HEX20 " 100\n", 0600);
	is_int(key_read_file(path, &k, err, sizeof(err)), -1, "bad key line");
	ok(strstr(err, "line 2: icv (field 4): expected") && !strstr(err, HEX20), "message: %s", err);
	snprintf(path, sizeof(path), "%s/missing", dir);
	is_int(key_read_file(path, &k, err, sizeof(err)), -1, "missing file");
	ok(strstr(err, "No such file") != NULL, "message: %s", err);

	/* "-": stdin, here a pipe. */
	saved = dup(STDIN_FILENO);
	if (saved >= 0 && pipe(pfd) == 0) {
		ok(write(pfd[1], "\n" LINE_GCM "\n", strlen(LINE_GCM) + 2) > 0, "pipe written");
		close(pfd[1]);
		dup2(pfd[0], STDIN_FILENO);
		close(pfd[0]);
		is_int(key_read_file("-", &k, err, sizeof(err)), 0, "reads '-' from stdin");
		ok(k.spi == 3 && k.key_len == 20, "key from stdin");
		dup2(saved, STDIN_FILENO);
		close(saved);
	}

	snprintf(path, sizeof(path), "%s/key", dir);
	unlink(path);
	rmdir(dir);
	key_wipe(&k);
}

static void test_generate(void)
{
	struct tenc_key k, k2, p;
	char line[512], err[256] = "";

	is_int(key_generate(5, &k), 0, "generate");
	ok(k.aead && k.key_len == 20 && k.icv_bits == 128 && k.spi == 5 && k.spi_plus &&
	   !strcmp(k.algo, "rfc4106(gcm(aes))"), "rfc4106(gcm(aes)), 20 bytes, icv 128, spi 5+");
	is_int(key_format_line(&k, line, sizeof(line)), 0, "format generated");
	ok(key_parse_line(line, &p, err, sizeof(err)) == 0 && !memcmp(&p, &k, sizeof(k)),
	   "parse(format(generated)) round trips %s", err);
	is_int(key_generate(5, &k2), 0, "generate again");
	ok(memcmp(k.key, k2.key, 20), "two generated keys differ");
	is_int(key_generate(0, &k2), -1, "spi 0 refused");
	is_int(key_generate(16, &k2), -1, "spi 16 refused");
	OPENSSL_cleanse(line, sizeof(line));
}

int main(void)
{
	test_parse();
	test_fingerprint();
	test_derive();
	test_read_file();
	test_generate();
	return done_testing();
}
