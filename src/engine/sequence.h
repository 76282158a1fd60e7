/*
 * Sequence matching with Elasticsearch's semantics, fed with candidates in
 * timestamp order.
 *
 * - State is kept per join key. Each stage holds at most one pending
 *   sequence per key: a newer partial sequence replaces an older one at the
 *   same stage, so "A1 A2 B3" gives "A2 B3" and "A1 B2 B3 B4" gives
 *   "A1 B2" (Elasticsearch's sequence matcher and its series spec).
 * - maxspan is inclusive and measured from the first event of the
 *   sequence: an event extends a sequence when its timestamp minus the
 *   first event's is at most maxspan.
 * - An event on the "until" clause drops every pending sequence of its key,
 *   once it has been matched against the stages.
 * - "[...] with runs=N" is N consecutive stages with the same clause.
 * - A sequence of one stage completes on every event that passes it.
 *
 * Ownership: the matcher holds a reference on each candidate in a pending
 * sequence (candidate_ref) and gives it back when the sequence completes,
 * expires or is replaced. The emit callback borrows the events.
 */
#ifndef SW_SEQUENCE_H
#define SW_SEQUENCE_H

#include <stddef.h>
#include <stdint.h>

#include "../eql/ast.h"
#include "candidate.h"

typedef void (*seq_emit_fn)(void *arg, const char *keys, size_t keys_len,
			    struct candidate *const *events, size_t nevents);

struct seq_stats {
	uint64_t completed;
	uint64_t expired;   /* dropped because maxspan passed */
	uint64_t replaced;  /* dropped for a newer one at the same stage */
	uint64_t dropped;   /* not started because max_pending was reached */
	size_t pending;     /* open now */
};

struct seq_matcher;

/* `max_pending` caps the partial sequences held at once (all keys). */
struct seq_matcher *seq_new(const struct eql_query *query, size_t max_pending,
			    seq_emit_fn emit, void *arg);
void seq_free(struct seq_matcher *m);

/* Feeds the hits of candidate `c` that belong to this matcher's query. */
void seq_feed(struct seq_matcher *m, struct candidate *c,
	      const struct candidate_hit *const *hits, size_t nhits);

const struct seq_stats *seq_stats(const struct seq_matcher *m);

/* Number of stages, with "runs" expanded. */
size_t seq_stage_count(const struct seq_matcher *m);

#endif
