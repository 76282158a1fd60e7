/*
 * Unit tests of the field projection scanner (src/event/fields.c): path
 * matching, value kinds, escapes, validation messages, limits, and a pass
 * over the Elastic sample documents in $SITEWATCH_DATA/ecs-samples.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <dirent.h>
#include <math.h>
#include <sys/stat.h>

#include "event/fields.h"
#include "event/timestamp.h"
#include "util/buf.h"

/* A field set and an event reused across the scans of one test. */
struct fixture {
	struct field_set *set;
	struct event_fields ev;
	struct scan_limits limits;
	char why[256];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	const struct scan_limits defaults = SCAN_LIMITS_DEFAULT;

	f->set = field_set_new();
	f->limits = defaults;
	event_fields_init(&f->ev);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	event_fields_free(&f->ev);
	field_set_free(f->set);
	free(f);
	return 0;
}

static void scan_ok(struct fixture *f, const char *doc)
{
	f->why[0] = '\0';
	if (!event_fields_scan(f->set, &f->limits, doc, strlen(doc), &f->ev, f->why, sizeof(f->why)))
		fail_msg("rejected %s: %s", doc, f->why);
}

/* Scans a document that must be rejected with `reason` as the message. */
static void scan_rejected(struct fixture *f, const char *doc, const char *reason)
{
	f->why[0] = '\0';
	if (event_fields_scan(f->set, &f->limits, doc, strlen(doc), &f->ev, f->why, sizeof(f->why)))
		fail_msg("accepted %s", doc);
	assert_string_equal(f->why, reason);
}

static unsigned count_of(struct fixture *f, const char *path)
{
	int slot = field_set_find(f->set, path);

	assert_true(slot >= 0);
	return event_fields_count(&f->ev, slot);
}

static const struct value *value_of(struct fixture *f, const char *path, unsigned i)
{
	int slot = field_set_find(f->set, path);

	assert_true(slot >= 0);
	assert_true(i < event_fields_count(&f->ev, slot));
	return event_fields_get(&f->ev, slot, i);
}

static void assert_string_value(const struct value *v, const char *expected)
{
	assert_int_equal(v->kind, VALUE_STRING);
	assert_int_equal(v->u.string.len, strlen(expected));
	assert_memory_equal(v->u.string.ptr, expected, strlen(expected));
}

static void assert_int_value(const struct value *v, int64_t expected)
{
	assert_int_equal(v->kind, VALUE_INT);
	assert_true(v->u.integer == expected);
}

static void field_set_slots(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(field_set_add(f->set, "file.name"), 0);
	assert_int_equal(field_set_add(f->set, "process.parent.name"), 1);
	assert_int_equal(field_set_add(f->set, "file.name"), 0);
	assert_int_equal(field_set_add(f->set, "file"), 2);
	assert_int_equal(field_set_count(f->set), 3);
	assert_int_equal(field_set_find(f->set, "process.parent.name"), 1);
	assert_string_equal(field_set_path(f->set, 2), "file");

	/* A prefix of a requested path is not a field unless requested itself. */
	assert_int_equal(field_set_find(f->set, "process.parent"), -1);
	assert_int_equal(field_set_find(f->set, "process"), -1);
	assert_int_equal(field_set_find(f->set, "nothing"), -1);
}

static void field_set_many_paths(void **state)
{
	struct fixture *f = *state;
	char path[64];

	/* Enough paths to make the table grow several times. */
	for (int i = 0; i < 500; i++) {
		snprintf(path, sizeof(path), "group%d.field%d", i % 17, i);
		assert_int_equal(field_set_add(f->set, path), i);
	}
	for (int i = 0; i < 500; i++) {
		snprintf(path, sizeof(path), "group%d.field%d", i % 17, i);
		assert_int_equal(field_set_find(f->set, path), i);
	}
	scan_ok(f, "{\"group3.field20\":1,\"group3\":{\"field37\":2},\"group4\":{\"field20\":3}}");
	assert_int_value(value_of(f, "group3.field20", 0), 1);
	assert_int_value(value_of(f, "group3.field37", 0), 2);
	assert_int_equal(count_of(f, "group4.field21"), 0);
}

