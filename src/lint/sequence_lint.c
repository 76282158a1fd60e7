/*
 * single-clause-sequence: Elasticsearch rejects a sequence with fewer than
 * two clauses ("with runs=N" counts as N clauses, "until" does not).
 * sitewatch runs one: it matches each event that passes the clause and has
 * a value for every join key that is not optional. The finding shows the
 * event query that means the same and that Elasticsearch accepts:
 *
 *   sequence by host.name [any where X]   is   any where host.name != null and (X)
 *
 * Both forms give one result per matching event; a head or tail pipe
 * keeps its meaning, since each sequence is one event.
 */
#include "lint_internal.h"

#include <inttypes.h>

#include "render.h"
#include "util/buf.h"

static int64_t stage_count(const struct eql_query *q)
{
	int64_t stages = 0;

	for (size_t i = 0; i < q->nclauses; i++)
		stages += q->clauses[i].runs > 0 ? q->clauses[i].runs : 1;
	return stages;
}

/* Appends "KEY != null" for a join key that is not an optional field, after " and " if needed. */
static void render_key_test(struct buf *keys, struct eql_expr *key)
{
	struct eql_expr null = { .kind = EQL_EXPR_NULL };
	struct eql_expr *args[2] = { key, &null };
	struct eql_expr test = {
		.kind = EQL_EXPR_COMPARE, .op = EQL_OP_NE, .args = args, .nargs = 2,
	};

	if (key->kind == EQL_EXPR_FIELD && key->u.field.optional)
		return;
	if (keys->len > 0)
		buf_puts(keys, " and ");
	lint_render_expr(keys, &test);
}

static bool is_true(const struct eql_expr *e)
{
	return e->kind == EQL_EXPR_BOOL && e->u.boolean;
}

/* The event query equivalent to the one-clause sequence `q`. */
static void render_event_query(struct buf *b, const struct eql_query *q)
{
	const struct eql_clause *c = &q->clauses[0];
	struct buf keys = BUF_INIT;

	for (size_t i = 0; i < q->nby; i++)
		render_key_test(&keys, q->by[i]);
	for (size_t i = 0; i < c->nby; i++)
		render_key_test(&keys, c->by[i]);

	lint_render_category(b, &c->category);
	buf_puts(b, " where ");
	if (keys.len == 0) {
		lint_render_expr(b, c->where);
	} else {
		buf_append(b, keys.data, keys.len);
		if (!is_true(c->where)) {
			buf_puts(b, " and (");
			lint_render_expr(b, c->where);
			buf_putc(b, ')');
		}
	}
	buf_free(&keys);

	for (size_t i = 0; i < q->npipes; i++)
		buf_printf(b, " | %s %" PRId64, q->pipes[i].kind == EQL_PIPE_HEAD ? "head" : "tail",
			   q->pipes[i].count);
}

void lint_sequence(const struct eql_query *q, struct lint_report *r)
{
	struct buf equivalent = BUF_INIT;

	if (q->kind != EQL_QUERY_SEQUENCE || stage_count(q) >= 2 || q->nclauses != 1)
		return;

	render_event_query(&equivalent, q);
	lint_add(r, LINT_SINGLE_CLAUSE_SEQUENCE, q->pos, equivalent.data,
		 "Elasticsearch rejects a sequence with only one clause (it needs two or more); "
		 "sitewatch runs it as the equivalent event query in the suggestion, which "
		 "Elasticsearch accepts%s",
		 q->until != NULL ? " (the until clause is left out: a one-clause sequence ends "
				    "on its first event, before until can apply)" : "");
	buf_free(&equivalent);
}
