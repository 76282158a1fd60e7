/*
 * The live file sensor (Linux): fanotify marks on whole filesystems, events
 * read in batches, each turned into an ECS file event with the process
 * that caused it, and handed to the caller as one line of JSON.
 *
 *   fanotify read -> decode records -> folder path (handle) -> --path filter
 *     -> process (/proc, pidfd) -> creation/modification/rename/deletion
 *     -> ECS JSON -> callback
 *
 * A file created and written before it is closed is one creation event: the
 * creation is emitted at once and the first close after write of that file
 * by the process that created it is not reported again. Other closes after
 * write, by any process, are modifications. A folder's rename is reported,
 * then the Python start-up files it moved, each as a synthesized rename.
 * fanotify events carry no time: @timestamp is the time of the read, taken
 * once per batch and never going back (a wall clock stepped back holds the
 * last value until it catches up), so that events stay in order.
 *
 * Ownership: sensor_open() returns a sensor that sensor_close() frees; the
 * JSON handed to the callback is valid during the call only.
 */
#ifndef SW_SENSOR_H
#define SW_SENSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sensor_options {
	const char *const *paths;  /* --path folders; none: every local filesystem */
	size_t npaths;
	bool unlimited_queue;      /* FAN_UNLIMITED_QUEUE */
};

struct sensor_stats {
	uint64_t events;           /* ECS events emitted */
	uint64_t reads;            /* batches read */
	uint64_t overflows;        /* FAN_Q_OVERFLOW: the kernel dropped events */
	uint64_t unresolved_processes;
	uint64_t process_lookups, process_cache_hits;
	uint64_t process_revalidated;  /* cache hits read again: the process ran exec or setuid */
	uint64_t unknown_folders;  /* folder gone and never seen: no file.path */
	uint64_t own;              /* the sensor's own file activity, ignored */
	uint64_t outside;          /* outside every --path */
	uint64_t unnamed;          /* dropped with --path: the folder could not be opened */
	uint64_t malformed;        /* records that could not be decoded */
	uint64_t pending_full;     /* creations not paired with their close: cap hit */
	uint64_t synthesized;      /* start-up files reported after their folder's rename */
	uint64_t moved_cut;        /* renamed folders not read to the end: cap hit */
	size_t filesystems;        /* marked */
};

/* Called with each event as one line of compact JSON (no newline). */
typedef void (*sensor_emit_fn)(void *arg, const char *json, size_t len, int64_t timestamp_ms);

/*
 * Opens the fanotify group and marks the filesystems. Prints every problem
 * (a filesystem that cannot be marked is a warning; the others are still
 * watched). Returns NULL when the sensor cannot run.
 */
struct sensor *sensor_open(const struct sensor_options *opts);

/* The descriptor to poll for readability. */
int sensor_fd(const struct sensor *s);

/*
 * Reads one batch of queued events and emits them. Returns 1 when a batch
 * was read, 0 when nothing was queued, -1 on a fatal error (printed).
 */
int sensor_read(struct sensor *s, sensor_emit_fn emit, void *arg);

/* The @timestamp the next batch cannot go below, epoch milliseconds. */
int64_t sensor_now_ms(struct sensor *s);

const struct sensor_stats *sensor_stats(const struct sensor *s);
void sensor_close(struct sensor *s);

#endif
