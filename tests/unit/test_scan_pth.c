/*
 * The .pth line reader and the per-version rules, table-driven for every
 * version from 3.8 to 3.15 (and 2.7): which names are read, how a file is
 * split into lines, which lines run.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "scan/scan_pth.h"
#include "scan/scan_version.h"

static struct scan_pth_rules rules_of(const char *version)
{
	struct scan_pyver v;
	struct scan_pth_rules r;

	assert_true(scan_pyver_parse(version, strlen(version), &v));
	scan_rules_for_version(&v, &r);
	return r;
}

struct version_case {
	const char *version;
	bool skip_hidden;
	bool splitlines;
	bool strip_lines;
};

/* The hidden-name fix landed in 3.8.19, 3.9.19, 3.10.14, 3.11.8, 3.12.2 and 3.13.0. */
static const struct version_case version_cases[] = {
	{ "2.7.18", false, false, false },
	{ "3.8.18", false, false, false }, { "3.8.19", true, false, false },
	{ "3.9.18", false, false, false }, { "3.9.19", true, false, false },
	{ "3.10.13", false, false, false }, { "3.10.14", true, false, false },
	{ "3.11.2", false, false, false }, { "3.11.7", false, false, false },
	{ "3.11.8", true, false, false },
	{ "3.12.1", false, false, false }, { "3.12.2", true, false, false },
	{ "3.12.4", true, false, false },
	{ "3.13.0", true, true, false }, { "3.14.0", true, true, false },
	{ "3.15.0", true, true, true },
};

static void rules_per_version(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(version_cases) / sizeof(version_cases[0]); i++) {
		const struct version_case *c = &version_cases[i];
		struct scan_pth_rules r = rules_of(c->version);

		print_message("%s\n", c->version);
		assert_int_equal(r.skip_hidden, c->skip_hidden);
		assert_int_equal(r.split == SCAN_SPLIT_SPLITLINES, c->splitlines);
		assert_int_equal(r.strip_bom, c->splitlines);
		assert_int_equal(r.decode_whole, c->splitlines);
		assert_int_equal(r.strip_lines, c->strip_lines);
		assert_int_equal(r.continue_on_error, c->strip_lines);
		assert_int_equal(r.python2, c->version[0] == '2');
	}
}

static void unknown_micro_is_uncertain(void **state)
{
	struct scan_pth_rules r = rules_of("3.11");

	(void)state;
	assert_true(r.hidden_uncertain);
	assert_false(rules_of("3.13").hidden_uncertain);
}

static void site_py_overrides(void **state)
{
	static const char new_site[] =
		"def addpackage(sitedir, name, known_paths):\n"
		"    pth_content = pth_content.decode(\"utf-8-sig\")\n"
		"    for n, line in enumerate(pth_content.splitlines(), 1):\n"
		"def addsitedir():\n"
		"    names = [name for name in names if name.endswith(\".pth\") and not name.startswith(\".\")]\n";
	static const char old_site[] = "def addpackage(sitedir, name, known_paths):\n    exec(line)\n";
	struct scan_pth_rules r = rules_of("3.11.2");

	(void)state;
	scan_rules_from_site_py(new_site, strlen(new_site), &r);
	assert_true(r.skip_hidden);
	assert_int_equal(r.split, SCAN_SPLIT_SPLITLINES);
	assert_true(r.from_site_py);

	r = rules_of("3.12.4");
	scan_rules_from_site_py(old_site, strlen(old_site), &r);
	assert_false(r.skip_hidden);
	assert_int_equal(r.split, SCAN_SPLIT_UNIVERSAL);
}

struct line_case {
	const char *version;
	const char *data;
	size_t len;
	const char *kinds; /* one letter a logical line: b blank, c comment, i import, d dormant, p path */
};

#define CASE(v, s, k) { v, s, sizeof(s) - 1, k }

