/*
 * The shared scan model: options, the context and the finding set.
 */
#include "scan_model.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scan_pth.h"
#include "util/xalloc.h"

static const char *const verdict_names[] = {
	"benign", "info", "low", "medium", "high", "critical",
};

const char *scan_verdict_name(enum scan_verdict v)
{
	return verdict_names[v];
}

bool scan_verdict_parse(const char *name, enum scan_verdict *out)
{
	return scan_verdict_parse_n(name, strlen(name), out);
}

bool scan_verdict_parse_n(const char *name, size_t len, enum scan_verdict *out)
{
	for (size_t i = 0; i < sizeof(verdict_names) / sizeof(verdict_names[0]); i++) {
		if (strlen(verdict_names[i]) == len && memcmp(name, verdict_names[i], len) == 0) {
			*out = (enum scan_verdict)i;
			return true;
		}
	}
	return false;
}

void scan_options_init(struct scan_options *o)
{
	memset(o, 0, sizeof(*o));
	o->max_file_size = SCAN_DEFAULT_MAX_FILE_SIZE;
	o->max_links = SCAN_DEFAULT_MAX_LINKS;
	o->max_dir_entries = SCAN_DEFAULT_MAX_DIR_ENTRIES;
	o->max_pth_lines = SCAN_DEFAULT_MAX_PTH_LINES;
	o->max_depth = SCAN_DEFAULT_MAX_DEPTH;
	o->max_dirs = SCAN_DEFAULT_MAX_DIRS;
	o->max_interpreters = SCAN_DEFAULT_MAX_INTERPRETERS;
	o->max_findings = SCAN_DEFAULT_MAX_FINDINGS;
	o->max_processes = SCAN_DEFAULT_MAX_PROCESSES;
}

bool scan_ctx_init(struct scan_ctx *ctx, const struct scan_options *opt)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->opt = *opt;
	if (!scan_fs_open(&ctx->fs, opt->root))
		return false;
	ctx->fs.max_file_size = opt->max_file_size;
	ctx->fs.max_links = opt->max_links;
	ctx->fs.max_dir_entries = opt->max_dir_entries;
	arena_init(&ctx->arena, 64 * 1024);
	strmap_init(&ctx->interp_by_real);
	strmap_init(&ctx->findings_by_key);
	strmap_init(&ctx->stdlib_names);
	strmap_init(&ctx->records);
	strmap_init(&ctx->listings);
	strmap_init(&ctx->pth_cache);
	return true;
}

static void free_finding(struct scan_finding *f)
{
	free(f->path);
	free(f->text);
	free(f->code);
	buf_free(&f->extra);
	buf_free(&f->module_digests);
	buf_free(&f->reasons);
	free(f->interps);
	free(f->notes);
	free(f->evidence);
	free(f->fingerprint);
	free(f->removed_kind);
	free(f);
}

static void free_name_set(const char *key, size_t len, void *value, void *arg)
{
	(void)key;
	(void)len;
	(void)arg;
	strmap_free(value);
	free(value);
}

void scan_owner_free(struct scan_ctx *ctx);
void scan_site_free(struct scan_ctx *ctx);

void scan_ctx_free(struct scan_ctx *ctx)
{
	for (size_t i = 0; i < ctx->nfindings; i++)
		free_finding(ctx->findings[i]);
	free(ctx->findings);
	for (size_t i = 0; i < ctx->ninterps; i++)
		free(ctx->interps[i].site_dirs);
	free(ctx->interps);
	free(ctx->userbases);
	strmap_each(&ctx->stdlib_names, free_name_set, NULL);
	strmap_free(&ctx->stdlib_names);
	scan_owner_free(ctx);
	scan_site_free(ctx);
	for (size_t i = 0; i < ctx->npythonpath; i++) {
		free(ctx->pythonpath[i]);
		free(ctx->pythonpath_origin[i]);
	}
	free(ctx->pythonpath);
	free(ctx->pythonpath_origin);
	buf_free(&ctx->depth_capped_list);
	strmap_free(&ctx->interp_by_real);
	strmap_free(&ctx->findings_by_key);
	arena_free(&ctx->arena);
	scan_fs_close(&ctx->fs);
}

