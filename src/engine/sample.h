/*
 * Sample queries ("sample by KEYS [filter] [filter] ..."), as Elasticsearch's
 * SampleIterator runs them:
 *
 * - A sample is one event per filter, all with the same join key, and no
 *   event twice. Time plays no part: events need no timestamp, and the
 *   events of a sample are listed in filter order.
 * - For each key, each filter keeps the first (filters + max_per_key - 1)
 *   events that pass it, in input order (Elasticsearch requests that many hits
 *   from each filter's search). From those lists the samples are picked by
 *   backtracking, the last filter varying fastest, up to max_per_key
 *   samples per key; samples of one key may share events.
 * - Results come out at the end, ordered by key: each key value in turn,
 *   null first, then booleans (false before true), numbers, and strings in
 *   byte order (the order of a composite aggregation over the keys).
 *
 * Memory: the per-key lists above, for at most `max_keys` keys; events of
 * a new key beyond that are not kept, and counted.
 *
 * Ownership: the matcher takes a reference on every candidate it keeps and
 * gives them back in sample_free(). The emit callback borrows the events.
 */
#ifndef SW_SAMPLE_H
#define SW_SAMPLE_H

#include <stddef.h>
#include <stdint.h>

#include "../eql/ast.h"
#include "candidate.h"

typedef void (*sample_emit_fn)(void *arg, const char *keys, size_t keys_len,
			       struct candidate *const *events, size_t nevents);

struct sample_stats {
	uint64_t keys_rejected; /* hits of new keys not kept: max_keys reached */
	uint64_t search_stopped; /* keys whose search for distinct events hit its step cap */
	uint64_t samples;       /* emitted */
	size_t keys;            /* keys held now */
};

struct sample_matcher;

struct sample_matcher *sample_new(const struct eql_query *query, size_t max_keys,
				  size_t max_per_key, sample_emit_fn emit, void *arg);
void sample_free(struct sample_matcher *m);

/* Feeds the hits of candidate `c` that belong to this matcher's query. */
void sample_feed(struct sample_matcher *m, struct candidate *c,
		 const struct candidate_hit *const *hits, size_t nhits);

/* Emits every sample, in key order. Call once, at the end of the input. */
void sample_finish(struct sample_matcher *m);

const struct sample_stats *sample_stats(const struct sample_matcher *m);

#endif
