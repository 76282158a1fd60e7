/*
 * Output of scan findings: NDJSON (one finding a line), one JSON document
 * (the form --baseline reads back), or a table for people.
 *
 * Paths and lines may hold bytes that are not UTF-8; JSON cannot carry
 * them, so each such byte is written as the four characters \xNN (with the
 * backslash escaped), which keeps the output valid and the byte visible.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scan.h"
#include "scan_pth.h"
#include "util/xalloc.h"

#define TEXT_MAX 512 /* bytes of a line shown in a finding's "text" */

static void json_text(struct buf *b, const char *s, size_t len)
{
	size_t i = 0;

	buf_putc(b, '"');
	while (i < len) {
		size_t valid = scan_utf8_invalid_at(s + i, len - i);

		if (valid > 0) {
			struct buf part = BUF_INIT;

			/* buf_json_string escapes quotes and control characters; strip its quotes. */
			buf_json_string(&part, s + i, valid);
			buf_append(b, part.data + 1, part.len - 2);
			buf_free(&part);
			i += valid;
		} else {
			buf_printf(b, "\\\\x%02x", (unsigned char)s[i]);
			i++;
		}
	}
	buf_putc(b, '"');
}

static void json_cstr(struct buf *b, const char *s)
{
	json_text(b, s, strlen(s));
}

static void interpreter_json(struct buf *b, const struct scan_interp *in)
{
	buf_puts(b, "{\"path\":");
	json_cstr(b, in->exe);
	buf_puts(b, ",\"version\":");
	json_cstr(b, in->version);
	buf_putc(b, '}');
}

static int compare_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

static void finding_json(const struct scan_ctx *ctx, const struct scan_finding *f, struct buf *b)
{
	size_t *order = xmalloc((f->ninterps + 1) * sizeof(*order));

	buf_printf(b, "{\"verdict\":\"%s\",\"path\":", scan_verdict_name(f->verdict));
	json_cstr(b, f->path);
	buf_printf(b, ",\"kind\":\"%s\"", f->kind);
	if (f->has_line)
		buf_printf(b, ",\"line\":%zu,\"offset\":%zu", f->line, f->offset);
	else
		buf_puts(b, ",\"line\":null,\"offset\":null");
	buf_puts(b, ",\"reason\":");
	json_text(b, f->reasons.data ? f->reasons.data : "", f->reasons.len);

	if (f->ninterps > 0) {
		memcpy(order, f->interps, f->ninterps * sizeof(*order));
		qsort(order, f->ninterps, sizeof(*order), compare_size);
	}
	buf_puts(b, ",\"interpreters\":[");
	for (size_t i = 0; i < f->ninterps; i++) {
		if (i > 0)
			buf_putc(b, ',');
		interpreter_json(b, &ctx->interps[order[i]]);
	}
	buf_putc(b, ']');
	free(order);

	if (f->text != NULL) {
		buf_puts(b, ",\"text\":");
		json_text(b, f->text, f->text_len > TEXT_MAX ? TEXT_MAX : f->text_len);
		if (f->text_len > TEXT_MAX)
			buf_printf(b, ",\"text_truncated\":%zu", f->text_len);
	}
	if (f->sha256[0])
		buf_printf(b, ",\"sha256\":\"%s\"", f->sha256);
	if (f->allow_sha256[0])
		buf_printf(b, ",\"allow_sha256\":\"%s\"", f->allow_sha256);
	if (f->has_stat)
		buf_printf(b, ",\"uid\":%u,\"mode\":\"%04o\",\"size\":%lld", (unsigned)f->st.st_uid,
			   (unsigned)(f->st.st_mode & 07777), (long long)f->st.st_size);
	if (f->evidence) {
		buf_puts(b, ",\"evidence\":");
		json_cstr(b, f->evidence);
	}
	if (f->changed)
		buf_puts(b, ",\"changed\":true");
	if (f->removed_kind != NULL) {
		buf_puts(b, ",\"removed_kind\":");
		json_cstr(b, f->removed_kind);
	}
	if (f->baseline_verdict >= 0)
		buf_printf(b, ",\"baseline_verdict\":\"%s\"",
			   scan_verdict_name((enum scan_verdict)f->baseline_verdict));
	buf_printf(b, ",\"fingerprint\":\"%s\"}", f->fingerprint ? f->fingerprint : "");
}

static int compare_findings(const void *a, const void *b)
{
	const struct scan_finding *x = *(const struct scan_finding *const *)a;
	const struct scan_finding *y = *(const struct scan_finding *const *)b;
	int c;

	if (x->verdict != y->verdict)
		return x->verdict > y->verdict ? -1 : 1;
	c = strcmp(x->path, y->path);
	if (c != 0)
		return c;
	if (x->offset != y->offset)
		return x->offset < y->offset ? -1 : 1;
	return strcmp(x->kind, y->kind);
}

