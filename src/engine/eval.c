/*
 * Evaluation of a planned condition over one event (docs/semantics.md).
 *
 * Two contexts, as Elasticsearch has them:
 * - The filter: the condition down through `and`, `or` and `not`.
 *   Elasticsearch runs it as a bool query whose leaves match or do not
 *   match an event; `not` becomes must_not. filter() evaluates that.
 * - A value: everything inside a leaf (operands, function arguments, a
 *   comparison used as a value). Elasticsearch computes these in scripts
 *   with null propagation; value_of() and truth_of() do, with three-valued
 *   (Kleene) `and`, `or` and `not`.
 * A filter leaf whose fields hold several values is tried with each
 * combination of them, and matches when one combination does.
 */
#include "eval.h"

#include <stdatomic.h>
#include <string.h>

#include "../event/timestamp.h"
#include "coerce.h"
#include "eval_stats.h"
#include "func.h"
#include "node.h"
#include "text.h"

struct eval_state {
	struct eval_ctx *ctx;
	/* The filter leaf whose field values are being enumerated, or NULL. */
	const struct node_plan *leaf;
	/* The value index of each of leaf->fields in this combination. */
	const unsigned *index;
};

static _Atomic uint64_t combination_limit_hits;
static _Atomic uint64_t regex_limit_hits;

void eval_stats_get(struct eval_stats *out)
{
	out->combination_limit_hits = atomic_load_explicit(&combination_limit_hits,
							   memory_order_relaxed);
	out->regex_limit_hits = atomic_load_explicit(&regex_limit_hits, memory_order_relaxed);
}

/* ---- three-valued logic ---- */

static enum truth truth_of_bool(bool b)
{
	return b ? TRUTH_TRUE : TRUTH_FALSE;
}

static struct value value_of_truth(enum truth t)
{
	return t == TRUTH_NULL ? value_null() : value_bool(t == TRUTH_TRUE);
}

static enum truth kleene_not(enum truth t)
{
	return t == TRUTH_NULL ? TRUTH_NULL : truth_of_bool(t == TRUTH_FALSE);
}

static enum truth kleene_and(enum truth a, enum truth b)
{
	if (a == TRUTH_FALSE || b == TRUTH_FALSE)
		return TRUTH_FALSE;
	return a == TRUTH_TRUE && b == TRUTH_TRUE ? TRUTH_TRUE : TRUTH_NULL;
}

static enum truth kleene_or(enum truth a, enum truth b)
{
	if (a == TRUTH_TRUE || b == TRUTH_TRUE)
		return TRUTH_TRUE;
	return a == TRUTH_FALSE && b == TRUTH_FALSE ? TRUTH_FALSE : TRUTH_NULL;
}

/*
 * `not` in the filter. This is the one place that decides what `not P`
 * does when P is null, for example `not process.name in~ ("pip")` on an
 * event without process.name.
 *
 * Elasticsearch translates `not P` into a bool query's must_not clause
 * around P's query (QueryTranslator/ExpressionTranslators.Nots), and `!=`
 * is parsed as not(==). A must_not clause matches every document the
 * inner query does not match, and a term, terms, range, wildcard or
 * regexp query does not match a document that lacks the field. Where P
 * needs a script, the multi-value-aware script rewrite applies `not`
 * outside the null-safe test of P, so a null P gives true there as well.
 * So `not P` is true whenever P is not true.
 */
static enum truth filter_not(enum truth t)
{
	return t == TRUTH_TRUE ? TRUTH_FALSE : TRUTH_TRUE;
}

static enum truth truth_of_value(const struct value *v)
{
	bool b;

	return value_to_bool(v, &b) ? truth_of_bool(b) : TRUTH_NULL;
}

/* ---- values ---- */

static struct value value_of(struct eval_state *st, const struct eql_expr *e);
static enum truth truth_of(struct eval_state *st, const struct eql_expr *e);

static struct value field_value(const struct eval_state *st, const struct eql_expr *e)
{
	const struct event_fields *ev = st->ctx->ev;
	int slot = e->u.field.slot;
	unsigned i = 0;

