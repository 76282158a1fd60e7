/*
 * Event input: frames the decompressed stream into JSON documents.
 *
 * The stream is read into one window, data[0, fill), and the cursor `pos`
 * walks it. While a document is framed, the bytes from its start (`mark`)
 * are kept. A refill moves them to the front of the window and reads the
 * next block after them. So a document inside the window is returned in
 * place, one that straddles a refill is moved once, and the window never
 * grows past max_document plus two blocks.
 *
 * Formats, per top-level value of the stream:
 * - '[': an array, whose elements are the documents.
 * - '{': an object, walked member by member at the first two levels. When
 *   it contains "hits": {"hits": [...]} (or "hits": {"events": [...]}, from the
 *   EQL search API), it is an Elasticsearch search response and the
 *   elements of that array are streamed as hits. Otherwise the object is
 *   one document, kept whole (bounded by max_document).
 * When the first document fits on its line, the input is NDJSON. From then
 * on each line is framed on its own, and a broken line costs that line only.
 * When the first document is a search hit (a top-level "_source" object),
 * every document is a hit and its `_source` is returned instead.
 */
#include "input.h"
#include "input_internal.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decompress.h"
#include "parallel.h"
#include "split.h"
#include "util/buf.h"
#include "util/diag.h"
#include "util/xalloc.h"

enum context {
	CTX_TOP,    /* between top-level values */
	CTX_ARRAY,  /* inside a top-level array */
	CTX_HITS,   /* inside the hits.hits (or hits.events) array of a search response */
	CTX_END,    /* nothing more will be read */
};

enum step { STEP_DOC, STEP_AGAIN, STEP_END };

enum walk { WALK_DONE, WALK_HITS, WALK_BAD, WALK_EOF };

struct input {
	struct source *src;
	char *origin;
	size_t max_document;
	size_t block;

	char *data;           /* the window, data[0, fill), of which data[mark, fill) is kept */
	size_t cap, fill, pos, mark;
	uintmax_t base;       /* stream offset of data[0] */
	bool keep;            /* keep the bytes from mark on a refill */
	bool oversize;        /* the kept document outgrew max_document */
	bool name_pinned;     /* keep the member name from name_start on a refill too */
	uintmax_t name_start; /* stream offset of the member name being read */
	bool eof;             /* the source has ended */
	bool failed;          /* ... with an error, in `error` or in the source */
	struct buf error;
	size_t line;          /* line of data[pos], 1-based */
	long line_blanks;     /* blanks since the last newline, or -1 after other bytes */

	enum context ctx;
	bool started;         /* the byte order mark was checked */
	bool need_comma;      /* an array element was read */
	size_t outer_line;    /* line where the current array or response starts */
	long top_indent;      /* indentation of top-level documents */
	long element_indent;  /* indentation of array elements, -1 if unknown */
	int line_mode;        /* 1 for NDJSON, -1 until the first document decides */
	int hit_mode;         /* 1 for search hits, -1 until the first document decides */
	const char *walk_reason;

	size_t skipped, reported;
	size_t trailing; /* lines with text after their document */
	bool error_shown;
	size_t messages;      /* malformed documents and read errors, printed or not */
	size_t quiet;         /* the first so many are not printed (input_set_quiet()) */
	size_t max_reports;   /* malformed documents reported with a message, at most */

	input_filter_fn filter;  /* NULL: every line is framed */
	void *filter_arg;
	size_t filtered;
	input_tick_fn tick;      /* NULL: none */
	void *tick_arg;
	input_notice_fn notice;  /* NULL: none */
	void *notice_arg;
	unsigned threads;        /* filter workers; below 2, none */
	struct par *par;         /* the workers, once the input is known to be NDJSON */
	bool par_tried;
	uintmax_t par_from;      /* stream offset where the workers took over */
};

/* ---- window ---- */

static void window_keep(struct input *in)
{
	in->mark = in->pos;
	in->keep = true;
	in->oversize = false;
}