static void nested_dotted_and_mixed(void **state)
{
	struct fixture *f = *state;

	field_set_add(f->set, "file.name");
	field_set_add(f->set, "a.b.c");

	scan_ok(f, "{\"file\":{\"name\":\"one\"}}");
	assert_int_equal(count_of(f, "file.name"), 1);
	assert_string_value(value_of(f, "file.name", 0), "one");

	scan_ok(f, "{\"file.name\":\"two\"}");
	assert_string_value(value_of(f, "file.name", 0), "two");

	/* Both forms in one document: all values, in document order. */
	scan_ok(f, "{\"file\":{\"x\":2,\"name\":\"n\"},\"file.name\":\"d\"}");
	assert_int_equal(count_of(f, "file.name"), 2);
	assert_string_value(value_of(f, "file.name", 0), "n");
	assert_string_value(value_of(f, "file.name", 1), "d");

	scan_ok(f, "{\"a.b\":{\"c\":1},\"a\":{\"b.c\":2},\"a\":{\"b\":{\"c\":3}},\"a.b.c\":4}");
	assert_int_equal(count_of(f, "a.b.c"), 4);
	for (unsigned i = 0; i < 4; i++)
		assert_int_value(value_of(f, "a.b.c", i), (int64_t)i + 1);
	assert_int_equal(count_of(f, "file.name"), 0);
}

static void near_misses_do_not_match(void **state)
{
	struct fixture *f = *state;

	field_set_add(f->set, "file.name");
	scan_ok(f, "{\"fi\":{\"le.name\":1},\"file.na\":{\"me\":2},\"filename\":3,"
		"\"file\":{\"name.x\":4,\"names\":5},\"x\":{\"file\":{\"name\":6}}}");
	assert_int_equal(count_of(f, "file.name"), 0);
}

static void arrays_are_multi_valued(void **state)
{
	struct fixture *f = *state;

	field_set_add(f->set, "tags");
	field_set_add(f->set, "a.b");
	field_set_add(f->set, "a.c.d");

	scan_ok(f, "{\"tags\":[\"x\",[\"y\",[[\"z\"]]],[],1]}");
	assert_int_equal(count_of(f, "tags"), 4);
	assert_string_value(value_of(f, "tags", 0), "x");
	assert_string_value(value_of(f, "tags", 1), "y");
	assert_string_value(value_of(f, "tags", 2), "z");
	assert_int_value(value_of(f, "tags", 3), 1);

	/* Arrays of objects contribute their objects' fields, at any array depth. */
	scan_ok(f, "{\"a\":[{\"b\":1},{\"b\":2,\"c\":[{\"d\":\"p\"},{\"d\":[\"q\",\"r\"]}]},[{\"b\":3}]]}");
	assert_int_equal(count_of(f, "a.b"), 3);
	assert_int_value(value_of(f, "a.b", 2), 3);
	assert_int_equal(count_of(f, "a.c.d"), 3);
	assert_string_value(value_of(f, "a.c.d", 2), "r");

	scan_ok(f, "{\"tags\":[]}");
	assert_int_equal(count_of(f, "tags"), 0);
}

static void objects_and_nulls(void **state)
{
	struct fixture *f = *state;

	field_set_add(f->set, "process");
	field_set_add(f->set, "process.pid");
	field_set_add(f->set, "user");
	field_set_add(f->set, "flags");

	/* An object at a requested path records nothing, but its requested children do. */
	scan_ok(f, "{\"process\":{\"pid\":7,\"x\":{}},\"user\":null,\"flags\":[true,false,null]}");
	assert_int_equal(count_of(f, "process"), 0);
	assert_int_value(value_of(f, "process.pid", 0), 7);
	assert_int_equal(count_of(f, "user"), 1);
	assert_int_equal(value_of(f, "user", 0)->kind, VALUE_NULL);
	assert_int_equal(count_of(f, "flags"), 3);
	assert_int_equal(value_of(f, "flags", 0)->kind, VALUE_BOOL);
	assert_true(value_of(f, "flags", 0)->u.boolean);
	assert_false(value_of(f, "flags", 1)->u.boolean);
	assert_int_equal(value_of(f, "flags", 2)->kind, VALUE_NULL);

	/* A scalar at a path and an object at the same path in another member both count. */
	scan_ok(f, "{\"process\":\"p\",\"process\":[{\"pid\":1},2]}");
	assert_int_equal(count_of(f, "process"), 2);
	assert_string_value(value_of(f, "process", 0), "p");
	assert_int_value(value_of(f, "process", 1), 2);
	assert_int_value(value_of(f, "process.pid", 0), 1);

	/* Only an object is skipped when no child is requested. */
	scan_ok(f, "{\"user\":{\"name\":\"u\"}}");
	assert_int_equal(count_of(f, "user"), 0);
}

