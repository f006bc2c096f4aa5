// SPDX-License-Identifier: GPL-2.0
/* bpfdp.c: the BPF datapath from user space (see bpfdp.h).
 * Owns: loading the embedded tenc skeleton, the pins under the state dir's
 * bpffs (ipcache, ipcache6, tenc_cfg, flows, flows6, events, stats,
 * tracing, prog_*, epoch), tenc's tc filters (clsact, handle and priority
 * TENC_TC_*), and reading/writing the ipcaches (both families, one
 * implementation) and the config map through their pins
 * (lib/kernel/flows.c reads the rest).
 * Failures are reported here (tenc_err) and returned as -errno; -ENOENT from
 * ipcache[6]_lookup/ipcache[6]_delete/bpfdp_query and -ENODEV from
 * bpfdp_query are answers, not failures, and are not reported. Addresses
 * are in network byte order. libbpf speaks only at -vv (its debug log at -vvv). */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <libmnl/libmnl.h>
#include "bpfdp.h"
#include "bpfmigrate.h"
#include "nlbatch.h"
#include "tenc.h"
#include "tenc.skel.h"

/* Report errno-style err (positive) and evaluate to -err; errno is read
 * once, before reporting can change it. */
#define FAIL(err, what, ...) ({						\
	int e_ = (err);							\
	tenc_errno(TENC_FAIL, e_, what, __VA_ARGS__);			\
	-e_;								\
})

static const char *const hook_names[HOOK__COUNT] = {
	[HOOK_FROM_POD] = "from_pod",
	[HOOK_FROM_WIRE] = "from_wire",
	[HOOK_TO_WIRE] = "to_wire",
};

static const char *const prog_pins[HOOK__COUNT] = {
	[HOOK_FROM_POD] = "prog_from_pod",
	[HOOK_FROM_WIRE] = "prog_from_wire",
	[HOOK_TO_WIRE] = "prog_to_wire",
};

static const char *const map_pins[] = { "ipcache", "ipcache6", "tenc_cfg", "flows", "flows6", "events",
					 "stats", "tracing" };

const char *bpfdp_prog_pin(enum bpfdp_hook hook)
{
	return (unsigned int)hook < HOOK__COUNT ? prog_pins[hook] : "?";
}

const char *bpfdp_hook_name(enum bpfdp_hook hook)
{
	return (unsigned int)hook < HOOK__COUNT ? hook_names[hook] : "?";
}

static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (g.verbose < 2 || (level == LIBBPF_DEBUG && g.verbose < 3))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static void libbpf_quiet(void)
{
	libbpf_set_print(libbpf_log);
}

static int pin_path(char *out, size_t n, const char *bpffs, const char *name)
{
	if ((size_t)snprintf(out, n, "%s/%s", bpffs, name) >= n)
		return FAIL(ENAMETOOLONG, "bpf", "%s/%s", bpffs, name);
	return 0;
}

/* Is the map pinned at path of another shape than map (a tenc of another
 * layout left it)? 1 yes, 0 no, 2 no pin (a tenc without this map left
 * the bpffs, or nothing did), -errno. */
static int pinned_other_shape(struct bpf_map *map, const char *path)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	int fd, r = 0;

	fd = bpf_obj_get(path);
	if (fd < 0)
		return errno == ENOENT ? 2 : FAIL(errno, "bpf", "%s", path);
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		r = FAIL(errno, "bpf", "%s", path);
	else if (info.type != bpf_map__type(map) || info.key_size != bpf_map__key_size(map) ||
		   info.value_size != bpf_map__value_size(map) ||
		   info.max_entries != bpf_map__max_entries(map) ||
		   info.map_flags != bpf_map__map_flags(map)) {
		tenc_info(1, "%s: pinned/built: type %u/%u key %u/%u value %u/%u max %u/%u flags %#x/%#x",
			  path, info.type, bpf_map__type(map), info.key_size, bpf_map__key_size(map),
			  info.value_size, bpf_map__value_size(map), info.max_entries,
			  bpf_map__max_entries(map), info.map_flags, bpf_map__map_flags(map));
		r = 1;
	}
	close(fd);
	return r;
}

