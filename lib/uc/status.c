// SPDX-License-Identifier: GPL-2.0
/* status.c: the read behind `tenc status` (see status.h). The kernel is
 * read once (dp_read, one query per program, /proc/net/xfrm_stat); all
 * else is derived from what was read. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "apply.h"
#include "nodeio.h"
#include "peerip.h"
#include "reconcile.h"
#include "rxbase.h"
#include "status.h"
#include "tenc.h"
#include "xfrm.h"

static const char *const kinds[] = {
	[SD_PROGRAM] = "program", [SD_SPD] = "spd", [SD_SA] = "sa", [SD_POLICY] = "policy",
	[SD_RULE] = "rule", [SD_ROUTE] = "route", [SD_IPCACHE] = "ipcache", [SD_PEER] = "peer",
};

static const char *const problems[] = {
	[SP_MISSING] = "missing", [SP_UNEXPECTED] = "unexpected", [SP_REJECTING] = "rejecting",
	[SP_IPV4_ONLY] = "ipv4 only",
};

const char *status_drift_kind_str(enum status_drift_kind k)
{
	return (unsigned)k < ARRAY_SIZE(kinds) ? kinds[k] : "?";
}

const char *status_problem_str(enum status_problem p)
{
	return (unsigned)p < ARRAY_SIZE(problems) ? problems[p] : "?";
}

enum status_v6 status_ipv6(const struct tenc_config *c, const struct peer *x)
{
	const uint8_t *ip6 = x ? x->node_ip6 : c->node_ip6;
	int n6 = x ? x->n_cidrs6 : c->n_pod_cidrs6, outer = x ? plan_v6_outer(c, x) : 0;

	if (ipv6_is_zero(ip6) && !n6)
		return V6_NONE;
	if (x && !outer)
		return ipv6_is_zero(c->node_ip6) && !c->n_pod_cidrs6 ? V6_NO_LOCAL : V6_NO_PAIR;
	if (!c->encrypt)
		return V6_OBSERVE;
	return !x ? V6_ESP : outer == AF_INET6 ? V6_ESP6 : V6_ESP4;
}

bool status_v6_encrypted(enum status_v6 v)
{
	return v == V6_ESP || v == V6_ESP6 || v == V6_ESP4;
}

const char *status_v6_outer(enum status_v6 v)
{
	return v == V6_ESP6 ? "ipv6" : v == V6_ESP4 ? "ipv4" : NULL;
}

const char *status_v6_reason(enum status_v6 v)
{
	switch (v) {
	case V6_OBSERVE: return "observe-only mode";
	case V6_NO_LOCAL: return "this node has no IPv6 half (enable --node-ip or --pod-cidr of IPv6)";
	case V6_NO_PAIR: return "no node ips of one family on both nodes to carry it (IPv6 over IPv4 needs both IPv4 ones)";
	default: return "";
	}
}

/* The programs tenc attaches: from_pod on each --dev, from_wire and
 * to_wire on the underlay. */
static void read_progs(struct status *s)
{
	const struct tenc_config *c = &s->n.cfg;

	for (int i = 0; i <= c->n_devs; i++) {
		const char *dev = i < c->n_devs ? c->devs[i] : c->underlay;

		for (int h = 0; h < HOOK__COUNT; h++) {
			struct status_prog *p = &s->progs[s->n_progs];

			if ((i < c->n_devs) != (h == HOOK_FROM_POD))
				continue;
			p->dev = dev;
			p->hook = (enum bpfdp_hook)h;
			p->attached = !bpfdp_query(dev, p->hook, &p->id, p->name, sizeof(p->name));
			s->n_progs++;
		}
	}
}

static void read_keys(struct status *s)
{
	for (int k = 0; k < s->n.keys.n; k++) {
		const struct tenc_key *key = &s->n.keys.v[k].k;
		struct status_key *o = &s->keys[s->n_keys++];

		o->spi = key->spi;
		o->state = s->n.keys.v[k].state;
		key_fingerprint(key, o->fingerprint);
		key_algo_str(key, o->algo, sizeof(o->algo));
	}
	s->advertise = keys_advertise(&s->n.keys);
}

