#include "detect_job.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "engine/eval_stats.h"
#include "engine/plan.h"
#include "eql/parse.h"
#include "rules/alert.h"
#include "util/diag.h"
#include "util/xalloc.h"

static void add_query(struct detect_job *job, const char *origin, const char *text,
		      size_t len, const struct rule *rule)
{
	struct detect_query *q;

	job->queries = xrealloc(job->queries, (job->nqueries + 1) * sizeof(*job->queries));
	q = &job->queries[job->nqueries++];
	q->origin = origin;
	q->text = text;
	q->len = len;
	q->rule = rule;
	q->ast = NULL;
}

/* `path` without trailing slashes, so that a folder's files print as rules/x.ndjson. */
static const char *trim_slashes(struct arena *arena, const char *path)
{
	size_t len = strlen(path);
	char *copy;

	while (len > 1 && path[len - 1] == '/')
		len--;
	if (path[len] == '\0')
		return path;
	copy = arena_alloc(arena, len + 1);
	memcpy(copy, path, len);
	copy[len] = '\0';
	return copy;
}

static bool load_rules(struct detect_job *job, const char *const *paths, size_t npaths,
		       bool include_disabled)
{
	size_t disabled = 0;
	bool ok = true;

	rule_set_init(&job->rules);
	job->rules_loaded = true;
	if (npaths == 0)
		ok = rules_load_bundled(&job->rules);
	for (size_t i = 0; i < npaths; i++)
		ok = rules_load_path(&job->rules, trim_slashes(&job->arena, paths[i])) && ok;
	if (!ok)
		return false;
	if (job->rules.count == 0) {
		diag_error("no EQL rule to run: the rule files hold none");
		return false;
	}

	for (size_t i = 0; i < job->rules.count; i++) {
		const struct rule *r = job->rules.rules[i];
		char *origin;

		/* Kibana does not run a disabled rule; neither do we, unless asked. */
		if (!r->enabled && !include_disabled) {
			disabled++;
			continue;
		}
		origin = arena_alloc(&job->arena, strlen(r->origin) + 32);
		sprintf(origin, "%s:%zu", r->origin, r->line);
		add_query(job, origin, r->query, r->query_len, r);
	}
	if (disabled > 0)
		diag_warn("%zu disabled rules not run (--include-disabled runs them)", disabled);
	if (job->nqueries == 0) {
		diag_error("no enabled EQL rule to run");
		return false;
	}
	return true;
}

/* Elasticsearch needs two clauses at least; "runs" counts, "until" does not. */
static void warn_single_clause(const struct detect_query *q)
{
	const struct eql_query *ast = q->ast;
	int64_t stages = 0;

	if (ast->kind != EQL_QUERY_SEQUENCE)
		return;
	for (size_t i = 0; i < ast->nclauses; i++)
		stages += ast->clauses[i].runs > 0 ? ast->clauses[i].runs : 1;
	if (stages >= 2)
		return;
	diag_warn("%s: this sequence has one clause, which Elasticsearch rejects; sitewatch "
		  "matches every event that passes the clause and has a value for each "
		  "join key that is not optional", q->origin);
}

/* True when a rule names a field (`rule_field`, NULL or "" for none) other than the command's. */
static bool differs(const char *rule_field, const char *command)
{
	return rule_field != NULL && rule_field[0] != '\0' &&
	       (command == NULL || strcmp(rule_field, command) != 0);
}

/* A rule's event_category_override, when it names another field than the command's. */
static const char *category_override(const struct detect_query *q,
				     const struct detect_job_options *opts)
{
	const char *field = q->rule != NULL ? q->rule->event_category_override : NULL;
	const char *command = opts->category_field ? opts->category_field : "event.category";

	return differs(field, command) ? field : NULL;
}

static void warn_override(const struct detect_query *q, const char *key, const char *field,
			  const char *instead)
{
	diag_warn("%s: rule '%s': its %s '%s' is not applied: %s", q->origin, q->rule->name,
		  key, field, instead);
}

/*
 * Warns about the overrides a rule cannot have. One run orders every
 * rule's events by one timestamp and one tiebreaker, so a rule that names
 * others gets one warning per field, with what is used instead.
 */
