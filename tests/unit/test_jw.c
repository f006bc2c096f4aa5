// SPDX-License-Identifier: GPL-2.0
/* test_jw.c: the one JSON writer. Its three layouts, byte for byte; the
 * pretty and compact ones are what jansson's json_dumps writes for the
 * same document, escapes included (every control byte, quotes, UTF-8); a
 * sink gets the text in order through a buffer far smaller than it, and
 * the buffer is wiped; the unchecked plain writes equal the checked ones;
 * the {"error":...} line; and the state files (config.json, keys.json,
 * rx.json) are exactly what json_dumps(JSON_INDENT(2) | JSON_SORT_KEYS)
 * wrote before jw wrote them, peers.json exactly its one-peer-a-line form. */
#include <stdlib.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <jansson.h>
#include "jw.h"
#include "rxbase.h"
#include "state.h"
#include "store.h"
#include "tap.h"
#include "tenc.h"

static char dir[] = "/tmp/tenc-test-jw.XXXXXX";

/* The text a writer of this style makes of doc(), through a stream. */
static char *through_file(void (*doc)(jw_t *), enum jw_style st)
{
	static char out[200000];
	FILE *f = fmemopen(out, sizeof(out), "w");
	jw_t w;

	memset(out, 0, sizeof(out));
	jw_init_file(&w, f, st);
	doc(&w);
	jw_finish(&w);
	fclose(f);
	return out;
}

/* Every byte jansson takes in a string: 1..127, and UTF-8. */
static const char *every_byte(void)
{
	static char s[200];
	int n = 0;

	for (int c = 1; c < 128; c++)
		s[n++] = (char)c;
	memcpy(s + n, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 10);
	return s;
}

static void doc(jw_t *w)
{
	jw_start_object(w);
	jw_string_field(w, "s", "plain");
	jw_string_field(w, "every", every_byte());
	jw_string_field(w, "a \"quoted\"\\ name\n", "x");
	jw_uint_field(w, "u", UINT64_MAX >> 1);
	jw_int_field(w, "i", INT64_MIN + 1);
	jw_int_field(w, "zero", 0);
	jw_bool_field(w, "t", true);
	jw_bool_field(w, "f", false);
	jw_name(w, "n");
	jw_null(w);
	jw_name(w, "empty_a");
	jw_start_array(w);
	jw_end_array(w);
	jw_name(w, "empty_o");
	jw_start_object(w);
	jw_end_object(w);
	jw_name(w, "nested");
	jw_start_array(w);
	jw_uint(w, 1);
	jw_start_object(w);
	jw_name(w, "deep");
	jw_start_array(w);
	jw_string(w, "");
	jw_start_array(w);
	jw_end_array(w);
	jw_end_array(w);
	jw_end_object(w);
	jw_string(w, NULL);
	jw_end_array(w);
	jw_end_object(w);
}

/* What jansson writes of the same document (its keys in our order). */
static char *jansson(size_t flags)
{
	json_t *j = json_object(), *nested = json_array(), *deep = json_array();

	json_object_set_new(j, "s", json_string("plain"));
	json_object_set_new(j, "every", json_string(every_byte()));
	json_object_set_new(j, "a \"quoted\"\\ name\n", json_string("x"));
	json_object_set_new(j, "u", json_integer(INT64_MAX));
	json_object_set_new(j, "i", json_integer(INT64_MIN + 1));
	json_object_set_new(j, "zero", json_integer(0));
	json_object_set_new(j, "t", json_true());
	json_object_set_new(j, "f", json_false());
	json_object_set_new(j, "n", json_null());
	json_object_set_new(j, "empty_a", json_array());
	json_object_set_new(j, "empty_o", json_object());
	json_array_append_new(deep, json_string(""));
	json_array_append_new(deep, json_array());
	json_array_append_new(nested, json_integer(1));
	json_array_append_new(nested, json_pack("{s:o}", "deep", deep));
	json_array_append_new(nested, json_null());
	json_object_set_new(j, "nested", nested);
	{
		char *t = json_dumps(j, flags | JSON_PRESERVE_ORDER);
		static char out[65536];

		snprintf(out, sizeof(out), "%s\n", t);
		free(t);
		json_decref(j);
		return out;
	}
}

