/*
 * A candidate: an event that passed at least one clause of a loaded query,
 * kept (as compact JSON) for ordering and sequence matching. Events that
 * pass no clause are never copied, so memory follows the candidates.
 *
 * Ownership: candidate_new() returns a candidate with one reference; each
 * holder (the ordering buffer, a pending sequence, an output buffer) takes
 * one with candidate_ref() and gives it back with candidate_unref(); the
 * last unref frees it with its hits and keys.
 */
#ifndef SW_CANDIDATE_H
#define SW_CANDIDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../event/value.h"

/* The clause index of a hit on a sequence's "until" clause. */
#define CANDIDATE_UNTIL ((unsigned)-1)

/*
 * One clause the event passed, with the join keys it has for it. Each key
 * is the JSON array of the key values (["host-1", 42]); an event whose
 * key field holds several values has one key per combination; an event
 * query has the single key "[]".
 */
struct candidate_hit {
	unsigned query;
	unsigned clause;
	char **keys;
	size_t *key_lens;
	size_t nkeys;
};

struct candidate {
	int64_t timestamp; /* epoch milliseconds; 0 when `untimed` */
	uint64_t order;    /* position in the input stream, from 0 */
	struct value tiebreaker; /* a string value points into `strings` */
	char *doc;         /* the event as compact JSON */
	size_t doc_len;
	char *host;        /* host.name, NULL when absent */
	size_t host_len;
	struct candidate_hit *hits; /* in ascending query order (the detector adds them so) */
	size_t nhits;
	char *strings;     /* backing store for tiebreaker text */
	unsigned refs;
	bool late;         /* released after a later event: sequences of two stages or more skip it */
	bool untimed;      /* had no valid timestamp: only sample queries see it */
};

struct candidate *candidate_new(void);
void candidate_add_key(struct candidate_hit *hit, const char *key, size_t len);
struct candidate_hit *candidate_add_hit(struct candidate *c, unsigned query,
					unsigned clause);
/* Removes, in place, the hits for whose query `keep` returns false. Returns the count left. */
size_t candidate_keep_hits(struct candidate *c, bool (*keep)(void *arg, unsigned query),
			   void *arg);
struct candidate *candidate_ref(struct candidate *c);
void candidate_unref(struct candidate *c);

/* Orders by timestamp, then tiebreaker (nulls first), then input order. */
int candidate_compare(const struct candidate *a, const struct candidate *b);

#endif
