/*
 * Structural JSON framing: finds where one JSON value ends, aware of
 * strings, escapes and brackets, without validating the value. The event
 * scanner validates each document later.
 *
 * The scanner is resumable: a value may be fed in pieces, as it arrives
 * from the read blocks. It owns no memory; the caller owns the struct.
 */
#ifndef SW_IO_SPLIT_H
#define SW_IO_SPLIT_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Max nesting of objects and arrays in one value. 1000 is the default
 * nesting limit of Jackson's StreamReadConstraints (2.15 and later), the
 * parser Elasticsearch reads JSON with.
 */
#define SPLIT_MAX_DEPTH 1000

enum split_status {
	SPLIT_MORE,  /* the value goes on past the bytes fed so far */
	SPLIT_DONE,  /* the value ended */
	SPLIT_BAD,   /* the bytes cannot be framed, for `reason` */
};

struct split_scan {
	unsigned depth;          /* open objects and arrays */
	unsigned char state;     /* enum scan_state in split.c */
	size_t newlines;         /* '\n' bytes consumed, which the caller may reset */
	const char *reason;      /* why the scan ended in SPLIT_BAD */
	unsigned char is_array[SPLIT_MAX_DEPTH / 8 + 1]; /* one bit per open level */
};

/* Prepares to scan one value from its first byte. */
void split_scan_init(struct split_scan *s);

/*
 * Prepares to scan the rest of `objects` nested objects whose opening
 * braces were already consumed, to skip to the end of the outermost one.
 */
void split_scan_init_inside(struct split_scan *s, unsigned objects);

/*
 * Scans `len` bytes at `p`. Returns how many bytes belong to the value and
 * sets `*status`. SPLIT_DONE: the value ended, and the count includes its
 * last byte. SPLIT_BAD: the count stops before the byte that broke the
 * framing. SPLIT_MORE: every byte was consumed and the value goes on.
 * A scalar (number, true, false, null) ends before the first byte that
 * cannot belong to it, so it needs that byte to be fed to end.
 */
size_t split_scan_feed(struct split_scan *s, const char *p, size_t len,
		       enum split_status *status);

/* True while the scanner is inside a string (for "unterminated string"). */
bool split_scan_in_string(const struct split_scan *s);

/*
 * Finds the top-level "_source" member of the object at `p` (a whole object,
 * as framed by the scanner) when its value is an object. Returns false when
 * there is none. On success sets the value's offset and length in `p` and the
 * number of newlines before it.
 */
bool split_find_source(const char *p, size_t len, size_t *offset, size_t *source_len,
		       size_t *newlines);

static inline bool split_is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

#endif
