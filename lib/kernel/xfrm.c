// SPDX-License-Identifier: GPL-2.0
/* xfrm.c: XFRM states and policies as tenc installs them (see xfrm.h):
 * IPv4 and IPv6 (inner and outer families apart), ESP, tunnel mode, marks,
 * ESN; message building, dump parsing, the policy hash thresholds,
 * /proc/net/xfrm_stat. Requests go on an nlb queue (nlbatch.c).
 *
 * Kernel rules this file follows (net/xfrm/xfrm_user.c, xfrm_replay.c):
 * - ESN needs XFRMA_REPLAY_ESN_VAL, and xfrm_usersa_info.replay_window
 *   must then be 0 (the window lives in the ESN struct);
 * - with ESN the ESN window must be > 0 unless the SA is marked as an
 *   output SA with XFRMA_SA_DIR (6.10+). tenc targets older kernels too,
 *   so an ESN SA asked for with window 0 (OUT) gets XFRM_ESN_MIN_WINDOW;
 * - a non-ESN window over 32 only works through the ESN struct too
 *   (bitmap mode); usersa_info.replay_window is clamped to 32;
 * - the ESN bitmap is at most 128 words (XFRMA_REPLAY_ESN_MAX, 4096
 *   packets: TENC_IN_REPLAY_WINDOW);
 * - templates need aalgos/ealgos/calgos = ~0, or the inbound template
 *   check rejects states whose algorithms are not in the masks (AEAD);
 * - an SA's family (id, saddr: outer) and its selector's (inner) differ in
 *   IPv6-in-IPv4 and IPv4-in-IPv6 tunnels; so do a policy's selector and
 *   its template's family. An IPv4 address fills the first 4 bytes of an
 *   xfrm_address_t, the rest stays zero (IPv4 messages as they always were).
 * Keys: SA dumps carry key material; it is wiped in the receive buffer as
 * soon as it has been seen and is never copied out (has_key says it was
 * there; algorithm names and lengths are kept). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <linux/xfrm.h>
#include "xfrm.h"

/* Reserve a zeroed attribute payload of len bytes at the tail of nlh.
 * Lets key bytes go straight into the queue, with no copy on the stack. */
static void *attr_reserve(struct nlmsghdr *nlh, uint16_t type, size_t len)
{
	struct nlattr *a = mnl_nlmsg_get_payload_tail(nlh);
	size_t alen = MNL_ATTR_HDRLEN + len;

	a->nla_type = type;
	a->nla_len = (uint16_t)alen;
	memset((char *)a + MNL_ATTR_HDRLEN, 0, MNL_ALIGN(alen) - MNL_ATTR_HDRLEN);
	nlh->nlmsg_len += MNL_ALIGN(alen);
	return (char *)a + MNL_ATTR_HDRLEN;
}

/* An object's address (a KADDR view) into an xfrm_address_t, and back. */
static void put_addr(xfrm_address_t *x, uint8_t family, const uint8_t *a)
{
	memset(x, 0, sizeof(*x));
	memcpy(x, a, kaddr_len(family));
}

static void get_addr(uint8_t *a, uint8_t family, const xfrm_address_t *x)
{
	memcpy(a, x, kaddr_len(family));
}

static void put_mark(struct nlmsghdr *nlh, uint32_t mark, uint32_t mask)
{
	struct xfrm_mark m = { .v = mark, .m = mask };

	if (mark || mask)
		mnl_attr_put(nlh, XFRMA_MARK, sizeof(m), &m);
}

static void lft_inf(struct xfrm_lifetime_cfg *l)
{
	l->soft_byte_limit = l->hard_byte_limit = XFRM_INF;
	l->soft_packet_limit = l->hard_packet_limit = XFRM_INF;
}

