// SPDX-License-Identifier: GPL-2.0
/* rtnl.c: IPv4 and IPv6 routes and FIB rules as tenc installs them (see rtnl.h):
 * building RTM_NEWROUTE/DELROUTE and RTM_NEWRULE/DELRULE on an nlb queue,
 * parsing route and rule dumps, and a device's ifindex and MTU.
 * tenc's routes: table TENC_TABLE, scope link, no gateway, dev + mtu;
 * its rule: fwmark/mask lookup TENC_TABLE. Both tagged TENC_RTPROT.
 * IPv6 routes have no scope (universe, as iproute2 sends them, on delete
 * too); IPv4's are scope link, and on delete scope nowhere (the wildcard). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>
#include "rtnl.h"

/* Tables above 255 only fit RTA_TABLE / FRA_TABLE. */
static uint8_t hdr_table(uint32_t table)
{
	return table < 256 ? (uint8_t)table : RT_TABLE_UNSPEC;
}

static uint8_t route_scope(int family, bool del)
{
	if (family == AF_INET6)
		return RT_SCOPE_UNIVERSE;
	return del ? RT_SCOPE_NOWHERE : RT_SCOPE_LINK;
}

static void put_route(struct nlmsghdr *nlh, const struct rroute *r, bool del)
{
	struct rtmsg *rt = mnl_nlmsg_put_extra_header(nlh, sizeof(*rt));

	rt->rtm_family = (uint8_t)kfam(r->family);
	rt->rtm_dst_len = r->dst_len;
	rt->rtm_table = hdr_table(r->table);
	rt->rtm_protocol = r->protocol;
	rt->rtm_scope = route_scope(rt->rtm_family, del);
	rt->rtm_type = RTN_UNICAST;
	if (r->table >= 256)
		mnl_attr_put_u32(nlh, RTA_TABLE, r->table);
	if (r->dst_len)
		mnl_attr_put(nlh, RTA_DST, kaddr_len(r->family), r->dst6);
	if (r->oif)
		mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)r->oif);
	if (r->mtu && !del) {
		struct nlattr *m = mnl_attr_nest_start(nlh, RTA_METRICS);

		mnl_attr_put_u32(nlh, RTAX_MTU, r->mtu);
		mnl_attr_nest_end(nlh, m);
	}
}

void rtnl_route_add(struct nlb *b, const struct rroute *r, bool replace)
{
	uint16_t f = NLM_F_CREATE | (replace ? NLM_F_REPLACE : NLM_F_EXCL);

	put_route(nlb_msg(b, RTM_NEWROUTE, f), r, false);
}

void rtnl_route_del(struct nlb *b, const struct rroute *r)
{
	put_route(nlb_msg(b, RTM_DELROUTE, 0), r, true);
}

static void put_rule(struct nlmsghdr *nlh, const struct rrule *r)
{
	struct fib_rule_hdr *h = mnl_nlmsg_put_extra_header(nlh, sizeof(*h));

	h->family = (uint8_t)kfam(r->family);
	h->table = hdr_table(r->table);
	h->action = FR_ACT_TO_TBL;
	mnl_attr_put_u32(nlh, FRA_PRIORITY, r->pref);
	if (r->fwmark || r->fwmask) {
		mnl_attr_put_u32(nlh, FRA_FWMARK, r->fwmark);
		mnl_attr_put_u32(nlh, FRA_FWMASK, r->fwmask);
	}
	mnl_attr_put_u32(nlh, FRA_TABLE, r->table);
	if (r->protocol)
		mnl_attr_put_u8(nlh, FRA_PROTOCOL, r->protocol);
}

void rtnl_rule_add(struct nlb *b, const struct rrule *r)
{
	put_rule(nlb_msg(b, RTM_NEWRULE, NLM_F_CREATE | NLM_F_EXCL), r);
}

void rtnl_rule_del(struct nlb *b, const struct rrule *r)
{
	put_rule(nlb_msg(b, RTM_DELRULE, 0), r);
}

/* --- dumps -------------------------------------------------------------- */

struct tb {
	const struct nlattr *a[64];
};

static int attr_tb(const struct nlattr *a, void *data)
{
	struct tb *tb = data;
	uint16_t t = mnl_attr_get_type(a);

	if (t < 64)
		tb->a[t] = a;
	return MNL_CB_OK;
}

static uint32_t get_u32(const struct nlattr *a, uint32_t dflt)
{
	if (!a || mnl_attr_validate(a, MNL_TYPE_U32) < 0)
		return dflt;
	return mnl_attr_get_u32(a);
}

/* A dump's filter: the family asked for (AF_UNSPEC: any), and have's. */
static bool family_ok(int want, int have)
{
	return (want == AF_UNSPEC && (have == AF_INET || have == AF_INET6)) || want == have;
}

struct route_walk {
	int family;
	uint32_t table;
	int (*cb)(const struct rroute *r, void *data);
	void *data;
};

/* One RTM_NEWROUTE into *r: 1 a route of the family and table asked for,
 * else 0. */
