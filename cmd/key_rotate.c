// SPDX-License-Identifier: GPL-2.0
/* key_rotate.c: `tenc key rotate`: change keys with no lost packet and no
 * plaintext, in three phases, each idempotent and safe to re-run after a
 * crash (state files are written before the kernel is converged):
 *   prepare  FILE|-      the new key becomes pending at the next SPI; every
 *                        peer gets IN and OUT SAs and the OUT policy for it;
 *                        OUT still uses the current key
 *   --commit [--all]     pending -> current, current -> retiring; OUT
 *                        switches per peer (ipcache mark), but only towards
 *                        peers that advertise the new SPI, or all with --all
 *   --finish [--force]   remove the retiring key, unless a peer still sends
 *                        with it (its IN SA counters moved within
 *                        --quiet-for S) or OUT still uses it
 *   --auto FILE          all three, committing per peer as peers advertise
 * A peer advertises an SPI with `peer add --spi`, or `spi` in peer sync. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "apply.h"
#include "cli.h"
#include "node.h"
#include "nodelist.h"
#include "peer.h"
#include "state.h"
#include "tenc.h"

enum { O_COMMIT = OPT_LONG_BASE, O_FINISH, O_FORCE, O_ALL, O_QUIET, O_AUTO, O_GRACE, O_SPI };

static const struct opt rotate_opts[] = {
	{ "commit", O_COMMIT, no_argument, NULL, "switch OUT to the pending key", NULL },
	{ "all", O_ALL, no_argument, NULL, "with --commit: also towards peers not advertising it", NULL },
	{ "finish", O_FINISH, no_argument, NULL, "remove the retiring key", NULL },
	{ "force", O_FORCE, no_argument, NULL, "with --finish: even if peers still use it", NULL },
	{ "quiet-for", O_QUIET, required_argument, "S",
	  "with --finish: the old key's counters must be still for S seconds (10)", NULL },
	{ "auto", O_AUTO, no_argument, NULL, "prepare, commit per peer as they advertise, finish", NULL },
	{ "grace", O_GRACE, required_argument, "S", "with --auto: wait S seconds between phases (10)", NULL },
	{ "spi", O_SPI, required_argument, "N", "the new key's SPI (default: the next free one)", "spi" },
	{ 0 },
};

struct rot_args {
	bool commit, finish, force, all, automatic, have_quiet, have_grace;
	int quiet_for, grace, spi;
};

static bool quiet_output; /* --auto: report phases, not every poll */
static bool refused;      /* finish declined (peers still on the old key) */

static int num(const char *arg, const char *what, int max, int *out)
{
	unsigned long v;

	if (cli_number(arg, 0, (unsigned long)max, &v))
		return tenc_err(TENC_USAGE, what, "'%s' must be 0..%d", arg, max);
	*out = (int)v;
	return 0;
}

static int rot_opt(int key, char *arg, void *ctx)
{
	struct rot_args *a = ctx;

	switch (key) {
	case O_COMMIT: a->commit = true; return 0;
	case O_FINISH: a->finish = true; return 0;
	case O_FORCE: a->force = true; return 0;
	case O_ALL: a->all = true; return 0;
	case O_AUTO: a->automatic = true; return 0;
	case O_QUIET: a->have_quiet = true; return num(arg, "--quiet-for", 86400, &a->quiet_for);
	case O_GRACE: a->have_grace = true; return num(arg, "--grace", 86400, &a->grace);
	case O_SPI:
		return parse_spi(arg, &a->spi) ? tenc_err(TENC_USAGE, "--spi", "must be a number 1..15") : 0;
	}
	return -1;
}

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

static int save_and_apply(struct node *n)
{
	return keys_save(&n->keys) ?: peers_save(&n->peers) ?: node_reconcile(n, NULL);
}

static int prepare(struct node *n, struct tenc_key *k, int spi)
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
			return node_reconcile(n, NULL);
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
	r->v[r->n].k = *k;
	r->v[r->n++].state = KEY_PENDING;
	if ((cur = save_and_apply(n)))
		return cur;
	if (tenc_json_begin()) {
		jw_start_object(jw);
		jw_uint_field(jw, "pending", (uint64_t)spi);
		jw_end_object(jw);
		tenc_json_end();
	} else {
		printf("key spi %d pending: IN and OUT SAs installed, OUT still uses spi %d\n", spi,
		       r->v[find(r, KEY_CURRENT)].k.spi);
	}
	return 0;
}

