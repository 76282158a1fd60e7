/*
 * Helpers shared by the lexer and the parser to fill struct eql_error
 * (parse.h). Internal to src/eql. Nothing here allocates.
 */
#ifndef SW_EQL_ERROR_H
#define SW_EQL_ERROR_H

#include <stdarg.h>
#include <stddef.h>

#include "ast.h"
#include "parse.h"

/* Sets the position and formats the message (cut to fit, at a UTF-8 boundary). */
void eql_error_set(struct eql_error *err, struct eql_pos pos, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void eql_error_vset(struct eql_error *err, struct eql_pos pos, const char *fmt,
		    va_list ap) __attribute__((format(printf, 3, 0)));

/*
 * Writes `text` quoted for a message, as 'text', into `out` of `size`
 * bytes: at most about 40 characters (then "..."), control characters
 * shown as spaces, cut at a UTF-8 boundary.
 */
void eql_error_quote(char *out, size_t size, const char *text, size_t len);

#endif
