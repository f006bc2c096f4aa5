// SPDX-License-Identifier: GPL-2.0
/* status.c: `tenc status`: what the kernel holds, read back, not what the
 * state files say: programs per device, keys (hidden), per peer its SAs
 * with counters, policies and ipcache entries, non-zero XFRM error
 * counters, and drift both ways ("drift" is empty exactly when the
 * kernel matches intent). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <linux/xfrm.h>
#include "apply.h"
#include "bpfdp.h"
#include "cli.h"
#include "node.h"
#include "num.h"
#include "rxbase.h"
#include "tenc.h"

struct view {
	struct node n;
	struct plan have, want, missing, extra;
	struct rxbase rx;	/* IN SA counters at the last converge */
	int n_drift;
};

/* Packets x's IN SAs refused since tenc last converged (integrity and
 * replay failures): a peer that re-created its SAs (rxbase.h). */
static uint64_t rejected(const struct view *v, const struct peer *x, uint32_t *spi)
{
	uint64_t n = 0;

	for (size_t i = 0; i < v->have.n_sas; i++) {
		const struct xsa *s = &v->have.sas[i];
		uint64_t k;

		if (s->src != x->node_ip || s->dst != v->n.cfg.node_ip || !s->mark)
			continue;
		if ((k = rxbase_refused_since(&v->rx, s)) > 0)
			n += k, *spi = s->spi;
	}
	return n;
}


static void drift(struct view *v, const char *kind, const char *problem, const char *obj)
{
	v->n_drift++;
	if (jw) {
		jw_start_object(jw);
		jw_string_field(jw, "kind", kind);
		jw_string_field(jw, "problem", problem);
		jw_string_field(jw, "object", obj);
		jw_end_object(jw);
	} else {
		printf("  %-10s %-8s %s\n", problem, kind, obj);
	}
}

static void sa_str(const struct xsa *s, char *b, size_t n)
{
	char a[16], c[16];

	snprintf(b, n, "%s->%s spi %u reqid 0x%x mark 0x%x/0x%x", fmt_ipv4(s->src, a, 16),
		 fmt_ipv4(s->dst, c, 16), s->spi, s->reqid, s->mark, s->mark_mask);
}

static void pol_str(const struct xpol *p, char *b, size_t n)
{
	char a[16], c[16];
	static const char *const dirs[] = { "in", "out", "fwd" };

	snprintf(b, n, "dir %s dst %s/%u mark 0x%x/0x%x prio %u %s %s reqid 0x%x",
		 p->dir < 3 ? dirs[p->dir] : "?", fmt_ipv4(p->sel_dst, a, 16), p->sel_dst_len, p->mark,
		 p->mark_mask, p->priority, p->block ? "block" : p->allow_plain ? "allow" : "tmpl", fmt_ipv4(p->tmpl_dst, c, 16),
		 p->reqid);
}

static void all_drift(struct view *v, struct plan *p, const char *problem)
{
	char b[200];

	if (p->spd) {
		snprintf(b, sizeof(b), "ipv4 policy hash thresholds local %u remote %u", TENC_HTHRESH.lbits,
			 TENC_HTHRESH.rbits);
		drift(v, "spd", problem, b);
	}
	for (size_t i = 0; i < p->n_sas; i++)
		sa_str(&p->sas[i], b, sizeof(b)), drift(v, "sa", problem, b);
	for (size_t i = 0; i < p->n_pols; i++)
		pol_str(&p->pols[i], b, sizeof(b)), drift(v, "policy", problem, b);
	for (size_t i = 0; i < p->n_rules; i++) {
		snprintf(b, sizeof(b), "pref %u fwmark 0x%x/0x%x lookup %u", p->rules[i].pref,
			 p->rules[i].fwmark, p->rules[i].fwmask, p->rules[i].table);
		drift(v, "rule", problem, b);
	}
	for (size_t i = 0; i < p->n_routes; i++) {
		char a[16];

		snprintf(b, sizeof(b), "%s/%u table %u ifindex %d mtu %u", fmt_ipv4(p->routes[i].dst, a, 16),
			 p->routes[i].dst_len, p->routes[i].table, p->routes[i].oif, p->routes[i].mtu);
		drift(v, "route", problem, b);
	}
	for (size_t i = 0; i < p->n_ipc; i++) {
		char c[32];

		snprintf(b, sizeof(b), "%s peer %u spi %u flags 0x%x", fmt_cidr(&p->ipc[i].prefix, c, 32),
			 p->ipc[i].val.peer_id, p->ipc[i].val.spi, p->ipc[i].val.flags);
		drift(v, "ipcache", problem, b);
	}
}

