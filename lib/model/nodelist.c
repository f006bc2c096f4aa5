// SPDX-License-Identifier: GPL-2.0
/* nodelist.c: peer sync's input documents (see nodelist.h). */
#include <stdio.h>
#include <string.h>
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

/* The node's first IPv4 InternalIP, by parsing each address (an IPv6 one,
 * IPv4-mapped included, is skipped). 0 with *ip, 1 none, -1 with err. */
static int kube_ip(json_t *it, const char **ip, char *err, size_t n)
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
			*ip = a;
			return 0;
		case ADDR_IPV6:
			continue; /* not tenc's yet */
		default:
			return snprintf(err, n, "status.addresses[%zu]: not an IP address", i), -1;
		}
	}
	return 1;
}

/* Node x from a kubectl Node object: 0, 1 (skip: no IPv4 InternalIP), or
 * -1 with err. */
static int kube_node(json_t *it, struct peer *x, const char **ip, json_t **cidrs, char *err, size_t n)
{
	json_t *meta = json_object_get(it, "metadata"), *spec = json_object_get(it, "spec");
	const char *name = json_string_value(json_object_get(meta, "name"));
	json_t *ann = json_object_get(meta, "annotations");
	const char *spi = json_string_value(json_object_get(ann, "tenc.io/spi"));
	const char *epoch = json_string_value(json_object_get(ann, "tenc.io/epoch"));
	int r;

	if (!name || !peer_name_ok(name))
		return snprintf(err, n, "metadata.name: missing or not " PEER_NAME_RULE), -1;
	snprintf(x->name, sizeof(x->name), "%s", name);
	if ((r = kube_ip(it, ip, err, n)))
		return r;
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
static int tenc_node(json_t *it, struct peer *x, const char **ip, json_t **cidrs, char *err, size_t n)
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
	if (sf_str(it, "node_ip", true, ip, err, n) || sf_int(it, "spi", false, 0, 15, &spi, err, n) ||
	    sf_str(it, "epoch", false, &epoch, err, n))
		return -1;
	if (epoch && epoch_parse(epoch, &x->epoch))
		return snprintf(err, n, "epoch: not %d lowercase hex digits", EPOCH_TEXT_LEN), -1;
	x->adv_spi = (int)spi;
	*cidrs = json_incref(json_object_get(it, "cidrs"));
	return 0;
}

/* The cidrs (IPv6 ones skipped in kubectl's form), sorted. */
static int node_cidrs(json_t *cidrs, bool kube, struct peer *x, char *err, size_t n)
{
	char why[128];
	json_t *v;
	size_t i;

	if (!json_is_array(cidrs))
		return snprintf(err, n, "cidrs: none"), -1;
	json_array_foreach(cidrs, i, v) {
		const char *s = json_string_value(v);

		if (!s)
			return snprintf(err, n, "cidrs[%zu]: not a string", i), -1;
		if (kube && cidr_family(s) == ADDR_IPV6)
			continue; /* not tenc's yet */
		if (x->n_cidrs == MAX_PEER_CIDRS)
			return snprintf(err, n, "cidrs: more than %d", MAX_PEER_CIDRS), -1;
		if (parse_cidr(s, &x->cidrs[x->n_cidrs], why, sizeof(why)))
			return snprintf(err, n, "cidrs[%zu]: %s", i, why), -1;
		x->n_cidrs++;
	}
	if (x->n_cidrs == 0)
		return snprintf(err, n, "cidrs: none"), -1;
	node_sort_cidrs(x);
	return 0;
}

/* One element: 0, 1 (skip: the local node, or no IPv4 InternalIP), or
 * -1 with err, naming the node (or the item, until its name is known). */
static int parse_item(json_t *it, bool kube, uint32_t local, size_t i, struct peer *x, char *err, size_t n)
{
	json_t *cidrs = NULL;
	const char *ip = NULL;
	char why[256], ipe[128];
	int r;

	memset(x, 0, sizeof(*x));
	r = kube ? kube_node(it, x, &ip, &cidrs, why, sizeof(why))
		 : tenc_node(it, x, &ip, &cidrs, why, sizeof(why));
	if (!r && parse_ipv4(ip, &x->node_ip, ipe, sizeof(ipe)))
		r = (snprintf(why, sizeof(why), "node_ip: %s", ipe), -1);
	if (!r && local && x->node_ip == local)
		r = 1; /* the local node */
	if (!r)
		r = node_cidrs(cidrs, kube, x, why, sizeof(why));
	json_decref(cidrs);
	if (r < 0 && x->name[0])
		snprintf(err, n, "%s: %s", x->name, why);
	else if (r < 0)
		snprintf(err, n, "item %zu: %s", i, why);
	return r;
}

static int parse_list(json_t *j, uint32_t local, struct peers *out, char *err, size_t n)
{
	bool kube = json_is_array(json_object_get(j, "items"));
	json_t *arr = json_object_get(j, kube ? "items" : "peers"), *it;
	struct peer_index names;
	int ret = 0;
	size_t i;

	if (!json_is_array(arr))
		return snprintf(err, n, "expected {\"items\": [...]} (kubectl) or {\"peers\": [...]}"), -1;
	if (peer_index_init(&names, out))
		return snprintf(err, n, "out of memory"), -1;
	json_array_foreach(arr, i, it) {
		struct peer x;
		int r = parse_item(it, kube, local, i, &x, err, n);

		if (r == 1)
			continue;
		if (r) {
			ret = -1;
			break;
		}
		if (peer_index_find(&names, x.name)) {
			ret = (snprintf(err, n, "%s: name: appears twice in the input", x.name), -1);
			break;
		}
		if (!peers_add(out) || (out->v[out->n - 1] = x, peer_index_add(&names, out->n - 1))) {
			ret = (snprintf(err, n, "out of memory"), -1);
			break;
		}
	}
	peer_index_free(&names);
	return ret;
}

int nodelist_parse(const char *text, size_t len, uint32_t local, struct peers *out, char *err, size_t n)
{
	json_error_t je;
	json_t *j;
	int r;

	memset(out, 0, sizeof(*out));
	if (!(j = json_loadb(text, len, 0, &je)))
		return snprintf(err, n, "line %d: %s", je.line, je.text), -1;
	r = parse_list(j, local, out, err, n);
	json_decref(j);
	if (r)
		peers_free(out);
	return r;
}
