#include "strmap.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

/* A removed entry keeps its slot so that probe chains stay intact. */
static char tombstone_key;
#define TOMBSTONE (&tombstone_key)

/* FNV-1a, 64-bit: short keys, no adversarial input worth a keyed hash. */
uint64_t strmap_hash(const char *key, size_t len)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)key[i];
		h *= 1099511628211ull;
	}
	return h;
}

void strmap_init(struct strmap *m)
{
	memset(m, 0, sizeof(*m));
}

void strmap_free(struct strmap *m)
{
	for (size_t i = 0; i < m->cap; i++) {
		if (m->slots[i].key != NULL && m->slots[i].key != TOMBSTONE)
			free(m->slots[i].key);
	}
	free(m->slots);
	memset(m, 0, sizeof(*m));
}

static struct strmap_entry *probe(const struct strmap *m, const char *key,
				  size_t len, uint64_t hash, bool *found)
{
	size_t mask = m->cap - 1;
	struct strmap_entry *reuse = NULL;

	for (size_t i = hash & mask;; i = (i + 1) & mask) {
		struct strmap_entry *e = &m->slots[i];

		if (e->key == NULL) {
			*found = false;
			return reuse ? reuse : e;
		}
		if (e->key == TOMBSTONE) {
			if (reuse == NULL)
				reuse = e;
			continue;
		}
		if (e->hash == hash && e->len == len && memcmp(e->key, key, len) == 0) {
			*found = true;
			return e;
		}
	}
}

static void rehash(struct strmap *m, size_t cap)
{
	struct strmap_entry *old = m->slots;
	size_t old_cap = m->cap;

	m->slots = xcalloc(cap, sizeof(*m->slots));
	m->cap = cap;
	m->tombstones = 0;
	for (size_t i = 0; i < old_cap; i++) {
		bool found;
		struct strmap_entry *e;

		if (old[i].key == NULL || old[i].key == TOMBSTONE)
			continue;
		e = probe(m, old[i].key, old[i].len, old[i].hash, &found);
		*e = old[i];
	}
	free(old);
}

void **strmap_upsert(struct strmap *m, const char *key, size_t len)
{
	uint64_t hash = strmap_hash(key, len);
	struct strmap_entry *e;
	bool found;

	if ((m->count + m->tombstones + 1) * 4 >= m->cap * 3)
		rehash(m, m->cap < 16 ? 16 : (m->count * 4 >= m->cap ? m->cap * 2 : m->cap));
	e = probe(m, key, len, hash, &found);
	if (found)
		return &e->value;

	if (e->key == TOMBSTONE)
		m->tombstones--;
	e->key = xstrndup(key, len);
	e->len = len;
	e->hash = hash;
	e->value = NULL;
	m->count++;
	return &e->value;
}

void *strmap_get(const struct strmap *m, const char *key, size_t len)
{
	struct strmap_entry *e;
	bool found;

	if (m->count == 0)
		return NULL;
	e = probe(m, key, len, strmap_hash(key, len), &found);
	return found ? e->value : NULL;
}

void *strmap_remove(struct strmap *m, const char *key, size_t len)
{
	struct strmap_entry *e;
	void *value;
	bool found;

	if (m->count == 0)
		return NULL;
	e = probe(m, key, len, strmap_hash(key, len), &found);
	if (!found)
		return NULL;

	value = e->value;
	free(e->key);
	e->key = TOMBSTONE;
	e->value = NULL;
	m->count--;
	m->tombstones++;
	return value;
}

void strmap_each(const struct strmap *m,
		 void (*fn)(const char *key, size_t len, void *value, void *arg),
		 void *arg)
{
	for (size_t i = 0; i < m->cap; i++) {
		const struct strmap_entry *e = &m->slots[i];

		if (e->key != NULL && e->key != TOMBSTONE)
			fn(e->key, e->len, e->value, arg);
	}
}
