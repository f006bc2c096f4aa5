// SPDX-License-Identifier: GPL-2.0
/* test_rotate.c: lib/uc/rotate.c's pure steps on a node in memory (no state
 * files, no kernel): prepare picks the next free SPI (wrapping past 15),
 * converges on a re-run and refuses what would break the ring; commit
 * moves the states and switches OUT only towards the peers advertising
 * the new SPI (all with --all), a re-run moving the ones that advertise
 * since; finish refuses while OUT uses the old key towards a peer, and
 * with force removes it. Refusals are reported (tenc_err) and change
 * nothing. */
#include <stdlib.h>
#include "rotate.h"
#include "tap.h"
#include "tenc.h"

/* stderr goes to errs; err_new() is what was reported since its last call. */
static char errs[8192];
static size_t errs_seen;

static const char *err_new(void)
{
	static char out[1024];

	fflush(stderr);
	snprintf(out, sizeof(out), "%s", errs + errs_seen);
	errs_seen = strlen(errs);
	out[strcspn(out, "\n")] = '\0';
	return out;
}

static struct tenc_key key(int spi, int byte, int len)
{
	char line[256], err[160], hex[2 * KEY_MAX_BYTES + 1];
	struct tenc_key k;

	for (int i = 0; i < len; i++)
		snprintf(hex + 2 * i, 3, "%02x", byte);
	snprintf(line, sizeof(line), "%d+ rfc4106(gcm(aes)) %s 128", spi, hex);
	if (key_parse_line(line, &k, err, sizeof(err)))
		printf("# key_parse_line: %s\n", err);
	return k;
}

/* A node with a current key at spi cur and peers a (advertising adv_a)
 * and b (adv_b). */
static void node_init(struct node *n, int cur, int adv_a, int adv_b)
{
	const char *names[] = { "a", "b" };
	int adv[] = { adv_a, adv_b };

	node_free(n);
	memset(n, 0, sizeof(*n));
	n->enabled = true;
	n->keys.v[0].k = key(cur, 0x11, 20);
	n->keys.v[0].state = KEY_CURRENT;
	n->keys.n = 1;
	for (int i = 0; i < 2; i++) {
		struct peer *x = peers_add(&n->peers);

		snprintf(x->name, sizeof(x->name), "%s", names[i]);
		x->id = (uint16_t)(i + 1);
		x->adv_spi = adv[i];
	}
}

static int state_of(const struct node *n, int spi)
{
	for (int i = 0; i < n->keys.n; i++)
		if (n->keys.v[i].k.spi == spi)
			return (int)n->keys.v[i].state;
	return -1;
}

static void test_prepare(struct node *n)
{
	struct rotate_result r = { 0 };
	struct tenc_key k = key(9, 0x22, 20), same = key(9, 0x11, 20);

	node_init(n, 1, 0, 0);
	n->keys.n = 0;
	is_int(rotate_step_prepare(n, &k, 0, &r), TENC_USAGE, "prepare without a current key: refused");
	is_str(err_new(), "tenc: key: no current key to rotate from (use tenc key add)", "  and said so");

	node_init(n, 1, 0, 0);
	memset(&r, 0, sizeof(r));
	is_int(rotate_step_prepare(n, &k, 0, &r), 0, "prepare: done");
	ok(r.pending == 2 && r.current == 1 && !r.again, "  the next SPI, 2, pending; OUT on 1 (%d, %d)",
	   r.pending, r.current);
	ok(n->keys.n == 2 && state_of(n, 2) == KEY_PENDING && k.spi == 2, "  the key pending at spi 2");
	memset(&r, 0, sizeof(r));
	is_int(rotate_step_prepare(n, &k, 0, &r), 0, "prepare again with the same key: fine");
	ok(r.again && !r.pending && n->keys.n == 2, "  a re-run: converge only, nothing added");
	k = key(9, 0x33, 20);
	is_int(rotate_step_prepare(n, &k, 0, &r), TENC_USAGE, "another key while one is pending: refused");
	is_str(err_new(), "tenc: key: a pending key exists (spi 2): commit and finish first", "  and said so");

	node_init(n, 1, 0, 0);
	is_int(rotate_step_prepare(n, &same, 0, &r), TENC_USAGE, "the current key again: refused");
	is_str(err_new(), "tenc: key: this key is already installed (spi 1, current)", "  and said so");
	is_int(rotate_step_prepare(n, &k, 1, &r), TENC_USAGE, "--spi of an installed key: refused");
	is_str(err_new(), "tenc: spi: 1 is still installed", "  and said so");
	is_int(n->keys.n, 1, "  nothing added by the refusals");

	node_init(n, 15, 0, 0);
	memset(&r, 0, sizeof(r));
	rotate_step_prepare(n, &k, 0, &r);
	is_int(r.pending, 1, "after spi 15 comes spi 1");
	node_init(n, 4, 0, 0);
	memset(&r, 0, sizeof(r));
	rotate_step_prepare(n, &k, 7, &r);
	is_int(r.pending, 7, "--spi 7 prepares at 7");
	key_wipe(&k);
	key_wipe(&same);
}

