/* SPDX-License-Identifier: GPL-2.0 */
/* tenc_maps.bpf.h: the one definition of tenc's BPF maps, for
 * bpf/tenc.bpf.c and the benchmark baselines (bench/audit), which reuse the
 * pinned maps. Layouts: tenc_kern_user.h. */
#ifndef TENC_MAPS_BPF_H
#define TENC_MAPS_BPF_H
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "tenc_kern_user.h"

/* The ipcaches, one per family: LPM tries of the same value. */
#define IPCACHE_MAP(name, key_type, max)				\
	struct {							\
		__uint(type, BPF_MAP_TYPE_LPM_TRIE);			\
		__uint(max_entries, max);				\
		__uint(map_flags, BPF_F_NO_PREALLOC);			\
		__type(key, key_type);					\
		__type(value, struct ipcache_val);			\
	} name SEC(".maps")

IPCACHE_MAP(ipcache, struct ipcache_key, TENC_IPCACHE_MAX);
IPCACHE_MAP(ipcache6, struct ipcache_key6, TENC_IPCACHE6_MAX);

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tenc_cfg);
} tenc_cfg SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, TENC_FLOWS_MAX);
	__type(key, struct flow_key);
	__type(value, struct flow_val);
} flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, TENC_FLOWS6_MAX);
	__type(key, struct flow_key6);
	__type(value, struct flow_val);
} flows6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, TENC_EVENTS_BYTES);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tenc_stats);
} stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} tracing SEC(".maps");

#endif
