/*
 * Tests of the input layer (src/io): formats, compression, framing errors
 * and their recovery, read-block boundaries and bounded memory. Fixtures
 * are written to a mkdtemp() folder and compressed here with zlib and
 * libzstd; the folder is removed at the end.
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
#include <fcntl.h>
#include <unistd.h>

#include <zlib.h>
#include <zstd.h>

#include "io/input.h"
#include "io/input_internal.h"

#define MAX_DOCS 64

static char tmp_dir[] = "/tmp/sitewatch-test-input-XXXXXX";

/* What one read of a fixture returned: documents, lines, status, messages. */
struct result {
	int rc;                /* the last input_next() result */
	size_t count;          /* documents returned, maybe more than MAX_DOCS */
	char *docs[MAX_DOCS];
	size_t lines[MAX_DOCS];
	size_t skipped;
	size_t trailing;
	size_t buffer_size;    /* input_buffer_size() at the end */
	char messages[32768];   /* what the input wrote on stderr */
};

static void result_free(struct result *r)
{
	for (size_t i = 0; i < r->count && i < MAX_DOCS; i++)
		free(r->docs[i]);
	memset(r, 0, sizeof(*r));
}

static const char *fixture_path(const char *name)
{
	static char path[4][512];
	static int next;

	next = (next + 1) % 4;
	snprintf(path[next], sizeof(path[next]), "%s/%s", tmp_dir, name);
	return path[next];
}

static const char *write_fixture(const char *name, const void *data, size_t len)
{
	const char *path = fixture_path(name);
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	return path;
}

static const char *write_text(const char *name, const char *text)
{
	return write_fixture(name, text, strlen(text));
}

/* Compresses `len` bytes as one gzip member; the caller frees *out. */
static size_t gzip_member(const char *data, size_t len, unsigned char **out)
{
	z_stream z = { 0 };
	size_t cap = len + len / 2 + 128;

	*out = malloc(cap);
	assert_non_null(*out);
	assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
	z.next_in = (Bytef *)data;
	z.avail_in = (uInt)len;
	z.next_out = *out;
	z.avail_out = (uInt)cap;
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	deflateEnd(&z);
	return cap - z.avail_out;
}

static size_t zstd_frame(const char *data, size_t len, unsigned char **out)
{
	size_t cap = ZSTD_compressBound(len), n;

	*out = malloc(cap);
	assert_non_null(*out);
	n = ZSTD_compress(*out, cap, data, len, 3);
	assert_false(ZSTD_isError(n));
	return n;
}

