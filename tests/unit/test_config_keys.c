// SPDX-License-Identifier: GPL-2.0
/* test_config_keys.c: config.json and keys.json are strict: what is saved
 * loads back whole, and a file that breaks the form or an invariant is an
 * error naming the file and the field (issue 14, items 4 and 8). */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <arpa/inet.h>
#include "store.h"
#include "tap.h"
#include "tenc.h"

static char dir[] = "/tmp/tenc-test-cfg.XXXXXX";
static char err[1024];

static void put(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

/* Run a loader with stderr captured into err. */
#define CAPTURE(expr) ({ \
	FILE *saved_ = stderr, *m_ = fmemopen(err, sizeof(err) - 1, "w"); \
	int r_; \
	memset(err, 0, sizeof(err)); \
	stderr = m_; \
	r_ = (expr); \
	stderr = saved_; \
	fclose(m_); \
	err[strcspn(err, "\n")] = '\0'; \
	r_; \
})

#define GCM "rfc4106(gcm(aes)) 0102030405060708090a0b0c0d0e0f1011121314 128"
#define KEY(spi, state) "{\"spi\": " #spi ", \"state\": \"" state "\", \"line\": \"" #spi "+ " GCM "\"}"

static const struct {
	const char *doc, *err;
} bad_keys[] = {
	/* Issue 14, 8: two current keys; a missing state. */
	{ "{\"keys\": [" KEY(3, "current") ", " KEY(4, "current") "]}", "entry 1: state: a second current key" },
	{ "{\"keys\": [{\"spi\": 3, \"line\": \"3+ " GCM "\"}]}", "entry 0: state: missing" },
	{ "{\"keys\": [" KEY(3, "current") ", " KEY(4, "pending") ", " KEY(5, "pending") "]}", "entry 2: state: a second pending" },
	{ "{\"keys\": [" KEY(3, "retiring") "]}", "a retiring key without a current one" },
	{ "{\"keys\": [" KEY(3, "pending") "]}", "a pending key without a current one" },
	{ "{\"keys\": [" KEY(3, "current") ", " KEY(3, "pending") "]}", "entry 1: spi: 3 appears twice" },
	{ "{\"keys\": [{\"spi\": 4, \"state\": \"current\", \"line\": \"3+ " GCM "\"}]}", "spi: 4, but the key line's is 3" },
	{ "{\"keys\": [{\"spi\": 3, \"state\": \"old\", \"line\": \"3+ " GCM "\"}]}", "state: expected current" },
	{ "{\"keys\": [{\"spi\": 3, \"state\": \"current\", \"line\": \"3+ rfc4106(gcm(aes))0102030405060708090a0b0c0d0e0f1011121314 128 x\"}]}",
	  "entry 0: line: algorithm (field 2): unknown" },
	{ "{\"keys\": {}}", "expected {\"keys\"" },
	/* Found by fuzzing: jansson's message quoted the text near a syntax
	 * error, here key text. */
	{ "{\"keys\": [{\"spi\": 1, \"state\": \"current\", \"line\": \"1 hmac(sha1) a0a1a2\x01\"}]}",
	  "not valid JSON (the text there is not shown)" },
	{ "{\"keys\": [" KEY(1, "current") ", " KEY(2, "current") ", " KEY(3, "current") ", " KEY(4, "current")
	  ", " KEY(5, "current") ", " KEY(6, "current") ", " KEY(7, "current") ", " KEY(8, "current")
	  ", " KEY(9, "current") ", " KEY(10, "current") ", " KEY(11, "current") ", " KEY(12, "current")
	  ", " KEY(13, "current") ", " KEY(14, "current") ", " KEY(15, "current") ", " KEY(1, "current") "]}",
	  "16 keys, at most 15" },
};

#define CFG(devs, underlay) "{\"encrypt\": true, \"node_ip\": \"10.0.0.1\", \"pod_cidrs\": [\"10.1.1.0/24\"], " \
	"\"subnets\": [], \"devs\": [" devs "], \"underlay\": " underlay ", \"mode\": \"endpoint\"}"
#define DEV(name) "{\"name\": \"" name "\", \"qdisc_created\": true}"

static const struct {
	const char *doc, *err;
} bad_cfgs[] = {
	/* Issue 14, 4: a 16-byte name, one cut in the middle of a character. */
	{ CFG(DEV("abcdefghijklmnop"), DEV("eth0")), "devs[0]: name: interface name of 16 bytes" },
	{ CFG(DEV("abcdefghijklmn\xc3"), DEV("eth0")), "unable to decode byte 0xc3" },
	{ CFG(DEV("veth0"), DEV("abcdefghijklmnop")), "underlay: name: interface name of 16 bytes" },
	{ CFG(DEV("veth0"), "null"), "underlay: not an object" },
	{ CFG(DEV("a/b"), DEV("eth0")), "devs[0]: name: not an interface name" },
	{ CFG("{\"name\": \"veth0\"}", DEV("eth0")), "devs[0]: qdisc_created: missing" },
	{ "{\"encrypt\": 1, \"node_ip\": \"10.0.0.1\"}", "encrypt: not true or false" },
	{ "{\"encrypt\": true, \"node_ip\": \"10.0.0.1 \"}", "node_ip: '10.0.0.1 '" },
	{ "{\"encrypt\": true, \"node_ip\": \"10.0.0.1\", \"pod_cidrs\": [\"10.1.1.0/+24\"]}", "pod_cidrs[0]" },
	{ "{\"encrypt\": true, \"node_ip\": \"10.0.0.1\", \"pod_cidrs\": [\"10.1.1.0/24\"], \"subnets\": [], "
	  "\"devs\": [], \"underlay\": " DEV("eth0") ", \"mode\": \"tunnel\"}", "mode: expected endpoint or subnet" },
};

