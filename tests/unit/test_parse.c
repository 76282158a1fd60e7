/*
 * Unit tests of the EQL parser (src/eql/parse.c): tree shapes written as
 * S-expressions, the query forms, caps, error positions and messages, and
 * eql_error_print().
 *
 * Tree notation: $path is a field (?path when optional) and (op args...)
 * is a node. "like~" and ":~" are case-insensitive matches, (in~ ...) and
 * (not-in ...) are list lookups, and (call name~ ...) is a function call.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "eql/parse_limits.h"
#include "eql/parse.h"
#include "util/buf.h"

static const char *const op_names[] = {
	[EQL_OP_NONE] = "", [EQL_OP_ADD] = "+", [EQL_OP_SUB] = "-",
	[EQL_OP_MUL] = "*", [EQL_OP_DIV] = "/", [EQL_OP_MOD] = "%",
	[EQL_OP_EQ] = "==", [EQL_OP_NE] = "!=", [EQL_OP_LT] = "<",
	[EQL_OP_LE] = "<=", [EQL_OP_GT] = ">", [EQL_OP_GE] = ">=",
	[EQL_OP_SEQ] = ":", [EQL_OP_LIKE] = "like", [EQL_OP_REGEX] = "regex",
};

static void put_string(struct buf *b, const struct eql_string *s)
{
	buf_putc(b, '"');
	for (size_t i = 0; i < s->len; i++) {
		unsigned char c = (unsigned char)s->ptr[i];

		if (c < 0x20 || c == '"' || c == '\\')
			buf_printf(b, "\\x%02X", c);
		else
			buf_putc(b, (char)c);
	}
	buf_putc(b, '"');
}

static void put_expr(struct buf *b, const struct eql_expr *e);

static void put_node(struct buf *b, const char *head, const char *suffix,
		     const struct eql_expr *e)
{
	buf_printf(b, "(%s%s", head, suffix);
	for (size_t i = 0; i < e->nargs; i++) {
		buf_putc(b, ' ');
		put_expr(b, e->args[i]);
	}
	buf_putc(b, ')');
}

static void put_expr(struct buf *b, const struct eql_expr *e)
{
	const char *tilde = e->insensitive ? "~" : "";

	switch (e->kind) {
	case EQL_EXPR_NULL: buf_puts(b, "null"); break;
	case EQL_EXPR_BOOL: buf_puts(b, e->u.boolean ? "true" : "false"); break;
	case EQL_EXPR_INT: buf_printf(b, "%lld", (long long)e->u.integer); break;
	case EQL_EXPR_FLOAT: buf_printf(b, "%g", e->u.real); break;
	case EQL_EXPR_STRING: put_string(b, &e->u.string); break;
	case EQL_EXPR_FIELD:
		assert_int_equal(e->u.field.slot, -1);
		buf_printf(b, "%s%s", e->u.field.optional ? "?" : "$", e->u.field.path);
		break;
	case EQL_EXPR_NOT: put_node(b, "not", "", e); break;
	case EQL_EXPR_AND: put_node(b, "and", "", e); break;
	case EQL_EXPR_OR: put_node(b, "or", "", e); break;
	case EQL_EXPR_NEG: put_node(b, "neg", "", e); break;
	case EQL_EXPR_ARITH:
	case EQL_EXPR_COMPARE: put_node(b, op_names[e->op], "", e); break;
	case EQL_EXPR_MATCH: put_node(b, op_names[e->op], tilde, e); break;
	case EQL_EXPR_IN: put_node(b, e->negated ? "not-in" : "in", tilde, e); break;
	case EQL_EXPR_CALL:
		buf_printf(b, "(call %s%s", e->u.function, tilde);
		for (size_t i = 0; i < e->nargs; i++) {
			buf_putc(b, ' ');
			put_expr(b, e->args[i]);
		}
		buf_putc(b, ')');
		break;
	}
}

/* Parses `query`, which must parse, and returns its only clause's condition as text. */
static char *condition_of(const char *query)
{
	struct arena arena;
	struct eql_error err;
	struct eql_query *q;
	struct buf b = BUF_INIT;

	arena_init(&arena, 0);
	q = eql_parse(&arena, query, strlen(query), &err);
	if (q == NULL)
		fail_msg("'%s' failed at %d:%d: %s", query, err.pos.line, err.pos.column, err.message);
	assert_int_equal(q->nclauses, 1);
	put_expr(&b, q->clauses[0].where);
	arena_free(&arena);
	return buf_detach(&b);
}

