/*
 * Unit tests of EQL wildcard patterns (src/engine/wildcard.c), Unicode case
 * folding and UTF-16 positions (src/engine/text.c), and the sorted literal
 * sets used by `in` (src/engine/litset.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine/litset.h"
#include "engine/text.h"
#include "engine/wildcard.h"
#include "util/arena.h"

static struct arena scratch;

static int setup(void **state)
{
	(void)state;
	arena_init(&scratch, 4096);
	text_fold_init();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	arena_free(&scratch);
	return 0;
}

/* Compiles `pat` and matches it against `s`. */
static bool wmatch(const char *pat, bool insensitive, const char *s)
{
	struct wc_pattern *p = wc_compile(pat, strlen(pat), insensitive);
	bool r = wc_match(p, s, strlen(s), &scratch);

	wc_free(p);
	arena_reset(&scratch);
	return r;
}

static void wildcard_exact_pattern_is_whole_value(void **state)
{
	(void)state;
	assert_true(wmatch("cmd.exe", false, "cmd.exe"));
	assert_false(wmatch("cmd.exe", false, "cmd.exe "));
	assert_false(wmatch("cmd.exe", false, "xcmd.exe"));
	assert_false(wmatch("cmd.exe", false, "CMD.EXE"));
	assert_true(wmatch("", false, ""));
	assert_false(wmatch("", false, "a"));
}

static void wildcard_star_shapes(void **state)
{
	(void)state;
	assert_true(wmatch("*.exe", false, "cmd.exe"));
	assert_true(wmatch("*.exe", false, ".exe"));
	assert_false(wmatch("*.exe", false, "cmd.exe.txt"));
	assert_true(wmatch("cmd*", false, "cmd"));
	assert_true(wmatch("cmd*", false, "cmd.exe"));
	assert_false(wmatch("cmd*", false, "xcmd"));
	assert_true(wmatch("*site-packages*", false, "/usr/lib/python3/site-packages/x.pth"));
	assert_false(wmatch("*site-packages*", false, "/usr/lib/python3/dist-packages/x.pth"));
	assert_true(wmatch("*", false, ""));
	assert_true(wmatch("**", false, "anything"));
}

static void wildcard_general_patterns(void **state)
{
	(void)state;
	assert_true(wmatch("a*b*c", false, "abc"));
	assert_true(wmatch("a*b*c", false, "axxbyyc"));
	assert_false(wmatch("a*b*c", false, "axxbyy"));
	assert_true(wmatch("*a*b", false, "bab"));
	assert_false(wmatch("a*a", false, "a"));
	assert_true(wmatch("a*a", false, "aa"));
	assert_true(wmatch("*\\red_ttp\\wininit.*", false, "C:\\red_ttp\\wininit.exe"));
	assert_true(wmatch("*\\MACHINE\\SAM\\SAM\\*\\Account\\Us*ers\\00*03E9\\F", false,
			   "HKLM\\MACHINE\\SAM\\SAM\\Domains\\Account\\Users\\000003E9\\F"));
}

static void wildcard_question_mark_is_one_code_point(void **state)
{
	(void)state;
	assert_true(wmatch("doc?", false, "docs"));
	assert_false(wmatch("doc?", false, "doc"));
	assert_false(wmatch("doc?", false, "document"));
	assert_true(wmatch("d?c", false, "d\xC3\xA4" "c"));          /* "däc": ä is 2 bytes */
	assert_true(wmatch("?", false, "\xF0\x9F\x98\x80"));          /* one emoji, 4 bytes */
	assert_false(wmatch("??", false, "\xF0\x9F\x98\x80"));
	assert_true(wmatch("*?c", false, "\xE2\x82\xAC" "c"));        /* "€c" */
	assert_true(wmatch("a*?", false, "a\xE2\x82\xAC"));
	assert_false(wmatch("a*??", false, "a\xE2\x82\xAC"));
}

static void wildcard_percent_underscore_backslash_are_literal(void **state)
{
	(void)state;
	assert_true(wmatch("%*%*", false, "%SystemRoot%\\system32"));
	assert_false(wmatch("%*", false, "SystemRoot"));
	assert_true(wmatch("a_b", false, "a_b"));
	assert_false(wmatch("a_b", false, "axb"));
	assert_true(wmatch("a\\*", false, "a\\anything"));
	assert_false(wmatch("a\\*", false, "a*"));
}

