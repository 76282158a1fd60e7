/*
 * EQL parser: recursive descent over the grammar of Elasticsearch's
 * EqlBase.g4, one function per grammar rule, each opening with the rule
 * it parses. Rules the grammar writes as one left-recursive rule
 * (booleanExpression, operatorExpression) are split into one function per
 * precedence level, loosest first:
 *
 *   or < and < not < comparison < + - < * / % < unary - + < primary predicate
 *
 * As in Elasticsearch, a predicate (in, :, like, regex) binds to the
 * primary value just before it, so `a + b in (1, 2)` reads
 * `a + (b in (1, 2))`. `not x in (...)` is `not (x in (...))`. A
 * comparison cannot be chained, so `a < b < c` is an error.
 *
 * Ownership: every node, string and array goes into the caller's arena
 * (ast.h). An error unwinds with longjmp() to eql_parse_limited(). Because
 * all memory is in the arena, nothing leaks: a failed parse leaves unused
 * nodes that arena_free() reclaims with the rest.
 */
#include "parse.h"

#include <ctype.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "error.h"
#include "lex.h"
#include "parse_limits.h"

/* Elasticsearch's bounds for "with runs=N" (EQL syntax reference). */
#define RUNS_MIN 1
#define RUNS_MAX 100

struct parser {
	struct eql_lexer lx;
	struct arena *arena;
	struct eql_error *err;
	struct eql_limits lim;
	struct eql_token tok;   /* the current token */
	struct eql_token ahead; /* the token after it, when has_ahead */
	bool has_ahead;
	int depth;              /* see EQL_DEFAULT_MAX_DEPTH */
	char found[64];         /* the current token, quoted, for messages */
	char hint[128];         /* text returned by keyword_hint() */
	jmp_buf fail;
};

/* List under construction. It grows in the arena, where outgrown arrays stay unused. */
struct list {
	void **items;
	size_t n;
	size_t cap;
};

static struct eql_expr *expression(struct parser *p);
static struct eql_expr *not_expression(struct parser *p);
static struct eql_expr *unary_expression(struct parser *p);

/* ---------------------------------------------------------------------
 * Errors
 */

static _Noreturn void fail_at(struct parser *p, struct eql_pos pos, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static _Noreturn void fail_at(struct parser *p, struct eql_pos pos, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	eql_error_vset(p->err, pos, fmt, ap);
	va_end(ap);
	longjmp(p->fail, 1);
}

/* Returns the token `t` as messages show it: 'where', or "the end of the query". */
static const char *describe(struct parser *p, const struct eql_token *t)
{
	if (t->kind == EQL_TOK_EOF)
		return "the end of the query";
	eql_error_quote(p->found, sizeof(p->found), t->text, t->len);
	return p->found;
}

static const char *found(struct parser *p)
{
	return describe(p, &p->tok);
}

/* Returns a hint when the current token is a keyword in other than lower case. */
static const char *case_hint(struct parser *p)
{
	char lower[16];

	if (p->tok.kind != EQL_TOK_IDENT || p->tok.len >= sizeof(lower))
		return "";
	for (size_t i = 0; i < p->tok.len; i++)
		lower[i] = (char)tolower((unsigned char)p->tok.text[i]);
	if (eql_lex_keyword(lower, p->tok.len) == EQL_TOK_IDENT)
		return "";

	snprintf(p->hint, sizeof(p->hint), " (keywords are lower case: write '%.*s')",
		 (int)p->tok.len, lower);
	return p->hint;
}

/* Returns a hint when the current token is a keyword where a name was expected. */
static const char *keyword_hint(struct parser *p)
{
	if (!eql_tok_is_keyword(p->tok.kind))
		return case_hint(p);
	snprintf(p->hint, sizeof(p->hint), " (%.*s is a keyword: quote a field of that name with backticks, `%.*s`)",
		 (int)p->tok.len, p->tok.text, (int)p->tok.len, p->tok.text);
	return p->hint;
}

/* ---------------------------------------------------------------------
 * Tokens
 */

static void next(struct parser *p)
{
	if (p->has_ahead) {
		p->tok = p->ahead;
		p->has_ahead = false;
		return;
	}
	if (!eql_lex_next(&p->lx, &p->tok))
		longjmp(p->fail, 1);
}

static const struct eql_token *peek(struct parser *p)
{
	if (!p->has_ahead) {
		if (!eql_lex_next(&p->lx, &p->ahead))
			longjmp(p->fail, 1);
		p->has_ahead = true;
	}
	return &p->ahead;
}

static bool check(const struct parser *p, enum eql_tok kind)
{
	return p->tok.kind == kind;
}

static bool accept(struct parser *p, enum eql_tok kind)
{
	if (!check(p, kind))
		return false;
	next(p);
	return true;
}

/* Consumes a `kind` token, or fails with "expected 'x' <context>, found ...". */
static void expect(struct parser *p, enum eql_tok kind, const char *context)
{
	if (!check(p, kind))
		fail_at(p, p->tok.pos, "expected %s %s, found %s%s", eql_tok_name(kind),
			context, found(p), case_hint(p));
	next(p);
}

/* Consumes the `kind` token that closes `what`, opened at `open`. */
static void expect_close(struct parser *p, enum eql_tok kind, struct eql_pos open,
			 const char *what)
{
	if (!check(p, kind))
		fail_at(p, p->tok.pos, "expected %s to close the %s opened at %d:%d, found %s",
			eql_tok_name(kind), what, open.line, open.column, found(p));
	next(p);
}

static bool token_is(const struct eql_token *t, const char *word)
{
	return t->kind == EQL_TOK_IDENT && t->str.len == strlen(word)
	       && memcmp(t->str.ptr, word, t->str.len) == 0;
}

/* ---------------------------------------------------------------------
 * Caps, lists and nodes
 */

static void enter(struct parser *p, struct eql_pos pos)
{
	if (++p->depth > p->lim.max_depth)
		fail_at(p, pos, "the query nests deeper than the limit of %d levels (parentheses, function calls, lists, 'not', unary minus and long and/or/arithmetic chains each add levels): simplify the condition",
			p->lim.max_depth);
}

static void leave(struct parser *p, int levels)
{
	p->depth -= levels;
}

static void list_push(struct parser *p, struct list *l, void *item,
		      struct eql_pos pos, const char *what)
{
	if (l->n >= p->lim.max_list)
		fail_at(p, pos, "too many %s: the limit is %zu", what, p->lim.max_list);

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 4;
		void **items = arena_alloc(p->arena, cap * sizeof(*items));

		if (l->n > 0)
			memcpy(items, l->items, l->n * sizeof(*items));
		l->items = items;
		l->cap = cap;
	}
	l->items[l->n++] = item;
}