/* Asserts the tree of the condition `cond`, parsed as "any where <cond>". */
static void assert_tree(const char *cond, const char *want)
{
	char query[512];
	char *got;

	snprintf(query, sizeof(query), "any where %s", cond);
	got = condition_of(query);
	if (strcmp(got, want) != 0)
		fail_msg("'%s'\n   parsed as %s\n   expected  %s", cond, got, want);
	free(got);
}

/* Parses a whole query that must parse; the caller frees `arena`. */
static struct eql_query *parse_ok(struct arena *arena, const char *query)
{
	struct eql_error err;
	struct eql_query *q;

	arena_init(arena, 0);
	q = eql_parse(arena, query, strlen(query), &err);
	if (q == NULL)
		fail_msg("'%s' failed at %d:%d: %s", query, err.pos.line, err.pos.column, err.message);
	return q;
}

static void assert_error_with(const char *query, const struct eql_limits *lim,
			      int line, int column, const char *part)
{
	struct arena arena;
	struct eql_error err;
	struct eql_query *q;

	arena_init(&arena, 0);
	q = eql_parse_limited(&arena, query, strlen(query), lim, &err);
	if (q != NULL)
		fail_msg("'%s' parsed, expected an error", query);
	if (err.pos.line != line || err.pos.column != column)
		fail_msg("'%s': error at %d:%d, expected %d:%d (%s)", query, err.pos.line,
			 err.pos.column, line, column, err.message);
	if (strstr(err.message, part) == NULL)
		fail_msg("'%s': message \"%s\" lacks \"%s\"", query, err.message, part);
	arena_free(&arena);
}

static void assert_error(const char *query, int line, int column, const char *part)
{
	assert_error_with(query, NULL, line, column, part);
}

/* ------------------------------------------------------------------ */

static void parse_literals(void **state)
{
	(void)state;
	assert_tree("null", "null");
	assert_tree("true", "true");
	assert_tree("false", "false");
	assert_tree("42", "42");
	assert_tree("2.5", "2.5");
	assert_tree("\"a\\tb\"", "\"a\\x09b\"");
	assert_tree("\"\"\"raw\\n\"\"\"", "\"raw\\x5Cn\"");
	assert_tree("-5", "(neg 5)");
	assert_tree("+5", "5");
	assert_tree("- -5", "(neg (neg 5))");
}

static void parse_fields(void **state)
{
	(void)state;
	assert_tree("process.parent.name", "$process.parent.name");
	assert_tree("@timestamp", "$@timestamp");
	assert_tree("`my field`", "$my field");
	assert_tree("`a``b`.c.`d.e`", "$a`b.c.d.e");
	assert_tree("?user.id", "?user.id");
	assert_tree("? `x y`", "?x y");
	assert_tree("process . name", "$process.name");
}

static void parse_comparisons(void **state)
{
	(void)state;
	assert_tree("a == 1", "(== $a 1)");
	assert_tree("a != 1", "(!= $a 1)");
	assert_tree("a < 1", "(< $a 1)");
	assert_tree("a <= 1", "(<= $a 1)");
	assert_tree("a > 1", "(> $a 1)");
	assert_tree("a >= 1", "(>= $a 1)");
}

static void parse_matches(void **state)
{
	(void)state;
	assert_tree("a : \"x*\"", "(:~ $a \"x*\")");
	assert_tree("a like \"x*\"", "(like $a \"x*\")");
	assert_tree("a like~ \"x*\"", "(like~ $a \"x*\")");
	assert_tree("a regex \"x.*\"", "(regex $a \"x.*\")");
	assert_tree("a regex~ \"x.*\"", "(regex~ $a \"x.*\")");
	assert_tree("a like~ (\"a*\", \"b*\")", "(like~ $a \"a*\" \"b*\")");
	assert_tree("a : (\"a\", \"b\", \"c\")", "(:~ $a \"a\" \"b\" \"c\")");
	assert_tree("a regex (\"x\")", "(regex $a \"x\")");
}

