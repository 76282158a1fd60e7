/*
 * sitewatch check: parses and plans a query or rules without running them,
 * then lints them (src/lint; docs/check.md lists the lints).
 *
 * Findings go to stdout, for people or as JSON lines. A summary and every
 * fatal error (an unreadable rule file, an invalid query) go to stderr.
 * Exit status: 0 no finding, 1 findings, 2 a fatal error, which wins.
 *
 * Ownership: the rule set, the report and the output buffer belong to
 * cmd_check() and are freed before it returns.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "eql/parse.h"
#include "lint/format.h"
#include "lint/lint.h"
#include "rules/rule.h"
#include "util/buf.h"
#include "util/diag.h"
#include "util/xalloc.h"

enum {
	OPT_FORMAT = 256,
	OPT_IGNORE,
};

static const struct option long_options[] = {
	{ "query", required_argument, NULL, 'q' },
	{ "rules", required_argument, NULL, 'r' },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "ignore", required_argument, NULL, OPT_IGNORE },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void check_usage(FILE *out)
{
	fputs(
"usage: sitewatch check [-q QUERY | -r PATH... | PATH...] [OPTIONS]\n"
"\n"
"Parses and plans EQL queries or rules without running them, then reports\n"
"what Elasticsearch would reject or what probably misses events. Without -q,\n"
"-r or PATH, the bundled rules are checked.\n"
"\n"
"  -q, --query QUERY      check one EQL query\n"
"  -r, --rules PATH       check the rules of a Kibana rule file (JSON or NDJSON\n"
"                         export) or a folder of them; repeatable. A PATH\n"
"                         without -r is read the same way\n"
"      --format FORMAT    text (default): for people, with the query line and\n"
"                         a caret; json: one JSON object per finding and line\n"
"      --ignore CODE      skip one lint; repeatable. The codes:\n"
"                         non-ecs-field, single-clause-sequence,\n"
"                         wildcard-in-equality, case-sensitive-compare\n"
"  -h, --help             show this help\n"
"\n"
"Exit status: 0 no finding, 1 findings (warnings or errors), 2 fatal error\n"
"(bad usage, an unreadable rule file, an invalid query or rule).\n",
	      out);
}

struct check_args {
	const char *query;
	const char **rule_paths;
	size_t nrule_paths;
	bool json;
	struct lint_options lint;
};

struct check_run {
	struct check_args args;
	struct lint_report report;
	struct buf out;
	size_t queries;
	size_t with_findings;
	size_t findings;
	size_t errors;       /* findings of severity error */
	size_t invalid_queries;
	bool invalid;        /* some query or rule could not be checked */
	bool write_failed;
};

static void add_rule_path(struct check_args *a, const char *path)
{
	a->rule_paths = xrealloc(a->rule_paths, (a->nrule_paths + 1) * sizeof(*a->rule_paths));
	a->rule_paths[a->nrule_paths++] = path;
}

static bool parse_option(int opt, const char *arg, struct check_args *a)
{
	enum lint_code code;

	switch (opt) {
	case 'q':
		a->query = arg;
		return true;
	case 'r':
		add_rule_path(a, arg);
		return true;
	case OPT_FORMAT:
		if (strcmp(arg, "text") == 0 || strcmp(arg, "json") == 0) {
			a->json = strcmp(arg, "json") == 0;
			return true;
		}
		diag_error("invalid value '%s' for --format: expected text or json", arg);
		return false;
	case OPT_IGNORE:
		if (lint_code_parse(arg, &code)) {
			a->lint.skip[code] = true;
			return true;
		}
		diag_error("unknown lint '%s' for --ignore: expected non-ecs-field, "
			   "single-clause-sequence, wildcard-in-equality or case-sensitive-compare", arg);
		return false;
	}
	return false;
}

/* Returns 0 to go on, or the exit status to return at once (100 + status for --help). */
static int parse_args(int argc, char **argv, struct check_args *a)
{
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "q:r:h", long_options, NULL)) != -1) {
		if (opt == 'h') {
			check_usage(stdout);
			return 100 + EXIT_NOTHING_FOUND;
		}
		if (opt == '?' || !parse_option(opt, optarg, a)) {
			fputs("Run 'sitewatch check --help' for the options.\n", stderr);
			return EXIT_FATAL;
		}
	}
	for (int i = optind; i < argc; i++)
		add_rule_path(a, argv[i]);
	if (a->query != NULL && a->nrule_paths > 0) {
		diag_error("-q and rule paths cannot be used together: check a query or rules, not both");
		return EXIT_FATAL;
	}
	return 0;
}

/* Writes and empties the output buffer, so that it contains one query's findings at most. */
static void flush_out(struct check_run *run)
{
	/* Flushed at once so that findings and stderr's errors keep their order. */
	if (run->out.len > 0 && (fwrite(run->out.data, 1, run->out.len, stdout) != run->out.len ||
				 fflush(stdout) != 0))
		run->write_failed = true;
	buf_clear(&run->out);
}

