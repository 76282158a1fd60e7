/*
 * Two lints on comparisons with string literals.
 *
 * wildcard-in-equality: ==, != and in (in~, not in) compare strings
 * exactly; Elasticsearch expands * and ? only in : and like (and their
 * lists), so `process.name == "*.exe"` matches the literal text "*.exe".
 *
 * case-sensitive-compare: ==, !=, in, like, regex and the functions with a
 * "~" form (startsWith, endsWith, stringContains, indexOf, between)
 * compare case-sensitively, which misses events on a field whose letter
 * case varies for the same object. On Windows the file system and the
 * registry ignore case and keep whatever case the program that created or
 * opened the object used, so C:\Windows\System32\cmd.exe is also reported
 * as C:\WINDOWS\system32\CMD.EXE. case_fields[] lists the fields this
 * applies to.
 *
 * The lint is about Windows, so platform.c first decides what the query is
 * for. For Windows, every such comparison is checked; for Linux or macOS,
 * none is; for several systems, or when the query does not show, only
 * comparisons with a value that looks like a Windows one (a Windows path, a name ending in
 * .exe or .dll). So `process.name in ("bash", "sh")` next to
 * `process.parent.name == "cmd.exe"` reports only the second.
 *
 * NOTE: macOS volumes (APFS) ignore case by default as well; the lint does
 * not cover macOS: a query that names only macOS is not checked.
 *
 * When both apply to one comparison, only the wildcard finding is made, and
 * its suggestion is case-insensitive.
 */
#include "lint_internal.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "engine/func.h"
#include "platform.h"
#include "render.h"
#include "util/buf.h"
#include "util/xalloc.h"

/* Fields whose letter case varies for one object on Windows (docs/check.md). */
static const char *const case_fields[] = {
	/* File names and paths: NTFS and FAT ignore case. */
	"file.name", "file.path", "file.extension", "file.directory", "file.target_path",
	"file.Ext.original.name", "file.Ext.original.path", "file.Ext.original.extension",
	"dll.name", "dll.path",
	/* Process images are files too. */
	"process.name", "process.executable", "process.working_directory",
	"process.parent.name", "process.parent.executable", "process.parent.working_directory",
	"Effective_process.name", "Effective_process.executable",
	"process.Ext.effective_parent.name", "process.Ext.effective_parent.executable",
	/* Registry key paths and value names: the registry ignores case. */
	"registry.path", "registry.key", "registry.value", "registry.hive",
};

struct compare_lint {
	const struct lint_options *opts;
	struct lint_report *report;
	enum lint_platform platform;
};

static bool in_list(const char *path, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(path, list[i]) == 0)
			return true;
	}
	return false;
}

static bool is_case_field(const struct eql_expr *e)
{
	return e->kind == EQL_EXPR_FIELD &&
	       in_list(e->u.field.path, case_fields, sizeof(case_fields) / sizeof(case_fields[0]));
}

static bool is_string(const struct eql_expr *e)
{
	return e->kind == EQL_EXPR_STRING;
}

/* True when a string literal contains a letter, whose case could differ. */
static bool has_letter(const struct eql_expr *e)
{
	if (!is_string(e))
		return false;
	for (size_t i = 0; i < e->u.string.len; i++) {
		unsigned char c = (unsigned char)e->u.string.ptr[i];

		if (isalpha(c) || c >= 0x80)
			return true;
	}
	return false;
}

/* Whether the case lint applies to a comparison with these literals (see the file comment). */
static bool case_applies(const struct compare_lint *cl, struct eql_expr *const *literals, size_t n)
{
	if (cl->platform != LINT_PLATFORM_MIXED)
		return cl->platform == LINT_PLATFORM_WINDOWS;
	for (size_t i = 0; i < n; i++) {
		if (lint_looks_windows(literals[i]))
			return true;
	}
	return false;
}

/* The character Elasticsearch would expand in : or like, or 0. */
static char wildcard_in(const struct eql_expr *e)
{
	if (!is_string(e))
		return 0;
	if (memchr(e->u.string.ptr, '*', e->u.string.len) != NULL)
		return '*';
	if (memchr(e->u.string.ptr, '?', e->u.string.len) != NULL)
		return '?';
	return 0;
}