static void parse_lookups(void **state)
{
	(void)state;
	assert_tree("a in (1, 2)", "(in $a 1 2)");
	assert_tree("a in~ (\"x\")", "(in~ $a \"x\")");
	assert_tree("a not in (1)", "(not-in $a 1)");
	assert_tree("a not in~ (\"x\", \"y\")", "(not-in~ $a \"x\" \"y\")");
	assert_tree("a in (b, 1 + 2, f(c))", "(in $a $b (+ 1 2) (call f $c))");
}

static void parse_functions(void **state)
{
	(void)state;
	assert_tree("f()", "(call f)");
	assert_tree("startsWith(a, \"x\")", "(call startsWith $a \"x\")");
	assert_tree("startsWith~(a, \"x\")", "(call startsWith~ $a \"x\")");
	assert_tree("length (a) > 3", "(> (call length $a) 3)");
	assert_tree("f(g(h(1)))", "(call f (call g (call h 1)))");
	/* As in Elasticsearch, spaces may follow the name, even after "~". */
	assert_tree("f~ (1)", "(call f~ 1)");
}

/* or < and < not < comparison < + - < * / % < unary < primary and its predicate */
static void parse_precedence(void **state)
{
	(void)state;
	assert_tree("a or b and c", "(or $a (and $b $c))");
	assert_tree("a and b or c", "(or (and $a $b) $c)");
	assert_tree("a or b or c", "(or (or $a $b) $c)");
	assert_tree("a and b and c", "(and (and $a $b) $c)");
	assert_tree("not a and b", "(and (not $a) $b)");
	assert_tree("not a or not b", "(or (not $a) (not $b))");
	assert_tree("not not a", "(not (not $a))");
	assert_tree("not a == 1", "(not (== $a 1))");
	assert_tree("not a in (1)", "(not (in $a 1))");
	assert_tree("a + b * c == d - e / f % g",
		    "(== (+ $a (* $b $c)) (- $d (% (/ $e $f) $g)))");
	assert_tree("a - b - c", "(- (- $a $b) $c)");
	assert_tree("-a * b", "(* (neg $a) $b)");
	assert_tree("1 * -2 <= -3 * 4", "(<= (* 1 (neg 2)) (* (neg 3) 4))");
	assert_tree("(a or b) and c", "(and (or $a $b) $c)");
	assert_tree("(a + b) * c", "(* (+ $a $b) $c)");
	/* As in Elasticsearch, a predicate binds to the value just before it. */
	assert_tree("a + b in (1, 2)", "(+ $a (in $b 1 2))");
	assert_tree("-a : \"x\"", "(neg (:~ $a \"x\"))");
	assert_tree("a == b in (1)", "(== $a (in $b 1))");
	assert_tree("a : \"x\" and b like \"y\" or c",
		    "(or (and (:~ $a \"x\") (like $b \"y\")) $c)");
}

static void parse_event_queries(void **state)
{
	struct arena arena;
	struct eql_query *q;

	(void)state;
	q = parse_ok(&arena, "process where true");
	assert_int_equal(q->kind, EQL_QUERY_EVENT);
	assert_int_equal(q->nclauses, 1);
	assert_string_equal(q->clauses[0].category.ptr, "process");
	assert_int_equal(q->clauses[0].runs, 1);
	assert_false(q->clauses[0].missing);
	assert_null(q->until);
	assert_int_equal(q->npipes, 0);
	assert_int_equal(q->maxspan_ms, 0);
	arena_free(&arena);

	q = parse_ok(&arena, "any where true");
	assert_null(q->clauses[0].category.ptr);
	arena_free(&arena);

	q = parse_ok(&arena, "\"my category\" where true");
	assert_string_equal(q->clauses[0].category.ptr, "my category");
	arena_free(&arena);

	q = parse_ok(&arena, "\"\"\"6event-cat\"\"\" where true");
	assert_string_equal(q->clauses[0].category.ptr, "6event-cat");
	arena_free(&arena);
}

