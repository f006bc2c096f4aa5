/* SPDX-License-Identifier: GPL-2.0 */
/* audit_fmt: the forms of an audit report, each a function of its own
 * over the one result audit_run read (lib/audit/audit.h): the table, JSON (the
 * schema is docs/schema/audit.schema.json) and the Prometheus text format
 * (node-exporter's textfile collector). They print; lib/audit/audit.c does not. */
#ifndef TENC_AUDIT_FMT_H
#define TENC_AUDIT_FMT_H
#include "audit.h"

#define AUDIT_SCHEMA_VERSION 1

void audit_print_plain(const struct audit *a);	/* on stdout */
void audit_print_json(const struct audit *a);	/* on jw */
void audit_print_prometheus(const struct audit *a);	/* on stdout */

#endif
