// SPDX-License-Identifier: GPL-2.0
/* uc_peer.c: peer add, del and sync as use cases (see uc_peer.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "apply.h"
#include "nodelist.h"
#include "store.h"
#include "tenc.h"
#include "uc_node.h"
#include "uc_peer.h"

/* Take the kernel from have to want, make-before-break, restored on a
 * refusal; nothing when the node is not enabled (recorded: enable
 * installs it). */
static int apply(const struct node *n, const struct plan *want, const struct plan *have, size_t *changes)
{
	struct dp d;
	int ret;

	if (!n->enabled)
		return 0;
	if ((ret = dp_open(&d)))
		return ret;
	ret = dp_apply(&d, want, have, changes);
	dp_close(&d);
	return ret;
}

/* One peer's kernel objects from old's to new's (old NULL: add; new
 * NULL: remove). */
static int peer_apply(const struct node *n, const struct peer *old, const struct peer *new)
{
	struct plan have = { 0 }, want = { 0 };
	size_t changes = 0;
	int ret = 0;

	if (!n->enabled)
		return 0;
	if ((old && plan_peer(&n->cfg, &n->keys, old, n->ifindex, n->mtu, &have)) ||
	    (new && plan_peer(&n->cfg, &n->keys, new, n->ifindex, n->mtu, &want)))
		ret = tenc_err(TENC_FAIL, "plan", "out of memory");
	else
		ret = apply(n, &want, &have, &changes);
	plan_free(&have);
	plan_free(&want);
	return ret;
}

/* res->peer into n's set and the kernel: a change of the peer of that
 * name (make-before-break from what it was), or a new peer. */
static int add_to(struct node *n, struct peer_add_res *res)
{
	struct peer *p = &res->peer, *x = peers_find(&n->peers, p->name);
	char err[512];
	int ret;

	if (node_check_peer(n, p, x, err, sizeof(err)))
		return tenc_err(TENC_USAGE, p->name, "%s", err);
	if (x) {
		if (!p->adv_spi)
			p->adv_spi = x->adv_spi;
		peer_carry(p, x);
		res->result = PEER_CHANGED;
		if (peer_same_objects(x, p) && x->adv_spi == p->adv_spi)
			res->result = PEER_UNCHANGED;
		if (!(ret = peer_apply(n, x, p)))
			*x = *p;
		return ret;
	}
	p->id = peers_free_id(&n->peers);
	if (!p->id || !(x = peers_add(&n->peers)))
		return tenc_err(TENC_FAIL, p->name, "no free peer id");
	p->out_spi = keys_new_peer_out(&n->keys, p->adv_spi);
	*x = *p;
	res->result = PEER_ADDED;
	if ((ret = peer_apply(n, NULL, x)))
		peers_remove(&n->peers, x);
	return ret;
}

int uc_peer_add(const struct peer *want, struct peer_add_res *res)
{
	struct node n;
	int ret;

	memset(res, 0, sizeof(*res));
	res->peer = *want;
	node_sort_cidrs(&res->peer);
	if ((ret = uc_begin(&n, true)))
		return ret;
	ret = add_to(&n, res) ?: peers_save(&n.peers);
	uc_end(&n);
	return ret;
}

int uc_peer_del(const char *name, struct peer *removed)
{
	struct peer *x;
	struct node n;
	int ret;

	memset(removed, 0, sizeof(*removed));
	if ((ret = uc_begin(&n, true)))
		return ret;
	if (!(x = peers_find(&n.peers, name))) {
		ret = tenc_err(TENC_USAGE, name, "no such peer");
	} else if (!(ret = peer_apply(&n, x, NULL))) {
		*removed = *x;
		peers_remove(&n.peers, x);
		ret = peers_save(&n.peers);
	}
	uc_end(&n);
	return ret;
}

/* The whole of path ("-": stdin) into *buf (NUL-terminated). 0 or -errno. */
static int read_all(const char *path, char **buf, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "re");
	size_t cap = 0, got = 1;
	char *b = NULL, *nb;
	int r = 0;

	*buf = NULL;
	*len = 0;
	if (!f)
		return -errno;
	while (got) {
		if (*len + 1 >= cap) {
			if (!(nb = realloc(b, cap = cap ? cap * 2 : 65536))) {
				r = -ENOMEM;
				break;
			}
			b = nb;
		}
		got = fread(b + *len, 1, cap - *len - 1, f);
		*len += got;
	}
	if (!r && ferror(f))
		r = -EIO;
	if (f != stdin)
		fclose(f);
	if (r) {
		free(b);
		return r;
	}
	b[*len] = '\0';
	*buf = b;
	return 0;
}

/* n's node ips, as node lists name them. */
static struct node_ips local_ips(const struct tenc_config *c)
{
	struct node_ips l = { .ip4 = c->node_ip };

	memcpy(l.ip6, c->node_ip6, 16);
	return l;
}

/* The document at path as the wanted peer set (nodelist_parse), the
 * nodes that cannot be peered on their own in rej. */