static void interpreters_json(const struct scan_ctx *ctx, struct buf *b)
{
	buf_puts(b, "\"interpreters\":[");
	for (size_t i = 0; i < ctx->ninterps; i++) {
		const struct scan_interp *in = &ctx->interps[i];

		buf_puts(b, i ? ",{\"path\":" : "{\"path\":");
		json_cstr(b, in->exe);
		buf_puts(b, ",\"version\":");
		json_cstr(b, in->version);
		buf_printf(b, ",\"version_source\":\"%s\",\"prefix\":", in->version_source);
		json_cstr(b, in->prefix);
		buf_printf(b, ",\"venv\":%s,\"debian\":%s,\"user_site\":%s,\"site_dirs\":[",
			   in->venv ? "true" : "false", in->debian ? "true" : "false",
			   in->user_site ? "true" : "false");
		for (size_t k = 0; k < in->nsite_dirs; k++) {
			if (k > 0)
				buf_putc(b, ',');
			json_cstr(b, in->site_dirs[k]);
		}
		buf_puts(b, "]}");
	}
	buf_putc(b, ']');
}

static void stats_json(const struct scan_ctx *ctx, struct buf *b)
{
	const struct scan_stats *s = &ctx->stats;

	buf_printf(b, "\"stats\":{\"interpreters\":%zu,\"folders_searched\":%zu,\"site_dirs\":%zu,"
		   "\"pth_files\":%zu,\"env_files\":%zu,\"processes\":%zu,\"files_read\":%zu,"
		   "\"errors\":%zu,\"findings_dropped\":%zu}",
		   ctx->ninterps, s->dirs_visited, s->site_dirs, s->pth_files, s->env_files,
		   s->processes, ctx->fs.files_read, s->errors, s->findings_dropped);
}

/* Widest cell of the interpreters column; longer cells are cut and end in "...". */
#define TABLE_VERSIONS_MAX 40
/* Bytes of one version shown (it is read from pyvenv.cfg, which anyone may write). */
#define TABLE_VERSION_MAX 16

/* Distinct versions shown in the interpreters column; the rest are counted. */
#define TABLE_VERSIONS_SHOWN 3
/* Interpreter paths named under a row (the column shows versions only). */
#define TABLE_PATHS_SHOWN 4

/* How many of the finding's interpreters, from index `from` on, have version `v`. */
static size_t same_version(const struct scan_ctx *ctx, const struct scan_finding *f, size_t from,
			   const char *v)
{
	size_t n = 0;

	for (size_t i = from; i < f->ninterps; i++)
		n += strcmp(ctx->interps[f->interps[i]].version, v) == 0;
	return n;
}

/*
 * A short list of distinct versions for the table, each with how many
 * interpreters have it when more than one: "3.11.2 x3, 3.12.1 (+2)".
 */
static void versions_cell(const struct scan_ctx *ctx, const struct scan_finding *f, struct buf *b)
{
	size_t shown = 0, covered = 0;

	for (size_t i = 0; i < f->ninterps && shown < TABLE_VERSIONS_SHOWN; i++) {
		const char *v = ctx->interps[f->interps[i]].version;
		size_t len = strlen(v), count;

		if (same_version(ctx, f, 0, v) != same_version(ctx, f, i, v))
			continue; /* shown at its first interpreter */
		count = same_version(ctx, f, i, v);
		buf_puts(b, shown++ ? ", " : "");
		scan_table_text(b, v, len > TABLE_VERSION_MAX ? TABLE_VERSION_MAX : len);
		if (count > 1)
			buf_printf(b, " x%zu", count);
		covered += count;
	}
	if (f->ninterps > covered)
		buf_printf(b, " (+%zu)", f->ninterps - covered);
	if (f->ninterps == 0)
		buf_puts(b, "-");
	if (b->len > TABLE_VERSIONS_MAX) {
		b->len = TABLE_VERSIONS_MAX - 3;
		while (b->len > 0 && ((unsigned char)b->data[b->len] & 0xc0) == 0x80)
			b->len--; /* not inside a UTF-8 character */
		buf_puts(b, "...");
	}
}

/*
 * A terminal acts on control characters: a file named "esc\x1b[2K\r.pth"
 * would erase its own row. The table therefore shows every C0 control, DEL,
 * every C1 control (U+0080 to U+009F, which some terminals also obey) and
 * every byte that is not UTF-8 as the text \xNN, and a backslash as \\ so
 * that the escapes cannot be forged by a name.
 */
size_t scan_table_text(struct buf *b, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, escaped = 0;

	while (i < len) {
		size_t valid = scan_utf8_invalid_at(s + i, len - i);
		size_t end = i + valid;

		for (; i < end; i++) {
			bool c1 = p[i] == 0xc2 && i + 1 < end && p[i + 1] >= 0x80 && p[i + 1] <= 0x9f;

			if (c1) {
				buf_printf(b, "\\x%02x\\x%02x", p[i], p[i + 1]);
				escaped++;
				i++;
			} else if (p[i] < 0x20 || p[i] == 0x7f) {
				buf_printf(b, "\\x%02x", p[i]);
				escaped++;
			} else if (p[i] == '\\') {
				buf_puts(b, "\\\\");
			} else {
				buf_putc(b, (char)p[i]);
			}
		}
		if (i < len) {
			buf_printf(b, "\\x%02x", p[i]);
			escaped++;
			i++;
		}
	}
	return escaped;
}

