#include "litdict.h"

#include <stdlib.h>
#include <string.h>

#include "../util/xalloc.h"
#include "litset.h"

/*
 * Anchors are 4 bytes, or 3 for a needle of 3 bytes, each byte with the
 * 0x20 bit set, read as a big-endian number. No such byte is 0, so a
 * 3-byte key is below 2^24 and a 4-byte key is not.
 */
#define ANCHOR_MAX 4
/* The bitmap of anchor hashes: 2^17 bits, 16 KB. */
#define BLOOM_LOG 17
#define BLOOM_WORDS ((1u << BLOOM_LOG) / 64)

struct dneedle {
	char *s;
	size_t n;
	bool insensitive;
	uint64_t tags;
	uint32_t key;        /* its anchor */
	size_t at;           /* offset of the anchor in the needle */
};

/*
 * A needle as the scan compares it at an anchor hit. The probes are in one
 * array sorted by the anchor's bitmap bit, and the needles' bytes in one
 * block in the same order, so that the cache lines one hit reads lie
 * together.
 */
struct probe {
	uint32_t key;
	uint32_t id;
	uint32_t at;
	uint32_t n;
	const char *s;       /* in `pool` */
	bool insensitive;
	uint64_t tags;
};

struct litdict {
	struct dneedle *needles;
	size_t n, cap;
	uint32_t *by_text;   /* needle ids by text hash, for litdict_add(); UINT32_MAX empty */
	size_t text_cap;     /* a power of two, kept at most half full */

	/*
	 * The needles whose anchor hashes to the k-th set bit of the bitmap
	 * are probes[bucket[k] .. bucket[k + 1]); rank[w] counts the set bits
	 * of the words before word w.
	 */
	uint64_t bloom[BLOOM_WORDS];
	uint32_t rank[BLOOM_WORDS];
	uint32_t *bucket;
	struct probe *probes;
	char *pool;
	bool has_short;      /* some needle has a 3-byte anchor */
	bool insensitive;    /* some needle is */
};

struct litdict *litdict_new(void)
{
	return xcalloc(1, sizeof(struct litdict));
}

/* ---- adding needles ---- */

static uint64_t text_hash(const char *s, size_t n, bool insensitive)
{
	uint64_t h = insensitive ? 0x9ae16a3b2f90404full : 0xcbf29ce484222325ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
	return h;
}

static bool same_needle(const struct dneedle *needle, const char *s, size_t n, bool insensitive)
{
	return needle->n == n && needle->insensitive == insensitive && memcmp(needle->s, s, n) == 0;
}

/* Rebuilds the text table at twice the size. */
static void grow_text_table(struct litdict *dict)
{
	size_t cap = dict->text_cap ? dict->text_cap * 2 : 64;

	free(dict->by_text);
	dict->by_text = xmalloc(cap * sizeof(*dict->by_text));
	memset(dict->by_text, 0xff, cap * sizeof(*dict->by_text));
	dict->text_cap = cap;
	for (uint32_t id = 0; id < dict->n; id++) {
		const struct dneedle *needle = &dict->needles[id];
		size_t i = text_hash(needle->s, needle->n, needle->insensitive) & (cap - 1);

		while (dict->by_text[i] != UINT32_MAX)
			i = (i + 1) & (cap - 1);
		dict->by_text[i] = id;
	}
}

uint32_t litdict_add(struct litdict *dict, const char *s, size_t n, bool insensitive,
		     uint64_t tags)
{
	size_t i;
	struct dneedle *needle;

	if (2 * (dict->n + 1) > dict->text_cap)
		grow_text_table(dict);
	i = text_hash(s, n, insensitive) & (dict->text_cap - 1);
	for (; dict->by_text[i] != UINT32_MAX; i = (i + 1) & (dict->text_cap - 1))
		if (same_needle(&dict->needles[dict->by_text[i]], s, n, insensitive)) {
			dict->needles[dict->by_text[i]].tags |= tags;
			return dict->by_text[i];
		}
	if (dict->n >= LITDICT_MAX_NEEDLES)
		return LITDICT_FULL;

	dict->needles = xgrow(dict->needles, &dict->cap, dict->n + 1, sizeof(*dict->needles));
	needle = &dict->needles[dict->n];
	memset(needle, 0, sizeof(*needle));
	needle->s = xstrndup(s, n);
	needle->n = n;
	needle->insensitive = insensitive;
	needle->tags = tags;
	dict->insensitive |= insensitive;
	dict->by_text[i] = (uint32_t)dict->n;
	return (uint32_t)dict->n++;
}

