/*
 * Runs Elasticsearch's sequence series spec (sequences.series-spec in the
 * reference data) through the sequence matcher.
 *
 * Each spec is a name, one line per clause listing the events that match
 * it (a token such as "A1": the number is the timestamp, the token is the
 * event's id), ";", then the expected sequences one per line, and ";".
 * The file's "//" lines are comments.
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
#include "util/xalloc.h"

#define MAX_LINES 16
#define MAX_EVENTS 256

struct spec_event {
	char id[16];
	char key[16]; /* "" when the token has no "key|" prefix */
	int64_t timestamp;
	unsigned clause;
};

struct spec {
	char name[128];
	struct spec_event events[MAX_EVENTS];
	size_t nevents;
	size_t nclauses;
	struct buf expected;
};

static void collect(void *arg, const char *keys, size_t keys_len,
		    struct candidate *const *events, size_t nevents)
{
	struct buf *out = arg;

	/* The spec writes the key before the first event: "r|W2 H4 I9". */
	if (keys_len > 4)
		buf_printf(out, "%.*s|", (int)(keys_len - 4), keys + 2);
	for (size_t i = 0; i < nevents; i++) {
		buf_puts(out, events[i]->doc);
		buf_putc(out, i + 1 < nevents ? ' ' : '\n');
	}
}

static int by_timestamp(const void *a, const void *b)
{
	const struct spec_event *x = a, *y = b;

	return (x->timestamp > y->timestamp) - (x->timestamp < y->timestamp);
}

static char *run_spec(struct spec *s)
{
	struct eql_clause clauses[MAX_LINES];
	struct eql_query q;
	struct buf out = BUF_INIT;
	struct seq_options opts = { .max_pending = 100000 };
	struct seq_matcher *m;

	memset(clauses, 0, sizeof(clauses));
	memset(&q, 0, sizeof(q));
	for (size_t i = 0; i < s->nclauses; i++)
		clauses[i].runs = 1;
	q.kind = EQL_QUERY_SEQUENCE;
	q.clauses = clauses;
	q.nclauses = s->nclauses;
	m = seq_new(&q, &opts, collect, &out);

	qsort(s->events, s->nevents, sizeof(s->events[0]), by_timestamp);
	for (size_t i = 0; i < s->nevents; i++) {
		struct candidate *c = candidate_new();
		struct candidate_hit *hit = candidate_add_hit(c, 0, s->events[i].clause);
		const struct candidate_hit *hits[1] = { hit };

		c->doc = xstrdup(s->events[i].id);
		c->timestamp = s->events[i].timestamp;
		c->order = i;
		if (s->events[i].key[0] != '\0') {
			char key[32];

			snprintf(key, sizeof(key), "[\"%s\"]", s->events[i].key);
			candidate_add_key(hit, key, strlen(key));
		} else {
			candidate_add_key(hit, "[]", 2);
		}
		seq_feed(m, c, hits, 1);
		candidate_unref(c);
	}
	seq_finish(m, true);
	seq_free(m);
	return buf_detach(&out);
}

static void add_events(struct spec *s, const char *line)
{
	char token[16];
	int used;

	if (s->nclauses == MAX_LINES)
		fail_msg("spec %s has more than %d clauses", s->name, MAX_LINES);
	while (sscanf(line, "%15s%n", token, &used) == 1) {
		if (s->nevents == MAX_EVENTS)
			fail_msg("spec %s has more than %d events", s->name, MAX_EVENTS);
		struct spec_event *e = &s->events[s->nevents++];
		char *bar = strchr(token, '|');
		const char *id = bar ? bar + 1 : token;
		const char *digits = id;

		if (bar != NULL) {
			*bar = '\0';
			snprintf(e->key, sizeof(e->key), "%s", token);
		}
		while (*digits && (*digits < '0' || *digits > '9'))
			digits++;
		snprintf(e->id, sizeof(e->id), "%s", id);
		e->timestamp = atoll(digits);
		e->clause = (unsigned)s->nclauses;
		line += used;
	}
	s->nclauses++;
}

static void normalise(struct buf *b, const char *line)
{
	char token[16];
	int used;
	bool first = true;

	while (sscanf(line, "%15s%n", token, &used) == 1) {
		if (!first)
			buf_putc(b, ' ');
		buf_puts(b, token);
		first = false;
		line += used;
	}
	if (!first)
		buf_putc(b, '\n');
}

static bool blank(const char *line)
{
	return line[strspn(line, " \t\r\n")] == '\0';
}

static void series_spec(void **state)
{
	const char *data = getenv("SITEWATCH_DATA");
	char path[4096], line[1024];
	struct spec s;
	int phase = 0; /* 0 name, 1 clauses, 2 expected */
	size_t specs = 0;
	FILE *f;

	(void)state;
	if (data == NULL)
		skip();
	snprintf(path, sizeof(path), "%s/eql-conformance/sequences.series-spec", data);
	f = fopen(path, "r");
	if (f == NULL) {
		print_message("reference data not found at %s; skipping the series spec\n", path);
		skip();
	}

	memset(&s, 0, sizeof(s));
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "//", 2) == 0 || (phase != 1 && blank(line)))
			continue;
		if (phase == 0) {
			sscanf(line, "%127s", s.name);
			phase = 1;
		} else if (line[strspn(line, " ")] == ';') {
			if (phase == 2) {
				char *got = run_spec(&s);

				if (strcmp(got, s.expected.data ? s.expected.data : "") != 0)
					fail_msg("spec %s: expected\n%sgot\n%s", s.name,
						 s.expected.data ? s.expected.data : "", got);
				free(got);
				buf_free(&s.expected);
				memset(&s, 0, sizeof(s));
				specs++;
			}
			phase = phase == 1 ? 2 : 0;
		} else if (phase == 1) {
			if (!blank(line))
				add_events(&s, line);
		} else {
			normalise(&s.expected, line);
		}
	}
	fclose(f);
	print_message("%zu sequence specs checked\n", specs);
	assert_true(specs > 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(series_spec),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
