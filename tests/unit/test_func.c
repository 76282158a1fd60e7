/*
 * Unit tests of the EQL functions (src/engine/func.c) through the whole
 * path: query text parsed by eql_parse, planned by plan_bind, evaluated by
 * eval_value over an event scanned by event_fields_scan. The expected
 * values are the examples of Elasticsearch's EQL function reference and
 * the edge cases of its function processors (docs/semantics.md).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <math.h>

#include "engine/eval.h"
#include "engine/plan.h"
#include "eql/parse.h"
#include "event/fields.h"

/* One evaluation: the parsed query, its plan and the event stay alive until the next. */
struct fixture {
	struct arena ast;
	struct arena scratch;
	struct field_set *fields;
	struct event_fields ev;
	struct eql_query *query;
	struct eql_error err;
	char text[1024];
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

/* Parses "any where (EXPR) == null" and plans it; false with fx.err on a plan error. */
static bool plan(const char *expr)
{
	reset();
	snprintf(fx.text, sizeof(fx.text), "any where (%s) == null", expr);
	fx.query = eql_parse(&fx.ast, fx.text, strlen(fx.text), &fx.err);
	if (fx.query == NULL)
		fail_msg("parse error in %s: %s", fx.text, fx.err.message);
	if (!plan_bind(fx.query, fx.fields, &fx.err)) {
		fx.query = NULL;
		return false;
	}
	return true;
}

/* The value of EXPR over the event `json` ("{}" when NULL). */
static struct value eval_on(const char *expr, const char *json)
{
	const struct scan_limits limits = SCAN_LIMITS_DEFAULT;
	struct eval_ctx ctx = { .ev = &fx.ev, .scratch = &fx.scratch };
	char why[128];

	if (!plan(expr))
		fail_msg("plan error in %s: %s", fx.text, fx.err.message);
	json = json ? json : "{}";
	if (!event_fields_scan(fx.fields, &limits, json, strlen(json), &fx.ev, why, sizeof(why)))
		fail_msg("scan error: %s", why);
	return eval_value(fx.query->clauses[0].where->args[0], &ctx);
}

static struct value eval0(const char *expr)
{
	return eval_on(expr, NULL);
}

/* The plan error of EXPR; its column counts from the start of EXPR (1). */
static const char *plan_error(const char *expr, int *column)
{
	if (plan(expr))
		fail_msg("no plan error for %s", expr);
	*column = fx.err.pos.column - (int)strlen("any where (");
	return fx.err.message;
}

#define assert_value_null(v) assert_int_equal((v).kind, VALUE_NULL)
#define assert_value_bool(v, b) do { struct value v_ = (v); \
	assert_int_equal(v_.kind, VALUE_BOOL); assert_int_equal(v_.u.boolean, (b)); } while (0)
#define assert_value_int(v, i) do { struct value v_ = (v); \
	assert_int_equal(v_.kind, VALUE_INT); assert_int_equal(v_.u.integer, (i)); } while (0)
#define assert_value_float(v, d) do { struct value v_ = (v); \
	assert_int_equal(v_.kind, VALUE_FLOAT); assert_true(fabs(v_.u.real - (d)) < 1e-9); } while (0)
#define assert_value_str(v, s) do { struct value v_ = (v); \
	assert_int_equal(v_.kind, VALUE_STRING); \
	assert_int_equal(v_.u.string.len, strlen(s)); \
	assert_memory_equal(v_.u.string.ptr, (s), strlen(s)); } while (0)

static const char *const args4 = "{\"process\":{\"args_count\":4,\"parent\":{\"args_count\":2}}}";

static void add_examples_and_nulls(void **state)
{
	(void)state;
	assert_value_int(eval0("add(4, 5)"), 9);
	assert_value_float(eval0("add(4, 0.5)"), 4.5);
	assert_value_float(eval0("add(0.5, 0.25)"), 0.75);
	assert_value_int(eval0("add(-2, -2)"), -4);
	assert_value_int(eval_on("add(process.args_count, 5)", args4), 9);
	assert_value_int(eval_on("add(process.args_count, process.parent.args_count)", args4), 6);
	assert_value_null(eval0("add(null, 4)"));
	assert_value_null(eval_on("add(missing, 4)", args4));
}