static void warn_overrides(const struct detect_query *q, const struct detect_job_options *opts)
{
	const struct rule *r = q->rule;
	const char *ts = opts->timestamp_field ? opts->timestamp_field : "@timestamp";
	const char *tb = opts->tiebreaker_field;
	char instead[256];

	if (r == NULL)
		return;
	if (differs(r->timestamp_field, ts)) {
		snprintf(instead, sizeof(instead), "events are ordered by %s (--timestamp-field), "
			 "one timestamp field for every rule of a run", ts);
		warn_override(q, "timestamp_field", r->timestamp_field, instead);
	}
	if (differs(r->timestamp_override, ts)) {
		snprintf(instead, sizeof(instead), "--from and --to test %s (--timestamp-field)", ts);
		warn_override(q, "timestamp_override", r->timestamp_override, instead);
	}
	if (differs(r->tiebreaker_field, tb)) {
		snprintf(instead, sizeof(instead), "events with the same timestamp are ordered by %s%s",
			 tb ? tb : "input order", tb ? " (--tiebreaker-field), then input order" : "");
		warn_override(q, "tiebreaker_field", r->tiebreaker_field, instead);
	}
}

static bool prepare_query(struct detect_job *job, struct detector *det,
			  struct detect_query *q, const struct detect_job_options *opts)
{
	struct eql_error err;

	memset(&err, 0, sizeof(err));
	q->ast = eql_parse(&job->arena, q->text, q->len, &err);
	if (q->ast == NULL ||
	    !plan_bind_dates(q->ast, detector_fields(det), job->date_fields, job->ndate_fields, &err)) {
		if (q->rule != NULL)
			diag_error("rule '%s' (%s) has an invalid query:", q->rule->name, q->origin);
		eql_error_print(stderr, q->rule ? "query" : q->origin, q->text, q->len, &err);
		return false;
	}
	warn_single_clause(q);
	warn_overrides(q, opts);
	detector_add_query_with(det, q->ast, category_override(q, opts));
	return true;
}

bool detect_job_init(struct detect_job *job, struct detector *det,
		     const struct detect_job_options *opts)
{
	bool ok = true;

	memset(job, 0, sizeof(*job));
	job->out = stdout;
	job->out_name = "stdout";
	job->table = opts->table;
	job->date_fields = xcalloc(opts->ndate_fields + 1, sizeof(*job->date_fields));
	job->date_fields[job->ndate_fields++] = opts->timestamp_field;
	for (size_t i = 0; i < opts->ndate_fields; i++)
		job->date_fields[job->ndate_fields++] = opts->date_fields[i].path;
	arena_init(&job->arena, 65536);
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	if (job->table)
		detect_table_init(&job->columns);

	if (opts->query != NULL)
		add_query(job, "query", opts->query, strlen(opts->query), NULL);
	else if (!load_rules(job, opts->rule_paths, opts->nrule_paths, opts->include_disabled))
		return false;

	for (size_t i = 0; i < job->nqueries; i++)
		ok = prepare_query(job, det, &job->queries[i], opts) && ok;
	return ok;
}

/* What a missing event of a sequence ("![...]") prints as. */
static const char missing_event[] = "{\"missing\":true}";

/* Appends the events of a result as a JSON array of their documents. */
static void append_events(struct buf *b, const struct detector_result *r)
{
	buf_putc(b, '[');
	for (size_t i = 0; i < r->nevents; i++) {
		if (i > 0)
			buf_putc(b, ',');
		if (r->events[i] == NULL)
			buf_puts(b, missing_event);
		else
			buf_append(b, r->events[i]->doc, r->events[i]->doc_len);
	}
	buf_putc(b, ']');
}

static void format_query_result(struct buf *b, const struct detector_result *r)
{
	if (r->keys == NULL) {
		buf_append(b, r->events[0]->doc, r->events[0]->doc_len);
		return;
	}
	buf_puts(b, "{\"join_keys\":");
	buf_append(b, r->keys, r->keys_len);
	buf_puts(b, ",\"events\":");
	append_events(b, r);
	buf_putc(b, '}');
}

/*
 * The distinct host names of the result's events, in event order, into
 * `names` (room for r->nevents); returns how many.
 */
static size_t distinct_hosts(const struct detector_result *r, const char **names, size_t *lens)
{
	size_t n = 0;

	for (size_t i = 0; i < r->nevents; i++) {
		const struct candidate *c = r->events[i];
		bool seen = false;

		if (c == NULL || c->host == NULL)
			continue;
		for (size_t k = 0; k < n && !seen; k++)
			seen = lens[k] == c->host_len && memcmp(names[k], c->host, c->host_len) == 0;
		if (!seen) {
			names[n] = c->host;
			lens[n++] = c->host_len;
		}
	}
	return n;
}

