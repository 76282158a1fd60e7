#include "sample.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../util/buf.h"
#include "../util/json.h"
#include "../util/strmap.h"
#include "../util/xalloc.h"

/*
 * Steps of the search for distinct events in one key's lists. The search
 * is exponential when the lists share most of their events. Past this many
 * steps the key gives the samples found so far, and the stop is counted.
 */
#define MAX_SEARCH_STEPS 1000000

/* The events one filter kept for one key, in input order. */
struct event_list {
	struct candidate **items;
	size_t count;
};

struct key_entry {
	char *key;                /* JSON array text of the key values */
	size_t len;
	unsigned char *order;     /* sort key, built at the end */
	size_t order_len;
	struct event_list lists[]; /* one per filter */
};

struct sample_matcher {
	size_t nfilters;
	size_t per_list;          /* filters + max_per_key - 1, as Elasticsearch asks */
	size_t max_keys;
	size_t max_per_key;
	struct strmap keys;       /* key text -> struct key_entry */
	struct key_entry **entries; /* in creation order */
	size_t nentries, entries_cap;
	struct candidate **chosen; /* nfilters: the sample being built */
	size_t *index;            /* nfilters: search position per filter */
	sample_emit_fn emit;
	void *arg;
	struct sample_stats stats;
};

struct sample_matcher *sample_new(const struct eql_query *query, size_t max_keys,
				  size_t max_per_key, sample_emit_fn emit, void *arg)
{
	struct sample_matcher *m = xcalloc(1, sizeof(*m));

	m->nfilters = query->nclauses;
	m->max_per_key = max_per_key > 0 ? max_per_key : 1;
	m->per_list = m->nfilters + m->max_per_key - 1;
	m->max_keys = max_keys;
	m->chosen = xcalloc(m->nfilters ? m->nfilters : 1, sizeof(*m->chosen));
	m->index = xcalloc(m->nfilters ? m->nfilters : 1, sizeof(*m->index));
	m->emit = emit;
	m->arg = arg;
	strmap_init(&m->keys);
	return m;
}

void sample_free(struct sample_matcher *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->nentries; i++) {
		struct key_entry *e = m->entries[i];

		for (size_t f = 0; f < m->nfilters; f++) {
			for (size_t k = 0; k < e->lists[f].count; k++)
				candidate_unref(e->lists[f].items[k]);
			free(e->lists[f].items);
		}
		free(e->key);
		free(e->order);
		free(e);
	}
	free(m->entries);
	strmap_free(&m->keys);
	free(m->chosen);
	free(m->index);
	free(m);
}

static struct key_entry *entry_get(struct sample_matcher *m, const char *key, size_t len)
{
	struct key_entry *e = strmap_get(&m->keys, key, len);

	if (e != NULL)
		return e;
	if (m->nentries >= m->max_keys) {
		m->stats.keys_rejected++;
		return NULL;
	}

	e = xcalloc(1, sizeof(*e) + m->nfilters * sizeof(struct event_list));
	e->key = xstrndup(key, len);
	e->len = len;
	*strmap_upsert(&m->keys, key, len) = e;
	m->entries = xgrow(m->entries, &m->entries_cap, m->nentries + 1, sizeof(*m->entries));
	m->entries[m->nentries++] = e;
	m->stats.keys = m->nentries;
	return e;
}

void sample_feed(struct sample_matcher *m, struct candidate *c,
		 const struct candidate_hit *const *hits, size_t nhits)
{
	for (size_t i = 0; i < nhits; i++) {
		unsigned filter = hits[i]->clause;

		if (filter >= m->nfilters)
			continue;
		for (size_t k = 0; k < hits[i]->nkeys; k++) {
			struct key_entry *e = entry_get(m, hits[i]->keys[k], hits[i]->key_lens[k]);
			struct event_list *list;

			if (e == NULL)
				continue;
			list = &e->lists[filter];
			if (list->count == m->per_list)
				continue;
			if (list->items == NULL)
				list->items = xcalloc(m->per_list, sizeof(*list->items));
			list->items[list->count++] = candidate_ref(c);
		}
	}
}

/* ---- key order ---- */

/*
 * Appends an encoding of `node` whose byte order is the key order: null,
 * then false and true, then numbers, then strings in byte order.
 */
