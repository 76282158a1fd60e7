/*
 * Planning a parsed query for evaluation: binds every field reference to a
 * slot of a shared field set, checks function names, arity and literal
 * argument types, and compiles regular expressions and wildcard patterns.
 *
 * Ownership: compiled forms hang off the query's nodes
 * (eql_expr.compiled) and are freed by plan_release(), which must run
 * before the query's arena is freed.
 */
#ifndef SW_PLAN_H
#define SW_PLAN_H

#include "../eql/ast.h"
#include "../eql/parse.h"
#include "../event/fields.h"

/*
 * Returns true on success, or false with `err` naming the position and
 * the fault (for example "unknown function 'foo'", "function 'between'
 * takes 3 to 4 arguments, got 2", "invalid regular expression ...").
 */
bool plan_bind(struct eql_query *query, struct field_set *fields,
	       struct eql_error *err);

/*
 * plan_bind() with a list of date fields: a comparison between one of them
 * and another value reads both sides as dates (ISO 8601 or epoch
 * milliseconds), as Elasticsearch does for a field of `date` type. Without
 * a mapping, the caller names them: `detect` passes its timestamp field.
 */
bool plan_bind_dates(struct eql_query *query, struct field_set *fields,
		     const char *const *date_fields, size_t ndate_fields,
		     struct eql_error *err);

void plan_release(struct eql_query *query);

/*
 * The literal prefilter of a set of planned queries: a test on the raw
 * bytes of an event that is false only for an event that no clause of any
 * of the queries can match, because every match needs some literal of the
 * queries in the event's text (plan.c gives the proof). For example the
 * bundled rule needs "sitecustomize.py", "site.py", .pth" and a few more,
 * so most events are rejected without being parsed.
 *
 * plan_prefilter_new() returns NULL when some clause can match without a
 * literal (`process where true`, `not x : "y"`). Ownership: the caller
 * frees the prefilter with plan_prefilter_free(); it borrows nothing from
 * the queries, and threads may share it.
 */
struct plan_prefilter;

struct plan_prefilter *plan_prefilter_new(const struct eql_query *const *queries, size_t n);

/* False when no query can match the event whose JSON text is `text`. */
bool plan_prefilter_pass(const struct plan_prefilter *pf, const char *text, size_t len);

/* Writes the tests, e.g. ("\"site.py\""~ | ".pth\""~) & ("\"file\""), for messages and tests. */
struct buf;
void plan_prefilter_describe(const struct plan_prefilter *pf, struct buf *out);

void plan_prefilter_free(struct plan_prefilter *pf);

/*
 * The same requirement for every node of a clause's condition that
 * filter() in eval.c walks (`and`, `or`, `not` and the leaves), for the
 * clause index (clause_index.h). A node is true only for an event whose
 * text contains, for every group of the node, one of the group's needles.
 * The exceptions are those of litscan_find(): a \u escape, and for a
 * case-insensitive needle, a character that folds to ASCII.
 * Case-insensitive needles are folded. A leaf that gives no needle of its
 * value may give the key of the field it needs. The category test is not
 * part of it.
 *
 * Walks the condition operands first, so that the condition itself comes
 * last. For each node, calls `group_fn` once per group, rarest first, with
 * needles that live only for the call, then `node_fn` with the node.
 */
struct plan_needle {
	const char *s;
	size_t n;
	bool insensitive;
};

typedef void (*plan_group_fn)(void *arg, const struct plan_needle *needles, size_t n);
typedef void (*plan_node_fn)(void *arg, const struct eql_expr *node);

void plan_condition_groups(const struct eql_expr *where, plan_group_fn group_fn,
			   plan_node_fn node_fn, void *arg);

#endif
