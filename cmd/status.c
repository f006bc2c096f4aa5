// SPDX-License-Identifier: GPL-2.0
/* status.c: `tenc status`: what the kernel holds, read back, not what the
 * state files say: programs per device, keys (hidden), per peer its SAs
 * with counters, policies and ipcache entries, non-zero XFRM error
 * counters, and drift both ways ("drift" is empty exactly when the
 * kernel matches intent). lib/uc/status.c reads it all once; this file
 * formats the result, as JSON (print_status_json) or as text
 * (print_status_plain). */
#include <stdio.h>
#include "addr.h"
#include "cli.h"
#include "num.h"
#include "status.h"
#include "tenc.h"

/* ---- JSON ---- */

static void json_prog(const struct status_prog *p)
{
	jw_start_object(jw);
	jw_string_field(jw, "device", p->dev);
	jw_string_field(jw, "hook", bpfdp_hook_name(p->hook));
	jw_bool_field(jw, "attached", p->attached);
	if (p->attached) {
		jw_uint_field(jw, "prog_id", p->id);
		jw_string_field(jw, "prog_name", p->name);
	}
	jw_end_object(jw);
}

static void json_keys(const struct status *s)
{
	jw_name(jw, "keys");
	jw_start_array(jw);
	for (int k = 0; k < s->n_keys; k++) {
		const struct status_key *key = &s->keys[k];

		jw_start_object(jw);
		jw_uint_field(jw, "spi", (uint64_t)key->spi);
		jw_string_field(jw, "state", key_state_str(key->state));
		jw_string_field(jw, "algorithm", key->algo);
		jw_string_field(jw, "fingerprint", key->fingerprint);
		jw_string_field(jw, "key", "(hidden)");
		jw_end_object(jw);
	}
	jw_end_array(jw);
}

static void json_sa(const struct status_sa *a)
{
	const struct xsa *sa = a->sa;

	jw_start_object(jw);
	jw_string_field(jw, "dir", a->out ? "out" : "in");
	jw_string_field(jw, "family", kfam(sa->family) == AF_INET6 ? "ipv6" : "ipv4");
	jw_uint_field(jw, "spi", sa->spi);
	jw_uint_field(jw, "bytes", sa->bytes);
	jw_uint_field(jw, "packets", sa->packets);
	jw_uint_field(jw, a->out ? "oseq" : "seq", a->out ? sa->oseq : sa->seq);
	jw_uint_field(jw, "replay_errors", sa->replay_errors);
	jw_uint_field(jw, "integrity_errors", sa->integrity_errors);
	jw_end_object(jw);
}

static void json_ipc(const struct ipc_entry *e)
{
	char a[64];

	jw_start_object(jw);
	jw_string_field(jw, "prefix", plan_ipc_str(e, a, sizeof(a)));
	jw_uint_field(jw, "spi", e->val.spi);
	jw_bool_field(jw, "node", e->val.flags & IPC_F_NODE);
	jw_bool_field(jw, "nokey", e->val.flags & IPC_F_NOKEY);
	jw_end_object(jw);
}

/* The IPv6 half of a node or peer, when it has one: its node ip, its
 * cidrs, and what is done with it (status_ipv6): encrypted, with its
 * outer family, or not, and why, said per family so no reader takes an
 * IPv6 half that is not encrypted for one that is. */
static void json_ipv6(enum status_v6 v, const char *cidrs_name, const uint8_t ip[16], const struct cidr6 *c, int n)
{
	if (v == V6_NONE)
		return;
	jw_ipv6_field(jw, "node_ip6", ip);
	jw_cidrs6_field(jw, cidrs_name, c, n);
	jw_name(jw, "ipv6");
	jw_start_object(jw);
	jw_bool_field(jw, "encrypted", status_v6_encrypted(v));
	if (status_v6_outer(v))
		jw_string_field(jw, "outer", status_v6_outer(v));
	else if (!status_v6_encrypted(v))
		jw_string_field(jw, "reason", status_v6_reason(v));
	jw_end_object(jw);
}

static void plain_ipv6(enum status_v6 v, const char *indent, const uint8_t ip[16], const struct cidr6 *c, int n)
{
	char a[64];

	if (v == V6_NONE)
		return;
	printf("%sipv6 %s, cidrs", indent, ipv6_is_zero(ip) ? "-" : fmt_ipv6(ip, a, sizeof(a)));
	for (int i = 0; i < n; i++)
		printf("%s%s", i ? "," : " ", fmt_cidr6(&c[i], a, sizeof(a)));
	if (status_v6_outer(v))
		printf("%s: encrypted (esp over %s)\n", n ? "" : " -", status_v6_outer(v));
	else if (status_v6_encrypted(v))
		printf("%s: encrypted\n", n ? "" : " -");
	else
		printf("%s: not encrypted (%s)\n", n ? "" : " -", status_v6_reason(v));
}

