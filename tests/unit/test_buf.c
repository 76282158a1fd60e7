#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/buf.h"

static void buf_append_and_printf(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	buf_puts(&b, "a");
	buf_printf(&b, "%d-%s", 42, "x");
	buf_putc(&b, '!');
	assert_string_equal(b.data, "a42-x!");
	assert_int_equal(b.len, 6);
	buf_free(&b);
}

static void buf_json_string_escapes(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	buf_json_string(&b, "a\"b\\c\n\x01", 7);
	assert_string_equal(b.data, "\"a\\\"b\\\\c\\n\\u0001\"");
	buf_free(&b);
}

static void buf_detach_empty(void **state)
{
	struct buf b = BUF_INIT;
	char *s;

	(void)state;
	s = buf_detach(&b);
	assert_string_equal(s, "");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(buf_append_and_printf),
		cmocka_unit_test(buf_json_string_escapes),
		cmocka_unit_test(buf_detach_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
