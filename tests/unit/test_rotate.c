// SPDX-License-Identifier: GPL-2.0
/* test_rotate.c: lib/uc/rotate.c's pure steps on a node in memory (no state
 * files, no kernel): prepare picks the next free SPI (wrapping past 15),
 * converges on a re-run and refuses what would break the ring; commit
 * moves the states and switches OUT only towards the peers advertising
 * the new SPI (all with --all), a re-run moving the ones that advertise
 * since; finish refuses while OUT uses the old key towards a peer, and
 * with force removes it; resume finds where --auto run again with a key
 * line starts (a new rotation, from pending, from committed, done) and
 * refuses another line while a rotation is under way. Refusals are reported (tenc_err) and change
 * nothing. And the kernel changes of each phase, against the kernel as a
 * dump shows it: no SA is ever removed first or replaced (a re-created
 * OUT SA restarts its sequence numbers, which the peer's IN SA refuses),
 * prepare only adds the new SPI's, finish only removes the old one's. */
#include <arpa/inet.h>
#include <stdlib.h>
#include "converge.h"
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

/* rotate_step_resume on n for key k (--spi spi): its return, *from in
 * from, the SPIs in r. */
static int resume(struct node *n, const struct tenc_key *k, int spi, enum rotate_from *from,
		  struct rotate_result *r)
{
	memset(r, 0, sizeof(*r));
	*from = (enum rotate_from)-1;
	return rotate_step_resume(n, k, spi, from, r);
}

static const char *busy12 = "tenc: key: a rotation from spi 1 to spi 2 is in progress and this key line is "
			    "not its new key: finish it first (--commit, --finish), or run --auto with its line";

static void test_resume(struct node *n)
{
	struct rotate_result r;
	struct tenc_key k = key(9, 0x22, 20), old = key(9, 0x11, 20), other = key(9, 0x33, 20);
	enum rotate_from f;

	node_init(n, 1, 2, 2);
	ok(!resume(n, &k, 0, &f, &r) && f == ROTATE_FROM_PREPARE, "resume, nothing under way: a new rotation");
	ok(!resume(n, &old, 0, &f, &r) && f == ROTATE_FROM_DONE && r.current == 1,
	   "resume with the current key's line, nothing retiring: done (current %d)", r.current);
	ok(!resume(n, &old, 5, &f, &r) && f == ROTATE_FROM_PREPARE,
	   "  the same key at another --spi: not this key (prepare refuses it)");

	rotate_step_prepare(n, &k, 0, &r);
	ok(!resume(n, &k, 0, &f, &r) && f == ROTATE_FROM_PENDING && r.pending == 2 && r.current == 1,
	   "resume, the line pending: from the commit (pending %d, current %d)", r.pending, r.current);
	ok(!resume(n, &k, 2, &f, &r) && f == ROTATE_FROM_PENDING, "  so with its --spi 2");
	is_int(resume(n, &k, 3, &f, &r), TENC_USAGE, "  the same material at --spi 3: refused");
	is_str(err_new(), busy12, "  naming both SPIs");
	is_int(resume(n, &other, 0, &f, &r), TENC_USAGE, "  another line: refused");
	is_str(err_new(), busy12, "  naming both SPIs");
	is_int(resume(n, &old, 0, &f, &r), TENC_USAGE, "  the old current key's line: refused");
	is_str(err_new(), busy12, "  naming both SPIs");

	rotate_step_commit(n, false, &r);
	ok(!resume(n, &k, 2, &f, &r) && f == ROTATE_FROM_COMMITTED && r.current == 2 && r.retiring == 1,
	   "resume, the line committed, 1 retiring: from the commit's re-run (current %d, retiring %d)",
	   r.current, r.retiring);
	is_int(resume(n, &old, 0, &f, &r), TENC_USAGE, "  the retiring key's line: refused");
	is_str(err_new(), busy12, "  naming both SPIs");
	is_int(resume(n, &other, 0, &f, &r), TENC_USAGE, "  another line: refused");
	is_str(err_new(), busy12, "  naming both SPIs");
	rotate_step_prepare(n, &other, 0, &r);
	is_int(resume(n, &other, 0, &f, &r), TENC_USAGE, "  a line pending while 1 still retires: refused");
	is_str(err_new(), "tenc: key: spi 1 is still retiring: finish that rotation first", "  and said so");
	n->keys.n--; /* that pending key undone */

	rotate_step_finish(n, false, &r);
	ok(!resume(n, &k, 2, &f, &r) && f == ROTATE_FROM_DONE && r.current == 2 && !r.retiring,
	   "resume, the line finished: done (current %d)", r.current);
	ok(!resume(n, &other, 0, &f, &r) && f == ROTATE_FROM_PREPARE, "  another line then: a new rotation");
	key_wipe(&k);
	key_wipe(&old);
	key_wipe(&other);
}

/* The kernel holding plan p, as a dump shows it: SAs without key bytes,
 * with the fingerprint of the key each was installed with. */
