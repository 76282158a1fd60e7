/*
 * Hash map from byte-string keys to pointers, with open addressing.
 *
 * Ownership: the map copies each key on insertion and frees the copies in
 * strmap_free(); the values are the caller's.
 */
#ifndef SW_STRMAP_H
#define SW_STRMAP_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

struct strmap_entry {
	char *key; /* NULL for an empty slot */
	size_t len;
	uint64_t hash;
	void *value;
};

struct strmap {
	struct strmap_entry *slots;
	size_t cap; /* a power of two */
	size_t count;
	size_t tombstones;
};

void strmap_init(struct strmap *m);
void strmap_free(struct strmap *m);
/* Returns the value slot for `key`, inserting a NULL value when absent. */
void **strmap_upsert(struct strmap *m, const char *key, size_t len);
void *strmap_get(const struct strmap *m, const char *key, size_t len);
/* Removes `key`; returns its value or NULL. */
void *strmap_remove(struct strmap *m, const char *key, size_t len);

/* Calls `fn` for each entry; `fn` may not change the map. */
void strmap_each(const struct strmap *m,
		 void (*fn)(const char *key, size_t len, void *value, void *arg),
		 void *arg);

uint64_t strmap_hash(const char *key, size_t len);

#endif
