/*
 * A sorted set of string literals: the right-hand list of `in`, `in~`,
 * and the entries without wildcards of `:` and `like`. Lookup is a binary
 * search, so a rule's long `in~` lists cost log2(n) comparisons per value.
 * A case-insensitive set stores its strings folded (text.h) and folds each
 * value it looks up.
 *
 * Ownership: litset_new() allocates, litset_free() frees the set and its
 * copies of the strings.
 */
#ifndef SW_LITSET_H
#define SW_LITSET_H

#include <stdbool.h>
#include <stddef.h>

#include "../util/arena.h"

struct litset;

struct litset *litset_new(bool insensitive);
void litset_add(struct litset *set, const char *s, size_t n);
/* Sorts and removes duplicates; call once after the last litset_add(). */
void litset_seal(struct litset *set);
size_t litset_count(const struct litset *set);
bool litset_contains(const struct litset *set, const char *s, size_t n, struct arena *scratch);
void litset_free(struct litset *set);

/*
 * A literal scanner: reports whether raw JSON text may contain a string
 * with one of a set of needles in it, without parsing the text. It is the
 * engine of the literal prefilter (plan.h).
 *
 * litscan_find() returns false only when all three are true: no needle
 * occurs in the text (case-insensitive needles compared with ASCII case
 * folding), the text has no \u escape, and, when some needle is
 * case-insensitive, it has no character outside ASCII whose case folding
 * (text.h) is ASCII, such as U+212A KELVIN SIGN. A JSON string writes every
 * character as itself except through an escape. So a decoded string that
 * contains a needle leaves in the raw text the needle, an escape, or such a
 * character. Needles must contain no '\\', '/' or control byte, which JSON
 * may escape as \\, \/ or \n. A '"' may open or close a needle, where it is
 * the string's own quote. Case-insensitive needles must be ASCII and
 * already folded.
 *
 * Candidates are found 64 positions per step (SSE2 on x86-64, one position
 * at a time elsewhere): each needle is anchored on three adjacent bytes,
 * chosen so that few anchors cover all needles, and each anchor hit is
 * checked against its needles.
 *
 * Ownership: litscan_new() allocates, litscan_free() frees the scanner and
 * its copies of the needles. A sealed scanner is only read, so threads may
 * share it.
 */
struct litscan;

struct litscan *litscan_new(void);
/* Adds a needle of at least 3 bytes. */
void litscan_add(struct litscan *scan, const char *needle, size_t n, bool insensitive);
/* Chooses the anchors; call once after the last litscan_add(). */
void litscan_seal(struct litscan *scan);
size_t litscan_count(const struct litscan *scan);
/* Needle i as added, for messages and tests. */
const char *litscan_needle(const struct litscan *scan, size_t i, size_t *n, bool *insensitive);
/* Returns false when `text` cannot contain any needle (see above). */
bool litscan_find(const struct litscan *scan, const char *text, size_t n);
void litscan_free(struct litscan *scan);

/* Pieces of the scanner that the needle dictionary (litdict.h) shares. */

/* How common byte `c` is in ECS JSON, from 1 (rare) to 8 ('"'), for choosing anchors. */
unsigned lit_byte_weight(unsigned char c);
/* True when the backslash at text[pos] opens an escape rather than ending one. */
bool lit_opens_escape(const char *text, size_t pos);
/* True when `text` contains a character outside ASCII whose case folding is ASCII. */
bool lit_has_fold_danger(const char *text, size_t n);

#endif
