/*
 * Allowlist and baseline: see scan_allow.h.
 */
#include "scan_allow.h"

#include <fnmatch.h>
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

/* One finding object of the baseline: its fingerprint and its (kind, path). */
static void baseline_finding(struct scan_baseline *b, const struct json_node *n)
{
	const struct json_node *fp = json_get(n, "fingerprint");
	const struct json_node *kind = json_get(n, "kind");
	const struct json_node *path = json_get(n, "path");

	if (fp && fp->type == JSON_STRING)
		*strmap_upsert(&b->fingerprints, fp->u.string.ptr, fp->u.string.len) = b;
	if (kind && path && kind->type == JSON_STRING && path->type == JSON_STRING) {
		struct buf key = BUF_INIT;

		path_key(&key, kind->u.string.ptr, kind->u.string.len, path->u.string.ptr,
			 path->u.string.len);
		*strmap_upsert(&b->paths, key.data, key.len) = b;
		buf_free(&key);
	}
}

bool scan_baseline_parse(struct scan_baseline *b, const char *name, const char *text, size_t len)
{
	struct json_doc doc;
	struct json_error err;
	const struct json_node *findings;
	bool ok = true;

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

bool scan_baseline_keep(const struct scan_baseline *b, struct scan_finding *f)
{
	struct buf key = BUF_INIT;
	bool known_path;

	if (strmap_get(&b->fingerprints, f->fingerprint, strlen(f->fingerprint)) != NULL)
		return false;
	path_key(&key, f->kind, strlen(f->kind), f->path, strlen(f->path));
	known_path = strmap_get(&b->paths, key.data, key.len) != NULL;
	buf_free(&key);
	f->changed = known_path;
	scan_finding_reason(f, known_path ? "changed since the baseline" : "new since the baseline");
	return true;
}

void scan_baseline_free(struct scan_baseline *b)
{
	strmap_free(&b->fingerprints);
	strmap_free(&b->paths);
}
