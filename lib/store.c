// SPDX-License-Identifier: GPL-2.0
/* store.c: config.json, peers.json, keys.json (see store.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include "state.h"
#include "store.h"
#include "tenc.h"

const char *key_state_str(enum key_state s)
{
	return s == KEY_CURRENT ? "current" : s == KEY_PENDING ? "pending" : "retiring";
}

const char *mode_str(enum tenc_mode m)
{
	return m == MODE_SUBNET ? "subnet" : "endpoint";
}

/* Load a state file: NULL with *err = -ENOENT when absent, or reported. */
static json_t *load(const char *name, int *err)
{
	char path[4096];
	json_error_t je;
	json_t *j;

	state_path(path, sizeof(path), name);
	if (access(path, F_OK)) {
		*err = -ENOENT;
		return NULL;
	}
	j = json_load_file(path, 0, &je);
	if (!j) {
		*err = tenc_err(TENC_FAIL, name, "%s:%d: %s", path, je.line, je.text);
		return NULL;
	}
	*err = 0;
	return j;
}

/* Write j atomically with mode 0600; wipe the serialised text after. */
static int save(const char *name, json_t *j)
{
	char path[4096], tmp[4200];
	char *text = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
	size_t len;
	int fd, ret = 0;

	if (!text)
		return tenc_err(TENC_FAIL, name, "out of memory");
	len = strlen(text);
	state_path(path, sizeof(path), name);
	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len || write(fd, "\n", 1) != 1 ||
	    fsync(fd) || rename(tmp, path))
		ret = tenc_errno(TENC_FAIL, errno, name, "writing %s", path);
	if (fd >= 0)
		close(fd);
	if (ret)
		unlink(tmp);
	OPENSSL_cleanse(text, len);
	free(text);
	return ret;
}

static void put_cidrs(json_t *o, const char *name, const struct cidr *c, int n)
{
	json_t *a = json_array();
	char buf[32];

	for (int i = 0; i < n; i++)
		json_array_append_new(a, json_string(fmt_cidr(&c[i], buf, sizeof(buf))));
	json_object_set_new(o, name, a);
}

static int get_cidrs(json_t *o, const char *name, struct cidr *c, int max)
{
	json_t *a = json_object_get(o, name), *v;
	size_t i;
	int n = 0;
	char err[128];

	json_array_foreach(a, i, v) {
		if (n < max && !parse_cidr(json_string_value(v), &c[n], err, sizeof(err)))
			n++;
	}
	return n;
}

static uint32_t get_ip(json_t *o, const char *name)
{
	uint32_t a = 0;
	char err[128];

	parse_ipv4(json_string_value(json_object_get(o, name)), &a, err, sizeof(err));
	return a;
}

static void get_str(json_t *o, const char *name, char *out, size_t n)
{
	const char *s = json_string_value(json_object_get(o, name));

	snprintf(out, n, "%s", s ? s : "");
}

int config_load(struct tenc_config *c)
{
	json_t *j, *a, *v;
	size_t i;
	int err;
	char ip[32];

	memset(c, 0, sizeof(*c));
	j = load("config.json", &err);
	if (!j)
		return err;
	c->encrypt = json_is_true(json_object_get(j, "encrypt"));
	c->node_ip = get_ip(j, "node_ip");
	c->n_pod_cidrs = get_cidrs(j, "pod_cidrs", c->pod_cidrs, MAX_POD_CIDRS);
	c->n_subnets = get_cidrs(j, "subnets", c->subnets, MAX_SUBNETS);
	a = json_object_get(j, "devs");
	json_array_foreach(a, i, v) {
		if (c->n_devs >= MAX_DEVS)
			break;
		get_str(v, "name", c->devs[c->n_devs], IF_NAMESIZE);
		c->dev_qdisc_created[c->n_devs++] = json_is_true(json_object_get(v, "qdisc_created"));
	}
	v = json_object_get(j, "underlay");
	get_str(v, "name", c->underlay, sizeof(c->underlay));
	c->underlay_qdisc_created = json_is_true(json_object_get(v, "qdisc_created"));
	get_str(j, "mode", ip, sizeof(ip));
	c->mode = strcmp(ip, "subnet") == 0 ? MODE_SUBNET : MODE_ENDPOINT;
	json_decref(j);
	return 0;
}