static void parse_sequences(void **state)
{
	struct arena arena;
	struct eql_query *q;

	(void)state;
	q = parse_ok(&arena,
		     "sequence by host.id, user.name with maxspan = 5m\n"
		     "  [process where true] by process.pid\n"
		     "  [file where false] by process.pid with runs=3\n"
		     "  ![network where true] by process.pid\n"
		     "until [process where event.type == \"end\"] by process.pid");
	assert_int_equal(q->kind, EQL_QUERY_SEQUENCE);
	assert_int_equal(q->nby, 2);
	assert_string_equal(q->by[1]->u.field.path, "user.name");
	assert_int_equal(q->maxspan_ms, 5 * 60 * 1000);
	assert_int_equal(q->nclauses, 3);
	assert_string_equal(q->clauses[0].category.ptr, "process");
	assert_int_equal(q->clauses[0].nby, 1);
	assert_int_equal(q->clauses[1].runs, 3);
	assert_true(q->clauses[2].missing);
	assert_int_equal(q->clauses[2].pos.line, 4);
	assert_int_equal(q->clauses[2].pos.column, 3);
	assert_non_null(q->until);
	assert_string_equal(q->until->category.ptr, "process");
	assert_int_equal(q->until->nby, 1);
	arena_free(&arena);

	/* One clause parses: sitewatch runs what Elasticsearch rejects, and check warns. */
	q = parse_ok(&arena, "sequence [any where true]");
	assert_int_equal(q->nclauses, 1);
	arena_free(&arena);

	q = parse_ok(&arena, "sequence with maxspan=1h [a where true] [b where true]");
	assert_int_equal(q->maxspan_ms, 3600 * 1000);
	assert_int_equal(q->nby, 0);
	arena_free(&arena);
}

static void parse_maxspan_units(void **state)
{
	static const struct {
		const char *span;
		int64_t ms;
	} cases[] = {
		{ "250ms", 250 }, { "30s", 30000 }, { "5m", 300000 },
		{ "2h", 7200000 }, { "1d", 86400000 }, { "10 s", 10000 },
	};
	struct arena arena;
	char query[128];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct eql_query *q;

		snprintf(query, sizeof(query), "sequence with maxspan=%s [a where true] [b where true]",
			 cases[i].span);
		q = parse_ok(&arena, query);
		assert_int_equal(q->maxspan_ms, cases[i].ms);
		arena_free(&arena);
	}
}

static void parse_samples(void **state)
{
	struct arena arena;
	struct eql_query *q;

	(void)state;
	q = parse_ok(&arena, "sample by host.id [a where x == 1] by k [b where true] by j");
	assert_int_equal(q->kind, EQL_QUERY_SAMPLE);
	assert_int_equal(q->nby, 1);
	assert_int_equal(q->nclauses, 2);
	assert_int_equal(q->clauses[1].nby, 1);
	assert_string_equal(q->clauses[1].by[0]->u.field.path, "j");
	arena_free(&arena);
}

static void parse_pipes(void **state)
{
	struct arena arena;
	struct eql_query *q;

	(void)state;
	q = parse_ok(&arena, "process where true | head 10 | tail (3)");
	assert_int_equal(q->npipes, 2);
	assert_int_equal(q->pipes[0].kind, EQL_PIPE_HEAD);
	assert_int_equal(q->pipes[0].count, 10);
	assert_int_equal(q->pipes[1].kind, EQL_PIPE_TAIL);
	assert_int_equal(q->pipes[1].count, 3);
	assert_int_equal(q->pipes[1].pos.column, 30);
	arena_free(&arena);
}

static void parse_positions(void **state)
{
	struct arena arena;
	struct eql_query *q;
	const struct eql_expr *cmp;

	(void)state;
	q = parse_ok(&arena, "process where\n\tx.y == f(1)");
	cmp = q->clauses[0].where;
	/* A binary node sits at its operator; a field, literal or call at its start. */
	assert_int_equal(cmp->pos.line, 2);
	assert_int_equal(cmp->pos.column, 6);
	assert_int_equal(cmp->args[0]->pos.column, 2);
	assert_int_equal(cmp->args[1]->pos.column, 9);
	assert_int_equal(cmp->args[1]->pos.offset, 22);
	arena_free(&arena);
}

static void parse_comments_and_layout(void **state)
{
	(void)state;
	assert_tree("/* a */ a // b\n == /* c /* d */ 1", "(== $a 1)");
	assert_tree("a ==\r\n\t1", "(== $a 1)");
}