/* Reads `path` whole with input_open_block(), capturing stderr. */
static void read_input(const char *path, size_t max_document, size_t block, struct result *r)
{
	struct input_limits limits = { max_document };
	char log_path[512];
	struct input_doc doc;
	struct input *in;
	int saved, log_fd;
	ssize_t n;

	memset(r, 0, sizeof(*r));
	snprintf(log_path, sizeof(log_path), "%s/stderr.log", tmp_dir);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	log_fd = open(log_path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(log_fd >= 0);
	dup2(log_fd, STDERR_FILENO);

	in = input_open_block(path, &limits, block);
	if (in != NULL) {
		while ((r->rc = input_next(in, &doc)) == 1) {
			if (r->count < MAX_DOCS) {
				r->docs[r->count] = strndup(doc.json, doc.len);
				r->lines[r->count] = doc.line;
			}
			r->count++;
		}
		r->skipped = input_skipped(in);
		r->trailing = input_trailing(in);
		r->buffer_size = input_buffer_size(in);
		input_close(in);
	} else {
		r->rc = -2;
	}

	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	lseek(log_fd, 0, SEEK_SET);
	n = read(log_fd, r->messages, sizeof(r->messages) - 1);
	r->messages[n > 0 ? n : 0] = '\0';
	close(log_fd);
	if (r->messages[0] != '\0')
		fprintf(stderr, "  (messages of %s)\n%s", path, r->messages);
}

static void read_default(const char *path, struct result *r)
{
	read_input(path, 1u << 20, INPUT_BLOCK, r);
}

/* Checks that every block size gives the same documents as the default one. */
static void check_block_sizes(const char *path, const struct result *expected)
{
	static const size_t blocks[] = { 1, 2, 3, 7, 16, 64, 4096 };

	for (size_t b = 0; b < sizeof(blocks) / sizeof(blocks[0]); b++) {
		struct result r;

		read_input(path, 1u << 20, blocks[b], &r);
		assert_int_equal(r.rc, expected->rc);
		assert_int_equal(r.count, expected->count);
		assert_int_equal(r.skipped, expected->skipped);
		for (size_t i = 0; i < r.count && i < MAX_DOCS; i++) {
			assert_string_equal(r.docs[i], expected->docs[i]);
			assert_int_equal(r.lines[i], expected->lines[i]);
		}
		result_free(&r);
	}
}

static void ndjson_blank_lines_crlf_bom(void **state)
{
	static const char text[] =
		"\xef\xbb\xbf{\"a\":1}\r\n"
		"\r\n"
		"   \n"
		"{\"b\":\"x\\\"}y\"}\r\n"
		"\t{\"c\":[1,{\"d\":2}]}  \n"
		"\n"
		"{\"e\":3}";
	struct result r;

	(void)state;
	read_default(write_text("crlf.ndjson", text), &r);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.count, 4);
	assert_int_equal(r.skipped, 0);
	assert_string_equal(r.docs[0], "{\"a\":1}");
	assert_int_equal(r.lines[0], 1);
	assert_string_equal(r.docs[1], "{\"b\":\"x\\\"}y\"}");
	assert_int_equal(r.lines[1], 4);
	assert_string_equal(r.docs[2], "{\"c\":[1,{\"d\":2}]}");
	assert_int_equal(r.lines[2], 5);
	assert_string_equal(r.docs[3], "{\"e\":3}");
	assert_int_equal(r.lines[3], 7);
	assert_string_equal(r.messages, "");
	check_block_sizes(fixture_path("crlf.ndjson"), &r);
	result_free(&r);
}

static void ndjson_bad_lines_skipped(void **state)
{
	static const char text[] =
		"{\"n\":1}\n"
		"{\"n\":2}\n"
		"{\"n\":\"unterminated}\n"
		"{\"n\":3}\n"
		"[1,2]\n"
		"{\"n\":4,\"o\":{\"p\":1}\n"
		"{\"n\":5]\n"
		"{\"n\":6} trailing\n"
		"{\"n\":7}\n";
	const char *path = write_text("bad.ndjson", text);
	char expected[512];
	struct result r;

	(void)state;
	read_default(path, &r);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.count, 5);
	/* Line 8's document is read; only the text after it is lost. */
	assert_int_equal(r.skipped, 4);
	assert_int_equal(r.trailing, 1);
	assert_string_equal(r.docs[0], "{\"n\":1}");
	assert_string_equal(r.docs[1], "{\"n\":2}");
	assert_string_equal(r.docs[2], "{\"n\":3}");
	assert_int_equal(r.lines[2], 4);
	assert_string_equal(r.docs[3], "{\"n\":6}");
	assert_int_equal(r.lines[3], 8);
	assert_string_equal(r.docs[4], "{\"n\":7}");
	assert_int_equal(r.lines[4], 9);

	snprintf(expected, sizeof(expected), "sitewatch: %s:3: unterminated string\n", path);
	assert_non_null(strstr(r.messages, expected));
	snprintf(expected, sizeof(expected), "sitewatch: %s:5: not a JSON object", path);
	assert_non_null(strstr(r.messages, expected));
	snprintf(expected, sizeof(expected), "sitewatch: %s:6: object not closed", path);
	assert_non_null(strstr(r.messages, expected));
	snprintf(expected, sizeof(expected), "sitewatch: %s:7: mismatched brackets", path);
	assert_non_null(strstr(r.messages, expected));
	snprintf(expected, sizeof(expected), "sitewatch: %s:8: unexpected text", path);
	assert_non_null(strstr(r.messages, expected));
	check_block_sizes(path, &r);
	result_free(&r);
}