static void wildcard_case_insensitive_ascii(void **state)
{
	(void)state;
	assert_true(wmatch("*.PTH", true, "evil.pth"));
	assert_true(wmatch("*.pth", true, "EVIL.PTH"));
	assert_true(wmatch("SiteCustomize.py", true, "sitecustomize.PY"));
	assert_false(wmatch("*.pth", false, "EVIL.PTH"));
}

static void wildcard_case_insensitive_non_ascii(void **state)
{
	(void)state;
	assert_true(wmatch("\xC3\x84" "BC", true, "\xC3\xA4" "bc"));   /* ÄBC vs äbc */
	assert_true(wmatch("\xC3\xA4" "bc", true, "\xC3\x84" "BC"));
	assert_false(wmatch("\xC3\x84" "BC", false, "\xC3\xA4" "bc"));
	assert_true(wmatch("*\xD0\x9F\xD0\xA0\xD0\x98*", true, "x\xD0\xBF\xD1\x80\xD0\xB8y")); /* ПРИ/при */
	assert_true(wmatch("\xCE\xBF\xCE\xB4\xCE\xBF\xCF\x82", true,
			   "\xCE\x9F\xCE\x94\xCE\x9F\xCE\xA3"));                /* οδος vs ΟΔΟΣ */
	assert_true(wmatch("?BC", true, "\xC3\xA4" "bc"));
	assert_true(wmatch("k", true, "\xE2\x84\xAA"));   /* KELVIN SIGN folds to k */
}

static void wildcard_many_stars_stay_fast(void **state)
{
	char value[4097];

	(void)state;
	memset(value, 'a', 4096);
	value[4096] = '\0';
	/* Exponential backtracking would never finish this. */
	assert_false(wmatch("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b", false, value));
	assert_true(wmatch("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a", false, value));
}

static void wildcard_has_wildcards(void **state)
{
	(void)state;
	assert_true(wc_has_wildcards("a*", 2));
	assert_true(wc_has_wildcards("a?", 2));
	assert_false(wc_has_wildcards("a%_\\", 4));
}

static void fold_code_points(void **state)
{
	(void)state;
	assert_int_equal(text_fold_cp('A'), 'a');
	assert_int_equal(text_fold_cp('z'), 'z');
	assert_int_equal(text_fold_cp(0xC4), 0xE4);      /* Ä */
	assert_int_equal(text_fold_cp(0x3A3), 0x3C3);    /* Σ */
	assert_int_equal(text_fold_cp(0x3C2), 0x3C3);    /* final ς folds to σ */
	assert_int_equal(text_fold_cp(0xB5), 0x3BC);     /* micro sign */
	assert_int_equal(text_fold_cp(0x10400), 0x10428); /* Deseret, above the BMP */
	assert_int_equal(text_fold_cp(0x4E2D), 0x4E2D);  /* no case */
}

static void fold_returns_input_when_unchanged(void **state)
{
	const char *s = "already lower";
	size_t n;

	(void)state;
	assert_ptr_equal(text_fold(&scratch, s, strlen(s), &n), s);
	assert_int_equal(n, strlen(s));
	assert_memory_equal(text_fold(&scratch, "MiXeD", 5, &n), "mixed", 5);
	arena_reset(&scratch);
}

static void fold_keeps_invalid_bytes(void **state)
{
	char out[32];
	size_t n;

	(void)state;
	n = text_fold_into("A\xFF" "B", 3, out);
	assert_int_equal(n, 3);
	assert_memory_equal(out, "a\xFF" "b", 3);
}

static void utf16_positions(void **state)
{
	const char *s = "a\xC3\xA4\xF0\x9F\x98\x80" "b"; /* a ä 😀 b: 1+1+2+1 units */
	size_t n = strlen(s);

	(void)state;
	assert_int_equal(text_utf16_len(s, n), 5);
	assert_int_equal(text_utf16_to_byte(s, n, 0), 0);
	assert_int_equal(text_utf16_to_byte(s, n, 2), 3);
	assert_int_equal(text_utf16_to_byte(s, n, 3), 7); /* inside the pair: after it */
	assert_int_equal(text_utf16_to_byte(s, n, 4), 7);
	assert_int_equal(text_utf16_to_byte(s, n, 99), n);
	assert_int_equal(text_utf16_to_byte(s, n, -1), 0);
	assert_int_equal(text_byte_to_utf16(s, n, 7), 4);
}