	if (slot < 0 || (size_t)slot >= ev->nspans || event_fields_count(ev, slot) == 0)
		return value_null();
	if (st->leaf != NULL) {
		for (size_t k = 0; k < st->leaf->nfields; k++) {
			if (st->leaf->fields[k] == e) {
				i = st->index[k];
				break;
			}
		}
	}
	return *event_fields_get(ev, slot, i);
}

/* True when the field has no value other than null. */
static bool field_is_null(const struct eval_state *st, const struct eql_expr *e)
{
	const struct event_fields *ev = st->ctx->ev;
	int slot = e->u.field.slot;

	if (slot < 0 || (size_t)slot >= ev->nspans)
		return true;
	for (unsigned i = 0; i < event_fields_count(ev, slot); i++)
		if (event_fields_get(ev, slot, i)->kind != VALUE_NULL)
			return false;
	return true;
}

static struct value call_value(struct eval_state *st, const struct eql_expr *e)
{
	const struct node_plan *np = e->compiled;
	struct value args[FUNC_MAX_ARGS];

	if (np == NULL || np->func == NULL || e->nargs > FUNC_MAX_ARGS)
		return value_null();
	for (size_t i = 0; i < e->nargs; i++)
		args[i] = value_of(st, e->args[i]);
	return func_call(np->func, e->insensitive, args, e->nargs, &np->aux, st->ctx->scratch);
}

static struct value value_of(struct eval_state *st, const struct eql_expr *e)
{
	struct value a, b;

	switch (e->kind) {
	case EQL_EXPR_NULL:
		return value_null();
	case EQL_EXPR_BOOL:
		return value_bool(e->u.boolean);
	case EQL_EXPR_INT:
		return value_int(e->u.integer);
	case EQL_EXPR_FLOAT:
		return value_float(e->u.real);
	case EQL_EXPR_STRING:
		return value_string(e->u.string.ptr, e->u.string.len);
	case EQL_EXPR_FIELD:
		return field_value(st, e);
	case EQL_EXPR_NEG:
		a = value_of(st, e->args[0]);
		return func_negate(&a);
	case EQL_EXPR_ARITH:
		a = value_of(st, e->args[0]);
		b = value_of(st, e->args[1]);
		return func_arith(e->op, &a, &b);
	case EQL_EXPR_CALL:
		return call_value(st, e);
	default:
		return value_of_truth(truth_of(st, e));
	}
}

/* ---- predicates ---- */

/* Whether an operand of `== null` is null; a field is null when it has no non-null value. */
static bool operand_is_null(struct eval_state *st, const struct eql_expr *e)
{
	struct value v;

	if (e->kind == EQL_EXPR_FIELD)
		return field_is_null(st, e);
	v = value_of(st, e);
	return v.kind == VALUE_NULL;
}

/*
 * A `?field` without a value stands for the literal null in == and !=:
 * Elasticsearch replaces an optional field that no mapping has with null,
 * so `?x == ?y` holds when neither field exists.
 */
static bool missing_optional(const struct eval_state *st, const struct eql_expr *e)
{
	return e->kind == EQL_EXPR_FIELD && e->u.field.optional && field_is_null(st, e);
}

/* x == null, x != null: whether x has a value. */
static enum truth null_test(struct eval_state *st, const struct eql_expr *other, enum eql_op op)
{
	bool is_null = operand_is_null(st, other);

	return truth_of_bool(op == EQL_OP_EQ ? is_null : !is_null);
}

/* Replaces a value that reads as a date by its epoch milliseconds. */
static void as_date(struct value *v)
{
	int64_t ms;

	if (v->kind != VALUE_NULL && timestamp_parse(v, &ms))
		*v = value_int(ms);
}

static enum truth compare(struct eval_state *st, const struct eql_expr *e, enum eql_op op)
{
	const struct node_plan *np = e->compiled;
	struct value a, b;
	int c;

