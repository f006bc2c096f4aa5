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

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
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
	/* CAP_BPF loads programs, but the verifier takes tenc's pointer
	 * arithmetic and map values only with CAP_PERFMON too (bpf_capable
	 * and perfmon_capable: Linux 5.8+); CAP_SYS_ADMIN implies both. */
	if (!cap_effective(d, CAP_SYS_ADMIN) &&
	    (!cap_effective(d, CAP_BPF) || !cap_effective(d, CAP_PERFMON)))
		strcat(strcat(missing, missing[0] ? ", " : ""),
		       cap_effective(d, CAP_BPF) ? "CAP_PERFMON (beside CAP_BPF) or CAP_SYS_ADMIN"
						  : "CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN");
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

/* Mount namespace identity of a pid (0: self); false if unreadable. */
static bool mntns_of(pid_t pid, struct stat *st)
{
	char path[64];

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)pid);
	else
		snprintf(path, sizeof(path), "/proc/self/ns/mnt");
	return stat(path, st) == 0;
}

static pid_t parent_of(pid_t pid)
{
	char path[64], buf[512], *p;
	FILE *f;
	int ppid = 0;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')))
		sscanf(p + 1, " %*c %d", &ppid);
	fclose(f);
	return ppid;
}

/* The process whose mount namespace a bpffs must live in to outlive this
 * invocation: PID 1 when we can see its namespace, else the nearest
 * ancestor in another mount namespace (`ip netns exec` unshares one for
 * the command it runs). 0: our own namespace will do. */
static pid_t home_pid(void)
{
	struct stat self, other;
	pid_t p;

	if (!mntns_of(0, &self))
		return 0;
	if (mntns_of(1, &other))
		return (other.st_ino == self.st_ino && other.st_dev == self.st_dev) ? 0 : 1;
	for (p = getppid(); p > 1; p = parent_of(p)) {
		if (!mntns_of(p, &other))
			break;
		if (other.st_ino != self.st_ino || other.st_dev != self.st_dev)
			return p;
	}
	return 0;
}

/* Run fn(path) in the home mount namespace, in a child process. */
static int in_home_mntns(int (*fn)(const char *), const char *path)
{
	pid_t home = home_pid(), pid;
	int st;

	if (!home)
		return fn(path);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		char ns[64];
		int fd;

		snprintf(ns, sizeof(ns), "/proc/%d/ns/mnt", (int)home);
		fd = open(ns, O_RDONLY | O_CLOEXEC);
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
	pid_t home = home_pid();

	if (home && (size_t)snprintf(out, n, "/proc/%d/root%s", (int)home, abs) < n &&
	    env_is_bpffs(out))
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
	r = in_home_mntns(do_mount, abs);
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
		r = in_home_mntns(do_umount, abs);
	if (r)
		return tenc_errno(TENC_FAIL, -r, "bpffs", "unmount %s", abs);
	return 0;
}