static void test_commit(struct node *n)
{
	struct rotate_result r = { 0 };
	struct tenc_key k = key(9, 0x22, 20);

	node_init(n, 1, 0, 0);
	is_int(rotate_step_commit(n, false, &r), TENC_USAGE, "commit with nothing pending: refused");
	is_str(err_new(), "tenc: key: no pending key to commit", "  and said so");

	/* a advertises the new SPI, b the old one */
	node_init(n, 1, 2, 1);
	rotate_step_prepare(n, &k, 0, &r);
	memset(&r, 0, sizeof(r));
	is_int(rotate_step_commit(n, false, &r), 0, "commit: done");
	ok(state_of(n, 2) == KEY_CURRENT && state_of(n, 1) == KEY_RETIRING, "  2 current, 1 retiring");
	ok(r.current == 2 && r.retiring == 1, "  and so says the result (%d, %d)", r.current, r.retiring);
	ok(n->peers.v[0].out_spi == 2 && n->peers.v[1].out_spi == 1,
	   "  OUT switched towards a only (a %d, b %d)", n->peers.v[0].out_spi, n->peers.v[1].out_spi);
	ok(r.waiting == 1 && !strcmp(r.waiting_names, "b"), "  b waits (%zu: '%s')", r.waiting,
	   r.waiting_names);

	n->peers.v[1].adv_spi = 2;
	memset(&r, 0, sizeof(r));
	is_int(rotate_step_commit(n, false, &r), 0, "commit again once b advertises");
	ok(n->peers.v[1].out_spi == 2 && r.waiting == 0 && r.current == 2 && r.retiring == 1,
	   "  OUT switched towards b, none waits");

	node_init(n, 1, 0, 0);
	rotate_step_prepare(n, &k, 0, &r);
	memset(&r, 0, sizeof(r));
	rotate_step_commit(n, true, &r);
	ok(n->peers.v[0].out_spi == 2 && n->peers.v[1].out_spi == 2 && r.waiting == 0,
	   "commit --all: OUT switched towards both, advertising or not");
	key_wipe(&k);
	k = key(9, 0x44, 36);
	is_int(rotate_step_prepare(n, &k, 0, &r), TENC_USAGE, "while 1 retires, a key of another length: refused");
	is_str(err_new(), "tenc: key: spi 1 is retiring: the new key must have its algorithm and length",
	       "  and said so");
	key_wipe(&k);
}

static void test_finish(struct node *n)
{
	struct rotate_result r = { 0 };
	struct tenc_key k = key(9, 0x22, 20);

	node_init(n, 1, 0, 0);
	is_int(rotate_step_finish(n, false, &r), 0, "finish with nothing retiring: fine");
	ok(r.again && !r.removed && n->keys.n == 1, "  a re-run: converge only");

	node_init(n, 1, 2, 0);
	rotate_step_prepare(n, &k, 0, &r);
	rotate_step_commit(n, false, &r);
	memset(&r, 0, sizeof(r));
	is_int(rotate_step_finish(n, false, &r), TENC_FAIL, "finish while OUT uses spi 1 towards b: refused");
	ok(r.refused && n->keys.n == 2, "  refused, both keys kept");
	is_str(err_new(), "tenc: finish: OUT still uses spi 1 towards: b (commit once they advertise, or --force)",
	       "  naming b");
	memset(&r, 0, sizeof(r));
	is_int(rotate_step_finish(n, true, &r), 0, "finish --force: done");
	ok(r.removed == 1 && n->keys.n == 1 && state_of(n, 2) == KEY_CURRENT, "  spi 1 removed, 2 current");
	ok(n->peers.v[1].out_spi == 0, "  b no longer pinned to spi 1 (it gets the current key)");

	node_init(n, 1, 2, 2);
	rotate_step_prepare(n, &k, 0, &r);
	rotate_step_commit(n, false, &r);
	memset(&r, 0, sizeof(r));
	is_int(rotate_step_finish(n, false, &r), 0, "finish once every peer switched: done");
	ok(r.removed == 1 && !r.refused && n->keys.n == 1, "  spi 1 removed");
	key_wipe(&k);
}

int main(void)
{
	struct node n = { 0 };

	stderr = fmemopen(errs, sizeof(errs) - 1, "w");
	test_prepare(&n);
	test_commit(&n);
	test_finish(&n);
	node_free(&n);
	ok(g.errors == 7, "every refusal was reported through tenc_err (%u)", g.errors);
	return done_testing();
}
