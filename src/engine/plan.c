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
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/buf.h"
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

/*
 * A condition, and each operand of its `and`, `or` and `not`, must be
 * boolean: Elasticsearch's verifier rejects anything else ("Condition
 * expression needs to be boolean", and `not` wants a boolean argument). A
 * bare field passes there only when its mapping is boolean, which sitewatch
 * cannot know, so it is rejected with the comparison to write instead. An
 * optional field (?x) passes, as there: in no mapping, it is the literal
 * null (test_extra.toml, optionalMissingFieldImplicitBooleanEquality).
 */
static bool check_condition(struct binder *b, const struct eql_expr *e)
{
	enum stype t = stype_of(e);

	if (e->kind == EQL_EXPR_AND || e->kind == EQL_EXPR_OR || e->kind == EQL_EXPR_NOT) {
		for (size_t i = 0; i < e->nargs; i++)
			if (!check_condition(b, e->args[i]))
				return false;
		return true;
	}
	if (e->kind == EQL_EXPR_FIELD && !e->u.field.optional)
		return fail(b, e->pos, "a condition must be boolean, but '%.80s' is a field, whose "
			    "type is not known without an index mapping; write %.80s == true for a "
			    "boolean field, or %.80s != null to test that it has a value",
			    e->u.field.path, e->u.field.path, e->u.field.path);
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

/* ---- the literal prefilter ----
 *
 * Why a rejected event cannot match. Write R(e) for the requirement
 * derived from a condition e: a list of groups of needles, where the
 * event's raw JSON text must contain some needle of every group (the
 * matching of litscan_find(), which also lets through any text with a \u
 * escape, or with a character that folds to ASCII when a needle is
 * case-insensitive). The claim is: if e is true for an event, the text
 * meets R(e). By induction on e, as filter() in eval.c evaluates it:
 *
 * - `a and b` is true only when a and b are: R keeps the groups of both.
 * - `a or b` is true when a or b is: R(a) or R(b) holds, so each union of
 *   a group of R(a) with a group of R(b) holds. R keeps those unions.
 * - `not a`, `!=`, `not in` and every other leaf give no group: nothing is
 *   claimed, so nothing can be wrong.
 * - A leaf that is true only when a field has a string value v with a
 *   given literal property (below) gives one group, the union of one
 *   needle per literal. Every value the scanner records is a string, a
 *   number, a boolean or null, and its string values are the decoded
 *   JSON strings of the event. The literal property then puts the needle
 *   in the text, as litscan.h explains, provided that v is a string. A
 *   number or boolean meets a string literal only through its text form
 *   ("1.0E20", "true") or through reading the literal as a number or
 *   boolean (coerce.h); literal_needle() refuses every segment that could
 *   be part of such a text, so only a string value can meet the needle.
 *   The leaves and their properties:
 *   `f == "lit"` (v equals lit), `f in ("a", "b")` (v equals an item;
 *   null items never equal), `f : "lit"` and `f like "lit"` (v equals lit,
 *   or matches the pattern: each run of the pattern between wildcards
 *   occurs in v, the first at its start and the last at its end unless a
 *   wildcard stands there), `startsWith`, `endsWith` and `stringContains`
 *   with a literal. The `~` and `:` forms compare folded strings, so the
 *   needle is the folded literal, compared folding ASCII case.
 * - A needle is a run of the literal without '"', '\\', '/', control
 *   bytes and (case-insensitive) bytes above ASCII, the characters whose
 *   raw JSON form or folding can differ; a '"' is added where the run
 *   starts or ends the string, because the string's quotes are always
 *   written as they are.
 * - For the clause index only (pf_cnf.keys), a leaf of the shapes above
 *   that gives no such group, such as `f regex "..."` or `f > 5`, may
 *   give the key of its field: presence_needle() gives the proof.
 *
 * A clause is true only when its condition is; the category test only
 * narrows it and is not used, because category words occur in almost every
 * event. A query matches an event only through one of its clauses or its
 * `until`, so the prefilter takes the union of all their requirements, and
 * has none when one of them has none.
 *
 * The clause index (clause_index.h) keeps R of every node of every clause
 * instead, and skips a node whose R the text does not meet: the claim
 * holds for each node, as the induction shows.
 */

/*
 * Groups kept per requirement, and needles per group: more only cost time.
 * The line prefilter scans for every needle of every group, so its groups
 * stay small. The clause index (clause_index.h) marks all its needles in
 * one pass whatever their number, so it keeps the long `in~` lists of
 * process names that many rules have.
 */
#define PF_MAX_GROUPS 8
#define PF_MAX_NEEDLES 64
#define PF_MAX_CLAUSE_NEEDLES 512
/* Needles shorter than this select too little to be worth a scan. */
#define PF_MIN_NEEDLE 3

struct pf_needle {
	char *s;
	size_t n;
	bool insensitive;
};

struct pf_group {
	struct pf_needle *needles;
	size_t n;
};

/* A requirement: every group needs one of its needles. No group: no requirement. */
struct pf_cnf {
	struct pf_group groups[PF_MAX_GROUPS];
	size_t n;
	size_t max_needles;  /* a larger group is dropped */
	bool keys;           /* a leaf without a value needle may give its field's key */
};

struct plan_prefilter {
	struct litscan *scans[PF_MAX_GROUPS];
	size_t n;
};

static void group_free(struct pf_group *g)
{
	for (size_t i = 0; i < g->n; i++)
		free(g->needles[i].s);
	free(g->needles);
	g->needles = NULL;
	g->n = 0;
}

static void cnf_free(struct pf_cnf *c)
{
	for (size_t i = 0; i < c->n; i++)
		group_free(&c->groups[i]);
	c->n = 0;
}

static void group_add(struct pf_group *g, const char *s, size_t n, bool insensitive)
{
	for (size_t i = 0; i < g->n; i++) {
		const struct pf_needle *nd = &g->needles[i];

		if (nd->n == n && nd->insensitive == insensitive && memcmp(nd->s, s, n) == 0)
			return;
	}
	g->needles = xrealloc(g->needles, (g->n + 1) * sizeof(*g->needles));
	g->needles[g->n].s = xstrndup(s, n);
	g->needles[g->n].n = n;
	g->needles[g->n].insensitive = insensitive;
	g->n++;
}

/*
 * How rare a needle is likely to be, for choosing which groups to keep
 * and to test first (only speed depends on it): longer is rarer, a quote
 * ties it to a whole value, and a byte other than a lower-case letter
 * (".pth", "site-packages") marks a name rather than one of the common
 * words of ECS vocabularies such as event.type's "change".
 */
static size_t needle_score(const char *s, size_t n)
{
	size_t quotes = (n > 0 && s[0] == '"') + (n > 1 && s[n - 1] == '"');
	bool name = false;

	for (size_t i = quotes && s[0] == '"'; i < n - (n > 1 && s[n - 1] == '"'); i++)
		name = name || s[i] < 'a' || s[i] > 'z';
	return n + 2 * quotes + (name ? 6 : 0);
}

/* A group is as selective as its weakest needle. */
static size_t group_score(const struct pf_group *g)
{
	size_t best = SIZE_MAX;

	for (size_t i = 0; i < g->n; i++) {
		size_t s = needle_score(g->needles[i].s, g->needles[i].n);

		if (s < best)
			best = s;
	}
	return best;
}

static int group_cmp(const void *x, const void *y)
{
	const struct pf_group *a = x, *b = y;
	size_t sa = group_score(a), sb = group_score(b);

	if (sa != sb)
		return sa > sb ? -1 : 1;
	return a->n < b->n ? -1 : a->n > b->n;
}

/*
 * Sets `out` to the best PF_MAX_GROUPS of `groups` (taken over), best
 * first. Empty and oversized groups are dropped: a dropped group only
 * weakens the test.
 */
static void cnf_select(struct pf_cnf *out, struct pf_group *groups, size_t n)
{
	size_t kept = 0;

	for (size_t i = 0; i < n; i++) {
		if (groups[i].n == 0 || groups[i].n > out->max_needles)
			group_free(&groups[i]);
		else
			groups[kept++] = groups[i];
	}
	qsort(groups, kept, sizeof(*groups), group_cmp);
	out->n = kept < PF_MAX_GROUPS ? kept : PF_MAX_GROUPS;
	memcpy(out->groups, groups, out->n * sizeof(*groups));
	for (size_t i = out->n; i < kept; i++)
		group_free(&groups[i]);
}

/* a and b: the groups of both. Takes b over. */
static void cnf_and(struct pf_cnf *a, struct pf_cnf *b)
{
	struct pf_group all[2 * PF_MAX_GROUPS];

	memcpy(all, a->groups, a->n * sizeof(*all));
	memcpy(all + a->n, b->groups, b->n * sizeof(*all));
	cnf_select(a, all, a->n + b->n);
	b->n = 0;
}

static void group_union(struct pf_group *out, const struct pf_group *x, const struct pf_group *y)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < x->n; i++)
		group_add(out, x->needles[i].s, x->needles[i].n, x->needles[i].insensitive);
	for (size_t i = 0; i < y->n; i++)
		group_add(out, y->needles[i].s, y->needles[i].n, y->needles[i].insensitive);
}

