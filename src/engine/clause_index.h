/*
 * The clause index: which clauses of a set of queries an event may pass,
 * decided before any condition is evaluated, so that a thousand rules do
 * not walk a thousand syntax trees for every event.
 *
 * Two tests, each false only for a clause that is false for the event:
 * - The category: `process where` passes only an event whose category
 *   field has the string "process" among its values (eval_clause()'s
 *   test). The index compares the event's category values with every
 *   category word once per event, and each clause tests one bit.
 * - The literals: each clause's needle groups (plan_clause_groups(), whose
 *   proof is the comment above PF_MAX_GROUPS in plan.c) go into one needle
 *   dictionary (litdict.h). One scan of the event's raw text marks the
 *   groups that have a needle in it, and a clause with an unmarked group
 *   is false. A text with a \u escape marks every group; one with a
 *   character that folds to ASCII marks every group with a
 *   case-insensitive needle.
 * A clause without a category ("any") or without a group passes that test.
 *
 * An index made with `off` (detect --no-prefilter) lets every clause
 * through and clause_index_eval() is eval_clause(), so that a run can be
 * compared with one without it.
 *
 * Ownership: clause_index_new() allocates an index and clause_index_free()
 * frees it. The index borrows the queries, their clauses and their plans
 * (plan.h), so they must outlive it. A sealed index is only read, so
 * threads may share it. The marks of one event (clause_marks_new(),
 * clause_marks_free()) belong to one thread.
 */
#ifndef SW_CLAUSE_INDEX_H
#define SW_CLAUSE_INDEX_H

#include <stdbool.h>
#include <stddef.h>

#include "../eql/ast.h"
#include "../event/fields.h"
#include "eval.h"

struct clause_index;
struct clause_marks;

struct clause_index *clause_index_new(bool off);

/*
 * Adds the clauses of query number `q` (queries are added in order, from
 * 0), then its until, whose index is query->nclauses. `category_slot` is
 * the slot of the field its categories are compared with.
 */
void clause_index_add(struct clause_index *idx, const struct eql_query *query, int category_slot);

/* Builds the dictionary. Call it once, after the last clause_index_add(). */
void clause_index_seal(struct clause_index *idx);

struct clause_marks *clause_marks_new(const struct clause_index *idx);
void clause_marks_free(struct clause_marks *m);

/*
 * Marks the category words and needles of one event. `text` is the JSON text whose projection is
 * `ev`: the scanner's values must come from these very bytes.
 */
void clause_index_mark(const struct clause_index *idx, struct clause_marks *m, const char *text,
		       size_t len, const struct event_fields *ev);

/*
 * False when clause `clause` of query `q` (query->nclauses for its until)
 * is false for the event last marked, so that its condition need not be
 * evaluated.
 */
bool clause_index_may_pass(const struct clause_index *idx, const struct clause_marks *m,
			   size_t q, size_t clause);

/* A clause of an added query. For the query's until, `clause` is the query's nclauses. */
struct clause_ref {
	size_t query;
	size_t clause;
};

/*
 * Walks the clauses that the event last marked may pass, in the order they
 * were added (by query, then clause, then until): set *cursor to 0, then
 * call until it returns false. Costs about one step per 64 clauses ruled
 * out, so that a thousand rules are not visited one by one.
 */
bool clause_index_next(const struct clause_index *idx, const struct clause_marks *m,
		       size_t *cursor, struct clause_ref *out);

/*
 * Whether the event last marked passes the clause: its category, then its
 * condition, as eval_clause() decides them. The condition is walked from
 * the index's copy of its `and`, `or` and `not`, and a node whose needles
 * are absent is not walked. `ctx` contains the event's fields.
 */
bool clause_index_eval(const struct clause_index *idx, const struct clause_marks *m,
		       const struct clause_ref *ref, struct eval_ctx *ctx);

/* Counts of what the index contains, for tests and messages. */
struct clause_index_stats {
	size_t clauses;
	size_t with_category;   /* clauses whose category has a bit */
	size_t with_groups;     /* clauses with at least one needle group */
	size_t groups;          /* distinct groups */
	size_t needles;         /* distinct needles */
};

void clause_index_stats(const struct clause_index *idx, struct clause_index_stats *out);

void clause_index_free(struct clause_index *idx);

#endif
