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
#include "apply.h"
#include "cli.h"
#include "node.h"
#include "nodelist.h"
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

static int parse_input(const char *path, const struct node *n, struct peers *out)
{
	char *text = NULL, err[512];
	size_t len;
	int r = read_all(path, &text, &len);

	memset(out, 0, sizeof(*out));
	if (r)
		return tenc_errno(TENC_USAGE, -r, path, "reading");
	r = nodelist_parse(text, len, n->enabled ? n->cfg.node_ip : 0, out, err, sizeof(err));
	free(text);
	return r ? tenc_err(TENC_USAGE, path, "%s", err) : 0;
}

static bool same_peer(const struct peer *a, const struct peer *b)
{
	if (a->node_ip != b->node_ip || a->n_cidrs != b->n_cidrs || a->epoch != b->epoch)
		return false;
	for (int i = 0; i < a->n_cidrs; i++)
		if (a->cidrs[i].addr != b->cidrs[i].addr || a->cidrs[i].len != b->cidrs[i].len)
			return false;
	return true;
}

struct counts {
	size_t added, changed, removed, unchanged;
	size_t kernel;		/* kernel changes made */
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
			if (!f->epoch) /* an input without epochs keeps the known one */
				f->epoch = old->epoch;
			if (same_peer(old, f)) {
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
	if ((ret = node_recover(&n)))
		goto out;
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
		/* The changed peers, from what they were to what they become:
		 * make-before-break, restored on a refusal. */
		struct dp d;

		if ((ret = dp_open(&d)))
			goto out;
		ret = dp_apply(&d, &add, &del, &k.kernel);
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
			jw_uint_field(jw, "kernel_changes", k.kernel);
			jw_end_object(jw);
		} else {
			printf("peers: %zu added, %zu changed, %zu removed, %zu unchanged; %zu kernel changes\n",
			       k.added, k.changed, k.removed, k.unchanged, k.kernel);
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
