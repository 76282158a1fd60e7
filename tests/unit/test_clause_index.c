/*
 * Unit tests of the clause index (src/engine/clause_index.c), its needle
 * dictionary (src/engine/litdict.c) and the requirement of every node
 * (plan_condition_groups() in src/engine/plan.c).
 *
 * The property under test: for every clause of every query and every
 * event, clause_index_eval() gives what eval_clause() gives, and a clause
 * that the index rules out (clause_index_may_pass() false) is false. Each
 * check evaluates the event for real. The events cover the ways raw JSON
 * can differ from the values (escapes in values and keys, letter case,
 * characters that fold to ASCII, numbers and booleans, dotted and nested
 * keys), and a generated sweep runs many queries in one index over
 * combinations of values. Other cases check that the index does rule
 * clauses out, or the property would hold trivially.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine/clause_index.h"
#include "engine/eval.h"
#include "engine/litdict.h"
#include "engine/plan.h"
#include "eql/parse.h"
#include "event/fields.h"

#define MAX_QUERIES 32

struct fixture {
	struct arena ast;
	struct arena scratch;
	struct field_set *fields;
	struct event_fields ev;
	struct eql_query *queries[MAX_QUERIES];
	int category_slots[MAX_QUERIES];
	size_t nqueries;
	struct clause_index *idx;
	struct clause_marks *marks;
	size_t ruled_out;  /* clauses the index ruled out, over the fixture's life */
	size_t passed;     /* clauses that matched */
};

static struct fixture fx;

static void drop_index(void)
{
	clause_marks_free(fx.marks);
	clause_index_free(fx.idx);
	fx.marks = NULL;
	fx.idx = NULL;
}

static void reset(void)
{
	drop_index();
	for (size_t i = 0; i < fx.nqueries; i++)
		plan_release(fx.queries[i]);
	fx.nqueries = 0;
	arena_free(&fx.ast);
	arena_free(&fx.scratch);
	if (fx.fields != NULL)
		field_set_free(fx.fields);
	fx.fields = field_set_new();
	field_set_add(fx.fields, "event.category");
	arena_init(&fx.ast, 4096);
	arena_init(&fx.scratch, 4096);
	fx.ruled_out = fx.passed = 0;
}

static int setup(void **state)
{
	(void)state;
	memset(&fx, 0, sizeof(fx));
	event_fields_init(&fx.ev);
	reset();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	reset();
	field_set_free(fx.fields);
	fx.fields = NULL;
	arena_free(&fx.ast);
	arena_free(&fx.scratch);
	event_fields_free(&fx.ev);
	return 0;
}

/* Parses and plans a query whose categories are read from `category_field`. */
static void add_query_on(const char *text, const char *category_field)
{
	struct eql_error err;
	struct eql_query *q;

	drop_index();
	assert_true(fx.nqueries < MAX_QUERIES);
	memset(&err, 0, sizeof(err));
	q = eql_parse(&fx.ast, text, strlen(text), &err);
	if (q == NULL)
		fail_msg("parse error in %s: %s", text, err.message);
	if (!plan_bind(q, fx.fields, &err))
		fail_msg("plan error in %s: %s", text, err.message);
	fx.category_slots[fx.nqueries] = field_set_add(fx.fields, category_field);
	fx.queries[fx.nqueries++] = q;
}

static void add_query(const char *text)
{
	add_query_on(text, "event.category");
}

/* Builds the index over the queries added so far, as they are. */
static void seal_as_is(void)
{
	drop_index();
	fx.idx = clause_index_new(false);
	for (size_t i = 0; i < fx.nqueries; i++)
		clause_index_add(fx.idx, fx.queries[i], fx.category_slots[i]);
	clause_index_seal(fx.idx);
	fx.marks = clause_marks_new(fx.idx);
}

static size_t clause_count(void)
{
	size_t n = 0;

	for (size_t i = 0; i < fx.nqueries; i++)
		n += fx.queries[i]->nclauses + (fx.queries[i]->until != NULL);
	return n;
}

/*
 * Builds the index over the queries added so far and clauses that match
 * none of the test events: the index scans lines for needles only from
 * 16 clauses on (CI_MIN_SCAN_CLAUSES in clause_index.c).
 */
static void seal(void)
{
	while (clause_count() < 16)
		add_query("any where filler.never == \"nothing-here\"");
	seal_as_is();
}

