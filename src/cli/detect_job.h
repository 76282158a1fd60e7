/*
 * The queries of one `detect` run (one -q query, or rules) and the printing
 * of their results on stdout (or another stream, for `watch`).
 *
 * Ownership: the job owns its parsed queries (one arena), its rules, its
 * output buffer and its spool. detect_job_free() releases them once the
 * detector that borrows the queries is done.
 */
#ifndef SW_DETECT_JOB_H
#define SW_DETECT_JOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "detect_table.h"
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

/*
 * Called before a rule's alert is printed. Returns false to drop the alert
 * (suppressed); may append members to `members` (",\"key\":value" pairs
 * without the leading comma), which are added at the end of the alert.
 */
typedef bool (*detect_alert_hook)(void *arg, const struct detector_result *r,
				  struct buf *members);

struct detect_job {
	struct arena arena;
	struct detect_query *queries;
	size_t nqueries;
	struct rule_set rules;
	bool rules_loaded;
	struct buf line;
	bool write_failed;
	bool table;           /* --format table */
	const char **date_fields;     /* the timestamp field, then --date-field names */
	size_t ndate_fields;
	bool header_written;
	bool flush_each;                /* flush after every result (a live stream) */
	struct detect_table columns;
	FILE *out;                      /* stdout unless detect_job_set_output() */
	const char *out_name;           /* for messages */
	FILE *spool;                    /* NULL, or where results wait until detect_job_finish() */
	const char *spool_dir;          /* for messages */
	int spool_errno;                /* 0, or why writing to the spool failed */
	detect_alert_hook alert_hook;   /* NULL: every alert is printed */
	void *alert_hook_arg;
	struct buf members;
};

/* What a job runs and how it prints. */
struct detect_job_options {
	const char *query;              /* -q, or NULL to run rules */
	const char *const *rule_paths;  /* -r; none means the bundled rules */
	size_t nrule_paths;
	bool include_disabled;          /* run rules whose "enabled" is false */
	bool table;                     /* rows for people instead of NDJSON */
	const char *timestamp_field;    /* compared as a date in queries */
	const struct detector_date_field *date_fields; /* --date-field: also dates */
	size_t ndate_fields;
	/*
	 * The command's fields, which a rule's overrides are checked against.
	 * A rule's event_category_override applies to that rule. A different
	 * timestamp or tiebreaker field cannot apply, so it is warned about.
	 */
	const char *category_field;     /* NULL: event.category */
	const char *tiebreaker_field;   /* NULL: none */
};

/*
 * Loads the bundled rules, the rules under opts->rule_paths, or
 * opts->query; parses and plans each and adds it to `det`. Prints every
 * error and returns false when any query or rule is invalid; the job must
 * still be freed.
 */
bool detect_job_init(struct detect_job *job, struct detector *det,
		     const struct detect_job_options *opts);

/* The detector's result callback: prints one line per result. */
void detect_job_result(void *arg, const struct detector_result *r);

/*
 * Sends the results to `out` (named `name` in messages) instead of stdout.
 * The job does not close it.
 */
void detect_job_set_output(struct detect_job *job, FILE *out, const char *name);

/*
 * Prints one result without calling the alert hook; `members` (may be
 * NULL) are added at the end of a rule's alert, as the hook's are.
 */
void detect_job_emit(struct detect_job *job, const struct detector_result *r,
		     const char *members, size_t members_len);

/*
 * Turns on or off a flush after every result, so that each result of a
 * live stream reaches its reader at once (stdout is otherwise fully buffered).
 */
void detect_job_flush_each(struct detect_job *job, bool on);

/*
 * Warns, per query or rule, about the evaluation limits it hit (regular
 * expression matches stopped at the match limit, tests stopped after too
 * many value combinations), naming its patterns and the first place.
 */
void detect_job_report_limits(const struct detect_job *job, const struct detector *det);

/*
 * Results go to `spool`, a temporary file already unlinked in folder
 * `dir`, and reach the output at detect_job_finish(), so that a run that
 * must read its files again can drop what it printed. The job closes it.
 */
void detect_job_set_spool(struct detect_job *job, FILE *spool, const char *dir);

/* Drops the results printed so far (into the spool): the run starts again. */
void detect_job_restart(struct detect_job *job);

/*
 * Copies the spool to the output, if there is one, and flushes the
 * output; returns 2 when writing failed, else 0.
 */
int detect_job_finish(struct detect_job *job);
void detect_job_free(struct detect_job *job);

#endif