/* a or b: the union of each group of a with each group of b; none when either has none. Takes b over. */
static void cnf_or(struct pf_cnf *a, struct pf_cnf *b)
{
	struct pf_group all[PF_MAX_GROUPS * PF_MAX_GROUPS];
	size_t nall = 0;

	for (size_t i = 0; i < a->n; i++)
		for (size_t j = 0; j < b->n; j++)
			group_union(&all[nall++], &a->groups[i], &b->groups[j]);
	cnf_free(a);
	cnf_free(b);
	cnf_select(a, all, nall);
}

/*
 * True when `seg` could be part of the text of a number or a boolean, or
 * of a string that reads as one: then a value that is not a string could
 * meet the literal without the needle in the event's text.
 */
static bool could_be_scalar_text(const char *seg, size_t n)
{
	static const char *const words[] = { "-infinity", "nan", "true", "false" };
	char low[16];
	bool numeric = true;

	for (size_t i = 0; i < n; i++)
		numeric = numeric && strchr("0123456789.eE+-", seg[i]) != NULL && seg[i] != '\0';
	if (numeric || n >= sizeof(low))
		return numeric;
	for (size_t i = 0; i < n; i++)
		low[i] = (char)(seg[i] >= 'A' && seg[i] <= 'Z' ? seg[i] | 0x20 : seg[i]);
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (memmem(words[i], strlen(words[i]), low, n) != NULL)
			return true;
	return false;
}