static void small_doc(jw_t *w)
{
	jw_start_object(w);
	jw_name(w, "peers");
	jw_start_array_lines(w);
	for (int i = 0; i < 2; i++) {
		jw_start_object(w);
		jw_name(w, "cidrs");
		jw_start_array(w);
		jw_string(w, "10.1.0.0/24");
		jw_string(w, "10.2.0.0/16");
		jw_end_array(w);
		jw_int_field(w, "id", i + 1);
		jw_end_object(w);
	}
	jw_end_array(w);
	jw_name(w, "empty");
	jw_start_array_lines(w);
	jw_end_array(w);
	jw_end_object(w);
}

static void test_layouts(void)
{
	is_str(through_file(small_doc, JW_SPACED),
	       "{\"peers\": [\n{\"cidrs\": [\"10.1.0.0/24\", \"10.2.0.0/16\"], \"id\": 1},\n"
	       "{\"cidrs\": [\"10.1.0.0/24\", \"10.2.0.0/16\"], \"id\": 2}\n], \"empty\": []}\n",
	       "spaced: one line, ', ' and ': ', a lines array one element a line");
	is_str(through_file(small_doc, JW_COMPACT),
	       "{\"peers\":[\n{\"cidrs\":[\"10.1.0.0/24\",\"10.2.0.0/16\"],\"id\":1},\n"
	       "{\"cidrs\":[\"10.1.0.0/24\",\"10.2.0.0/16\"],\"id\":2}\n],\"empty\":[]}\n",
	       "compact, with a lines array");
	is_str(through_file(doc, JW_PRETTY), jansson(JSON_INDENT(2)),
	       "pretty is json_dumps(JSON_INDENT(2)), escapes of every byte included");
	is_str(through_file(doc, JW_COMPACT), jansson(JSON_COMPACT), "compact is json_dumps(JSON_COMPACT)");
}

/* A sink that keeps what it is handed. */
static struct {
	char text[200000];
	size_t n, calls;
} got;

static void keep(void *ctx, const char *p, size_t n)
{
	(void)ctx;
	if (got.n + n <= sizeof(got.text))
		memcpy(got.text + got.n, p, n);
	got.n += n;
	got.calls++;
}

static char long_s[70000];

static void long_doc(jw_t *w)
{
	jw_start_object(w);
	jw_name(w, "keys");
	jw_start_array(w);
	for (int i = 0; i < 300; i++) {
		jw_start_object(w);
		jw_string_field(w, "line", "1 rfc4106(gcm(aes)) 0102030405060708090a0b0c0d0e0f1011121314 128");
		jw_int_field(w, "spi", i);
		jw_end_object(w);
	}
	jw_end_array(w);
	jw_string_field(w, "long", long_s);
	jw_end_object(w);
}

static void test_sink(void)
{
	char buf[256];
	jw_t w;
	int zero = 1;

	/* Longer than the buffer, and than the file writer's: escapes in it. */
	memset(long_s, 'x', sizeof(long_s) - 1);
	for (size_t i = 0; i < sizeof(long_s) - 1; i += 997)
		long_s[i] = i % 2 ? '"' : '\n';
	jw_init_sink(&w, buf, sizeof(buf), keep, NULL, JW_PRETTY);
	long_doc(&w);
	jw_finish(&w);
	ok(got.calls > 100, "a 256-byte buffer: handed on %zu times", got.calls);
	got.text[got.n < sizeof(got.text) ? got.n : sizeof(got.text) - 1] = '\0';
	ok(!strcmp(got.text, through_file(long_doc, JW_PRETTY)), "the sink gets exactly the stream's text, in order");
	for (size_t i = 0; i < sizeof(buf); i++)
		zero &= !buf[i];
	ok(zero, "the buffer is wiped after (it held key text)");
}

static void plain_doc(jw_t *w)
{
	jw_start_object(w);
	JW_NAME(w, "name");
	jw_string_plain(w, "node-1.x_y", 10);
	jw_name_plain(w, "node_ip", 7);
	jw_string_plain(w, "10.0.0.1", 8);
	jw_end_object(w);
}