static int stat_cb(const char *name, uint64_t val, void *data)
{
	struct status *s = data;

	if (val && s->n_xstat < (int)ARRAY_SIZE(s->xstat)) {
		snprintf(s->xstat[s->n_xstat].name, sizeof(s->xstat[0].name), "%s", name);
		s->xstat[s->n_xstat++].value = val;
	}
	return 0;
}

/* Is a (a KADDR view of family fam) the node ip of that family of the
 * node or peer whose ips are ip4, ip6 (all zero: none)? */
static bool is_ip(uint8_t fam, const uint8_t *a, const uint32_t *ip4, const uint8_t ip6[16])
{
	if (kfam(fam) == AF_INET6)
		return !ipv6_is_zero(ip6) && kaddr_eq(fam, a, ip6);
	return *ip4 && kaddr_eq(fam, a, (const uint8_t *)ip4); /* 0: none (IPv6-only) */
}

#define is_my_ip(fam, a, c) is_ip((fam), (a), &(c)->node_ip, (c)->node_ip6)

/* The peer at the far end of SA a, of either family: its dst when a is
 * from this node (*out), its src when a is to it; a position in the set
 * (ix: the peers by node ip), -1 none. */
static long sa_peer(const struct peer_ips *ix, const struct tenc_config *c, const struct xsa *a, bool *out)
{
	long k = -1;

	*out = is_my_ip(a->family, a->src6, c) && (k = peer_ips_find(ix, a->family, a->dst6)) >= 0;
	if (*out)
		return k;
	return is_my_ip(a->family, a->dst6, c) ? peer_ips_find(ix, a->family, a->src6) : -1;
}

/* Objects 0..n-1 grouped by their peer (own[i], -1 none), peers in set
 * order, each group in the objects' order: peer k's are order[start[k]
 * .. start[k + 1]) (start: np + 1 entries). A stable counting sort. */
static void group(const long *own, size_t n, size_t np, size_t *start, size_t *order)
{
	memset(start, 0, (np + 1) * sizeof(*start));
	for (size_t i = 0; i < n; i++)
		if (own[i] >= 0)
			start[own[i] + 1]++;
	for (size_t k = 0; k < np; k++)
		start[k + 1] += start[k];
	/* start[k] the next free slot of group k: its end once placed */
	for (size_t i = 0; i < n; i++)
		if (own[i] >= 0)
			order[start[own[i]]++] = i;
	memmove(start + 1, start, np * sizeof(*start));
	start[0] = 0;
}

/* Scratch for matching: per object its peer and way, the groups. */
struct match {
	long *own;
	bool *out;
	size_t *start, *order;
};

/* Each peer's SAs (both ways), in the order the kernel gave them. */
static void match_sas(struct status *s, const struct peer_ips *ix, struct match *m)
{
	size_t np = s->n.peers.n;

	for (size_t i = 0; i < s->have.n_sas; i++)
		m->own[i] = sa_peer(ix, &s->n.cfg, &s->have.sas[i], &m->out[i]);
	group(m->own, s->have.n_sas, np, m->start, m->order);
	for (size_t k = 0; k < np; k++)
		s->peers[k].sa0 = m->start[k], s->peers[k].n_sas = m->start[k + 1] - m->start[k];
	for (size_t j = 0; j < m->start[np]; j++)
		s->sas[j] = (struct status_sa){ &s->have.sas[m->order[j]], m->out[m->order[j]] };
}

/* Each peer's ipcache entries (by its id; not the node's own), in the
 * kernel's order. */