int config_save(const struct tenc_config *c)
{
	json_t *j = json_object(), *a = json_array(), *u = json_object();
	char ip[32];
	int r;

	json_object_set_new(j, "encrypt", json_boolean(c->encrypt));
	json_object_set_new(j, "node_ip", json_string(fmt_ipv4(c->node_ip, ip, sizeof(ip))));
	put_cidrs(j, "pod_cidrs", c->pod_cidrs, c->n_pod_cidrs);
	put_cidrs(j, "subnets", c->subnets, c->n_subnets);
	for (int i = 0; i < c->n_devs; i++)
		json_array_append_new(a, json_pack("{s:s, s:b}", "name", c->devs[i], "qdisc_created",
						   c->dev_qdisc_created[i]));
	json_object_set_new(j, "devs", a);
	json_object_set_new(u, "name", json_string(c->underlay));
	json_object_set_new(u, "qdisc_created", json_boolean(c->underlay_qdisc_created));
	json_object_set_new(j, "underlay", u);
	json_object_set_new(j, "mode", json_string(mode_str(c->mode)));
	r = save("config.json", j);
	json_decref(j);
	return r;
}

static int remove_file(const char *name)
{
	char path[4096];

	if (unlink(state_path(path, sizeof(path), name)) && errno != ENOENT)
		return tenc_errno(TENC_FAIL, errno, name, "removing %s", path);
	return 0;
}

int config_remove_enabled(void)
{
	return remove_file("config.json") ? TENC_FAIL : 0;
}

int peers_load(struct peers *p)
{
	json_t *j, *a, *v;
	size_t i;
	int err;

	memset(p, 0, sizeof(*p));
	j = load("peers.json", &err);
	if (!j)
		return err == -ENOENT ? 0 : err;
	a = json_object_get(j, "peers");
	json_array_foreach(a, i, v) {
		struct peer *x = peers_add(p);

		if (!x) {
			json_decref(j);
			return tenc_err(TENC_FAIL, "peers", "out of memory");
		}
		get_str(v, "name", x->name, sizeof(x->name));
		x->id = (uint16_t)json_integer_value(json_object_get(v, "id"));
		x->node_ip = get_ip(v, "node_ip");
		x->n_cidrs = get_cidrs(v, "cidrs", x->cidrs, MAX_PEER_CIDRS);
		x->adv_spi = (int)json_integer_value(json_object_get(v, "spi"));
		x->out_spi = (int)json_integer_value(json_object_get(v, "out_spi"));
	}
	json_decref(j);
	return 0;
}

int peers_save(const struct peers *p)
{
	json_t *j = json_object(), *a = json_array();
	char ip[32];
	int r;

	for (size_t i = 0; i < p->n; i++) {
		const struct peer *x = &p->v[i];
		json_t *o = json_pack("{s:s, s:i, s:s}", "name", x->name, "id", x->id, "node_ip",
				      fmt_ipv4(x->node_ip, ip, sizeof(ip)));

		put_cidrs(o, "cidrs", x->cidrs, x->n_cidrs);
		if (x->adv_spi)
			json_object_set_new(o, "spi", json_integer(x->adv_spi));
		if (x->out_spi)
			json_object_set_new(o, "out_spi", json_integer(x->out_spi));
		json_array_append_new(a, o);
	}
	json_object_set_new(j, "peers", a);
	r = save("peers.json", j);
	json_decref(j);
	return r;
}

void peers_free(struct peers *p)
{
	free(p->v);
	memset(p, 0, sizeof(*p));
}

struct peer *peers_find(const struct peers *p, const char *name)
{
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->v[i].name, name) == 0)
			return &p->v[i];
	return NULL;
}

