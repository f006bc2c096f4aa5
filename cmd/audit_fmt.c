// SPDX-License-Identifier: GPL-2.0
/* audit_fmt.c: an audit report as a table, as JSON and as Prometheus text
 * (see audit_fmt.h). JSON field names here are the schema's; change both
 * together. */
#include <arpa/inet.h>
#include <stdio.h>
#include "addr.h"
#include "audit_fmt.h"
#include "num.h"
#include "tenc.h"

/* ---- table ---- */

/* A peer's SAs of one family; tag "6" for IPv6's ("out6 3: ..."). */
static void plain_sas(const struct audit_fam *f, const char *tag)
{
	for (int s = TENC_SPI_MIN; s <= TENC_SPI_MAX; s++) {
		if (f->out[s])
			printf("  out%s %d: %llu pkts %llu bytes oseq %llu", tag, s,
			       (unsigned long long)f->out[s]->packets, (unsigned long long)f->out[s]->bytes,
			       (unsigned long long)f->out[s]->oseq);
		if (f->in[s])
			printf("  in%s %d: %llu pkts %llu bytes seq %llu replay-err %u integrity-err %u", tag, s,
			       (unsigned long long)f->in[s]->packets, (unsigned long long)f->in[s]->bytes,
			       (unsigned long long)f->in[s]->seq, f->in[s]->replay_errors,
			       f->in[s]->integrity_errors);
	}
}

