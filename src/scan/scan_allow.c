/*
 * Allowlist and baseline: see scan_allow.h.
 */
#include "scan_allow.h"

#include <fnmatch.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scan_hash.h"
#include "util/diag.h"
#include "util/json.h"
#include "util/xalloc.h"

static bool is_hex64(const char *s, size_t len)
{
	if (len != 64)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') ||
		      (s[i] >= 'A' && s[i] <= 'F')))
			return false;
	}
	return true;
}

/* One entry line, comments and blanks already removed. */
static bool allow_line(struct scan_allow *a, const char *name, size_t lineno, const char *p,
		       const char *end)
{
	size_t hlen = strcspn(p, " \t");
	struct scan_allow_entry *e;
	const char *pat;
	struct buf where = BUF_INIT;

	if (hlen > (size_t)(end - p))
		hlen = (size_t)(end - p);
	if (!is_hex64(p, hlen)) {
		diag_at(name, lineno, "'%.*s' is not a SHA-256 digest (64 hex digits); write "
			"\"SHA256 [PATH-PATTERN]\"", (int)hlen, p);
		return false;
	}
	a->v = xgrow(a->v, &a->cap, a->n + 1, sizeof(*a->v));
	e = &a->v[a->n++];
	for (size_t i = 0; i < 64; i++)
		e->sha256[i] = (char)(p[i] >= 'A' && p[i] <= 'F' ? p[i] + 32 : p[i]);
	e->sha256[64] = '\0';
	pat = p + hlen;
	while (pat < end && (*pat == ' ' || *pat == '\t'))
		pat++;
	e->pattern = pat < end ? xstrndup(pat, (size_t)(end - pat)) : NULL;
	buf_printf(&where, "%s:%zu", name, lineno);
	e->where = buf_detach(&where);
	return true;
}

bool scan_allow_parse(struct scan_allow *a, const char *name, const char *text, size_t len)
{
	const char *p = text, *stop = text + len;
	size_t lineno = 0;

	memset(a, 0, sizeof(*a));
	while (p < stop) {
		const char *nl = memchr(p, '\n', (size_t)(stop - p));
		const char *end = nl ? nl : stop;
		const char *hash = memchr(p, '#', (size_t)(end - p));
		const char *q = p;

		lineno++;
		if (hash)
			end = hash;
		while (end > q && strchr(" \t\r", end[-1]))
			end--;
		while (q < end && (*q == ' ' || *q == '\t'))
			q++;
		if (q < end && !allow_line(a, name, lineno, q, end))
			return false;
		p = nl ? nl + 1 : stop;
	}
	return true;
}

const struct scan_allow_entry *scan_allow_match(const struct scan_allow *a, const char *sha256,
						 const char *path)
{
	for (size_t i = 0; i < a->n && sha256[0]; i++) {
		if (strcmp(a->v[i].sha256, sha256) == 0 &&
		    (a->v[i].pattern == NULL || fnmatch(a->v[i].pattern, path, 0) == 0))
			return &a->v[i];
	}
	return NULL;
}

void scan_allow_free(struct scan_allow *a)
{
	for (size_t i = 0; i < a->n; i++) {
		free(a->v[i].pattern);
		free(a->v[i].where);
	}
	free(a->v);
	memset(a, 0, sizeof(*a));
}

void scan_fingerprint(struct scan_finding *f)
{
	struct buf b = BUF_INIT;
	char hex[65];

	buf_puts(&b, f->kind);
	buf_putc(&b, '\0');
	buf_puts(&b, f->path);
	buf_putc(&b, '\0');
	if (f->has_line && f->text)
		buf_append(&b, f->text, f->text_len);
	else if (f->sha256[0])
		buf_puts(&b, f->sha256);
	else if (f->text)
		buf_append(&b, f->text, f->text_len);
	else if (f->reasons.data)
		buf_puts(&b, f->reasons.data);
	if (f->module_digests.len > 0) {
		buf_putc(&b, '\0');
		buf_append(&b, f->module_digests.data, f->module_digests.len);
	}
	scan_sha256_hex(b.data, b.len, hex);
	buf_free(&b);
	free(f->fingerprint);
	f->fingerprint = xstrdup(hex);
}

static void path_key(struct buf *key, const char *kind, size_t klen, const char *path, size_t plen)
{
	buf_append(key, kind, klen);
	buf_putc(key, '\0');
	buf_append(key, path, plen);
}

