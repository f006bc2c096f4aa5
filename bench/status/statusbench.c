// SPDX-License-Identifier: GPL-2.0
/* statusbench.c: `make bench-status`: what status's matching of the
 * kernel's objects to peers costs at scale, the current derivation
 * (status_derive: one index of the peers) against the one of STATUS_BASE
 * (old.c: a scan of every object per peer) in the same run. No kernel:
 * a node with PEERS dual-stack peers (argv[1], default 5000;
 * tests/unit/manypeers.h), its kernel
 * view the planner's objects (plan_all: 4 SAs, 4 OUT policies and 4
 * ipcache entries a peer) in a shuffled order, the intent the same plan;
 * the state dir a temporary one whose rx.json holds every IN SA, as a
 * converge leaves it (argv[3] "0": no rx.json), then one SA in 7 refusing
 * a packet. ROUNDS (argv[2],
 * default 5) rounds, each one derivation of each, alternating; the
 * medians, their ratio, and whether both gave the same answer (per peer
 * its SAs, ipcache entries in order, policies, rejecting; the drift).
 * Writes one JSON document to stdout. Exit 1 when the answers differ. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "status.h"
#include "tenc.h"
#include "manypeers.h"

int old_status_derive(struct status *s);

/* What a derivation added to s, gone (status_free of all but n, have
 * and want): s holds n, have and want again, as before it. */
static void undo(struct status *s)
{
	struct status d = *s;

	memset(&d.n, 0, sizeof(d.n));
	memset(&d.have, 0, sizeof(d.have));
	memset(&d.want, 0, sizeof(d.want));
	status_free(&d);
	s->drift = NULL, s->ipc = NULL, s->sas = NULL, s->peers = NULL, s->n_drift = 0;
	memset(&s->missing, 0, sizeof(s->missing));
	memset(&s->extra, 0, sizeof(s->extra));
}

/* rx.json as rxbase_save writes it after a converge: every IN SA (a
 * mark), in the kernel's order. */
static int write_rx(const char *dir, const struct plan *p)
{
	char path[256], ip[KADDR_STRLEN];
	FILE *f;

	snprintf(path, sizeof(path), "%s/rx.json", dir);
	if (!(f = fopen(path, "w")))
		return -1;
	fprintf(f, "{\"sas\": [");
	for (size_t i = 0, n = 0; i < p->n_sas; i++)
		if (p->sas[i].mark)
			fprintf(f, "%s{\"add_time\": %llu, \"integrity\": 0, \"mark\": %u, \"packets\": 0, "
				   "\"replay\": 0, \"spi\": %u, \"src\": \"%s\"}", n++ ? ", " : "",
				(unsigned long long)p->sas[i].add_time, p->sas[i].mark, p->sas[i].spi,
				kaddr_str(p->sas[i].family, p->sas[i].src6, ip, sizeof(ip)));
	fprintf(f, "]}\n");
	return fclose(f);
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Seconds for one derivation by f; the answer kept in s. */
static double timed(int (*f)(struct status *), struct status *s)
{
	double t0 = now_s();

	if (f(s))
		exit(2);
	return now_s() - t0;
}

/* Do a (the old) and b (the new) give the same answer? */
static bool same(const struct status *a, const struct status *b)
{
	bool ok = a->n_drift == b->n_drift && !memcmp(a->drift, b->drift, a->n_drift * sizeof(*a->drift));

	for (size_t k = 0; ok && k < a->n.peers.n; k++) {
		const struct status_peer *x = &a->peers[k], *y = &b->peers[k];

		ok = x->p == y->p && x->out_spi == y->out_spi && x->rejected == y->rejected &&
		     x->rejected_spi == y->rejected_spi && x->policies == y->policies && x->sa0 == y->sa0 &&
		     x->n_sas == y->n_sas && x->ipc0 == y->ipc0 && x->n_ipc == y->n_ipc &&
		     !memcmp(&a->sas[x->sa0], &b->sas[y->sa0], x->n_sas * sizeof(*a->sas)) &&
		     !memcmp(&a->ipc[x->ipc0], &b->ipc[y->ipc0], x->n_ipc * sizeof(*a->ipc));
	}
	return ok;
}

static int cmp_d(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return a < b ? -1 : a > b;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_d);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
	int np = argc > 1 ? atoi(argv[1]) : 5000, rounds = argc > 2 ? atoi(argv[2]) : 5;
	bool rx = argc <= 3 || strcmp(argv[3], "0");
	char dir[] = "/tmp/tenc-statusbench.XXXXXX";
	double *to = calloc((size_t)rounds + 1, sizeof(*to)), *tn = calloc((size_t)rounds + 1, sizeof(*tn));
	struct status a, b;
	bool agree = true;
	char path[256];
	size_t drift = 0;

	if (np < 1 || np > 65535 || rounds < 1 || !to || !tn || !(g.state_dir = mkdtemp(dir)))
		return 2;
	memset(&a, 0, sizeof(a));
	if (many_node(&a.n, np, false) || plan_all(&a.n.cfg, &a.n.keys, &a.n.peers, 2, 1500, &a.have) ||
	    plan_all(&a.n.cfg, &a.n.keys, &a.n.peers, 2, 1500, &a.want))
		return 2;
	many_shuffle(&a.have);
	for (size_t i = 0; i < a.have.n_sas; i++)
		a.have.sas[i].add_time = 1700000000 + i;
	if (rx && write_rx(dir, &a.have))
		return 2;
	for (size_t i = 0; i < a.have.n_sas; i += 7) /* refused since: some peers rejecting */
		a.have.sas[i].integrity_errors++;
	b = a; /* the same node and objects: b's derivation kept beside a's */
	for (int r = 0; r < rounds; r++) {
		to[r] = timed(old_status_derive, &a);
		tn[r] = timed(status_derive, &b);
		agree &= same(&a, &b);
		drift = a.n_drift;
		undo(&a);
		undo(&b);
	}
	printf("{\"peers\": %d, \"sas\": %zu, \"policies\": %zu, \"ipcache\": %zu, \"rounds\": %d, "
	       "\"rx_json\": %s, \"drift\": %zu, \"old_s\": %.6f, \"new_s\": %.6f, \"ratio_old_new\": %.1f, \"same_answer\": %s}\n",
	       np, a.have.n_sas, a.have.n_pols, a.have.n_ipc, rounds, rx ? "true" : "false", drift, median(to, rounds), median(tn, rounds),
	       median(to, rounds) / median(tn, rounds), agree ? "true" : "false");
	status_free(&a);
	snprintf(path, sizeof(path), "%s/rx.json", dir);
	unlink(path);
	rmdir(dir);
	free(to);
	free(tn);
	return agree ? 0 : 1;
}
