// SPDX-License-Identifier: GPL-2.0
/* audit.c: the correlation behind `tenc audit` (see audit.h). One pass
 * over the SAs, policies and ipcache (both families) to index them by
 * peer id, family and SPI, one pass over the flows to add up the ESP seen
 * per (peer, family, SPI), one pass to decide each flow: one path for
 * both families, each checked against its own family's objects. Linear
 * in flows + SAs + ipcache entries (plus the sort of the flows). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <linux/xfrm.h>
#include "audit.h"
#include "nodeio.h"
#include "peerip.h"
#include "reconcile.h"
#include "rxbase.h"
#include "tenc.h"

static const char *const reasons[R__COUNT] = {
	[R_OUT_OF_SCOPE] = "destination outside the ipcache: out of scope",
	[R_LOCAL] = "same node",
	[R_ENCRYPTED] = "marked for the peer's OUT SA; ESP with that SPI left the node; the SA counters moved",
	[R_DECRYPTED] = "arrived through the peer's IN SA (decrypted)",
	[R_ESP] = "ESP between the node ips",
	[R_NO_PEER] = "marked for a peer id that no peer has now",
	[R_NO_SA] = "marked for an OUT SA the kernel lacks: dropped by the fail-closed policy",
	[R_NO_POLICY] = "marked, but the peer's OUT policy is missing: dropped by the fail-closed policy",
	[R_NO_ESP] = "marked for the peer's OUT SA, but no ESP with that SPI was seen leaving",
	[R_SUBNET_DROP] = "a subnet address no peer owns: dropped by the fail-closed policy",
	[R_LEAK_OUT] = "in scope, but left the node in plaintext",
	[R_LEAK_IN] = "arrived in plaintext from a peer's address",
	[R_UNMARKED_OBSERVE] = "in scope, not marked (observe-only mode): leaves in plaintext",
	[R_UNMARKED_NOKEY] = "in scope, not marked (no key for it): leaves in plaintext",
	[R_V6_NOT_CONFIGURED] = "ipv6 not configured (this node has no IPv6 half): out of scope",
	[R_V6_NO_ENTRY] = "in scope (a peer's IPv6 prefix), but not in ipcache6, so not marked: plaintext",
	[R_V6_NO_OUTER] = "in scope (a peer's IPv6 prefix), but the pair has no node ips of one family to carry it: plaintext",
	[R_V4_NOT_CONFIGURED] = "ipv4 not configured (this node has no IPv4 half): out of scope",
};

const char *audit_reason_str(int r)
{
	return r >= 0 && r < R__COUNT ? reasons[r] : "?";
}

const char *audit_peer_name(const struct audit *a, uint16_t id)
{
	return id && a->by_id[id] ? a->by_id[id]->p->name : NULL;
}

/* Families: AUDIT_V4, AUDIT_V6 index audit_fam and default_drop. An
 * address is a KADDR view (kobj.h: IPv4 the first 4 bytes, network order),
 * a prefix a struct cidr6 holding one (IPv4: len 0..32). */
static int af_fam(uint8_t family)
{
	return kfam(family) == AF_INET6 ? AUDIT_V6 : AUDIT_V4;
}

static uint8_t fam_af(int v)
{
	return v == AUDIT_V6 ? AF_INET6 : AF_INET;
}

/* The node's (c) or a peer's (x) node ip of family v; all zero: none. */
static const uint8_t *node_ip_of(const struct tenc_config *c, int v)
{
	return v == AUDIT_V6 ? c->node_ip6 : (const uint8_t *)&c->node_ip;
}

static const uint8_t *peer_ip_of(const struct peer *x, int v)
{
	return v == AUDIT_V6 ? x->node_ip6 : (const uint8_t *)&x->node_ip;
}

/* A flow's source (dst false) or destination address. */
static const uint8_t *flow_ip(const struct flow *f, bool dst)
{
	if (f->v6)
		return dst ? f->k6.daddr : f->k6.saddr;
	return (const uint8_t *)(dst ? &f->k.daddr : &f->k.saddr);
}

/* A peer's prefixes of family v, as its policies and ipcache entries
 * name them: prefix 0 its node ip (/32, /128), prefix 1 + i its cidr i of
 * that family (cidrs, cidrs6). Bit k of out_pol stands for prefix k. */
static int n_prefixes(const struct peer *x, int v)
{
	return 1 + (v == AUDIT_V6 ? x->n_cidrs6 : x->n_cidrs);
}

static struct cidr6 peer_prefix(const struct peer *x, int v, int k)
{
	struct cidr6 c = { .len = v == AUDIT_V6 ? 128 : 32 };

