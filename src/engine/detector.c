#include "detector.h"

#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../event/timestamp.h"
#include "../util/arena.h"
#include "../util/buf.h"
#include "../util/diag.h"
#include "../util/xalloc.h"
#include "clause_index.h"
#include "coerce.h"
#include "datefmt.h"
#include "eval.h"
#include "eval_stats.h"
#include "sample.h"
#include "sequence.h"
#include "text.h"

/* Key combinations one event may produce for one clause. */
#define MAX_KEY_COMBINATIONS 64
/* Hits of one query that one event gives its sequence or sample matcher. */
#define HITS_PER_QUERY 64
/* Values one join-key expression may contribute. */
#define MAX_KEY_VALUES 16

/* A result held by a "tail" pipe or the tail result position until the end. */
struct held_result {
	char *keys;
	size_t keys_len;
	struct candidate **events; /* NULL entries: missing events */
	size_t nevents;
};

/*
 * The last `cap` results, oldest first from `start`. The array grows up to
 * `cap` as results come (`alloc` entries), so that a large tail count costs
 * only what it holds; `start` stays 0 until the ring is full.
 */
struct ring {
	struct held_result *items;
	size_t cap, alloc, start, len;
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
	struct pipe_state *pipes;    /* --size's limit first, when given, then the query's */
	size_t npipes;
	int category_slot;           /* the field that `process where` tests */
	bool done;
	size_t index;
	struct detector *owner;
	struct detector_query_stats limits; /* first_origin is a copy, freed with the detector */
};

struct heap {
	struct candidate **items;
	size_t len, cap;
};

/*
 * The state of one thread that evaluates documents: the event's fields,
 * the clause index's marks, scratch memory and the key text. `owner` is
 * set on the detector's own worker, which skips done queries and charges
 * the evaluation limits to them. It is NULL on the worker of another thread.
 */
struct detector_worker {
	struct event_fields ev;
	struct clause_marks *marks;
	struct arena scratch;
	struct buf keybuf;
	struct detector *owner;
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

	struct clause_index *gate;   /* which clauses an event may pass, before evaluating them */
	struct detector_worker *own; /* evaluates the documents detector_feed() takes */
	struct heap held;
	struct candidate *last_released;
	int64_t newest;    /* newest timestamp fed in streaming mode */
	int64_t latest;    /* latest timestamp of any event in range, candidate or not */
	int64_t watermark; /* streaming: sequences know every candidate before it */
	bool any_streamed;
	bool broken;       /* sort buffer: a candidate sorted before a released one */
	struct detector_break brk;
	uint64_t reports;  /* report() calls, printed or not */
	uint64_t quiet_reports; /* after a restart: calls left unprinted, the first pass printed them */
	const char *origin; /* the document being fed, for the limit counts */
	size_t line;
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
	return d;
}

struct field_set *detector_fields(struct detector *d)
{
	return d->fields;
}

static void result_sink(void *arg, const char *keys, size_t keys_len,
			struct candidate *const *events, size_t nevents);

static void pipe_init(struct pipe_state *p, enum eql_pipe_kind kind, int64_t count)
{
	p->kind = kind;
	p->count = count;
	if (kind == EQL_PIPE_TAIL && count > 0)
		p->ring.cap = (size_t)count;
}

/*
 * The query's pipes, with --size as Elasticsearch applies it
 * (LogicalPlanBuilder.visitStatement): a limit inserted before the first
 * pipe, in that pipe's direction, so `| tail 3` with size 2 is `tail 2 |
 * tail 3`. Without a pipe the limit is a head, or a tail with
 * result_position tail. The EQL API ignores result_position for samples:
 * they come in key order and `size` takes the first ones.
 */
static void build_pipes(const struct detector *d, struct query_state *qs)
{
	const struct eql_query *query = qs->query;
	size_t first = d->opts.size >= 0;
	enum eql_pipe_kind kind = EQL_PIPE_HEAD;

	qs->npipes = query->npipes + first;
	qs->pipes = xcalloc(qs->npipes ? qs->npipes : 1, sizeof(*qs->pipes));
	if (query->npipes > 0)
		kind = query->pipes[0].kind;
	else if (d->opts.result_tail && query->kind != EQL_QUERY_SAMPLE)
		kind = EQL_PIPE_TAIL;
	if (first)
		pipe_init(&qs->pipes[0], kind, d->opts.size);
	for (size_t i = 0; i < query->npipes; i++)
		pipe_init(&qs->pipes[first + i], query->pipes[i].kind, query->pipes[i].count);
}