/* ICV truncation (bits) for HMACs, per their RFCs; 0: unknown. */
static unsigned int trunc_bits(const char *name)
{
	if (strstr(name, "sha512"))
		return 256;
	if (strstr(name, "sha384"))
		return 192;
	if (strstr(name, "sha256"))
		return 128;
	if (strstr(name, "sha1") || strstr(name, "md5") || strstr(name, "rmd160"))
		return 96;
	return 0;
}

static void put_algs(struct nlmsghdr *nlh, const struct tenc_key *k)
{
	if (k->aead) {
		struct xfrm_algo_aead *a = attr_reserve(nlh, XFRMA_ALG_AEAD, sizeof(*a) + k->key_len);

		snprintf(a->alg_name, sizeof(a->alg_name), "%s", k->algo);
		a->alg_key_len = (unsigned int)k->key_len * 8;
		a->alg_icv_len = (unsigned int)k->icv_bits;
		memcpy(a->alg_key, k->key, k->key_len);
		return;
	}
	if (trunc_bits(k->auth_algo)) {
		struct xfrm_algo_auth *a = attr_reserve(nlh, XFRMA_ALG_AUTH_TRUNC,
							 sizeof(*a) + k->auth_key_len);

		snprintf(a->alg_name, sizeof(a->alg_name), "%s", k->auth_algo);
		a->alg_key_len = (unsigned int)k->auth_key_len * 8;
		a->alg_trunc_len = trunc_bits(k->auth_algo);
		memcpy(a->alg_key, k->auth_key, k->auth_key_len);
	} else {
		/* Unknown HMAC: the kernel's default truncation. */
		struct xfrm_algo *a = attr_reserve(nlh, XFRMA_ALG_AUTH, sizeof(*a) + k->auth_key_len);

		snprintf(a->alg_name, sizeof(a->alg_name), "%s", k->auth_algo);
		a->alg_key_len = (unsigned int)k->auth_key_len * 8;
		memcpy(a->alg_key, k->auth_key, k->auth_key_len);
	}
	{
		struct xfrm_algo *c = attr_reserve(nlh, XFRMA_ALG_CRYPT, sizeof(*c) + k->key_len);

		snprintf(c->alg_name, sizeof(c->alg_name), "%s", k->algo);
		c->alg_key_len = (unsigned int)k->key_len * 8;
		memcpy(c->alg_key, k->key, k->key_len);
	}
}

void xfrm_sa_add(struct nlb *b, const struct xsa *sa, bool update)
{
	struct nlmsghdr *nlh = nlb_msg(b, update ? XFRM_MSG_UPDSA : XFRM_MSG_NEWSA, 0);
	struct xfrm_usersa_info p = { 0 };
	uint32_t w = sa->replay_window;
	bool esn_struct;

	if (sa->esn && !w)
		w = XFRM_ESN_MIN_WINDOW;
	esn_struct = sa->esn || w > 32;
	p.sel.family = sa->sel_any ? AF_UNSPEC : (uint16_t)kfam(sa->sel_family);
	put_addr(&p.id.daddr, sa->family, sa->dst6);
	p.id.spi = htonl(sa->spi);
	p.id.proto = IPPROTO_ESP;
	put_addr(&p.saddr, sa->family, sa->src6);
	lft_inf(&p.lft);
	p.reqid = sa->reqid;
	p.family = (uint16_t)kfam(sa->family);
	p.mode = XFRM_MODE_TUNNEL;
	p.flags = sa->esn ? XFRM_STATE_ESN : 0;
	/* The kernel gives a selector of family 0 the SA's own family unless
	 * this flag asks for "any" (copy_from_user_state). */
	if (sa->sel_any)
		p.flags |= XFRM_STATE_AF_UNSPEC;
	p.replay_window = esn_struct ? 0 : (uint8_t)w;
	/* Messages are only 4-byte aligned; this header has u64s: copy. */
	memcpy(mnl_nlmsg_put_extra_header(nlh, sizeof(p)), &p, sizeof(p));
	if (!sa->key_base) {
		put_algs(nlh, &sa->key);
	} else {
		struct key_pair pr = xsa_key_pair(sa);
		struct tenc_key k;

		if (key_derive(&sa->key, &pr, &k) == 0)
			put_algs(nlh, &k);
		explicit_bzero(&k, sizeof(k));
	}
	if (esn_struct) {
		uint32_t words = (w + 31) / 32;
		struct xfrm_replay_state_esn *rs =
			attr_reserve(nlh, XFRMA_REPLAY_ESN_VAL, sizeof(*rs) + words * 4);

		rs->bmp_len = words;
		rs->replay_window = w;
	}
	put_mark(nlh, sa->mark, sa->mark_mask);
}

