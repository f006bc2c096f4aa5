// SPDX-License-Identifier: GPL-2.0
/* test_store.c: lib/store.c's peers.json: what peers_save writes loads
 * back the same; any document loads exactly as jansson reads it (the fast
 * path hands every form it does not know to jansson); the name index. */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <jansson.h>
#include "store.h"
#include "tap.h"
#include "tenc.h"

static char dir[] = "/tmp/tenc-test-store.XXXXXX";
static char path[256];

static void put_file(const char *text)
{
	FILE *f = fopen(path, "w");

	fputs(text, f);
	fclose(f);
}

/* The reference: peers_load as it was, on jansson alone. */
static int ref_load(struct peers *p)
{
	json_error_t je;
	json_t *j = json_load_file(path, 0, &je), *a, *v;
	char err[128];
	size_t i;

	memset(p, 0, sizeof(*p));
	if (!j)
		return -1;
	a = json_object_get(j, "peers");
	json_array_foreach(a, i, v) {
		struct peer *x = peers_add(p);
		const char *s = json_string_value(json_object_get(v, "name"));
		json_t *c, *e;
		size_t k;

		snprintf(x->name, sizeof(x->name), "%s", s ? s : "");
		x->id = (uint16_t)json_integer_value(json_object_get(v, "id"));
		parse_ipv4(json_string_value(json_object_get(v, "node_ip")), &x->node_ip, err, sizeof(err));
		c = json_object_get(v, "cidrs");
		json_array_foreach(c, k, e) {
			if (x->n_cidrs < MAX_PEER_CIDRS &&
			    !parse_cidr(json_string_value(e), &x->cidrs[x->n_cidrs], err, sizeof(err)))
				x->n_cidrs++;
		}
		x->adv_spi = (int)json_integer_value(json_object_get(v, "spi"));
		x->out_spi = (int)json_integer_value(json_object_get(v, "out_spi"));
	}
	json_decref(j);
	return 0;
}

static bool same_peers(const struct peers *a, const struct peers *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++) {
		const struct peer *x = &a->v[i], *y = &b->v[i];

		if (strcmp(x->name, y->name) || x->id != y->id || x->node_ip != y->node_ip ||
		    x->n_cidrs != y->n_cidrs || x->adv_spi != y->adv_spi || x->out_spi != y->out_spi)
			return false;
		for (int k = 0; k < x->n_cidrs; k++)
			if (x->cidrs[k].addr != y->cidrs[k].addr || x->cidrs[k].len != y->cidrs[k].len)
				return false;
	}
	return true;
}

static const char *const docs[] = {
	"{\"peers\": []}",
	"{}",
	"[]",
	"{\"peers\": {}}",
	"  {\"peers\":[{\"name\":\"a\",\"id\":1,\"node_ip\":\"10.0.0.2\",\"cidrs\":[\"10.1.0.0/24\"]}]}\n\n",
	"{\"peers\": [{\"id\": 7, \"cidrs\": [\"10.1.0.0/24\", \"10.2.0.0/16\"], \"spi\": 3, "
	"\"out_spi\": 2, \"node_ip\": \"192.0.2.1\", \"name\": \"n-1.x_y\"}]}",
	/* Missing and mistyped fields read as zero. */
	"{\"peers\": [{}, {\"name\": 5, \"id\": \"7\", \"node_ip\": null, \"cidrs\": \"x\"}]}",
	/* Bad cidrs are skipped; more than 16 are dropped. */
	"{\"peers\": [{\"name\": \"b\", \"cidrs\": [\"10.1.0.1/24\", \"nope\", \"10.3.0.0/24\", 7]}]}",
	"{\"peers\": [{\"name\": \"c\", \"cidrs\": [\"1.0.0.0/8\", \"2.0.0.0/8\", \"3.0.0.0/8\", "
	"\"4.0.0.0/8\", \"5.0.0.0/8\", \"6.0.0.0/8\", \"7.0.0.0/8\", \"8.0.0.0/8\", \"9.0.0.0/8\", "
	"\"10.0.0.0/8\", \"11.0.0.0/8\", \"12.0.0.0/8\", \"13.0.0.0/8\", \"14.0.0.0/8\", "
	"\"15.0.0.0/8\", \"16.0.0.0/8\", \"17.0.0.0/8\"]}]}",
	/* Escapes, non-ASCII, long names: jansson's reading. */
	"{\"peers\": [{\"name\": \"a\\\"b\\\\c\\u0041\", \"id\": 2}]}",
	"{\"peers\": [{\"name\": \"h\xc3\xa9\", \"id\": 2}]}",
	"{\"peers\": [{\"name\": \"0123456789012345678901234567890123456789012345678901234567890123456789\"}]}",
	/* Numbers: reals read as 0, ids wrap as uint16, negatives. */
	"{\"peers\": [{\"name\": \"d\", \"id\": 1.0, \"spi\": 1e1}, {\"name\": \"e\", \"id\": 65537, \"spi\": -3}]}",
	"{\"peers\": [{\"name\": \"f\", \"id\": 123456789012345678901}]}",
	/* Repeated keys: the last one wins. Unknown keys are ignored. */
	"{\"peers\": [{\"name\": \"g\", \"name\": \"h\", \"id\": 1, \"id\": 2}], \"peers\": []}",
	"{\"peers\": [{\"name\": \"i\", \"extra\": {\"x\": [1, 2, {\"y\": null}]}, \"id\": 3}], \"v\": 2}",
	"{\"v\": 2, \"peers\": [{\"name\": \"j\", \"id\": 4}]}",
	/* Syntax errors: both refuse. */
	"{\"peers\": [{\"name\": \"k\", \"id\": 01}]}",
	"{\"peers\": [{\"name\": \"k\"},]}",
	"{\"peers\": [{\"name\": \"k\"}]} x",
	"{\"peers\": [{\"name\": \"k\tl\"}]}",
	"",
};

