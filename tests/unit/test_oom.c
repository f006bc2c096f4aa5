// SPDX-License-Identifier: GPL-2.0
/* test_oom.c: out of memory while loading peers.json is an error, never a
 * half-filled set (issue 14, 11). Linked with -Wl,--wrap=realloc, so the
 * k-th realloc of libtenc's code fails on demand. */
#include <stdlib.h>
#include <unistd.h>
#include <arpa/inet.h>
#include "peers_json.h"
#include "store.h"
#include "tap.h"
#include "tenc.h"

void *__real_realloc(void *p, size_t n);
void *__wrap_realloc(void *p, size_t n);

static long calls, fail_at = -1;

void *__wrap_realloc(void *p, size_t n)
{
	if (calls++ == fail_at)
		return NULL;
	return __real_realloc(p, n);
}

int main(void)
{
	static char dir[] = "/tmp/tenc-test-oom.XXXXXX";
	struct peers p = { 0 }, q;
	char path[256], *text;
	size_t len;
	FILE *f;

	if (!mkdtemp(dir))
		return 1;
	g.state_dir = dir;
	for (int i = 0; i < 40; i++) {
		struct peer *x = peers_add(&p);

		snprintf(x->name, sizeof(x->name), "p%d", i);
		x->id = (uint16_t)(i + 1);
		x->node_ip = htonl(0x0a000002u + (uint32_t)i);
		x->n_cidrs = 1;
		x->cidrs[0] = (struct cidr){ htonl(0x0a800000u + ((uint32_t)i << 8)), 24 };
	}
	ok(peers_save(&p) == 0, "40 peers saved");
	snprintf(path, sizeof(path), "%s/peers.json", dir);
	f = fopen(path, "r");
	text = calloc(1, 1 << 16);
	len = fread(text, 1, (1 << 16) - 1, f);
	fclose(f);

	/* The fast reader: 16, 32, 64 slots, so the second grow fails. */
	fail_at = calls + 1;
	is_int(peers_parse_fast(text, len, &q), PF_NOMEM, "fast reader: out of memory is PF_NOMEM");
	ok(q.n == 0 && q.v == NULL, "and the set is left empty");
	fail_at = calls + 1;
	ok(peers_load(&q) == TENC_FAIL, "peers_load: out of memory is an error");
	ok(q.n == 0 && q.v == NULL, "not a half-filled set, nor jansson's on top of it");
	fail_at = -1;
	ok(peers_load(&q) == 0 && q.n == 40, "with memory: 40 peers");
	peers_free(&q);

	fail_at = calls + 1;
	ok(peers_parse_json(text, len, &q, path, sizeof(path)) == -1 && q.n == 0, "jansson reader: an error too");
	fail_at = -1;
	peers_free(&p);
	free(text);
	unlink(path);
	rmdir(dir);
	return done_testing();
}
