/*
 * Tests for the JSON DOM in src/util/json.c: values, positions, raw spans,
 * sequences (NDJSON), and every class of syntax error with its line and
 * column.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/json.h"

static const struct json_node *parse_ok(struct json_doc *doc, const char *text)
{
	struct json_error err;
	bool ok = json_parse(doc, text, strlen(text), NULL, &err);

	if (!ok)
		fail_msg("parse of %s failed at %zu:%zu: %s", text, err.line, err.column, err.message);
	return doc->root;
}

static void object_keeps_member_order(void **state)
{
	struct json_doc doc;
	const struct json_node *root = parse_ok(&doc, "{\"b\": 1, \"a\": 2, \"c\": 3}");
	const struct json_node *m;

	(void)state;
	assert_int_equal(root->type, JSON_OBJECT);
	assert_int_equal(root->u.children.count, 3);
	m = root->u.children.first;
	assert_string_equal(m->key, "b");
	m = m->next;
	assert_string_equal(m->key, "a");
	m = m->next;
	assert_string_equal(m->key, "c");
	assert_null(m->next);
	json_doc_free(&doc);
}

static void get_returns_last_duplicate(void **state)
{
	struct json_doc doc;
	const struct json_node *root = parse_ok(&doc, "{\"k\": 1, \"k\": 2}");
	const struct json_node *k = json_get(root, "k");

	(void)state;
	assert_non_null(k);
	assert_int_equal(k->u.number.integer, 2);
	assert_null(json_get(root, "missing"));
	assert_null(json_get(k, "k"));
	json_doc_free(&doc);
}

static void strings_are_decoded(void **state)
{
	struct json_doc doc;
	const struct json_node *root = parse_ok(&doc,
		"[\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\", \"\\u00e9\\u20ac\", \"\\ud83d\\ude00\","
		" \"caf\xc3\xa9\", \"x\\u0000y\", \"\"]");
	const struct json_node *s = root->u.children.first;

	(void)state;
	assert_int_equal(root->u.children.count, 6);
	assert_string_equal(s->u.string.ptr, "a\"b\\c/d\b\f\n\r\t");
	s = s->next;
	assert_string_equal(s->u.string.ptr, "\xc3\xa9\xe2\x82\xac");
	s = s->next;
	assert_string_equal(s->u.string.ptr, "\xf0\x9f\x98\x80");
	s = s->next;
	assert_string_equal(s->u.string.ptr, "caf\xc3\xa9");
	s = s->next;
	assert_int_equal(s->u.string.len, 3);
	assert_memory_equal(s->u.string.ptr, "x\0y", 3);
	s = s->next;
	assert_int_equal(s->u.string.len, 0);
	assert_string_equal(s->u.string.ptr, "");
	json_doc_free(&doc);
}

static void numbers_keep_text_and_value(void **state)
{
	struct json_doc doc;
	const struct json_node *root = parse_ok(&doc,
		"[0, -12, 73, 1.50, 2e3, -9223372036854775808, 9223372036854775808, -0]");
	const struct json_node *n = root->u.children.first;

	(void)state;
	assert_true(n->u.number.is_integer);
	assert_int_equal(n->u.number.integer, 0);
	n = n->next;
	assert_int_equal(n->u.number.integer, -12);
	n = n->next;
	assert_string_equal(n->u.number.text, "73");
	assert_int_equal(n->u.number.integer, 73);
	n = n->next;
	assert_false(n->u.number.is_integer);
	assert_string_equal(n->u.number.text, "1.50");
	assert_true(n->u.number.real == 1.5);
	n = n->next;
	assert_false(n->u.number.is_integer);
	assert_true(n->u.number.real == 2000.0);
	n = n->next;
	assert_true(n->u.number.is_integer);
	assert_true(n->u.number.integer == INT64_MIN);
	n = n->next;
	assert_false(n->u.number.is_integer);
	assert_true(n->u.number.real == 9223372036854775808.0);
	n = n->next;
	assert_true(n->u.number.is_integer);
	assert_int_equal(n->u.number.integer, 0);
	json_doc_free(&doc);
}

static void literals_parse(void **state)
{
	struct json_doc doc;
	const struct json_node *root = parse_ok(&doc, "[true,false,null]");
	const struct json_node *n = root->u.children.first;

	(void)state;
	assert_int_equal(n->type, JSON_BOOL);
	assert_true(n->u.boolean);
	assert_int_equal(n->next->type, JSON_BOOL);
	assert_false(n->next->u.boolean);
	assert_int_equal(n->next->next->type, JSON_NULL);
	json_doc_free(&doc);
}

static void nodes_record_position_and_span(void **state)
{
	const char *text = "{\n  \"name\": \"x\",\n  \"threat\": [ {\"id\": 1} ]\n}\n";
	struct json_doc doc;
	const struct json_node *root = parse_ok(&doc, text);
	const struct json_node *threat = json_get(root, "threat");
	const struct json_node *name = json_get(root, "name");

	(void)state;
	assert_int_equal(root->line, 1);
	assert_int_equal(root->column, 1);
	assert_int_equal(root->length, strlen(text) - 1);
	assert_int_equal(name->line, 2);
	assert_int_equal(name->column, 11);
	assert_int_equal(threat->line, 3);
	assert_int_equal(threat->column, 13);
	assert_int_equal(threat->length, strlen("[ {\"id\": 1} ]"));
	assert_memory_equal(json_raw(&doc, threat), "[ {\"id\": 1} ]", threat->length);
	json_doc_free(&doc);
}

static void source_may_be_freed_after_parse(void **state)
{
	char *text = strdup("{\"a\": [1, 2]}");
	struct json_doc doc;
	struct json_error err;
	const struct json_node *a;

	(void)state;
	assert_true(json_parse(&doc, text, strlen(text), NULL, &err));
	free(text);
	a = json_get(doc.root, "a");
	assert_memory_equal(json_raw(&doc, a), "[1, 2]", a->length);
	json_doc_free(&doc);
}

static void compact_removes_outer_whitespace(void **state)
{
	const char *text = "[ {\n \"a b\" : \"x \\\" y\\\\\" ,\t\"n\": -1.5e3 } ]";
	struct buf out = BUF_INIT;

	(void)state;
	json_write_compact(&out, text, strlen(text));
	assert_string_equal(out.data, "[{\"a b\":\"x \\\" y\\\\\",\"n\":-1.5e3}]");
	buf_free(&out);
}

static void sequence_reads_ndjson(void **state)
{
	const char *text = "{\"a\":1}\n\n{\"b\":2}\r\n  [3]\n";
	struct json_limits limits = { .sequence = true };
	struct json_doc doc;
	struct json_error err;
	const struct json_node *v;

	(void)state;
	assert_true(json_parse(&doc, text, strlen(text), &limits, &err));
	assert_int_equal(doc.root->type, JSON_ARRAY);
	assert_int_equal(doc.root->u.children.count, 3);
	v = doc.root->u.children.first;
	assert_int_equal(v->line, 1);
	assert_non_null(json_get(v, "a"));
	v = v->next;
	assert_int_equal(v->line, 3);
	assert_non_null(json_get(v, "b"));
	v = v->next;
	assert_int_equal(v->line, 4);
	assert_int_equal(v->column, 3);
	json_doc_free(&doc);
}

static void sequence_accepts_empty_input(void **state)
{
	struct json_limits limits = { .sequence = true };
	struct json_doc doc;
	struct json_error err;

	(void)state;
	assert_true(json_parse(&doc, " \n", 2, &limits, &err));
	assert_int_equal(doc.root->u.children.count, 0);
	json_doc_free(&doc);
}

static void byte_order_mark_is_skipped(void **state)
{
	struct json_doc doc;
	const struct json_node *root = parse_ok(&doc, "\xef\xbb\xbf{\"a\": true}");

	(void)state;
	assert_int_equal(root->type, JSON_OBJECT);
	assert_int_equal(root->column, 1);
	json_doc_free(&doc);
}

struct error_case {
	const char *text;
	size_t line;
	size_t column;
	const char *message; /* a substring of the expected message */
};