static void add_overflow_and_coercion(void **state)
{
	(void)state;
	assert_value_null(eval0("add(9223372036854775807, 1)"));
	assert_value_int(eval_on("add(n, 1)", "{\"n\":\"41\"}"), 42);
	assert_value_null(eval_on("add(n, 1)", "{\"n\":\"forty\"}"));
	assert_value_null(eval_on("add(n, 1)", "{\"n\":true}"));
}

static void subtract_multiply(void **state)
{
	(void)state;
	assert_value_int(eval0("subtract(10, 2)"), 8);
	assert_value_float(eval0("subtract(10.5, 0.5)"), 10.0);
	assert_value_int(eval0("subtract(-2, -4)"), 2);
	assert_value_null(eval0("subtract(null, 2)"));
	assert_value_int(eval0("multiply(2, 2)"), 4);
	assert_value_float(eval0("multiply(0.5, 2)"), 1.0);
	assert_value_int(eval0("multiply(-2, -2)"), 4);
	assert_value_null(eval0("multiply(2, null)"));
	assert_value_null(eval0("multiply(4611686018427387904, 2)"));
}

static void divide_truncates_integers(void **state)
{
	struct value v;

	(void)state;
	assert_value_int(eval0("divide(4, 2)"), 2);
	assert_value_int(eval0("divide(4, 3)"), 1);
	assert_value_float(eval0("divide(4, 3.0)"), 4.0 / 3.0);
	assert_value_float(eval0("divide(0.5, 0.25)"), 2.0);
	assert_value_int(eval0("divide(-4, -2)"), 2);
	assert_value_int(eval0("divide(-7, 2)"), -3);
	assert_value_int(eval_on("divide(12, process.args_count)", args4), 3);
	assert_value_null(eval0("divide(4, 0)"));
	assert_value_null(eval0("divide(null, 4)"));
	v = eval0("divide(4.0, 0)");
	assert_int_equal(v.kind, VALUE_FLOAT);
	assert_true(isinf(v.u.real));
}

static void modulo_has_dividend_sign(void **state)
{
	(void)state;
	assert_value_int(eval0("modulo(10, 6)"), 4);
	assert_value_int(eval0("modulo(10, -6)"), 4);
	assert_value_int(eval0("modulo(-10, -6)"), -4);
	assert_value_int(eval0("modulo(-10, 6)"), -4);
	assert_value_float(eval0("modulo(10, 0.5)"), 0.0);
	assert_value_null(eval0("modulo(10, 0)"));
	assert_value_null(eval0("modulo(null, 5)"));
	assert_value_int(eval0("modulo(-9223372036854775807 - 1, -1)"), 0);
}

static const char *const cmd = "{\"file\":{\"path\":\"C:\\\\Windows\\\\System32\\\\cmd.exe\"}}";

static void between_examples(void **state)
{
	(void)state;
	assert_value_str(eval_on("between(file.path, \"System32\\\\\", \".exe\")", cmd), "cmd");
	assert_value_str(eval_on("between(file.path, \"system32\\\\\", \".exe\")", cmd), "");
	assert_value_str(eval_on("between(file.path, \"workspace\\\\\", \".exe\")", cmd), "");
	assert_value_str(eval_on("between~(file.path, \"system32\\\\\", \".exe\")", cmd), "cmd");
	assert_value_str(eval_on("between(file.path, \"\\\\\", \"\\\\\", false)", cmd), "Windows");
	assert_value_str(eval_on("between(file.path, \"\\\\\", \"\\\\\", true)", cmd),
		   "Windows\\System32");
	assert_value_str(eval0("between(\"\", \"System32\\\\\", \".exe\")"), "");
	assert_value_str(eval0("between(\"\", \"\", \"\")"), "");
	assert_value_null(eval0("between(null, \"System32\\\\\", \".exe\")"));
}

