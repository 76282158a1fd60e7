/*
 * Rendering an expression tree as EQL text. Each node is written at a
 * binding level; an operand whose level is looser than its place allows
 * is put in parentheses. The levels follow the parser (src/eql/parse.c),
 * loosest first:
 *
 *   or < and < not < comparison < + - < * / % < unary - < predicate < primary
 *
 * A predicate (in, :, like, regex) binds to the primary value just before
 * it, so its left side is parenthesized unless it is a primary, and a
 * predicate that is itself an operand of arithmetic, a comparison or a
 * unary minus is parenthesized too. Recursion depth follows the tree's
 * height, which the parser caps (EQL_DEFAULT_MAX_DEPTH).
 */
#include "render.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eql/lex.h"

enum level {
	L_OR = 1,
	L_AND,
	L_NOT,
	L_COMPARE,
	L_ADD,
	L_MUL,
	L_UNARY,
	L_PREDICATE,
	L_PRIMARY,
};

static void render(struct buf *b, const struct eql_expr *e, enum level min);

static enum level level_of(const struct eql_expr *e)
{
	switch (e->kind) {
	case EQL_EXPR_OR:
		return L_OR;
	case EQL_EXPR_AND:
		return L_AND;
	case EQL_EXPR_NOT:
		return L_NOT;
	case EQL_EXPR_COMPARE:
		return L_COMPARE;
	case EQL_EXPR_ARITH:
		return e->op == EQL_OP_ADD || e->op == EQL_OP_SUB ? L_ADD : L_MUL;
	case EQL_EXPR_NEG:
		return L_UNARY;
	case EQL_EXPR_IN:
	case EQL_EXPR_MATCH:
		return L_PREDICATE;
	case EQL_EXPR_INT:
		return e->u.integer < 0 ? L_UNARY : L_PRIMARY;
	case EQL_EXPR_FLOAT:
		return e->u.real < 0 ? L_UNARY : L_PRIMARY;
	default:
		return L_PRIMARY;
	}
}

void lint_render_string(struct buf *b, const char *s, size_t len)
{
	buf_putc(b, '"');
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		switch (c) {
		case '"': buf_puts(b, "\\\""); break;
		case '\\': buf_puts(b, "\\\\"); break;
		case '\n': buf_puts(b, "\\n"); break;
		case '\t': buf_puts(b, "\\t"); break;
		case '\r': buf_puts(b, "\\r"); break;
		default:
			/* The lexer takes no raw control character inside a string. */
			if (c < 0x20 || c == 0x7F)
				buf_printf(b, "\\u{%02X}", c);
			else
				buf_putc(b, (char)c);
		}
	}
	buf_putc(b, '"');
}

static bool is_name_char(char c, bool first)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_')
		return true;
	return first ? c == '@' : (c >= '0' && c <= '9');
}

/* True when `len` bytes at `s` lex as one identifier rather than a keyword. */
static bool is_plain_name(const char *s, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (!is_name_char(s[i], i == 0))
			return false;
	}
	return eql_lex_keyword(s, len) == EQL_TOK_IDENT;
}

static void render_name(struct buf *b, const char *s, size_t len)
{
	if (is_plain_name(s, len)) {
		buf_append(b, s, len);
		return;
	}
	buf_putc(b, '`');
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '`')
			buf_putc(b, '`');
		buf_putc(b, s[i]);
	}
	buf_putc(b, '`');
}

void lint_render_field(struct buf *b, const struct eql_field *f)
{
	const char *seg = f->path;

	if (f->optional)
		buf_putc(b, '?');
	for (;;) {
		const char *dot = strchr(seg, '.');
		size_t len = dot != NULL ? (size_t)(dot - seg) : strlen(seg);

		render_name(b, seg, len);
		if (dot == NULL)
			return;
		buf_putc(b, '.');
		seg = dot + 1;
	}
}

void lint_render_category(struct buf *b, const struct eql_string *category)
{
	if (category->ptr == NULL)
		buf_puts(b, "any");
	else if (is_plain_name(category->ptr, category->len))
		buf_append(b, category->ptr, category->len);
	else
		lint_render_string(b, category->ptr, category->len);
}

/* The shortest decimal text that reads back as the same double, always with a '.' or an exponent. */
static void render_float(struct buf *b, double v)
{
	char text[40];

	for (int digits = 1; digits <= 17; digits++) {
		snprintf(text, sizeof(text), "%.*g", digits, v);
		if (strtod(text, NULL) == v)
			break;
	}
	buf_puts(b, text);
	if (strpbrk(text, ".eE") == NULL)
		buf_puts(b, ".0");
}

static void render_list(struct buf *b, struct eql_expr *const *items, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			buf_puts(b, ", ");
		render(b, items[i], L_OR);
	}
}

