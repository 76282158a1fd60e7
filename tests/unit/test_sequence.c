/*
 * Sequence matching on hand-made candidates, following Elasticsearch's
 * series spec (one pending sequence per stage and key, newer replaces
 * older, maxspan inclusive from the first event, until, runs), its missing
 * events (TumblingWindow's checks, test_missing_events.toml), and the
 * matcher's memory bounds (expiry after maxspan, eviction at the cap).
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

/*
 * A run: `clauses` lists the clauses by letter, "!" before a missing one
 * and "*N" after one with runs=N ("A !M*2 B"). The script is a list of
 * words: an event is its clause letter (U for until) and timestamp, with
 * an optional "key|" prefix ("A1", "y|M13"); an event that passes several
 * clauses joins their letters with "+" ("T+A10"). "@T" calls
 * seq_advance(T): every event before T has been fed. An event prints as
 * its last letter and timestamp.
 */
struct run {
	const char *clauses;
	int64_t maxspan;
	size_t max_pending;       /* 0: 1000 */
	bool has_from, has_to;
	int64_t from, to;
	bool stopped;             /* the input did not end: seq_finish(false) */
	struct seq_stats stats;   /* after the run */
};

static void collect(void *arg, const char *keys, size_t keys_len,
		    struct candidate *const *events, size_t nevents)
{
	struct buf *out = arg;

	(void)keys;
	(void)keys_len;
	for (size_t i = 0; i < nevents; i++) {
		if (i > 0)
			buf_putc(out, ' ');
		buf_puts(out, events[i] ? events[i]->doc : "-");
	}
	buf_putc(out, ';');
}

static size_t parse_clauses(const char *spec, struct eql_clause *clauses, char *letters)
{
	size_t n = 0;

	for (const char *p = spec; *p != '\0';) {
		if (*p == ' ') {
			p++;
			continue;
		}
		memset(&clauses[n], 0, sizeof(clauses[n]));
		clauses[n].missing = *p == '!';
		p += clauses[n].missing;
		letters[n] = *p++;
		clauses[n].runs = 1;
		if (*p == '*')
			clauses[n].runs = strtoll(p + 1, (char **)&p, 10);
		n++;
	}
	return n;
}

static unsigned clause_of(const char *letters, size_t n, char letter)
{
	if (letter == 'U')
		return CANDIDATE_UNTIL;
	for (size_t i = 0; i < n; i++) {
		if (letters[i] == letter)
			return (unsigned)i;
	}
	fail_msg("event letter %c is not a clause", letter);
	return 0;
}

static void feed_word(struct seq_matcher *m, const char *word, const char *letters, size_t n)
{
	const char *bar = strchr(word, '|');
	const char *ev = bar ? bar + 1 : word;
	const char *digits = ev + strcspn(ev, "0123456789");
	char key[40];
	struct candidate *c;
	const struct candidate_hit *hits[8];
	size_t nhits = 0;

	if (ev[0] == '@') {
		seq_advance(m, atoll(ev + 1));
		return;
	}
	snprintf(key, sizeof(key), "[\"%.*s\"]", bar ? (int)(bar - word) : 1, bar ? word : "k");
	c = candidate_new();
	c->doc = strdup(digits - 1);
	c->timestamp = atoll(digits);
	/* "T+A10": one event that passes clauses T and A. */
	for (const char *l = ev; l < digits && nhits < 8; l += 2) {
		struct candidate_hit *hit = candidate_add_hit(c, 0, clause_of(letters, n, *l));

		candidate_add_key(hit, key, strlen(key));
	}
	for (size_t i = 0; i < c->nhits; i++)
		hits[nhits++] = &c->hits[i];
	seq_feed(m, c, hits, nhits);
	candidate_unref(c);
}

