#include "candidate.h"

#include <stdlib.h>
#include <string.h>

#include "../util/xalloc.h"

struct candidate *candidate_new(void)
{
	struct candidate *c = xcalloc(1, sizeof(*c));

	c->refs = 1;
	c->tiebreaker = value_null();
	return c;
}

struct candidate_hit *candidate_add_hit(struct candidate *c, unsigned query,
					unsigned clause)
{
	struct candidate_hit *hit;

	c->hits = xrealloc(c->hits, (c->nhits + 1) * sizeof(*c->hits));
	hit = &c->hits[c->nhits++];
	memset(hit, 0, sizeof(*hit));
	hit->query = query;
	hit->clause = clause;
	return hit;
}

void candidate_add_key(struct candidate_hit *hit, const char *key, size_t len)
{
	for (size_t i = 0; i < hit->nkeys; i++) {
		if (hit->key_lens[i] == len && memcmp(hit->keys[i], key, len) == 0)
			return;
	}
	hit->keys = xrealloc(hit->keys, (hit->nkeys + 1) * sizeof(*hit->keys));
	hit->key_lens = xrealloc(hit->key_lens, (hit->nkeys + 1) * sizeof(*hit->key_lens));
	hit->keys[hit->nkeys] = xstrndup(key, len);
	hit->key_lens[hit->nkeys] = len;
	hit->nkeys++;
}

struct candidate *candidate_ref(struct candidate *c)
{
	c->refs++;
	return c;
}

static void hit_free(struct candidate_hit *hit)
{
	for (size_t i = 0; i < hit->nkeys; i++)
		free(hit->keys[i]);
	free(hit->keys);
	free(hit->key_lens);
}

size_t candidate_keep_hits(struct candidate *c, bool (*keep)(void *arg, unsigned query),
			   void *arg)
{
	size_t kept = 0;

	for (size_t i = 0; i < c->nhits; i++) {
		if (keep(arg, c->hits[i].query))
			c->hits[kept++] = c->hits[i];
		else
			hit_free(&c->hits[i]);
	}
	c->nhits = kept;
	return kept;
}

void candidate_unref(struct candidate *c)
{
	if (--c->refs > 0)
		return;

	for (size_t i = 0; i < c->nhits; i++)
		hit_free(&c->hits[i]);
	free(c->hits);
	free(c->doc);
	free(c->host);
	free(c->strings);
	free(c);
}

static int compare_values(const struct value *a, const struct value *b)
{
	double x, y;

	if (a->kind == VALUE_NULL || b->kind == VALUE_NULL)
		return (a->kind != VALUE_NULL) - (b->kind != VALUE_NULL);
	if (a->kind == VALUE_STRING && b->kind == VALUE_STRING) {
		size_t n = a->u.string.len < b->u.string.len ? a->u.string.len : b->u.string.len;
		int r = memcmp(a->u.string.ptr, b->u.string.ptr, n);

		if (r != 0)
			return r;
		return (a->u.string.len > b->u.string.len) - (a->u.string.len < b->u.string.len);
	}
	if (a->kind == VALUE_INT && b->kind == VALUE_INT)
		return (a->u.integer > b->u.integer) - (a->u.integer < b->u.integer);
	if (a->kind == VALUE_STRING || b->kind == VALUE_STRING)
		return a->kind == VALUE_STRING ? 1 : -1;

	x = a->kind == VALUE_INT ? (double)a->u.integer : a->kind == VALUE_FLOAT ? a->u.real : a->u.boolean;
	y = b->kind == VALUE_INT ? (double)b->u.integer : b->kind == VALUE_FLOAT ? b->u.real : b->u.boolean;
	return (x > y) - (x < y);
}

int candidate_compare(const struct candidate *a, const struct candidate *b)
{
	int r;

	if (a->timestamp != b->timestamp)
		return a->timestamp < b->timestamp ? -1 : 1;
	r = compare_values(&a->tiebreaker, &b->tiebreaker);
	if (r != 0)
		return r;
	return (a->order > b->order) - (a->order < b->order);
}
