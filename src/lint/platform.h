/*
 * What operating system a query is written for, as far as its text shows.
 * The case lint uses it: letter case varies on Windows, not on Linux.
 *
 * Ownership: nothing is allocated; results point into nothing.
 */
#ifndef SW_LINT_PLATFORM_H
#define SW_LINT_PLATFORM_H

#include <stdbool.h>

#include "eql/ast.h"

enum lint_platform {
	LINT_PLATFORM_OTHER,   /* Linux or macOS only */
	LINT_PLATFORM_MIXED,   /* cross-platform, or unknown */
	LINT_PLATFORM_WINDOWS, /* Windows only */
};

/*
 * Decides from, in this order:
 * - pins: a condition that every event of a clause must meet, that is a
 *   term of the clause's top-level `and`, comparing host.os.type,
 *   host.os.platform or host.os.family with literals. "windows" only:
 *   WINDOWS; other systems only (or != "windows"): OTHER; both: MIXED.
 * - hints, when nothing is pinned: a registry event or field, a winlog
 *   field, or a value that is a Windows path (a drive letter, or a
 *   backslash before a path character) show Windows; a Unix path (two
 *   slashes, not a URL) shows Linux or macOS; an OS comparison under `or`
 *   or `not` shows both. Windows hints alone: WINDOWS; else MIXED.
 *   Regular expressions give no hint: their backslashes are escapes.
 */
enum lint_platform lint_platform_of(const struct eql_query *q);

/* A string literal that is a Windows path or a name ending in .exe or .dll. */
bool lint_looks_windows(const struct eql_expr *e);

#endif