static struct eql_expr *new_expr(struct parser *p, enum eql_expr_kind kind,
				 struct eql_pos pos)
{
	struct eql_expr *e = arena_alloc(p->arena, sizeof(*e));

	e->kind = kind;
	e->pos = pos;
	return e;
}

static struct eql_expr *new_unary(struct parser *p, enum eql_expr_kind kind,
				  struct eql_pos pos, struct eql_expr *operand)
{
	struct eql_expr *e = new_expr(p, kind, pos);

	e->args = arena_alloc(p->arena, sizeof(*e->args));
	e->args[0] = operand;
	e->nargs = 1;
	return e;
}

static struct eql_expr *new_binary(struct parser *p, enum eql_expr_kind kind,
				   enum eql_op op, struct eql_pos pos,
				   struct eql_expr *left, struct eql_expr *right)
{
	struct eql_expr *e = new_expr(p, kind, pos);

	e->op = op;
	e->args = arena_alloc(p->arena, 2 * sizeof(*e->args));
	e->args[0] = left;
	e->args[1] = right;
	e->nargs = 2;
	return e;
}

static char *copy_name(struct parser *p, struct eql_string s)
{
	return arena_strndup(p->arena, s.ptr, s.len);
}

/* ---------------------------------------------------------------------
 * Expressions
 */

/* constant: NULL | number | TRUE | FALSE | STRING   (number: INTEGER | DECIMAL) */
static struct eql_expr *constant(struct parser *p)
{
	struct eql_expr *e = new_expr(p, EQL_EXPR_NULL, p->tok.pos);

	switch (p->tok.kind) {
	case EQL_TOK_NULL:
		break;
	case EQL_TOK_TRUE:
	case EQL_TOK_FALSE:
		e->kind = EQL_EXPR_BOOL;
		e->u.boolean = check(p, EQL_TOK_TRUE);
		break;
	case EQL_TOK_INTEGER:
		e->kind = EQL_EXPR_INT;
		e->u.integer = p->tok.integer;
		break;
	case EQL_TOK_DECIMAL:
		e->kind = EQL_EXPR_FLOAT;
		e->u.real = p->tok.real;
		break;
	case EQL_TOK_STRING:
		e->kind = EQL_EXPR_STRING;
		e->u.string = p->tok.str;
		break;
	default:
		fail_at(p, p->tok.pos, "expected a literal (a string, a number, true, false or null), found %s",
			found(p));
	}
	next(p);
	return e;
}

/* identifier: IDENTIFIER | QUOTED_IDENTIFIER */
static struct eql_string identifier(struct parser *p, const char *context)
{
	struct eql_string name = p->tok.str;

	if (!check(p, EQL_TOK_IDENT) && !check(p, EQL_TOK_QUOTED_IDENT))
		fail_at(p, p->tok.pos, "expected a field name %s, found %s%s", context,
			found(p), keyword_hint(p));
	if (check(p, EQL_TOK_QUOTED_IDENT) && name.len == 0)
		fail_at(p, p->tok.pos, "a backtick-quoted field name cannot be empty");
	if (memchr(name.ptr, '\0', name.len) != NULL)
		fail_at(p, p->tok.pos, "a field name cannot contain a NUL character");
	next(p);
	return name;
}

/* Joins the segments of a dotted name with '.'. */
static char *join_path(struct parser *p, const struct list *segments)
{
	size_t total = 0;
	size_t at = 0;
	char *path;

	for (size_t i = 0; i < segments->n; i++)
		total += ((struct eql_string *)segments->items[i])->len + 1;
	path = arena_alloc(p->arena, total);

	for (size_t i = 0; i < segments->n; i++) {
		const struct eql_string *s = segments->items[i];

		if (i > 0)
			path[at++] = '.';
		memcpy(path + at, s->ptr, s->len);
		at += s->len;
	}
	path[at] = '\0';
	return path;
}

/*
 * qualifiedName: '?'? identifier ('.' identifier | '[' INTEGER+ ']')*
 * Elasticsearch's grammar accepts array indexes and its parser then
 * rejects them, and so does this parser.
 */
static struct eql_expr *qualified_name(struct parser *p)
{
	struct eql_expr *e = new_expr(p, EQL_EXPR_FIELD, p->tok.pos);
	struct list segments = { 0 };
	struct eql_string *seg;

	e->u.field.slot = -1;
	e->u.field.optional = accept(p, EQL_TOK_QUESTION);