/* Bytes that end a needle's run: their raw JSON form may differ, or (folded) their folding. */
static bool breaks_needle(unsigned char c, bool wildcards, bool insensitive)
{
	if (c == '"' || c == '\\' || c == '/' || c < 0x20)
		return true;
	if (wildcards && (c == '*' || c == '?'))
		return true;
	return insensitive && c >= 0x80;
}

/*
 * Offers the run lit[a, b) as a needle, with a '"' where it starts or ends
 * the string; keeps it in `best` when it scores higher.
 */
static void offer_run(const char *lit, size_t len, size_t a, size_t b, bool open, bool close,
		      struct buf *best)
{
	struct buf cand = BUF_INIT;

	if (b == a || could_be_scalar_text(lit + a, b - a))
		return;
	if (open && a == 0)
		buf_putc(&cand, '"');
	buf_append(&cand, lit + a, b - a);
	if (close && b == len)
		buf_putc(&cand, '"');
	if (cand.len >= PF_MIN_NEEDLE &&
	    (best->len == 0 || needle_score(cand.data, cand.len) > needle_score(best->data, best->len))) {
		buf_clear(best);
		buf_append(best, cand.data, cand.len);
	}
	buf_free(&cand);
}

/*
 * The best needle of a literal that a string value must contain, as
 * explained above: `open` and `close` say whether the value starts and
 * ends where the literal does; with `wildcards`, * and ? split the
 * literal. Returns false when no run of the literal makes a needle.
 */
static bool literal_needle(const char *lit, size_t len, bool insensitive, bool wildcards,
			   bool open, bool close, struct pf_group *group)
{
	struct buf best = BUF_INIT;
	size_t flen = len, start = 0;
	char *folded = insensitive ? text_fold_dup(lit, len, &flen) : NULL;
	const char *s = folded ? folded : lit;
	bool ok;

	for (size_t i = 0; i <= flen; i++) {
		if (i < flen && !breaks_needle((unsigned char)s[i], wildcards, insensitive))
			continue;
		offer_run(s, flen, start, i, open, close, &best);
		start = i + 1;
	}
	ok = best.len > 0;
	if (ok)
		group_add(group, best.data, best.len, insensitive);
	buf_free(&best);
	free(folded);
	return ok;
}