/* Is the program pinned at path the same code as prog (same tag)? */
static bool same_pinned(const char *path, const struct bpf_program *prog)
{
	struct bpf_prog_info a = { 0 }, b = { 0 };
	__u32 la = sizeof(a), lb = sizeof(b);
	int fd = bpf_obj_get(path);
	bool same;

	if (fd < 0)
		return false;
	same = bpf_obj_get_info_by_fd(fd, &a, &la) == 0 &&
	       bpf_obj_get_info_by_fd(bpf_program__fd(prog), &b, &lb) == 0 &&
	       memcmp(a.tag, b.tag, sizeof(a.tag)) == 0 && a.type == b.type;
	close(fd);
	return same;
}

int bpfdp_load(const char *bpffs)
{
	struct bpf_program *progs[HOOK__COUNT];
	char path[PATH_MAX];
	bool moved = false; /* a map is new (moved aside, or not pinned before): the
			     * programs must use it, pinned ones cannot */
	struct tenc *skel;
	unsigned int i;
	int r;

	libbpf_quiet();
	skel = tenc__open();
	if (!skel)
		return FAIL(errno, "bpf", "open the embedded BPF object");
	progs[HOOK_FROM_POD] = skel->progs.tenc_from_pod;
	progs[HOOK_FROM_WIRE] = skel->progs.tenc_from_wire;
	progs[HOOK_TO_WIRE] = skel->progs.tenc_to_wire;
	for (i = 0; i < ARRAY_SIZE(map_pins); i++) {
		struct bpf_map *map = bpf_object__find_map_by_name(skel->obj, map_pins[i]);

		r = map ? pin_path(path, sizeof(path), bpffs, map_pins[i]) : -ENOENT;
		if (!r && (r = pinned_other_shape(map, path)) == 2) {
			r = 0;
			moved = true;
		} else if (r == 1) {
			r = bpfmig_aside(path); /* see bpfmigrate.h */
			moved = true;
		}
		if (!r)
			r = bpf_map__set_pin_path(map, path);
		if (r)
			goto out;
	}
	r = tenc__load(skel);
	if (r) {
		FAIL(-r, "bpf", "load the programs%s", g.verbose < 2 ? " (-vv shows libbpf's log)" : "");
		goto out;
	}
	for (i = 0; i < HOOK__COUNT; i++) {
		r = pin_path(path, sizeof(path), bpffs, prog_pins[i]);
		if (r)
			goto out;
		/* The same code on the same maps is pinned already: keep it
		 * (and what runs). */
		if (!moved && same_pinned(path, progs[i]))
			continue;
		if (unlink(path) && errno != ENOENT) {
			r = FAIL(errno, "bpf", "replace %s", path);
			goto out;
		}
		r = bpf_program__pin(progs[i], path);
		if (r) {
			FAIL(-r, "bpf", "pin %s", path);
			goto out;
		}
	}
	tenc_info(1, "loaded the BPF programs, pinned under %s", bpffs);
out:
	tenc__destroy(skel);
	return r;
}

static int open_pin(const char *bpffs, const char *name)
{
	char path[PATH_MAX];
	int fd, r = pin_path(path, sizeof(path), bpffs, name);

	if (r)
		return r;
	fd = bpf_obj_get(path);
	if (fd >= 0)
		return fd;
	if (errno == ENOENT)
		return tenc_err(TENC_FAIL, "bpf", "%s: not loaded (no such pin)", path), -ENOENT;
	return FAIL(errno, "bpf", "%s", path);
}

static void tc_hook_init(struct bpf_tc_hook *th, int ifindex, enum bpfdp_hook hook)
{
	memset(th, 0, sizeof(*th));
	th->sz = sizeof(*th);
	th->ifindex = ifindex;
	th->attach_point = hook == HOOK_TO_WIRE ? BPF_TC_EGRESS : BPF_TC_INGRESS;
}

static void tc_opts_init(struct bpf_tc_opts *to)
{
	memset(to, 0, sizeof(*to));
	to->sz = sizeof(*to);
	to->handle = TENC_TC_HANDLE;
	to->priority = TENC_TC_PRIO;
}