	seg = arena_alloc(p->arena, sizeof(*seg));
	*seg = identifier(p, e->u.field.optional ? "after '?'" : "here");
	list_push(p, &segments, seg, e->pos, "parts in a field name");
	while (check(p, EQL_TOK_DOT)) {
		next(p);
		seg = arena_alloc(p->arena, sizeof(*seg));
		*seg = identifier(p, "after '.'");
		list_push(p, &segments, seg, e->pos, "parts in a field name");
	}

	if (check(p, EQL_TOK_LBRACKET) && peek(p)->kind == EQL_TOK_INTEGER)
		fail_at(p, p->tok.pos, "array indexes such as [%" PRId64 "] are not supported by Elasticsearch EQL: a condition on an array field is true when any of its values matches",
			peek(p)->integer);

	e->u.field.path = join_path(p, &segments);
	return e;
}

/* functionExpression: (IDENTIFIER | TILDE_IDENTIFIER) '(' (expression (',' expression)*)? ')' */
static struct eql_expr *function_call(struct parser *p)
{
	struct eql_expr *e = new_expr(p, EQL_EXPR_CALL, p->tok.pos);
	struct list args = { 0 };
	char what[96];
	struct eql_pos open;

	e->insensitive = check(p, EQL_TOK_TILDE_IDENT);
	e->u.function = copy_name(p, p->tok.str);
	snprintf(what, sizeof(what), "after the function name '%.*s'", (int)p->tok.len, p->tok.text);
	next(p);

	open = p->tok.pos;
	expect(p, EQL_TOK_LPAREN, what);
	enter(p, e->pos);
	if (!check(p, EQL_TOK_RPAREN)) {
		do {
			struct eql_pos pos = p->tok.pos;

			list_push(p, &args, expression(p), pos, "function arguments");
		} while (accept(p, EQL_TOK_COMMA));
	}
	leave(p, 1);

	snprintf(what, sizeof(what), "argument list of %s()", e->u.function);
	expect_close(p, EQL_TOK_RPAREN, open, what);
	e->args = (struct eql_expr **)args.items;
	e->nargs = args.n;
	return e;
}

static _Noreturn void fail_expected_value(struct parser *p)
{
	if (check(p, EQL_TOK_EOF))
		fail_at(p, p->tok.pos, "the query ends where a value was expected (a field, a literal, a function call or '(')");
	if (check(p, EQL_TOK_RPAREN))
		fail_at(p, p->tok.pos, "expected a value before ')' (a field, a literal, a function call or '(')");
	fail_at(p, p->tok.pos, "expected a value (a field, a literal, a function call or '('), found %s%s",
		found(p), keyword_hint(p));
}

/* primaryExpression: constant | functionExpression | qualifiedName | '(' expression ')' */
static struct eql_expr *primary_expression(struct parser *p)
{
	struct eql_pos open;
	struct eql_expr *e;

	switch (p->tok.kind) {
	case EQL_TOK_NULL:
	case EQL_TOK_TRUE:
	case EQL_TOK_FALSE:
	case EQL_TOK_INTEGER:
	case EQL_TOK_DECIMAL:
	case EQL_TOK_STRING:
		return constant(p);
	case EQL_TOK_LPAREN:
		open = p->tok.pos;
		next(p);
		e = expression(p);
		expect_close(p, EQL_TOK_RPAREN, open, "parenthesis");
		return e;
	case EQL_TOK_TILDE_IDENT:
		return function_call(p);
	case EQL_TOK_IDENT:
		if (peek(p)->kind == EQL_TOK_LPAREN)
			return function_call(p);
		return qualified_name(p);
	case EQL_TOK_QUOTED_IDENT:
	case EQL_TOK_QUESTION:
		return qualified_name(p);
	default:
		fail_expected_value(p);
	}
}

/* predicate, first form: NOT? (IN | IN~) '(' expression (',' expression)* ')' */
static struct eql_expr *in_predicate(struct parser *p, struct eql_expr *left, bool negated)
{
	struct eql_expr *e = new_expr(p, EQL_EXPR_IN, p->tok.pos);
	struct list items = { 0 };
	const char *op = check(p, EQL_TOK_IN_I) ? "in~" : "in";
	struct eql_pos open;

	e->insensitive = check(p, EQL_TOK_IN_I);
	e->negated = negated;
	next(p);

	open = p->tok.pos;
	if (!check(p, EQL_TOK_LPAREN))
		fail_at(p, p->tok.pos, "expected '(' after '%s' to open its list of values, found %s", op, found(p));
	next(p);
	if (check(p, EQL_TOK_RPAREN))
		fail_at(p, p->tok.pos, "the list after '%s' is empty: give at least one value", op);

	list_push(p, &items, left, e->pos, "values in a list");
	do {
		struct eql_pos pos = p->tok.pos;

		list_push(p, &items, expression(p), pos, "values in a list");
	} while (accept(p, EQL_TOK_COMMA));
	expect_close(p, EQL_TOK_RPAREN, open, "list of values");

	e->args = (struct eql_expr **)items.items;
	e->nargs = items.n;
	return e;
}

static enum eql_op match_op(enum eql_tok kind, bool *insensitive, const char **name)
{
	*insensitive = kind == EQL_TOK_COLON || kind == EQL_TOK_LIKE_I || kind == EQL_TOK_REGEX_I;
	switch (kind) {
	case EQL_TOK_COLON: *name = ":"; return EQL_OP_SEQ;
	case EQL_TOK_LIKE: *name = "like"; return EQL_OP_LIKE;
	case EQL_TOK_LIKE_I: *name = "like~"; return EQL_OP_LIKE;
	case EQL_TOK_REGEX: *name = "regex"; return EQL_OP_REGEX;
	case EQL_TOK_REGEX_I: *name = "regex~"; return EQL_OP_REGEX;
	default: return EQL_OP_NONE;
	}
}