static void test_config(void)
{
	struct tenc_config c = { 0 }, d;

	c.encrypt = true;
	c.node_ip = htonl(0x0a000001);
	c.n_pod_cidrs = 2;
	c.pod_cidrs[0] = (struct cidr){ htonl(0x0a010100), 24 };
	c.pod_cidrs[1] = (struct cidr){ htonl(0x0a020000), 16 };
	c.n_subnets = 1;
	c.subnets[0] = (struct cidr){ htonl(0x0a000000), 8 };
	c.n_devs = 2;
	snprintf(c.devs[0], IF_NAMESIZE, "%s", "abcdefghijklmno"); /* 15 bytes */
	snprintf(c.devs[1], IF_NAMESIZE, "%s", "p\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"); /* 15, UTF-8 */
	c.dev_qdisc_created[1] = true;
	snprintf(c.underlay, IF_NAMESIZE, "%s", "u\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac-x");
	c.underlay_qdisc_created = true;
	c.mode = MODE_SUBNET;
	ok(config_save(&c) == 0, "config_save");
	ok(config_load(&d) == 0, "config_load");
	ok(d.encrypt && d.node_ip == c.node_ip && d.n_pod_cidrs == 2 && d.pod_cidrs[1].len == 16 &&
	   d.n_subnets == 1 && d.mode == MODE_SUBNET, "the fields round trip");
	ok(d.n_devs == 2 && !strcmp(d.devs[0], c.devs[0]) && !strcmp(d.devs[1], c.devs[1]) &&
	   d.dev_qdisc_created[1] && !d.dev_qdisc_created[0], "15-byte device names round trip, UTF-8 too");
	ok(!strcmp(d.underlay, c.underlay) && d.underlay_qdisc_created, "the underlay round trips");

	/* A name that cannot be stored fails the save; the file stays. */
	memcpy(c.devs[1], "bad\xff", 5);
	ok(CAPTURE(config_save(&c)) != 0 && strstr(err, "config.json: not written"), "not UTF-8: not saved (%s)", err);
	ok(config_load(&d) == 0 && d.n_devs == 2 && !strcmp(d.devs[1], "p\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"),
	   "the file on disk is the one saved before");
	memcpy(c.devs[1], "ok", 3);
	c.underlay[0] = '\0';
	ok(CAPTURE(config_save(&c)) != 0, "an empty underlay name: not saved, never dropped");

	for (size_t i = 0; i < ARRAY_SIZE(bad_cfgs); i++) {
		put("config.json", bad_cfgs[i].doc);
		ok(CAPTURE(config_load(&d)) == TENC_FAIL && strstr(err, "config.json: ") &&
		   strstr(err, bad_cfgs[i].err), "config %zu refused: %s", i, err);
	}
}

static void test_keys(void)
{
	struct keyring r;

	put("keys.json", "{\"keys\": [" KEY(3, "retiring") ", " KEY(4, "current") ", " KEY(5, "pending") "]}");
	ok(keys_load(&r) == 0 && r.n == 3, "retiring, current, pending: loads");
	ok(keys_spi(&r, KEY_CURRENT) == 4 && keys_advertise(&r) == 5, "current 4, advertises 5");
	ok(keys_save(&r) == 0, "keys_save");
	keys_wipe(&r);
	ok(keys_load(&r) == 0 && r.n == 3 && keys_spi(&r, KEY_RETIRING) == 3, "and loads back");
	keys_wipe(&r);
	for (size_t i = 0; i < ARRAY_SIZE(bad_keys); i++) {
		put("keys.json", bad_keys[i].doc);
		ok(CAPTURE(keys_load(&r)) == TENC_FAIL && r.n == 0 && strstr(err, "keys.json: ") &&
		   strstr(err, bad_keys[i].err), "keys %zu refused: %s", i, err);
		ok(!strstr(err, "0102030405") && !strstr(err, "a0a1a2"), "  and no key text in the message");
	}
}

int main(void)
{
	char path[256];

	if (!mkdtemp(dir))
		return 1;
	g.state_dir = dir;
	test_config();
	test_keys();
	snprintf(path, sizeof(path), "%s/config.json", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/keys.json", dir);
	unlink(path);
	rmdir(dir);
	return done_testing();
}