static void ndjson_several_per_line(void **state)
{
	struct result r;

	(void)state;
	read_default(write_text("several.ndjson", "{\"a\":1}\n{\"b\":2}{\"c\":3} {\"d\":4}\n{\"e\":5}\n"), &r);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.count, 5);
	assert_int_equal(r.skipped, 0);
	assert_string_equal(r.docs[2], "{\"c\":3}");
	assert_int_equal(r.lines[2], 2);
	assert_string_equal(r.docs[4], "{\"e\":5}");
	assert_int_equal(r.lines[4], 3);
	result_free(&r);
}

static void json_array_of_objects(void **state)
{
	static const char text[] =
		"[\n"
		"  {\"a\": 1},\n"
		"  {\n"
		"    \"b\": [1, 2, {\"c\": \"]}\"}]\n"
		"  },\n"
		"  42,\n"
		"  {\"d\": 4}\n"
		"]\n";
	struct result r;

	(void)state;
	read_default(write_text("array.json", text), &r);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.count, 3);
	assert_int_equal(r.skipped, 1);
	assert_string_equal(r.docs[0], "{\"a\": 1}");
	assert_int_equal(r.lines[0], 2);
	assert_string_equal(r.docs[1], "{\n    \"b\": [1, 2, {\"c\": \"]}\"}]\n  }");
	assert_int_equal(r.lines[1], 3);
	assert_string_equal(r.docs[2], "{\"d\": 4}");
	assert_int_equal(r.lines[2], 7);
	assert_non_null(strstr(r.messages, ":6: array element is not a JSON object"));
	check_block_sizes(fixture_path("array.json"), &r);
	result_free(&r);
}

static void json_array_one_line(void **state)
{
	struct result r;

	(void)state;
	read_default(write_text("array1.json", "[{\"a\":1},{\"b\":2},{}]"), &r);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.count, 3);
	assert_string_equal(r.docs[1], "{\"b\":2}");
	assert_string_equal(r.docs[2], "{}");
	result_free(&r);

	read_default(write_text("array0.json", " [ ] \n"), &r);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.count, 0);
	assert_int_equal(r.skipped, 0);
	result_free(&r);
}

static void json_array_broken_element(void **state)
{
	static const char text[] =
		"[\n"
		"  {\"a\": 1},\n"
		"  {\"b\": \"no end\n"
		"     , \"x\": 2},\n"
		"  {\"c\": 3}\n"
		"]\n";
	struct result r;

	(void)state;
	read_default(write_text("array-bad.json", text), &r);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.count, 2);
	assert_int_equal(r.skipped, 1);
	assert_string_equal(r.docs[1], "{\"c\": 3}");
	assert_int_equal(r.lines[1], 5);
	assert_non_null(strstr(r.messages, ":3: unterminated string; skipped to line 5"));
	check_block_sizes(fixture_path("array-bad.json"), &r);
	result_free(&r);
}

static void pretty_single_document(void **state)
{
	static const char text[] =
		"{\n"
		"  \"@timestamp\": \"2024-01-01T00:00:00Z\",\n"
		"  \"file\": {\"path\": \"C:\\\\x\\\\{y}\"},\n"
		"  \"hits\": {\"hits\": 3}\n"
		"}\n";
	struct result r;

	(void)state;
	read_default(write_text("pretty.json", text), &r);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.count, 1);
	assert_int_equal(r.lines[0], 1);
	assert_int_equal(strlen(r.docs[0]), strlen(text) - 1);
	assert_memory_equal(r.docs[0], text, strlen(text) - 1);
	check_block_sizes(fixture_path("pretty.json"), &r);
	result_free(&r);
}

