/*
 * Nearest ECS field names for a path that is not one.
 *
 * Field paths are words joined by dots, and the usual mistakes are a typo in
 * one word (process.comand_line), a word too many or too few
 * (registry.value.name, process.sha256 for process.hash.sha256), a dot for an
 * underscore or the reverse (host.os_type), or upper case (Process.Name).
 * The distance is the smaller of two measures, both blind to case:
 *
 * - word edits: an alignment of the two lists of words in which dropping
 *   or adding a word costs 2, and replacing a word by another costs their
 *   edit distance in characters, allowed only for small typos (1 edit in a
 *   word of up to 4 characters, 2 up to 8, 3 beyond), since replacing
 *   "value" by "key" is a different field, not a typo;
 * - character edits over the whole path, counted only up to 2.
 *
 * A field at distance 3 or less is a candidate; the nearest are returned,
 * ties broken by the number of leading words shared, then by length.
 */
#include "ecs.h"

#include <ctype.h>
#include <string.h>

#define MAX_WORDS 16
#define MAX_WORD 64
#define MAX_PATH 256
#define WORD_INDEL 2
#define NO_MATCH 1000
#define MAX_DISTANCE 3
#define MAX_FLAT_EDITS 2

struct words {
	const char *word[MAX_WORDS];
	size_t len[MAX_WORDS];
	size_t n;
};

/* Splits `path` at dots; false when it has too many or too long words. */
static bool split(const char *path, struct words *w)
{
	const char *start = path;

	w->n = 0;
	for (const char *p = path;; p++) {
		if (*p != '.' && *p != '\0')
			continue;
		if (w->n == MAX_WORDS || (size_t)(p - start) > MAX_WORD)
			return false;
		w->word[w->n] = start;
		w->len[w->n++] = (size_t)(p - start);
		if (*p == '\0')
			return true;
		start = p + 1;
	}
}

static size_t min3(size_t a, size_t b, size_t c)
{
	size_t m = a < b ? a : b;

	return m < c ? m : c;
}

static bool same_letter(char x, char y)
{
	return tolower((unsigned char)x) == tolower((unsigned char)y);
}

/*
 * Edit distance between a and b without regard to case, counting a swap of
 * two neighbouring letters as one edit (optimal string alignment), so that
 * "nmae" is one edit from "name"; both at most MAX_PATH bytes.
 */
static size_t edits(const char *a, size_t na, const char *b, size_t nb)
{
	size_t before[MAX_PATH + 1], prev[MAX_PATH + 1], row[MAX_PATH + 1];

	for (size_t j = 0; j <= nb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= na; i++) {
		row[0] = i;
		for (size_t j = 1; j <= nb; j++) {
			bool same = same_letter(a[i - 1], b[j - 1]);

			row[j] = min3(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (same ? 0 : 1));
			if (i > 1 && j > 1 && same_letter(a[i - 1], b[j - 2]) &&
			    same_letter(a[i - 2], b[j - 1]) && before[j - 2] + 1 < row[j])
				row[j] = before[j - 2] + 1;
		}
		memcpy(before, prev, (nb + 1) * sizeof(*prev));
		memcpy(prev, row, (nb + 1) * sizeof(*row));
	}
	return prev[nb];
}

/* The typo budget of a word of `len` characters. */
static size_t typo_budget(size_t len)
{
	if (len <= 4)
		return 1;
	if (len <= 8)
		return 2;
	return 3;
}

static size_t replace_cost(const struct words *a, size_t i, const struct words *b, size_t j)
{
	size_t shorter = a->len[i] < b->len[j] ? a->len[i] : b->len[j];
	size_t budget = typo_budget(shorter);
	size_t diff = a->len[i] > b->len[j] ? a->len[i] - b->len[j] : b->len[j] - a->len[i];
	size_t d;

	if (diff > budget)
		return NO_MATCH;
	d = edits(a->word[i], a->len[i], b->word[j], b->len[j]);
	return d <= budget ? d : NO_MATCH;
}

