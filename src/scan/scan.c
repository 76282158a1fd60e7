/*
 * The scan pipeline: stages in order, then each finding's verdict. See scan.h.
 */
#include "scan.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scan_allow.h"
#include "scan_catalog.h"
#include "scan_discover.h"
#include "scan_env.h"
#include "scan_hash.h"
#include "scan_owner.h"
#include "scan_site.h"
#include "scan_verdict.h"
#include "util/diag.h"
#include "util/xalloc.h"

/* Folders that belong to the system: an ordinary user's file there is out of place. */
static const char *const system_prefixes[] = { "/usr/", "/etc/", "/lib/", "/lib64/", "/opt/", "/srv/" };

static bool under(const char *path, const char *prefix)
{
	return strncmp(path, prefix, strlen(prefix)) == 0;
}

static bool temp_place(const char *path)
{
	return under(path, "/tmp/") || under(path, "/var/tmp/") || under(path, "/dev/shm/");
}

/* The file, or its folder without the sticky bit, is writable by every user. */
static bool writable_place(struct scan_ctx *ctx, const struct scan_finding *f)
{
	char *dir;
	struct stat st;
	bool yes;

	if (f->has_stat && (f->st.st_mode & S_IWOTH))
		return true;
	dir = scan_path_dir(f->path);
	yes = scan_fs_stat(&ctx->fs, dir, &st) == 0 && (st.st_mode & S_IWOTH) &&
	      !(st.st_mode & S_ISVTX);
	free(dir);
	return yes;
}

static bool foreign_owner(const struct scan_finding *f)
{
	if (!f->has_stat || f->st.st_uid == 0)
		return false;
	for (size_t i = 0; i < sizeof(system_prefixes) / sizeof(system_prefixes[0]); i++) {
		if (under(f->path, system_prefixes[i]))
			return true;
	}
	return false;
}

static bool binary_file(const char *path)
{
	size_t len = strlen(path);

	return (len > 4 && strcmp(path + len - 4, ".pyc") == 0) ||
	       (len > 3 && strcmp(path + len - 3, ".so") == 0);
}

/* Turns the per-interpreter notes into reasons, one per distinct cause. */
static void notes_to_reasons(struct scan_ctx *ctx, struct scan_finding *f)
{
	for (size_t i = 0; i < f->nnotes; i++) {
		struct buf who = BUF_INIT;
		const char *cause = f->notes[i].cause;
		bool first = true;

		for (size_t k = 0; k < i; k++) {
			if (f->notes[k].cause == cause)
				first = false;
		}
		if (!first)
			continue;
		for (size_t k = i; k < f->nnotes; k++) {
			const struct scan_interp *in = &ctx->interps[f->notes[k].interp];

			if (f->notes[k].cause != cause || scan_finding_has_interp(f, f->notes[k].interp))
				continue;
			buf_printf(&who, "%s%s (%s)", who.len ? ", " : "", in->exe, in->version);
		}
		if (who.len > 0)
			scan_finding_reason(f, "not run by %s: %s", who.data, cause);
		buf_free(&who);
	}
}

/* Package ownership as evidence, for the files of hooks that run code. */
static void add_evidence(struct scan_ctx *ctx, struct scan_finding *f, const char *data, size_t len)
{
	char *site, *evidence = NULL;
	enum scan_owner_status s;

	if (data == NULL || !f->executes || f->evidence != NULL || strcmp(f->kind, "startup-env") == 0)
		return;
	site = scan_path_dir(f->path);
	s = scan_owner_check(ctx, f->path, site, data, len, &evidence);
	free(site);
	if (s == SCAN_OWNER_NONE) {
		/* Debian's /usr/lib/python3.X/sitecustomize.py links to the conffile in /etc. */
		char *real = scan_fs_resolve(&ctx->fs, f->path, true);

		if (real != NULL && strcmp(real, f->path) != 0)
			s = scan_owner_check(ctx, real, NULL, data, len, &evidence);
		free(real);
	}
	f->evidence = evidence;
	if (s == SCAN_OWNER_MISMATCH && f->floor < SCAN_MEDIUM)
		f->floor = SCAN_MEDIUM;
}