static void concatenated_pretty_documents(void **state)
{
	static const char text[] =
		"{\n  \"a\": 1\n}\n"
		"{\n  \"b\": {\n    \"c\": 2\n  }\n}\n"
		"\n"
		"{\n  \"d\": \"broken\n}\n"
		"{\n  \"e\": 5\n}";
	struct result r;

	(void)state;
	read_default(write_text("concat.json", text), &r);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.count, 3);
	assert_int_equal(r.skipped, 1);
	assert_string_equal(r.docs[0], "{\n  \"a\": 1\n}");
	assert_int_equal(r.lines[0], 1);
	assert_string_equal(r.docs[1], "{\n  \"b\": {\n    \"c\": 2\n  }\n}");
	assert_int_equal(r.lines[1], 4);
	assert_string_equal(r.docs[2], "{\n  \"e\": 5\n}");
	assert_int_equal(r.lines[2], 13);
	assert_non_null(strstr(r.messages, ":11: unterminated string (in the document from line 10); "
				       "skipped to line 13"));
	check_block_sizes(fixture_path("concat.json"), &r);
	result_free(&r);
}

static void search_response_hits(void **state)
{
	static const char text[] =
		"{\n"
		"  \"took\": 5,\n"
		"  \"timed_out\": false,\n"
		"  \"_shards\": {\"total\": 1, \"successful\": 1, \"skipped\": 0, \"failed\": 0},\n"
		"  \"hits\": {\n"
		"    \"total\": {\"value\": 3, \"relation\": \"eq\"},\n"
		"    \"max_score\": 1.0,\n"
		"    \"hits\": [\n"
		"      {\n"
		"        \"_index\": \"logs-endpoint.events.file-default\",\n"
		"        \"_id\": \"a1\",\n"
		"        \"_score\": 1.0,\n"
		"        \"_source\": {\"event\": {\"category\": \"file\"}, \"hits\": 1}\n"
		"      },\n"
		"      {\"_index\": \"x\", \"_id\": \"a2\", \"_source\": {\n"
		"        \"n\": 2\n"
		"      }},\n"
		"      {\"_index\": \"x\", \"_id\": \"a3\", \"fields\": {}}\n"
		"    ]\n"
		"  },\n"
		"  \"aggregations\": {\"a\": {\"buckets\": [{\"key\": \"}\"}]}}\n"
		"}\n"
		"{\"took\": 1, \"hits\": {\"hits\": [{\"_source\": {\"n\": 4}}]}}\n";
	struct result r;

	(void)state;
	read_default(write_text("response.json", text), &r);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.count, 3);
	assert_int_equal(r.skipped, 1);
	assert_string_equal(r.docs[0], "{\"event\": {\"category\": \"file\"}, \"hits\": 1}");
	assert_int_equal(r.lines[0], 13);
	assert_string_equal(r.docs[1], "{\n        \"n\": 2\n      }");
	assert_int_equal(r.lines[1], 15);
	assert_string_equal(r.docs[2], "{\"n\": 4}");
	assert_int_equal(r.lines[2], 23);
	assert_non_null(strstr(r.messages, ":18: search hit without a _source object"));
	check_block_sizes(fixture_path("response.json"), &r);
	result_free(&r);
}

static void ndjson_search_hits(void **state)
{
	static const char text[] =
		"{\"_index\":\"i\",\"_id\":\"1\",\"_source\":{\"n\":1}}\n"
		"{\"_index\":\"i\",\"_id\":\"2\",\"_source\":{\"n\":2},\"sort\":[1]}\n"
		"{\"n\":3}\n"
		"{\"_source\":{\"n\":4}}\n";
	struct result r;

	(void)state;
	read_default(write_text("hits.ndjson", text), &r);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.count, 3);
	assert_int_equal(r.skipped, 1);
	assert_string_equal(r.docs[0], "{\"n\":1}");
	assert_string_equal(r.docs[1], "{\"n\":2}");
	assert_string_equal(r.docs[2], "{\"n\":4}");
	assert_int_equal(r.lines[2], 4);
	assert_non_null(strstr(r.messages, ":3: document without a _source object"));
	result_free(&r);

	/* A key that only starts with "_source" does not make a hit. */
	read_default(write_text("note.ndjson", "{\"_source_note\":{\"a\":1},\"b\":2}\n{\"c\":3}\n"), &r);
	assert_int_equal(r.count, 2);
	assert_int_equal(r.skipped, 0);
	assert_string_equal(r.docs[0], "{\"_source_note\":{\"a\":1},\"b\":2}");
	result_free(&r);
}

