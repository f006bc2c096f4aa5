/* SPDX-License-Identifier: GPL-2.0 */
/* rtnl: the routes and rules tenc installs (IPv4 and IPv6: the objects'
 * family fields, kobj.h), queued on an nlb, and read back. tenc's own are
 * tagged with protocol TENC_RTPROT. */
#ifndef TENC_RTNL_H
#define TENC_RTNL_H
#include <stdbool.h>
#include <stdint.h>
#include "kobj.h"
#include "nlbatch.h"


void rtnl_route_add(struct nlb *b, const struct rroute *r, bool replace);
void rtnl_route_del(struct nlb *b, const struct rroute *r);
void rtnl_rule_add(struct nlb *b, const struct rrule *r);
void rtnl_rule_del(struct nlb *b, const struct rrule *r);
/* Dump the routes of family (AF_INET, AF_INET6, AF_UNSPEC: both) of one
 * table (all tables when table == 0) / its rules, as one consistent dump
 * (nlb_dump); dumped objects have their family set. cb: 0 go on, > 0
 * stop, < 0 stop with that error. 0 or -errno; the refusal, in the
 * kernel's words when it gave any, is then nlb_last_error(b). */
int rtnl_route_dump_af(struct nlb *b, int family, uint32_t table,
		       int (*cb)(const struct rroute *r, void *data), void *data);
int rtnl_rule_dump_af(struct nlb *b, int family, int (*cb)(const struct rrule *r, void *data),
		      void *data);
/* The same, IPv4 only, what the IPv4 planner reads. */
int rtnl_route_dump(struct nlb *b, uint32_t table, int (*cb)(const struct rroute *r, void *data), void *data);
int rtnl_rule_dump(struct nlb *b, int (*cb)(const struct rrule *r, void *data), void *data);
/* ifindex and MTU of a device by name: 0 or -errno. */
int rtnl_link(const char *ifname, int *ifindex, uint32_t *mtu);

#endif