size_t litdict_count(const struct litdict *dict)
{
	return dict->n;
}

const char *litdict_needle(const struct litdict *dict, uint32_t id, size_t *n, bool *insensitive)
{
	*n = dict->needles[id].n;
	*insensitive = dict->needles[id].insensitive;
	return dict->needles[id].s;
}

/* ---- anchors ---- */

static uint32_t key_at(const char *s, size_t len)
{
	uint32_t k = 0;

	for (size_t i = 0; i < len; i++)
		k = (k << 8) | ((unsigned char)s[i] | 0x20);
	return k;
}

/*
 * Anchors chosen so far, counted by key, while sealing: a key that many
 * needles share (".exe" names share "t.ex") makes every occurrence of it
 * in the text cost a comparison per needle.
 */
struct key_uses {
	uint32_t *keys;      /* 0: empty */
	uint32_t *uses;
	size_t mask;
};

static uint32_t *uses_of(struct key_uses *counts, uint32_t key)
{
	size_t i = ((uint32_t)(key * 0x85ebca6bu) ^ (key >> 13)) & counts->mask;

	while (counts->keys[i] != 0 && counts->keys[i] != key)
		i = (i + 1) & counts->mask;
	counts->keys[i] = key;
	return &counts->uses[i];
}

/*
 * The window of the needle that should give the fewest comparisons: rare
 * bytes by lit_byte_weight(), on a key few other needles use.
 */
static void choose_anchor(struct dneedle *needle, struct key_uses *counts)
{
	size_t len = needle->n < ANCHOR_MAX ? needle->n : ANCHOR_MAX;
	uint64_t best = 0;

	for (size_t k = 0; k + len <= needle->n; k++) {
		uint64_t w = 1 + *uses_of(counts, key_at(needle->s + k, len));

		for (size_t i = 0; i < len; i++)
			w *= lit_byte_weight((unsigned char)needle->s[k + i]);
		if (k == 0 || w < best) {
			best = w;
			needle->at = k;
		}
	}
	needle->key = key_at(needle->s + needle->at, len);
	(*uses_of(counts, needle->key))++;
}

static size_t bloom_bit(uint32_t key)
{
	return (uint32_t)(key * 0x9e3779b1u) >> (32 - BLOOM_LOG);
}

static const struct litdict *sort_dict;

/* Needle ids by the bitmap bit of their anchor, then by anchor. */
static int by_bit(const void *x, const void *y)
{
	const struct dneedle *a = &sort_dict->needles[*(const uint32_t *)x];
	const struct dneedle *b = &sort_dict->needles[*(const uint32_t *)y];
	size_t ba = bloom_bit(a->key), bb = bloom_bit(b->key);

	if (ba != bb)
		return ba < bb ? -1 : 1;
	return a->key < b->key ? -1 : a->key > b->key;
}

static uint32_t *ids_by_bit(struct litdict *dict)
{
	uint32_t *ids = xcalloc(dict->n + 1, sizeof(*ids));

	for (uint32_t id = 0; id < dict->n; id++)
		ids[id] = id;
	/* qsort takes no context argument; sealing is set-up, done on one thread. */
	sort_dict = dict;
	qsort(ids, dict->n, sizeof(*ids), by_bit);
	sort_dict = NULL;
	return ids;
}

/* Lays the needles out as probes and buckets, in the order of their bitmap bits. */
static void build_probes(struct litdict *dict)
{
	uint32_t *ids = ids_by_bit(dict);
	size_t pool_len = 0, at = 0, nbits = 0, last = SIZE_MAX;

	for (size_t i = 0; i < dict->n; i++)
		pool_len += dict->needles[i].n;
	dict->pool = xmalloc(pool_len + 1);
	dict->probes = xcalloc(dict->n + 1, sizeof(*dict->probes));
	dict->bucket = xcalloc(dict->n + 2, sizeof(*dict->bucket));
	for (size_t i = 0; i < dict->n; i++) {
		const struct dneedle *needle = &dict->needles[ids[i]];
		struct probe *p = &dict->probes[i];
		size_t bit = bloom_bit(needle->key);

		memcpy(dict->pool + at, needle->s, needle->n);
		*p = (struct probe){ needle->key, ids[i], (uint32_t)needle->at, (uint32_t)needle->n,
				     dict->pool + at, needle->insensitive, needle->tags };
		at += needle->n;
		if (bit != last)
			dict->bucket[nbits++] = (uint32_t)i;
		last = bit;
		dict->bloom[bit / 64] |= 1ull << (bit % 64);
	}
	dict->bucket[nbits] = (uint32_t)dict->n;
	for (size_t w = 1; w < BLOOM_WORDS; w++)
		dict->rank[w] = dict->rank[w - 1] +
				(uint32_t)__builtin_popcountll(dict->bloom[w - 1]);
	free(ids);
}

