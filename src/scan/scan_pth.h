/*
 * The .pth line reader: turns a file's bytes into the lines that a given
 * CPython version sees, classifies each line as that version does, and
 * predicts which lines run.
 *
 * Positions are reported the way the output contract wants them: `line` is
 * counted by '\n' (1-based) and `offset` is the byte offset of the first byte
 * of the logical line. Under 3.13's splitlines() one '\n' line may hold
 * several logical lines (a form feed ends a line there); they then share
 * `line` and differ in `offset`.
 *
 * Ownership: struct scan_pth_text owns its array of lines (scan_pth_free());
 * the lines point into the caller's bytes, which must outlive it.
 */
#ifndef SW_SCAN_PTH_H
#define SW_SCAN_PTH_H

#include <stdbool.h>
#include <stddef.h>

#include "scan_version.h"

#define SCAN_DEFAULT_MAX_PTH_LINES 100000 /* lines read from one .pth file */

enum scan_line_kind {
	SCAN_LINE_BLANK,
	SCAN_LINE_COMMENT, /* starts with '#' */
	SCAN_LINE_IMPORT,  /* starts with "import " or "import\t": executed */
	SCAN_LINE_DORMANT, /* "import" after leading whitespace: a path line before 3.15 */
	SCAN_LINE_PATH,    /* anything else: a sys.path entry if it exists */
};

struct scan_pth_line {
	const char *text;  /* the line without its terminator (BOM included when kept) */
	size_t len;
	size_t offset;     /* byte offset of text[0] in the file */
	size_t line;       /* 1-based, counted by '\n' */
	size_t number;     /* CPython's own count (enumerate(..., 1)), for its messages */
	enum scan_line_kind kind;
	bool hidden_by_bom; /* a BOM in front of "import" turns it into a path line */
};

struct scan_pth_text {
	struct scan_pth_line *lines;
	size_t n;
	bool truncated;      /* more than max_lines lines: the rest is not listed */
	size_t rest_offset;  /* when truncated, the byte offset of the first line not listed */
	bool decode_error;   /* not valid UTF-8 (Python 3 only) */
	size_t error_offset; /* first byte that fails to decode */
	/*
	 * With a decode error, the lines that CPython reads before it fails:
	 * up to 3.12 those that end before the 8192-byte chunk holding the bad
	 * byte (TextIOWrapper decodes by chunks); from 3.13 none.
	 */
	size_t lines_before_error;
};

/* Splits and classifies `data` under `rules`. */
void scan_pth_read(const char *data, size_t len, const struct scan_pth_rules *rules,
		   size_t max_lines, struct scan_pth_text *out);
void scan_pth_free(struct scan_pth_text *t);

/* Offset of the first byte that Python's strict UTF-8 decoder rejects, or `len`. */
size_t scan_utf8_invalid_at(const char *s, size_t len);

/* Classifies one logical line (terminator removed) under `rules`. */
enum scan_line_kind scan_pth_classify(const char *text, size_t len,
				      const struct scan_pth_rules *rules, bool *hidden_by_bom);

/* What an executed line does to the start-up, as far as its text shows. */
enum scan_line_effect {
	SCAN_EFFECT_NONE,
	SCAN_EFFECT_RAISES, /* an unconditional `raise`: the rest of the file is ignored */
	SCAN_EFFECT_EXITS,  /* sys.exit(), exit(), quit(), os._exit(), raise SystemExit: every start fails */
};

enum scan_line_effect scan_pth_effect(const char *text, size_t len);

/*
 * Calls `fn` for each top-level module that the line's leading import
 * statements name ("import a.b, c as d; import e" gives a, c, e), so that the
 * caller can tell whether the import would fail. Stops early when `fn`
 * returns false, and returns false then.
 */
bool scan_pth_each_import(const char *text, size_t len,
			  bool (*fn)(const char *name, size_t len, void *arg), void *arg);

/* As scan_pth_each_import(), with each dotted name whole ("import a.b" gives a.b). */
bool scan_pth_each_module(const char *text, size_t len,
			  bool (*fn)(const char *name, size_t len, void *arg), void *arg);

/* The path that a path line adds: the line right-stripped (stripped on 3.15). */
void scan_pth_path_text(const struct scan_pth_line *l, const struct scan_pth_rules *rules,
			const char **text, size_t *len);

#endif