static void json_peer(const struct status *s, const struct status_peer *sp)
{
	const struct peer *x = sp->p;
	char e[EPOCH_TEXT_LEN + 1];

	jw_start_object(jw);
	jw_string_field(jw, "name", x->name);
	jw_uint_field(jw, "id", x->id);
	jw_ipv4_field(jw, "node_ip", x->node_ip);
	json_ipv6(status_ipv6(&s->n.cfg, x), "cidrs6", x->node_ip6, x->cidrs6, x->n_cidrs6);
	jw_uint_field(jw, "out_spi", (uint64_t)sp->out_spi);
	if (x->adv_spi)
		jw_uint_field(jw, "advertised_spi", (uint64_t)x->adv_spi);
	if (x->epoch)
		jw_string_field(jw, "epoch", epoch_fmt(x->epoch, e));
	jw_bool_field(jw, "rejecting", sp->rejected > 0);
	jw_uint_field(jw, "refused_since_converge", sp->rejected);
	jw_name(jw, "sas");
	jw_start_array(jw);
	for (size_t i = 0; i < sp->n_sas; i++)
		json_sa(&s->sas[sp->sa0 + i]);
	jw_end_array(jw);
	jw_uint_field(jw, "policies", sp->policies);
	jw_name(jw, "ipcache");
	jw_start_array(jw);
	for (size_t i = 0; i < sp->n_ipc; i++)
		json_ipc(s->ipc[sp->ipc0 + i]);
	jw_end_array(jw);
	jw_end_object(jw);
}

static void json_node(const struct status *s)
{
	const struct tenc_config *c = &s->n.cfg;
	char a[32];

	jw_string_field(jw, "mode", mode_str(c->mode));
	jw_bool_field(jw, "encrypt", c->encrypt);
	jw_ipv4_field(jw, "node_ip", c->node_ip);
	jw_name(jw, "pod_cidrs");
	jw_start_array(jw);
	for (int i = 0; i < c->n_pod_cidrs; i++)
		jw_string(jw, fmt_cidr(&c->pod_cidrs[i], a, sizeof(a)));
	jw_end_array(jw);
	json_ipv6(status_ipv6(c, NULL), "pod_cidrs6", c->node_ip6, c->pod_cidrs6, c->n_pod_cidrs6);
	jw_name(jw, "subnets");
	jw_start_array(jw);
	for (int i = 0; i < c->n_subnets; i++)
		jw_string(jw, fmt_cidr(&c->subnets[i], a, sizeof(a)));
	jw_end_array(jw);
	jw_cidrs6_field(jw, "subnets6", c->subnets6, c->n_subnets6);
	jw_name(jw, "underlay");
	jw_start_object(jw);
	jw_string_field(jw, "name", c->underlay);
	jw_uint_field(jw, "mtu", s->n.mtu);
	jw_end_object(jw);
	jw_name(jw, "programs");
	jw_start_array(jw);
	for (int i = 0; i < s->n_progs; i++)
		json_prog(&s->progs[i]);
	jw_end_array(jw);
}

static void json_drift(const struct status *s)
{
	char b[512];

	jw_name(jw, "drift");
	jw_start_array(jw);
	for (size_t i = 0; i < s->n_drift; i++) {
		const struct status_drift *d = &s->drift[i];

		jw_start_object(jw);
		jw_string_field(jw, "kind", status_drift_kind_str(d->kind));
		jw_string_field(jw, "problem", status_problem_str(d->problem));
		jw_string_field(jw, "object", status_drift_object(s, d, b, sizeof(b)));
		jw_end_object(jw);
	}
	jw_end_array(jw);
}

static void print_status_json(const struct status *s)
{
	const struct tenc_config *c = &s->n.cfg;

	jw_start_object(jw);
	jw_bool_field(jw, "enabled", s->n.enabled);
	if (s->n.enabled)
		json_node(s);
	json_keys(s);
	jw_uint_field(jw, "advertise", (uint64_t)s->advertise);
	if (s->n.enabled && c->epoch) {
		char e[EPOCH_TEXT_LEN + 1];

		jw_string_field(jw, "name", c->name);
		jw_string_field(jw, "epoch", epoch_fmt(c->epoch, e));
	}
	jw_name(jw, "peers");
	jw_start_array(jw);
	for (size_t k = 0; k < s->n.peers.n; k++)
		json_peer(s, &s->peers[k]);
	jw_end_array(jw);
	jw_name(jw, "xfrm_stat");
	jw_start_object(jw);
	for (int i = 0; i < s->n_xstat; i++)
		jw_uint_field(jw, s->xstat[i].name, s->xstat[i].value);
	jw_end_object(jw);
	json_drift(s);
	jw_end_object(jw);
}

