/*
 * Unit tests of the lints of `sitewatch check` (src/lint): the ECS table
 * and its lookups, the nearest-name suggestions, the non-ECS namespaces,
 * the EQL renderer (exact texts, and a parse-render-parse round trip over
 * Elastic's rule corpus when $SITEWATCH_DATA contains it), each lint with the
 * suggestion it makes, the bundled T1546.018 rule, and the two output forms.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "eql/parse.h"
#include "lint/ecs.h"
#include "lint/format.h"
#include "lint/lint.h"
#include "lint/render.h"
#include "lint/vendor.h"
#include "rules/rule.h"
#include "util/buf.h"
#include "util/json.h"

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* ---- the ECS table ---- */

static void test_table_sorted_and_unique(void **state)
{
	(void)state;
	assert_true(lint_ecs_nfields > 2000);
	for (size_t i = 1; i < lint_ecs_nfields; i++)
		assert_true(strcmp(lint_ecs_fields[i - 1].name, lint_ecs_fields[i].name) < 0);
	for (size_t i = 0; i < lint_ecs_nfields; i++)
		assert_true(lint_ecs_fields[i].type < lint_ecs_ntypes);
}

static void test_find(void **state)
{
	(void)state;
	assert_string_equal(lint_ecs_type(lint_ecs_find("process.name")), "keyword");
	assert_string_equal(lint_ecs_type(lint_ecs_find("registry.value")), "keyword");
	assert_string_equal(lint_ecs_type(lint_ecs_find("@timestamp")), "date");
	assert_string_equal(lint_ecs_type(lint_ecs_find("process.pid")), "long");
	assert_non_null(lint_ecs_find("process.parent.executable"));
	assert_non_null(lint_ecs_find("registry.data.strings"));
	assert_null(lint_ecs_find("registry.value.name"));
	assert_null(lint_ecs_find("process"));
	assert_null(lint_ecs_find(""));
}

static void test_children_and_parents(void **state)
{
	(void)state;
	assert_true(lint_ecs_has_children("process.parent", 14));
	assert_true(lint_ecs_has_children("registry.data.strings", 13));
	assert_false(lint_ecs_has_children("process.nam", 11));
	assert_false(lint_ecs_has_children("process.pid", 11));
	/* process.name has the multi-field process.name.text. */
	assert_true(lint_ecs_has_children("process.name", 12));
	assert_false(lint_ecs_has_children("nosuchset", 9));

	assert_string_equal(lint_ecs_leaf_parent("registry.value.name")->name, "registry.value");
	assert_string_equal(lint_ecs_leaf_parent("process.name.x.y")->name, "process.name");
	assert_null(lint_ecs_leaf_parent("process.parent.nam"));
	assert_null(lint_ecs_leaf_parent("registry"));

	assert_string_equal(lint_ecs_open_parent("labels.env")->name, "labels");
	assert_string_equal(lint_ecs_open_parent("container.labels.app.tier")->name,
			    "container.labels");
	/* log.syslog is an object whose sub-fields ECS lists: not open. */
	assert_null(lint_ecs_open_parent("log.syslog.nothing"));
	assert_null(lint_ecs_open_parent("process.name"));
}

static const char *nearest(const char *path)
{
	const struct lint_ecs_field *near[3];

	return lint_ecs_suggest(path, near, 3) > 0 ? near[0]->name : NULL;
}

static void test_suggest(void **state)
{
	(void)state;
	assert_string_equal(nearest("process.comand_line"), "process.command_line");
	assert_string_equal(nearest("Process.Name"), "process.name");
	assert_string_equal(nearest("host.os_type"), "host.os.type");
	assert_string_equal(nearest("process.sha256"), "process.hash.sha256");
	assert_string_equal(nearest("file.extention"), "file.extension");
	assert_string_equal(nearest("parent.executable"), "process.parent.executable");
	/* Two neighbouring letters swapped count as one edit. */
	assert_string_equal(nearest("host.nmae"), "host.name");
	assert_string_equal(nearest("process.ipd"), "process.pid");
	assert_null(nearest("myapp.request_id"));
	assert_null(nearest("x"));
}