/*
 * The code the verdict rules read: the line or module (a compiled module's
 * strings, see scan_pyc_strings()), then the further code the stages
 * attached to the finding.
 */
static void analysed_code(const struct scan_finding *f, struct buf *out)
{
	const char *code = f->code ? f->code : f->text;
	size_t len = f->code ? f->code_len : f->text_len;
	size_t plen = strlen(f->path);

	if (f->code != NULL && plen > 4 && strcmp(f->path + plen - 4, ".pyc") == 0)
		scan_pyc_strings(code, len, out);
	else if (code != NULL)
		buf_append(out, code, len);
	if (f->extra.len > 0) {
		buf_putc(out, '\n');
		buf_append(out, f->extra.data, f->extra.len);
	}
}

static void apply_verdict(struct scan_ctx *ctx, struct scan_finding *f, const char *data,
			  size_t len, enum scan_catalog_result cat,
			  const struct scan_allow_entry *allowed)
{
	struct scan_verdict_input in = { 0 };
	struct buf rules = BUF_INIT;
	struct buf code = BUF_INIT;

	analysed_code(f, &code);
	in.code = code.data;
	in.len = code.len;
	in.executes = f->executes;
	/* A module behind a start-breaking hook is one cleanup away from running. */
	in.runs = f->ninterps > 0 || f->blocked;
	in.dormant = f->dormant;
	in.fatal = f->fatal;
	in.temp_location = temp_place(f->path);
	in.writable = strcmp(f->kind, "startup-env") != 0 && writable_place(ctx, f);
	in.foreign_owner = foreign_owner(f);
	in.hidden_name = f->hidden_name;
	in.binary = binary_file(f->path);
	in.pth_line = strcmp(f->kind, "pth") == 0;
	in.file_size = strcmp(f->kind, "pth") == 0 && data ? len : 0;
	in.line_len = in.file_size > 0 && f->has_line ? f->text_len : 0;

	f->verdict = scan_verdict_for(&in, &rules);
	if (f->verdict < f->floor)
		f->verdict = f->floor;
	if (cat == SCAN_CATALOG_MODIFIED) {
		buf_printf(&rules, "%sa known hook's shape, but its record says the file was modified",
			   rules.len ? "; " : "");
		if (f->verdict < SCAN_HIGH)
			f->verdict = SCAN_HIGH;
	} else if (cat == SCAN_CATALOG_BENIGN) {
		buf_free(&rules);
		buf_puts(&rules, "known benign");
		f->verdict = SCAN_BENIGN;
	}
	/*
	 * An allow entry names the file's digest, not the modules it imports:
	 * one of them rated high since is not cleared with it (as a catalogue
	 * match is not).
	 */
	if (allowed != NULL && f->module_verdict >= SCAN_HIGH) {
		buf_printf(&rules, "%san --allow entry (%s) names this file, but a module it imports is "
			   "rated %s: not cleared", rules.len ? "; " : "", allowed->where,
			   scan_verdict_name(f->module_verdict));
	} else if (allowed != NULL) {
		buf_printf(&rules, "%sallowlisted by %s", rules.len ? "; " : "", allowed->where);
		f->verdict = SCAN_BENIGN;
	}

	/* The rules' reasons first, then what the stages found. */
	if (f->reasons.len > 0)
		buf_printf(&rules, "%s%s", rules.len ? "; " : "", f->reasons.data);
	buf_free(&f->reasons);
	f->reasons = rules;
	buf_free(&code);
}

/* A setting has no file digest of its own: its line (and the script it runs) is what --allow names. */
static void setting_digest(struct scan_finding *f)
{
	struct buf b = BUF_INIT;

	if ((strcmp(f->kind, "startup-env") != 0 && strcmp(f->kind, "pythonpath-empty") != 0) ||
	    f->text == NULL)
		return;
	buf_append(&b, f->text, f->text_len);
	if (f->code != NULL)
		buf_append(&b, f->code, f->code_len);
	scan_sha256_hex(b.data, b.len, f->allow_sha256);
	buf_free(&b);
}

