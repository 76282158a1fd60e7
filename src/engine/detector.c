#include "detector.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../event/timestamp.h"
#include "../util/arena.h"
#include "../util/buf.h"
#include "../util/diag.h"
#include "../util/xalloc.h"
#include "eval.h"
#include "sequence.h"

/* Key combinations one event may produce for one clause. */
#define MAX_KEY_COMBINATIONS 64
/* Values one join-key expression may contribute. */
#define MAX_KEY_VALUES 16

/* A result held by a "tail" pipe until the end of the input. */
struct held_result {
	char *keys;
	size_t keys_len;
	struct candidate **events;
	size_t nevents;
};

struct pipe_state {
	enum eql_pipe_kind kind;
	int64_t count;
	int64_t passed;              /* head: results let through so far */
	struct held_result *ring;    /* tail: the last `count` results */
	size_t ring_start, ring_len;
};

struct query_state {
	const struct eql_query *query;
	struct seq_matcher *seq;
	struct pipe_state *pipes;
	size_t npipes;
	int64_t emitted;
	bool done;
	size_t index;
	struct detector *owner;
};

struct heap {
	struct candidate **items;
	size_t len, cap;
};

struct detector {
	struct detector_options opts;
	struct field_set *fields;
	int ts_slot, tiebreaker_slot, category_slot, host_slot;
	struct query_state *queries;
	size_t nqueries, queries_cap;
	detector_result_fn on_result;
	void *arg;

	struct event_fields ev;
	struct arena scratch;
	struct buf keybuf;
	struct heap held;
	struct candidate *last_released;
	int64_t newest; /* newest timestamp fed in streaming mode */
	bool any_streamed;
	struct detector_stats stats;
};

void detector_options_default(struct detector_options *opts)
{
	struct scan_limits limits = SCAN_LIMITS_DEFAULT;

	memset(opts, 0, sizeof(*opts));
	opts->timestamp_field = "@timestamp";
	opts->category_field = "event.category";
	opts->host_field = "host.name";
	opts->size = -1;
	opts->max_sequences = 1000000;
	opts->reorder_window_ms = 5000;
	opts->reorder_max = 100000;
	opts->max_diagnostics = 20;
	opts->scan = limits;
}

struct detector *detector_new(const struct detector_options *opts,
			      detector_result_fn on_result, void *arg)
{
	struct detector *d = xcalloc(1, sizeof(*d));

	d->opts = *opts;
	d->on_result = on_result;
	d->arg = arg;
	d->fields = field_set_new();
	d->ts_slot = field_set_add(d->fields, opts->timestamp_field);
	d->category_slot = field_set_add(d->fields, opts->category_field);
	d->host_slot = field_set_add(d->fields, opts->host_field);
	d->tiebreaker_slot = opts->tiebreaker_field
		? field_set_add(d->fields, opts->tiebreaker_field) : -1;
	event_fields_init(&d->ev);
	arena_init(&d->scratch, 16384);
	return d;
}

struct field_set *detector_fields(struct detector *d)
{
	return d->fields;
}

static void result_sink(void *arg, const char *keys, size_t keys_len,
			struct candidate *const *events, size_t nevents);

size_t detector_add_query(struct detector *d, const struct eql_query *query)
{
	struct query_state *qs;

	d->queries = xgrow(d->queries, &d->queries_cap, d->nqueries + 1, sizeof(*d->queries));
	qs = &d->queries[d->nqueries];
	memset(qs, 0, sizeof(*qs));
	qs->query = query;
	qs->index = d->nqueries;
	qs->npipes = query->npipes;
	qs->pipes = xcalloc(query->npipes ? query->npipes : 1, sizeof(*qs->pipes));
	for (size_t i = 0; i < query->npipes; i++) {
		qs->pipes[i].kind = query->pipes[i].kind;
		qs->pipes[i].count = query->pipes[i].count;
		if (qs->pipes[i].kind == EQL_PIPE_TAIL && qs->pipes[i].count > 0)
			qs->pipes[i].ring = xcalloc((size_t)qs->pipes[i].count, sizeof(struct held_result));
	}
	return d->nqueries++;
}

void detector_start(struct detector *d)
{
	for (size_t i = 0; i < d->nqueries; i++) {
		struct query_state *qs = &d->queries[i];

		qs->owner = d;
		if (qs->query->kind == EQL_QUERY_SEQUENCE)
			qs->seq = seq_new(qs->query, d->opts.max_sequences, result_sink, qs);
	}
}