static void eql_response_events(void **state)
{
	static const char text[] =
		"{\"is_partial\":false,\"is_running\":false,\"took\":3,\"timed_out\":false,"
		"\"hits\":{\"total\":{\"value\":2,\"relation\":\"eq\"},\"events\":["
		"{\"_index\":\"logs\",\"_id\":\"1\",\"_source\":{\"n\":1}},"
		"{\"_index\":\"logs\",\"_id\":\"2\",\"_source\":{\"n\":2}}]}}\n";
	struct result r;

	(void)state;
	read_default(write_text("eql.json", text), &r);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.count, 2);
	assert_int_equal(r.skipped, 0);
	assert_string_equal(r.docs[0], "{\"n\":1}");
	assert_string_equal(r.docs[1], "{\"n\":2}");
	check_block_sizes(fixture_path("eql.json"), &r);
	result_free(&r);
}

static void json_array_of_hits(void **state)
{
	static const char text[] =
		"[\n"
		"  {\"_id\": \"1\", \"_source\": {\"n\": 1}},\n"
		"  {\"_id\": \"2\", \"_source\": {\"n\": 2}}\n"
		"  {\"_id\": \"3\", \"_source\": {\"n\": 3}},\n"
		"]\n";
	struct result r;

	(void)state;
	read_default(write_text("hits-array.json", text), &r);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.count, 3);
	assert_int_equal(r.skipped, 0);
	assert_string_equal(r.docs[2], "{\"n\": 3}");
	assert_int_equal(r.lines[2], 4);
	assert_non_null(strstr(r.messages, ":4: missing ',' between array elements"));
	assert_non_null(strstr(r.messages, ":5: trailing ',' before ']'"));
	result_free(&r);
}

static void reports_are_capped(void **state)
{
	char *text = malloc(150 * 8 + 16);
	size_t len = 0, lines = 0;
	struct result r;

	(void)state;
	len += (size_t)sprintf(text, "{\"a\":1}\n");
	for (int i = 0; i < 150; i++)
		len += (size_t)sprintf(text + len, "bad\n");
	len += (size_t)sprintf(text + len, "{\"b\":2}\n");
	read_default(write_fixture("many-bad.ndjson", text, len), &r);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.count, 2);
	assert_int_equal(r.skipped, 150);
	for (const char *p = r.messages; (p = strchr(p, '\n')) != NULL; p++)
		lines++;
	assert_int_equal(lines, 101);
	assert_non_null(strstr(r.messages, ":102: more than 100 malformed documents"));
	result_free(&r);
	free(text);
}

static void gzip_two_members(void **state)
{
	static const char part1[] = "{\"a\":1}\n{\"b\":2}\n";
	static const char part2[] = "{\"c\":3}\n";
	unsigned char *m1, *m2, *both;
	size_t n1 = gzip_member(part1, strlen(part1), &m1);
	size_t n2 = gzip_member(part2, strlen(part2), &m2);
	const char *path;
	struct result r;

	(void)state;
	both = malloc(n1 + n2);
	memcpy(both, m1, n1);
	memcpy(both + n1, m2, n2);
	path = write_fixture("events.log", both, n1 + n2);

	read_default(path, &r);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.count, 3);
	assert_string_equal(r.docs[2], "{\"c\":3}");
	assert_int_equal(r.lines[2], 3);
	check_block_sizes(path, &r);
	result_free(&r);
	free(m1);
	free(m2);
	free(both);
}

static void gzip_trailing_garbage(void **state)
{
	static const char text[] = "{\"a\":1}\n";
	unsigned char *m, *data;
	size_t n = gzip_member(text, strlen(text), &m);
	struct result r;

	(void)state;
	data = malloc(n + 4);
	memcpy(data, m, n);
	memcpy(data + n, "junk", 4);
	read_default(write_fixture("garbage.gz", data, n + 4), &r);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.count, 1);
	assert_non_null(strstr(r.messages, "ignored trailing data after the gzip stream"));
	result_free(&r);
	free(m);
	free(data);
}