static struct eql_expr *match_constant(struct parser *p, const char *op)
{
	switch (p->tok.kind) {
	case EQL_TOK_NULL:
	case EQL_TOK_TRUE:
	case EQL_TOK_FALSE:
	case EQL_TOK_INTEGER:
	case EQL_TOK_DECIMAL:
	case EQL_TOK_STRING:
		return constant(p);
	default:
		fail_at(p, p->tok.pos, "the right side of '%s' must be a literal pattern, such as \"*.exe\", or a parenthesized list of them; found %s",
			op, found(p));
	}
}

/*
 * predicate, second and third forms:
 *   (':' | LIKE | LIKE~ | REGEX | REGEX~) constant
 *   (':' | LIKE | LIKE~ | REGEX | REGEX~) '(' constant (',' constant)* ')'
 */
static struct eql_expr *match_predicate(struct parser *p, struct eql_expr *left)
{
	struct eql_expr *e = new_expr(p, EQL_EXPR_MATCH, p->tok.pos);
	struct list items = { 0 };
	const char *op = "";
	struct eql_pos open;

	e->op = match_op(p->tok.kind, &e->insensitive, &op);
	next(p);
	list_push(p, &items, left, e->pos, "values in a list");

	if (check(p, EQL_TOK_LPAREN)) {
		open = p->tok.pos;
		next(p);
		if (check(p, EQL_TOK_RPAREN))
			fail_at(p, p->tok.pos, "the list after '%s' is empty: give at least one pattern", op);
		do {
			struct eql_pos pos = p->tok.pos;

			list_push(p, &items, match_constant(p, op), pos, "values in a list");
		} while (accept(p, EQL_TOK_COMMA));
		expect_close(p, EQL_TOK_RPAREN, open, "list of patterns");
	} else {
		list_push(p, &items, match_constant(p, op), e->pos, "values in a list");
	}

	e->args = (struct eql_expr **)items.items;
	e->nargs = items.n;
	return e;
}

/* predicate: the in, :, like and regex forms after a primary value. */
static struct eql_expr *predicate(struct parser *p, struct eql_expr *left)
{
	enum eql_tok after;

	switch (p->tok.kind) {
	case EQL_TOK_NOT:
		after = peek(p)->kind;
		if (after != EQL_TOK_IN && after != EQL_TOK_IN_I)
			fail_at(p, p->tok.pos, "after a value, 'not' can only start 'not in' or 'not in~'; to negate a condition, put 'not' before it: not x like \"a*\"");
		next(p);
		return in_predicate(p, left, true);
	case EQL_TOK_IN:
	case EQL_TOK_IN_I:
		return in_predicate(p, left, false);
	case EQL_TOK_COLON:
	case EQL_TOK_LIKE:
	case EQL_TOK_LIKE_I:
	case EQL_TOK_REGEX:
	case EQL_TOK_REGEX_I:
		return match_predicate(p, left);
	default:
		return left;
	}
}

/* operatorExpression, prefix form: ('-' | '+') operatorExpression | primaryExpression predicate? */
static struct eql_expr *unary_expression(struct parser *p)
{
	struct eql_pos pos = p->tok.pos;
	bool minus = check(p, EQL_TOK_MINUS);
	struct eql_expr *operand;

	if (!minus && !check(p, EQL_TOK_PLUS))
		return predicate(p, primary_expression(p));

	/* Elasticsearch reads unary plus as the value itself. */
	next(p);
	enter(p, pos);
	operand = unary_expression(p);
	leave(p, 1);
	return minus ? new_unary(p, EQL_EXPR_NEG, pos, operand) : operand;
}

static enum eql_op arith_op(enum eql_tok kind)
{
	switch (kind) {
	case EQL_TOK_PLUS: return EQL_OP_ADD;
	case EQL_TOK_MINUS: return EQL_OP_SUB;
	case EQL_TOK_STAR: return EQL_OP_MUL;
	case EQL_TOK_SLASH: return EQL_OP_DIV;
	case EQL_TOK_PERCENT: return EQL_OP_MOD;
	default: return EQL_OP_NONE;
	}
}

/* operatorExpression, product form: operatorExpression ('*' | '/' | '%') operatorExpression */
static struct eql_expr *multiplicative_expression(struct parser *p)
{
	struct eql_expr *left = unary_expression(p);
	int chain = 0;

	while (check(p, EQL_TOK_STAR) || check(p, EQL_TOK_SLASH) || check(p, EQL_TOK_PERCENT)) {
		struct eql_pos pos = p->tok.pos;
		enum eql_op op = arith_op(p->tok.kind);

		next(p);
		enter(p, pos);
		chain++;
		left = new_binary(p, EQL_EXPR_ARITH, op, pos, left, unary_expression(p));
	}
	leave(p, chain);
	return left;
}

/* operatorExpression, sum form: operatorExpression ('+' | '-') operatorExpression */
static struct eql_expr *additive_expression(struct parser *p)
{
	struct eql_expr *left = multiplicative_expression(p);
	int chain = 0;

	while (check(p, EQL_TOK_PLUS) || check(p, EQL_TOK_MINUS)) {
		struct eql_pos pos = p->tok.pos;
		enum eql_op op = arith_op(p->tok.kind);

		next(p);
		enter(p, pos);
		chain++;
		left = new_binary(p, EQL_EXPR_ARITH, op, pos, left, multiplicative_expression(p));
	}
	leave(p, chain);
	return left;
}

