/*
 * Unit tests of condition evaluation (src/engine/eval.c) and planning
 * (src/engine/plan.c): operators and precedence, the null and missing
 * field rules, multi-valued and nested fields, `:`/like/regex, categories,
 * plan errors with their positions, and the published T1546.018 rule.
 * Each query is parsed by eql_parse and each event scanned by
 * event_fields_scan, as in a run.
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
#include "engine/eval_stats.h"
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
	struct eql_error err;
	int category_slot;
};

static struct fixture fx;

static void reset(void)
{
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
	arena_free(&fx.ast);
	arena_free(&fx.scratch);
	event_fields_free(&fx.ev);
	return 0;
}

/* Parses and plans `text`; false with fx.err on a plan error. */
static bool plan(const char *text)
{
	reset();
	fx.query = eql_parse(&fx.ast, text, strlen(text), &fx.err);
	if (fx.query == NULL)
		fail_msg("parse error in %s: %s", text, fx.err.message);
	if (!plan_bind(fx.query, fx.fields, &fx.err)) {
		fx.query = NULL;
		return false;
	}
	return true;
}

static void scan(const char *json)
{
	const struct scan_limits limits = SCAN_LIMITS_DEFAULT;
	char why[128];

	if (!event_fields_scan(fx.fields, &limits, json, strlen(json), &fx.ev, why, sizeof(why)))
		fail_msg("scan error in %s: %s", json, why);
}

/* The truth of the condition of "any where COND" over the event `json`. */
static enum truth cond(const char *condition, const char *json)
{
	char text[2048];
	struct eval_ctx ctx = { .ev = &fx.ev, .scratch = &fx.scratch };

	snprintf(text, sizeof(text), "any where %s", condition);
	if (!plan(text))
		fail_msg("plan error in %s: %s", text, fx.err.message);
	scan(json);
	return eval_condition(fx.query->clauses[0].where, &ctx);
}

/* Whether the first clause of `query` passes the event `json`. */
static bool passes(const char *query, const char *json)
{
	struct eval_ctx ctx = { .ev = &fx.ev, .scratch = &fx.scratch };

	if (!plan(query))
		fail_msg("plan error in %s: %s", query, fx.err.message);
	scan(json);
	return eval_clause(&fx.query->clauses[0], fx.category_slot, &ctx);
}

/* The plan error of "any where COND"; the column counts from COND's first character (1). */
static const char *plan_error(const char *condition, int *column)
{
	char text[1024];

	snprintf(text, sizeof(text), "any where %s", condition);
	if (plan(text))
		fail_msg("no plan error for %s", text);
	*column = fx.err.pos.column - (int)strlen("any where ");
	return fx.err.message;
}

#define T TRUTH_TRUE
#define F TRUTH_FALSE
#define N TRUTH_NULL

/* ---- operators ---- */

static void arithmetic_precedence(void **state)
{
	(void)state;
	assert_int_equal(cond("1 + 2 * 3 == 7", "{}"), T);
	assert_int_equal(cond("(1 + 2) * 3 == 9", "{}"), T);
	assert_int_equal(cond("10 - 2 - 3 == 5", "{}"), T);
	assert_int_equal(cond("-x == -5", "{\"x\":5}"), T);
	assert_int_equal(cond("7 / 2 == 3", "{}"), T);
	assert_int_equal(cond("7 / 2.0 == 3.5", "{}"), T);
	assert_int_equal(cond("-7 % 3 == -1", "{}"), T);
	assert_int_equal(cond("x / 2 == 41", "{\"x\":83}"), T);
	assert_int_equal(cond("x % 40 == 2", "{\"x\":82}"), T);
}

static void arithmetic_nulls(void **state)
{
	(void)state;
	assert_int_equal(cond("1 / 0 == 0", "{}"), N);
	assert_int_equal(cond("x + 1 == 1", "{}"), N);
	assert_int_equal(cond("9223372036854775807 + 1 > 0", "{}"), N);
	assert_int_equal(cond("x + 1 == 2", "{\"x\":\"1\"}"), T);
}

