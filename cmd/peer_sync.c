// SPDX-License-Identifier: GPL-2.0
/* peer_sync.c: `tenc peer sync FILE|- [--prune]`: make the peer set match
 * a JSON document, either `kubectl get nodes -o json` (name, InternalIP,
 * spec.podCIDRs; the local node, known by its node ip, is skipped) or the
 * output of `tenc -j peer list`. The whole input is validated first; then
 * only the difference reaches the kernel, in one batch each way. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "apply.h"
#include "cli.h"
#include "node.h"
#include "peer.h"
#include "state.h"
#include "tenc.h"

enum { O_PRUNE = OPT_LONG_BASE };

static const struct opt sync_opts[] = {
	{ "prune", O_PRUNE, no_argument, NULL, "remove peers absent from the input", NULL },
	{ 0 },
};

static int sync_opt(int key, char *arg, void *ctx)
{
	(void)arg;
	if (key != O_PRUNE)
		return -1;
	*(bool *)ctx = true;
	return 0;
}

/* One element: "what" names it in errors. 0, 1 (skip: local node / no
 * IPv4), or TENC_USAGE (reported). */
static int parse_item(json_t *it, bool kube, const struct node *n, struct peer *x, const char *what)
{
	json_t *cidrs, *v;
	const char *name, *ip = NULL, *spi_s = NULL;
	char err[128];
	size_t i;

	memset(x, 0, sizeof(*x));
	if (kube) {
		json_t *addrs = json_object_get(json_object_get(it, "status"), "addresses");
		json_t *spec = json_object_get(it, "spec");

		name = json_string_value(json_object_get(json_object_get(it, "metadata"), "name"));
		json_array_foreach(addrs, i, v) {
			const char *t = json_string_value(json_object_get(v, "type"));
			const char *a = json_string_value(json_object_get(v, "address"));

			if (t && a && !strcmp(t, "InternalIP") && strchr(a, '.')) {
				ip = a;
				break;
			}
		}
		cidrs = json_object_get(spec, "podCIDRs");
		if (!cidrs && json_object_get(spec, "podCIDR")) {
			cidrs = json_array(); /* old form; freed below */
			json_array_append(cidrs, json_object_get(spec, "podCIDR"));
		} else {
			json_incref(cidrs);
		}
		spi_s = json_string_value(json_object_get(json_object_get(json_object_get(it, "metadata"),
								       "annotations"), "tenc.io/spi"));
	} else {
		name = json_string_value(json_object_get(it, "name"));
		ip = json_string_value(json_object_get(it, "node_ip"));
		cidrs = json_incref(json_object_get(it, "cidrs"));
		if (json_is_integer(json_object_get(it, "spi")))
			x->adv_spi = (int)json_integer_value(json_object_get(it, "spi"));
	}
	if (!name || strlen(name) >= sizeof(x->name) || !node_valid_name(name)) {
		json_decref(cidrs);
		return tenc_err(TENC_USAGE, what, "name: missing or not 1..63 of A-Z a-z 0-9 . _ -");
	}
	snprintf(x->name, sizeof(x->name), "%s", name);
	if (!ip || parse_ipv4(ip, &x->node_ip, err, sizeof(err))) {
		json_decref(cidrs);
		if (kube && !ip)
			return 1; /* no IPv4 InternalIP */
		return tenc_err(TENC_USAGE, name, "node_ip: %s", ip ? err : "missing");
	}
	if (n->enabled && x->node_ip == n->cfg.node_ip) {
		json_decref(cidrs);
		return 1; /* the local node */
	}
	json_array_foreach(cidrs, i, v) {
		const char *s = json_string_value(v);

		if (kube && s && strchr(s, ':'))
			continue; /* IPv6: not tenc's yet */
		if (x->n_cidrs == MAX_PEER_CIDRS || !s ||
		    parse_cidr(s, &x->cidrs[x->n_cidrs], err, sizeof(err))) {
			json_decref(cidrs);
			return tenc_err(TENC_USAGE, name, "cidrs: %s", s ? err : "not a string");
		}
		x->n_cidrs++;
	}
	json_decref(cidrs);
	node_sort_cidrs(x);
	if (x->n_cidrs == 0)
		return tenc_err(TENC_USAGE, name, "cidrs: none");
	if (spi_s && peer_parse_spi(spi_s, &x->adv_spi, err, sizeof(err)))
		return tenc_err(TENC_USAGE, name, "spi: %s", err);
	if (x->adv_spi < 0 || x->adv_spi > 15)
		return tenc_err(TENC_USAGE, name, "spi: must be 1..15");
	return 0;
}

