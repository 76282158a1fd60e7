/*
 * Static checks of an EQL query, beyond what the parser and the planner
 * reject: things Elasticsearch accepts but that probably do not do what the
 * author meant, or that Elasticsearch rejects although sitewatch runs them.
 * docs/check.md describes each check with an example and its reason.
 *
 * The lints work on a parsed query and know nothing of files or rules; the
 * caller (sitewatch check) reads rules and prints the findings.
 *
 * Ownership: a struct lint_report owns its findings and every string in
 * them (its arena). lint_report_free() releases them; lint_report_clear()
 * empties the report so that it can be reused for the next query.
 */
#ifndef SW_LINT_H
#define SW_LINT_H

#include <stdbool.h>
#include <stddef.h>

#include "eql/ast.h"
#include "eql/parse.h"
#include "util/arena.h"

enum lint_code {
	LINT_NON_ECS_FIELD,         /* a field that ECS does not define */
	LINT_SINGLE_CLAUSE_SEQUENCE, /* a sequence Elasticsearch rejects */
	LINT_WILDCARD_IN_EQUALITY,  /* == != in with "*" or "?" in the string */
	LINT_CASE_SENSITIVE,        /* a case-sensitive test on a field whose case varies */
	LINT_NCODES
};

/* A warning: the query probably misses events. An error: Elasticsearch rejects it. */
enum lint_severity {
	LINT_WARNING,
	LINT_ERROR,
};

struct lint_finding {
	enum lint_code code;
	enum lint_severity severity;
	struct eql_pos pos;         /* in the query text */
	const char *message;
	const char *suggestion;     /* EQL text to write instead, or NULL */
};

/* Findings kept for one query at most; the rest are counted in `dropped`. */
#define LINT_MAX_FINDINGS 1000

struct lint_report {
	struct lint_finding *findings; /* sorted by position once a check ends */
	size_t count;
	size_t cap;
	size_t dropped;
	struct arena arena;
};

/* Which lints run. All run by default. */
struct lint_options {
	bool skip[LINT_NCODES];
};

void lint_report_init(struct lint_report *r);
void lint_report_clear(struct lint_report *r);
void lint_report_free(struct lint_report *r);

/*
 * Runs the lints over a parsed query and adds their findings to `r`,
 * sorted by position. The query need not be planned.
 */
void lint_query(const struct eql_query *query, const struct lint_options *opts,
		struct lint_report *r);

/*
 * Parses `len` bytes of `text`, plans the query as `detect` would with its
 * defaults (function names, arity, argument types, regular expressions,
 * @timestamp as a date) without running it, then lints it. Returns false with `err` set when the query is invalid;
 * `r` then gets no finding for it.
 */
bool lint_check(const char *text, size_t len, const struct lint_options *opts,
		struct lint_report *r, struct eql_error *err);

/* "non-ecs-field", ...: the code's name in output and in --ignore. */
const char *lint_code_name(enum lint_code code);
/* The code named `name`; false when there is none. */
bool lint_code_parse(const char *name, enum lint_code *out);
const char *lint_severity_name(enum lint_severity severity);

#endif
