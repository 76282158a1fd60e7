/*
 * Event input: one file or stdin, plain, gzip or zstd (detected from the
 * magic bytes, not the file name), split into JSON event documents.
 *
 * Formats, detected from the first non-blank byte and the first document:
 * - NDJSON: one document per line; blank lines are skipped.
 * - A JSON array of documents: each element is a document.
 * - One JSON document spread over many lines (pretty-printed).
 * - An Elasticsearch search response: {"hits":{"hits":[{"_source":{...}}]}}
 *   gives each `_source`; NDJSON whose lines are hits (objects with a
 *   `_source` key) gives each line's `_source`.
 * A document that is not a JSON object, or is malformed, is reported as
 * "sitewatch: FILE:LINE: reason", counted, and skipped; reading goes on
 * with the next line.
 *
 * Ownership: the input owns its buffers. A document returned by
 * input_next() stays valid until the next call to input_next() or
 * input_close().
 */
#ifndef SW_INPUT_H
#define SW_INPUT_H

#include <stdbool.h>
#include <stddef.h>

struct input_limits {
	size_t max_document; /* bytes in one document; default 64 MiB */
};

#define INPUT_LIMITS_DEFAULT { 64u << 20 }

struct input_doc {
	const char *json;   /* the document's bytes, a JSON object */
	size_t len;
	const char *origin; /* file name as given, or "<stdin>" */
	size_t line;        /* 1-based line where the document starts */
};

struct input;

/*
 * Opens `path` ("-" for stdin). Returns NULL after printing
 * "sitewatch: PATH: reason" when the file cannot be opened.
 */
struct input *input_open(const char *path, const struct input_limits *limits);

/*
 * Reads the next document. Returns 1 and fills `doc`, 0 at the end of the
 * input, or -1 on a read or decompression error (reported on stderr; the
 * documents before it were delivered).
 */
int input_next(struct input *in, struct input_doc *doc);

/* Documents skipped as malformed so far. */
size_t input_skipped(const struct input *in);

void input_close(struct input *in);

#endif
