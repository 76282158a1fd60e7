/*
 * A needle dictionary: many needles, and one pass over raw JSON text that
 * reports every needle it contains. The clause index (clause_index.h) uses
 * it, where a thousand rules give a few thousand needles. The literal
 * scanner (litset.h) serves the line prefilter, which only tests whether
 * some needle occurs.
 *
 * Needles follow litscan_add()'s rules: at least 3 bytes, no '\\', '/'
 * or control byte, and a case-insensitive needle ASCII-only and already
 * folded. As there, a decoded string that contains a needle leaves in the
 * raw text the needle, a \u escape, or (for a case-insensitive needle) a
 * character outside ASCII whose case folding is ASCII, such as U+212A
 * KELVIN SIGN; litdict_scan() reports the last two instead of guessing.
 *
 * Each needle is anchored on 4 of its adjacent bytes (3 for a needle of 3
 * bytes), compared with the 0x20 bit set on both sides, the rarest by
 * lit_byte_weight(). The scan rolls the last 4 bytes of the text through a
 * bitmap of anchor hashes (8 KB per anchor length, so that it stays in the
 * first-level cache) and only on a hit looks the anchor up and compares
 * the needles anchored there.
 *
 * Ownership: litdict_new() allocates, litdict_free() frees the dictionary
 * and its copies of the needles. A sealed dictionary is only read, so
 * threads may share it.
 */
#ifndef SW_LITDICT_H
#define SW_LITDICT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Needles one dictionary takes; litdict_add() returns LITDICT_FULL beyond. */
#define LITDICT_MAX_NEEDLES 1000000u
#define LITDICT_FULL UINT32_MAX

/* litdict_scan() results, or-ed. */
#define LITDICT_ESCAPE 1u   /* a \u escape, behind which any needle may be */
#define LITDICT_FOLD 2u     /* a character that folds to ASCII: so may any case-insensitive needle */

struct litdict;

struct litdict *litdict_new(void);

/* Every tag: a needle with these is compared in every scan. */
#define LITDICT_ALL_TAGS UINT64_MAX

/*
 * Adds a needle and returns its id, counting from 0. The same needle added
 * again keeps its id and gains the new tags. A scan compares a needle only
 * when their tags meet (litdict_sink). Returns LITDICT_FULL when the
 * dictionary contains LITDICT_MAX_NEEDLES already.
 */
uint32_t litdict_add(struct litdict *d, const char *s, size_t n, bool insensitive,
		     uint64_t tags);

/* Chooses the anchors. Call it once, after the last litdict_add(). */
void litdict_seal(struct litdict *d);

size_t litdict_count(const struct litdict *d);

/* Needle `id` as added, for messages and tests. */
const char *litdict_needle(const struct litdict *d, uint32_t id, size_t *n, bool *insensitive);

typedef void (*litdict_hit_fn)(void *arg, uint32_t id);

/* The receiver of the needles that litdict_scan() finds. */
struct litdict_sink {
	litdict_hit_fn hit;
	void *arg;
	/*
	 * Optional (NULL): a needle with seen[id] == epoch counts as found
	 * already and is not compared again; hit() usually sets it.
	 */
	const uint32_t *seen;
	uint32_t epoch;
	/* Only needles with one of these tags are looked for; LITDICT_ALL_TAGS for all. */
	uint64_t tags;
};

/*
 * Calls to->hit for the needles that occur in `text` (once or more for
 * each), then returns the LITDICT_* flags of what could hide one. With
 * LITDICT_ESCAPE the scan stops at the escape: the caller must then take
 * every needle as present.
 */
unsigned litdict_scan(const struct litdict *d, const char *text, size_t n,
		      const struct litdict_sink *to);

void litdict_free(struct litdict *d);

#endif