static const struct line_case line_cases[] = {
	CASE("3.12.1", "import os\n", "i"),
	CASE("3.12.1", "import\tos\n", "i"),
	CASE("3.12.1", " import os\n", "d"),
	CASE("3.15.0", " import os\n", "i"),
	CASE("3.12.1", "importx os\nImport os\nfrom os import path\n", "ppp"),
	CASE("3.12.1", "# c\n\n   \nx\n", "cbbp"),
	CASE("3.12.1", "# c\x0cimport os\n", "c"),
	CASE("3.13.0", "# c\x0cimport os\n", "ci"),
	CASE("3.13.0", "#\x0bimport a\n#\x1cimport b\n#\x1dimport c\n#\x1eimport d\n", "cicicici"),
	CASE("3.13.0", "#\xc2\x85import a\n#\xe2\x80\xa8import b\n#\xe2\x80\xa9import c\n", "cicici"),
	CASE("3.12.1", "#\xc2\x85import a\n", "c"),
	CASE("3.12.1", "# c\rimport os\n", "ci"),
	CASE("2.7.18", "# c\rimport os\r\nx\n", "cip"),
	CASE("3.12.1", "\xef\xbb\xbfimport os\n", "p"),
	CASE("3.13.0", "\xef\xbb\xbfimport os\n", "i"),
	CASE("3.12.1", "import os", "i"),
	CASE("3.12.1", "\x0c\n", "b"),
	CASE("3.12.1", "\xc2\xa0\n", "b"),
};

static void classify_lines(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(line_cases) / sizeof(line_cases[0]); i++) {
		const struct line_case *c = &line_cases[i];
		struct scan_pth_rules r = rules_of(c->version);
		struct scan_pth_text t;
		char got[32] = { 0 };

		scan_pth_read(c->data, c->len, &r, 100, &t);
		for (size_t k = 0; k < t.n && k < sizeof(got) - 1; k++)
			got[k] = "bcidp"[t.lines[k].kind];
		print_message("case %zu (%s): %s\n", i, c->version, got);
		assert_string_equal(got, c->kinds);
		scan_pth_free(&t);
	}
}

static void positions_count_newlines(void **state)
{
	static const char data[] = "# a\x0cimport x\nimport y\n";
	struct scan_pth_rules r = rules_of("3.13.0");
	struct scan_pth_text t;

	(void)state;
	scan_pth_read(data, sizeof(data) - 1, &r, 100, &t);
	assert_int_equal(t.n, 3);
	assert_int_equal(t.lines[1].line, 1);   /* after a form feed: still line 1 */
	assert_int_equal(t.lines[1].offset, 4);
	assert_int_equal(t.lines[1].number, 2); /* CPython's own count */
	assert_int_equal(t.lines[2].line, 2);
	assert_int_equal(t.lines[2].offset, 13);
	scan_pth_free(&t);
}

/* Past the line cap, the offset of the first line not listed, so that its import lines can be searched. */
static void line_cap(void **state)
{
	static const char data[] = "#\n#\n#\nimport os\n";
	struct scan_pth_rules r = rules_of("3.11.7");
	struct scan_pth_text t;

	(void)state;
	scan_pth_read(data, sizeof(data) - 1, &r, 3, &t);
	assert_true(t.truncated);
	assert_int_equal(t.n, 3);
	assert_int_equal(t.rest_offset, 6);
	scan_pth_free(&t);
	scan_pth_read(data, sizeof(data) - 1, &r, 4, &t);
	assert_false(t.truncated);
	scan_pth_free(&t);
}

static void decode_errors(void **state)
{
	static const char data[] = "import a\n\xff\n";
	struct scan_pth_rules old = rules_of("3.12.1"), new = rules_of("3.13.0"), py2 = rules_of("2.7.18");
	struct scan_pth_text t;

	(void)state;
	scan_pth_read(data, sizeof(data) - 1, &old, 100, &t);
	assert_true(t.decode_error);
	assert_int_equal(t.error_offset, 9);
	assert_int_equal(t.lines_before_error, 0); /* the same 8192-byte chunk */
	scan_pth_free(&t);

	scan_pth_read(data, sizeof(data) - 1, &new, 100, &t);
	assert_true(t.decode_error);
	assert_int_equal(t.lines_before_error, 0);
	scan_pth_free(&t);

	scan_pth_read(data, sizeof(data) - 1, &py2, 100, &t);
	assert_false(t.decode_error);
	scan_pth_free(&t);
}

