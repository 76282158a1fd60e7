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
#include <stdint.h>

struct input_limits {
	size_t max_document; /* bytes in one document; default 64 MiB */
};

#define INPUT_LIMITS_DEFAULT { 64u << 20 }

/* Malformed documents reported per input by default; the rest are only counted. */
#define INPUT_MAX_REPORTS 100

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

/* Messages about this input so far (malformed documents, a read error), printed or not. */
size_t input_messages(const struct input *in);

/*
 * The first `count` messages are counted but not printed: a second
 * reading of a file, after a first one that printed them (`detect` reads
 * files again when they turn out not to be in time order).
 */
void input_set_quiet(struct input *in, size_t count);

/*
 * Malformed documents reported with a message, at most (default
 * INPUT_MAX_REPORTS); the rest are counted. 0 prints none.
 */
void input_set_max_reports(struct input *in, size_t count);

/*
 * Lines whose document was delivered but had more text after it on the
 * same line; that text was reported and ignored.
 */
size_t input_trailing(const struct input *in);

/*
 * A test on the raw bytes of one NDJSON line, from its first non-blank
 * byte to the newline (excluded). A line that begins with '{' and that the
 * test rejects is counted (input_filtered()) and passed over: it is never
 * framed, parsed or returned, so it is not checked for malformed JSON
 * either. Other inputs (JSON arrays, pretty-printed documents) are not
 * tested. `arg` is the test's own data.
 */
typedef bool (*input_filter_fn)(void *arg, const char *line, size_t len);

void input_set_filter(struct input *in, input_filter_fn fn, void *arg);

/* Lines the filter rejected so far. */
size_t input_filtered(const struct input *in);

/*
 * Lets `threads` worker threads run the filter, each over one range of the
 * file, while this thread parses the lines they pass (src/io/parallel.h).
 * It applies to a plain regular NDJSON file with a filter set; anything
 * else is read by this thread alone, as with 1. The filter must then be
 * safe to call from several threads at once.
 */
void input_set_threads(struct input *in, unsigned threads);

/*
 * Called now and then on the thread that reads the input, for a progress
 * display: at each NDJSON line it frames, and about ten times a second
 * while it waits for filter workers.
 */
typedef void (*input_tick_fn)(void *arg);

void input_set_tick(struct input *in, input_tick_fn fn, void *arg);

/*
 * Called on the reading thread just before the input prints one of its
 * messages. A caller that still keeps earlier documents in a queue then
 * feeds them first, so the messages stay in input order. Returning false
 * means that the caller stops reading before this point, so the message
 * is counted and not printed.
 */
typedef bool (*input_notice_fn)(void *arg);

void input_set_notice(struct input *in, input_notice_fn fn, void *arg);

/* Bytes read from the file so far, for progress: compressed bytes for gzip and zstd. */
uintmax_t input_offset(const struct input *in);

/* The file's size in bytes (compressed size for gzip and zstd), or -1 for a pipe or terminal. */
intmax_t input_size(const struct input *in);

void input_close(struct input *in);

#endif
