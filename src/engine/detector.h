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
 * detector_flush(): they may arrive in any order. A stream (stdin) is fed
 * with `streaming` set: candidates wait in a reorder window and are
 * released once an event newer by more than the window has arrived; a
 * candidate older than one already released is "late": event queries
 * still report it, sequences skip it, and it is counted.
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

struct detector_options {
	const char *timestamp_field;      /* default "@timestamp" */
	const char *tiebreaker_field;     /* NULL for none */
	const char *category_field;       /* default "event.category" */
	const char *host_field;           /* default "host.name" */
	bool has_from, has_to;
	int64_t from_ms, to_ms;           /* inclusive bounds */
	int64_t size;                     /* results per query; -1 for no cap */
	size_t max_sequences;             /* pending sequences per query */
	int64_t reorder_window_ms;        /* streams only */
	size_t reorder_max;               /* candidates held by the window */
	size_t max_diagnostics;           /* per-line messages of one kind */
	struct scan_limits scan;
};

void detector_options_default(struct detector_options *opts);

struct detector_result {
	size_t query;
	/* JSON array text of the join keys; NULL for an event query. */
	const char *keys;
	size_t keys_len;
	struct candidate *const *events;
	size_t nevents;
};

typedef void (*detector_result_fn)(void *arg, const struct detector_result *r);

struct detector_stats {
	uint64_t events;          /* documents fed */
	uint64_t malformed;       /* rejected by the JSON scanner */
	uint64_t no_timestamp;    /* missing or invalid timestamp */
	uint64_t out_of_range;    /* outside --from/--to */
	uint64_t candidates;      /* passed at least one clause */
	uint64_t late;            /* older than the reorder window allowed */
	uint64_t results;
	uint64_t sequences_dropped; /* not started: max_sequences reached */
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
/* Ends set-up; call once before the first detector_feed(). */
void detector_start(struct detector *d);

/*
 * Feeds one JSON document. Returns false when it was skipped (malformed,
 * or no valid timestamp): the reason is printed as "FILE:LINE: reason".
 */
bool detector_feed(struct detector *d, const char *json, size_t len,
		   const char *origin, size_t line, bool streaming);
/* Releases every held candidate in order. */
void detector_flush(struct detector *d);
/* Flushes, then emits what "tail" pipes kept. */
void detector_finish(struct detector *d);
/* True when every query has produced all the results it may (head, size). */
bool detector_done(const struct detector *d);

const struct detector_stats *detector_stats(const struct detector *d);
void detector_free(struct detector *d);

#endif
