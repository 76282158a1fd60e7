/*
 * Lines filtered in parallel. Each worker reads its range in blocks, cuts
 * every line that the filter rejects down to its newline, and queues the
 * result in chunks of CHUNK_SIZE bytes. A worker holds at most QUEUE_CAP
 * bytes ready, then waits for the reader, so memory stays bounded whatever
 * the file size: with n workers, about n * (QUEUE_CAP + 2 * CHUNK_SIZE +
 * BUFFER_CAP), 22 MB each. With a selective filter a queue holds mostly
 * the newlines of cut lines and stays far below its cap.
 * The reader takes the chunks of worker 0, then of worker 1, and so on.
 */
#include "parallel.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/xalloc.h"

#define READ_BLOCK (1u << 20)   /* bytes per pread() */
#define BUFFER_CAP (4u << 20)   /* a worker's read buffer; a longer line passes unfiltered */
#define CHUNK_SIZE (1u << 20)   /* bytes per queued chunk */
#define QUEUE_CAP (16u << 20)   /* bytes a worker queues before it waits */
/* Bytes per worker at least; a smaller file is not worth a thread. */
#define MIN_RANGE (8u << 20)
/* How often the waiting reader calls the tick. */
#define TICK_MS 100

struct chunk {
	struct chunk *next;
	size_t len;
	size_t filtered;           /* lines cut in this chunk */
	char data[CHUNK_SIZE];
};

struct worker {
	struct par *par;
	pthread_t thread;
	bool started;
	uintmax_t from, to;        /* the range, from a line start to a line start */
	bool verbatim;             /* passing the rest of a line on unfiltered */

	char *buf;                 /* worker-private while it runs */
	struct chunk *fill;

	pthread_mutex_t lock;      /* guards what follows */
	pthread_cond_t cond;
	struct chunk *head, *tail;
	size_t queued;
	bool done;
	int error;                 /* errno of a failed read, or 0 */

	atomic_bool stop;
	atomic_uintmax_t scanned;
};

struct par {
	int fd;
	struct par_filter filter;
	unsigned n;
	unsigned current;          /* the worker being read */
	struct chunk *reading;     /* the chunk being read */
	size_t read_pos;
	size_t filtered;
	char error[200];
	struct worker workers[PAR_MAX_THREADS];
};

/* ---- worker side ---- */

