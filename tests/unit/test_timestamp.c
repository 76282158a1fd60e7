/*
 * Unit tests of timestamp parsing and formatting (src/event/timestamp.c).
 * Expected epoch milliseconds were computed with Python's datetime.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "event/timestamp.h"

struct good_case {
	const char *text;
	int64_t ms;
};

static void valid_texts(void **state)
{
	static const struct good_case cases[] = {
		{ "2024-05-01T10:00:00Z", INT64_C(1714557600000) },
		{ "2024-05-01T10:00:00.000Z", INT64_C(1714557600000) },
		{ "2024-05-01T10:00:00", INT64_C(1714557600000) },          /* no zone: UTC */
		{ "2024-05-01 10:00:00Z", INT64_C(1714557600000) },         /* space separator */
		{ "2024-05-01T10:00Z", INT64_C(1714557600000) },            /* hours and minutes */
		{ "2024-05-01T10", INT64_C(1714557600000) },                /* hours only */
		{ "2024-05-01T10:30", INT64_C(1714559400000) },
		{ "2024-05-01T10:00:00.123456789+02:00", INT64_C(1714550400123) },
		{ "2024-05-01T10:00:00.1234+0200", INT64_C(1714550400123) },
		{ "2024-05-01T10:00:00.9999-05:30", INT64_C(1714577400999) }, /* truncated, not rounded */
		{ "2024-05-01T10:00:00.99999999999999999999Z", INT64_C(1714557600999) },
		{ "2024-05-01T10:00:00+05", INT64_C(1714539600000) },
		{ "2024-05-01T10:00:00.5Z", INT64_C(1714557600500) },
		{ "2024-05-01T10:00:00,25Z", INT64_C(1714557600250) },
		{ "2024-12-31T23:59:59.999-18:00", INT64_C(1735754399999) },
		{ "2022-04-04T18:37:01.5775771Z", INT64_C(1649097421577) },
		{ "2024-05-01", INT64_C(1714521600000) },
		{ "2024-05", INT64_C(1714521600000) },                      /* the first of the month */
		{ "2024", INT64_C(1704067200000) },                         /* a year, as Elasticsearch reads it */
		{ "2024-02-29", INT64_C(1709164800000) },
		{ "2000-02-29T23:59:59.999Z", INT64_C(951868799999) },
		{ "1970-01-01T00:00:00Z", 0 },
		{ "1969-12-31T23:59:59.999Z", -1 },
		{ "1969-12-31T23:59:59.9995Z", -1 },                        /* truncation is toward the past */
		{ "1900-01-01", INT64_C(-2208988800000) },
		{ "0001-01-01T00:00:00Z", INT64_C(-62135596800000) },
		{ "0000-01-01", INT64_C(-62167219200000) },
		{ "-0001-01-01", INT64_C(-62198755200000) },
		{ "9999-12-31T23:59:59.999Z", INT64_C(253402300799999) },
		{ "+10000-01-01T00:00:00Z", INT64_C(253402300800000) },
		{ "1714557600000", INT64_C(1714557600000) },                /* epoch milliseconds */
		{ "1714557600000.999", INT64_C(1714557600000) },
		{ "-1714557600000", INT64_C(-1714557600000) },
		{ "-1.9", -1 },
		{ "0", 0 },
		{ "12345", 12345 },
		{ "123", 123 },
		{ "20240501", 20240501 },
		{ "9223372036854775807", INT64_MAX },
		{ "-9223372036854775808", INT64_MIN },
	};
	int64_t ms;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (!timestamp_parse_text(cases[i].text, strlen(cases[i].text), &ms))
			fail_msg("rejected %s", cases[i].text);
		if (ms != cases[i].ms)
			fail_msg("%s: got %lld, expected %lld", cases[i].text,
				 (long long)ms, (long long)cases[i].ms);
	}
}

