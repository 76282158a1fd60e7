/*
 * Expression evaluation over one event's projected fields, with
 * Elasticsearch EQL semantics (docs/semantics.md gives each rule and its
 * source).
 *
 * A comparison with a missing or null operand is null, and a clause
 * matches only when its condition is true. In a condition, `not P` is true
 * whenever P is not true, because Elasticsearch runs it as a `must_not`
 * query that keeps documents without the field; inside a value, as in
 * `null == (not x > 1)`, logic stays three-valued, as in its scripts. A
 * multi-valued field makes a predicate true when any of its values makes
 * it true.
 */
#ifndef SW_EVAL_H
#define SW_EVAL_H

#include <stdbool.h>

#include "../eql/ast.h"
#include "../event/fields.h"
#include "../util/arena.h"

enum truth {
	TRUTH_FALSE,
	TRUTH_TRUE,
	TRUTH_NULL,
};

struct eval_ctx {
	const struct event_fields *ev;
	/* Memory for computed strings; the caller resets it between events. */
	struct arena *scratch;
};

/* Evaluates a boolean condition. */
enum truth eval_condition(const struct eql_expr *e, struct eval_ctx *ctx);

/*
 * Evaluates `e` to a single value. A multi-valued field yields its first
 * value here; conditions use every value.
 */
struct value eval_value(const struct eql_expr *e, struct eval_ctx *ctx);

/*
 * True when a node of a condition that is not `and`, `or` or `not` (a
 * filter leaf) is true, read as the condition reads it: `!=` and `not in`
 * are true whenever their positive form is not. `and`, `or` and `not`
 * over filter leaves give a condition's truth from these alone: `a and b`
 * is true when both are, `a or b` when either is, `not a` when a is not.
 */
bool eval_filter_leaf(const struct eql_expr *e, struct eval_ctx *ctx);

/* True when the event has the clause's category ("any" has every one). */
bool eval_category(const struct eql_clause *clause, int category_slot,
		   const struct event_fields *ev);

/*
 * True when the event passes `clause`: its category (compared with every
 * value of the category field at `category_slot`; "any" passes all) and
 * its condition.
 */
bool eval_clause(const struct eql_clause *clause, int category_slot,
		 struct eval_ctx *ctx);

#endif