static void prog(struct view *v, const char *dev, enum bpfdp_hook h)
{
	uint32_t id = 0;
	char name[64] = "", b[128];
	int r = bpfdp_query(dev, h, &id, name, sizeof(name));

	if (jw) {
		jw_start_object(jw);
		jw_string_field(jw, "device", dev);
		jw_string_field(jw, "hook", bpfdp_hook_name(h));
		jw_bool_field(jw, "attached", r == 0);
		if (r == 0) {
			jw_uint_field(jw, "prog_id", id);
			jw_string_field(jw, "prog_name", name);
		}
		jw_end_object(jw);
	} else {
		printf("  %-12s %-10s %s", dev, bpfdp_hook_name(h), r == 0 ? "" : "NOT ATTACHED\n");
		if (r == 0)
			printf("prog %u %s\n", id, name);
	}
	if (r) {
		snprintf(b, sizeof(b), "%s %s", dev, bpfdp_hook_name(h));
		v->n_drift++; /* reported again under drift below */
	}
}

static void progs(struct view *v, bool drift_only)
{
	const struct tenc_config *c = &v->n.cfg;
	uint32_t id;
	char name[64], b[128];

	for (int i = 0; i <= c->n_devs; i++) {
		const char *dev = i < c->n_devs ? c->devs[i] : c->underlay;

		for (int h = 0; h < HOOK__COUNT; h++) {
			if ((i < c->n_devs) != (h == HOOK_FROM_POD))
				continue;
			if (!drift_only) {
				prog(v, dev, (enum bpfdp_hook)h);
			} else if (bpfdp_query(dev, (enum bpfdp_hook)h, &id, name, sizeof(name))) {
				snprintf(b, sizeof(b), "%s %s", dev, bpfdp_hook_name((enum bpfdp_hook)h));
				v->n_drift--; /* counted once already by prog() */
				drift(v, "program", "missing", b);
			}
		}
	}
}

static void peer_sa(const struct xsa *s, const char *dir)
{
	if (jw) {
		jw_start_object(jw);
		jw_string_field(jw, "dir", dir);
		jw_uint_field(jw, "spi", s->spi);
		jw_uint_field(jw, "bytes", s->bytes);
		jw_uint_field(jw, "packets", s->packets);
		jw_uint_field(jw, dir[0] == 'o' ? "oseq" : "seq", dir[0] == 'o' ? s->oseq : s->seq);
		jw_uint_field(jw, "replay_errors", s->replay_errors);
		jw_uint_field(jw, "integrity_errors", s->integrity_errors);
		jw_end_object(jw);
	} else {
		printf("    %-3s sa spi %-2u %10llu bytes %8llu packets  %s %llu\n", dir, s->spi,
		       (unsigned long long)s->bytes, (unsigned long long)s->packets,
		       dir[0] == 'o' ? "oseq" : "seq",
		       (unsigned long long)(dir[0] == 'o' ? s->oseq : s->seq));
	}
}

