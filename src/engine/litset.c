#include "litset.h"

#include <stdlib.h>
#include <string.h>

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