static void strings_are_views_unless_escaped(void **state)
{
	struct fixture *f = *state;
	const char *doc = "{\"a\":\"plain\",\"b\":\"esc\\\"aped\"}";
	const struct value *v;

	field_set_add(f->set, "a");
	field_set_add(f->set, "b");
	scan_ok(f, doc);

	v = value_of(f, "a", 0);
	assert_ptr_equal(v->u.string.ptr, doc + 6);
	v = value_of(f, "b", 0);
	assert_string_value(v, "esc\"aped");
	assert_true(v->u.string.ptr >= f->ev.decoded &&
		    v->u.string.ptr < f->ev.decoded + f->ev.decoded_len);
}

static void string_escapes(void **state)
{
	struct fixture *f = *state;

	field_set_add(f->set, "s");
	scan_ok(f, "{\"s\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\","
		"\"s\":\"\\u0041\\u00e9\\u20ac\\ud83d\\ude00\\uD834\\uDD1E\","
		"\"s\":\"lone \\ud800 and \\udc00 and \\ud800\\u0041\","
		"\"s\":\"nul \\u0000 inside\","
		"\"s\":\"caf\xc3\xa9 raw\"}");
	assert_int_equal(count_of(f, "s"), 5);
	assert_string_value(value_of(f, "s", 0), "\"\\/\b\f\n\r\t");
	assert_string_value(value_of(f, "s", 1), "A\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xf0\x9d\x84\x9e");
	/* Lone surrogates become U+FFFD, as Lucene stores them. */
	assert_string_value(value_of(f, "s", 2), "lone \xef\xbf\xbd and \xef\xbf\xbd and \xef\xbf\xbd" "A");
	assert_int_equal(value_of(f, "s", 3)->u.string.len, 12);
	assert_memory_equal(value_of(f, "s", 3)->u.string.ptr, "nul \0 inside", 12);
	assert_string_value(value_of(f, "s", 4), "caf\xc3\xa9 raw");
}

static void escapes_in_keys(void **state)
{
	struct fixture *f = *state;

	field_set_add(f->set, "file.name");
	field_set_add(f->set, "caf\xc3\xa9");
	scan_ok(f, "{\"fi\\u006ce\":{\"n\\u0061me\":\"a\"},\"file\\u002ename\":\"b\","
		"\"caf\\u00e9\":1,\"\\u0066ile\":{\"name\\\"\":\"not this\"}}");
	assert_int_equal(count_of(f, "file.name"), 2);
	assert_string_value(value_of(f, "file.name", 0), "a");
	assert_string_value(value_of(f, "file.name", 1), "b");
	assert_int_value(value_of(f, "caf\xc3\xa9", 0), 1);

	/* A long escaped key that cannot match is still validated. */
	scan_rejected(f, "{\"\\u0041\\u0041\\u0041\\u0041\\u0041\\u0041\\u0041\\q\":1}",
		      "invalid JSON at byte 44: invalid escape in a string "
		      "(JSON allows \\\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX)");
}

