/* SPDX-License-Identifier: GPL-2.0 */
/* xfrm: XFRM states (SAs) and policies as tenc uses them: IPv4, ESP,
 * tunnel mode, marks, ESN. Builds the netlink messages (queued on an nlb,
 * pipelined) and parses dumps back into the same structs. Over libmnl
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
 * key is never installed as it is. */
void xfrm_sa_add(struct nlb *b, const struct xsa *sa, bool update);
/* Queue DELSA for (dst, spi, esp, mark). */
void xfrm_sa_del(struct nlb *b, uint32_t dst, uint32_t spi, uint32_t mark, uint32_t mark_mask);
/* Queue NEWPOLICY (or UPDPOLICY when update). */
void xfrm_pol_add(struct nlb *b, const struct xpol *p, bool update);
/* Queue DELPOLICY by (dir, selector, mark). */
void xfrm_pol_del(struct nlb *b, const struct xpol *p);

/* Every request below returns 0 or -errno; the refusal, in the kernel's
 * words when it gave any, is then nlb_last_error(b). */

/* Dump every SA / policy of this netns (IPv4 ESP SAs only), as one
 * consistent dump (nlb_dump: an interrupted one is started over). Key
 * material in SA dumps is wiped before cb sees the struct.
 * cb returns 0 to go on, > 0 to stop (the dump returns 0), < 0 to stop
 * with that error (the dump returns it). */
int xfrm_sa_dump(struct nlb *b, int (*cb)(const struct xsa *sa, void *data), void *data);
int xfrm_pol_dump(struct nlb *b, int (*cb)(const struct xpol *p, void *data), void *data);
/* One SA by (dst, spi, esp, mark): 0, -ENOENT or -errno. */
int xfrm_sa_get(struct nlb *b, uint32_t dst, uint32_t spi, uint32_t mark, uint32_t mark_mask,
		struct xsa *out);

/* The netns' IPv4 policy hash thresholds (`ip xfrm policy set hthresh4`):
 * a policy whose selector prefixes are at least (local, remote) bits long
 * is kept in the policy hash table; shorter ones go to the inexact lists,
 * whose insert walks every inexact policy of that direction (Linux 6.1:
 * twice). 0 or -errno. Setting them makes the kernel rehash every policy
 * (a work item, soon after). */
int xfrm_hthresh_get(struct nlb *b, struct xfrm_hthresh *out);
int xfrm_hthresh_set(struct nlb *b, struct xfrm_hthresh t);

/* /proc/net/xfrm_stat: call cb for every counter (name, value). 0 or -errno. */
int xfrm_stat_read(int (*cb)(const char *name, uint64_t value, void *data), void *data);

#endif
