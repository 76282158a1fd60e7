#define PCRE2_CODE_UNIT_WIDTH 8

#include "regex.h"

#include <pcre2.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/buf.h"
#include "../util/xalloc.h"
#include "text.h"

/* Parentheses a pattern may nest. */
#define RX_MAX_DEPTH 100
/* PCRE2's largest repetition count. */
#define RX_MAX_REPEAT 65535

struct rx_pattern {
	pcre2_code *code;
	pcre2_match_context *mctx;
	bool jit;
};

/* ---- Lucene syntax to PCRE2 ---- */

struct translator {
	const char *p;
	size_t n;
	size_t i;
	unsigned depth;
	struct buf out;
	char *why;
	size_t why_size;
	size_t where;
	bool failed;
};

static bool fail(struct translator *t, size_t at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static bool fail(struct translator *t, size_t at, const char *fmt, ...)
{
	va_list ap;

	if (t->failed)
		return false;
	va_start(ap, fmt);
	vsnprintf(t->why, t->why_size, fmt, ap);
	va_end(ap);
	t->where = at;
	t->failed = true;
	return false;
}

static bool more(const struct translator *t)
{
	return t->i < t->n;
}

static bool peek(const struct translator *t, char c)
{
	return t->i < t->n && t->p[t->i] == c;
}

/* Reads one code point of the pattern. */
static uint32_t next_cp(struct translator *t)
{
	size_t len;
	uint32_t cp = text_decode(t->p + t->i, t->n - t->i, &len);

	t->i += len;
	return cp;
}

/* Writes code point `cp` so that PCRE2 reads it as that literal character. */
static void emit_literal(struct buf *out, uint32_t cp)
{
	if (cp < 0x80 && ((cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') ||
			  (cp >= 'A' && cp <= 'Z')))
		buf_putc(out, (char)cp);
	else if (cp > 0x20 && cp < 0x7F)
		buf_printf(out, "\\%c", (char)cp);
	else
		buf_printf(out, "\\x{%X}", (unsigned)cp);
}

static bool is_shorthand(uint32_t cp)
{
	return cp == 'd' || cp == 'D' || cp == 's' || cp == 'S' || cp == 'w' || cp == 'W';
}

static bool parse_union(struct translator *t);

/* charexp ::= <character> | '\' <character>; a shorthand class is written out. */
static bool class_char(struct translator *t, uint32_t *cp, bool *shorthand)
{
	*shorthand = false;
	if (!more(t))
		return fail(t, t->i, "unterminated character class");
	if (peek(t, '\\')) {
		t->i++;
		if (!more(t))
			return fail(t, t->i - 1, "pattern ends after '\\'");
		*cp = next_cp(t);
		*shorthand = is_shorthand(*cp);
		return true;
	}
	*cp = next_cp(t);
	return true;
}

/* charclassexp ::= '[' ['^'] charclass+ ']', charclass ::= charexp ['-' charexp] */
static bool parse_class(struct translator *t)
{
	size_t open = t->i++;
	bool first = true;

	buf_putc(&t->out, '[');
	if (peek(t, '^')) {
		t->i++;
		buf_putc(&t->out, '^');
	}
	while (first || !peek(t, ']')) {
		uint32_t lo, hi;
		bool sh;

		if (!more(t))
			return fail(t, open, "character class opened here is never closed");
		if (!class_char(t, &lo, &sh))
			return false;
		first = false;
		if (sh) {
			buf_printf(&t->out, "\\%c", (char)lo);
			continue;
		}
		buf_printf(&t->out, "\\x{%X}", (unsigned)lo);
		if (peek(t, '-') && t->i + 1 < t->n && t->p[t->i + 1] != ']') {
			size_t at = t->i++;

			if (!class_char(t, &hi, &sh))
				return false;
			if (sh || hi < lo)
				return fail(t, at, "invalid range in a character class");
			buf_printf(&t->out, "-\\x{%X}", (unsigned)hi);
		}
	}
	t->i++;
	buf_putc(&t->out, ']');
	return true;
}

/* '"' <text without double quotes> '"': every character literal. */
static bool parse_quoted(struct translator *t)
{
	size_t open = t->i++;

	while (more(t) && !peek(t, '"'))
		emit_literal(&t->out, next_cp(t));
	if (!more(t))
		return fail(t, open, "quoted text opened here is never closed");
	t->i++;
	return true;
}

static bool parse_group(struct translator *t)
{
	size_t open = t->i++;

	if (++t->depth > RX_MAX_DEPTH)
		return fail(t, open, "parentheses nested deeper than %d", RX_MAX_DEPTH);
	buf_puts(&t->out, "(?:");
	if (!peek(t, ')') && !parse_union(t))
		return false;
	if (!peek(t, ')'))
		return fail(t, open, "parenthesis opened here is never closed");
	t->i++;
	t->depth--;
	buf_putc(&t->out, ')');
	return true;
}

/* simpleexp: one atom. Characters Lucene gives no meaning here are literals. */
static bool parse_atom(struct translator *t)
{
	char c = t->p[t->i];

	switch (c) {
	case '(':
		return parse_group(t);
	case '[':
		return parse_class(t);
	case '"':
		return parse_quoted(t);
	case '.':
		t->i++;
		buf_putc(&t->out, '.');
		return true;
	case '#':
		t->i++;
		buf_puts(&t->out, "(*FAIL)");
		return true;
	case '@':
		t->i++;
		buf_puts(&t->out, "(?:.*)");
		return true;
	case '<':
		return fail(t, t->i, "the Lucene interval '<...>' is not supported; write "
			    "'\\<' for the character");
	case '~':
		return fail(t, t->i, "the Lucene complement '~' is not supported; write "
			    "'\\~' for the character");
	case '\\':
		t->i++;
		if (!more(t))
			return fail(t, t->i - 1, "pattern ends after '\\'");
		if (is_shorthand((unsigned char)t->p[t->i])) {
			buf_printf(&t->out, "\\%c", t->p[t->i++]);
			return true;
		}
		emit_literal(&t->out, next_cp(t));
		return true;
	default:
		emit_literal(&t->out, next_cp(t));
		return true;
	}
}

/* Reads a decimal repetition bound; false when there are no digits. */
static bool read_count(struct translator *t, long *out)
{
	size_t start = t->i;

	*out = 0;
	while (more(t) && t->p[t->i] >= '0' && t->p[t->i] <= '9') {
		*out = *out * 10 + (t->p[t->i] - '0');
		if (*out > RX_MAX_REPEAT)
			return fail(t, start, "repetition count above %d", RX_MAX_REPEAT);
		t->i++;
	}
	if (t->i == start)
		return fail(t, start, "a repetition needs a number here");
	return true;
}

/* '{' n [',' [m]] '}', copied as it is once checked. */
static bool parse_braces(struct translator *t)
{
	size_t open = t->i++;
	long lo, hi = -1;

	if (!read_count(t, &lo))
		return false;
	if (peek(t, ',')) {
		t->i++;
		if (!peek(t, '}') && !read_count(t, &hi))
			return false;
	} else {
		hi = lo;
	}
	if (!peek(t, '}'))
		return fail(t, open, "repetition opened here is never closed");
	if (hi >= 0 && hi < lo)
		return fail(t, open, "repetition {%ld,%ld} has its bounds reversed", lo, hi);
	t->i++;
	buf_append(&t->out, t->p + open, t->i - open);
	return true;
}

/*
 * repeatexp ::= atom ('*' | '+' | '?' | '{...}')*. Each repetition wraps
 * what it repeats in a group, so `a*?` stays Lucene's "optional a*" and
 * never becomes PCRE2's lazy quantifier.
 */
static bool parse_repeat(struct translator *t)
{
	size_t start = t->out.len;

	if (!parse_atom(t))
		return false;
	while (more(t) && strchr("*+?{", t->p[t->i]) != NULL) {
		size_t atom_len = t->out.len - start;

		buf_reserve(&t->out, 4);
		memmove(t->out.data + start + 3, t->out.data + start, atom_len);
		memcpy(t->out.data + start, "(?:", 3);
		t->out.len += 3;
		buf_putc(&t->out, ')');
		if (peek(t, '{')) {
			if (!parse_braces(t))
				return false;
		} else {
			buf_putc(&t->out, t->p[t->i++]);
		}
	}
	return true;
}

/*
 * concatexp ::= repeatexp+, up to '|', ')', '&' or the end. As in Lucene,
 * the first item is always read, so a '|', ')' or '&' there is a literal
 * character, and a pattern that ends where an item is due is an error.
 */
static bool parse_concat(struct translator *t)
{
	do {
		if (!more(t))
			return fail(t, t->i, "the pattern ends where a character was expected");
		if (!parse_repeat(t))
			return false;
	} while (more(t) && !peek(t, '|') && !peek(t, ')') && !peek(t, '&'));
	if (peek(t, '&'))
		return fail(t, t->i, "the Lucene intersection '&' is not supported; "
			    "write '\\&' for the character");
	return true;
}

/* unionexp ::= concatexp ('|' concatexp)* */
static bool parse_union(struct translator *t)
{
	if (!parse_concat(t))
		return false;
	while (peek(t, '|')) {
		t->i++;
		buf_putc(&t->out, '|');
		if (!parse_concat(t))
			return false;
	}
	return true;
}

static bool translate(struct translator *t)
{
	/* Lucene reads the empty pattern as the empty string. */
	if (t->n == 0)
		return true;
	if (!parse_union(t))
		return false;
	if (more(t))
		return fail(t, t->i, "unmatched ')'");
	return true;
}

/* ---- compiling and matching ---- */

/* PCRE2 allocates through xmalloc, which ends the process on out-of-memory. */
static void *pcre_alloc(PCRE2_SIZE size, void *data)
{
	(void)data;
	return xmalloc(size);
}

static void pcre_dealloc(void *p, void *data)
{
	(void)data;
	free(p);
}

static pcre2_general_context *general;
static pthread_once_t general_once = PTHREAD_ONCE_INIT;

static void general_create(void)
{
	general = pcre2_general_context_create(pcre_alloc, pcre_dealloc, NULL);
}

static pcre2_general_context *general_context(void)
{
	pthread_once(&general_once, general_create);
	return general;
}

static bool compile_pcre(struct rx_pattern *rx, const struct buf *src, bool insensitive,
			 char *why, size_t why_size)
{
	uint32_t opts = PCRE2_UTF | PCRE2_DOTALL | PCRE2_ANCHORED | PCRE2_ENDANCHORED |
			PCRE2_MATCH_INVALID_UTF | (insensitive ? PCRE2_CASELESS : 0);
	PCRE2_SIZE erroff;
	int errcode;

	rx->code = pcre2_compile((PCRE2_SPTR)(src->data ? src->data : ""), src->len, opts,
				 &errcode, &erroff, NULL);
	if (rx->code == NULL) {
		PCRE2_UCHAR msg[160];

		pcre2_get_error_message(errcode, msg, sizeof(msg));
		snprintf(why, why_size, "%s", (const char *)msg);
		return false;
	}
	rx->jit = pcre2_jit_compile(rx->code, PCRE2_JIT_COMPLETE) == 0;
	rx->mctx = pcre2_match_context_create(general_context());
	pcre2_set_match_limit(rx->mctx, RX_MATCH_LIMIT);
	return true;
}

struct rx_pattern *rx_compile(const char *pat, size_t n, bool insensitive,
			      char *why, size_t why_size, size_t *where)
{
	struct translator t = { .p = pat, .n = n, .why = why, .why_size = why_size };
	struct rx_pattern *rx;

	if (!translate(&t)) {
		*where = t.where;
		buf_free(&t.out);
		return NULL;
	}

	rx = xcalloc(1, sizeof(*rx));
	if (!compile_pcre(rx, &t.out, insensitive, why, why_size)) {
		*where = 0;
		buf_free(&t.out);
		free(rx);
		return NULL;
	}
	buf_free(&t.out);
	return rx;
}

void rx_free(struct rx_pattern *p)
{
	if (p == NULL)
		return;
	pcre2_match_context_free(p->mctx);
	pcre2_code_free(p->code);
	free(p);
}

/* One match block per thread, made on first use, so matching never allocates. */
static _Thread_local pcre2_match_data *thread_match;

void rx_thread_release(void)
{
	pcre2_match_data_free(thread_match);
	thread_match = NULL;
}

enum rx_result rx_match(const struct rx_pattern *p, const char *s, size_t n)
{
	int rc;

	if (thread_match == NULL)
		thread_match = pcre2_match_data_create(1, general_context());
	if (p->jit)
		rc = pcre2_jit_match(p->code, (PCRE2_SPTR)s, n, 0, 0, thread_match, p->mctx);
	else
		rc = pcre2_match(p->code, (PCRE2_SPTR)s, n, 0, 0, thread_match, p->mctx);

	if (rc >= 0)
		return RX_MATCH;
	if (rc == PCRE2_ERROR_NOMATCH)
		return RX_NO_MATCH;
	return RX_LIMIT;
}
