/* SPDX-License-Identifier: GPL-2.0 */
/* keys: IPsec keys in the cilium-ipsec-keys line format, and the per-pair,
 * per-direction key derivation (HKDF-SHA256, OpenSSL).
 * Owns: parsing and validating key lines, reading key files safely (never
 * from argv; files readable by group/other refused), generating keys,
 * fingerprints, derivation, wiping. Nothing here prints a key. */
#ifndef TENC_KEYS_H
#define TENC_KEYS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KEY_MAX_BYTES 64

struct tenc_key {
	int spi;			/* key index 1..15 */
	bool spi_plus;			/* the line had "SPI+" */
	bool aead;			/* AEAD form, else AUTH+ENC form */
	char algo[64];			/* AEAD algorithm, or ENC algorithm */
	uint8_t key[KEY_MAX_BYTES];	/* AEAD key incl. 4-byte salt, or ENC key */
	size_t key_len;
	int icv_bits;			/* AEAD only */
	char auth_algo[64];		/* AUTH+ENC form only */
	uint8_t auth_key[KEY_MAX_BYTES];
	size_t auth_key_len;
};

/* Parse one line: "SPI[+] AEAD-ALGO HEXKEY ICV-BITS" or
 * "SPI[+] AUTH-ALGO HEXKEY ENC-ALGO HEXKEY". SPI 1..15, "0x" allowed on
 * numbers and keys. 0, or -1 with err naming the field ("spi: ...",
 * "algorithm: ...", "key: ...", "icv: ...", "line: ...") and *k zeroed.
 * No error message contains key material. */
int key_parse_line(const char *line, struct tenc_key *k, char *err, size_t errlen);
/* Read the first non-blank, non-comment ('#') line of path ("-" = stdin).
 * Refuses a regular file with any group/other mode bit (not checked for
 * stdin). Errors start with the path ("stdin" for "-"). 0 or -1. */
int key_read_file(const char *path, struct tenc_key *k, char *err, size_t errlen);
/* Format as a key line (secret: only for `key gen` output and keys.json):
 * canonical, lowercase hex, no 0x, "+" only if spi_plus. 0, or -1 (buf
 * wiped) if n is too small; 512 bytes always suffice. */
int key_format_line(const struct tenc_key *k, char *buf, size_t n);
/* 16 hex chars: SHA-256 over a label, spi, algorithms and key bytes, first
 * 8 bytes (layout in keys.c). "" if libcrypto failed. */
void key_fingerprint(const struct tenc_key *k, char out[17]);
/* The direction a key is derived for: the SA's outer addresses (network
 * order; src/dst for IPv4, src6/dst6 when family is AF_INET6; 0 means
 * AF_INET) and both nodes' epochs (0: not known; the derivation uses
 * epochs only when one is non-zero). spi is taken from the key. */
struct key_pair {
	uint32_t src, dst;
	uint64_t src_epoch, dst_epoch;
	int spi;
	int family;
	uint8_t src6[16], dst6[16];
};
/* Key for traffic src -> dst under k: same algorithms and lengths,
 * derived bytes (HKDF-SHA256; the exact derivation and test vectors are
 * in keys.c and tenc-key(8)). out may be k. 0 or -1. */
int key_derive(const struct tenc_key *k, const struct key_pair *pr, struct tenc_key *out);
/* 8 bytes of SHA-256 over a key's bytes: tells two SAs' keys apart
 * without keeping them (read-back SAs are compared with planned ones). */
void key_fp8(const struct tenc_key *k, uint8_t out[8]);
/* New random key: rfc4106(gcm(aes)), 16-byte key + 4-byte salt, ICV 128,
 * spi_plus. -1 if spi is not 1..15 or RAND_bytes failed. */
int key_generate(int spi, struct tenc_key *k);
/* ESP tunnel overhead for MTU with an outer header of family (AF_INET6;
 * anything else, 0 too, is AF_INET): IPv4 60 for AEAD, 80 otherwise (96
 * for hmac(sha512), whose kernel default ICV is 256 bits); IPv6 20 more
 * (its header is 40 bytes, not 20). */
int key_overhead(const struct tenc_key *k, int family);
/* Same algorithms and lengths (rotation requires it while one retires). */
bool key_same_shape(const struct tenc_key *a, const struct tenc_key *b);
void key_wipe(struct tenc_key *k);
/* "rfc4106(gcm(aes))", or "hmac(sha256)+cbc(aes)" for the AUTH+ENC form. */
const char *key_algo_str(const struct tenc_key *k, char *buf, size_t n);

#endif