static void kernel_holds(const struct plan *p, struct plan *k)
{
	plan_free(k);
	k->spd = p->spd;
	for (size_t i = 0; i < p->n_sas; i++) {
		struct xsa *s = plan_push_sa(k);
		struct tenc_key d;

		*s = p->sas[i];
		key_derive(&s->key, &(struct key_pair){ .src = s->src, .dst = s->dst, .src_epoch = s->src_epoch,
							.dst_epoch = s->dst_epoch }, &d);
		key_fp8(&d, s->key_fp);
		key_wipe(&d);
		key_wipe(&s->key);
		s->key_base = false, s->has_key = s->has_fp = true;
	}
	for (size_t i = 0; i < p->n_pols; i++)
		*plan_push_pol(k) = p->pols[i];
	for (size_t i = 0; i < p->n_routes; i++)
		*plan_push_route(k) = p->routes[i];
	for (size_t i = 0; i < p->n_rules; i++)
		*plan_push_rule(k) = p->rules[i];
	for (size_t i = 0; i < p->n_ipc; i++)
		*plan_push_ipc(k) = p->ipc[i];
}

/* Converge the kernel k to n's plan: c is the change (converge_free it). */
static void converge_to(const struct node *n, struct plan *k, struct change *c)
{
	struct plan want = { 0 };

	ok(node_plan(n, &want) == 0 && converge_compute(&want, k, c) == 0, "  planned and computed");
	kernel_holds(&want, k);
	plan_free(&want);
}

static bool sas_all_spi(const struct plan *p, uint32_t spi)
{
	for (size_t i = 0; i < p->n_sas; i++)
		if (p->sas[i].spi != spi)
			return false;
	return true;
}

static void test_kernel_changes(void)
{
	struct node n = { 0 };
	struct tenc_key k2 = key(2, 0x22, 20);
	struct rotate_result res = { 0 };
	struct plan kern = { 0 };
	struct change c;

	node_init(&n, 1, 2, 2);
	n.cfg.encrypt = true;
	n.cfg.node_ip = htonl(0x0a000001);
	n.cfg.n_pod_cidrs = 1;
	n.cfg.pod_cidrs[0] = (struct cidr){ htonl(0x0a010100), 24 };
	n.ifindex = 2, n.mtu = 1500;
	for (size_t i = 0; i < n.peers.n; i++) {
		n.peers.v[i].node_ip = htonl(0x0a000002 + (uint32_t)i);
		n.peers.v[i].n_cidrs = 1;
		n.peers.v[i].cidrs[0] = (struct cidr){ htonl(0x0a010200 + 0x100 * (uint32_t)i), 24 };
	}
	converge_to(&n, &kern, &c);
	is_int(c.put.n_sas, 4, "before: an IN and an OUT SA per peer at spi 1");
	converge_free(&c);
	converge_to(&n, &kern, &c);
	is_int(converge_count(&c), 0, "  a converge of that kernel changes nothing (the fingerprints match)");
	converge_free(&c);

	ok(rotate_step_prepare(&n, &k2, 0, &res) == 0, "prepare");
	converge_to(&n, &kern, &c);
	ok(c.put.n_sas == 4 && sas_all_spi(&c.put, 2), "  adds the 4 SAs of spi 2");
	is_int(c.first.n_sas + c.del.n_sas, 0, "  removes and replaces no SA");
	is_int(c.put.n_ipc + c.del.n_ipc, 0, "  moves no ipcache entry: OUT stays on spi 1");
	converge_free(&c);

	ok(rotate_step_commit(&n, false, &res) == 0 && res.waiting == 0, "commit: both peers advertise spi 2");
	converge_to(&n, &kern, &c);
	is_int(c.put.n_sas + c.first.n_sas + c.del.n_sas, 0, "  touches no SA");
	is_int(c.put.n_ipc, 4, "  the ipcache entries switch to spi 2 (in place)");
	converge_free(&c);

	ok(rotate_step_finish(&n, false, &res) == 0 && res.removed == 1, "finish");
	converge_to(&n, &kern, &c);
	is_int(c.put.n_sas + c.first.n_sas, 0, "  adds and replaces no SA");
	ok(c.del.n_sas == 4 && sas_all_spi(&c.del, 1), "  removes the 4 SAs of spi 1, no other");
	converge_free(&c);
	converge_to(&n, &kern, &c);
	is_int(converge_count(&c), 0, "  then a converge changes nothing");
	converge_free(&c);
	plan_free(&kern);
	node_free(&n);
}

int main(void)
{
	struct node n = { 0 };

	stderr = fmemopen(errs, sizeof(errs) - 1, "w");
	test_prepare(&n);
	test_commit(&n);
	test_finish(&n);
	test_resume(&n);
	node_free(&n);
	test_kernel_changes();
	ok(g.errors == 13, "every refusal was reported through tenc_err (%u)", g.errors);
	return done_testing();
}