static void print_findings(struct check_run *run, const struct lint_source *src)
{
	const struct lint_report *r = &run->report;

	if (!run->args.json && src->rule_id != NULL)
		buf_printf(&run->out, "%s%s: rule '%s' (%s):\n", run->with_findings > 0 ? "\n" : "",
			   src->origin, src->rule_name, src->rule_id);
	for (size_t i = 0; i < r->count; i++) {
		if (run->args.json)
			lint_format_json(&run->out, src, &r->findings[i]);
		else
			lint_format_text(&run->out, src, &r->findings[i]);
		if (r->findings[i].severity == LINT_ERROR)
			run->errors++;
	}
	run->findings += r->count + r->dropped;
	run->with_findings++;
	if (r->dropped > 0)
		diag_warn("%s: %zu more findings not shown: at most %d are kept per query",
			  src->origin, r->dropped, LINT_MAX_FINDINGS);
}

/* Checks one query or rule; an invalid one is reported on stderr as detect reports it. */
static void check_one(struct check_run *run, const struct lint_source *src)
{
	struct eql_error err;

	run->queries++;
	lint_report_clear(&run->report);
	if (!lint_check(src->text, src->len, &run->args.lint, &run->report, &err)) {
		if (src->rule_id != NULL)
			diag_error("rule '%s' (%s) has an invalid query:", src->rule_name, src->origin);
		eql_error_print(stderr, "query", src->text, src->len, &err);
		run->invalid_queries++;
		run->invalid = true;
		return;
	}
	if (run->report.count + run->report.dropped > 0)
		print_findings(run, src);
	flush_out(run);
}

static bool load_rules(struct rule_set *set, const struct check_args *a)
{
	bool ok = true;

	if (a->nrule_paths == 0)
		ok = rules_load_bundled(set);
	for (size_t i = 0; i < a->nrule_paths; i++)
		ok = rules_load_path(set, a->rule_paths[i]) && ok;
	if (ok && set->count == 0) {
		diag_error("no EQL rule to check: the rule files hold none");
		return false;
	}
	return ok;
}

/* Checks every rule, disabled ones too: a rule is linted before it is enabled. */
static void check_rules(struct check_run *run)
{
	struct rule_set set;

	rule_set_init(&set);
	if (!load_rules(&set, &run->args))
		run->invalid = true;
	for (size_t i = 0; i < set.count; i++) {
		const struct rule *r = set.rules[i];
		char origin[1024];
		struct lint_source src = {
			.origin = origin, .rule_id = r->rule_id, .rule_name = r->name,
			.text = r->query, .len = r->query_len,
		};

		snprintf(origin, sizeof(origin), "%s:%zu", r->origin, r->line);
		check_one(run, &src);
	}
	rule_set_free(&set);
}

static void print_summary(const struct check_run *run)
{
	struct buf line = BUF_INIT;
	size_t warnings = run->findings - run->errors;

	buf_printf(&line, "sitewatch: checked %zu %s", run->queries,
		   run->queries == 1 ? "query" : "queries");
	if (run->invalid_queries > 0)
		buf_printf(&line, ", %zu of them invalid", run->invalid_queries);
	if (run->findings == 0)
		buf_puts(&line, ": no finding");
	else
		buf_printf(&line, ": %zu finding%s (%zu error%s, %zu warning%s) in %zu of them",
			   run->findings, run->findings == 1 ? "" : "s", run->errors,
			   run->errors == 1 ? "" : "s", warnings, warnings == 1 ? "" : "s",
			   run->with_findings);
	fprintf(stderr, "%s\n", line.data);
	buf_free(&line);
}

int cmd_check(int argc, char **argv)
{
	struct check_run run;
	int status;

	memset(&run, 0, sizeof(run));
	status = parse_args(argc, argv, &run.args);
	if (status != 0) {
		free(run.args.rule_paths);
		return status >= 100 ? status - 100 : status;
	}
	lint_report_init(&run.report);

	if (run.args.query != NULL) {
		struct lint_source src = {
			.origin = "query", .text = run.args.query, .len = strlen(run.args.query),
		};

		check_one(&run, &src);
	} else {
		check_rules(&run);
	}

	status = run.invalid ? EXIT_FATAL : run.findings > 0 ? EXIT_FOUND : EXIT_NOTHING_FOUND;
	if (run.write_failed || fflush(stdout) != 0) {
		diag_error("writing the findings to stdout failed");
		status = EXIT_FATAL;
	}
	print_summary(&run);

	lint_report_free(&run.report);
	buf_free(&run.out);
	free(run.args.rule_paths);
	return status;
}