static void parse_string_with_nul(void **state)
{
	struct arena arena;
	struct eql_query *q;
	const struct eql_expr *s;

	(void)state;
	q = parse_ok(&arena, "any where x == \"a\\u{00}b\"");
	s = q->clauses[0].where->args[1];
	assert_int_equal(s->kind, EQL_EXPR_STRING);
	assert_int_equal(s->u.string.len, 3);
	assert_memory_equal(s->u.string.ptr, "a\0b", 3);
	arena_free(&arena);
}

/* Bad queries, each with the position and the message of its error. */
static void parse_errors(void **state)
{
	(void)state;
	assert_error("", 1, 1, "the query is empty");
	assert_error("process where x == 1 y", 1, 22,
		     "expected 'and', 'or', '|' or the end of the query after the condition, found 'y'");
	assert_error("sequence [process where true", 1, 29,
		     "expected ']' to close the clause opened at 1:10, found the end of the query");
	assert_error("sequence\n  [process where a == 1 where true]", 2, 25,
		     "expected ']' to close the clause opened at 2:3, found 'where'");
	assert_error("process where (a or b", 1, 22,
		     "expected ')' to close the parenthesis opened at 1:15");
	assert_error("process where a = 1", 1, 17, "'=' is not a comparison");
	assert_error("process where a < b < c", 1, 21, "comparisons cannot be chained");
	assert_error("process where a == 1 == 2", 1, 22, "comparisons cannot be chained");
	assert_error("process where name == 'x'", 1, 23, "use double quotes");
	assert_error("process where name == \"x", 1, 23, "string is not closed");
	assert_error("process where /* x", 1, 15, "comment is not closed");
	assert_error("process where\n\tnot", 2, 5, "the query ends where a value was expected");
	assert_error("process where x in ()", 1, 21, "the list after 'in' is empty");
	assert_error("process where x like y", 1, 22, "must be a literal pattern");
	assert_error("process where x not like \"a\"", 1, 17, "'not' can only start 'not in'");
	assert_error("process where process.by == 1", 1, 23, "`by`");
	assert_error("process where a == 1 AND b == 2", 1, 22, "found 'AND' (keywords are lower case: write 'and')");
	assert_error("process Where true", 1, 9, "found 'Where' (keywords are lower case: write 'where')");
	assert_error("process where Not a", 1, 19, "found 'a'");
	assert_error("process.name == \"x\"", 1, 8, "expected 'where' after the event category 'process'");
	assert_error("`cat` where true", 1, 1, "backtick-quoted name");
	assert_error("process where a[0] == 1", 1, 16, "array indexes such as [0]");
	assert_error("process where descendant of [file where true]", 1, 15, "not supported");
	assert_error("join [a where true] [b where true]", 1, 1, "join queries are not supported");
	assert_error("process where f(a, ", 1, 19, "the query ends where a value");
	/* The end of the query is reported after its last token, not on trailing blank lines. */
	assert_error("process where\n\n  // done\n", 1, 14, "the query ends where a value");
	assert_error("process where startsWith~ x", 1, 27, "expected '(' after the function name 'startsWith~'");
	assert_error("process where ``", 1, 15, "cannot be empty");
	assert_error("process where x == 99999999999999999999", 1, 20, "too large");
	assert_error("process where ] ", 1, 15, "expected a value");
	assert_error("process where x == 1 )", 1, 22, "unbalanced ')'");
	assert_error("[process where true]", 1, 1, "expected an event category");
	assert_error("process where true [file where true]", 1, 20, "start the query with 'sequence' or 'sample'");
}

