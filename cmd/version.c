// SPDX-License-Identifier: GPL-2.0
/* version.c: `tenc version`: tenc's and libbpf's versions and the kernel
 * features probed now (lib/kernel/probe.c). */
#include <stdio.h>
#include <sys/utsname.h>
#include <bpf/libbpf.h>
#include "cli.h"
#include "probe.h"
#include "tenc.h"

#ifndef TENC_VERSION
#define TENC_VERSION "unknown"
#endif

static int do_version(const struct cmd *self, int argc, char **argv)
{
	struct utsname u;
	int i = cmd_parse(self, argc, argv, NULL, NULL, 0, 0);

	if (i <= 0)
		return -i;
	uname(&u);
	if (tenc_json_begin()) {
		jw_start_object(jw);
		jw_string_field(jw, "version", TENC_VERSION);
		jw_name(jw, "libbpf");
		jw_stringf(jw, "%u.%u", libbpf_major_version(), libbpf_minor_version());
		jw_string_field(jw, "kernel", u.release);
		jw_name(jw, "features");
		jw_start_object(jw);
	} else {
		printf("tenc %s\nlibbpf %u.%u\nkernel %s\nfeatures:\n", TENC_VERSION,
		       libbpf_major_version(), libbpf_minor_version(), u.release);
	}
	for (int f = 0; f < FEAT__COUNT; f++) {
		struct probe p;

		probe_feature(f, &p);
		if (jw) {
			jw_name(jw, probe_name(f));
			jw_start_object(jw);
			jw_bool_field(jw, "available", p.result == PROBE_YES);
			jw_string_field(jw, "result", probe_result_str(p.result));
			if (p.detail[0])
				jw_string_field(jw, "detail", p.detail);
			jw_end_object(jw);
		} else {
			printf("  %-8s %s%s%s%s\n", probe_name(f), probe_result_str(p.result),
			       p.detail[0] ? " (" : "", p.detail, p.detail[0] ? ")" : "");
		}
	}
	if (jw) {
		jw_end_object(jw);
		jw_end_object(jw);
	}
	return TENC_OK;
}

const struct cmd cmd_version = {
	.name = "version",
	.fn = do_version,
	.synopsis = "",
	.summary = "show versions and the kernel features probed now",
};
