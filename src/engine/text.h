/*
 * Text helpers for evaluation: UTF-8 decoding, Unicode case folding,
 * positions counted in UTF-16 code units (as Java's String counts them),
 * and the text forms of numbers.
 *
 * Case folding (docs/semantics.md, "Case") maps every code point with
 * towlower_l() under the C.UTF-8 locale. A short table adds the code points
 * whose Unicode simple case folding differs from their lower case, such as
 * final sigma, the micro sign and long s.
 * Folding maps one code point to one code point and never moves a code
 * point between the Basic Multilingual Plane and the planes above it, so a
 * folded string has as many code points and UTF-16 units as the original.
 *
 * Ownership: text_fold() returns either the input itself or memory from
 * the given arena; text_fold_dup() returns memory the caller free()s.
 */
#ifndef SW_TEXT_H
#define SW_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../event/value.h"
#include "../util/arena.h"

/*
 * Decodes the code point at s[0] (n > 0). `*len` receives the bytes it
 * takes, at least 1. An invalid or truncated sequence decodes as U+FFFD
 * and takes one byte.
 */
uint32_t text_decode(const char *s, size_t n, size_t *len);

/* Writes `cp` as UTF-8 into out (4 bytes of room); returns the length. */
size_t text_encode(uint32_t cp, char *out);

/* Loads the C.UTF-8 case tables once; safe to call from any thread. */
void text_fold_init(void);

/* The case folding of one code point. */
uint32_t text_fold_cp(uint32_t cp);

/* Upper bound on the bytes of the folding of an n-byte string. */
static inline size_t text_fold_bound(size_t n)
{
	return n + n / 2 + 4;
}

/*
 * Folds s into `out` (text_fold_bound(n) bytes of room); returns the
 * folded length.
 */
size_t text_fold_into(const char *s, size_t n, char *out);

/*
 * The folding of s: s itself when folding changes nothing (the common
 * case of lower-case ASCII), otherwise a copy in `scratch`.
 */
const char *text_fold(struct arena *scratch, const char *s, size_t n, size_t *out_len);

/* The folding of s in memory from xmalloc (NUL-terminated). */
char *text_fold_dup(const char *s, size_t n, size_t *out_len);

/* Length of s in UTF-16 code units (a code point above U+FFFF counts 2). */
size_t text_utf16_len(const char *s, size_t n);

/*
 * Byte offset in s of UTF-16 position `pos`, with pos clamped to
 * [0, length]. A position inside a surrogate pair moves to the end of
 * that code point.
 */
size_t text_utf16_to_byte(const char *s, size_t n, int64_t pos);

/* UTF-16 position of byte offset `off` (a code point boundary) of s. */
size_t text_byte_to_utf16(const char *s, size_t n, size_t off);

/*
 * Maps byte offset `off` of `from` to the byte offset of the same code
 * point index in `to` (at most `to_len`). Used to carry a position found
 * in a folded string back to the original, which has as many code points.
 */
size_t text_map_offset(const char *from, size_t off, const char *to, size_t to_len);

/* Room for any text form of a number or boolean, NUL included. */
#define TEXT_NUMBER_MAX 40

/*
 * The text form of a double as Java's Double.toString writes it: "1.0",
 * "42.5", "1.0E20", "1.0E-5", "NaN", "Infinity". Returns the length.
 */
size_t text_format_double(double d, char *out);

/* The decimal form of an integer. Returns the length. */
size_t text_format_int(int64_t i, char *out);

/* strtod() in the "C" locale, whatever LC_NUMERIC the program has set. */
double text_strtod(const char *s, char **end);

/*
 * Reads s as a number in the plain form a JSON document or a numeric
 * field would accept: optional sign, digits, optional fraction and
 * exponent, nothing else. An integer that fits int64 gives VALUE_INT,
 * any other number VALUE_FLOAT. Returns false when s is not such a number.
 */
bool text_parse_number(const char *s, size_t n, struct value *out);

#endif
