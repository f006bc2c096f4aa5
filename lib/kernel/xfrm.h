/* SPDX-License-Identifier: GPL-2.0 */
/* xfrm: XFRM states (SAs) and policies as tenc uses them: IPv4 and IPv6
 * (an SA's or template's outer family may differ from its selector's inner
 * one), ESP, tunnel mode, marks, ESN; the policy hash thresholds of both
 * families. Builds the netlink messages (queued on an nlb, pipelined) and
 * parses dumps back into the same structs (kobj.h). Over libmnl
 * (docs/design.md, "Dependencies": why not libnl). */
#ifndef TENC_XFRM_H
#define TENC_XFRM_H
#include <stdbool.h>
#include <stdint.h>
#include "kobj.h"
#include "nlbatch.h"


/* Queue NEWSA (or UPDSA when update). With key_base, the key sent is the
 * one derived for src->dst; should that derivation fail, the message goes
 * without any algorithm, so the kernel refuses it (EINVAL): a configured
 * key is never installed as it is. key_base needs an IPv4 SA (key_pair
 * holds IPv4 addresses): an IPv6 one goes without algorithms too. */
void xfrm_sa_add(struct nlb *b, const struct xsa *sa, bool update);
/* Queue DELSA for id's (family, dst, spi, esp, mark); its other fields
 * are not read. */
void xfrm_sa_del(struct nlb *b, const struct xsa *id);
/* Queue NEWPOLICY (or UPDPOLICY when update). */
void xfrm_pol_add(struct nlb *b, const struct xpol *p, bool update);
/* Queue DELPOLICY by (dir, selector, mark). */
void xfrm_pol_del(struct nlb *b, const struct xpol *p);

/* Every request below returns 0 or -errno; the refusal, in the kernel's
 * words when it gave any, is then nlb_last_error(b). */

/* Dump every ESP SA whose outer family is family / every main policy whose
 * selector's family is family (AF_INET, AF_INET6, AF_UNSPEC: both) of this
 * netns, as one consistent dump (nlb_dump: an interrupted one is started
 * over). Key material in SA dumps is wiped before cb sees the struct.
 * cb returns 0 to go on, > 0 to stop (the dump returns 0), < 0 to stop
 * with that error (the dump returns it). Dumped objects have their family
 * fields set (AF_INET or AF_INET6; an SA's sel_family is the kernel's, so
 * AF_UNSPEC, a selector of any family, reads as 0). */
int xfrm_sa_dump_af(struct nlb *b, int family, int (*cb)(const struct xsa *sa, void *data),
		    void *data);
int xfrm_pol_dump_af(struct nlb *b, int family, int (*cb)(const struct xpol *p, void *data),
		     void *data);
/* The same, IPv4 only (family AF_INET), what the IPv4 planner reads. */
int xfrm_sa_dump(struct nlb *b, int (*cb)(const struct xsa *sa, void *data), void *data);
int xfrm_pol_dump(struct nlb *b, int (*cb)(const struct xpol *p, void *data), void *data);
/* One SA by id's (family, dst, spi, esp, mark): 0, -ENOENT or -errno.
 * id may be out. */
int xfrm_sa_get(struct nlb *b, const struct xsa *id, struct xsa *out);

/* The netns' policy hash thresholds of family (AF_INET: `ip xfrm policy
 * set hthresh4`, default 32/32; AF_INET6: hthresh6, default 128/128; each
 * family's are set apart): a policy whose selector prefixes are at least
 * (local, remote) bits long is kept in the policy hash table; shorter
 * ones go to the inexact lists, whose insert walks every inexact policy of
 * that direction (Linux 6.1: twice). 0 or -errno (another family:
 * -EAFNOSUPPORT). Setting them makes the kernel rehash every policy (a
 * work item, soon after). The _af-less ones are IPv4's. */
int xfrm_hthresh_get_af(struct nlb *b, int family, struct xfrm_hthresh *out);
/* Both families' from one request. */
int xfrm_hthresh_get_both(struct nlb *b, struct xfrm_hthresh *v4, struct xfrm_hthresh *v6);
int xfrm_hthresh_set_af(struct nlb *b, int family, struct xfrm_hthresh t);
int xfrm_hthresh_get(struct nlb *b, struct xfrm_hthresh *out);
int xfrm_hthresh_set(struct nlb *b, struct xfrm_hthresh t);

/* /proc/net/xfrm_stat: call cb for every counter (name, value). 0 or -errno. */
int xfrm_stat_read(int (*cb)(const char *name, uint64_t value, void *data), void *data);

#endif
