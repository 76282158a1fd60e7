/*
 * The detection pipeline shared by `detect` and the live sensor: events in,
 * results out, in timestamp order.
 *
 *   feed -> project fields -> evaluate every clause of every query
 *        -> candidates (events that passed a clause) -> order
 *        -> event matches / sequence matching -> pipes (head, tail, size)
 *        -> result callback
 *
 * Finite inputs are fed with detector_feed() and released in order by
 * detector_flush(): they may arrive in any order. With a sort buffer
 * (opts.sort_buffer), the oldest held candidate is released as each new
 * one comes, so memory stays bounded. The results stay the same while the
 * input is in time order, or out of it by less than the buffer.
 * Otherwise detector_order_broken() reports the break, and the caller
 * feeds the input again after detector_restart(). Sample queries take
 * events as they are fed, in input order, with or without a timestamp,
 * and give their results at detector_finish(). A stream (stdin) is fed
 * with `streaming` set: candidates wait in a reorder window and are
 * released once an event newer by the window or more has arrived. A
 * candidate older than one already released is "late" and counted. Event
 * queries and one-stage sequences still report it (out of time order), and
 * longer sequences skip it.
 *
 * Ownership: the detector borrows the queries (planned by the caller with
 * the detector's field set) and owns everything else. Results borrow the
 * candidates for the duration of the callback.
 */
#ifndef SW_DETECTOR_H
#define SW_DETECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../eql/ast.h"
#include "../event/fields.h"
#include "candidate.h"

/* A field read as an Elasticsearch `date` (see datefmt.h for `format`). */
struct detector_date_field {
	const char *path;
	const char *format;               /* NULL for Elasticsearch's default */
};

struct detector_options {
	const char *timestamp_field;      /* default "@timestamp" */
	const char *tiebreaker_field;     /* NULL for none */
	const char *category_field;       /* default "event.category" */
	const char *host_field;           /* default "host.name" */
	bool has_from, has_to;
	int64_t from_ms, to_ms;           /* inclusive bounds */
	/*
	 * Results per query, -1 for no cap: a head or tail limit placed before
	 * the query's first pipe, in that pipe's direction, as Elasticsearch
	 * does with the EQL API's `size`.
	 */
	int64_t size;
	bool result_tail;                 /* without pipes: the last `size` results (result_position=tail) */
	size_t max_sequences;             /* open sequences (or sample keys) per query */
	size_t max_samples_per_key;       /* the EQL API's max_samples_per_key */
	int64_t reorder_window_ms;        /* streams only */
	size_t reorder_max;               /* candidates held by the window */
	/*
	 * Finite inputs: candidates held for ordering before the oldest is
	 * released; 0 holds all of them until detector_flush().
	 */
	size_t sort_buffer;
	size_t max_diagnostics;           /* per-line messages of one kind */
	/*
	 * At detector_finish(), whether the input has ended (files, stdin at
	 * its end) or was stopped (a live stream): only an ended input closes
	 * the windows of sequences waiting for a trailing missing event.
	 */
	bool input_complete;
	/*
	 * Switch that turns off the clause index's literal and category tests
	 * (clause_index.h), so every clause of every query is evaluated for
	 * each event. The results are the same. It is slower and meant for
	 * comparison.
	 */
	bool no_clause_index;
	/* Join keys on these fields join on the instant (datefmt.h). */
	const struct detector_date_field *date_fields;
	size_t ndate_fields;
	struct scan_limits scan;
};

void detector_options_default(struct detector_options *opts);

struct detector_result {
	size_t query;
	/* JSON array text of the join keys; NULL for an event query. */
	const char *keys;
	size_t keys_len;
	/* In order; NULL for the missing event of a sequence ("![...]"). */
	struct candidate *const *events;
	size_t nevents;
};

/*
 * The event that dates a result: the latest one in time (the last of equals),
 * missing events aside; an event without a timestamp only when all are.
 */
const struct candidate *detector_result_last(const struct detector_result *r);

typedef void (*detector_result_fn)(void *arg, const struct detector_result *r);

/* The JSON limits an option may raise them to (--max-depth, --max-values-per-field). */
#define DETECTOR_MAX_DEPTH 100000u
#define DETECTOR_MAX_VALUES 100000000u

struct detector_stats {
	uint64_t events;          /* documents fed */
	uint64_t malformed;       /* rejected by the JSON scanner as invalid JSON */
	uint64_t over_limit;      /* rejected for opts.scan's depth or values per field */
	uint64_t no_timestamp;    /* missing or invalid timestamp: only sample queries saw them */
	uint64_t timed;           /* with a valid timestamp, in the time range or not */
	uint64_t untimed_used;    /* without one, taken by sample queries */
	uint64_t out_of_range;    /* outside --from/--to */
	uint64_t candidates;      /* passed at least one clause */
	uint64_t late;            /* older than the reorder window allowed */
	uint64_t late_skipped;    /* late, and skipped by a sequence of two stages or more */
	uint64_t late_at_cap;     /* late only because opts.reorder_max forced newer ones out */
	uint64_t released_at_cap; /* released before the window passed: opts.reorder_max reached */
	uint64_t results;
	/* Summed over the sequence and sample queries at detector_finish(): */
	uint64_t sequences_evicted;   /* oldest dropped: max_sequences reached */
	uint64_t sequences_undecided; /* missing-event window outside the searched range */
	uint64_t sequences_open_at_end; /* reported; the input ended inside their window */
	uint64_t missing_forgotten;   /* missing-event records dropped at max_sequences */
	uint64_t sample_keys_rejected; /* hits of new sample keys past max_sequences */
	uint64_t sample_searches_stopped;
};