static void put_sa_id(struct nlmsghdr *nlh, const struct xsa *sa)
{
	struct xfrm_usersa_id *id = mnl_nlmsg_put_extra_header(nlh, sizeof(*id));

	put_addr(&id->daddr, sa->family, sa->dst6);
	id->spi = htonl(sa->spi);
	id->family = (uint16_t)kfam(sa->family);
	id->proto = IPPROTO_ESP;
	put_mark(nlh, sa->mark, sa->mark_mask);
}

void xfrm_sa_del(struct nlb *b, const struct xsa *id)
{
	put_sa_id(nlb_msg(b, XFRM_MSG_DELSA, 0), id);
}

static void fill_sel(struct xfrm_selector *s, const struct xpol *p)
{
	s->family = (uint16_t)kfam(p->sel_family);
	put_addr(&s->saddr, p->sel_family, p->sel_src6);
	put_addr(&s->daddr, p->sel_family, p->sel_dst6);
	s->prefixlen_s = p->sel_src_len;
	s->prefixlen_d = p->sel_dst_len;
}

void xfrm_pol_add(struct nlb *b, const struct xpol *pol, bool update)
{
	struct nlmsghdr *nlh = nlb_msg(b, update ? XFRM_MSG_UPDPOLICY : XFRM_MSG_NEWPOLICY, 0);
	struct xfrm_userpolicy_info p = { 0 };

	fill_sel(&p.sel, pol);
	lft_inf(&p.lft);
	p.priority = pol->priority;
	p.dir = pol->dir;
	p.action = pol->block ? XFRM_POLICY_BLOCK : XFRM_POLICY_ALLOW;
	memcpy(mnl_nlmsg_put_extra_header(nlh, sizeof(p)), &p, sizeof(p));	/* u64s: copy */
	if (!pol->block && !pol->allow_plain) {
		struct xfrm_user_tmpl *t = attr_reserve(nlh, XFRMA_TMPL, sizeof(*t));

		t->family = (uint16_t)kfam(pol->tmpl_family);
		t->id.proto = IPPROTO_ESP;
		put_addr(&t->id.daddr, pol->tmpl_family, pol->tmpl_dst6);
		put_addr(&t->saddr, pol->tmpl_family, pol->tmpl_src6);
		t->mode = XFRM_MODE_TUNNEL;
		t->reqid = pol->reqid;
		t->optional = pol->optional;
		t->aalgos = t->ealgos = t->calgos = ~0u;
	}
	put_mark(nlh, pol->mark, pol->mark_mask);
}

void xfrm_pol_del(struct nlb *b, const struct xpol *pol)
{
	struct nlmsghdr *nlh = nlb_msg(b, XFRM_MSG_DELPOLICY, 0);
	struct xfrm_userpolicy_id *id = mnl_nlmsg_put_extra_header(nlh, sizeof(*id));

	fill_sel(&id->sel, pol);
	id->dir = pol->dir;
	put_mark(nlh, pol->mark, pol->mark_mask);
}

/* --- parsing ------------------------------------------------------------ */

static int attr_tb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	uint16_t t = mnl_attr_get_type(a);

	if (t <= XFRMA_MAX)
		tb[t] = a;
	return MNL_CB_OK;
}

