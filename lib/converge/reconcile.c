// SPDX-License-Identifier: GPL-2.0
/* reconcile.c: reading tenc's objects back from the kernel into a plan
 * (see reconcile.h; model/plandiff.c diffs plans). */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "apply.h"
#include "reconcile.h"
#include "bpfdp.h"
#include "tenc.h"

static int read_sa(const struct xsa *sa, void *data)
{
	struct xsa *x;

	if (!plan_sa_is_tenc(sa))
		return 0;
	x = plan_push_sa(data);
	if (!x)
		return -ENOMEM;
	*x = *sa;
	return 0;
}

static int read_pol(const struct xpol *p, void *data)
{
	struct xpol *x;

	if (!plan_pol_is_tenc(p))
		return 0;
	x = plan_push_pol(data);
	if (!x)
		return -ENOMEM;
	*x = *p;
	x->index = 0; /* not part of identity */
	return 0;
}

static int read_route(const struct rroute *r, void *data)
{
	struct rroute *x;

	if (r->protocol != TENC_RTPROT)
		return 0;
	x = plan_push_route(data);
	if (!x)
		return -ENOMEM;
	*x = *r;
	return 0;
}

static int read_rule(const struct rrule *r, void *data)
{
	struct rrule *x;

	if (r->protocol != TENC_RTPROT)
		return 0;
	x = plan_push_rule(data);
	if (!x)
		return -ENOMEM;
	*x = *r;
	return 0;
}

static int read_ipc(uint32_t addr, uint8_t plen, const struct ipcache_val *v, void *data)
{
	struct ipc_entry *x = plan_push_ipc(data);

	if (!x)
		return -ENOMEM;
	x->prefix.addr = addr;
	x->prefix.len = plen;
	x->val = *v;
	return 0;
}

static int read_ipc6(const uint8_t a[16], uint8_t plen, const struct ipcache_val *v, void *data)
{
	struct ipc_entry *x = plan_push_ipc(data);

	if (!x)
		return -ENOMEM;
	x->family = AF_INET6;
	memcpy(x->prefix6.addr, a, 16);
	x->prefix6.len = plen;
	x->val = *v;
	return 0;
}

static bool hthresh_is(struct xfrm_hthresh t, struct xfrm_hthresh want)
{
	return t.lbits == want.lbits && t.rbits == want.rbits;
}

int dp_read_xfrm(struct dp *d, struct plan *have)
{
	struct xfrm_hthresh t4, t6;
	char why[512];
	int r = xfrm_hthresh_get_both(d->x, &t4, &t6);

	have->spd = hthresh_is(t4, TENC_HTHRESH);
	have->spd6 = hthresh_is(t6, TENC_HTHRESH6);
	if (r || (r = xfrm_sa_dump_af(d->x, AF_UNSPEC, read_sa, have)) ||
	    (r = xfrm_pol_dump_af(d->x, AF_UNSPEC, read_pol, have)))
		return tenc_err(TENC_FAIL, "kernel", "reading back: %s",
				nlb_strerror(nlb_last_error(d->x), why, sizeof(why)));
	if (d->ipc_fd >= 0 && (r = ipcache_dump(d->ipc_fd, read_ipc, have)))
		return tenc_errno(TENC_FAIL, -r, "ipcache", "reading back");
	if (d->ipc6_fd >= 0 && (r = ipcache6_dump(d->ipc6_fd, read_ipc6, have)))
		return tenc_errno(TENC_FAIL, -r, "ipcache6", "reading back");
	return 0;
}

int dp_read(struct dp *d, struct plan *have)
{
	int r = dp_read_xfrm(d, have);
	char why[512];

	if (r == 0 && ((r = rtnl_route_dump_af(d->r, AF_UNSPEC, TENC_TABLE, read_route, have)) ||
		       (r = rtnl_rule_dump_af(d->r, AF_UNSPEC, read_rule, have))))
		return tenc_err(TENC_FAIL, "kernel", "reading back: %s",
				nlb_strerror(nlb_last_error(d->r), why, sizeof(why)));
	return r;
}