struct scan_finding *scan_finding_at(struct scan_ctx *ctx, const char *kind, const char *path,
				     bool has_line, size_t line, size_t offset)
{
	struct buf key = BUF_INIT;
	struct scan_finding *f;
	void **slot;

	buf_printf(&key, "%s%c%s%c%zu", kind, 0, path, 0, has_line ? offset : (size_t)-1);
	slot = strmap_upsert(&ctx->findings_by_key, key.data, key.len);
	buf_free(&key);
	if (*slot != NULL)
		return *slot;
	if (ctx->nfindings / SCAN_FINDINGS_COLLECT_FACTOR >= ctx->opt.max_findings) {
		ctx->stats.findings_capped = true;
		return NULL;
	}

	f = xcalloc(1, sizeof(*f));
	f->kind = kind;
	f->path = xstrdup(path);
	f->has_line = has_line;
	f->line = line;
	f->offset = offset;
	f->baseline_verdict = -1;
	*slot = f;
	ctx->findings = xgrow(ctx->findings, &ctx->findings_cap, ctx->nfindings + 1,
			      sizeof(*ctx->findings));
	ctx->findings[ctx->nfindings++] = f;
	return f;
}

bool scan_finding_has_interp(const struct scan_finding *f, size_t interp)
{
	for (size_t i = 0; i < f->ninterps; i++) {
		if (f->interps[i] == interp)
			return true;
	}
	return false;
}

void scan_finding_add_interp(struct scan_finding *f, size_t interp)
{
	if (scan_finding_has_interp(f, interp))
		return;
	f->interps = xgrow(f->interps, &f->interps_cap, f->ninterps + 1, sizeof(*f->interps));
	f->interps[f->ninterps++] = interp;
}

void scan_finding_reason(struct scan_finding *f, const char *fmt, ...)
{
	struct buf one = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&one, fmt, ap);
	va_end(ap);

	/* Each reason once: the same fact can be found through several interpreters. */
	for (const char *p = f->reasons.data; p && (p = strstr(p, one.data)) != NULL; p++) {
		bool starts = p == f->reasons.data || (p >= f->reasons.data + 2 && p[-2] == ';');
		char after = p[one.len];

		if (starts && (after == '\0' || after == ';')) {
			buf_free(&one);
			return;
		}
	}
	if (f->reasons.len > 0)
		buf_puts(&f->reasons, "; ");
	buf_append(&f->reasons, one.data, one.len);
	buf_free(&one);
}

void scan_finding_note(struct scan_finding *f, size_t interp, const char *cause)
{
	for (size_t i = 0; i < f->nnotes; i++) {
		if (f->notes[i].interp == interp)
			return;
	}
	f->notes = xgrow(f->notes, &f->notes_cap, f->nnotes + 1, sizeof(*f->notes));
	f->notes[f->nnotes].interp = interp;
	f->notes[f->nnotes].cause = cause;
	f->nnotes++;
}

void scan_finding_set_text(struct scan_finding *f, const char *text, size_t len)
{
	if (f->text != NULL)
		return;
	f->text = xstrndup(text, len);
	f->text_len = len;
}

void scan_error(struct scan_ctx *ctx, const char *path, const char *fmt, ...)
{
	struct scan_finding *f = scan_finding_at(ctx, "error", path, false, 0, 0);
	struct buf one = BUF_INIT;
	va_list ap;

	ctx->stats.errors++;
	if (f == NULL)
		return;
	va_start(ap, fmt);
	buf_vprintf(&one, fmt, ap);
	va_end(ap);
	scan_finding_reason(f, "%s", one.data);
	buf_free(&one);
	f->verdict = SCAN_INFO;
	f->no_verdict = true;
}

char *scan_strdup(struct scan_ctx *ctx, const char *s)
{
	return arena_strndup(&ctx->arena, s, strlen(s));
}

char *scan_printf(struct scan_ctx *ctx, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;
	char *s;

	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	s = arena_strndup(&ctx->arena, b.data ? b.data : "", b.len);
	buf_free(&b);
	return s;
}
