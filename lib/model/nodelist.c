// SPDX-License-Identifier: GPL-2.0
/* nodelist.c: peer sync's input documents (see nodelist.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include "jsonfield.h"
#include "names.h"
#include "node.h"
#include "nodelist.h"
#include "num.h"

int parse_spi(const char *s, int *out)
{
	unsigned long v;

	if (num_parse(s, 1, 15, &v))
		return -1;
	*out = (int)v;
	return 0;
}

/* Is a, IPv6 text, an IPv4-mapped address (::ffff:a.b.c.d)? */
static bool v4_mapped(const char *a)
{
	struct in6_addr x;

	return inet_pton(AF_INET6, a, &x) == 1 && IN6_IS_ADDR_V4MAPPED(&x);
}

/* The node's first InternalIP of each family, by parsing each address.
 * An IPv4-mapped one is IPv6 text but no node's IPv6 address: passed
 * over (another IPv6 address a node ip cannot be, link-local, is taken,
 * and refused later). 0 with *ip and *ip6 (NULL: none of that family),
 * or -1 with err. */
static int kube_ip(json_t *it, const char **ip, const char **ip6, char *err, size_t n)
{
	json_t *addrs = json_object_get(json_object_get(it, "status"), "addresses"), *v;
	size_t i;

	json_array_foreach(addrs, i, v) {
		const char *t = json_string_value(json_object_get(v, "type"));
		const char *a = json_string_value(json_object_get(v, "address"));

		if (!t || strcmp(t, "InternalIP"))
			continue;
		switch (addr_family(a)) {
		case ADDR_IPV4:
			*ip = *ip ? *ip : a;
			break;
		case ADDR_IPV6:
			*ip6 = *ip6 || v4_mapped(a) ? *ip6 : a;
			break;
		default:
			return snprintf(err, n, "status.addresses[%zu]: not an IP address", i), -1;
		}
	}
	if (!*ip && !*ip6)
		return snprintf(err, n, "status.addresses: no InternalIP"), -1;
	return 0;
}

/* Node x from a kubectl Node object: 0 or -1 with err. */
static int kube_node(json_t *it, struct peer *x, const char **ip, const char **ip6, json_t **cidrs, char *err,
		     size_t n)
{
	json_t *meta = json_object_get(it, "metadata"), *spec = json_object_get(it, "spec");
	const char *name = json_string_value(json_object_get(meta, "name"));
	json_t *ann = json_object_get(meta, "annotations");
	const char *spi = json_string_value(json_object_get(ann, "tenc.io/spi"));
	const char *epoch = json_string_value(json_object_get(ann, "tenc.io/epoch"));

	if (!name || !peer_name_ok(name))
		return snprintf(err, n, "metadata.name: missing or not " PEER_NAME_RULE), -1;
	snprintf(x->name, sizeof(x->name), "%s", name);
	if (kube_ip(it, ip, ip6, err, n))
		return -1;
	if (spi && parse_spi(spi, &x->adv_spi))
		return snprintf(err, n, "annotation tenc.io/spi: must be a number 1..15"), -1;
	if (epoch && epoch_parse(epoch, &x->epoch))
		return snprintf(err, n, "annotation tenc.io/epoch: not %d lowercase hex digits", EPOCH_TEXT_LEN), -1;
	*cidrs = json_object_get(spec, "podCIDRs");
	if (!*cidrs && json_object_get(spec, "podCIDR")) {
		*cidrs = json_array(); /* the old form */
		json_array_append(*cidrs, json_object_get(spec, "podCIDR"));
	} else {
		json_incref(*cidrs);
	}
	return 0;
}