struct peer *peers_add(struct peers *p)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 16;
		struct peer *v = realloc(p->v, cap * sizeof(*v));

		if (!v)
			return NULL;
		p->v = v;
		p->cap = cap;
	}
	memset(&p->v[p->n], 0, sizeof(p->v[0]));
	return &p->v[p->n++];
}

void peers_remove(struct peers *p, struct peer *x)
{
	size_t i = (size_t)(x - p->v);

	memmove(&p->v[i], &p->v[i + 1], (p->n - i - 1) * sizeof(*x));
	p->n--;
}

uint16_t peers_free_id(const struct peers *p)
{
	uint8_t *used = calloc(65536, 1);
	uint16_t id = 0;

	if (!used)
		return 0;
	for (size_t i = 0; i < p->n; i++)
		used[p->v[i].id] = 1;
	for (uint32_t i = 1; i <= 65535; i++) {
		if (!used[i]) {
			id = (uint16_t)i;
			break;
		}
	}
	free(used);
	return id;
}

int keys_load(struct keyring *r)
{
	json_t *j, *a, *v;
	size_t i;
	int err;
	char msg[160];

	memset(r, 0, sizeof(*r));
	j = load("keys.json", &err);
	if (!j)
		return err == -ENOENT ? 0 : err;
	a = json_object_get(j, "keys");
	json_array_foreach(a, i, v) {
		const char *line = json_string_value(json_object_get(v, "line"));
		const char *st = json_string_value(json_object_get(v, "state"));

		if (r->n >= (int)(sizeof(r->v) / sizeof(r->v[0])))
			break;
		if (!line || key_parse_line(line, &r->v[r->n].k, msg, sizeof(msg))) {
			json_decref(j);
			keys_wipe(r);
			return tenc_err(TENC_FAIL, "keys.json", "entry %zu: %s", i, line ? msg : "no line");
		}
		r->v[r->n].state = !st || !strcmp(st, "current") ? KEY_CURRENT
				   : !strcmp(st, "pending") ? KEY_PENDING : KEY_RETIRING;
		r->n++;
	}
	json_decref(j); /* jansson frees the key text; the json objects held it briefly */
	return 0;
}

int keys_save(const struct keyring *r)
{
	json_t *j = json_object(), *a = json_array();
	char line[512];
	int ret;

	for (int i = 0; i < r->n; i++) {
		key_format_line(&r->v[i].k, line, sizeof(line));
		json_array_append_new(a, json_pack("{s:i, s:s, s:s}", "spi", r->v[i].k.spi, "state",
						   key_state_str(r->v[i].state), "line", line));
		OPENSSL_cleanse(line, sizeof(line));
	}
	json_object_set_new(j, "keys", a);
	ret = save("keys.json", j);
	json_decref(j);
	return ret;
}

void keys_wipe(struct keyring *r)
{
	OPENSSL_cleanse(r, sizeof(*r));
}

int keys_spi(const struct keyring *r, enum key_state st)
{
	for (int i = 0; i < r->n; i++)
		if (r->v[i].state == st)
			return r->v[i].k.spi;
	return 0;
}

int keys_new_peer_out(const struct keyring *r, int adv)
{
	int old = keys_spi(r, KEY_RETIRING);

	return old && adv != keys_spi(r, KEY_CURRENT) ? old : 0;
}

int keys_advertise(const struct keyring *r)
{
	int spi = 0;

	for (int i = 0; i < r->n; i++) {
		if (r->v[i].state == KEY_PENDING)
			return r->v[i].k.spi;
		if (r->v[i].state == KEY_CURRENT)
			spi = r->v[i].k.spi;
	}
	return spi;
}

const struct tenc_key *keys_current(const struct keyring *r)
{
	for (int i = 0; i < r->n; i++)
		if (r->v[i].state == KEY_CURRENT)
			return &r->v[i].k;
	return NULL;
}