static void format_alert(struct buf *b, const struct detect_query *q,
			 const struct detector_result *r)
{
	const struct candidate *last = detector_result_last(r);
	const char **docs = xcalloc(r->nevents, sizeof(*docs));
	size_t *lens = xcalloc(r->nevents, sizeof(*lens));
	const char **hosts = xcalloc(r->nevents, sizeof(*hosts));
	size_t *host_lens = xcalloc(r->nevents, sizeof(*host_lens));
	struct alert_match m = {
		/* A sample of events without a timestamp is dated when it is found. */
		.timestamp_ms = last->untimed ? (int64_t)time(NULL) * 1000 : last->timestamp,
		.join_keys_json = r->keys ? r->keys : "[]",
		.join_keys_len = r->keys ? r->keys_len : 2,
		.events = docs,
		.event_lens = lens,
		.nevents = r->nevents,
	};

	for (size_t i = 0; i < r->nevents; i++) {
		if (r->events[i] == NULL) {
			docs[i] = missing_event;
			lens[i] = sizeof(missing_event) - 1;
			continue;
		}
		docs[i] = r->events[i]->doc;
		lens[i] = r->events[i]->doc_len;
	}
	m.nhost_names = distinct_hosts(r, hosts, host_lens);
	m.host_names = hosts;
	m.host_name_lens = host_lens;
	if (m.nhost_names > 0) {
		m.host_name = hosts[0];
		m.host_name_len = host_lens[0];
	}
	alert_write(b, q->rule, &m);
	free(docs);
	free(lens);
	free(hosts);
	free(host_lens);
}

/* Adds `members` at the end of the alert object that ends the line. */
static void add_members(struct buf *line, const char *members, size_t len)
{
	if (len == 0 || line->len == 0 || line->data[line->len - 1] != '}')
		return;
	line->len--;
	buf_putc(line, ',');
	buf_append(line, members, len);
	buf_putc(line, '}');
}

void detect_job_emit(struct detect_job *job, const struct detector_result *r,
		     const char *members, size_t members_len)
{
	const struct detect_query *q = &job->queries[r->query];

	buf_clear(&job->line);
	if (job->table) {
		if (!job->header_written)
			detect_table_header(&job->line);
		job->header_written = true;
		detect_table_row(&job->columns, &job->line,
				 q->rule ? rule_severity_name(q->rule->severity) : "-",
				 q->rule ? q->rule->name : "query", r);
	} else {
		if (q->rule != NULL) {
			format_alert(&job->line, q, r);
			add_members(&job->line, members, members_len);
		} else {
			format_query_result(&job->line, r);
		}
		buf_putc(&job->line, '\n');
	}
	if (job->spool != NULL) {
		/* After a failure the results are lost, and detect_job_finish() reports it. */
		if (job->spool_errno == 0 &&
		    fwrite(job->line.data, 1, job->line.len, job->spool) != job->line.len)
			job->spool_errno = errno != 0 ? errno : EIO;
		return;
	}
	if (fwrite(job->line.data, 1, job->line.len, job->out) != job->line.len)
		job->write_failed = true;
	if (job->flush_each && fflush(job->out) != 0)
		job->write_failed = true;
}

void detect_job_result(void *arg, const struct detector_result *r)
{
	struct detect_job *job = arg;

	buf_clear(&job->members);
	if (job->alert_hook != NULL && job->queries[r->query].rule != NULL &&
	    !job->alert_hook(job->alert_hook_arg, r, &job->members))
		return;
	detect_job_emit(job, r, job->members.data, job->members.len);
}

void detect_job_flush_each(struct detect_job *job, bool on)
{
	job->flush_each = on;
}

/* Patterns of a query's regular expressions named in a warning; the rest are counted. */
#define REPORTED_PATTERNS 3

/* Appends the regex patterns under `e` to `out` as "p1", "p2", counting them in `n`. */
static void collect_patterns(const struct eql_expr *e, struct buf *out, size_t *n)
{
	if (e == NULL)
		return;
	if (e->kind == EQL_EXPR_MATCH && e->op == EQL_OP_REGEX) {
		for (size_t i = 1; i < e->nargs; i++) {
			const struct eql_expr *p = e->args[i];

			if (p->kind != EQL_EXPR_STRING)
				continue;
			if (++*n <= REPORTED_PATTERNS) {
				buf_puts(out, *n > 1 ? ", " : "");
				buf_json_string(out, p->u.string.ptr, p->u.string.len);
			}
		}
		return;
	}
	for (size_t i = 0; i < e->nargs; i++)
		collect_patterns(e->args[i], out, n);
}

static void clause_patterns(const struct eql_clause *c, struct buf *out, size_t *n)
{
	if (c == NULL)
		return;
	collect_patterns(c->where, out, n);
	for (size_t i = 0; i < c->nby; i++)
		collect_patterns(c->by[i], out, n);
}

