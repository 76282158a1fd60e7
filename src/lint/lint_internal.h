/*
 * Shared by the lints of src/lint: adding findings and walking a query.
 * Internal to the module.
 *
 * Ownership: lint_add() copies the message and the suggestion into the
 * report's arena, so callers may pass temporary buffers.
 */
#ifndef SW_LINT_INTERNAL_H
#define SW_LINT_INTERNAL_H

#include "lint.h"

/* Adds a finding with the code's severity; a NULL suggestion means none. */
void lint_add(struct lint_report *r, enum lint_code code, struct eql_pos pos,
	      const char *suggestion, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* Called for every expression node of a query, parents before children. */
typedef void lint_visit_fn(const struct eql_expr *e, void *arg);

/*
 * Visits every expression of the query: each clause's condition and join
 * keys, the query's join keys, and the until clause.
 */
void lint_walk(const struct eql_query *q, lint_visit_fn *visit, void *arg);

/* The lints, one per file. Each adds its findings to `r`. */
void lint_fields(const struct eql_query *q, struct lint_report *r);
void lint_sequence(const struct eql_query *q, struct lint_report *r);
void lint_compare(const struct eql_query *q, const struct lint_options *opts,
		  struct lint_report *r);

#endif
