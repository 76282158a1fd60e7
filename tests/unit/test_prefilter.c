/*
 * Unit tests of the literal prefilter (plan_prefilter_* in
 * src/engine/plan.c) and its scanner (litscan_* in src/engine/litset.c).
 *
 * The property under test: the prefilter never rejects an event that some
 * clause matches. Every case checks it by evaluating the event for real
 * (event_fields_scan and eval_clause, as a run does); the cases cover the
 * ways a value's raw JSON can differ from the value (escapes, letter case,
 * characters that fold to ASCII, numbers read as text), and a generated
 * sweep combines query shapes with event values. Other cases check that
 * the prefilter does reject what it should, and is absent where it must be.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine/eval.h"
#include "engine/litset.h"
#include "engine/plan.h"
#include "eql/parse.h"
#include "event/fields.h"
#include "util/buf.h"

struct fixture {
	struct arena ast;
	struct arena scratch;
	struct field_set *fields;
	struct event_fields ev;
	struct eql_query *query;
	struct plan_prefilter *pf;
	int category_slot;
};

static struct fixture fx;

static void reset(void)
{
	plan_prefilter_free(fx.pf);
	fx.pf = NULL;
	if (fx.query != NULL)
		plan_release(fx.query);
	fx.query = NULL;
	arena_free(&fx.ast);
	arena_free(&fx.scratch);
	if (fx.fields != NULL)
		field_set_free(fx.fields);
	fx.fields = field_set_new();
	fx.category_slot = field_set_add(fx.fields, "event.category");
	arena_init(&fx.ast, 4096);
	arena_init(&fx.scratch, 4096);
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

/* Parses and plans `text` and builds its prefilter (NULL when it has none). */
static void plan(const char *text)
{
	struct eql_error err;
	const struct eql_query *queries[1];

	reset();
	memset(&err, 0, sizeof(err));
	fx.query = eql_parse(&fx.ast, text, strlen(text), &err);
	if (fx.query == NULL)
		fail_msg("parse error in %s: %s", text, err.message);
	if (!plan_bind(fx.query, fx.fields, &err))
		fail_msg("plan error in %s: %s", text, err.message);
	queries[0] = fx.query;
	fx.pf = plan_prefilter_new(queries, 1);
}

/* True when some clause of the planned query (or its until) matches `json`. */
static bool matches(const char *json)
{
	struct eval_ctx ctx = { .ev = &fx.ev, .scratch = &fx.scratch };
	char why[160];

	if (!event_fields_scan(fx.fields, NULL, json, strlen(json), &fx.ev, why, sizeof(why)))
		fail_msg("test event is not valid JSON: %s: %s", json, why);
	for (size_t i = 0; i < fx.query->nclauses; i++) {
		arena_reset(&fx.scratch);
		if (eval_clause(&fx.query->clauses[i], fx.category_slot, &ctx))
			return true;
	}
	arena_reset(&fx.scratch);
	return fx.query->until != NULL && eval_clause(fx.query->until, fx.category_slot, &ctx);
}

static bool passes(const char *json)
{
	return fx.pf == NULL || plan_prefilter_pass(fx.pf, json, strlen(json));
}

/* The property: a matching event always passes. Returns whether it matched. */
static bool check(const char *json)
{
	bool m = matches(json);

	if (m && !passes(json)) {
		struct buf d = BUF_INIT;

		plan_prefilter_describe(fx.pf, &d);
		fail_msg("the prefilter %s rejects a matching event: %s", d.data, json);
	}
	return m;
}

/* `json` matches and passes. */
static void expect_match(const char *json)
{
	if (!check(json))
		fail_msg("expected a match: %s", json);
}

/* `json` does not match, and the prefilter rejects it. */
static void expect_rejected(const char *json)
{
	assert_false(check(json));
	if (passes(json))
		fail_msg("expected the prefilter to reject: %s", json);
}

static void expect_no_prefilter(const char *query)
{
	plan(query);
	if (fx.pf != NULL) {
		struct buf d = BUF_INIT;

		plan_prefilter_describe(fx.pf, &d);
		fail_msg("%s should have no prefilter, got %s", query, d.data);
	}
}

/* ---- which queries get a prefilter ---- */