static void peers(struct view *v)
{
	uint32_t me = v->n.cfg.node_ip;
	char a[32];

	for (size_t k = 0; k < v->n.peers.n; k++) {
		const struct peer *x = &v->n.peers.v[k];
		char e[EPOCH_TEXT_LEN + 1] = "-";
		uint32_t rspi = 0;
		uint64_t rej = rejected(v, x, &rspi);
		size_t npol = 0;

		if (x->epoch)
			epoch_fmt(x->epoch, e);
		if (jw) {
			jw_start_object(jw);
			jw_string_field(jw, "name", x->name);
			jw_uint_field(jw, "id", x->id);
			jw_string_field(jw, "node_ip", fmt_ipv4(x->node_ip, a, sizeof(a)));
			jw_uint_field(jw, "out_spi", (uint64_t)plan_out_spi(&v->n.keys, x));
			if (x->adv_spi)
				jw_uint_field(jw, "advertised_spi", (uint64_t)x->adv_spi);
			if (x->epoch)
				jw_string_field(jw, "epoch", e);
			jw_bool_field(jw, "rejecting", rej > 0);
			jw_uint_field(jw, "refused_since_converge", rej);
			jw_name(jw, "sas");
			jw_start_array(jw);
		} else {
			printf("  %s (id %u) %s, out spi %d, epoch %s%s\n", x->name, x->id,
			       fmt_ipv4(x->node_ip, a, 32), plan_out_spi(&v->n.keys, x), e,
			       rej ? ", REJECTING (see drift)" : "");
		}
		for (size_t i = 0; i < v->have.n_sas; i++) {
			const struct xsa *s = &v->have.sas[i];

			if (s->src == me && s->dst == x->node_ip)
				peer_sa(s, "out");
			else if (s->src == x->node_ip && s->dst == me)
				peer_sa(s, "in");
		}
		for (size_t i = 0; i < v->have.n_pols; i++)
			npol += !v->have.pols[i].block && v->have.pols[i].tmpl_dst == x->node_ip;
		if (jw) {
			jw_end_array(jw);
			jw_uint_field(jw, "policies", npol);
			jw_name(jw, "ipcache");
			jw_start_array(jw);
		} else {
			printf("    policies %zu, ipcache", npol);
		}
		for (size_t i = 0; i < v->have.n_ipc; i++) {
			const struct ipc_entry *e = &v->have.ipc[i];

			if (e->val.peer_id != x->id || (e->val.flags & IPC_F_LOCAL))
				continue;
			fmt_cidr(&e->prefix, a, sizeof(a));
			if (jw) {
				jw_start_object(jw);
				jw_string_field(jw, "prefix", a);
				jw_uint_field(jw, "spi", e->val.spi);
				jw_bool_field(jw, "node", e->val.flags & IPC_F_NODE);
				jw_bool_field(jw, "nokey", e->val.flags & IPC_F_NOKEY);
				jw_end_object(jw);
			} else {
				printf(" %s%s", a, e->val.flags & IPC_F_NOKEY ? "(no key)" : "");
			}
		}
		if (jw) {
			jw_end_array(jw);
			jw_end_object(jw);
		} else {
			printf("\n");
		}
	}
}

static int stat_cb(const char *name, uint64_t val, void *data)
{
	(void)data;
	if (!val)
		return 0;
	if (jw)
		jw_uint_field(jw, name, val);
	else
		printf("  %-28s %llu\n", name, (unsigned long long)val);
	return 0;
}

static void keys(struct view *v)
{
	char fp[17], algo[140];

	for (int k = 0; k < v->n.keys.n; k++) {
		const struct tenc_key *key = &v->n.keys.v[k].k;

		key_fingerprint(key, fp);
		key_algo_str(key, algo, sizeof(algo));
		if (jw) {
			jw_start_object(jw);
			jw_uint_field(jw, "spi", (uint64_t)key->spi);
			jw_string_field(jw, "state", key_state_str(v->n.keys.v[k].state));
			jw_string_field(jw, "algorithm", algo);
			jw_string_field(jw, "fingerprint", fp);
			jw_string_field(jw, "key", "(hidden)");
			jw_end_object(jw);
		} else {
			printf("  spi %-2d %-9s %s fingerprint %s key (hidden)\n", key->spi,
			       key_state_str(v->n.keys.v[k].state), algo, fp);
		}
	}
}

/* A peer whose packets fail their integrity check is not what tenc
 * intends either: it is drift, with its likely cause. */
static void rejecting_drift(struct view *v)
{
	char b[512];

	for (size_t k = 0; k < v->n.peers.n; k++) {
		const struct peer *x = &v->n.peers.v[k];
		uint32_t spi = 0;
		uint64_t n = rejected(v, x, &spi);

		if (!n)
			continue;
		snprintf(b, sizeof(b),
			 "%s: its IN SA spi %u refused %llu packets (integrity or replay) since tenc last converged: "
			 "the peer re-created its SAs (a reboot or a re-provisioning), its epoch or key is "
			 "stale here; peer sync its advertisement",
			 x->name, spi, (unsigned long long)n);
		drift(v, "peer", "rejecting", b);
	}
}

