/* SPDX-License-Identifier: GPL-2.0 */
/* peer.h: what peer.c shares with peer_sync.c. */
#ifndef TENC_CMD_PEER_H
#define TENC_CMD_PEER_H
#include "cli.h"
#include "node.h"

extern const struct cmd peer_sync;
/* Add or remove one peer's kernel objects (nothing when not enabled). */
int peer_apply(struct node *n, const struct peer *x, bool add);
/* One peer as a JSON object on jw (the format `peer sync` reads back). */
void peer_json(const struct peer *x);

#endif