/*
 * Renders `subject : (patterns)` (insensitive) or `subject like (patterns)`,
 * under "not" when `negate`.
 */
static void render_match(struct buf *b, struct eql_expr *subject, struct eql_expr *const *patterns,
			 size_t n, bool insensitive, bool negate)
{
	struct eql_expr **args = xcalloc(n + 1, sizeof(*args));
	struct eql_expr match = {
		.kind = EQL_EXPR_MATCH, .op = insensitive ? EQL_OP_SEQ : EQL_OP_LIKE,
		.insensitive = insensitive, .args = args, .nargs = n + 1,
	};
	struct eql_expr *inner[1] = { &match };
	struct eql_expr not = { .kind = EQL_EXPR_NOT, .args = inner, .nargs = 1 };

	args[0] = subject;
	memcpy(args + 1, patterns, n * sizeof(*args));
	lint_render_expr(b, negate ? &not : &match);
	free(args);
}

/* Renders `subject in~ (values)`, or `not in~` when `negate`. */
static void render_in_insensitive(struct buf *b, struct eql_expr *subject,
				  struct eql_expr *const *values, size_t n, bool negate)
{
	struct eql_expr **args = xcalloc(n + 1, sizeof(*args));
	struct eql_expr in = {
		.kind = EQL_EXPR_IN, .insensitive = true, .negated = negate,
		.args = args, .nargs = n + 1,
	};

	args[0] = subject;
	memcpy(args + 1, values, n * sizeof(*args));
	lint_render_expr(b, &in);
	free(args);
}

/* A copy of `e` with the "~" form, rendered. */
static void render_insensitive(struct buf *b, const struct eql_expr *e)
{
	struct eql_expr copy = *e;

	copy.insensitive = true;
	lint_render_expr(b, &copy);
}

static bool all_strings(struct eql_expr *const *items, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!is_string(items[i]))
			return false;
	}
	return true;
}

/* A comparison of a value with string literals, seen as `subject op literals`. */
struct comparison {
	const struct eql_expr *node;
	struct eql_expr *subject;
	struct eql_expr *const *literals;
	size_t nliterals;
	const char *op;     /* as written: "==", "not in", ... */
	bool negated;       /* != and not in */
	bool insensitive;   /* in~ */
};

/* Fills `c` for ==, != and the in forms; false for any other node. */
static bool as_comparison(const struct eql_expr *e, struct comparison *c)
{
	memset(c, 0, sizeof(*c));
	c->node = e;
	if (e->kind == EQL_EXPR_IN) {
		c->subject = e->args[0];
		c->literals = e->args + 1;
		c->nliterals = e->nargs - 1;
		c->negated = e->negated;
		c->insensitive = e->insensitive;
		c->op = e->negated ? (e->insensitive ? "not in~" : "not in")
				   : (e->insensitive ? "in~" : "in");
		return true;
	}
	if (e->kind != EQL_EXPR_COMPARE || (e->op != EQL_OP_EQ && e->op != EQL_OP_NE))
		return false;

	/* The literal may stand on either side; the suggestion puts it on the right. */
	c->subject = is_string(e->args[1]) ? e->args[0] : e->args[1];
	c->literals = is_string(e->args[1]) ? &e->args[1] : &e->args[0];
	c->nliterals = 1;
	c->negated = e->op == EQL_OP_NE;
	c->op = c->negated ? "!=" : "==";
	return is_string(c->literals[0]) && !is_string(c->subject);
}

/* Appends a string literal for a message, cut after about 60 bytes. */
static void quote_literal(struct buf *b, const struct eql_expr *lit)
{
	size_t n = lit->u.string.len;

	if (n > 60) {
		n = 60;
		while (n > 0 && ((unsigned char)lit->u.string.ptr[n] & 0xC0) == 0x80)
			n--;
	}
	lint_render_string(b, lit->u.string.ptr, n);
	if (n < lit->u.string.len)
		buf_puts(b, "...");
}