/* Payload of a if it holds at least len bytes, else NULL. */
static void *attr_data(const struct nlattr *a, size_t len)
{
	if (!a || mnl_attr_get_payload_len(a) < len)
		return NULL;
	return mnl_attr_get_payload(a);
}

static void get_mark(const struct nlattr *a, uint32_t *v, uint32_t *m)
{
	const struct xfrm_mark *xm = attr_data(a, sizeof(*xm));

	*v = xm ? xm->v : 0;
	*m = xm ? xm->m : 0;
}

/* Name and length of one algorithm; then its key bytes are wiped in place. */
static bool take_alg(const struct nlattr *a, size_t hdr, char *name, uint8_t *key, size_t *key_len)
{
	struct xfrm_algo *x = attr_data(a, hdr);	/* all start with name, key_len */
	size_t kb;

	if (!x)
		return false;
	kb = (x->alg_key_len + 7) / 8;
	if (mnl_attr_get_payload_len(a) < hdr + kb)
		kb = mnl_attr_get_payload_len(a) - hdr;
	/* Copied only for the fingerprint (parse_sa wipes it after). */
	memcpy(key, (char *)x + hdr, kb < KEY_MAX_BYTES ? kb : KEY_MAX_BYTES);
	explicit_bzero((char *)x + hdr, kb);
	snprintf(name, 64, "%.*s", (int)sizeof(x->alg_name), x->alg_name);
	*key_len = kb;
	return true;
}

/* A dump's filter: the family asked for (AF_UNSPEC: any), and have's. */
static bool family_ok(int want, int have)
{
	return want == AF_UNSPEC || want == have;
}

/* What a dump walks with: the family it keeps, the caller's callback. The
 * family comes first: parse_sa and parse_pol read it (data may be NULL:
 * any family). */
struct sa_walk {
	int family;
	int (*cb)(const struct xsa *sa, void *data);
	void *data;
};

struct pol_walk {
	int family;
	int (*cb)(const struct xpol *p, void *data);
	void *data;
};

static int walk_family(const void *walk)
{
	return walk ? *(const int *)walk : AF_UNSPEC;
}

/* One XFRM_MSG_NEWSA into item (a struct xsa). 1: an ESP SA of the outer
 * family data (a struct sa_walk, or NULL: any) asks for; 0: not one. */
