/*
 * `regex` and `regex~`: Elasticsearch runs them as Lucene regexp queries,
 * so a pattern uses Lucene's RegExp syntax and must match the whole value
 * (docs/semantics.md, "Regular expressions"). sitewatch translates that
 * syntax into a PCRE2 pattern compiled with UTF, DOTALL (Lucene's `.`
 * matches a newline too), anchoring at both ends, CASELESS for `regex~`,
 * and the JIT where the platform has it.
 *
 * Translated: literals, `.`, `[...]` and `[^...]` classes with ranges,
 * `(...)`, `|`, `*`, `+`, `?`, `{n}`, `{n,}`, `{n,m}`, `"..."` quoted
 * text, `\d \D \s \S \w \W`, `\c` as the literal c, `@` (any string) and
 * `#` (the empty language). `^` and `$` are plain characters in Lucene and
 * stay so. Rejected with a plan error: the intersection `&`, the
 * complement `~` and the `<...>` intervals, which PCRE2 cannot express.
 *
 * Ownership: rx_compile() allocates; rx_free() frees. A compiled pattern
 * is read-only while matching and may be shared by threads; each thread
 * keeps one match block, which rx_thread_release() frees.
 */
#ifndef SW_REGEX_H
#define SW_REGEX_H

#include <stdbool.h>
#include <stddef.h>

struct rx_pattern;

enum rx_result {
	RX_NO_MATCH,
	RX_MATCH,
	/* The match limit was hit; the value's result is unknown. */
	RX_LIMIT,
};

/*
 * Compiles the Lucene pattern `pat`. On failure returns NULL and writes
 * the reason into `why` (why_size bytes) and the byte offset in the
 * pattern where it was found into *where.
 */
struct rx_pattern *rx_compile(const char *pat, size_t n, bool insensitive,
			      char *why, size_t why_size, size_t *where);

enum rx_result rx_match(const struct rx_pattern *p, const char *s, size_t n);

void rx_free(struct rx_pattern *p);

/* Frees the calling thread's match block (idempotent). */
void rx_thread_release(void);

/* Backtracking steps allowed per match before it counts as RX_LIMIT. */
#define RX_MATCH_LIMIT 1000000u

#endif