	if (np != NULL && np->null_test == NULL_TEST_ON)
		return null_test(st, np->null_operand, e->op);
	if (op == EQL_OP_EQ || op == EQL_OP_NE) {
		if (missing_optional(st, e->args[0]))
			return null_test(st, e->args[1], op);
		if (missing_optional(st, e->args[1]))
			return null_test(st, e->args[0], op);
	}
	a = value_of(st, e->args[0]);
	b = value_of(st, e->args[1]);
	if (np != NULL && np->dates) {
		as_date(&a);
		as_date(&b);
	}
	c = value_compare(&a, &b);
	if (c == COMPARE_NULL)
		return TRUTH_NULL;

	switch (op) {
	case EQL_OP_EQ:
		return truth_of_bool(c == 0);
	case EQL_OP_NE:
		return truth_of_bool(c != 0);
	case EQL_OP_LT:
		return truth_of_bool(c < 0);
	case EQL_OP_LE:
		return truth_of_bool(c <= 0);
	case EQL_OP_GT:
		return truth_of_bool(c > 0);
	case EQL_OP_GE:
		return truth_of_bool(c >= 0);
	default:
		return TRUTH_NULL;
	}
}

/* `:`, like, regex: the value as text against the compiled patterns. */
static enum truth match(struct eval_state *st, const struct eql_expr *e)
{
	const struct node_plan *np = e->compiled;
	struct value v = value_of(st, e->args[0]);
	char buf[TEXT_NUMBER_MAX];
	const char *s;
	size_t n;
	bool limited = false;

	if (np == NULL || !value_to_text(&v, buf, &s, &n))
		return TRUTH_NULL;
	if (np->exact != NULL && litset_contains(np->exact, s, n, st->ctx->scratch))
		return TRUTH_TRUE;
	for (size_t i = 0; i < np->nwildcards; i++)
		if (wc_match(np->wildcards[i], s, n, st->ctx->scratch))
			return TRUTH_TRUE;
	for (size_t i = 0; i < np->nregexes; i++) {
		enum rx_result r = rx_match(np->regexes[i], s, n);

		if (r == RX_MATCH)
			return TRUTH_TRUE;
		if (r == RX_LIMIT) {
			atomic_fetch_add_explicit(&regex_limit_hits, 1, memory_order_relaxed);
			limited = true;
		}
	}
	return limited ? TRUTH_NULL : TRUTH_FALSE;
}

/* Equality of a value and a list item; `in~` folds case when both are strings. */
static enum truth item_equal(struct eval_state *st, const struct value *v,
			     const struct value *item, bool insensitive)
{
	int c;

	if (insensitive && v->kind == VALUE_STRING && item->kind == VALUE_STRING) {
		size_t na, nb;
		const char *a = text_fold(st->ctx->scratch, v->u.string.ptr, v->u.string.len, &na);
		const char *b = text_fold(st->ctx->scratch, item->u.string.ptr,
					  item->u.string.len, &nb);

		return truth_of_bool(na == nb && memcmp(a, b, na) == 0);
	}
	c = value_compare(v, item);
	return c == COMPARE_NULL ? TRUTH_NULL : truth_of_bool(c == 0);
}

/*
 * `in` and `in~` without the `not`: true when an item equals the value,
 * else null when an item could not be compared, else false (as
 * Elasticsearch's InProcessor).
 */
static enum truth in_list(struct eval_state *st, const struct eql_expr *e)
{
	const struct node_plan *np = e->compiled;
	struct value v = value_of(st, e->args[0]), item;
	enum truth t = TRUTH_FALSE;

	if (v.kind == VALUE_NULL || np == NULL)
		return TRUTH_NULL;
	if (!np->dynamic && v.kind == VALUE_STRING) {
		if (litset_contains(np->exact, v.u.string.ptr, v.u.string.len, st->ctx->scratch))
			return TRUTH_TRUE;
		for (size_t i = 0; i < np->nothers; i++) {
			item = value_of(st, np->others[i]);
			t = kleene_or(t, item_equal(st, &v, &item, e->insensitive));
		}
		return t;
	}
	/* A non-string value meets string items through coercion, item by item. */
	for (size_t i = 1; i < e->nargs && t != TRUTH_TRUE; i++) {
		item = value_of(st, e->args[i]);
		t = kleene_or(t, item_equal(st, &v, &item, e->insensitive));
	}
	return t;
}

