/*
 * An output file of `watch` (alerts, events) that can be reopened on SIGHUP
 * for log rotation. "-" means stdout, which is never reopened.
 *
 * Ownership: struct watch_output borrows `path` (from argv) and owns the
 * FILE it opened; watch_output_close() closes it.
 */
#ifndef SW_WATCH_OUTPUT_H
#define SW_WATCH_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct watch_output {
	const char *path;        /* as given; "-" for stdout */
	const char *name;        /* for messages: the path, or "stdout" */
	FILE *f;
	bool failed;             /* a write failed since the last check */
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

/* Flushes; returns false (and reports it) when writing failed. */
bool watch_output_flush(struct watch_output *out);

void watch_output_close(struct watch_output *out);

#endif