static void plan_one(const char *text)
{
	reset();
	add_query(text);
	seal();
}

static size_t nclauses(const struct eql_query *q)
{
	return q->nclauses + (q->until != NULL);
}

static const struct eql_clause *clause_at(const struct eql_query *q, size_t i)
{
	return i < q->nclauses ? &q->clauses[i] : q->until;
}

/* Checks that clause_index_next() walks exactly the clauses that may pass, in order. */
static void check_walk(const char *json)
{
	struct clause_ref ref;
	size_t cursor = 0;

	for (size_t q = 0; q < fx.nqueries; q++) {
		for (size_t i = 0; i < nclauses(fx.queries[q]); i++) {
			if (!clause_index_may_pass(fx.idx, fx.marks, q, i))
				continue;
			if (!clause_index_next(fx.idx, fx.marks, &cursor, &ref))
				fail_msg("the walk ends before clause %zu of query %zu: %s", i, q, json);
			if (ref.query != q || ref.clause != i)
				fail_msg("the walk gives clause %zu of query %zu for %zu of %zu: %s",
					 ref.clause, ref.query, i, q, json);
		}
	}
	assert_false(clause_index_next(fx.idx, fx.marks, &cursor, &ref));
}

/*
 * The property, for every clause over `json`. Returns how many clauses
 * matched.
 */
static size_t check(const char *json)
{
	struct eval_ctx ctx = { .ev = &fx.ev, .scratch = &fx.scratch };
	char why[160];
	size_t matched = 0;

	if (fx.idx == NULL)
		seal();
	if (!event_fields_scan(fx.fields, NULL, json, strlen(json), &fx.ev, why, sizeof(why)))
		fail_msg("test event is not valid JSON: %s: %s", json, why);
	clause_index_mark(fx.idx, fx.marks, json, strlen(json), &fx.ev);
	for (size_t q = 0; q < fx.nqueries; q++) {
		for (size_t i = 0; i < nclauses(fx.queries[q]); i++) {
			struct clause_ref ref = { q, i };
			bool full, indexed, may;

			arena_reset(&fx.scratch);
			full = eval_clause(clause_at(fx.queries[q], i), fx.category_slots[q], &ctx);
			arena_reset(&fx.scratch);
			indexed = clause_index_eval(fx.idx, fx.marks, &ref, &ctx);
			may = clause_index_may_pass(fx.idx, fx.marks, q, i);
			if (full != indexed || (full && !may))
				fail_msg("clause %zu of query %zu: evaluated %d, through the index %d, "
					 "may pass %d, on %s", i, q, full, indexed, may, json);
			matched += full;
			fx.ruled_out += !may;
		}
	}
	check_walk(json);
	fx.passed += matched;
	return matched;
}

static void expect_match(const char *json)
{
	if (check(json) == 0)
		fail_msg("expected a match: %s", json);
}

/* `json` matches nothing, and the index rules out every clause. */
static void expect_ruled_out(const char *json)
{
	assert_int_equal(check(json), 0);
	for (size_t q = 0; q < fx.nqueries; q++)
		for (size_t i = 0; i < nclauses(fx.queries[q]); i++)
			if (clause_index_may_pass(fx.idx, fx.marks, q, i))
				fail_msg("expected clause %zu of query %zu to be ruled out: %s", i, q, json);
}

/* ---- what the index rules out ---- */

static void category_is_one_bit(void **state)
{
	(void)state;
	reset();
	add_query("process where true");
	add_query("file where true");
	add_query("any where true");
	add_query_on("process where true", "kind");
	seal();
	assert_int_equal(check("{\"event\":{\"category\":[\"network\",\"process\"]}}"), 2);
	assert_int_equal(check("{\"event\":{\"category\":\"Process\"}}"), 1);
	assert_int_equal(check("{\"event\":{\"category\":[1,true,null]}}"), 1);
	assert_int_equal(check("{\"kind\":\"process\",\"event\":{\"category\":\"file\"}}"), 3);
	assert_int_equal(check("{\"event.category\":\"process\"}"), 2);
	assert_true(fx.ruled_out >= 7);
}