/* Switch OUT towards peers that advertise spi `to` (all: every peer).
 * Returns how many still wait, listing them in `waiting`. */
static size_t switch_peers(struct node *n, int from, int to, bool all, char *waiting, size_t len)
{
	size_t wait = 0, off = 0;

	waiting[0] = '\0';
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
		wait++;
		if (off < len)
			off += (size_t)snprintf(waiting + off, len - off, "%s%s", off ? ", " : "", x->name);
	}
	return wait;
}

static int commit(struct node *n, bool all, size_t *waiting_out)
{
	struct keyring *r = &n->keys;
	int cur = find(r, KEY_CURRENT), pend = find(r, KEY_PENDING), ret = find(r, KEY_RETIRING);
	int from, to, rc;
	char waiting[512];
	size_t wait;

	if (pend >= 0) {
		if (cur < 0)
			return tenc_err(TENC_FAIL, "key", "keys.json has a pending key but no current one");
		if (ret >= 0)
			return tenc_err(TENC_USAGE, "key", "spi %d is still retiring: finish it first",
					r->v[ret].k.spi);
		from = r->v[cur].k.spi;
		to = r->v[pend].k.spi;
		r->v[cur].state = KEY_RETIRING;
		r->v[pend].state = KEY_CURRENT;
	} else if (ret >= 0 && cur >= 0) {
		from = r->v[ret].k.spi; /* a re-run: move the peers that now advertise */
		to = r->v[cur].k.spi;
	} else {
		return tenc_err(TENC_USAGE, "key", "no pending key to commit");
	}
	wait = switch_peers(n, from, to, all, waiting, sizeof(waiting));
	if ((rc = save_and_apply(n)))
		return rc;
	if (waiting_out)
		*waiting_out = wait;
	if (quiet_output)
		return 0;
	if (tenc_json_begin()) {
		jw_start_object(jw);
		jw_uint_field(jw, "current", (uint64_t)to);
		jw_uint_field(jw, "retiring", (uint64_t)from);
		jw_uint_field(jw, "waiting", wait);
		jw_end_object(jw);
		tenc_json_end();
	} else {
		printf("key spi %d is current, spi %d retiring%s%s%s\n", to, from,
		       wait ? "; OUT still uses the old key towards (not advertising it): " : "",
		       waiting, wait ? "" : "");
	}
	return 0;
}

/* The IN SAs of one SPI, by peer node ip: what in_counters polls. */
struct in_sas {
	uint32_t me, spi;
	struct plan p;
};

static int keep_in_sa(const struct xsa *sa, void *data)
{
	struct in_sas *c = data;
	struct xsa *x;

	if (sa->dst != c->me || sa->spi != c->spi || !plan_sa_is_tenc(sa))
		return 0;
	if (!(x = plan_push_sa(&c->p)))
		return -ENOMEM;
	*x = *sa;
	return 0;
}

static int by_src(const void *a, const void *b)
{
	uint32_t x = ((const struct xsa *)a)->src, y = ((const struct xsa *)b)->src;

	return x < y ? -1 : x > y;
}

/* IN SA packet counters of spi from each peer, into pk[peer index]: one SA
 * dump (polled every second while finish waits), looked up by source. */
static int in_counters(const struct node *n, int spi, uint64_t *pk)
{
	struct in_sas c = { n->cfg.node_ip, (uint32_t)spi, { 0 } };
	struct dp d;
	int ret = dp_open(&d);

	if (ret)
		return ret;
	if ((ret = xfrm_sa_dump(d.x, keep_in_sa, &c)))
		ret = tenc_errno(TENC_FAIL, -ret, "kernel", "reading the IN SAs");
	dp_close(&d);
	if (c.p.n_sas)
		qsort(c.p.sas, c.p.n_sas, sizeof(*c.p.sas), by_src);
	for (size_t i = 0; !ret && i < n->peers.n; i++) {
		struct xsa key = { .src = n->peers.v[i].node_ip };
		const struct xsa *s = c.p.n_sas ? bsearch(&key, c.p.sas, c.p.n_sas, sizeof(key), by_src) : NULL;

		pk[i] = s ? s->packets : 0;
	}
	plan_free(&c.p);
	return ret;
}

