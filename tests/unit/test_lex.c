/*
 * Unit tests of the EQL lexer (src/eql/lex.c): token kinds, values,
 * positions and the errors of malformed tokens.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "eql/lex.h"

#define MAX_TOKENS 64

struct lexed {
	struct arena arena;
	struct eql_error err;
	struct eql_token tok[MAX_TOKENS];
	size_t n;     /* tokens read, EOF included */
	bool ok;      /* false when the lexer reported an error */
};

/* Lexes `text` whole (or up to its first error) into `out`. */
static void lex_all(struct lexed *out, const char *text)
{
	struct eql_lexer lx;

	memset(out, 0, sizeof(*out));
	arena_init(&out->arena, 0);
	eql_lex_init(&lx, &out->arena, text, strlen(text), &out->err);
	out->ok = true;
	while (out->n < MAX_TOKENS) {
		if (!eql_lex_next(&lx, &out->tok[out->n])) {
			out->ok = false;
			return;
		}
		if (out->tok[out->n++].kind == EQL_TOK_EOF)
			return;
	}
	fail_msg("more than %d tokens in '%s'", MAX_TOKENS, text);
}

static void assert_kinds(const char *text, const enum eql_tok *kinds, size_t n)
{
	struct lexed l;

	lex_all(&l, text);
	if (!l.ok)
		fail_msg("'%s': %s", text, l.err.message);
	assert_int_equal(l.n, n + 1);
	for (size_t i = 0; i < n; i++) {
		if (l.tok[i].kind != kinds[i])
			fail_msg("'%s': token %zu is %s, expected %s", text, i,
				 eql_tok_name(l.tok[i].kind), eql_tok_name(kinds[i]));
	}
	assert_int_equal(l.tok[n].kind, EQL_TOK_EOF);
	arena_free(&l.arena);
}

#define KINDS(text, ...)                                                        \
	do {                                                                    \
		const enum eql_tok k_[] = { __VA_ARGS__ };                      \
		assert_kinds(text, k_, sizeof(k_) / sizeof(k_[0]));             \
	} while (0)

/* Lexes a single-token `text` and returns its token (valid until the arena is freed). */
static struct eql_token one(struct lexed *l, const char *text)
{
	lex_all(l, text);
	if (!l->ok)
		fail_msg("'%s': %s", text, l->err.message);
	assert_int_equal(l->n, 2);
	return l->tok[0];
}

/* Asserts that lexing `text` fails at line:column with a message holding `part`. */
static void assert_lex_error(const char *text, int line, int column, const char *part)
{
	struct lexed l;

	lex_all(&l, text);
	if (l.ok)
		fail_msg("'%s' lexed without error", text);
	if (l.err.pos.line != line || l.err.pos.column != column)
		fail_msg("'%s': error at %d:%d, expected %d:%d (%s)", text, l.err.pos.line,
			 l.err.pos.column, line, column, l.err.message);
	if (strstr(l.err.message, part) == NULL)
		fail_msg("'%s': message \"%s\" lacks \"%s\"", text, l.err.message, part);
	arena_free(&l.arena);
}

static void assert_string_token(const char *text, const char *value, size_t len)
{
	struct lexed l;
	struct eql_token t = one(&l, text);

	assert_int_equal(t.kind, EQL_TOK_STRING);
	assert_int_equal(t.str.len, len);
	assert_memory_equal(t.str.ptr, value, len);
	assert_int_equal(t.str.ptr[len], '\0');
	arena_free(&l.arena);
}

static void lex_every_operator(void **state)
{
	(void)state;
	KINDS("== != < <= > >= : = + - * / % . , [ ] ( ) | ? ![",
	      EQL_TOK_EQ, EQL_TOK_NE, EQL_TOK_LT, EQL_TOK_LE, EQL_TOK_GT, EQL_TOK_GE,
	      EQL_TOK_COLON, EQL_TOK_ASSIGN, EQL_TOK_PLUS, EQL_TOK_MINUS, EQL_TOK_STAR,
	      EQL_TOK_SLASH, EQL_TOK_PERCENT, EQL_TOK_DOT, EQL_TOK_COMMA,
	      EQL_TOK_LBRACKET, EQL_TOK_RBRACKET, EQL_TOK_LPAREN, EQL_TOK_RPAREN,
	      EQL_TOK_PIPE, EQL_TOK_QUESTION, EQL_TOK_MISSING);
	/* No space needed: the longest operator wins. */
	KINDS("a<=b>=c!=d==e", EQL_TOK_IDENT, EQL_TOK_LE, EQL_TOK_IDENT, EQL_TOK_GE,
	      EQL_TOK_IDENT, EQL_TOK_NE, EQL_TOK_IDENT, EQL_TOK_EQ, EQL_TOK_IDENT);
}