static void logical_precedence(void **state)
{
	const char *ev = "{\"a\":\"x\",\"b\":\"n\",\"c\":\"n\"}";

	(void)state;
	assert_int_equal(cond("a == \"x\" or b == \"y\" and c == \"z\"", ev), T);
	assert_int_equal(cond("(a == \"x\" or b == \"y\") and c == \"z\"", ev), F);
	assert_int_equal(cond("not a == \"x\" and b == \"n\"", ev), F);
	assert_int_equal(cond("not (a == \"y\" and b == \"n\")", ev), T);
	assert_int_equal(cond("true and not false", ev), T);
}

static void comparisons_of_strings_use_bytes(void **state)
{
	const char *ev = "{\"p\":\"System Idle Process\"}";

	(void)state;
	assert_int_equal(cond("p >= \"System\" and p <= \"System Idle Process\"", ev), T);
	assert_int_equal(cond("p > \"System\" and p < \"Systez\"", ev), T);
	assert_int_equal(cond("p >= \"system idle process\"", ev), F);
	assert_int_equal(cond("\"B\" < \"a\"", "{}"), T);
	assert_int_equal(cond("\"\xC3\xA9\" > \"z\"", "{}"), T);
	assert_int_equal(cond("p == \"system idle process\"", ev), F);
}

static void comparisons_of_numbers_and_coercion(void **state)
{
	(void)state;
	assert_int_equal(cond("1 == 1.0", "{}"), T);
	assert_int_equal(cond("x < 4.5 and x >= 3.1", "{\"x\":4}"), T);
	assert_int_equal(cond("pid == 1337", "{\"pid\":\"1337\"}"), T);
	assert_int_equal(cond("code == \"4624\"", "{\"code\":4624}"), T);
	assert_int_equal(cond("name == 1", "{\"name\":\"abc\"}"), N);
	assert_int_equal(cond("b == true", "{\"b\":true}"), T);
	assert_int_equal(cond("b == true", "{\"b\":\"true\"}"), T);
	assert_int_equal(cond("b == 1", "{\"b\":true}"), N);
	assert_int_equal(cond("?b", "{\"b\":false}"), F);
}

static void equality_treats_star_literally(void **state)
{
	(void)state;
	assert_int_equal(cond("n == \"cmd*\"", "{\"n\":\"cmd.exe\"}"), F);
	assert_int_equal(cond("n == \"cmd*\"", "{\"n\":\"cmd*\"}"), T);
	assert_int_equal(cond("n != \"* /add*\"", "{\"n\":\"net user /add\"}"), T);
}

/* ---- null and missing fields ---- */

static void null_comparisons_are_null(void **state)
{
	(void)state;
	assert_int_equal(cond("x == 1", "{}"), N);
	assert_int_equal(cond("x < 1", "{}"), N);
	assert_int_equal(cond("x >= 0", "{\"x\":null}"), N);
	assert_int_equal(cond("x : \"a\"", "{}"), N);
	assert_int_equal(cond("x in (1, 2)", "{}"), N);
	assert_int_equal(cond("startsWith(x, \"a\")", "{}"), N);
	assert_int_equal(cond("x regex \"a.*\"", "{}"), N);
}

static void null_literal_tests_presence(void **state)
{
	(void)state;
	assert_int_equal(cond("x == null", "{}"), T);
	assert_int_equal(cond("x == null", "{\"x\":null}"), T);
	assert_int_equal(cond("x == null", "{\"x\":1}"), F);
	assert_int_equal(cond("x != null", "{}"), F);
	assert_int_equal(cond("x != null", "{\"x\":0}"), T);
	assert_int_equal(cond("null == x", "{}"), T);
	assert_int_equal(cond("null == null", "{}"), T);
	assert_int_equal(cond("null != null", "{}"), F);
	assert_int_equal(cond("x < null", "{\"x\":1}"), N);
}

/* Elasticsearch replaces an optional field that no mapping has with the literal null. */
static void missing_optional_field_is_null_literal(void **state)
{
	(void)state;
	assert_int_equal(cond("?x == ?y", "{}"), T);
	assert_int_equal(cond("?x != ?y", "{}"), F);
	assert_int_equal(cond("?x == y", "{}"), T);
	assert_int_equal(cond("?x == ?y", "{\"y\":1}"), F);
	assert_int_equal(cond("?x == \"a\"", "{}"), F);
	assert_int_equal(cond("?x != \"a\"", "{}"), T);
	assert_int_equal(cond("?x == \"a\"", "{\"x\":\"a\"}"), T);
	assert_int_equal(cond("x == y", "{}"), N);
	assert_int_equal(cond("?x > 1", "{}"), N);
	assert_int_equal(cond("?x", "{}"), N);
}