/* ---- text ---- */

static void plain_peer(const struct status *s, const struct status_peer *sp)
{
	const struct peer *x = sp->p;
	char a[64], e[EPOCH_TEXT_LEN + 1] = "-";

	if (x->epoch)
		epoch_fmt(x->epoch, e);
	printf("  %s (id %u) %s, out spi %d, epoch %s%s\n", x->name, x->id, x->node_ip ? fmt_ipv4(x->node_ip, a, 32) : "-",
	       sp->out_spi, e, sp->rejected ? ", REJECTING (see drift)" : "");
	plain_ipv6(status_ipv6(&s->n.cfg, x), "    ", x->node_ip6, x->cidrs6, x->n_cidrs6);
	for (size_t i = 0; i < sp->n_sas; i++) {
		const struct status_sa *sa = &s->sas[sp->sa0 + i];

		printf("    %-3s sa%s spi %-2u %10llu bytes %8llu packets  %s %llu\n", sa->out ? "out" : "in",
		       kfam(sa->sa->family) == AF_INET6 ? "6" : "",
		       sa->sa->spi, (unsigned long long)sa->sa->bytes, (unsigned long long)sa->sa->packets,
		       sa->out ? "oseq" : "seq", (unsigned long long)(sa->out ? sa->sa->oseq : sa->sa->seq));
	}
	printf("    policies %zu, ipcache", sp->policies);
	for (size_t i = 0; i < sp->n_ipc; i++) {
		const struct ipc_entry *en = s->ipc[sp->ipc0 + i];

		printf(" %s%s", plan_ipc_str(en, a, sizeof(a)), en->val.flags & IPC_F_NOKEY ? "(no key)" : "");
	}
	printf("\n");
}

static void plain_node(const struct status *s)
{
	const struct tenc_config *c = &s->n.cfg;
	char a[32];

	printf("node %s, %s mode, %s, underlay %s mtu %u\npod cidrs:", c->node_ip ? fmt_ipv4(c->node_ip, a, 32) : "-",
	       mode_str(c->mode), c->encrypt ? "encrypting" : "observing only", c->underlay, s->n.mtu);
	for (int i = 0; i < c->n_pod_cidrs; i++)
		printf(" %s", fmt_cidr(&c->pod_cidrs[i], a, sizeof(a)));
	printf("\n");
	plain_ipv6(status_ipv6(c, NULL), "", c->node_ip6, c->pod_cidrs6, c->n_pod_cidrs6);
	printf("programs:\n");
	for (int i = 0; i < s->n_progs; i++) {
		const struct status_prog *p = &s->progs[i];

		printf("  %-12s %-10s %s", p->dev, bpfdp_hook_name(p->hook), p->attached ? "" : "NOT ATTACHED\n");
		if (p->attached)
			printf("prog %u %s\n", p->id, p->name);
	}
}

static void print_status_plain(const struct status *s)
{
	char b[512];

	if (s->n.enabled)
		plain_node(s);
	else
		printf("not enabled\n");
	printf("keys:\n");
	for (int k = 0; k < s->n_keys; k++)
		printf("  spi %-2d %-9s %s fingerprint %s key (hidden)\n", s->keys[k].spi,
		       key_state_str(s->keys[k].state), s->keys[k].algo, s->keys[k].fingerprint);
	printf("peers:\n");
	for (size_t k = 0; k < s->n.peers.n; k++)
		plain_peer(s, &s->peers[k]);
	printf("xfrm errors (non-zero):\n");
	for (int i = 0; i < s->n_xstat; i++)
		printf("  %-28s %llu\n", s->xstat[i].name, (unsigned long long)s->xstat[i].value);
	printf("drift:\n");
	for (size_t i = 0; i < s->n_drift; i++)
		printf("  %-10s %-8s %s\n", status_problem_str(s->drift[i].problem),
		       status_drift_kind_str(s->drift[i].kind), status_drift_object(s, &s->drift[i], b, sizeof(b)));
	if (!s->n_drift)
		printf("  none: the kernel matches intent\n");
}

static int do_status(const struct cmd *self, int argc, char **argv)
{
	struct status s;
	int i, ret;

	i = cmd_parse(self, argc, argv, NULL, NULL, 0, 0);
	if (i <= 0)
		return -i;
	ret = status_read(&s);
	if (!ret) {
		if (tenc_json_begin())
			print_status_json(&s);
		else
			print_status_plain(&s);
	}
	status_free(&s);
	return ret;
}

const struct cmd cmd_status = {
	.name = "status",
	.fn = do_status,
	.synopsis = "",
	.summary = "show what the kernel holds, and drift from intent",
};
