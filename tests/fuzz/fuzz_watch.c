// SPDX-License-Identifier: GPL-2.0
/* fuzz_watch: the watch stream parser (lib/model/watch.h) on any bytes, as
 * `peer sync --watch` reads kubectl's event stream. The input is read
 * twice: fed whole, and fed in chunks of 1..64 bytes (the size from its
 * first byte). Invariants:
 *  - never crashes; every event's name and message NUL-terminated;
 *  - a BAD event and a rejected node have a non-empty message;
 *  - a node peered (ADDED, MODIFIED, not rejected, not local): a valid
 *    name, 0..16 cidrs of each family (halves_check), IPv4 ones sorted, adv_spi 0..15, no id; a DELETED one: a
 *    valid name;
 *  - the chunks give the same events as the whole, in the same order;
 *  - no more events than bytes, plus one. */
#include "fuzz.h"
#include "names.h"
#include "watch.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_init();
	return 0;
}

struct evs {
	struct watch_event *v;
	size_t n, cap;
};

static struct watch_event *slot(struct evs *e)
{
	if (e->n == e->cap) {
		e->cap = e->cap ? e->cap * 2 : 16;
		if (!(e->v = realloc(e->v, e->cap * sizeof(*e->v))))
			abort();
	}
	return &e->v[e->n];
}

static void read_all(const uint8_t *data, size_t size, size_t step, struct evs *e)
{
	/* 10.0.0.2 and fd00::2 */
	static const struct node_ips local = { 0x0200000a, { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2 } };
	struct watch_stream s;

	watch_init(&s);
	for (size_t off = 0; off < size; off += step) {
		FUZZ_CHECK(!watch_feed(&s, (const char *)data + off, size - off < step ? size - off : step),
			   "watch_feed: out of memory");
		while (watch_next(&s, &local, slot(e)) == 1)
			e->n++;
	}
	if (watch_finish(&s, slot(e)))
		e->n++;
	watch_free(&s);
}

static void check_event(const struct watch_event *x)
{
	char why[160] = "";

	FUZZ_CHECK(memchr(x->name, '\0', sizeof(x->name)), "name not terminated");
	FUZZ_CHECK(memchr(x->err, '\0', sizeof(x->err)), "message not terminated");
	if (x->type == WATCH_BAD || x->rejected)
		FUZZ_CHECK(x->err[0], "%s: no message", watch_type_str(x->type));
	if (x->type == WATCH_DELETED)
		FUZZ_CHECK(peer_name_ok(x->peer.name), "DELETED: name not valid");
	if ((x->type != WATCH_ADDED && x->type != WATCH_MODIFIED) || x->rejected || x->local)
		return;
	FUZZ_CHECK(peer_name_ok(x->peer.name), "peer name not valid");
	FUZZ_CHECK(!halves_check_msg(x->peer.node_ip, x->peer.n_cidrs, x->peer.node_ip6, x->peer.n_cidrs6, "node_ip",
				     "cidrs", why, sizeof(why)) && x->peer.n_cidrs <= MAX_PEER_CIDRS &&
			   x->peer.n_cidrs6 <= MAX_PEER_CIDRS, "peer '%s': %d, %d cidrs: %s", x->peer.name,
		   x->peer.n_cidrs, x->peer.n_cidrs6, why);
	FUZZ_CHECK(x->peer.adv_spi >= 0 && x->peer.adv_spi <= 15 && x->peer.id == 0, "peer '%s': spi %d id %u",
		   x->peer.name, x->peer.adv_spi, x->peer.id);
}

static bool same(const struct watch_event *a, const struct watch_event *b)
{
	return a->type == b->type && a->local == b->local && a->rejected == b->rejected &&
	       !strcmp(a->name, b->name) && !strcmp(a->err, b->err) && !strcmp(a->peer.name, b->peer.name) &&
	       a->peer.node_ip == b->peer.node_ip && a->peer.n_cidrs == b->peer.n_cidrs;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct evs whole = { 0 }, parts = { 0 };
	size_t step = size ? 1 + data[0] % 64 : 1;

	read_all(data, size, size ? size : 1, &whole);
	read_all(data, size, step, &parts);
	FUZZ_CHECK(whole.n <= size + 1, "%zu events from %zu bytes", whole.n, size);
	FUZZ_CHECK(whole.n == parts.n, "whole: %zu events, chunks of %zu: %zu", whole.n, step, parts.n);
	for (size_t i = 0; i < whole.n; i++) {
		check_event(&whole.v[i]);
		FUZZ_CHECK(same(&whole.v[i], &parts.v[i]), "event %zu: %s whole, %s in chunks of %zu", i,
			   watch_type_str(whole.v[i].type), watch_type_str(parts.v[i].type), step);
	}
	free(whole.v);
	free(parts.v);
	return 0;
}