static void test_vendor_namespaces(void **state)
{
	(void)state;
	assert_string_equal(lint_vendor_owner("process.Ext.token.integrity_level_name"),
			    "Elastic Defend");
	assert_string_equal(lint_vendor_owner("file.Ext.original.path"), "Elastic Defend");
	assert_string_equal(lint_vendor_owner("process.parent.Ext.real.pid"), "Elastic Defend");
	assert_string_equal(lint_vendor_owner("Effective_process.executable"), "Elastic Defend");
	assert_non_null(lint_vendor_owner("winlog.event_data.TargetUserName"));
	assert_non_null(lint_vendor_owner("aws.cloudtrail.user_identity.arn"));
	assert_non_null(lint_vendor_owner("blocklist_label"));
	/* Ext after something that is no ECS field set, or a word that only starts with Ext. */
	assert_null(lint_vendor_owner("proces.Ext.token"));
	assert_null(lint_vendor_owner("process.Extra.x"));
	assert_null(lint_vendor_owner("Effective_process"));
	assert_null(lint_vendor_owner("registry.value.name"));
}

/* ---- rendering ---- */

/* Parses "any where COND" and returns the rendered condition (static buffer). */
static const char *render_condition(const char *cond)
{
	static char out[1024];
	struct arena arena;
	struct eql_error err;
	struct buf text = BUF_INIT, b = BUF_INIT;
	struct eql_query *q;

	arena_init(&arena, 4096);
	buf_printf(&text, "any where %s", cond);
	q = eql_parse(&arena, text.data, text.len, &err);
	if (q == NULL)
		fail_msg("'%s' does not parse: %s", cond, err.message);
	lint_render_expr(&b, q->clauses[0].where);
	snprintf(out, sizeof(out), "%s", b.data);
	buf_free(&b);
	buf_free(&text);
	arena_free(&arena);
	return out;
}

static void test_render_texts(void **state)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "a==1 and b : \"x\"", "a == 1 and b : \"x\"" },
		{ "a and b or c", "(a and b) or c" },
		{ "a or b or c", "a or b or c" },
		{ "a and (b or c)", "a and (b or c)" },
		{ "not (a or b)", "not (a or b)" },
		{ "not a == 1", "not a == 1" },
		{ "(a + b) * c == 2", "(a + b) * c == 2" },
		{ "a - (b - c) == 0", "a - (b - c) == 0" },
		{ "a + b in (1, 2)", "a + (b in (1, 2))" },
		{ "(a + b) in (1, 2)", "(a + b) in (1, 2)" },
		{ "-(-x) < 1", "-(-x) < 1" },
		{ "x.y like~ (\"A*\", \"b\")", "x.y like~ (\"A*\", \"b\")" },
		{ "x regex \"a.+\"", "x regex \"a.+\"" },
		{ "x not in~ (\"a\", 1, null, true)", "x not in~ (\"a\", 1, null, true)" },
		{ "startsWith~(?a.b, \"C:\\\\\")", "startsWith~(?a.b, \"C:\\\\\")" },
		{ "`my field`.`by` == \"q\\\"\\n\"", "`my field`.`by` == \"q\\\"\\n\"" },
		{ "x == \"\"\"raw\\path\"\"\"", "x == \"raw\\\\path\"" },
		{ "x > 1.5 and y < 2e3", "x > 1.5 and y < 2e+03" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_string_equal(render_condition(cases[i].in), cases[i].out);
}

/* Renders every condition and join key of `q` and checks that the text parses back to itself. */
static bool round_trip(const struct eql_query *q, char *failure, size_t failure_size)
{
	for (size_t i = 0; i < q->nclauses; i++) {
		struct buf first = BUF_INIT, again = BUF_INIT;
		struct arena arena;
		struct eql_error err;
		struct eql_query *back;
		bool same;

		lint_render_expr(&first, q->clauses[i].where);
		buf_puts(&again, "any where ");
		buf_append(&again, first.data, first.len);
		arena_init(&arena, 4096);
		back = eql_parse(&arena, again.data, again.len, &err);
		buf_clear(&again);
		if (back != NULL)
			lint_render_expr(&again, back->clauses[0].where);
		same = back != NULL && strcmp(first.data, again.data) == 0;
		if (!same)
			snprintf(failure, failure_size, "clause %zu: %s\n  rendered: %.300s\n  again:    %.300s",
				 i + 1, back ? "differs" : err.message, first.data,
				 again.data ? again.data : "");
		buf_free(&first);
		buf_free(&again);
		arena_free(&arena);
		if (!same)
			return false;
	}
	return true;
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct buf b = BUF_INIT;
	char chunk[65536];
	size_t n;

	if (f == NULL)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&b, chunk, n);
	fclose(f);
	*len = b.len;
	return buf_detach(&b);
}

