// SPDX-License-Identifier: GPL-2.0
/* rotate.c: key rotation, the use cases behind `tenc key rotate`
 * (cmd/key_rotate.c parses and prints). Three phases, each idempotent and
 * safe to re-run after a crash (state files are written before the kernel
 * is converged):
 *   prepare  the new key becomes pending at the next SPI; every peer gets
 *            IN and OUT SAs and the OUT policy for it; OUT still uses the
 *            current key
 *   commit   pending -> current, current -> retiring; OUT switches per peer
 *            (ipcache mark), but only towards peers that advertise the new
 *            SPI, or all
 *   finish   remove the retiring key, unless a peer still sends with it
 *            (its IN SA counters moved within quiet_for seconds) or OUT
 *            still uses it
 *   auto     all three, committing per peer as peers advertise; run
 *            again with the same key line, it resumes the rotation from
 *            the phase the state files show (rotate_step_resume)
 * A peer advertises an SPI with `peer add --spi`, or `spi` in peer sync.
 * Owns: the pure steps on a loaded node (rotate_step_*, unit-tested), the
 * phases around them (uc_begin's lock and load, save, converge), the
 * finish's counter poll, --auto's loop and where it resumes. Keeps no state between calls:
 * what a call learns is in its result. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "apply.h"
#include "nodeio.h"
#include "rotate.h"
#include "store.h"
#include "tenc.h"
#include "uc_node.h"

/* Position in r of the key in state st, or -1. */
static int find(const struct keyring *r, enum key_state st)
{
	for (int i = 0; i < r->n; i++)
		if (r->v[i].state == st)
			return i;
	return -1;
}

static bool installed(const struct keyring *r, int spi)
{
	for (int i = 0; i < r->n; i++)
		if (r->v[i].k.spi == spi)
			return true;
	return false;
}

/* The SPI after cur, 1..15 wrapping, that no installed key holds. */
static int next_spi(const struct keyring *r, int cur)
{
	for (int d = 1; d <= TENC_SPI_MAX; d++) {
		int s = (cur - 1 + d) % TENC_SPI_MAX + 1;

		if (!installed(r, s))
			return s;
	}
	return 0;
}

static bool same_material(const struct tenc_key *a, const struct tenc_key *b)
{
	return key_same_shape(a, b) && a->key_len == b->key_len &&
	       memcmp(a->key, b->key, a->key_len) == 0 && a->auth_key_len == b->auth_key_len &&
	       memcmp(a->auth_key, b->auth_key, a->auth_key_len) == 0;
}

/* Append name to the ", "-separated list in buf (cut at len). */
static void names_add(char *buf, size_t len, const char *name)
{
	size_t off = strlen(buf);

	if (off + 1 < len)
		snprintf(buf + off, len - off, "%s%s", off ? ", " : "", name);
}

int rotate_step_prepare(struct node *n, struct tenc_key *k, int spi, struct rotate_result *res)
{
	struct keyring *r = &n->keys;
	int cur = find(r, KEY_CURRENT), pend = find(r, KEY_PENDING), ret = find(r, KEY_RETIRING);

	if (cur < 0)
		return tenc_err(TENC_USAGE, "key", "no current key to rotate from (use tenc key add)");
	for (int i = 0; i < r->n; i++) {
		if (!same_material(k, &r->v[i].k))
			continue;
		/* A re-run of this rotation (its key pending, or committed with
		 * the old one still retiring): converge. Otherwise: nothing new. */
		if (r->v[i].state == KEY_PENDING || (r->v[i].state == KEY_CURRENT && ret >= 0))
			return res->again = true, 0;
		return tenc_err(TENC_USAGE, "key", "this key is already installed (spi %d, %s)",
				r->v[i].k.spi, key_state_str(r->v[i].state));
	}
	if (pend >= 0)
		return tenc_err(TENC_USAGE, "key", "a pending key exists (spi %d): commit and finish first",
				r->v[pend].k.spi);
	if (ret >= 0 && !key_same_shape(k, &r->v[ret].k))
		return tenc_err(TENC_USAGE, "key",
				"spi %d is retiring: the new key must have its algorithm and length",
				r->v[ret].k.spi);
	if (!spi)
		spi = next_spi(r, r->v[cur].k.spi);
	if (!spi || installed(r, spi))
		return tenc_err(TENC_USAGE, "spi", "%d is still installed", spi);
	k->spi = spi;
	res->pending = spi;
	res->current = r->v[cur].k.spi;
	r->v[r->n].k = *k;
	r->v[r->n++].state = KEY_PENDING;
	return 0;
}