static char *run_script(struct run *r, const char *script)
{
	struct eql_clause clauses[16];
	char letters[16];
	struct eql_query q;
	struct buf out = BUF_INIT;
	struct seq_options opts = {
		.max_pending = r->max_pending ? r->max_pending : 1000,
		.has_from = r->has_from, .has_to = r->has_to,
		.from_ms = r->from, .to_ms = r->to,
	};
	struct seq_matcher *m;
	char word[32];
	int consumed;

	memset(&q, 0, sizeof(q));
	q.kind = EQL_QUERY_SEQUENCE;
	q.clauses = clauses;
	q.nclauses = parse_clauses(r->clauses, clauses, letters);
	q.maxspan_ms = r->maxspan;
	m = seq_new(&q, &opts, collect, &out);

	for (const char *p = script; sscanf(p, "%31s%n", word, &consumed) == 1; p += consumed)
		feed_word(m, word, letters, q.nclauses);
	seq_finish(m, !r->stopped);
	r->stats = *seq_stats(m);
	seq_free(m);
	return out.data ? buf_detach(&out) : strdup("");
}

static void expect(struct run *r, const char *script, const char *expected)
{
	char *got = run_script(r, script);

	if (strcmp(got, expected) != 0)
		fail_msg("clauses \"%s\", events \"%s\": expected \"%s\", got \"%s\"",
			 r->clauses, script, expected, got);
	free(got);
}

static void check(const char *clauses, int64_t maxspan, const char *script, const char *expected)
{
	struct run r = { .clauses = clauses, .maxspan = maxspan };

	expect(&r, script, expected);
}

/* ---- positive clauses ---- */

static void sequence_trivial(void **state)
{
	(void)state;
	check("A B", 0, "A1 B2", "A1 B2;");
}

static void sequence_newer_replaces_older_first_stage(void **state)
{
	(void)state;
	check("A B", 0, "A1 A2 B3", "A2 B3;");
}

static void sequence_leftover_current_stage(void **state)
{
	(void)state;
	check("A B", 0, "B1 A2 B3", "A2 B3;");
	check("A B", 0, "A1 B2 B3 B4", "A1 B2;");
}

static void sequence_one_after_another(void **state)
{
	(void)state;
	check("A B", 0, "A1 B2 A3 B4", "A1 B2;A3 B4;");
}

static void sequence_three_stages_replace_middle(void **state)
{
	(void)state;
	check("A B C", 0, "A1 B2 A3 B4 C5", "A3 B4 C5;");
}

static void sequence_keys_are_separate(void **state)
{
	(void)state;
	check("A B", 0, "x|A1 y|A2 x|B3 y|B4", "A1 B3;A2 B4;");
	check("A B", 0, "x|A1 y|B2", "");
}

static void sequence_maxspan_inclusive(void **state)
{
	(void)state;
	check("A B", 10, "A1 B11", "A1 B11;");
	check("A B", 10, "A1 B12", "");
	check("A B C", 10, "A1 B5 C11", "A1 B5 C11;");
	check("A B C", 10, "A1 B5 C12", "");
}

static void sequence_until_drops_pending(void **state)
{
	(void)state;
	check("A B", 0, "A1 U2 B3", "");
	check("A B", 0, "A1 U2 A3 B4", "A3 B4;");
	check("A B", 0, "x|A1 y|U2 x|B3", "A1 B3;");
}

static void sequence_single_clause(void **state)
{
	(void)state;
	check("A", 0, "A1 A2 A3", "A1;A2;A3;");
}

static void sequence_runs(void **state)
{
	(void)state;
	check("A*3 B", 0, "A1 A2 A3 B4", "A1 A2 A3 B4;");
	check("A*3 B", 0, "A1 A2 B3", "");
	/* until drops a run half done, and one that has filled its run. */
	check("A*2 B", 0, "A1 U2 A3 A4 B5", "A3 A4 B5;");
	check("A*2 B", 0, "A1 A2 U3 B4", "");
	check("A B*2", 0, "A1 B2 U3 B4", "");
}

/* ---- missing events ---- */

static void missing_in_the_middle(void **state)
{
	(void)state;
	check("A !M B", 10, "A1 B3", "A1 - B3;");
	check("A !M B", 10, "A1 M2 B3", "");
	/* Strictly between: a missing event at either end's timestamp does not count. */
	check("A !M B", 10, "A1 M1 B3", "A1 - B3;");
	check("A !M B", 10, "A1 M3 B3", "A1 - B3;");
	/* Only a missing event with the sequence's key counts. */
	check("A !M B", 10, "x|A1 y|M2 x|B3", "A1 - B3;");
	/* Before the sequence started, it does not count either. */
	check("A !M B", 10, "M1 A2 B3", "A2 - B3;");
}