static void parse_sequence_errors(void **state)
{
	(void)state;
	assert_error("sequence with maxspan=5 [a where true]", 1, 23, "maxspan=5 has no time unit");
	assert_error("sequence with maxspan=5y [a where true]", 1, 24, "unknown time unit 'y'");
	assert_error("sequence with maxspan=1.5h [a where true]", 1, 23, "whole number");
	assert_error("sequence with maxspan=0s [a where true]", 1, 23, "maxspan must be positive");
	assert_error("sequence with maxspan==5s [a where true]", 1, 22, "single '='");
	assert_error("sequence with maxspan=1m by x [a where true]", 1, 26, "write 'by' before 'with'");
	assert_error("sequence with maxspan=9999999999999999d [a where true]", 1, 23, "too long");
	assert_error("sequence with runs=2 [a where true]", 1, 15, "runs belongs after a clause");
	assert_error("sequence [a where true] with runs=101", 1, 35, "between 1 and 100");
	assert_error("sequence [a where true] with runs=0", 1, 35, "between 1 and 100");
	assert_error("sequence [a where true] with repeat=2", 1, 30, "expected 'runs'");
	assert_error("sequence [a where true] with maxspan=2s", 1, 30, "maxspan belongs to the whole sequence");
	assert_error("sequence [a where true] ![b where true]", 1, 25, "needs a time window");
	assert_error("sequence with maxspan=1m ![b where true]", 1, 1, "at least one clause that is not a missing event");
	assert_error("sequence [a where true] until ![b where true]", 1, 31, "until clause cannot be a missing event");
	assert_error("sequence [a where true] until [b where true] with runs=2", 1, 31, "until clause cannot take 'with runs'");
	assert_error("sequence [a where true] by x [b where true]", 1, 30, "0 join keys");
	assert_error("sequence [a where true] by x\n[b where true] by x, y", 2, 19, "2 join keys");
	assert_error("sequence by x", 1, 14, "expected '[' to open the first clause of the sequence");
	assert_error("sequence [a where true] [b where true] x", 1, 40, "expected '[' to open another clause, 'until', '|'");
	assert_error("sequence [a where x == 1 ]]", 1, 27, "unbalanced ']'");
	assert_error("sample by x [a where true] ![b where true]", 1, 28, "a sample cannot have a missing-event clause");
	assert_error("sample by x [a where true] with runs=2", 1, 28, "a sample takes no 'with'");
	assert_error("sample with maxspan=1m [a where true]", 1, 8, "a sample takes no 'with'");
	assert_error("sample [a where true] until [b where true]", 1, 23, "a sample takes no 'until'");
}

static void parse_pipe_errors(void **state)
{
	(void)state;
	assert_error("process where true | count", 1, 22, "the pipe 'count' is not supported");
	assert_error("process where true | unique a", 1, 22, "not supported");
	assert_error("process where true | frobnicate 3", 1, 22, "expected a pipe name after '|' (head or tail)");
	assert_error("process where true | head", 1, 26, "needs a count");
	assert_error("process where true | head -1", 1, 27, "cannot be negative");
	assert_error("process where true | tail 1.5", 1, 27, "takes a whole number");
	assert_error("process where true | tail x", 1, 27, "takes a whole number");
	assert_error("process where true | head 1, 2", 1, 28, "takes one argument");
	assert_error("process where true | head 1 x", 1, 29, "after the pipe");
}

static void parse_caps(void **state)
{
	struct eql_limits lim;
	struct buf deep = BUF_INIT;
	struct arena arena;

	(void)state;
	eql_limits_default(&lim);
	assert_int_equal(lim.max_depth, EQL_DEFAULT_MAX_DEPTH);

	/* Nesting past the default depth fails and names the cap. */
	buf_puts(&deep, "any where ");
	for (int i = 0; i < 600; i++)
		buf_putc(&deep, '(');
	buf_putc(&deep, 'x');
	for (int i = 0; i < 600; i++)
		buf_putc(&deep, ')');
	assert_error_with(deep.data, NULL, 1, 211, "the limit of 200 levels");
	buf_free(&deep);

	/* A long chain counts too, so the tree stays shallow enough to walk. */
	buf_puts(&deep, "any where a");
	for (int i = 0; i < 600; i++)
		buf_puts(&deep, " or a");
	assert_error_with(deep.data, NULL, 1, 1008, "the limit of 200 levels");
	buf_free(&deep);

	lim.max_depth = 4;
	assert_error_with("any where not not not not x", &lim, 1, 23, "limit of 4 levels");

	eql_limits_default(&lim);
	lim.max_list = 3;
	assert_error_with("any where x in (1, 2, 3)", &lim, 1, 23, "too many values in a list: the limit is 3");
	assert_error_with("any where f(1, 2, 3, 4)", &lim, 1, 22, "too many function arguments");
	assert_error_with("sequence by a, b, c, d [x where true]", &lim, 1, 22, "too many join keys");
	assert_error_with("sequence [a where true] [a where true] [a where true] [a where true]",
			  &lim, 1, 55, "too many clauses in a sequence");
	assert_error_with("any where true | head 1 | head 1 | head 1 | head 1", &lim, 1, 43, "too many pipes");
	arena_init(&arena, 0);
	assert_non_null(eql_parse_limited(&arena, "any where x in (1, 2)", 21, &lim, NULL));
	arena_free(&arena);

	eql_limits_default(&lim);
	lim.max_query_bytes = 10;
	assert_error_with("any where true", &lim, 1, 1, "the query is 14 bytes long, over the limit of 10 bytes");
}