/* Switch OUT towards peers that advertise spi `to` (all: every peer);
 * count and name in res those that still wait. */
static void switch_peers(struct node *n, int from, int to, bool all, struct rotate_result *res)
{
	res->waiting = 0;
	res->waiting_names[0] = '\0';
	for (size_t i = 0; i < n->peers.n; i++) {
		struct peer *x = &n->peers.v[i];

		if (!x->out_spi)
			x->out_spi = from; /* pinned to the old key until it switches */
		if (x->out_spi == to)
			continue;
		if (all || x->adv_spi == to) {
			x->out_spi = to;
			continue;
		}
		res->waiting++;
		names_add(res->waiting_names, sizeof(res->waiting_names), x->name);
	}
}

int rotate_step_commit(struct node *n, bool all, struct rotate_result *res)
{
	struct keyring *r = &n->keys;
	int cur = find(r, KEY_CURRENT), pend = find(r, KEY_PENDING), ret = find(r, KEY_RETIRING);

	if (pend >= 0) {
		if (cur < 0)
			return tenc_err(TENC_FAIL, "key", "keys.json has a pending key but no current one");
		if (ret >= 0)
			return tenc_err(TENC_USAGE, "key", "spi %d is still retiring: finish it first",
					r->v[ret].k.spi);
		res->retiring = r->v[cur].k.spi;
		res->current = r->v[pend].k.spi;
		r->v[cur].state = KEY_RETIRING;
		r->v[pend].state = KEY_CURRENT;
	} else if (ret >= 0 && cur >= 0) {
		res->retiring = r->v[ret].k.spi; /* a re-run: move the peers that now advertise */
		res->current = r->v[cur].k.spi;
	} else {
		return tenc_err(TENC_USAGE, "key", "no pending key to commit");
	}
	switch_peers(n, res->retiring, res->current, all, res);
	return 0;
}

/* Does OUT still use spi old towards some peer? Refuses (reported). */
static bool out_still_old(const struct node *n, int old, struct rotate_result *res)
{
	char names[512] = "";

	for (size_t i = 0; i < n->peers.n; i++)
		if (plan_out_spi(&n->keys, &n->peers.v[i]) == old)
			names_add(names, sizeof(names), n->peers.v[i].name);
	if (!names[0])
		return false;
	res->refused = true;
	tenc_err(TENC_FAIL, "finish",
		 "OUT still uses spi %d towards: %s (commit once they advertise, or --force)", old, names);
	return true;
}

int rotate_step_finish(struct node *n, bool force, struct rotate_result *res)
{
	struct keyring *r = &n->keys;
	int i = find(r, KEY_RETIRING), old;

	if (i < 0)
		return res->again = true, 0; /* nothing retiring: converge (re-run) */
	old = r->v[i].k.spi;
	if (!force && out_still_old(n, old, res))
		return TENC_FAIL;
	for (size_t p = 0; p < n->peers.n; p++)
		if (n->peers.v[p].out_spi == old)
			n->peers.v[p].out_spi = 0;
	key_wipe(&r->v[i].k);
	memmove(&r->v[i], &r->v[i + 1], (size_t)(r->n - i - 1) * sizeof(r->v[0]));
	r->n--;
	res->removed = old;
	return 0;
}

/* The IN SAs of one SPI, by peer node ip: what in_counters polls. */
struct in_sas {
	uint32_t me, spi;
	const uint8_t *me6;	/* NULL: the node has no IPv6 node ip */
	struct plan p;
};