/* Loads $SITEWATCH_DATA/detection-rules/eql-queries.json, or skips the test. */
static void load_corpus(struct json_doc *doc, const struct json_node **queries)
{
	const char *data = getenv("SITEWATCH_DATA");
	char path[4096];
	struct json_error err;
	size_t len = 0;
	char *text;

	snprintf(path, sizeof(path), "%s/detection-rules/eql-queries.json", data ? data : "");
	text = data ? read_file(path, &len) : NULL;
	if (text == NULL) {
		print_message("skipped: %s is not readable (set SITEWATCH_DATA to the shared "
			      "data folder)\n", path);
		skip();
	}
	assert_true(json_parse(doc, text, len, NULL, &err));
	free(text);
	*queries = json_get(doc->root, "queries");
	assert_non_null(*queries);
	assert_int_equal((*queries)->u.children.count, 1094);
}

static void test_render_round_trip_corpus(void **state)
{
	struct json_doc doc;
	const struct json_node *queries;
	size_t n = 0;

	(void)state;
	load_corpus(&doc, &queries);
	for (const struct json_node *q = queries->u.children.first; q != NULL; q = q->next) {
		const struct json_node *text = json_get(q, "query");
		struct arena arena;
		struct eql_error err;
		struct eql_query *ast;
		char failure[1024];

		arena_init(&arena, 65536);
		ast = eql_parse(&arena, text->u.string.ptr, text->u.string.len, &err);
		assert_non_null(ast);
		if (!round_trip(ast, failure, sizeof(failure)))
			fail_msg("%s: %s", json_get(q, "path")->u.string.ptr, failure);
		arena_free(&arena);
		n++;
	}
	assert_int_equal(n, 1094);
	json_doc_free(&doc);
}

/* ---- the lints ---- */

/* Shared by check(): set up and freed around the whole group. */
static struct lint_report report;

static int setup(void **state)
{
	(void)state;
	lint_report_init(&report);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	lint_report_free(&report);
	return 0;
}

/* Checks `query` with every lint and returns the report; the query must be valid. */
static const struct lint_report *check(const char *query)
{
	struct eql_error err;

	lint_report_clear(&report);
	if (!lint_check(query, strlen(query), NULL, &report, &err))
		fail_msg("'%s' is invalid: %s", query, err.message);
	return &report;
}

/* The only finding of `query`, which must have exactly one. */
static const struct lint_finding *only(const char *query)
{
	const struct lint_report *r = check(query);

	if (r->count != 1)
		fail_msg("'%s' gives %zu findings, not 1%s%s", query, r->count,
			 r->count ? ": first " : "", r->count ? r->findings[0].message : "");
	return &r->findings[0];
}

static void assert_suggests(const char *query, enum lint_code code, const char *suggestion)
{
	const struct lint_finding *f = only(query);

	assert_string_equal(lint_code_name(f->code), lint_code_name(code));
	if (suggestion == NULL)
		assert_null(f->suggestion);
	else
		assert_string_equal(f->suggestion, suggestion);
}

static void assert_clean(const char *query)
{
	const struct lint_report *r = check(query);

	if (r->count != 0)
		fail_msg("'%s' should give no finding, got %s: %s", query,
			 lint_code_name(r->findings[0].code), r->findings[0].message);
}

static void test_single_clause_sequence(void **state)
{
	const struct lint_finding *f;

	(void)state;
	f = only("sequence by host.name [any where process.pid == 1]");
	assert_int_equal(f->code, LINT_SINGLE_CLAUSE_SEQUENCE);
	assert_int_equal(f->severity, LINT_ERROR);
	assert_int_equal(f->pos.line, 1);
	assert_int_equal(f->pos.column, 1);
	assert_string_equal(f->suggestion, "any where host.name != null and (process.pid == 1)");

	assert_suggests("sequence by host.name, ?user.id with maxspan=1m\n"
			"  [process where process.pid == 1 or process.pid == 2] by process.entity_id | head 3",
			LINT_SINGLE_CLAUSE_SEQUENCE,
			"process where host.name != null and process.entity_id != null and "
			"(process.pid == 1 or process.pid == 2) | head 3");
	assert_suggests("sequence [file where true]", LINT_SINGLE_CLAUSE_SEQUENCE, "file where true");
	assert_suggests("sequence by host.id [file where true]", LINT_SINGLE_CLAUSE_SEQUENCE,
			"file where host.id != null");
	assert_suggests("sequence by host.id [\"my category\" where true] with runs=1",
			LINT_SINGLE_CLAUSE_SEQUENCE, "\"my category\" where host.id != null");
	f = only("sequence by host.id [file where true] until [process where true]");
	assert_non_null(strstr(f->message, "until"));

	assert_clean("sequence by host.id [file where true] with runs=2");
	assert_clean("sequence by host.id [file where true] [process where true]");
	assert_clean("file where true");
}