static void lex_keywords_are_lower_case(void **state)
{
	(void)state;
	KINDS("and any by false in join like maxspan not null of or regex sample sequence true until where with",
	      EQL_TOK_AND, EQL_TOK_ANY, EQL_TOK_BY, EQL_TOK_FALSE, EQL_TOK_IN, EQL_TOK_JOIN,
	      EQL_TOK_LIKE, EQL_TOK_MAXSPAN, EQL_TOK_NOT, EQL_TOK_NULL, EQL_TOK_OF, EQL_TOK_OR,
	      EQL_TOK_REGEX, EQL_TOK_SAMPLE, EQL_TOK_SEQUENCE, EQL_TOK_TRUE, EQL_TOK_UNTIL,
	      EQL_TOK_WHERE, EQL_TOK_WITH);
	/* Elasticsearch's keywords are case-sensitive: these are names. */
	KINDS("AND Where NULL True", EQL_TOK_IDENT, EQL_TOK_IDENT, EQL_TOK_IDENT, EQL_TOK_IDENT);
	/* A keyword is a whole word. */
	KINDS("android inner order", EQL_TOK_IDENT, EQL_TOK_IDENT, EQL_TOK_IDENT);
}

static void lex_tilde_forms(void **state)
{
	struct lexed l;
	struct eql_token t;

	(void)state;
	KINDS("in~ like~ regex~", EQL_TOK_IN_I, EQL_TOK_LIKE_I, EQL_TOK_REGEX_I);
	KINDS("x in~(1)", EQL_TOK_IDENT, EQL_TOK_IN_I, EQL_TOK_LPAREN, EQL_TOK_INTEGER, EQL_TOK_RPAREN);

	t = one(&l, "startsWith~");
	assert_int_equal(t.kind, EQL_TOK_TILDE_IDENT);
	assert_int_equal(t.str.len, strlen("startsWith"));
	assert_memory_equal(t.str.ptr, "startsWith", t.str.len);
	assert_int_equal(t.len, strlen("startsWith~"));
	arena_free(&l.arena);
}

static void lex_names(void **state)
{
	struct lexed l;
	struct eql_token t;

	(void)state;
	t = one(&l, "@timestamp");
	assert_int_equal(t.kind, EQL_TOK_IDENT);
	assert_int_equal(t.str.len, 10);
	arena_free(&l.arena);

	KINDS("_x9 process.parent.name", EQL_TOK_IDENT, EQL_TOK_IDENT, EQL_TOK_DOT,
	      EQL_TOK_IDENT, EQL_TOK_DOT, EQL_TOK_IDENT);
	/* '@' only starts a name. */
	KINDS("a@b", EQL_TOK_IDENT, EQL_TOK_IDENT);
}

static void lex_backtick_names(void **state)
{
	struct lexed l;
	struct eql_token t;

	(void)state;
	t = one(&l, "`my field-1`");
	assert_int_equal(t.kind, EQL_TOK_QUOTED_IDENT);
	assert_string_equal(t.str.ptr, "my field-1");
	arena_free(&l.arena);

	t = one(&l, "`a``b```");
	assert_string_equal(t.str.ptr, "a`b`");
	arena_free(&l.arena);

	t = one(&l, "``");
	assert_int_equal(t.kind, EQL_TOK_QUOTED_IDENT);
	assert_int_equal(t.str.len, 0);
	arena_free(&l.arena);

	assert_lex_error("x == `open", 1, 6, "backtick-quoted name is not closed");
}

