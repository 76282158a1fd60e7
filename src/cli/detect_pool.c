#include "detect_pool.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/regex.h"
#include "util/xalloc.h"

/*
 * A batch contains at most BATCH_DOCS documents and BATCH_BYTES of them.
 * A larger document is fed on the reading thread once the batches before
 * it are done, so the batches take at most nbatches * BATCH_BYTES. A batch
 * takes a worker about 1 to 10 ms on the loads of bench/README.md (an
 * estimate from their events per second), so the lock is taken rarely.
 */
#define BATCH_DOCS 256
#define BATCH_BYTES (1u << 20)
/* Batches per worker: one it runs, the others queued or waiting to be fed. */
#define BATCHES_PER_WORKER 3

enum batch_state { BATCH_FILLING, BATCH_QUEUED, BATCH_DONE };

struct pool_doc {
	size_t offset, len;    /* in the batch's bytes */
	const char *origin;    /* the input's, borrowed */
	size_t line;
	bool streaming;
	struct detect_pool_counts counts;
};

struct batch {
	char *bytes;
	size_t len, cap;
	struct pool_doc docs[BATCH_DOCS];
	struct detector_outcome out[BATCH_DOCS];
	size_t n;
	enum batch_state state;
};

/*
 * Batch k of the input is in slot k % nbatches. The reading thread fills
 * slot `queued`, workers take slots from `taken` on, and the reading
 * thread feeds the detector from slot `fed`: fed <= taken <= queued, and
 * queued - fed < nbatches.
 */
struct detect_pool {
	struct detector *det;
	pthread_t threads[DETECT_POOL_MAX_WORKERS];
	struct detector_worker *workers[DETECT_POOL_MAX_WORKERS];
	unsigned nthreads;
	unsigned planned;         /* threads to start once a first batch is full */
	bool started;
	struct detector_worker *helper; /* the reading thread's, while it waits */
	struct batch *batches;
	size_t nbatches;
	uint64_t queued, taken, fed;
	pthread_mutex_t lock;     /* guards the counters, the states and `quit` */
	pthread_cond_t work;      /* a batch was queued, or quit */
	pthread_cond_t done;      /* a batch is done */
	/*
	 * Workers hold it for reading while they evaluate a batch. The reading
	 * thread takes it for writing to evaluate a DETECTOR_RETRY document
	 * alone, so the global limit counts that it reads are its own.
	 */
	pthread_rwlock_t eval;
	bool quit;
	bool stopped;             /* the detector accepts no more documents */
	struct detect_pool_counts stop_counts; /* of the document it stopped after */
};

struct worker_arg {
	struct detect_pool *pool;
	unsigned index;
};

static void run_batch(struct detect_pool *p, struct detector_worker *w, struct batch *b)
{
	pthread_rwlock_rdlock(&p->eval);
	for (size_t i = 0; i < b->n; i++)
		detector_judge(p->det, w, b->bytes + b->docs[i].offset, b->docs[i].len, &b->out[i]);
	pthread_rwlock_unlock(&p->eval);
}

static void *worker_main(void *arg)
{
	struct detect_pool *p = ((struct worker_arg *)arg)->pool;
	struct detector_worker *w = p->workers[((struct worker_arg *)arg)->index];

	free(arg);
	pthread_mutex_lock(&p->lock);
	for (;;) {
		struct batch *b;

		while (!p->quit && p->taken == p->queued)
			pthread_cond_wait(&p->work, &p->lock);
		if (p->quit)
			break;
		b = &p->batches[p->taken++ % p->nbatches];
		pthread_mutex_unlock(&p->lock);

		run_batch(p, w, b);

		pthread_mutex_lock(&p->lock);
		b->state = BATCH_DONE;
		pthread_cond_broadcast(&p->done);
	}
	pthread_mutex_unlock(&p->lock);
	rx_thread_release();
	return NULL;
}

/* Writers first, so that a retried document does not wait behind a run of batches. */
static void init_eval_lock(pthread_rwlock_t *lock)
{
	pthread_rwlockattr_t attr;

	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(lock, &attr);
	pthread_rwlockattr_destroy(&attr);
}

