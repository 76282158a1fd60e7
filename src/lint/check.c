/*
 * The check of one query: parse, plan without running, lint, sort.
 *
 * Ownership: the parse tree and the plan live only inside lint_check();
 * findings are copied into the caller's report.
 */
#include "lint_internal.h"

#include <stdlib.h>
#include <string.h>

#include "engine/plan.h"
#include "event/fields.h"

static void walk_expr(const struct eql_expr *e, lint_visit_fn *visit, void *arg)
{
	/* The parser caps the tree's height, which bounds this recursion. */
	visit(e, arg);
	for (size_t i = 0; i < e->nargs; i++)
		walk_expr(e->args[i], visit, arg);
}

static void walk_clause(const struct eql_clause *c, lint_visit_fn *visit, void *arg)
{
	if (c->where != NULL)
		walk_expr(c->where, visit, arg);
	for (size_t i = 0; i < c->nby; i++)
		walk_expr(c->by[i], visit, arg);
}

void lint_walk(const struct eql_query *q, lint_visit_fn *visit, void *arg)
{
	for (size_t i = 0; i < q->nby; i++)
		walk_expr(q->by[i], visit, arg);
	for (size_t i = 0; i < q->nclauses; i++)
		walk_clause(&q->clauses[i], visit, arg);
	if (q->until != NULL)
		walk_clause(q->until, visit, arg);
}

static int compare_findings(const void *pa, const void *pb)
{
	const struct lint_finding *a = pa, *b = pb;

	if (a->pos.offset != b->pos.offset)
		return a->pos.offset < b->pos.offset ? -1 : 1;
	if (a->code != b->code)
		return a->code < b->code ? -1 : 1;
	return strcmp(a->message, b->message);
}

void lint_query(const struct eql_query *query, const struct lint_options *opts,
		struct lint_report *r)
{
	static const struct lint_options all = { { false } };
	size_t first = r->count;

	if (opts == NULL)
		opts = &all;
	if (!opts->skip[LINT_SINGLE_CLAUSE_SEQUENCE])
		lint_sequence(query, r);
	if (!opts->skip[LINT_NON_ECS_FIELD])
		lint_fields(query, r);
	lint_compare(query, opts, r);

	if (r->count > first)
		qsort(r->findings + first, r->count - first, sizeof(*r->findings), compare_findings);
}

bool lint_check(const char *text, size_t len, const struct lint_options *opts,
		struct lint_report *r, struct eql_error *err)
{
	/* detect's default timestamp field, which it plans as a date. */
	static const char *const date_fields[] = { "@timestamp" };
	struct arena arena;
	struct field_set *fields = field_set_new();
	struct eql_query *query;
	bool ok;

	arena_init(&arena, 65536);
	memset(err, 0, sizeof(*err));
	query = eql_parse(&arena, text, len, err);
	ok = query != NULL && plan_bind_dates(query, fields, date_fields, 1, err);
	if (ok)
		lint_query(query, opts, r);

	if (query != NULL)
		plan_release(query);
	field_set_free(fields);
	arena_free(&arena);
	return ok;
}