	if (k == 0)
		memcpy(c.addr, peer_ip_of(x, v), kaddr_len(fam_af(v)));
	else if (v == AUDIT_V6)
		c = x->cidrs6[k - 1];
	else {
		memcpy(c.addr, &x->cidrs[k - 1].addr, 4);
		c.len = x->cidrs[k - 1].len;
	}
	return c;
}

/* Does prefix c of family v hold address a? */
static bool prefix_holds(int v, const struct cidr6 *c, const uint8_t *a)
{
	struct cidr c4 = { .len = c->len };
	uint32_t a4;

	if (v == AUDIT_V6)
		return cidr6_contains(c, a);
	memcpy(&c4.addr, c->addr, 4);
	memcpy(&a4, a, 4);
	return cidr_contains(&c4, a4);
}

/* The bit of out_pol for a policy's destination dst/len of family v: one
 * of the peer's prefixes; 0 for anything else. */
static uint32_t prefix_bit(const struct peer *x, int v, const uint8_t *dst, uint8_t len)
{
	for (int k = 0; k < n_prefixes(x, v); k++) {
		struct cidr6 c = peer_prefix(x, v, k);

		if (c.len == len && kaddr_eq(fam_af(v), c.addr, dst))
			return 1u << k;
	}
	return 0;
}

/* The prefixes the planner gives x policies of family v: all but an
 * IPv6 node ip x lacks (IPv6 over IPv4). */
static uint32_t all_prefixes(const struct peer *x, int v)
{
	uint32_t all = (1u << n_prefixes(x, v)) - 1;

	return v == AUDIT_V6 && ipv6_is_zero(x->node_ip6) ? all & ~1u : all;
}

/* The bit of the policy a flow to daddr (family v) needs: the most
 * specific of the peer's prefixes holding it. */
static uint32_t dst_bit(const struct peer *x, int v, const uint8_t *daddr)
{
	int best = -1, best_len = -1;

	for (int k = 0; k < n_prefixes(x, v); k++) {
		struct cidr6 c = peer_prefix(x, v, k);

		if (prefix_holds(v, &c, daddr) && c.len > best_len)
			best = k, best_len = c.len;
	}
	return best < 0 ? 0 : 1u << best;
}

static void __attribute__((format(printf, 2, 3))) problem(struct audit_peer *ap, const char *fmt, ...)
{
	va_list ap_;

	if (ap->n_problems >= (int)ARRAY_SIZE(ap->problems))
		return;
	va_start(ap_, fmt);
	vsnprintf(ap->problems[ap->n_problems++], sizeof(ap->problems[0]), fmt, ap_);
	va_end(ap_);
}

/* An SA between the node's and a peer's node ips of its (outer) family:
 * that peer's OUT or IN SA of the family (ix: the peers by node ip). */
static void index_sa(struct audit *a, const struct peer_ips *ix, const struct xsa *s)
{
	int v = af_fam(s->family);
	const uint8_t *me = node_ip_of(&a->n.cfg, v);
	long k;

	if (s->spi < TENC_SPI_MIN || s->spi > TENC_SPI_MAX || (v == AUDIT_V6 ? ipv6_is_zero(me) : !a->n.cfg.node_ip))
		return;
	if (kaddr_eq(s->family, s->src6, me) && (k = peer_ips_find(ix, s->family, s->dst6)) >= 0)
		a->peers[k].fam[v].out[s->spi] = s;
	else if (kaddr_eq(s->family, s->dst6, me) && (k = peer_ips_find(ix, s->family, s->src6)) >= 0)
		a->peers[k].fam[v].in[s->spi] = s;
}

/* An OUT policy of its selector's family: the default drop, or one of a
 * peer's per-prefix policies. */
static void index_pol(struct audit *a, const struct xpol *p)
{
	uint32_t id = p->mark >> TENC_MARK_PEER_SHIFT;
	uint32_t spi = (p->mark >> TENC_MARK_SPI_SHIFT) & 0xf;
	struct audit_peer *ap = a->by_id[id];
	int v = af_fam(p->sel_family);

	if (p->dir != XFRM_POLICY_OUT)
		return;
	if (p->block && (p->mark & p->mark_mask) == TENC_MARK_ENCRYPT &&
	    p->mark_mask == TENC_MARK_TYPE_MASK)
		a->default_drop[v] = true;
	else if (!p->block && p->mark_mask == TENC_MARK_OUT_MASK && ap)
		ap->fam[v].out_pol[spi] |= prefix_bit(ap->p, v, p->sel_dst6, p->sel_dst_len);
}

/* The family of the SAs (and their ESP) that carry ap's traffic of family
 * v: v's own, but IPv4's for IPv6 over IPv4 (plan_v6_outer). */