static int read_input(const char *path, const struct node *n, struct peers *out, struct node_rejects *rej)
{
	char *text = NULL, err[512];
	struct node_ips l = local_ips(&n->cfg);
	size_t len;
	int r = read_all(path, &text, &len);

	memset(out, 0, sizeof(*out));
	memset(rej, 0, sizeof(*rej));
	if (r)
		return tenc_errno(TENC_USAGE, -r, path, "reading");
	r = nodelist_parse(text, len, n->enabled ? &l : NULL, out, rej, err, sizeof(err));
	free(text);
	return r ? tenc_err(TENC_USAGE, path, "%s", err) : 0;
}

/* With strict: every node left out, as an error. TENC_USAGE. */
static int strict_refuse(const struct node_rejects *rej)
{
	for (size_t i = 0; i < rej->n; i++)
		tenc_err(TENC_USAGE, rej->v[i].name, "%s", rej->v[i].reason);
	return TENC_USAGE;
}

/* n's peers to the part of want that can be peered: the final set
 * checked whole, then only the changed peers, from what they were to what
 * they become, in one batch. */
static int sync_to(const struct node *n, const struct peers *want, bool prune, bool strict,
		   struct peer_sync_res *res)
{
	struct sync_diff d;
	struct node check;
	size_t bad = 0;
	char err[192];
	int ret = 0;

	if (sync_pick(n, want, prune, &res->rejected, &d))
		return tenc_err(TENC_FAIL, "sync", "out of memory or no free peer id");
	check = *n;
	check.peers = d.fin;
	if (strict && res->rejected.n)
		ret = strict_refuse(&res->rejected); /* nothing changed */
	else if (node_check_all(&check, &bad, err, sizeof(err)))
		ret = tenc_err(TENC_USAGE, d.fin.v[bad].name, "%s", err);
	else if (d.del.n_ipc || d.add.n_ipc)
		ret = apply(n, &d.add, &d.del, &res->kernel_changes);
	if (!ret && !(ret = peers_save(&d.fin)))
		res->n = d.n;
	sync_diff_free(&d);
	return ret;
}

/* What one sync wants, computed under the lock from the loaded node. */
typedef int (*want_fn)(const struct node *n, const void *req, struct peers *want, struct peer_sync_res *res);

/* A sync in the writer frame: lock, load, recover, want, converge, save. */
static int sync_framed(want_fn fn, const void *req, bool prune, bool strict, struct peer_sync_res *res)
{
	struct peers want = { 0 };
	struct node n;
	int ret;

	memset(res, 0, sizeof(*res));
	if ((ret = uc_begin(&n, true)))
		return ret;
	ret = fn(&n, req, &want, res) ?: sync_to(&n, &want, prune, strict, res);
	peers_free(&want);
	uc_end(&n);
	return ret;
}

static int doc_want(const struct node *n, const void *req, struct peers *want, struct peer_sync_res *res)
{
	return read_input(((const struct peer_sync_req *)req)->path, n, want, &res->rejected);
}

int uc_peer_sync(const struct peer_sync_req *req, struct peer_sync_res *res)
{
	return sync_framed(doc_want, req, req->prune, req->strict, res);
}

/* The batch's wanted set: n's peers but the batch's, then its upserts
 * (the local node's left out); its bad nodes into res->rejected (a peer of
 * that name stays as it is: sync_pick holds it). */
static int batch_want(const struct node *n, const void *arg, struct peers *want, struct peer_sync_res *res)
{
	const struct peer_batch_req *req = arg;
	struct node_ips l = local_ips(&n->cfg), *local = n->enabled ? &l : NULL;
	struct peer_index up, del;
	struct peer *x;
	int ret = -ENOMEM;

	memset(want, 0, sizeof(*want));
	if (peer_index_init(&up, req->upsert) || peer_index_init(&del, req->del))
		goto out;
	for (size_t i = 0; i < req->bad->n; i++)
		if (rejects_add(&res->rejected, req->bad->v[i].name, "%s", req->bad->v[i].reason))
			goto out;
	for (size_t i = 0; i < n->peers.n; i++) {
		x = peer_index_find(&up, n->peers.v[i].name);
		if ((x && !node_ips_held(local, x)) || peer_index_find(&del, n->peers.v[i].name))
			continue;
		if (!(x = peers_add(want)))
			goto out;
		*x = n->peers.v[i];
	}
	for (size_t i = 0; i < req->upsert->n; i++) {
		if (node_ips_held(local, &req->upsert->v[i]))
			continue;
		if (!(x = peers_add(want)))
			goto out;
		*x = req->upsert->v[i];
		x->id = 0;
		x->out_spi = 0;
	}
	ret = 0;
out:
	peer_index_free(&up);
	peer_index_free(&del);
	return ret ? tenc_err(TENC_FAIL, "sync", "out of memory") : 0;
}

int uc_peer_sync_batch(const struct peer_batch_req *req, struct peer_sync_res *res)
{
	return sync_framed(batch_want, req, true, false, res);
}

void uc_peer_local_ip(struct node_ips *ip)
{
	struct tenc_config c;

	memset(ip, 0, sizeof(*ip));
	if (config_load(&c) == 0)
		*ip = local_ips(&c);
}

void peer_sync_res_free(struct peer_sync_res *res)
{
	rejects_free(&res->rejected);
}
