/*
 * Unit tests of json_compact() (src/event/compact.c): whitespace outside
 * strings goes, everything else stays byte for byte.
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
#include <sys/stat.h>

#include "event/fields.h"
#include "util/buf.h"

static void assert_compacts_to(const char *doc, const char *expected)
{
	struct buf out = BUF_INIT;

	json_compact(doc, strlen(doc), &out);
	assert_string_equal(out.data, expected);
	assert_int_equal(out.len, strlen(expected));
	buf_free(&out);
}

static void pretty_printed_document(void **state)
{
	(void)state;
	assert_compacts_to("{\n"
			   "    \"event\": {\n"
			   "        \"category\": [\n"
			   "            \"file\"\n"
			   "        ],\n"
			   "        \"code\": 11\n"
			   "    },\r\n"
			   "\t\"ok\" : true , \"none\" : null\n"
			   "}\n",
			   "{\"event\":{\"category\":[\"file\"],\"code\":11},\"ok\":true,\"none\":null}");
}

static void whitespace_inside_strings_is_kept(void **state)
{
	(void)state;
	assert_compacts_to("{ \"a key\" : \"  two  spaces\\n and a\ttab \" }",
			   "{\"a key\":\"  two  spaces\\n and a\ttab \"}");
}

static void escaped_quotes_and_backslashes(void **state)
{
	(void)state;
	/* \" does not end a string; \\ before a quote does. */
	assert_compacts_to("{ \"q\" : \"say \\\" hi \\\" \" , \"p\" : \"C:\\\\dir\\\\\" , \"r\" : \"\\\\\\\" x\" }",
			   "{\"q\":\"say \\\" hi \\\" \",\"p\":\"C:\\\\dir\\\\\",\"r\":\"\\\\\\\" x\"}");
}

static void appends_to_the_buffer(void **state)
{
	struct buf out = BUF_INIT;

	(void)state;
	buf_puts(&out, "prefix:");
	json_compact("{ }", 3, &out);
	json_compact("", 0, &out);
	assert_string_equal(out.data, "prefix:{}");
	buf_free(&out);
}

static void already_compact_is_unchanged(void **state)
{
	const char *doc = "{\"a\":[1,-2.5e3,{\"b\":\"\\u00e9\"}],\"c\":\"\xc3\xa9\"}";

	(void)state;
	assert_compacts_to(doc, doc);
}

/* Compacting a pretty-printed sample gives one line that scans to the same values as the original. */
static void compact_sample(const char *path)
{
	static const char *const paths[] = { "@timestamp", "file.path", "process.args", "host.name" };
	struct field_set *set = field_set_new();
	struct event_fields a, b;
	struct buf out = BUF_INIT;
	char why[256];
	FILE *fp = fopen(path, "rb");
	char *data = malloc(1 << 20);
	size_t len;

	assert_non_null(fp);
	len = fread(data, 1, 1 << 20, fp);
	fclose(fp);
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		field_set_add(set, paths[i]);
	event_fields_init(&a);
	event_fields_init(&b);

	json_compact(data, len, &out);
	assert_null(memchr(out.data, '\n', out.len));
	if (!event_fields_scan(set, NULL, data, len, &a, why, sizeof(why)))
		fail_msg("%s: %s", path, why);
	if (!event_fields_scan(set, NULL, out.data, out.len, &b, why, sizeof(why)))
		fail_msg("%s compacted: %s", path, why);
	assert_int_equal(a.nvalues, b.nvalues);
	for (size_t i = 0; i < a.nvalues; i++) {
		assert_int_equal(a.values[i].kind, b.values[i].kind);
		if (a.values[i].kind == VALUE_STRING) {
			assert_int_equal(a.values[i].u.string.len, b.values[i].u.string.len);
			assert_memory_equal(a.values[i].u.string.ptr, b.values[i].u.string.ptr,
					    a.values[i].u.string.len);
		}
	}

	event_fields_free(&a);
	event_fields_free(&b);
	field_set_free(set);
	buf_free(&out);
	free(data);
}

static void elastic_sample_documents(void **state)
{
	const char *data = getenv("SITEWATCH_DATA");
	char dir[4096], path[4096 + 256];
	struct dirent *e;
	unsigned done = 0;
	DIR *d;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/ecs-samples/endpoint", data != NULL ? data : "");
	d = data != NULL ? opendir(dir) : NULL;
	if (d == NULL) {
		print_message("skipped: %s not found (set SITEWATCH_DATA to the reference data folder)\n", dir);
		skip();
	}
	while ((e = readdir(d)) != NULL) {
		size_t n = strlen(e->d_name);

		if (n < 5 || strcmp(e->d_name + n - 5, ".json") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		compact_sample(path);
		done++;
	}
	closedir(d);
	assert_true(done > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pretty_printed_document),
		cmocka_unit_test(whitespace_inside_strings_is_kept),
		cmocka_unit_test(escaped_quotes_and_backslashes),
		cmocka_unit_test(appends_to_the_buffer),
		cmocka_unit_test(already_compact_is_unchanged),
		cmocka_unit_test(elastic_sample_documents),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