static void chunked_decode(void **state)
{
	char data[9000];
	struct scan_pth_rules r = rules_of("3.11.7");
	struct scan_pth_text t;

	(void)state;
	memset(data, '#', sizeof(data));
	memcpy(data, "import a\n", 9);
	data[100] = '\n';
	data[8999] = '\xff';
	scan_pth_read(data, sizeof(data), &r, 100, &t);
	assert_int_equal(t.lines_before_error, 2); /* both end before byte 8192 */
	scan_pth_free(&t);
}

static void utf8_validation(void **state)
{
	(void)state;
	assert_int_equal(scan_utf8_invalid_at("abc", 3), 3);
	assert_int_equal(scan_utf8_invalid_at("a\xc3\xa9", 3), 3);
	assert_int_equal(scan_utf8_invalid_at("a\xc0\x80", 3), 1);     /* overlong */
	assert_int_equal(scan_utf8_invalid_at("\xed\xa0\x80", 3), 0);  /* surrogate */
	assert_int_equal(scan_utf8_invalid_at("\xf4\x90\x80\x80", 4), 0);
	assert_int_equal(scan_utf8_invalid_at("ab\xe2\x82", 4), 2);    /* truncated */
}

static bool collect(const char *name, size_t len, void *arg)
{
	char *out = arg;

	strncat(out, name, len);
	strcat(out, ",");
	return true;
}

static void imports_and_effects(void **state)
{
	static const char line[] = "import a.b as c, d; import e;x = 1; import f";
	char names[64] = "";

	(void)state;
	assert_true(scan_pth_each_import(line, strlen(line), collect, names));
	assert_string_equal(names, "a,d,e,");
	assert_int_equal(scan_pth_effect("import sys; sys.exit(3)", 23), SCAN_EFFECT_EXITS);
	assert_int_equal(scan_pth_effect("import os; os._exit(0)", 22), SCAN_EFFECT_EXITS);
	assert_int_equal(scan_pth_effect("import x; raise ValueError", 26), SCAN_EFFECT_RAISES);
	assert_int_equal(scan_pth_effect("import os; exit()", 17), SCAN_EFFECT_EXITS);
	assert_int_equal(scan_pth_effect("import os; myexit()", 19), SCAN_EFFECT_NONE);
	assert_int_equal(scan_pth_effect("import os; s='raise'", 20), SCAN_EFFECT_NONE);
}

static void version_parsing(void **state)
{
	struct scan_pyver v;
	char text[24];

	(void)state;
	assert_true(scan_pyver_parse("3.11.7.final.0", 14, &v));
	assert_int_equal(v.micro, 7);
	assert_true(scan_pyver_parse("3.13.0rc1", 9, &v));
	assert_int_equal(v.micro, 0);
	assert_true(scan_pyver_parse("3.12", 4, &v));
	scan_pyver_format(&v, text);
	assert_string_equal(text, "3.12");
	assert_false(scan_pyver_parse("python", 6, &v));
	assert_int_equal(scan_pyc_magic(&(struct scan_pyver){ 3, 11, 7 }), 3495);
	assert_int_equal(scan_pyc_magic(&(struct scan_pyver){ 2, 7, 18 }), 62211);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rules_per_version),
		cmocka_unit_test(unknown_micro_is_uncertain),
		cmocka_unit_test(site_py_overrides),
		cmocka_unit_test(classify_lines),
		cmocka_unit_test(positions_count_newlines),
		cmocka_unit_test(line_cap),
		cmocka_unit_test(decode_errors),
		cmocka_unit_test(chunked_decode),
		cmocka_unit_test(utf8_validation),
		cmocka_unit_test(imports_and_effects),
		cmocka_unit_test(version_parsing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
