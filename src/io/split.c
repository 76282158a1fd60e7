/*
 * Structural JSON scanner. Outside strings, only brackets, quotes and
 * newlines matter. Inside strings, only the quote, the backslash and the
 * newline do. A raw newline inside a string is invalid JSON (RFC 8259, section
 * 7: control characters must be escaped) and is reported as an unterminated
 * string, so that one broken string cannot swallow the lines after it.
 */
#include "split.h"

#include <stdint.h>
#include <string.h>

enum scan_state {
	ST_START,   /* before the first byte of the value */
	ST_STRUCT,  /* inside an object or array, outside strings */
	ST_STRING,  /* inside a string */
	ST_ESCAPE,  /* after a backslash inside a string */
	ST_SCALAR,  /* inside a top-level number, true, false or null */
	ST_END,     /* the value ended or broke */
};

enum byte_class { BC_PLAIN, BC_QUOTE, BC_OPEN, BC_CLOSE, BC_NEWLINE };

static const unsigned char struct_class[256] = {
	['"'] = BC_QUOTE, ['{'] = BC_OPEN, ['['] = BC_OPEN,
	['}'] = BC_CLOSE, [']'] = BC_CLOSE, ['\n'] = BC_NEWLINE,
};

static const unsigned char string_stop[256] = {
	['"'] = 1, ['\\'] = 1, ['\n'] = 1,
};

/*
 * Word-at-a-time test for a string stop byte in 8 bytes: (y - 0x01..) & ~y
 * & 0x80.. is nonzero when y has a zero byte, and y = w ^ pattern is zero
 * where w contains the pattern's byte. Strings are most of the bytes of an
 * event, so skipping them 8 bytes at a time matters.
 */
#define BYTES_01 0x0101010101010101ull
#define BYTES_80 0x8080808080808080ull

static inline uint64_t word_has_byte(uint64_t w, unsigned char c)
{
	uint64_t y = w ^ (BYTES_01 * c);

	return (y - BYTES_01) & ~y & BYTES_80;
}

static size_t skip_string_bytes(const unsigned char *p, size_t i, size_t len)
{
	uint64_t w, hits;

	while (len - i >= 8) {
		memcpy(&w, p + i, 8);
		hits = word_has_byte(w, '"') | word_has_byte(w, '\\') | word_has_byte(w, '\n');
		if (hits != 0) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
			/* The lowest flag is exact, because false flags only sit above a true one. */
			return i + (size_t)__builtin_ctzll(hits) / 8;
#else
			break;
#endif
		}
		i += 8;
	}
	while (i < len && !string_stop[p[i]])
		i++;
	return i;
}

/* Bytes that end a scalar: blanks, separators and brackets. */
static const unsigned char scalar_end[256] = {
	[' '] = 1, ['\t'] = 1, ['\r'] = 1, ['\n'] = 1, [','] = 1, [':'] = 1,
	['{'] = 1, ['}'] = 1, ['['] = 1, [']'] = 1, ['"'] = 1,
};

void split_scan_init(struct split_scan *s)
{
	s->depth = 0;
	s->state = ST_START;
	s->newlines = 0;
	s->reason = NULL;
}

void split_scan_init_inside(struct split_scan *s, unsigned objects)
{
	split_scan_init(s);
	memset(s->is_array, 0, sizeof(s->is_array));
	s->depth = objects;
	s->state = objects > 0 ? ST_STRUCT : ST_END;
}

bool split_scan_in_string(const struct split_scan *s)
{
	return s->state == ST_STRING || s->state == ST_ESCAPE;
}

static size_t scan_fail(struct split_scan *s, size_t i, const char *reason,
			enum split_status *status)
{
	s->state = ST_END;
	s->reason = reason;
	*status = SPLIT_BAD;
	return i;
}

static bool scan_push(struct split_scan *s, bool array)
{
	unsigned char bit = (unsigned char)(1u << (s->depth % 8));

	if (s->depth >= SPLIT_MAX_DEPTH)
		return false;
	if (array)
		s->is_array[s->depth / 8] |= bit;
	else
		s->is_array[s->depth / 8] &= (unsigned char)~bit;
	s->depth++;
	return true;
}

static bool scan_top_is_array(const struct split_scan *s)
{
	unsigned level = s->depth - 1;

	return (s->is_array[level / 8] >> (level % 8)) & 1u;
}

static size_t scan_close(struct split_scan *s, const unsigned char *p, size_t i,
			 enum split_status *status)
{
	bool closes_array = p[i] == ']';

	if (s->depth == 0)
		return scan_fail(s, i, "closing bracket without an opening one", status);
	if (scan_top_is_array(s) != closes_array)
		return scan_fail(s, i, closes_array ? "mismatched brackets: ']' closes an object"
						    : "mismatched brackets: '}' closes an array", status);

	s->depth--;
	if (s->depth == 0) {
		s->state = ST_END;
		*status = SPLIT_DONE;
	}
	return i + 1;
}