/* ---- results and pipes ---- */

static void held_free(struct held_result *h)
{
	for (size_t i = 0; i < h->nevents; i++)
		candidate_unref(h->events[i]);
	free(h->events);
	free(h->keys);
	memset(h, 0, sizeof(*h));
}

static void held_copy(struct held_result *h, const char *keys, size_t keys_len,
		      struct candidate *const *events, size_t nevents)
{
	h->keys = keys ? xstrndup(keys, keys_len) : NULL;
	h->keys_len = keys_len;
	h->events = xcalloc(nevents, sizeof(*h->events));
	h->nevents = nevents;
	for (size_t i = 0; i < nevents; i++)
		h->events[i] = candidate_ref(events[i]);
}

static void deliver(struct query_state *qs, const char *keys, size_t keys_len,
		    struct candidate *const *events, size_t nevents)
{
	struct detector *d = qs->owner;
	struct detector_result r = {
		.query = qs->index, .keys = keys, .keys_len = keys_len,
		.events = events, .nevents = nevents,
	};

	if (d->opts.size >= 0 && qs->emitted >= d->opts.size)
		return;
	d->on_result(d->arg, &r);
	d->stats.results++;
	qs->emitted++;
	if (d->opts.size >= 0 && qs->emitted >= d->opts.size)
		qs->done = true;
}

/* Passes a result through pipes[from..] and delivers what comes out. */
static void pipe_push(struct query_state *qs, size_t from, const char *keys,
		      size_t keys_len, struct candidate *const *events, size_t nevents)
{
	for (size_t i = from; i < qs->npipes; i++) {
		struct pipe_state *p = &qs->pipes[i];

		if (p->kind == EQL_PIPE_HEAD) {
			if (p->passed >= p->count)
				return;
			p->passed++;
			continue;
		}
		if (p->count <= 0)
			return;
		if (p->ring_len == (size_t)p->count) {
			held_free(&p->ring[p->ring_start]);
			held_copy(&p->ring[p->ring_start], keys, keys_len, events, nevents);
			p->ring_start = (p->ring_start + 1) % (size_t)p->count;
		} else {
			size_t at = (p->ring_start + p->ring_len) % (size_t)p->count;

			held_copy(&p->ring[at], keys, keys_len, events, nevents);
			p->ring_len++;
		}
		return;
	}
	deliver(qs, keys, keys_len, events, nevents);
}

/* Releases what the tail pipes hold, first pipe first. */
static void pipes_finish(struct query_state *qs)
{
	for (size_t i = 0; i < qs->npipes; i++) {
		struct pipe_state *p = &qs->pipes[i];

		if (p->kind != EQL_PIPE_TAIL || p->ring == NULL)
			continue;
		for (size_t k = 0; k < p->ring_len; k++) {
			struct held_result *h = &p->ring[(p->ring_start + k) % (size_t)p->count];

			pipe_push(qs, i + 1, h->keys, h->keys_len, h->events, h->nevents);
			held_free(h);
		}
		p->ring_len = 0;
		free(p->ring);
		p->ring = NULL;
	}
}

/* True when no further result of this query can come out of its pipes. */
static bool pipes_exhausted(const struct query_state *qs)
{
	for (size_t i = 0; i < qs->npipes; i++) {
		const struct pipe_state *p = &qs->pipes[i];

		if (p->kind == EQL_PIPE_TAIL)
			return false;
		if (p->passed >= p->count)
			return true;
	}
	return false;
}

static void result_sink(void *arg, const char *keys, size_t keys_len,
			struct candidate *const *events, size_t nevents)
{
	struct query_state *qs = arg;

	pipe_push(qs, 0, keys, keys_len, events, nevents);
	if (pipes_exhausted(qs))
		qs->done = true;
}

/* ---- ordering ---- */

static void heap_push(struct heap *h, struct candidate *c)
{
	size_t i;

	h->items = xgrow(h->items, &h->cap, h->len + 1, sizeof(*h->items));
	i = h->len++;
	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (candidate_compare(h->items[parent], c) <= 0)
			break;
		h->items[i] = h->items[parent];
		i = parent;
	}
	h->items[i] = c;
}