static void between_edges(void **state)
{
	(void)state;
	/* An empty left or right gives the source back (StringUtils.between). */
	assert_value_str(eval0("between(\"abc\", \"\", \"c\")"), "abc");
	assert_value_str(eval0("between(\"abc\", \"a\", \"\")"), "abc");
	assert_value_str(eval0("between(\"xaxbx\", \"a\", \"x\")"), "");
	assert_value_str(eval0("between(\"System Idle Process\", \"S\", \"e\", true)"), "ystem Idle Proc");
	assert_value_str(eval0("between(\"abca\", \"c\", \"a\", true)"), "");
	assert_value_str(eval0("between(\"ab\", \"b\", \"a\", true)"), "");
	assert_value_null(eval0("between(\"abc\", null, \"c\")"));
	assert_value_null(eval0("between(\"abc\", \"a\", \"c\", null)"));
	/* Case folding of non-ASCII text keeps positions in the original. */
	assert_value_str(eval0("between~(\"\xC3\x84\xC3\x84xdef\xC3\x96\", \"\xC3\xA4x\", \"\xC3\xB6\")"),
		   "def");
}

static const char *const client = "{\"source\":{\"address\":\"192.168.152.12\"}}";

static void cidrmatch_examples(void **state)
{
	(void)state;
	assert_value_bool(eval_on("cidrMatch(source.address, \"192.168.0.0/16\")", client), true);
	assert_value_bool(eval_on("cidrMatch(source.address, \"192.168.0.0/16\", \"10.0.0.0/8\")", client),
		    true);
	assert_value_bool(eval_on("cidrMatch(source.address, \"10.0.0.0/8\")", client), false);
	assert_value_bool(eval_on("cidrMatch(source.address, \"10.0.0.0/8\", \"10.128.0.0/9\")", client),
		    false);
	assert_value_null(eval0("cidrMatch(null, \"10.0.0.0/8\")"));
	assert_value_null(eval_on("cidrMatch(source.address, null)", client));
}

static void cidrmatch_ipv6_and_edges(void **state)
{
	(void)state;
	assert_value_bool(eval0("cidrMatch(\"10.6.48.157\", \"10.6.48.157/8\")"), true);
	assert_value_bool(eval0("cidrMatch(\"10.6.48.157\", \"0.0.0.0/0\")"), true);
	assert_value_bool(eval0("cidrMatch(\"10.6.48.157\", \"10.6.48.157\")"), true);
	assert_value_bool(eval0("cidrMatch(\"10.6.48.158\", \"10.6.48.157\")"), false);
	assert_value_bool(eval0("cidrMatch(\"2001:db8::1\", \"2001:db8::/32\")"), true);
	assert_value_bool(eval0("cidrMatch(\"2001:db9::1\", \"2001:db8::/32\")"), false);
	assert_value_bool(eval0("cidrMatch(\"::ffff:10.1.2.3\", \"10.0.0.0/8\")"), true);
	assert_value_bool(eval0("cidrMatch(\"fe80::1:2\", \"fe80::/10\")"), true);
	assert_value_null(eval0("cidrMatch(\"not an ip\", \"10.0.0.0/8\")"));
	assert_value_null(eval0("cidrMatch(\"010.1.2.3\", \"10.0.0.0/8\")"));
}

static void cidrmatch_plan_errors(void **state)
{
	int col;

	(void)state;
	assert_non_null(strstr(plan_error("cidrMatch(x, \"10.0.0.0/33\")", &col),
			       "invalid CIDR block \"10.0.0.0/33\""));
	assert_int_equal(col, 14);
	assert_non_null(strstr(plan_error("cidrMatch(x, \"10.0.0\")", &col), "invalid CIDR"));
	assert_non_null(strstr(plan_error("cidrMatch(x, y)", &col), "must be a literal"));
	assert_int_equal(col, 14);
	assert_string_equal(plan_error("cidrMatch(x)", &col),
			    "function 'cidrMatch' takes at least 2 arguments, got 1");
}