static void checked_doc(jw_t *w)
{
	jw_start_object(w);
	jw_string_field(w, "name", "node-1.x_y");
	jw_string_field(w, "node_ip", "10.0.0.1");
	jw_end_object(w);
}

static void test_error_line(void)
{
	char out[2048] = "", why[] = "a \"quote\", a \\, a\ttab and a \x01";
	FILE *saved = stdout, *savederr = stderr, *m = fmemopen(out, sizeof(out) - 1, "w");
	FILE *devnull = fopen("/dev/null", "w");
	json_t *j;

	is_str(through_file(plain_doc, JW_SPACED), through_file(checked_doc, JW_SPACED),
	       "plain writes: the checked ones' text");
	g.json = true;
	snprintf(g.cmd_path, sizeof(g.cmd_path), "peer add");
	stdout = m;
	stderr = devnull;
	tenc_err(TENC_USAGE, "--name", "%s", why);
	stdout = saved;
	stderr = savederr;
	fclose(m);
	fclose(devnull);
	g.json = false;
	g.cmd_path[0] = '\0';
	j = json_loads(out, JSON_DISABLE_EOF_CHECK, NULL);
	ok(j && json_is_string(json_object_get(j, "error")) && json_object_size(j) == 1 &&
	   !strcmp(json_string_value(json_object_get(j, "error")), "peer add: --name: a \"quote\", a \\, a\ttab and a \x01"),
	   "the error line: {\"error\": TEXT}, the text whole: %.*s", (int)strcspn(out, "\n"), out);
	ok(!strncmp(out, "{\"error\":\"", 10) && strchr(out, '\n') == out + strlen(out) - 1 &&
	   out[strlen(out) - 2] == '}', "compact, one line");
	json_decref(j);
}

/* The file as json_dumps(JSON_INDENT(2) | JSON_SORT_KEYS) + "\n" writes
 * what it holds: how the file was written before jw. */
static void as_jansson_wrote(const char *name)
{
	char path[512], *text = NULL, *want = NULL;
	json_t *j;
	FILE *f;
	size_t n = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (f && getdelim(&text, &n, '\0', f) < 0)
		text[0] = '\0';
	if (f)
		fclose(f);
	j = json_load_file(path, 0, NULL);
	if (j && (want = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS)))
		want = realloc(want, strlen(want) + 2), strcat(want, "\n");
	ok(text && want && !strcmp(text, want), "%s: what json_dumps wrote before, byte for byte", name);
	if (!(text && want && !strcmp(text, want)))
		printf("# got:\n%s# want:\n%s", text ? text : "", want ? want : "");
	json_decref(j);
	free(text);
	free(want);
}