static void number_text_forms_follow_java(void **state)
{
	char buf[TEXT_NUMBER_MAX];

	(void)state;
	text_format_double(42.5, buf);
	assert_string_equal(buf, "42.5");
	text_format_double(1.0, buf);
	assert_string_equal(buf, "1.0");
	text_format_double(1e20, buf);
	assert_string_equal(buf, "1.0E20");
	text_format_double(1.25e-5, buf);
	assert_string_equal(buf, "1.25E-5");
	text_format_double(0.001, buf);
	assert_string_equal(buf, "0.001");
	text_format_double(1234567.0, buf);
	assert_string_equal(buf, "1234567.0");
	text_format_double(12345678.0, buf);
	assert_string_equal(buf, "1.2345678E7");
	text_format_double(-0.0, buf);
	assert_string_equal(buf, "-0.0");
	text_format_double(0.1 + 0.2, buf);
	assert_string_equal(buf, "0.30000000000000004");
}

static void number_parsing_is_strict(void **state)
{
	struct value v;

	(void)state;
	assert_true(text_parse_number("1337", 4, &v));
	assert_int_equal(v.kind, VALUE_INT);
	assert_int_equal(v.u.integer, 1337);
	assert_true(text_parse_number("-2.5e1", 6, &v));
	assert_int_equal(v.kind, VALUE_FLOAT);
	assert_true(v.u.real == -25.0);
	assert_true(text_parse_number("99999999999999999999", 20, &v));
	assert_int_equal(v.kind, VALUE_FLOAT);
	assert_false(text_parse_number(" 1", 2, &v));
	assert_false(text_parse_number("1x", 2, &v));
	assert_false(text_parse_number("", 0, &v));
	assert_false(text_parse_number("e5", 2, &v));
}

static void litset_sorted_lookup(void **state)
{
	struct litset *set = litset_new(false);

	(void)state;
	litset_add(set, "pip", 3);
	litset_add(set, "conda", 5);
	litset_add(set, "pip", 3);
	litset_add(set, "", 0);
	litset_seal(set);
	assert_int_equal(litset_count(set), 3);
	assert_true(litset_contains(set, "pip", 3, &scratch));
	assert_true(litset_contains(set, "", 0, &scratch));
	assert_false(litset_contains(set, "PIP", 3, &scratch));
	assert_false(litset_contains(set, "pi", 2, &scratch));
	litset_free(set);
}

static void litset_insensitive_lookup(void **state)
{
	struct litset *set = litset_new(true);

	(void)state;
	litset_add(set, "PYTHONSTARTUP", 13);
	litset_add(set, "\xC3\x84rger", 6);  /* Ärger */
	litset_seal(set);
	assert_true(litset_contains(set, "pythonstartup", 13, &scratch));
	assert_true(litset_contains(set, "\xC3\xA4RGER", 6, &scratch));
	assert_false(litset_contains(set, "pythonpath", 10, &scratch));
	litset_free(set);
	arena_reset(&scratch);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(wildcard_exact_pattern_is_whole_value),
		cmocka_unit_test(wildcard_star_shapes),
		cmocka_unit_test(wildcard_general_patterns),
		cmocka_unit_test(wildcard_question_mark_is_one_code_point),
		cmocka_unit_test(wildcard_percent_underscore_backslash_are_literal),
		cmocka_unit_test(wildcard_case_insensitive_ascii),
		cmocka_unit_test(wildcard_case_insensitive_non_ascii),
		cmocka_unit_test(wildcard_many_stars_stay_fast),
		cmocka_unit_test(wildcard_has_wildcards),
		cmocka_unit_test(fold_code_points),
		cmocka_unit_test(fold_returns_input_when_unchanged),
		cmocka_unit_test(fold_keeps_invalid_bytes),
		cmocka_unit_test(utf16_positions),
		cmocka_unit_test(number_text_forms_follow_java),
		cmocka_unit_test(number_parsing_is_strict),
		cmocka_unit_test(litset_sorted_lookup),
		cmocka_unit_test(litset_insensitive_lookup),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
