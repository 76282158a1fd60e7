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

#endif