static int parse_input(const char *path, const struct node *n, struct peers *out)
{
	json_error_t je;
	json_t *j = strcmp(path, "-") == 0 ? json_loadf(stdin, 0, &je) : json_load_file(path, 0, &je);
	json_t *arr, *it;
	struct peer_index names;
	bool kube;
	size_t i;
	int ret = 0;

	if (!j)
		return tenc_err(TENC_USAGE, path, "line %d: %s", je.line, je.text);
	kube = json_is_array(json_object_get(j, "items"));
	arr = kube ? json_object_get(j, "items") : json_object_get(j, "peers");
	if (!json_is_array(arr)) {
		json_decref(j);
		return tenc_err(TENC_USAGE, path, "expected {\"items\": [...]} (kubectl) or {\"peers\": [...]}");
	}
	memset(out, 0, sizeof(*out));
	if (peer_index_init(&names, out)) {
		json_decref(j);
		return tenc_err(TENC_FAIL, path, "out of memory");
	}
	json_array_foreach(arr, i, it) {
		struct peer x;
		char what[32];
		int r;

		snprintf(what, sizeof(what), "item %zu", i);
		r = parse_item(it, kube, n, &x, what);
		if (r == 1)
			continue;
		if (r) {
			ret = r;
			break;
		}
		if (peer_index_find(&names, x.name)) {
			ret = tenc_err(TENC_USAGE, x.name, "name: appears twice in the input");
			break;
		}
		if (!peers_add(out)) {
			ret = tenc_err(TENC_FAIL, path, "out of memory");
			break;
		}
		out->v[out->n - 1] = x;
		if (peer_index_add(&names, out->n - 1)) {
			ret = tenc_err(TENC_FAIL, path, "out of memory");
			break;
		}
	}
	peer_index_free(&names);
	json_decref(j);
	return ret;
}

static bool same_peer(const struct peer *a, const struct peer *b)
{
	if (a->node_ip != b->node_ip || a->n_cidrs != b->n_cidrs)
		return false;
	for (int i = 0; i < a->n_cidrs; i++)
		if (a->cidrs[i].addr != b->cidrs[i].addr || a->cidrs[i].len != b->cidrs[i].len)
			return false;
	return true;
}

struct counts {
	size_t added, changed, removed, unchanged;
};

/* Build the final peer set into fin, and the plans to remove and add. */
static int compute(struct node *n, const struct peers *want, bool prune, struct peers *fin,
		   struct plan *del, struct plan *add, struct counts *k)
{
	uint8_t *used = calloc(65536, 1);
	struct peer_index have, wanted;
	uint32_t next = 1;
	int r = 0;