static int sa_fam(const struct tenc_config *c, const struct audit_peer *ap, int v)
{
	return v == AUDIT_V6 && plan_v6_outer(c, ap->p) == AF_INET ? AUDIT_V4 : v;
}

/* Why ipcache entry e (of either family) would not encrypt, or NULL. */
static const char *nokey_why(const struct audit *a, const struct ipc_entry *e)
{
	const struct ipcache_val *v = &e->val;
	const struct audit_peer *ap = a->by_id[v->peer_id];

	if (v->flags & (IPC_F_LOCAL | IPC_F_SUBNET))
		return NULL;
	if (v->flags & IPC_F_NOKEY)
		return "flagged no key";
	if (!v->peer_id || !ap)
		return "no peer owns it";
	if (v->spi < TENC_SPI_MIN || v->spi > TENC_SPI_MAX)
		return "no SPI";
	if (a->n.cfg.encrypt && !ap->fam[sa_fam(&a->n.cfg, ap, af_fam(e->family))].out[v->spi])
		return "no OUT SA for its SPI";
	if (!a->n.cfg.encrypt)
		return "observe-only mode";
	return NULL;
}

static int index_kernel(struct audit *a)
{
	struct peer_ips ix;
	size_t n = a->n.peers.n;

	a->peers = calloc(n ? n : 1, sizeof(*a->peers));
	a->by_id = calloc(TENC_PEER_ID_MAX + 1, sizeof(*a->by_id));
	a->nokey = calloc(a->have.n_ipc ? a->have.n_ipc : 1, sizeof(*a->nokey));
	if (!a->peers || !a->by_id || !a->nokey || peer_ips_init(&ix, &a->n.peers))
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct audit_peer *ap = &a->peers[i];

		ap->p = &a->n.peers.v[i];
		ap->out_spi = plan_out_spi(&a->n.keys, ap->p);
		a->by_id[ap->p->id] = ap;
	}
	for (size_t i = 0; i < a->have.n_sas; i++)
		index_sa(a, &ix, &a->have.sas[i]);
	peer_ips_free(&ix);
	for (size_t i = 0; i < a->have.n_pols; i++)
		index_pol(a, &a->have.pols[i]);
	for (size_t i = 0; i < a->have.n_ipc; i++) {
		const char *why = nokey_why(a, &a->have.ipc[i]);

		if (why)
			a->nokey[a->n_nokey++] = (struct audit_nokey){ &a->have.ipc[i], why };
	}
	return 0;
}

/* ESP seen per (peer, family, SPI): what "only ESP left" is checked
 * against. */
static void count_esp(struct audit *a)
{
	for (size_t i = 0; i < a->flows.n; i++) {
		const struct flow *f = &a->flows.v[i];
		struct audit_peer *ap = a->by_id[f->v.peer_id];
		uint32_t spi = flow_esp_spi(&f->k);
		struct audit_fam *af;

		if (f->k.proto != 50 || !ap || spi < TENC_SPI_MIN || spi > TENC_SPI_MAX)
			continue;
		af = &ap->fam[f->v6 ? AUDIT_V6 : AUDIT_V4];
		if (f->k.dir == FLOW_OUT)
			af->esp_out[spi] += f->v.packets;
		else
			af->esp_in[spi] += f->v.packets;
	}
}

/* The problems of a peer's objects of family v for its OUT SPI; IPv6's
 * say so ("(ipv6)"). sas: its SAs are v's own (not for IPv6 over IPv4,
 * whose SAs are the IPv4 ones, checked with them). */
static void fam_health(struct audit_peer *ap, int v, bool sas)
{
	const struct audit_fam *f = &ap->fam[v];
	const char *t = v == AUDIT_V6 ? " (ipv6)" : "";
	uint32_t all = all_prefixes(ap->p, v);
	int s = ap->out_spi;

	if (sas && !f->out[s])
		problem(ap, "no OUT SA for spi %d%s", s, t);
	if (f->out_pol[s] != all)
		problem(ap, "%d of %d OUT policies for spi %d missing%s",
			__builtin_popcount(all & ~f->out_pol[s]), __builtin_popcount(all), s, t);
	if (sas && !f->in[s])
		problem(ap, "no IN SA for spi %d%s", s, t);
	for (int k = TENC_SPI_MIN; sas && k <= TENC_SPI_MAX; k++)
		if (f->in[k] && (f->in[k]->replay_errors || f->in[k]->integrity_errors))
			problem(ap, "IN SA spi %d has replay or integrity errors%s", k, t);
}