/* The truth of a boolean expression read as a value (script semantics). */
static enum truth truth_of(struct eval_state *st, const struct eql_expr *e)
{
	enum truth l;

	switch (e->kind) {
	case EQL_EXPR_NOT:
		return kleene_not(truth_of(st, e->args[0]));
	case EQL_EXPR_AND:
		l = truth_of(st, e->args[0]);
		return l == TRUTH_FALSE ? l : kleene_and(l, truth_of(st, e->args[1]));
	case EQL_EXPR_OR:
		l = truth_of(st, e->args[0]);
		return l == TRUTH_TRUE ? l : kleene_or(l, truth_of(st, e->args[1]));
	case EQL_EXPR_COMPARE:
		return compare(st, e, e->op);
	case EQL_EXPR_MATCH:
		return match(st, e);
	case EQL_EXPR_IN:
		l = in_list(st, e);
		return e->negated ? kleene_not(l) : l;
	default: {
		struct value v = value_of(st, e);

		return truth_of_value(&v);
	}
	}
}

/* ---- the filter ---- */

/* A leaf whose Elasticsearch form is not(positive leaf): `!=` and `not in`. */
static bool negated_leaf(const struct eql_expr *e)
{
	const struct node_plan *np = e->compiled;

	if (e->kind == EQL_EXPR_IN)
		return e->negated;
	return e->kind == EQL_EXPR_COMPARE && e->op == EQL_OP_NE &&
	       !(np != NULL && np->null_test == NULL_TEST_ON);
}

/* The leaf without its negation: `==` for `!=`, `in` for `not in`. */
static enum truth positive(struct eval_state *st, const struct eql_expr *e)
{
	if (e->kind == EQL_EXPR_IN)
		return in_list(st, e);
	return compare(st, e, EQL_OP_EQ);
}

static enum truth leaf_once(struct eval_state *st, const struct eql_expr *e, bool pos)
{
	return pos ? positive(st, e) : truth_of(st, e);
}

/* Advances the odometer of value indexes; false after the last combination. */
static bool next_combination(unsigned *index, const unsigned *counts, size_t n)
{
	for (size_t k = n; k-- > 0;) {
		if (++index[k] < counts[k])
			return true;
		index[k] = 0;
	}
	return false;
}

/* Number of values of a field reference, 0 when it has none. */
static unsigned value_count(const struct event_fields *ev, const struct eql_expr *field)
{
	int slot = field->u.field.slot;

	if (slot < 0 || (size_t)slot >= ev->nspans)
		return 0;
	return event_fields_count(ev, slot);
}

static bool has_multi_valued(const struct event_fields *ev, const struct node_plan *np)
{
	for (size_t k = 0; k < np->nfields; k++)
		if (value_count(ev, np->fields[k]) > 1)
			return true;
	return false;
}

/*
 * Tries the combinations of values: index[k] walks 0..counts[k]-1 for each
 * field reference k, the last one fastest, up to EVAL_MAX_COMBINATIONS.
 */
static enum truth try_combinations(struct eval_state *each, const struct eql_expr *e, bool pos,
				   unsigned *index, const unsigned *counts)
{
	size_t n = each->leaf->nfields;
	bool any_false = false;
	unsigned tried = 0;

	for (;;) {
		enum truth t = leaf_once(each, e, pos);

		if (t == TRUTH_TRUE)
			return t;
		any_false |= t == TRUTH_FALSE;
		if (!next_combination(index, counts, n))
			break;
		if (++tried == EVAL_MAX_COMBINATIONS) {
			atomic_fetch_add_explicit(&combination_limit_hits, 1, memory_order_relaxed);
			break;
		}
	}
	return any_false ? TRUTH_FALSE : TRUTH_NULL;
}