void litdict_seal(struct litdict *dict)
{
	struct key_uses counts;
	size_t cap = 16, windows = 0;

	for (size_t i = 0; i < dict->n; i++)
		windows += dict->needles[i].n;
	while (cap < 2 * windows)
		cap *= 2;
	counts.keys = xcalloc(cap, sizeof(*counts.keys));
	counts.uses = xcalloc(cap, sizeof(*counts.uses));
	counts.mask = cap - 1;
	for (size_t i = 0; i < dict->n; i++) {
		choose_anchor(&dict->needles[i], &counts);
		dict->has_short |= dict->needles[i].n < ANCHOR_MAX;
	}
	free(counts.keys);
	free(counts.uses);
	build_probes(dict);
	free(dict->by_text);
	dict->by_text = NULL;
	dict->text_cap = 0;
}

/* ---- scanning ---- */

/*
 * The set bits of `word` below bit `bit`. The bitmap is sparse (a few
 * thousand bits of 2^17), so clearing them one by one takes a step or two
 * where x86-64 has no popcount instruction by default.
 */
static size_t bits_below(uint64_t word, size_t bit)
{
	uint64_t x = word & ((1ull << bit) - 1);
	size_t count = 0;

	for (; x != 0; x &= x - 1)
		count++;
	return count;
}

static bool probe_at(const struct probe *p, const char *text, size_t n, size_t anchor_pos)
{
	const unsigned char *t;

	if (anchor_pos < p->at || anchor_pos - p->at + p->n > n)
		return false;
	t = (const unsigned char *)text + anchor_pos - p->at;
	if (!p->insensitive)
		return memcmp(t, p->s, p->n) == 0;
	for (size_t i = 0; i < p->n; i++) {
		unsigned char c = t[i];

		if ((c >= 'A' && c <= 'Z' ? c | 0x20 : c) != (unsigned char)p->s[i])
			return false;
	}
	return true;
}

/*
 * The anchor `key` of `len` bytes, whose bitmap bit is set, may end at
 * text[end]: reports the needles found there.
 */
static void check_anchor(const struct litdict *dict, uint32_t key, size_t len, const char *text,
			 size_t n, size_t end, const struct litdict_sink *to)
{
	size_t b = bloom_bit(key), w = b / 64;
	size_t k = dict->rank[w] + bits_below(dict->bloom[w], b % 64);

	/* Before the text's 4th byte, a key of 3 bytes would pass for a 4-byte one. */
	if (end + 1 < len)
		return;

	for (uint32_t i = dict->bucket[k]; i < dict->bucket[k + 1]; i++) {
		const struct probe *p = &dict->probes[i];

		if (p->key != key || (p->tags & to->tags) == 0)
			continue;
		if (to->seen != NULL && to->seen[p->id] == to->epoch)
			continue;
		if (probe_at(p, text, n, end + 1 - len))
			to->hit(to->arg, p->id);
	}
}

static bool bloom_has(const struct litdict *dict, uint32_t key)
{
	size_t b = bloom_bit(key);

	return (dict->bloom[b / 64] >> (b % 64)) & 1;
}

unsigned litdict_scan(const struct litdict *dict, const char *text, size_t n,
		      const struct litdict_sink *to)
{
	const unsigned char *t = (const unsigned char *)text;
	unsigned char high = 0;
	uint32_t key = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = t[i];

		if (c == '\\' && i + 1 < n && t[i + 1] == 'u' && lit_opens_escape(text, i))
			return LITDICT_ESCAPE;
		high |= c;
		key = (key << 8) | (c | 0x20u);
		if (bloom_has(dict, key))
			check_anchor(dict, key, 4, text, n, i, to);
		if (dict->has_short && bloom_has(dict, key & 0xffffffu))
			check_anchor(dict, key & 0xffffffu, 3, text, n, i, to);
	}
	if (dict->insensitive && (high & 0x80) && lit_has_fold_danger(text, n))
		return LITDICT_FOLD;
	return 0;
}

void litdict_free(struct litdict *dict)
{
	if (dict == NULL)
		return;
	for (size_t i = 0; i < dict->n; i++)
		free(dict->needles[i].s);
	free(dict->needles);
	free(dict->by_text);
	free(dict->bucket);
	free(dict->probes);
	free(dict->pool);
	free(dict);
}