void audit_print_plain(const struct audit *a)
{
	char ip[64], pb[8], src[56], dst[56];
	size_t nv = a->counts[V_VIOLATION];
	int nz = 0;

	printf("node %s, %s: %zu flows: %zu encrypted, %zu plaintext, %zu local, %zu violation, "
	       "%zu dropped\n", fmt_node_ips(a->n.cfg.node_ip, a->n.cfg.node_ip6, ip, sizeof(ip)),
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
		flow_endpoint_str(src, sizeof(src), f, false);
		flow_endpoint_str(dst, sizeof(dst), f, true);
		printf("  %-9s %-3s %-4s %-21s %-21s %-12s %3s %9llu %11llu  %s\n",
		       verdict_str(a->verdict[i]), dir_str(f->k.dir), proto_str(f->k.proto, pb, sizeof(pb)),
		       src, dst, peer ?: "-", sb, (unsigned long long)f->v.packets,
		       (unsigned long long)f->v.bytes, audit_reason_str(a->reason[i]));
	}
	printf("SA health:\n");
	for (size_t i = 0; i < a->n.peers.n; i++) {
		const struct audit_peer *ap = &a->peers[i];

		printf("  %-12s %-15s out spi %-2d", ap->p->name, fmt_node_ips(ap->p->node_ip, ap->p->node_ip6, ip, sizeof(ip)),
		       ap->out_spi);
		for (int v = AUDIT_V4; v <= AUDIT_V6; v++)
			plain_sas(&ap->fam[v], v == AUDIT_V6 ? "6" : "");
		for (int k = 0; k < ap->n_problems; k++)
			printf("%s%s", k ? "; " : "  PROBLEM: ", ap->problems[k]);
		printf("\n");
	}
	printf("ipcache entries that would not encrypt:%s\n", a->n_nokey ? "" : " none");
	for (size_t i = 0; i < a->n_nokey; i++) {
		char c[64];

		printf("  %-18s peer %-12s %s\n", plan_ipc_str(a->nokey[i].e, c, sizeof(c)),
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

/* ---- JSON ---- */

static void json_sa(const struct xsa *s, const char *dir)
{
	jw_start_object(jw);
	jw_string_field(jw, "family", kfam(s->family) == AF_INET6 ? "ipv6" : "ipv4");
	jw_string_field(jw, "dir", dir);
	jw_uint_field(jw, "spi", s->spi);
	jw_uint_field(jw, "bytes", s->bytes);
	jw_uint_field(jw, "packets", s->packets);
	jw_uint_field(jw, "seq", dir[0] == 'o' ? s->oseq : s->seq);
	jw_bool_field(jw, "esn", s->esn);
	jw_uint_field(jw, "replay_window", s->replay_window);
	jw_uint_field(jw, "replay_errors", s->replay_errors);
	jw_uint_field(jw, "integrity_errors", s->integrity_errors);
	jw_end_object(jw);
}

static void json_peer_or_null(const struct audit *a, uint16_t id)
{
	const char *name = audit_peer_name(a, id);

	jw_name(jw, "peer");
	if (name)
		jw_string(jw, name);
	else
		jw_null(jw);
}

static void json_flow_ids(const struct flow *f)
{
	char ip[INET6_ADDRSTRLEN], pb[8];
	bool ports = f->k.proto == 6 || f->k.proto == 17;

	jw_string_field(jw, "family", flow_family_str(f));
	jw_string_field(jw, "dir", dir_str(f->k.dir));
	jw_string_field(jw, "src", flow_addr_str(f, false, ip, sizeof(ip)));
	jw_string_field(jw, "dst", flow_addr_str(f, true, ip, sizeof(ip)));
	jw_string_field(jw, "proto", proto_str(f->k.proto, pb, sizeof(pb)));
	if (f->v6 && f->k.proto == 58)
		jw_uint_field(jw, "icmp_type", ntohs(f->k.sport));
	jw_uint_field(jw, "sport", ports ? ntohs(f->k.sport) : 0);
	jw_uint_field(jw, "dport", ports ? ntohs(f->k.dport) : 0);
}

static void json_flows(const struct audit *a)
{
	char ts[40];

	jw_name(jw, "flows");
	jw_start_array(jw);
	for (size_t i = 0; i < a->flows.n; i++) {
		const struct flow *f = &a->flows.v[i];

		jw_start_object(jw);
		json_flow_ids(f);
		json_peer_or_null(a, f->v.peer_id);
		jw_uint_field(jw, "spi", f->k.proto == 50 ? flow_esp_spi(&f->k) : f->v.spi);
		jw_uint_field(jw, "packets", f->v.packets);
		jw_uint_field(jw, "bytes", f->v.bytes);
		jw_string_field(jw, "first_seen", mono_str(f->v.first_ns, ts, sizeof(ts)));
		jw_string_field(jw, "last_seen", mono_str(flow_last_ns(&f->v), ts, sizeof(ts)));
		jw_string_field(jw, "verdict", verdict_str(a->verdict[i]));
		jw_string_field(jw, "reason", audit_reason_str(a->reason[i]));
		jw_end_object(jw);
	}
	jw_end_array(jw);
}

static void json_peers(const struct audit *a)
{
	jw_name(jw, "sa_health");
	jw_start_array(jw);
	for (size_t i = 0; i < a->n.peers.n; i++) {
		const struct audit_peer *ap = &a->peers[i];

		jw_start_object(jw);
		jw_string_field(jw, "peer", ap->p->name);
		jw_ipv4_field(jw, "node_ip", ap->p->node_ip);
		jw_ipv6_field(jw, "node_ip6", ap->p->node_ip6);
		jw_uint_field(jw, "out_spi", (uint64_t)ap->out_spi);
		if (ap->p->epoch) {
			char e[EPOCH_TEXT_LEN + 1];

			jw_string_field(jw, "epoch", epoch_fmt(ap->p->epoch, e));
		}
		jw_uint_field(jw, "rejecting", ap->rejected);
		jw_name(jw, "sas");
		jw_start_array(jw);
		for (int v = AUDIT_V4; v <= AUDIT_V6; v++)
			for (int s = TENC_SPI_MIN; s <= TENC_SPI_MAX; s++) {
				if (ap->fam[v].out[s])
					json_sa(ap->fam[v].out[s], "out");
				if (ap->fam[v].in[s])
					json_sa(ap->fam[v].in[s], "in");
			}
		jw_end_array(jw);
		jw_name(jw, "esp_packets");
		jw_start_object(jw);
		uint64_t o = 0, n = 0;
		for (int v = AUDIT_V4; v <= AUDIT_V6; v++)
			for (int s = TENC_SPI_MIN; s <= TENC_SPI_MAX; s++)
				o += ap->fam[v].esp_out[s], n += ap->fam[v].esp_in[s];
		jw_uint_field(jw, "out", o);
		jw_uint_field(jw, "in", n);
		jw_end_object(jw);
		jw_name(jw, "problems");
		jw_start_array(jw);
		for (int k = 0; k < ap->n_problems; k++)
			jw_string(jw, ap->problems[k]);
		jw_end_array(jw);
		jw_end_object(jw);
	}
	jw_end_array(jw);
}

void audit_print_json(const struct audit *a)
{
	static const int order[] = { V_ENCRYPTED, V_PLAINTEXT, V_LOCAL, V_VIOLATION, V_DROPPED };
	char ip[64], ts[40];

	jw_start_object(jw);
	jw_uint_field(jw, "version", AUDIT_SCHEMA_VERSION);
	jw_string_field(jw, "time", mono_str(a->now_ns, ts, sizeof(ts)));
	jw_ipv4_field(jw, "node_ip", a->n.cfg.node_ip);
	jw_ipv6_field(jw, "node_ip6", a->n.cfg.node_ip6);
	jw_bool_field(jw, "encrypt", a->n.cfg.encrypt);
	jw_name(jw, "summary");
	jw_start_object(jw);
	jw_uint_field(jw, "flows", a->flows.n);
	for (size_t i = 0; i < ARRAY_SIZE(order); i++)
		jw_uint_field(jw, verdict_str(order[i]), a->counts[order[i]]);
	jw_end_object(jw);
	json_flows(a);
	json_peers(a);
	jw_name(jw, "no_key");
	jw_start_array(jw);
	for (size_t i = 0; i < a->n_nokey; i++) {
		jw_start_object(jw);
		jw_string_field(jw, "prefix", plan_ipc_str(a->nokey[i].e, ip, sizeof(ip)));
		json_peer_or_null(a, a->nokey[i].e->val.peer_id);
		jw_string_field(jw, "reason", a->nokey[i].reason);
		jw_end_object(jw);
	}
	jw_end_array(jw);
	jw_name(jw, "xfrm_errors");
	jw_start_object(jw);
	for (int i = 0; i < a->n_xstat; i++)
		jw_uint_field(jw, a->xstat[i].name, a->xstat[i].value);
	jw_end_object(jw);
	jw_name(jw, "events");
	jw_start_object(jw);
	jw_uint_field(jw, "emitted", a->st.events);
	jw_uint_field(jw, "lost", a->st.events_lost);
	jw_end_object(jw);
	jw_uint_field(jw, "violations", a->counts[V_VIOLATION]);
	jw_end_object(jw);
}

/* ---- Prometheus ---- */

/* Prometheus label values: backslash, quote and newline escaped. */
static void label(const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			putchar('\\'), putchar(*s);
		else if (*s == '\n')
			fputs("\\n", stdout);
		else
			putchar(*s);
	}
}

static void head(const char *name, const char *type, const char *help)
{
	printf("# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void prom_sa(const char *metric, const struct audit_peer *ap, int spi, const char *dir,
		    const char *family, uint64_t v)
{
	printf("%s{peer=\"", metric);
	label(ap->p->name);
	printf("\",spi=\"%d\",dir=\"%s\",family=\"%s\"} %llu\n", spi, dir, family,
	       (unsigned long long)v);
}

static void prom_sas(const struct audit *a, const char *metric, const char *type, const char *help,
		     int what)
{
	head(metric, type, help);
	for (size_t i = 0; i < a->n.peers.n; i++) {
		const struct audit_peer *ap = &a->peers[i];

		for (int v = AUDIT_V4; v <= AUDIT_V6; v++)
			for (int s = TENC_SPI_MIN; s <= TENC_SPI_MAX; s++)
				for (int d = 0; d < 2; d++) {
					const struct xsa *x = d ? ap->fam[v].in[s] : ap->fam[v].out[s];

					if (x)
						prom_sa(metric, ap, s, d ? "in" : "out", v ? "ipv6" : "ipv4",
							what == 0 ? x->bytes : what == 1 ? x->packets :
							x->replay_errors + (uint64_t)x->integrity_errors);
				}
	}
}

void audit_print_prometheus(const struct audit *a)
{
	static const char *const fam[2] = { "ipv4", "ipv6" };

	head("tenc_flows", "gauge", "Flows in tenc's flow tables, by family and verdict.");
	for (int f = 0; f < 2; f++)
		for (int v = V_NONE + 1; v < V__COUNT; v++)
			printf("tenc_flows{family=\"%s\",verdict=\"%s\"} %zu\n", fam[f], verdict_str(v),
			       a->fcounts[f][v]);
	head("tenc_flow_bytes", "gauge", "Bytes of the flows in tenc's flow tables, by family and verdict.");
	for (int f = 0; f < 2; f++)
		for (int v = V_NONE + 1; v < V__COUNT; v++)
			printf("tenc_flow_bytes{family=\"%s\",verdict=\"%s\"} %llu\n", fam[f],
			       verdict_str(v), (unsigned long long)a->fbytes[f][v]);
	head("tenc_violations", "gauge", "Flows seen in plaintext while in scope.");
	printf("tenc_violations %zu\n", a->counts[V_VIOLATION]);
	prom_sas(a, "tenc_sa_bytes", "counter", "Bytes through a tenc SA (XFRM lifetime counter).", 0);
	prom_sas(a, "tenc_sa_packets", "counter", "Packets through a tenc SA.", 1);
	prom_sas(a, "tenc_sa_errors", "counter", "Replay and integrity errors of a tenc SA.", 2);
	head("tenc_peer_rejecting", "gauge",
	     "Integrity failures of a peer's IN SAs since tenc last converged (the peer's epoch or key is stale here).");
	for (size_t i = 0; i < a->n.peers.n; i++) {
		printf("tenc_peer_rejecting{peer=\"");
		label(a->peers[i].p->name);
		printf("\"} %llu\n", (unsigned long long)a->peers[i].rejected);
	}
	head("tenc_ipcache_no_key", "gauge", "ipcache entries in scope that would not encrypt.");
	printf("tenc_ipcache_no_key %zu\n", a->n_nokey);
	head("tenc_xfrm_errors", "counter", "/proc/net/xfrm_stat counters.");
	for (int i = 0; i < a->n_xstat; i++)
		printf("tenc_xfrm_errors{counter=\"%s\"} %llu\n", a->xstat[i].name,
		       (unsigned long long)a->xstat[i].value);
	head("tenc_events_lost", "counter", "Flow events the ring buffer had no room for.");
	printf("tenc_events_lost %llu\n", (unsigned long long)a->st.events_lost);
}
