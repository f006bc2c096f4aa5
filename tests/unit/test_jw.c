// SPDX-License-Identifier: GPL-2.0
/* test_jw.c: the one JSON writer. Its three layouts, byte for byte; the
 * pretty and compact ones are what jansson's json_dumps writes for the
 * same document, escapes included (every control byte, quotes, UTF-8); a
 * sink gets the text in order through a buffer far smaller than it, and
 * the buffer is wiped; the unchecked plain writes equal the checked ones;
 * the {"error":...} line. */
#include <stdlib.h>
#include <jansson.h>
#include "jw.h"
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

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	g.state_dir = dir;
	test_layouts();
	test_sink();
	test_error_line();
	{
		char cmd[600];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd))
			return 1;
	}
	return done_testing();
}
