/*
 * A scalar value of an event field or of an expression.
 *
 * Strings are views: `ptr` points into the event's bytes when the JSON
 * string had no escapes, or into scratch memory owned by whoever produced
 * the value (an event's decode buffer, an evaluation arena). A value never
 * owns memory.
 */
#ifndef SW_VALUE_H
#define SW_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum value_kind {
	VALUE_NULL,
	VALUE_BOOL,
	VALUE_INT,
	VALUE_FLOAT,
	VALUE_STRING,
};

struct value {
	enum value_kind kind;
	union {
		bool boolean;
		int64_t integer;
		double real;
		struct {
			const char *ptr;
			size_t len;
		} string;
	} u;
};

static inline struct value value_null(void)
{
	struct value v = { .kind = VALUE_NULL };
	return v;
}

static inline struct value value_bool(bool b)
{
	struct value v = { .kind = VALUE_BOOL, .u.boolean = b };
	return v;
}

static inline struct value value_int(int64_t i)
{
	struct value v = { .kind = VALUE_INT, .u.integer = i };
	return v;
}

static inline struct value value_float(double d)
{
	struct value v = { .kind = VALUE_FLOAT, .u.real = d };
	return v;
}

static inline struct value value_string(const char *ptr, size_t len)
{
	struct value v = { .kind = VALUE_STRING };
	v.u.string.ptr = ptr;
	v.u.string.len = len;
	return v;
}

#endif
