/*
 * The .pth line reader: see scan_pth.h.
 */
#include "scan_pth.h"

#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

/* TextIOWrapper's chunk size in CPython 3.x (Modules/_io/textio.c, _CHUNK_SIZE in _pyio). */
#define TEXTIO_CHUNK 8192

size_t scan_utf8_invalid_at(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		unsigned c = p[i];
		size_t need;
		unsigned lo = 0x80, hi = 0xbf;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			need = 1;
		} else if (c >= 0xe0 && c <= 0xef) {
			need = 2;
			if (c == 0xe0)
				lo = 0xa0; /* overlong */
			if (c == 0xed)
				hi = 0x9f; /* surrogates are rejected by the strict decoder */
		} else if (c >= 0xf0 && c <= 0xf4) {
			need = 3;
			if (c == 0xf0)
				lo = 0x90;
			if (c == 0xf4)
				hi = 0x8f; /* above U+10FFFF */
		} else {
			return i;
		}
		for (size_t k = 1; k <= need; k++) {
			unsigned min = k == 1 ? lo : 0x80, max = k == 1 ? hi : 0xbf;

			if (i + k >= len || p[i + k] < min || p[i + k] > max)
				return i;
		}
		i += need + 1;
	}
	return len;
}

/*
 * Length of the whitespace character at s (as str.isspace() sees it: ASCII
 * \t-\r, \x1c-\x1f and space, and the Unicode spaces U+0085, U+00A0, U+1680,
 * U+2000-U+200A, U+2028, U+2029, U+202F, U+205F, U+3000), or 0.
 */
static size_t space_len(const unsigned char *s, size_t avail, bool ascii_only)
{
	if (avail == 0)
		return 0;
	if ((s[0] >= 0x09 && s[0] <= 0x0d) || s[0] == ' ')
		return 1;
	if (ascii_only)
		return 0;
	if (s[0] >= 0x1c && s[0] <= 0x1f)
		return 1;
	if (avail >= 2 && s[0] == 0xc2 && (s[1] == 0x85 || s[1] == 0xa0))
		return 2;
	if (avail >= 3 && s[0] == 0xe1 && s[1] == 0x9a && s[2] == 0x80)
		return 3;
	if (avail >= 3 && s[0] == 0xe2 && s[1] == 0x80 &&
	    ((s[2] >= 0x80 && s[2] <= 0x8a) || s[2] == 0xa8 || s[2] == 0xa9 || s[2] == 0xaf))
		return 3;
	if (avail >= 3 && s[0] == 0xe2 && s[1] == 0x81 && s[2] == 0x9f)
		return 3;
	if (avail >= 3 && s[0] == 0xe3 && s[1] == 0x80 && s[2] == 0x80)
		return 3;
	return 0;
}

/* Skips leading whitespace; returns the count of bytes skipped. */
static size_t lstrip_len(const char *text, size_t len, bool ascii_only)
{
	size_t i = 0, n;

	while ((n = space_len((const unsigned char *)text + i, len - i, ascii_only)) > 0)
		i += n;
	return i;
}

/* Length of `text` once trailing whitespace is removed. */
static size_t rstrip_len(const char *text, size_t len, bool ascii_only)
{
	size_t end = 0, i = 0;

	/* Walk forward so that multi-byte spaces are recognised whole. */
	while (i < len) {
		size_t n = space_len((const unsigned char *)text + i, len - i, ascii_only);

		if (n == 0) {
			i++;
			end = i;
			while (i < len && ((unsigned char)text[i] & 0xc0) == 0x80)
				end = ++i;
		} else {
			i += n;
		}
	}
	return end;
}

static bool starts_import(const char *text, size_t len)
{
	return len >= 7 && memcmp(text, "import", 6) == 0 && (text[6] == ' ' || text[6] == '\t');
}