static const char *const regsvr = "{\"process\":{\"name\":\"regsvr32.exe\",\"arg_count\":4}}";

static void concat_examples(void **state)
{
	(void)state;
	assert_value_str(eval0("concat(\"process is \", \"regsvr32.exe\")"), "process is regsvr32.exe");
	assert_value_str(eval0("concat(\"regsvr32.exe\", \" \", 42)"), "regsvr32.exe 42");
	assert_value_str(eval0("concat(\"regsvr32.exe\", \" \", 42.5)"), "regsvr32.exe 42.5");
	assert_value_str(eval0("concat(\"regsvr32.exe\", \" \", true)"), "regsvr32.exe true");
	assert_value_str(eval0("concat(\"regsvr32.exe\")"), "regsvr32.exe");
	assert_value_str(eval_on("concat(process.name, \" \", process.arg_count)", regsvr), "regsvr32.exe 4");
	assert_value_null(eval0("concat(null, \"regsvr32.exe\")"));
	assert_value_null(eval_on("concat(process.name, null)", regsvr));
	assert_value_null(eval0("concat(null)"));
	assert_value_str(eval0("concat(1.0, 1e20)"), "1.01.0E20");
}

static void endswith_examples(void **state)
{
	(void)state;
	assert_value_bool(eval0("endsWith(\"regsvr32.exe\", \".exe\")"), true);
	assert_value_bool(eval0("endsWith(\"regsvr32.exe\", \".EXE\")"), false);
	assert_value_bool(eval0("endsWith(\"regsvr32.exe\", \".dll\")"), false);
	assert_value_bool(eval0("endsWith(\"\", \"\")"), true);
	assert_value_bool(eval0("endsWith~(\"regsvr32.exe\", \".EXE\")"), true);
	assert_value_bool(eval0("endsWith~(\"\xC3\x84.EXE\", \"\xC3\xA4.exe\")"), true);
	assert_value_null(eval0("endsWith(\"regsvr32.exe\", null)"));
	assert_value_null(eval0("endsWith(\"\", null)"));
	assert_value_null(eval0("endsWith(null, \".exe\")"));
	assert_value_null(eval0("endsWith(null, null)"));
}

static const char *const domain = "{\"url\":{\"domain\":\"subdomain.example.com\"}}";

static void indexof_examples(void **state)
{
	(void)state;
	assert_value_int(eval_on("indexOf(url.domain, \"d\")", domain), 3);
	assert_value_null(eval_on("indexOf(url.domain, \"D\")", domain));
	assert_value_int(eval_on("indexOf(url.domain, \".\")", domain), 9);
	assert_value_int(eval_on("indexOf(url.domain, \".\", 9)", domain), 9);
	assert_value_int(eval_on("indexOf(url.domain, \".\", 10)", domain), 17);
	assert_value_int(eval_on("indexOf(url.domain, \".\", -6)", domain), 9);
	assert_value_int(eval_on("indexOf~(url.domain, \"D\")", domain), 3);
	assert_value_null(eval_on("indexOf(url.domain, \"z\")", domain));
	assert_value_null(eval_on("indexOf(url.domain, \".\", 30)", domain));
}

