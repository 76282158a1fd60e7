#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "util/arena.h"

static void arena_alloc_zeroed_and_aligned(void **state)
{
	struct arena a;

	(void)state;
	arena_init(&a, 64);
	for (int i = 0; i < 100; i++) {
		unsigned char *p = arena_alloc(&a, (size_t)i + 1);

		assert_int_equal((uintptr_t)p % _Alignof(max_align_t), 0);
		for (int j = 0; j <= i; j++)
			assert_int_equal(p[j], 0);
		memset(p, 0xab, (size_t)i + 1);
	}
	arena_free(&a);
}

static void arena_large_allocation(void **state)
{
	struct arena a;
	char *big;

	(void)state;
	arena_init(&a, 16);
	big = arena_alloc(&a, 100000);
	memset(big, 1, 100000);
	assert_string_equal(arena_strndup(&a, "abcdef", 3), "abc");
	arena_free(&a);
}

static void arena_reset_reuses(void **state)
{
	struct arena a;

	(void)state;
	arena_init(&a, 128);
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 50; i++)
			arena_alloc(&a, 40);
		arena_reset(&a);
	}
	assert_non_null(arena_alloc(&a, 8));
	arena_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(arena_alloc_zeroed_and_aligned),
		cmocka_unit_test(arena_large_allocation),
		cmocka_unit_test(arena_reset_reuses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