static void errors_name_line_and_column(void **state)
{
	static const struct error_case cases[] = {
		{ "", 1, 1, "expected a JSON value, found end of input" },
		{ "{\"a\": 1,}", 1, 9, "expected a member name in double quotes, found '}'" },
		{ "[1, 2,]", 1, 7, "expected a JSON value, found ']'" },
		{ "{\"a\" 1}", 1, 6, "expected ':' after the member name, found '1'" },
		{ "{\"a\": 1\n \"b\": 2}", 2, 2, "expected ',' or '}' after an object member, found '\"'" },
		{ "[1 2]", 1, 4, "expected ',' or ']' after an array element, found '2'" },
		{ "\n\n  \"abc", 3, 3, "unterminated string" },
		{ "\"a\\x\"", 1, 3, "invalid escape '\\' followed by 'x'" },
		{ "\"\\u12g4\"", 1, 2, "invalid \\u escape: expected four hex digits" },
		{ "\"\\ud800x\"", 1, 2, "high surrogate U+D800 is not followed by a low surrogate" },
		{ "\"\\udc00\"", 1, 2, "unpaired low surrogate U+DC00" },
		{ "\"a\tb\"", 1, 3, "invalid control character 0x09" },
		{ "\"a\xff\"", 1, 3, "invalid UTF-8 byte 0xff" },
		{ "\"\xc0\xaf\"", 1, 2, "invalid UTF-8 byte 0xc0" },
		{ "\"\xed\xa0\x80\"", 1, 2, "invalid UTF-8 byte 0xed" },
		{ "01", 1, 2, "end of input after the JSON value" },
		{ "-", 1, 2, "expected a digit after '-'" },
		{ "1.", 1, 3, "expected a digit after the decimal point" },
		{ "1e+", 1, 4, "expected a digit in the exponent" },
		{ "tru", 1, 1, "expected a JSON value, found 't'" },
		{ "NaN", 1, 1, "expected a JSON value, found 'N'" },
		{ "{} x", 1, 4, "end of input after the JSON value" },
		{ "[\x01]", 1, 2, "found byte 0x01" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct json_doc doc;
		struct json_error err;
		bool ok = json_parse(&doc, cases[i].text, strlen(cases[i].text), NULL, &err);

		if (ok)
			fail_msg("case %zu: %s parsed, expected an error", i, cases[i].text);
		if (strstr(err.message, cases[i].message) == NULL)
			fail_msg("case %zu: message \"%s\" lacks \"%s\"", i, err.message, cases[i].message);
		assert_int_equal(err.line, cases[i].line);
		assert_int_equal(err.column, cases[i].column);
		json_doc_free(&doc);
	}
}

static void depth_cap_is_reported(void **state)
{
	struct json_limits limits = { .max_depth = 4 };
	struct json_doc doc;
	struct json_error err;

	(void)state;
	assert_true(json_parse(&doc, "[[[[1]]]]", 9, &limits, &err));
	json_doc_free(&doc);
	assert_false(json_parse(&doc, "[[[[[1]]]]]", 11, &limits, &err));
	assert_string_equal(err.message, "arrays and objects nested deeper than 4 levels");
	assert_int_equal(err.column, 5);
	json_doc_free(&doc);
}

static void default_depth_stops_deep_input(void **state)
{
	size_t n = 100000;
	char *text = malloc(2 * n);
	struct json_doc doc;
	struct json_error err;

	(void)state;
	memset(text, '[', n);
	memset(text + n, ']', n);
	assert_false(json_parse(&doc, text, 2 * n, NULL, &err));
	assert_string_equal(err.message, "arrays and objects nested deeper than 64 levels");
	json_doc_free(&doc);
	free(text);
}

static void sequence_error_has_file_line(void **state)
{
	const char *text = "{\"a\":1}\n{\"b\":}\n";
	struct json_limits limits = { .sequence = true };
	struct json_doc doc;
	struct json_error err;

	(void)state;
	assert_false(json_parse(&doc, text, strlen(text), &limits, &err));
	assert_int_equal(err.line, 2);
	assert_int_equal(err.column, 6);
	assert_int_equal(err.offset, 13);
	json_doc_free(&doc);
}

static void type_names(void **state)
{
	(void)state;
	assert_string_equal(json_type_name(JSON_NULL), "null");
	assert_string_equal(json_type_name(JSON_BOOL), "boolean");
	assert_string_equal(json_type_name(JSON_NUMBER), "number");
	assert_string_equal(json_type_name(JSON_STRING), "string");
	assert_string_equal(json_type_name(JSON_ARRAY), "array");
	assert_string_equal(json_type_name(JSON_OBJECT), "object");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(object_keeps_member_order),
		cmocka_unit_test(get_returns_last_duplicate),
		cmocka_unit_test(strings_are_decoded),
		cmocka_unit_test(numbers_keep_text_and_value),
		cmocka_unit_test(literals_parse),
		cmocka_unit_test(nodes_record_position_and_span),
		cmocka_unit_test(source_may_be_freed_after_parse),
		cmocka_unit_test(compact_removes_outer_whitespace),
		cmocka_unit_test(sequence_reads_ndjson),
		cmocka_unit_test(sequence_accepts_empty_input),
		cmocka_unit_test(byte_order_mark_is_skipped),
		cmocka_unit_test(errors_name_line_and_column),
		cmocka_unit_test(depth_cap_is_reported),
		cmocka_unit_test(default_depth_stops_deep_input),
		cmocka_unit_test(sequence_error_has_file_line),
		cmocka_unit_test(type_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