/* How often one evaluation limit was hit, and where first. */
struct detector_limit_hits {
	uint64_t count;
	const char *first_origin;        /* NULL when count is 0 */
	size_t first_line;
};

/* What the evaluation limits cost one query (docs/semantics.md, "Limits"). */
struct detector_query_stats {
	struct detector_limit_hits regex;        /* matches stopped at the match limit */
	struct detector_limit_hits combinations; /* tests stopped after EVAL_MAX_COMBINATIONS */
};

struct detector;

/*
 * Creates an empty detector. Set-up then takes three steps: plan each query
 * against detector_fields(), add it with detector_add_query(), and call
 * detector_start() once all are added.
 */
struct detector *detector_new(const struct detector_options *opts,
			      detector_result_fn on_result, void *arg);
/* The field set that queries are planned against. */
struct field_set *detector_fields(struct detector *d);
/* Adds a planned query; returns its index. */
size_t detector_add_query(struct detector *d, const struct eql_query *query);
/*
 * The same, with the query's own category field (a Kibana rule's
 * event_category_override) instead of opts.category_field; NULL for that.
 */
size_t detector_add_query_with(struct detector *d, const struct eql_query *query,
			       const char *category_field);
/* Ends set-up; call once before the first detector_feed(). */
void detector_start(struct detector *d);

/*
 * Feeds one JSON document. Returns false when it was skipped (malformed,
 * or no valid timestamp, which only sample queries do without): the
 * reason is printed as "FILE:LINE: reason".
 */
bool detector_feed(struct detector *d, const char *json, size_t len,
		   const char *origin, size_t line, bool streaming);
/*
 * Feeding from several threads. Evaluating a document (its field scan,
 * timestamp, time range, every clause and the candidate) only reads the
 * detector, so other threads may do it, each with a worker of its own.
 * The thread that feeds takes the outcomes in input order with
 * detector_feed_judged(). Results and messages are those of
 * detector_feed() over the same documents.
 */
enum detector_verdict {
	DETECTOR_REJECTED,      /* malformed, or over a scan limit */
	DETECTOR_UNTIMED,       /* no valid timestamp */
	DETECTOR_OUT_OF_RANGE,  /* outside --from/--to */
	DETECTOR_TIMED,         /* in range; a candidate when it passed a clause */
	/*
	 * An evaluation limit was hit on some thread meanwhile: the limit
	 * counts are global, so detector_feed_judged() evaluates the document
	 * again, and no other thread may evaluate while it does.
	 */
	DETECTOR_RETRY,
};

#define DETECTOR_WHY_MAX 256

struct detector_outcome {
	enum detector_verdict verdict;
	bool over_limit;          /* REJECTED: valid JSON beyond --max-depth or the values cap */
	int64_t ts;               /* TIMED, OUT_OF_RANGE: epoch milliseconds */
	struct candidate *c;      /* UNTIMED, TIMED: one reference, or NULL */
	char why[DETECTOR_WHY_MAX]; /* REJECTED, UNTIMED: the message */
};

/* One thread's evaluation state; created after detector_start(), freed before the detector. */
struct detector_worker;

struct detector_worker *detector_worker_new(const struct detector *d);
void detector_worker_free(struct detector_worker *w);

/* Evaluates one document into `out`; safe on several threads with a worker each. */
void detector_judge(const struct detector *d, struct detector_worker *w, const char *json,
		    size_t len, struct detector_outcome *out);

/*
 * What detector_feed() does after the evaluation, with the outcome of
 * detector_judge() over the same document; takes out->c's reference. Call
 * in input order, on one thread.
 */
bool detector_feed_judged(struct detector *d, const char *json, size_t len,
			  const char *origin, size_t line, bool streaming,
			  struct detector_outcome *out);

/* Releases every held candidate in order. */
void detector_flush(struct detector *d);

/*
 * Streaming: moves the event clock to `now_ms` without an event. Only for
 * a live source whose later events cannot be older than `now_ms`, such as
 * a sensor that stamps each event with a clock that never goes back. On a
 * quiet stream, the reorder window then still releases its candidates,
 * and a sequence waiting for a missing event is decided once its maxspan
 * has passed instead of at the next event.
 */
void detector_advance(struct detector *d, int64_t now_ms);

/* The first candidate of a finite input that sorted before one already released. */
struct detector_break {
	const char *origin;   /* a copy, owned by the detector */
	size_t line;
};

/*
 * With a sort buffer, NULL while the input is in order. Once a candidate
 * sorts before one already released, the results given so far may be
 * wrong and incomplete: that candidate and every later feed are ignored,
 * and the caller discards the results, calls detector_restart() and feeds
 * the whole input again.
 */
const struct detector_break *detector_order_broken(const struct detector *d);

/*
 * Forgets every event fed: held candidates, sequences, samples, pipes,
 * counts and limit hits. The queries stay, and every candidate is held
 * until detector_flush() from now on (sort_buffer 0). The per-line
 * messages that the first feeding printed are not printed again when the
 * same documents are fed in the same order.
 */
void detector_restart(struct detector *d);
/*
 * Flushes, decides the sequences still waiting for a trailing missing
 * event, emits the samples, then what "tail" pipes and the tail result
 * position kept.
 */
void detector_finish(struct detector *d);
/* True when every query has produced all the results it may (head, size). */
bool detector_done(const struct detector *d);

const struct detector_stats *detector_stats(const struct detector *d);
/* The limit counts of query `query` (the index detector_add_query() returned). */
const struct detector_query_stats *detector_query_stats(const struct detector *d, size_t query);
void detector_free(struct detector *d);

#endif
