/*
 * Tests of the input layer's filter and its worker threads
 * (input_set_filter, input_set_threads; src/io/parallel.c). A file read
 * with 1, 2 and 5 threads must give the same documents, line numbers,
 * counts and messages: the workers only pass over lines that the filter
 * rejects, as the reading thread would. Fixtures are written to a
 * mkdtemp() folder, big enough (tens of megabytes) for the workers to
 * start, and removed at the end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <unistd.h>

#include "io/input.h"
#include "io/parallel.h"
#include "util/buf.h"

static char tmp_dir[] = "/tmp/sitewatch-test-parallel-XXXXXX";

/* Everything one read returns, as text: each document with its line, then the counts. */
struct outcome {
	struct buf docs;
	size_t filtered, skipped, offset;
	int rc;
};

/* Keeps the lines that contain "keep"; the workers call it from several threads. */
static bool keep_filter(void *arg, const char *line, size_t len)
{
	(void)arg;
	return memmem(line, len, "keep", 4) != NULL;
}

static unsigned ticks;

static void count_tick(void *arg)
{
	(void)arg;
	ticks++;
}

static void read_with(const char *path, unsigned threads, bool filter, struct outcome *o)
{
	struct input_limits limits = { 1u << 20 };
	struct input *in = input_open(path, &limits);
	struct input_doc doc;

	memset(o, 0, sizeof(*o));
	assert_non_null(in);
	if (filter)
		input_set_filter(in, keep_filter, NULL);
	input_set_threads(in, threads);
	input_set_tick(in, count_tick, NULL);
	while ((o->rc = input_next(in, &doc)) == 1) {
		buf_printf(&o->docs, "%zu:", doc.line);
		buf_append(&o->docs, doc.json, doc.len);
		buf_putc(&o->docs, '\n');
	}
	o->filtered = input_filtered(in);
	o->skipped = input_skipped(in);
	o->offset = (size_t)input_offset(in);
	input_close(in);
}

static void assert_same(const struct outcome *a, const struct outcome *b)
{
	assert_int_equal(a->rc, b->rc);
	assert_int_equal(a->filtered, b->filtered);
	assert_int_equal(a->skipped, b->skipped);
	assert_int_equal(a->offset, b->offset);
	assert_int_equal(a->docs.len, b->docs.len);
	assert_memory_equal(a->docs.data, b->docs.data, a->docs.len);
}

static const char *path_of(const char *name)
{
	static char path[512];

	snprintf(path, sizeof(path), "%s/%s", tmp_dir, name);
	return path;
}

/*
 * About 40 MB of lines, most of them rejected, with what the workers must
 * leave alone sprinkled in: kept lines, blank lines, CRLF endings, leading
 * blanks, lines that are not objects, malformed lines, a line longer than
 * max_document, and a last line without a newline.
 */
static const char *write_mixed(void)
{
	const char *path = path_of("mixed.ndjson");
	FILE *f = fopen(path, "wb");
	char pad[700];

	assert_non_null(f);
	fputs("{\"outer\":{\"inner\":1}}\n", f);
	memset(pad, 'x', sizeof(pad) - 1);
	pad[sizeof(pad) - 1] = '\0';
	for (unsigned i = 0; i < 60000; i++) {
		switch (i % 997) {
		case 0: fprintf(f, "{\"n\":%u,\"keep\":true}\n", i); break;
		case 1: fputs("\n\n", f); break;
		case 2: fprintf(f, "  {\"n\":%u,\"crlf\":\"keep\"}\r\n", i); break;
		case 3: fputs("not json, keep or not\n", f); break;
		case 4: fprintf(f, "{\"n\":%u,\"broken\":\"keep}\n", i); break;
		case 5: fprintf(f, "{\"n\":%u,\"broken\": }\n", i); break;
		default: fprintf(f, "{\"n\":%u,\"pad\":\"%s\"}\n", i, pad); break;
		}
		if (i == 20000 || i == 40000) {
			/*
			 * Longer than max_document (1 MiB), and the second one longer
			 * than a worker's buffer: reported, whatever the filter says.
			 */
			fputs("{\"big\":\"", f);
			for (int k = 0; k < (i == 20000 ? 1600 : 7000); k++)
				fputs(pad, f);
			fputs("\"}\n", f);
		}
	}
	fputs("{\"last\":\"keep\"}", f);
	assert_int_equal(fclose(f), 0);
	return path;
}

