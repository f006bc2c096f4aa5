// SPDX-License-Identifier: GPL-2.0
/* test_apply6.c: dp_apply writes an ipcache entry into the map of its
 * family (ipcache, ipcache6), never one family's entry into the other's
 * map, and says which entry failed. No kernel: the change holds ipcache
 * entries only, so no netlink message is sent; one map is "open" (a file
 * that is no map) and the other is not, so an entry meant for the open
 * one fails at the bpf call and one meant for the closed one fails for
 * the missing map (tests/netns/encrypt6.bats writes real ones). */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <arpa/inet.h>
#include "apply.h"
#include "tap.h"
#include "tenc.h"

static void quiet(const struct tenc_error *e, void *ctx)
{
	(void)e, (void)ctx;
}

/* dp_apply of want over nothing, with the IPv4 or the IPv6 map "open": its
 * result; the error's text in why. */
static int apply_ipc(struct ipc_entry e, bool v6_open, char *why, size_t n)
{
	int fd = open("/dev/null", O_RDONLY);
	struct dp d = { .ipc_fd = v6_open ? -1 : fd, .ipc6_fd = v6_open ? fd : -1, .migrating_ok = true };
	size_t changes = 0;
	int r;

	tenc_clear_error();
	r = dp_apply(&d, &(struct plan){ .ipc = &e, .n_ipc = 1 }, &(struct plan){ 0 }, &changes);
	snprintf(why, n, "%s", tenc_last_error()->why);
	close(fd);
	return r;
}

int main(void)
{
	struct ipc_entry e6 = { .family = AF_INET6, .val = { .peer_id = 1, .spi = 3 } };
	struct ipc_entry e4 = { .prefix = { htonl(0x0a010200), 24 }, .val = { .peer_id = 1, .spi = 3 } };
	char why[1024], want[256];

	tenc_set_err_sink(quiet, NULL);
	inet_pton(AF_INET6, "fd01:0:0:2::", e6.prefix6.addr);
	e6.prefix6.len = 64;
	is_int(apply_ipc(e6, false, why, sizeof(why)), TENC_FAIL, "an IPv6 entry, only ipcache open: refused");
	snprintf(want, sizeof(want), "adding ipcache entry fd01:0:0:2::/64: %s", strerror(EBADF));
	is_str(why, want, "  for the missing ipcache6, named (not written into the IPv4 map)");
	is_int(apply_ipc(e4, true, why, sizeof(why)), TENC_FAIL, "an IPv4 one, only ipcache6 open: refused");
	snprintf(want, sizeof(want), "adding ipcache entry 10.1.2.0/24: %s", strerror(EBADF));
	is_str(why, want, "  for the missing ipcache, named");
	is_int(apply_ipc(e6, true, why, sizeof(why)), TENC_FAIL, "an IPv6 entry, ipcache6 \"open\": refused");
	ok(strstr(why, "adding ipcache entry fd01:0:0:2::/64: ") && !strstr(why, strerror(EBADF)),
	   "  by the map call (%s), so it went to ipcache6's fd", why);
	tenc_set_err_sink(NULL, NULL);
	return done_testing();
}
