// SPDX-License-Identifier: GPL-2.0
/* old.c: the status derivation of STATUS_BASE (the Makefile's; the scan
 * of every object per peer, before lib/model/peerip, and rx.json's base
 * scanned per IN SA), for statusbench to time beside the current one in
 * the same run: that commit's lib/uc/status.c and lib/state/rxbase.c,
 * which make writes out of git into the build dir (old_status.c,
 * old_rxbase.c), compiled against this tree's headers with their public
 * names renamed, so both link into one binary. */
#define status_drift_kind_str old_status_drift_kind_str
#define status_problem_str old_status_problem_str
#define status_ipv6 old_status_ipv6
#define status_v6_encrypted old_status_v6_encrypted
#define status_v6_outer old_status_v6_outer
#define status_v6_reason old_status_v6_reason
#define status_read old_status_read
#define status_free old_status_free
#define status_drift_object old_status_drift_object
#define status_derive old_status_derive
#define rxbase_save old_rxbase_save
#define rxbase_load old_rxbase_load
#define rxbase_free old_rxbase_free
#define rxbase_refused_since old_rxbase_refused_since
#include "old_rxbase.c"
#include "old_status.c"

int old_status_derive(struct status *s)
{
	return derive(s) ? -1 : 0;
}
