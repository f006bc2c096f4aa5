// SPDX-License-Identifier: GPL-2.0
/* fuzz_peers_json: the two readers of peers.json (lib/state/peers_json.h)
 * against each other, and the writer against both. Invariants:
 *  - peers_parse_fast PF_OK => peers_parse_json succeeds with exactly the
 *    same peers (every field, in order);
 *  - PF_OTHER (and PF_NOMEM) => the fast reader's set is left empty;
 *  - peers_parse_json error => a non-empty, terminated message, set empty;
 *  - jansson accepts => every peer passes peer_check_fields; and when the
 *    set passes peers_check_set: peers_save writes it, the fast reader
 *    takes what was written (PF_OK: peers_save writes the fast form), and
 *    peers_load gives the same set back (save then load = identity). */
#include "fuzz.h"
#include "peers.h"
#include "peers_json.h"
#include "store.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fuzz_init();
	fuzz_state_dir();
	return 0;
}

/* What peers_save wrote, read back whole (a malloc'ed copy; free it). */
static char *read_saved(size_t *len)
{
	char path[512], *b = NULL;
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/peers.json", g.state_dir);
	FUZZ_CHECK((f = fopen(path, "r")) != NULL, "peers_save returned 0 but wrote no %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	b = malloc((size_t)n + 1);
	if (!b || fread(b, 1, (size_t)n, f) != (size_t)n)
		abort();
	fclose(f);
	b[n] = '\0';
	*len = (size_t)n;
	return b;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct peers f, j, back, again;
	enum pf_result rf;
	char err[512], why[256];
	const char *d;
	size_t bad, len;
	int rj;

	rf = peers_parse_fast(text, size, &f);
	fuzz_err_fill(err, sizeof(err));
	rj = peers_parse_json(text, size, &j, err, sizeof(err));
	FUZZ_CHECK(rf == PF_OK || rf == PF_OTHER || rf == PF_NOMEM, "peers_parse_fast returned %d", rf);
	if (rf == PF_OK) {
		FUZZ_CHECK(rj == 0, "the fast reader takes it, jansson refuses: %s", err);
		FUZZ_CHECK(!(d = peers_diff(&f, &j, why, sizeof(why))), "the fast reader and jansson differ: %s", d);
	} else {
		FUZZ_CHECK(f.n == 0 && f.v == NULL, "PF_OTHER/PF_NOMEM, but the fast set is not empty (%zu)", f.n);
	}
	peers_free(&f);
	if (rj) {
		FUZZ_CHECK(rj == -1, "peers_parse_json returned %d", rj);
		FUZZ_CHECK_ERR(err, sizeof(err), "peers_parse_json");
		FUZZ_CHECK(j.n == 0 && j.v == NULL, "peers_parse_json failed, but the set is not empty");
		return 0;
	}
	for (size_t i = 0; i < j.n; i++) {
		fuzz_err_fill(why, sizeof(why));
		FUZZ_CHECK(peer_check_fields(&j.v[i], why, sizeof(why)) == 0,
			   "jansson accepted peer %zu, peer_check_fields refuses it: %s", i, why);
	}
	fuzz_err_fill(why, sizeof(why));
	if (peers_check_set(&j, &bad, why, sizeof(why))) {
		FUZZ_CHECK_ERR(why, sizeof(why), "peers_check_set");
		FUZZ_CHECK(bad < j.n, "peers_check_set: bad %zu of %zu", bad, j.n);
		peers_free(&j);
		return 0;
	}
	FUZZ_CHECK(peers_save(&j) == 0, "peers_save refused a set that passes every check");
	{
		char *saved = read_saved(&len);

		rf = peers_parse_fast(saved, len, &again);
		FUZZ_CHECK(rf == PF_OK, "the fast reader does not take what peers_save wrote (%d): %.300s", rf, saved);
		FUZZ_CHECK(!(d = peers_diff(&j, &again, why, sizeof(why))), "the saved text reads back different: %s", d);
		peers_free(&again);
		free(saved);
	}
	FUZZ_CHECK(peers_load(&back) == 0, "peers_load refused what peers_save wrote");
	FUZZ_CHECK(!(d = peers_diff(&j, &back, why, sizeof(why))), "save then load is not the identity: %s", d);
	peers_free(&back);
	peers_free(&j);
	return 0;
}