/* Is the program of fd what runs at tenc's filter on ifname's hook? */
static bool attached_is(const char *ifname, enum bpfdp_hook hook, int fd)
{
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info), id = 0;
	char name[64];

	return bpf_obj_get_info_by_fd(fd, &info, &len) == 0 &&
	       bpfdp_query(ifname, hook, &id, name, sizeof(name)) == 0 && id == info.id;
}

int bpfdp_attach(const char *bpffs, const char *ifname, enum bpfdp_hook hook, bool *created_qdisc)
{
	struct bpf_tc_hook th;
	struct bpf_tc_opts to;
	bool created = false;
	int ifindex, fd, r;

	if (created_qdisc)
		*created_qdisc = false;
	if ((unsigned int)hook >= HOOK__COUNT)
		return -EINVAL;
	libbpf_quiet();
	ifindex = if_nametoindex(ifname);
	if (!ifindex)
		return tenc_err(TENC_FAIL, ifname, "no such network interface, cannot attach %s",
				hook_names[hook]), -ENODEV;
	fd = open_pin(bpffs, prog_pins[hook]);
	if (fd < 0)
		return fd;
	if (attached_is(ifname, hook, fd)) {
		close(fd);
		return 0; /* already there: change nothing */
	}
	tc_hook_init(&th, ifindex, hook);
	r = bpf_tc_hook_create(&th);
	if (!r)
		created = true;
	else if (r != -EEXIST) {
		FAIL(-r, ifname, "create the clsact qdisc");
		goto out;
	}
	tc_opts_init(&to);
	to.prog_fd = fd;
	to.flags = BPF_TC_F_REPLACE;
	r = bpf_tc_attach(&th, &to);
	if (r) {
		FAIL(-r, ifname, "attach %s", hook_names[hook]);
		if (created) {
			th.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
			bpf_tc_hook_destroy(&th);
			created = false;
		}
		goto out;
	}
	tenc_info(1, "%s: attached %s (prog id %u)%s", ifname, hook_names[hook], to.prog_id,
		  created ? ", created its clsact qdisc" : "");
out:
	if (created_qdisc)
		*created_qdisc = created;
	close(fd);
	return r;
}

/* One reply of a filter dump: an item when it is a filter. */
static int filter_item(const struct nlmsghdr *nlh, void *item, void *data)
{
	(void)item;
	(void)data;
	return nlh->nlmsg_type == RTM_NEWTFILTER;
}

static int count_each(const void *item, void *data)
{
	(void)item;
	++*(int *)data;
	return 0;
}

/* How many tc filters (anyone's) sit on one side of ifindex's clsact, or
 * -errno (the kernel's words in e). libbpf cannot list filters, so this
 * is a netlink dump. */
static int clsact_filters(int ifindex, __u32 parent, struct nlb_error *e)
{
	struct tcmsg tcm = { .tcm_family = AF_UNSPEC, .tcm_ifindex = ifindex, .tcm_parent = parent };
	int n = 0, r;
	struct nlb_dump d = { .type = RTM_GETTFILTER, .hdr = &tcm, .hdrlen = sizeof(tcm), .item_size = 1,
			      .parse = filter_item, .each = count_each, .data = &n };
	struct nlb *b = nlb_open(NETLINK_ROUTE);

	if (!b)
		return e->err = errno, -errno;
	r = nlb_dump(b, &d, e);
	nlb_close(b);
	return r < 0 ? r : n;
}