static struct candidate *heap_pop(struct heap *h)
{
	struct candidate *top = h->items[0];
	struct candidate *last = h->items[--h->len];
	size_t i = 0;

	for (;;) {
		size_t child = 2 * i + 1;

		if (child >= h->len)
			break;
		if (child + 1 < h->len && candidate_compare(h->items[child + 1], h->items[child]) < 0)
			child++;
		if (candidate_compare(last, h->items[child]) <= 0)
			break;
		h->items[i] = h->items[child];
		i = child;
	}
	if (h->len > 0)
		h->items[i] = last;
	return top;
}

/* Sends a candidate to each query it has hits for. */
static void dispatch(struct detector *d, struct candidate *c)
{
	const struct candidate_hit *hits[64];

	for (size_t q = 0; q < d->nqueries; q++) {
		struct query_state *qs = &d->queries[q];
		size_t n = 0;

		if (qs->done)
			continue;
		for (size_t i = 0; i < c->nhits && n < 64; i++) {
			if (c->hits[i].query == q)
				hits[n++] = &c->hits[i];
		}
		if (n == 0)
			continue;

		if (qs->seq == NULL)
			result_sink(qs, NULL, 0, &c, 1);
		else if (!c->late)
			seq_feed(qs->seq, c, hits, n);
	}
}

static void release(struct detector *d, struct candidate *c)
{
	dispatch(d, c);
	if (d->last_released != NULL)
		candidate_unref(d->last_released);
	d->last_released = c;
}

void detector_flush(struct detector *d)
{
	while (d->held.len > 0)
		release(d, heap_pop(&d->held));
}

/* Streaming: releases candidates that the reorder window no longer covers. */
static void release_window(struct detector *d)
{
	while (d->held.len > 0) {
		struct candidate *top = d->held.items[0];
		bool expired = top->timestamp < d->newest - d->opts.reorder_window_ms;

		if (!expired && d->held.len <= d->opts.reorder_max)
			break;
		release(d, heap_pop(&d->held));
	}
}

/* ---- evaluation of one event ---- */

static void value_json(struct buf *b, const struct value *v)
{
	switch (v->kind) {
	case VALUE_NULL: buf_puts(b, "null"); break;
	case VALUE_BOOL: buf_puts(b, v->u.boolean ? "true" : "false"); break;
	case VALUE_INT: buf_printf(b, "%" PRId64, v->u.integer); break;
	case VALUE_FLOAT:
		if (isfinite(v->u.real))
			buf_printf(b, "%.17g", v->u.real);
		else
			buf_puts(b, "null");
		break;
	case VALUE_STRING: buf_json_string(b, v->u.string.ptr, v->u.string.len); break;
	}
}

static bool value_same(const struct value *a, const struct value *b)
{
	if (a->kind != b->kind)
		return false;
	switch (a->kind) {
	case VALUE_NULL: return true;
	case VALUE_BOOL: return a->u.boolean == b->u.boolean;
	case VALUE_INT: return a->u.integer == b->u.integer;
	case VALUE_FLOAT: return a->u.real == b->u.real;
	case VALUE_STRING:
		return a->u.string.len == b->u.string.len &&
		       memcmp(a->u.string.ptr, b->u.string.ptr, a->u.string.len) == 0;
	}
	return false;
}

/*
 * The values one join-key expression contributes: every distinct non-null
 * value of a multi-valued field, or the expression's value. A plain key
 * without a value leaves the event out; an optional key (?field) without a
 * value joins on null. Null entries beside real values are ignored either
 * way: Elasticsearch's extra suite joins ["tag1", null, null] on "tag1"
 * only.
 */
static size_t key_values(struct detector *d, const struct eql_expr *e,
			 struct eval_ctx *ctx, struct value *out)
{
	size_t n = 0;
	bool optional = e->kind == EQL_EXPR_FIELD && e->u.field.optional;

	if (e->kind == EQL_EXPR_FIELD && e->u.field.slot >= 0) {
		unsigned count = event_fields_count(&d->ev, e->u.field.slot);

		for (unsigned i = 0; i < count && n < MAX_KEY_VALUES; i++) {
			const struct value *v = event_fields_get(&d->ev, e->u.field.slot, i);
			bool seen = false;

			if (v->kind == VALUE_NULL)
				continue;
			for (size_t k = 0; k < n && !seen; k++)
				seen = value_same(&out[k], v);
			if (!seen)
				out[n++] = *v;
		}
	} else {
		out[0] = eval_value(e, ctx);
		n = out[0].kind == VALUE_NULL && !optional ? 0 : 1;
	}
	if (n == 0 && optional)
		out[n++] = value_null();
	return n;
}