static void null_of_expression_and_three_valued_values(void **state)
{
	(void)state;
	assert_int_equal(cond("null == (x > -1)", "{}"), T);
	assert_int_equal(cond("null == (-1 < x)", "{\"x\":0}"), F);
	assert_int_equal(cond("null == (not x > 1)", "{}"), T);
	assert_int_equal(cond("null == (x > 1 and true)", "{}"), T);
	assert_int_equal(cond("null == (x > 1 and false)", "{}"), F);
	assert_int_equal(cond("true == (x > 1 or true)", "{}"), T);
}

static void kleene_and_or_in_filter(void **state)
{
	(void)state;
	assert_int_equal(cond("x > 1 or true", "{}"), T);
	assert_int_equal(cond("x > 1 or false", "{}"), N);
	assert_int_equal(cond("x > 1 and true", "{}"), N);
	assert_int_equal(cond("x > 1 and false", "{}"), F);
}

/*
 * Elasticsearch runs `not` as a bool must_not clause, which matches the
 * events its inner query does not match, missing fields included.
 */
static void not_holds_when_inner_is_not_true(void **state)
{
	(void)state;
	assert_int_equal(cond("not x == 1", "{}"), T);
	assert_int_equal(cond("x != 1", "{}"), T);
	assert_int_equal(cond("not (x > -1)", "{}"), T);
	assert_int_equal(cond("not (x > -1)", "{\"x\":0}"), F);
	assert_int_equal(cond("x not in (1, 2)", "{}"), T);
	assert_int_equal(cond("not x in~ (\"pip\", \"conda\")", "{}"), T);
	assert_int_equal(cond("not x in~ (\"pip\", \"conda\")", "{\"x\":\"PIP\"}"), F);
	assert_int_equal(cond("not startsWith(x, \"a\")", "{}"), T);
	assert_int_equal(cond("not (x > 1 and true)", "{}"), T);
	assert_int_equal(cond("not not x == 1", "{}"), F);
	assert_int_equal(cond("x != \"a\"", "{\"x\":null}"), T);
}

/* ---- multi-valued fields ---- */

static void multi_value_any_match(void **state)
{
	const char *ev = "{\"a\":[\"a\",\"b\"],\"n\":[1,5]}";

	(void)state;
	assert_int_equal(cond("a == \"b\"", ev), T);
	assert_int_equal(cond("a == \"c\"", ev), F);
	assert_int_equal(cond("a : \"B\"", ev), T);
	assert_int_equal(cond("a like \"?\"", ev), T);
	assert_int_equal(cond("a in (\"b\", \"z\")", ev), T);
	assert_int_equal(cond("n > 3", ev), T);
	assert_int_equal(cond("n < 0", ev), F);
	assert_int_equal(cond("n == 1 and n == 5", ev), T);
	assert_int_equal(cond("startsWith(a, \"b\")", ev), T);
}

/* `!=` is not(==): on ["a","b"], `!= "a"` is false because one value equals "a". */
static void multi_value_not_equal_is_negated_equality(void **state)
{
	const char *ev = "{\"a\":[\"a\",\"b\"]}";

	(void)state;
	assert_int_equal(cond("a != \"a\"", ev), F);
	assert_int_equal(cond("a != \"c\"", ev), T);
	assert_int_equal(cond("not a == \"a\"", ev), F);
	assert_int_equal(cond("a not in (\"b\")", ev), F);
}

static void multi_value_combinations_per_reference(void **state)
{
	(void)state;
	assert_int_equal(cond("n + n == 6", "{\"n\":[1,5]}"), T);
	assert_int_equal(cond("n + m == 7", "{\"n\":[1,5],\"m\":[2,9]}"), T);
	assert_int_equal(cond("n + m == 8", "{\"n\":[1,5],\"m\":[2,9]}"), F);
	assert_int_equal(cond("n > 1", "{\"n\":[null,5]}"), T);
	assert_int_equal(cond("n > 10", "{\"n\":[null,5]}"), F);
	assert_int_equal(cond("n > 10", "{\"n\":[null]}"), N);
}