static void gzip_truncated(void **state)
{
	char text[4096];
	size_t len = 0, n;
	unsigned char *m;
	const char *path;
	struct result r;

	(void)state;
	for (int i = 0; i < 100; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len, "{\"n\":%d}\n", i);
	n = gzip_member(text, len, &m);

	/* Without its trailer, every document is there but the stream is still cut. */
	path = write_fixture("cut-trailer.json.gz", m, n - 6);
	read_default(path, &r);
	assert_int_equal(r.rc, -1);
	assert_int_equal(r.count, 100);
	assert_int_equal(r.skipped, 0);
	assert_non_null(strstr(r.messages, "truncated gzip stream after"));
	check_block_sizes(path, &r);
	result_free(&r);

	path = write_fixture("cut-half.json.gz", m, n / 2);
	read_default(path, &r);
	assert_int_equal(r.rc, -1);
	assert_true(r.count < 100);
	assert_int_equal(r.skipped, 0);
	for (size_t i = 0; i < r.count && i < MAX_DOCS; i++) {
		char expected[32];

		snprintf(expected, sizeof(expected), "{\"n\":%zu}", i);
		assert_string_equal(r.docs[i], expected);
	}
	assert_non_null(strstr(r.messages, "truncated gzip stream after"));
	check_block_sizes(path, &r);
	result_free(&r);
	free(m);
}

static void zstd_two_frames(void **state)
{
	static const char part1[] = "[{\"a\":1},\n";
	static const char part2[] = " {\"b\":2}]\n";
	unsigned char *f1, *f2, *both;
	size_t n1 = zstd_frame(part1, strlen(part1), &f1);
	size_t n2 = zstd_frame(part2, strlen(part2), &f2);
	const char *path;
	struct result r;

	(void)state;
	both = malloc(n1 + n2);
	memcpy(both, f1, n1);
	memcpy(both + n1, f2, n2);
	path = write_fixture("events.zst", both, n1 + n2);

	read_default(path, &r);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.count, 2);
	assert_string_equal(r.docs[1], "{\"b\":2}");
	assert_int_equal(r.lines[1], 2);
	check_block_sizes(path, &r);
	result_free(&r);

	/* A frame cut short, then a corrupt one: every complete document comes first. */
	path = write_fixture("cut.zst", both, n1 + n2 - 3);
	read_default(path, &r);
	assert_int_equal(r.rc, -1);
	assert_int_equal(r.count, 1);
	assert_non_null(strstr(r.messages, "truncated zstd stream after"));
	result_free(&r);

	both[n1] ^= 0xff;
	path = write_fixture("corrupt.zst", both, n1 + n2);
	read_default(path, &r);
	assert_int_equal(r.rc, -1);
	assert_int_equal(r.count, 1);
	assert_non_null(strstr(r.messages, "zstd"));
	result_free(&r);

	free(f1);
	free(f2);
	free(both);
}

static void document_too_large(void **state)
{
	static const char ndjson[] =
		"{\"a\":1}\n"
		"{\"big\":\"0123456789012345678901234567890123456789\"}\n"
		"{\"b\":2}\n";
	static const char array[] =
		"[\n  {\"a\":1},\n"
		"  {\"big\": [\"0123456789\", \"0123456789\", \"0123456789\"]},\n"
		"  {\"b\":2}\n]\n";
	static const char pretty[] =
		"{\n  \"a\": 1\n}\n"
		"{\n  \"big\": \"0123456789012345678901234567890123456789\"\n}\n"
		"{\n  \"b\": 2\n}\n";
	const char *texts[] = { ndjson, array, pretty };
	const size_t big_lines[] = { 2, 3, 4 };

	(void)state;
	for (size_t t = 0; t < 3; t++) {
		const char *path = write_text("large.json", texts[t]);
		static const size_t blocks[] = { 4, 16, 4096 };

		for (size_t b = 0; b < 3; b++) {
			char expected[128];
			struct result r;

			read_input(path, 32, blocks[b], &r);
			assert_int_equal(r.rc, 0);
			assert_int_equal(r.count, 2);
			assert_int_equal(r.skipped, 1);
			snprintf(expected, sizeof(expected),
				 ":%zu: document larger than --max-document-size (32 bytes)", big_lines[t]);
			assert_non_null(strstr(r.messages, expected));
			assert_true(r.buffer_size <= 32 + 2 * blocks[b]);
			result_free(&r);
		}
	}
}

