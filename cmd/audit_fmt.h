/* SPDX-License-Identifier: GPL-2.0 */
/* audit_fmt: the machine-readable forms of an audit report: JSON (the
 * schema is docs/schema/audit.schema.json) and the Prometheus text format
 * (node-exporter's textfile collector). The table is in audit.c. */
#ifndef TENC_AUDIT_FMT_H
#define TENC_AUDIT_FMT_H
#include "audit.h"

#define AUDIT_SCHEMA_VERSION 1

void audit_print_json(const struct audit *a);	/* on jw */
void audit_print_prometheus(const struct audit *a);	/* on stdout */

#endif