static void missing_in_the_middle_keeps_the_slot(void **state)
{
	(void)state;
	/* Elasticsearch checks missing events after matching: A1 B3 takes the place of A2. */
	check("A B !M C", 10, "A1 M2 B3 C4", "A1 B3 - C4;");
	check("A !M B C", 10, "A1 M2 B3 A4 C5", "");
}

static void missing_leading(void **state)
{
	(void)state;
	check("!M A", 10, "A5", "- A5;");
	check("!M A", 10, "M1 A5", "");
	check("!M A", 10, "M1 A11", "");
	check("!M A", 10, "M1 A12", "- A12;");
	/* The latest leading event counts, and one at the first event's time does not. */
	check("!M A B", 10, "M1 A12 B13", "- A12 B13;");
	check("!M A B", 10, "M1 M5 A12 B13", "");
	check("!M A", 10, "M5 A5", "- A5;");
}

static void missing_trailing(void **state)
{
	struct run r = { .clauses = "A !M", .maxspan = 10 };

	(void)state;
	check("A !M", 10, "A1 M5", "");
	check("A !M", 10, "A1 M11", "");
	check("A !M", 10, "A1 M12", "A1 -;");
	check("A !M", 10, "A1 @12", "A1 -;");
	check("A !M", 10, "A1 M1 @12", "A1 -;");
	/* The input ended inside the window: reported, as Elasticsearch does, and counted. */
	expect(&r, "A1", "A1 -;");
	assert_int_equal(r.stats.open_at_end, 1);
}

static void missing_leading_and_trailing(void **state)
{
	(void)state;
	/* Ruled out only when a leading and a trailing event lie within maxspan of each other. */
	check("!L A !T", 10, "L1 A5 T11", "");
	check("!L A !T", 10, "L1 A5 T12", "- A5 -;");
	check("!L A !T", 10, "L1 A5 @20", "- A5 -;");
	check("!L A !T", 10, "A5 T6", "- A5 -;");
	check("!L A !T", 10, "L1 A12 T13", "- A12 -;");
}

static void missing_runs(void **state)
{
	(void)state;
	check("A !M*2 B", 10, "A1 B5", "A1 - - B5;");
	check("A !M*2 B", 10, "A1 M2 B5", "");
}

static void missing_with_until(void **state)
{
	(void)state;
	check("A !M B", 10, "A1 U2 B3", "");
	check("A !M B", 10, "A1 B3 U4", "A1 - B3;");
	check("A B !M", 10, "A1 B3 U4 @20", "A1 B3 -;");
}

static void missing_results_keep_their_order(void **state)
{
	(void)state;
	/* x completes first; y is decided first (its window ends at 10, x's at 11). */
	check("A B !M", 10, "y|A0 x|A1 x|B3 y|B4 @11 @12", "A1 B3 -;A0 B4 -;");
	check("A B !M", 10, "y|A0 x|A1 x|B3 y|B4 x|M5 @12", "A0 B4 -;");
}

/* ---- the searched range ---- */

static void missing_trailing_window_past_to(void **state)
{
	struct run r = { .clauses = "A !M", .maxspan = 10, .has_to = true, .to = 5 };

	(void)state;
	expect(&r, "A1", "");
	assert_int_equal(r.stats.undecided, 1);
	r.to = 11;
	expect(&r, "A1", "A1 -;");
	assert_int_equal(r.stats.undecided, 0);
	assert_int_equal(r.stats.open_at_end, 0);
	r.to = 5;
	expect(&r, "A1 M3", "");
	assert_int_equal(r.stats.ruled_out, 1);
}

static void missing_leading_window_before_from(void **state)
{
	struct run r = { .clauses = "!M A", .maxspan = 10, .has_from = true, .from = 0 };

	(void)state;
	expect(&r, "A5", "");
	assert_int_equal(r.stats.undecided, 1);
	expect(&r, "A10", "- A10;");
	r.clauses = "!L A !T";
	expect(&r, "A5 T6", "");
	assert_int_equal(r.stats.undecided, 1);
	expect(&r, "A5 T10", "- A5 -;");
	expect(&r, "A5 @11", "- A5 -;");
}