static void straddles_read_blocks(void **state)
{
	struct result r;
	char *big;
	size_t len = 3u << 20;

	(void)state;
	big = malloc(len + 64);
	memcpy(big, "{\"a\":1}\n{\"s\":\"", 14);
	memset(big + 14, 'x', len - 14);
	memcpy(big + len, "\"}\n{\"b\":2}\n", 12);
	read_input(write_fixture("straddle.ndjson", big, len + 11), 64u << 20, INPUT_BLOCK, &r);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.count, 3);
	assert_int_equal(r.skipped, 0);
	assert_int_equal(strlen(r.docs[1]), len - 8 + 2);
	assert_string_equal(r.docs[2], "{\"b\":2}");
	assert_int_equal(r.lines[2], 3);
	result_free(&r);
	free(big);
}

/* Writes `count` events as NDJSON, an array or a search response into one string. */
static char *generate(int kind, int count, size_t *len)
{
	size_t cap = (size_t)count * 160 + 256, n = 0;
	char *s = malloc(cap);

	if (kind == 1)
		n += (size_t)snprintf(s + n, cap - n, "[\n");
	if (kind == 2)
		n += (size_t)snprintf(s + n, cap - n, "{\"took\":1,\"hits\":{\"total\":{\"value\":%d},\"hits\":[\n", count);
	for (int i = 0; i < count; i++) {
		const char *sep = kind != 0 && i + 1 < count ? "," : "";

		if (kind == 2)
			n += (size_t)snprintf(s + n, cap - n, "{\"_id\":\"%d\",\"_source\":{\"n\":%d,\"s\":\"%0*d\"}}%s\n",
					      i, i, i % 90, 0, sep);
		else
			n += (size_t)snprintf(s + n, cap - n, "{\"n\":%d,\"s\":\"%0*d\"}%s\n", i, i % 90, 0, sep);
	}
	if (kind == 1)
		n += (size_t)snprintf(s + n, cap - n, "]\n");
	if (kind == 2)
		n += (size_t)snprintf(s + n, cap - n, "]}}\n");
	*len = n;
	return s;
}

static void memory_stays_bounded(void **state)
{
	(void)state;
	for (int kind = 0; kind < 3; kind++) {
		const int count = 200000;
		size_t len;
		char *text = generate(kind, count, &len);
		struct result r;

		read_input(write_fixture("many.json", text, len), 4096, 4096, &r);
		assert_int_equal(r.rc, 0);
		assert_int_equal(r.count, count);
		assert_int_equal(r.skipped, 0);
		assert_int_equal(r.lines[MAX_DOCS - 1], kind == 0 ? MAX_DOCS : MAX_DOCS + 1);
		assert_true(r.buffer_size <= 4096 + 2 * 4096);
		result_free(&r);
		free(text);
	}
}

static void empty_and_odd_inputs(void **state)
{
	struct result r;

	(void)state;
	read_default(write_text("empty.json", ""), &r);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.count, 0);
	result_free(&r);

	read_default(write_text("blank.json", " \n\r\n\t"), &r);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.count, 0);
	result_free(&r);

	read_default(write_fixture("utf16.json", "\xff\xfe{\0}\0", 6), &r);
	assert_int_equal(r.rc, -1);
	assert_int_equal(r.count, 0);
	assert_non_null(strstr(r.messages, "UTF-16"));
	result_free(&r);

	read_default(write_text("unclosed.json", "{\"a\":1}\n{\"b\":"), &r);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.count, 1);
	assert_int_equal(r.skipped, 1);
	result_free(&r);

	read_default(fixture_path("does-not-exist.json"), &r);
	assert_int_equal(r.rc, -2);
	assert_non_null(strstr(r.messages, "does-not-exist.json: cannot open"));
	result_free(&r);

	read_default(tmp_dir, &r);
	assert_int_equal(r.rc, -2);
	assert_non_null(strstr(r.messages, "is a directory"));
	result_free(&r);
}