int bpfdp_detach(const char *ifname, enum bpfdp_hook hook, bool destroy_qdisc)
{
	struct nlb_error e = { 0 };
	struct bpf_tc_hook th;
	struct bpf_tc_opts to;
	int ifindex, r, in, eg;

	if ((unsigned int)hook >= HOOK__COUNT)
		return -EINVAL;
	libbpf_quiet();
	ifindex = if_nametoindex(ifname);
	if (!ifindex)
		return 0;
	tc_hook_init(&th, ifindex, hook);
	tc_opts_init(&to);
	r = bpf_tc_detach(&th, &to);
	/* ENOENT: no such filter; EINVAL: no clsact qdisc at all. */
	if (r && r != -ENOENT && r != -EINVAL)
		return FAIL(-r, ifname, "detach %s", hook_names[hook]);
	if (!r)
		tenc_info(1, "%s: detached %s", ifname, hook_names[hook]);
	if (!destroy_qdisc)
		return 0;
	/* Destroying clsact drops every filter on it: only when none is left. */
	in = clsact_filters(ifindex, TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS), &e);
	eg = in < 0 ? 0 : clsact_filters(ifindex, TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_EGRESS), &e);
	if (in < 0 || eg < 0) {
		char why[512];

		return tenc_err(TENC_FAIL, ifname, "list tc filters: %s", nlb_strerror(&e, why, sizeof(why))),
		       in < 0 ? in : eg;
	}
	if (in || eg) {
		tenc_info(1, "%s: kept the clsact qdisc: other filters are on it", ifname);
		return 0;
	}
	th.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
	r = bpf_tc_hook_destroy(&th);
	if (r && r != -ENOENT && r != -EINVAL)
		return FAIL(-r, ifname, "delete the clsact qdisc");
	if (!r)
		tenc_info(1, "%s: deleted the clsact qdisc", ifname);
	return 0;
}

int bpfdp_query(const char *ifname, enum bpfdp_hook hook, uint32_t *prog_id, char *name, size_t n)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	struct bpf_tc_hook th;
	struct bpf_tc_opts to;
	int ifindex, fd, r;

	if (name && n)
		name[0] = '\0';
	if ((unsigned int)hook >= HOOK__COUNT)
		return -EINVAL;
	libbpf_quiet();
	ifindex = if_nametoindex(ifname);
	if (!ifindex)
		return -ENODEV;
	tc_hook_init(&th, ifindex, hook);
	tc_opts_init(&to);
	r = bpf_tc_query(&th, &to);
	if (r == -EINVAL)	/* no clsact, or no filter at tenc's priority */
		r = -ENOENT;
	if (r)
		return r == -ENOENT ? r : FAIL(-r, ifname, "query %s", hook_names[hook]);
	if (prog_id)
		*prog_id = to.prog_id;
	if (!name || !n)
		return 0;
	fd = bpf_prog_get_fd_by_id(to.prog_id);
	if (fd < 0)	/* replaced meanwhile: the id stands, the name is unknown */
		return 0;
	if (!bpf_obj_get_info_by_fd(fd, &info, &len))
		snprintf(name, n, "%s", info.name);
	close(fd);
	return 0;
}

int bpfdp_unpin(const char *bpffs)
{
	char path[PATH_MAX];
	unsigned int i;
	int r = 0;

	for (i = 0; i <= ARRAY_SIZE(map_pins) + HOOK__COUNT; i++) { /* and the epoch pin */
		const char *name = i < ARRAY_SIZE(map_pins) ? map_pins[i]
				   : i < ARRAY_SIZE(map_pins) + HOOK__COUNT ? prog_pins[i - ARRAY_SIZE(map_pins)] : "epoch";

		if (pin_path(path, sizeof(path), bpffs, name))
			return -ENAMETOOLONG;
		if (unlink(path) && errno != ENOENT) {
			int e = FAIL(errno, "bpf", "unpin %s", path);

			r = r ? r : e;
		}
	}
	return r ?: bpfmig_finish(bpffs);
}

/* ipcache and ipcache6: one implementation over the family's key. A
 * struct ipcache_key6 holds either family's (prefixlen, then the address
 * bytes: an ipcache key is its first 8 bytes). */

struct ipc_fam {
	const char *pin;	/* the map's pin, and what messages name */
	int af;			/* AF_INET, AF_INET6 */
	unsigned int bits;	/* of an address */
	size_t ksz;		/* the map's key size */
	size_t max;		/* its max entries */
};

static const struct ipc_fam ipc4 = { "ipcache", AF_INET, 32, sizeof(struct ipcache_key), TENC_IPCACHE_MAX };
static const struct ipc_fam ipc6 = { "ipcache6", AF_INET6, 128, sizeof(struct ipcache_key6), TENC_IPCACHE6_MAX };

typedef int (*ipc_cb)(uint32_t addr, uint8_t plen, const struct ipcache_val *v, void *data);
/* What the walks below hand on, for either family: the address bytes. */
typedef int (*ipc6_cb)(const uint8_t a[16], uint8_t plen, const struct ipcache_val *v, void *data);

