/*
 * Text and JSON forms of a finding (format.h).
 */
#include "format.h"

#include <string.h>

/* Characters of a long query line shown around the column, and before it. */
#define EXCERPT_WIDTH 120
#define EXCERPT_BEFORE 60

static bool is_continuation(unsigned char c)
{
	return (c & 0xC0) == 0x80;
}

/* Moves `at` by `chars` UTF-8 characters, forwards or backwards, within [lo, hi]. */
static size_t step(const char *text, size_t at, long chars, size_t lo, size_t hi)
{
	for (; chars > 0 && at < hi; chars--) {
		at++;
		while (at < hi && is_continuation((unsigned char)text[at]))
			at++;
	}
	for (; chars < 0 && at > lo; chars++) {
		at--;
		while (at > lo && is_continuation((unsigned char)text[at]))
			at--;
	}
	return at;
}

static size_t count_chars(const char *text, size_t from, size_t to)
{
	size_t n = 0;

	for (size_t i = from; i < to; i++)
		n += !is_continuation((unsigned char)text[i]);
	return n;
}

/* Appends the line holding byte `at`, cut to an excerpt when long, and a caret under `at`. */
static void append_excerpt(struct buf *b, const char *text, size_t len, size_t at)
{
	size_t start = at, end = at, from, to;

	if (at > len)
		at = start = end = len;
	while (start > 0 && text[start - 1] != '\n')
		start--;
	while (end < len && text[end] != '\n' && text[end] != '\r')
		end++;

	from = start;
	to = end;
	if (count_chars(text, start, end) > EXCERPT_WIDTH) {
		from = step(text, at, -EXCERPT_BEFORE, start, end);
		to = step(text, from, EXCERPT_WIDTH, start, end);
	}

	buf_puts(b, from > start ? "..." : "");
	for (size_t i = from; i < to; i++) {
		unsigned char c = (unsigned char)text[i];

		buf_putc(b, (c < 0x20 && c != '\t') || c == 0x7F ? ' ' : (char)c);
	}
	buf_puts(b, to < end ? "...\n" : "\n");

	/* Tabs are copied so that the caret lines up under a tab-indented query. */
	buf_puts(b, from > start ? "   " : "");
	for (size_t i = from; i < at; i = step(text, i, 1, from, at))
		buf_putc(b, text[i] == '\t' ? '\t' : ' ');
	buf_puts(b, "^\n");
}

void lint_format_text(struct buf *b, const struct lint_source *src,
		      const struct lint_finding *f)
{
	buf_printf(b, "query:%d:%d: %s: %s [%s]\n", f->pos.line, f->pos.column,
		   lint_severity_name(f->severity), f->message, lint_code_name(f->code));
	if (src->text != NULL)
		append_excerpt(b, src->text, src->len, f->pos.offset);
	if (f->suggestion != NULL)
		buf_printf(b, "  suggestion: %s\n", f->suggestion);
}

/* Length of the valid UTF-8 sequence at s[0..n), or 0 (overlong forms and surrogates are invalid). */
static size_t utf8_sequence(const unsigned char *s, size_t n)
{
	size_t len = s[0] < 0x80 ? 1 : s[0] >= 0xC2 && s[0] <= 0xDF ? 2
		   : s[0] >= 0xE0 && s[0] <= 0xEF ? 3 : s[0] >= 0xF0 && s[0] <= 0xF4 ? 4 : 0;

	if (len == 0 || len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
	}
	if ((s[0] == 0xE0 && s[1] < 0xA0) || (s[0] == 0xED && s[1] > 0x9F) ||
	    (s[0] == 0xF0 && s[1] < 0x90) || (s[0] == 0xF4 && s[1] > 0x8F))
		return 0;
	return len;
}

/*
 * Appends `value` as a JSON string. A query given with -q may hold bytes
 * that are not UTF-8, which JSON cannot carry: each becomes U+FFFD.
 */
static void json_text(struct buf *b, const char *value)
{
	const unsigned char *s = (const unsigned char *)value;
	size_t n = strlen(value);
	struct buf clean = BUF_INIT;

	for (size_t i = 0; i < n;) {
		size_t len = utf8_sequence(s + i, n - i);

		if (len == 0) {
			buf_puts(&clean, "\xEF\xBF\xBD");
			i++;
			continue;
		}
		buf_append(&clean, s + i, len);
		i += len;
	}
	buf_json_string(b, clean.data ? clean.data : "", clean.len);
	buf_free(&clean);
}

static void json_member(struct buf *b, const char *name, const char *value)
{
	buf_printf(b, ",\"%s\":", name);
	if (value == NULL)
		buf_puts(b, "null");
	else
		json_text(b, value);
}

void lint_format_json(struct buf *b, const struct lint_source *src,
		      const struct lint_finding *f)
{
	buf_puts(b, "{\"origin\":");
	json_text(b, src->origin);
	json_member(b, "rule_id", src->rule_id);
	json_member(b, "rule_name", src->rule_name);
	buf_printf(b, ",\"line\":%d,\"column\":%d", f->pos.line, f->pos.column);
	json_member(b, "code", lint_code_name(f->code));
	json_member(b, "severity", lint_severity_name(f->severity));
	json_member(b, "message", f->message);
	json_member(b, "suggestion", f->suggestion);
	buf_puts(b, "}\n");
}