/* Many escaped strings make the decode buffer grow while earlier values already point into it. */
static void decoded_buffer_growth(void **state)
{
	struct fixture *f = *state;
	struct buf doc = BUF_INIT;
	char expected[64];

	field_set_add(f->set, "v");
	buf_puts(&doc, "{\"v\":[");
	for (int i = 0; i < 2000; i++)
		buf_printf(&doc, "%s\"item\\t%d\\u00e9\"", i ? "," : "", i);
	buf_puts(&doc, "],\"other\":\"\\n\\n\"}");

	for (int round = 0; round < 2; round++) {
		scan_ok(f, doc.data);
		assert_int_equal(count_of(f, "v"), 2000);
		for (int i = 0; i < 2000; i++) {
			snprintf(expected, sizeof(expected), "item\t%d\xc3\xa9", i);
			assert_string_value(value_of(f, "v", (unsigned)i), expected);
		}
	}
	buf_free(&doc);
}

static void numbers(void **state)
{
	struct fixture *f = *state;

	field_set_add(f->set, "n");
	scan_ok(f, "{\"n\":[0,-0,42,-17,9223372036854775807,-9223372036854775808,"
		"9223372036854775808,-9223372036854775809,1.0,-2.5,1e3,1E-2,6.02e+23,"
		"12345678901234567890123,1e400,0.1]}");
	assert_int_equal(count_of(f, "n"), 16);
	assert_int_value(value_of(f, "n", 0), 0);
	assert_int_value(value_of(f, "n", 1), 0);
	assert_int_value(value_of(f, "n", 2), 42);
	assert_int_value(value_of(f, "n", 3), -17);
	assert_int_value(value_of(f, "n", 4), INT64_MAX);
	assert_int_value(value_of(f, "n", 5), INT64_MIN);

	/* Beyond int64, or with a fraction or exponent: a float. */
	assert_int_equal(value_of(f, "n", 6)->kind, VALUE_FLOAT);
	assert_true(value_of(f, "n", 6)->u.real == 9223372036854775808.0);
	assert_true(value_of(f, "n", 7)->u.real == -9223372036854775808.0);
	assert_int_equal(value_of(f, "n", 8)->kind, VALUE_FLOAT);
	assert_true(value_of(f, "n", 8)->u.real == 1.0);
	assert_true(value_of(f, "n", 9)->u.real == -2.5);
	assert_true(value_of(f, "n", 10)->u.real == 1000.0);
	assert_true(value_of(f, "n", 11)->u.real == 0.01);
	assert_true(value_of(f, "n", 12)->u.real == 6.02e23);
	assert_true(value_of(f, "n", 13)->u.real == 12345678901234567890123.0);
	assert_true(isinf(value_of(f, "n", 14)->u.real));
	assert_true(value_of(f, "n", 15)->u.real == 0.1);
}

/* A long number literal goes through the scanner's own copy buffer. */
static void long_number_literal(void **state)
{
	struct fixture *f = *state;
	struct buf doc = BUF_INIT;

	field_set_add(f->set, "n");
	buf_puts(&doc, "{\"n\":0.");
	for (int i = 0; i < 200; i++)
		buf_putc(&doc, '5');
	buf_puts(&doc, "}");
	scan_ok(f, doc.data);
	assert_true(fabs(value_of(f, "n", 0)->u.real - 5.0 / 9.0) < 1e-15);
	buf_free(&doc);
}

struct bad_case {
	const char *doc;
	const char *reason;
};

