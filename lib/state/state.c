// SPDX-License-Identifier: GPL-2.0
/* state.c: state directory and writer lock (see state.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "env.h"
#include "state.h"
#include "tenc.h"

static int lock_fd = -1;
/* The journal: <state dir>/changing exists from a writer's first kernel
 * change until it ends with the kernel and the state files in agreement. */
static enum { J_NONE, J_OPEN, J_KEEP } journal;
static bool journal_found;
static unsigned journal_errors;	/* g.errors when the journal was opened */

static int mkdir_p(const char *path, mode_t mode)
{
	char tmp[4096];

	if (snprintf(tmp, sizeof(tmp), "%s", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, mode) && errno != EEXIST)
		return -errno;
	return 0;
}

int state_dir_ensure(void)
{
	int r = mkdir_p(g.state_dir, 0700);

	if (r)
		return tenc_errno(TENC_FAIL, -r, "state dir", "%s", g.state_dir);
	return 0;
}

char *state_path(char *buf, size_t n, const char *name)
{
	snprintf(buf, n, "%s/%s", g.state_dir, name);
	return buf;
}

static long read_holder(int fd)
{
	char buf[32] = "";
	ssize_t r = pread(fd, buf, sizeof(buf) - 1, 0);

	return r > 0 ? strtol(buf, NULL, 10) : 0;
}

int state_lock(void)
{
	char path[4096];
	struct timespec start, now;
	int fd;

	if (lock_fd >= 0)
		return 0;
	fd = open(state_path(path, sizeof(path), "lock"), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return tenc_errno(TENC_FAIL, errno, "lock", "%s", path);
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (flock(fd, LOCK_EX | LOCK_NB)) {
		if (errno != EWOULDBLOCK) {
			close(fd);
			return tenc_errno(TENC_FAIL, errno, "lock", "%s", path);
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec >= g.wait_s) {
			long pid = read_holder(fd);

			close(fd);
			return tenc_err(TENC_FAIL, "lock",
					"state dir %s is locked by pid %ld (waited %d s; see --wait)",
					g.state_dir, pid, g.wait_s);
		}
		usleep(50 * 1000);
	}
	if (ftruncate(fd, 0) == 0) {
		char pid[32];
		int len = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());

		if (pwrite(fd, pid, (size_t)len, 0) != len)
			tenc_info(1, "lock: could not record pid");
	}
	lock_fd = fd;
	return 0;
}

void state_unlock(void)
{
	if (lock_fd < 0)
		return;
	if (ftruncate(lock_fd, 0))
		tenc_info(1, "lock: could not clear pid");
	close(lock_fd); /* releases the flock */
	lock_fd = -1;
}

int writer_begin(void)
{
	char path[4096];
	int r;

	r = env_check_caps();
	if (r)
		return r;
	r = state_dir_ensure();
	if (r)
		return r;
	if ((r = state_lock()))
		return r;
	journal = J_NONE;
	journal_found = access(state_path(path, sizeof(path), "changing"), F_OK) == 0;
	return 0;
}

void writer_end(void)
{
	char path[4096];

	/* Gone only when nothing failed since it was opened (or since a
	 * rollback restored everything): then the kernel and the state files
	 * agree. */
	if (journal == J_OPEN && g.errors == journal_errors &&
	    unlink(state_path(path, sizeof(path), "changing")) && errno != ENOENT)
		tenc_info(1, "journal: %s: %s", path, strerror(errno));
	journal = J_NONE;
	state_unlock();
}

bool state_locked(void)
{
	return lock_fd >= 0;
}

void state_journal_open(void)
{
	char path[4096], text[64];
	int fd, len;

	if (journal != J_NONE || lock_fd < 0)
		return; /* open already, or not a writer (a test tool) */
	journal = J_OPEN;
	journal_errors = g.errors;
	if (journal_found)
		return; /* the file is there: it stays until this writer ends well */
	fd = open(state_path(path, sizeof(path), "changing"), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	len = snprintf(text, sizeof(text), "%ld\n", (long)getpid());
	if (fd < 0 || write(fd, text, (size_t)len) != len || fsync(fd))
		tenc_info(0, "journal: %s: %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
}

void state_journal_restored(void)
{
	if (journal == J_OPEN)
		journal_errors = g.errors;
}

void state_journal_keep(void)
{
	if (journal != J_NONE)
		journal = J_KEEP;
}

bool state_journal_found(void)
{
	return journal_found;
}

void state_journal_recovered(void)
{
	journal_found = false;
	if (journal == J_NONE) {
		journal = J_OPEN; /* the file goes at writer_end */
		journal_errors = g.errors;
	}
}
