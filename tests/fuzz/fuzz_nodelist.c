// SPDX-License-Identifier: GPL-2.0
/* fuzz_nodelist: nodelist_parse (lib/model/nodelist.h): kubectl node lists and
 * `tenc -j peer list` documents, peer sync's input. Each input is parsed
 * twice: without a local node ip, and with 10.0.0.2 as the local one.
 * Invariants:
 *  - never crashes; on error: a non-empty, NUL-terminated message, and
 *    the set empty;
 *  - on success, every peer: a valid name (peer_name_ok), 1..16 cidrs,
 *    sorted, adv_spi 0..15, id and out_spi unset (0); names unique;
 *  - with the local ip: no peer has it, and if the run without one
 *    succeeded, this one succeeds too, with that set less the peers at
 *    the local ip. */
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
	for (size_t i = 0; i < p->n; i++) {
		const struct peer *x = &p->v[i];

		FUZZ_CHECK(memchr(x->name, '\0', sizeof(x->name)) && peer_name_ok(x->name),
			   "%s: peer %zu: name not valid", what, i);
		FUZZ_CHECK(x->n_cidrs >= 1 && x->n_cidrs <= MAX_PEER_CIDRS, "%s: peer %zu ('%s'): %d cidrs", what, i,
			   x->name, x->n_cidrs);
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

static int parse(const uint8_t *data, size_t size, uint32_t local, struct peers *p, const char *what)
{
	char err[512];
	int r;

	fuzz_err_fill(err, sizeof(err));
	r = nodelist_parse((const char *)data, size, local, p, err, sizeof(err));
	if (r) {
		FUZZ_CHECK(r == -1, "%s: nodelist_parse returned %d", what, r);
		FUZZ_CHECK_ERR(err, sizeof(err), what);
		FUZZ_CHECK(p->n == 0 && p->v == NULL, "%s: failed, but the set is not empty", what);
	} else {
		check_set(p, what);
	}
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t local = htonl(0x0a000002); /* 10.0.0.2 */
	struct peers all, rest, want = { 0 };
	char why[256];
	const char *d;
	int r0, r1;

	r0 = parse(data, size, 0, &all, "no local ip");
	r1 = parse(data, size, local, &rest, "local 10.0.0.2");
	FUZZ_CHECK(r0 || !r1, "accepted without a local ip, refused with one");
	for (size_t i = 0; !r1 && i < rest.n; i++)
		FUZZ_CHECK(rest.v[i].node_ip != local, "peer '%s' at the local ip", rest.v[i].name);
	if (!r0 && !r1) {
		for (size_t i = 0; i < all.n; i++) {
			struct peer *x;

			if (all.v[i].node_ip == local)
				continue;
			if (!(x = peers_add(&want)))
				abort();
			*x = all.v[i];
		}
		FUZZ_CHECK(!(d = peers_diff(&want, &rest, why, sizeof(why))),
			   "with a local ip: not the set less the local node: %s", d);
	}
	peers_free(&want);
	peers_free(&all);
	peers_free(&rest);
	return 0;
}
