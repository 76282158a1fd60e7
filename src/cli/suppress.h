/*
 * Alert suppression for `watch`, after Kibana's alert suppression: repeated
 * alerts of one rule for the same file (file.path) and the same process
 * (process.pid and process.start) within a window are counted into one.
 *
 * A live sensor should not hold back the first alert of an attack, so the
 * first alert of a group prints at once, with
 * kibana.alert.suppression.docs_count 0. The window starts at the first
 * alert's @timestamp; alerts of the group within it are only counted. When
 * it closes, one more alert prints for the last of them, with docs_count
 * set to the number suppressed and kibana.alert.suppression.start/end
 * spanning the group. A group with no repeat ends silently.
 *
 * Ownership: the suppressor borrows the job (whose output it prints to)
 * and holds a reference on the candidates of each group's last suppressed
 * match until that group closes.
 */
#ifndef SW_SUPPRESS_H
#define SW_SUPPRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "detect_job.h"
#include "util/buf.h"

/* Open groups at most (--max-suppression-groups); past it, alerts print unsuppressed. */
#define SUPPRESS_MAX_GROUPS_DEFAULT 100000

struct suppress_stats {
	uint64_t suppressed;     /* alerts counted into a group, not printed */
	uint64_t summaries;      /* alerts printed when a group with repeats closed */
	uint64_t unsuppressed;   /* alerts printed as they were: the group cap was hit */
};

struct suppress;

struct suppress *suppress_new(struct detect_job *job, int64_t window_ms, size_t max_groups);

/* The job's alert hook (detect_alert_hook); `arg` is the suppressor. */
bool suppress_alert(void *arg, const struct detector_result *r, struct buf *members);

/* Closes the groups whose window ended before `now_ms` (epoch milliseconds). */
void suppress_expire(struct suppress *s, int64_t now_ms);

/* Closes every group, printing the summaries due; call before the job finishes. */
void suppress_finish(struct suppress *s);

const struct suppress_stats *suppress_stats(const struct suppress *s);
void suppress_free(struct suppress *s);

#endif