static void lex_numbers(void **state)
{
	struct lexed l;
	struct eql_token t;

	(void)state;
	t = one(&l, "9223372036854775807");
	assert_int_equal(t.kind, EQL_TOK_INTEGER);
	assert_true(t.integer == INT64_MAX);
	arena_free(&l.arena);

	t = one(&l, "0");
	assert_int_equal(t.integer, 0);
	arena_free(&l.arena);

	static const struct {
		const char *text;
		double value;
	} decimals[] = {
		{ "1.5", 1.5 }, { "1.", 1.0 }, { ".5", 0.5 }, { "2e3", 2000.0 },
		{ "2E-3", 0.002 }, { "1.e2", 100.0 }, { ".5e+1", 5.0 },
	};
	for (size_t i = 0; i < sizeof(decimals) / sizeof(decimals[0]); i++) {
		t = one(&l, decimals[i].text);
		assert_int_equal(t.kind, EQL_TOK_DECIMAL);
		assert_true(t.real == decimals[i].value);
		arena_free(&l.arena);
	}

	/* An exponent needs digits: "1e" is the integer 1 and the name e. */
	KINDS("1e", EQL_TOK_INTEGER, EQL_TOK_IDENT);
	/* maxspan values lex as a number and a unit. */
	KINDS("5m 30ms", EQL_TOK_INTEGER, EQL_TOK_IDENT, EQL_TOK_INTEGER, EQL_TOK_IDENT);
	/* No sign in a number. */
	KINDS("-1", EQL_TOK_MINUS, EQL_TOK_INTEGER);

	assert_lex_error("x == 9223372036854775808", 1, 6, "too large");
	assert_lex_error("1e999", 1, 1, "too large");
}

static void lex_every_escape(void **state)
{
	(void)state;
	assert_string_token("\"\\b\\t\\n\\f\\r\\\"\\'\\\\\"", "\b\t\n\f\r\"'\\", 8);
	assert_string_token("\"plain 'single' quotes\"", "plain 'single' quotes", 21);
	assert_string_token("\"\"", "", 0);
	assert_string_token("\"C:\\\\Windows\\\\*\"", "C:\\Windows\\*", 12);

	assert_lex_error("\"a\\/b\"", 1, 3, "unknown escape '\\/'");
	assert_lex_error("\"\\w+\"", 1, 2, "unknown escape '\\w'");
}

static void lex_unicode_escapes(void **state)
{
	(void)state;
	assert_string_token("\"\\u{41}\"", "A", 1);
	assert_string_token("\"\\u{0041}x\"", "Ax", 2);
	assert_string_token("\"\\u{e9}\"", "\xC3\xA9", 2);
	assert_string_token("\"\\u{200F}\"", "\xE2\x80\x8F", 3);
	assert_string_token("\"\\u{1F600}\"", "\xF0\x9F\x98\x80", 4);
	assert_string_token("\"\\u{0010FFFF}\"", "\xF4\x8F\xBF\xBF", 4);
	/* A NUL in the middle stays, and the length counts it. */
	assert_string_token("\"a\\u{00}b\"", "a\0b", 3);

	assert_lex_error("\"\\u{D}\"", 1, 2, "2 to 8 hex digits, this one has 1");
	assert_lex_error("\"\\u{123456789}\"", 1, 2, "this one has 9");
	assert_lex_error("\"\\u{}\"", 1, 2, "this one has 0");
	assert_lex_error("\"\\u{U1}\"", 1, 2, "invalid Unicode escape");
	assert_lex_error("\"\\u{41\"", 1, 2, "a closing '}'");
	assert_lex_error("\"\\u0041\"", 1, 2, "\\u{XXXX}");
	assert_lex_error("\"\\u{110000}\"", 1, 2, "beyond the last Unicode code point");
	assert_lex_error("\"ab\\u{D800}\"", 1, 4, "surrogate");
}

static void lex_raw_strings(void **state)
{
	(void)state;
	assert_string_token("\"\"\"C:\\Windows\\\"x\"\"\"", "C:\\Windows\\\"x", 13);
	assert_string_token("\"\"\"\"\"\"", "", 0);
	/* Up to two quotes after the closing """ belong to the string (as in Elasticsearch). */
	assert_string_token("\"\"\"a\"\"\"\"", "a\"", 2);
	assert_string_token("\"\"\"\"\"\"\"\"", "\"\"", 2);
	assert_string_token("\"\"\"\\d+\\.exe\"\"\"", "\\d+\\.exe", 8);

	assert_lex_error("x : \"\"\"open", 1, 5, "raw string is not closed");
	assert_lex_error("x : \"\"\"a\nb\"\"\"", 1, 5, "cannot span lines");
}

