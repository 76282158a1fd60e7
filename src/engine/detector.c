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
#include "datefmt.h"
#include "eval.h"
#include "sample.h"
#include "sequence.h"

/* Key combinations one event may produce for one clause. */
#define MAX_KEY_COMBINATIONS 64
/* Values one join-key expression may contribute. */
#define MAX_KEY_VALUES 16

/* A result held by a "tail" pipe or the tail result position until the end. */
struct held_result {
	char *keys;
	size_t keys_len;
	struct candidate **events; /* NULL entries: missing events */
	size_t nevents;
};

/* The last `cap` results, oldest first from `start`. */
struct ring {
	struct held_result *items;
	size_t cap, start, len;
};

struct pipe_state {
	enum eql_pipe_kind kind;
	int64_t count;
	int64_t passed;              /* head: results let through so far */
	struct ring ring;            /* tail: the last `count` results */
};

struct query_state {
	const struct eql_query *query;
	struct seq_matcher *seq;
	struct sample_matcher *sample;
	struct pipe_state *pipes;
	size_t npipes;
	struct ring last;            /* --result-position tail: the last `size` results */
	bool keep_last;
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
	size_t nsamples;              /* sample queries among them */
	size_t nsequences;
	detector_result_fn on_result;
	void *arg;

	struct datefmt **date_formats; /* one per opts.date_fields entry */
	const struct datefmt **date_by_slot; /* field slot -> its format, or NULL */
	size_t ndate_slots;

	struct event_fields ev;
	struct arena scratch;
	struct buf keybuf;
	struct heap held;
	struct candidate *last_released;
	int64_t newest;    /* newest timestamp fed in streaming mode */
	int64_t latest;    /* latest timestamp of any event in range, candidate or not */
	int64_t watermark; /* streaming: sequences know every candidate before it */
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
	opts->max_samples_per_key = 1;
	opts->reorder_window_ms = 5000;
	opts->reorder_max = 100000;
	opts->max_diagnostics = 20;
	opts->input_complete = true;
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
	d->watermark = INT64_MIN;
	d->latest = INT64_MIN;
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
			qs->pipes[i].ring.cap = (size_t)qs->pipes[i].count;
	}
	/*
	 * The EQL API ignores result_position for samples: they come in key
	 * order and `size` takes the first ones (see docs/sequences.md).
	 */
	qs->keep_last = d->opts.result_tail && d->opts.size >= 0 &&
			query->kind != EQL_QUERY_SAMPLE;
	qs->last.cap = qs->keep_last ? (size_t)d->opts.size : 0;
	d->nsamples += query->kind == EQL_QUERY_SAMPLE;
	d->nsequences += query->kind == EQL_QUERY_SEQUENCE;
	return d->nqueries++;
}

/* Date fields by slot, now that every query has added the fields it reads. */
static void bind_date_fields(struct detector *d)
{
	char err[256];

	d->ndate_slots = field_set_count(d->fields);
	d->date_by_slot = xcalloc(d->ndate_slots ? d->ndate_slots : 1, sizeof(*d->date_by_slot));
	d->date_formats = xcalloc(d->opts.ndate_fields ? d->opts.ndate_fields : 1,
				  sizeof(*d->date_formats));
	for (size_t i = 0; i < d->opts.ndate_fields; i++) {
		const struct detector_date_field *f = &d->opts.date_fields[i];
		int slot = field_set_find(d->fields, f->path);

		/* The caller checked the format; a bad one here leaves the field as it is. */
		d->date_formats[i] = datefmt_parse(f->format, err, sizeof(err));
		if (slot >= 0 && (size_t)slot < d->ndate_slots && d->date_formats[i] != NULL)
			d->date_by_slot[slot] = d->date_formats[i];
	}
}

void detector_start(struct detector *d)
{
	struct seq_options so = {
		.max_pending = d->opts.max_sequences,
		.has_from = d->opts.has_from, .has_to = d->opts.has_to,
		.from_ms = d->opts.from_ms, .to_ms = d->opts.to_ms,
	};

	bind_date_fields(d);
	for (size_t i = 0; i < d->nqueries; i++) {
		struct query_state *qs = &d->queries[i];

		qs->owner = d;
		if (qs->query->kind == EQL_QUERY_SEQUENCE)
			qs->seq = seq_new(qs->query, &so, result_sink, qs);
		else if (qs->query->kind == EQL_QUERY_SAMPLE)
			qs->sample = sample_new(qs->query, d->opts.max_sequences,
						d->opts.max_samples_per_key, result_sink, qs);
	}
}