/* Peers still sending with spi: counters moving within quiet_for seconds. */
static int still_sending(const struct node *n, int spi, int quiet_for, char *out, size_t len)
{
	uint64_t *a = calloc(n->peers.n + 1, sizeof(*a)), *b = calloc(n->peers.n + 1, sizeof(*b));
	size_t off = 0, moved = 0;
	int ret = a && b ? in_counters(n, spi, a) : TENC_FAIL;

	out[0] = '\0';
	for (int t = 0; !ret && !moved && t < quiet_for; t++) {
		sleep(1);
		if ((ret = in_counters(n, spi, b)))
			break;
		for (size_t i = 0; i < n->peers.n; i++) {
			if (b[i] == a[i])
				continue;
			moved++;
			if (off < len)
				off += (size_t)snprintf(out + off, len - off, "%s%s", off ? ", " : "",
							n->peers.v[i].name);
		}
	}
	free(a);
	free(b);
	return ret ? -1 : (int)moved;
}

/* Before the lock: is the retiring key quiet? 0 yes (or nothing retires),
 * TENC_FAIL no (reported). */
static int out_still_old(const struct node *n, int old);

static int finish_quiet(int quiet_for)
{
	char names[512];
	struct node n;
	int ret, moved;

	if ((ret = node_load(&n)))
		return ret;
	ret = find(&n.keys, KEY_RETIRING);
	if (ret >= 0 && out_still_old(&n, n.keys.v[ret].k.spi)) {
		ret = TENC_FAIL; /* reported */
	} else if (ret >= 0) {
		int old = n.keys.v[ret].k.spi;

		moved = still_sending(&n, old, quiet_for, names, sizeof(names));
		ret = moved < 0 ? TENC_FAIL : 0;
		refused = moved > 0;
		if (moved > 0)
			ret = tenc_err(TENC_FAIL, "finish",
				       "still receiving spi %d from: %s (within %d s; wait, or --force)", old,
				       names, quiet_for);
	} else {
		ret = 0;
	}
	node_free(&n);
	return ret;
}

/* Does OUT still use spi old towards some peer? Reports them (refused). */
static int out_still_old(const struct node *n, int old)
{
	char names[512] = "";
	size_t off = 0;

	for (size_t i = 0; i < n->peers.n; i++)
		if (plan_out_spi(&n->keys, &n->peers.v[i]) == old && off < sizeof(names))
			off += (size_t)snprintf(names + off, sizeof(names) - off, "%s%s", off ? ", " : "",
						n->peers.v[i].name);
	refused = off > 0;
	if (refused)
		tenc_err(TENC_FAIL, "finish",
			 "OUT still uses spi %d towards: %s (commit once they advertise, or --force)", old,
			 names);
	return refused;
}