static int keep_in_sa(const struct xsa *sa, void *data)
{
	struct in_sas *c = data;
	bool v6 = kfam(sa->family) == AF_INET6;
	struct xsa *x;

	if (sa->spi != c->spi || !plan_sa_is_tenc(sa) || (v6 && !c->me6) ||
	    !kaddr_eq(sa->family, sa->dst6, v6 ? c->me6 : (const uint8_t *)&c->me))
		return 0;
	if (!(x = plan_push_sa(&c->p)))
		return -ENOMEM;
	*x = *sa;
	return 0;
}

static int by_src(const void *a, const void *b)
{
	const struct xsa *x = a, *y = b;

	if (kfam(x->family) != kfam(y->family))
		return kfam(x->family) < kfam(y->family) ? -1 : 1;
	return kaddr_cmp(x->family, x->src6, y->src6);
}

/* The packets of the IN SA from src (family fam) in c, 0 if none. */
static uint64_t in_packets(const struct in_sas *c, uint8_t fam, const uint8_t *src)
{
	struct xsa key = { .family = fam };
	const struct xsa *s;

	memcpy(key.src6, src, kaddr_len(fam));
	s = c->p.n_sas ? bsearch(&key, c->p.sas, c->p.n_sas, sizeof(key), by_src) : NULL;
	return s ? s->packets : 0;
}

/* IN SA packet counters of spi from each peer, both families summed, into
 * pk[peer index]: one SA dump (polled every second while finish waits),
 * looked up by source. */
static int in_counters(const struct node *n, int spi, uint64_t *pk)
{
	struct in_sas c = { n->cfg.node_ip, (uint32_t)spi, ipv6_is_zero(n->cfg.node_ip6) ? NULL : n->cfg.node_ip6,
			    { 0 } };
	struct dp d;
	char why[512];
	int ret = dp_open(&d);

	if (ret)
		return ret;
	if ((ret = xfrm_sa_dump_af(d.x, AF_UNSPEC, keep_in_sa, &c)))
		ret = tenc_err(TENC_FAIL, "kernel", "reading the IN SAs: %s",
			       nlb_strerror(nlb_last_error(d.x), why, sizeof(why)));
	dp_close(&d);
	if (c.p.n_sas)
		qsort(c.p.sas, c.p.n_sas, sizeof(*c.p.sas), by_src);
	for (size_t i = 0; !ret && i < n->peers.n; i++) {
		const struct peer *x = &n->peers.v[i];

		pk[i] = x->node_ip ? in_packets(&c, AF_INET, (const uint8_t *)&x->node_ip) : 0;
		if (c.me6 && !ipv6_is_zero(x->node_ip6))
			pk[i] += in_packets(&c, AF_INET6, x->node_ip6);
	}
	plan_free(&c.p);
	return ret;
}

static bool stopped(const volatile sig_atomic_t *stop)
{
	return stop && *stop;
}

/* Sleep s seconds, a second at a time (a signal cuts one short): false
 * when stopped, before or meanwhile. */
static bool nap(int s, const volatile sig_atomic_t *stop)
{
	for (int t = 0; !stopped(stop) && t < s; t++)
		sleep(1);
	return !stopped(stop);
}

/* Peers still sending with spi: counters moving within quiet_for seconds,
 * named in out. The count, or -1 (failed, reported; or stopped). */
static int still_sending(const struct node *n, int spi, int quiet_for, const volatile sig_atomic_t *stop,
			 char *out, size_t len)
{
	uint64_t *a = calloc(n->peers.n + 1, sizeof(*a)), *b = calloc(n->peers.n + 1, sizeof(*b));
	int moved = 0, ret = a && b ? in_counters(n, spi, a) : tenc_err(TENC_FAIL, "finish", "out of memory");

	out[0] = '\0';
	for (int t = 0; !ret && !moved && t < quiet_for; t++) {
		ret = nap(1, stop) ? in_counters(n, spi, b) : -1;
		for (size_t i = 0; !ret && i < n->peers.n; i++) {
			if (b[i] == a[i])
				continue;
			moved++;
			names_add(out, len, n->peers.v[i].name);
		}
	}
	free(a);
	free(b);
	return ret ? -1 : moved;
}

