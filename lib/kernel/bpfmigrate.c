// SPDX-License-Identifier: GPL-2.0
/* bpfmigrate.c: a pinned map of another layout, replaced make-before-break
 * (see bpfmigrate.h and docs/design.md, "Upgrading tenc").
 * Owns: the "<name>_old" pins under the bpffs, nothing else. The maps
 * behind them stay alive while programs that use them are attached:
 * moving or unlinking a pin never touches a map in use. A bpffs cannot
 * rename (EPERM): a pin moves as pin-at-the-new-path, then unlink; and
 * it refuses names with a dot (EPERM), hence "_old". */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "bpfdp.h"
#include "bpfmigrate.h"
#include "tenc.h"

#define OLD_SUFFIX "_old"

static bool is_old_pin(const char *name)
{
	size_t n = strlen(name), s = strlen(OLD_SUFFIX);

	return n > s && strcmp(name + n - s, OLD_SUFFIX) == 0;
}

/* Move the pin at from to to (to must not exist). 0 or -EIO (reported). */
static int move_pin(const char *from, const char *to)
{
	int fd = bpf_obj_get(from), r = 0;

	if (fd < 0)
		return tenc_errno(TENC_FAIL, errno, "bpf", "%s", from), -EIO;
	if (bpf_obj_pin(fd, to))
		r = tenc_errno(TENC_FAIL, errno, "bpf", "pin %s", to);
	else if (unlink(from))
		r = tenc_errno(TENC_FAIL, errno, "bpf", "unpin %s", from);
	close(fd);
	return r ? -EIO : 0;
}

int bpfmig_aside(const char *path)
{
	char old[PATH_MAX];

	if ((size_t)snprintf(old, sizeof(old), "%s" OLD_SUFFIX, path) >= sizeof(old))
		return tenc_errno(TENC_FAIL, ENAMETOOLONG, "bpf", "%s", path), -ENAMETOOLONG;
	/* An _old pin still there is a migration before this one that did
	 * not finish: what is pinned at path superseded it. */
	if (unlink(old) && errno != ENOENT)
		return tenc_errno(TENC_FAIL, errno, "bpf", "unpin %s", old), -EIO;
	if (move_pin(path, old))
		return -EIO;
	tenc_info(0, "%s: pinned by a tenc of another layout; a new map is made and filled, "
		  "and the old one goes once the new programs are attached", path);
	return 0;
}

/* Call fn(bpffs, name without the suffix) for each _old pin. */
static int each_old(const char *bpffs, int (*fn)(const char *bpffs, const char *base))
{
	struct dirent *e;
	int r = 0, n = 0;
	DIR *d = opendir(bpffs);

	if (!d)
		return errno == ENOENT ? 0 : tenc_errno(TENC_FAIL, errno, "bpf", "%s", bpffs), -EIO;
	while ((e = readdir(d))) {
		char base[NAME_MAX + 1];

		if (!is_old_pin(e->d_name))
			continue;
		snprintf(base, sizeof(base), "%.*s", (int)(strlen(e->d_name) - strlen(OLD_SUFFIX)), e->d_name);
		if (fn && (r = fn(bpffs, base)))
			break;
		n++;
	}
	closedir(d);
	return r ? r : n;
}

bool bpfmig_pending(const char *bpffs)
{
	return each_old(bpffs, NULL) > 0;
}

/* out = bpffs/base followed by sfx; -ENAMETOOLONG (reported) if too long. */
static int pin_at(char *out, const char *bpffs, const char *base, const char *sfx)
{
	if ((size_t)snprintf(out, PATH_MAX, "%s/%s%s", bpffs, base, sfx) >= PATH_MAX)
		return tenc_errno(TENC_FAIL, ENAMETOOLONG, "bpf", "%s/%s", bpffs, base), -ENAMETOOLONG;
	return 0;
}

static int drop_one(const char *bpffs, const char *base)
{
	char path[PATH_MAX];

	if (pin_at(path, bpffs, base, OLD_SUFFIX))
		return -ENAMETOOLONG;
	if (unlink(path) && errno != ENOENT)
		return tenc_errno(TENC_FAIL, errno, "bpf", "unpin %s", path), -EIO;
	tenc_info(1, "unpinned %s: the attached programs use its successor", path);
	return 0;
}

int bpfmig_finish(const char *bpffs)
{
	int r = each_old(bpffs, drop_one);

	return r < 0 ? r : 0;
}

static int restore_one(const char *bpffs, const char *base)
{
	char path[PATH_MAX], old[PATH_MAX];

	if (pin_at(path, bpffs, base, "") || pin_at(old, bpffs, base, OLD_SUFFIX))
		return -ENAMETOOLONG;
	if (unlink(path) && errno != ENOENT)
		return tenc_errno(TENC_FAIL, errno, "bpf", "unpin %s", path), -EIO;
	return move_pin(old, path);
}

/* Pin again, at its own pin, the program that runs at hook on ifname. */
static int repin_attached(const char *bpffs, const char *ifname, enum bpfdp_hook hook)
{
	char path[PATH_MAX];
	uint32_t id = 0;
	int fd, r;

	if (!ifname || !ifname[0] || bpfdp_query(ifname, hook, &id, NULL, 0))
		return 0; /* nothing attached there: nothing to keep */
	fd = bpf_prog_get_fd_by_id(id);
	if (fd < 0)
		return tenc_errno(TENC_FAIL, errno, "bpf", "program %u on %s", id, ifname), -EIO;
	if (pin_at(path, bpffs, bpfdp_prog_pin(hook), "")) {
		close(fd);
		return -ENAMETOOLONG;
	}
	r = unlink(path) && errno != ENOENT ? -errno : bpf_obj_pin(fd, path) ? -errno : 0;
	close(fd);
	return r ? tenc_errno(TENC_FAIL, -r, "bpf", "pin %s", path), -EIO : 0;
}

int bpfmig_undo(const char *bpffs, const char *const ifs[HOOK__COUNT])
{
	int r = 0, n = each_old(bpffs, restore_one);

	if (n <= 0)
		return n;
	for (int h = 0; h < HOOK__COUNT; h++)
		r = r ?: repin_attached(bpffs, ifs[h], (enum bpfdp_hook)h);
	if (!r)
		tenc_info(0, "the maps and programs of the old layout are pinned again");
	return r;
}
