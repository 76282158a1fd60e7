/*
 * JSON DOM parser: recursive descent over RFC 8259, strict (no comments, no
 * trailing commas, no NaN), with a nesting cap so that a hostile document
 * cannot exhaust the stack. All memory comes from the document's arena.
 */
#include "json.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSON_DEFAULT_MAX_DEPTH 64

struct parser {
	const char *s;
	size_t len;
	size_t pos;
	size_t line;       /* 1-based line of `pos` */
	size_t line_start; /* offset of the first byte of that line */
	size_t depth;
	size_t max_depth;
	struct arena *arena;
	struct json_error *err;
};

static struct json_node *parse_value(struct parser *p);

/*
 * Records the first error at byte `offset`, which is on the current line:
 * only whitespace between tokens contains newlines, because raw control
 * characters are invalid inside strings.
 */
static void fail_at(struct parser *p, size_t offset, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void fail_at(struct parser *p, size_t offset, const char *fmt, ...)
{
	va_list ap;

	p->err->offset = offset;
	p->err->line = p->line;
	p->err->column = offset - p->line_start + 1;
	va_start(ap, fmt);
	vsnprintf(p->err->message, sizeof(p->err->message), fmt, ap);
	va_end(ap);
}

/* Describes the byte at `offset` for a message: 'x', byte 0xff, or end of input. */
static const char *describe_byte(const struct parser *p, size_t offset, char *out, size_t size)
{
	unsigned char c;

	if (offset >= p->len)
		return "end of input";
	c = (unsigned char)p->s[offset];
	if (c >= 0x21 && c < 0x7f)
		snprintf(out, size, "'%c'", c);
	else
		snprintf(out, size, "byte 0x%02x", c);
	return out;
}

static void fail_expected(struct parser *p, const char *expected)
{
	char found[16];

	fail_at(p, p->pos, "expected %s, found %s", expected,
		describe_byte(p, p->pos, found, sizeof(found)));
}

static void skip_whitespace(struct parser *p)
{
	while (p->pos < p->len) {
		char c = p->s[p->pos];

		if (c == '\n') {
			p->line++;
			p->line_start = p->pos + 1;
		} else if (c != ' ' && c != '\t' && c != '\r') {
			return;
		}
		p->pos++;
	}
}

static struct json_node *node_new(struct parser *p, enum json_type type)
{
	struct json_node *n = arena_alloc(p->arena, sizeof(*n));

	n->type = type;
	n->offset = p->pos;
	n->line = p->line;
	n->column = p->pos - p->line_start + 1;
	return n;
}

static void node_end(struct parser *p, struct json_node *n)
{
	n->length = p->pos - n->offset;
}

/* literal = "true" / "false" / "null" */
static struct json_node *parse_literal(struct parser *p)
{
	static const struct {
		const char *word;
		enum json_type type;
		bool value;
	} literals[] = {
		{ "true", JSON_BOOL, true },
		{ "false", JSON_BOOL, false },
		{ "null", JSON_NULL, false },
	};

	for (size_t i = 0; i < sizeof(literals) / sizeof(literals[0]); i++) {
		size_t n = strlen(literals[i].word);
		struct json_node *node;

		if (p->len - p->pos < n || memcmp(p->s + p->pos, literals[i].word, n) != 0)
			continue;
		node = node_new(p, literals[i].type);
		node->u.boolean = literals[i].value;
		p->pos += n;
		node_end(p, node);
		return node;
	}
	fail_expected(p, "a JSON value");
	return NULL;
}

static bool is_digit(const struct parser *p, size_t offset)
{
	return offset < p->len && p->s[offset] >= '0' && p->s[offset] <= '9';
}

static size_t skip_digits(const struct parser *p, size_t offset)
{
	while (is_digit(p, offset))
		offset++;
	return offset;
}

/* Converts an integer text (optional '-', digits) to int64; false on overflow. */
static bool integer_from_text(const char *text, size_t len, int64_t *out)
{
	bool negative = text[0] == '-';
	uint64_t limit = negative ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	uint64_t v = 0;

	for (size_t i = negative ? 1 : 0; i < len; i++) {
		unsigned digit = (unsigned)(text[i] - '0');

		if (v > (limit - digit) / 10)
			return false;
		v = v * 10 + digit;
	}
	if (negative)
		*out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
	else
		*out = (int64_t)v;
	return true;
}

/*
 * Checks the number at p->pos against the grammar and finds its end.
 * number = [ "-" ] int [ frac ] [ exp ]; int = "0" / digit1-9 *DIGIT
 */
static bool scan_number(struct parser *p, size_t *end, bool *integral)
{
	size_t at = p->pos;

	*integral = true;
	if (p->s[at] == '-')
		at++;
	if (!is_digit(p, at)) {
		p->pos = at;
		fail_expected(p, "a digit after '-'");
		return false;
	}
	at = p->s[at] == '0' ? at + 1 : skip_digits(p, at);

	if (at < p->len && p->s[at] == '.') {
		*integral = false;
		if (!is_digit(p, at + 1)) {
			p->pos = at + 1;
			fail_expected(p, "a digit after the decimal point");
			return false;
		}
		at = skip_digits(p, at + 1);
	}
	if (at < p->len && (p->s[at] == 'e' || p->s[at] == 'E')) {
		*integral = false;
		at++;
		if (at < p->len && (p->s[at] == '+' || p->s[at] == '-'))
			at++;
		if (!is_digit(p, at)) {
			p->pos = at;
			fail_expected(p, "a digit in the exponent");
			return false;
		}
		at = skip_digits(p, at);
	}
	*end = at;
	return true;
}

static struct json_node *parse_number(struct parser *p)
{
	struct json_node *n;
	size_t end;
	bool integral;

	if (!scan_number(p, &end, &integral))
		return NULL;

	n = node_new(p, JSON_NUMBER);
	n->u.number.len = end - p->pos;
	n->u.number.text = arena_strndup(p->arena, p->s + p->pos, n->u.number.len);
	/* strtod() reads '.' as the decimal point because sitewatch never calls setlocale(). */
	n->u.number.real = strtod(n->u.number.text, NULL);
	n->u.number.is_integer = integral &&
		integer_from_text(n->u.number.text, n->u.number.len, &n->u.number.integer);
	p->pos = end;
	node_end(p, n);
	return n;
}

/*
 * Returns the length of the valid UTF-8 sequence at `s` (at most `avail`
 * bytes), or 0 when it is invalid: overlong forms, surrogates and code
 * points above U+10FFFF are rejected, as RFC 3629 requires.
 */
static size_t utf8_sequence_length(const unsigned char *s, size_t avail)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;

	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;

	if (avail < n || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

static size_t utf8_encode(uint32_t cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Reads the four hex digits after "\u" at `at`; returns false if any is not hex. */
static bool read_hex4(const struct parser *p, size_t at, uint32_t *out)
{
	uint32_t v = 0;

	if (p->len - at < 4)
		return false;
	for (size_t i = 0; i < 4; i++) {
		char c = p->s[at + i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (uint32_t)(c - 'A' + 10);
		else
			return false;
	}
	*out = v;
	return true;
}

/*
 * Decodes the "\uXXXX" escape at p->pos (the backslash), joining a UTF-16
 * surrogate pair into one code point. Advances p->pos past the escape.
 * UTF-8 cannot carry an unpaired surrogate, so one is an error.
 */
static bool decode_unicode_escape(struct parser *p, uint32_t *cp)
{
	size_t at = p->pos;
	uint32_t low;

	if (!read_hex4(p, at + 2, cp)) {
		fail_at(p, at, "invalid \\u escape: expected four hex digits");
		return false;
	}
	p->pos = at + 6;
	if (*cp >= 0xdc00 && *cp <= 0xdfff) {
		fail_at(p, at, "invalid \\u escape: unpaired low surrogate U+%04X", (unsigned)*cp);
		return false;
	}
	if (*cp < 0xd800 || *cp > 0xdbff)
		return true;

	if (p->len - p->pos < 6 || p->s[p->pos] != '\\' || p->s[p->pos + 1] != 'u' ||
	    !read_hex4(p, p->pos + 2, &low) || low < 0xdc00 || low > 0xdfff) {
		fail_at(p, at, "invalid \\u escape: high surrogate U+%04X is not followed by a low surrogate",
			(unsigned)*cp);
		return false;
	}
	p->pos += 6;
	*cp = 0x10000 + ((*cp - 0xd800) << 10) + (low - 0xdc00);
	return true;
}

/* Decodes the escape at p->pos (the backslash) into `out`; returns the byte count, 0 on error. */
static size_t decode_escape(struct parser *p, char *out)
{
	static const char from[] = "\"\\/bfnrt";
	static const char to[] = "\"\\/\b\f\n\r\t";
	const char *hit;
	uint32_t cp;

	if (p->pos + 1 >= p->len) {
		fail_at(p, p->pos, "unterminated string: input ends after '\\'");
		return 0;
	}
	if (p->s[p->pos + 1] == 'u') {
		if (!decode_unicode_escape(p, &cp))
			return 0;
		return utf8_encode(cp, out);
	}

	hit = p->s[p->pos + 1] != '\0' ? strchr(from, p->s[p->pos + 1]) : NULL;
	if (hit == NULL) {
		char found[16];

		fail_at(p, p->pos, "invalid escape '\\' followed by %s",
			describe_byte(p, p->pos + 1, found, sizeof(found)));
		return 0;
	}
	out[0] = to[hit - from];
	p->pos += 2;
	return 1;
}

/* Returns the offset of the quote closing the string at p->pos; p->len or more means there is none. */
static size_t find_closing_quote(const struct parser *p)
{
	size_t end = p->pos + 1;

	while (end < p->len && p->s[end] != '"')
		end += p->s[end] == '\\' ? 2 : 1;
	return end;
}

/*
 * Decodes the string at p->pos (the opening quote) into arena memory.
 * The decoded text is never longer than the source text, because every
 * escape is at least as long as the UTF-8 it stands for.
 */
static bool decode_string(struct parser *p, const char **out, size_t *out_len)
{
	size_t start = p->pos;
	size_t end = find_closing_quote(p);
	char *text;
	size_t n = 0;

	if (end >= p->len) {
		fail_at(p, start, "unterminated string: no closing '\"' before the end of input");
		return false;
	}
	text = arena_alloc(p->arena, end - start);

	p->pos = start + 1;
	while (p->s[p->pos] != '"') {
		unsigned char c = (unsigned char)p->s[p->pos];
		size_t step;

		if (c == '\\') {
			step = decode_escape(p, text + n);
			if (step == 0)
				return false;
			n += step;
			continue;
		}
		if (c < 0x20) {
			fail_at(p, p->pos, "invalid control character 0x%02x in a string; write it as \\u%04x",
				c, c);
			return false;
		}
		step = utf8_sequence_length((const unsigned char *)p->s + p->pos, p->len - p->pos);
		if (step == 0) {
			fail_at(p, p->pos, "invalid UTF-8 byte 0x%02x in a string", c);
			return false;
		}
		memcpy(text + n, p->s + p->pos, step);
		n += step;
		p->pos += step;
	}
	p->pos++;

	text[n] = '\0';
	*out = text;
	*out_len = n;
	return true;
}

/* string = quotation-mark *char quotation-mark */
static struct json_node *parse_string(struct parser *p)
{
	struct json_node *n = node_new(p, JSON_STRING);

	if (!decode_string(p, &n->u.string.ptr, &n->u.string.len))
		return NULL;
	node_end(p, n);
	return n;
}

static bool enter_container(struct parser *p)
{
	if (p->depth >= p->max_depth) {
		fail_at(p, p->pos, "arrays and objects nested deeper than %zu levels", p->max_depth);
		return false;
	}
	p->depth++;
	return true;
}

static void append_child(struct json_node *parent, struct json_node **tail, struct json_node *child)
{
	if (*tail == NULL)
		parent->u.children.first = child;
	else
		(*tail)->next = child;
	*tail = child;
	parent->u.children.count++;
}

/* member = string name-separator value */
static struct json_node *parse_member(struct parser *p)
{
	const char *key;
	size_t key_len;
	struct json_node *value;

	if (p->pos >= p->len || p->s[p->pos] != '"') {
		fail_expected(p, "a member name in double quotes");
		return NULL;
	}
	if (!decode_string(p, &key, &key_len))
		return NULL;

	skip_whitespace(p);
	if (p->pos >= p->len || p->s[p->pos] != ':') {
		fail_expected(p, "':' after the member name");
		return NULL;
	}
	p->pos++;
	skip_whitespace(p);

	value = parse_value(p);
	if (value == NULL)
		return NULL;
	value->key = key;
	value->key_len = key_len;
	return value;
}

/*
 * object = begin-object [ member *( value-separator member ) ] end-object
 * array  = begin-array [ value *( value-separator value ) ] end-array
 */
static struct json_node *parse_container(struct parser *p, enum json_type type)
{
	char close = type == JSON_OBJECT ? '}' : ']';
	struct json_node *n = node_new(p, type);
	struct json_node *tail = NULL;

	if (!enter_container(p))
		return NULL;
	p->pos++;
	skip_whitespace(p);

	if (p->pos < p->len && p->s[p->pos] == close) {
		p->pos++;
		p->depth--;
		node_end(p, n);
		return n;
	}
	for (;;) {
		struct json_node *child = type == JSON_OBJECT ? parse_member(p) : parse_value(p);

		if (child == NULL)
			return NULL;
		append_child(n, &tail, child);

		skip_whitespace(p);
		if (p->pos < p->len && p->s[p->pos] == ',') {
			p->pos++;
			skip_whitespace(p);
			continue;
		}
		if (p->pos < p->len && p->s[p->pos] == close)
			break;
		fail_expected(p, type == JSON_OBJECT ? "',' or '}' after an object member"
						     : "',' or ']' after an array element");
		return NULL;
	}
	p->pos++;
	p->depth--;
	node_end(p, n);
	return n;
}

/* value = false / null / true / object / array / number / string */
static struct json_node *parse_value(struct parser *p)
{
	char c;

	if (p->pos >= p->len) {
		fail_expected(p, "a JSON value");
		return NULL;
	}
	c = p->s[p->pos];
	switch (c) {
	case '{':
		return parse_container(p, JSON_OBJECT);
	case '[':
		return parse_container(p, JSON_ARRAY);
	case '"':
		return parse_string(p);
	case '-':
		return parse_number(p);
	default:
		if (c >= '0' && c <= '9')
			return parse_number(p);
		return parse_literal(p);
	}
}

/* JSON-text = ws value ws, or in sequence mode any number of them. */
static struct json_node *parse_document(struct parser *p, bool sequence)
{
	struct json_node *root, *tail = NULL;

	skip_whitespace(p);
	if (!sequence) {
		root = parse_value(p);
		if (root == NULL)
			return NULL;
		skip_whitespace(p);
		if (p->pos < p->len) {
			fail_expected(p, "the end of input after the JSON value (a document holds one value)");
			return NULL;
		}
		return root;
	}

	root = arena_alloc(p->arena, sizeof(*root));
	root->type = JSON_ARRAY;
	root->line = 1;
	root->column = 1;
	root->length = p->len;
	while (p->pos < p->len) {
		struct json_node *value = parse_value(p);

		if (value == NULL)
			return NULL;
		append_child(root, &tail, value);
		skip_whitespace(p);
	}
	return root;
}

bool json_parse(struct json_doc *doc, const char *src, size_t len,
		const struct json_limits *limits, struct json_error *err)
{
	struct parser p = { 0 };

	arena_init(&doc->arena, 0);
	doc->text = arena_strndup(&doc->arena, src, len);
	doc->len = len;
	doc->root = NULL;
	memset(err, 0, sizeof(*err));

	p.s = doc->text;
	p.len = len;
	p.line = 1;
	p.arena = &doc->arena;
	p.err = err;
	p.max_depth = limits != NULL && limits->max_depth > 0 ? limits->max_depth
							       : JSON_DEFAULT_MAX_DEPTH;
	/* RFC 8259 lets a parser ignore a leading byte order mark; some editors write one. */
	if (len >= 3 && memcmp(src, "\xef\xbb\xbf", 3) == 0) {
		p.pos = 3;
		p.line_start = 3;
	}

	doc->root = parse_document(&p, limits != NULL && limits->sequence);
	return doc->root != NULL;
}

void json_doc_free(struct json_doc *doc)
{
	arena_free(&doc->arena);
	doc->text = NULL;
	doc->len = 0;
	doc->root = NULL;
}

const struct json_node *json_get(const struct json_node *obj, const char *key)
{
	const struct json_node *found = NULL;
	size_t key_len = strlen(key);

	if (obj == NULL || obj->type != JSON_OBJECT)
		return NULL;
	for (const struct json_node *m = obj->u.children.first; m != NULL; m = m->next)
		if (m->key_len == key_len && memcmp(m->key, key, key_len) == 0)
			found = m;
	return found;
}

const char *json_raw(const struct json_doc *doc, const struct json_node *node)
{
	return doc->text + node->offset;
}

const char *json_type_name(enum json_type type)
{
	switch (type) {
	case JSON_NULL: return "null";
	case JSON_BOOL: return "boolean";
	case JSON_NUMBER: return "number";
	case JSON_STRING: return "string";
	case JSON_ARRAY: return "array";
	case JSON_OBJECT: return "object";
	}
	return "unknown";
}

void json_write_compact(struct buf *out, const char *text, size_t len)
{
	bool in_string = false;
	size_t run = 0;

	buf_reserve(out, len);
	for (size_t i = 0; i < len; i++) {
		char c = text[i];

		if (in_string) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_string = false;
			continue;
		}
		if (c == '"') {
			in_string = true;
		} else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			buf_append(out, text + run, i - run);
			run = i + 1;
		}
	}
	buf_append(out, text + run, len - run);
}
