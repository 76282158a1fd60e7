/*
 * EQL parser: text to struct eql_query (see ast.h for ownership).
 */
#ifndef SW_EQL_PARSE_H
#define SW_EQL_PARSE_H

#include <stdio.h>

#include "ast.h"
#include "../util/arena.h"

/* Where and why a query was rejected. */
struct eql_error {
	struct eql_pos pos;
	char message[256];
};

/*
 * Parses `len` bytes of `text`. Returns the query, allocated in `arena`, or
 * NULL with `err` filled. The text need not be NUL-terminated.
 */
struct eql_query *eql_parse(struct arena *arena, const char *text, size_t len,
			    struct eql_error *err);

/*
 * Prints `err` as "sitewatch: ORIGIN:LINE:COLUMN: message", then the
 * offending line of `text` and a caret under the column.
 */
void eql_error_print(FILE *out, const char *origin, const char *text,
		     size_t len, const struct eql_error *err);

#endif
