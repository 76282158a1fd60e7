/*
 * The platform a query is for (platform.h): pins from the top-level `and`
 * of each clause, hints from everything else.
 */
#include "platform.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "lint_internal.h"

static const char *const os_fields[] = { "host.os.type", "host.os.platform", "host.os.family" };

struct platform_scan {
	bool pinned_windows;
	bool pinned_other;
	bool windows_hint;
	bool unix_hint;
	const struct eql_expr *regex; /* the last regex node seen, whose patterns give no hint */
};

static bool is_string(const struct eql_expr *e)
{
	return e->kind == EQL_EXPR_STRING;
}

static bool contains_ci(const struct eql_expr *lit, const char *word)
{
	size_t n = strlen(word);

	for (size_t i = 0; i + n <= lit->u.string.len; i++) {
		if (strncasecmp(lit->u.string.ptr + i, word, n) == 0)
			return true;
	}
	return false;
}

static bool ends_with_ci(const struct eql_expr *lit, const char *suffix)
{
	size_t n = strlen(suffix), len = lit->u.string.len;

	return len >= n && strncasecmp(lit->u.string.ptr + len - n, suffix, n) == 0;
}

/* A character that starts a path segment: C:\Windows, *\AppData, \\?\, %SystemRoot%, {GUID}. */
static bool starts_segment(char c)
{
	return isalnum((unsigned char)c) || strchr("_$%*?{\\", c) != NULL;
}

/* A drive letter ("C:", "?:"), or a backslash before a path segment. */
static bool looks_windows_path(const struct eql_expr *lit)
{
	const char *s = lit->u.string.ptr;
	size_t len = lit->u.string.len;

	if (!is_string(lit))
		return false;
	if (len >= 2 && (isalpha((unsigned char)s[0]) || s[0] == '?') && s[1] == ':' &&
	    (len == 2 || s[2] == '\\'))
		return true;
	for (size_t i = 0; i + 1 < len; i++) {
		if (s[i] == '\\' && starts_segment(s[i + 1]))
			return true;
	}
	return false;
}

bool lint_looks_windows(const struct eql_expr *e)
{
	return looks_windows_path(e) ||
	       (is_string(e) && (ends_with_ci(e, ".exe") || ends_with_ci(e, ".dll")));
}

/* Two slashes at least and no backslash; the "://" of a URL does not count. */
static bool looks_unix_path(const struct eql_expr *lit)
{
	const char *s = lit->u.string.ptr;
	size_t len = lit->u.string.len;
	const char *slash;

	if (!is_string(lit) || memchr(s, '\\', len) != NULL || contains_ci(lit, "://"))
		return false;
	slash = memchr(s, '/', len);
	return slash != NULL && memchr(slash + 1, '/', len - (size_t)(slash + 1 - s)) != NULL;
}

/*
 * For host.os.type == "linux" and its kin, sets *windows and *other to
 * whether the comparison admits Windows and other systems; false for any
 * other node.
 */
static bool os_comparison(const struct eql_expr *e, bool *windows, bool *other)
{
	bool negative = (e->kind == EQL_EXPR_COMPARE && e->op == EQL_OP_NE) ||
			(e->kind == EQL_EXPR_IN && e->negated);

	if (e->kind != EQL_EXPR_COMPARE && e->kind != EQL_EXPR_IN && e->kind != EQL_EXPR_MATCH)
		return false;
	if (e->kind == EQL_EXPR_COMPARE && e->op != EQL_OP_EQ && e->op != EQL_OP_NE)
		return false;
	if (e->args[0]->kind != EQL_EXPR_FIELD)
		return false;
	for (size_t i = 0; i < sizeof(os_fields) / sizeof(os_fields[0]); i++) {
		if (strcmp(e->args[0]->u.field.path, os_fields[i]) != 0)
			continue;
		*windows = *other = false;
		for (size_t j = 1; j < e->nargs; j++) {
			bool names_windows = is_string(e->args[j]) && contains_ci(e->args[j], "windows");

			/* != "windows" admits the other systems, while != "linux" does not exclude Windows. */
			if (negative)
				*other = *other || names_windows;
			else if (names_windows)
				*windows = true;
			else if (is_string(e->args[j]))
				*other = true;
		}
		return true;
	}
	return false;
}

/* Walks the terms of a clause's top-level `and`, noting OS pins. */
static void scan_pins(struct platform_scan *ps, const struct eql_expr *e)
{
	bool windows, other;

	if (e->kind == EQL_EXPR_AND) {
		scan_pins(ps, e->args[0]);
		scan_pins(ps, e->args[1]);
		return;
	}
	if (os_comparison(e, &windows, &other)) {
		ps->pinned_windows = ps->pinned_windows || windows;
		ps->pinned_other = ps->pinned_other || other;
	}
}

static void scan_hints(const struct eql_expr *e, void *arg)
{
	struct platform_scan *ps = arg;
	bool windows, other;

	if (e->kind == EQL_EXPR_MATCH && e->op == EQL_OP_REGEX)
		ps->regex = e;
	/*
	 * An OS test that is no pin sits under `or` or `not`: the query
	 * handles that system and at least one other, so it is cross-platform.
	 */
	if (os_comparison(e, &windows, &other)) {
		ps->windows_hint = true;
		ps->unix_hint = true;
	}
	if (e->kind == EQL_EXPR_FIELD) {
		const char *path = e->u.field.path;

		if (strncmp(path, "registry.", 9) == 0 || strncmp(path, "winlog.", 7) == 0)
			ps->windows_hint = true;
	}
	if (!is_string(e))
		return;
	/* Patterns are visited right after their regex node, so ps->regex is it. */
	for (size_t i = 1; ps->regex != NULL && i < ps->regex->nargs; i++) {
		if (ps->regex->args[i] == e)
			return;
	}
	ps->windows_hint = ps->windows_hint || looks_windows_path(e);
	ps->unix_hint = ps->unix_hint || looks_unix_path(e);
}

static bool is_registry_clause(const struct eql_clause *c)
{
	return c != NULL && c->category.ptr != NULL && strcmp(c->category.ptr, "registry") == 0;
}

enum lint_platform lint_platform_of(const struct eql_query *q)
{
	struct platform_scan ps = { 0 };

	for (size_t i = 0; i < q->nclauses; i++) {
		if (q->clauses[i].where != NULL)
			scan_pins(&ps, q->clauses[i].where);
		ps.windows_hint = ps.windows_hint || is_registry_clause(&q->clauses[i]);
	}
	ps.windows_hint = ps.windows_hint || is_registry_clause(q->until);

	if (ps.pinned_windows || ps.pinned_other) {
		if (!ps.pinned_windows)
			return LINT_PLATFORM_OTHER;
		return ps.pinned_other ? LINT_PLATFORM_MIXED : LINT_PLATFORM_WINDOWS;
	}
	lint_walk(q, scan_hints, &ps);
	return ps.windows_hint && !ps.unix_hint ? LINT_PLATFORM_WINDOWS : LINT_PLATFORM_MIXED;
}
