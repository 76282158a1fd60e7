/*
 * EQL text from a parsed expression, for suggestions: the rewritten
 * condition or the event query equivalent to a sequence. Parsing the
 * rendered text gives back the same tree (test_lint checks this over
 * Elastic's rule corpus).
 *
 * Spacing is canonical (one space around operators, ", " between list
 * items) and parentheses appear only where the grammar needs them, plus
 * around an `and` inside an `or` so that the reader need not recall the
 * precedence. Strings are written with the escapes of the EQL lexer.
 *
 * Ownership: everything is appended to the caller's buffer.
 */
#ifndef SW_LINT_RENDER_H
#define SW_LINT_RENDER_H

#include "eql/ast.h"
#include "util/buf.h"

void lint_render_expr(struct buf *b, const struct eql_expr *e);
void lint_render_string(struct buf *b, const char *s, size_t len);
/* A field path, with backticks around the segments that need them and "?" when optional. */
void lint_render_field(struct buf *b, const struct eql_field *f);
/* An event category: `any`, a bare name, or a string when the name is not an identifier. */
void lint_render_category(struct buf *b, const struct eql_string *category);

#endif
