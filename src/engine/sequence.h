/*
 * Sequence matching with Elasticsearch's semantics, fed with candidates in
 * timestamp order. docs/sequences.md states every rule with its source.
 *
 * Positive clauses:
 * - State is kept per join key. Each positive stage keeps at most one
 *   pending sequence per key: a newer partial sequence replaces an older
 *   one at the same stage, so "A1 A2 B3" gives "A2 B3" and "A1 B2 B3 B4"
 *   gives "A1 B2" (Elasticsearch's sequence matcher and its series spec).
 * - maxspan is inclusive and measured from the first positive event: an
 *   event extends a sequence when its timestamp minus the first event's is
 *   at most maxspan.
 * - An event on the "until" clause drops every partial sequence of its key,
 *   once it has been matched against the stages.
 * - "[...] with runs=N" is N consecutive stages with the same clause.
 * - A sequence of one stage completes on every event that passes it.
 *
 * Missing events ("![...]", Elasticsearch's TumblingWindow checks): the
 * positive stages match as above, skipping the missing ones; then
 * - a missing stage between two positive events rules the sequence out when
 *   an event of its clause with the same key has a timestamp strictly
 *   between theirs;
 * - leading missing stages look for the latest such event before the first
 *   positive event (L), trailing ones for the first after the last (T);
 *   the sequence is ruled out when L is within maxspan of the last positive
 *   event (leading only), T within maxspan of the first (trailing only), or
 *   T within maxspan of L (both);
 * - a sequence that ends with a missing stage waits until T is seen or time
 *   has passed its window; results still come out in the order their last
 *   positive event was seen.
 * - the searched range (--from/--to) bounds what can be seen: a result that
 *   an unseen event just outside it could rule out is "undecided": it is
 *   not reported, and it is counted.
 *
 * Memory: partial sequences sit on a list ordered by age. Every feed drops
 * those older than maxspan from its front, and at the cap (max_pending,
 * partial and waiting sequences together) the oldest is evicted to make
 * room for the new one, so that a live stream keeps following recent
 * activity. Per key and missing clause the matcher keeps the timestamps of
 * the two latest events (capped the same way, dropped after maxspan).
 *
 * Ownership: the matcher holds a reference on each candidate in a pending
 * sequence (candidate_ref) and gives it back when the sequence is emitted,
 * expires, is replaced or evicted. The emit callback borrows the events;
 * a missing stage is a NULL entry.
 */
#ifndef SW_SEQUENCE_H
#define SW_SEQUENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../eql/ast.h"
#include "candidate.h"

typedef void (*seq_emit_fn)(void *arg, const char *keys, size_t keys_len,
			    struct candidate *const *events, size_t nevents);

struct seq_options {
	size_t max_pending;     /* partial and waiting sequences, all keys */
	bool has_from, has_to;  /* the searched time range, inclusive */
	int64_t from_ms, to_ms;
};

struct seq_stats {
	uint64_t completed;  /* emitted */
	uint64_t expired;    /* dropped because maxspan passed */
	uint64_t replaced;   /* dropped for a newer one at the same stage */
	uint64_t evicted;    /* dropped, oldest first, because max_pending was reached */
	uint64_t ruled_out;  /* positive events matched, a missing event was found */
	uint64_t undecided;  /* their missing-event window reaches outside the range */
	uint64_t open_at_end; /* emitted because the input ended inside the window */
	uint64_t forgotten;  /* missing-event records evicted at the cap */
	size_t pending;      /* partial and waiting sequences now */
};

struct seq_matcher;

struct seq_matcher *seq_new(const struct eql_query *query, const struct seq_options *opts,
			    seq_emit_fn emit, void *arg);
void seq_free(struct seq_matcher *m);

/* Feeds the hits of candidate `c` that belong to this matcher's query. */
void seq_feed(struct seq_matcher *m, struct candidate *c,
	      const struct candidate_hit *const *hits, size_t nhits);

/*
 * Tells the matcher that every candidate older than `ms` has been fed, so
 * that windows ending before it are decided. A stream calls it as its
 * reorder window moves; seq_feed() does the same with each candidate.
 */
void seq_advance(struct seq_matcher *m, int64_t ms);

/*
 * The input has ended. With `input_complete`, a window still open counts
 * as closed at the end of the range (--to, or the end of the data, as
 * Elasticsearch does on its index); without it (a stream that was
 * stopped), every sequence still waiting is undecided.
 */
void seq_finish(struct seq_matcher *m, bool input_complete);

const struct seq_stats *seq_stats(const struct seq_matcher *m);

/* Number of stages, with "runs" expanded and missing stages included. */
size_t seq_stage_count(const struct seq_matcher *m);

#endif