static void test_non_ecs_field(void **state)
{
	const struct lint_finding *f;

	(void)state;
	f = only("registry where registry.value.name == \"PYTHONPATH\"");
	assert_int_equal(f->code, LINT_NON_ECS_FIELD);
	assert_int_equal(f->severity, LINT_WARNING);
	assert_int_equal(f->pos.column, 16);
	assert_string_equal(f->suggestion, "registry.value");
	assert_non_null(strstr(f->message, "registry.value is a keyword field"));

	assert_suggests("process where process.comand_line : \"*x*\"", LINT_NON_ECS_FIELD,
			"process.command_line");
	f = only("process where myapp.request == \"1\" and myapp.request == \"2\"");
	assert_null(f->suggestion);
	assert_non_null(strstr(f->message, "no field set named 'myapp'"));

	assert_clean("process where process.Ext.token.integrity_level_name == \"high\"");
	assert_clean("file where file.Ext.original.path : \"x\" and labels.team == \"red\"");
	assert_clean("any where winlog.event_data.TargetUserName == \"x\" and Effective_process.pid == 1");
	assert_clean("sequence by process.entity_id [process where true] [network where true]");
}

static void test_wildcard_in_equality(void **state)
{
	const struct lint_finding *f;

	(void)state;
	f = only("process where process.name == \"*.exe\"");
	assert_int_equal(f->code, LINT_WILDCARD_IN_EQUALITY);
	assert_int_equal(f->pos.column, 31);
	assert_string_equal(f->suggestion, "process.name : \"*.exe\"");

	assert_suggests("any where user.name == \"adm*\"", LINT_WILDCARD_IN_EQUALITY,
			"user.name like \"adm*\"");
	assert_suggests("any where \"adm*\" == user.name", LINT_WILDCARD_IN_EQUALITY,
			"user.name like \"adm*\"");
	assert_suggests("any where user.name != \"adm?n\"", LINT_WILDCARD_IN_EQUALITY,
			"not user.name like \"adm?n\"");
	assert_suggests("any where user.name in (\"root\", \"adm*\")", LINT_WILDCARD_IN_EQUALITY,
			"user.name like (\"root\", \"adm*\")");
	assert_suggests("any where user.name in~ (\"adm*\")", LINT_WILDCARD_IN_EQUALITY,
			"user.name : \"adm*\"");
	assert_suggests("any where user.name not in (\"adm*\")", LINT_WILDCARD_IN_EQUALITY,
			"not user.name like \"adm*\"");
	assert_suggests("any where user.name in (\"adm*\", 1)", LINT_WILDCARD_IN_EQUALITY, NULL);

	assert_clean("any where user.name : \"adm*\" and user.name like \"x*\"");
	assert_clean("any where user.name == \"admin\"");
}

