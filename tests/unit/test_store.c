// SPDX-License-Identifier: GPL-2.0
/* test_store.c: peers.json: what peers_save writes loads back the same;
 * a document that breaks the form is refused with the file and the field
 * named, on both readers; the fast reader and jansson agree on every
 * document the fast one takes; the name index. */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <jansson.h>
#include "peers_json.h"
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
		if (memcmp(x->node_ip6, y->node_ip6, 16) || x->n_cidrs6 != y->n_cidrs6)
			return false;
		for (int k = 0; k < x->n_cidrs6; k++)
			if (cidr6_cmp(&x->cidrs6[k], &y->cidrs6[k]))
				return false;
	}
	return true;
}

/* A well-formed peer, to build documents from. */
#define P(extra) "{\"name\": \"a\", \"id\": 1, \"node_ip\": \"10.0.0.2\", \"cidrs\": [\"10.1.0.0/24\"]" extra "}"
#define DOC(...) "{\"peers\": [" __VA_ARGS__ "]}"

/* Each document: how many peers it loads as, or -1 with the text the
 * error must hold. The fast reader and jansson must agree on each. */
static const struct {
	const char *doc;
	int n;
	const char *err;
} docs[] = {
	{ "{\"peers\": []}", 0, NULL },
	{ "  {\"peers\":[{\"name\":\"a\",\"id\":1,\"node_ip\":\"10.0.0.2\",\"cidrs\":[\"10.1.0.0/24\"]}]}\n\n", 1, NULL },
	{ "{\"peers\": [{\"id\": 7, \"cidrs\": [\"10.1.0.0/24\", \"10.2.0.0/16\"], \"spi\": 3, "
	  "\"out_spi\": 2, \"node_ip\": \"192.0.2.1\", \"name\": \"n-1.x_y\"}]}", 1, NULL },
	/* Escapes that jansson decodes to a valid name; unknown keys. */
	{ DOC("{\"name\": \"\\u0061\", \"id\": 1, \"node_ip\": \"10.0.0.2\", \"cidrs\": [\"10.1.0.0/24\"]}"), 1, NULL },
	{ DOC(P(", \"extra\": {\"x\": [1, 2, {\"y\": null}]}")), 1, NULL },
	{ "{\"v\": 2, \"peers\": [" P() "]}", 1, NULL },
	/* Not the form. */
	{ "{}", -1, "expected {\"peers\"" },
	{ "[]", -1, "expected {\"peers\"" },
	{ "{\"peers\": {}}", -1, "expected {\"peers\"" },
	/* Missing and mistyped fields are errors, naming the field. */
	{ DOC("{}"), -1, "peer 0: name: missing" },
	{ DOC("{\"name\": 5, \"id\": 1, \"node_ip\": \"10.0.0.2\", \"cidrs\": [\"10.1.0.0/24\"]}"), -1, "name: not a string" },
	{ DOC("{\"name\": \"a\", \"id\": \"7\", \"node_ip\": \"10.0.0.2\", \"cidrs\": [\"10.1.0.0/24\"]}"), -1, "id: not an integer" },
	{ DOC("{\"name\": \"a\", \"id\": 1, \"node_ip\": null, \"cidrs\": [\"10.1.0.0/24\"]}"), -1, "node_ip: not a string" },
	{ DOC("{\"name\": \"a\", \"id\": 1, \"node_ip\": \"10.0.0.2\", \"cidrs\": \"x\"}"), -1, "cidrs: not an array" },
	{ DOC("{\"name\": \"a\", \"id\": 1, \"node_ip\": \"10.0.0.2\", \"cidrs\": []}"), -1, "cidrs: required (one of either family" },
	{ DOC("{\"name\": \"a\", \"id\": 1, \"cidrs\": [\"10.1.0.0/24\"], \"node_ip6\": \"fd00::2\"}"), -1,
	  "cidrs: IPv4 pod cidrs need an IPv4 node ip" },
	{ DOC("{\"name\": \"a\", \"id\": 1, \"cidrs\": [\"10.1.0.0/24\"]}"), -1, "node_ip: required (one of either family" },
	/* An IPv6-only peer: no node_ip, no IPv4 cidr. */
	{ DOC("{\"name\": \"a\", \"id\": 1, \"cidrs\": [], \"node_ip6\": \"fd00::2\", \"cidrs6\": [\"fd01:2::/64\"]}"), 1, NULL },
	{ DOC(P(", \"spi\": 16")), -1, "spi: 16 is out of range" },
	{ DOC(P(", \"out_spi\": -1")), -1, "out_spi: -1 is out of range" },
	{ DOC(P(", \"spi\": 1e1")), -1, "spi: not an integer" },
	/* Issue 14, 2: an address the fast reader used to take half of. */
	{ DOC("{\"name\": \"a\", \"id\": 1, \"node_ip\": \"1.0.0.3`\", \"cidrs\": [\"10.1.0.0/24\"]}"), -1, "node_ip: '1.0.0.3`'" },
	{ DOC("{\"name\": \"a\", \"id\": 1, \"node_ip\": \"10.0.0.2/32\", \"cidrs\": [\"10.1.0.0/24\"]}"), -1, "node_ip:" },
	{ DOC("{\"name\": \"a\", \"id\": 1, \"node_ip\": \"10.0.0.2 \", \"cidrs\": [\"10.1.0.0/24\"]}"), -1, "node_ip:" },
	{ DOC("{\"name\": \"a\", \"id\": 1, \"node_ip\": \"010.0.0.2\", \"cidrs\": [\"10.1.0.0/24\"]}"), -1, "node_ip:" },
	{ "{\"peers\":[{\"node_ip\":\"1.0.0.3`\"}]}", -1, "peer 0: name: missing" },
	{ DOC("{\"name\": \"b\", \"id\": 1, \"node_ip\": \"10.0.0.2\", \"cidrs\": [\"10.1.0.1/24\"]}"), -1, "cidrs[0]: '10.1.0.1/24': host bits set" },
	{ DOC("{\"name\": \"b\", \"id\": 1, \"node_ip\": \"10.0.0.2\", \"cidrs\": [\"10.1.0.0/24\", \"nope\"]}"), -1, "cidrs[1]:" },
	{ DOC("{\"name\": \"b\", \"id\": 1, \"node_ip\": \"10.0.0.2\", \"cidrs\": [\"10.1.0.0/+24\"]}"), -1, "cidrs[0]:" },
	{ DOC("{\"name\": \"c\", \"id\": 1, \"node_ip\": \"10.0.0.2\", \"cidrs\": [\"1.0.0.0/8\", \"2.0.0.0/8\", \"3.0.0.0/8\", "
	  "\"4.0.0.0/8\", \"5.0.0.0/8\", \"6.0.0.0/8\", \"7.0.0.0/8\", \"8.0.0.0/8\", \"9.0.0.0/8\", "
	  "\"10.0.0.0/8\", \"11.0.0.0/8\", \"12.0.0.0/8\", \"13.0.0.0/8\", \"14.0.0.0/8\", "
	  "\"15.0.0.0/8\", \"16.0.0.0/8\", \"17.0.0.0/8\"]}"), -1, "cidrs: 17 entries" },
	/* Names: escapes to something invalid, non-ASCII, too long. */
	{ DOC("{\"name\": \"a\\\"b\", \"id\": 2, \"node_ip\": \"10.0.0.2\", \"cidrs\": [\"10.1.0.0/24\"]}"), -1, "name: not 1..253" },
	{ DOC("{\"name\": \"h\xc3\xa9\", \"id\": 2, \"node_ip\": \"10.0.0.2\", \"cidrs\": [\"10.1.0.0/24\"]}"), -1, "name: not 1..253" },
	{ DOC("{\"name\": \"a\\u0000b\", \"id\": 2, \"node_ip\": \"10.0.0.2\", \"cidrs\": [\"10.1.0.0/24\"]}"), -1, "is not allowed" },
	/* Numbers: out of range ids are errors, not wrapped. */
	{ DOC("{\"name\": \"e\", \"id\": 65537, \"node_ip\": \"10.0.0.2\", \"cidrs\": [\"10.1.0.0/24\"]}"), -1, "id: 65537 is out of range" },
	{ DOC("{\"name\": \"e\", \"id\": 0, \"node_ip\": \"10.0.0.2\", \"cidrs\": [\"10.1.0.0/24\"]}"), -1, "id: 0 is out of range" },
	{ DOC("{\"name\": \"f\", \"id\": 123456789012345678901}"), -1, "too big integer" },
	/* Repeated keys, names, ids: errors. */
	{ DOC("{\"name\": \"g\", \"name\": \"h\", \"id\": 1, \"node_ip\": \"10.0.0.2\", \"cidrs\": [\"10.1.0.0/24\"]}"), -1, "duplicate object key" },
	{ DOC(P() ", " P()), -1, "peer 1: name: 'a' is also peer 0's" },
	{ DOC(P() ", {\"name\": \"b\", \"id\": 1, \"node_ip\": \"10.0.0.3\", \"cidrs\": [\"10.2.0.0/24\"]}"), -1, "peer 1: id: 1 is also peer 0's" },
	/* Syntax errors. */
	{ DOC("{\"name\": \"k\", \"id\": 01}"), -1, "invalid token" },
	{ DOC(P() ","), -1, "unexpected token" },
	{ DOC(P()) " x", -1, "end of file expected" },
	{ DOC("{\"name\": \"k\tl\"}"), -1, "control character" },
	{ "", -1, "expected near end of file" },
	/* The IPv6 half (issue 13): optional, both readers. */
	{ DOC(P(", \"node_ip6\": \"fd00::2\", \"cidrs6\": [\"fd01:2::/64\", \"2001:db8::/32\"]")), 1, NULL },
	{ DOC(P(", \"cidrs6\": []")), 1, NULL },
	{ DOC(P(", \"node_ip6\": \"FD00:0::2\"")), 1, NULL },
	{ DOC(P(", \"node_ip6\": \"fe80::2\"")), -1, "peer 0: node_ip6: " },
	{ DOC(P(", \"node_ip6\": \"10.0.0.2\"")), -1, "peer 0: node_ip6: " },
	{ DOC(P(", \"cidrs6\": [\"fd01:2::1/64\"]")), -1, "peer 0: cidrs6[0]: " },
	{ DOC(P(", \"cidrs6\": [\"fd01:2::/129\"]")), -1, "peer 0: cidrs6[0]: " },
	{ DOC(P(", \"cidrs6\": [\"10.2.0.0/16\"]")), -1, "peer 0: cidrs6[0]: " },
	{ DOC(P(", \"cidrs6\": \"fd01:2::/64\"")), -1, "peer 0: cidrs6: not an array" },
	{ DOC(P(", \"node_ip6\": \"fd00::2\", \"node_ip6\": \"fd00::3\"")), -1, "duplicate object key" },
};

