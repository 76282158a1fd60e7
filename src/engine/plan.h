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

#endif