static void multi_value_null_checks_use_the_whole_field(void **state)
{
	(void)state;
	assert_int_equal(cond("m == null", "{\"m\":[null,\"a\"]}"), F);
	assert_int_equal(cond("m != null", "{\"m\":[null,\"a\"]}"), T);
	assert_int_equal(cond("m == null", "{\"m\":[null]}"), T);
	assert_int_equal(cond("m == null", "{\"m\":[]}"), T);
}

/*
 * x contains 199 zeros and then 1, y 200 zeros. The odometer moves the last
 * field reference fastest, so `x + y == 1` meets its true combination at
 * the 39801st try, beyond the cap, and `y + x == 1` at the 200th.
 */
static void multi_value_combination_cap(void **state)
{
	struct buf json = BUF_INIT;
	struct eval_stats before, after;

	(void)state;
	buf_puts(&json, "{\"x\":[");
	for (int i = 0; i < 200; i++)
		buf_printf(&json, "%s%d", i ? "," : "", i == 199 ? 1 : 0);
	buf_puts(&json, "],\"y\":[");
	for (int i = 0; i < 200; i++)
		buf_printf(&json, "%s0", i ? "," : "");
	buf_puts(&json, "]}");

	eval_stats_get(&before);
	assert_int_equal(cond("x + y == 1", json.data), F);
	eval_stats_get(&after);
	assert_int_equal(after.combination_limit_hits, before.combination_limit_hits + 1);
	assert_int_equal(cond("y + x == 1", json.data), T);
	buf_free(&json);
}

/* One field with as many values as the cap: every value is tried, none is cut off. */
static void multi_value_single_field_reaches_last(void **state)
{
	struct buf json = BUF_INIT;
	struct eval_stats before, after;

	(void)state;
	buf_puts(&json, "{\"x\":[");
	for (unsigned i = 0; i < EVAL_MAX_COMBINATIONS; i++)
		buf_printf(&json, "%s%u", i ? "," : "", i);
	buf_puts(&json, "]}");

	eval_stats_get(&before);
	assert_int_equal(cond("x == 9999", json.data), T);
	assert_int_equal(cond("x == 10000", json.data), F);
	eval_stats_get(&after);
	assert_int_equal(after.combination_limit_hits, before.combination_limit_hits);
	buf_free(&json);
}

/* ---- nested and dotted fields ---- */

static void nested_and_dotted_paths(void **state)
{
	(void)state;
	assert_int_equal(cond("file.name == \"a\"", "{\"file\":{\"name\":\"a\"}}"), T);
	assert_int_equal(cond("file.name == \"a\"", "{\"file.name\":\"a\"}"), T);
	assert_int_equal(cond("file.name == \"a\"", "{\"file\":{\"x\":{}},\"file.name\":\"a\"}"), T);
	assert_int_equal(cond("a.b == 2", "{\"a\":[{\"b\":1},{\"b\":2}]}"), T);
	assert_int_equal(cond("file.name == \"a\"", "{\"file\":{\"name\":{\"x\":\"a\"}}}"), N);
	assert_int_equal(cond("`my field` == 1", "{\"my field\":1}"), T);
	assert_int_equal(cond("?opt.x == null", "{}"), T);
}

static void eval_value_takes_first_value(void **state)
{
	struct eval_ctx ctx = { .ev = &fx.ev, .scratch = &fx.scratch };
	struct value v;

	(void)state;
	assert_true(plan("any where n == 0"));
	scan("{\"n\":[7,8]}");
	v = eval_value(fx.query->clauses[0].where->args[0], &ctx);
	assert_int_equal(v.kind, VALUE_INT);
	assert_int_equal(v.u.integer, 7);
}

/* ---- `:`, like and regex ---- */