static char *json_strdup(const struct json_node *n)
{
	return n && n->type == JSON_STRING ? xstrndup(n->u.string.ptr, n->u.string.len) : NULL;
}

/* A JSON number as a size, or false when it is null or absent. */
static bool json_size(const struct json_node *n, size_t *out)
{
	if (n == NULL || n->type != JSON_NUMBER || !n->u.number.is_integer || n->u.number.integer < 0)
		return false;
	*out = (size_t)n->u.number.integer;
	return true;
}

/* The "uid" and "mode" (an octal string) of a baseline finding, when both are there. */
static void baseline_stat(const struct json_node *n, struct scan_baseline_entry *e)
{
	const struct json_node *mode = json_get(n, "mode");
	size_t uid;
	char digits[16], *end;
	unsigned long m;

	if (!json_size(json_get(n, "uid"), &uid) || mode == NULL || mode->type != JSON_STRING ||
	    mode->u.string.len == 0 || mode->u.string.len >= sizeof(digits))
		return;
	memcpy(digits, mode->u.string.ptr, mode->u.string.len);
	digits[mode->u.string.len] = '\0';
	m = strtoul(digits, &end, 8);
	if (*end != '\0' || m > 07777)
		return;
	e->has_stat = true;
	e->uid = (unsigned)uid;
	e->mode = (unsigned)m;
}

/* One finding object of the baseline: what it was, indexed by fingerprint and by (kind, path). */
static void baseline_finding(struct scan_baseline *b, const struct json_node *n)
{
	const struct json_node *verdict = json_get(n, "verdict");
	const struct json_node *interps = json_get(n, "interpreters");
	struct scan_baseline_entry e = { 0 };
	struct buf key = BUF_INIT;

	e.fingerprint = json_strdup(json_get(n, "fingerprint"));
	e.kind = json_strdup(json_get(n, "kind"));
	e.path = json_strdup(json_get(n, "path"));
	if (e.fingerprint == NULL || e.kind == NULL || e.path == NULL || strcmp(e.kind, "removed") == 0) {
		free(e.fingerprint);
		free(e.kind);
		free(e.path);
		return;
	}
	e.text = json_strdup(json_get(n, "text"));
	e.has_line = json_size(json_get(n, "line"), &e.line);
	json_size(json_get(n, "offset"), &e.offset);
	if (verdict == NULL || verdict->type != JSON_STRING ||
	    !scan_verdict_parse_n(verdict->u.string.ptr, verdict->u.string.len, &e.verdict))
		e.verdict = SCAN_CRITICAL; /* unknown: never report a rise */
	e.active = interps != NULL && interps->type == JSON_ARRAY && interps->u.children.first != NULL;
	baseline_stat(n, &e);

	b->v = xgrow(b->v, &b->cap, b->n + 1, sizeof(*b->v));
	b->v[b->n++] = e;
	*strmap_upsert(&b->fingerprints, e.fingerprint, strlen(e.fingerprint)) = (void *)(uintptr_t)b->n;
	path_key(&key, e.kind, strlen(e.kind), e.path, strlen(e.path));
	*strmap_upsert(&b->paths, key.data, key.len) = b;
	buf_free(&key);
}

bool scan_baseline_parse(struct scan_baseline *b, const char *name, const char *text, size_t len)
{
	struct json_doc doc;
	struct json_error err;
	const struct json_node *findings;
	bool ok = true;

	memset(b, 0, sizeof(*b));
	strmap_init(&b->fingerprints);
	strmap_init(&b->paths);
	if (!json_parse(&doc, text, len, NULL, &err)) {
		diag_at(name, err.line, "%s (column %zu): the baseline must be the output of "
			"'sitewatch scan --format json'", err.message, err.column);
		json_doc_free(&doc);
		return false;
	}
	findings = json_get(doc.root, "findings");
	if (findings == NULL || findings->type != JSON_ARRAY) {
		diag_at(name, 1, "no \"findings\" array: the baseline must be the output of "
			"'sitewatch scan --format json'");
		ok = false;
	} else {
		for (const struct json_node *n = findings->u.children.first; n; n = n->next)
			baseline_finding(b, n);
	}
	json_doc_free(&doc);
	return ok;
}

/*
 * Decides on a known fingerprint: reported only when it became active, its
 * verdict rose, or its file's owner or permission bits changed. The
 * fingerprint covers the content only, and a hook made writable by every
 * user can be rewritten by anyone, whatever its verdict.
 */