static bool is_plain_field(const struct eql_expr *e)
{
	return e->kind == EQL_EXPR_FIELD;
}

static bool is_string_literal(const struct eql_expr *e)
{
	return e->kind == EQL_EXPR_STRING;
}

/* `f == "lit"` or `"lit" == f`, not on a date field. */
static bool compare_needles(const struct eql_expr *e, struct pf_group *g)
{
	const struct node_plan *np = e->compiled;
	const struct eql_expr *lit = is_string_literal(e->args[0]) ? e->args[0] : e->args[1];
	const struct eql_expr *field = lit == e->args[0] ? e->args[1] : e->args[0];

	if (e->op != EQL_OP_EQ || np == NULL || np->null_test != NULL_TEST_NONE || np->dates)
		return false;
	if (!is_string_literal(lit) || !is_plain_field(field))
		return false;
	return literal_needle(lit->u.string.ptr, lit->u.string.len, false, false, true, true, g);
}

/* `f : p`, `f like p`, `f like~ p`, with lists: one needle per pattern. */
static bool match_needles(const struct eql_expr *e, struct pf_group *g)
{
	bool insensitive = e->op == EQL_OP_SEQ || e->insensitive;

	if (e->op == EQL_OP_REGEX || !is_plain_field(e->args[0]))
		return false;
	for (size_t i = 1; i < e->nargs; i++) {
		const struct eql_expr *lit = e->args[i];

		if (!is_string_literal(lit) ||
		    !literal_needle(lit->u.string.ptr, lit->u.string.len, insensitive, true, true, true, g))
			return false;
	}
	return true;
}

/* `f in (...)` and `f in~ (...)` of string literals; a null item never equals a value. */
static bool in_needles(const struct eql_expr *e, struct pf_group *g)
{
	const struct node_plan *np = e->compiled;

	if (e->negated || np == NULL || np->dynamic || !is_plain_field(e->args[0]))
		return false;
	for (size_t i = 1; i < e->nargs; i++) {
		const struct eql_expr *lit = e->args[i];

		if (lit->kind == EQL_EXPR_NULL)
			continue;
		if (!is_string_literal(lit) ||
		    !literal_needle(lit->u.string.ptr, lit->u.string.len, e->insensitive, false, true,
				    true, g))
			return false;
	}
	return true;
}

/* startsWith, endsWith and stringContains of a field and a literal. */
static bool call_needles(const struct eql_expr *e, struct pf_group *g)
{
	const struct node_plan *np = e->compiled;
	enum func_id id;

	if (np == NULL || np->func == NULL || e->nargs != 2 || !is_plain_field(e->args[0]) ||
	    !is_string_literal(e->args[1]))
		return false;
	id = np->func->id;
	if (id != FUNC_STARTSWITH && id != FUNC_ENDSWITH && id != FUNC_STRINGCONTAINS)
		return false;
	return literal_needle(e->args[1]->u.string.ptr, e->args[1]->u.string.len, e->insensitive,
			      false, id == FUNC_STARTSWITH, id == FUNC_ENDSWITH, g);
}

/* The plain field whose value a leaf needs to be true, or NULL (see presence_needle()). */
static const struct eql_expr *needed_field(const struct eql_expr *e)
{
	const struct node_plan *np = e->compiled;
	const struct eql_expr *a = e->nargs > 0 ? e->args[0] : NULL;
	const struct eql_expr *b = e->nargs > 1 ? e->args[1] : NULL;

	if (np == NULL || a == NULL)
		return NULL;
	switch (e->kind) {
	case EQL_EXPR_COMPARE:
		if (e->op == EQL_OP_NE || np->null_test != NULL_TEST_NONE || b == NULL)
			return NULL;
		if (is_plain_field(a) && is_literal(b) && b->kind != EQL_EXPR_NULL)
			return a;
		return is_plain_field(b) && is_literal(a) && a->kind != EQL_EXPR_NULL ? b : NULL;
	case EQL_EXPR_MATCH:
		return is_plain_field(a) ? a : NULL;
	case EQL_EXPR_IN:
		return !e->negated && !np->dynamic && is_plain_field(a) ? a : NULL;
	case EQL_EXPR_CALL:
		if (np->func == NULL || !is_plain_field(a))
			return NULL;
		return np->func->id == FUNC_STARTSWITH || np->func->id == FUNC_ENDSWITH ||
		       np->func->id == FUNC_STRINGCONTAINS ? a : NULL;
	default:
		return NULL;
	}
}

