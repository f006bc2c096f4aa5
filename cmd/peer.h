/* SPDX-License-Identifier: GPL-2.0 */
/* peer.h: what peer.c shares with peer_sync.c. */
#ifndef TENC_CMD_PEER_H
#define TENC_CMD_PEER_H
#include "cli.h"
#include "store.h"

extern const struct cmd peer_sync;
/* One peer as a JSON object on jw (the format `peer sync` reads back);
 * result ("added", "changed", "unchanged") when not NULL. */
void peer_json(const struct peer *x, const char *result);

#endif
