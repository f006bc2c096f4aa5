// SPDX-License-Identifier: GPL-2.0
/* rtime: run a command, then append "SECONDS MAXRSS_KB EXIT" to a file:
 * the wall-clock time from fork to its exit (CLOCK_MONOTONIC) and its
 * maximum resident set size (wait4's rusage, the command and whatever it
 * waited for), as `/usr/bin/time -f '%e %M'` would, with microseconds.
 * The command's stdout and stderr are left alone.
 *   rtime OUTFILE CMD [ARGS...]
 * Exit: the command's status (128+N when killed by signal N); 125 when
 * rtime itself failed, 127 when the command could not be run. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct timespec t0, t1;
	struct rusage ru;
	int st, rc;
	pid_t pid;
	FILE *f;

	if (argc < 3) {
		fprintf(stderr, "usage: rtime OUTFILE CMD [ARGS...]\n");
		return 125;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = fork();
	if (pid < 0) {
		perror("rtime: fork");
		return 125;
	}
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		fprintf(stderr, "rtime: %s: %s\n", argv[2], strerror(errno));
		_exit(127);
	}
	while (wait4(pid, &st, 0, &ru) < 0)
		if (errno != EINTR) {
			perror("rtime: wait4");
			return 125;
		}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	f = fopen(argv[1], "a");
	if (!f) {
		fprintf(stderr, "rtime: %s: %s\n", argv[1], strerror(errno));
		return 125;
	}
	fprintf(f, "%.6f %ld %d\n", (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9,
		ru.ru_maxrss, rc);
	if (fclose(f)) {
		perror("rtime: write");
		return 125;
	}
	return rc;
}