/* ---- results and pipes ---- */

const struct candidate *detector_result_last(const struct detector_result *r)
{
	const struct candidate *best = NULL;

	for (size_t i = 0; i < r->nevents; i++) {
		const struct candidate *c = r->events[i];

		if (c == NULL)
			continue;
		if (best == NULL || (best->untimed && !c->untimed) ||
		    (!c->untimed && c->timestamp >= best->timestamp))
			best = c;
	}
	return best;
}

static void held_free(struct held_result *h)
{
	for (size_t i = 0; i < h->nevents; i++) {
		if (h->events[i] != NULL)
			candidate_unref(h->events[i]);
	}
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
		h->events[i] = events[i] ? candidate_ref(events[i]) : NULL;
}

/* Keeps a copy of the result, dropping the oldest when the ring is full. */
static void ring_keep(struct ring *r, const char *keys, size_t keys_len,
		      struct candidate *const *events, size_t nevents)
{
	size_t at;

	if (r->cap == 0)
		return;
	if (r->items == NULL)
		r->items = xcalloc(r->cap, sizeof(*r->items));
	if (r->len == r->cap) {
		held_free(&r->items[r->start]);
		at = r->start;
		r->start = (r->start + 1) % r->cap;
	} else {
		at = (r->start + r->len) % r->cap;
		r->len++;
	}
	held_copy(&r->items[at], keys, keys_len, events, nevents);
}

static void ring_free(struct ring *r)
{
	for (size_t k = 0; r->items != NULL && k < r->cap; k++)
		held_free(&r->items[k]);
	free(r->items);
	memset(r, 0, sizeof(*r));
}

static void deliver(struct query_state *qs, const char *keys, size_t keys_len,
		    struct candidate *const *events, size_t nevents)
{
	struct detector *d = qs->owner;
	struct detector_result r = {
		.query = qs->index, .keys = keys, .keys_len = keys_len,
		.events = events, .nevents = nevents,
	};

	if (qs->keep_last) {
		ring_keep(&qs->last, keys, keys_len, events, nevents);
		return;
	}
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
		ring_keep(&p->ring, keys, keys_len, events, nevents);
		return;
	}
	deliver(qs, keys, keys_len, events, nevents);
}

