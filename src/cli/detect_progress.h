/*
 * The progress line of `detect` on a terminal: the input being read, bytes
 * read of its size, the read rate and the results so far, redrawn at most
 * four times a second on stderr and erased at the end. It appears only
 * when stderr is a terminal, --quiet is not given and the run has lasted
 * a second, so that short runs, pipes and log files never see it.
 *
 * Ownership: the caller owns the struct (no allocation); the input it is
 * given must stay open until detect_progress_file_end().
 */
#ifndef SW_DETECT_PROGRESS_H
#define SW_DETECT_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "io/input.h"

struct detect_progress {
	bool enabled;
	bool shown;              /* a line is on the screen */
	unsigned ticks;          /* calls since the clock was last read */
	struct timespec start, last_draw;
	const struct input *in;  /* the input being read, or NULL */
	const char *origin;
	uintmax_t done_bytes;    /* bytes of the inputs already read */
};

/* Enables the line when `wanted` and stderr is a terminal. */
void detect_progress_init(struct detect_progress *p, bool wanted);

/* The next input starts; `origin` names it. */
void detect_progress_file(struct detect_progress *p, const struct input *in, const char *origin);

/* The input is about to be closed. */
void detect_progress_file_end(struct detect_progress *p);

/*
 * Called for every event or line read: cheap, it reads the clock once in
 * a while and redraws when a quarter of a second has passed. `results`
 * is the count of results (alerts, sequences) released so far: results
 * of files read out of time order come only at the end.
 */
void detect_progress_tick(struct detect_progress *p, uint64_t results);

/* Erases the line. */
void detect_progress_end(struct detect_progress *p);

#endif