struct table_widths {
	int kind, versions;
};

/* Prints the interpreters behind a row by path, so that equal versions are distinguished. */
static void interpreter_paths(const struct scan_ctx *ctx, const struct scan_finding *f, FILE *out)
{
	struct buf line = BUF_INIT;
	size_t shown = f->ninterps < TABLE_PATHS_SHOWN ? f->ninterps : TABLE_PATHS_SHOWN;

	buf_puts(&line, "run by ");
	for (size_t i = 0; i < shown; i++) {
		const char *exe = ctx->interps[f->interps[i]].exe;

		buf_puts(&line, i ? ", " : "");
		scan_table_text(&line, exe, strlen(exe));
	}
	if (f->ninterps > shown)
		buf_printf(&line, " and %zu more", f->ninterps - shown);
	fprintf(out, "          %s\n", line.data);
	buf_free(&line);
}

static void table_row(const struct scan_ctx *ctx, const struct scan_finding *f,
		      const struct table_widths *w, FILE *out)
{
	struct buf where = BUF_INIT, versions = BUF_INIT, reasons = BUF_INIT;

	scan_table_text(&where, f->path, strlen(f->path));
	if (f->has_line)
		buf_printf(&where, ":%zu", f->line);
	versions_cell(ctx, f, &versions);
	fprintf(out, "%-9s %-*s %-*s %s\n", scan_verdict_name(f->verdict), w->kind, f->kind,
		w->versions, versions.data, where.data);
	if (f->reasons.len > 0) {
		scan_table_text(&reasons, f->reasons.data, f->reasons.len);
		fprintf(out, "          %s\n", reasons.data);
	}
	if (f->ninterps > 1)
		interpreter_paths(ctx, f, out);
	buf_free(&where);
	buf_free(&versions);
	buf_free(&reasons);
}

/* Column widths that fit every row: kinds and version lists vary in length. */
static void table_widths(const struct scan_ctx *ctx, struct scan_finding **rows, size_t n,
			 struct table_widths *w)
{
	w->kind = (int)strlen("KIND");
	w->versions = (int)strlen("INTERPRETERS");
	for (size_t i = 0; i < n; i++) {
		struct buf cell = BUF_INIT;

		versions_cell(ctx, rows[i], &cell);
		if ((int)strlen(rows[i]->kind) > w->kind)
			w->kind = (int)strlen(rows[i]->kind);
		if ((int)cell.len > w->versions)
			w->versions = (int)cell.len;
		buf_free(&cell);
	}
}

static void table(const struct scan_ctx *ctx, struct scan_finding **rows, size_t n, FILE *out)
{
	struct table_widths w;

	table_widths(ctx, rows, n, &w);
	fprintf(out, "%-9s %-*s %-*s %s\n", "VERDICT", w.kind, "KIND", w.versions, "INTERPRETERS", "PATH");
	for (size_t i = 0; i < n; i++)
		table_row(ctx, rows[i], &w, out);
	fprintf(out, "\n%zu findings; %zu interpreters, %zu .pth files, %zu errors", n, ctx->ninterps,
		ctx->stats.pth_files, ctx->stats.errors);
	if (ctx->stats.findings_dropped > 0)
		fprintf(out, "; %zu findings over --max-findings not shown", ctx->stats.findings_dropped);
	fputc('\n', out);
}

void scan_output(struct scan_ctx *ctx, enum scan_format format, FILE *out)
{
	struct scan_finding **sorted = xmalloc((ctx->nfindings + 1) * sizeof(*sorted));
	size_t n = 0;
	struct buf b = BUF_INIT;

	for (size_t i = 0; i < ctx->nfindings; i++) {
		if (!ctx->findings[i]->suppressed)
			sorted[n++] = ctx->findings[i];
	}
	qsort(sorted, n, sizeof(*sorted), compare_findings);

	if (format == SCAN_FORMAT_TABLE) {
		table(ctx, sorted, n, out);
	} else if (format == SCAN_FORMAT_JSON) {
		buf_puts(&b, "{\"scanner\":\"sitewatch scan\",\"root\":");
		json_cstr(&b, ctx->opt.root ? ctx->opt.root : "/");
		buf_putc(&b, ',');
		interpreters_json(ctx, &b);
		buf_puts(&b, ",\"findings\":[");
		for (size_t i = 0; i < n; i++) {
			buf_puts(&b, i ? ",\n" : "\n");
			finding_json(ctx, sorted[i], &b);
		}
		buf_puts(&b, "],");
		stats_json(ctx, &b);
		buf_puts(&b, "}\n");
		fwrite(b.data, 1, b.len, out);
	} else {
		for (size_t i = 0; i < n; i++) {
			buf_clear(&b);
			finding_json(ctx, sorted[i], &b);
			buf_putc(&b, '\n');
			fwrite(b.data, 1, b.len, out);
		}
	}
	buf_free(&b);
	free(sorted);
}