/* comparisonOperator: '==' | '!=' | '<' | '<=' | '>' | '>=' */
static enum eql_op comparison_op(enum eql_tok kind)
{
	switch (kind) {
	case EQL_TOK_EQ: return EQL_OP_EQ;
	case EQL_TOK_NE: return EQL_OP_NE;
	case EQL_TOK_LT: return EQL_OP_LT;
	case EQL_TOK_LE: return EQL_OP_LE;
	case EQL_TOK_GT: return EQL_OP_GT;
	case EQL_TOK_GE: return EQL_OP_GE;
	default: return EQL_OP_NONE;
	}
}

/* valueExpression: operatorExpression (comparisonOperator operatorExpression)? */
static struct eql_expr *value_expression(struct parser *p)
{
	struct eql_expr *left = additive_expression(p);
	enum eql_op op = comparison_op(p->tok.kind);
	struct eql_pos pos = p->tok.pos;
	struct eql_expr *e;

	if (check(p, EQL_TOK_ASSIGN))
		fail_at(p, pos, "'=' is not a comparison in EQL: write '==' (case-sensitive) or ':' (case-insensitive)");
	if (op == EQL_OP_NONE)
		return left;

	next(p);
	e = new_binary(p, EQL_EXPR_COMPARE, op, pos, left, additive_expression(p));
	if (comparison_op(p->tok.kind) != EQL_OP_NONE)
		fail_at(p, p->tok.pos, "comparisons cannot be chained: write 'a < b and b < c' rather than 'a < b < c'");
	return e;
}

/*
 * booleanExpression, "not" form: NOT booleanExpression
 * (and the processCheck form, IDENTIFIER OF subquery, which Elasticsearch rejects)
 */
static struct eql_expr *not_expression(struct parser *p)
{
	struct eql_pos pos = p->tok.pos;
	struct eql_expr *e;

	if (check(p, EQL_TOK_IDENT) && peek(p)->kind == EQL_TOK_OF)
		fail_at(p, pos, "lineage conditions such as '%.*s of [...]' are not supported by Elasticsearch EQL",
			(int)p->tok.len, p->tok.text);
	if (!check(p, EQL_TOK_NOT))
		return value_expression(p);

	next(p);
	enter(p, pos);
	e = new_unary(p, EQL_EXPR_NOT, pos, not_expression(p));
	leave(p, 1);
	return e;
}

/* booleanExpression, "and" form: booleanExpression AND booleanExpression */
static struct eql_expr *and_expression(struct parser *p)
{
	struct eql_expr *left = not_expression(p);
	int chain = 0;

	while (check(p, EQL_TOK_AND)) {
		struct eql_pos pos = p->tok.pos;

		next(p);
		enter(p, pos);
		chain++;
		left = new_binary(p, EQL_EXPR_AND, EQL_OP_NONE, pos, left, not_expression(p));
	}
	leave(p, chain);
	return left;
}

/* booleanExpression, "or" form: booleanExpression OR booleanExpression */
static struct eql_expr *or_expression(struct parser *p)
{
	struct eql_expr *left = and_expression(p);
	int chain = 0;

	while (check(p, EQL_TOK_OR)) {
		struct eql_pos pos = p->tok.pos;

		next(p);
		enter(p, pos);
		chain++;
		left = new_binary(p, EQL_EXPR_OR, EQL_OP_NONE, pos, left, and_expression(p));
	}
	leave(p, chain);
	return left;
}

/* expression: booleanExpression */
static struct eql_expr *expression(struct parser *p)
{
	struct eql_expr *e;

	enter(p, p->tok.pos);
	e = or_expression(p);
	leave(p, 1);
	return e;
}

/* ---------------------------------------------------------------------
 * Queries
 */

/* eventFilter: (ANY | eventValue) WHERE expression   (eventValue: IDENTIFIER | STRING) */
static void event_filter(struct parser *p, struct eql_clause *c)
{
	char context[96] = "after 'any'";

	switch (p->tok.kind) {
	case EQL_TOK_ANY:
		break;
	case EQL_TOK_IDENT:
		c->category.ptr = copy_name(p, p->tok.str);
		c->category.len = p->tok.str.len;
		snprintf(context, sizeof(context), "after the event category '%.*s' (a query reads: CATEGORY where CONDITION)",
			 (int)p->tok.len, p->tok.text);
		break;
	case EQL_TOK_STRING:
		c->category = p->tok.str;
		snprintf(context, sizeof(context), "after the event category");
		break;
	case EQL_TOK_QUOTED_IDENT:
		fail_at(p, p->tok.pos, "an event category cannot be a backtick-quoted name: write it as a string, such as \"my category\"");
	default:
		fail_at(p, p->tok.pos, "expected an event category (a name such as process, a string, or 'any'), found %s",
			found(p));
	}
	next(p);

	expect(p, EQL_TOK_WHERE, context);
	c->where = expression(p);
	c->runs = 1;
}

/* subquery: ('[' | '![') eventFilter ']' */
static void subquery(struct parser *p, struct eql_clause *c)
{
	c->pos = p->tok.pos;
	c->missing = check(p, EQL_TOK_MISSING);
	next(p);

	event_filter(p, c);
	expect_close(p, EQL_TOK_RBRACKET, c->pos, c->missing ? "missing-event clause" : "clause");
}

/* joinKeys: BY expression (',' expression)* */
static void join_keys(struct parser *p, struct eql_expr ***keys, size_t *nkeys)
{
	struct list list = { 0 };

	next(p);
	do {
		struct eql_pos pos = p->tok.pos;

		list_push(p, &list, expression(p), pos, "join keys");
	} while (accept(p, EQL_TOK_COMMA));

	*keys = (struct eql_expr **)list.items;
	*nkeys = list.n;
}