enum scan_line_kind scan_pth_classify(const char *text, size_t len,
				      const struct scan_pth_rules *rules, bool *hidden_by_bom)
{
	bool ascii = rules->python2;
	size_t lead;

	*hidden_by_bom = false;
	if (rules->strip_lines) {
		lead = lstrip_len(text, len, ascii);
		text += lead;
		len = rstrip_len(text, len - lead, ascii);
	}
	if (len > 0 && text[0] == '#')
		return SCAN_LINE_COMMENT;
	if (rstrip_len(text, len, ascii) == 0)
		return SCAN_LINE_BLANK;
	if (starts_import(text, len))
		return SCAN_LINE_IMPORT;

	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0 && starts_import(text + 3, len - 3)) {
		*hidden_by_bom = true;
		return SCAN_LINE_PATH;
	}
	lead = lstrip_len(text, len, ascii);
	if (lead > 0 && starts_import(text + lead, len - lead))
		return SCAN_LINE_DORMANT;
	return SCAN_LINE_PATH;
}

/* Length of the line terminator at p under `split`, or 0. */
static size_t terminator_len(const unsigned char *p, size_t avail, enum scan_split split)
{
	if (p[0] == '\n')
		return 1;
	if (p[0] == '\r')
		return avail >= 2 && p[1] == '\n' ? 2 : 1;
	if (split == SCAN_SPLIT_UNIVERSAL)
		return 0;
	/* str.splitlines(): VT, FF, FS, GS, RS, NEL, LINE SEPARATOR, PARAGRAPH SEPARATOR. */
	if (p[0] == 0x0b || p[0] == 0x0c || (p[0] >= 0x1c && p[0] <= 0x1e))
		return 1;
	if (avail >= 2 && p[0] == 0xc2 && p[1] == 0x85)
		return 2;
	if (avail >= 3 && p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9))
		return 3;
	return 0;
}

static void add_line(struct scan_pth_text *out, size_t *cap, const char *data, size_t start,
		     size_t end, size_t line, const struct scan_pth_rules *rules)
{
	struct scan_pth_line *l;

	out->lines = xgrow(out->lines, cap, out->n + 1, sizeof(*out->lines));
	l = &out->lines[out->n++];
	l->text = data + start;
	l->len = end - start;
	l->offset = start;
	l->line = line;
	l->number = out->n;
	l->kind = scan_pth_classify(l->text, l->len, rules, &l->hidden_by_bom);
}

/* Under chunked decoding, counts the lines that end before the chunk that fails. */
static size_t count_lines_before(const struct scan_pth_text *t, const char *data, size_t limit)
{
	size_t n = 0;

	for (size_t i = 0; i < t->n; i++) {
		size_t end = (size_t)(t->lines[i].text - data) + t->lines[i].len;

		/* The terminator must be read too: count it as one byte at least. */
		if (end + 1 > limit)
			break;
		n++;
	}
	return n;
}

void scan_pth_read(const char *data, size_t len, const struct scan_pth_rules *rules,
		   size_t max_lines, struct scan_pth_text *out)
{
	const unsigned char *p = (const unsigned char *)data;
	size_t cap = 0, start = 0, line = 1, i;

	memset(out, 0, sizeof(*out));
	if (!rules->python2) {
		out->error_offset = scan_utf8_invalid_at(data, len);
		out->decode_error = out->error_offset < len;
	}
	if (rules->strip_bom && len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
		start = 3;

	for (i = start; i < len;) {
		size_t t = terminator_len(p + i, len - i, rules->split);

		if (t == 0) {
			i++;
			continue;
		}
		if (out->n == max_lines) {
			out->truncated = true;
			out->rest_offset = start;
			break;
		}
		add_line(out, &cap, data, start, i, line, rules);
		for (size_t k = i; k < i + t; k++)
			line += p[k] == '\n';
		i += t;
		start = i;
	}
	if (start < len && !out->truncated) {
		if (out->n == max_lines) {
			out->truncated = true;
			out->rest_offset = start;
		} else
			add_line(out, &cap, data, start, len, line, rules);
	}

	if (out->decode_error) {
		size_t chunk = out->error_offset / TEXTIO_CHUNK * TEXTIO_CHUNK;

		out->lines_before_error = rules->decode_whole ? 0 : count_lines_before(out, data, chunk);
	}
}

void scan_pth_free(struct scan_pth_text *t)
{
	free(t->lines);
	memset(t, 0, sizeof(*t));
}

static bool is_ident_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_ident(char c)
{
	return is_ident_start(c) || (c >= '0' && c <= '9');
}

static size_t skip_blanks(const char *s, size_t i, size_t len)
{
	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	return i;
}

/* True when `word` starts a statement at i: the line start, or after ';'. */
static bool statement_at(const char *s, size_t len, size_t i, const char *word)
{
	size_t n = strlen(word), j = i;

	if (i + n > len || memcmp(s + i, word, n) != 0)
		return false;
	while (j > 0 && (s[j - 1] == ' ' || s[j - 1] == '\t'))
		j--;
	return j == 0 || s[j - 1] == ';' || s[j - 1] == ':';
}

/* True when `word` occurs at i and does not continue an identifier on its left. */
static bool word_at(const char *s, size_t len, size_t i, const char *word)
{
	size_t n = strlen(word);

	return i + n <= len && memcmp(s + i, word, n) == 0 && (i == 0 || !is_ident(s[i - 1]));
}

enum scan_line_effect scan_pth_effect(const char *text, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (word_at(text, len, i, "sys.exit(") || word_at(text, len, i, "os._exit(") ||
		    word_at(text, len, i, "SystemExit"))
			return SCAN_EFFECT_EXITS;
		if (statement_at(text, len, i, "exit(") || statement_at(text, len, i, "quit("))
			return SCAN_EFFECT_EXITS;
	}
	for (size_t i = 0; i < len; i++) {
		if (statement_at(text, len, i, "raise") && (i + 5 == len || !is_ident(text[i + 5])))
			return SCAN_EFFECT_RAISES;
	}
	return SCAN_EFFECT_NONE;
}

