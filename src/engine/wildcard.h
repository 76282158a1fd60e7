/*
 * EQL wildcard patterns, as the `:` operator and `like`/`like~` read them
 * (docs/semantics.md, "Wildcards"): `*` matches any run of characters,
 * `?` exactly one character (one UTF-8 code point), and every other
 * character, backslash and `%` and `_` included, matches itself. There is
 * no escape: Elasticsearch turns an EQL pattern into a LIKE pattern whose
 * escape character cannot be written in a query.
 *
 * A pattern is compiled once (plan time) and matched per value without
 * allocating, except that case-insensitive matching folds a value with
 * capitals or non-ASCII characters into the scratch arena. Matching runs
 * segment by segment with the leftmost placement of each `*`-separated
 * segment, so it never backtracks exponentially: at worst it takes the
 * value length times the pattern length.
 *
 * Ownership: wc_compile() allocates with xmalloc; wc_free() frees.
 */
#ifndef SW_WILDCARD_H
#define SW_WILDCARD_H

#include <stdbool.h>
#include <stddef.h>

#include "../util/arena.h"

struct wc_pattern;

/* True when s contains `*` or `?`. */
bool wc_has_wildcards(const char *s, size_t n);

/*
 * Compiles `pat`. With `insensitive`, matching folds case (text.h); the
 * pattern is folded here, once.
 */
struct wc_pattern *wc_compile(const char *pat, size_t n, bool insensitive);

/* True when all of s matches the pattern. */
bool wc_match(const struct wc_pattern *p, const char *s, size_t n, struct arena *scratch);

void wc_free(struct wc_pattern *p);

#endif
