#include "coerce.h"

#include <math.h>
#include <string.h>

#include "text.h"

bool value_to_number(const struct value *v, struct value *out)
{
	switch (v->kind) {
	case VALUE_INT:
	case VALUE_FLOAT:
		*out = *v;
		return true;
	case VALUE_STRING:
		return text_parse_number(v->u.string.ptr, v->u.string.len, out);
	default:
		return false;
	}
}

bool value_to_bool(const struct value *v, bool *out)
{
	if (v->kind == VALUE_BOOL) {
		*out = v->u.boolean;
		return true;
	}
	if (v->kind != VALUE_STRING)
		return false;
	/* Elasticsearch's boolean field accepts exactly these two strings. */
	if (v->u.string.len == 4 && memcmp(v->u.string.ptr, "true", 4) == 0) {
		*out = true;
		return true;
	}
	if (v->u.string.len == 5 && memcmp(v->u.string.ptr, "false", 5) == 0) {
		*out = false;
		return true;
	}
	return false;
}

bool value_to_text(const struct value *v, char *buf, const char **ptr, size_t *len)
{
	switch (v->kind) {
	case VALUE_STRING:
		*ptr = v->u.string.ptr;
		*len = v->u.string.len;
		return true;
	case VALUE_INT:
		*len = text_format_int(v->u.integer, buf);
		break;
	case VALUE_FLOAT:
		*len = text_format_double(v->u.real, buf);
		break;
	case VALUE_BOOL:
		*len = v->u.boolean ? 4 : 5;
		memcpy(buf, v->u.boolean ? "true" : "false", *len + 1);
		break;
	default:
		return false;
	}
	*ptr = buf;
	return true;
}

static int compare_strings(const struct value *a, const struct value *b)
{
	size_t n = a->u.string.len < b->u.string.len ? a->u.string.len : b->u.string.len;
	int c = n ? memcmp(a->u.string.ptr, b->u.string.ptr, n) : 0;

	if (c != 0)
		return c < 0 ? -1 : 1;
	if (a->u.string.len == b->u.string.len)
		return 0;
	return a->u.string.len < b->u.string.len ? -1 : 1;
}

/* Java's Double.compare: NaN above everything and equal to itself, -0.0 < 0.0. */
static int compare_doubles(double x, double y)
{
	if (x < y)
		return -1;
	if (x > y)
		return 1;
	if (isnan(x) && isnan(y))
		return 0;
	if (isnan(x))
		return 1;
	if (isnan(y))
		return -1;
	if (x == 0 && signbit(x) != signbit(y))
		return signbit(x) ? -1 : 1;
	return 0;
}

static int compare_numbers(const struct value *a, const struct value *b)
{
	if (a->kind == VALUE_INT && b->kind == VALUE_INT) {
		if (a->u.integer == b->u.integer)
			return 0;
		return a->u.integer < b->u.integer ? -1 : 1;
	}
	return compare_doubles(a->kind == VALUE_INT ? (double)a->u.integer : a->u.real,
			       b->kind == VALUE_INT ? (double)b->u.integer : b->u.real);
}

static bool is_number(const struct value *v)
{
	return v->kind == VALUE_INT || v->kind == VALUE_FLOAT;
}

int value_compare(const struct value *a, const struct value *b)
{
	struct value na, nb;
	bool ba, bb;

	if (a->kind == VALUE_NULL || b->kind == VALUE_NULL)
		return COMPARE_NULL;
	if (a->kind == VALUE_STRING && b->kind == VALUE_STRING)
		return compare_strings(a, b);
	if (is_number(a) || is_number(b)) {
		if (a->kind == VALUE_BOOL || b->kind == VALUE_BOOL)
			return COMPARE_NULL;
		if (!value_to_number(a, &na) || !value_to_number(b, &nb))
			return COMPARE_NULL;
		return compare_numbers(&na, &nb);
	}
	if (!value_to_bool(a, &ba) || !value_to_bool(b, &bb))
		return COMPARE_NULL;
	return (int)ba - (int)bb;
}