static void sa_health(struct audit *a)
{
	struct rxbase rx;

	if (!a->n.cfg.encrypt)
		return;
	rxbase_load(&rx);
	for (size_t i = 0; i < a->n.peers.n; i++) {
		struct audit_peer *ap = &a->peers[i];

		for (int v = AUDIT_V4; v <= AUDIT_V6; v++)
			for (int s = TENC_SPI_MIN; s <= TENC_SPI_MAX; s++)
				if (ap->fam[v].in[s])
					ap->rejected += rxbase_refused_since(&rx, ap->fam[v].in[s]);
		if (ap->rejected)
			problem(ap, "rejecting: %llu packets refused since the last converge: its epoch or key is stale here",
				(unsigned long long)ap->rejected);

		if (!ap->out_spi) {
			problem(ap, "no key to send with");
			continue;
		}
		if (plan_pair4(&a->n.cfg, ap->p))
			fam_health(ap, AUDIT_V4, true);
		if (plan_v6_outer(&a->n.cfg, ap->p))
			fam_health(ap, AUDIT_V6, plan_pair6(&a->n.cfg, ap->p));
	}
	rxbase_free(&rx);
}

bool audit_flow_verdict(bool encrypt, const struct flow *f, uint8_t *verdict, uint8_t *reason)
{
	const struct flow_val *v = &f->v;

	*verdict = v->verdict;
	switch (v->verdict) {
	case V_PLAINTEXT:
		*reason = R_OUT_OF_SCOPE;
		return false;
	case V_LOCAL:
		*reason = R_LOCAL;
		return false;
	case V_DROPPED:
		*reason = R_SUBNET_DROP;
		return false;
	case V_VIOLATION:
		if (v->seen & SEEN_WIRE_PLAIN)
			*reason = f->k.dir == FLOW_IN ? R_LEAK_IN : R_LEAK_OUT;
		else
			*reason = encrypt ? R_UNMARKED_NOKEY : R_UNMARKED_OBSERVE;
		return false;
	}
	/* V_ENCRYPTED (or an unknown verdict, treated as a claim to check). */
	if (f->k.proto == 50) {
		*reason = R_ESP;
		return false;
	}
	if (f->k.dir == FLOW_IN) {
		*reason = R_DECRYPTED;
		return false;
	}
	*verdict = V_ENCRYPTED;
	*reason = R_ENCRYPTED;
	return true;
}

bool audit_decide6(const struct tenc_config *c, const struct scope6 *sc, const struct flow *f,
		   uint8_t *verdict, uint8_t *reason)
{
	const struct scope6_entry *s;

	*verdict = V_PLAINTEXT;
	*reason = R_OUT_OF_SCOPE;
	if (!c->n_pod_cidrs6 && ipv6_is_zero(c->node_ip6)) {
		*reason = R_V6_NOT_CONFIGURED;
		return false;
	}
	s = scope6_find(sc, flow_ip(f, f->k.dir != FLOW_IN));
	if (s && !s->p)
		*verdict = V_LOCAL, *reason = R_LOCAL;
	else if (s && f->v.verdict == V_PLAINTEXT && !plan_v6_outer(c, s->p))
		*verdict = V_VIOLATION, *reason = R_V6_NO_OUTER;
	else if (s && f->v.verdict == V_PLAINTEXT)
		*verdict = V_VIOLATION, *reason = R_V6_NO_ENTRY;
	else
		return audit_flow_verdict(c->encrypt, f, verdict, reason);
	return false;
}

void audit_decide(const struct audit *a, const struct flow *f, uint8_t *verdict, uint8_t *reason)
{
	const struct flow_val *v = &f->v;
	const struct audit_peer *ap = a->by_id[v->peer_id];
	int fv = f->v6 ? AUDIT_V6 : AUDIT_V4;
	/* af: the policies of the flow's family; sf: the SAs and ESP that
	 * carry it (IPv4's for IPv6 over IPv4) */
	const struct audit_fam *af = ap ? &ap->fam[fv] : NULL, *sf = ap ? &ap->fam[sa_fam(&a->n.cfg, ap, fv)] : NULL;
	bool claim = f->v6 ? audit_decide6(&a->n.cfg, &a->scope6, f, verdict, reason)
			   : audit_flow_verdict(a->n.cfg.encrypt, f, verdict, reason);

	if (!f->v6 && !a->n.cfg.node_ip) { /* no IPv4 half (IPv4 cidrs need the node ip) */
		*verdict = V_PLAINTEXT;
		*reason = R_V4_NOT_CONFIGURED;
		return;
	}
	if (!claim)
		return;
	*verdict = V_DROPPED;
	if (!ap || v->spi < TENC_SPI_MIN || v->spi > TENC_SPI_MAX)
		*reason = R_NO_PEER;
	else if (!sf->out[v->spi])
		*reason = R_NO_SA;
	else if (!(af->out_pol[v->spi] & dst_bit(ap->p, fv, flow_ip(f, true))))
		*reason = R_NO_POLICY;
	else if (!sf->esp_out[v->spi] || !sf->out[v->spi]->packets)
		*reason = R_NO_ESP;
	else
		*verdict = V_ENCRYPTED, *reason = R_ENCRYPTED;
}