size_t detector_add_query(struct detector *d, const struct eql_query *query)
{
	return detector_add_query_with(d, query, NULL);
}

size_t detector_add_query_with(struct detector *d, const struct eql_query *query,
			       const char *category_field)
{
	struct query_state *qs;

	d->queries = xgrow(d->queries, &d->queries_cap, d->nqueries + 1, sizeof(*d->queries));
	qs = &d->queries[d->nqueries];
	memset(qs, 0, sizeof(*qs));
	qs->query = query;
	qs->index = d->nqueries;
	qs->category_slot = category_field != NULL ? field_set_add(d->fields, category_field)
						   : d->category_slot;
	build_pipes(d, qs);
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

/* Creates the empty sequence or sample matcher of a query. */
static void start_matcher(struct detector *d, struct query_state *qs)
{
	struct seq_options so = {
		.max_pending = d->opts.max_sequences,
		.has_from = d->opts.has_from, .has_to = d->opts.has_to,
		.from_ms = d->opts.from_ms, .to_ms = d->opts.to_ms,
	};

	if (qs->query->kind == EQL_QUERY_SEQUENCE)
		qs->seq = seq_new(qs->query, &so, result_sink, qs);
	else if (qs->query->kind == EQL_QUERY_SAMPLE)
		qs->sample = sample_new(qs->query, d->opts.max_sequences,
					d->opts.max_samples_per_key, result_sink, qs);
}

void detector_start(struct detector *d)
{
	bind_date_fields(d);
	d->gate = clause_index_new(d->opts.no_clause_index);
	for (size_t i = 0; i < d->nqueries; i++)
		clause_index_add(d->gate, d->queries[i].query, d->queries[i].category_slot);
	clause_index_seal(d->gate);
	d->own = detector_worker_new(d);
	d->own->owner = d;
	for (size_t i = 0; i < d->nqueries; i++) {
		d->queries[i].owner = d;
		start_matcher(d, &d->queries[i]);
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
	if (r->len == r->alloc && r->alloc < r->cap) {
		size_t grown = r->alloc < 16 ? 16 : r->alloc * 2;

		grown = grown < r->cap ? grown : r->cap;
		r->items = xrealloc(r->items, grown * sizeof(*r->items));
		memset(r->items + r->alloc, 0, (grown - r->alloc) * sizeof(*r->items));
		r->alloc = grown;
	}
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
	for (size_t k = 0; k < r->alloc; k++)
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

	d->on_result(d->arg, &r);
	d->stats.results++;
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

/* Releases what the tail pipes hold, first pipe first. */
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

/*
 * A sequence of one stage has no order to protect: it takes a late event
 * as an event query does. Longer sequences skip it, because the events
 * after it were already matched.
 */
static bool skips_late(const struct query_state *qs)
{
	return qs->seq != NULL && seq_stage_count(qs->seq) > 1;
}

/* Sends a candidate to each query it has hits for. */
/*
 * The next run of hits of one query in `c`, from hit *i on: evaluate() adds
 * hits in query order, so each query's hits are one run. Puts at most
 * HITS_PER_QUERY of them in `hits` (NOTE: an event that passes more
 * filters of one query feeds only the first ones), moves *i past the run
 * and returns the query's number. Walking the hits rather than the queries
 * keeps the cost per candidate small when a thousand rules are loaded.
 */
static size_t query_hits(const struct candidate *c, size_t *i,
			 const struct candidate_hit *hits[HITS_PER_QUERY], size_t *n)
{
	size_t q = c->hits[*i].query;

	*n = 0;
	for (; *i < c->nhits && c->hits[*i].query == q; (*i)++) {
		if (*n < HITS_PER_QUERY)
			hits[(*n)++] = &c->hits[*i];
	}
	return q;
}

static void dispatch(struct detector *d, struct candidate *c)
{
	const struct candidate_hit *hits[HITS_PER_QUERY];
	size_t n;

	for (size_t i = 0; i < c->nhits;) {
		struct query_state *qs = &d->queries[query_hits(c, &i, hits, &n)];

		if (qs->done || qs->sample != NULL)
			continue;
		if (qs->seq == NULL)
			result_sink(qs, NULL, 0, &c, 1);
		else if (!c->late || !skips_late(qs))
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
 * Streaming: releases the candidates at or before the window's edge (the
 * newest timestamp minus the window, so a window of 0 holds nothing back),
 * then advances the sequences to the edge. A candidate older than the edge
 * arrives late.
 */
static void release_window(struct detector *d)
{
	int64_t edge = d->newest - d->opts.reorder_window_ms;

	while (d->held.len > 0) {
		struct candidate *top = d->held.items[0];
		bool expired = top->timestamp <= edge;

		if (!expired && d->held.len <= d->opts.reorder_max)
			break;
		d->stats.released_at_cap += !expired;
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
		if (isfinite(v->u.real)) {
			char text[TEXT_NUMBER_MAX];

			/* Java's Double.toString form (1.5, 1.0E20) is valid JSON. */
			buf_append(b, text, text_format_double(v->u.real, text));
		} else {
			buf_puts(b, "null");
		}
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
static struct value date_key(struct detector_worker *w, const struct datefmt *f,
			     const struct value *v, bool sample)
{
	int64_t ms;
	char *text;

	if (!datefmt_read(f, v, &ms))
		return *v;
	if (sample)
		return value_int(ms);
	text = arena_alloc(&w->scratch, TIMESTAMP_TEXT_MAX);
	timestamp_format(ms, text, TIMESTAMP_TEXT_MAX);
	return value_string(text, strlen(text));
}

/*
 * A join key value as one index mapping stores it, so that keys join when
 * the values compare equal (docs/semantics.md, "Join keys"): a string that
 * reads as a plain number joins as that number and "true" and "false" as
 * booleans (a numeric or boolean field coerces them), and a float without a
 * fraction as an integer. So 100, 100.0 and "100" join as 100.
 */
static struct value key_value(const struct value *v)
{
	struct value n;
	bool b;

	if (v->kind == VALUE_STRING) {
		if (text_parse_number(v->u.string.ptr, v->u.string.len, &n))
			return key_value(&n);
		if (value_to_bool(v, &b))
			return value_bool(b);
	}
	if (v->kind == VALUE_FLOAT && v->u.real == trunc(v->u.real) &&
	    v->u.real >= -0x1p63 && v->u.real < 0x1p63)
		return value_int((int64_t)v->u.real);
	return *v;
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
static size_t key_values(const struct detector *d, struct detector_worker *w,
			 const struct eql_expr *e, bool sample, struct eval_ctx *ctx,
			 struct value *out)
{
	size_t n = 0;
	bool optional = e->kind == EQL_EXPR_FIELD && e->u.field.optional;

	if (e->kind == EQL_EXPR_FIELD && e->u.field.slot >= 0) {
		unsigned count = event_fields_count(&w->ev, e->u.field.slot);
		const struct datefmt *date = date_format_of(d, e);

		for (unsigned i = 0; i < count && n < MAX_KEY_VALUES; i++) {
			struct value v = *event_fields_get(&w->ev, e->u.field.slot, i);
			bool seen = false;

			if (v.kind == VALUE_NULL)
				continue;
			/*
			 * NOTE: an `ip` field joins on its text, where Elasticsearch
			 * joins on the address ("::ffff:10.0.0.1" is "10.0.0.1" there).
			 */
			v = date != NULL ? date_key(w, date, &v, sample) : key_value(&v);
			for (size_t k = 0; k < n && !seen; k++)
				seen = value_same(&out[k], &v);
			if (!seen)
				out[n++] = v;
		}
	} else {
		struct value v = eval_value(e, ctx);

		out[0] = key_value(&v);
		n = out[0].kind == VALUE_NULL && !optional ? 0 : 1;
	}
	if (n == 0 && optional)
		out[n++] = value_null();
	return n;
}

/* Adds to `hit` one key per combination of the key expressions' values. */
static bool add_keys(const struct detector *d, struct detector_worker *w,
		     const struct eql_query *q, const struct eql_clause *clause,
		     struct eval_ctx *ctx, struct candidate_hit *hit)
{
	size_t nexpr = q->nby + clause->nby;
	struct value vals[32][MAX_KEY_VALUES];
	size_t counts[32], index[32] = { 0 };
	size_t combos = 1;

	if (nexpr > 32)
		nexpr = 32;
	for (size_t i = 0; i < nexpr; i++) {
		const struct eql_expr *e = i < q->nby ? q->by[i] : clause->by[i - q->nby];

		counts[i] = key_values(d, w, e, q->kind == EQL_QUERY_SAMPLE, ctx, vals[i]);
		if (counts[i] == 0)
			return false;
		combos *= counts[i];
		if (combos > MAX_KEY_COMBINATIONS)
			combos = MAX_KEY_COMBINATIONS;
	}

	for (size_t c = 0; c < combos; c++) {
		buf_clear(&w->keybuf);
		buf_putc(&w->keybuf, '[');
		for (size_t i = 0; i < nexpr; i++) {
			if (i > 0)
				buf_putc(&w->keybuf, ',');
			value_json(&w->keybuf, &vals[i][index[i]]);
		}
		buf_putc(&w->keybuf, ']');
		candidate_add_key(hit, w->keybuf.data, w->keybuf.len);

		for (size_t i = nexpr; i-- > 0;) {
			if (++index[i] < counts[i])
				break;
			index[i] = 0;
		}
	}
	return true;
}

static void count_hits(struct detector *d, struct detector_limit_hits *h, uint64_t added)
{
	if (added == 0)
		return;
	h->count += added;
	if (h->first_origin == NULL && d->origin != NULL) {
		h->first_origin = xstrdup(d->origin);
		h->first_line = d->line;
	}
}

/*
 * Charges to query `qs` the evaluation limits hit since `before` (the
 * counters are global to the evaluator), with the place of the first hit.
 */
static void count_limits(struct detector *d, struct query_state *qs,
			 const struct eval_stats *before)
{
	struct eval_stats now;

	eval_stats_get(&now);
	count_hits(d, &qs->limits.regex, now.regex_limit_hits - before->regex_limit_hits);
	count_hits(d, &qs->limits.combinations,
		   now.combination_limit_hits - before->combination_limit_hits);
}

/*
 * Evaluates one clause that the clause index lets through, and adds a hit
 * to *c (created on the first) when the event passes it.
 */
static void evaluate_clause(const struct detector *d, struct detector_worker *w,
			    const struct clause_ref *ref, struct eval_ctx *ctx,
			    struct candidate **c)
{
	const struct eql_query *query = d->queries[ref->query].query;
	bool until = ref->clause == query->nclauses;
	const struct eql_clause *clause = until ? query->until : &query->clauses[ref->clause];
	struct candidate_hit *hit;
	struct eval_stats before;

	if (w->owner != NULL)
		eval_stats_get(&before);
	arena_reset(&w->scratch);
	if (clause_index_eval(d->gate, w->marks, ref, ctx)) {
		if (*c == NULL)
			*c = candidate_new();
		hit = candidate_add_hit(*c, (unsigned)ref->query,
					until ? CANDIDATE_UNTIL : (unsigned)ref->clause);
		if (query->kind != EQL_QUERY_EVENT && !add_keys(d, w, query, clause, ctx, hit))
			(*c)->nhits--;
	}
	if (w->owner != NULL)
		count_limits(w->owner, &w->owner->queries[ref->query], &before);
}

/*
 * Evaluates every clause of every query (of the sample queries only, with
 * `samples_only`) over the event `json` whose fields w->ev contains, in
 * query order. The clause index rules out most clauses without
 * evaluating them, and without visiting them one by one. The detector's
 * own worker skips the queries that are done. Another thread cannot read
 * that state, so its candidate keeps their hits until
 * detector_feed_judged() drops them.
 */
static struct candidate *evaluate(const struct detector *d, struct detector_worker *w,
				  const char *json, size_t len, bool samples_only)
{
	struct eval_ctx ctx = { .ev = &w->ev, .scratch = &w->scratch };
	struct candidate *c = NULL;
	struct clause_ref ref;
	size_t cursor = 0;

	clause_index_mark(d->gate, w->marks, json, len, &w->ev);
	while (clause_index_next(d->gate, w->marks, &cursor, &ref)) {
		const struct query_state *qs = &d->queries[ref.query];

		if ((w->owner != NULL && qs->done) ||
		    (samples_only && qs->query->kind != EQL_QUERY_SAMPLE))
			continue;
		evaluate_clause(d, w, &ref, &ctx, &c);
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
	const struct candidate_hit *hits[HITS_PER_QUERY];
	bool others = false;
	size_t n;

	for (size_t i = 0; i < c->nhits;) {
		struct query_state *qs = &d->queries[query_hits(c, &i, hits, &n)];

		if (qs->sample == NULL)
			others = true;
		else
			sample_feed(qs->sample, c, hits, n);
	}
	return others;
}

/* ---- feeding ---- */

static void report(struct detector *d, uint64_t count, const char *origin,
		   size_t line, const char *fmt, const char *detail)
{
	if (++d->reports <= d->quiet_reports || count > d->opts.max_diagnostics)
		return;
	diag_at(origin, line, fmt, detail);
	if (count == d->opts.max_diagnostics)
		diag_at(origin, line, "%s", "further messages of this kind are only counted");
}

/* Reads `n` digits at `s`; false when one is not a digit. */
static bool read_digits(const char *s, size_t n, long *out)
{
	*out = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		*out = *out * 10 + (s[i] - '0');
	}
	return true;
}

static int days_in_month(long year, long month)
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	return month == 2 && leap ? 29 : days[month - 1];
}

/*
 * For text that starts as an ISO 8601 date (YYYY-MM-DD, the year with an
 * optional sign and up to 9 digits), names a month or day that does not
 * exist. Returns the length of the date, or 0 when the text does not start
 * so; `*fault` is set when the date is wrong.
 */
static size_t explain_day(const char *s, size_t len, bool *fault, char *out, size_t size)
{
	static const char *const months[12] = {
		"January", "February", "March", "April", "May", "June", "July",
		"August", "September", "October", "November", "December",
	};
	size_t y = (len > 0 && (s[0] == '+' || s[0] == '-')) ? 1 : 0;
	size_t digits = y;
	long year, month, day;

	while (digits < len && s[digits] >= '0' && s[digits] <= '9' && digits - y < 9)
		digits++;
	if (digits - y < 4 || len < digits + 6 || s[digits] != '-' || s[digits + 3] != '-' ||
	    !read_digits(s + y, digits - y, &year) || !read_digits(s + digits + 1, 2, &month) ||
	    !read_digits(s + digits + 4, 2, &day))
		return 0;
	year = s[0] == '-' ? -year : year;

	*fault = true;
	if (month < 1 || month > 12)
		snprintf(out, size, "month %02ld does not exist", month);
	else if (day < 1)
		snprintf(out, size, "day %02ld does not exist", day);
	else if (day > days_in_month(year, month))
		snprintf(out, size, "%s %ld has %d days", months[month - 1], year,
			 days_in_month(year, month));
	else
		*fault = false;
	return digits + 6;
}

/* For "Thh:mm[:ss]..." (or a space for the T), names an hour, minute or second out of range. */
static bool explain_clock(const char *s, size_t len, char *out, size_t size)
{
	long hour, minute, second;

	if (len < 6 || (s[0] != 'T' && s[0] != ' ') || s[3] != ':' ||
	    !read_digits(s + 1, 2, &hour) || !read_digits(s + 4, 2, &minute))
		return false;
	if (hour > 23 || minute > 59) {
		snprintf(out, size, "%s %02ld is out of range", hour > 23 ? "hour" : "minute",
			 hour > 23 ? hour : minute);
		return true;
	}
	if (len >= 9 && s[6] == ':' && read_digits(s + 7, 2, &second) && second > 59) {
		snprintf(out, size, "second %02ld is out of range", second);
		return true;
	}
	return false;
}

/*
 * For text in the form of an ISO 8601 date and time, names the part that
 * does not exist ("February 2025 has 28 days") and whether it is in the
 * date or the time; false when the parts are all in range or the text has
 * another form.
 */
static bool explain_date(const char *s, size_t len, const char **part, char *out, size_t size)
{
	bool fault = false;
	size_t date = explain_day(s, len, &fault, out, size);

	if (date == 0)
		return false;
	*part = "date";
	if (fault)
		return true;
	*part = "time";
	return explain_clock(s + date, len - date, out, size);
}

/*
 * Says what is wrong with a timestamp value that did not parse. A number
 * is shown as it was read: past 64 bits a JSON number is a double, so
 * 99999999999999999999 shows as 100000000000000000000.
 */
static void explain_timestamp(const struct detector *d, const struct value *v,
			      char *why, size_t size)
{
	const char *field = d->opts.timestamp_field;
	struct buf text = BUF_INIT;
	const char *part;
	char fault[96];

	if (v->kind == VALUE_STRING &&
	    explain_date(v->u.string.ptr, v->u.string.len, &part, fault, sizeof(fault))) {
		buf_json_string(&text, v->u.string.ptr, v->u.string.len < 100 ? v->u.string.len : 100);
		snprintf(why, size, "invalid %s in %s %s: %s", part, field, text.data, fault);
	} else if (v->kind == VALUE_FLOAT && isfinite(v->u.real)) {
		/* Only a number beyond 64 bits fails, and such a double has no fraction. */
		snprintf(why, size, fabs(v->u.real) < 1e30
			 ? "invalid %s %.0f: epoch milliseconds must fit in 64 bits"
			 : "invalid %s %g: epoch milliseconds must fit in 64 bits", field, v->u.real);
	} else {
		value_json(&text, v);
		snprintf(why, size, "invalid %s %.100s: expected ISO 8601 (2025-01-31T23:59:59Z) "
			 "or epoch milliseconds", field, text.data);
	}
	buf_free(&text);
}

/* Reads the event's timestamp, or explains in `why` what is wrong with it. */
static bool read_timestamp(const struct detector *d, const struct detector_worker *w,
			   int64_t *ms, char *why, size_t size)
{
	const struct value *v;

	if (event_fields_count(&w->ev, d->ts_slot) == 0) {
		snprintf(why, size, "missing %s", d->opts.timestamp_field);
		return false;
	}
	v = event_fields_get(&w->ev, d->ts_slot, 0);
	if (timestamp_parse(v, ms))
		return true;
	explain_timestamp(d, v, why, size);
	return false;
}

/* Fills everything of a candidate but its input order, which only the feeding thread has. */
static void fill_candidate(const struct detector *d, const struct detector_worker *w,
			   struct candidate *c, const char *json, size_t len, int64_t ts)
{
	struct buf doc = BUF_INIT;

	c->timestamp = ts;
	json_compact(json, len, &doc);
	c->doc_len = doc.len;
	/* Held candidates are the bulk of memory, so keep no growth slack. */
	c->doc = xrealloc(buf_detach(&doc), c->doc_len + 1);

	if (d->tiebreaker_slot >= 0 && event_fields_count(&w->ev, d->tiebreaker_slot) > 0) {
		c->tiebreaker = *event_fields_get(&w->ev, d->tiebreaker_slot, 0);
		if (c->tiebreaker.kind == VALUE_STRING) {
			c->strings = xstrndup(c->tiebreaker.u.string.ptr, c->tiebreaker.u.string.len);
			c->tiebreaker.u.string.ptr = c->strings;
		}
	}
	if (event_fields_count(&w->ev, d->host_slot) > 0) {
		const struct value *host = event_fields_get(&w->ev, d->host_slot, 0);

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
static bool untimed_used(const struct detector *d)
{
	return d->nsamples > 0 && !d->opts.has_from && !d->opts.has_to;
}

/* Takes an event without a timestamp, and `c`, its hits of the sample queries (may be NULL). */
static bool feed_untimed(struct detector *d, struct candidate *c, const char *origin,
			 size_t line, const char *why)
{
	if (!untimed_used(d)) {
		report(d, ++d->stats.no_timestamp, origin, line, "%s; event skipped", why);
		return false;
	}
	if (d->nsamples < d->nqueries)
		report(d, ++d->stats.no_timestamp, origin, line,
		       "%s; only the sample queries use this event", why);
	d->stats.untimed_used++;

	if (c == NULL)
		return true;
	c->order = d->stats.events;
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

/* True when a query that `c` passed skips it because it is late. */
static bool late_skipped(const struct detector *d, const struct candidate *c)
{
	for (size_t i = 0; i < c->nhits; i++) {
		const struct query_state *qs = &d->queries[c->hits[i].query];

		if (!qs->done && skips_late(qs))
			return true;
	}
	return false;
}

/* A late candidate: counted, reported by what happens to it, then dispatched. */
static void take_late(struct detector *d, struct candidate *c, const char *origin, size_t line)
{
	bool skipped = late_skipped(d, c);
	/* Inside the window: late only because the cap released newer events early. */
	bool at_cap = c->timestamp > d->newest - d->opts.reorder_window_ms;

	c->late = true;
	d->stats.late_skipped += skipped;
	d->stats.late_at_cap += at_cap;
	if (at_cap)
		report(d, ++d->stats.late, origin, line, "%s", skipped
		       ? "event inside the reorder window, but --reorder-max-events released newer "
			 "ones first; sequence queries skip it (raise --reorder-max-events)"
		       : "event inside the reorder window, but --reorder-max-events released newer "
			 "ones first; reported out of time order (raise --reorder-max-events)");
	else
		report(d, ++d->stats.late, origin, line, "%s", skipped
		       ? "event older than the reorder window; sequence queries skip it (raise --reorder-window)"
		       : "event older than the reorder window; reported out of time order "
			 "(raise --reorder-window to keep the order)");
	dispatch(d, c);
	candidate_unref(c);
}

/*
 * Adds `c` to the sort buffer of a finite input, and releases the oldest
 * candidate when the buffer is full. While no candidate sorts before one
 * already released, they come out in the order of a full sort. Events that
 * pass no clause cannot break that order: they are never ordered, and the
 * one value they feed, `latest`, is a maximum. Events without a timestamp
 * go to sample queries only, in input order, either way.
 */
static void hold_sorted(struct detector *d, struct candidate *c, const char *origin,
			size_t line)
{
	if (d->last_released != NULL && candidate_compare(c, d->last_released) < 0) {
		d->broken = true;
		d->brk.origin = xstrdup(origin);
		d->brk.line = line;
		candidate_unref(c);
		return;
	}

	heap_push(&d->held, c);
	if (d->held.len > d->opts.sort_buffer)
		release(d, heap_pop(&d->held));
}

/* Takes candidate `c` (its reference): samples now, the rest in order. */
static void hold(struct detector *d, struct candidate *c, const char *origin, size_t line,
		 bool streaming)
{
	if (d->broken) {
		candidate_unref(c);
		return;
	}
	c->order = d->stats.events;
	d->stats.candidates++;
	if (d->nsamples > 0 && !feed_samples(d, c)) {
		candidate_unref(c);
		return;
	}

	if (streaming && is_late(d, c)) {
		take_late(d, c, origin, line);
		return;
	}
	if (!streaming && d->opts.sort_buffer > 0) {
		hold_sorted(d, c, origin, line);
		return;
	}
	/*
	 * NOTE: without a sort buffer, finite inputs are held until
	 * detector_flush(), so an event query that matches most of a large
	 * input keeps all its matches in memory.
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

/*
 * Whether a document the scanner rejected is valid JSON beyond a limit
 * (--max-depth, --max-values-per-field) rather than malformed: it scans
 * without reading any field, so no value is kept, up to the highest depth
 * an option allows.
 */
static bool over_limit(const char *json, size_t len)
{
	struct scan_limits wide = { DETECTOR_MAX_DEPTH, DETECTOR_MAX_VALUES };
	struct field_set *none = field_set_new();
	struct event_fields probe;
	char why[16];
	bool valid;

	event_fields_init(&probe);
	valid = event_fields_scan(none, &wide, json, len, &probe, why, sizeof(why));
	event_fields_free(&probe);
	field_set_free(none);
	return valid;
}

struct detector_worker *detector_worker_new(const struct detector *d)
{
	struct detector_worker *w = xcalloc(1, sizeof(*w));

	event_fields_init(&w->ev);
	arena_init(&w->scratch, 16384);
	w->marks = clause_marks_new(d->gate);
	return w;
}

void detector_worker_free(struct detector_worker *w)
{
	if (w == NULL)
		return;
	event_fields_free(&w->ev);
	clause_marks_free(w->marks);
	arena_free(&w->scratch);
	buf_free(&w->keybuf);
	free(w);
}

/* The candidate of an event that passed a clause, or NULL. */
static struct candidate *judge_candidate(const struct detector *d, struct detector_worker *w,
					 const char *json, size_t len, int64_t ts,
					 bool samples_only)
{
	struct candidate *c = evaluate(d, w, json, len, samples_only);

	if (c != NULL) {
		fill_candidate(d, w, c, json, len, ts);
		c->untimed = samples_only;
	}
	return c;
}

/* detector_judge() without the check on the evaluation limits. */
static void judge(const struct detector *d, struct detector_worker *w, const char *json,
		  size_t len, struct detector_outcome *out)
{
	memset(out, 0, offsetof(struct detector_outcome, why));
	if (!event_fields_scan(d->fields, &d->opts.scan, json, len, &w->ev, out->why,
			       sizeof(out->why))) {
		out->verdict = DETECTOR_REJECTED;
		out->over_limit = over_limit(json, len);
		return;
	}
	if (!read_timestamp(d, w, &out->ts, out->why, sizeof(out->why))) {
		out->verdict = DETECTOR_UNTIMED;
		if (untimed_used(d))
			out->c = judge_candidate(d, w, json, len, 0, true);
		return;
	}
	if ((d->opts.has_from && out->ts < d->opts.from_ms) ||
	    (d->opts.has_to && out->ts > d->opts.to_ms)) {
		out->verdict = DETECTOR_OUT_OF_RANGE;
		return;
	}
	out->verdict = DETECTOR_TIMED;
	out->c = judge_candidate(d, w, json, len, out->ts, false);
}

void detector_judge(const struct detector *d, struct detector_worker *w, const char *json,
		    size_t len, struct detector_outcome *out)
{
	struct eval_stats before, after;

	eval_stats_get(&before);
	judge(d, w, json, len, out);
	eval_stats_get(&after);
	if (before.regex_limit_hits == after.regex_limit_hits &&
	    before.combination_limit_hits == after.combination_limit_hits)
		return;
	if (out->c != NULL)
		candidate_unref(out->c);
	out->c = NULL;
	out->verdict = DETECTOR_RETRY;
}

static bool query_not_done(void *arg, unsigned query)
{
	const struct detector *d = arg;

	return !d->queries[query].done;
}

/* `c` without its hits of queries that are done, or NULL when none is left. */
static struct candidate *live_hits(struct detector *d, struct candidate *c)
{
	if (c == NULL || candidate_keep_hits(c, query_not_done, d) > 0)
		return c;
	candidate_unref(c);
	return NULL;
}

bool detector_feed_judged(struct detector *d, const char *json, size_t len,
			  const char *origin, size_t line, bool streaming,
			  struct detector_outcome *out)
{
	struct candidate *c = live_hits(d, out->c);

	out->c = NULL;
	if (out->verdict == DETECTOR_RETRY)
		return detector_feed(d, json, len, origin, line, streaming);
	d->stats.events++;
	d->origin = origin;
	d->line = line;
	if (out->verdict == DETECTOR_REJECTED) {
		report(d, ++*(out->over_limit ? &d->stats.over_limit : &d->stats.malformed),
		       origin, line, "%s", out->why);
		return false;
	}
	if (out->verdict == DETECTOR_UNTIMED)
		return feed_untimed(d, c, origin, line, out->why);
	d->stats.timed++;
	if (out->verdict == DETECTOR_OUT_OF_RANGE) {
		d->stats.out_of_range++;
		return true;
	}
	if (out->ts > d->latest)
		d->latest = out->ts;

	if (c != NULL)
		hold(d, c, origin, line, streaming);
	if (streaming)
		advance_stream(d, out->ts);
	return true;
}

bool detector_feed(struct detector *d, const char *json, size_t len,
		   const char *origin, size_t line, bool streaming)
{
	struct detector_outcome out;

	/* The limit counts name the document that hit them. */
	d->origin = origin;
	d->line = line;
	judge(d, d->own, json, len, &out);
	return detector_feed_judged(d, json, len, origin, line, streaming, &out);
}

void detector_advance(struct detector *d, int64_t now_ms)
{
	advance_stream(d, now_ms);
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

const struct detector_break *detector_order_broken(const struct detector *d)
{
	return d->broken ? &d->brk : NULL;
}

/* Empties what query `qs` kept: its matcher, its pipes and its limit counts. */
static void restart_query(struct detector *d, struct query_state *qs)
{
	seq_free(qs->seq);
	sample_free(qs->sample);
	qs->seq = NULL;
	qs->sample = NULL;
	start_matcher(d, qs);

	for (size_t i = 0; i < qs->npipes; i++) {
		struct pipe_state *p = &qs->pipes[i];

		ring_free(&p->ring);
		p->passed = 0;
		pipe_init(p, p->kind, p->count);
	}
	qs->done = false;
	free((char *)qs->limits.regex.first_origin);
	free((char *)qs->limits.combinations.first_origin);
	memset(&qs->limits, 0, sizeof(qs->limits));
}

void detector_restart(struct detector *d)
{
	while (d->held.len > 0)
		candidate_unref(heap_pop(&d->held));
	if (d->last_released != NULL)
		candidate_unref(d->last_released);
	d->last_released = NULL;
	for (size_t q = 0; q < d->nqueries; q++)
		restart_query(d, &d->queries[q]);

	d->newest = 0;
	d->latest = INT64_MIN;
	d->watermark = INT64_MIN;
	d->any_streamed = false;
	memset(&d->stats, 0, sizeof(d->stats));
	d->opts.sort_buffer = 0;
	d->broken = false;
	free((char *)d->brk.origin);
	memset(&d->brk, 0, sizeof(d->brk));
	/* The same documents in the same order call report() the same way. */
	d->quiet_reports = d->reports;
	d->reports = 0;
}

const struct detector_stats *detector_stats(const struct detector *d)
{
	return &d->stats;
}

const struct detector_query_stats *detector_query_stats(const struct detector *d, size_t query)
{
	return &d->queries[query].limits;
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
	free((char *)d->brk.origin);
	for (size_t q = 0; q < d->nqueries; q++) {
		struct query_state *qs = &d->queries[q];

		seq_free(qs->seq);
		sample_free(qs->sample);
		free((char *)qs->limits.regex.first_origin);
		free((char *)qs->limits.combinations.first_origin);
		for (size_t i = 0; i < qs->npipes; i++)
			ring_free(&qs->pipes[i].ring);
		free(qs->pipes);
	}
	free(d->queries);
	for (size_t i = 0; d->date_formats != NULL && i < d->opts.ndate_fields; i++)
		datefmt_free(d->date_formats[i]);
	free(d->date_formats);
	free(d->date_by_slot);
	detector_worker_free(d->own);
	clause_index_free(d->gate);
	field_set_free(d->fields);
	free(d);
}