/* Parses the "WITH key=value" part of sequenceTerm, whose only key is runs (1 to 100). */
static int64_t runs_option(struct parser *p)
{
	struct eql_pos value_pos;
	int64_t runs;

	next(p);
	if (check(p, EQL_TOK_MAXSPAN))
		fail_at(p, p->tok.pos, "maxspan belongs to the whole sequence, before its first clause: sequence with maxspan=5m [ ... ]");
	if (!token_is(&p->tok, "runs"))
		fail_at(p, p->tok.pos, "expected 'runs' after 'with' at the end of a clause (as in: with runs=3), found %s",
			found(p));
	next(p);
	expect(p, EQL_TOK_ASSIGN, "after 'runs'");

	value_pos = p->tok.pos;
	if (!check(p, EQL_TOK_INTEGER))
		fail_at(p, value_pos, "expected a whole number from %d to %d after 'runs=', found %s",
			RUNS_MIN, RUNS_MAX, found(p));
	runs = p->tok.integer;
	if (runs < RUNS_MIN || runs > RUNS_MAX)
		fail_at(p, value_pos, "runs must be between %d and %d, as Elasticsearch requires; found %" PRId64,
			RUNS_MIN, RUNS_MAX, runs);
	next(p);
	return runs;
}

/* sequenceTerm: subquery joinKeys? (WITH IDENTIFIER '=' number)? */
static void sequence_term(struct parser *p, struct eql_clause *c)
{
	subquery(p, c);
	if (check(p, EQL_TOK_BY))
		join_keys(p, &c->by, &c->nby);
	if (check(p, EQL_TOK_WITH))
		c->runs = runs_option(p);
}

/* joinTerm: subquery joinKeys? */
static void join_term(struct parser *p, struct eql_clause *c)
{
	if (check(p, EQL_TOK_MISSING))
		fail_at(p, p->tok.pos, "a sample cannot have a missing-event clause '![...]': those belong to sequences");
	subquery(p, c);
	if (check(p, EQL_TOK_BY))
		join_keys(p, &c->by, &c->nby);
	if (check(p, EQL_TOK_WITH))
		fail_at(p, p->tok.pos, "a sample takes no 'with': runs and maxspan belong to sequences");
}

/* Returns the milliseconds in one maxspan unit (Elasticsearch's units), or 0 for an unknown unit. */
static int64_t time_unit_ms(const struct eql_string *unit)
{
	static const struct {
		const char *name;
		int64_t ms;
	} units[] = {
		{ "ms", 1 }, { "s", 1000 }, { "m", 60 * 1000 },
		{ "h", 3600 * 1000 }, { "d", 24 * 3600 * 1000 },
	};

	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strlen(units[i].name) == unit->len && memcmp(units[i].name, unit->ptr, unit->len) == 0)
			return units[i].ms;
	}
	return 0;
}

/* timeUnit: number IDENTIFIER   (optional in the grammar, required by Elasticsearch's parser) */
static int64_t time_unit(struct parser *p)
{
	struct eql_pos value_pos = p->tok.pos;
	int64_t value, unit;

	if (check(p, EQL_TOK_DECIMAL))
		fail_at(p, value_pos, "maxspan takes a whole number, found %s: use a smaller unit instead (1500ms, not 1.5s)",
			found(p));
	if (!check(p, EQL_TOK_INTEGER))
		fail_at(p, value_pos, "expected a duration such as 5m after 'maxspan=', found %s", found(p));
	value = p->tok.integer;
	next(p);

	if (value <= 0)
		fail_at(p, value_pos, "maxspan must be positive, found %" PRId64, value);
	if (!check(p, EQL_TOK_IDENT))
		fail_at(p, value_pos, "maxspan=%" PRId64 " has no time unit: write one of ms, s, m, h, d, as in maxspan=%" PRId64 "s",
			value, value);
	unit = time_unit_ms(&p->tok.str);
	if (unit == 0)
		fail_at(p, p->tok.pos, "unknown time unit %s in maxspan: use ms, s, m, h or d", found(p));
	if (value > INT64_MAX / unit)
		fail_at(p, value_pos, "maxspan=%" PRId64 "%.*s is too long to count in milliseconds",
			value, (int)p->tok.len, p->tok.text);
	next(p);
	return value * unit;
}

/* sequenceParams: WITH MAXSPAN '=' timeUnit */
static int64_t sequence_params(struct parser *p)
{
	next(p);
	if (token_is(&p->tok, "runs"))
		fail_at(p, p->tok.pos, "runs belongs after a clause, not after 'sequence': [ ... ] with runs=3");
	expect(p, EQL_TOK_MAXSPAN, "after 'with' (as in: sequence with maxspan=5m)");
	if (check(p, EQL_TOK_EQ))
		fail_at(p, p->tok.pos, "write maxspan with a single '=', as in maxspan=5m");
	expect(p, EQL_TOK_ASSIGN, "after 'maxspan'");
	return time_unit(p);
}

static void copy_clauses(struct parser *p, struct eql_query *q, const struct list *clauses)
{
	q->clauses = arena_alloc(p->arena, clauses->n * sizeof(*q->clauses));
	for (size_t i = 0; i < clauses->n; i++)
		q->clauses[i] = *(struct eql_clause *)clauses->items[i];
	q->nclauses = clauses->n;
}

/* Checks Elasticsearch's rule that every clause, until included, has as many "by" keys as the first. */
static void check_join_key_counts(struct parser *p, const struct eql_query *q)
{
	size_t want = q->clauses[0].nby;

	for (size_t i = 0; i <= q->nclauses; i++) {
		const struct eql_clause *c = i < q->nclauses ? &q->clauses[i] : q->until;

		if (c == NULL || c->nby == want)
			continue;
		fail_at(p, c->nby > 0 ? c->by[0]->pos : c->pos,
			"this clause has %zu join key%s after 'by' but the first clause has %zu: every clause needs the same number",
			c->nby, c->nby == 1 ? "" : "s", want);
	}
}