static void no_prefilter_without_literals(void **state)
{
	(void)state;
	expect_no_prefilter("process where true");
	expect_no_prefilter("file where not file.name : \"a.pth\"");
	expect_no_prefilter("file where file.name != \"a.pth\"");
	expect_no_prefilter("file where file.name not in (\"a.pth\", \"b.pth\")");
	expect_no_prefilter("file where file.name : \"a.pth\" or file.size > 10");
	expect_no_prefilter("file where file.name regex \"a[.]pth\"");
	expect_no_prefilter("file where file.name : \"*\"");
	expect_no_prefilter("file where concat(file.name, \"x\") : \"a.pthx\"");
	expect_no_prefilter("sequence [file where file.name : \"a.pth\"] [process where true]");
	expect_no_prefilter("sequence [file where file.name : \"a.pth\"] [file where true] "
			    "until [process where true]");
}

/* Literals that a number or a boolean could match through its text form give no needle. */
static void no_prefilter_for_scalar_text(void **state)
{
	(void)state;
	expect_no_prefilter("any where x : \"12*\"");
	expect_no_prefilter("any where x == \"42\"");
	expect_no_prefilter("any where x == \"true\"");
	expect_no_prefilter("any where x : \"*E20\"");
	expect_no_prefilter("any where x : \"infinity\"");
	expect_no_prefilter("any where x in (\"a.pth\", 5)");

	plan("any where x : \"1.0E20\"");
	expect_match("{\"x\":1e20}");
	plan("any where x : \"TRUE\"");
	expect_match("{\"x\":true}");
	plan("any where x == \"1e5\"");
	expect_match("{\"x\":100000}");
}

static void bundled_rule_rejects_ordinary_events(void **state)
{
	(void)state;
	plan("sequence by host.name with maxspan=5m\n[\n  any where\n  (\n    (\n"
	     "      event.category == \"file\" and event.type in (\"creation\", \"change\") and\n"
	     "      (\n        file.name in~ (\"sitecustomize.py\", \"usercustomize.py\", \"site.py\", "
	     "\"sitecustomize.pyc\") or\n        (file.name like~ \"*.pth\" and file.path like~ "
	     "(\"*site-packages*\", \"*dist-packages*\", \"*lib/python*\", \"*lib\\\\python*\"))\n"
	     "      ) and\n      not process.name in~ (\"pip\", \"pip3\", \"conda\", \"poetry\", "
	     "\"easy_install\", \"setup.py\")\n    ) or\n    (\n      event.category == \"registry\" "
	     "and event.type in (\"creation\", \"change\") and\n      registry.value.name in~ "
	     "(\"PYTHONSTARTUP\", \"PYTHONPATH\") and\n      registry.path like~ "
	     "(\"*\\\\Environment*\", \"*CurrentControlSet*\")\n    )\n  )\n]");
	assert_non_null(fx.pf);

	expect_match("{\"event\":{\"category\":[\"file\"],\"type\":[\"creation\"]},\"file\":{\"name\":"
		     "\"SiteCustomize.PY\",\"path\":\"/usr/lib/python3/dist-packages/SiteCustomize.PY\"},"
		     "\"host\":{\"name\":\"h\"}}");
	expect_match("{\"event\":{\"category\":\"file\",\"type\":\"change\"},\"file.name\":\"x.PTH\","
		     "\"file\":{\"path\":\"C:\\\\Python312\\\\Lib\\\\site-packages\\\\x.PTH\"}}");
	expect_match("{\"event\":{\"category\":\"registry\",\"type\":\"change\"},\"registry\":{"
		     "\"path\":\"HKU\\\\S-1\\\\Environment\\\\PYTHONPATH\",\"value\":{\"name\":\"PythonPath\"}}}");
	expect_rejected("{\"event\":{\"category\":[\"file\"],\"type\":[\"creation\"]},\"file\":{\"name\":"
			"\"mysite.py\",\"path\":\"/srv/mysite.py\"}}");
	expect_rejected("{\"event\":{\"category\":[\"process\"],\"type\":[\"start\"]},\"process\":{"
			"\"name\":\"python3\",\"args\":[\"python3\",\"-m\",\"site\"]}}");
	expect_rejected("{\"event\":{\"category\":[\"file\"],\"type\":[\"creation\"]},\"file\":{\"name\":"
			"\"model.pth.tmp\",\"path\":\"/data/model.pth.tmp\"}}");
}

/* ---- ways the raw text differs from the value ---- */