static void encode_value(struct buf *out, const struct json_node *node)
{
	uint64_t bits;
	double d;

	switch (node->type) {
	case JSON_NULL:
		buf_putc(out, 0);
		return;
	case JSON_BOOL:
		buf_putc(out, 1);
		buf_putc(out, node->u.boolean ? 1 : 0);
		return;
	case JSON_NUMBER:
		/* IEEE 754 bits, sign flipped for positives and all bits for negatives, sort as numbers. */
		d = node->u.number.is_integer ? (double)node->u.number.integer : node->u.number.real;
		memcpy(&bits, &d, sizeof(bits));
		bits = (bits >> 63) ? ~bits : bits | (UINT64_C(1) << 63);
		buf_putc(out, 2);
		for (int shift = 56; shift >= 0; shift -= 8)
			buf_putc(out, (char)(bits >> shift));
		return;
	case JSON_STRING:
		/* NUL is escaped as 00 FF so that the 00 00 terminator sorts first. */
		buf_putc(out, 3);
		for (size_t i = 0; i < node->u.string.len; i++) {
			buf_putc(out, node->u.string.ptr[i]);
			if (node->u.string.ptr[i] == '\0')
				buf_putc(out, (char)0xff);
		}
		buf_putc(out, 0);
		buf_putc(out, 0);
		return;
	default:
		buf_putc(out, 4);
		return;
	}
}

static void build_order(struct key_entry *e)
{
	struct json_doc doc;
	struct json_error err;
	struct buf out = BUF_INIT;

	/* The detector wrote the key, so it parses; an unreadable one sorts last. */
	if (json_parse(&doc, e->key, e->len, NULL, &err) && doc.root->type == JSON_ARRAY) {
		for (const struct json_node *n = doc.root->u.children.first; n != NULL; n = n->next)
			encode_value(&out, n);
	} else {
		buf_putc(&out, 5);
	}
	json_doc_free(&doc);
	e->order_len = out.len;
	e->order = (unsigned char *)buf_detach(&out);
}

static int compare_entries(const void *a, const void *b)
{
	const struct key_entry *x = *(const struct key_entry *const *)a;
	const struct key_entry *y = *(const struct key_entry *const *)b;
	size_t n = x->order_len < y->order_len ? x->order_len : y->order_len;
	int r = memcmp(x->order, y->order, n);

	if (r != 0)
		return r;
	if (x->order_len != y->order_len)
		return x->order_len < y->order_len ? -1 : 1;
	/* Numbers that round to the same double: fall back to their text. */
	n = x->len < y->len ? x->len : y->len;
	r = memcmp(x->key, y->key, n);
	return r != 0 ? r : (x->len > y->len) - (x->len < y->len);
}

/* ---- picking the samples of one key ---- */

static bool already_chosen(const struct sample_matcher *m, size_t depth, const struct candidate *c)
{
	for (size_t i = 0; i < depth; i++) {
		if (m->chosen[i] == c)
			return true;
	}
	return false;
}

/*
 * Elasticsearch's backtracking (SampleIterator.matchSamples): for each
 * filter in turn, the first event of its list not already in the sample;
 * the last filter varies fastest.
 */
static void emit_key(struct sample_matcher *m, const struct key_entry *e)
{
	size_t depth = 0, found = 0, steps = 0;

	for (size_t f = 0; f < m->nfilters; f++) {
		if (e->lists[f].count == 0)
			return;
	}
	m->index[0] = 0;
	while (found < m->max_per_key) {
		const struct event_list *list = &e->lists[depth];

		if (m->index[depth] >= list->count) {
			if (depth == 0)
				return;
			m->index[--depth]++;
			continue;
		}
		if (++steps > MAX_SEARCH_STEPS) {
			m->stats.search_stopped++;
			return;
		}
		if (already_chosen(m, depth, list->items[m->index[depth]])) {
			m->index[depth]++;
			continue;
		}
		m->chosen[depth] = list->items[m->index[depth]];
		if (depth + 1 < m->nfilters) {
			m->index[++depth] = 0;
			continue;
		}
		m->emit(m->arg, e->key, e->len, m->chosen, m->nfilters);
		m->stats.samples++;
		found++;
		m->index[depth]++;
	}
}

void sample_finish(struct sample_matcher *m)
{
	struct key_entry **sorted;

	if (m->nentries == 0 || m->nfilters == 0)
		return;
	sorted = xcalloc(m->nentries, sizeof(*sorted));
	for (size_t i = 0; i < m->nentries; i++) {
		build_order(m->entries[i]);
		sorted[i] = m->entries[i];
	}
	qsort(sorted, m->nentries, sizeof(*sorted), compare_entries);
	for (size_t i = 0; i < m->nentries; i++)
		emit_key(m, sorted[i]);
	free(sorted);
}

const struct sample_stats *sample_stats(const struct sample_matcher *m)
{
	return &m->stats;
}
