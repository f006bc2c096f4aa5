/* SPDX-License-Identifier: GPL-2.0 */
/* uc_peer: the peer use cases, `peer add`, `peer del`, `peer sync`, whole:
 * each takes the writer lock (writer_begin: the journal; writer_end), loads
 * the node, first reconciles it when a writer died half-way (node_recover),
 * validates the change whole (TENC_USAGE changes nothing), takes the
 * changed peers' kernel objects from their old plans to their new ones
 * make-before-break (restored on a refusal), saves peers.json, and returns
 * what happened. Nothing is printed: errors are reported (tenc_err),
 * results returned for cmd/ to format. The decisions are peerdiff.c's. */
#ifndef TENC_UC_PEER_H
#define TENC_UC_PEER_H
#include <stdbool.h>
#include <stddef.h>
#include "peerdiff.h"

struct peer_add_res {
	enum peer_result result;
	struct peer peer;	/* as saved: with its id, out_spi, spi, epoch */
};

/* Add the peer want (name, node ip, 1..16 cidrs; adv_spi and epoch 0:
 * unknown, or for a peer that exists, the known ones), or change the peer
 * of that name to it. 0, or a TENC_* code (reported). */
int uc_peer_add(const struct peer *want, struct peer_add_res *res);
/* Remove the peer named name; *removed: what it was. 0, or a TENC_* code
 * (reported; TENC_USAGE when there is no such peer). */
int uc_peer_del(const char *name, struct peer *removed);

struct peer_sync_req {
	const char *path;	/* the document: a kubectl node list or a peer list; "-": stdin */
	bool prune;		/* remove the peers absent from it */
	bool strict;		/* all or nothing: any node rejected is TENC_USAGE */
};

struct peer_sync_res {
	struct sync_counts n;
	size_t kernel_changes;
	struct node_rejects rejected;	/* the nodes left out, and why */
};

/* Make the peer set match the part of the document (nodelist.h; the local
 * node, known by its node ip, is skipped) that can be peered (sync_pick:
 * each node that cannot is left out, into res->rejected, and a peer of
 * that name stays as it is); then only the difference reaches the
 * kernel, in one batch. With strict, any node left out is reported
 * (each one, tenc_err) and TENC_USAGE returned, nothing changed. 0, or a
 * TENC_* code (reported; TENC_USAGE for a bad document). Free res with
 * peer_sync_res_free either way. */
int uc_peer_sync(const struct peer_sync_req *req, struct peer_sync_res *res);
void peer_sync_res_free(struct peer_sync_res *res);

/* One batch of node events (peer sync --watch), each node's newest. */
struct peer_batch_req {
	const struct peers *upsert;	/* the nodes' new forms (nodelist form), names unique */
	const struct peers *del;	/* the nodes removed (names; an unknown one: nothing) */
	const struct node_rejects *bad;	/* the nodes that cannot be peered: a peer of that name stays */
};

/* Apply a batch as uc_peer_sync applies a document with --prune whose
 * nodes are the current peers with the batch's changes (each upsert
 * checked as a sync checks a node; the local node, by its node ip,
 * skipped): one converge under one lock. res->rejected: req->bad, then
 * the upserts left out. 0, or a TENC_* code (reported). Free res with
 * peer_sync_res_free either way. */
int uc_peer_sync_batch(const struct peer_batch_req *req, struct peer_sync_res *res);
/* The node ips config.json holds, none when not enabled (no lock: a
 * hint, for skipping the local node's events early). */
void uc_peer_local_ip(struct node_ips *ip);

#endif