static bool keep_known(struct scan_baseline_entry *e, struct scan_finding *f)
{
	bool active = !e->active && f->ninterps > 0;
	bool rose = f->verdict > e->verdict;
	bool perms = e->has_stat && f->has_stat &&
		     (e->uid != (unsigned)f->st.st_uid || e->mode != (unsigned)(f->st.st_mode & 07777));

	e->seen = true;
	if (!active && !rose && !perms)
		return false;
	f->baseline_verdict = (int)e->verdict;
	if (perms) {
		f->changed = true;
		scan_finding_reason(f, "owner or permissions changed since the baseline: now uid %u mode "
				    "%04o, in the baseline uid %u mode %04o", (unsigned)f->st.st_uid,
				    (unsigned)(f->st.st_mode & 07777), e->uid, e->mode);
	}
	if (active)
		scan_finding_reason(f, "became active since the baseline: no interpreter ran it then");
	if (rose)
		scan_finding_reason(f, "verdict rose since the baseline (was %s)", scan_verdict_name(e->verdict));
	scan_finding_reason(f, "the content is the same");
	return true;
}

bool scan_baseline_keep(struct scan_baseline *b, struct scan_finding *f)
{
	struct buf key = BUF_INIT;
	void *at = strmap_get(&b->fingerprints, f->fingerprint, strlen(f->fingerprint));
	bool known_path;

	if (at != NULL)
		return keep_known(&b->v[(uintptr_t)at - 1], f);
	path_key(&key, f->kind, strlen(f->kind), f->path, strlen(f->path));
	known_path = strmap_get(&b->paths, key.data, key.len) != NULL;
	buf_free(&key);
	f->changed = known_path;
	scan_finding_reason(f, known_path ? "changed since the baseline" : "new since the baseline");
	return true;
}

/* The key of a finding that is still there: kind, path and line ("-" for a whole file). */
static void line_key(struct buf *key, const char *kind, const char *path, bool has_line, size_t line)
{
	buf_clear(key);
	path_key(key, kind, strlen(kind), path, strlen(path));
	if (has_line)
		buf_printf(key, "%c%zu", 0, line);
	else
		buf_printf(key, "%c-", 0);
}

static void add_removed(struct scan_ctx *ctx, const struct scan_baseline_entry *e)
{
	struct scan_finding *f = scan_finding_at(ctx, "removed", e->path, e->has_line, e->line, e->offset);

	if (f == NULL || f->removed_kind != NULL)
		return;
	f->removed_kind = xstrdup(e->kind);
	f->baseline_verdict = (int)e->verdict;
	if (e->text != NULL)
		scan_finding_set_text(f, e->text, strlen(e->text));
	scan_finding_reason(f, "gone since the baseline: a %s finding, rated %s then", e->kind,
			    scan_verdict_name(e->verdict));
	f->verdict = SCAN_INFO;
	f->no_verdict = true;
	f->fingerprint = xstrdup(e->fingerprint);
}

void scan_baseline_removed(struct scan_baseline *b, struct scan_ctx *ctx)
{
	struct strmap present;
	struct buf key = BUF_INIT;
	size_t n = ctx->nfindings;

	strmap_init(&present);
	for (size_t i = 0; i < n; i++) {
		const struct scan_finding *f = ctx->findings[i];

		line_key(&key, f->kind, f->path, f->has_line, f->line);
		*strmap_upsert(&present, key.data, key.len) = &present;
	}
	for (size_t i = 0; i < b->n; i++) {
		const struct scan_baseline_entry *e = &b->v[i];

		/* An error (an unreadable folder, a cap) that is gone is no hook that went away. */
		if (e->seen || strcmp(e->kind, "error") == 0)
			continue;
		line_key(&key, e->kind, e->path, e->has_line, e->line);
		if (strmap_get(&present, key.data, key.len) == NULL)
			add_removed(ctx, e);
	}
	buf_free(&key);
	strmap_free(&present);
}

void scan_baseline_free(struct scan_baseline *b)
{
	for (size_t i = 0; i < b->n; i++) {
		free(b->v[i].fingerprint);
		free(b->v[i].kind);
		free(b->v[i].path);
		free(b->v[i].text);
	}
	free(b->v);
	strmap_free(&b->fingerprints);
	strmap_free(&b->paths);
	memset(b, 0, sizeof(*b));
}