static void seq_operator_is_insensitive_with_wildcards(void **state)
{
	const char *ev = "{\"p\":\"C:\\\\Windows\\\\System32\\\\CMD.EXE\"}";

	(void)state;
	assert_int_equal(cond("p : \"*.exe\"", ev), T);
	assert_int_equal(cond("p : \"c:\\\\windows\\\\system32\\\\cmd.exe\"", ev), T);
	assert_int_equal(cond("p : (\"*.dll\", \"*\\\\cmd.???\")", ev), T);
	assert_int_equal(cond("p : \"*.dll\"", ev), F);
	assert_int_equal(cond("p : \"\xC3\x84*\"", "{\"p\":\"\xC3\xA4x\"}"), T);
}

static void like_and_like_insensitive(void **state)
{
	const char *ev = "{\"n\":\"DOCS\"}";

	(void)state;
	assert_int_equal(cond("n like \"DOC*\"", ev), T);
	assert_int_equal(cond("n like \"doc*\"", ev), F);
	assert_int_equal(cond("n like~ \"doc*\"", ev), T);
	assert_int_equal(cond("n like (\"x\", \"DOC?\")", ev), T);
	assert_int_equal(cond("n like~ (\"x\", \"docs\")", ev), T);
	assert_int_equal(cond("n like \"DOCS\"", ev), T);
}

static void in_and_in_insensitive(void **state)
{
	(void)state;
	assert_int_equal(cond("n in (\"a\", \"b\")", "{\"n\":\"b\"}"), T);
	assert_int_equal(cond("n in (\"a\", \"b\")", "{\"n\":\"B\"}"), F);
	assert_int_equal(cond("n in~ (\"a\", \"b\")", "{\"n\":\"B\"}"), T);
	assert_int_equal(cond("n in~ (\"*\")", "{\"n\":\"B\"}"), F);
	assert_int_equal(cond("n in (1, 2, 3)", "{\"n\":2}"), T);
	assert_int_equal(cond("n in (\"2\", 3)", "{\"n\":2}"), T);
	assert_int_equal(cond("n in (\"a\", null)", "{\"n\":\"b\"}"), N);
	assert_int_equal(cond("n in (m, \"z\")", "{\"n\":\"q\",\"m\":\"q\"}"), T);
}

static void regex_is_anchored_lucene(void **state)
{
	const char *ev = "{\"c\":\"net1  localgroup admins\"}";

	(void)state;
	assert_int_equal(cond("c regex \"net1\\\\s+localgroup.*\"", ev), T);
	assert_int_equal(cond("c regex \"localgroup\"", ev), F);
	assert_int_equal(cond("c regex \"NET1.*\"", ev), F);
	assert_int_equal(cond("c regex~ \"NET1.*\"", ev), T);
	assert_int_equal(cond("c regex (\"x\", \"net[0-9] .*\")", ev), T);
	assert_int_equal(cond("c regex \"[^x]+\"", ev), T);
	assert_int_equal(cond("c regex \"net1 {2}local.*s\"", ev), T);
}

static void regex_lucene_specifics(void **state)
{
	(void)state;
	assert_int_equal(cond("c regex \"a^b$\"", "{\"c\":\"a^b$\"}"), T);
	assert_int_equal(cond("c regex \"\\\"a.b\\\"c*\"", "{\"c\":\"a.bcc\"}"), T);
	assert_int_equal(cond("c regex \"\\\"a.b\\\"\"", "{\"c\":\"axb\"}"), F);
	assert_int_equal(cond("c regex \"a@\"", "{\"c\":\"anything\"}"), T);
	assert_int_equal(cond("c regex \"#\"", "{\"c\":\"\"}"), F);
	assert_int_equal(cond("c regex \"a.c\"", "{\"c\":\"a\\nc\"}"), T);
	assert_int_equal(cond("c regex \"\\\\d+\"", "{\"c\":\"123\"}"), T);
	assert_int_equal(cond("c regex \"ab*?\"", "{\"c\":\"abbb\"}"), T);
	assert_int_equal(cond("c regex \"*a\"", "{\"c\":\"*a\"}"), T);
	assert_int_equal(cond("c regex~ \"\xC3\x84.\"", "{\"c\":\"\xC3\xA4x\"}"), T);
	assert_int_equal(cond("c regex \"|a\"", "{\"c\":\"|a\"}"), T);
	assert_int_equal(cond("c regex \"&a\"", "{\"c\":\"&a\"}"), T);
	assert_int_equal(cond("c regex \"\"", "{\"c\":\"\"}"), T);
	assert_int_equal(cond("c regex \"\"", "{\"c\":\"a\"}"), F);
	assert_int_equal(cond("c regex \"a\\\\&b\"", "{\"c\":\"a&b\"}"), T);
}

