#include "litset.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../util/diag.h"
#include "../util/xalloc.h"
#include "text.h"

struct entry {
	char *s;
	size_t n;
};

struct litset {
	bool insensitive;
	struct entry *items;
	size_t n, cap;
};

struct litset *litset_new(bool insensitive)
{
	struct litset *set = xcalloc(1, sizeof(*set));

	set->insensitive = insensitive;
	return set;
}

void litset_add(struct litset *set, const char *s, size_t n)
{
	struct entry *e;

	set->items = xgrow(set->items, &set->cap, set->n + 1, sizeof(*set->items));
	e = &set->items[set->n++];
	if (set->insensitive) {
		e->s = text_fold_dup(s, n, &e->n);
	} else {
		e->s = xstrndup(s, n);
		e->n = n;
	}
}

static int entry_cmp(const char *a, size_t na, const char *b, size_t nb)
{
	int c = memcmp(a, b, na < nb ? na : nb);

	if (c != 0)
		return c;
	return na < nb ? -1 : na > nb;
}

static int qsort_cmp(const void *x, const void *y)
{
	const struct entry *a = x, *b = y;

	return entry_cmp(a->s, a->n, b->s, b->n);
}

void litset_seal(struct litset *set)
{
	size_t out = 0;

	if (set->n > 1)
		qsort(set->items, set->n, sizeof(*set->items), qsort_cmp);
	for (size_t i = 0; i < set->n; i++) {
		if (out > 0 && qsort_cmp(&set->items[out - 1], &set->items[i]) == 0) {
			free(set->items[i].s);
			continue;
		}
		set->items[out++] = set->items[i];
	}
	set->n = out;
}

size_t litset_count(const struct litset *set)
{
	return set->n;
}