static void indexof_empty_null_and_units(void **state)
{
	(void)state;
	assert_value_int(eval0("indexOf(\"\", \"\")"), 0);
	assert_value_int(eval_on("indexOf(url.domain, \"\")", domain), 0);
	assert_value_int(eval_on("indexOf(url.domain, \"\", 9)", domain), 9);
	assert_value_int(eval_on("indexOf(url.domain, \"\", -6)", domain), 0);
	assert_value_int(eval_on("indexOf(url.domain, \"\", 30)", domain), 21);
	assert_value_null(eval0("indexOf(null, \".\", 9)"));
	assert_value_null(eval_on("indexOf(url.domain, null, 9)", domain));
	/* A null start counts as 0, as Elasticsearch's processor does. */
	assert_value_int(eval_on("indexOf(url.domain, \".\", null)", domain), 9);
	/* Positions count UTF-16 units: the emoji takes two. */
	assert_value_int(eval0("indexOf(\"\xF0\x9F\x98\x80" "ab\", \"b\")"), 3);
	assert_value_int(eval0("indexOf~(\"\xC3\x84\xC3\x84X\", \"x\")"), 2);
}

static void length_counts_utf16_units(void **state)
{
	(void)state;
	assert_value_int(eval0("length(\"explorer.exe\")"), 12);
	assert_value_int(eval0("length(\"start explorer.exe\")"), 18);
	assert_value_int(eval0("length(\"\")"), 0);
	assert_value_null(eval0("length(null)"));
	assert_value_int(eval_on("length(process.name)", regsvr), 12);
	assert_value_int(eval0("length(\"\xC3\xA4\")"), 1);
	assert_value_int(eval0("length(\"\xF0\x9F\x98\x80\")"), 2);
}

static void number_examples(void **state)
{
	(void)state;
	assert_value_int(eval0("number(\"1337\")"), 1337);
	assert_value_float(eval0("number(\"42.5\")"), 42.5);
	assert_value_int(eval0("number(\"deadbeef\", 16)"), 3735928559LL);
	assert_value_int(eval0("number(\"0xdeadbeef\")"), 3735928559LL);
	assert_value_int(eval0("number(\"0xdeadbeef\", 16)"), 3735928559LL);
	assert_value_int(eval0("number(\"+1337\")"), 1337);
	assert_value_int(eval0("number(\"-1337\")"), -1337);
	assert_value_float(eval0("number(\"  1337  \")"), 1337.0);
	assert_value_int(eval_on("number(process.pid)", "{\"process\":{\"pid\":\"1337\"}}"), 1337);
	assert_value_null(eval0("number(null)"));
	assert_value_null(eval0("number(null, 16)"));
	assert_value_int(eval0("number(\"0xdeadbeef\", null)"), 3735928559LL);
	assert_value_int(eval0("number(\"1337\", null)"), 1337);
}

static void number_edges(void **state)
{
	int col;

	(void)state;
	assert_value_int(eval0("number(\"32\", 16)"), 50);
	assert_value_int(eval0("number(\"0x32\", 16)"), 50);
	assert_value_int(eval0("number(\"zz\", 36)"), 1295);
	assert_value_float(eval0("number(\"1e3\")"), 1000.0);
	assert_value_float(eval0("number(\"2.5f\")"), 2.5);
	assert_value_float(eval0("number(\"99999999999999999999\")"), 1e20);
	assert_value_null(eval0("number(\"abc\")"));
	assert_value_null(eval0("number(\"\")"));
	assert_value_null(eval0("number(\"12\", 2)"));
	assert_value_null(eval0("number(\"0x10\", 10)"));
	assert_non_null(strstr(plan_error("number(\"1\", 37)", &col), "base from 2 to 36"));
	assert_non_null(strstr(plan_error("number(\"1\", x)", &col), "must be a literal"));
	assert_int_equal(col, 13);
}

static void startswith_examples(void **state)
{
	const char *const name8 = "{\"process\":{\"name\":\"regsvr32\"}}";

	(void)state;
	assert_value_bool(eval0("startsWith(\"regsvr32.exe\", \"regsvr32\")"), true);
	assert_value_bool(eval0("startsWith(\"regsvr32.exe\", \"Regsvr32\")"), false);
	assert_value_bool(eval0("startsWith(\"regsvr32.exe\", \"explorer\")"), false);
	assert_value_bool(eval0("startsWith(\"\", \"\")"), true);
	assert_value_bool(eval0("startsWith~(\"regsvr32.exe\", \"Regsvr32\")"), true);
	assert_value_bool(eval_on("startsWith(\"regsvr32.exe\", process.name)", name8), true);
	assert_value_bool(eval_on("startsWith(\"explorer.exe\", process.name)", name8), false);
	assert_value_null(eval0("startsWith(\"regsvr32.exe\", null)"));
	assert_value_null(eval0("startsWith(\"\", null)"));
	assert_value_null(eval0("startsWith(null, \"regsvr32\")"));
	assert_value_null(eval0("startsWith(null, null)"));
}

