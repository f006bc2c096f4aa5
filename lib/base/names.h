/* SPDX-License-Identifier: GPL-2.0 */
/* names: what a peer name and an interface name may be. Pure checks of
 * outside input, shared by the commands and the state-file loaders, so a
 * name that was accepted once is written and read back whole. */
#ifndef TENC_NAMES_H
#define TENC_NAMES_H
#include <stdbool.h>
#include <stddef.h>

/* Kubernetes node names are DNS subdomains of up to 253 characters. */
#define PEER_NAME_MAX	253
/* Interface names: IFNAMSIZ - 1 bytes. */
#define IFNAME_MAX	15

/* A peer name: 1..253 of [A-Za-z0-9._-], not starting with '-'. */
bool peer_name_ok(const char *s);
#define PEER_NAME_RULE	"1..253 of A-Z a-z 0-9 . _ -, not starting with -"
/* An interface name as Linux takes it (1..15 bytes, none of '/', ':' or
 * white space, not "." or "..") and as JSON can store it (UTF-8). 0, or
 * -1 with err saying what is wrong (the name is not echoed: it may not be
 * printable). */
int ifname_check(const char *s, char *err, size_t n);

#endif
