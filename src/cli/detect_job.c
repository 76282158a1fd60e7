#include "detect_job.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"
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
		ok = rules_load_path(&job->rules, paths[i]) && ok;
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
		/*
		 * NOTE: a rule's timestamp_override, event_category_override and
		 * tiebreaker_field are not applied; the command's fields serve all.
		 */
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

static bool prepare_query(struct detect_job *job, struct detector *det,
			  struct detect_query *q)
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
	detector_add_query(det, q->ast);
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
		ok = prepare_query(job, det, &job->queries[i]) && ok;
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

static void format_alert(struct buf *b, const struct detect_query *q,
			 const struct detector_result *r)
{
	const struct candidate *last = detector_result_last(r);
	const char **docs = xcalloc(r->nevents, sizeof(*docs));
	size_t *lens = xcalloc(r->nevents, sizeof(*lens));
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
		if (m.host_name == NULL && r->events[i]->host != NULL) {
			m.host_name = r->events[i]->host;
			m.host_name_len = r->events[i]->host_len;
		}
	}
	alert_write(b, q->rule, &m);
	free(docs);
	free(lens);
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
	if (fwrite(job->line.data, 1, job->line.len, job->out) != job->line.len)
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

void detect_job_set_output(struct detect_job *job, FILE *out, const char *name)
{
	job->out = out;
	job->out_name = name;
}

int detect_job_finish(struct detect_job *job)
{
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
	buf_free(&job->line);
	buf_free(&job->members);
	free(job->date_fields);
	arena_free(&job->arena);
	if (job->table)
		detect_table_free(&job->columns);
}
