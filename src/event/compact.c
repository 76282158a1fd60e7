/*
 * Whitespace removal for the output form of a matched event: the original
 * bytes of the document, on one line. The caller owns `out`; the function
 * only appends to it.
 */
#include "event/fields.h"

#include <string.h>

#include "util/buf.h"

static inline bool is_json_space(char c)
{
	return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

/* Returns the byte after the closing quote of the string whose body starts at `p`, or `end` if it has none. */
static const char *string_end(const char *p, const char *end)
{
	for (;;) {
		const char *quote = memchr(p, '"', (size_t)(end - p));
		const char *b;

		if (quote == NULL)
			return end;
		/* The quote closes the string unless an odd number of backslashes escapes it. */
		for (b = quote; b > p && b[-1] == '\\'; b--)
			;
		if ((quote - b) % 2 == 0)
			return quote + 1;
		p = quote + 1;
	}
}

/*
 * The input is a document that event_fields_scan() accepted; on other
 * input the output is still bounded by `len` bytes but may not be JSON.
 */
void json_compact(const char *json, size_t len, struct buf *out)
{
	const char *p = json;
	const char *end = json + len;
	char *dst;

	buf_reserve(out, len);
	dst = out->data + out->len;
	while (p < end) {
		const char *run = p;

		if (*p == '"') {
			p = string_end(p + 1, end);
		} else {
			while (p < end && *p != '"' && !is_json_space(*p))
				p++;
		}
		memcpy(dst, run, (size_t)(p - run));
		dst += p - run;
		while (p < end && is_json_space(*p))
			p++;
	}

	out->len = (size_t)(dst - out->data);
	out->data[out->len] = '\0';
}