static void test_case_sensitive(void **state)
{
	const struct lint_finding *f;

	(void)state;
	f = only("process where process.name == \"cmd.exe\"");
	assert_int_equal(f->code, LINT_CASE_SENSITIVE);
	assert_int_equal(f->pos.column, 28);
	assert_string_equal(f->suggestion, "process.name : \"cmd.exe\"");

	assert_suggests("file where file.path != \"C:\\\\x\"", LINT_CASE_SENSITIVE,
			"not file.path : \"C:\\\\x\"");
	assert_suggests("process where process.name in (\"a.exe\", \"b.exe\")", LINT_CASE_SENSITIVE,
			"process.name in~ (\"a.exe\", \"b.exe\")");
	assert_suggests("process where process.name not in (\"a.exe\")", LINT_CASE_SENSITIVE,
			"process.name not in~ (\"a.exe\")");
	assert_suggests("file where host.os.type == \"windows\" and file.name like \"*.py\"",
			LINT_CASE_SENSITIVE, "file.name like~ \"*.py\"");
	assert_suggests("file where file.name regex \"[a-z]+\\\\.py\" and file.path : \"C:\\\\*\"",
			LINT_CASE_SENSITIVE, "file.name regex~ \"[a-z]+\\\\.py\"");
	assert_suggests("process where startsWith(process.executable, \"C:\\\\\")", LINT_CASE_SENSITIVE,
			"startsWith~(process.executable, \"C:\\\\\")");
	assert_suggests("registry where registry.value == \"Run\"", LINT_CASE_SENSITIVE,
			"registry.value : \"Run\"");
	/* Cross-platform: only the value that looks like a Windows one. */
	assert_suggests("process where process.name in (\"bash\", \"sh\") or "
			"process.parent.name == \"cmd.exe\"", LINT_CASE_SENSITIVE,
			"process.parent.name : \"cmd.exe\"");
	assert_suggests("process where host.os.type in (\"linux\", \"windows\") and "
			"process.name in (\"bash\", \"sh\", \"cmd.exe\")", LINT_CASE_SENSITIVE,
			"process.name in~ (\"bash\", \"sh\", \"cmd.exe\")");
	assert_suggests("file where host.os.type == \"windows\" and file.extension == \"lnk\"",
			LINT_CASE_SENSITIVE, "file.extension : \"lnk\"");

	/* No Windows hint: only plainly Windows values are reported. */
	assert_clean("file where file.name like \"*.py\" and process.name == \"python3\"");
	assert_clean("file where file.extension == \"lnk\"");
	/* A Windows path and a Unix path: cross-platform, so "bash" is not reported. */
	assert_clean("process where file.path : \"C:\\\\x\" and process.executable : \"/usr/bin/*\" "
		     "and process.name == \"bash\"");
	assert_clean("process where process.name == \"123\"");
	assert_clean("process where process.name : \"cmd.exe\" and process.name in~ (\"a\")");
	assert_clean("process where startsWith~(process.name, \"a\")");
	assert_clean("process where host.os.type == \"linux\" and process.name == \"bash\"");
	assert_clean("process where host.os.type != \"windows\" and process.name == \"bash\"");
	assert_clean("sequence by host.id [process where host.os.type == \"macos\"] "
		     "[file where file.name == \"x.plist\"]");
	assert_clean("process where user.name == \"root\"");
}

static void test_options_skip(void **state)
{
	struct lint_options opts = { { false } };
	struct lint_report r;
	struct eql_error err;
	const char *q = "sequence by host.name [any where registry.value.name == \"*x\" or "
			"process.name == \"a\"]";

	(void)state;
	lint_report_init(&r);
	assert_true(lint_check(q, strlen(q), &opts, &r, &err));
	assert_int_equal(r.count, 4);
	/* Sorted by position: the sequence, the field, the wildcard, the case. */
	assert_int_equal(r.findings[0].code, LINT_SINGLE_CLAUSE_SEQUENCE);
	assert_int_equal(r.findings[1].code, LINT_NON_ECS_FIELD);
	assert_int_equal(r.findings[2].code, LINT_WILDCARD_IN_EQUALITY);
	assert_int_equal(r.findings[3].code, LINT_CASE_SENSITIVE);

	for (int c = 0; c < LINT_NCODES; c++)
		opts.skip[c] = true;
	lint_report_clear(&r);
	assert_true(lint_check(q, strlen(q), &opts, &r, &err));
	assert_int_equal(r.count, 0);
	lint_report_free(&r);
}

static void test_invalid_query(void **state)
{
	struct lint_report r;
	struct eql_error err;

	(void)state;
	lint_report_init(&r);
	assert_false(lint_check("process where", 13, NULL, &r, &err));
	assert_false(lint_check("process where foo(1)", 20, NULL, &r, &err));
	assert_non_null(strstr(err.message, "unknown function 'foo'"));
	assert_false(lint_check("process where length(1)", 23, NULL, &r, &err));
	assert_int_equal(r.count, 0);
	lint_report_free(&r);
}

static void test_codes(void **state)
{
	enum lint_code c;

	(void)state;
	for (int i = 0; i < LINT_NCODES; i++) {
		assert_true(lint_code_parse(lint_code_name((enum lint_code)i), &c));
		assert_int_equal(c, i);
	}
	assert_false(lint_code_parse("nope", &c));
}

