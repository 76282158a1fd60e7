/*
 * Diagnostics on stderr, in the form "sitewatch: message". Location-bearing
 * messages read "sitewatch: FILE:LINE: message".
 */
#ifndef SW_DIAG_H
#define SW_DIAG_H

#include <stddef.h>

void diag_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void diag_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void diag_at(const char *file, size_t line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
