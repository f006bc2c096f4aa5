/* SPDX-License-Identifier: GPL-2.0 */
/* rotate: key rotation as use cases, `tenc key rotate` without its
 * printing. Owns: the three phases (prepare a new key pending at the next
 * SPI; commit it, switching OUT per peer as peers advertise it; finish,
 * removing the retiring key once nothing sends with it) as pure steps on a
 * loaded node and as whole phases (lock, load, step, save the state files,
 * converge the kernel), and --auto, which runs the three, or resumes them
 * when run again with the same key line. Each phase is
 * idempotent: a re-run after a crash converges. Nothing here prints on
 * stdout; refusals and failures go through tenc_err (report.c), --auto's
 * progress through a callback, and a phase's outcome is its result. */
#ifndef TENC_ROTATE_H
#define TENC_ROTATE_H
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include "keys.h"
#include "node.h"

struct rotate_args {
	int spi;	/* prepare: the new key's SPI; 0 the next free one */
	bool all;	/* commit: switch OUT towards every peer, advertising or not */
	bool force;	/* finish: even while OUT or a peer still uses the old key */
	int quiet_for;	/* finish: seconds the old key's IN SA counters must be still */
	int grace;	/* auto: seconds to wait after prepare and after commit */
};

/* What a phase did. An SPI of 0: not that (after a re-run of prepare,
 * or a finish with nothing retiring, all are 0 and again is set). */
struct rotate_result {
	int pending;		/* prepare: the new key's SPI */
	int current;		/* prepare: the key OUT still uses; commit: the new current */
	int retiring;		/* commit: the old key, still accepted */
	int removed;		/* finish: the key removed */
	size_t waiting;		/* commit: peers OUT still uses the old key towards */
	char waiting_names[512]; /* their names, ", " between, cut at the size */
	bool refused;		/* finish: refused, a peer still uses the old key (reported) */
	bool again;		/* prepare, finish: a re-run; the kernel only converged */
};

/* The pure steps: change the keys and peers of a loaded node (nothing is
 * saved or applied). 0: changed; 1: nothing new, a re-run (converge only);
 * else TENC_USAGE or TENC_FAIL, reported. prepare takes k (its spi set). */
int rotate_step_prepare(struct node *n, struct tenc_key *k, int spi, struct rotate_result *res);
int rotate_step_commit(struct node *n, bool all, struct rotate_result *res);
/* Removes the retiring key; refuses (res->refused) while OUT uses it
 * towards a peer, unless force. Counters are rotate_finish's to check. */
int rotate_step_finish(struct node *n, bool force, struct rotate_result *res);

/* Where --auto with key k (spi: its --spi, 0 any) starts on a loaded
 * node. The same key line (its material, and its SPI when given) as the
 * rotation in progress resumes it; any other line starts a new rotation
 * when none is in progress (prepare refuses what it must). */
enum rotate_from {
	ROTATE_FROM_PREPARE,	/* no rotation of this line under way: a new one */
	ROTATE_FROM_PENDING,	/* k pending: prepare converges, then commit, finish */
	ROTATE_FROM_COMMITTED,	/* k current, the old key retiring: commit moves the peers, finish */
	ROTATE_FROM_DONE,	/* k current, nothing pending or retiring: converge only */
};
/* Sets *from, and in res the SPIs of the rotation resumed (pending,
 * current, retiring; current alone when done). TENC_USAGE (reported,
 * naming the SPIs): a rotation is in progress and k is not its new key. */
int rotate_step_resume(const struct node *n, const struct tenc_key *k, int spi, enum rotate_from *from,
		       struct rotate_result *res);

/* The phases, in the writer frame (uc_begin: lock, load): step, save,
 * converge the kernel to the whole plan. 0, or TENC_USAGE / TENC_FAIL
 * (reported; *res says what was refused). prepare sets k->spi; k stays the caller's to wipe. */
int rotate_prepare(const struct rotate_args *a, struct tenc_key *k, struct rotate_result *res);
int rotate_commit(const struct rotate_args *a, struct rotate_result *res);
/* Unless a->force, first (before the lock) refuses while the retiring
 * key's IN SA counters move within a->quiet_for seconds. */
int rotate_finish(const struct rotate_args *a, struct rotate_result *res);

/* --auto's steps, as it reaches them. */
enum rotate_step {
	ROTATE_RESUMED,		/* res: rotate_step_resume's (a rotation under way, or done) */
	ROTATE_PREPARED,	/* res: prepare's result */
	ROTATE_WAITING,		/* res: a commit's, when its waiting count changed */
	ROTATE_COMMITTED,	/* every peer uses the new key; finish follows after the grace */
};

/* What --auto reports to, and what stops it; either may be NULL. */
struct rotate_watch {
	/* Set (by a signal handler): stop between steps and while waiting. */
	const volatile sig_atomic_t *stop;
	void (*progress)(enum rotate_step step, const struct rotate_result *res, void *ctx);
	void *ctx;
};

/* prepare k, wait a->grace s, commit once a second until OUT uses the
 * new key towards every peer, wait a->grace s, finish (retried once a
 * second while refused). With the line of the rotation in progress
 * (rotate_step_resume), resumes it where the state files show: from the
 * commit, or, done already, converges only (res->again). Refuses up
 * front another line while a rotation is in progress (TENC_USAGE).
 * 0 with *res finish's result; TENC_FAIL "interrupted" when stopped. */
int rotate_auto(const struct rotate_args *a, struct tenc_key *k, const struct rotate_watch *w,
		struct rotate_result *res);

#endif