static void needles_rule_out_clauses(void **state)
{
	(void)state;
	plan_one("process where process.name : \"certutil.exe\" and process.args : \"-decode\"");
	expect_match("{\"event\":{\"category\":\"process\"},\"process\":{\"name\":\"CertUtil.EXE\","
		     "\"args\":[\"certutil\",\"-DECODE\",\"x\"]}}");
	expect_ruled_out("{\"event\":{\"category\":\"process\"},\"process\":{\"name\":\"certutil.exe\","
			 "\"args\":[\"-encode\"]}}");
	expect_ruled_out("{\"event\":{\"category\":\"process\"},\"process\":{\"name\":\"cmd.exe\"}}");
}

/* A regex, a number or a bare wildcard gives no needle of its value, but needs its field's key. */
static void leaves_need_their_field_key(void **state)
{
	(void)state;
	plan_one("any where problemchild.prediction > 0.9 or x.yy regex \"a[0-9]+\" or "
		 "stringContains(zz.weird_name, \"q\")");
	expect_match("{\"problemchild\":{\"prediction\":0.99}}");
	expect_match("{\"problemchild.prediction\":1}");
	expect_match("{\"x\":[{\"yy\":\"b\"},{\"yy\":\"a12\"}]}");
	expect_match("{\"x.yy\":\"a1\"}");
	expect_match("{\"zz\":{\"weird_name\":\"aqa\"}}");
	/* The key reaches the scanner through an escape: the index must let it through. */
	expect_match("{\"problemchild\":{\"pre\\u0064iction\":1}}");
	expect_ruled_out("{\"problemchild\":{\"score\":0.99},\"x\":{\"y\":\"a1\"}}");
	/* Keys are case-sensitive, as the scanner's paths are. */
	expect_ruled_out("{\"problemchild\":{\"Prediction\":0.99}}");
	check("{\"problemchild\":{\"prediction\":null},\"x\":{\"yy\":5}}");
}

static void not_and_negations_need_nothing(void **state)
{
	(void)state;
	plan_one("process where not process.name : \"svchost.exe\" and process.pid != 4 and "
		 "not process.parent.name in (\"services.exe\") and not x regex \".*\"");
	expect_match("{\"event\":{\"category\":\"process\"}}");
	expect_match("{\"event\":{\"category\":\"process\"},\"process\":{\"name\":\"cmd.exe\"}}");
	assert_int_equal(check("{\"event\":{\"category\":\"process\"},\"process\":{\"name\":"
			       "\"SVCHOST.exe\"}}"), 0);
	assert_int_equal(check("{\"event\":{\"category\":\"process\"},\"x\":\"a\"}"), 0);
}

/* An `or` of many alternatives is skipped at once when none of their needles is there. */
static void nodes_inside_a_condition(void **state)
{
	(void)state;
	plan_one("process where process.name == \"bash\" and (process.args : \"-c\" or "
		 "(process.args : \"*curl*\" and process.parent.name regex~ \"java.*\") or "
		 "process.command_line like~ \"*wget *\")");
	expect_match("{\"event\":{\"category\":\"process\"},\"process\":{\"name\":\"bash\","
		     "\"args\":[\"bash\",\"-C\"]}}");
	expect_match("{\"event\":{\"category\":\"process\"},\"process\":{\"name\":\"bash\","
		     "\"args\":\"x CURL y\",\"parent\":{\"name\":\"JAVA8\"}}}");
	expect_match("{\"event\":{\"category\":\"process\"},\"process\":{\"name\":\"bash\","
		     "\"command_line\":\"WGET http://x\"}}");
	assert_int_equal(check("{\"event\":{\"category\":\"process\"},\"process\":{\"name\":\"bash\","
			       "\"args\":\"curl\",\"parent\":{\"name\":\"python\"}}}"), 0);
	assert_int_equal(check("{\"event\":{\"category\":\"process\"},\"process\":{\"name\":\"bash\"}}"), 0);
}