static void malformed_documents(void **state)
{
	static const struct bad_case cases[] = {
		{ "", "invalid JSON at byte 0: expected '{' at the start of the document "
		  "(an event is a JSON object), found the end of the document" },
		{ "[1]", "invalid JSON at byte 0: expected '{' at the start of the document "
		  "(an event is a JSON object), found '['" },
		{ "\"s\"", "invalid JSON at byte 0: expected '{' at the start of the document "
		  "(an event is a JSON object), found '\"'" },
		{ "{", "invalid JSON at byte 1: expected a string key or '}', found the end of the document" },
		{ "{\"a\" 1}", "invalid JSON at byte 5: expected ':' after an object key, found '1'" },
		{ "{\"a\":1 \"b\":2}", "invalid JSON at byte 7: expected ',' or '}' after an object member, found '\"'" },
		{ "{\"a\":1,}", "invalid JSON at byte 7: expected a string key after ',' "
		  "(a trailing comma is not allowed)" },
		{ "{\"skip\":{\"a\":1,}}", "invalid JSON at byte 15: expected a string key after ',' "
		  "(a trailing comma is not allowed)" },
		{ "{\"skip\":[1,2,]}", "invalid JSON at byte 13: expected a value after ',' "
		  "(a trailing comma is not allowed)" },
		{ "{\"k\":[1,2,]}", "invalid JSON at byte 10: expected a value after ',' "
		  "(a trailing comma is not allowed)" },
		{ "{\"skip\":[1 2]}", "invalid JSON at byte 11: expected ',' or ']' after an array element, found '2'" },
		{ "{\"k\":[1}", "invalid JSON at byte 7: expected ',' or ']' after an array element, found '}'" },
		{ "{\"skip\":{\"a\":1]}", "invalid JSON at byte 14: expected ',' or '}' after an object member, found ']'" },
		{ "{1:2}", "invalid JSON at byte 1: expected a string key or '}', found '1'" },
		{ "{'a':1}", "invalid JSON at byte 1: expected a string key or '}', found '''" },
		{ "{\"a\":1}x", "invalid JSON at byte 7: expected the end of the document "
		  "after its closing '}', found 'x'" },
		{ "{\"a\":1}\n{}", "invalid JSON at byte 8: expected the end of the document "
		  "after its closing '}', found '{'" },
		{ "{\"a\":\"open}", "invalid JSON at byte 5: unterminated string" },
		{ "{\"a\":\"x\ty\"}", "invalid JSON at byte 7: control character 0x09 in a string (escape it as \\u0009)" },
		{ "{\"k\":\"x\\u12G4\"}", "invalid JSON at byte 7: invalid \\u escape: expected 4 hex digits" },
		{ "{\"k\":\"x\\u12\"}", "invalid JSON at byte 7: invalid \\u escape: expected 4 hex digits" },
		{ "{\"k\":\"\\x41\"}", "invalid JSON at byte 6: invalid escape in a string "
		  "(JSON allows \\\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX)" },
		{ "{\"k\":\"ends with a backslash\\", "invalid JSON at byte 5: unterminated string" },
		{ "{\"k\":01}", "invalid JSON at byte 5: leading zeros are not allowed in a number" },
		{ "{\"k\":-}", "invalid JSON at byte 6: expected a digit in a number" },
		{ "{\"k\":+1}", "invalid JSON at byte 5: expected a value (string, number, object, array, "
		  "true, false or null), found '+'" },
		{ "{\"k\":1.}", "invalid JSON at byte 7: expected a digit after the decimal point" },
		{ "{\"k\":.5}", "invalid JSON at byte 5: expected a value (string, number, object, array, "
		  "true, false or null), found '.'" },
		{ "{\"k\":1e}", "invalid JSON at byte 7: expected a digit in the exponent" },
		{ "{\"k\":1e+}", "invalid JSON at byte 8: expected a digit in the exponent" },
		{ "{\"k\":NaN}", "invalid JSON at byte 5: expected a value (string, number, object, array, "
		  "true, false or null), found 'N'" },
		{ "{\"k\":tru}", "invalid JSON at byte 5: invalid literal (expected true, false or null)" },
		{ "{\"k\":nul", "invalid JSON at byte 5: invalid literal (expected true, false or null)" },
		{ "{\"k\":truex}", "invalid JSON at byte 9: expected ',' or '}' after an object member, found 'x'" },
		{ "{\"k\":}", "invalid JSON at byte 5: expected a value (string, number, object, array, "
		  "true, false or null), found '}'" },
		{ "{\"k\":\x01}", "invalid JSON at byte 5: expected a value (string, number, object, array, "
		  "true, false or null), found byte 0x01" },
		{ "{\"skip\":\"\\u00e9\\q\"}", "invalid JSON at byte 15: invalid escape in a string "
		  "(JSON allows \\\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX)" },
	};
	struct fixture *f = *state;

	field_set_add(f->set, "k");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		scan_rejected(f, cases[i].doc, cases[i].reason);
}

