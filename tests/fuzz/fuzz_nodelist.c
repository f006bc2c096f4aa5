// SPDX-License-Identifier: GPL-2.0
/* fuzz_nodelist: nodelist_parse (lib/model/nodelist.h): kubectl node lists and
 * `tenc -j peer list` documents, peer sync's input. Each input is parsed
 * twice: without local node ips, and with 10.0.0.2 and fd00::2 as the local
 * ones.
 * Invariants:
 *  - never crashes; on error (the document as a whole): a non-empty,
 *    NUL-terminated message, and the set and the rejects empty;
 *  - on success, every peer: a valid name (peer_name_ok), 0..16 cidrs of
 *    each family and halves_check's whole (a node ip, a cidr, IPv4 cidrs
 *    with an IPv4 node ip), IPv4 cidrs sorted, adv_spi 0..15, id and out_spi unset (0); names unique;
 *    every reject a non-empty name and reason;
 *  - with the local ip: the same answer for the document; no peer has
 *    the local ip; every peer of the run without one not at it is there,
 *    the same; any other peer is named by a reject of that run (a name
 *    it shared with the local node). */
#include <arpa/inet.h>
#include "fuzz.h"
#include "names.h"
#include "nodelist.h"
#include "peers.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_init();
	return 0;
}

static void check_set(const struct peers *p, const char *what)
{
	char why[160];

	for (size_t i = 0; i < p->n; i++) {
		const struct peer *x = &p->v[i];

		FUZZ_CHECK(memchr(x->name, '\0', sizeof(x->name)) && peer_name_ok(x->name),
			   "%s: peer %zu: name not valid", what, i);
		FUZZ_CHECK(x->n_cidrs >= 0 && x->n_cidrs <= MAX_PEER_CIDRS && x->n_cidrs6 >= 0 &&
				   x->n_cidrs6 <= MAX_PEER_CIDRS, "%s: peer %zu ('%s'): %d, %d cidrs", what, i, x->name,
			   x->n_cidrs, x->n_cidrs6);
		FUZZ_CHECK(!halves_check_msg(x->node_ip, x->n_cidrs, x->node_ip6, x->n_cidrs6, "node_ip", "cidrs", why,
					     sizeof(why)), "%s: peer '%s': %s", what, x->name, why);
		for (int k = 1; k < x->n_cidrs; k++)
			FUZZ_CHECK(ntohl(x->cidrs[k - 1].addr) < ntohl(x->cidrs[k].addr) ||
					   (x->cidrs[k - 1].addr == x->cidrs[k].addr &&
					    x->cidrs[k - 1].len <= x->cidrs[k].len),
				   "%s: peer '%s': cidrs not sorted", what, x->name);
		FUZZ_CHECK(x->adv_spi >= 0 && x->adv_spi <= 15, "%s: peer '%s': adv_spi %d", what, x->name, x->adv_spi);
		FUZZ_CHECK(x->id == 0 && x->out_spi == 0, "%s: peer '%s': id %u out_spi %d set", what, x->name, x->id,
			   x->out_spi);
		for (size_t k = 0; k < i; k++)
			FUZZ_CHECK(strcmp(p->v[k].name, x->name), "%s: name '%s' twice", what, x->name);
	}
}

static void check_rejects(const struct node_rejects *r, const char *what)
{
	for (size_t i = 0; i < r->n; i++) {
		FUZZ_CHECK_ERR(r->v[i].name, sizeof(r->v[i].name), what);
		FUZZ_CHECK_ERR(r->v[i].reason, sizeof(r->v[i].reason), what);
	}
}

static int parse(const uint8_t *data, size_t size, const struct node_ips *local, struct peers *p, struct node_rejects *rej,
		 const char *what)
{
	char err[512];
	int r;

	fuzz_err_fill(err, sizeof(err));
	r = nodelist_parse((const char *)data, size, local, p, rej, err, sizeof(err));
	if (r) {
		FUZZ_CHECK(r == -1, "%s: nodelist_parse returned %d", what, r);
		FUZZ_CHECK_ERR(err, sizeof(err), what);
		FUZZ_CHECK(p->n == 0 && p->v == NULL, "%s: failed, but the set is not empty", what);
		FUZZ_CHECK(rej->n == 0 && rej->v == NULL, "%s: failed, but rejects are kept", what);
	} else {
		check_set(p, what);
		check_rejects(rej, what);
	}
	return r;
}

static bool rejected(const struct node_rejects *r, const char *name)
{
	for (size_t i = 0; i < r->n; i++)
		if (!strcmp(r->v[i].name, name))
			return true;
	return false;
}

/* rest (parsed with local) against all (without). */
static void check_local(const struct peers *all, const struct node_rejects *rej0, const struct peers *rest,
			const struct node_ips *local)
{
	struct peers one = { 0 }, other = { 0 };
	char why[256];
	const char *d;

	for (size_t i = 0; i < rest->n; i++) {
		const struct peer *x = &rest->v[i];

		FUZZ_CHECK(!node_ips_held(local, x), "peer '%s' at a local ip", x->name);
		FUZZ_CHECK(peers_find(all, x->name) || rejected(rej0, x->name),
			   "with a local ip: peer '%s' neither peered nor rejected without", x->name);
	}
	for (size_t i = 0; i < all->n; i++) {
		const struct peer *x = &all->v[i], *y;

		if (node_ips_held(local, x))
			continue;
		y = peers_find(rest, x->name);
		FUZZ_CHECK(y, "with a local ip: peer '%s' missing", x->name);
		*peers_add(&one) = *x;
		*peers_add(&other) = *y;
	}
	FUZZ_CHECK(!(d = peers_diff(&one, &other, why, sizeof(why))), "with a local ip: %s", d);
	peers_free(&one);
	peers_free(&other);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct node_ips local = { htonl(0x0a000002), /* 10.0.0.2 and fd00::2 */
				  { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2 } };
	struct node_rejects rej0, rej1;
	struct peers all, rest;
	int r0, r1;

	r0 = parse(data, size, NULL, &all, &rej0, "no local ip");
	r1 = parse(data, size, &local, &rest, &rej1, "local 10.0.0.2, fd00::2");
	FUZZ_CHECK(r0 == r1, "the document: %d without a local ip, %d with one", r0, r1);
	if (!r0)
		check_local(&all, &rej0, &rest, &local);
	peers_free(&all);
	peers_free(&rest);
	rejects_free(&rej0);
	rejects_free(&rej1);
	return 0;
}