	memset(fin, 0, sizeof(*fin));
	if (!used || peer_index_init(&have, &n->peers)) {
		free(used);
		return -ENOMEM;
	}
	if (peer_index_init(&wanted, want)) {
		peer_index_free(&have);
		free(used);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n->peers.n; i++)
		used[n->peers.v[i].id] = 1;
	for (size_t i = 0; !r && i < want->n; i++) {
		const struct peer *w = &want->v[i];
		struct peer *old = peer_index_find(&have, w->name), *f = peers_add(fin);

		if (!f) {
			r = -ENOMEM;
			break;
		}
		*f = *w;
		if (old) {
			f->id = old->id;
			f->out_spi = old->out_spi;
			if (same_peer(old, w)) {
				k->unchanged++;
				continue;
			}
			k->changed++;
			if (n->enabled)
				r = plan_peer(&n->cfg, &n->keys, old, n->ifindex, n->mtu, del);
		} else {
			while (next <= 65535 && used[next])
				next++;
			if (next > 65535) {
				r = -ENOSPC;
				break;
			}
			f->id = (uint16_t)next;
			f->out_spi = keys_new_peer_out(&n->keys, f->adv_spi);
			used[next] = 1;
			k->added++;
		}
		if (!r && n->enabled)
			r = plan_peer(&n->cfg, &n->keys, f, n->ifindex, n->mtu, add);
	}
	for (size_t i = 0; !r && i < n->peers.n; i++) {
		struct peer *old = &n->peers.v[i], *f;

		if (peer_index_find(&wanted, old->name))
			continue;
		if (!prune) {
			if (!(f = peers_add(fin))) {
				r = -ENOMEM;
				break;
			}
			*f = *old;
			continue;
		}
		k->removed++;
		if (n->enabled)
			r = plan_peer(&n->cfg, &n->keys, old, n->ifindex, n->mtu, del);
	}
	peer_index_free(&have);
	peer_index_free(&wanted);
	free(used);
	return r;
}

static int do_sync(const struct cmd *self, int argc, char **argv)
{
	struct peers want = { 0 }, fin = { 0 };
	struct plan del = { 0 }, add = { 0 };
	struct counts k = { 0 };
	struct node n, check;
	bool prune = false;
	size_t bad = 0;
	char err[192];
	int i, ret;

	i = cmd_parse(self, argc, argv, sync_opt, &prune, 1, 1);
	if (i <= 0)
		return -i;
	if ((ret = writer_begin()))
		return ret;
	if ((ret = node_load(&n)))
		goto out_lock;
	if ((ret = parse_input(argv[i], &n, &want)))
		goto out;
	if (compute(&n, &want, prune, &fin, &del, &add, &k)) {
		ret = tenc_err(TENC_FAIL, "sync", "out of memory or no free peer id");
		goto out;
	}
	check = n;
	check.peers = fin;
	if (node_check_all(&check, &bad, err, sizeof(err))) {
		ret = tenc_err(TENC_USAGE, fin.v[bad].name, "%s", err);
		goto out;
	}
	if (n.enabled && (del.n_ipc || add.n_ipc)) {
		struct dp d;

		if ((ret = dp_open(&d)))
			goto out;
		ret = dp_del(&d, &del);
		if (!ret && (ret = dp_add(&d, &add, false)))
			dp_add(&d, &del, false); /* put back what was removed */
		dp_close(&d);
		if (ret)
			goto out;
	}
	ret = peers_save(&fin);
	if (ret == 0) {
		if (tenc_json_begin()) {
			jw_start_object(jw);
			jw_uint_field(jw, "added", k.added);
			jw_uint_field(jw, "changed", k.changed);
			jw_uint_field(jw, "removed", k.removed);
			jw_uint_field(jw, "unchanged", k.unchanged);
			jw_end_object(jw);
		} else {
			printf("peers: %zu added, %zu changed, %zu removed, %zu unchanged\n", k.added,
			       k.changed, k.removed, k.unchanged);
		}
	}
out:
	plan_free(&del);
	plan_free(&add);
	peers_free(&want);
	peers_free(&fin);
	node_free(&n);
out_lock:
	writer_end();
	return ret;
}

const struct cmd peer_sync = {
	.name = "sync",
	.fn = do_sync,
	.opts = sync_opts,
	.synopsis = "FILE|- [--prune]",
	.summary = "make the peers match a kubectl nodes list or a peer list (JSON)",
	.args_values = "file",
};