static void string_examples(void **state)
{
	(void)state;
	assert_value_str(eval0("string(42)"), "42");
	assert_value_str(eval0("string(42.5)"), "42.5");
	assert_value_str(eval0("string(\"regsvr32.exe\")"), "regsvr32.exe");
	assert_value_str(eval0("string(true)"), "true");
	assert_value_null(eval0("string(null)"));
	assert_value_str(eval0("string(1e20)"), "1.0E20");
	assert_value_str(eval0("string(-7)"), "-7");
}

static const char *const cmdline = "{\"process\":{\"command_line\":\"start regsvr32.exe\","
				   "\"name\":\"regsvr32.exe\"}}";

static void stringcontains_examples(void **state)
{
	(void)state;
	assert_value_bool(eval_on("stringContains(process.command_line, \"regsvr32\")", cmdline), true);
	assert_value_bool(eval_on("stringContains(process.command_line, \"Regsvr32\")", cmdline), false);
	assert_value_bool(eval_on("stringContains(process.command_line, \"start \")", cmdline), true);
	assert_value_bool(eval_on("stringContains(process.command_line, \"explorer\")", cmdline), false);
	assert_value_bool(eval_on("stringContains~(process.command_line, \"Regsvr32\")", cmdline), true);
	assert_value_bool(eval_on("stringContains(process.command_line, process.name)", cmdline), true);
	assert_value_bool(eval0("stringContains(\"\", \"\")"), false);
	assert_value_bool(eval_on("stringContains(process.command_line, \"\")", cmdline), false);
	assert_value_null(eval0("stringContains(null, \"regsvr32\")"));
	assert_value_null(eval_on("stringContains(process.command_line, null)", cmdline));
}

static void substring_examples(void **state)
{
	(void)state;
	assert_value_str(eval0("substring(\"start regsvr32.exe\", 6)"), "regsvr32.exe");
	assert_value_str(eval0("substring(\"start regsvr32.exe\", 0, 5)"), "start");
	assert_value_str(eval0("substring(\"start regsvr32.exe\", 6, 14)"), "regsvr32");
	assert_value_str(eval0("substring(\"start regsvr32.exe\", -4)"), ".exe");
	assert_value_str(eval0("substring(\"start regsvr32.exe\", -4, -1)"), ".ex");
}

static void substring_edges(void **state)
{
	(void)state;
	assert_value_str(eval0("substring(\"abc\", 5)"), "");
	assert_value_str(eval0("substring(\"abc\", 2, 1)"), "");
	assert_value_str(eval0("substring(\"abc\", -10, 2)"), "ab");
	assert_value_str(eval0("substring(\"abc\", 1, 99)"), "bc");
	assert_value_str(eval0("substring(\"\", 1, 2)"), "");
	assert_value_str(eval0("substring(\"abc\", null)"), "abc");
	assert_value_str(eval0("substring(\"abc\", 1, null)"), "bc");
	assert_value_null(eval0("substring(null, 1)"));
	assert_value_str(eval0("substring(\"\xF0\x9F\x98\x80" "ab\", 2)"), "ab");
	assert_value_str(eval0("substring(\"x\xC3\xA4y\", 1, 2)"), "\xC3\xA4");
}