int main(void)
{
	struct peers p = { 0 }, q = { 0 };
	struct peer_index ix;
	struct stat st;
	char name[64];
	json_t *j;
	int r;

	if (!mkdtemp(dir))
		return 1;
	g.state_dir = dir;
	snprintf(path, sizeof(path), "%s/peers.json", dir);

	r = peers_load(&p);
	ok(r == 0 && p.n == 0, "no peers.json: no peers");

	/* Round trip, with every field and a name that needs escaping. */
	for (int i = 0; i < 300; i++) {
		struct peer *x = peers_add(&p);

		snprintf(x->name, sizeof(x->name), "p%d", i);
		x->id = (uint16_t)(i + 1);
		x->node_ip = htonl(0x0a000002u + (uint32_t)i);
		x->n_cidrs = 1 + i % 3;
		for (int k = 0; k < x->n_cidrs; k++)
			x->cidrs[k] = (struct cidr){ htonl(0x0a800000u + ((uint32_t)i << 8) + ((uint32_t)k << 26)),
						     (uint8_t)(24 + k) };
		x->adv_spi = i % 16;
		x->out_spi = i % 5;
	}
	snprintf(p.v[7].name, sizeof(p.v[7].name), "q\"u\\o\te\x01");
	ok(peers_save(&p) == 0, "peers_save");
	ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "peers.json is mode 0600");
	ok(peers_load(&q) == 0 && same_peers(&p, &q), "what peers_save writes loads back the same");
	peers_free(&q);
	ok(ref_load(&q) == 0 && same_peers(&p, &q), "and jansson reads it the same");
	peers_free(&q);
	snprintf(p.v[7].name, sizeof(p.v[7].name), "p7");
	ok(peers_save(&p) == 0 && peers_load(&q) == 0 && same_peers(&p, &q), "fast path round trip");
	peers_free(&q);

	/* The format before: jansson, indented, sorted keys. */
	j = json_load_file(path, 0, NULL);
	ok(j && json_dump_file(j, path, JSON_INDENT(2) | JSON_SORT_KEYS) == 0, "rewritten as before");
	json_decref(j);
	ok(peers_load(&q) == 0 && same_peers(&p, &q), "the old indented file loads the same");
	peers_free(&q);
	peers_free(&p);
	ok(peers_save(&p) == 0 && peers_load(&q) == 0 && q.n == 0, "an empty set round trips");

	for (size_t d = 0; d < ARRAY_SIZE(docs); d++) {
		put_file(docs[d]);
		r = ref_load(&p);
		if (r) {
			ok(peers_load(&q) != 0, "doc %zu: refused, as jansson does", d);
		} else {
			ok(peers_load(&q) == 0 && same_peers(&p, &q), "doc %zu: loads as jansson reads it (%zu peers)",
			   d, p.n);
		}
		peers_free(&p);
		peers_free(&q);
	}

	/* The name index. */
	for (int i = 0; i < 1000; i++)
		snprintf(peers_add(&p)->name, sizeof(name), "n%d", i % 700);
	ok(peer_index_init(&ix, &p) == 0, "index 1000 peers");
	ok(peer_index_find(&ix, "n5") == &p.v[5], "finds the first of a repeated name");
	ok(peer_index_find(&ix, "n699") == &p.v[699], "finds the last name");
	ok(peer_index_find(&ix, "n700") == NULL && peer_index_find(&ix, "") == NULL, "not there: NULL");
	peer_index_free(&ix);
	peers_free(&p);
	ok(peer_index_init(&ix, &p) == 0 && peer_index_find(&ix, "x") == NULL, "empty index");
	for (int i = 0; i < 5000; i++) {
		snprintf(peers_add(&p)->name, sizeof(name), "m%d", i);
		if (peer_index_add(&ix, p.n - 1))
			break;
	}
	r = 0;
	for (int i = 0; i < 5000; i++) {
		snprintf(name, sizeof(name), "m%d", i);
		r += peer_index_find(&ix, name) == &p.v[i];
	}
	is_int(r, 5000, "grown one by one (the set moving meanwhile), every name found");
	peer_index_free(&ix);
	peers_free(&p);

	unlink(path);
	rmdir(dir);
	return done_testing();
}
