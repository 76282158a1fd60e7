/*
 * Alert suppression. The field names under kibana.alert.suppression are
 * Kibana's (terms, start, end, docs_count), so that suppressed alerts read
 * the same in both places.
 */
#include "suppress.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "engine/candidate.h"
#include "event/fields.h"
#include "event/timestamp.h"
#include "util/diag.h"
#include "util/strmap.h"
#include "util/xalloc.h"

/* The fields that identify "same file, same process", in the order of the terms. */
static const char *const term_fields[] = { "file.path", "process.pid", "process.start" };
#define NTERMS (sizeof(term_fields) / sizeof(term_fields[0]))

struct group {
	size_t query;
	int64_t start_ms;          /* @timestamp of the alert that opened the group */
	int64_t end_ms;            /* of the last suppressed one */
	uint64_t count;            /* suppressed alerts */
	char *terms;               /* JSON array of {"field", "value"} */
	struct candidate **events; /* the last suppressed match; references held */
	size_t nevents;
	char *keys;                /* its join keys (JSON), NULL for an event query */
	size_t keys_len;
};

struct suppress {
	struct detect_job *job;
	int64_t window_ms;
	size_t max_groups;
	bool warned_full;
	struct field_set *fields;
	int slots[NTERMS];
	struct event_fields ev;
	struct strmap groups;      /* key -> struct group */
	struct buf key, terms, members, expired;
	struct suppress_stats stats;
};

struct suppress *suppress_new(struct detect_job *job, int64_t window_ms, size_t max_groups)
{
	struct suppress *s = xcalloc(1, sizeof(*s));

	s->job = job;
	s->window_ms = window_ms;
	s->max_groups = max_groups;
	s->fields = field_set_new();
	for (size_t i = 0; i < NTERMS; i++)
		s->slots[i] = field_set_add(s->fields, term_fields[i]);
	event_fields_init(&s->ev);
	strmap_init(&s->groups);
	return s;
}

/* ---- keys and terms ---- */

/* The last event present in a match (a sequence may end with a missing one). */
static const struct candidate *last_event(const struct detector_result *r)
{
	for (size_t i = r->nevents; i > 0; i--) {
		if (r->events[i - 1] != NULL)
			return r->events[i - 1];
	}
	return NULL;
}

static void value_json(struct buf *b, const struct value *v)
{
	switch (v->kind) {
	case VALUE_NULL: buf_puts(b, "null"); break;
	case VALUE_BOOL: buf_puts(b, v->u.boolean ? "true" : "false"); break;
	case VALUE_INT: buf_printf(b, "%" PRId64, v->u.integer); break;
	case VALUE_FLOAT: buf_printf(b, "%.17g", v->u.real); break;
	case VALUE_STRING: buf_json_string(b, v->u.string.ptr, v->u.string.len); break;
	}
}

/*
 * Builds the group key (rule, then each term's values) and the terms array
 * from the last event of the match. An event the scanner rejects has no
 * terms: its alerts group by rule only.
 */
static void read_terms(struct suppress *s, const struct candidate *last, size_t query)
{
	struct scan_limits limits = SCAN_LIMITS_DEFAULT;
	char why[128];
	bool scanned = event_fields_scan(s->fields, &limits, last->doc, last->doc_len, &s->ev,
					 why, sizeof(why));

	buf_clear(&s->key);
	buf_clear(&s->terms);
	buf_printf(&s->key, "%zu", query);
	buf_putc(&s->terms, '[');
	for (size_t i = 0; i < NTERMS; i++) {
		unsigned n = scanned ? event_fields_count(&s->ev, s->slots[i]) : 0;

		buf_printf(&s->terms, "%s{\"field\":\"%s\",\"value\":", i ? "," : "", term_fields[i]);
		if (n == 0)
			buf_puts(&s->terms, "null");
		else
			buf_putc(&s->terms, '[');
		for (unsigned k = 0; k < n; k++) {
			if (k > 0)
				buf_putc(&s->terms, ',');
			value_json(&s->terms, event_fields_get(&s->ev, s->slots[i], k));
		}
		if (n > 0)
			buf_putc(&s->terms, ']');
		buf_putc(&s->terms, '}');
	}
	buf_putc(&s->terms, ']');
	buf_putc(&s->key, '\0');
	buf_append(&s->key, s->terms.data, s->terms.len);
}

static void write_members(struct buf *out, const char *terms, int64_t start_ms, int64_t end_ms,
			  uint64_t count)
{
	char start[TIMESTAMP_TEXT_MAX], end[TIMESTAMP_TEXT_MAX];

	timestamp_format(start_ms, start, sizeof(start));
	timestamp_format(end_ms, end, sizeof(end));
	buf_printf(out, "\"kibana\":{\"alert\":{\"suppression\":{\"terms\":%s,\"start\":\"%s\","
		   "\"end\":\"%s\",\"docs_count\":%" PRIu64 "}}}", terms, start, end, count);
}

/* ---- groups ---- */