static int parse_sa(const struct nlmsghdr *nlh, void *item, void *data)
{
	struct xsa *sa = item;
	const struct nlattr *tb[XFRMA_MAX + 1] = { NULL };
	struct xfrm_usersa_info p;
	const struct xfrm_replay_state_esn *rs;
	const struct xfrm_replay_state *rl;
	const struct xfrm_algo_aead *aead;
	struct tenc_key *k = &sa->key;

	memset(sa, 0, sizeof(*sa));
	if (nlh->nlmsg_type != XFRM_MSG_NEWSA || mnl_nlmsg_get_payload_len(nlh) < sizeof(p))
		return 0;
	/* The payload is only 4-byte aligned and this struct has u64s. */
	memcpy(&p, mnl_nlmsg_get_payload(nlh), sizeof(p));
	mnl_attr_parse(nlh, sizeof(p), attr_tb, tb);
	/* Wipe keys first, whatever the SA turns out to be. */
	k->aead = take_alg(tb[XFRMA_ALG_AEAD], sizeof(struct xfrm_algo_aead), k->algo, k->key, &k->key_len);
	if (k->aead) {
		aead = mnl_attr_get_payload(tb[XFRMA_ALG_AEAD]);
		k->icv_bits = (int)aead->alg_icv_len;
		sa->has_key = true;
	}
	if (take_alg(tb[XFRMA_ALG_AUTH_TRUNC], sizeof(struct xfrm_algo_auth), k->auth_algo, k->auth_key,
		     &k->auth_key_len) ||
	    take_alg(tb[XFRMA_ALG_AUTH], sizeof(struct xfrm_algo), k->auth_algo, k->auth_key,
		     &k->auth_key_len))
		sa->has_key = true;
	if (take_alg(tb[XFRMA_ALG_CRYPT], sizeof(struct xfrm_algo), k->algo, k->key, &k->key_len))
		sa->has_key = true;
	if (sa->has_key && k->key_len <= KEY_MAX_BYTES && k->auth_key_len <= KEY_MAX_BYTES) {
		key_fp8(k, sa->key_fp);
		sa->has_fp = true;
	}
	explicit_bzero(k->key, sizeof(k->key));
	explicit_bzero(k->auth_key, sizeof(k->auth_key));
	if ((p.family != AF_INET && p.family != AF_INET6) || !family_ok(walk_family(data), p.family) ||
	    p.id.proto != IPPROTO_ESP)
		return 0;
	sa->family = (uint8_t)p.family;
	sa->sel_family = (uint8_t)p.sel.family;
	sa->sel_any = p.sel.family == AF_UNSPEC;
	get_addr(sa->src6, sa->family, &p.saddr);
	get_addr(sa->dst6, sa->family, &p.id.daddr);
	sa->spi = ntohl(p.id.spi);
	sa->reqid = p.reqid;
	sa->esn = p.flags & XFRM_STATE_ESN;
	sa->replay_window = p.replay_window;
	sa->bytes = p.curlft.bytes;
	sa->packets = p.curlft.packets;
	sa->add_time = p.curlft.add_time;
	sa->use_time = p.curlft.use_time;
	/* stats.replay_window counts packets left of the window, stats.replay
	 * duplicates inside it: both are replay rejections. */
	sa->replay_errors = p.stats.replay + p.stats.replay_window;
	sa->integrity_errors = p.stats.integrity_failed;
	get_mark(tb[XFRMA_MARK], &sa->mark, &sa->mark_mask);
	rs = attr_data(tb[XFRMA_REPLAY_ESN_VAL], sizeof(*rs));
	rl = attr_data(tb[XFRMA_REPLAY_VAL], sizeof(*rl));
	if (rs) {
		sa->oseq = (uint64_t)rs->oseq_hi << 32 | rs->oseq;
		sa->seq = (uint64_t)rs->seq_hi << 32 | rs->seq;
		sa->replay_window = rs->replay_window;
	} else if (rl) {
		sa->oseq = rl->oseq;
		sa->seq = rl->seq;
	}
	return 1;
}

static int sa_each(const void *item, void *data)
{
	const struct sa_walk *w = data;

	return w->cb(item, w->data);
}

int xfrm_sa_dump_af(struct nlb *b, int family, int (*cb)(const struct xsa *sa, void *data),
		    void *data)
{
	struct sa_walk w = { family, cb, data };
	struct nlb_dump d = { .type = XFRM_MSG_GETSA, .item_size = sizeof(struct xsa),
			      .parse = parse_sa, .each = sa_each, .data = &w };

	return nlb_dump(b, &d, NULL);
}

int xfrm_sa_dump(struct nlb *b, int (*cb)(const struct xsa *sa, void *data), void *data)
{
	return xfrm_sa_dump_af(b, AF_INET, cb, data);
}

struct sa_get {
	struct xsa *out;
	bool found;
};

static int sa_get_cb(const struct nlmsghdr *nlh, void *data)
{
	struct sa_get *g = data;

	if (!g->found && parse_sa(nlh, g->out, NULL))
		g->found = true;
	return MNL_CB_OK;
}

int xfrm_sa_get(struct nlb *b, const struct xsa *id, struct xsa *out)
{
	char buf[MNL_SOCKET_BUFFER_SIZE] __attribute__((aligned(8)));
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct sa_get g = { out, false };
	int r;

	nlh->nlmsg_type = XFRM_MSG_GETSA;
	put_sa_id(nlh, id);	/* before out is cleared: id may be out */
	memset(out, 0, sizeof(*out));
	r = nlb_call(b, nlh, sa_get_cb, &g, NULL);
	if (r == -ESRCH || (!r && !g.found))
		r = -ENOENT;
	if (r)
		memset(out, 0, sizeof(*out));
	return r;
}