bool litset_contains(const struct litset *set, const char *s, size_t n, struct arena *scratch)
{
	size_t lo = 0, hi = set->n;

	if (set->insensitive)
		s = text_fold(scratch, s, n, &n);
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = entry_cmp(set->items[mid].s, set->items[mid].n, s, n);

		if (c == 0)
			return true;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

void litset_free(struct litset *set)
{
	if (set == NULL)
		return;
	for (size_t i = 0; i < set->n; i++)
		free(set->items[i].s);
	free(set->items);
	free(set);
}

/* ---- literal scanner ---- */

/*
 * An anchor is three adjacent bytes of a needle, compared with the 0x20
 * bit set on both sides: (text[i + k] | 0x20) == byte[k] for k < 3. That
 * lets both cases of a letter through, and a few other bytes ('@' with
 * '`', 0x0e with '.'), which only adds candidates: each candidate is
 * checked against the needles anchored there. Three bytes rather than two
 * keep candidates rare ("eg" is in every "category", "egi" is not).
 */
#define ANCHOR_LEN 3

struct anchor {
	unsigned char byte[ANCHOR_LEN];
	size_t *needles;     /* indexes of the needles anchored here */
	size_t nneedles;
};

struct needle {
	char *s;
	size_t n;
	bool insensitive;
	size_t at;           /* offset of the anchor in the needle */
};

struct litscan {
	struct needle *needles;
	size_t n, cap;
	struct anchor *anchors;
	size_t nanchors;
	unsigned char (*splat)[ANCHOR_LEN][16]; /* each anchor's bytes, repeated for the vector compare */
	bool insensitive;    /* some needle is: characters that fold to ASCII matter */
};

/*
 * UTF-8 forms of the characters above ASCII whose case folding is ASCII
 * (with glibc's C.UTF-8: U+0130, U+017F and U+212A). Found once by asking
 * text_fold_cp() about every code point up to U+1FFFF; no code point above
 * that has a case mapping in Unicode 15.
 */
#define MAX_FOLD_DANGERS 16

static char fold_dangers[MAX_FOLD_DANGERS][4];
static size_t fold_danger_lens[MAX_FOLD_DANGERS];
static size_t nfold_dangers;
static pthread_once_t fold_dangers_once = PTHREAD_ONCE_INIT;

static void find_fold_dangers(void)
{
	text_fold_init();
	for (uint32_t cp = 0x80; cp < 0x20000; cp++) {
		if (text_fold_cp(cp) >= 0x80)
			continue;
		/* More than the table can store would be a new Unicode fact: stop loudly, not silently. */
		if (nfold_dangers == MAX_FOLD_DANGERS) {
			diag_error("internal error: more than %d characters fold to ASCII letters; "
				   "raise MAX_FOLD_DANGERS in src/engine/litset.c", MAX_FOLD_DANGERS);
			abort();
		}
		fold_danger_lens[nfold_dangers] = text_encode(cp, fold_dangers[nfold_dangers]);
		nfold_dangers++;
	}
}

struct litscan *litscan_new(void)
{
	return xcalloc(1, sizeof(struct litscan));
}

void litscan_add(struct litscan *scan, const char *needle, size_t n, bool insensitive)
{
	struct needle *nd;

	scan->needles = xgrow(scan->needles, &scan->cap, scan->n + 1, sizeof(*scan->needles));
	nd = &scan->needles[scan->n++];
	nd->s = xstrndup(needle, n);
	nd->n = n;
	nd->insensitive = insensitive;
	nd->at = 0;
	scan->insensitive |= insensitive;
}

size_t litscan_count(const struct litscan *scan)
{
	return scan->n;
}

const char *litscan_needle(const struct litscan *scan, size_t i, size_t *n, bool *insensitive)
{
	*n = scan->needles[i].n;
	*insensitive = scan->needles[i].insensitive;
	return scan->needles[i].s;
}

static bool is_letter(unsigned char c)
{
	return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}

/*
 * A rough count of how often a byte occurs in ECS JSON, so that anchors
 * avoid quotes, separators, digits and common letters. Only speed depends
 * on it.
 */
unsigned lit_byte_weight(unsigned char c)
{
	if (c == '"')
		return 8;
	if (c == ',' || c == ':')
		return 6;
	if ((c >= '0' && c <= '9') || (c != 0 && strchr("etaoinsrlcd", c | 0x20) != NULL))
		return 5;
	if (is_letter(c) || c == '.' || c == '-' || c == '_' || c == ' ')
		return 3;
	return 1;
}

static void anchor_at(const struct needle *nd, size_t k, unsigned char byte[ANCHOR_LEN])
{
	for (size_t i = 0; i < ANCHOR_LEN; i++)
		byte[i] = (unsigned char)(nd->s[k + i] | 0x20);
}

/* The offset in `nd` of the anchor `byte`, or -1. */
static long find_anchor(const struct needle *nd, const unsigned char byte[ANCHOR_LEN])
{
	for (size_t k = 0; k + ANCHOR_LEN <= nd->n; k++) {
		unsigned char b[ANCHOR_LEN];

		anchor_at(nd, k, b);
		if (memcmp(b, byte, ANCHOR_LEN) == 0)
			return (long)k;
	}
	return -1;
}

/*
 * Scores the anchor at offset k of needle `from`: how many needles not yet
 * anchored contain it, per unit of how common its bytes are.
 */
static double anchor_score(const struct litscan *scan, const bool *done, size_t from, size_t k)
{
	unsigned char byte[ANCHOR_LEN];
	double weight = 1;
	size_t covered = 0;

	anchor_at(&scan->needles[from], k, byte);
	for (size_t j = 0; j < scan->n; j++)
		if (!done[j] && find_anchor(&scan->needles[j], byte) >= 0)
			covered++;
	for (size_t i = 0; i < ANCHOR_LEN; i++)
		weight *= lit_byte_weight(byte[i]);
	return (double)covered / weight;
}

/* Adds the anchor at offset k of needle `from` and anchors every open needle that contains it. */
static void add_anchor(struct litscan *scan, bool *done, size_t from, size_t k)
{
	struct anchor *a;

	scan->anchors = xrealloc(scan->anchors, (scan->nanchors + 1) * sizeof(*scan->anchors));
	a = &scan->anchors[scan->nanchors++];
	memset(a, 0, sizeof(*a));
	anchor_at(&scan->needles[from], k, a->byte);
	for (size_t j = 0; j < scan->n; j++) {
		long at = done[j] ? -1 : find_anchor(&scan->needles[j], a->byte);

		if (at < 0)
			continue;
		scan->needles[j].at = (size_t)at;
		a->needles = xrealloc(a->needles, (a->nneedles + 1) * sizeof(*a->needles));
		a->needles[a->nneedles++] = j;
		done[j] = true;
	}
}

/* Greedy set cover: the anchor that covers the most open needles per unit of weight, until none is open. */
void litscan_seal(struct litscan *scan)
{
	bool *done = xcalloc(scan->n + 1, sizeof(*done));

	if (scan->insensitive)
		pthread_once(&fold_dangers_once, find_fold_dangers);
	for (;;) {
		double best = -1;
		size_t best_needle = 0, best_k = 0;

		for (size_t i = 0; i < scan->n; i++) {
			for (size_t k = 0; !done[i] && k + ANCHOR_LEN <= scan->needles[i].n; k++) {
				double score = anchor_score(scan, done, i, k);

				if (score > best) {
					best = score;
					best_needle = i;
					best_k = k;
				}
			}
		}
		if (best < 0)
			break;
		add_anchor(scan, done, best_needle, best_k);
	}
	free(done);

	scan->splat = xcalloc(scan->nanchors + 1, sizeof(*scan->splat));
	for (size_t i = 0; i < scan->nanchors; i++)
		for (size_t k = 0; k < ANCHOR_LEN; k++)
			memset(scan->splat[i][k], scan->anchors[i].byte[k], 16);
}

static bool needle_at(const struct needle *nd, const char *text, size_t n, size_t pos)
{
	const unsigned char *t;

	if (pos < nd->at || pos - nd->at + nd->n > n)
		return false;
	t = (const unsigned char *)text + pos - nd->at;
	if (!nd->insensitive)
		return memcmp(t, nd->s, nd->n) == 0;
	for (size_t i = 0; i < nd->n; i++) {
		unsigned char c = t[i];

		if ((c >= 'A' && c <= 'Z' ? c | 0x20 : c) != (unsigned char)nd->s[i])
			return false;
	}
	return true;
}

/* It opens one when an even number of backslashes precedes it. */
bool lit_opens_escape(const char *text, size_t pos)
{
	size_t before = 0;

	while (before < pos && text[pos - before - 1] == '\\')
		before++;
	return before % 2 == 0;
}

static bool anchor_hits(const struct litscan *scan, const struct anchor *a, const char *text,
			size_t n, size_t pos)
{
	const unsigned char *t = (const unsigned char *)text + pos;

	if (pos + ANCHOR_LEN > n)
		return false;
	for (size_t k = 0; k < ANCHOR_LEN; k++)
		if ((t[k] | 0x20) != a->byte[k])
			return false;
	for (size_t i = 0; i < a->nneedles; i++)
		if (needle_at(&scan->needles[a->needles[i]], text, n, pos))
			return true;
	return false;
}

/* True when an anchor at `pos` starts a needle. */
static bool needle_from(const struct litscan *scan, const char *text, size_t n, size_t pos)
{
	for (size_t a = 0; a < scan->nanchors; a++)
		if (anchor_hits(scan, &scan->anchors[a], text, n, pos))
			return true;
	return false;
}

/* Whether a character that folds to ASCII starts at pos (pos + 1 < n). */
static bool fold_danger_at(const char *text, size_t n, size_t pos)
{
	for (size_t i = 0; i < nfold_dangers; i++)
		if (text[pos] == fold_dangers[i][0] && text[pos + 1] == fold_dangers[i][1] &&
		    pos + fold_danger_lens[i] <= n &&
		    memcmp(text + pos, fold_dangers[i], fold_danger_lens[i]) == 0)
			return true;
	return false;
}

#if defined(__SSE2__)
#include <emmintrin.h>

static inline __m128i load16(const void *p)
{
	return _mm_loadu_si128((const __m128i *)p);
}

/*
 * Candidates in the 64 positions from p (66 bytes are read): bit i of
 * *anchors is set where an anchor may start at p + i, bit i of *escapes
 * where a backslash is followed by 'u'. Bytes above 0x7f go into *high.
 */
static void block_candidates(const struct litscan *scan, const char *p, uint64_t *anchors,
			     uint64_t *escapes, __m128i *high)
{
	const __m128i bit = _mm_set1_epi8(0x20);

	*anchors = 0;
	*escapes = 0;
	for (int k = 0; k < 64; k += 16) {
		__m128i x0 = load16(p + k), x1 = load16(p + k + 1);
		__m128i f0 = _mm_or_si128(x0, bit), f1 = _mm_or_si128(x1, bit);
		__m128i f2 = _mm_or_si128(load16(p + k + 2), bit);
		__m128i any = _mm_setzero_si128();
		__m128i esc = _mm_and_si128(_mm_cmpeq_epi8(x0, _mm_set1_epi8('\\')),
					    _mm_cmpeq_epi8(x1, _mm_set1_epi8('u')));

		for (size_t i = 0; i < scan->nanchors; i++) {
			__m128i m0 = _mm_cmpeq_epi8(f0, load16(scan->splat[i][0]));
			__m128i m1 = _mm_cmpeq_epi8(f1, load16(scan->splat[i][1]));
			__m128i m2 = _mm_cmpeq_epi8(f2, load16(scan->splat[i][2]));

			any = _mm_or_si128(any, _mm_and_si128(_mm_and_si128(m0, m1), m2));
		}
		*high = _mm_or_si128(*high, x0);
		*anchors |= (uint64_t)(unsigned)_mm_movemask_epi8(any) << k;
		*escapes |= (uint64_t)(unsigned)_mm_movemask_epi8(esc) << k;
	}
}

/* Checks the candidates of the block at `base`. */
static bool block_found(const struct litscan *scan, const char *text, size_t n, size_t base,
			uint64_t anchors, uint64_t escapes)
{
	for (; escapes != 0; escapes &= escapes - 1)
		if (lit_opens_escape(text, base + (size_t)__builtin_ctzll(escapes)))
			return true;
	for (; anchors != 0; anchors &= anchors - 1)
		if (needle_from(scan, text, n, base + (size_t)__builtin_ctzll(anchors)))
			return true;
	return false;
}

/*
 * The last bytes, fewer than a block needs: copied into a block padded with
 * zero bytes, whose candidates past the end are masked off. A zero byte is
 * never above 0x7f, so the padding adds nothing to *high.
 */
static bool scan_last_block(const struct litscan *scan, const char *text, size_t n, size_t i,
			    __m128i *high)
{
	char block[80] = { 0 };
	size_t rest = n - i;
	uint64_t anchors, escapes;

	memcpy(block, text + i, rest);
	block_candidates(scan, block, &anchors, &escapes, high);
	anchors &= rest >= ANCHOR_LEN ? (~0ull >> (64 - (rest - ANCHOR_LEN + 1))) : 0;
	escapes &= rest >= 2 ? (~0ull >> (64 - (rest - 1))) : 0;
	return (anchors | escapes) != 0 && block_found(scan, text, n, i, anchors, escapes);
}

/* Scans the text 64 positions per step. */
static bool scan_blocks(const struct litscan *scan, const char *text, size_t n, bool *high)
{
	__m128i high_bits = _mm_setzero_si128();
	uint64_t anchors, escapes;
	size_t i = 0;

	for (; i + 66 <= n; i += 64) {
		block_candidates(scan, text + i, &anchors, &escapes, &high_bits);
		if ((anchors | escapes) != 0 && block_found(scan, text, n, i, anchors, escapes))
			return true;
	}
	if (scan_last_block(scan, text, n, i, &high_bits))
		return true;
	*high = _mm_movemask_epi8(high_bits) != 0;
	return false;
}

/* Checks for a character that folds to ASCII, comparing 2-byte starts 16 positions at a time. */
static bool has_fold_danger(const char *text, size_t n)
{
	size_t i = 0;

	for (; i + 17 <= n; i += 16) {
		__m128i x0 = load16(text + i), x1 = load16(text + i + 1), any = _mm_setzero_si128();
		unsigned mask;

		for (size_t d = 0; d < nfold_dangers; d++)
			any = _mm_or_si128(any, _mm_and_si128(
				_mm_cmpeq_epi8(x0, _mm_set1_epi8(fold_dangers[d][0])),
				_mm_cmpeq_epi8(x1, _mm_set1_epi8(fold_dangers[d][1]))));
		for (mask = (unsigned)_mm_movemask_epi8(any); mask != 0; mask &= mask - 1)
			if (fold_danger_at(text, n, i + (size_t)__builtin_ctz(mask)))
				return true;
	}
	for (; i + 1 < n; i++)
		if (fold_danger_at(text, n, i))
			return true;
	return false;
}
#else
static bool escape_at(const char *text, size_t pos)
{
	return text[pos] == '\\' && text[pos + 1] == 'u' && lit_opens_escape(text, pos);
}

/* Checks every position of [from, to), each with the byte after it, one at a time. */
static bool check_positions(const struct litscan *scan, const char *text, size_t n,
			    size_t from, size_t to)
{
	for (size_t pos = from; pos < to; pos++)
		if (escape_at(text, pos) || needle_from(scan, text, n, pos))
			return true;
	return false;
}

/* Without SSE2, position by position. */
static bool scan_blocks(const struct litscan *scan, const char *text, size_t n, bool *high)
{
	*high = false;
	for (size_t i = 0; i < n && !*high; i++)
		*high = (unsigned char)text[i] >= 0x80;
	return check_positions(scan, text, n, 0, n - 1);
}

static bool has_fold_danger(const char *text, size_t n)
{
	for (size_t i = 0; i + 1 < n; i++)
		if (fold_danger_at(text, n, i))
			return true;
	return false;
}
#endif

bool lit_has_fold_danger(const char *text, size_t n)
{
	pthread_once(&fold_dangers_once, find_fold_dangers);
	return has_fold_danger(text, n);
}

bool litscan_find(const struct litscan *scan, const char *text, size_t n)
{
	bool high = false;

	/* Needles take three bytes at least, escapes two. */
	if (n < 2)
		return false;
	if (scan_blocks(scan, text, n, &high))
		return true;
	return scan->insensitive && high && has_fold_danger(text, n);
}

void litscan_free(struct litscan *scan)
{
	if (scan == NULL)
		return;
	for (size_t i = 0; i < scan->n; i++)
		free(scan->needles[i].s);
	for (size_t i = 0; i < scan->nanchors; i++)
		free(scan->anchors[i].needles);
	free(scan->needles);
	free(scan->anchors);
	free(scan->splat);
	free(scan);
}