/* Releases what the tail pipes hold, first pipe first, then the tail result position. */
static void pipes_finish(struct query_state *qs)
{
	for (size_t i = 0; i < qs->npipes; i++) {
		struct ring *r = &qs->pipes[i].ring;

		for (size_t k = 0; r->items != NULL && k < r->len; k++) {
			struct held_result *h = &r->items[(r->start + k) % r->cap];

			pipe_push(qs, i + 1, h->keys, h->keys_len, h->events, h->nevents);
		}
		ring_free(r);
	}
	qs->keep_last = false;
	for (size_t k = 0; qs->last.items != NULL && k < qs->last.len; k++) {
		struct held_result *h = &qs->last.items[(qs->last.start + k) % qs->last.cap];

		deliver(qs, h->keys, h->keys_len, h->events, h->nevents);
	}
	ring_free(&qs->last);
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

		if (qs->done || qs->sample != NULL)
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

/*
 * Streaming: releases candidates that the reorder window no longer covers,
 * then advances the sequences to the window's edge. A candidate older than
 * the edge arrives late, and sequences skip it.
 */
static void release_window(struct detector *d)
{
	int64_t edge = d->newest - d->opts.reorder_window_ms;

	while (d->held.len > 0) {
		struct candidate *top = d->held.items[0];
		bool expired = top->timestamp < edge;

		if (!expired && d->held.len <= d->opts.reorder_max)
			break;
		release(d, heap_pop(&d->held));
	}
	if (d->nsequences == 0 || edge <= d->watermark)
		return;
	d->watermark = edge;
	for (size_t q = 0; q < d->nqueries; q++) {
		if (d->queries[q].seq != NULL)
			seq_advance(d->queries[q].seq, edge);
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
 * A key value of a date field, as Elasticsearch reports it: epoch
 * milliseconds for a sample (a composite aggregation key), ISO 8601 for a
 * sequence (test_extra.toml, test_sample.toml). A value the format cannot
 * read is kept as it is.
 */
static struct value date_key(struct detector *d, const struct datefmt *f,
			     const struct value *v, bool sample)
{
	int64_t ms;
	char *text;

	if (!datefmt_read(f, v, &ms))
		return *v;
	if (sample)
		return value_int(ms);
	text = arena_alloc(&d->scratch, TIMESTAMP_TEXT_MAX);
	timestamp_format(ms, text, TIMESTAMP_TEXT_MAX);
	return value_string(text, strlen(text));
}

static const struct datefmt *date_format_of(const struct detector *d, const struct eql_expr *e)
{
	int slot = e->u.field.slot;

	return slot >= 0 && (size_t)slot < d->ndate_slots ? d->date_by_slot[slot] : NULL;
}

/*
 * The values one join-key expression contributes: every distinct non-null
 * value of a multi-valued field, or the expression's value. A plain key
 * without a value leaves the event out; an optional key (?field) without a
 * value joins on null. Null entries beside real values are ignored either
 * way: Elasticsearch's extra suite joins ["tag1", null, null] on "tag1"
 * only.
 */
static size_t key_values(struct detector *d, const struct eql_expr *e, bool sample,
			 struct eval_ctx *ctx, struct value *out)
{
	size_t n = 0;
	bool optional = e->kind == EQL_EXPR_FIELD && e->u.field.optional;

	if (e->kind == EQL_EXPR_FIELD && e->u.field.slot >= 0) {
		unsigned count = event_fields_count(&d->ev, e->u.field.slot);
		const struct datefmt *date = date_format_of(d, e);

		for (unsigned i = 0; i < count && n < MAX_KEY_VALUES; i++) {
			struct value v = *event_fields_get(&d->ev, e->u.field.slot, i);
			bool seen = false;

			if (v.kind == VALUE_NULL)
				continue;
			/*
			 * NOTE: an `ip` field joins on its text, where Elasticsearch
			 * joins on the address ("::ffff:10.0.0.1" is "10.0.0.1" there).
			 */
			if (date != NULL)
				v = date_key(d, date, &v, sample);
			for (size_t k = 0; k < n && !seen; k++)
				seen = value_same(&out[k], &v);
			if (!seen)
				out[n++] = v;
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

		counts[i] = key_values(d, e, q->kind == EQL_QUERY_SAMPLE, ctx, vals[i]);
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

/* Evaluates every clause of every query (of the sample queries only, with `samples_only`). */
static struct candidate *evaluate(struct detector *d, bool samples_only)
{
	struct eval_ctx ctx = { .ev = &d->ev, .scratch = &d->scratch };
	struct candidate *c = NULL;

	for (size_t q = 0; q < d->nqueries; q++) {
		const struct eql_query *query = d->queries[q].query;
		size_t nclauses = query->nclauses + (query->until != NULL);

		if (d->queries[q].done || (samples_only && query->kind != EQL_QUERY_SAMPLE))
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

/*
 * Gives the sample queries their hits of `c`, in input order. Returns true
 * when `c` also has hits of other queries.
 */
static bool feed_samples(struct detector *d, struct candidate *c)
{
	const struct candidate_hit *hits[64];
	bool others = false;

	for (size_t q = 0; q < d->nqueries; q++) {
		struct query_state *qs = &d->queries[q];
		size_t n = 0;

		for (size_t i = 0; i < c->nhits; i++) {
			if (c->hits[i].query != q)
				continue;
			/* NOTE: past 64 filters passed by one event, as in dispatch(), the rest are not fed. */
			if (qs->sample == NULL)
				others = true;
			else if (n < 64)
				hits[n++] = &c->hits[i];
		}
		if (n > 0)
			sample_feed(qs->sample, c, hits, n);
	}
	return others;
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
		snprintf(why, size, "missing %s", d->opts.timestamp_field);
		return false;
	}
	v = event_fields_get(&d->ev, d->ts_slot, 0);
	if (timestamp_parse(v, ms))
		return true;

	value_json(&text, v);
	snprintf(why, size, "invalid %s %.100s: expected ISO 8601 or epoch milliseconds",
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

/*
 * An event without a valid timestamp: sample queries take it, as
 * Elasticsearch's samples need no timestamp; every other query skips it.
 * A time range (--from/--to) excludes it, as Elasticsearch's range filter
 * does.
 */
static bool feed_untimed(struct detector *d, const char *json, size_t len,
			 const char *origin, size_t line, const char *why)
{
	struct candidate *c;

	if (d->nsamples == 0 || d->opts.has_from || d->opts.has_to) {
		report(d, ++d->stats.no_timestamp, origin, line, "%s; event skipped", why);
		return false;
	}
	if (d->nsamples < d->nqueries)
		report(d, ++d->stats.no_timestamp, origin, line,
		       "%s; only the sample queries use this event", why);

	c = evaluate(d, true);
	if (c == NULL)
		return true;
	fill_candidate(d, c, json, len, 0);
	c->untimed = true;
	d->stats.candidates++;
	feed_samples(d, c);
	candidate_unref(c);
	return true;
}

/* Streaming: a candidate behind what sequences have already been given. */
static bool is_late(const struct detector *d, const struct candidate *c)
{
	if (d->last_released != NULL && candidate_compare(c, d->last_released) < 0)
		return true;
	return c->timestamp < d->watermark;
}

/* Takes candidate `c` (its reference): samples now, the rest in order. */
static void hold(struct detector *d, struct candidate *c, const char *json, size_t len,
		 int64_t ts, const char *origin, size_t line, bool streaming)
{
	fill_candidate(d, c, json, len, ts);
	d->stats.candidates++;
	if (d->nsamples > 0 && !feed_samples(d, c)) {
		candidate_unref(c);
		return;
	}

	if (streaming && is_late(d, c)) {
		c->late = true;
		report(d, ++d->stats.late, origin, line,
		       "%s", "event older than the reorder window; sequences skip it (raise --reorder-window)");
		dispatch(d, c);
		candidate_unref(c);
		return;
	}
	/*
	 * NOTE: finite inputs are held until detector_flush(), so an event
	 * query that matches most of a large input holds all its matches.
	 */
	heap_push(&d->held, c);
}

/* Streaming: every event, candidate or not, moves the reorder window. */
static void advance_stream(struct detector *d, int64_t ts)
{
	if (!d->any_streamed || ts > d->newest)
		d->newest = ts;
	d->any_streamed = true;
	release_window(d);
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
	if (!read_timestamp(d, &ts, why, sizeof(why)))
		return feed_untimed(d, json, len, origin, line, why);
	if ((d->opts.has_from && ts < d->opts.from_ms) || (d->opts.has_to && ts > d->opts.to_ms)) {
		d->stats.out_of_range++;
		return true;
	}
	if (ts > d->latest)
		d->latest = ts;

	c = evaluate(d, false);
	if (c != NULL)
		hold(d, c, json, len, ts, origin, line, streaming);
	if (streaming)
		advance_stream(d, ts);
	return true;
}

static void add_seq_stats(struct detector_stats *st, const struct seq_stats *s)
{
	st->sequences_evicted += s->evicted;
	st->sequences_undecided += s->undecided;
	st->sequences_open_at_end += s->open_at_end;
	st->missing_forgotten += s->forgotten;
}

void detector_finish(struct detector *d)
{
	detector_flush(d);
	for (size_t q = 0; q < d->nqueries; q++) {
		struct query_state *qs = &d->queries[q];

		if (qs->seq != NULL) {
			/*
			 * Every event has been read: the windows that end before the
			 * latest one, candidate or not, were seen whole.
			 */
			if (d->opts.input_complete && d->latest > INT64_MIN && d->latest < INT64_MAX)
				seq_advance(qs->seq, d->latest + 1);
			seq_finish(qs->seq, d->opts.input_complete);
			add_seq_stats(&d->stats, seq_stats(qs->seq));
		}
		if (qs->sample != NULL) {
			sample_finish(qs->sample);
			d->stats.sample_keys_rejected += sample_stats(qs->sample)->keys_rejected;
			d->stats.sample_searches_stopped += sample_stats(qs->sample)->search_stopped;
		}
	}
	for (size_t q = 0; q < d->nqueries; q++)
		pipes_finish(&d->queries[q]);
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
		sample_free(qs->sample);
		for (size_t i = 0; i < qs->npipes; i++)
			ring_free(&qs->pipes[i].ring);
		ring_free(&qs->last);
		free(qs->pipes);
	}
	free(d->queries);
	for (size_t i = 0; d->date_formats != NULL && i < d->opts.ndate_fields; i++)
		datefmt_free(d->date_formats[i]);
	free(d->date_formats);
	free(d->date_by_slot);
	event_fields_free(&d->ev);
	arena_free(&d->scratch);
	buf_free(&d->keybuf);
	field_set_free(d->fields);
	free(d);
}