static void match_ipc(struct status *s, const struct peer_ips *ix, struct match *m)
{
	size_t np = s->n.peers.n;

	for (size_t i = 0; i < s->have.n_ipc; i++) {
		const struct ipc_entry *e = &s->have.ipc[i];

		m->own[i] = e->val.flags & IPC_F_LOCAL ? -1 : peer_ips_by_id(ix, e->val.peer_id);
	}
	group(m->own, s->have.n_ipc, np, m->start, m->order);
	for (size_t k = 0; k < np; k++)
		s->peers[k].ipc0 = m->start[k], s->peers[k].n_ipc = m->start[k + 1] - m->start[k];
	for (size_t j = 0; j < m->start[np]; j++)
		s->ipc[j] = &s->have.ipc[m->order[j]];
}

/* The policies with a template towards each peer's node ip. */
static void count_pols(struct status *s, const struct peer_ips *ix)
{
	for (size_t i = 0; i < s->have.n_pols; i++) {
		const struct xpol *p = &s->have.pols[i];
		long k = p->block || p->allow_plain ? -1 : peer_ips_find(ix, p->tmpl_family, p->tmpl_dst6);

		if (k >= 0)
			s->peers[k].policies++;
	}
}

/* Every SA, policy and ipcache entry to its peer, once: through an index
 * of the peers by node ip and id, not a scan of all per peer (5,000
 * dual-stack peers: 20,000 SAs, as many policies). Each belongs to one
 * peer at most (node ips and ids are unique), so s->sas and s->ipc have
 * room. 0 or -ENOMEM. */
static int match_peers(struct status *s)
{
	size_t n = s->have.n_sas > s->have.n_ipc ? s->have.n_sas : s->have.n_ipc;
	struct match m = { calloc(n + 1, sizeof(*m.own)), calloc(n + 1, sizeof(*m.out)),
			   calloc(s->n.peers.n + 1, sizeof(*m.start)), calloc(n + 1, sizeof(*m.order)) };
	struct peer_ips ix;
	int ret = -ENOMEM;

	if (m.own && m.out && m.start && m.order && !peer_ips_init(&ix, &s->n.peers)) {
		match_sas(s, &ix, &m);
		match_ipc(s, &ix, &m);
		count_pols(s, &ix);
		peer_ips_free(&ix);
		ret = 0;
	}
	free(m.own);
	free(m.out);
	free(m.start);
	free(m.order);
	return ret;
}

/* Packets sp's IN SAs refused since tenc last converged (integrity and
 * replay failures): a peer that re-created its SAs (rxbase.h). */
static void rejected(struct status *s, const struct rxbase *rx, struct status_peer *sp)
{
	for (size_t i = 0; i < sp->n_sas; i++) {
		const struct status_sa *a = &s->sas[sp->sa0 + i];
		uint64_t k;

		if (!a->out && a->sa->mark && (k = rxbase_refused_since(rx, a->sa)) > 0)
			sp->rejected += k, sp->rejected_spi = a->sa->spi;
	}
}

static size_t plan_objects(const struct plan *p)
{
	return p->spd + p->spd6 + p->n_sas + p->n_pols + p->n_rules + p->n_routes + p->n_ipc;
}

static void push(struct status *s, enum status_drift_kind k, enum status_problem p, size_t i)
{
	s->drift[s->n_drift++] = (struct status_drift){ k, p, i };
}

/* Every object of p, kind by kind, as drift of one problem. */
static void plan_drift(struct status *s, const struct plan *p, enum status_problem pr)
{
	if (p->spd)
		push(s, SD_SPD, pr, 0);
	if (p->spd6)
		push(s, SD_SPD, pr, 1);
	for (size_t i = 0; i < p->n_sas; i++)
		push(s, SD_SA, pr, i);
	for (size_t i = 0; i < p->n_pols; i++)
		push(s, SD_POLICY, pr, i);
	for (size_t i = 0; i < p->n_rules; i++)
		push(s, SD_RULE, pr, i);
	for (size_t i = 0; i < p->n_routes; i++)
		push(s, SD_ROUTE, pr, i);
	for (size_t i = 0; i < p->n_ipc; i++)
		push(s, SD_IPCACHE, pr, i);
}