static void escapes_take_the_full_path(void **state)
{
	(void)state;
	plan("file where file.name == \"site.py\"");
	expect_match("{\"event\":{\"category\":\"file\"},\"file\":{\"name\":\"site\\u002epy\"}}");
	expect_match("{\"event\":{\"category\":\"file\"},\"file\":{\"name\":\"\\u0073ite.py\"}}");
	/* A backslash escaped by another is not a \u escape. */
	expect_rejected("{\"event\":{\"category\":\"file\"},\"file\":{\"name\":\"C:\\\\users\"}}");

	plan("file where file.path : \"*lib/python*\"");
	expect_match("{\"event\":{\"category\":\"file\"},\"file\":{\"path\":\"/usr/lib\\/python3\"}}");
	plan("file where file.path like \"*\\\\Environment*\"");
	expect_match("{\"event\":{\"category\":\"file\"},\"file\":{\"path\":\"HKU\\\\Environment\"}}");
	plan("file where file.name == \"a\\\"b.pth\"");
	expect_match("{\"event\":{\"category\":\"file\"},\"file\":{\"name\":\"a\\\"b.pth\"}}");
}

/* U+212A KELVIN SIGN, U+017F LONG S and U+0130 fold to k, s and i. */
static void characters_that_fold_to_ascii(void **state)
{
	(void)state;
	plan("file where file.name : \"kit.pth\"");
	expect_match("{\"event\":{\"category\":\"file\"},\"file\":{\"name\":\"\xe2\x84\xaait.pth\"}}");
	plan("file where file.name in~ (\"site.py\")");
	expect_match("{\"event\":{\"category\":\"file\"},\"file\":{\"name\":\"\xc5\xbfite.py\"}}");
	plan("file where file.name like~ \"*customize.py\"");
	expect_match("{\"event\":{\"category\":\"file\"},\"file\":{\"name\":\"s\xc4\xb0tecustomize.py\"}}");
	expect_rejected("{\"event\":{\"category\":\"file\"},\"file\":{\"name\":\"jos\xc3\xa9.txt\"}}");

	/* Case-sensitive needles do not care: ſ is not s for ==. */
	plan("file where file.name == \"site.py\"");
	expect_rejected("{\"event\":{\"category\":\"file\"},\"file\":{\"name\":\"\xc5\xbfite.py\"}}");
}

static void multi_valued_and_nested_fields(void **state)
{
	(void)state;
	plan("any where process.args : \"*sitecustomize*\"");
	expect_match("{\"process\":{\"args\":[\"python3\",[\"-X\",\"/x/SITECUSTOMIZE.py\"]]}}");
	expect_match("{\"process\":[{\"args\":\"a\"},{\"args\":\"/sitecustomize.py\"}]}");
	expect_match("{\"process.args\":\"sitecustomize\"}");
	expect_rejected("{\"process\":{\"args\":[\"python3\",\"-m\",\"site\"]}}");
}

static void quotes_bound_whole_values(void **state)
{
	(void)state;
	plan("file where file.name == \"site.py\"");
	expect_match("{\"event\":{\"category\":\"file\"},\"file\":{\"name\":\"site.py\"}}");
	expect_rejected("{\"event\":{\"category\":\"file\"},\"file\":{\"name\":\"mysite.py\"}}");
	expect_rejected("{\"event\":{\"category\":\"file\"},\"file\":{\"name\":\"site.pyc\"}}");

	plan("file where startsWith~(file.name, \"Site\") and endsWith(file.path, \".pth\")");
	expect_match("{\"event\":{\"category\":\"file\"},\"file\":{\"name\":\"site-x\",\"path\":\"/a.pth\"}}");
	expect_rejected("{\"event\":{\"category\":\"file\"},\"file\":{\"name\":\"my-site\",\"path\":\"/a.pth\"}}");

	plan("file where stringContains(file.path, \"packages\")");
	expect_match("{\"event\":{\"category\":\"file\"},\"file\":{\"path\":\"/site-packages/x\"}}");
}

static void sequences_take_every_clause(void **state)
{
	(void)state;
	plan("sequence by host.name [file where file.name : \"a.pth\"] "
	     "[process where process.name == \"python3.11\"] until [file where file.name : \"stop.txt\"]");
	assert_non_null(fx.pf);
	expect_match("{\"event\":{\"category\":\"file\"},\"file\":{\"name\":\"A.PTH\"}}");
	expect_match("{\"event\":{\"category\":\"process\"},\"process\":{\"name\":\"python3.11\"}}");
	expect_match("{\"event\":{\"category\":\"file\"},\"file\":{\"name\":\"stop.txt\"}}");
	expect_rejected("{\"event\":{\"category\":\"process\"},\"process\":{\"name\":\"python3\"}}");
}

/* ---- a generated sweep ---- */

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

