/*
 * Lines filtered in parallel, for the input layer (input.c): worker
 * threads read ranges of a plain NDJSON file with pread(), run the input's
 * line filter on every line, and hand the reader one byte stream: the
 * file's bytes in order, with each rejected line cut down to its newline,
 * so that line numbers stay right and only lines that may match reach the
 * parser. Each worker owns a range that starts at a line start; the reader
 * consumes the ranges in order.
 *
 * The filter runs on the workers at the same time, so it must only read
 * shared data.
 *
 * Ownership: par_start() allocates the workers and their buffers;
 * par_stop() stops and joins the threads and frees everything. The file
 * descriptor and the filter's data stay the caller's and must outlive the
 * struct.
 */
#ifndef SW_IO_PARALLEL_H
#define SW_IO_PARALLEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "input.h"

/* Workers at most; more give nothing on the machines sitewatch targets. */
#define PAR_MAX_THREADS 16

struct par;

/* What the workers do with each line, and what the reader calls while it waits. */
struct par_filter {
	size_t max_document;   /* a longer line is passed on unfiltered, for the reader to report */
	input_filter_fn fn;
	void *arg;
	input_tick_fn tick;    /* NULL: none */
	void *tick_arg;
};

/*
 * Starts `threads` workers on bytes [from, size) of `fd`. The bytes from
 * `from` to the first newline are passed on unfiltered: they end a line
 * whose start the reader already has. Returns NULL when the range is too
 * small to share or no thread could be started; the caller then reads on
 * by itself.
 */
struct par *par_start(int fd, uintmax_t from, uintmax_t size, unsigned threads,
		      const struct par_filter *filter);

/*
 * Copies up to `cap` bytes of the filtered stream into `dst`. Returns the
 * count, 0 at its end, or -1 after a read error (par_error() returns the message).
 * Waits while the workers have nothing ready, calling the tick every
 * TICK_MS milliseconds meanwhile.
 */
ssize_t par_read(struct par *p, char *dst, size_t cap);

/* Lines cut so far from the bytes par_read() returned. */
size_t par_filtered(const struct par *p);

/* Bytes of the file the workers have read so far, from `from`. */
uintmax_t par_scanned(const struct par *p);

const char *par_error(const struct par *p);

void par_stop(struct par *p);

#endif
