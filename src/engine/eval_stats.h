/*
 * Counters of the evaluation limits that were hit, for the command to
 * report at the end of a run. They count across all threads.
 */
#ifndef SW_EVAL_STATS_H
#define SW_EVAL_STATS_H

#include <stdint.h>

/* Value combinations one filter leaf tries per event (docs/semantics.md). */
#define EVAL_MAX_COMBINATIONS 10000u

struct eval_stats {
	/* Leaves that stopped at EVAL_MAX_COMBINATIONS before finding a match. */
	uint64_t combination_limit_hits;
	/* Regular-expression matches stopped at RX_MATCH_LIMIT (regex.h). */
	uint64_t regex_limit_hits;
};

void eval_stats_get(struct eval_stats *out);

#endif