/* A needle is looked for only in events of the categories of the clauses that need it. */
static void needles_follow_categories(void **state)
{
	(void)state;
	reset();
	add_query("process where process.name == \"foo.exe\"");
	add_query("file where file.name == \"foo.exe\"");
	add_query_on("process where x == \"bar.exe\"", "kind");
	add_query("network where y == \"bar.exe\"");
	seal();
	assert_int_equal(check("{\"event\":{\"category\":\"file\"},\"file\":{\"name\":\"foo.exe\"}}"), 1);
	assert_int_equal(check("{\"event\":{\"category\":[\"file\",\"process\"]},"
			       "\"process\":{\"name\":\"foo.exe\"},\"file\":{\"name\":\"foo.exe\"}}"), 2);
	assert_int_equal(check("{\"event\":{\"category\":\"network\"},\"y\":\"bar.exe\"}"), 1);
	assert_int_equal(check("{\"kind\":\"process\",\"x\":\"bar.exe\"}"), 1);
	assert_int_equal(check("{\"kind\":\"process\",\"event\":{\"category\":\"file\"},"
			       "\"x\":\"bar.exe\",\"file\":{\"name\":\"foo.exe\"}}"), 2);
	expect_ruled_out("{\"event\":{\"category\":\"network\"},\"file\":{\"name\":\"foo.exe\"}}");
}

/* Below 16 clauses, lines are not scanned: only the category rules clauses out. */
static void few_clauses_skip_the_scan(void **state)
{
	(void)state;
	reset();
	add_query("process where process.name == \"foo.exe\"");
	seal_as_is();
	assert_int_equal(check("{\"event\":{\"category\":\"process\"},\"process\":{\"name\":\"x\"}}"), 0);
	assert_true(clause_index_may_pass(fx.idx, fx.marks, 0, 0));
	assert_int_equal(check("{\"event\":{\"category\":\"process\"},\"process\":{\"name\":\"foo.exe\"}}"), 1);
	expect_ruled_out("{\"event\":{\"category\":\"file\"},\"process\":{\"name\":\"foo.exe\"}}");
}

/* ---- raw forms that differ from the values ---- */

static void escapes_let_everything_through(void **state)
{
	(void)state;
	plan_one("any where file.name == \"site.py\" and file.path : \"*lib/python*\"");
	expect_match("{\"file\":{\"name\":\"site\\u002epy\",\"path\":\"/usr/lib/python3\"}}");
	expect_match("{\"file\":{\"name\":\"site.py\",\"path\":\"/usr/lib\\/python3\"}}");
	expect_match("{\"file\":{\"name\":\"site.py\",\"path\":\"/usr/LIB/Python3\"}}");
	/* An escaped backslash does not open a \u escape. */
	expect_ruled_out("{\"file\":{\"name\":\"C:\\\\u\",\"path\":\"x\"}}");
	check("{\"file\":{\"name\":\"site.py\",\"path\":\"\\\\\\u006cib/python\"}}");
}

/* U+212A KELVIN SIGN, U+017F LONG S and U+0130 fold to k, s and i. */
static void characters_that_fold_to_ascii(void **state)
{
	(void)state;
	reset();
	add_query("any where process.name : \"kit.exe\"");
	add_query("any where process.name in~ (\"site.py\")");
	add_query("any where process.name == \"site.py\"");
	seal();
	expect_match("{\"process\":{\"name\":\"\xe2\x84\xaait.exe\"}}");
	expect_match("{\"process\":{\"name\":\"\xc5\xbfite.py\"}}");
	expect_match("{\"process\":{\"name\":\"s\xc4\xb0te.py\"}}");
	/* Only the case-insensitive clauses may pass; == compares bytes. */
	check("{\"process\":{\"name\":\"\xc5\xbfite.py\"}}");
	assert_false(clause_index_may_pass(fx.idx, fx.marks, 2, 0));
	expect_ruled_out("{\"process\":{\"name\":\"jos\xc3\xa9.exe\"}}");
}

static void numbers_and_booleans(void **state)
{
	(void)state;
	reset();
	add_query("any where x : \"1.0E20\"");
	add_query("any where x : \"TRUE\"");
	add_query("any where x == \"1e5\"");
	add_query("any where x in (\"a.pth\", 5)");
	add_query("any where x == 5 and y == true");
	seal();
	expect_match("{\"x\":1e20}");
	expect_match("{\"x\":true}");
	expect_match("{\"x\":100000}");
	expect_match("{\"x\":5,\"y\":true}");
	expect_match("{\"x\":\"5\",\"y\":\"true\"}");
	check("{\"x\":\"a.pth\"}");
	check("{\"z\":5}");
}