static size_t scan_string(struct split_scan *s, const unsigned char *p, size_t i,
			  size_t len, enum split_status *status)
{
	for (;;) {
		i = skip_string_bytes(p, i, len);
		if (i == len)
			return i;

		if (p[i] == '"') {
			s->state = s->depth > 0 ? ST_STRUCT : ST_END;
			if (s->depth == 0)
				*status = SPLIT_DONE;
			return i + 1;
		}
		if (p[i] == '\n')
			return scan_fail(s, i, "unterminated string", status);

		/* A backslash: the next byte is escaped, whatever it is but a newline. */
		if (i + 1 == len) {
			s->state = ST_ESCAPE;
			return len;
		}
		if (p[i + 1] == '\n')
			return scan_fail(s, i + 1, "unterminated string", status);
		i += 2;
	}
}

static size_t scan_struct(struct split_scan *s, const unsigned char *p, size_t i,
			  size_t len, enum split_status *status)
{
	while (i < len) {
		while (i < len && struct_class[p[i]] == BC_PLAIN)
			i++;
		if (i == len)
			break;

		switch (struct_class[p[i]]) {
		case BC_NEWLINE:
			s->newlines++;
			i++;
			break;
		case BC_QUOTE:
			/* Strings are scanned here, not through the caller's loop. */
			s->state = ST_STRING;
			i = scan_string(s, p, i + 1, len, status);
			if (s->state != ST_STRUCT)
				return i;
			break;
		case BC_OPEN:
			if (!scan_push(s, p[i] == '['))
				return scan_fail(s, i, "nesting deeper than 1000 levels", status);
			i++;
			break;
		default:
			i = scan_close(s, p, i, status);
			if (*status != SPLIT_MORE)
				return i;
			break;
		}
	}
	return i;
}

static size_t scan_start(struct split_scan *s, const unsigned char *p, size_t i,
			 enum split_status *status)
{
	unsigned char c = p[i];

	if (c == '{' || c == '[') {
		scan_push(s, c == '[');
		s->state = ST_STRUCT;
	} else if (c == '"') {
		s->state = ST_STRING;
	} else if (c == '-' || (c >= '0' && c <= '9') || c == 't' || c == 'f' || c == 'n') {
		s->state = ST_SCALAR;
	} else {
		return scan_fail(s, i, "not the start of a JSON value", status);
	}
	return i + 1;
}

size_t split_scan_feed(struct split_scan *s, const char *bytes, size_t len,
		       enum split_status *status)
{
	const unsigned char *p = (const unsigned char *)bytes;
	size_t i = 0;

	*status = SPLIT_MORE;
	if (s->state == ST_END)
		*status = s->reason != NULL ? SPLIT_BAD : SPLIT_DONE;
	while (i < len && *status == SPLIT_MORE) {
		switch (s->state) {
		case ST_START:
			i = scan_start(s, p, i, status);
			break;
		case ST_STRUCT:
			i = scan_struct(s, p, i, len, status);
			break;
		case ST_STRING:
			i = scan_string(s, p, i, len, status);
			break;
		case ST_ESCAPE:
			if (p[i] == '\n')
				return scan_fail(s, i, "unterminated string", status);
			s->state = ST_STRING;
			i++;
			break;
		case ST_SCALAR:
			while (i < len && !scalar_end[p[i]])
				i++;
			if (i < len) {
				s->state = ST_END;
				*status = SPLIT_DONE;
			}
			break;
		default:
			return i;
		}
	}
	return i;
}

static size_t skip_blanks(const char *p, size_t i, size_t len)
{
	while (i < len && split_is_blank(p[i]))
		i++;
	return i;
}

/* Returns the index after the value at `i`, or 0 when it does not end before `len`. */
static size_t skip_value(const char *p, size_t i, size_t len)
{
	struct split_scan s;
	enum split_status status;
	size_t n;

	split_scan_init(&s);
	n = split_scan_feed(&s, p + i, len - i, &status);
	return status == SPLIT_DONE ? i + n : 0;
}

static size_t count_newlines(const char *p, size_t len)
{
	size_t count = 0;
	const char *end = p + len, *nl;

	while ((nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		count++;
		p = nl + 1;
	}
	return count;
}

/* Walks the members of the object: "key" : value , ... */
bool split_find_source(const char *p, size_t len, size_t *offset, size_t *source_len,
		       size_t *newlines)
{
	size_t i = skip_blanks(p, 0, len);

	if (i >= len || p[i] != '{')
		return false;

	i = skip_blanks(p, i + 1, len);
	while (i < len && p[i] == '"') {
		size_t key = i, value, end;
		bool is_source;

		i = skip_value(p, i, len);
		if (i == 0)
			return false;
		is_source = i - key == 9 && memcmp(p + key, "\"_source\"", 9) == 0;

		i = skip_blanks(p, i, len);
		if (i >= len || p[i] != ':')
			return false;
		value = skip_blanks(p, i + 1, len);
		end = value < len ? skip_value(p, value, len) : 0;
		if (end == 0)
			return false;

		if (is_source && p[value] == '{') {
			*offset = value;
			*source_len = end - value;
			*newlines = count_newlines(p, value);
			return true;
		}

		i = skip_blanks(p, end, len);
		if (i >= len || p[i] != ',')
			return false;
		i = skip_blanks(p, i + 1, len);
	}
	return false;
}