/* The SPDINFO attribute of a family's thresholds: 0 for other families. */
static uint16_t hthresh_attr(int family)
{
	return family == AF_INET ? XFRMA_SPD_IPV4_HTHRESH :
	       family == AF_INET6 ? XFRMA_SPD_IPV6_HTHRESH : 0;
}

/* One SPDINFO reply's thresholds: [0] IPv4's, [1] IPv6's. */
static int spd_cb(const struct nlmsghdr *nlh, void *data)
{
	struct xfrm_hthresh *out = data;
	const struct nlattr *a;

	if (nlh->nlmsg_type != XFRM_MSG_NEWSPDINFO)
		return MNL_CB_OK;
	mnl_attr_for_each(a, nlh, sizeof(uint32_t)) {
		uint16_t type = mnl_attr_get_type(a);
		const struct xfrmu_spdhthresh *t;

		if (type != XFRMA_SPD_IPV4_HTHRESH && type != XFRMA_SPD_IPV6_HTHRESH)
			continue;
		if (!(t = attr_data(a, sizeof(*t))))
			return MNL_CB_ERROR;
		out[type == XFRMA_SPD_IPV6_HTHRESH] = (struct xfrm_hthresh){ t->lbits, t->rbits, };
	}
	return MNL_CB_OK;
}

/* An SPDINFO request in buf: its header and flags word. */
static struct nlmsghdr *spd_msg(char *buf, uint16_t type)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	uint32_t *flags;

	nlh->nlmsg_type = type;
	flags = mnl_nlmsg_put_extra_header(nlh, sizeof(*flags));
	*flags = 0xffffffff; /* as iproute2 asks */
	return nlh;
}

int xfrm_hthresh_get_both(struct nlb *b, struct xfrm_hthresh *v4, struct xfrm_hthresh *v6)
{
	char buf[MNL_SOCKET_BUFFER_SIZE] __attribute__((aligned(8)));
	/* the defaults, should the reply lack them */
	struct xfrm_hthresh t[2] = { XFRM_HTHRESH_DEFAULT, XFRM_HTHRESH6_DEFAULT };
	int r = nlb_call(b, spd_msg(buf, XFRM_MSG_GETSPDINFO), spd_cb, t, NULL);

	*v4 = t[0];
	*v6 = t[1];
	return r;
}

int xfrm_hthresh_get_af(struct nlb *b, int family, struct xfrm_hthresh *out)
{
	struct xfrm_hthresh v4, v6;
	int r;

	if (!hthresh_attr(family))
		return -EAFNOSUPPORT;
	r = xfrm_hthresh_get_both(b, &v4, &v6);
	*out = family == AF_INET6 ? v6 : v4;
	return r;
}

int xfrm_hthresh_set_af(struct nlb *b, int family, struct xfrm_hthresh t)
{
	/* Zeroed: the 2-byte attribute's padding goes out as it is (libmnl
	 * leaves it), and test_nlbatch saw stack bytes there. */
	char buf[256] __attribute__((aligned(8))) = { 0 };
	struct nlmsghdr *nlh = spd_msg(buf, XFRM_MSG_NEWSPDINFO);
	struct xfrmu_spdhthresh h = { .lbits = t.lbits, .rbits = t.rbits };

	if (!hthresh_attr(family))
		return -EAFNOSUPPORT;
	mnl_attr_put(nlh, hthresh_attr(family), sizeof(h), &h);
	return nlb_call(b, nlh, NULL, NULL, NULL);
}

int xfrm_hthresh_get(struct nlb *b, struct xfrm_hthresh *out)
{
	return xfrm_hthresh_get_af(b, AF_INET, out);
}