static void lex_string_errors(void **state)
{
	(void)state;
	assert_lex_error("x == \"abc", 1, 6, "string is not closed");
	assert_lex_error("x == \"ab\ncd\"", 1, 6, "cannot span lines");
	assert_lex_error("x == 'abc'", 1, 6, "use double quotes");
	assert_lex_error("x == ?\"abc\"", 1, 6, "triple double quotes");
	assert_lex_error("x == ?'abc'", 1, 6, "triple double quotes");
}

static void lex_comments(void **state)
{
	struct lexed l;

	(void)state;
	KINDS("a // comment == \"x\nb", EQL_TOK_IDENT, EQL_TOK_IDENT);
	KINDS("a /* one */ b", EQL_TOK_IDENT, EQL_TOK_IDENT);
	/* A block comment ends at the first end mark, as in Elasticsearch. */
	KINDS("a /* x /* y */ b", EQL_TOK_IDENT, EQL_TOK_IDENT);
	KINDS("a /* x /* y */ z */", EQL_TOK_IDENT, EQL_TOK_IDENT, EQL_TOK_STAR, EQL_TOK_SLASH);
	KINDS("a /**/ b /***/", EQL_TOK_IDENT, EQL_TOK_IDENT);
	KINDS("a // end", EQL_TOK_IDENT);
	/* Inside a string, comment marks are text. */
	KINDS("\"/tmp/*\" \"//x\"", EQL_TOK_STRING, EQL_TOK_STRING);
	/* One slash divides. */
	KINDS("a / b", EQL_TOK_IDENT, EQL_TOK_SLASH, EQL_TOK_IDENT);

	lex_all(&l, "/* line 1\n line 2 */ x");
	assert_true(l.ok);
	assert_int_equal(l.tok[0].pos.line, 2);
	assert_int_equal(l.tok[0].pos.column, 12);
	arena_free(&l.arena);

	assert_lex_error("a\n  /* open", 2, 3, "comment is not closed");
	assert_lex_error("/*/ a", 1, 1, "comment is not closed");
}

static void lex_unexpected_characters(void **state)
{
	(void)state;
	assert_lex_error("a # b", 1, 3, "unexpected character '#'");
	assert_lex_error("a ! b", 1, 3, "unexpected '!'");
	assert_lex_error("f ~(x)", 1, 3, "unexpected '~'");
	assert_lex_error("caf\xC3\xA9 where true", 1, 4, "'\xC3\xA9'");
	assert_lex_error("a\x01", 1, 2, "control character 0x01");
}

static void lex_positions(void **state)
{
	struct lexed l;

	(void)state;
	/* Columns count characters, not bytes; a tab is one column. */
	lex_all(&l, "\"\xC3\xA9\" x\n\tyy");
	assert_true(l.ok);
	assert_int_equal(l.tok[1].pos.line, 1);
	assert_int_equal(l.tok[1].pos.column, 5);
	assert_int_equal(l.tok[1].pos.offset, 5);
	assert_int_equal(l.tok[2].pos.line, 2);
	assert_int_equal(l.tok[2].pos.column, 2);
	assert_int_equal(l.tok[2].len, 2);
	assert_int_equal(l.tok[3].kind, EQL_TOK_EOF);
	assert_int_equal(l.tok[3].pos.column, 4);
	arena_free(&l.arena);

	/* Carriage returns are spaces; lines end with "\n". */
	lex_all(&l, "a\r\nb");
	assert_int_equal(l.tok[1].pos.line, 2);
	assert_int_equal(l.tok[1].pos.column, 1);
	arena_free(&l.arena);
}

static void lex_empty_text(void **state)
{
	struct lexed l;

	(void)state;
	lex_all(&l, "  \n ");
	assert_true(l.ok);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.tok[0].kind, EQL_TOK_EOF);
	arena_free(&l.arena);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lex_every_operator),
		cmocka_unit_test(lex_keywords_are_lower_case),
		cmocka_unit_test(lex_tilde_forms),
		cmocka_unit_test(lex_names),
		cmocka_unit_test(lex_backtick_names),
		cmocka_unit_test(lex_numbers),
		cmocka_unit_test(lex_every_escape),
		cmocka_unit_test(lex_unicode_escapes),
		cmocka_unit_test(lex_raw_strings),
		cmocka_unit_test(lex_string_errors),
		cmocka_unit_test(lex_comments),
		cmocka_unit_test(lex_unexpected_characters),
		cmocka_unit_test(lex_positions),
		cmocka_unit_test(lex_empty_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