/*
 * A filter leaf: true when some combination of its fields' values makes
 * it true, false when none does and one makes it false, else null. A
 * missing field takes part as one null value.
 */
static enum truth leaf(struct eval_state *st, const struct eql_expr *e, bool pos)
{
	const struct node_plan *np = e->compiled;
	const struct event_fields *ev = st->ctx->ev;
	unsigned small_counts[16], small_index[16], *counts, *index;
	struct eval_state each = { .ctx = st->ctx, .leaf = np };

	if (np == NULL || np->nfields == 0 || !has_multi_valued(ev, np))
		return leaf_once(st, e, pos);

	counts = small_counts;
	index = small_index;
	if (np->nfields > 16) {
		counts = arena_alloc(st->ctx->scratch, np->nfields * sizeof(*counts));
		index = arena_alloc(st->ctx->scratch, np->nfields * sizeof(*index));
	}
	for (size_t k = 0; k < np->nfields; k++) {
		unsigned c = value_count(ev, np->fields[k]);

		counts[k] = c > 0 ? c : 1;
		index[k] = 0;
	}
	each.index = index;
	return try_combinations(&each, e, pos, index, counts);
}

/* A node of the filter that is not `and`, `or` or `not`. */
static enum truth filter_leaf(struct eval_state *st, const struct eql_expr *e)
{
	if (negated_leaf(e))
		return filter_not(leaf(st, e, true));
	return leaf(st, e, false);
}

static enum truth filter(struct eval_state *st, const struct eql_expr *e)
{
	enum truth l;

	switch (e->kind) {
	case EQL_EXPR_AND:
		l = filter(st, e->args[0]);
		return l == TRUTH_FALSE ? l : kleene_and(l, filter(st, e->args[1]));
	case EQL_EXPR_OR:
		l = filter(st, e->args[0]);
		return l == TRUTH_TRUE ? l : kleene_or(l, filter(st, e->args[1]));
	case EQL_EXPR_NOT:
		return filter_not(filter(st, e->args[0]));
	default:
		return filter_leaf(st, e);
	}
}

/* ---- entry points ---- */

enum truth eval_condition(const struct eql_expr *e, struct eval_ctx *ctx)
{
	struct eval_state st = { .ctx = ctx };

	return filter(&st, e);
}

bool eval_filter_leaf(const struct eql_expr *e, struct eval_ctx *ctx)
{
	struct eval_state st = { .ctx = ctx };

	return filter_leaf(&st, e) == TRUTH_TRUE;
}

struct value eval_value(const struct eql_expr *e, struct eval_ctx *ctx)
{
	struct eval_state st = { .ctx = ctx };

	return value_of(&st, e);
}

/*
 * Elasticsearch filters on the category with a term query on the
 * category field: a case-sensitive match of any of its values.
 */
static bool category_matches(const struct eql_clause *clause, int slot,
			     const struct event_fields *ev)
{
	if (slot < 0 || (size_t)slot >= ev->nspans)
		return false;
	for (unsigned i = 0; i < event_fields_count(ev, slot); i++) {
		const struct value *v = event_fields_get(ev, slot, i);

		if (v->kind == VALUE_STRING && v->u.string.len == clause->category.len &&
		    memcmp(v->u.string.ptr, clause->category.ptr, v->u.string.len) == 0)
			return true;
	}
	return false;
}

bool eval_category(const struct eql_clause *clause, int category_slot,
		   const struct event_fields *ev)
{
	return clause->category.ptr == NULL || category_matches(clause, category_slot, ev);
}

bool eval_clause(const struct eql_clause *clause, int category_slot, struct eval_ctx *ctx)
{
	if (!eval_category(clause, category_slot, ctx->ev))
		return false;
	if (clause->where == NULL)
		return true;
	return eval_condition(clause->where, ctx) == TRUTH_TRUE;
}
