/* SPDX-License-Identifier: GPL-2.0 */
/* complete: the live values that tab completion offers for an option
 * argument (struct opt.values) or a positional argument (struct
 * cmd.args_values). Owns: turning a value kind into candidate strings.
 *
 * Kinds resolved here:
 *   "iface"    the network interfaces of this namespace (/sys/class/net)
 *   "command"  the top-level command names (tenc_root)
 *   "a|b|c"    literal alternatives: "a", "b", "c"
 * Kinds the caller resolves: "file" and "dir" give NULL here; the line
 * editor's own filename completion fits them (complete_is_path() says so).
 *   "peer"     peer names, from <state_dir>/peers.json
 *   "spi"      the SPIs of the installed keys, from <state_dir>/keys.json
 * Any other kind gives NULL. */
#ifndef TENC_COMPLETE_H
#define TENC_COMPLETE_H
#include <stdbool.h>

/* The candidates for kind, in no particular order, as a NULL-terminated
 * list in one malloc'd block (the strings live inside it): free() the list,
 * not its strings. NULL when the kind has no values here or on error. */
const char **complete_values(const char *kind);

/* True for the kinds completed as paths ("file", "dir"). */
bool complete_is_path(const char *kind);

#endif
