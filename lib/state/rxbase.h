/* SPDX-License-Identifier: GPL-2.0 */
/* rxbase: what each IN SA had counted when tenc last converged the whole
 * node (rx.json in the state dir: per SA instance, its good packets, its
 * replay and integrity failures), so that a peer we reject is told from
 * counters that moved before. A peer is "rejecting" when one of its IN SAs
 * refused packets since: under a key we do not have (integrity), or with
 * sequence numbers it has seen (replay: a re-created SA starts again at
 * 1, far behind the window). Either way the peer re-created its SAs and
 * its epoch or key is stale here. */
#ifndef TENC_RXBASE_H
#define TENC_RXBASE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "plan.h"

struct rx_sa {
	uint8_t family;			/* of src (AF_INET, AF_INET6) */
	uint8_t src[16];		/* a KADDR view (kobj.h) */
	uint32_t spi, mark;
	uint64_t add_time;		/* tells SA instances apart */
	uint64_t packets, integrity, replay;
	size_t pos;			/* in rx.json */
};

struct rxbase {
	struct rx_sa *v;		/* sorted by SA instance: an SA's base is
					 * found in log n (10,000 IN SAs at
					 * 5,000 dual-stack peers) */
	size_t n;
};

/* Save the IN SAs of have (a read-back) as the new base: by a writer,
 * right after a whole-node converge. Failures are only noted (-v): the
 * base is advice, not intent. */
void rxbase_save(const struct plan *have);
/* Missing or unreadable file: an empty base (every SA counts from 0). */
void rxbase_load(struct rxbase *b);
void rxbase_free(struct rxbase *b);
/* Packets IN SA s refused (integrity and replay failures) since the base
 * (the first entry of its instance in rx.json; none: all it counts). */
uint64_t rxbase_refused_since(const struct rxbase *b, const struct xsa *s);

#endif
