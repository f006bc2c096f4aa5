// SPDX-License-Identifier: GPL-2.0
/* peers_json.c: peers.json through jansson, and peers_load (see
 * peers_json.h and store.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "names.h"
#include "num.h"
#include "peers_json.h"
#include "state.h"
#include "statefile.h"
#include "tenc.h"

static int peer_from_json(json_t *v, struct peer *x, char *err, size_t n)
{
	const char *name = NULL, *epoch = NULL;
	long long id = 0, spi = 0, out = 0;

	if (!json_is_object(v))
		return snprintf(err, n, "not an object"), -1;
	if (sf_str(v, "name", true, &name, err, n))
		return -1;
	if (!peer_name_ok(name))
		return snprintf(err, n, "name: not " PEER_NAME_RULE), -1;
	snprintf(x->name, sizeof(x->name), "%s", name);
	if (sf_int(v, "id", true, 1, 65535, &id, err, n) || sf_ipv4(v, "node_ip", false, &x->node_ip, err, n) ||
	    sf_cidrs(v, "cidrs", 0, MAX_PEER_CIDRS, x->cidrs, &x->n_cidrs, err, n) ||
	    sf_ipv6_node(v, "node_ip6", x->node_ip6, err, n) ||
	    sf_cidrs6(v, "cidrs6", MAX_PEER_CIDRS, x->cidrs6, &x->n_cidrs6, err, n) ||
	    sf_int(v, "spi", false, 0, 15, &spi, err, n) || sf_int(v, "out_spi", false, 0, 15, &out, err, n) ||
	    sf_str(v, "epoch", false, &epoch, err, n))
		return -1;
	if (epoch && epoch_parse(epoch, &x->epoch))
		return snprintf(err, n, "epoch: not %d lowercase hex digits", EPOCH_TEXT_LEN), -1;
	x->id = (uint16_t)id;
	x->adv_spi = (int)spi;
	x->out_spi = (int)out;
	return peer_check_fields(x, err, n);
}

int peers_parse_json(const char *text, size_t len, struct peers *p, char *err, size_t n)
{
	json_t *j, *a, *v;
	json_error_t je;
	char why_[160];
	char why[256];
	size_t i;

	memset(p, 0, sizeof(*p));
	if (!(j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je)))
		return snprintf(err, n, "line %s", json_error_str(&je, false, why_, sizeof(why_))), -1;
	a = json_object_get(j, "peers");
	if (!json_is_object(j) || !json_is_array(a)) {
		json_decref(j);
		return snprintf(err, n, "expected {\"peers\": [...]}"), -1;
	}
	json_array_foreach(a, i, v) {
		struct peer *x = peers_add(p);

		if (!x || peer_from_json(v, x, why, sizeof(why))) {
			snprintf(err, n, "peer %zu: %s", i, x ? why : "out of memory");
			json_decref(j);
			peers_free(p);
			return -1;
		}
	}
	json_decref(j);
	return 0;
}

/* The file's text, mapped (no copy; writers replace the file by rename,
 * never in place, so what is mapped does not change under us). 0 with
 * *text (NULL for an empty file), -ENOENT, or another -errno. */
static int map_file(const char *path, void **text, size_t *len)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC), r = 0;

	*text = NULL;
	*len = 0;
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st))
		r = -errno;
	else if (!S_ISREG(st.st_mode) || st.st_size >= (1 << 30))
		r = -EINVAL;
	else if (st.st_size > 0 &&
		 (*text = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0)) == MAP_FAILED)
		r = -errno, *text = NULL;
	else
		*len = (size_t)st.st_size;
	close(fd);
	return r;
}

int peers_load(struct peers *p)
{
	char path[4096], err[512];
	size_t len, bad = 0;
	void *text;
	int r;

	memset(p, 0, sizeof(*p));
	r = map_file(state_path(path, sizeof(path), "peers.json"), &text, &len);
	if (r == -ENOENT)
		return 0;
	if (r)
		return tenc_errno(TENC_FAIL, -r, "peers.json", "reading %s", path);
	switch (text ? peers_parse_fast(text, len, p) : PF_OTHER) {
	case PF_OK:
		r = 0;
		break;
	case PF_NOMEM:
		r = (snprintf(err, sizeof(err), "out of memory"), -1);
		break;
	default:
		r = peers_parse_json(text ? text : "", len, p, err, sizeof(err));
	}
	if (text)
		munmap(text, len);
	if (!r && peers_check_set(p, &bad, err, sizeof(err))) {
		peers_free(p);
		return store_bad("peers.json", "%s: peer %zu: %s", path, bad, err);
	}
	if (r) {
		peers_free(p);
		return store_bad("peers.json", "%s: %s", path, err);
	}
	return 0;
}