static void test_state_files(void)
{
	static const char *const lines[] = {
		"3 rfc4106(gcm(aes)) 0102030405060708090a0b0c0d0e0f1011121314 128",
		"4+ hmac(sha256) 0102030405060708091011121314151617181920212223242526272829303132 "
		"cbc(aes) 0102030405060708091011121314151f",
	};
	struct tenc_config c = { 0 };
	struct keyring r = { 0 };
	struct plan p = { 0 };
	struct peers ps = { 0 };
	char err[128], path[512], text[1024] = "";
	FILE *f;

	snprintf(c.name, sizeof(c.name), "node-1");
	c.epoch = 0x0123456789abcdefULL;
	c.encrypt = true;
	c.node_ip = htonl(0x0a000001);
	c.n_pod_cidrs = 1;
	c.pod_cidrs[0] = (struct cidr){ htonl(0x0a010100), 24 };
	c.n_devs = 2;
	snprintf(c.devs[0], IF_NAMESIZE, "%s", "pod\"0\\");
	snprintf(c.devs[1], IF_NAMESIZE, "%s", "p\xc3\xa9");
	c.dev_qdisc_created[1] = true;
	snprintf(c.underlay, IF_NAMESIZE, "%s", "eth0");
	ok(config_save(&c) == 0, "config_save");
	as_jansson_wrote("config.json");

	for (int i = 0; i < 2; i++)
		key_parse_line(lines[i], &r.v[r.n++].k, err, sizeof(err));
	r.v[1].state = KEY_PENDING;
	ok(keys_save(&r) == 0, "keys_save");
	as_jansson_wrote("keys.json");
	keys_wipe(&r);
	ok(keys_save(&r) == 0, "keys_save, no keys");
	as_jansson_wrote("keys.json");

	ok(state_lock() == 0, "the state lock (rx.json is a writer's)");
	for (int i = 0; i < 3; i++) {
		struct xsa *s = plan_push_sa(&p);

		s->src = htonl(0x0a000002 + (uint32_t)i);
		s->spi = 3;
		s->mark = i ? 0xd00u | (uint32_t)i << 16 : 0;
		s->add_time = 1764600000u + (uint64_t)i;
		s->packets = 1000u * (uint64_t)i;
		s->replay_errors = (uint32_t)i;
		s->integrity_errors = 7;
	}
	{
		struct xsa *s = plan_push_sa(&p); /* an IPv6 IN SA: the same peer, spi and add time */

		*s = p.sas[1];
		s->family = AF_INET6;
		inet_pton(AF_INET6, "fd00::2", s->src6);
		s->replay_errors = 2;
	}
	{
		struct xsa *s = plan_push_sa(&p); /* the first IN SA again, later: its base stays the first */

		*s = p.sas[1];
		s->replay_errors = 100;
	}
	rxbase_save(&p);
	as_jansson_wrote("rx.json");
	{
		struct rxbase rx;

		rxbase_load(&rx);
		is_int((int)rx.n, 4, "rx.json: the IN SAs of both families read back");
		p.sas[1].replay_errors += 5;
		p.sas[3].replay_errors += 1;
		ok(rxbase_refused_since(&rx, &p.sas[1]) == 5 && rxbase_refused_since(&rx, &p.sas[3]) == 1,
		   "  each family's IN SA against its own base (IPv4 5 refused since, IPv6 1; an SA twice: its first)");
		p.sas[2].add_time++;
		is_int((int)rxbase_refused_since(&rx, &p.sas[2]), 9, "  an SA instance not in the base: all it counts");
		rxbase_free(&rx);
	}
	plan_free(&p);

	for (int i = 0; i < 2; i++) {
		struct peer *x = peers_add(&ps);

		snprintf(x->name, sizeof(x->name), "n%d", i);
		x->id = (uint16_t)(i + 1);
		x->node_ip = htonl(0x0a000002 + (uint32_t)i);
		x->n_cidrs = 1 + i;
		x->cidrs[0] = (struct cidr){ htonl(0x0a010000), 24 };
		x->cidrs[1] = (struct cidr){ htonl(0x0a020000), 16 };
		x->epoch = i ? 0xfedcba9876543210ULL : 0;
		x->out_spi = i ? 3 : 0;
		x->adv_spi = i ? 4 : 0;
	}
	ok(peers_save(&ps) == 0, "peers_save");
	snprintf(path, sizeof(path), "%s/peers.json", dir);
	if ((f = fopen(path, "r"))) {
		text[fread(text, 1, sizeof(text) - 1, f)] = '\0';
		fclose(f);
	}
	is_str(text,
	       "{\"peers\": [\n{\"cidrs\": [\"10.1.0.0/24\"], \"id\": 1, \"name\": \"n0\", \"node_ip\": \"10.0.0.2\"},\n"
	       "{\"cidrs\": [\"10.1.0.0/24\", \"10.2.0.0/16\"], \"epoch\": \"fedcba9876543210\", \"id\": 2, "
	       "\"name\": \"n1\", \"node_ip\": \"10.0.0.3\", \"out_spi\": 3, \"spi\": 4}\n]}\n",
	       "peers.json: one peer a line, keys sorted, as the fast reader reads it");
	peers_free(&ps);
	ok(peers_save(&ps) == 0, "peers_save, no peers");
	if ((f = fopen(path, "r"))) {
		text[fread(text, 1, sizeof(text) - 1, f)] = '\0';
		fclose(f);
	}
	is_str(text, "{\"peers\": []}\n", "peers.json, no peers");
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	g.state_dir = dir;
	test_layouts();
	test_sink();
	test_error_line();
	test_state_files();
	{
		char cmd[600];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd))
			return 1;
	}
	return done_testing();
}