/* The two readers agree: what the fast one takes, jansson takes the same. */
static void differential(const char *text, size_t len, const char *what)
{
	struct peers f, j;
	char err[256];
	enum pf_result r = peers_parse_fast(text, len, &f);
	int rj = peers_parse_json(text, len, &j, err, sizeof(err));

	if (r == PF_OK)
		ok(rj == 0 && same_peers(&f, &j), "%s: the fast reader and jansson agree", what);
	else
		ok(f.n == 0 && f.v == NULL, "%s: handed to jansson, nothing kept", what);
	peers_free(&f);
	peers_free(&j);
}

static char *slurp(size_t *len)
{
	FILE *f = fopen(path, "r");
	char *b = calloc(1, 1 << 20);

	*len = f ? fread(b, 1, (1 << 20) - 1, f) : 0;
	if (f)
		fclose(f);
	return b;
}

int main(void)
{
	struct peers p = { 0 }, q = { 0 };
	struct peer_index ix;
	struct stat st;
	char name[PEER_NAME_MAX + 1];
	json_t *j;
	int r;

	if (!mkdtemp(dir))
		return 1;
	g.state_dir = dir;
	snprintf(path, sizeof(path), "%s/peers.json", dir);

	r = peers_load(&p);
	ok(r == 0 && p.n == 0, "no peers.json: no peers");

	/* Round trip, with every field. */
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
		if (i % 3) { /* the IPv6 half, on two in three */
			x->node_ip6[0] = 0xfd;
			x->node_ip6[14] = (uint8_t)(i >> 8);
			x->node_ip6[15] = (uint8_t)i;
			x->n_cidrs6 = i % 3;
			for (int k = 0; k < x->n_cidrs6; k++) {
				x->cidrs6[k] = (struct cidr6){ { 0xfd, 0x01, (uint8_t)(i >> 8), (uint8_t)i, 0, (uint8_t)k }, 64 };
			}
		}
	}
	/* Issue 14, 3: names of up to 253 bytes, whole; two that share their
	 * first 63 bytes stay two peers. */
	memset(p.v[7].name, 'a', 253);
	p.v[7].name[253] = '\0';
	memset(p.v[8].name, 'a', 252);
	memcpy(p.v[8].name + 252, "b", 2);
	ok(peers_save(&p) == 0, "peers_save");
	ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "peers.json is mode 0600");
	ok(peers_load(&q) == 0 && same_peers(&p, &q), "what peers_save writes loads back the same");
	is_int(strlen(q.v[7].name), 253, "a 253-byte name loads whole");
	ok(strcmp(q.v[7].name, q.v[8].name) != 0, "two long names with a common prefix stay two");
	peers_free(&q);
	{
		size_t len;
		char *text = slurp(&len);
		char err[256];

		ok(peers_parse_fast(text, len, &q) == PF_OK, "the fast reader takes what peers_save writes");
		peers_free(&q);
		ok(peers_parse_json(text, len, &q, err, sizeof(err)) == 0 && same_peers(&p, &q),
		   "and jansson reads it the same");
		peers_free(&q);
		free(text);
	}

	/* The writer refuses what the loader would refuse, and writes nothing. */
	snprintf(p.v[9].name, sizeof(p.v[9].name), "q\"u\\o\te\x01");
	ok(peers_save(&p) != 0, "peers_save refuses an invalid name");
	ok(peers_load(&q) == 0 && q.n == 300 && strcmp(q.v[9].name, "p9") == 0, "the file is unchanged");
	peers_free(&q);
	snprintf(p.v[9].name, sizeof(p.v[9].name), "p7");
	memcpy(p.v[7].name, "p7", 3);
	ok(peers_save(&p) != 0, "peers_save refuses a repeated name");
	snprintf(p.v[9].name, sizeof(p.v[9].name), "p9");
	p.v[9].id = p.v[10].id;
	ok(peers_save(&p) != 0, "peers_save refuses a repeated id");
	p.v[9].id = 10;
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
		char err[512] = "", what[32];
		FILE *saved = stderr, *mem = fmemopen(err, sizeof(err) - 1, "w");

		snprintf(what, sizeof(what), "doc %zu", d);
		put_file(docs[d].doc);
		stderr = mem;
		r = peers_load(&q);
		stderr = saved;
		fclose(mem);
		err[strcspn(err, "\n")] = '\0';
		if (docs[d].n >= 0)
			ok(r == 0 && q.n == (size_t)docs[d].n, "%s: loads, %d peers %s", what, docs[d].n, err);
		else
			ok(r != 0 && q.n == 0 && strstr(err, docs[d].err) && strstr(err, "peers.json"),
			   "%s: refused, naming the file and '%s': %s", what, docs[d].err, err);
		peers_free(&q);
		differential(docs[d].doc, strlen(docs[d].doc), what);
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