int xfrm_hthresh_set(struct nlb *b, struct xfrm_hthresh t)
{
	return xfrm_hthresh_set_af(b, AF_INET, t);
}

/* One XFRM_MSG_NEWPOLICY into item (a struct xpol). 1: a main policy
 * whose selector has the family data (a struct pol_walk) asks for; 0: not
 * one of those. */
static int parse_pol(const struct nlmsghdr *nlh, void *item, void *data)
{
	struct xpol *x = item;
	const struct nlattr *tb[XFRMA_MAX + 1] = { NULL };
	struct xfrm_userpolicy_info p;
	const struct xfrm_userpolicy_type *ut;
	const struct xfrm_user_tmpl *t;

	memset(x, 0, sizeof(*x));
	if (nlh->nlmsg_type != XFRM_MSG_NEWPOLICY || mnl_nlmsg_get_payload_len(nlh) < sizeof(p))
		return 0;
	memcpy(&p, mnl_nlmsg_get_payload(nlh), sizeof(p));	/* 4-byte aligned, has u64s */
	if ((p.sel.family != AF_INET && p.sel.family != AF_INET6) ||
	    !family_ok(walk_family(data), p.sel.family) || p.dir > XFRM_POLICY_FWD)
		return 0;
	mnl_attr_parse(nlh, sizeof(p), attr_tb, tb);
	ut = attr_data(tb[XFRMA_POLICY_TYPE], sizeof(*ut));
	if (ut && ut->type != XFRM_POLICY_TYPE_MAIN)
		return 0;
	x->dir = p.dir;
	x->sel_family = (uint8_t)p.sel.family;
	get_addr(x->sel_src6, x->sel_family, &p.sel.saddr);
	get_addr(x->sel_dst6, x->sel_family, &p.sel.daddr);
	x->sel_src_len = p.sel.prefixlen_s;
	x->sel_dst_len = p.sel.prefixlen_d;
	x->priority = p.priority;
	x->block = p.action == XFRM_POLICY_BLOCK;
	x->index = p.index;
	get_mark(tb[XFRMA_MARK], &x->mark, &x->mark_mask);
	t = attr_data(tb[XFRMA_TMPL], sizeof(*t));
	if (t) {
		x->tmpl_family = t->family == AF_INET6 ? AF_INET6 : AF_INET;
		get_addr(x->tmpl_src6, x->tmpl_family, &t->saddr);
		get_addr(x->tmpl_dst6, x->tmpl_family, &t->id.daddr);
		x->reqid = t->reqid;
		x->optional = t->optional;
	} else {
		x->allow_plain = !x->block;
	}
	return 1;
}

static int pol_each(const void *item, void *data)
{
	const struct pol_walk *w = data;

	return w->cb(item, w->data);
}

int xfrm_pol_dump_af(struct nlb *b, int family, int (*cb)(const struct xpol *p, void *data),
		     void *data)
{
	struct pol_walk w = { family, cb, data };
	struct nlb_dump d = { .type = XFRM_MSG_GETPOLICY, .item_size = sizeof(struct xpol),
			      .parse = parse_pol, .each = pol_each, .data = &w };

	return nlb_dump(b, &d, NULL);
}

int xfrm_pol_dump(struct nlb *b, int (*cb)(const struct xpol *p, void *data), void *data)
{
	return xfrm_pol_dump_af(b, AF_INET, cb, data);
}

int xfrm_stat_read(int (*cb)(const char *name, uint64_t value, void *data), void *data)
{
	FILE *f = fopen("/proc/net/xfrm_stat", "re");
	char line[256], name[64];
	uint64_t v;
	int r = 0;

	if (!f)
		return -errno;
	while (!r && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63s %" SCNu64, name, &v) == 2)
			r = cb(name, v, data);
	}
	fclose(f);
	return r < 0 ? r : 0;
}