static bool start_worker(struct detect_pool *p)
{
	struct worker_arg *arg = xmalloc(sizeof(*arg));

	arg->pool = p;
	arg->index = p->nthreads;
	p->workers[p->nthreads] = detector_worker_new(p->det);
	if (pthread_create(&p->threads[p->nthreads], NULL, worker_main, arg) != 0) {
		detector_worker_free(p->workers[p->nthreads]);
		free(arg);
		return false;
	}
	p->nthreads++;
	return true;
}

struct detect_pool *detect_pool_new(struct detector *det, unsigned workers)
{
	struct detect_pool *p = xcalloc(1, sizeof(*p));

	if (workers > DETECT_POOL_MAX_WORKERS)
		workers = DETECT_POOL_MAX_WORKERS;
	p->det = det;
	p->planned = workers;
	p->helper = detector_worker_new(det);
	p->nbatches = ((size_t)workers + 1) * BATCHES_PER_WORKER + 1;
	p->batches = xcalloc(p->nbatches, sizeof(*p->batches));
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->done, NULL);
	init_eval_lock(&p->eval);
	return p;
}

/*
 * Starts the workers, once: an input of fewer than BATCH_DOCS documents
 * never fills a batch, and the reading thread runs its one batch itself
 * without the cost of starting threads. Threads that fail to start leave
 * their share to the reading thread.
 */
static void start_workers(struct detect_pool *p)
{
	if (p->started)
		return;
	p->started = true;
	while (p->nthreads < p->planned && start_worker(p))
		;
}

/* Whether the reading loop of one thread would stop after the document just fed. */
static bool accepts_no_more(const struct detect_pool *p, bool streaming)
{
	return (streaming && detector_done(p->det)) || detector_order_broken(p->det) != NULL;
}

/* Feeds the detector one finished batch, in order, and empties it. */
static void feed_batch(struct detect_pool *p, struct batch *b)
{
	for (size_t i = 0; i < b->n; i++) {
		struct pool_doc *doc = &b->docs[i];
		struct detector_outcome *out = &b->out[i];

		if (p->stopped) {
			if (out->c != NULL)
				candidate_unref(out->c);
			continue;
		}
		if (out->verdict == DETECTOR_RETRY)
			pthread_rwlock_wrlock(&p->eval);
		detector_feed_judged(p->det, b->bytes + doc->offset, doc->len, doc->origin,
				     doc->line, doc->streaming, out);
		if (out->verdict == DETECTOR_RETRY)
			pthread_rwlock_unlock(&p->eval);
		p->stopped = accepts_no_more(p, doc->streaming);
		if (p->stopped)
			p->stop_counts = doc->counts;
	}
	b->n = 0;
	b->len = 0;
	b->state = BATCH_FILLING;
}

/*
 * Called with the lock held, by the reading thread while it waits: runs
 * the next queued batch that no worker has taken, as a worker would.
 * Returns false when there is none.
 */
static bool help(struct detect_pool *p)
{
	struct batch *b;

	if (p->taken == p->queued)
		return false;
	b = &p->batches[p->taken++ % p->nbatches];
	pthread_mutex_unlock(&p->lock);
	run_batch(p, p->helper, b);
	pthread_mutex_lock(&p->lock);
	b->state = BATCH_DONE;
	return true;
}

/*
 * Feeds the oldest queued batch, waiting for it when `wait` (and running
 * queued batches meanwhile); false when it is not done.
 */
static bool feed_oldest(struct detect_pool *p, bool wait)
{
	struct batch *b = &p->batches[p->fed % p->nbatches];
	bool ready;

	pthread_mutex_lock(&p->lock);
	while (wait && b->state != BATCH_DONE) {
		if (!help(p))
			pthread_cond_wait(&p->done, &p->lock);
	}
	ready = b->state == BATCH_DONE;
	pthread_mutex_unlock(&p->lock);
	if (!ready)
		return false;

	feed_batch(p, b);
	p->fed++;
	return true;
}