/* Adds to `hit` one key per combination of the key expressions' values. */
static bool add_keys(struct detector *d, const struct eql_query *q,
		     const struct eql_clause *clause, struct eval_ctx *ctx,
		     struct candidate_hit *hit)
{
	size_t nexpr = q->nby + clause->nby;
	struct value vals[32][MAX_KEY_VALUES];
	size_t counts[32], index[32] = { 0 };
	size_t combos = 1;

	if (nexpr > 32)
		nexpr = 32;
	for (size_t i = 0; i < nexpr; i++) {
		const struct eql_expr *e = i < q->nby ? q->by[i] : clause->by[i - q->nby];

		counts[i] = key_values(d, e, ctx, vals[i]);
		if (counts[i] == 0)
			return false;
		combos *= counts[i];
		if (combos > MAX_KEY_COMBINATIONS)
			combos = MAX_KEY_COMBINATIONS;
	}

	for (size_t c = 0; c < combos; c++) {
		buf_clear(&d->keybuf);
		buf_putc(&d->keybuf, '[');
		for (size_t i = 0; i < nexpr; i++) {
			if (i > 0)
				buf_putc(&d->keybuf, ',');
			value_json(&d->keybuf, &vals[i][index[i]]);
		}
		buf_putc(&d->keybuf, ']');
		candidate_add_key(hit, d->keybuf.data, d->keybuf.len);

		for (size_t i = nexpr; i-- > 0;) {
			if (++index[i] < counts[i])
				break;
			index[i] = 0;
		}
	}
	return true;
}

static struct candidate *evaluate(struct detector *d)
{
	struct eval_ctx ctx = { .ev = &d->ev, .scratch = &d->scratch };
	struct candidate *c = NULL;

	for (size_t q = 0; q < d->nqueries; q++) {
		const struct eql_query *query = d->queries[q].query;
		size_t nclauses = query->nclauses + (query->until != NULL);

		if (d->queries[q].done)
			continue;
		for (size_t i = 0; i < nclauses; i++) {
			const struct eql_clause *clause = i < query->nclauses ? &query->clauses[i] : query->until;
			unsigned index = i < query->nclauses ? (unsigned)i : CANDIDATE_UNTIL;
			struct candidate_hit *hit;

			arena_reset(&d->scratch);
			if (!eval_clause(clause, d->category_slot, &ctx))
				continue;
			if (c == NULL)
				c = candidate_new();
			hit = candidate_add_hit(c, (unsigned)q, index);
			if (query->kind != EQL_QUERY_EVENT && !add_keys(d, query, clause, &ctx, hit))
				c->nhits--;
		}
	}
	if (c != NULL && c->nhits == 0) {
		candidate_unref(c);
		c = NULL;
	}
	return c;
}

/* ---- feeding ---- */

static void report(struct detector *d, uint64_t count, const char *origin,
		   size_t line, const char *fmt, const char *detail)
{
	if (count > d->opts.max_diagnostics)
		return;
	diag_at(origin, line, fmt, detail);
	if (count == d->opts.max_diagnostics)
		diag_at(origin, line, "%s", "further messages of this kind are only counted");
}

/* Reads the event's timestamp, or explains in `why` what is wrong with it. */
static bool read_timestamp(struct detector *d, int64_t *ms, char *why, size_t size)
{
	const struct value *v;
	struct buf text = BUF_INIT;

	if (event_fields_count(&d->ev, d->ts_slot) == 0) {
		snprintf(why, size, "missing %s; event skipped", d->opts.timestamp_field);
		return false;
	}
	v = event_fields_get(&d->ev, d->ts_slot, 0);
	if (timestamp_parse(v, ms))
		return true;

	value_json(&text, v);
	snprintf(why, size, "invalid %s %.100s: expected ISO 8601 or epoch milliseconds; event skipped",
		 d->opts.timestamp_field, text.data);
	buf_free(&text);
	return false;
}

