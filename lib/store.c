// SPDX-License-Identifier: GPL-2.0
/* store.c: config.json and peers.json (see store.h); keys.json is
 * keyring.c. The JSON load/save both use is here (store_json.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include "state.h"
#include "store.h"
#include "store_json.h"
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
json_t *store_json_load(const char *name, int *err)
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

/* A state file written atomically with mode 0600: a temp file, written,
 * fsync'ed, renamed over the old one. A crash leaves the old file or the
 * new one, never a part. */
struct afile {
	const char *name;
	char path[4096], tmp[4200];
	int fd, err;
};

static void af_open(struct afile *f, const char *name)
{
	f->name = name;
	f->err = 0;
	state_path(f->path, sizeof(f->path), name);
	snprintf(f->tmp, sizeof(f->tmp), "%s.tmp.%d", f->path, (int)getpid());
	f->fd = open(f->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (f->fd < 0)
		f->err = errno;
}

static void af_write(struct afile *f, const char *p, size_t len)
{
	while (!f->err && len) {
		ssize_t w = write(f->fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			f->err = w < 0 ? errno : EIO;
		else
			p += w, len -= (size_t)w;
	}
}

/* fsync, rename into place; on any error remove the temp file and report. */
static int af_commit(struct afile *f)
{
	int ret = 0;

	if (!f->err && (fsync(f->fd) || rename(f->tmp, f->path)))
		f->err = errno;
	if (f->err)
		ret = tenc_errno(TENC_FAIL, f->err, f->name, "writing %s", f->path);
	if (f->fd >= 0)
		close(f->fd);
	if (ret)
		unlink(f->tmp);
	return ret;
}

static int write_atomic(const char *name, const char *text, size_t len)
{
	struct afile f;

	af_open(&f, name);
	af_write(&f, text, len);
	return af_commit(&f);
}

/* Write j atomically (write_atomic); wipe the serialised text after. */
int store_json_save(const char *name, json_t *j)
{
	char *text = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
	size_t len;
	int ret;

	if (!text)
		return tenc_err(TENC_FAIL, name, "out of memory");
	len = strlen(text);
	text[len] = '\n'; /* json_dumps leaves room for the NUL: use it */
	ret = write_atomic(name, text, len + 1);
	OPENSSL_cleanse(text, len + 1);
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
	j = store_json_load("config.json", &err);
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
	r = store_json_save("config.json", j);
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

/* peers.json, the jansson way: any valid JSON, lenient about types (a
 * field of the wrong type reads as 0 or ""). The fast path below hands
 * over to this whenever a file is not exactly in the form it knows. */
static int peers_load_jansson(struct peers *p)
{
	json_t *j, *a, *v;
	size_t i;
	int err;

	j = store_json_load("peers.json", &err);
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

/* The fast path: a parser for exactly the JSON that peers_save writes, in
 * any layout and key order ({"peers": [{name, id, node_ip, cidrs, spi,
 * out_spi}, ...]}, printable ASCII strings without escapes, integers).
 * Anything else (an unknown or repeated key, an escape, a real number,
 * a syntax error) returns 1, and the file is read again with jansson, so
 * the result is always what jansson would give. Loading 5,000 peers this
 * way costs about a tenth of building jansson's tree. */
struct scan {
	const char *s, *end;
};

static inline void ws(struct scan *c)
{
	while (c->s < c->end && (*c->s == ' ' || *c->s == '\n' || *c->s == '\t' || *c->s == '\r'))
		c->s++;
}

static inline bool eat(struct scan *c, char ch)
{
	ws(c);
	if (c->s < c->end && *c->s == ch) {
		c->s++;
		return true;
	}
	return false;
}

/* A string of printable ASCII without escapes: its text in place. */
static bool str(struct scan *c, const char **text, size_t *len)
{
	static bool plain[256];
	const char *b;

	if (!plain['a']) {
		for (int ch = 0x20; ch <= 0x7e; ch++)
			plain[ch] = ch != '"' && ch != '\\';
	}
	if (!eat(c, '"'))
		return false;
	for (b = c->s; c->s < c->end && plain[(unsigned char)*c->s]; c->s++)
		;
	if (c->s == c->end || *c->s != '"')
		return false;
	*text = b;
	*len = (size_t)(c->s++ - b);
	return true;
}

static inline bool is(const char *text, size_t len, const char *lit)
{
	return len == strlen(lit) && memcmp(text, lit, len) == 0;
}

/* A number of 1..3 digits, without a leading zero, at most max. */
static bool canon_num(const char **p, const char *end, unsigned max, unsigned *v)
{
	const char *b = *p;

	for (*v = 0; *p < end && **p >= '0' && **p <= '9' && *p - b < 3; (*p)++)
		*v = *v * 10 + (unsigned)(**p - '0');
	return *p > b && (*p - b == 1 || *b != '0') && *v <= max;
}

/* "A.B.C.D" or "A.B.C.D/L" in canonical form (what fmt_ipv4/fmt_cidr
 * write) into addr and len; false for any other text, which then goes
 * to parse_ipv4 / parse_cidr. Both give the same for canonical text. */
static bool canon_ip(const char *p, const char *end, bool with_len, uint32_t *addr, unsigned *len)
{
	uint8_t o[4];
	unsigned v;

	for (int i = 0; i < 4; i++) {
		if ((i && (p == end || *p++ != '.')) || !canon_num(&p, end, 255, &v))
			return false;
		o[i] = (uint8_t)v;
	}
	memcpy(addr, o, 4); /* network order */
	if (!with_len)
		return p == end;
	return p < end && *p++ == '/' && canon_num(&p, end, 32, len) && p == end;
}

/* The text of a string value, NUL-terminated, for the slow parsers. */
static const char *cstr(const char *text, size_t len, char *buf, size_t n)
{
	if (len >= n)
		len = n - 1; /* longer than any address: refused all the same */
	memcpy(buf, text, len);
	buf[len] = '\0';
	return buf;
}

/* An integer as JSON writes it (no leading zeros, no fraction). */
static bool integer(struct scan *c, long long *v)
{
	bool neg;
	int digits = 0;

	ws(c);
	neg = c->s < c->end && *c->s == '-';
	c->s += neg;
	if (c->s < c->end && *c->s == '0' && c->s + 1 < c->end && c->s[1] >= '0' && c->s[1] <= '9')
		return false;
	for (*v = 0; c->s < c->end && *c->s >= '0' && *c->s <= '9' && digits < 18; c->s++, digits++)
		*v = *v * 10 + (*c->s - '0');
	if (!digits || (c->s < c->end && ((*c->s >= '0' && *c->s <= '9') || *c->s == '.' ||
					  *c->s == 'e' || *c->s == 'E')))
		return false;
	if (neg)
		*v = -*v;
	return true;
}

static int fast_peer(struct scan *c, struct peer *x)
{
	unsigned seen = 0, len;
	char buf[72], err[128];
	const char *t;
	size_t n;
	long long v;

	if (!eat(c, '{'))
		return 1;
	if (eat(c, '}'))
		return 0;
	do {
		unsigned bit;

		if (!str(c, &t, &n) || !eat(c, ':'))
			return 1;
		bit = is(t, n, "name") ? 1 : is(t, n, "id") ? 2 : is(t, n, "node_ip") ? 4 :
		      is(t, n, "cidrs") ? 8 : is(t, n, "spi") ? 16 : is(t, n, "out_spi") ? 32 : 0;
		if (!bit || (seen & bit))
			return 1;
		seen |= bit;
		if (bit == 1) {
			if (!str(c, &t, &n) || n >= sizeof(x->name))
				return 1; /* a longer name: jansson's reading truncates it */
			memcpy(x->name, t, n);
			x->name[n] = '\0';
		} else if (bit == 4) {
			if (!str(c, &t, &n))
				return 1;
			if (!canon_ip(t, t + n, false, &x->node_ip, &len))
				parse_ipv4(cstr(t, n, buf, sizeof(buf)), &x->node_ip, err, sizeof(err));
		} else if (bit == 8) {
			if (!eat(c, '['))
				return 1;
			if (!eat(c, ']')) {
				do {
					struct cidr *cd = &x->cidrs[x->n_cidrs];

					if (!str(c, &t, &n))
						return 1;
					if (x->n_cidrs == MAX_PEER_CIDRS)
						continue;
					if (canon_ip(t, t + n, true, &cd->addr, &len)) {
						cd->len = (uint8_t)len;
						x->n_cidrs += (cd->addr & ~cidr_mask(cd->len)) == 0; /* else: host bits */
					} else if (!parse_cidr(cstr(t, n, buf, sizeof(buf)), cd, err, sizeof(err))) {
						x->n_cidrs++;
					}
				} while (eat(c, ','));
				if (!eat(c, ']'))
					return 1;
			}
		} else {
			if (!integer(c, &v))
				return 1;
			if (bit == 2)
				x->id = (uint16_t)v;
			else if (bit == 16)
				x->adv_spi = (int)v;
			else
				x->out_spi = (int)v;
		}
	} while (eat(c, ','));
	return eat(c, '}') ? 0 : 1;
}

/* 0 loaded, 1 not in the fast form (p is left empty), or reported. */
static int peers_load_fast(const char *text, size_t len, struct peers *p)
{
	struct scan c = { text, text + len };
	const char *t;
	size_t n;

	if (memchr(text, '\0', len) || !eat(&c, '{') || !str(&c, &t, &n) || !is(t, n, "peers") ||
	    !eat(&c, ':') || !eat(&c, '['))
		return 1;
	if (!eat(&c, ']')) {
		do {
			struct peer *x = peers_add(p);

			if (!x)
				return tenc_err(TENC_FAIL, "peers", "out of memory");
			if (fast_peer(&c, x))
				goto other;
		} while (eat(&c, ','));
		if (!eat(&c, ']'))
			goto other;
	}
	if (!eat(&c, '}'))
		goto other;
	ws(&c);
	if (c.s == c.end)
		return 0;
other:
	peers_free(p);
	return 1;
}

int peers_load(struct peers *p)
{
	char path[4096];
	struct stat st;
	void *text;
	int fd, ret = 1;

	memset(p, 0, sizeof(*p));
	fd = open(state_path(path, sizeof(path), "peers.json"), O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return 0;
	/* Mapped, not read: no copy, and the page cache's pages come in a
	 * few faults. Writers replace the file by rename, never in place, so
	 * what is mapped does not change under us. */
	if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
	    st.st_size < (1 << 30)) {
		text = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (text != MAP_FAILED) {
			ret = peers_load_fast(text, (size_t)st.st_size, p);
			munmap(text, (size_t)st.st_size);
		}
	}
	if (fd >= 0)
		close(fd);
	return ret == 1 ? peers_load_jansson(p) : ret;
}

/* Text on its way into an afile, in chunks (a 5,000-peer file is 400 KB;
 * one chunk buffer costs fewer fresh pages than holding it all). */
struct obuf {
	struct afile *f;
	size_t n;
	char p[64 * 1024];
};

/* Room for n more bytes (n <= sizeof(p)) at the returned pointer; the
 * caller then sets b->n to where it stopped. */
static char *ob_room(struct obuf *b, size_t n)
{
	if (b->n + n > sizeof(b->p)) {
		af_write(b->f, b->p, b->n);
		b->n = 0;
	}
	return b->p + b->n;
}

static inline char *w_lit(char *q, const char *s)
{
	size_t n = strlen(s);

	memcpy(q, s, n);
	return q + n;
}

/* Decimal, without printf (5,000 peers make tens of thousands of these). */
static char *w_uint(char *q, unsigned long v)
{
	char d[24], *e = d + sizeof(d), *r = e;

	do
		*--r = (char)('0' + v % 10);
	while (v /= 10);
	memcpy(q, r, (size_t)(e - r));
	return q + (e - r);
}

static char *w_int(char *q, long v)
{
	if (v < 0) {
		*q++ = '-';
		return w_uint(q, 0UL - (unsigned long)v);
	}
	return w_uint(q, (unsigned long)v);
}

static char *w_ipv4(char *q, uint32_t a)
{
	const uint8_t *o = (const uint8_t *)&a; /* network order */

	for (int i = 0; i < 4; i++) {
		if (i)
			*q++ = '.';
		q = w_uint(q, o[i]);
	}
	return q;
}

/* s as a JSON string: quotes, backslashes and control characters escaped
 * (as jansson does; other bytes as they are). At most 6 bytes a byte. */
static char *w_jstr(char *q, const char *s)
{
	static const char hex[] = "0123456789abcdef";

	*q++ = '"';
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		const char *e = ch == '"' ? "\\\"" : ch == '\\' ? "\\\\" : ch == '\n' ? "\\n" :
				ch == '\t' ? "\\t" : ch == '\r' ? "\\r" : ch == '\b' ? "\\b" :
				ch == '\f' ? "\\f" : NULL;

		if (e) {
			q = w_lit(q, e);
		} else if (ch < 0x20) {
			q = w_lit(q, "\\u00");
			*q++ = hex[ch >> 4];
			*q++ = hex[ch & 15];
		} else {
			*q++ = (char)ch;
		}
	}
	*q++ = '"';
	return q;
}

/* One peer per line, keys sorted as before:
 * {"cidrs": [...], "id": N, "name": "...", "node_ip": "...", "out_spi": N, "spi": N}
 * A line is under 1 KiB: 16 cidrs of 22 bytes, a name of 63 bytes of 6. */
int peers_save(const struct peers *p)
{
	static struct obuf b;
	struct afile f;
	char *q;

	af_open(&f, "peers.json");
	b.f = &f;
	b.n = 0;
	q = w_lit(ob_room(&b, 16), "{\"peers\": [");
	b.n = (size_t)(q - b.p);
	for (size_t i = 0; i < p->n; i++) {
		const struct peer *x = &p->v[i];

		q = w_lit(ob_room(&b, 1024), i ? ",\n{\"cidrs\": [" : "\n{\"cidrs\": [");
		for (int k = 0; k < x->n_cidrs && k < MAX_PEER_CIDRS; k++) {
			q = w_lit(q, k ? ", \"" : "\"");
			q = w_ipv4(q, x->cidrs[k].addr);
			*q++ = '/';
			q = w_uint(q, x->cidrs[k].len);
			*q++ = '"';
		}
		q = w_uint(w_lit(q, "], \"id\": "), x->id);
		q = w_jstr(w_lit(q, ", \"name\": "), x->name);
		q = w_ipv4(w_lit(q, ", \"node_ip\": \""), x->node_ip);
		*q++ = '"';
		if (x->out_spi)
			q = w_int(w_lit(q, ", \"out_spi\": "), x->out_spi);
		if (x->adv_spi)
			q = w_int(w_lit(q, ", \"spi\": "), x->adv_spi);
		*q++ = '}';
		b.n = (size_t)(q - b.p);
	}
	q = w_lit(ob_room(&b, 16), p->n ? "\n]}\n" : "]}\n");
	b.n = (size_t)(q - b.p);
	af_write(&f, b.p, b.n);
	return af_commit(&f);
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

static uint32_t name_hash(const char *s)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	while (*s)
		h = (h ^ (uint8_t)*s++) * 16777619u;
	return h;
}

/* Insert position i unless its name is there already (the first stays). */
static void index_put(struct peer_index *ix, size_t i)
{
	size_t m = ix->cap - 1, k = name_hash(ix->p->v[i].name) & m;

	for (; ix->slot[k]; k = (k + 1) & m)
		if (strcmp(ix->p->v[ix->slot[k] - 1].name, ix->p->v[i].name) == 0)
			return;
	ix->slot[k] = (uint32_t)i + 1;
	ix->n++;
}

/* Keep the table at most half full. */
static int index_grow(struct peer_index *ix, size_t want)
{
	uint32_t *old = ix->slot;
	size_t cap = 64, ocap = ix->cap;

	if (want * 2 <= ix->cap)
		return 0;
	while (cap < want * 2)
		cap *= 2;
	if (!(ix->slot = calloc(cap, sizeof(*ix->slot)))) {
		ix->slot = old;
		return -ENOMEM;
	}
	ix->cap = cap;
	ix->n = 0;
	for (size_t k = 0; k < ocap; k++)
		if (old[k])
			index_put(ix, old[k] - 1);
	free(old);
	return 0;
}

int peer_index_init(struct peer_index *ix, const struct peers *p)
{
	memset(ix, 0, sizeof(*ix));
	ix->p = p;
	if (index_grow(ix, p->n + 1))
		return -ENOMEM;
	for (size_t i = 0; i < p->n; i++)
		index_put(ix, i);
	return 0;
}

int peer_index_add(struct peer_index *ix, size_t i)
{
	if (index_grow(ix, ix->n + 1))
		return -ENOMEM;
	index_put(ix, i);
	return 0;
}

struct peer *peer_index_find(const struct peer_index *ix, const char *name)
{
	size_t m = ix->cap - 1, k = name_hash(name) & m;

	for (; ix->slot[k]; k = (k + 1) & m)
		if (strcmp(ix->p->v[ix->slot[k] - 1].name, name) == 0)
			return &ix->p->v[ix->slot[k] - 1];
	return NULL;
}

void peer_index_free(struct peer_index *ix)
{
	free(ix->slot);
	memset(ix, 0, sizeof(*ix));
}
