/* SPDX-License-Identifier: GPL-2.0 */
/* bpfdp: the BPF datapath from user space: loading the embedded skeleton,
 * pinning maps and programs in the state dir's bpffs, attaching them to tc
 * (clsact, handle/prio TENC_TC_*), detaching, querying what is attached,
 * and reading/writing the ipcaches (IPv4 and IPv6) and the config map.
 * Pinned names under <bpffs>/: ipcache, ipcache6, tenc_cfg, flows, flows6,
 * events, stats, tracing, epoch, prog_from_pod, prog_from_wire,
 * prog_to_wire. */
#ifndef TENC_BPFDP_H
#define TENC_BPFDP_H
#include <stdbool.h>
#include <stdint.h>
#include "tenc_kern_user.h"

enum bpfdp_hook { HOOK_FROM_POD, HOOK_FROM_WIRE, HOOK_TO_WIRE, HOOK__COUNT };

/* Load the programs and pin maps and programs under bpffs. Existing pinned
 * maps are reused (their contents survive a re-run of enable); one of
 * another shape is moved aside for a new one (bpfmigrate.h); programs are
 * replaced. 0 or -errno (message reported with tenc_err). */
int bpfdp_load(const char *bpffs);
/* Attach the pinned program for hook to ifname (ingress for FROM_*, egress
 * for TO_WIRE), replacing tenc's own filter if present. Creates the clsact
 * qdisc if missing and says so in *created_qdisc. 0 or -errno. */
int bpfdp_attach(const char *bpffs, const char *ifname, enum bpfdp_hook hook, bool *created_qdisc);
/* Remove tenc's filter for hook from ifname; destroy the clsact qdisc too if
 * destroy_qdisc (tenc created it). Missing device/filter is not an error. */
int bpfdp_detach(const char *ifname, enum bpfdp_hook hook, bool destroy_qdisc);
/* What is attached at tenc's handle/prio: program id and name. 0 found,
 * -ENOENT none, -errno. */
int bpfdp_query(const char *ifname, enum bpfdp_hook hook, uint32_t *prog_id, char *name, size_t n);
/* Unpin everything under bpffs (maps and programs). */
int bpfdp_unpin(const char *bpffs);
const char *bpfdp_hook_name(enum bpfdp_hook hook);
/* The pin name of hook's program ("prog_from_pod", ...). */
const char *bpfdp_prog_pin(enum bpfdp_hook hook);

/* ipcache and ipcache6 (the same values, and the same conventions), and
 * the config map, through their pins. Open returns an fd or -errno;
 * -ENOENT (not loaded) is not reported, other errors are. Addresses in
 * network byte order: IPv4 as a uint32_t, IPv6 as its 16 bytes. */
int ipcache_open(const char *bpffs);
int ipcache_update(int fd, uint32_t addr, uint8_t plen, const struct ipcache_val *v);
int ipcache_delete(int fd, uint32_t addr, uint8_t plen);	/* -ENOENT if absent */
int ipcache_lookup(int fd, uint32_t addr, uint8_t plen, struct ipcache_val *v); /* exact prefix */
int ipcache_dump(int fd, int (*cb)(uint32_t addr, uint8_t plen, const struct ipcache_val *v, void *data),
		 void *data);
int ipcache6_open(const char *bpffs);
int ipcache6_update(int fd, const uint8_t a[16], uint8_t plen, const struct ipcache_val *v);
int ipcache6_delete(int fd, const uint8_t a[16], uint8_t plen);	/* -ENOENT if absent */
int ipcache6_lookup(int fd, const uint8_t a[16], uint8_t plen, struct ipcache_val *v); /* exact prefix */
int ipcache6_dump(int fd, int (*cb)(const uint8_t a[16], uint8_t plen, const struct ipcache_val *v, void *data),
		  void *data);
/* Read a whole map in batches of up to n entries (two syscalls a batch,
 * not one a key): cb sees each batch, keys and values packed (ksz, vsz
 * bytes each). Returns 0; cb's non-zero return; -EOPNOTSUPP before any
 * batch when the kernel has no batch lookup for this map; -EAGAIN after
 * more than max entries (the map changes under us); or -errno. Reports
 * nothing: the caller knows what it was reading. */
int map_read_batches(int fd, size_t ksz, size_t vsz, uint32_t n, size_t max,
		     int (*cb)(const void *keys, const void *vals, uint32_t count, void *data), void *data);
int cfg_write(const char *bpffs, const struct tenc_cfg *c);
/* The node's epoch as the kernel side knows it (see docs/design.md,
 * Epochs): 0, -ENOENT (no pin: the kernel state is new), or -errno. */
int epoch_pin_read(const char *bpffs, uint64_t *e);
/* Create the pin if needed and write e. 0 or -errno (reported). */
int epoch_pin_write(const char *bpffs, uint64_t e);
int cfg_read(const char *bpffs, struct tenc_cfg *c);

#endif