static void match_plan_errors(void **state)
{
	int col;

	(void)state;
	assert_non_null(strstr(plan_error("c regex \"(ab\"", &col),
			       "invalid regular expression \"(ab\": parenthesis opened here is "
			       "never closed"));
	assert_int_equal(col, 9);
	assert_non_null(strstr(plan_error("c regex \"a&b\"", &col), "intersection '&'"));
	assert_non_null(strstr(plan_error("c regex \"~a\"", &col), "complement '~'"));
	assert_non_null(strstr(plan_error("c regex \"<1-5>\"", &col), "interval"));
	assert_non_null(strstr(plan_error("c regex \"a{3,1}\"", &col), "reversed"));
	assert_non_null(strstr(plan_error("c regex \"a|\"", &col), "ends where a character"));
	assert_non_null(strstr(plan_error("c regex \"a)\"", &col), "unmatched ')'"));
	assert_non_null(strstr(plan_error("c regex (\"ok\", \"[a\")", &col), "never closed"));
	assert_int_equal(col, 16);
	assert_string_equal(plan_error("c : 5", &col),
			    "':' takes string patterns, but this is an integer; write it in "
			    "double quotes");
	assert_int_equal(col, 5);
	assert_non_null(strstr(plan_error("c like~ (\"a\", true)", &col), "'like~' takes string"));
	assert_int_equal(col, 15);
}

static void other_plan_errors(void **state)
{
	int col;

	(void)state;
	assert_non_null(strstr(plan_error("1", &col), "a condition must be boolean, but this "
			       "is an integer"));
	assert_int_equal(col, 1);
	assert_non_null(strstr(plan_error("concat(\"a\")", &col), "must be boolean"));
	assert_string_equal(plan_error("\"a\" + 1 == 2", &col),
			    "arithmetic needs numbers, but this is a string");
	assert_int_equal(col, 1);
	assert_non_null(strstr(plan_error("x == 1 and bogus(x)", &col), "unknown function 'bogus'"));
	assert_int_equal(col, 12);
}

/* ---- clauses and categories ---- */

static void category_is_case_sensitive_and_multi_valued(void **state)
{
	(void)state;
	assert_true(passes("file where true", "{\"event\":{\"category\":\"file\"}}"));
	assert_true(passes("file where true", "{\"event\":{\"category\":[\"process\",\"file\"]}}"));
	assert_false(passes("file where true", "{\"event\":{\"category\":\"File\"}}"));
	assert_false(passes("file where true", "{}"));
	assert_true(passes("any where true", "{}"));
	assert_false(passes("file where false", "{\"event\":{\"category\":\"file\"}}"));
	assert_false(passes("file where x == 1", "{\"event\":{\"category\":\"file\"}}"));
}

static void plan_binds_every_field(void **state)
{
	(void)state;
	assert_true(plan("sequence by host.name [file where a == 1] by b [process where "
			 "startsWith(c, \"x\")] by d until [file where e == 1] by f"));
	assert_true(field_set_find(fx.fields, "host.name") >= 0);
	for (const char *p = "abcdef"; *p != '\0'; p++) {
		char path[2] = { *p, '\0' };

		assert_true(field_set_find(fx.fields, path) >= 0);
	}
	assert_int_equal(fx.query->by[0]->u.field.slot, field_set_find(fx.fields, "host.name"));
}

/* ---- the published rule ---- */

static char *read_rule(void)
{
	const char *data = getenv("SITEWATCH_DATA");
	char path[4096];
	FILE *f;
	struct buf b = BUF_INIT;
	char chunk[4096];
	size_t n;

	if (data == NULL)
		return NULL;
	snprintf(path, sizeof(path), "%s/published-rule/T1546.018.eql", data);
	f = fopen(path, "r");
	if (f == NULL)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&b, chunk, n);
	fclose(f);
	return buf_detach(&b);
}