static int finish(struct node *n, bool force)
{
	struct keyring *r = &n->keys;
	int ret = find(r, KEY_RETIRING), old;

	if (ret < 0)
		return node_reconcile(n, NULL); /* nothing retiring: converge (re-run) */
	old = r->v[ret].k.spi;
	if (!force && out_still_old(n, old))
		return TENC_FAIL;
	for (size_t i = 0; i < n->peers.n; i++)
		if (n->peers.v[i].out_spi == old)
			n->peers.v[i].out_spi = 0;
	key_wipe(&r->v[ret].k);
	memmove(&r->v[ret], &r->v[ret + 1], (size_t)(r->n - ret - 1) * sizeof(r->v[0]));
	r->n--;
	if ((ret = save_and_apply(n)))
		return ret;
	if (tenc_json_begin()) {
		jw_start_object(jw);
		jw_uint_field(jw, "removed", (uint64_t)old);
		jw_end_object(jw);
		tenc_json_end();
	} else {
		printf("key spi %d removed\n", old);
	}
	return 0;
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* One phase under the lock. */
static int phase(int which, struct rot_args *a, struct tenc_key *k, size_t *waiting)
{
	struct node n;
	int ret = which == 2 && !a->force ? finish_quiet(a->quiet_for) : 0;

	if (ret || (ret = writer_begin()))
		return ret;
	if ((ret = node_load(&n)) == 0) {
		if (which == 0)
			ret = prepare(&n, k, a->spi);
		else if (which == 1)
			ret = commit(&n, a->all, waiting);
		else
			ret = finish(&n, a->force);
		node_free(&n);
	}
	writer_end();
	return ret;
}

/* --auto refuses up front what its commit would refuse later. */
static int auto_check(void)
{
	struct node n;
	int ret = node_load(&n);

	if (ret)
		return ret;
	ret = find(&n.keys, KEY_RETIRING);
	if (ret >= 0)
		ret = tenc_err(TENC_USAGE, "key", "spi %d is still retiring: finish that rotation first",
			       n.keys.v[ret].k.spi);
	else
		ret = 0;
	node_free(&n);
	return ret;
}

static int run_auto(struct rot_args *a, struct tenc_key *k)
{
	size_t waiting = 1, reported = (size_t)-1;
	int ret;

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if ((ret = auto_check()) || (ret = phase(0, a, k, NULL)))
		return ret;
	quiet_output = true;
	for (int t = 0; !stop && t < a->grace; t++)
		sleep(1);
	while (!stop && (ret = phase(1, a, k, &waiting)) == 0 && waiting) {
		if (waiting != reported)
			tenc_info(0, "rotate: committed; %zu peer%s not advertising the new key yet", waiting,
				  waiting == 1 ? "" : "s");
		reported = waiting;
		sleep(1);
	}
	if (ret || stop)
		return ret ?: tenc_err(TENC_FAIL, "rotate", "interrupted; re-run --commit, then --finish");
	tenc_info(0, "rotate: every peer uses the new key; finishing after %d s", a->grace);
	for (int t = 0; !stop && t < a->grace; t++)
		sleep(1);
	quiet_output = false;
	for (refused = true; !stop && refused;) {
		refused = false;
		if ((ret = phase(2, a, k, NULL)) == 0 || !refused)
			break;
		sleep(1);
	}
	if (ret && stop)
		return tenc_err(TENC_FAIL, "rotate", "interrupted; re-run --finish to continue");
	return ret;
}

static int do_rotate(const struct cmd *self, int argc, char **argv)
{
	struct rot_args a = { .quiet_for = 10, .grace = 10 };
	struct tenc_key k = { 0 };
	int i, modes, ret;
	char err[160];

	i = opts_parse(self, argc, argv, rot_opt, &a);
	if (i < 0)
		return i == -2 ? TENC_OK : TENC_USAGE;
	modes = a.commit + a.finish + a.automatic;
	if (modes > 1)
		return cmd_usage_error(self, "--commit, --finish and --auto exclude each other");
	if ((a.all && !a.commit) || ((a.force || a.have_quiet) && !a.finish) ||
	    (a.have_grace && !a.automatic) || (a.spi && (a.commit || a.finish)))
		return cmd_usage_error(self, "an option does not go with this phase");
	if (cmd_need_args(self, argc, i, a.commit || a.finish ? 0 : 1, a.commit || a.finish ? 0 : 1))
		return TENC_USAGE;
	if (!a.commit && !a.finish && key_read_file(argv[i], &k, err, sizeof(err)))
		return tenc_err(TENC_USAGE, "key", "%s", err);
	if (a.automatic)
		ret = run_auto(&a, &k);
	else
		ret = phase(a.commit ? 1 : a.finish ? 2 : 0, &a, &k, NULL);
	key_wipe(&k);
	return ret;
}

const struct cmd key_rotate = {
	.name = "rotate",
	.fn = do_rotate,
	.opts = rotate_opts,
	.synopsis = "FILE|- [--spi N] | --commit [--all] | --finish [--force] [--quiet-for S] | "
		    "--auto FILE [--grace S]",
	.summary = "rotate keys without losing or leaking a packet (prepare, commit, finish)",
	.args_values = "file",
};
