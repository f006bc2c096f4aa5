// SPDX-License-Identifier: GPL-2.0
/* env.c: capability check and the state dir's bpffs (see env.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/magic.h>
#include "env.h"
#include "tenc.h"

#ifndef CAP_BPF
#define CAP_BPF 39
#endif

static bool cap_effective(const struct __user_cap_data_struct d[2], int cap)
{
	return d[cap / 32].effective & (1u << (cap % 32));
}

int env_check_caps(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2] = { 0 };
	char missing[128] = "";

	if (syscall(SYS_capget, &h, d))
		return tenc_errno(TENC_FAIL, errno, "privileges", "capget");
	if (!cap_effective(d, CAP_NET_ADMIN))
		strcat(missing, "CAP_NET_ADMIN");
	if (!cap_effective(d, CAP_BPF) && !cap_effective(d, CAP_SYS_ADMIN))
		strcat(strcat(missing, missing[0] ? ", " : ""), "CAP_BPF or CAP_SYS_ADMIN");
	if (missing[0])
		return tenc_err(TENC_FAIL, "privileges", "missing %s (run as root)", missing);
	return 0;
}

bool env_is_bpffs(const char *path)
{
	struct statfs s;

	return statfs(path, &s) == 0 && s.f_type == BPF_FS_MAGIC;
}

/* Absolute <state_dir>/bpf, as PID 1's mount namespace names it. */
static int bpffs_abs(char *out, size_t n)
{
	char real[PATH_MAX];

	if (!realpath(g.state_dir, real))
		return -errno;
	if ((size_t)snprintf(out, n, "%s/bpf", real) >= n)
		return -ENAMETOOLONG;
	return 0;
}

static bool same_mntns_as_init(void)
{
	struct stat a, b;

	if (stat("/proc/self/ns/mnt", &a) || stat("/proc/1/ns/mnt", &b))
		return true;
	return a.st_ino == b.st_ino && a.st_dev == b.st_dev;
}

/* Run fn(path) in PID 1's mount namespace, in a child process. */
static int in_init_mntns(int (*fn)(const char *), const char *path)
{
	pid_t pid;
	int st;

	if (same_mntns_as_init())
		return fn(path);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int fd = open("/proc/1/ns/mnt", O_RDONLY | O_CLOEXEC);

		if (fd < 0 || setns(fd, CLONE_NEWNS))
			_exit(EPERM);
		_exit(-fn(path));
	}
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st))
		return -ECHILD;
	return -WEXITSTATUS(st);
}

static int do_mount(const char *path)
{
	if (mkdir(path, 0700) && errno != EEXIST)
		return -errno;
	if (env_is_bpffs(path))
		return 0;
	if (mount("bpf", path, "bpf", 0, "mode=0700"))
		return -errno;
	return 0;
}

static int do_umount(const char *path)
{
	if (env_is_bpffs(path) && umount2(path, MNT_DETACH))
		return -errno;
	rmdir(path);
	return 0;
}

static int find(const char *abs, char *out, size_t n)
{
	if (env_is_bpffs(abs)) {
		snprintf(out, n, "%s", abs);
		return 0;
	}
	if ((size_t)snprintf(out, n, "/proc/1/root%s", abs) < n && env_is_bpffs(out))
		return 0;
	return -1;
}

int env_bpffs(char *out, size_t n, bool create)
{
	char abs[PATH_MAX - 16];
	int r = bpffs_abs(abs, sizeof(abs));

	if (r)
		return create ? tenc_errno(TENC_FAIL, -r, "bpffs", "%s", g.state_dir) : -1;
	if (find(abs, out, n) == 0)
		return 0;
	if (!create)
		return -1;
	r = in_init_mntns(do_mount, abs);
	if (r)
		return tenc_errno(TENC_FAIL, -r, "bpffs", "mount %s", abs);
	if (find(abs, out, n))
		return tenc_err(TENC_FAIL, "bpffs", "mounted %s but cannot reach it", abs);
	tenc_info(1, "mounted bpffs at %s", abs);
	return 0;
}

int env_bpffs_release(void)
{
	char abs[PATH_MAX];
	int r = bpffs_abs(abs, sizeof(abs));

	if (r == -ENOENT)
		return 0;
	if (!r)
		r = in_init_mntns(do_umount, abs);
	if (r)
		return tenc_errno(TENC_FAIL, -r, "bpffs", "unmount %s", abs);
	return 0;
}
