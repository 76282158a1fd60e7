/*
 * An output file of `watch` (alerts, events) that can be reopened on SIGHUP
 * for log rotation. "-" means stdout, which is never reopened.
 *
 * A failed write never stops the sensor: a full disk must not leave the host
 * unwatched. The lines of the batch that failed are dropped (their buffer is
 * discarded), the failure is reported once and then only counted, and the
 * next batch tries the same file again. A line cut by the failure is ended
 * with a newline before the next one is written, so the file stays NDJSON.
 *
 * Ownership: struct watch_output borrows `path` (from argv) and owns the
 * FILE it opened; watch_output_close() closes it.
 */
#ifndef SW_WATCH_OUTPUT_H
#define SW_WATCH_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct watch_output {
	const char *path;        /* as given; "-" for stdout */
	const char *name;        /* for messages: the path, or "stdout" */
	FILE *f;
	bool failed;             /* a write failed since the last check */
	int error;               /* its errno */
	bool reported;           /* the first failure was reported */
	bool torn;               /* a failed write may have left a cut line */
	uint64_t failures;       /* batches whose lines were lost */
};

/* Opens `path` for appending (created with mode 0640). Prints why on failure. */
bool watch_output_open(struct watch_output *out, const char *path);

/*
 * Opens the path again (after a rotation renamed the file) and closes the
 * old stream once the new one is open. On failure, reports why and keeps
 * writing to the old one.
 */
void watch_output_reopen(struct watch_output *out);

/* Writes one line (a newline is added). */
void watch_output_line(struct watch_output *out, const char *text, size_t len);

/*
 * Flushes; returns false when writing failed. The first failure is
 * reported; each one is counted in out->failures and the stream is made
 * ready to try again with the next lines.
 */
bool watch_output_flush(struct watch_output *out);

/* True when both outputs write to one file, however its path was spelled. */
bool watch_output_same(const struct watch_output *a, const struct watch_output *b);

void watch_output_close(struct watch_output *out);

#endif