/* Alignment cost of the two word lists (see the file comment). */
static size_t word_distance(const struct words *a, const struct words *b)
{
	size_t cost[MAX_WORDS + 1][MAX_WORDS + 1];

	for (size_t i = 0; i <= a->n; i++)
		cost[i][0] = i * WORD_INDEL;
	for (size_t j = 0; j <= b->n; j++)
		cost[0][j] = j * WORD_INDEL;
	for (size_t i = 1; i <= a->n; i++) {
		for (size_t j = 1; j <= b->n; j++) {
			cost[i][j] = min3(cost[i - 1][j] + WORD_INDEL, cost[i][j - 1] + WORD_INDEL,
					  cost[i - 1][j - 1] + replace_cost(a, i - 1, b, j - 1));
		}
	}
	return cost[a->n][b->n];
}

static size_t flat_distance(const char *a, size_t na, const char *b, size_t nb)
{
	size_t diff = na > nb ? na - nb : nb - na;

	if (diff > MAX_FLAT_EDITS || na > MAX_PATH || nb > MAX_PATH)
		return NO_MATCH;
	return edits(a, na, b, nb);
}

static size_t shared_leading_words(const struct words *a, const struct words *b)
{
	size_t k = 0;

	while (k < a->n && k < b->n && a->len[k] == b->len[k] &&
	       strncmp(a->word[k], b->word[k], a->len[k]) == 0)
		k++;
	return k;
}

struct candidate {
	const struct lint_ecs_field *field;
	size_t distance;
	size_t shared;
	size_t len;
};

/* Whether x ranks before y. */
static bool better(const struct candidate *x, const struct candidate *y)
{
	if (x->distance != y->distance)
		return x->distance < y->distance;
	if (x->shared != y->shared)
		return x->shared > y->shared;
	if (x->len != y->len)
		return x->len < y->len;
	return strcmp(x->field->name, y->field->name) < 0;
}

/* Inserts `c` into the sorted list `best` of at most `max` entries. */
static void keep(struct candidate *best, size_t *n, size_t max, const struct candidate *c)
{
	size_t at = *n;

	while (at > 0 && better(c, &best[at - 1]))
		at--;
	if (at >= max)
		return;
	if (*n == max)
		(*n)--;
	memmove(&best[at + 1], &best[at], (*n - at) * sizeof(*best));
	best[at] = *c;
	(*n)++;
}

size_t lint_ecs_suggest(const char *path, const struct lint_ecs_field **out, size_t max)
{
	struct candidate best[8];
	struct words want, have;
	size_t plen = strlen(path);
	size_t n = 0;

	if (max > sizeof(best) / sizeof(best[0]))
		max = sizeof(best) / sizeof(best[0]);
	if (max == 0 || !split(path, &want))
		return 0;

	for (size_t i = 0; i < lint_ecs_nfields; i++) {
		const struct lint_ecs_field *f = &lint_ecs_fields[i];
		size_t flen = strlen(f->name);
		struct candidate c = { f, NO_MATCH, 0, flen };

		if (!split(f->name, &have))
			continue;
		/* Two words more or fewer already cost more than MAX_DISTANCE. */
		if (have.n > want.n + 1 || want.n > have.n + 1)
			c.distance = flat_distance(path, plen, f->name, flen);
		else
			c.distance = word_distance(&want, &have);
		if (c.distance > MAX_FLAT_EDITS) {
			size_t flat = flat_distance(path, plen, f->name, flen);

			if (flat < c.distance)
				c.distance = flat;
		}
		if (c.distance > MAX_DISTANCE)
			continue;
		c.shared = shared_leading_words(&want, &have);
		keep(best, &n, max, &c);
	}

	/* Only the nearest: a distance-1 typo makes distance-3 names noise. */
	for (size_t i = 0; i < n; i++) {
		if (best[i].distance > best[0].distance) {
			n = i;
			break;
		}
		out[i] = best[i].field;
	}
	return n;
}