/* Makes room for one block after `fill`, moving the kept bytes to the front. */
static void window_make_room(struct input *in)
{
	size_t kept_len, want, limit;

	if (in->cap - in->fill >= in->block)
		return;

	if (in->mark > 0) {
		kept_len = in->fill - in->mark;
		memmove(in->data, in->data + in->mark, kept_len);
		in->base += in->mark;
		in->pos -= in->mark;
		in->fill = kept_len;
		in->mark = 0;
	}
	if (in->cap - in->fill >= in->block)
		return;

	/* Kept bytes never exceed max_document (see window_more), so the limit holds. */
	limit = in->max_document + 2 * in->block;
	want = in->cap * 2 > limit ? limit : in->cap * 2;
	if (want < in->fill + in->block)
		want = in->fill + in->block;
	in->data = xrealloc(in->data, want);
	in->cap = want;
}

static void pass_source_warning(struct input *in);

/* Reads more of the stream after `fill`. Returns false at the end of the input. */
static bool window_more(struct input *in)
{
	ssize_t n;

	if (in->eof)
		return false;
	if (in->keep && in->fill - in->mark > in->max_document) {
		in->oversize = true;
		in->keep = false;
	}
	if (!in->keep)
		in->mark = in->pos;
	if (in->name_pinned && in->base + in->fill - in->name_start > in->max_document)
		in->name_pinned = false;
	if (in->name_pinned && in->name_start < in->base + in->mark)
		in->mark = (size_t)(in->name_start - in->base);
	window_make_room(in);

	if (in->par != NULL)
		n = par_read(in->par, in->data + in->fill, in->cap - in->fill);
	else
		n = source_read(in->src, in->data + in->fill, in->cap - in->fill);
	if (in->par == NULL)
		pass_source_warning(in);
	if (n <= 0) {
		in->eof = true;
		in->failed = n < 0;
		if (n < 0 && in->par != NULL)
			buf_puts(&in->error, par_error(in->par));
		return false;
	}
	in->fill += (size_t)n;
	return true;
}

static int peek(struct input *in)
{
	if (in->pos == in->fill && !window_more(in))
		return -1;
	return (unsigned char)in->data[in->pos];
}

static void advance(struct input *in)
{
	in->pos++;
	in->line_blanks = -1;
}

/* Skips blanks, counting lines. Returns the next byte (not consumed), or -1 at the end. */
static int skip_blanks(struct input *in)
{
	for (;;) {
		while (in->pos < in->fill) {
			char c = in->data[in->pos];

			if (c == '\n') {
				in->line++;
				in->line_blanks = 0;
			} else if (c == ' ' || c == '\t' || c == '\r') {
				if (in->line_blanks >= 0)
					in->line_blanks++;
			} else {
				return (unsigned char)c;
			}
			in->pos++;
		}
		if (!window_more(in))
			return -1;
	}
}

/* Feeds the stream from pos to `s`. SPLIT_MORE means that the input ended inside the value. */
static enum split_status scan_value(struct input *in, struct split_scan *s)
{
	enum split_status status;

	for (;;) {
		size_t n = split_scan_feed(s, in->data + in->pos, in->fill - in->pos, &status);

		in->pos += n;
		in->line += s->newlines;
		s->newlines = 0;
		if (status != SPLIT_MORE || !window_more(in))
			break;
	}
	in->line_blanks = -1;
	return status;
}

/* ---- messages ---- */

/*
 * Counts one message. Returns true when a first reading of the file
 * already printed it, or when the notice callback returns false because
 * the reader stops before this point.
 */
static bool quieted(struct input *in)
{
	if (++in->messages <= in->quiet)
		return true;
	return in->notice != NULL && !in->notice(in->notice_arg);
}