/* The query's regex patterns, for a warning: `"a", "b" and 2 more`. */
static void query_patterns(const struct eql_query *ast, struct buf *out)
{
	size_t n = 0;

	for (size_t i = 0; i < ast->nclauses; i++)
		clause_patterns(&ast->clauses[i], out, &n);
	clause_patterns(ast->until, out, &n);
	for (size_t i = 0; i < ast->nby; i++)
		collect_patterns(ast->by[i], out, &n);
	if (n > REPORTED_PATTERNS)
		buf_printf(out, " and %zu more", n - REPORTED_PATTERNS);
}

/* "rule 'NAME' (FILE:LINE)", or "query" for -q, for a warning about one query. */
static void query_label(const struct detect_query *q, struct buf *out)
{
	if (q->rule != NULL)
		buf_printf(out, "rule '%s' (%s)", q->rule->name, q->origin);
	else
		buf_puts(out, q->origin);
}

/*
 * NOTE: the count is per query, not per pattern: the evaluator counts
 * match-limit hits for all patterns together, so a query with several
 * patterns gets one count for them all.
 */
static void report_query_limits(const struct detect_query *q, const struct detector_query_stats *ls)
{
	const struct detector_limit_hits *rx = &ls->regex, *combos = &ls->combinations;
	struct buf label = BUF_INIT, patterns = BUF_INIT;

	query_label(q, &label);
	if (rx->count > 0) {
		query_patterns(q->ast, &patterns);
		diag_warn("%s: the match limit stopped %" PRIu64 " regular-expression match%s of %s, "
			  "counted as no match, the first at %s:%zu; simplify the pattern: nested "
			  "repetitions such as (.*a)* backtrack too long",
			  label.data, rx->count, rx->count == 1 ? "" : "es",
			  patterns.len > 0 ? patterns.data : "its patterns", rx->first_origin,
			  rx->first_line);
	}
	if (combos->count > 0)
		diag_warn("%s: %" PRIu64 " tests stopped after %u combinations of multi-valued field "
			  "values without a match, the first at %s:%zu; such events may be missed",
			  label.data, combos->count, EVAL_MAX_COMBINATIONS, combos->first_origin,
			  combos->first_line);
	buf_free(&label);
	buf_free(&patterns);
}

void detect_job_report_limits(const struct detect_job *job, const struct detector *det)
{
	for (size_t i = 0; i < job->nqueries; i++)
		report_query_limits(&job->queries[i], detector_query_stats(det, i));
}

void detect_job_set_output(struct detect_job *job, FILE *out, const char *name)
{
	job->out = out;
	job->out_name = name;
}

void detect_job_set_spool(struct detect_job *job, FILE *spool, const char *dir)
{
	job->spool = spool;
	job->spool_dir = dir;
	job->spool_errno = 0;
}

void detect_job_restart(struct detect_job *job)
{
	job->header_written = false;
	if (job->spool == NULL || job->spool_errno != 0)
		return;
	if (fflush(job->spool) != 0 || ftruncate(fileno(job->spool), 0) != 0 ||
	    fseek(job->spool, 0, SEEK_SET) != 0)
		job->spool_errno = errno;
}

/* Copies the spool, from its start, to the output. */
static void copy_spool(struct detect_job *job)
{
	char block[1 << 16];
	size_t n;

	if (fflush(job->spool) != 0 || fseek(job->spool, 0, SEEK_SET) != 0) {
		job->spool_errno = errno;
		return;
	}
	while ((n = fread(block, 1, sizeof(block), job->spool)) > 0) {
		if (fwrite(block, 1, n, job->out) != n) {
			job->write_failed = true;
			return;
		}
	}
	if (ferror(job->spool))
		job->spool_errno = errno != 0 ? errno : EIO;
}

int detect_job_finish(struct detect_job *job)
{
	if (job->spool != NULL && job->spool_errno == 0)
		copy_spool(job);
	if (job->spool_errno != 0) {
		diag_error("writing the results to a temporary file in %s failed: %s; make room "
			   "there, set TMPDIR to another folder, or give --sort-buffer all, which "
			   "needs no temporary file", job->spool_dir, strerror(job->spool_errno));
		return EXIT_FATAL;
	}
	if (fflush(job->out) != 0 || job->write_failed) {
		diag_error("writing the results to %s failed", job->out_name);
		return EXIT_FATAL;
	}
	return 0;
}

void detect_job_free(struct detect_job *job)
{
	for (size_t i = 0; i < job->nqueries; i++) {
		if (job->queries[i].ast != NULL)
			plan_release(job->queries[i].ast);
	}
	free(job->queries);
	if (job->rules_loaded)
		rule_set_free(&job->rules);
	if (job->spool != NULL)
		fclose(job->spool);
	buf_free(&job->line);
	buf_free(&job->members);
	free(job->date_fields);
	arena_free(&job->arena);
	if (job->table)
		detect_table_free(&job->columns);
}
