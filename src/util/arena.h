/*
 * Bump allocator. Everything allocated from an arena is freed together by
 * arena_free() (or reused after arena_reset()); nothing in it is freed alone.
 * Parse trees and per-event scratch values live in arenas.
 */
#ifndef SW_ARENA_H
#define SW_ARENA_H

#include <stddef.h>

struct arena_block;

struct arena {
	struct arena_block *head;
	size_t block_size;
};

void arena_init(struct arena *a, size_t block_size);
/* Returns zeroed memory aligned for any type. */
void *arena_alloc(struct arena *a, size_t size);
char *arena_strndup(struct arena *a, const char *s, size_t len);
/* Keeps the first block and forgets every allocation. */
void arena_reset(struct arena *a);
void arena_free(struct arena *a);

#endif
