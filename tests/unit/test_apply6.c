// SPDX-License-Identifier: GPL-2.0
/* test_apply6.c: dp_apply refuses an IPv6 ipcache entry (the ipcache map
 * is IPv4's; ipcache6 is wired by the IPv6 planner slice) instead of
 * writing it as an IPv4 one, and says which entry. No kernel: the change
 * holds ipcache entries only, so no netlink message is sent and no
 * ipcache is open (an IPv4 entry then fails for that, not for its
 * family). */
#include <errno.h>
#include <arpa/inet.h>
#include "apply.h"
#include "tap.h"
#include "tenc.h"

static void quiet(const struct tenc_error *e, void *ctx)
{
	(void)e, (void)ctx;
}

/* dp_apply of want over nothing: its result; the error's text in why. */
static int apply_ipc(struct ipc_entry e, char *why, size_t n)
{
	struct dp d = { .ipc_fd = -1, .migrating_ok = true };
	size_t changes = 0;
	int r;

	tenc_clear_error();
	r = dp_apply(&d, &(struct plan){ .ipc = &e, .n_ipc = 1 }, &(struct plan){ 0 }, &changes);
	snprintf(why, n, "%s", tenc_last_error()->why);
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
	is_int(apply_ipc(e6, why, sizeof(why)), TENC_FAIL, "an IPv6 ipcache entry: refused");
	snprintf(want, sizeof(want), "adding ipcache entry fd01:0:0:2::/64: %s", strerror(EAFNOSUPPORT));
	is_str(why, want, "  for its family, named");
	is_int(apply_ipc(e4, why, sizeof(why)), TENC_FAIL, "an IPv4 one, no ipcache open: refused too");
	snprintf(want, sizeof(want), "adding ipcache entry 10.1.2.0/24: %s", strerror(EBADF));
	is_str(why, want, "  for the missing map, not for its family");
	tenc_set_err_sink(NULL, NULL);
	return done_testing();
}
