#include "diag.h"

#include <stdarg.h>
#include <stdio.h>

void diag_error(const char *fmt, ...)
{
	va_list ap;

	fputs("sitewatch: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void diag_warn(const char *fmt, ...)
{
	va_list ap;

	fputs("sitewatch: warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void diag_at(const char *file, size_t line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "sitewatch: %s:%zu: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