static void threads_give_the_same_documents(void **state)
{
	const char *path = write_mixed();
	struct outcome one, two, five;

	(void)state;
	read_with(path, 1, true, &one);
	read_with(path, 2, true, &two);
	read_with(path, 5, true, &five);
	assert_same(&one, &two);
	assert_same(&one, &five);
	assert_int_equal(one.rc, 0);
	/* Most lines are rejected; the kept ones and the broken ones come through. */
	assert_true(one.filtered > 55000);
	assert_true(one.skipped > 100);
	assert_non_null(strstr(one.docs.data, "{\"last\":\"keep\"}"));
	buf_free(&one.docs);
	buf_free(&two.docs);
	buf_free(&five.docs);
}

/* Without a filter, or for a JSON array, the threads are not used and nothing changes. */
static void threads_need_a_filter_and_ndjson(void **state)
{
	const char *path = path_of("array.json");
	FILE *f = fopen(path, "wb");
	struct outcome one, four;

	(void)state;
	assert_non_null(f);
	fputs("[\n", f);
	for (unsigned i = 0; i < 40000; i++)
		fprintf(f, "%s{\"n\":%u,\"text\":\"%0600u\"}\n", i ? "," : "", i, i);
	fputs("]\n", f);
	assert_int_equal(fclose(f), 0);

	read_with(path, 1, true, &one);
	read_with(path, 4, true, &four);
	assert_same(&one, &four);
	assert_int_equal(one.filtered, 0);
	buf_free(&one.docs);
	buf_free(&four.docs);

	path = write_mixed();
	read_with(path, 1, false, &one);
	read_with(path, 4, false, &four);
	assert_same(&one, &four);
	assert_int_equal(one.filtered, 0);
	buf_free(&one.docs);
	buf_free(&four.docs);
}

/*
 * The workers start where the reader stopped, inside a line: its rest must
 * come through as it is, even when it looks like a line of its own that
 * the filter would reject: {"inner":1}} from the file's first line.
 */
static void the_first_line_end_passes_unfiltered(void **state)
{
	const char *path = write_mixed();
	struct par_filter filter = { .max_document = 1u << 20, .fn = keep_filter };
	FILE *f = fopen(path, "rb");
	char want[64], got[64];
	struct par *p;
	size_t n = 0;
	ssize_t r;

	(void)state;
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	p = par_start(fileno(f), 9, (uintmax_t)ftell(f), 2, &filter);
	assert_non_null(p);
	fseek(f, 9, SEEK_SET);
	assert_non_null(fgets(want, sizeof(want), f));
	while (n < strlen(want) && (r = par_read(p, got + n, strlen(want) - n)) > 0)
		n += (size_t)r;
	assert_int_equal(n, strlen(want));
	assert_memory_equal(got, want, n);
	par_stop(p);
	fclose(f);
}

static void the_tick_is_called(void **state)
{
	struct outcome o;

	(void)state;
	ticks = 0;
	read_with(write_mixed(), 1, true, &o);
	assert_true(ticks > 1000);
	buf_free(&o.docs);
}

static int make_dir(void **state)
{
	(void)state;
	return mkdtemp(tmp_dir) != NULL ? 0 : -1;
}

static int remove_dir(void **state)
{
	(void)state;
	unlink(path_of("mixed.ndjson"));
	unlink(path_of("array.json"));
	return rmdir(tmp_dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(threads_give_the_same_documents),
		cmocka_unit_test(threads_need_a_filter_and_ndjson),
		cmocka_unit_test(the_first_line_end_passes_unfiltered),
		cmocka_unit_test(the_tick_is_called),
	};

	/* The input layer reports malformed lines on stderr; they are expected here. */
	return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
