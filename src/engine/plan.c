/*
 * plan_bind(): one walk over every expression of a query (clause
 * conditions, clause and query `by` keys, `until`). It binds each field to
 * its slot, marks the filter leaves (node.h), resolves functions, checks
 * what Elasticsearch checks before running a query (function names and
 * arity, literal argument types, boolean conditions, string patterns) and
 * compiles patterns, lists and CIDR blocks.
 */
#include "plan.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/xalloc.h"
#include "node.h"
#include "text.h"

/* Static type of an expression, as far as the planner can tell without an event. */
enum stype {
	ST_UNKNOWN, /* a field: any type */
	ST_NULL,
	ST_BOOL,
	ST_INT,
	ST_FLOAT,
	ST_NUMBER,  /* int or float, from a function */
	ST_STRING,
};

struct binder {
	struct field_set *fields;
	struct eql_error *err;
	bool failed;
	const char *const *date_fields;
	size_t ndate_fields;
};

static bool fail(struct binder *b, struct eql_pos pos, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static bool fail(struct binder *b, struct eql_pos pos, const char *fmt, ...)
{
	va_list ap;

	if (b->failed)
		return false;
	b->failed = true;
	b->err->pos = pos;
	va_start(ap, fmt);
	vsnprintf(b->err->message, sizeof(b->err->message), fmt, ap);
	va_end(ap);
	return false;
}

void node_plan_free(struct node_plan *np)
{
	if (np == NULL)
		return;
	free(np->fields);
	litset_free(np->exact);
	for (size_t i = 0; i < np->nwildcards; i++)
		wc_free(np->wildcards[i]);
	free(np->wildcards);
	for (size_t i = 0; i < np->nregexes; i++)
		rx_free(np->regexes[i]);
	free(np->regexes);
	free(np->others);
	free(np->cidrs);
	free(np);
}

static struct node_plan *node_plan_of(struct eql_expr *e)
{
	if (e->compiled == NULL)
		e->compiled = xcalloc(1, sizeof(struct node_plan));
	return e->compiled;
}

/* ---- static types ---- */

static enum stype stype_of(const struct eql_expr *e)
{
	const struct func_def *f;

	switch (e->kind) {
	case EQL_EXPR_NULL:
		return ST_NULL;
	case EQL_EXPR_BOOL:
	case EQL_EXPR_NOT:
	case EQL_EXPR_AND:
	case EQL_EXPR_OR:
	case EQL_EXPR_COMPARE:
	case EQL_EXPR_MATCH:
	case EQL_EXPR_IN:
		return ST_BOOL;
	case EQL_EXPR_INT:
		return ST_INT;
	case EQL_EXPR_FLOAT:
		return ST_FLOAT;
	case EQL_EXPR_STRING:
		return ST_STRING;
	case EQL_EXPR_NEG:
	case EQL_EXPR_ARITH:
		return ST_NUMBER;
	case EQL_EXPR_CALL:
		f = func_lookup(e->u.function);
		if (f == NULL)
			return ST_UNKNOWN;
		if (f->ret == FRET_BOOL)
			return ST_BOOL;
		if (f->ret == FRET_STRING)
			return ST_STRING;
		return ST_NUMBER;
	case EQL_EXPR_FIELD:
		break;
	}
	return ST_UNKNOWN;
}

static const char *stype_name(enum stype t)
{
	switch (t) {
	case ST_NULL:
		return "null";
	case ST_BOOL:
		return "a boolean";
	case ST_INT:
		return "an integer";
	case ST_FLOAT:
		return "a decimal number";
	case ST_NUMBER:
		return "a number";
	case ST_STRING:
		return "a string";
	case ST_UNKNOWN:
		break;
	}
	return "a field value";
}

static bool is_numeric(enum stype t)
{
	return t == ST_INT || t == ST_FLOAT || t == ST_NUMBER;
}

/* Whether an expression of type `t` may stand where `want` is expected. */
static bool type_fits(enum func_arg want, enum stype t)
{
	if (t == ST_UNKNOWN || t == ST_NULL)
		return true;
	switch (want) {
	case FARG_STRING:
		return t == ST_STRING;
	case FARG_NUMBER:
		return is_numeric(t);
	case FARG_INTEGER:
		return t == ST_INT || t == ST_NUMBER;
	case FARG_BOOL:
		return t == ST_BOOL;
	case FARG_ANY:
		break;
	}
	return true;
}

static const char *arg_type_name(enum func_arg a)
{
	switch (a) {
	case FARG_STRING:
		return "a string";
	case FARG_NUMBER:
		return "a number";
	case FARG_INTEGER:
		return "an integer";
	case FARG_BOOL:
		return "a boolean";
	case FARG_ANY:
		break;
	}
	return "a value";
}

static bool is_literal(const struct eql_expr *e)
{
	return e->kind == EQL_EXPR_NULL || e->kind == EQL_EXPR_BOOL || e->kind == EQL_EXPR_INT ||
	       e->kind == EQL_EXPR_FLOAT || e->kind == EQL_EXPR_STRING;
}

/* ---- binding ---- */

static bool bind_value(struct binder *b, struct eql_expr *e, struct node_plan *leaf);

static void add_leaf_field(struct node_plan *leaf, const struct eql_expr *e)
{
	leaf->fields = xrealloc(leaf->fields, (leaf->nfields + 1) * sizeof(*leaf->fields));
	leaf->fields[leaf->nfields++] = e;
}

static bool bind_field(struct binder *b, struct eql_expr *e, struct node_plan *leaf)
{
	e->u.field.slot = field_set_add(b->fields, e->u.field.path);
	if (leaf != NULL)
		add_leaf_field(leaf, e);
	return true;
}

static bool check_number_operand(struct binder *b, const struct eql_expr *e)
{
	enum stype t = stype_of(e);

	if (t == ST_STRING || t == ST_BOOL)
		return fail(b, e->pos, "arithmetic needs numbers, but this is %s", stype_name(t));
	return true;
}

static bool bind_arith(struct binder *b, struct eql_expr *e, struct node_plan *leaf)
{
	for (size_t i = 0; i < e->nargs; i++) {
		if (!check_number_operand(b, e->args[i]) || !bind_value(b, e->args[i], leaf))
			return false;
	}
	return true;
}

static bool is_date_field(const struct binder *b, const struct eql_expr *e)
{
	if (e->kind != EQL_EXPR_FIELD)
		return false;
	for (size_t i = 0; i < b->ndate_fields; i++) {
		if (strcmp(e->u.field.path, b->date_fields[i]) == 0)
			return true;
	}
	return false;
}

/*
 * `x == null` and `x != null` test whether x has a value, as
 * Elasticsearch's IsNull/IsNotNull do. On a plain field the test looks at
 * the whole field (any non-null value), so the field is not enumerated.
 */
static bool bind_compare(struct binder *b, struct eql_expr *e, struct node_plan *leaf)
{
	int null_side = e->args[0]->kind == EQL_EXPR_NULL ? 0
		      : e->args[1]->kind == EQL_EXPR_NULL ? 1 : -1;

	if (null_side >= 0 && (e->op == EQL_OP_EQ || e->op == EQL_OP_NE)) {
		struct node_plan *np = node_plan_of(e);
		struct eql_expr *other = e->args[1 - null_side];

		np->null_test = NULL_TEST_ON;
		np->null_operand = other;
		if (other->kind == EQL_EXPR_FIELD)
			return bind_field(b, other, NULL);
		return bind_value(b, other, leaf);
	}
	if (is_date_field(b, e->args[0]) || is_date_field(b, e->args[1]))
		node_plan_of(e)->dates = true;
	return bind_value(b, e->args[0], leaf) && bind_value(b, e->args[1], leaf);
}

static const char *match_op_name(const struct eql_expr *e)
{
	switch (e->op) {
	case EQL_OP_SEQ:
		return ":";
	case EQL_OP_LIKE:
		return e->insensitive ? "like~" : "like";
	default:
		return e->insensitive ? "regex~" : "regex";
	}
}

static bool compile_regex(struct binder *b, struct node_plan *np, const struct eql_expr *lit,
			  bool insensitive)
{
	char why[160];
	size_t where = 0;
	struct rx_pattern *rx = rx_compile(lit->u.string.ptr, lit->u.string.len, insensitive,
					   why, sizeof(why), &where);

	if (rx == NULL)
		return fail(b, lit->pos, "invalid regular expression \"%.60s\": %s (at byte %zu "
			    "of the pattern)", lit->u.string.ptr, why, where);
	np->regexes = xrealloc(np->regexes, (np->nregexes + 1) * sizeof(*np->regexes));
	np->regexes[np->nregexes++] = rx;
	return true;
}

static void add_wildcard(struct node_plan *np, const struct eql_expr *lit, bool insensitive)
{
	np->wildcards = xrealloc(np->wildcards, (np->nwildcards + 1) * sizeof(*np->wildcards));
	np->wildcards[np->nwildcards++] = wc_compile(lit->u.string.ptr, lit->u.string.len,
						     insensitive);
}

/*
 * `x : p`, `x like p`, `x regex p` (and lists of p): Elasticsearch's
 * grammar takes only constants on the right, and all three compare
 * strings. `:` is case-insensitive; a `:` or `like` entry without `*` or
 * `?` is an exact comparison and goes into the sorted set.
 */
static bool bind_match(struct binder *b, struct eql_expr *e, struct node_plan *leaf)
{
	struct node_plan *np = node_plan_of(e);
	bool insensitive = e->op == EQL_OP_SEQ || e->insensitive;

	if (!bind_value(b, e->args[0], leaf))
		return false;
	for (size_t i = 1; i < e->nargs; i++) {
		const struct eql_expr *lit = e->args[i];

		if (lit->kind != EQL_EXPR_STRING)
			return fail(b, lit->pos, "'%s' takes string patterns, but this is %s; write "
				    "it in double quotes", match_op_name(e), stype_name(stype_of(lit)));
		if (e->op == EQL_OP_REGEX) {
			if (!compile_regex(b, np, lit, insensitive))
				return false;
		} else if (wc_has_wildcards(lit->u.string.ptr, lit->u.string.len)) {
			add_wildcard(np, lit, insensitive);
		} else {
			if (np->exact == NULL)
				np->exact = litset_new(insensitive);
			litset_add(np->exact, lit->u.string.ptr, lit->u.string.len);
		}
	}
	if (np->exact != NULL)
		litset_seal(np->exact);
	return true;
}

/*
 * `x in (...)`: literal strings go into a sorted set, other literals into
 * a short list; a list with any non-literal item is evaluated item by item.
 */
static bool bind_in(struct binder *b, struct eql_expr *e, struct node_plan *leaf)
{
	struct node_plan *np = node_plan_of(e);

	if (!bind_value(b, e->args[0], leaf))
		return false;
	for (size_t i = 1; i < e->nargs; i++)
		if (!is_literal(e->args[i]))
			np->dynamic = true;
	if (np->dynamic) {
		for (size_t i = 1; i < e->nargs; i++)
			if (!bind_value(b, e->args[i], leaf))
				return false;
		return true;
	}

	np->exact = litset_new(e->insensitive);
	np->others = xcalloc(e->nargs, sizeof(*np->others));
	for (size_t i = 1; i < e->nargs; i++) {
		const struct eql_expr *lit = e->args[i];

		if (lit->kind == EQL_EXPR_STRING)
			litset_add(np->exact, lit->u.string.ptr, lit->u.string.len);
		else
			np->others[np->nothers++] = lit;
	}
	litset_seal(np->exact);
	return true;
}

/* ---- calls ---- */

static bool check_arity(struct binder *b, const struct eql_expr *e, const struct func_def *f)
{
	unsigned lo = f->min_args, hi = f->max_args;
	size_t n = e->nargs;

	if (n >= lo && n <= hi && n <= FUNC_MAX_ARGS)
		return true;
	if (n > FUNC_MAX_ARGS)
		return fail(b, e->pos, "function '%s' takes at most %d arguments, got %zu",
			    f->name, FUNC_MAX_ARGS, n);
	if (hi == FUNC_VARIADIC)
		return fail(b, e->pos, "function '%s' takes at least %u argument%s, got %zu",
			    f->name, lo, lo == 1 ? "" : "s", n);
	if (lo == hi)
		return fail(b, e->pos, "function '%s' takes %u argument%s, got %zu",
			    f->name, lo, lo == 1 ? "" : "s", n);
	return fail(b, e->pos, "function '%s' takes %u or %u arguments, got %zu",
		    f->name, lo, hi, n);
}

/* cidrMatch's blocks: string literals (or null), checked and compiled now. */
static bool compile_cidrs(struct binder *b, struct eql_expr *e, struct node_plan *np)
{
	np->cidrs = xcalloc(e->nargs, sizeof(*np->cidrs));
	for (size_t i = 1; i < e->nargs; i++) {
		const struct eql_expr *lit = e->args[i];

		if (lit->kind == EQL_EXPR_NULL) {
			np->aux.cidr_null = true;
			continue;
		}
		if (!cidr_parse(lit->u.string.ptr, lit->u.string.len, &np->cidrs[np->aux.ncidrs]))
			return fail(b, lit->pos, "invalid CIDR block \"%.60s\" in cidrMatch; write an "
				    "IPv4 or IPv6 address with an optional /prefix, such as "
				    "\"10.0.0.0/8\"", lit->u.string.ptr);
		np->aux.ncidrs++;
	}
	np->aux.cidrs = np->cidrs;
	return true;
}

static bool check_literal_arg(struct binder *b, const struct func_def *f, size_t i,
			      const struct eql_expr *arg)
{
	if (i < f->literal_from || f->literal_from == 0)
		return true;
	if (!is_literal(arg))
		return fail(b, arg->pos, "argument %zu of '%s' must be a literal, not a field "
			    "or an expression", i + 1, f->name);
	if (f->id == FUNC_NUMBER && arg->kind == EQL_EXPR_INT &&
	    (arg->u.integer < 2 || arg->u.integer > 36))
		return fail(b, arg->pos, "number() takes a base from 2 to 36, got %lld",
			    (long long)arg->u.integer);
	return true;
}

static bool check_args(struct binder *b, const struct eql_expr *e, const struct func_def *f)
{
	for (size_t i = 0; i < e->nargs; i++) {
		const struct eql_expr *arg = e->args[i];
		enum func_arg want = func_arg_type(f, i);
		enum stype t = stype_of(arg);

		if (!type_fits(want, t))
			return fail(b, arg->pos, "argument %zu of '%s' must be %s, but this is %s",
				    i + 1, f->name, arg_type_name(want), stype_name(t));
		if (!check_literal_arg(b, f, i, arg))
			return false;
	}
	return true;
}

static bool bind_call(struct binder *b, struct eql_expr *e, struct node_plan *leaf)
{
	const struct func_def *f = func_lookup(e->u.function);
	struct node_plan *np;

	if (f == NULL)
		return fail(b, e->pos, "unknown function '%s'; the functions are %s",
			    e->u.function, func_all_names());
	if (e->insensitive && !f->case_aware)
		return fail(b, e->pos, "function '%s' has no case-insensitive form; remove the "
			    "'~' after its name", f->name);
	if (!check_arity(b, e, f) || !check_args(b, e, f))
		return false;

	np = node_plan_of(e);
	np->func = f;
	if (f->id == FUNC_CIDRMATCH && !compile_cidrs(b, e, np))
		return false;
	for (size_t i = 0; i < e->nargs; i++)
		if (!bind_value(b, e->args[i], leaf))
			return false;
	return true;
}

/* Binds an expression read for its value; `leaf` collects its fields. */
static bool bind_value(struct binder *b, struct eql_expr *e, struct node_plan *leaf)
{
	switch (e->kind) {
	case EQL_EXPR_FIELD:
		return bind_field(b, e, leaf);
	case EQL_EXPR_NOT:
	case EQL_EXPR_AND:
	case EQL_EXPR_OR:
		for (size_t i = 0; i < e->nargs; i++)
			if (!bind_value(b, e->args[i], leaf))
				return false;
		return true;
	case EQL_EXPR_NEG:
	case EQL_EXPR_ARITH:
		return bind_arith(b, e, leaf);
	case EQL_EXPR_COMPARE:
		return bind_compare(b, e, leaf);
	case EQL_EXPR_MATCH:
		return bind_match(b, e, leaf);
	case EQL_EXPR_IN:
		return bind_in(b, e, leaf);
	case EQL_EXPR_CALL:
		return bind_call(b, e, leaf);
	default:
		return true;
	}
}

/* Binds a condition: `and`, `or` and `not` pass through; anything else is a leaf. */
static bool bind_filter(struct binder *b, struct eql_expr *e)
{
	if (e->kind == EQL_EXPR_AND || e->kind == EQL_EXPR_OR || e->kind == EQL_EXPR_NOT) {
		for (size_t i = 0; i < e->nargs; i++)
			if (!bind_filter(b, e->args[i]))
				return false;
		return true;
	}
	return bind_value(b, e, node_plan_of(e));
}

static bool check_condition(struct binder *b, const struct eql_expr *e)
{
	enum stype t = stype_of(e);

	if (t != ST_BOOL && t != ST_NULL && t != ST_UNKNOWN)
		return fail(b, e->pos, "a condition must be boolean, but this is %s; compare it "
			    "with something, for example with == or :", stype_name(t));
	return true;
}

static bool bind_clause(struct binder *b, struct eql_clause *c)
{
	if (c->where != NULL && (!check_condition(b, c->where) || !bind_filter(b, c->where)))
		return false;
	for (size_t i = 0; i < c->nby; i++)
		if (!bind_value(b, c->by[i], NULL))
			return false;
	return true;
}

bool plan_bind(struct eql_query *query, struct field_set *fields, struct eql_error *err)
{
	return plan_bind_dates(query, fields, NULL, 0, err);
}

bool plan_bind_dates(struct eql_query *query, struct field_set *fields,
		     const char *const *date_fields, size_t ndate_fields,
		     struct eql_error *err)
{
	struct binder b = {
		.fields = fields, .err = err,
		.date_fields = date_fields, .ndate_fields = ndate_fields,
	};

	text_fold_init();
	plan_release(query);
	for (size_t i = 0; i < query->nclauses && !b.failed; i++)
		bind_clause(&b, &query->clauses[i]);
	for (size_t i = 0; i < query->nby && !b.failed; i++)
		bind_value(&b, query->by[i], NULL);
	if (query->until != NULL && !b.failed)
		bind_clause(&b, query->until);

	if (b.failed) {
		plan_release(query);
		return false;
	}
	return true;
}

/* ---- release ---- */

static void release_expr(struct eql_expr *e)
{
	if (e == NULL)
		return;
	node_plan_free(e->compiled);
	e->compiled = NULL;
	for (size_t i = 0; i < e->nargs; i++)
		release_expr(e->args[i]);
}

static void release_clause(struct eql_clause *c)
{
	release_expr(c->where);
	for (size_t i = 0; i < c->nby; i++)
		release_expr(c->by[i]);
}

void plan_release(struct eql_query *query)
{
	for (size_t i = 0; i < query->nclauses; i++)
		release_clause(&query->clauses[i]);
	for (size_t i = 0; i < query->nby; i++)
		release_expr(query->by[i]);
	if (query->until != NULL)
		release_clause(query->until);
}