/* wildcard-in-equality; returns true when it made a finding. */
static bool check_wildcard(struct compare_lint *cl, const struct comparison *c)
{
	const struct eql_expr *lit = NULL;
	struct buf quoted = BUF_INIT, fix = BUF_INIT;
	bool insensitive;
	char wc = 0;

	for (size_t i = 0; i < c->nliterals && lit == NULL; i++) {
		wc = wildcard_in(c->literals[i]);
		if (wc != 0)
			lit = c->literals[i];
	}
	if (lit == NULL)
		return false;

	insensitive = c->insensitive ||
		      (is_case_field(c->subject) && case_applies(cl, c->literals, c->nliterals));
	if (all_strings(c->literals, c->nliterals))
		render_match(&fix, c->subject, c->literals, c->nliterals, insensitive, c->negated);
	quote_literal(&quoted, lit);
	lint_add(cl->report, LINT_WILDCARD_IN_EQUALITY, lit->pos, fix.len ? fix.data : NULL,
		 "'%s' compares strings exactly: Elasticsearch does not expand '%c' there, so %s "
		 "matches only that very text; a pattern needs ':' (case-insensitive) or 'like'",
		 c->op, wc, quoted.data);
	buf_free(&quoted);
	buf_free(&fix);
	return true;
}

static void report_case(struct compare_lint *cl, const struct eql_expr *node,
			const char *op, const struct eql_expr *field, const struct buf *fix)
{
	lint_add(cl->report, LINT_CASE_SENSITIVE, node->pos, fix->len ? fix->data : NULL,
		 "'%s' is case-sensitive, but the letter case of %s varies on Windows, where "
		 "file names and registry keys ignore case (cmd.exe is also CMD.EXE): a value "
		 "spelt in another case does not match", op, field->u.field.path);
}

/* case-sensitive-compare for ==, != and in. */
static void check_case_comparison(struct compare_lint *cl, const struct comparison *c)
{
	struct buf fix = BUF_INIT;
	bool letters = false;

	if (c->insensitive || !is_case_field(c->subject) ||
	    !case_applies(cl, c->literals, c->nliterals))
		return;
	for (size_t i = 0; i < c->nliterals; i++)
		letters = letters || has_letter(c->literals[i]);
	if (!letters)
		return;

	/* ':' would expand a '*' or '?' in the literal; in~ compares exactly. */
	if (c->node->kind == EQL_EXPR_COMPARE && wildcard_in(c->literals[0]) == 0)
		render_match(&fix, c->subject, c->literals, 1, true, c->negated);
	else
		render_in_insensitive(&fix, c->subject, c->literals, c->nliterals, c->negated);
	report_case(cl, c->node, c->op, c->subject, &fix);
	buf_free(&fix);
}

/* case-sensitive-compare for like, regex and the functions with a "~" form. */
static void check_case_other(struct compare_lint *cl, const struct eql_expr *e)
{
	const struct func_def *f;
	struct buf fix = BUF_INIT;
	bool letters = false;
	const char *op;

	if (e->insensitive || e->nargs < 2 || !is_case_field(e->args[0]))
		return;
	if (e->kind == EQL_EXPR_MATCH && e->op != EQL_OP_SEQ) {
		op = e->op == EQL_OP_LIKE ? "like" : "regex";
	} else if (e->kind == EQL_EXPR_CALL) {
		f = func_lookup(e->u.function);
		if (f == NULL || !f->case_aware)
			return;
		op = f->name;
	} else {
		return;
	}
	for (size_t i = 1; i < e->nargs; i++)
		letters = letters || has_letter(e->args[i]);
	if (!letters || !case_applies(cl, e->args + 1, e->nargs - 1))
		return;

	render_insensitive(&fix, e);
	report_case(cl, e, op, e->args[0], &fix);
	buf_free(&fix);
}

static void check_node(const struct eql_expr *e, void *arg)
{
	struct compare_lint *cl = arg;
	struct comparison c;
	bool wildcard = false;

	if (as_comparison(e, &c)) {
		if (!cl->opts->skip[LINT_WILDCARD_IN_EQUALITY])
			wildcard = check_wildcard(cl, &c);
		if (!wildcard && !cl->opts->skip[LINT_CASE_SENSITIVE])
			check_case_comparison(cl, &c);
		return;
	}
	if (!cl->opts->skip[LINT_CASE_SENSITIVE])
		check_case_other(cl, e);
}

void lint_compare(const struct eql_query *q, const struct lint_options *opts,
		  struct lint_report *r)
{
	struct compare_lint cl = { .opts = opts, .report = r };

	cl.platform = lint_platform_of(q);
	lint_walk(q, check_node, &cl);
}