static void whitespace_is_allowed_between_tokens(void **state)
{
	struct fixture *f = *state;

	field_set_add(f->set, "a.b");
	scan_ok(f, " \t\r\n{ \"a\" :\n{\r\n\t\"b\" : [ 1 , 2 ] , \"c\" : { } } , \"d\" : [ ] }\n ");
	assert_int_equal(count_of(f, "a.b"), 2);
	scan_ok(f, "{}");
	assert_int_equal(count_of(f, "a.b"), 0);
}

static void rejected_document_leaves_no_values(void **state)
{
	struct fixture *f = *state;

	field_set_add(f->set, "a");
	scan_ok(f, "{\"a\":1}");
	assert_int_equal(count_of(f, "a"), 1);
	scan_rejected(f, "{\"a\":2,", "invalid JSON at byte 7: expected a string key after ',', "
		      "found the end of the document");
	assert_int_equal(count_of(f, "a"), 0);
}

static void invalid_utf8_is_kept_as_bytes(void **state)
{
	struct fixture *f = *state;

	field_set_add(f->set, "s");
	scan_ok(f, "{\"s\":\"\xff\xfe\xc3\",\"skip\":\"\x80\"}");
	assert_string_value(value_of(f, "s", 0), "\xff\xfe\xc3");
}

/* Once its buffers have grown, a scan of a similar document reallocates none of them. */
static void warm_scan_reuses_buffers(void **state)
{
	struct fixture *f = *state;
	const char *doc = "{\"a\":[\"x\\ty\",\"z\"],\"b\":{\"c\":1.5},\"d\":[[{\"e\":[1]}]]}";
	const struct value *values;
	const struct field_span *spans;
	const char *decoded;

	field_set_add(f->set, "a");
	field_set_add(f->set, "b.c");
	scan_ok(f, doc);
	values = f->ev.values;
	spans = f->ev.spans;
	decoded = f->ev.decoded;
	for (int i = 0; i < 3; i++) {
		scan_ok(f, doc);
		assert_ptr_equal(f->ev.values, values);
		assert_ptr_equal(f->ev.spans, spans);
		assert_ptr_equal(f->ev.decoded, decoded);
	}
	assert_string_value(value_of(f, "a", 0), "x\ty");
}

static void reason_buffer_is_optional(void **state)
{
	struct fixture *f = *state;
	char small[12];

	assert_false(event_fields_scan(f->set, NULL, "{,}", 3, &f->ev, NULL, 0));
	assert_false(event_fields_scan(f->set, NULL, "{,}", 3, &f->ev, small, sizeof(small)));
	assert_string_equal(small, "invalid JSO");
	assert_true(event_fields_scan(f->set, NULL, "{}", 2, &f->ev, NULL, 0));
}

/* Builds {"a":[[[...1...]]]} with `depth` levels in total, the document included. */
static void nested_document(struct buf *doc, const char *key, unsigned depth)
{
	buf_printf(doc, "{\"%s\":", key);
	for (unsigned i = 1; i < depth; i++)
		buf_putc(doc, '[');
	buf_putc(doc, '1');
	for (unsigned i = 1; i < depth; i++)
		buf_putc(doc, ']');
	buf_putc(doc, '}');
}

static void depth_limit(void **state)
{
	struct fixture *f = *state;
	struct buf doc = BUF_INIT;

	field_set_add(f->set, "a");
	f->limits.max_depth = 5;

	/* The limit is inclusive, on requested and skipped paths alike. */
	nested_document(&doc, "a", 5);
	scan_ok(f, doc.data);
	assert_int_value(value_of(f, "a", 0), 1);
	buf_clear(&doc);
	nested_document(&doc, "skip", 5);
	scan_ok(f, doc.data);

	buf_clear(&doc);
	nested_document(&doc, "a", 6);
	scan_rejected(f, doc.data, "document nested deeper than 5 levels at byte 9; "
		      "raise the limit with --max-depth");
	buf_clear(&doc);
	nested_document(&doc, "skip", 6);
	scan_rejected(f, doc.data, "document nested deeper than 5 levels at byte 12; "
		      "raise the limit with --max-depth");

	/* The default limit, far from the stack's: the scanner does not recurse. */
	f->limits.max_depth = 100000;
	buf_clear(&doc);
	nested_document(&doc, "a", 100000);
	scan_ok(f, doc.data);
	buf_clear(&doc);
	nested_document(&doc, "skip", 100000);
	scan_ok(f, doc.data);
	buf_free(&doc);
}