static bool rule_fires(const char *rule, const char *json)
{
	struct eval_ctx ctx = { .ev = &fx.ev, .scratch = &fx.scratch };

	if (!plan(rule))
		fail_msg("plan error in the published rule: %s", fx.err.message);
	scan(json);
	return eval_clause(&fx.query->clauses[0], fx.category_slot, &ctx);
}

static void published_rule_clause(void **state)
{
	char *rule = read_rule();

	(void)state;
	if (rule == NULL) {
		print_message("skipped: $SITEWATCH_DATA/published-rule/T1546.018.eql is not "
			      "readable (set SITEWATCH_DATA to the shared data folder)\n");
		skip();
	}
	assert_true(rule_fires(rule, "{\"event\":{\"category\":\"file\",\"type\":[\"creation\"]},"
			       "\"file\":{\"name\":\"sitecustomize.py\"},\"process\":{\"name\":\"vim\"}}"));
	assert_false(rule_fires(rule, "{\"event\":{\"category\":\"file\",\"type\":\"creation\"},"
				"\"file\":{\"name\":\"sitecustomize.py\"},\"process\":{\"name\":\"PIP3\"}}"));
	/* No process.name: `not process.name in~ (...)` holds, as in Elasticsearch. */
	assert_true(rule_fires(rule, "{\"event\":{\"category\":\"file\",\"type\":\"change\"},"
			       "\"file\":{\"name\":\"sitecustomize.py\"}}"));
	assert_true(rule_fires(rule, "{\"event\":{\"category\":\"file\",\"type\":[\"change\"]},"
			       "\"file\":{\"name\":\"x.PTH\",\"path\":\"/usr/lib/python3/dist-packages/x.PTH\"},"
			       "\"process\":{\"name\":\"bash\"}}"));
	assert_false(rule_fires(rule, "{\"event\":{\"category\":\"file\",\"type\":\"deletion\"},"
				"\"file\":{\"name\":\"sitecustomize.py\"}}"));
	assert_false(rule_fires(rule, "{\"event\":{\"category\":\"file\",\"type\":\"creation\"},"
				"\"file\":{\"name\":\"x.pth\",\"path\":\"/tmp/x.pth\"}}"));
	assert_true(rule_fires(rule, "{\"event\":{\"category\":\"registry\",\"type\":\"change\"},"
			       "\"registry\":{\"value\":{\"name\":\"PythonStartup\"},"
			       "\"path\":\"HKCU\\\\Environment\\\\PYTHONSTARTUP\"}}"));
	free(rule);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(arithmetic_precedence),
		cmocka_unit_test(arithmetic_nulls),
		cmocka_unit_test(logical_precedence),
		cmocka_unit_test(comparisons_of_strings_use_bytes),
		cmocka_unit_test(comparisons_of_numbers_and_coercion),
		cmocka_unit_test(equality_treats_star_literally),
		cmocka_unit_test(null_comparisons_are_null),
		cmocka_unit_test(null_literal_tests_presence),
		cmocka_unit_test(missing_optional_field_is_null_literal),
		cmocka_unit_test(null_of_expression_and_three_valued_values),
		cmocka_unit_test(kleene_and_or_in_filter),
		cmocka_unit_test(not_holds_when_inner_is_not_true),
		cmocka_unit_test(multi_value_any_match),
		cmocka_unit_test(multi_value_not_equal_is_negated_equality),
		cmocka_unit_test(multi_value_combinations_per_reference),
		cmocka_unit_test(multi_value_null_checks_use_the_whole_field),
		cmocka_unit_test(multi_value_combination_cap),
		cmocka_unit_test(multi_value_single_field_reaches_last),
		cmocka_unit_test(nested_and_dotted_paths),
		cmocka_unit_test(eval_value_takes_first_value),
		cmocka_unit_test(seq_operator_is_insensitive_with_wildcards),
		cmocka_unit_test(like_and_like_insensitive),
		cmocka_unit_test(in_and_in_insensitive),
		cmocka_unit_test(regex_is_anchored_lucene),
		cmocka_unit_test(regex_lucene_specifics),
		cmocka_unit_test(match_plan_errors),
		cmocka_unit_test(other_plan_errors),
		cmocka_unit_test(category_is_case_sensitive_and_multi_valued),
		cmocka_unit_test(plan_binds_every_field),
		cmocka_unit_test(published_rule_clause),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