static void finalize(struct scan_ctx *ctx, const struct scan_allow *allow, struct scan_finding *f)
{
	const char *data = NULL;
	size_t len = 0;
	enum scan_catalog_result cat;

	if (strcmp(f->kind, "pth") == 0 && f->has_line && !f->executes && !f->dormant)
		f->kind = "pth-path";
	notes_to_reasons(ctx, f);
	if (strcmp(f->kind, "pth") == 0 && f->executes && f->ninterps == 0 && f->nnotes == 0)
		scan_finding_reason(f, "no installed interpreter reads these bytes as a line of its own");
	if (f->no_verdict) {
		scan_fingerprint(f);
		return;
	}

	if (strcmp(f->kind, "pth") == 0 || strcmp(f->kind, "pth-path") == 0) {
		if (!scan_site_file(ctx, f->path, &data, &len))
			data = NULL;
	} else if (strcmp(f->kind, "startup-env") != 0) {
		data = f->code;
		len = f->code_len;
	}
	cat = scan_catalog_check(ctx, f, data, len);
	add_evidence(ctx, f, data, len);
	setting_digest(f);
	apply_verdict(ctx, f, data, len, cat,
		      scan_allow_match(allow, f->allow_sha256[0] ? f->allow_sha256 : f->sha256, f->path));
	scan_fingerprint(f);
}

/*
 * An option file's path as the user meant it: a relative name is taken from
 * the working folder (the host's, also under --root). malloc()ed.
 */
static char *option_path(const char *path)
{
	char cwd[PATH_MAX];

	if (path[0] == '/' || getcwd(cwd, sizeof(cwd)) == NULL)
		return xstrdup(path);
	return scan_path_join(cwd, path);
}

/* Reads a whole option file (allowlist, baseline) from the host, not from --root. */
static char *read_option_file(const char *option, const char *path, size_t *len)
{
	struct scan_fs host;
	struct scan_file f;
	enum scan_read_status s;
	char *full;

	if (!scan_fs_open(&host, NULL)) {
		diag_error("cannot open /: %s", strerror(errno));
		return NULL;
	}
	host.max_file_size = 64u << 20;
	full = option_path(path);
	s = scan_fs_read(&host, full, &f);
	free(full);
	scan_fs_close(&host);
	if (s != SCAN_READ_OK) {
		diag_error("%s %s %s; give a readable regular file", option, path,
			   scan_read_status_text(s, f.err));
		return NULL;
	}
	*len = f.size;
	return f.data;
}

static bool load_allow(struct scan_ctx *ctx, struct scan_allow *allow)
{
	size_t len;
	char *text;
	bool ok;

	memset(allow, 0, sizeof(*allow));
	if (ctx->opt.allow_file == NULL)
		return true;
	text = read_option_file("--allow", ctx->opt.allow_file, &len);
	if (text == NULL)
		return false;
	ok = scan_allow_parse(allow, ctx->opt.allow_file, text, len);
	free(text);
	return ok;
}

static bool apply_baseline(struct scan_ctx *ctx)
{
	struct scan_baseline b;
	size_t len;
	char *text;

	if (ctx->opt.baseline_file == NULL)
		return true;
	text = read_option_file("--baseline", ctx->opt.baseline_file, &len);
	if (text == NULL)
		return false;
	if (!scan_baseline_parse(&b, ctx->opt.baseline_file, text, len)) {
		free(text);
		scan_baseline_free(&b);
		return false;
	}
	free(text);
	for (size_t i = 0; i < ctx->nfindings; i++)
		ctx->findings[i]->suppressed = !scan_baseline_keep(&b, ctx->findings[i]);
	scan_baseline_removed(&b, ctx);
	scan_baseline_free(&b);
	return true;
}

