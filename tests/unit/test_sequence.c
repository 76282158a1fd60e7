/*
 * Sequence matching on hand-made candidates, following Elasticsearch's
 * series spec: one pending sequence per stage and key, newer replaces
 * older, maxspan inclusive from the first event, until, runs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine/sequence.h"
#include "util/buf.h"

struct collected {
	struct buf text; /* "A1 B2;" per completed sequence */
};

static void collect(void *arg, const char *keys, size_t keys_len,
		    struct candidate *const *events, size_t nevents)
{
	struct collected *out = arg;

	(void)keys;
	(void)keys_len;
	for (size_t i = 0; i < nevents; i++) {
		if (i > 0)
			buf_putc(&out->text, ' ');
		buf_puts(&out->text, events[i]->doc);
	}
	buf_putc(&out->text, ';');
}

/*
 * Runs `script` through a sequence of `nclauses` clauses. Each word of the
 * script is an event: a clause letter (A for clause 0, B for 1...; U for
 * the until clause), an optional key after '|' and its timestamp, as in
 * "A1", "k2|B5".
 */
static char *run(size_t nclauses, const int64_t *runs, int64_t maxspan,
		 const char *script)
{
	struct eql_clause clauses[8];
	struct eql_query q;
	struct collected out = { BUF_INIT };
	struct seq_matcher *m;
	char word[32];
	const char *p = script;
	int consumed;

	memset(clauses, 0, sizeof(clauses));
	memset(&q, 0, sizeof(q));
	for (size_t i = 0; i < nclauses; i++)
		clauses[i].runs = runs ? runs[i] : 1;
	q.kind = EQL_QUERY_SEQUENCE;
	q.clauses = clauses;
	q.nclauses = nclauses;
	q.maxspan_ms = maxspan;
	m = seq_new(&q, 1000, collect, &out);

	while (sscanf(p, "%31s%n", word, &consumed) == 1) {
		const char *bar = strchr(word, '|');
		const char *ev = bar ? bar + 1 : word;
		char key[40];
		struct candidate *c = candidate_new();
		struct candidate_hit *hit;
		const struct candidate_hit *hits[1];

		snprintf(key, sizeof(key), "[\"%.*s\"]", bar ? (int)(bar - word) : 1, bar ? word : "k");
		c->doc = strdup(ev);
		c->timestamp = atoll(ev + 1);
		hit = candidate_add_hit(c, 0, ev[0] == 'U' ? CANDIDATE_UNTIL : (unsigned)(ev[0] - 'A'));
		candidate_add_key(hit, key, strlen(key));
		hits[0] = hit;
		seq_feed(m, c, hits, 1);
		candidate_unref(c);
		p += consumed;
	}
	seq_free(m);
	return buf_detach(&out.text);
}

static void check(size_t nclauses, int64_t maxspan, const char *script, const char *expected)
{
	char *got = run(nclauses, NULL, maxspan, script);

	assert_string_equal(got, expected);
	free(got);
}

static void sequence_trivial(void **state)
{
	(void)state;
	check(2, 0, "A1 B2", "A1 B2;");
}

static void sequence_newer_replaces_older_first_stage(void **state)
{
	(void)state;
	check(2, 0, "A1 A2 B3", "A2 B3;");
}

static void sequence_leftover_current_stage(void **state)
{
	(void)state;
	check(2, 0, "B1 A2 B3", "A2 B3;");
	check(2, 0, "A1 B2 B3 B4", "A1 B2;");
}

static void sequence_one_after_another(void **state)
{
	(void)state;
	check(2, 0, "A1 B2 A3 B4", "A1 B2;A3 B4;");
}

static void sequence_three_stages_replace_middle(void **state)
{
	(void)state;
	check(3, 0, "A1 B2 A3 B4 C5", "A3 B4 C5;");
}

static void sequence_keys_are_separate(void **state)
{
	(void)state;
	check(2, 0, "x|A1 y|A2 x|B3 y|B4", "A1 B3;A2 B4;");
	check(2, 0, "x|A1 y|B2", "");
}

static void sequence_maxspan_inclusive(void **state)
{
	(void)state;
	check(2, 10, "A1 B11", "A1 B11;");
	check(2, 10, "A1 B12", "");
	check(3, 10, "A1 B5 C11", "A1 B5 C11;");
	check(3, 10, "A1 B5 C12", "");
}

static void sequence_until_drops_pending(void **state)
{
	(void)state;
	check(2, 0, "A1 U2 B3", "");
	check(2, 0, "A1 U2 A3 B4", "A3 B4;");
	check(2, 0, "x|A1 y|U2 x|B3", "A1 B3;");
}

static void sequence_single_clause(void **state)
{
	(void)state;
	check(1, 0, "A1 A2 A3", "A1;A2;A3;");
}

static void sequence_runs(void **state)
{
	int64_t runs[2] = { 3, 1 };
	char *got;

	(void)state;
	got = run(2, runs, 0, "A1 A2 A3 B4");
	assert_string_equal(got, "A1 A2 A3 B4;");
	free(got);
	got = run(2, runs, 0, "A1 A2 B3");
	assert_string_equal(got, "");
	free(got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sequence_trivial),
		cmocka_unit_test(sequence_newer_replaces_older_first_stage),
		cmocka_unit_test(sequence_leftover_current_stage),
		cmocka_unit_test(sequence_one_after_another),
		cmocka_unit_test(sequence_three_stages_replace_middle),
		cmocka_unit_test(sequence_keys_are_separate),
		cmocka_unit_test(sequence_maxspan_inclusive),
		cmocka_unit_test(sequence_until_drops_pending),
		cmocka_unit_test(sequence_single_clause),
		cmocka_unit_test(sequence_runs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
