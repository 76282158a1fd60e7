/*
 * Plan data that the planner attaches to an expression node through
 * eql_expr.compiled, for the evaluator to read.
 *
 * A filter leaf is a node that the condition reaches through `and`, `or`
 * and `not` only: a comparison, a match, an `in`, a call or a bare field.
 * It lists the field references below it, whose values it enumerates when
 * some of them hold several values (docs/semantics.md, "Multi-valued
 * fields"). Matches, `in` lists, calls and comparisons with the literal
 * null carry their compiled forms.
 *
 * Ownership: plan.c allocates a node_plan and everything in it with
 * xmalloc; plan_release() frees them with node_plan_free(). The evaluator
 * only reads them, so threads may share a plan.
 */
#ifndef SW_NODE_H
#define SW_NODE_H

#include <stdbool.h>
#include <stddef.h>

#include "../eql/ast.h"
#include "func.h"
#include "litset.h"
#include "regex.h"
#include "wildcard.h"

enum null_test {
	NULL_TEST_NONE,
	/* `x == null` or `x != null`: the operand is the other side. */
	NULL_TEST_ON,
};

struct node_plan {
	/* Filter leaf: the field references whose values it enumerates. */
	const struct eql_expr **fields;
	size_t nfields;

	/* COMPARE with the literal null on one side. */
	enum null_test null_test;
	const struct eql_expr *null_operand;

	/*
	 * COMPARE with a date field on one side (the timestamp field): both
	 * sides are read as dates, so "2017-08-30T20:47:33Z" and epoch
	 * milliseconds compare as the same instant, as against a field of
	 * Elasticsearch's `date` type.
	 */
	bool dates;

	/* MATCH: the right-hand side, split by kind. */
	struct litset *exact;           /* also IN's string literals */
	struct wc_pattern **wildcards;
	size_t nwildcards;
	struct rx_pattern **regexes;
	size_t nregexes;

	/* IN: literal items that are not strings (numbers, booleans, null). */
	const struct eql_expr **others;
	size_t nothers;
	/* IN: some item is not a literal, so every item is evaluated. */
	bool dynamic;

	/* CALL */
	const struct func_def *func;
	struct func_aux aux;
	struct cidr_block *cidrs;
};

void node_plan_free(struct node_plan *np);

#endif
