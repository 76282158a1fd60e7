/*
 * Filling and printing struct eql_error. The message is a fixed buffer in
 * the error itself, so nothing here allocates.
 */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Characters of a query line shown around the fault when the line is long. */
#define EXCERPT_WIDTH 120
#define EXCERPT_BEFORE 60

static bool is_continuation(unsigned char c)
{
	return (c & 0xC0) == 0x80;
}

/* Drops a partial UTF-8 sequence left at the end of `s` by truncation. */
static void trim_partial_utf8(char *s)
{
	size_t len = strlen(s);
	size_t lead = len;

	while (lead > 0 && is_continuation((unsigned char)s[lead - 1]))
		lead--;
	if (lead == 0 || (unsigned char)s[lead - 1] < 0xC0)
		return;

	/* s[lead - 1] starts a sequence, which stays only if it is complete. */
	unsigned char c = (unsigned char)s[lead - 1];
	size_t want = 2;

	if (c >= 0xF0)
		want = 4;
	else if (c >= 0xE0)
		want = 3;
	if (len - (lead - 1) < want)
		s[lead - 1] = '\0';
}

void eql_error_vset(struct eql_error *err, struct eql_pos pos, const char *fmt,
		    va_list ap)
{
	int n;

	err->pos = pos;
	n = vsnprintf(err->message, sizeof(err->message), fmt, ap);
	if (n >= (int)sizeof(err->message))
		trim_partial_utf8(err->message);
}

void eql_error_set(struct eql_error *err, struct eql_pos pos, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	eql_error_vset(err, pos, fmt, ap);
	va_end(ap);
}

void eql_error_quote(char *out, size_t size, const char *text, size_t len)
{
	const size_t max_bytes = 40;
	size_t n = len < max_bytes ? len : max_bytes;
	size_t o = 0;

	if (size < 8) {
		if (size > 0)
			out[0] = '\0';
		return;
	}
	while (n < len && n > 0 && is_continuation((unsigned char)text[n]))
		n--;

	out[o++] = '\'';
	for (size_t i = 0; i < n && o + 5 < size; i++) {
		unsigned char c = (unsigned char)text[i];

		out[o++] = (c < 0x20 || c == 0x7F) ? ' ' : (char)c;
	}
	if (n < len && o + 5 < size) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o++] = '\'';
	out[o] = '\0';
}

static size_t next_char(const char *text, size_t at, size_t end)
{
	at++;
	while (at < end && is_continuation((unsigned char)text[at]))
		at++;
	return at;
}

static size_t prev_char(const char *text, size_t at, size_t begin)
{
	if (at <= begin)
		return begin;
	at--;
	while (at > begin && is_continuation((unsigned char)text[at]))
		at--;
	return at;
}

/* Chooses the part [*from, *to) of the line to show, so that `at` falls inside it. */
static void choose_excerpt(const char *text, size_t line_start, size_t line_end,
			   size_t at, size_t *from, size_t *to)
{
	size_t i = line_start;
	int chars = 0;

	while (i < line_end && chars <= EXCERPT_WIDTH) {
		i = next_char(text, i, line_end);
		chars++;
	}
	*from = line_start;
	*to = line_end;
	if (chars <= EXCERPT_WIDTH)
		return;

	i = at;
	for (int k = 0; k < EXCERPT_BEFORE && i > line_start; k++)
		i = prev_char(text, i, line_start);
	*from = i;

	i = *from;
	for (int k = 0; k < EXCERPT_WIDTH && i < line_end; k++)
		i = next_char(text, i, line_end);
	*to = i;
}

static void print_excerpt(FILE *out, const char *text, size_t from, size_t to,
			  size_t line_start, size_t line_end, size_t at)
{
	bool cut_before = from > line_start;

	fputs(cut_before ? "..." : "", out);
	for (size_t i = from; i < to; i++) {
		unsigned char c = (unsigned char)text[i];

		fputc((c < 0x20 && c != '\t') || c == 0x7F ? ' ' : c, out);
	}
	fputs(to < line_end ? "...\n" : "\n", out);

	/* The caret line copies tabs so that the caret sits under the column. */
	fputs(cut_before ? "   " : "", out);
	for (size_t i = from; i < at; i = next_char(text, i, at))
		fputc(text[i] == '\t' ? '\t' : ' ', out);
	fputs("^\n", out);
}

void eql_error_print(FILE *out, const char *origin, const char *text,
		     size_t len, const struct eql_error *err)
{
	size_t at = err->pos.offset < len ? err->pos.offset : len;
	size_t line_start = at;
	size_t line_end = at;
	size_t from, to;

	fprintf(out, "sitewatch: %s:%d:%d: %s\n", origin ? origin : "query",
		err->pos.line, err->pos.column, err->message);
	if (text == NULL)
		return;

	while (line_start > 0 && text[line_start - 1] != '\n')
		line_start--;
	while (line_end < len && text[line_end] != '\n')
		line_end++;
	if (line_end > line_start && text[line_end - 1] == '\r' && at < line_end)
		line_end--;

	choose_excerpt(text, line_start, line_end, at, &from, &to);
	print_excerpt(out, text, from, to, line_start, line_end, at);
}
