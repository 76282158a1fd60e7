/*
 * Growable byte buffer. The caller owns the struct; buf_free() releases the
 * bytes. `data` is always NUL-terminated after any append, so it can be
 * printed as a C string when it holds no NUL bytes.
 */
#ifndef SW_BUF_H
#define SW_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *data;
	size_t len;
	size_t cap;
};

#define BUF_INIT { NULL, 0, 0 }

void buf_reserve(struct buf *b, size_t extra);
void buf_append(struct buf *b, const void *data, size_t len);
void buf_putc(struct buf *b, char c);
void buf_puts(struct buf *b, const char *s);
void buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0), nonnull(2)));
/* Appends `s` as a JSON string literal, quotes included. */
void buf_json_string(struct buf *b, const char *s, size_t len);
void buf_clear(struct buf *b);
void buf_free(struct buf *b);
/* Hands the bytes to the caller (free() them) and leaves the buffer empty. */
char *buf_detach(struct buf *b);

#endif