/* Reads a dotted name at i; returns the index after it and the first component's length. */
static size_t read_dotted(const char *s, size_t i, size_t len, size_t *first)
{
	size_t start = i;

	*first = 0;
	while (i < len && is_ident_start(s[i])) {
		while (i < len && is_ident(s[i]))
			i++;
		if (*first == 0)
			*first = i - start;
		if (i < len && s[i] == '.' && i + 1 < len && is_ident_start(s[i + 1]))
			i++;
		else
			break;
	}
	return i;
}

/* One "import a.b as c, d" statement from i; returns the index after it, or 0 when it is not one. */
static size_t each_in_statement(const char *s, size_t i, size_t len, bool dotted,
				bool (*fn)(const char *, size_t, void *), void *arg, bool *stop)
{
	i = skip_blanks(s, i, len);
	if (!(i + 7 <= len && memcmp(s + i, "import", 6) == 0 && (s[i + 6] == ' ' || s[i + 6] == '\t')))
		return 0;
	i += 6;
	for (;;) {
		size_t first, start = skip_blanks(s, i, len);

		i = read_dotted(s, start, len, &first);
		if (first == 0)
			return 0;
		if (!fn(s + start, dotted ? i - start : first, arg)) {
			*stop = true;
			return i;
		}
		i = skip_blanks(s, i, len);
		if (i + 2 < len && memcmp(s + i, "as", 2) == 0 && (s[i + 2] == ' ' || s[i + 2] == '\t')) {
			size_t alias;

			i = read_dotted(s, skip_blanks(s, i + 2, len), len, &alias);
			i = skip_blanks(s, i, len);
		}
		if (i < len && s[i] == ',') {
			i++;
			continue;
		}
		return i;
	}
}

/* The statements of a line, each name given whole (`dotted`) or as its first part. */
static bool each_import(const char *text, size_t len, bool dotted,
			bool (*fn)(const char *name, size_t len, void *arg), void *arg)
{
	size_t i = 0;

	while (i < len) {
		bool stop = false;
		size_t next = each_in_statement(text, i, len, dotted, fn, arg, &stop);

		if (stop)
			return false;
		if (next == 0 || next >= len || text[next] != ';')
			return true;
		i = next + 1;
	}
	return true;
}

bool scan_pth_each_import(const char *text, size_t len,
			  bool (*fn)(const char *name, size_t len, void *arg), void *arg)
{
	return each_import(text, len, false, fn, arg);
}

bool scan_pth_each_module(const char *text, size_t len,
			  bool (*fn)(const char *name, size_t len, void *arg), void *arg)
{
	return each_import(text, len, true, fn, arg);
}

void scan_pth_path_text(const struct scan_pth_line *l, const struct scan_pth_rules *rules,
			const char **text, size_t *len)
{
	size_t lead = rules->strip_lines ? lstrip_len(l->text, l->len, rules->python2) : 0;

	*text = l->text + lead;
	*len = rstrip_len(*text, l->len - lead, rules->python2);
}