/* Before the lock: is the retiring key quiet? 0 yes (or nothing retires),
 * TENC_FAIL no (reported, res->refused), or failed or stopped. */
static int finish_quiet(int quiet_for, const volatile sig_atomic_t *stop, struct rotate_result *res)
{
	char names[512];
	struct node n;
	int i, ret, moved;

	if ((ret = node_load(&n)))
		return ret;
	i = find(&n.keys, KEY_RETIRING);
	if (i >= 0 && out_still_old(&n, n.keys.v[i].k.spi, res)) {
		ret = TENC_FAIL;
	} else if (i >= 0) {
		int old = n.keys.v[i].k.spi;

		moved = still_sending(&n, old, quiet_for, stop, names, sizeof(names));
		ret = moved ? TENC_FAIL : 0;
		if (moved > 0) {
			res->refused = true;
			tenc_err(TENC_FAIL, "finish", "still receiving spi %d from: %s (within %d s; wait, or --force)",
				 old, names, quiet_for);
		}
	}
	node_free(&n);
	return ret;
}

enum phase { P_PREPARE, P_COMMIT, P_FINISH };

/* One phase under the lock: load, step, and save what changed; then
 * converge the kernel to the whole plan (a re-run: converge only). */
static int run_phase(enum phase ph, const struct rotate_args *a, struct tenc_key *k,
		     struct rotate_result *res)
{
	struct node n;
	int ret;

	if ((ret = uc_begin(&n, false))) /* no recovery first: the whole node converges */
		return ret;
	if (ph == P_PREPARE)
		ret = rotate_step_prepare(&n, k, a->spi, res);
	else if (ph == P_COMMIT)
		ret = rotate_step_commit(&n, a->all, res);
	else
		ret = rotate_step_finish(&n, a->force, res);
	if (!ret && !res->again)
		ret = keys_save(&n.keys) ?: peers_save(&n.peers);
	if (!ret)
		ret = node_reconcile(&n, NULL);
	uc_end(&n);
	return ret;
}

int rotate_prepare(const struct rotate_args *a, struct tenc_key *k, struct rotate_result *res)
{
	memset(res, 0, sizeof(*res));
	return run_phase(P_PREPARE, a, k, res);
}

int rotate_commit(const struct rotate_args *a, struct rotate_result *res)
{
	memset(res, 0, sizeof(*res));
	return run_phase(P_COMMIT, a, NULL, res);
}

static int finish(const struct rotate_args *a, const volatile sig_atomic_t *stop, struct rotate_result *res)
{
	int ret;

	memset(res, 0, sizeof(*res));
	if (!a->force && (ret = finish_quiet(a->quiet_for, stop, res)))
		return ret;
	return run_phase(P_FINISH, a, NULL, res);
}

int rotate_finish(const struct rotate_args *a, struct rotate_result *res)
{
	return finish(a, NULL, res);
}

/* The message for a line that is not the new key of the rotation in
 * progress (pend: its pending key, or -1: committed, ret retiring). */
static int not_this_rotation(const struct keyring *r, int cur, int pend, int ret)
{
	int from = pend >= 0 ? r->v[cur].k.spi : r->v[ret].k.spi;
	int to = pend >= 0 ? r->v[pend].k.spi : r->v[cur].k.spi;

	return tenc_err(TENC_USAGE, "key",
			"a rotation from spi %d to spi %d is in progress and this key line is not its new key: "
			"finish it first (--commit, --finish), or run --auto with its line", from, to);
}

int rotate_step_resume(const struct node *n, const struct tenc_key *k, int spi, enum rotate_from *from,
		       struct rotate_result *res)
{
	const struct keyring *r = &n->keys;
	int cur = find(r, KEY_CURRENT), pend = find(r, KEY_PENDING), ret = find(r, KEY_RETIRING), m = -1;