static void sweep_never_rejects_a_match(void **state)
{
	char json[512];
	size_t matched = 0, rejected = 0;

	(void)state;
	for (size_t q = 0; q < sizeof(sweep_queries) / sizeof(sweep_queries[0]); q++) {
		plan(sweep_queries[q]);
		for (size_t i = 0; i < NVALUES; i++) {
			for (size_t j = 0; j < NVALUES; j++) {
				snprintf(json, sizeof(json), "{\"pad\":\"%0*d\",\"a\":%s,\"b\":%s}",
					 (int)((i * 7 + j) % 70), 0, sweep_values[i], sweep_values[j]);
				matched += check(json);
				rejected += !passes(json);
			}
		}
	}
	/* The sweep must exercise both outcomes, or it proves nothing. */
	assert_true(matched > 100);
	assert_true(rejected > 100);
}

/* ---- the scanner ---- */

/* A needle at every offset, so that it falls across each block boundary and in the tail. */
static void scanner_finds_needles_at_every_offset(void **state)
{
	struct litscan *scan = litscan_new();
	char text[300];

	(void)state;
	litscan_add(scan, "\"site.py\"", 9, true);
	litscan_add(scan, "egi", 3, false);
	litscan_seal(scan);
	for (size_t len = 0; len < 200; len++) {
		for (size_t at = 0; at + 9 <= len; at++) {
			memset(text, 'x', len);
			memcpy(text + at, "\"SITE.py\"", 9);
			if (!litscan_find(scan, text, len))
				fail_msg("needle at %zu of %zu not found", at, len);
			memset(text, 'x', len);
			memcpy(text + at, "\"SITE.px\"", 9);
			assert_false(litscan_find(scan, text, len));
		}
	}
	litscan_free(scan);
}

static void scanner_sees_escapes_by_parity(void **state)
{
	struct litscan *scan = litscan_new();
	char text[200];

	(void)state;
	litscan_add(scan, "abc", 3, false);
	litscan_seal(scan);
	for (size_t at = 0; at + 6 <= 150; at++) {
		memset(text, 'x', 150);
		memcpy(text + at, "\\u0061", 6);
		assert_true(litscan_find(scan, text, 150));
		if (at >= 1) {
			memcpy(text + at - 1, "\\\\u006", 6);
			assert_false(litscan_find(scan, text, 150));
		}
		if (at >= 2) {
			memcpy(text + at - 2, "\\\\\\u00", 6);
			assert_true(litscan_find(scan, text, 150));
		}
	}
	litscan_free(scan);
}

static void scanner_case_rules(void **state)
{
	struct litscan *cs = litscan_new(), *ci = litscan_new();

	(void)state;
	litscan_add(cs, "Abc", 3, false);
	litscan_seal(cs);
	litscan_add(ci, "abc", 3, true);
	litscan_seal(ci);
	assert_true(litscan_find(cs, "xxAbcxx", 7));
	assert_false(litscan_find(cs, "xxABCxx", 7));
	assert_true(litscan_find(ci, "xxABCxx", 7));
	/* '@' | 0x20 is '`': a candidate for the vector compare, but no match. */
	assert_false(litscan_find(ci, "xx@BCxx", 7));
	/* A character that folds to ASCII lets text through only for case-insensitive needles. */
	assert_true(litscan_find(ci, "xx\xe2\x84\xaa", 5));
	assert_false(litscan_find(cs, "xx\xe2\x84\xaa", 5));
	litscan_free(cs);
	litscan_free(ci);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(no_prefilter_without_literals, setup, teardown),
		cmocka_unit_test_setup_teardown(no_prefilter_for_scalar_text, setup, teardown),
		cmocka_unit_test_setup_teardown(bundled_rule_rejects_ordinary_events, setup, teardown),
		cmocka_unit_test_setup_teardown(escapes_take_the_full_path, setup, teardown),
		cmocka_unit_test_setup_teardown(characters_that_fold_to_ascii, setup, teardown),
		cmocka_unit_test_setup_teardown(multi_valued_and_nested_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(quotes_bound_whole_values, setup, teardown),
		cmocka_unit_test_setup_teardown(sequences_take_every_clause, setup, teardown),
		cmocka_unit_test_setup_teardown(sweep_never_rejects_a_match, setup, teardown),
		cmocka_unit_test(scanner_finds_needles_at_every_offset),
		cmocka_unit_test(scanner_sees_escapes_by_parity),
		cmocka_unit_test(scanner_case_rules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