static void drop_events(struct group *g)
{
	for (size_t i = 0; i < g->nevents; i++) {
		if (g->events[i] != NULL)
			candidate_unref(g->events[i]);
	}
	free(g->events);
	free(g->keys);
	g->events = NULL;
	g->nevents = 0;
	g->keys = NULL;
}

static void keep_events(struct group *g, const struct detector_result *r)
{
	drop_events(g);
	g->events = xcalloc(r->nevents, sizeof(*g->events));
	for (size_t i = 0; i < r->nevents; i++)
		g->events[i] = r->events[i] ? candidate_ref(r->events[i]) : NULL;
	g->nevents = r->nevents;
	if (r->keys != NULL) {
		g->keys = xstrndup(r->keys, r->keys_len);
		g->keys_len = r->keys_len;
	}
}

/* Prints the group's summary when it suppressed anything, then frees it. */
static void close_group(struct suppress *s, struct group *g)
{
	if (g->count > 0) {
		struct detector_result r = {
			.query = g->query,
			.keys = g->keys,
			.keys_len = g->keys_len,
			.events = g->events,
			.nevents = g->nevents,
		};

		buf_clear(&s->members);
		write_members(&s->members, g->terms, g->start_ms, g->end_ms, g->count);
		detect_job_emit(s->job, &r, s->members.data, s->members.len);
		s->stats.summaries++;
	}
	drop_events(g);
	free(g->terms);
	free(g);
}

static struct group *open_group(struct suppress *s, size_t query, int64_t ts)
{
	struct group *g = xcalloc(1, sizeof(*g));

	g->query = query;
	g->start_ms = ts;
	g->end_ms = ts;
	g->terms = xstrndup(s->terms.data, s->terms.len);
	*strmap_upsert(&s->groups, s->key.data, s->key.len) = g;
	return g;
}

static void say_full(struct suppress *s)
{
	s->stats.unsuppressed++;
	if (s->warned_full)
		return;
	s->warned_full = true;
	diag_warn("%zu alert suppression group%s open (--max-suppression-groups): further "
		  "alerts print without suppression until groups close", s->max_groups,
		  s->max_groups == 1 ? " is" : "s are");
}

bool suppress_alert(void *arg, const struct detector_result *r, struct buf *members)
{
	struct suppress *s = arg;
	const struct candidate *last = last_event(r);
	int64_t ts;
	struct group *g;

	if (last == NULL)
		return true;
	ts = last->timestamp;
	read_terms(s, last, r->query);
	g = strmap_get(&s->groups, s->key.data, s->key.len);
	if (g != NULL && ts <= g->start_ms + s->window_ms) {
		g->count++;
		g->end_ms = ts;
		keep_events(g, r);
		s->stats.suppressed++;
		return false;
	}
	if (g != NULL) {
		strmap_remove(&s->groups, s->key.data, s->key.len);
		close_group(s, g);
	}
	if (s->groups.count >= s->max_groups) {
		say_full(s);
		return true;
	}
	g = open_group(s, r->query, ts);
	write_members(members, g->terms, ts, ts, 0);
	return true;
}

/* ---- closing ---- */

struct expiry {
	int64_t before;            /* groups opened before this close */
	struct buf *keys;          /* length-prefixed keys */
};

static void collect(const char *key, size_t len, void *value, void *arg)
{
	struct expiry *e = arg;
	const struct group *g = value;

	if (g->start_ms < e->before) {
		buf_append(e->keys, &len, sizeof(len));
		buf_append(e->keys, key, len);
	}
}

static void close_before(struct suppress *s, int64_t before)
{
	struct expiry e = { before, &s->expired };
	size_t len;

	buf_clear(&s->expired);
	strmap_each(&s->groups, collect, &e);
	for (size_t off = 0; off < s->expired.len; off += sizeof(len) + len) {
		struct group *g;

		memcpy(&len, s->expired.data + off, sizeof(len));
		g = strmap_remove(&s->groups, s->expired.data + off + sizeof(len), len);
		if (g != NULL)
			close_group(s, g);
	}
}

void suppress_expire(struct suppress *s, int64_t now_ms)
{
	close_before(s, now_ms - s->window_ms);
}

void suppress_finish(struct suppress *s)
{
	close_before(s, INT64_MAX);
}

const struct suppress_stats *suppress_stats(const struct suppress *s)
{
	return &s->stats;
}

static void free_group(const char *key, size_t len, void *value, void *arg)
{
	struct group *g = value;

	(void)key;
	(void)len;
	(void)arg;
	drop_events(g);
	free(g->terms);
	free(g);
}

void suppress_free(struct suppress *s)
{
	if (s == NULL)
		return;
	strmap_each(&s->groups, free_group, NULL);
	strmap_free(&s->groups);
	event_fields_free(&s->ev);
	field_set_free(s->fields);
	buf_free(&s->key);
	buf_free(&s->terms);
	buf_free(&s->members);
	buf_free(&s->expired);
	free(s);
}
