// SPDX-License-Identifier: GPL-2.0
/* audit.c: `tenc audit`: what was encrypted and what went in plaintext,
 * flow by flow (lib/audit.c decides), as a table, JSON (-j; the schema is
 * docs/schema/audit.schema.json) or Prometheus text (--format prometheus;
 * audit_prom.c). Exit 3 when any flow is a violation, so a CI job can gate
 * on it. --duration waits while flows accumulate; --reset empties the flow
 * table of what was reported. */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "addr.h"
#include "audit.h"
#include "audit_fmt.h"
#include "cli.h"
#include "tenc.h"

enum { O_DURATION = OPT_LONG_BASE, O_RESET, O_FORMAT };
enum fmt { F_TABLE, F_JSON, F_PROM };

static const struct opt audit_opts[] = {
	{ "duration", O_DURATION, required_argument, "S", "wait S seconds for flows first", NULL },
	{ "reset", O_RESET, no_argument, NULL, "empty the flow table of what was reported", NULL },
	{ "format", O_FORMAT, required_argument, "F", "table (default), json, or prometheus",
	  "table|json|prometheus" },
	{ 0 },
};

struct audit_args {
	unsigned long duration;
	bool reset;
	enum fmt fmt;
	bool fmt_given;
};

static int audit_opt(int key, char *arg, void *ctx)
{
	struct audit_args *o = ctx;

	switch (key) {
	case O_DURATION:
		if (cli_number(arg, 0, 86400, &o->duration))
			return tenc_err(TENC_USAGE, "--duration", "'%s' must be 0..86400 seconds", arg);
		return 0;
	case O_RESET:
		o->reset = true;
		return 0;
	case O_FORMAT:
		if (!strcmp(arg, "table"))
			o->fmt = F_TABLE;
		else if (!strcmp(arg, "json"))
			o->fmt = F_JSON;
		else if (!strcmp(arg, "prometheus"))
			o->fmt = F_PROM;
		else
			return tenc_err(TENC_USAGE, "--format", "'%s' is not table, json or prometheus", arg);
		o->fmt_given = true;
		return 0;
	}
	return -1;
}

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

/* Wait s seconds (^C ends the wait early, and the report follows). */
static void wait_for(unsigned long s)
{
	struct sigaction sa = { .sa_handler = on_signal }, old_int, old_term;
	struct timespec t = { .tv_sec = (time_t)s };

	if (!s)
		return;
	interrupted = 0;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	while (!interrupted && nanosleep(&t, &t) && errno == EINTR)
		;
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
}

static void endpoint(char *b, size_t n, uint32_t a, uint16_t port, uint8_t proto)
{
	char ip[16];

	fmt_ipv4(a, ip, sizeof(ip));
	if ((proto == 6 || proto == 17) && port)
		snprintf(b, n, "%s:%u", ip, ntohs(port));
	else
		snprintf(b, n, "%s", ip);
}

