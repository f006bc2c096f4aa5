// SPDX-License-Identifier: GPL-2.0
/* config.c: config.json, the node's own configuration (see store.h).
 * Strict both ways: a field that is missing, mistyped or out of range is
 * an error naming it; a save that cannot write every field writes
 * nothing. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "names.h"
#include "num.h"
#include "state.h"
#include "statefile.h"
#include "store.h"
#include "tenc.h"

/* {"name": IFNAME, "qdisc_created": bool} into name and *created. */
static int get_dev(json_t *v, char name[IF_NAMESIZE], bool *created, char *err, size_t n)
{
	const char *s = NULL;
	char why[96];

	if (!json_is_object(v))
		return snprintf(err, n, "not an object"), -1;
	if (sf_str(v, "name", true, &s, err, n) || sf_bool(v, "qdisc_created", true, created, err, n))
		return -1;
	if (ifname_check(s, why, sizeof(why)))
		return snprintf(err, n, "name: %s", why), -1;
	snprintf(name, IF_NAMESIZE, "%s", s);
	return 0;
}

/* The optional "layout", "name" and "epoch" (older files have none). */
static int parse_identity(json_t *j, struct tenc_config *c, char *err, size_t n)
{
	const char *name = NULL, *epoch = NULL;
	long long layout = 0;

	if (sf_int(j, "layout", false, 0, 1 << 20, &layout, err, n))
		return -1;
	if (layout > TENC_LAYOUT)
		return snprintf(err, n, "layout %lld: written by a newer tenc (this one knows layout %d and older)",
				layout, TENC_LAYOUT), -1;
	if (sf_str(j, "name", false, &name, err, n) || sf_str(j, "epoch", false, &epoch, err, n))
		return -1;
	if (name && !peer_name_ok(name))
		return snprintf(err, n, "name: not " PEER_NAME_RULE), -1;
	if (name)
		snprintf(c->name, sizeof(c->name), "%s", name);
	if (epoch && epoch_parse(epoch, &c->epoch))
		return snprintf(err, n, "epoch: not %d lowercase hex digits", EPOCH_TEXT_LEN), -1;
	return 0;
}

static int parse_config(json_t *j, struct tenc_config *c, char *err, size_t n)
{
	const char *mode = NULL;
	char why[160];
	json_t *a, *v;
	size_t i;

	if (!json_is_object(j))
		return snprintf(err, n, "not an object"), -1;
	if (sf_bool(j, "encrypt", true, &c->encrypt, err, n) || sf_ipv4(j, "node_ip", false, &c->node_ip, err, n) ||
	    sf_cidrs(j, "pod_cidrs", 0, MAX_POD_CIDRS, c->pod_cidrs, &c->n_pod_cidrs, err, n) ||
	    sf_ipv6_node(j, "node_ip6", c->node_ip6, err, n) ||
	    sf_cidrs6(j, "pod_cidrs6", MAX_POD_CIDRS, c->pod_cidrs6, &c->n_pod_cidrs6, err, n) ||
	    sf_cidrs(j, "subnets", 0, MAX_SUBNETS, c->subnets, &c->n_subnets, err, n) ||
	    sf_cidrs6(j, "subnets6", MAX_SUBNETS, c->subnets6, &c->n_subnets6, err, n) ||
	    sf_str(j, "mode", true, &mode, err, n) || parse_identity(j, c, err, n))
		return -1;
	if (halves_check_msg(c->node_ip, c->n_pod_cidrs, c->node_ip6, c->n_pod_cidrs6, "node_ip", "pod_cidrs", err, n))
		return -1;
	if (strcmp(mode, "endpoint") && strcmp(mode, "subnet"))
		return snprintf(err, n, "mode: expected endpoint or subnet"), -1;
	c->mode = strcmp(mode, "subnet") == 0 ? MODE_SUBNET : MODE_ENDPOINT;
	a = json_object_get(j, "devs");
	if (!json_is_array(a) || json_array_size(a) > MAX_DEVS)
		return snprintf(err, n, "devs: not an array of at most %d", MAX_DEVS), -1;
	json_array_foreach(a, i, v) {
		if (get_dev(v, c->devs[i], &c->dev_qdisc_created[i], why, sizeof(why)))
			return snprintf(err, n, "devs[%zu]: %s", i, why), -1;
		c->n_devs++;
	}
	if (get_dev(json_object_get(j, "underlay"), c->underlay, &c->underlay_qdisc_created, why,
		    sizeof(why)))
		return snprintf(err, n, "underlay: %s", why), -1;
	return 0;
}