static void function_names_ignore_case(void **state)
{
	(void)state;
	assert_value_bool(eval0("STARTSWITH(\"abc\", \"a\")"), true);
	assert_value_bool(eval0("startswith~(\"abc\", \"A\")"), true);
	assert_value_int(eval0("Length(\"abc\")"), 3);
}

static void arity_errors(void **state)
{
	int col;

	(void)state;
	assert_string_equal(plan_error("between(\"a\", \"b\")", &col),
			    "function 'between' takes 3 or 4 arguments, got 2");
	assert_int_equal(col, 1);
	assert_string_equal(plan_error("add(1)", &col), "function 'add' takes 2 arguments, got 1");
	assert_string_equal(plan_error("length(\"a\", \"b\")", &col),
			    "function 'length' takes 1 argument, got 2");
	assert_string_equal(plan_error("concat()", &col),
			    "function 'concat' takes at least 1 argument, got 0");
	assert_string_equal(plan_error("substring(\"a\")", &col),
			    "function 'substring' takes 2 or 3 arguments, got 1");
	assert_string_equal(plan_error("1 + indexOf(\"a\")", &col),
			    "function 'indexOf' takes 2 or 3 arguments, got 1");
	assert_int_equal(col, 5);
}

static void unknown_function_and_tilde_errors(void **state)
{
	int col;

	(void)state;
	assert_non_null(strstr(plan_error("foo(1)", &col), "unknown function 'foo'"));
	assert_int_equal(col, 1);
	assert_non_null(strstr(plan_error("matchLite(x, \"a\")", &col),
			       "unknown function 'matchLite'"));
	assert_non_null(strstr(plan_error("length~(\"a\")", &col),
			       "function 'length' has no case-insensitive form"));
	assert_non_null(strstr(plan_error("add~(1, 2)", &col), "no case-insensitive form"));
}

static void argument_type_errors(void **state)
{
	int col;

	(void)state;
	assert_string_equal(plan_error("length(5)", &col),
			    "argument 1 of 'length' must be a string, but this is an integer");
	assert_int_equal(col, 8);
	assert_string_equal(plan_error("indexOf(\"a\", \"b\", 1.5)", &col),
			    "argument 3 of 'indexOf' must be an integer, but this is a decimal number");
	assert_string_equal(plan_error("between(\"a\", \"b\", \"c\", \"yes\")", &col),
			    "argument 4 of 'between' must be a boolean, but this is a string");
	assert_string_equal(plan_error("add(\"a\", 1)", &col),
			    "argument 1 of 'add' must be a number, but this is a string");
	assert_string_equal(plan_error("startsWith(length(\"a\"), \"1\")", &col),
			    "argument 1 of 'startsWith' must be a string, but this is a number");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(add_examples_and_nulls),
		cmocka_unit_test(add_overflow_and_coercion),
		cmocka_unit_test(subtract_multiply),
		cmocka_unit_test(divide_truncates_integers),
		cmocka_unit_test(modulo_has_dividend_sign),
		cmocka_unit_test(between_examples),
		cmocka_unit_test(between_edges),
		cmocka_unit_test(cidrmatch_examples),
		cmocka_unit_test(cidrmatch_ipv6_and_edges),
		cmocka_unit_test(cidrmatch_plan_errors),
		cmocka_unit_test(concat_examples),
		cmocka_unit_test(endswith_examples),
		cmocka_unit_test(indexof_examples),
		cmocka_unit_test(indexof_empty_null_and_units),
		cmocka_unit_test(length_counts_utf16_units),
		cmocka_unit_test(number_examples),
		cmocka_unit_test(number_edges),
		cmocka_unit_test(startswith_examples),
		cmocka_unit_test(string_examples),
		cmocka_unit_test(stringcontains_examples),
		cmocka_unit_test(substring_examples),
		cmocka_unit_test(substring_edges),
		cmocka_unit_test(function_names_ignore_case),
		cmocka_unit_test(arity_errors),
		cmocka_unit_test(unknown_function_and_tilde_errors),
		cmocka_unit_test(argument_type_errors),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
