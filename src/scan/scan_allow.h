/*
 * A site's own hooks and earlier results.
 *
 * Allowlist (--allow FILE): one entry a line, "SHA256 [PATTERN]", where
 * SHA256 is the hex digest of the whole file (a .pth file or a module) and
 * the optional PATTERN is an fnmatch(3) pattern the path must match ('*'
 * also matches '/'). '#' starts a comment. A matching finding becomes
 * benign and names the entry.
 *
 * Baseline (--baseline FILE): an earlier `scan --format json` result. Only
 * findings whose fingerprint (kind, path and content) is not in it are kept;
 * one whose kind and path are there with another fingerprint is marked as
 * changed. A known fingerprint is kept too when its verdict rose or when it
 * became active (no interpreter ran it then). Baseline findings that are gone
 * become findings of kind "removed".
 *
 * Ownership: struct scan_allow and struct scan_baseline own their entries;
 * free them with the matching *_free().
 */
#ifndef SW_SCAN_ALLOW_H
#define SW_SCAN_ALLOW_H

#include <stdbool.h>

#include "scan_model.h"
#include "util/strmap.h"

struct scan_allow_entry {
	char sha256[65];
	char *pattern; /* NULL: any path */
	char *where;   /* "FILE:LINE" */
};

struct scan_allow {
	struct scan_allow_entry *v;
	size_t n, cap;
};

/* Parses an allowlist; false (after a diagnostic naming FILE:LINE) on a malformed entry. */
bool scan_allow_parse(struct scan_allow *a, const char *name, const char *text, size_t len);
/* The entry that clears this finding, or NULL. */
const struct scan_allow_entry *scan_allow_match(const struct scan_allow *a, const char *sha256,
						 const char *path);
void scan_allow_free(struct scan_allow *a);

/* One finding of the baseline, as it was then. */
struct scan_baseline_entry {
	char *fingerprint;
	char *kind;
	char *path;
	char *text;             /* NULL when the finding had none */
	bool has_line;
	size_t line, offset;
	enum scan_verdict verdict;
	bool active;            /* an interpreter ran it */
	bool has_stat;          /* uid and mode were recorded */
	unsigned uid, mode;     /* the file's owner and permission bits then */
	bool seen;              /* the same fingerprint is in this scan */
};

struct scan_baseline {
	struct scan_baseline_entry *v;
	size_t n, cap;
	struct strmap fingerprints; /* fingerprint -> entry index + 1 */
	struct strmap paths;        /* kind '\0' path -> non-NULL */
};

/* Parses a `--format json` result; false (after a diagnostic) when it is not one. */
bool scan_baseline_parse(struct scan_baseline *b, const char *name, const char *text, size_t len);
/*
 * True when the finding is to be reported: new, changed (same kind and
 * path, another fingerprint: f->changed), known with another owner or
 * permission bits (f->changed), or known with a verdict that rose or that
 * no interpreter ran then and one runs now (f->baseline_verdict).
 */
bool scan_baseline_keep(struct scan_baseline *b, struct scan_finding *f);
/*
 * Adds a finding of kind "removed" for each baseline finding, other than
 * an error, that is gone: its fingerprint is not in this scan and no
 * finding has its kind, path and line (that one is reported as changed).
 */
void scan_baseline_removed(struct scan_baseline *b, struct scan_ctx *ctx);
void scan_baseline_free(struct scan_baseline *b);

/* Computes f->fingerprint: SHA-256 of kind, path and the line text or file digest. */
void scan_fingerprint(struct scan_finding *f);

#endif