/* Node x from a `tenc -j peer list` entry: 0 or -1 with err. */
static int tenc_node(json_t *it, struct peer *x, const char **ip, const char **ip6, json_t **cidrs, char *err,
		     size_t n)
{
	const char *name = NULL, *epoch = NULL;
	long long spi = 0;

	if (!json_is_object(it))
		return snprintf(err, n, "not an object"), -1;
	if (sf_str(it, "name", true, &name, err, n))
		return -1;
	if (!peer_name_ok(name))
		return snprintf(err, n, "name: not " PEER_NAME_RULE), -1;
	snprintf(x->name, sizeof(x->name), "%s", name);
	if (sf_str(it, "node_ip6", false, ip6, err, n) || sf_cidrs6(it, "cidrs6", MAX_PEER_CIDRS, x->cidrs6,
									  &x->n_cidrs6, err, n))
		return -1;
	if (sf_str(it, "node_ip", !*ip6, ip, err, n) || sf_int(it, "spi", false, 0, 15, &spi, err, n) ||
	    sf_str(it, "epoch", false, &epoch, err, n))
		return -1;
	if (epoch && epoch_parse(epoch, &x->epoch))
		return snprintf(err, n, "epoch: not %d lowercase hex digits", EPOCH_TEXT_LEN), -1;
	x->adv_spi = (int)spi;
	*cidrs = json_incref(json_object_get(it, "cidrs"));
	return 0;
}

/* The cidrs of either family, after those of "cidrs6" (the tenc form's),
 * sorted. */
static int node_cidrs(json_t *cidrs, bool kube, struct peer *x, char *err, size_t n)
{
	char why[128];
	json_t *v;
	size_t i;

	if (!json_is_array(cidrs))
		return snprintf(err, n, kube ? "spec.podCIDRs: none (not assigned yet)" : "cidrs: none"), -1;
	json_array_foreach(cidrs, i, v) {
		const char *s = json_string_value(v);

		if (!s)
			return snprintf(err, n, "cidrs[%zu]: not a string", i), -1;
		if (cidr_family(s) != ADDR_IPV6 && x->n_cidrs == MAX_PEER_CIDRS)
			return snprintf(err, n, "cidrs: more than %d", MAX_PEER_CIDRS), -1;
		if (cidr_take(s, x->cidrs, &x->n_cidrs, x->cidrs6, &x->n_cidrs6, MAX_PEER_CIDRS, why, sizeof(why)))
			return snprintf(err, n, "cidrs[%zu]: %s", i, why), -1;
	}
	if (x->n_cidrs + x->n_cidrs6 == 0)
		return snprintf(err, n, "cidrs: none"), -1;
	if (x->n_cidrs && !x->node_ip)
		return snprintf(err, n, "%s: " IPV4_CIDRS_NEED_IP, kube ? "spec.podCIDRs" : "cidrs"), -1;
	node_sort_cidrs(x);
	return 0;
}

/* One element: 0, 1 (skip: the local node), or -1 with why (x->name set
 * when the node has a valid one). */
static int parse_item(json_t *it, bool kube, const struct node_ips *local, struct peer *x, char *why, size_t n)
{
	json_t *cidrs = NULL;
	const char *ip = NULL, *ip6 = NULL;
	char ipe[128];
	int r;

	memset(x, 0, sizeof(*x));
	r = kube ? kube_node(it, x, &ip, &ip6, &cidrs, why, n) : tenc_node(it, x, &ip, &ip6, &cidrs, why, n);
	if (!r && ip && parse_ipv4(ip, &x->node_ip, ipe, sizeof(ipe)))
		r = (snprintf(why, n, "node_ip: %s", ipe), -1);
	if (!r && ip6 && parse_ipv6_node(ip6, x->node_ip6, ipe, sizeof(ipe)))
		r = (snprintf(why, n, "node_ip6: %s", ipe), -1);
	if (!r && node_ips_held(local, x))
		r = 1; /* the local node */
	if (!r)
		r = node_cidrs(cidrs, kube, x, why, n);
	json_decref(cidrs);
	return r;
}

int nodelist_kube_node(json_t *node, const struct node_ips *local, struct peer *x, char *why, size_t n)
{
	return parse_item(node, true, local, x, why, n);
}