/* Documents in each ECS sample file, counted by hand from the files. */
static const struct {
	const char *path;
	size_t count;
} ecs_samples[] = {
	{ "endpoint/file__sample_event.json", 1 },
	{ "endpoint/process__sample_event.json", 1 },
	{ "endpoint/registry__sample_event.json", 1 },
	{ "endpoint/schema_example_v1__file_modified_linux.json", 1 },
	{ "endpoint/schema_example_v1__file_modified_windows.json", 1 },
	{ "endpoint/schema_example_v1__registry_creation.json", 1 },
	{ "endpoint/schema_example_v1__registry_modification.json", 1 },
	{ "fim/fim_etw_backend_expected_extract.ndjson", 3 },
	{ "fim/fim_event_sample_event.json", 1 },
	{ "windows_sysmon/sysmon_operational_event13_registry_value_set.expected.json", 1 },
};

static void ecs_sample_files(void **state)
{
	const char *data = getenv("SITEWATCH_DATA");
	char path[1024];

	(void)state;
	if (data == NULL) {
		fprintf(stderr, "SITEWATCH_DATA is not set; skipping the ECS sample files\n");
		skip();
	}
	snprintf(path, sizeof(path), "%s/ecs-samples", data);
	if (access(path, R_OK) != 0) {
		fprintf(stderr, "%s is absent; skipping the ECS sample files\n", path);
		skip();
	}

	for (size_t i = 0; i < sizeof(ecs_samples) / sizeof(ecs_samples[0]); i++) {
		struct result r;

		snprintf(path, sizeof(path), "%s/ecs-samples/%s", data, ecs_samples[i].path);
		read_default(path, &r);
		assert_int_equal(r.rc, 0);
		assert_int_equal(r.count, ecs_samples[i].count);
		assert_int_equal(r.skipped, 0);
		assert_true(r.docs[0][0] == '{');
		result_free(&r);
	}
}

static int remove_fixtures(void **state)
{
	DIR *dir = opendir(tmp_dir);
	struct dirent *entry;

	(void)state;
	if (dir == NULL)
		return 0;
	while ((entry = readdir(dir)) != NULL) {
		if (entry->d_name[0] != '.')
			unlink(fixture_path(entry->d_name));
	}
	closedir(dir);
	return rmdir(tmp_dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ndjson_blank_lines_crlf_bom),
		cmocka_unit_test(ndjson_bad_lines_skipped),
		cmocka_unit_test(ndjson_several_per_line),
		cmocka_unit_test(json_array_of_objects),
		cmocka_unit_test(json_array_one_line),
		cmocka_unit_test(json_array_broken_element),
		cmocka_unit_test(pretty_single_document),
		cmocka_unit_test(concatenated_pretty_documents),
		cmocka_unit_test(search_response_hits),
		cmocka_unit_test(ndjson_search_hits),
		cmocka_unit_test(eql_response_events),
		cmocka_unit_test(json_array_of_hits),
		cmocka_unit_test(reports_are_capped),
		cmocka_unit_test(gzip_two_members),
		cmocka_unit_test(gzip_trailing_garbage),
		cmocka_unit_test(gzip_truncated),
		cmocka_unit_test(zstd_two_frames),
		cmocka_unit_test(document_too_large),
		cmocka_unit_test(straddles_read_blocks),
		cmocka_unit_test(memory_stays_bounded),
		cmocka_unit_test(empty_and_odd_inputs),
		cmocka_unit_test(ecs_sample_files),
	};

	if (mkdtemp(tmp_dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, remove_fixtures);
}