int config_parse(const char *text, size_t len, struct tenc_config *c, char *err, size_t n)
{
	json_error_t je;
	char why_[160];
	json_t *j;
	int r;

	memset(c, 0, sizeof(*c));
	if (!(j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je)))
		return snprintf(err, n, "line %s", json_error_str(&je, false, why_, sizeof(why_))), -1;
	r = parse_config(j, c, err, n);
	json_decref(j);
	if (r)
		memset(c, 0, sizeof(*c));
	return r;
}

int config_load(struct tenc_config *c)
{
	char err[256];
	json_t *j;
	int r;

	memset(c, 0, sizeof(*c));
	if (!(j = store_json_load("config.json", &r)))
		return r;
	r = parse_config(j, c, err, sizeof(err));
	json_decref(j);
	if (r) {
		memset(c, 0, sizeof(*c));
		return store_bad("config.json", "%s", err);
	}
	return 0;
}

static void cidrs_w(jw_t *w, const char *name, const struct cidr *c, int n)
{
	char buf[32];

	jw_name(w, name);
	jw_start_array(w);
	for (int i = 0; i < n; i++)
		jw_string(w, fmt_cidr(&c[i], buf, sizeof(buf)));
	jw_end_array(w);
}

static void dev_w(jw_t *w, const char *name, bool created)
{
	jw_start_object(w);
	jw_string_field(w, "name", name);
	jw_bool_field(w, "qdisc_created", created);
	jw_end_object(w);
}

/* Can every field be stored as the loader will read it back? */
static bool storable(const struct tenc_config *c)
{
	char why[96];

	for (int i = 0; i < c->n_devs; i++)
		if (ifname_check(c->devs[i], why, sizeof(why)))
			return false;
	return !ifname_check(c->underlay, why, sizeof(why)) && (!c->name[0] || peer_name_ok(c->name));
}

/* The keys in sorted order, as before (jansson's JSON_SORT_KEYS). */
static void config_w(jw_t *w, const struct tenc_config *c)
{
	char ip[32], e[EPOCH_TEXT_LEN + 1];

	jw_start_object(w);
	jw_name(w, "devs");
	jw_start_array(w);
	for (int i = 0; i < c->n_devs; i++)
		dev_w(w, c->devs[i], c->dev_qdisc_created[i]);
	jw_end_array(w);
	jw_bool_field(w, "encrypt", c->encrypt);
	if (c->epoch)
		jw_string_field(w, "epoch", epoch_fmt(c->epoch, e));
	jw_int_field(w, "layout", TENC_LAYOUT);
	jw_string_field(w, "mode", mode_str(c->mode));
	if (c->name[0])
		jw_string_field(w, "name", c->name);
	if (c->node_ip)
		jw_string_field(w, "node_ip", fmt_ipv4(c->node_ip, ip, sizeof(ip)));
	jw_ipv6_field(w, "node_ip6", c->node_ip6);
	cidrs_w(w, "pod_cidrs", c->pod_cidrs, c->n_pod_cidrs);
	jw_cidrs6_field(w, "pod_cidrs6", c->pod_cidrs6, c->n_pod_cidrs6);
	cidrs_w(w, "subnets", c->subnets, c->n_subnets);
	jw_cidrs6_field(w, "subnets6", c->subnets6, c->n_subnets6);
	jw_name(w, "underlay");
	dev_w(w, c->underlay, c->underlay_qdisc_created);
	jw_end_object(w);
}

int config_save(const struct tenc_config *c)
{
	struct store_json s;

	if (!storable(c))
		return store_bad("config.json", "not written: a field cannot be stored (an interface name?)");
	store_json_open(&s, "config.json", JW_PRETTY);
	config_w(&s.w, c);
	return store_json_commit(&s);
}

int config_remove_enabled(void)
{
	char path[4096];

	if (unlink(state_path(path, sizeof(path), "config.json")) && errno != ENOENT)
		return tenc_errno(TENC_FAIL, errno, "config.json", "removing %s", path);
	return 0;
}