static void values_per_field_limit(void **state)
{
	struct fixture *f = *state;

	field_set_add(f->set, "a");
	field_set_add(f->set, "b.c");
	f->limits.max_values = 3;

	scan_ok(f, "{\"a\":[1,2,3],\"b\":[{\"c\":1},{\"c\":[2,3]}],\"skip\":[1,2,3,4,5]}");
	assert_int_equal(count_of(f, "a"), 3);
	assert_int_equal(count_of(f, "b.c"), 3);
	scan_rejected(f, "{\"a\":[1,2,3],\"a\":\"four\"}",
		      "field 'a' has more than 3 values at byte 17; "
		      "raise the limit with --max-values-per-field");
	scan_rejected(f, "{\"b\":[{\"c\":1},{\"c\":[2,3]}],\"b.c\":null}",
		      "field 'b.c' has more than 3 values at byte 33; "
		      "raise the limit with --max-values-per-field");
}

static void empty_field_set_still_validates(void **state)
{
	struct fixture *f = *state;

	scan_ok(f, "{\"a\":{\"b\":[1,2,{\"c\":\"\\u00e9\"}]}}");
	assert_int_equal(f->ev.nvalues, 0);
	scan_rejected(f, "{\"a\":{\"b\":[1,2,{\"c\":\"\\u00e9\"}]}", "invalid JSON at byte 31: "
		      "expected ',' or '}' after an object member, found the end of the document");
}

/* ---- Elastic sample documents ---- */

static char *read_file(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *data;
	long size;

	*len = 0;
	if (fp == NULL)
		return NULL;
	fseek(fp, 0, SEEK_END);
	size = ftell(fp);
	rewind(fp);
	data = malloc((size_t)size + 1);
	*len = fread(data, 1, (size_t)size, fp);
	data[*len] = '\0';
	fclose(fp);
	return data;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

struct sample_stats {
	unsigned documents;
	unsigned with_file_path;
	unsigned with_registry_path;
};

/* Checks what every ECS event has: a valid @timestamp and at least one event.category. */
static void check_sample(struct fixture *f, const char *path, const char *doc, size_t len,
			 struct sample_stats *stats)
{
	int64_t ms;

	if (!event_fields_scan(f->set, &f->limits, doc, len, &f->ev, f->why, sizeof(f->why)))
		fail_msg("%s: %s", path, f->why);
	stats->documents++;
	assert_int_equal(count_of(f, "@timestamp"), 1);
	if (!timestamp_parse(value_of(f, "@timestamp", 0), &ms))
		fail_msg("%s: @timestamp does not parse", path);
	assert_true(ms > INT64_C(1577836800000)); /* after 2020-01-01 */
	assert_true(count_of(f, "event.category") >= 1);
	assert_int_equal(value_of(f, "event.category", 0)->kind, VALUE_STRING);
	stats->with_file_path += count_of(f, "file.path") > 0;
	stats->with_registry_path += count_of(f, "registry.path") > 0;
}

static void check_known_values(struct fixture *f, const char *name)
{
	if (strcmp(name, "file__sample_event.json") == 0) {
		assert_string_value(value_of(f, "file.path", 0),
				    "C:\\ProgramData\\winlogbeat\\.winlogbeat.yml.new");
		assert_string_value(value_of(f, "host.name", 0), "response-win-1");
		assert_int_value(value_of(f, "process.pid", 0), 4512);
		assert_string_value(value_of(f, "event.action", 0), "creation");
	} else if (strcmp(name, "registry__sample_event.json") == 0) {
		assert_string_value(value_of(f, "registry.path", 0),
				    "HKLM\\SYSTEM\\ControlSet001\\Control\\Lsa\\FipsAlgorithmPolicy\\Enabled");
	} else if (strcmp(name, "fim_event_sample_event.json") == 0) {
		assert_string_value(value_of(f, "file.path", 0), "/tmp/service_logs/hello");
		assert_string_value(value_of(f, "event.action", 0), "created");
	}
}

static void scan_sample_file(struct fixture *f, const char *path, const char *name,
			     struct sample_stats *stats)
{
	size_t len;
	char *data = read_file(path, &len);
	char *line = data;

	assert_non_null(data);
	if (!ends_with(name, ".ndjson")) {
		check_sample(f, path, data, len, stats);
		check_known_values(f, name);
		free(data);
		return;
	}

	/* One document per line. */
	while (*line != '\0') {
		char *nl = strchr(line, '\n');
		size_t n = nl != NULL ? (size_t)(nl - line) : strlen(line);

		if (n > 0) {
			check_sample(f, path, line, n, stats);
			if (strcmp(name, "fim_etw_backend_expected_extract.ndjson") == 0)
				assert_string_value(value_of(f, "file.path", 0),
						    "C:\\Temp\\fim-etw-integration-samples\\001\\mainfile.txt");
		}
		line += n + (nl != NULL);
	}
	free(data);
}

/* Scans every .json and .ndjson file in `dir` and in its subfolders, to a depth of `levels`. */
static void scan_sample_dir(struct fixture *f, const char *dir, int levels, struct sample_stats *stats)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[4096];
	struct stat st;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (stat(path, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode) && levels > 0)
			scan_sample_dir(f, path, levels - 1, stats);
		else if (S_ISREG(st.st_mode) && (ends_with(e->d_name, ".json") || ends_with(e->d_name, ".ndjson")))
			scan_sample_file(f, path, e->d_name, stats);
	}
	closedir(d);
}