static void print(struct view *v)
{
	const struct tenc_config *c = &v->n.cfg;
	char a[32];

	if (tenc_json_begin()) {
		jw_start_object(jw);
		jw_bool_field(jw, "enabled", v->n.enabled);
		if (v->n.enabled) {
			jw_string_field(jw, "mode", mode_str(c->mode));
			jw_bool_field(jw, "encrypt", c->encrypt);
			jw_string_field(jw, "node_ip", fmt_ipv4(c->node_ip, a, sizeof(a)));
			jw_name(jw, "subnets");
			jw_start_array(jw);
			for (int i = 0; i < c->n_subnets; i++)
				jw_string(jw, fmt_cidr(&c->subnets[i], a, sizeof(a)));
			jw_end_array(jw);
			jw_name(jw, "underlay");
			jw_start_object(jw);
			jw_string_field(jw, "name", c->underlay);
			jw_uint_field(jw, "mtu", v->n.mtu);
			jw_end_object(jw);
			jw_name(jw, "programs");
			jw_start_array(jw);
			progs(v, false);
			jw_end_array(jw);
		}
		jw_name(jw, "keys");
		jw_start_array(jw);
		keys(v);
		jw_end_array(jw);
		jw_uint_field(jw, "advertise", (uint64_t)keys_advertise(&v->n.keys));
		if (v->n.enabled && c->epoch) {
			char e[EPOCH_TEXT_LEN + 1];

			jw_string_field(jw, "name", c->name);
			jw_string_field(jw, "epoch", epoch_fmt(c->epoch, e));
		}
		jw_name(jw, "peers");
		jw_start_array(jw);
		peers(v);
		jw_end_array(jw);
		jw_name(jw, "xfrm_stat");
		jw_start_object(jw);
		xfrm_stat_read(stat_cb, NULL);
		jw_end_object(jw);
		jw_name(jw, "drift");
		jw_start_array(jw);
	} else {
		if (v->n.enabled)
			printf("node %s, %s mode, %s, underlay %s mtu %u\nprograms:\n",
			       fmt_ipv4(c->node_ip, a, 32), mode_str(c->mode),
			       c->encrypt ? "encrypting" : "observing only", c->underlay, v->n.mtu);
		else
			printf("not enabled\n");
		if (v->n.enabled)
			progs(v, false);
		printf("keys:\n");
		keys(v);
		printf("peers:\n");
		peers(v);
		printf("xfrm errors (non-zero):\n");
		xfrm_stat_read(stat_cb, NULL);
		printf("drift:\n");
	}
	if (v->n.enabled)
		progs(v, true);
	all_drift(v, &v->missing, "missing");
	all_drift(v, &v->extra, "unexpected");
	rejecting_drift(v);
	if (jw) {
		jw_end_array(jw);
		jw_end_object(jw);
	} else if (v->n_drift == 0) {
		printf("  none: the kernel matches intent\n");
	}
}

static int do_status(const struct cmd *self, int argc, char **argv)
{
	struct view v = { 0 };
	struct dp d;
	int i, ret;

	i = cmd_parse(self, argc, argv, NULL, NULL, 0, 0);
	if (i <= 0)
		return -i;
	if ((ret = node_load(&v.n)))
		return ret;
	if ((ret = dp_open(&d)))
		goto out;
	ret = dp_read(&d, &v.have);
	dp_close(&d);
	if (!ret)
		ret = node_plan(&v.n, &v.want);
	if (!ret && dp_diff(&v.want, &v.have, &v.missing, &v.extra))
		ret = tenc_err(TENC_FAIL, "status", "out of memory");
	if (!ret) {
		rxbase_load(&v.rx);
		print(&v);
	}
out:
	rxbase_free(&v.rx);
	plan_free(&v.have);
	plan_free(&v.want);
	plan_free(&v.missing);
	plan_free(&v.extra);
	node_free(&v.n);
	return ret;
}

const struct cmd cmd_status = {
	.name = "status",
	.fn = do_status,
	.synopsis = "",
	.summary = "show what the kernel holds, and drift from intent",
};