static void missing_stopped_stream_decides_nothing(void **state)
{
	struct run r = { .clauses = "A !M", .maxspan = 10, .stopped = true };

	(void)state;
	expect(&r, "A1", "");
	assert_int_equal(r.stats.undecided, 1);
}

/* ---- memory ---- */

static void expired_sequences_are_dropped(void **state)
{
	struct run r = { .clauses = "A B", .maxspan = 10 };

	(void)state;
	expect(&r, "x|A1 y|A2 @12", "");
	assert_int_equal(r.stats.expired, 1);
	assert_int_equal(r.stats.pending, 1);
	expect(&r, "x|A1 y|A2 @13", "");
	assert_int_equal(r.stats.expired, 2);
	assert_int_equal(r.stats.pending, 0);
	/* A candidate moves time too: z's event expires x and y. */
	expect(&r, "x|A1 y|A2 z|A20 x|B21", "");
	assert_int_equal(r.stats.expired, 2);
	assert_int_equal(r.stats.pending, 1);
}

static void cap_evicts_the_oldest(void **state)
{
	struct run r = { .clauses = "A B", .max_pending = 2 };

	(void)state;
	expect(&r, "x|A1 y|A2 z|A3 x|B4 y|B5 z|B6", "A2 B5;A3 B6;");
	assert_int_equal(r.stats.evicted, 1);
	/* A sequence that moved on keeps its age: x is still the oldest. */
	expect(&r, "x|A1 y|A2 x|B3", "A1 B3;");
	r.clauses = "A B C";
	expect(&r, "x|A1 y|A2 x|B3 z|A4 x|C5 y|B6 z|B7 y|C8 z|C9", "A2 B6 C8;A4 B7 C9;");
	assert_int_equal(r.stats.evicted, 1);
}

static void cap_evicts_waiting_sequences_last(void **state)
{
	struct run r = { .clauses = "A !M", .maxspan = 10, .max_pending = 1 };

	(void)state;
	expect(&r, "x|A1 y|A2", "A2 -;");
	assert_int_equal(r.stats.evicted, 1);
	assert_int_equal(r.stats.pending, 0);
}

static void cap_keeps_sequences_decided_in_the_same_event(void **state)
{
	struct run r = { .clauses = "!L A !T", .maxspan = 10, .max_pending = 1,
			 .has_from = true, .from = 0 };

	(void)state;
	/* T+A10 accepts A5 (T reaches the deadline, 10), then needs room for A10. */
	expect(&r, "A5 T+A10", "- A5 -;- A10 -;");
	assert_int_equal(r.stats.evicted, 0);
}

static void cap_forgets_missing_events(void **state)
{
	struct run r = { .clauses = "A !M B", .maxspan = 10, .max_pending = 1 };

	(void)state;
	expect(&r, "x|M1 y|M2 x|A3", "");
	assert_int_equal(r.stats.forgotten, 1);
	expect(&r, "x|A1 x|M2 y|M3 x|B4", "A1 - B4;");
	assert_int_equal(r.stats.forgotten, 1);
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
		cmocka_unit_test(missing_in_the_middle),
		cmocka_unit_test(missing_in_the_middle_keeps_the_slot),
		cmocka_unit_test(missing_leading),
		cmocka_unit_test(missing_trailing),
		cmocka_unit_test(missing_leading_and_trailing),
		cmocka_unit_test(missing_runs),
		cmocka_unit_test(missing_with_until),
		cmocka_unit_test(missing_results_keep_their_order),
		cmocka_unit_test(missing_trailing_window_past_to),
		cmocka_unit_test(missing_leading_window_before_from),
		cmocka_unit_test(missing_stopped_stream_decides_nothing),
		cmocka_unit_test(expired_sequences_are_dropped),
		cmocka_unit_test(cap_evicts_the_oldest),
		cmocka_unit_test(cap_evicts_waiting_sequences_last),
		cmocka_unit_test(cap_keeps_sequences_decided_in_the_same_event),
		cmocka_unit_test(cap_forgets_missing_events),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
