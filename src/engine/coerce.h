/*
 * Comparison of values of different kinds, and the conversions a function
 * argument or an operator applies (docs/semantics.md, "Types").
 *
 * sitewatch has no index mapping, so it does what Elasticsearch does when
 * it indexes a value into the field type the other operand implies. A
 * string that reads as a number compares as that number, because a numeric
 * field coerces "42" to 42. A number or boolean used as a string reads as
 * its text, because a keyword field indexes 4624 as "4624". The strings
 * "true" and "false" compare as booleans. Anything else gives null.
 */
#ifndef SW_COERCE_H
#define SW_COERCE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "../event/value.h"

/* value_compare() result when the two values cannot be compared. */
#define COMPARE_NULL INT_MIN

/*
 * Orders a against b: negative, zero or positive, or COMPARE_NULL when
 * either is null or they cannot be compared. Strings compare by their
 * UTF-8 bytes, the order of Elasticsearch keywords. Numbers compare by
 * value, an integer against a float as two doubles in the order of Java's
 * Double.compare, so NaN equals NaN and -0.0 is below 0.0. False is below
 * true.
 */
int value_compare(const struct value *a, const struct value *b);

/* The value as a number (VALUE_INT or VALUE_FLOAT), or false. */
bool value_to_number(const struct value *v, struct value *out);

/* The value as a boolean, or false. */
bool value_to_bool(const struct value *v, bool *out);

/*
 * The value as text: a string as it is, a number or boolean as its text
 * form written into `buf` (TEXT_NUMBER_MAX bytes). False for null.
 */
bool value_to_text(const struct value *v, char *buf, const char **ptr, size_t *len);

#endif