/* Drift, in the order shown: programs not attached, what the kernel
 * lacks, what it holds beyond intent, and peers it rejects (a peer whose
 * packets fail their checks is not what tenc intends either). */
/* sp's IPv4 SAs that cannot carry its IPv6 over IPv4 (SP_IPV4_ONLY). */
static void v4_only(struct status *s, const struct status_peer *sp)
{
	if (plan_v6_outer(&s->n.cfg, sp->p) != AF_INET || !s->n.cfg.encrypt)
		return;
	for (size_t i = 0; i < sp->n_sas; i++) {
		const struct xsa *a = s->sas[sp->sa0 + i].sa;

		if (kfam(a->family) == AF_INET && !a->sel_any)
			push(s, SD_SA, SP_IPV4_ONLY, (size_t)(a - s->have.sas));
	}
}

static int find_drift(struct status *s)
{
	size_t n = plan_objects(&s->missing) + plan_objects(&s->extra) + (size_t)s->n_progs + s->n.peers.n +
		   s->have.n_sas;

	if (!(s->drift = calloc(n ? n : 1, sizeof(*s->drift))))
		return -ENOMEM;
	for (int i = 0; i < s->n_progs; i++)
		if (!s->progs[i].attached)
			push(s, SD_PROGRAM, SP_MISSING, (size_t)i);
	plan_drift(s, &s->missing, SP_MISSING);
	plan_drift(s, &s->extra, SP_UNEXPECTED);
	for (size_t k = 0; k < s->n.peers.n; k++)
		if (s->peers[k].rejected)
			push(s, SD_PEER, SP_REJECTING, k);
	for (size_t k = 0; k < s->n.peers.n; k++)
		v4_only(s, &s->peers[k]);
	return 0;
}

/* What the kernel holds beside the node's intent, and what it derives. */
static int derive(struct status *s)
{
	struct rxbase rx;
	size_t np = s->n.peers.n;

	if (plan_diff(&s->want, &s->have, &s->missing, &s->extra))
		return -ENOMEM;
	s->peers = calloc(np ? np : 1, sizeof(*s->peers));
	s->sas = calloc(s->have.n_sas ? s->have.n_sas : 1, sizeof(*s->sas));
	s->ipc = calloc(s->have.n_ipc ? s->have.n_ipc : 1, sizeof(*s->ipc));
	if (!s->peers || !s->sas || !s->ipc || match_peers(s))
		return -ENOMEM;
	rxbase_load(&rx);
	for (size_t k = 0; k < np; k++) {
		struct status_peer *sp = &s->peers[k];

		sp->p = &s->n.peers.v[k];
		sp->out_spi = plan_out_spi(&s->n.keys, sp->p);
		rejected(s, &rx, sp);
	}
	rxbase_free(&rx);
	return find_drift(s);
}

int status_derive(struct status *s)
{
	if (derive(s))
		return tenc_err(TENC_FAIL, "status", "out of memory");
	return 0;
}

int status_read(struct status *s)
{
	struct dp d;
	int ret;

	memset(s, 0, sizeof(*s));
	if ((ret = node_load(&s->n)))
		return ret;
	if ((ret = dp_open(&d)))
		return ret;
	ret = dp_read(&d, &s->have);
	dp_close(&d);
	if (ret)
		return ret;
	if (s->n.enabled)
		read_progs(s);
	read_keys(s);
	xfrm_stat_read(stat_cb, s);
	if ((ret = node_plan(&s->n, &s->want)))
		return ret;
	return status_derive(s);
}

void status_free(struct status *s)
{
	free(s->drift);
	free(s->ipc);
	free(s->sas);
	free(s->peers);
	plan_free(&s->have);
	plan_free(&s->want);
	plan_free(&s->missing);
	plan_free(&s->extra);
	node_free(&s->n);
	memset(s, 0, sizeof(*s));
}