static void invalid_texts(void **state)
{
	static const char *const cases[] = {
		"", "-", ".", "Z", "T10:00", "now", "2024-05-01T", "2024-05-01x",
		"2024-13-01", "2024-00-01", "2024-01-32", "2024-01-00", "2024-02-30",
		"2023-02-29", "1900-02-29", "2024-04-31",
		"2024-05-01T24:00", "2024-05-01T10:60", "2024-05-01T10:00:60",
		"2024-05-01T1:00", "2024-5-01", "2024-05-1", "24-05-01", "02024-05-01",
		"2024-05-01T10:00:00.", "2024-05-01T10:00:00.Z", "2024-05-01T10:00:00ZZ",
		"2024-05-01T10:00:00+19:00", "2024-05-01T10:00:00+18:01", "2024-05-01T10:00:00+05:60",
		"2024-05-01T10:00:00+5", "2024-05-01T10:00:00+05:", "2024-05-01T10:00:00+05:0",
		"2024-05-01T10:00:00 Z", "2024-05-01T10:00:00z", "2024-05T10:00", "2024T10:00",
		"2024-05-01Z", " 2024-05-01", "2024-05-01 ", "2024/05/01",
		"+123-01-01", "+1234567890-01-01",
		"9223372036854775808", "-9223372036854775809", "1.2.3", "--1", "1e3", "0x10",
	};
	int64_t ms;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (timestamp_parse_text(cases[i], strlen(cases[i]), &ms))
			fail_msg("accepted %s as %lld", cases[i], (long long)ms);

	/* Nine-digit years fit int64 milliseconds up to about 292 million. */
	assert_true(timestamp_parse_text("+99999999-01-01", 15, &ms));
	assert_false(timestamp_parse_text("+999999999-01-01", 16, &ms));
	assert_false(timestamp_parse_text("-999999999-01-01", 16, &ms));
}

static void values_of_each_kind(void **state)
{
	struct value v;
	int64_t ms;

	(void)state;
	v = value_int(INT64_C(1714557600000));
	assert_true(timestamp_parse(&v, &ms));
	assert_true(ms == INT64_C(1714557600000));

	/* Floats are truncated toward zero. */
	v = value_float(1714557600000.9);
	assert_true(timestamp_parse(&v, &ms));
	assert_true(ms == INT64_C(1714557600000));
	v = value_float(-1.9);
	assert_true(timestamp_parse(&v, &ms));
	assert_true(ms == -1);
	v = value_float(1e300);
	assert_false(timestamp_parse(&v, &ms));
	v = value_float(-0x1p63);
	assert_true(timestamp_parse(&v, &ms));
	assert_true(ms == INT64_MIN);
	v = value_float(0x1p63);
	assert_false(timestamp_parse(&v, &ms));

	v = value_string("2024-05-01T10:00:00Z trailing", 20);
	assert_true(timestamp_parse(&v, &ms));
	assert_true(ms == INT64_C(1714557600000));

	v = value_null();
	assert_false(timestamp_parse(&v, &ms));
	v = value_bool(true);
	assert_false(timestamp_parse(&v, &ms));
}

struct format_case {
	int64_t ms;
	const char *text;
};

static void formatting(void **state)
{
	static const struct format_case cases[] = {
		{ 0, "1970-01-01T00:00:00.000Z" },
		{ INT64_C(1714557600123), "2024-05-01T10:00:00.123Z" },
		{ -1, "1969-12-31T23:59:59.999Z" },
		{ INT64_C(-2208988800000), "1900-01-01T00:00:00.000Z" },
		{ INT64_C(951868799999), "2000-02-29T23:59:59.999Z" },
		{ INT64_C(253402300799999), "9999-12-31T23:59:59.999Z" },
		{ INT64_C(253402300800000), "+10000-01-01T00:00:00.000Z" },
		{ INT64_C(-62198755200000), "-0001-01-01T00:00:00.000Z" },
		{ INT64_MAX, "+292278994-08-17T07:12:55.807Z" },
		{ INT64_MIN, "-292275055-05-16T16:47:04.192Z" },
	};
	char out[40];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		timestamp_format(cases[i].ms, out, sizeof(out));
		assert_string_equal(out, cases[i].text);
	}

	/* A short buffer gets a truncated, NUL-terminated text. */
	timestamp_format(0, out, 11);
	assert_string_equal(out, "1970-01-01");
}

/* Every formatted timestamp parses back to itself, across eras and leap years. */
static void format_then_parse(void **state)
{
	char out[40];
	int64_t ms;

	(void)state;
	for (int64_t t = INT64_C(-80000000000000); t < INT64_C(260000000000000);
	     t += INT64_C(86400000) * 37 + 3600007) {
		timestamp_format(t, out, sizeof(out));
		if (!timestamp_parse_text(out, strlen(out), &ms) || ms != t)
			fail_msg("%lld formats as %s, which parses as %lld",
				 (long long)t, out, (long long)ms);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(valid_texts),
		cmocka_unit_test(invalid_texts),
		cmocka_unit_test(values_of_each_kind),
		cmocka_unit_test(formatting),
		cmocka_unit_test(format_then_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