/* Prints the source's warning, if any, as one of this input's messages. */
static void pass_source_warning(struct input *in)
{
	struct buf msg = BUF_INIT;

	if (source_take_warning(in->src, &msg) != NULL && !quieted(in))
		diag_warn("%s: %s", in->origin, msg.data);
	buf_free(&msg);
}

static void report(struct input *in, size_t line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void report(struct input *in, size_t line, const char *fmt, ...)
{
	struct buf msg = BUF_INIT;
	va_list ap;

	in->reported++;
	if (quieted(in))
		return;
	if (in->reported > in->max_reports) {
		if (in->reported == in->max_reports + 1 && in->max_reports > 0)
			diag_at(in->origin, line, "more than %zu malformed documents; the rest are "
				"skipped and counted without a message (raise --max-errors)",
				in->max_reports);
		return;
	}

	va_start(ap, fmt);
	buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	diag_at(in->origin, line, "%s", msg.data);
	buf_free(&msg);
}

/* Describes the byte `c` for a message, as 'x' when printable or else as its hex value. */
static const char *describe_byte(int c, char out[16])
{
	if (c >= 0x20 && c < 0x7f)
		snprintf(out, 16, "'%c'", c);
	else
		snprintf(out, 16, "byte 0x%02x", (unsigned)c & 0xffu);
	return out;
}

static enum step reject_too_large(struct input *in, size_t line)
{
	in->skipped++;
	report(in, line, "document larger than --max-document-size (%zu bytes); "
	       "raise the limit to read it", in->max_document);
	return STEP_AGAIN;
}

/* Reports that the input ends inside a value that starts at `line`. */
static enum step end_inside(struct input *in, size_t line, const char *value_kind, bool lost)
{
	/* After a read error, the error message stands for the partial value. */
	if (in->failed)
		return STEP_END;
	if (lost)
		in->skipped++;
	report(in, line, "the input ends inside the %s that starts here", value_kind);
	return STEP_END;
}

/* ---- recovery ---- */

static bool at_resync_point(struct input *in, long indent, uintmax_t doc_start)
{
	return in->line_blanks >= 0 && in->pos < in->fill && in->data[in->pos] == '{' &&
	       (indent < 0 || in->line_blanks == indent) && in->base + in->pos > doc_start;
}

/*
 * Skips to the next line whose first non-blank byte is '{' after `indent`
 * blanks (any number when indent < 0): where the next document or element
 * most likely starts. Returns false at the end of the input.
 */
static bool resync(struct input *in, long indent)
{
	in->keep = false;
	for (;;) {
		const char *nl = memchr(in->data + in->pos, '\n', in->fill - in->pos);
		int c;

		if (nl == NULL) {
			in->pos = in->fill;
			if (!window_more(in))
				return false;
			continue;
		}

		in->pos = (size_t)(nl - in->data) + 1;
		in->line++;
		in->line_blanks = 0;
		while ((c = peek(in)) == ' ' || c == '\t') {
			in->pos++;
			in->line_blanks++;
		}
		if (c < 0)
			return false;
		if (c == '{' && (indent < 0 || in->line_blanks == indent))
			return true;
	}
}

/*
 * Reports a framing error at `err_line` in the document or value that
 * starts at `doc_line` (offset `doc_start`), then resynchronises.
 */
static enum step reject_and_resync(struct input *in, size_t err_line, size_t doc_line,
				   uintmax_t doc_start, const char *reason, long indent)
{
	char where[64] = "";
	bool found;

	found = at_resync_point(in, indent, doc_start) || resync(in, indent);
	if (doc_line != err_line)
		snprintf(where, sizeof(where), " (in the document from line %zu)", doc_line);

	in->skipped++;
	if (found)
		report(in, err_line, "%s%s; skipped to line %zu", reason, where, in->line);
	else
		report(in, err_line, "%s%s; skipped to the end of the input", reason, where);

	in->need_comma = false;
	return found ? STEP_AGAIN : STEP_END;
}

/* ---- documents ---- */

/*
 * Returns the document at data[start, start + len) that starts at `line`,
 * or its `_source` when it is a search hit.
 */
static enum step finish_doc(struct input *in, struct input_doc *doc, size_t start,
			    size_t len, size_t line, bool must_be_hit)
{
	const char *p = in->data + start;
	size_t offset, source_len, newlines;

	if (len > in->max_document)
		return reject_too_large(in, line);

	if (!must_be_hit && in->hit_mode < 0)
		in->hit_mode = split_find_source(p, len, &offset, &source_len, &newlines);
	if (must_be_hit || in->hit_mode == 1) {
		if (!split_find_source(p, len, &offset, &source_len, &newlines)) {
			in->skipped++;
			report(in, line, must_be_hit
			       ? "search hit without a _source object; run the search with _source enabled"
			       : "document without a _source object, but this input holds search hits");
			return STEP_AGAIN;
		}
		p += offset;
		len = source_len;
		line += newlines;
	}

	doc->json = p;
	doc->len = len;
	doc->origin = in->origin;
	doc->line = line;
	return STEP_DOC;
}

/* ---- NDJSON lines ---- */

/*
 * Finds the '\n' that ends the line at pos. Returns false when the input
 * ends first, with *eol at the end of the data. The line is kept from pos
 * while pos runs ahead to the end of the data read, so a refill keeps only
 * the line. When the line outgrows max_document, it is no longer kept
 * (in->oversize is set) and pos stays where the search stopped.
 */
static bool find_line_end(struct input *in, size_t *eol)
{
	bool found = false;

	window_keep(in);
	for (;;) {
		const char *nl = memchr(in->data + in->pos, '\n', in->fill - in->pos);

		if (nl != NULL) {
			*eol = (size_t)(nl - in->data);
			found = true;
			break;
		}
		in->pos = in->fill;
		if (!window_more(in)) {
			*eol = in->fill;
			break;
		}
	}

	in->keep = false;
	if (!in->oversize)
		in->pos = in->mark;
	return found;
}

static void skip_line(struct input *in, size_t eol, bool has_newline)
{
	in->pos = eol;
	in->line_blanks = -1;
	if (has_newline) {
		in->pos++;
		in->line++;
		in->line_blanks = 0;
	}
}

/* Consumes what follows a document on its line: blanks, or more documents. */
static void finish_line(struct input *in, size_t eol, bool has_newline)
{
	size_t i = in->pos;

	while (i < eol && split_is_blank(in->data[i]))
		i++;
	if (i == eol) {
		skip_line(in, eol, has_newline);
		return;
	}

	if (in->data[i] == '{') {
		/* Several documents on one line: frame them as concatenated JSON. */
		in->pos = i;
		in->line_mode = 0;
		return;
	}
	/* The document itself was delivered: only the text after it is lost. */
	in->trailing++;
	report(in, in->line, "unexpected text after the document; skipped the rest of the line");
	skip_line(in, eol, has_newline);
}

static enum step frame_line_object(struct input *in, struct input_doc *doc, size_t eol,
				   bool has_newline)
{
	struct split_scan s;
	enum split_status status;
	size_t start = in->pos, line = in->line, n;

	split_scan_init(&s);
	n = split_scan_feed(&s, in->data + start, eol - start, &status);
	if (status == SPLIT_DONE) {
		in->pos += n;
		in->line_blanks = -1;
		finish_line(in, eol, has_newline);
		return finish_doc(in, doc, start, n, line, false);
	}

	/* The partial last line before a read error is not a malformed document. */
	if (status == SPLIT_MORE && !has_newline && in->failed)
		return STEP_END;

	in->skipped++;
	if (status == SPLIT_BAD)
		report(in, line, "%s", s.reason);
	else if (split_scan_in_string(&s))
		report(in, line, "unterminated string");
	else
		report(in, line, "object not closed at the end of the line");
	skip_line(in, eol, has_newline);
	return STEP_AGAIN;
}

/* Frames the NDJSON line at pos, whose first byte is not blank. */
static enum step frame_line(struct input *in, struct input_doc *doc)
{
	size_t line = in->line, eol;
	bool has_newline;
	char found[16];
	int c;

	if (in->tick != NULL)
		in->tick(in->tick_arg);

	/* In NDJSON the cap applies to the line from its first non-blank byte, '\r' included. */
	has_newline = find_line_end(in, &eol);
	if (in->oversize || eol - in->pos > in->max_document) {
		skip_line(in, eol, has_newline);
		return reject_too_large(in, line);
	}

	c = (unsigned char)in->data[in->pos];
	if (c != '{') {
		if (!has_newline && in->failed)
			return STEP_END;
		in->skipped++;
		report(in, line, "not a JSON object (starts with %s)", describe_byte(c, found));
		skip_line(in, eol, has_newline);
		return STEP_AGAIN;
	}
	if (in->filter != NULL && !in->filter(in->filter_arg, in->data + in->pos, eol - in->pos)) {
		in->filtered++;
		skip_line(in, eol, has_newline);
		return STEP_AGAIN;
	}
	return frame_line_object(in, doc, eol, has_newline);
}

/* ---- objects and search responses ---- */

static enum walk walk_fail(struct input *in, const char *reason)
{
	in->walk_reason = reason;
	return WALK_BAD;
}

static enum walk walk_scan(struct input *in)
{
	struct split_scan s;
	enum split_status status;

	split_scan_init(&s);
	status = scan_value(in, &s);
	if (status == SPLIT_BAD)
		return walk_fail(in, s.reason);
	return status == SPLIT_DONE ? WALK_DONE : WALK_EOF;
}

/* Member names that lead to the hits of a search response. */
enum member_name { NAME_OTHER, NAME_HITS, NAME_EVENTS };

static bool name_is(const struct input *in, uintmax_t start, const char *quoted)
{
	size_t len = strlen(quoted);

	return start >= in->base && in->base + in->pos - start == len &&
	       memcmp(in->data + (start - in->base), quoted, len) == 0;
}

/* Reads the member name at pos (a '"'). */
static enum walk walk_name(struct input *in, enum member_name *name)
{
	uintmax_t start = in->base + in->pos;
	enum walk r;

	/*
	 * An oversize object is no longer kept, but the name is, so that
	 * hits.hits is found whatever the read block boundaries.
	 */
	in->name_pinned = true;
	in->name_start = start;
	r = walk_scan(in);
	in->name_pinned = false;

	*name = NAME_OTHER;
	if (r == WALK_DONE && name_is(in, start, "\"hits\""))
		*name = NAME_HITS;
	else if (r == WALK_DONE && name_is(in, start, "\"events\""))
		*name = NAME_EVENTS;
	return r;
}

static enum walk walk_object(struct input *in, int level);

/*
 * The search API puts hits in hits.hits. The EQL search API puts the events
 * of an event query in hits.events, each with its "_source" too.
 */
static enum walk walk_member_value(struct input *in, int level, enum member_name name, int c)
{
	/*
	 * NOTE: the events of an EQL sequence response (hits.sequences[].events)
	 * are not streamed, so such a response is read as one document.
	 */
	if (level == 1 && name == NAME_HITS && c == '{')
		return walk_object(in, 2);
	if (level == 2 && (name == NAME_HITS || name == NAME_EVENTS) && c == '[')
		return WALK_HITS;
	return walk_scan(in);
}

/*
 * object = '{' [ member { ',' member } ] '}' ; member = string ':' value.
 * Walks the object at pos, looking for hits.hits or hits.events at levels 1
 * and 2; deeper values are only framed. Stops at the '[' of that array
 * (WALK_HITS).
 */
static enum walk walk_object(struct input *in, int level)
{
	enum member_name name;
	enum walk r;
	int c;

	advance(in);
	c = skip_blanks(in);
	if (c == '}') {
		advance(in);
		return WALK_DONE;
	}

	for (;;) {
		if (c != '"')
			return c < 0 ? WALK_EOF : walk_fail(in, "expected a member name in quotes");
		r = walk_name(in, &name);
		if (r != WALK_DONE)
			return r;

		c = skip_blanks(in);
		if (c != ':')
			return c < 0 ? WALK_EOF : walk_fail(in, "expected ':' after a member name");
		advance(in);
		c = skip_blanks(in);
		if (c < 0)
			return WALK_EOF;
		r = walk_member_value(in, level, name, c);
		if (r != WALK_DONE)
			return r;

		c = skip_blanks(in);
		if (c == '}') {
			advance(in);
			return WALK_DONE;
		}
		if (c != ',')
			return c < 0 ? WALK_EOF : walk_fail(in, "expected ',' or '}' after a member value");
		advance(in);
		c = skip_blanks(in);
	}
}

static void open_array(struct input *in, enum context ctx, size_t line)
{
	advance(in);
	in->ctx = ctx;
	in->need_comma = false;
	in->outer_line = line;
	in->element_indent = -1;
}

/* Frames the top-level object at pos: one document, or a search response. */
static enum step frame_object(struct input *in, struct input_doc *doc)
{
	uintmax_t start = in->base + in->pos;
	size_t line = in->line;
	enum walk r;

	if (in->line_blanks >= 0)
		in->top_indent = in->line_blanks;
	window_keep(in);
	r = walk_object(in, 1);
	in->keep = false;

	switch (r) {
	case WALK_HITS:
		open_array(in, CTX_HITS, line);
		return STEP_AGAIN;
	case WALK_BAD:
		return reject_and_resync(in, in->line, line, start, in->walk_reason, in->top_indent);
	case WALK_EOF:
		return end_inside(in, line, "document", true);
	default:
		break;
	}

	/*
	 * NOTE: the first document decides for the whole input, so a
	 * pretty-printed document later in an NDJSON file is reported line by line.
	 */
	if (in->line_mode < 0)
		in->line_mode = in->line == line;
	if (in->oversize)
		return reject_too_large(in, line);
	return finish_doc(in, doc, in->mark, in->pos - in->mark, line, false);
}

/* ---- arrays ---- */

/* Skips the rest of a search response after its array of hits. */
static enum step finish_response(struct input *in)
{
	struct split_scan s;
	enum split_status status;

	split_scan_init_inside(&s, 2);
	status = scan_value(in, &s);
	if (status == SPLIT_MORE)
		return end_inside(in, in->outer_line, "search response", false);
	if (status == SPLIT_BAD)
		return reject_and_resync(in, in->line, in->outer_line, in->base + in->pos,
					 s.reason, in->top_indent);
	return STEP_AGAIN;
}

static enum step close_array(struct input *in)
{
	enum context ctx = in->ctx;

	advance(in);
	in->ctx = CTX_TOP;
	return ctx == CTX_HITS ? finish_response(in) : STEP_AGAIN;
}

/* Skips an element that is not an object, such as a number or a nested array. */
static enum step skip_element(struct input *in)
{
	struct split_scan s;
	enum split_status status;
	uintmax_t start = in->base + in->pos;
	size_t line = in->line;

	split_scan_init(&s);
	status = scan_value(in, &s);
	if (status == SPLIT_MORE)
		return end_inside(in, line, "array element", true);
	if (status == SPLIT_BAD)
		return reject_and_resync(in, in->line, line, start, s.reason, in->element_indent);

	in->skipped++;
	report(in, line, in->ctx == CTX_HITS ? "search hit is not a JSON object"
					     : "array element is not a JSON object");
	return STEP_AGAIN;
}

static enum step frame_element(struct input *in, struct input_doc *doc)
{
	struct split_scan s;
	enum split_status status;
	uintmax_t start = in->base + in->pos;
	size_t line = in->line;

	if (in->line_blanks >= 0)
		in->element_indent = in->line_blanks;
	window_keep(in);
	split_scan_init(&s);
	status = scan_value(in, &s);
	in->keep = false;

	if (status == SPLIT_MORE)
		return end_inside(in, line, "document", true);
	if (status == SPLIT_BAD)
		return reject_and_resync(in, in->line, line, start, s.reason, in->element_indent);
	if (in->oversize)
		return reject_too_large(in, line);
	return finish_doc(in, doc, in->mark, in->pos - in->mark, line, in->ctx == CTX_HITS);
}

/* element-list = [ element { ',' element } ] ']' */
static enum step next_element(struct input *in, struct input_doc *doc)
{
	const char *container = in->ctx == CTX_HITS ? "search response" : "array";
	int c = skip_blanks(in);

	if (c < 0)
		return end_inside(in, in->outer_line, container, false);
	if (c == ']')
		return close_array(in);

	if (in->need_comma && c == ',') {
		advance(in);
		c = skip_blanks(in);
		if (c < 0)
			return end_inside(in, in->outer_line, container, false);
		if (c == ']') {
			report(in, in->line, "trailing ',' before ']'");
			return close_array(in);
		}
	} else if (in->need_comma && c == '{') {
		report(in, in->line, "missing ',' between array elements");
	} else if (in->need_comma) {
		return reject_and_resync(in, in->line, in->line, in->base + in->pos,
					 in->ctx == CTX_HITS ? "expected ',' or ']' after a search hit"
							     : "expected ',' or ']' after an array element",
					 in->element_indent);
	}

	in->need_comma = true;
	return c == '{' ? frame_element(in, doc) : skip_element(in);
}

/* ---- top level ---- */

/*
 * Once the input is known to be NDJSON, hands the rest of a plain file to
 * filter workers: from the end of the bytes read so far, which the workers
 * read again from the file.
 * NOTE: the workers stop at the size the file had when it was opened, so
 * lines appended while it is read are left out (one thread reads to the end).
 */
static void start_workers(struct input *in)
{
	int fd = source_plain_fd(in->src);
	struct par_filter filter = {
		.max_document = in->max_document,
		.fn = in->filter, .arg = in->filter_arg,
		.tick = in->tick, .tick_arg = in->tick_arg,
	};

	in->par_tried = true;
	if (in->threads < 2 || in->filter == NULL || fd < 0 || in->eof)
		return;
	in->par_from = in->base + in->fill;
	in->par = par_start(fd, in->par_from, (uintmax_t)source_size(in->src), in->threads, &filter);
}

static enum step next_top(struct input *in, struct input_doc *doc)
{
	char found[16];
	char reason[64];
	int c;

	if (in->line_mode == 1 && !in->par_tried)
		start_workers(in);
	c = skip_blanks(in);
	if (c < 0)
		return STEP_END;
	if (in->line_mode == 1)
		return frame_line(in, doc);
	if (c == '{')
		return frame_object(in, doc);
	if (c == '[') {
		open_array(in, CTX_ARRAY, in->line);
		return STEP_AGAIN;
	}

	snprintf(reason, sizeof(reason), "not a JSON object (starts with %s)",
		 describe_byte(c, found));
	return reject_and_resync(in, in->line, in->line, in->base + in->pos, reason,
				 in->top_indent);
}

/* Skips a UTF-8 byte order mark and rejects UTF-16, which JSON files must not use (RFC 8259, 8.1). */
static void check_byte_order_mark(struct input *in)
{
	const unsigned char *p;
	size_t have;

	in->started = true;
	while (in->fill - in->pos < 3 && window_more(in))
		;

	p = (const unsigned char *)in->data + in->pos;
	have = in->fill - in->pos;
	if (have >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf) {
		in->pos += 3;
	} else if (have >= 2 && ((p[0] == 0xff && p[1] == 0xfe) || (p[0] == 0xfe && p[1] == 0xff))) {
		buf_printf(&in->error, "UTF-16 text (byte order mark %02X %02X); convert it to "
			   "UTF-8, for example with iconv -f UTF-16 -t UTF-8", p[0], p[1]);
		in->failed = true;
		in->eof = true;
		in->ctx = CTX_END;
	}
}

/* ---- interface ---- */

struct input *input_open_block(const char *path, const struct input_limits *limits,
			       size_t block)
{
	const struct input_limits defaults = INPUT_LIMITS_DEFAULT;
	struct input *in = xcalloc(1, sizeof(*in));

	in->origin = xstrdup(strcmp(path, "-") == 0 ? "<stdin>" : path);
	in->src = source_open(path, in->origin);
	if (in->src == NULL) {
		free(in->origin);
		free(in);
		return NULL;
	}

	/* Half the address space: the window size computed from it cannot overflow. */
	in->max_document = (limits ? limits : &defaults)->max_document;
	in->max_reports = INPUT_MAX_REPORTS;
	if (in->max_document > SIZE_MAX / 2)
		in->max_document = SIZE_MAX / 2;
	in->block = block > 0 ? block : INPUT_BLOCK;
	in->cap = 2 * in->block;
	in->data = xmalloc(in->cap);
	in->line = 1;
	in->line_blanks = 0;
	in->top_indent = 0;
	in->element_indent = -1;
	in->line_mode = -1;
	in->hit_mode = -1;
	in->ctx = CTX_TOP;
	return in;
}

struct input *input_open(const char *path, const struct input_limits *limits)
{
	return input_open_block(path, limits, INPUT_BLOCK);
}

int input_next(struct input *in, struct input_doc *doc)
{
	enum step r = STEP_AGAIN;

	if (!in->started)
		check_byte_order_mark(in);

	while (r == STEP_AGAIN) {
		if (in->ctx == CTX_TOP)
			r = next_top(in, doc);
		else if (in->ctx == CTX_END)
			r = STEP_END;
		else
			r = next_element(in, doc);
	}
	if (r == STEP_DOC)
		return 1;

	in->ctx = CTX_END;
	if (!in->failed)
		return 0;
	if (!in->error_shown && !quieted(in))
		diag_error("%s: %s", in->origin, in->error.len ? in->error.data : source_error(in->src));
	in->error_shown = true;
	return -1;
}

size_t input_skipped(const struct input *in)
{
	return in->skipped;
}

size_t input_messages(const struct input *in)
{
	return in->messages;
}

void input_set_quiet(struct input *in, size_t count)
{
	in->quiet = count;
}

void input_set_max_reports(struct input *in, size_t count)
{
	in->max_reports = count;
}

size_t input_trailing(const struct input *in)
{
	return in->trailing;
}

void input_set_filter(struct input *in, input_filter_fn fn, void *arg)
{
	in->filter = fn;
	in->filter_arg = arg;
}

size_t input_filtered(const struct input *in)
{
	return in->filtered + (in->par != NULL ? par_filtered(in->par) : 0);
}

void input_set_threads(struct input *in, unsigned threads)
{
	in->threads = threads;
}

void input_set_tick(struct input *in, input_tick_fn fn, void *arg)
{
	in->tick = fn;
	in->tick_arg = arg;
}

void input_set_notice(struct input *in, input_notice_fn fn, void *arg)
{
	in->notice = fn;
	in->notice_arg = arg;
}

uintmax_t input_offset(const struct input *in)
{
	if (in->par != NULL)
		return in->par_from + par_scanned(in->par);
	return source_bytes_read(in->src);
}

intmax_t input_size(const struct input *in)
{
	return source_size(in->src);
}

size_t input_buffer_size(const struct input *in)
{
	return in->cap;
}

void input_close(struct input *in)
{
	if (in == NULL)
		return;

	par_stop(in->par);
	source_close(in->src);
	buf_free(&in->error);
	free(in->data);
	free(in->origin);
	free(in);
}
