// SPDX-License-Identifier: GPL-2.0
/* key.c: `tenc key gen|add|list`. Keys come only from files or stdin,
 * never from the command line, and are never printed (except the new
 * line `key gen` writes, which refuses a file others could read). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include "apply.h"
#include "cli.h"
#include "node.h"
#include "nodeio.h"
#include "nodelist.h"
#include "peer.h"
#include "state.h"
#include "tenc.h"

enum { O_SPI = OPT_LONG_BASE };


static int do_gen(const struct cmd *self, int argc, char **argv)
{
	struct tenc_key k;
	struct stat st;
	char line[256];
	int i;

	i = cmd_parse(self, argc, argv, NULL, NULL, 0, 0);
	if (i <= 0)
		return -i;
	if (fstat(STDOUT_FILENO, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 077))
		return tenc_err(TENC_USAGE, "stdout", "a file readable by group or others (chmod 600 it first)");
	if (key_generate(1, &k))
		return tenc_err(TENC_FAIL, "random", "no random bytes");
	key_format_line(&k, line, sizeof(line));
	printf("%s\n", line);
	fflush(stdout);
	OPENSSL_cleanse(line, sizeof(line));
	key_wipe(&k);
	return TENC_OK;
}

static int add_opt(int key, char *arg, void *ctx)
{
	if (key != O_SPI)
		return -1;
	if (parse_spi(arg, ctx))
		return tenc_err(TENC_USAGE, "--spi", "must be a number 1..15");
	return 0;
}

static int do_add(const struct cmd *self, int argc, char **argv)
{
	struct tenc_key k;
	struct node n;
	char err[160];
	int i, spi = 0, ret;

	i = cmd_parse(self, argc, argv, add_opt, &spi, 1, 1);
	if (i <= 0)
		return -i;
	if (key_read_file(argv[i], &k, err, sizeof(err)))
		return tenc_err(TENC_USAGE, "key", "%s", err);
	if (spi)
		k.spi = spi;
	if ((ret = writer_begin()))
		goto out_key;
	if ((ret = node_load(&n)))
		goto out_lock;
	if (keys_current(&n.keys)) {
		ret = tenc_err(TENC_USAGE, "key", "a current key exists (spi %d); use tenc key rotate",
			       keys_current(&n.keys)->spi);
		goto out;
	}
	for (int j = 0; j < n.keys.n; j++) {
		if (n.keys.v[j].k.spi == k.spi) {
			ret = tenc_err(TENC_USAGE, "spi", "%d is in use", k.spi);
			goto out;
		}
	}
	n.keys.v[n.keys.n].k = k;
	n.keys.v[n.keys.n++].state = KEY_CURRENT;
	ret = node_reconcile(&n, NULL);
	if (!ret)
		ret = keys_save(&n.keys);
	if (!ret) {
		char fp[17];

		key_fingerprint(&k, fp);
		if (tenc_json_begin()) {
			jw_start_object(jw);
			jw_uint_field(jw, "spi", (uint64_t)k.spi);
			jw_string_field(jw, "state", "current");
			jw_string_field(jw, "fingerprint", fp);
			jw_end_object(jw);
		} else {
			printf("key spi %d added (current, fingerprint %s)\n", k.spi, fp);
		}
	}
out:
	node_free(&n);
out_lock:
	writer_end();
out_key:
	key_wipe(&k);
	return ret;
}

static int do_list(const struct cmd *self, int argc, char **argv)
{
	struct keyring r;
	char fp[17], algo[140];
	int i, ret;

	i = cmd_parse(self, argc, argv, NULL, NULL, 0, 0);
	if (i <= 0)
		return -i;
	if ((ret = keys_load(&r)))
		return ret;
	if (tenc_json_begin()) {
		jw_start_object(jw);
		jw_name(jw, "keys");
		jw_start_array(jw);
	} else if (r.n) {
		printf("%-4s %-9s %-34s %-4s %s\n", "SPI", "STATE", "ALGORITHM", "ICV", "FINGERPRINT");
	}
	for (int k = 0; k < r.n; k++) {
		const struct tenc_key *key = &r.v[k].k;

		key_fingerprint(key, fp);
		key_algo_str(key, algo, sizeof(algo));
		if (jw) {
			jw_start_object(jw);
			jw_uint_field(jw, "spi", (uint64_t)key->spi);
			jw_string_field(jw, "state", key_state_str(r.v[k].state));
			jw_string_field(jw, "algorithm", algo);
			jw_uint_field(jw, "icv_bits", (uint64_t)(key->aead ? key->icv_bits : 0));
			jw_string_field(jw, "fingerprint", fp);
			jw_string_field(jw, "key", "(hidden)");
			jw_end_object(jw);
		} else {
			printf("%-4d %-9s %-34s %-4d %s\n", key->spi, key_state_str(r.v[k].state), algo,
			       key->aead ? key->icv_bits : 0, fp);
		}
	}
	if (jw) {
		jw_end_array(jw);
		jw_uint_field(jw, "advertise", (uint64_t)keys_advertise(&r));
		jw_end_object(jw);
	} else if (r.n) {
		printf("advertise spi %d to the peers\n", keys_advertise(&r));
	}
	keys_wipe(&r);
	return TENC_OK;
}

static const struct opt add_opts[] = {
	{ "spi", O_SPI, required_argument, "N", "use this SPI (1..15) instead of the line's", NULL },
	{ 0 },
};

static const struct cmd key_gen = {
	.name = "gen", .fn = do_gen, .synopsis = "",
	.summary = "print a new key line (cilium-ipsec-keys format) on stdout",
};
static const struct cmd key_add = {
	.name = "add", .fn = do_add, .opts = add_opts, .synopsis = "[--spi N] FILE|-",
	.summary = "add the key in FILE (or stdin) as the current key", .args_values = "file",
};
static const struct cmd key_list = {
	.name = "list", .fn = do_list, .synopsis = "",
	.summary = "list keys: SPI, algorithm, state and fingerprint (never the key)",
};

extern const struct cmd key_rotate;

static const struct cmd *const key_cmds[] = { &key_gen, &key_add, &key_list, &key_rotate, NULL };

const struct cmd cmd_key = {
	.name = "key",
	.sub = key_cmds,
	.summary = "manage IPsec keys",
};