/* The bundled T1546.018 rule: the one-clause sequence and registry.value.name, nothing else. */
static void test_bundled_rule(void **state)
{
	struct rule_set set;
	const struct lint_report *r;

	(void)state;
	rule_set_init(&set);
	assert_true(rules_load_bundled(&set));
	assert_true(set.count >= 1);
	r = check(rule_set_find(&set, "b35a1168-8786-4175-9c28-f062179fc1c7")->query);
	assert_int_equal(r->count, 2);
	assert_int_equal(r->findings[0].code, LINT_SINGLE_CLAUSE_SEQUENCE);
	assert_true(starts_with(r->findings[0].suggestion, "any where host.name != null and (("));
	assert_int_equal(r->findings[1].code, LINT_NON_ECS_FIELD);
	assert_string_equal(r->findings[1].suggestion, "registry.value");
	assert_int_equal(r->findings[1].pos.line, 15);
	assert_int_equal(r->findings[1].pos.column, 7);
	rule_set_free(&set);
}

/* ---- output ---- */

static void test_format(void **state)
{
	const char *q = "process where\n\tprocess.name == \"cmd.exe\"";
	struct lint_source src = { .origin = "rules.ndjson:3", .rule_id = "r-1",
				   .rule_name = "A \"quoted\" name", .text = q, .len = strlen(q) };
	const struct lint_report *r = check(q);
	struct buf b = BUF_INIT;

	(void)state;
	assert_int_equal(r->count, 1);
	lint_format_text(&b, &src, &r->findings[0]);
	assert_true(starts_with(b.data, "query:2:15: warning: '==' is case-sensitive"));
	assert_non_null(strstr(b.data, "[case-sensitive-compare]\n\tprocess.name == \"cmd.exe\"\n"
				       "\t             ^\n  suggestion: process.name : \"cmd.exe\"\n"));

	buf_clear(&b);
	lint_format_json(&b, &src, &r->findings[0]);
	assert_true(starts_with(b.data, "{\"origin\":\"rules.ndjson:3\",\"rule_id\":\"r-1\","
				    "\"rule_name\":\"A \\\"quoted\\\" name\",\"line\":2,\"column\":15,"
				    "\"code\":\"case-sensitive-compare\",\"severity\":\"warning\","
				    "\"message\":"));
	assert_non_null(strstr(b.data, ",\"suggestion\":\"process.name : \\\"cmd.exe\\\"\"}\n"));

	src.rule_id = src.rule_name = NULL;
	buf_clear(&b);
	lint_format_json(&b, &src, &r->findings[0]);
	assert_non_null(strstr(b.data, "\"rule_id\":null,\"rule_name\":null,"));
	buf_free(&b);
}

/* Every corpus query checks without error; prints how many get each finding. */
static void test_corpus_checks(void **state)
{
	struct json_doc doc;
	const struct json_node *queries;
	size_t with[LINT_NCODES] = { 0 };

	(void)state;
	load_corpus(&doc, &queries);
	for (const struct json_node *q = queries->u.children.first; q != NULL; q = q->next) {
		const struct json_node *text = json_get(q, "query");
		const struct lint_report *r = check(text->u.string.ptr);
		bool seen[LINT_NCODES] = { false };

		for (size_t i = 0; i < r->count; i++)
			seen[r->findings[i].code] = true;
		for (int c = 0; c < LINT_NCODES; c++)
			with[c] += seen[c];
	}
	for (int c = 0; c < LINT_NCODES; c++)
		print_message("%s: %zu of 1094 queries\n", lint_code_name((enum lint_code)c), with[c]);
	json_doc_free(&doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_sorted_and_unique),
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_children_and_parents),
		cmocka_unit_test(test_suggest),
		cmocka_unit_test(test_vendor_namespaces),
		cmocka_unit_test(test_render_texts),
		cmocka_unit_test(test_render_round_trip_corpus),
		cmocka_unit_test(test_single_clause_sequence),
		cmocka_unit_test(test_non_ecs_field),
		cmocka_unit_test(test_wildcard_in_equality),
		cmocka_unit_test(test_case_sensitive),
		cmocka_unit_test(test_options_skip),
		cmocka_unit_test(test_invalid_query),
		cmocka_unit_test(test_codes),
		cmocka_unit_test(test_bundled_rule),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_corpus_checks),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