	*from = ROTATE_FROM_PREPARE;
	for (int i = 0; i < r->n && m < 0; i++)
		if (same_material(k, &r->v[i].k) && (!spi || r->v[i].k.spi == spi))
			m = i;
	if (cur < 0 || (pend < 0 && ret < 0 && (m < 0 || m != cur)))
		return 0; /* a new rotation: prepare says what it refuses */
	if (pend >= 0 && ret >= 0)
		return tenc_err(TENC_USAGE, "key", "spi %d is still retiring: finish that rotation first",
				r->v[ret].k.spi);
	res->current = r->v[cur].k.spi;
	if (pend >= 0 && m == pend) {
		*from = ROTATE_FROM_PENDING;
		res->pending = r->v[pend].k.spi;
	} else if (ret >= 0 && m == cur) {
		*from = ROTATE_FROM_COMMITTED;
		res->retiring = r->v[ret].k.spi;
	} else if (pend < 0 && ret < 0) {
		*from = ROTATE_FROM_DONE;
	} else {
		return not_this_rotation(r, cur, pend, ret);
	}
	return 0;
}

/* Where --auto starts for k (spi: --spi, 0 any), read before the lock;
 * the phases re-check under it. */
static int auto_where(const struct tenc_key *k, int spi, enum rotate_from *from, struct rotate_result *res)
{
	struct node n;
	int ret = node_load(&n);

	memset(res, 0, sizeof(*res));
	if (ret)
		return ret;
	ret = rotate_step_resume(&n, k, spi, from, res);
	node_free(&n);
	return ret;
}

static void tell(const struct rotate_watch *w, enum rotate_step step, const struct rotate_result *res)
{
	if (w->progress)
		w->progress(step, res, w->ctx);
}

static int interrupted(const char *next)
{
	return tenc_err(TENC_FAIL, "rotate", "interrupted; re-run %s", next);
}

/* Commit once a second until no peer waits. */
static int auto_commit(const struct rotate_args *a, const struct rotate_watch *w, struct rotate_result *res)
{
	size_t reported = (size_t)-1;
	int ret;

	for (;;) {
		if ((ret = rotate_commit(a, res)) || !res->waiting)
			return ret;
		if (res->waiting != reported)
			tell(w, ROTATE_WAITING, res);
		reported = res->waiting;
		if (!nap(1, w->stop))
			return interrupted("--commit, then --finish");
	}
}

/* From commit on: commit until every peer uses the new key, wait the
 * grace, finish (retried once a second while refused). */
static int auto_commit_finish(const struct rotate_args *a, const struct rotate_watch *w,
			      struct rotate_result *res)
{
	int ret;

	if ((ret = auto_commit(a, w, res)))
		return ret;
	tell(w, ROTATE_COMMITTED, res);
	if (!nap(a->grace, w->stop))
		return interrupted("--finish to continue");
	while ((ret = finish(a, w->stop, res)) && res->refused && nap(1, w->stop))
		;
	if (ret && stopped(w->stop))
		return interrupted("--finish to continue");
	return ret;
}

int rotate_auto(const struct rotate_args *a, struct tenc_key *k, const struct rotate_watch *w,
		struct rotate_result *res)
{
	enum rotate_from from;
	int ret;

	if ((ret = auto_where(k, a->spi, &from, res)))
		return ret;
	if (from != ROTATE_FROM_PREPARE)
		tell(w, ROTATE_RESUMED, res);
	if (from == ROTATE_FROM_DONE) {
		memset(res, 0, sizeof(*res));
		return run_phase(P_FINISH, a, NULL, res); /* nothing retiring: converge only */
	}
	if (from == ROTATE_FROM_COMMITTED)
		return auto_commit_finish(a, w, res);
	if ((ret = rotate_prepare(a, k, res)))
		return ret;
	tell(w, ROTATE_PREPARED, res);
	if (!nap(a->grace, w->stop))
		return interrupted("--commit, then --finish");
	return auto_commit_finish(a, w, res);
}