/* Captures eql_error_print() of the error of `query`. */
static char *printed_error(const char *query, const char *origin)
{
	struct arena arena;
	struct eql_error err;
	char *out = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&out, &size);

	arena_init(&arena, 0);
	assert_null(eql_parse(&arena, query, strlen(query), &err));
	eql_error_print(f, origin, query, strlen(query), &err);
	fclose(f);
	arena_free(&arena);
	return out;
}

static void print_error_with_caret(void **state)
{
	char *out;

	(void)state;
	out = printed_error("sequence\n  [process where a == 1 where true]\n  [file where true]", "rule.toml");
	assert_string_equal(out,
			    "sitewatch: rule.toml:2:25: expected ']' to close the clause opened at 2:3, found 'where'\n"
			    "  [process where a == 1 where true]\n"
			    "                        ^\n");
	free(out);

	/* Tabs are kept so that the caret lines up; characters count once. */
	out = printed_error("process where\n\t\"\xC3\xA9\" = 1", "q");
	assert_string_equal(out,
			    "sitewatch: q:2:6: '=' is not a comparison in EQL: write '==' (case-sensitive) or ':' (case-insensitive)\n"
			    "\t\"\xC3\xA9\" = 1\n"
			    "\t    ^\n");
	free(out);

	/* At the end of the text, the caret follows the last character. */
	out = printed_error("any where", "q");
	assert_string_equal(out,
			    "sitewatch: q:1:10: the query ends where a value was expected (a field, a literal, a function call or '(')\n"
			    "any where\n"
			    "         ^\n");
	free(out);
}

static void print_error_long_line(void **state)
{
	struct buf q = BUF_INIT;
	char *out;
	char *caret_line;

	(void)state;
	buf_puts(&q, "any where x in (");
	for (int i = 0; i < 100; i++)
		buf_puts(&q, "\"aaaa\", ");
	buf_puts(&q, "x y)");
	out = printed_error(q.data, "q");

	/* The line is cut around the fault, with "..." on the cut sides. */
	caret_line = strrchr(out, '\n');
	*caret_line = '\0';
	caret_line = strrchr(out, '\n') + 1;
	assert_non_null(strstr(out, "\n..., \"aaaa\""));
	assert_int_equal(strlen(caret_line), 3 + 60 + 1);
	assert_int_equal(caret_line[63], '^');
	free(out);
	buf_free(&q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_literals),
		cmocka_unit_test(parse_fields),
		cmocka_unit_test(parse_comparisons),
		cmocka_unit_test(parse_matches),
		cmocka_unit_test(parse_lookups),
		cmocka_unit_test(parse_functions),
		cmocka_unit_test(parse_precedence),
		cmocka_unit_test(parse_event_queries),
		cmocka_unit_test(parse_sequences),
		cmocka_unit_test(parse_maxspan_units),
		cmocka_unit_test(parse_samples),
		cmocka_unit_test(parse_pipes),
		cmocka_unit_test(parse_positions),
		cmocka_unit_test(parse_comments_and_layout),
		cmocka_unit_test(parse_string_with_nul),
		cmocka_unit_test(parse_errors),
		cmocka_unit_test(parse_sequence_errors),
		cmocka_unit_test(parse_pipe_errors),
		cmocka_unit_test(parse_caps),
		cmocka_unit_test(print_error_with_caret),
		cmocka_unit_test(print_error_long_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