/* Checks Elasticsearch's rule that missing events need maxspan and at least one other clause. */
static void check_missing_events(struct parser *p, const struct eql_query *q)
{
	const struct eql_clause *first_missing = NULL;
	size_t positive = 0;

	for (size_t i = 0; i < q->nclauses; i++) {
		const struct eql_clause *c = &q->clauses[i];

		if (!c->missing) {
			positive++;
			continue;
		}
		if (first_missing == NULL)
			first_missing = c;
	}

	if (first_missing == NULL)
		return;
	if (q->maxspan_ms == 0)
		fail_at(p, first_missing->pos, "a sequence with a missing-event clause needs a time window: sequence with maxspan=5m [ ... ] ![ ... ]");
	if (positive == 0)
		fail_at(p, q->pos, "a sequence needs at least one clause that is not a missing event");
}

static struct eql_clause *until_clause(struct parser *p)
{
	struct eql_clause *until = arena_alloc(p->arena, sizeof(*until));

	if (check(p, EQL_TOK_MISSING))
		fail_at(p, p->tok.pos, "the until clause cannot be a missing event: write it as [ ... ]");
	if (!check(p, EQL_TOK_LBRACKET))
		fail_at(p, p->tok.pos, "expected '[' to open the until clause, found %s", found(p));
	sequence_term(p, until);
	if (until->runs != 1)
		fail_at(p, until->pos, "the until clause cannot take 'with runs'");
	return until;
}

/*
 * sequence: SEQUENCE (joinKeys sequenceParams? | sequenceParams joinKeys?)?
 *           sequenceTerm+ (UNTIL sequenceTerm)?
 * Elasticsearch parses "with" before "by" and then rejects it, and so does this parser.
 */
static struct eql_query *sequence(struct parser *p)
{
	struct eql_query *q = arena_alloc(p->arena, sizeof(*q));
	struct list clauses = { 0 };

	q->kind = EQL_QUERY_SEQUENCE;
	q->pos = p->tok.pos;
	next(p);
	if (check(p, EQL_TOK_BY))
		join_keys(p, &q->by, &q->nby);
	if (check(p, EQL_TOK_WITH)) {
		q->maxspan_ms = sequence_params(p);
		if (check(p, EQL_TOK_BY))
			fail_at(p, p->tok.pos, "write 'by' before 'with': sequence by KEYS with maxspan=...");
	}

	while (check(p, EQL_TOK_LBRACKET) || check(p, EQL_TOK_MISSING)) {
		struct eql_clause *c = arena_alloc(p->arena, sizeof(*c));

		sequence_term(p, c);
		list_push(p, &clauses, c, c->pos, "clauses in a sequence");
	}
	if (clauses.n == 0)
		fail_at(p, p->tok.pos, "expected '[' to open the first clause of the sequence, found %s",
			found(p));
	copy_clauses(p, q, &clauses);

	if (accept(p, EQL_TOK_UNTIL))
		q->until = until_clause(p);
	check_join_key_counts(p, q);
	check_missing_events(p, q);
	return q;
}

/* sample: SAMPLE joinKeys? joinTerm+ */
static struct eql_query *sample(struct parser *p)
{
	struct eql_query *q = arena_alloc(p->arena, sizeof(*q));
	struct list clauses = { 0 };

	q->kind = EQL_QUERY_SAMPLE;
	q->pos = p->tok.pos;
	next(p);
	if (check(p, EQL_TOK_BY))
		join_keys(p, &q->by, &q->nby);
	if (check(p, EQL_TOK_WITH))
		fail_at(p, p->tok.pos, "a sample takes no 'with': maxspan and runs belong to sequences");

	while (check(p, EQL_TOK_LBRACKET) || check(p, EQL_TOK_MISSING)) {
		struct eql_clause *c = arena_alloc(p->arena, sizeof(*c));

		join_term(p, c);
		list_push(p, &clauses, c, c->pos, "clauses in a sample");
	}
	if (clauses.n == 0)
		fail_at(p, p->tok.pos, "expected '[' to open the first clause of the sample, found %s",
			found(p));
	copy_clauses(p, q, &clauses);

	if (check(p, EQL_TOK_UNTIL))
		fail_at(p, p->tok.pos, "a sample takes no 'until': it belongs to sequences");
	check_join_key_counts(p, q);
	return q;
}

/* eventQuery: eventFilter */
static struct eql_query *event_query(struct parser *p)
{
	struct eql_query *q = arena_alloc(p->arena, sizeof(*q));

	q->kind = EQL_QUERY_EVENT;
	q->pos = p->tok.pos;
	q->clauses = arena_alloc(p->arena, sizeof(*q->clauses));
	q->nclauses = 1;
	q->clauses[0].pos = p->tok.pos;
	event_filter(p, &q->clauses[0]);
	return q;
}

/* query: sequence | join | eventQuery | sample   (Elasticsearch rejects join) */
static struct eql_query *query(struct parser *p)
{
	switch (p->tok.kind) {
	case EQL_TOK_SEQUENCE:
		return sequence(p);
	case EQL_TOK_SAMPLE:
		return sample(p);
	case EQL_TOK_JOIN:
		fail_at(p, p->tok.pos, "join queries are not supported by Elasticsearch EQL: write a sequence");
	case EQL_TOK_EOF:
		fail_at(p, p->tok.pos, "the query is empty: write CATEGORY where CONDITION, such as: process where process.name == \"python3\"");
	default:
		return event_query(p);
	}
}

static bool is_unsupported_pipe(const struct eql_token *t)
{
	static const char *const names[] = { "count", "filter", "sort", "unique", "unique_count" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (token_is(t, names[i]))
			return true;
	}
	return false;
}

