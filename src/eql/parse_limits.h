/*
 * Caps on what one EQL query may hold, and the parse entry point that
 * takes them. eql_parse() (parse.h) applies the defaults below. Hitting a
 * cap is an error that names the cap, its value and where it was hit.
 *
 * The defaults leave room above Elastic's own rule set: among its 1,094
 * EQL queries (elastic/detection-rules, August 2026) the largest has
 * 46,906 bytes, the longest list about 2,600 values, and the deepest needs
 * 38 levels as EQL_DEFAULT_MAX_DEPTH counts them.
 */
#ifndef SW_EQL_PARSE_LIMITS_H
#define SW_EQL_PARSE_LIMITS_H

#include <stddef.h>

#include "ast.h"
#include "parse.h"
#include "../util/arena.h"

/* Bytes of query text. */
#define EQL_DEFAULT_MAX_QUERY_BYTES ((size_t)1 << 20)

/*
 * Nesting levels: a function call, each parenthesized expression, function
 * argument and list value, each `not` and unary minus, and each further
 * operand of an and/or/arithmetic chain adds one.
 * The count roughly bounds the height of the expression tree, so the
 * parser's recursion, and that of whatever walks the tree, stays far from
 * the end of the stack.
 */
#define EQL_DEFAULT_MAX_DEPTH 200

/*
 * Items of one list: values of in/:/like/regex lists, function
 * arguments, join keys, clauses of a sequence or sample, pipes.
 */
#define EQL_DEFAULT_MAX_LIST 65536

struct eql_limits {
	size_t max_query_bytes;
	int max_depth;
	size_t max_list;
};

/* Fills `lim` with the defaults above. */
void eql_limits_default(struct eql_limits *lim);

/* Parses like eql_parse(), with caller-chosen caps (NULL for the defaults). */
struct eql_query *eql_parse_limited(struct arena *arena, const char *text,
				    size_t len, const struct eql_limits *lim,
				    struct eql_error *err);

#endif