/*
 * Last segments of common ECS fields (host.name, process.pid,
 * event.action, ...), which most Elastic Defend and Auditbeat events have.
 * Their keys would rarely rule anything out but cost a mark per event, so
 * they give no needle. Only speed depends on this list.
 */
static bool common_key(const char *seg)
{
	static const char *const keys[] = {
		"name", "id", "type", "pid", "path", "executable", "args", "command_line",
		"entity_id", "ip", "port", "version", "kind", "category", "action", "outcome",
		"module", "dataset",
	};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(seg, keys[i]) == 0)
			return true;
	return false;
}

/*
 * The key of the field a leaf needs, for a leaf that gives no value
 * needle (a regex, a number, a pattern of wildcards). Each leaf above is
 * null, never true, when its field has no value: a comparison or match
 * with null is null, `in` of null is null, and so are startsWith,
 * endsWith and stringContains of null. A field has a value only through
 * a key of the document: the path is the keys joined by dots, so the last
 * key ends with the path's last segment, and its closing quote follows.
 * Keys are compared as they are, so the needle is case-sensitive, and
 * the segment must hold no byte whose raw JSON form can differ.
 */
static bool presence_needle(const struct eql_expr *e, struct pf_group *g)
{
	const struct eql_expr *field = needed_field(e);
	const char *path, *seg;
	struct buf needle = BUF_INIT;

	if (field == NULL)
		return false;
	path = field->u.field.path;
	seg = strrchr(path, '.') != NULL ? strrchr(path, '.') + 1 : path;
	if (common_key(seg))
		return false;
	for (const char *c = seg; *c != '\0'; c++)
		if (breaks_needle((unsigned char)*c, false, false))
			return false;
	if (strlen(seg) + 1 < PF_MIN_NEEDLE)
		return false;
	buf_puts(&needle, seg);
	buf_putc(&needle, '"');
	group_add(g, needle.data, needle.len, false);
	buf_free(&needle);
	return true;
}

/* The requirement of a filter leaf: one group, or none. */
static void leaf_requirement(const struct eql_expr *e, struct pf_cnf *out)
{
	struct pf_group g = { NULL, 0 };
	bool ok = false;

	out->n = 0;
	switch (e->kind) {
	case EQL_EXPR_COMPARE: ok = compare_needles(e, &g); break;
	case EQL_EXPR_MATCH: ok = match_needles(e, &g); break;
	case EQL_EXPR_IN: ok = in_needles(e, &g); break;
	case EQL_EXPR_CALL: ok = call_needles(e, &g); break;
	default: break;
	}
	if (ok && g.n > 0 && g.n <= out->max_needles) {
		out->groups[0] = g;
		out->n = 1;
		return;
	}
	group_free(&g);
	if (out->keys && presence_needle(e, &g)) {
		out->groups[0] = g;
		out->n = 1;
	}
}

/* The receiver of each node's requirement, for plan_condition_groups(). */
struct pf_emit {
	plan_group_fn group_fn;
	plan_node_fn node_fn;
	void *arg;
};

/* Gives the groups of `r` to `fn`, with needles that live for the call. */
static void emit_groups(const struct pf_cnf *r, plan_group_fn fn, void *arg)
{
	struct plan_needle *needles = NULL;

	for (size_t i = 0; i < r->n; i++) {
		const struct pf_group *g = &r->groups[i];

		needles = xrealloc(needles, (g->n + 1) * sizeof(*needles));
		for (size_t k = 0; k < g->n; k++) {
			needles[k].s = g->needles[k].s;
			needles[k].n = g->needles[k].n;
			needles[k].insensitive = g->needles[k].insensitive;
		}
		fn(arg, needles, g->n);
	}
	free(needles);
}

