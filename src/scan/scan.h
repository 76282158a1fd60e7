/*
 * sitewatch scan: lists every Python start-up hook on a host or a mounted
 * image, says which installed interpreters would run it, and gives each a
 * verdict with its reasons. Nothing is executed, imported or modified.
 *
 * Stages, in order: discovery (scan_discover.h), start-up environment
 * (scan_env.h), site folders and .pth files (scan_site.h), customize
 * modules (scan_custom.h), then verdicts (scan_verdict.h), the benign
 * catalogue (scan_catalog.h), the allowlist and the baseline (scan_allow.h).
 *
 * Ownership: scan_run() fills the caller's struct scan_ctx, which
 * scan_ctx_free() releases; scan_output() only reads it.
 */
#ifndef SW_SCAN_H
#define SW_SCAN_H

#include <stdio.h>

#include "scan_model.h"

enum scan_format {
	SCAN_FORMAT_NDJSON,
	SCAN_FORMAT_JSON,
	SCAN_FORMAT_TABLE,
};

/*
 * Runs every stage. Returns false on a fatal error (an unreadable root,
 * allowlist or baseline), after printing a diagnostic.
 */
bool scan_run(struct scan_ctx *ctx);

/* Prints the findings in order of verdict (highest first), then path and offset. */
void scan_output(struct scan_ctx *ctx, enum scan_format format, FILE *out);

/*
 * Appends `len` bytes of `s` to `b` for a terminal: C0 and C1 controls, DEL
 * and bytes that are not UTF-8 become the text \xNN, a backslash becomes \\.
 * Returns how many bytes or characters were escaped.
 */
size_t scan_table_text(struct buf *b, const char *s, size_t len);

/* True when a finding reaches `level` (the --fail-on threshold). */
bool scan_any_at_least(const struct scan_ctx *ctx, enum scan_verdict level);

#endif