static void print_table(const struct audit *a)
{
	char ip[16], pb[8], src[24], dst[24];
	size_t nv = a->counts[V_VIOLATION];
	int nz = 0;

	printf("node %s, %s: %zu flows: %zu encrypted, %zu plaintext, %zu local, %zu violation, "
	       "%zu dropped\n", fmt_ipv4(a->n.cfg.node_ip, ip, sizeof(ip)),
	       a->n.cfg.encrypt ? "encrypting" : "observing only", a->flows.n, a->counts[V_ENCRYPTED],
	       a->counts[V_PLAINTEXT], a->counts[V_LOCAL], nv, a->counts[V_DROPPED]);
	printf("flows:\n  %-9s %-3s %-4s %-21s %-21s %-12s %3s %9s %11s  %s\n", "VERDICT", "DIR",
	       "PROT", "SRC", "DST", "PEER", "SPI", "PACKETS", "BYTES", "REASON");
	for (size_t i = 0; i < a->flows.n; i++) {
		const struct flow *f = &a->flows.v[i];
		const char *peer = audit_peer_name(a, f->v.peer_id);
		uint32_t spi = f->k.proto == 50 ? flow_esp_spi(&f->k) : f->v.spi;
		char sb[12] = "-";

		if (spi)
			snprintf(sb, sizeof(sb), "%u", spi);
		endpoint(src, sizeof(src), f->k.saddr, f->k.sport, f->k.proto);
		endpoint(dst, sizeof(dst), f->k.daddr, f->k.dport, f->k.proto);
		printf("  %-9s %-3s %-4s %-21s %-21s %-12s %3s %9llu %11llu  %s\n",
		       verdict_str(a->verdict[i]), dir_str(f->k.dir), proto_str(f->k.proto, pb, sizeof(pb)),
		       src, dst, peer ?: "-", sb, (unsigned long long)f->v.packets,
		       (unsigned long long)f->v.bytes, audit_reason_str(a->reason[i]));
	}
	printf("SA health:\n");
	for (size_t i = 0; i < a->n.peers.n; i++) {
		const struct audit_peer *ap = &a->peers[i];

		printf("  %-12s %-15s out spi %-2d", ap->p->name, fmt_ipv4(ap->p->node_ip, ip, sizeof(ip)),
		       ap->out_spi);
		for (int s = TENC_SPI_MIN; s <= TENC_SPI_MAX; s++) {
			if (ap->out[s])
				printf("  out %d: %llu pkts %llu bytes oseq %llu", s,
				       (unsigned long long)ap->out[s]->packets,
				       (unsigned long long)ap->out[s]->bytes,
				       (unsigned long long)ap->out[s]->oseq);
			if (ap->in[s])
				printf("  in %d: %llu pkts %llu bytes seq %llu replay-err %u integrity-err %u", s,
				       (unsigned long long)ap->in[s]->packets,
				       (unsigned long long)ap->in[s]->bytes,
				       (unsigned long long)ap->in[s]->seq, ap->in[s]->replay_errors,
				       ap->in[s]->integrity_errors);
		}
		for (int k = 0; k < ap->n_problems; k++)
			printf("%s%s", k ? "; " : "  PROBLEM: ", ap->problems[k]);
		printf("\n");
	}
	printf("ipcache entries that would not encrypt:%s\n", a->n_nokey ? "" : " none");
	for (size_t i = 0; i < a->n_nokey; i++) {
		char c[32];

		printf("  %-18s peer %-12s %s\n", fmt_cidr(&a->nokey[i].e->prefix, c, sizeof(c)),
		       audit_peer_name(a, a->nokey[i].e->val.peer_id) ?: "-", a->nokey[i].reason);
	}
	printf("xfrm errors (non-zero):");
	for (int i = 0; i < a->n_xstat; i++)
		if (a->xstat[i].value)
			printf("\n  %-28s %llu", a->xstat[i].name, (unsigned long long)a->xstat[i].value),
				nz++;
	printf("%s\nevents: %llu emitted, %llu lost\n", nz ? "" : " none", (unsigned long long)a->st.events,
	       (unsigned long long)a->st.events_lost);
	printf("result: %s\n", nv ? "VIOLATION" : "no violation");
}

static int do_audit(const struct cmd *self, int argc, char **argv)
{
	struct audit_args o = { 0 };
	struct audit a = { 0 };
	int i, fd, ret;

	i = cmd_parse(self, argc, argv, audit_opt, &o, 0, 0);
	if (i <= 0)
		return -i;
	if (g.json && o.fmt_given && o.fmt != F_JSON)
		return tenc_err(TENC_USAGE, "--format", "-j asks for JSON already");
	if (o.fmt == F_JSON)
		g.json = true;
	fd = flows_map_open("flows");
	if (fd < 0)
		return TENC_FAIL;
	wait_for(o.duration);
	ret = audit_run(&a, fd);
	if (!ret) {
		if (o.fmt == F_PROM)
			audit_print_prometheus(&a);
		else if (tenc_json_begin())
			audit_print_json(&a);
		else
			print_table(&a);
		fflush(stdout);
		if (o.reset)
			ret = flows_reset(fd, &a.flows);
		if (!ret && a.counts[V_VIOLATION])
			ret = TENC_VIOLATION;
	}
	close(fd);
	audit_free(&a);
	return ret;
}

const struct cmd cmd_audit = {
	.name = "audit",
	.fn = do_audit,
	.opts = audit_opts,
	.synopsis = "[--duration S] [--reset] [--format table|json|prometheus]",
	.summary = "report, flow by flow, what was encrypted and what was not",
};
