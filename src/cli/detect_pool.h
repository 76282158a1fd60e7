/*
 * Documents evaluated on worker threads for `detect --threads N`.
 *
 * The reading thread copies each framed document into a batch. Workers
 * take whole batches and run the per-document part of the detector on
 * them with a detector worker each: field scan, timestamp, time range,
 * clause evaluation and the candidate (detector_judge()). The reading
 * thread runs a queued batch too while it waits for the oldest one. It
 * takes the finished batches strictly in input order and gives each
 * outcome to detector_feed_judged(), so counts, messages, ordering,
 * sequences, samples, pipes and output are those of one thread.
 *
 * Ownership: detect_pool_new() allocates the threads, batches and
 * workers; detect_pool_free() stops and joins the threads and frees
 * them. The detector stays the caller's and must outlive the pool. The
 * `origin` of a document is kept as a pointer until detect_pool_drain()
 * returns, so the input that owns it must stay open until then.
 */
#ifndef SW_DETECT_POOL_H
#define SW_DETECT_POOL_H

#include <stdbool.h>
#include <stddef.h>

#include "engine/detector.h"

/* Worker threads at most. */
#define DETECT_POOL_MAX_WORKERS 16

struct detect_pool;

/*
 * Creates a pool of `workers` threads for detector `det`, which
 * detector_start() has set up. The threads start when a first batch is
 * full. The calling thread makes one more worker when it has nothing else
 * to do, and runs every batch itself when no thread could be started.
 */
struct detect_pool *detect_pool_new(struct detector *det, unsigned workers);

/*
 * Queues one document, copying its bytes. Returns false once the
 * detector accepts no more documents: the input turned out to be out of
 * order (detector_order_broken()), or, for a stream, every query is done.
 * Documents queued after that point are dropped, as the reading loop of
 * one thread would never have fed them.
 */
/*
 * The input layer's counts when it returned a document: its messages,
 * malformed documents, lines with trailing text and lines the prefilter
 * passed over. The pool keeps them so that a stop leaves the counts of the
 * document it stopped after, as one thread's loop would.
 */
struct detect_pool_counts {
	size_t messages, skipped, trailing, filtered;
};

bool detect_pool_feed(struct detect_pool *p, const char *json, size_t len,
		      const char *origin, size_t line, bool streaming,
		      const struct detect_pool_counts *counts);

/* After a drain that returned false: the counts of the last document fed. */
const struct detect_pool_counts *detect_pool_stop_counts(const struct detect_pool *p);

/*
 * Feeds the detector every queued document, waiting for the workers;
 * returns false when the detector accepted no more (as above). The pool is
 * then ready for another input, or the same one read again after
 * detector_restart().
 */
bool detect_pool_drain(struct detect_pool *p);

/*
 * An input_notice_fn: before the input prints a message, feeds what is
 * queued; false once the detector accepts no more documents.
 */
bool detect_pool_notice(void *pool);

void detect_pool_free(struct detect_pool *p);

#endif