static void sequences_and_until(void **state)
{
	(void)state;
	plan_one("sequence by host.name [file where file.name : \"a.pth\"] "
		 "[process where process.name == \"python3.11\"] until [file where file.name : \"stop.txt\"]");
	expect_match("{\"event\":{\"category\":\"file\"},\"file\":{\"name\":\"A.PTH\"}}");
	expect_match("{\"event\":{\"category\":\"process\"},\"process\":{\"name\":\"python3.11\"}}");
	expect_match("{\"event\":{\"category\":\"file\"},\"file\":{\"name\":\"stop.txt\"}}");
	expect_ruled_out("{\"event\":{\"category\":\"process\"},\"process\":{\"name\":\"python3\"}}");
}

/* ---- a generated sweep: many queries in one index ---- */

static const char *const sweep_queries[] = {
	"any where a == \"Site.py\"",
	"any where a : \"site.py\"",
	"any where a like \"*.PTH\"",
	"any where a like~ \"*.pth\"",
	"any where a : (\"si?e.py\", \"*customize*\")",
	"any where a in (\"site.py\", \"x-y\", null)",
	"any where a in~ (\"SITE.PY\", \"lib/python\")",
	"any where startsWith(a, \"sit\") and b : \"x*\"",
	"any where endsWith~(a, \".Py\") or b == \"x-y\"",
	"any where stringContains~(a, \"e.p\") and not b : \"zz\"",
	"any where (a : \"*site*\" or b : \"*pth\") and (a : \"*.py\" or b : \"x*\")",
	"any where a like (\"*/python*\", \"*\\\\python*\")",
	"any where a regex \"s.*y\" or b > 10",
	"any where not (a : \"site.py\" or b : \"x-y\") and a != null",
	"sequence [any where a : \"*.pth\"] [any where b : \"x*\"] until [any where a == \"zz\"]",
};

/* Raw JSON forms of values, several of which are the same string. */
static const char *const sweep_values[] = {
	"\"site.py\"", "\"Site.py\"", "\"SITE.PY\"", "\"site\\u002epy\"", "\"\\u0053ite.py\"",
	"\"\xc5\xbfite.py\"", "\"mysite.py\"", "\"site.pyc\"", "\"a.pth\"", "\"A.PTH\"",
	"\"a.pth.bak\"", "\"x-y\"", "\"X-Y\"", "\"x\\/y\"", "\"lib/python\"", "\"lib\\/python\"",
	"\"C:\\\\lib\\\\python\"", "\"sitecustomize\"", "\"usercUSTOMIZE.txt\"", "\"zz\"", "\"xzz\"",
	"12", "1e20", "true", "null", "[\"a.pth\",\"b\"]", "[1,\"site.py\"]", "{\"c\":\"site.py\"}",
	"\"\"", "\"s\"", "\"e.p\"", "\"ssite.pysite.py\"",
};

#define NVALUES (sizeof(sweep_values) / sizeof(sweep_values[0]))

static void sweep_agrees_with_evaluation(void **state)
{
	char json[512];
	size_t matched = 0;

	(void)state;
	reset();
	for (size_t q = 0; q < sizeof(sweep_queries) / sizeof(sweep_queries[0]); q++)
		add_query(sweep_queries[q]);
	seal();
	for (size_t i = 0; i < NVALUES; i++) {
		for (size_t j = 0; j < NVALUES; j++) {
			snprintf(json, sizeof(json), "{\"pad\":\"%0*d\",\"a\":%s,\"b\":%s}",
				 (int)((i * 7 + j) % 70), 0, sweep_values[i], sweep_values[j]);
			matched += check(json);
			/* The same value under a key of another name: the field is absent. */
			snprintf(json, sizeof(json), "{\"a2\":%s,\"b\":%s}", sweep_values[i],
				 sweep_values[j]);
			matched += check(json);
		}
	}
	/* The sweep must exercise both outcomes, or it proves nothing. */
	assert_true(matched > 500);
	assert_true(fx.ruled_out > 5000);
}

/* ---- the needle dictionary ---- */

struct found {
	bool ids[16];
};

static void note_hit(void *arg, uint32_t id)
{
	((struct found *)arg)->ids[id] = true;
}

static unsigned scan_text(const struct litdict *d, const char *text, size_t n, struct found *f)
{
	struct litdict_sink to = { note_hit, f, NULL, 0, LITDICT_ALL_TAGS };

	memset(f, 0, sizeof(*f));
	return litdict_scan(d, text, n, &to);
}