/* An operand of arithmetic, a comparison or unary minus: predicates get parentheses. */
static void render_operand(struct buf *b, const struct eql_expr *e, enum level min)
{
	if (level_of(e) == L_PREDICATE) {
		buf_putc(b, '(');
		render(b, e, L_OR);
		buf_putc(b, ')');
		return;
	}
	render(b, e, min);
}

static const char *const binary_ops[] = {
	[EQL_OP_ADD] = " + ", [EQL_OP_SUB] = " - ", [EQL_OP_MUL] = " * ",
	[EQL_OP_DIV] = " / ", [EQL_OP_MOD] = " % ", [EQL_OP_EQ] = " == ",
	[EQL_OP_NE] = " != ", [EQL_OP_LT] = " < ", [EQL_OP_LE] = " <= ",
	[EQL_OP_GT] = " > ", [EQL_OP_GE] = " >= ",
};

static void render_arith(struct buf *b, const struct eql_expr *e)
{
	enum level own = level_of(e);

	/* Left-associative: an operand of the same level goes on the left only. */
	render_operand(b, e->args[0], own);
	buf_puts(b, binary_ops[e->op]);
	render_operand(b, e->args[1], (enum level)(own + 1));
}

static void render_logical(struct buf *b, const struct eql_expr *e)
{
	const struct eql_expr *left = e->args[0];

	if (e->kind == EQL_EXPR_OR && left->kind == EQL_EXPR_OR)
		render(b, left, L_OR);
	else
		render(b, left, e->kind == EQL_EXPR_OR ? L_NOT : L_AND);
	buf_puts(b, e->kind == EQL_EXPR_OR ? " or " : " and ");
	render(b, e->args[1], L_NOT);
}

static const char *match_op(const struct eql_expr *e)
{
	switch (e->op) {
	case EQL_OP_SEQ:
		return " : ";
	case EQL_OP_LIKE:
		return e->insensitive ? " like~ " : " like ";
	default:
		return e->insensitive ? " regex~ " : " regex ";
	}
}

static void render_predicate(struct buf *b, const struct eql_expr *e)
{
	render(b, e->args[0], L_PRIMARY);
	if (e->kind == EQL_EXPR_IN) {
		buf_puts(b, e->negated ? " not in" : " in");
		buf_puts(b, e->insensitive ? "~ (" : " (");
		render_list(b, e->args + 1, e->nargs - 1);
		buf_putc(b, ')');
		return;
	}
	buf_puts(b, match_op(e));
	if (e->nargs == 2) {
		render(b, e->args[1], L_OR);
		return;
	}
	buf_putc(b, '(');
	render_list(b, e->args + 1, e->nargs - 1);
	buf_putc(b, ')');
}

static void render_node(struct buf *b, const struct eql_expr *e)
{
	switch (e->kind) {
	case EQL_EXPR_NULL: buf_puts(b, "null"); break;
	case EQL_EXPR_BOOL: buf_puts(b, e->u.boolean ? "true" : "false"); break;
	case EQL_EXPR_INT: buf_printf(b, "%" PRId64, e->u.integer); break;
	case EQL_EXPR_FLOAT: render_float(b, e->u.real); break;
	case EQL_EXPR_STRING: lint_render_string(b, e->u.string.ptr, e->u.string.len); break;
	case EQL_EXPR_FIELD: lint_render_field(b, &e->u.field); break;
	case EQL_EXPR_NOT:
		buf_puts(b, "not ");
		render(b, e->args[0], L_NOT);
		break;
	case EQL_EXPR_AND:
	case EQL_EXPR_OR:
		render_logical(b, e);
		break;
	case EQL_EXPR_NEG:
		buf_putc(b, '-');
		render_operand(b, e->args[0], L_PREDICATE);
		break;
	case EQL_EXPR_ARITH:
		render_arith(b, e);
		break;
	case EQL_EXPR_COMPARE:
		render_operand(b, e->args[0], L_ADD);
		buf_puts(b, binary_ops[e->op]);
		render_operand(b, e->args[1], L_ADD);
		break;
	case EQL_EXPR_MATCH:
	case EQL_EXPR_IN:
		render_predicate(b, e);
		break;
	case EQL_EXPR_CALL:
		buf_printf(b, "%s%s(", e->u.function, e->insensitive ? "~" : "");
		render_list(b, e->args, e->nargs);
		buf_putc(b, ')');
		break;
	}
}

static void render(struct buf *b, const struct eql_expr *e, enum level min)
{
	bool parens = level_of(e) < min;

	if (parens)
		buf_putc(b, '(');
	render_node(b, e);
	if (parens)
		buf_putc(b, ')');
}

void lint_render_expr(struct buf *b, const struct eql_expr *e)
{
	render(b, e, L_OR);
}
