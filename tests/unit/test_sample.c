/*
 * The sample matcher on hand-made candidates: key order, the search for
 * distinct events (Elasticsearch's SampleIterator), and its caps.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine/sample.h"
#include "util/buf.h"

static void collect(void *arg, const char *keys, size_t keys_len,
		    struct candidate *const *events, size_t nevents)
{
	struct buf *out = arg;

	buf_append(out, keys, keys_len);
	for (size_t i = 0; i < nevents; i++) {
		buf_putc(out, ' ');
		buf_puts(out, events[i]->doc);
	}
	buf_putc(out, ';');
}

struct sampler {
	struct eql_clause clauses[16];
	struct eql_query query;
	struct sample_matcher *m;
	struct buf out;
};

static void sampler_init(struct sampler *s, size_t nfilters, size_t max_keys, size_t per_key)
{
	memset(s, 0, sizeof(*s));
	s->query.kind = EQL_QUERY_SAMPLE;
	s->query.clauses = s->clauses;
	s->query.nclauses = nfilters;
	s->m = sample_new(&s->query, max_keys, per_key, collect, &s->out);
}

/* Feeds event `id` with join key `key` (JSON array text) that passes the filters listed in `filters` ("013"). */
static void feed(struct sampler *s, const char *id, const char *key, const char *filters)
{
	struct candidate *c = candidate_new();
	const struct candidate_hit *hits[16];
	size_t n = 0;

	c->doc = strdup(id);
	for (const char *f = filters; *f != '\0'; f++) {
		struct candidate_hit *hit = candidate_add_hit(c, 0, (unsigned)(*f - '0'));

		candidate_add_key(hit, key, strlen(key));
	}
	for (size_t i = 0; i < c->nhits; i++)
		hits[n++] = &c->hits[i];
	sample_feed(s->m, c, hits, n);
	candidate_unref(c);
}

static char *finish(struct sampler *s)
{
	sample_finish(s->m);
	return s->out.data ? buf_detach(&s->out) : strdup("");
}

static void keys_sort_by_type_then_value(void **state)
{
	static const char *const keys[] = {
		"[\"ab\"]", "[\"a\\u0000b\"]", "[\"a\"]", "[\"A\"]", "[10]", "[2]", "[1.5]", "[-2]",
		"[true]", "[false]", "[null]",
	};
	struct sampler s;
	char *got;

	(void)state;
	sampler_init(&s, 1, 100, 1);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		feed(&s, "e", keys[i], "0");
	got = finish(&s);
	assert_string_equal(got, "[null] e;[false] e;[true] e;[-2] e;[1.5] e;[2] e;[10] e;"
			    "[\"A\"] e;[\"a\"] e;[\"a\\u0000b\"] e;[\"ab\"] e;");
	free(got);
	sample_free(s.m);
}

static void keys_sort_element_by_element(void **state)
{
	struct sampler s;
	char *got;

	(void)state;
	sampler_init(&s, 1, 100, 1);
	feed(&s, "e", "[\"b\",null]", "0");
	feed(&s, "e", "[\"a\",\"z\"]", "0");
	feed(&s, "e", "[\"b\",\"a\"]", "0");
	feed(&s, "e", "[\"a\",null]", "0");
	got = finish(&s);
	assert_string_equal(got, "[\"a\",null] e;[\"a\",\"z\"] e;[\"b\",null] e;[\"b\",\"a\"] e;");
	free(got);
	sample_free(s.m);
}

static void samples_are_distinct_events(void **state)
{
	struct sampler s;
	char *got;

	(void)state;
	/* The example of SampleIterator.matchSamples: [1 2 3] [4 5] [4 5 3] gives 1 4 5. */
	sampler_init(&s, 3, 100, 1);
	feed(&s, "1", "[]", "0");
	feed(&s, "2", "[]", "0");
	feed(&s, "4", "[]", "12");
	feed(&s, "5", "[]", "12");
	feed(&s, "3", "[]", "02");
	got = finish(&s);
	assert_string_equal(got, "[] 1 4 5;");
	free(got);
	sample_free(s.m);
}

static void last_filter_varies_fastest(void **state)
{
	struct sampler s;
	char *got;

	(void)state;
	sampler_init(&s, 2, 100, 3);
	feed(&s, "a1", "[]", "0");
	feed(&s, "a2", "[]", "0");
	feed(&s, "b1", "[]", "1");
	feed(&s, "b2", "[]", "1");
	got = finish(&s);
	assert_string_equal(got, "[] a1 b1;[] a1 b2;[] a2 b1;");
	free(got);
	sample_free(s.m);
}

static void filter_lists_keep_the_first_events(void **state)
{
	struct sampler s;
	char *got;

	(void)state;
	/* a1 passes both filters but fills one; a3 fills the other. */
	sampler_init(&s, 2, 100, 1);
	feed(&s, "a1", "[]", "01");
	feed(&s, "a2", "[]", "0");
	feed(&s, "a3", "[]", "1");
	got = finish(&s);
	assert_string_equal(got, "[] a1 a3;");
	free(got);
	sample_free(s.m);

	/* 2 filters and 1 sample per key: each list keeps 2 events, so a3 comes too late. */
	sampler_init(&s, 2, 100, 1);
	feed(&s, "a1", "[]", "01");
	feed(&s, "a2", "[]", "01");
	feed(&s, "a3", "[]", "1");
	got = finish(&s);
	assert_string_equal(got, "[] a1 a2;");
	free(got);
	sample_free(s.m);
}

static void max_keys_rejects_new_keys(void **state)
{
	struct sampler s;
	char *got;

	(void)state;
	sampler_init(&s, 1, 1, 1);
	feed(&s, "x", "[\"x\"]", "0");
	feed(&s, "y", "[\"y\"]", "0");
	feed(&s, "x2", "[\"x\"]", "0");
	got = finish(&s);
	assert_string_equal(got, "[\"x\"] x;");
	assert_int_equal(sample_stats(s.m)->keys_rejected, 1);
	free(got);
	sample_free(s.m);
}

static void search_stops_after_its_step_cap(void **state)
{
	struct sampler s;
	char *got;

	(void)state;
	/* 12 filters and 11 events that pass them all: no sample, and an exponential search. */
	sampler_init(&s, 12, 100, 1);
	for (int i = 0; i < 11; i++) {
		char id[8];

		snprintf(id, sizeof(id), "e%d", i);
		feed(&s, id, "[]", "0123456789:;");
	}
	got = finish(&s);
	assert_string_equal(got, "");
	assert_int_equal(sample_stats(s.m)->search_stopped, 1);
	free(got);
	sample_free(s.m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(keys_sort_by_type_then_value),
		cmocka_unit_test(keys_sort_element_by_element),
		cmocka_unit_test(samples_are_distinct_events),
		cmocka_unit_test(last_filter_varies_fastest),
		cmocka_unit_test(filter_lists_keep_the_first_events),
		cmocka_unit_test(max_keys_rejects_new_keys),
		cmocka_unit_test(search_stops_after_its_step_cap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