/* Queues the chunk being filled; waits while the reader is QUEUE_CAP behind. */
static void push_chunk(struct worker *w)
{
	struct chunk *c = w->fill;

	w->fill = NULL;
	if (c == NULL)
		return;
	pthread_mutex_lock(&w->lock);
	while (w->queued >= QUEUE_CAP && !atomic_load(&w->stop))
		pthread_cond_wait(&w->cond, &w->lock);
	if (w->tail != NULL)
		w->tail->next = c;
	else
		w->head = c;
	w->tail = c;
	w->queued += c->len;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

static struct chunk *room(struct worker *w)
{
	if (w->fill != NULL && w->fill->len == CHUNK_SIZE)
		push_chunk(w);
	if (w->fill == NULL) {
		w->fill = xmalloc(sizeof(*w->fill));
		w->fill->next = NULL;
		w->fill->len = 0;
		w->fill->filtered = 0;
	}
	return w->fill;
}

static void emit(struct worker *w, const char *p, size_t n)
{
	while (n > 0) {
		struct chunk *c = room(w);
		size_t take = CHUNK_SIZE - c->len < n ? CHUNK_SIZE - c->len : n;

		memcpy(c->data + c->len, p, take);
		c->len += take;
		p += take;
		n -= take;
	}
}

/*
 * One line with its newline. As input.c frames a line: the filter sees it
 * from its first non-blank byte to the newline, when it starts with '{'
 * and fits max_document; anything else goes to the reader as it is.
 */
static void emit_line(struct worker *w, const char *line, size_t n)
{
	const struct par *p = w->par;
	size_t f = 0;
	struct chunk *c;

	while (f + 1 < n && (line[f] == ' ' || line[f] == '\t' || line[f] == '\r'))
		f++;
	if (f + 1 < n && line[f] == '{' && n - 1 - f <= p->filter.max_document &&
	    !p->filter.fn(p->filter.arg, line + f, n - 1 - f)) {
		c = room(w);
		c->data[c->len++] = '\n';
		c->filtered++;
		return;
	}
	emit(w, line, n);
}

/* Handles the complete lines of buf[0, len); returns the bytes used. */
static size_t filter_lines(struct worker *w, const char *buf, size_t len)
{
	size_t i = 0;

	while (i < len) {
		const char *nl = memchr(buf + i, '\n', len - i);
		size_t end;

		if (nl == NULL)
			break;
		end = (size_t)(nl - buf) + 1;
		if (w->verbatim)
			emit(w, buf + i, end - i);
		else
			emit_line(w, buf + i, end - i);
		w->verbatim = false;
		i = end;
	}

	/* A line that fills the whole buffer is passed on as it is, to its end. */
	if (i == 0 && len == BUFFER_CAP) {
		emit(w, buf, len);
		w->verbatim = true;
		return len;
	}
	return i;
}

static void finish(struct worker *w, int error)
{
	push_chunk(w);
	pthread_mutex_lock(&w->lock);
	w->done = true;
	w->error = error;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	uintmax_t pos = w->from;
	size_t have = 0, used;
	int error = 0;

	while (pos < w->to && !atomic_load(&w->stop)) {
		size_t want = BUFFER_CAP - have;
		ssize_t n;

		if (want > READ_BLOCK)
			want = READ_BLOCK;
		if (want > w->to - pos)
			want = (size_t)(w->to - pos);
		do
			n = pread(w->par->fd, w->buf + have, want, (off_t)pos);
		while (n < 0 && errno == EINTR);
		if (n <= 0) {
			error = n < 0 ? errno : 0;
			break;
		}
		pos += (uintmax_t)n;
		have += (size_t)n;
		atomic_fetch_add_explicit(&w->scanned, (uintmax_t)n, memory_order_relaxed);

		used = filter_lines(w, w->buf, have);
		memmove(w->buf, w->buf + used, have - used);
		have -= used;
	}
	/* The file's last line, without a newline: the reader frames it as it is. */
	if (error == 0 && !atomic_load(&w->stop))
		emit(w, w->buf, have);
	finish(w, error);
	return NULL;
}

/* ---- set-up ---- */

/* The start of the first line that begins at or after `at` (size when there is none). */
static uintmax_t line_start(int fd, uintmax_t at, uintmax_t size)
{
	char block[4096];
	uintmax_t pos = at - 1;

	while (pos < size) {
		ssize_t n = pread(fd, block, sizeof(block), (off_t)pos);
		const char *nl;

		if (n <= 0)
			return size;
		nl = memchr(block, '\n', (size_t)n);
		if (nl != NULL)
			return pos + (uintmax_t)(nl - block) + 1;
		pos += (uintmax_t)n;
	}
	return size;
}

static void worker_init(struct par *p, struct worker *w, uintmax_t from, uintmax_t to)
{
	w->par = p;
	w->from = from;
	w->to = to;
	w->buf = xmalloc(BUFFER_CAP);
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
	atomic_init(&w->stop, false);
	atomic_init(&w->scanned, 0);
}

struct par *par_start(int fd, uintmax_t from, uintmax_t size, unsigned threads,
		      const struct par_filter *filter)
{
	struct par *p;
	uintmax_t start = from;

	if (threads > PAR_MAX_THREADS)
		threads = PAR_MAX_THREADS;
	if (size <= from || (size - from) / threads < MIN_RANGE)
		threads = (unsigned)((size > from ? size - from : 0) / MIN_RANGE);
	if (threads < 2)
		return NULL;

	p = xcalloc(1, sizeof(*p));
	p->fd = fd;
	p->filter = *filter;
	for (unsigned k = 0; k < threads; k++) {
		uintmax_t end = k + 1 == threads ? size
			      : line_start(fd, from + (size - from) / threads * (k + 1), size);

		if (end < start)
			end = start;
		worker_init(p, &p->workers[k], start, end);
		start = end;
	}
	p->n = threads;
	/* Worker 0 starts inside a line whose start the reader already has. */
	p->workers[0].verbatim = true;

	for (unsigned k = 0; k < threads; k++) {
		if (pthread_create(&p->workers[k].thread, NULL, worker_main, &p->workers[k]) != 0) {
			par_stop(p);
			return NULL;
		}
		p->workers[k].started = true;
	}
	return p;
}

/* ---- reader side ---- */

/* Waits on w (whose lock is held) for at most TICK_MS, then calls the tick without the lock. */
static void wait_a_tick(struct par *p, struct worker *w)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_nsec += TICK_MS * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	if (pthread_cond_timedwait(&w->cond, &w->lock, &until) == ETIMEDOUT && p->filter.tick) {
		pthread_mutex_unlock(&w->lock);
		p->filter.tick(p->filter.tick_arg);
		pthread_mutex_lock(&w->lock);
	}
}