static int ipc_open(const struct ipc_fam *f, const char *bpffs)
{
	char path[PATH_MAX];
	int r = pin_path(path, sizeof(path), bpffs, f->pin);

	if (r)
		return r;
	if (access(path, F_OK) && errno == ENOENT)
		return -ENOENT; /* not loaded: the caller's answer, not an error */
	return open_pin(bpffs, f->pin);
}

int ipcache_open(const char *bpffs)
{
	return ipc_open(&ipc4, bpffs);
}

int ipcache6_open(const char *bpffs)
{
	return ipc_open(&ipc6, bpffs);
}

/* The key of a/plen (a: the address bytes, network order) with the host
 * bits cleared, so that dumps show the prefix and lookups compare equal. */
static int ipc_key(const struct ipc_fam *f, struct ipcache_key6 *k, const void *a, unsigned int plen)
{
	if (plen > f->bits)
		return -EINVAL;
	memset(k, 0, sizeof(*k));
	k->prefixlen = plen;
	memcpy(k->addr, a, f->bits / 8);
	for (unsigned int i = 0; i < f->bits / 8; i++) {
		unsigned int keep = plen > i * 8 ? plen - i * 8 : 0;	/* bits of byte i */

		if (keep < 8)
			k->addr[i] &= (uint8_t)(0xff00 >> keep);
	}
	return 0;
}

static const char *cidr(const struct ipc_fam *f, char *buf, size_t n, const void *a, unsigned int plen)
{
	char s[INET6_ADDRSTRLEN];

	inet_ntop(f->af, a, s, sizeof(s));
	snprintf(buf, n, "%s/%u", s, plen);
	return buf;
}

static int ipc_update(const struct ipc_fam *f, int fd, const void *a, uint8_t plen, const struct ipcache_val *v)
{
	struct ipcache_key6 k;
	char c[64];

	if (ipc_key(f, &k, a, plen) || v->spi > TENC_SPI_MAX)
		return tenc_err(TENC_FAIL, f->pin, "%s: bad entry (spi %u)",
				cidr(f, c, sizeof(c), a, plen), v->spi), -EINVAL;
	if (bpf_map_update_elem(fd, &k, v, BPF_ANY))
		return FAIL(errno, f->pin, "set %s", cidr(f, c, sizeof(c), a, plen));
	return 0;
}

int ipcache_update(int fd, uint32_t addr, uint8_t plen, const struct ipcache_val *v)
{
	return ipc_update(&ipc4, fd, &addr, plen, v);
}

int ipcache6_update(int fd, const uint8_t a[16], uint8_t plen, const struct ipcache_val *v)
{
	return ipc_update(&ipc6, fd, a, plen, v);
}

static int ipc_delete(const struct ipc_fam *f, int fd, const void *a, uint8_t plen)
{
	struct ipcache_key6 k;
	char c[64];

	if (ipc_key(f, &k, a, plen))
		return -EINVAL;
	if (!bpf_map_delete_elem(fd, &k))
		return 0;
	if (errno == ENOENT)
		return -ENOENT;
	return FAIL(errno, f->pin, "delete %s", cidr(f, c, sizeof(c), a, plen));
}

int ipcache_delete(int fd, uint32_t addr, uint8_t plen)
{
	return ipc_delete(&ipc4, fd, &addr, plen);
}

int ipcache6_delete(int fd, const uint8_t a[16], uint8_t plen)
{
	return ipc_delete(&ipc6, fd, a, plen);
}

int map_read_batches(int fd, size_t ksz, size_t vsz, uint32_t n, size_t max,
		     int (*cb)(const void *keys, const void *vals, uint32_t count, void *data), void *data)
{
	/* The batch token is map-specific (a key, a bucket index): key-sized,
	 * at least 8 bytes. */
	size_t tsz = ksz > 8 ? ksz : 8;
	char *keys = malloc(n * ksz), *vals = malloc(n * vsz), *in = calloc(2, tsz), *out = in + tsz;
	size_t total = 0;
	bool first = true;
	int r = 0;

	if (!keys || !vals || !in) {
		r = -ENOMEM;
		goto out;
	}
	for (;;) {
		__u32 count = n;
		int e = bpf_map_lookup_batch(fd, first ? NULL : in, out, keys, vals, &count, NULL) ? errno : 0;

		if (e && e != ENOENT) {
			r = first && (e == EINVAL || e == ENOTSUP || e == EOPNOTSUPP) ? -EOPNOTSUPP : -e;
			break;
		}
		if ((total += count) > max) {
			r = -EAGAIN;
			break;
		}
		if (count && (r = cb(keys, vals, count, data)) != 0)
			break;
		if (e == ENOENT)
			break;
		memcpy(in, out, tsz);
		first = false;
	}
out:
	free(keys);
	free(vals);
	free(in);
	return r;
}

