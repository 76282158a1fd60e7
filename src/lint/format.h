/*
 * Findings as text for people and as JSON for programs.
 *
 * Ownership: output is appended to the caller's buffer; nothing is kept.
 */
#ifndef SW_LINT_FORMAT_H
#define SW_LINT_FORMAT_H

#include "lint.h"
#include "util/buf.h"

/* Where a query came from, as the output names it. */
struct lint_source {
	const char *origin;    /* "query" for -q, else the rule's FILE:LINE */
	const char *rule_id;   /* NULL for a query that is not a rule */
	const char *rule_name; /* NULL for a query that is not a rule */
	const char *text;      /* the query, for the excerpt under the message */
	size_t len;
};

/*
 * For people, one finding in three to four lines:
 *
 *   query:LINE:COLUMN: SEVERITY: MESSAGE [CODE]
 *   the query line (an excerpt of about 120 characters when it is longer)
 *   a caret under the column
 *     suggestion: TEXT           (when there is one)
 *
 * LINE and COLUMN count in the query text (a rule's "query" field).
 */
void lint_format_text(struct buf *b, const struct lint_source *src,
		      const struct lint_finding *f);

/*
 * For programs, one JSON object on one line, newline included, with the
 * members origin, rule_id, rule_name (null for -q), line, column, code,
 * severity, message and suggestion (null when there is none).
 */
void lint_format_json(struct buf *b, const struct lint_source *src,
		      const struct lint_finding *f);

#endif