static const uint8_t rank[V__COUNT] = {
	[V_VIOLATION] = 0, [V_DROPPED] = 1, [V_ENCRYPTED] = 2, [V_PLAINTEXT] = 3, [V_LOCAL] = 4,
	[V_NONE] = 5,
};

/* Sort key: final verdict (violations first), then bytes, largest first. */
static int flow_cmp(const void *x, const void *y)
{
	const struct flow *a = x, *b = y;
	uint8_t ra = rank[a->v.pad[0]], rb = rank[b->v.pad[0]];

	if (ra != rb)
		return ra < rb ? -1 : 1;
	if (a->v.bytes != b->v.bytes)
		return a->v.bytes > b->v.bytes ? -1 : 1;
	if (a->v6 != b->v6)
		return a->v6 ? 1 : -1;
	return a->v6 ? memcmp(&a->k6, &b->k6, sizeof(a->k6)) : memcmp(&a->k, &b->k, sizeof(a->k));
}

static int stat_cb(const char *name, uint64_t value, void *data)
{
	struct audit *a = data;

	if (a->n_xstat < (int)ARRAY_SIZE(a->xstat)) {
		snprintf(a->xstat[a->n_xstat].name, sizeof(a->xstat[0].name), "%s", name);
		a->xstat[a->n_xstat++].value = value;
	}
	return 0;
}

int audit_run(struct audit *a, const struct flow_maps *m)
{
	struct timespec now;
	struct dp d;
	int ret;

	if ((ret = node_load(&a->n)))
		return ret;
	if (!a->n.enabled)
		return tenc_err(TENC_FAIL, "audit", "not enabled (run tenc enable)");
	if ((ret = dp_open(&d)))
		return ret;
	ret = dp_read_xfrm(&d, &a->have);
	dp_close(&d);
	if (ret)
		return ret;
	clock_gettime(CLOCK_MONOTONIC, &now);
	a->now_ns = (uint64_t)now.tv_sec * 1000000000ULL + now.tv_nsec;
	if ((ret = flows_stats(&a->st)) || (ret = flows_read(m, &a->flows)))
		return ret;
	flows_clock_init(&a->st);
	if (xfrm_stat_read(stat_cb, a))
		a->n_xstat = 0;	/* no /proc/net/xfrm_stat: no counters to show */
	return audit_correlate(a);
}

int audit_correlate(struct audit *a)
{
	if (index_kernel(a) || scope6_build(&a->scope6, &a->n.cfg, &a->n.peers))
		return tenc_errno(TENC_FAIL, ENOMEM, "audit", "indexing");
	count_esp(a);
	sa_health(a);
	/* Decide, keeping verdict and reason in the padding while sorting. */
	for (size_t i = 0; i < a->flows.n; i++) {
		struct flow *f = &a->flows.v[i];

		audit_decide(a, f, &f->v.pad[0], &f->v.pad[1]);
	}
	if (a->flows.n)	/* an empty table has no array at all */
		qsort(a->flows.v, a->flows.n, sizeof(*a->flows.v), flow_cmp);
	a->verdict = malloc(a->flows.n + 1);
	a->reason = malloc(a->flows.n + 1);
	if (!a->verdict || !a->reason)
		return tenc_errno(TENC_FAIL, ENOMEM, "audit", "flows");
	for (size_t i = 0; i < a->flows.n; i++) {
		struct flow *f = &a->flows.v[i];

		a->verdict[i] = f->v.pad[0];
		a->reason[i] = f->v.pad[1];
		f->v.pad[0] = f->v.pad[1] = 0;
		a->counts[a->verdict[i]]++;
		a->fcounts[f->v6][a->verdict[i]]++;
		a->fbytes[f->v6][a->verdict[i]] += f->v.bytes;
	}
	return 0;
}

void audit_free(struct audit *a)
{
	flows_free(&a->flows);
	free(a->verdict);
	free(a->reason);
	free(a->peers);
	free(a->by_id);
	free(a->nokey);
	scope6_free(&a->scope6);
	plan_free(&a->have);
	node_free(&a->n);
}