static void fill_candidate(struct detector *d, struct candidate *c,
			   const char *json, size_t len, int64_t ts)
{
	struct buf doc = BUF_INIT;

	c->timestamp = ts;
	c->order = d->stats.events;
	json_compact(json, len, &doc);
	c->doc_len = doc.len;
	c->doc = buf_detach(&doc);

	if (d->tiebreaker_slot >= 0 && event_fields_count(&d->ev, d->tiebreaker_slot) > 0) {
		c->tiebreaker = *event_fields_get(&d->ev, d->tiebreaker_slot, 0);
		if (c->tiebreaker.kind == VALUE_STRING) {
			c->strings = xstrndup(c->tiebreaker.u.string.ptr, c->tiebreaker.u.string.len);
			c->tiebreaker.u.string.ptr = c->strings;
		}
	}
	if (event_fields_count(&d->ev, d->host_slot) > 0) {
		const struct value *host = event_fields_get(&d->ev, d->host_slot, 0);

		if (host->kind == VALUE_STRING) {
			c->host = xstrndup(host->u.string.ptr, host->u.string.len);
			c->host_len = host->u.string.len;
		}
	}
}

bool detector_feed(struct detector *d, const char *json, size_t len,
		   const char *origin, size_t line, bool streaming)
{
	char why[256];
	int64_t ts;
	struct candidate *c;

	d->stats.events++;
	if (!event_fields_scan(d->fields, &d->opts.scan, json, len, &d->ev, why, sizeof(why))) {
		report(d, ++d->stats.malformed, origin, line, "%s", why);
		return false;
	}
	if (!read_timestamp(d, &ts, why, sizeof(why))) {
		report(d, ++d->stats.no_timestamp, origin, line, "%s", why);
		return false;
	}
	if ((d->opts.has_from && ts < d->opts.from_ms) || (d->opts.has_to && ts > d->opts.to_ms)) {
		d->stats.out_of_range++;
		return true;
	}

	c = evaluate(d);
	if (c == NULL)
		return true;
	fill_candidate(d, c, json, len, ts);
	d->stats.candidates++;

	if (streaming && d->last_released != NULL && candidate_compare(c, d->last_released) < 0) {
		c->late = true;
		report(d, ++d->stats.late, origin, line,
		       "%s", "event older than the reorder window; sequences skip it (raise --reorder-window)");
		dispatch(d, c);
		candidate_unref(c);
		return true;
	}
	/*
	 * NOTE: finite inputs are held until detector_flush(), so an event
	 * query that matches most of a large input holds all its matches.
	 */
	heap_push(&d->held, c);
	if (streaming) {
		if (!d->any_streamed || ts > d->newest)
			d->newest = ts;
		d->any_streamed = true;
		release_window(d);
	}
	return true;
}

void detector_finish(struct detector *d)
{
	detector_flush(d);
	for (size_t q = 0; q < d->nqueries; q++)
		pipes_finish(&d->queries[q]);
	for (size_t q = 0; q < d->nqueries; q++) {
		if (d->queries[q].seq != NULL)
			d->stats.sequences_dropped += seq_stats(d->queries[q].seq)->dropped;
	}
}

bool detector_done(const struct detector *d)
{
	for (size_t q = 0; q < d->nqueries; q++) {
		if (!d->queries[q].done)
			return false;
	}
	return d->nqueries > 0;
}

const struct detector_stats *detector_stats(const struct detector *d)
{
	return &d->stats;
}

void detector_free(struct detector *d)
{
	if (d == NULL)
		return;
	while (d->held.len > 0)
		candidate_unref(heap_pop(&d->held));
	free(d->held.items);
	if (d->last_released != NULL)
		candidate_unref(d->last_released);
	for (size_t q = 0; q < d->nqueries; q++) {
		struct query_state *qs = &d->queries[q];

		seq_free(qs->seq);
		for (size_t i = 0; i < qs->npipes; i++) {
			for (size_t k = 0; qs->pipes[i].ring && k < (size_t)qs->pipes[i].count; k++)
				held_free(&qs->pipes[i].ring[k]);
			free(qs->pipes[i].ring);
		}
		free(qs->pipes);
	}
	free(d->queries);
	event_fields_free(&d->ev);
	arena_free(&d->scratch);
	buf_free(&d->keybuf);
	field_set_free(d->fields);
	free(d);
}
