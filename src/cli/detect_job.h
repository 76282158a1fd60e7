/*
 * The queries of one `detect` run (one -q query, or rules) and the printing
 * of their results on stdout.
 *
 * Ownership: the job owns its parsed queries (one arena), its rules and its
 * output buffer; detect_job_free() releases them after the detector that
 * borrows the queries is done.
 */
#ifndef SW_DETECT_JOB_H
#define SW_DETECT_JOB_H

#include <stdbool.h>
#include <stddef.h>

#include "engine/detector.h"
#include "rules/rule.h"
#include "util/arena.h"
#include "util/buf.h"

struct detect_query {
	const char *origin;      /* "query" or the rule's file:line */
	const char *text;
	size_t len;
	const struct rule *rule; /* NULL for -q */
	struct eql_query *ast;
};

struct detect_job {
	struct arena arena;
	struct detect_query *queries;
	size_t nqueries;
	struct rule_set rules;
	bool rules_loaded;
	struct buf line;
	bool write_failed;
};

/*
 * Loads the bundled rules, the rules under `rule_paths`, or `query`; parses
 * and plans each and adds it to `det`. Disabled rules are left out unless
 * `include_disabled`. Prints every error and returns false when any query
 * or rule is invalid.
 */
bool detect_job_init(struct detect_job *job, struct detector *det,
		     const char *query, const char *const *rule_paths,
		     size_t nrule_paths, bool include_disabled);

/* The detector's result callback: prints one line per result. */
void detect_job_result(void *arg, const struct detector_result *r);

/* Flushes stdout; returns 2 when writing failed, else 0. */
int detect_job_finish(struct detect_job *job);
void detect_job_free(struct detect_job *job);

#endif