struct ipc_batch {
	const struct ipc_fam *f;
	ipc6_cb cb;
	void *data;
	int ret;	/* what cb returned to stop the walk */
};

static int ipc_batch_cb(const void *keys, const void *vals, uint32_t count, void *data)
{
	const struct ipcache_val *v = vals;
	struct ipc_batch *b = data;

	for (uint32_t i = 0; i < count && !b->ret; i++) {
		struct ipcache_key6 k = { 0 };

		memcpy(&k, (const char *)keys + i * b->f->ksz, b->f->ksz);
		b->ret = b->cb(k.addr, k.prefixlen, &v[i], b->data);
	}
	return b->ret ? 1 : 0;
}

/* In batches of 1024; -EOPNOTSUPP before delivering anything when the
 * kernel has no batch ops for the trie. */
static int ipc_dump_batch(const struct ipc_fam *f, int fd, ipc6_cb cb, void *data)
{
	struct ipc_batch b = { f, cb, data, 0 };
	int r = map_read_batches(fd, f->ksz, sizeof(struct ipcache_val), 1024, f->max, ipc_batch_cb, &b);

	if (r > 0)
		return b.ret;
	if (r == -EAGAIN)
		return tenc_err(TENC_FAIL, f->pin, "dump: the map changes under us"), -EAGAIN;
	if (r < 0 && r != -EOPNOTSUPP)
		return FAIL(-r, f->pin, "dump");
	return r;
}

static int ipc_dump(const struct ipc_fam *f, int fd, ipc6_cb cb, void *data)
{
	struct ipcache_key6 k = { 0 }, next = { 0 };
	struct ipcache_val v;
	unsigned long n = 0;
	void *prev = NULL;
	int r = ipc_dump_batch(f, fd, cb, data);

	if (r != -EOPNOTSUPP)
		return r;
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		/* A key deleted under us restarts the walk: do not go round forever. */
		if (++n > f->max)
			return tenc_err(TENC_FAIL, f->pin, "dump: the map changes under us"), -EAGAIN;
		k = next;
		prev = &k;
		if (bpf_map_lookup_elem(fd, &k, &v)) {
			if (errno == ENOENT)
				continue;
			return FAIL(errno, f->pin, "dump");
		}
		r = cb(k.addr, k.prefixlen, &v, data);
		if (r)
			return r;
	}
	return errno == ENOENT ? 0 : FAIL(errno, f->pin, "dump");
}

/* An IPv4 caller's callback, and its data. */
struct ipc_user4 {
	ipc_cb cb;
	void *data;
};

static int user4_cb(const uint8_t a[16], uint8_t plen, const struct ipcache_val *v, void *data)
{
	const struct ipc_user4 *u = data;
	uint32_t addr;

	memcpy(&addr, a, sizeof(addr));
	return u->cb(addr, plen, v, u->data);
}

int ipcache_dump(int fd, ipc_cb cb, void *data)
{
	return ipc_dump(&ipc4, fd, user4_cb, &(struct ipc_user4){ cb, data });
}

int ipcache6_dump(int fd, ipc6_cb cb, void *data)
{
	return ipc_dump(&ipc6, fd, cb, data);
}

/* Is the dumped key the one sought (host bits cleared)? */
struct ipc_find {
	const struct ipc_fam *f;
	const struct ipcache_key6 *k;
};

static int find_cb(const uint8_t a[16], uint8_t plen, const struct ipcache_val *v, void *data)
{
	const struct ipc_find *x = data;
	struct ipcache_key6 m;

	(void)v;
	return !ipc_key(x->f, &m, a, plen) && !memcmp(&m, x->k, sizeof(m));
}