/* R(e) for a condition, walked as filter() in eval.c walks it; each node reported to `em`. */
static void requirement(const struct eql_expr *e, struct pf_cnf *out, const struct pf_emit *em)
{
	struct pf_cnf right = { .n = 0, .max_needles = out->max_needles, .keys = out->keys };

	out->n = 0;
	switch (e->kind) {
	case EQL_EXPR_AND:
	case EQL_EXPR_OR:
		requirement(e->args[0], out, em);
		requirement(e->args[1], &right, em);
		if (e->kind == EQL_EXPR_AND)
			cnf_and(out, &right);
		else
			cnf_or(out, &right);
		break;
	case EQL_EXPR_NOT:
		/* `not a` needs nothing; a's own requirement still gates a's walk. */
		if (em != NULL) {
			requirement(e->args[0], &right, em);
			cnf_free(&right);
		}
		break;
	default:
		leaf_requirement(e, out);
		break;
	}
	if (em != NULL) {
		emit_groups(out, em->group_fn, em->arg);
		em->node_fn(em->arg, e);
	}
}

/* Adds the requirement of one clause to `acc` with `or`; `first` when acc is still empty. */
static void add_clause(const struct eql_clause *c, struct pf_cnf *acc, bool first)
{
	struct pf_cnf r = { .n = 0, .max_needles = PF_MAX_NEEDLES };

	if (c->where != NULL)
		requirement(c->where, &r, NULL);
	if (first)
		*acc = r;
	else
		cnf_or(acc, &r);
}

struct plan_prefilter *plan_prefilter_new(const struct eql_query *const *queries, size_t n)
{
	struct pf_cnf acc = { .n = 0, .max_needles = PF_MAX_NEEDLES };
	struct plan_prefilter *pf;
	bool first = true;

	for (size_t q = 0; q < n; q++) {
		for (size_t i = 0; i < queries[q]->nclauses; i++, first = false)
			add_clause(&queries[q]->clauses[i], &acc, first);
		if (queries[q]->until != NULL)
			add_clause(queries[q]->until, &acc, false);
	}
	if (acc.n == 0)
		return NULL;

	pf = xcalloc(1, sizeof(*pf));
	for (size_t i = 0; i < acc.n; i++) {
		struct litscan *scan = litscan_new();

		for (size_t k = 0; k < acc.groups[i].n; k++)
			litscan_add(scan, acc.groups[i].needles[k].s, acc.groups[i].needles[k].n,
				    acc.groups[i].needles[k].insensitive);
		litscan_seal(scan);
		pf->scans[pf->n++] = scan;
	}
	cnf_free(&acc);
	return pf;
}

bool plan_prefilter_pass(const struct plan_prefilter *pf, const char *text, size_t len)
{
	for (size_t i = 0; i < pf->n; i++)
		if (!litscan_find(pf->scans[i], text, len))
			return false;
	return true;
}

void plan_prefilter_describe(const struct plan_prefilter *pf, struct buf *out)
{
	for (size_t i = 0; i < pf->n; i++) {
		buf_puts(out, i > 0 ? " & (" : "(");
		for (size_t k = 0; k < litscan_count(pf->scans[i]); k++) {
			size_t n;
			bool insensitive;
			const char *s = litscan_needle(pf->scans[i], k, &n, &insensitive);

			if (k > 0)
				buf_puts(out, " | ");
			buf_json_string(out, s, n);
			if (insensitive)
				buf_putc(out, '~');
		}
		buf_putc(out, ')');
	}
}

void plan_condition_groups(const struct eql_expr *where, plan_group_fn group_fn,
			   plan_node_fn node_fn, void *arg)
{
	struct pf_cnf r = { .n = 0, .max_needles = PF_MAX_CLAUSE_NEEDLES, .keys = true };
	struct pf_emit em = { group_fn, node_fn, arg };

	requirement(where, &r, &em);
	cnf_free(&r);
}

void plan_prefilter_free(struct plan_prefilter *pf)
{
	if (pf == NULL)
		return;
	for (size_t i = 0; i < pf->n; i++)
		litscan_free(pf->scans[i]);
	free(pf);
}