int rejects_add(struct node_rejects *r, const char *name, const char *fmt, ...)
{
	struct node_reject *x;
	va_list ap;

	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 8;

		if (!(x = realloc(r->v, cap * sizeof(*x))))
			return -ENOMEM;
		r->v = x;
		r->cap = cap;
	}
	x = &r->v[r->n++];
	snprintf(x->name, sizeof(x->name), "%s", name);
	va_start(ap, fmt);
	vsnprintf(x->reason, sizeof(x->reason), fmt, ap);
	va_end(ap);
	return 0;
}

void rejects_free(struct node_rejects *r)
{
	free(r->v);
	memset(r, 0, sizeof(*r));
}

/* Every peer of out given twice (dup[i]) out, and rejected. */
static int drop_dups(struct peers *out, const bool *dup, struct node_rejects *rej)
{
	size_t k = 0;

	for (size_t i = 0; i < out->n; i++) {
		if (!dup[i])
			out->v[k++] = out->v[i];
		else if (rejects_add(rej, out->v[i].name, "name: appears twice in the input"))
			return -ENOMEM;
	}
	out->n = k;
	return 0;
}

/* Element i into out, or into rej; -ENOMEM. */
static int take_item(json_t *it, bool kube, const struct node_ips *local, size_t i, struct peers *out,
		     struct peer_index *names, bool **dup, struct node_rejects *rej)
{
	const struct peer *first;
	char why[256], item[32];
	struct peer x;
	bool *nd;
	int r = parse_item(it, kube, local, &x, why, sizeof(why));

	if (r == 1)
		return 0;
	if (r) {
		snprintf(item, sizeof(item), "item %zu", i);
		return rejects_add(rej, x.name[0] ? x.name : item, "%s", why);
	}
	if ((first = peer_index_find(names, x.name))) {
		(*dup)[first - out->v] = true;
		return rejects_add(rej, x.name, "name: appears twice in the input");
	}
	if (!(nd = realloc(*dup, (out->n + 1) * sizeof(**dup))))
		return -ENOMEM;
	*dup = nd;
	nd[out->n] = false;
	if (!peers_add(out))
		return -ENOMEM;
	out->v[out->n - 1] = x;
	return peer_index_add(names, out->n - 1);
}

static int parse_list(json_t *j, const struct node_ips *local, struct peers *out, struct node_rejects *rej, char *err,
		      size_t n)
{
	bool kube = json_is_array(json_object_get(j, "items")), *dup = NULL;
	json_t *arr = json_object_get(j, kube ? "items" : "peers"), *it;
	struct peer_index names;
	int r = 0;
	size_t i;

	if (!json_is_array(arr))
		return snprintf(err, n, "expected {\"items\": [...]} (kubectl) or {\"peers\": [...]}"), -1;
	if (peer_index_init(&names, out))
		return snprintf(err, n, "out of memory"), -1;
	json_array_foreach(arr, i, it) {
		if ((r = take_item(it, kube, local, i, out, &names, &dup, rej)))
			break;
	}
	if (!r)
		r = drop_dups(out, dup, rej);
	peer_index_free(&names);
	free(dup);
	return r ? (snprintf(err, n, "out of memory"), -1) : 0;
}

int nodelist_parse(const char *text, size_t len, const struct node_ips *local, struct peers *out, struct node_rejects *rej,
		   char *err, size_t n)
{
	json_error_t je;
	json_t *j;
	int r;

	memset(out, 0, sizeof(*out));
	memset(rej, 0, sizeof(*rej));
	if (!(j = json_loadb(text, len, 0, &je)))
		return snprintf(err, n, "line %d: %s", je.line, je.text), -1;
	r = parse_list(j, local, out, rej, err, n);
	json_decref(j);
	if (r) {
		peers_free(out);
		rejects_free(rej);
	}
	return r;
}
