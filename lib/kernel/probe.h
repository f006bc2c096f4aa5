/* SPDX-License-Identifier: GPL-2.0 */
/* probe: kernel features, probed at run time and never assumed.
 * Owns: the list of features tenc depends on and how each is detected.
 * Probes that need to try kernel objects (ESP) do so in a throwaway
 * network namespace, so they change nothing a user can see. */
#ifndef TENC_PROBE_H
#define TENC_PROBE_H

enum probe_result { PROBE_NO = 0, PROBE_YES = 1, PROBE_UNKNOWN = 2 };

enum probe_feature {
	FEAT_BPF_TC,
	FEAT_BTF,
	FEAT_XFRM,
	FEAT_ESP,
	FEAT_AES_GCM,
	FEAT_KTLS,
	FEAT__COUNT,
};

struct probe {
	enum probe_result result;
	char detail[96]; /* why, when not a plain yes */
};

const char *probe_name(enum probe_feature f);
void probe_feature(enum probe_feature f, struct probe *out);
const char *probe_result_str(enum probe_result r);

#endif