static void sa_str(const struct xsa *s, char *b, size_t n)
{
	char a[KADDR_STRLEN], c[KADDR_STRLEN];

	snprintf(b, n, "%s->%s spi %u reqid 0x%x mark 0x%x/0x%x", kaddr_str(s->family, s->src6, a, sizeof(a)),
		 kaddr_str(s->family, s->dst6, c, sizeof(c)), s->spi, s->reqid, s->mark, s->mark_mask);
}

static void pol_str(const struct xpol *p, char *b, size_t n)
{
	char a[KADDR_STRLEN], c[KADDR_STRLEN];
	static const char *const dirs[] = { "in", "out", "fwd" };

	snprintf(b, n, "dir %s dst %s/%u mark 0x%x/0x%x prio %u %s %s reqid 0x%x",
		 p->dir < 3 ? dirs[p->dir] : "?", kaddr_str(p->sel_family, p->sel_dst6, a, sizeof(a)),
		 p->sel_dst_len, p->mark, p->mark_mask, p->priority,
		 p->block ? "block" : p->allow_plain ? "allow" : "tmpl",
		 kaddr_str(p->tmpl_family, p->tmpl_dst6, c, sizeof(c)), p->reqid);
}

static void route_str(const struct rroute *r, char *b, size_t n)
{
	char a[KADDR_STRLEN];

	snprintf(b, n, "%s/%u table %u ifindex %d mtu %u", kaddr_str(r->family, r->dst6, a, sizeof(a)), r->dst_len,
		 r->table, r->oif, r->mtu);
}

static void peer_str(const struct status_peer *sp, char *b, size_t n)
{
	snprintf(b, n,
		 "%s: its IN SA spi %u refused %llu packets (integrity or replay) since tenc last converged: "
		 "the peer re-created its SAs (a reboot or a re-provisioning), its epoch or key is "
		 "stale here; peer sync its advertisement",
		 sp->p->name, sp->rejected_spi, (unsigned long long)sp->rejected);
}

const char *status_drift_object(const struct status *s, const struct status_drift *d, char *b, size_t n)
{
	const struct plan *p = d->problem == SP_UNEXPECTED ? &s->extra
			       : d->problem == SP_IPV4_ONLY ? &s->have : &s->missing;
	char a[64];

	switch (d->kind) {
	case SD_PROGRAM:
		snprintf(b, n, "%s %s", s->progs[d->i].dev, bpfdp_hook_name(s->progs[d->i].hook));
		break;
	case SD_SPD:
		snprintf(b, n, "ipv%d policy hash thresholds local %u remote %u", d->i ? 6 : 4,
			 d->i ? TENC_HTHRESH6.lbits : TENC_HTHRESH.lbits, d->i ? TENC_HTHRESH6.rbits : TENC_HTHRESH.rbits);
		break;
	case SD_SA:
		sa_str(&p->sas[d->i], b, n);
		break;
	case SD_POLICY:
		pol_str(&p->pols[d->i], b, n);
		break;
	case SD_RULE:
		snprintf(b, n, "%spref %u fwmark 0x%x/0x%x lookup %u",
			 kfam(p->rules[d->i].family) == AF_INET6 ? "ipv6 " : "", p->rules[d->i].pref,
			 p->rules[d->i].fwmark, p->rules[d->i].fwmask, p->rules[d->i].table);
		break;
	case SD_ROUTE:
		route_str(&p->routes[d->i], b, n);
		break;
	case SD_IPCACHE:
		snprintf(b, n, "%s peer %u spi %u flags 0x%x", plan_ipc_str(&p->ipc[d->i], a, sizeof(a)),
			 p->ipc[d->i].val.peer_id, p->ipc[d->i].val.spi, p->ipc[d->i].val.flags);
		break;
	case SD_PEER:
		peer_str(&s->peers[d->i], b, n);
		break;
	}
	return b;
}