static void elastic_sample_documents(void **state)
{
	static const char *const paths[] = {
		"@timestamp", "event.category", "event.action", "host.name",
		"file.path", "registry.path", "process.pid",
	};
	struct fixture *f = *state;
	struct sample_stats stats = { 0 };
	const char *data = getenv("SITEWATCH_DATA");
	char dir[4096];
	struct stat st;

	snprintf(dir, sizeof(dir), "%s/ecs-samples", data != NULL ? data : "");
	if (data == NULL || stat(dir, &st) != 0) {
		print_message("skipped: %s not found (set SITEWATCH_DATA to the reference data folder)\n", dir);
		skip();
	}
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		field_set_add(f->set, paths[i]);

	scan_sample_dir(f, dir, 2, &stats);
	assert_true(stats.documents >= 10);
	assert_true(stats.with_file_path >= 5);
	assert_true(stats.with_registry_path >= 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(field_set_slots, setup, teardown),
		cmocka_unit_test_setup_teardown(field_set_many_paths, setup, teardown),
		cmocka_unit_test_setup_teardown(nested_dotted_and_mixed, setup, teardown),
		cmocka_unit_test_setup_teardown(near_misses_do_not_match, setup, teardown),
		cmocka_unit_test_setup_teardown(arrays_are_multi_valued, setup, teardown),
		cmocka_unit_test_setup_teardown(objects_and_nulls, setup, teardown),
		cmocka_unit_test_setup_teardown(strings_are_views_unless_escaped, setup, teardown),
		cmocka_unit_test_setup_teardown(string_escapes, setup, teardown),
		cmocka_unit_test_setup_teardown(escapes_in_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(decoded_buffer_growth, setup, teardown),
		cmocka_unit_test_setup_teardown(numbers, setup, teardown),
		cmocka_unit_test_setup_teardown(long_number_literal, setup, teardown),
		cmocka_unit_test_setup_teardown(malformed_documents, setup, teardown),
		cmocka_unit_test_setup_teardown(whitespace_is_allowed_between_tokens, setup, teardown),
		cmocka_unit_test_setup_teardown(rejected_document_leaves_no_values, setup, teardown),
		cmocka_unit_test_setup_teardown(invalid_utf8_is_kept_as_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(warm_scan_reuses_buffers, setup, teardown),
		cmocka_unit_test_setup_teardown(reason_buffer_is_optional, setup, teardown),
		cmocka_unit_test_setup_teardown(depth_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(values_per_field_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(empty_field_set_still_validates, setup, teardown),
		cmocka_unit_test_setup_teardown(elastic_sample_documents, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