/* Each needle at every offset, so that it falls at the text's start, middle and end. */
static void dictionary_finds_needles_at_every_offset(void **state)
{
	struct litdict *d = litdict_new();
	struct found f;
	char text[200];

	(void)state;
	assert_int_equal(litdict_add(d, "\"site.py\"", 9, true, LITDICT_ALL_TAGS), 0);
	assert_int_equal(litdict_add(d, "egi", 3, false, LITDICT_ALL_TAGS), 1);
	assert_int_equal(litdict_add(d, "pid\"", 4, false, LITDICT_ALL_TAGS), 2);
	assert_int_equal(litdict_add(d, "egi", 3, false, LITDICT_ALL_TAGS), 1);
	assert_int_equal(litdict_add(d, "egi", 3, true, LITDICT_ALL_TAGS), 3);
	litdict_seal(d);
	assert_int_equal(litdict_count(d), 4);
	for (size_t len = 0; len < 120; len++) {
		for (size_t at = 0; at + 9 <= len; at++) {
			memset(text, 'x', len);
			memcpy(text + at, "\"SITE.py\"", 9);
			assert_int_equal(scan_text(d, text, len, &f), 0);
			assert_true(f.ids[0]);
			assert_false(f.ids[1] || f.ids[2] || f.ids[3]);
			memcpy(text + at, "EGI pid\"", 8);
			scan_text(d, text, len, &f);
			assert_true(f.ids[2] && f.ids[3]);
			assert_false(f.ids[0] || f.ids[1]);
			memcpy(text + at, "egi", 3);
			scan_text(d, text, len, &f);
			assert_true(f.ids[1] && f.ids[3]);
		}
	}
	litdict_free(d);
}

static void dictionary_reports_escapes_and_folding(void **state)
{
	struct litdict *cs = litdict_new(), *ci = litdict_new();
	struct found f;

	(void)state;
	litdict_add(cs, "Abcd", 4, false, LITDICT_ALL_TAGS);
	litdict_seal(cs);
	litdict_add(ci, "abcd", 4, true, LITDICT_ALL_TAGS);
	litdict_seal(ci);
	assert_int_equal(scan_text(cs, "xxABCDxx", 8, &f), 0);
	assert_false(f.ids[0]);
	assert_int_equal(scan_text(ci, "xxABCDxx", 8, &f), 0);
	assert_true(f.ids[0]);
	/* '@' | 0x20 is '`': an anchor candidate, not a match. */
	scan_text(ci, "xx@BCDxx", 8, &f);
	assert_false(f.ids[0]);
	assert_int_equal(scan_text(cs, "a\\u0041", 7, &f), LITDICT_ESCAPE);
	assert_int_equal(scan_text(cs, "a\\\\u0041", 8, &f), 0);
	assert_int_equal(scan_text(cs, "a\\\\\\u0041", 9, &f), LITDICT_ESCAPE);
	assert_int_equal(scan_text(ci, "xx\xe2\x84\xaa", 5, &f), LITDICT_FOLD);
	assert_int_equal(scan_text(cs, "xx\xe2\x84\xaa", 5, &f), 0);
	litdict_free(cs);
	litdict_free(ci);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(category_is_one_bit, setup, teardown),
		cmocka_unit_test_setup_teardown(needles_rule_out_clauses, setup, teardown),
		cmocka_unit_test_setup_teardown(leaves_need_their_field_key, setup, teardown),
		cmocka_unit_test_setup_teardown(not_and_negations_need_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(nodes_inside_a_condition, setup, teardown),
		cmocka_unit_test_setup_teardown(needles_follow_categories, setup, teardown),
		cmocka_unit_test_setup_teardown(few_clauses_skip_the_scan, setup, teardown),
		cmocka_unit_test_setup_teardown(escapes_let_everything_through, setup, teardown),
		cmocka_unit_test_setup_teardown(characters_that_fold_to_ascii, setup, teardown),
		cmocka_unit_test_setup_teardown(numbers_and_booleans, setup, teardown),
		cmocka_unit_test_setup_teardown(sequences_and_until, setup, teardown),
		cmocka_unit_test_setup_teardown(sweep_agrees_with_evaluation, setup, teardown),
		cmocka_unit_test(dictionary_finds_needles_at_every_offset),
		cmocka_unit_test(dictionary_reports_escapes_and_folding),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