static int route_item(const struct nlmsghdr *nlh, void *item, void *data)
{
	const struct route_walk *w = data;
	const struct rtmsg *rt;
	struct tb tb = { { NULL } }, mx = { { NULL } };
	struct rroute *r = item;

	if (nlh->nlmsg_type != RTM_NEWROUTE || mnl_nlmsg_get_payload_len(nlh) < sizeof(*rt))
		return 0;
	rt = mnl_nlmsg_get_payload(nlh);
	if (!family_ok(w->family, rt->rtm_family) || (rt->rtm_flags & RTM_F_CLONED))
		return 0;
	mnl_attr_parse(nlh, sizeof(*rt), attr_tb, &tb);
	r->table = get_u32(tb.a[RTA_TABLE], rt->rtm_table);
	if (w->table && r->table != w->table)
		return 0;
	r->family = rt->rtm_family;
	r->dst_len = rt->rtm_dst_len;
	if (tb.a[RTA_DST] && mnl_attr_get_payload_len(tb.a[RTA_DST]) == kaddr_len(r->family))
		memcpy(r->dst6, mnl_attr_get_payload(tb.a[RTA_DST]), kaddr_len(r->family));
	r->oif = (int)get_u32(tb.a[RTA_OIF], 0);
	r->protocol = rt->rtm_protocol;
	if (tb.a[RTA_METRICS]) {
		mnl_attr_parse_nested(tb.a[RTA_METRICS], attr_tb, &mx);
		r->mtu = get_u32(mx.a[RTAX_MTU], 0);
	}
	return 1;
}

static int route_each(const void *item, void *data)
{
	const struct route_walk *w = data;

	return w->cb(item, w->data);
}

int rtnl_route_dump_af(struct nlb *b, int family, uint32_t table,
		       int (*cb)(const struct rroute *r, void *data), void *data)
{
	struct rtmsg rt = { .rtm_family = (uint8_t)family };
	struct route_walk w = { family, table, cb, data };
	struct nlb_dump d = { .type = RTM_GETROUTE, .hdr = &rt, .hdrlen = sizeof(rt),
			      .item_size = sizeof(struct rroute), .parse = route_item,
			      .each = route_each, .data = &w };

	return nlb_dump(b, &d, NULL);
}

int rtnl_route_dump(struct nlb *b, uint32_t table, int (*cb)(const struct rroute *r, void *data),
		    void *data)
{
	return rtnl_route_dump_af(b, AF_INET, table, cb, data);
}

struct rule_walk {
	int family;
	int (*cb)(const struct rrule *r, void *data);
	void *data;
};

/* One RTM_NEWRULE into *r: 1 a rule of the family asked for, else 0. */
static int rule_item(const struct nlmsghdr *nlh, void *item, void *data)
{
	const struct rule_walk *w = data;
	const struct fib_rule_hdr *h;
	struct tb tb = { { NULL } };
	struct rrule *r = item;

	if (nlh->nlmsg_type != RTM_NEWRULE || mnl_nlmsg_get_payload_len(nlh) < sizeof(*h))
		return 0;
	h = mnl_nlmsg_get_payload(nlh);
	if (!family_ok(w->family, h->family))
		return 0;
	mnl_attr_parse(nlh, sizeof(*h), attr_tb, &tb);
	r->family = h->family;
	r->pref = get_u32(tb.a[FRA_PRIORITY], 0);
	r->fwmark = get_u32(tb.a[FRA_FWMARK], 0);
	/* The kernel leaves the mask out when it is all ones. */
	r->fwmask = get_u32(tb.a[FRA_FWMASK], tb.a[FRA_FWMARK] ? 0xffffffff : 0);
	r->table = get_u32(tb.a[FRA_TABLE], h->table);
	if (tb.a[FRA_PROTOCOL] && mnl_attr_validate(tb.a[FRA_PROTOCOL], MNL_TYPE_U8) == 0)
		r->protocol = mnl_attr_get_u8(tb.a[FRA_PROTOCOL]);
	return 1;
}

static int rule_each(const void *item, void *data)
{
	const struct rule_walk *w = data;

	return w->cb(item, w->data);
}

int rtnl_rule_dump_af(struct nlb *b, int family, int (*cb)(const struct rrule *r, void *data),
		      void *data)
{
	struct fib_rule_hdr h = { .family = (uint8_t)family };
	struct rule_walk w = { family, cb, data };
	struct nlb_dump d = { .type = RTM_GETRULE, .hdr = &h, .hdrlen = sizeof(h),
			      .item_size = sizeof(struct rrule), .parse = rule_item,
			      .each = rule_each, .data = &w };

	return nlb_dump(b, &d, NULL);
}

int rtnl_rule_dump(struct nlb *b, int (*cb)(const struct rrule *r, void *data), void *data)
{
	return rtnl_rule_dump_af(b, AF_INET, cb, data);
}

/* ioctls on a socket of this process's netns: right after setns() too,
 * where /sys/class/net may still show the old namespace. */
int rtnl_link(const char *ifname, int *ifindex, uint32_t *mtu)
{
	struct ifreq ifr;
	int fd, err = 0;

	if (!ifname || strlen(ifname) >= IFNAMSIZ)
		return -EINVAL;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, ifname);
	if (ioctl(fd, SIOCGIFINDEX, &ifr) < 0) {
		err = -errno;
		goto out;
	}
	if (ifindex)
		*ifindex = ifr.ifr_ifindex;
	if (mtu) {
		if (ioctl(fd, SIOCGIFMTU, &ifr) < 0) {
			err = -errno;
			goto out;
		}
		*mtu = (uint32_t)ifr.ifr_mtu;
	}
out:
	close(fd);
	return err;
}