/* Hands the batch being filled to the workers, once it contains a document. */
static void queue_batch(struct detect_pool *p)
{
	struct batch *b = &p->batches[p->queued % p->nbatches];

	if (b->n == 0)
		return;
	pthread_mutex_lock(&p->lock);
	b->state = BATCH_QUEUED;
	p->queued++;
	pthread_cond_signal(&p->work);
	pthread_mutex_unlock(&p->lock);
}

/* The batch to fill, with room for `len` more bytes (at most BATCH_BYTES). */
static struct batch *batch_for(struct detect_pool *p, size_t len)
{
	struct batch *b = &p->batches[p->queued % p->nbatches];

	if (b->n == BATCH_DOCS || (b->n > 0 && b->len + len > BATCH_BYTES)) {
		start_workers(p);
		queue_batch(p);
		while (p->fed < p->queued && feed_oldest(p, false))
			;
		/* Every slot contains a queued batch, so the oldest must be fed first. */
		if (p->queued - p->fed == p->nbatches)
			feed_oldest(p, true);
		b = &p->batches[p->queued % p->nbatches];
	}
	if (b->cap == 0) {
		b->bytes = xmalloc(BATCH_BYTES);
		b->cap = BATCH_BYTES;
	}
	return b;
}

/* Feeds every queued document, and the batch being filled. */
static void feed_all(struct detect_pool *p)
{
	queue_batch(p);
	while (p->fed < p->queued)
		feed_oldest(p, true);
}

/*
 * Feeds a document larger than a batch on this thread, after feed_all(),
 * so that no batch grows past BATCH_BYTES. The workers are idle then, so
 * the limit counts that detector_feed() reads are this document's own.
 */
static bool feed_large(struct detect_pool *p, const char *json, size_t len,
		       const char *origin, size_t line, bool streaming,
		       const struct detect_pool_counts *counts)
{
	if (p->stopped)
		return false;
	detector_feed(p->det, json, len, origin, line, streaming);
	p->stopped = accepts_no_more(p, streaming);
	if (p->stopped)
		p->stop_counts = *counts;
	return !p->stopped;
}

bool detect_pool_feed(struct detect_pool *p, const char *json, size_t len,
		      const char *origin, size_t line, bool streaming,
		      const struct detect_pool_counts *counts)
{
	struct batch *b;
	struct pool_doc *doc;

	if (p->stopped)
		return false;
	if (len > BATCH_BYTES) {
		feed_all(p);
		return feed_large(p, json, len, origin, line, streaming, counts);
	}
	b = batch_for(p, len);
	doc = &b->docs[b->n++];
	doc->offset = b->len;
	doc->len = len;
	doc->origin = origin;
	doc->line = line;
	doc->streaming = streaming;
	doc->counts = *counts;
	memcpy(b->bytes + b->len, json, len);
	b->len += len;
	return !p->stopped;
}

bool detect_pool_drain(struct detect_pool *p)
{
	bool accepts_more;

	feed_all(p);
	accepts_more = !p->stopped;
	p->stopped = false;
	return accepts_more;
}

/* Unlike a drain, keeps the pool stopped: the input goes on being read. */
bool detect_pool_notice(void *pool)
{
	struct detect_pool *p = pool;

	feed_all(p);
	return !p->stopped;
}

const struct detect_pool_counts *detect_pool_stop_counts(const struct detect_pool *p)
{
	return &p->stop_counts;
}

void detect_pool_free(struct detect_pool *p)
{
	if (p == NULL)
		return;
	pthread_mutex_lock(&p->lock);
	p->quit = true;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->lock);
	for (unsigned i = 0; i < p->nthreads; i++) {
		pthread_join(p->threads[i], NULL);
		detector_worker_free(p->workers[i]);
	}
	for (size_t i = 0; i < p->nbatches; i++) {
		for (size_t k = 0; p->batches[i].state == BATCH_DONE && k < p->batches[i].n; k++) {
			if (p->batches[i].out[k].c != NULL)
				candidate_unref(p->batches[i].out[k].c);
		}
		free(p->batches[i].bytes);
	}
	free(p->batches);
	detector_worker_free(p->helper);
	pthread_rwlock_destroy(&p->eval);
	pthread_cond_destroy(&p->done);
	pthread_cond_destroy(&p->work);
	pthread_mutex_destroy(&p->lock);
	free(p);
}