static int ipc_lookup(const struct ipc_fam *f, int fd, const void *a, uint8_t plen, struct ipcache_val *v)
{
	struct ipcache_key6 k, up;
	struct ipcache_val uv;
	char c[64];
	int r;

	if (ipc_key(f, &k, a, plen))
		return -EINVAL;
	if (bpf_map_lookup_elem(fd, &k, v))
		goto fail;
	/* That is the longest prefix <= plen holding a: a/plen itself if no
	 * shorter prefix holds a, or one does with another value. Otherwise
	 * only a walk tells (get_next_key's exact search misjudged
	 * same-length siblings before Linux 6.13). */
	if (!plen)
		return 0;
	up = k;
	up.prefixlen--;
	if (bpf_map_lookup_elem(fd, &up, &uv))
		return errno == ENOENT ? 0 : FAIL(errno, f->pin, "lookup");
	if (memcmp(&uv, v, sizeof(uv)))
		return 0;
	r = ipc_dump(f, fd, find_cb, &(struct ipc_find){ f, &k });
	return r == 1 ? 0 : r ? r : -ENOENT;
fail:
	if (errno == ENOENT)
		return -ENOENT;
	return FAIL(errno, f->pin, "lookup %s", cidr(f, c, sizeof(c), a, plen));
}

int ipcache_lookup(int fd, uint32_t addr, uint8_t plen, struct ipcache_val *v)
{
	return ipc_lookup(&ipc4, fd, &addr, plen, v);
}

int ipcache6_lookup(int fd, const uint8_t a[16], uint8_t plen, struct ipcache_val *v)
{
	return ipc_lookup(&ipc6, fd, a, plen, v);
}

/* tenc_cfg */

int cfg_write(const char *bpffs, const struct tenc_cfg *c)
{
	__u32 zero = 0;
	int fd = open_pin(bpffs, "tenc_cfg"), r = 0;

	if (fd < 0)
		return fd;
	if (bpf_map_update_elem(fd, &zero, c, BPF_ANY))
		r = FAIL(errno, "bpf", "write tenc_cfg");
	close(fd);
	return r;
}

int cfg_read(const char *bpffs, struct tenc_cfg *c)
{
	__u32 zero = 0;
	int fd = open_pin(bpffs, "tenc_cfg"), r = 0;

	if (fd < 0)
		return fd;
	if (bpf_map_lookup_elem(fd, &zero, c))
		r = FAIL(errno, "bpf", "read tenc_cfg");
	close(fd);
	return r;
}

/* The epoch pin: an array map of one u64 that no program uses, created
 * by user space. It lives as long as the bpffs under the state dir and
 * this node's kernel objects: after a reboot, or when the namespace's
 * state is flushed and its bpffs unmounted, it is gone. */
int epoch_pin_read(const char *bpffs, uint64_t *e)
{
	char path[PATH_MAX];
	__u32 zero = 0;
	int fd, r = pin_path(path, sizeof(path), bpffs, "epoch");

	if (r)
		return r;
	if ((fd = bpf_obj_get(path)) < 0)
		return -errno;
	r = bpf_map_lookup_elem(fd, &zero, e) ? -errno : 0;
	close(fd);
	return r;
}

int epoch_pin_write(const char *bpffs, uint64_t e)
{
	char path[PATH_MAX];
	__u32 zero = 0;
	int fd, r = pin_path(path, sizeof(path), bpffs, "epoch");

	if (r)
		return r;
	fd = bpf_obj_get(path);
	if (fd < 0 && errno == ENOENT) {
		fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "tenc_epoch", sizeof(__u32), sizeof(__u64), 1, NULL);
		if (fd >= 0 && bpf_obj_pin(fd, path)) {
			r = FAIL(errno, "bpf", "pin %s", path);
			close(fd);
			return r;
		}
	}
	if (fd < 0)
		return FAIL(errno, "bpf", "%s", path);
	if (bpf_map_update_elem(fd, &zero, &e, BPF_ANY))
		r = FAIL(errno, "bpf", "write %s", path);
	close(fd);
	return r;
}