/* Parses the count of head or tail: an integer literal, 0 or more, as Elasticsearch accepts. */
static int64_t pipe_count(struct parser *p, const char *name)
{
	size_t start = p->tok.pos.offset;
	struct eql_pos pos = p->tok.pos;
	struct eql_expr *arg;
	char text[64];

	if (check(p, EQL_TOK_EOF) || check(p, EQL_TOK_PIPE))
		fail_at(p, p->tok.pos, "the pipe '%s' needs a count, as in '| %s 10'", name, name);
	arg = expression(p);
	if (check(p, EQL_TOK_COMMA))
		fail_at(p, p->tok.pos, "the pipe '%s' takes one argument, its count", name);

	if (arg->kind == EQL_EXPR_INT)
		return arg->u.integer;
	eql_error_quote(text, sizeof(text), p->lx.text + start, p->tok.pos.offset - start);
	if (arg->kind == EQL_EXPR_NEG && arg->args[0]->kind == EQL_EXPR_INT)
		fail_at(p, pos, "the count of '%s' cannot be negative, found %s", name, text);
	fail_at(p, pos, "the pipe '%s' takes a whole number, as in '| %s 10', found %s", name, name, text);
}

/* pipe: '|' IDENTIFIER (booleanExpression (',' booleanExpression)*)? */
static struct eql_pipe *pipe(struct parser *p)
{
	struct eql_pipe *pipe = arena_alloc(p->arena, sizeof(*pipe));
	const char *name;

	pipe->pos = p->tok.pos;
	next(p);
	if (token_is(&p->tok, "head")) {
		pipe->kind = EQL_PIPE_HEAD;
		name = "head";
	} else if (token_is(&p->tok, "tail")) {
		pipe->kind = EQL_PIPE_TAIL;
		name = "tail";
	} else if (is_unsupported_pipe(&p->tok)) {
		fail_at(p, p->tok.pos, "the pipe %s is not supported: Elasticsearch EQL runs only head and tail", found(p));
	} else {
		fail_at(p, p->tok.pos, "expected a pipe name after '|' (head or tail), found %s", found(p));
	}
	next(p);

	pipe->count = pipe_count(p, name);
	return pipe;
}

static _Noreturn void fail_trailing(struct parser *p, const struct eql_query *q, size_t npipes)
{
	if (check(p, EQL_TOK_RPAREN) || check(p, EQL_TOK_RBRACKET))
		fail_at(p, p->tok.pos, "unbalanced %s: nothing open here for it to close", found(p));
	if (npipes > 0)
		fail_at(p, p->tok.pos, "expected '|' or the end of the query after the pipe, found %s", found(p));
	if (q->until != NULL)
		fail_at(p, p->tok.pos, "expected '|' or the end of the query after the until clause, found %s", found(p));
	if (q->kind != EQL_QUERY_EVENT)
		fail_at(p, p->tok.pos, "expected '[' to open another clause, %s'|' or the end of the query, found %s",
			q->kind == EQL_QUERY_SEQUENCE ? "'until', " : "", found(p));
	if (check(p, EQL_TOK_LBRACKET))
		fail_at(p, p->tok.pos, "a bracketed clause belongs to a sequence or a sample: start the query with 'sequence' or 'sample'");
	fail_at(p, p->tok.pos, "expected 'and', 'or', '|' or the end of the query after the condition, found %s%s",
		found(p), case_hint(p));
}

/* statement: query pipe* EOF   (singleStatement) */
static struct eql_query *statement(struct parser *p)
{
	struct eql_query *q = query(p);
	struct list pipes = { 0 };

	while (check(p, EQL_TOK_PIPE)) {
		struct eql_pos pos = p->tok.pos;

		list_push(p, &pipes, pipe(p), pos, "pipes");
	}
	if (!check(p, EQL_TOK_EOF))
		fail_trailing(p, q, pipes.n);

	q->pipes = arena_alloc(p->arena, (pipes.n ? pipes.n : 1) * sizeof(*q->pipes));
	for (size_t i = 0; i < pipes.n; i++)
		q->pipes[i] = *(struct eql_pipe *)pipes.items[i];
	q->npipes = pipes.n;
	return q;
}

void eql_limits_default(struct eql_limits *lim)
{
	lim->max_query_bytes = EQL_DEFAULT_MAX_QUERY_BYTES;
	lim->max_depth = EQL_DEFAULT_MAX_DEPTH;
	lim->max_list = EQL_DEFAULT_MAX_LIST;
}

struct eql_query *eql_parse_limited(struct arena *arena, const char *text,
				    size_t len, const struct eql_limits *lim,
				    struct eql_error *err)
{
	struct parser p;
	struct eql_error spare;

	memset(&p, 0, sizeof(p));
	p.err = err ? err : &spare;
	memset(p.err, 0, sizeof(*p.err));
	p.arena = arena;
	if (lim != NULL)
		p.lim = *lim;
	else
		eql_limits_default(&p.lim);
	if (text == NULL)
		text = "";

	eql_lex_init(&p.lx, arena, text, len, p.err);
	if (len > p.lim.max_query_bytes) {
		eql_error_set(p.err, eql_lex_pos(&p.lx, 0), "the query is %zu bytes long, over the limit of %zu bytes",
			      len, p.lim.max_query_bytes);
		return NULL;
	}

	if (setjmp(p.fail) != 0)
		return NULL;
	next(&p);
	return statement(&p);
}

struct eql_query *eql_parse(struct arena *arena, const char *text, size_t len,
			    struct eql_error *err)
{
	return eql_parse_limited(arena, text, len, NULL, err);
}