/* Takes the next chunk of the current worker; false at the end of its range. */
static bool take_chunk(struct par *p, int *error)
{
	struct worker *w = &p->workers[p->current];

	pthread_mutex_lock(&w->lock);
	while (w->head == NULL && !w->done)
		wait_a_tick(p, w);
	p->reading = w->head;
	if (p->reading != NULL) {
		w->head = p->reading->next;
		if (w->head == NULL)
			w->tail = NULL;
		w->queued -= p->reading->len;
		pthread_cond_broadcast(&w->cond);
	}
	*error = w->error;
	pthread_mutex_unlock(&w->lock);

	if (p->reading == NULL)
		return false;
	p->read_pos = 0;
	p->filtered += p->reading->filtered;
	return true;
}

ssize_t par_read(struct par *p, char *dst, size_t cap)
{
	int error = 0;

	for (;;) {
		if (p->reading != NULL && p->read_pos < p->reading->len) {
			size_t n = p->reading->len - p->read_pos < cap ? p->reading->len - p->read_pos : cap;

			memcpy(dst, p->reading->data + p->read_pos, n);
			p->read_pos += n;
			return (ssize_t)n;
		}
		free(p->reading);
		p->reading = NULL;
		if (p->current == p->n)
			return 0;
		if (take_chunk(p, &error))
			continue;
		if (error != 0) {
			snprintf(p->error, sizeof(p->error), "read failed: %s", strerror(error));
			return -1;
		}
		p->current++;
	}
}

size_t par_filtered(const struct par *p)
{
	return p->filtered;
}

uintmax_t par_scanned(const struct par *p)
{
	uintmax_t total = 0;

	for (unsigned k = 0; k < p->n; k++)
		total += atomic_load_explicit(&p->workers[k].scanned, memory_order_relaxed);
	return total;
}

const char *par_error(const struct par *p)
{
	return p->error;
}

static void worker_free(struct worker *w)
{
	struct chunk *c;

	if (w->started) {
		pthread_mutex_lock(&w->lock);
		atomic_store(&w->stop, true);
		pthread_cond_broadcast(&w->cond);
		pthread_mutex_unlock(&w->lock);
		pthread_join(w->thread, NULL);
	}
	for (c = w->head; c != NULL;) {
		struct chunk *next = c->next;

		free(c);
		c = next;
	}
	free(w->fill);
	free(w->buf);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->cond);
}

void par_stop(struct par *p)
{
	if (p == NULL)
		return;
	for (unsigned k = 0; k < PAR_MAX_THREADS; k++)
		if (p->workers[k].par != NULL)
			worker_free(&p->workers[k]);
	free(p->reading);
	free(p);
}