/* The caps that were reached, as findings, so that a partial scan never looks complete. */
static void report_caps(struct scan_ctx *ctx)
{
	if (ctx->stats.dirs_capped)
		scan_error(ctx, "/", "the search stopped after %zu folders (--max-dirs)", ctx->opt.max_dirs);
	if (ctx->stats.interps_capped)
		scan_error(ctx, "/", "more than %zu interpreters (--max-interpreters): the rest were not scanned",
			   ctx->opt.max_interpreters);
}

/* The --max-findings cap as a finding of its own, beyond the cap, so that a short list never looks complete. */
static void cap_finding(struct scan_ctx *ctx, enum scan_verdict dropped)
{
	size_t max = ctx->opt.max_findings;
	struct scan_finding *f;

	ctx->opt.max_findings = (size_t)-1 / SCAN_FINDINGS_COLLECT_FACTOR; /* room for this one */
	f = scan_finding_at(ctx, "error", "/", false, 0, 0);
	ctx->opt.max_findings = max;
	ctx->stats.errors++;
	scan_finding_reason(f, "--max-findings (%zu) reached: %zu findings not reported (the least "
			    "severe, %s and below)%s", max, ctx->stats.findings_dropped,
			    scan_verdict_name(dropped),
			    ctx->stats.findings_capped ? ", and more were not collected" : "");
	f->verdict = SCAN_INFO;
	f->no_verdict = true;
	f->suppressed = false;
	scan_fingerprint(f);
}

static int worse_first(const void *a, const void *b)
{
	const struct scan_finding *x = *(const struct scan_finding *const *)a;
	const struct scan_finding *y = *(const struct scan_finding *const *)b;

	if (x->verdict != y->verdict)
		return x->verdict > y->verdict ? -1 : 1;
	return x < y ? -1 : x > y; /* the order they were found in: stable */
}

/* Over --max-findings, drops the least severe findings and reports how many. */
static void keep_worst(struct scan_ctx *ctx)
{
	struct scan_finding **shown = xmalloc((ctx->nfindings + 1) * sizeof(*shown));
	size_t n = 0, max = ctx->opt.max_findings;

	for (size_t i = 0; i < ctx->nfindings; i++) {
		if (!ctx->findings[i]->suppressed)
			shown[n++] = ctx->findings[i];
	}
	if (n > max) {
		qsort(shown, n, sizeof(*shown), worse_first);
		for (size_t i = max; i < n; i++)
			shown[i]->suppressed = true;
		ctx->stats.findings_dropped = n - max;
		diag_warn("%zu findings over --max-findings (%zu) are not reported: the least severe "
			  "(%s and below) were dropped; raise --max-findings to see them",
			  n - max, max, scan_verdict_name(shown[max]->verdict));
	}
	if (ctx->stats.findings_capped)
		diag_warn("more than %zu findings were found (%d times --max-findings): later ones "
			  "were not collected, whatever their verdict; raise --max-findings",
			  max * SCAN_FINDINGS_COLLECT_FACTOR, SCAN_FINDINGS_COLLECT_FACTOR);
	if (n > max || ctx->stats.findings_capped)
		cap_finding(ctx, n > max ? shown[max]->verdict : SCAN_INFO);
	free(shown);
}

bool scan_run(struct scan_ctx *ctx)
{
	struct scan_allow allow;

	if (!load_allow(ctx, &allow)) {
		scan_allow_free(&allow);
		return false;
	}
	scan_discover(ctx);
	if (!ctx->opt.no_env)
		scan_env(ctx);
	scan_sites(ctx);
	scan_discover_report(ctx);
	report_caps(ctx);
	for (size_t i = 0; i < ctx->nfindings; i++)
		finalize(ctx, &allow, ctx->findings[i]);
	scan_allow_free(&allow);
	if (!apply_baseline(ctx))
		return false;
	keep_worst(ctx);
	return true;
}

bool scan_any_at_least(const struct scan_ctx *ctx, enum scan_verdict level)
{
	for (size_t i = 0; i < ctx->nfindings; i++) {
		if (!ctx->findings[i]->suppressed && ctx->findings[i]->verdict >= level)
			return true;
	}
	return false;
}
