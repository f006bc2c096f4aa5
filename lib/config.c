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

const char *mode_str(enum tenc_mode m)
{
	return m == MODE_SUBNET ? "subnet" : "endpoint";
}

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
	if (sf_bool(j, "encrypt", true, &c->encrypt, err, n) || sf_ipv4(j, "node_ip", &c->node_ip, err, n) ||
	    sf_cidrs(j, "pod_cidrs", 1, MAX_POD_CIDRS, c->pod_cidrs, &c->n_pod_cidrs, err, n) ||
	    sf_cidrs(j, "subnets", 0, MAX_SUBNETS, c->subnets, &c->n_subnets, err, n) ||
	    sf_str(j, "mode", true, &mode, err, n) || parse_identity(j, c, err, n))
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

static json_t *cidrs_json(const struct cidr *c, int n)
{
	json_t *a = json_array();
	char buf[32];

	for (int i = 0; a && i < n; i++)
		if (json_array_append_new(a, json_string(fmt_cidr(&c[i], buf, sizeof(buf))))) {
			json_decref(a);
			return NULL;
		}
	return a;
}

/* json_pack fails (NULL) on a NULL or non-UTF-8 string, so a field that
 * cannot be written fails the save instead of going missing. */
static json_t *dev_json(const char *name, bool created)
{
	char why[96];

	if (ifname_check(name, why, sizeof(why)))
		return NULL;
	return json_pack("{s:s, s:b}", "name", name, "qdisc_created", created);
}

static json_t *config_json(const struct tenc_config *c)
{
	json_t *devs = json_array(), *j;
	char ip[32], e[EPOCH_TEXT_LEN + 1];

	for (int i = 0; devs && i < c->n_devs; i++)
		if (json_array_append_new(devs, dev_json(c->devs[i], c->dev_qdisc_created[i]))) {
			json_decref(devs);
			devs = NULL;
		}
	/* "o" steals each reference, and NULL makes json_pack fail. */
	j = json_pack("{s:b, s:s, s:o, s:o, s:o, s:o, s:s}", "encrypt", c->encrypt, "node_ip",
		      fmt_ipv4(c->node_ip, ip, sizeof(ip)), "pod_cidrs",
		      cidrs_json(c->pod_cidrs, c->n_pod_cidrs), "subnets",
		      cidrs_json(c->subnets, c->n_subnets), "devs", devs, "underlay",
		      dev_json(c->underlay, c->underlay_qdisc_created), "mode", mode_str(c->mode));
	if (j && c->name[0] && (!peer_name_ok(c->name) || json_object_set_new(j, "name", json_string(c->name))))
		json_decref(j), j = NULL;
	if (j && c->epoch && json_object_set_new(j, "epoch", json_string(epoch_fmt(c->epoch, e))))
		json_decref(j), j = NULL;
	if (j && json_object_set_new(j, "layout", json_integer(TENC_LAYOUT)))
		json_decref(j), j = NULL;
	return j;
}

int config_save(const struct tenc_config *c)
{
	json_t *j = config_json(c);
	int r;

	if (!j)
		return store_bad("config.json", "not written: a field cannot be stored (an interface name?)");
	r = store_json_save("config.json", j);
	json_decref(j);
	return r;
}

int config_remove_enabled(void)
{
	char path[4096];

	if (unlink(state_path(path, sizeof(path), "config.json")) && errno != ENOENT)
		return tenc_errno(TENC_FAIL, errno, "config.json", "removing %s", path);
	return 0;
}
