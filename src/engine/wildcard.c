#include "wildcard.h"

#include <stdlib.h>
#include <string.h>

#include "../util/xalloc.h"
#include "text.h"

/* Shape of a pattern, which picks its fast path. WC_GENERAL covers the rest. */
enum wc_shape {
	WC_EXACT,   /* lit */
	WC_PREFIX,  /* lit* */
	WC_SUFFIX,  /* *lit */
	WC_INFIX,   /* *lit* */
	WC_ANY,     /* *, **, ... */
	WC_GENERAL, /* anything with `?` or a `*` inside */
};

/* A run of the pattern between two `*`: literal bytes and `?` marks. */
struct wc_seg {
	const char *text;
	size_t len;
	size_t chars;    /* code points it matches, each `?` counting one */
	size_t lead_lit; /* bytes before its first `?` */
};

struct wc_pattern {
	bool insensitive;
	enum wc_shape shape;
	char *text; /* the pattern, folded when insensitive */
	size_t len;
	bool lead_star, trail_star;
	struct wc_seg *segs;
	size_t nsegs;
};

bool wc_has_wildcards(const char *s, size_t n)
{
	return memchr(s, '*', n) != NULL || memchr(s, '?', n) != NULL;
}

static void seg_measure(struct wc_seg *sg)
{
	const char *q = memchr(sg->text, '?', sg->len);

	sg->lead_lit = q ? (size_t)(q - sg->text) : sg->len;
	sg->chars = 0;
	for (size_t i = 0; i < sg->len; sg->chars++) {
		size_t len = 1;

		if (sg->text[i] != '?')
			text_decode(sg->text + i, sg->len - i, &len);
		i += len;
	}
}

/* Splits the pattern text at each `*`, dropping the empty runs. */
static void split_segments(struct wc_pattern *p)
{
	size_t start = 0;

	p->segs = xcalloc(p->len / 2 + 1, sizeof(*p->segs));
	p->lead_star = p->len > 0 && p->text[0] == '*';
	p->trail_star = p->len > 0 && p->text[p->len - 1] == '*';
	for (size_t i = 0; i <= p->len; i++) {
		if (i < p->len && p->text[i] != '*')
			continue;
		if (i > start) {
			struct wc_seg *sg = &p->segs[p->nsegs++];

			sg->text = p->text + start;
			sg->len = i - start;
			seg_measure(sg);
		}
		start = i + 1;
	}
}

static enum wc_shape classify(const struct wc_pattern *p)
{
	bool has_star = memchr(p->text, '*', p->len) != NULL;

	if (p->nsegs == 0)
		return has_star ? WC_ANY : WC_EXACT;
	if (p->nsegs > 1 || p->segs[0].lead_lit != p->segs[0].len)
		return WC_GENERAL;
	if (!p->lead_star && !p->trail_star)
		return WC_EXACT;
	if (!p->lead_star)
		return WC_PREFIX;
	return p->trail_star ? WC_INFIX : WC_SUFFIX;
}

struct wc_pattern *wc_compile(const char *pat, size_t n, bool insensitive)
{
	struct wc_pattern *p = xcalloc(1, sizeof(*p));

	p->insensitive = insensitive;
	if (insensitive) {
		p->text = text_fold_dup(pat, n, &p->len);
	} else {
		p->text = xstrndup(pat, n);
		p->len = n;
	}
	split_segments(p);
	p->shape = classify(p);
	return p;
}

void wc_free(struct wc_pattern *p)
{
	if (p == NULL)
		return;
	free(p->segs);
	free(p->text);
	free(p);
}

/* ---- matching ---- */

/* Matches segment `sg` at s[pos] and, on success, sets *end past it. */
static bool seg_at(const struct wc_seg *sg, const char *s, size_t n, size_t pos, size_t *end)
{
	for (size_t i = 0; i < sg->len;) {
		if (sg->text[i] == '?') {
			size_t len;

			if (pos >= n)
				return false;
			text_decode(s + pos, n - pos, &len);
			pos += len;
			i++;
			continue;
		}
		if (pos >= n || s[pos] != sg->text[i])
			return false;
		pos++;
		i++;
	}
	*end = pos;
	return true;
}

/* The leftmost place at or after `from` where `sg` matches. */
static bool seg_find(const struct wc_seg *sg, const char *s, size_t n, size_t from,
		     size_t *start, size_t *end)
{
	size_t pos = from;

	while (pos <= n) {
		if (sg->lead_lit > 0) {
			const char *hit = memmem(s + pos, n - pos, sg->text, sg->lead_lit);

			if (hit == NULL)
				return false;
			pos = (size_t)(hit - s);
		}
		if (seg_at(sg, s, n, pos, end)) {
			*start = pos;
			return true;
		}
		if (pos == n)
			return false;
		if (sg->lead_lit > 0) {
			pos++;
		} else {
			size_t len;

			text_decode(s + pos, n - pos, &len);
			pos += len;
		}
	}
	return false;
}

/* Byte offset where the last `chars` code points of s begin, or false. */
static bool back_chars(const char *s, size_t n, size_t chars, size_t *pos)
{
	size_t p = n;

	while (chars > 0) {
		if (p == 0)
			return false;
		p--;
		while (p > 0 && ((unsigned char)s[p] & 0xC0) == 0x80)
			p--;
		chars--;
	}
	*pos = p;
	return true;
}

/*
 * The general case: the first segment anchored at the start (unless the
 * pattern starts with `*`), the last anchored at the end (unless it ends
 * with `*`), and the ones between placed leftmost, which is optimal for
 * `*`-separated segments.
 */
static bool match_general(const struct wc_pattern *p, const char *s, size_t n)
{
	size_t first = 0, last = p->nsegs, pos = 0, tail = n, end, start;

	if (!p->lead_star) {
		if (!seg_at(&p->segs[0], s, n, 0, &pos))
			return false;
		if (p->nsegs == 1 && !p->trail_star)
			return pos == n;
		first = 1;
	}
	if (!p->trail_star && last > first) {
		last--;
		if (!back_chars(s, n, p->segs[last].chars, &tail) || tail < pos)
			return false;
		if (!seg_at(&p->segs[last], s, n, tail, &end) || end != n)
			return false;
	}
	for (size_t i = first; i < last; i++) {
		if (!seg_find(&p->segs[i], s, n, pos, &start, &pos) || pos > tail)
			return false;
	}
	return true;
}

static bool match_folded(const struct wc_pattern *p, const char *s, size_t n)
{
	switch (p->shape) {
	case WC_EXACT:
		return n == p->len && memcmp(s, p->text, n) == 0;
	case WC_PREFIX:
		return n >= p->segs[0].len && memcmp(s, p->segs[0].text, p->segs[0].len) == 0;
	case WC_SUFFIX:
		return n >= p->segs[0].len &&
		       memcmp(s + n - p->segs[0].len, p->segs[0].text, p->segs[0].len) == 0;
	case WC_INFIX:
		return memmem(s, n, p->segs[0].text, p->segs[0].len) != NULL;
	case WC_ANY:
		return true;
	case WC_GENERAL:
		return match_general(p, s, n);
	}
	return false;
}

bool wc_match(const struct wc_pattern *p, const char *s, size_t n, struct arena *scratch)
{
	if (p->shape == WC_ANY)
		return true;
	if (p->insensitive)
		s = text_fold(scratch, s, n, &n);
	return match_folded(p, s, n);
}
