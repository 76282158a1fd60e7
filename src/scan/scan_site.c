/*
 * The site stage: .pth files as each interpreter reads them. See scan_site.h.
 *
 * The order follows site.main(): the venv's site folders (processed twice
 * per start, because site.venv() and site.addsitepackages() both add them),
 * the user site, then the system site folders. Within a folder, the `*.pth`
 * names in sorted order; within a file, the lines in order, until a line
 * raises (before 3.15) or ends the start-up.
 */
#include "scan_site.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scan_custom.h"
#include "scan_hash.h"
#include "scan_pth.h"
#include "scan_verdict.h"
#include "util/xalloc.h"

/* Bytes read from each end of a .pth over --max-file-size. */
#define SCAN_OVERSIZE_PART (1024 * 1024)

/* Why an interpreter does not run a line; grouped by these texts in the reason. */
static const char CAUSE_HIDDEN[] = "skips .pth names that start with '.'";
static const char CAUSE_STOPPED[] = "an earlier line of the file raises (\"Remainder of file ignored\")";
static const char CAUSE_FATAL[] = "an earlier hook ends the start-up";
static const char CAUSE_DORMANT[] = "leading whitespace: not an import line before 3.15";
static const char CAUSE_BOM[] = "a BOM in front: not an import line before 3.13";
static const char CAUSE_DECODE[] = "the file is not valid UTF-8: start-up fails before this line";
static const char CAUSE_NO_TARGET[] = "the path does not exist";

/*
 * Modules that import without a file on sys.path: compiled in
 * (sys.builtin_module_names) or frozen (_imp._frozen_module_names() from
 * 3.11), as printed by CPython 2.7.18, 3.6.15 to 3.13.0 and Debian 12's
 * 3.11.2, whose build compiles in more (_elementtree, spwd, syslog, ...).
 * `major` limits a name to Python 2 or 3 (0: both). A name missing here is
 * still looked for on sys.path, so the list errs towards "exists": an
 * import predicted to raise hides the lines after it.
 */
static const struct builtin_module {
	const char *name;
	int major;
} builtin_modules[] = {
	{ "__builtin__", 2 }, { "exceptions", 2 }, { "imp", 2 }, { "thread", 2 }, { "signal", 0 },
	{ "__main__", 0 }, { "__hello__", 0 }, { "__phello__", 0 }, { "__hello_alias__", 3 },
	{ "__hello_only__", 3 }, { "__phello_alias__", 3 }, { "builtins", 3 },
	{ "_frozen_importlib", 3 }, { "_frozen_importlib_external", 3 }, { "_abc", 3 },
	{ "_ast", 0 }, { "_bisect", 0 }, { "_blake2", 3 }, { "_codecs", 0 }, { "_collections", 0 },
	{ "_collections_abc", 3 }, { "_contextvars", 3 }, { "_csv", 0 }, { "_datetime", 3 },
	{ "_elementtree", 0 }, { "_functools", 0 }, { "_heapq", 0 }, { "_imp", 3 }, { "_io", 0 },
	{ "_locale", 0 }, { "_md5", 0 }, { "_opcode", 3 }, { "_operator", 3 }, { "_peg_parser", 3 },
	{ "_pickle", 3 }, { "_posixsubprocess", 3 }, { "_random", 0 }, { "_sha1", 3 }, { "_sha2", 3 },
	{ "_sha256", 0 }, { "_sha3", 3 }, { "_sha512", 0 }, { "_signal", 3 }, { "_sitebuiltins", 3 },
	{ "_socket", 0 }, { "_sre", 0 }, { "_stat", 3 }, { "_statistics", 3 }, { "_string", 3 },
	{ "_struct", 0 }, { "_suggestions", 3 }, { "_symtable", 0 }, { "_sysconfig", 3 },
	{ "_thread", 3 }, { "_tokenize", 3 }, { "_tracemalloc", 3 }, { "_typing", 3 },
	{ "_warnings", 0 }, { "_weakref", 0 }, { "abc", 3 }, { "array", 0 }, { "atexit", 3 },
	{ "binascii", 0 }, { "cmath", 0 }, { "codecs", 3 }, { "errno", 0 }, { "faulthandler", 3 },
	{ "fcntl", 0 }, { "gc", 0 }, { "genericpath", 3 }, { "grp", 0 }, { "io", 3 },
	{ "itertools", 0 }, { "marshal", 0 }, { "math", 0 }, { "ntpath", 3 }, { "os", 3 },
	{ "posix", 0 }, { "posixpath", 3 }, { "pwd", 0 }, { "pyexpat", 0 }, { "runpy", 3 },
	{ "select", 0 }, { "site", 3 }, { "spwd", 0 }, { "stat", 3 }, { "sys", 0 }, { "syslog", 0 },
	{ "time", 0 }, { "unicodedata", 0 }, { "xxsubtype", 0 }, { "zipimport", 0 }, { "zlib", 0 },
};

/* One .pth file, read once for every interpreter that reads it. */
struct pth_file {
	enum scan_read_status status;
	struct scan_file file;
	char sha256[65];
};

/* The walk of one interpreter (and user base) through its site folders. */
struct site_walk {
	struct scan_ctx *ctx;
	size_t interp;
	const struct scan_interp *in;
	struct scan_syspath path;
	bool fatal;      /* a hook ended the start-up: nothing after it runs */
	char *fatal_at;  /* the file of that hook (malloc()ed), for the modules it keeps from running */
	bool hooked;     /* an executed line may have changed what imports find: predict no failure */
	size_t nvenv;    /* sys.path entries up to and including the venv's site folders */
	size_t nstd;     /* the first nstd sys.path entries are the standard library's */
};

void scan_syspath_add(struct scan_syspath *p, const char *dir)
{
	for (size_t i = 0; i < p->n; i++) {
		if (strcmp(p->dirs[i], dir) == 0)
			return;
	}
	p->dirs = xgrow(p->dirs, &p->cap, p->n + 1, sizeof(*p->dirs));
	p->dirs[p->n++] = xstrdup(dir);
}

void scan_syspath_free(struct scan_syspath *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->dirs[i]);
	free(p->dirs);
	memset(p, 0, sizeof(*p));
}

static char empty_listing;

const struct scan_dir *scan_listing(struct scan_ctx *ctx, const char *dir)
{
	void **slot = strmap_upsert(&ctx->listings, dir, strlen(dir));
	struct scan_dir *d;

	if (*slot == &empty_listing)
		return NULL;
	if (*slot != NULL)
		return *slot;
	d = xmalloc(sizeof(*d));
	if (scan_fs_list(&ctx->fs, dir, d) != 0) {
		int err = errno;

		free(d);
		*slot = &empty_listing;
		/* An absent folder holds nothing; one that exists but cannot be read may hold hooks. */
		if (err != ENOENT && err != ENOTDIR)
			scan_error(ctx, dir, "folder on a start-up path cannot be listed: %s; hooks in it are "
				   "not seen: run as root (or its owner) to scan it", strerror(err));
		return NULL;
	}
	if (d->truncated)
		scan_error(ctx, dir, "folder has more than %zu entries (--max-dir-entries): the rest is not read",
			   ctx->opt.max_dir_entries);
	*slot = d;
	return d;
}

bool scan_listing_has(const struct scan_dir *d, const char *name, unsigned char *type)
{
	size_t lo = 0, hi = d ? d->n : 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(d->v[mid].name, name);

		if (c == 0) {
			if (type)
				*type = d->v[mid].type;
			return true;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/* True when a listing has NAME.py, NAME.pyc, NAME/ or NAME.<anything>.so / NAME.so. */
static bool module_in_listing(const struct scan_dir *d, const char *name)
{
	size_t len = strlen(name);
	struct buf probe = BUF_INIT;
	bool found = false;
	size_t lo = 0, hi = d ? d->n : 0;

	buf_printf(&probe, "%s.py", name);
	found = scan_listing_has(d, name, NULL) || scan_listing_has(d, probe.data, NULL);
	buf_putc(&probe, 'c');
	found = found || scan_listing_has(d, probe.data, NULL);
	buf_free(&probe);
	if (found || d == NULL)
		return found;

	/* Extension modules: NAME.so, NAME.abi3.so, NAME.cpython-311-x86_64-linux-gnu.so. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strncmp(d->v[mid].name, name, len) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < d->n && strncmp(d->v[i].name, name, len) == 0; i++) {
		const char *rest = d->v[i].name + len;
		size_t rlen = strlen(rest);

		if (rest[0] == '.' && rlen >= 3 && strcmp(rest + rlen - 3, ".so") == 0)
			return true;
	}
	return false;
}

static bool builtin_module(int major, const char *name)
{
	for (size_t i = 0; i < sizeof(builtin_modules) / sizeof(builtin_modules[0]); i++) {
		if ((builtin_modules[i].major == 0 || builtin_modules[i].major == major) &&
		    strcmp(name, builtin_modules[i].name) == 0)
			return true;
	}
	return false;
}

/*
 * True when a sys.path entry can contain modules that a listing does not show:
 * an existing folder that cannot be listed, or a file (a zip or an egg).
 * An absent entry holds nothing (the import system skips it).
 */
static bool opaque_entry(struct scan_ctx *ctx, const char *dir)
{
	struct stat st;

	if (scan_listing(ctx, dir) != NULL)
		return false;
	return scan_fs_stat(&ctx->fs, dir, &st) == 0;
}

bool scan_module_exists(struct scan_ctx *ctx, const struct scan_syspath *p, size_t upto,
			int major, const char *name, size_t len)
{
	char *copy = xstrndup(name, len);
	bool found = builtin_module(major, copy);

	for (size_t i = 0; i < upto && i < p->n && !found; i++) {
		found = module_in_listing(scan_listing(ctx, p->dirs[i]), copy) ||
			opaque_entry(ctx, p->dirs[i]);
	}
	free(copy);
	return found;
}

static struct pth_file *read_pth(struct scan_ctx *ctx, const char *path)
{
	void **slot = strmap_upsert(&ctx->pth_cache, path, strlen(path));
	struct pth_file *pf;

	if (*slot != NULL)
		return *slot;
	pf = xcalloc(1, sizeof(*pf));
	pf->status = scan_fs_read(&ctx->fs, path, &pf->file);
	if (pf->status == SCAN_READ_OK)
		scan_sha256_hex(pf->file.data, pf->file.size, pf->sha256);
	ctx->stats.pth_files++;
	*slot = pf;
	return pf;
}

/* The finding for one logical line of a .pth file, with the file's facts. */
static struct scan_finding *line_finding(struct site_walk *w, const char *path,
					 const struct pth_file *pf, const struct scan_pth_line *l)
{
	/* The first line starts at byte 0 even when 3.13 drops a BOM in front of it. */
	size_t offset = l->offset == 3 && l->number == 1 ? 0 : l->offset;
	struct scan_finding *f = scan_finding_at(w->ctx, "pth", path, true, l->line, offset);

	if (f == NULL)
		return NULL;
	scan_finding_set_text(f, l->text, l->len);
	if (f->sha256[0] == '\0') {
		memcpy(f->sha256, pf->sha256, sizeof(f->sha256));
		f->st = pf->file.st;
		f->has_stat = true;
		f->hidden_name = scan_path_base(path)[0] == '.';
	}
	return f;
}

/* A file-level finding of a .pth (no line): decode errors, caps, FIFOs. */
static struct scan_finding *file_finding(struct site_walk *w, const char *path)
{
	return scan_finding_at(w->ctx, "pth", path, false, 0, 0);
}

struct import_check {
	struct site_walk *w;
	const char *missing;
	size_t missing_len;
};

static bool check_import(const char *name, size_t len, void *arg)
{
	struct import_check *c = arg;

	if (c->w->in->stdlib == NULL || c->w->hooked ||
	    scan_module_exists(c->w->ctx, &c->w->path, c->w->path.n, c->w->in->ver.major, name, len))
		return true;
	c->missing = name;
	c->missing_len = len;
	return false;
}

/*
 * True when an executed line may make later imports find what no folder
 * shows: an import hook, a sys.modules entry, a new sys.path entry, an
 * installed finder. Later import lines are then not predicted to raise.
 * setuptools' add_shim() is not among them: its finder answers only for
 * distutils.
 * NOTE: a module that the line imports can do the same out of sight; only
 * the line's own text is looked at.
 */
static bool changes_imports(const char *text, size_t len)
{
	static const char *const tokens[] = {
		"meta_path", "path_hooks", "path_importer_cache", "modules", "sys.path", "addsitedir",
		"install(", "setattr", "__builtins__",
	};

	for (size_t i = 0; i < sizeof(tokens) / sizeof(tokens[0]); i++) {
		if (memmem(text, len, tokens[i], strlen(tokens[i])) != NULL)
			return true;
	}
	return false;
}

/*
 * Judges one module an executed line imports, found outside the standard
 * library, with the verdict rules: its path and reasons join the line's
 * finding, and a primitive in it raises the line's verdict.
 */
static void judge_module(struct site_walk *w, struct scan_finding *f, const char *name,
			 const char *module)
{
	struct scan_verdict_input in = { 0 };
	struct buf code = BUF_INIT, reasons = BUF_INIT;
	struct scan_file file;
	enum scan_read_status status = scan_fs_read(&w->ctx->fs, module, &file);
	size_t mlen = strlen(module);
	enum scan_verdict v;

	if (status != SCAN_READ_OK) {
		scan_finding_reason(f, "imports %s from %s, which %s", name, module,
				    scan_read_status_text(status, file.err));
		return;
	}
	in.binary = mlen > 4 && (strcmp(module + mlen - 4, ".pyc") == 0 || strcmp(module + mlen - 3, ".so") == 0);
	if (in.binary)
		scan_pyc_strings(file.data, file.size, &code);
	else
		buf_append(&code, file.data, file.size);
	in.code = code.data;
	in.len = code.len;
	in.executes = in.runs = true;
	v = scan_verdict_for(&in, &reasons);
	scan_finding_reason(f, "imports %s from %s: %s", name, module, reasons.data ? reasons.data : "");
	if (v > SCAN_LOW) {
		f->module_suspect = true;
		if (f->floor < v)
			f->floor = v;
	}
	buf_free(&reasons);
	buf_free(&code);
	scan_file_free(&file);
}

/* setuptools' module must be the one beside distutils-precedence.pth, not one found earlier. */
static void check_distutils_hack(struct scan_finding *f, const char *module)
{
	char *site = scan_path_dir(f->path);
	char *own = scan_path_join(site, "_distutils_hack/__init__.py");

	if (strcmp(module, own) != 0) {
		f->module_suspect = true;
		if (f->floor < SCAN_MEDIUM)
			f->floor = SCAN_MEDIUM;
		scan_finding_reason(f, "_distutils_hack resolves to %s, which shadows setuptools' %s",
				    module, own);
	}
	free(own);
	free(site);
}

struct follow {
	struct site_walk *w;
	struct scan_finding *f;
};

/* One imported name: resolved as the interpreter would at that point of the start-up. */
static bool follow_one(const char *name, size_t len, void *arg)
{
	struct follow *c = arg;
	const char *dot = memchr(name, '.', len);
	char *top = xstrndup(name, dot ? (size_t)(dot - name) : len);
	size_t at = 0;
	char *module = scan_module_resolve(c->w->ctx, c->w->interp, &c->w->path, top, &at);

	/* The interpreter's own standard library is not judged: it defines every primitive. */
	if (module != NULL && at >= c->w->nstd) {
		if (strcmp(top, "_distutils_hack") == 0)
			check_distutils_hack(c->f, module);
		judge_module(c->w, c->f, top, module);
	}
	free(module);
	free(top);
	return true;
}

/*
 * Follows the modules an executed line names, one level: `import a, b`
 * statements and __import__('name') calls (setuptools' line uses the latter).
 */
static void follow_imports(struct site_walk *w, struct scan_finding *f, const char *text, size_t len)
{
	struct follow c = { w, f };
	const char *p = text, *end = text + len;

	scan_pth_each_import(text, len, follow_one, &c);
	while ((p = memmem(p, (size_t)(end - p), "__import__(", 11)) != NULL) {
		const char *q = p + 11, *e;

		p = q;
		if (q >= end || (*q != '\'' && *q != '"'))
			continue;
		e = memchr(q + 1, *q, (size_t)(end - q - 1));
		if (e != NULL && e > q + 1)
			follow_one(q + 1, (size_t)(e - q - 1), &c);
	}
}

/*
 * An executed line: who runs it, and whether it stops the file (an import
 * that no folder on sys.path can satisfy, a bare raise) or the start-up.
 */
static void run_import_line(struct site_walk *w, struct scan_finding *f,
			    const struct scan_pth_line *l, bool in_venv, bool *stopped)
{
	struct import_check check = { w, NULL, 0 };
	enum scan_line_effect effect = scan_pth_effect(l->text, l->len);

	f->executes = true;
	scan_finding_add_interp(f, w->interp);
	if (in_venv)
		scan_finding_reason(f, "in a virtual environment's site folder: runs twice per start");

	if (effect == SCAN_EFFECT_EXITS) {
		f->fatal = true;
		scan_finding_reason(f, "ends the interpreter (sys.exit or the like): every start of the "
				    "interpreters listed fails (\"Fatal Python error: init_import_site\")");
		w->fatal = true;
		w->fatal_at = xstrdup(f->path);
		return;
	}
	if (effect == SCAN_EFFECT_RAISES) {
		*stopped = true;
		scan_finding_reason(f, "raises: the lines after it in this file do not run (before 3.15)");
		return;
	}
	if (!scan_pth_each_import(l->text, l->len, check_import, &check)) {
		*stopped = true;
		scan_finding_reason(f, "imports '%.*s', which no folder on sys.path holds at that point "
				    "for %s: it raises, and the lines after it in this file do not run "
				    "(before 3.15)", (int)check.missing_len, check.missing, w->in->version);
	}
	follow_imports(w, f, l->text, l->len);
	if (changes_imports(l->text, l->len))
		w->hooked = true;
}

/* Lexical os.path.abspath(os.path.join(site, text)). */
static char *make_path(const char *site, const char *text, size_t len)
{
	struct buf joined = BUF_INIT;
	struct buf out = BUF_INIT;
	const char *p;

	if (len == 0 || text[0] != '/') {
		buf_puts(&joined, site);
		buf_putc(&joined, '/');
	}
	buf_append(&joined, text, len);
	for (p = joined.data; *p;) {
		const char *end = strchrnul(p, '/');
		size_t n = (size_t)(end - p);

		if (n == 2 && p[0] == '.' && p[1] == '.') {
			while (out.len > 0 && out.data[out.len - 1] != '/')
				out.len--;
			if (out.len > 0)
				out.len--;
		} else if (n > 0 && !(n == 1 && p[0] == '.')) {
			buf_putc(&out, '/');
			buf_append(&out, p, n);
		}
		p = *end ? end + 1 : end;
	}
	buf_free(&joined);
	if (out.len == 0)
		buf_putc(&out, '/');
	out.data[out.len] = '\0';
	return buf_detach(&out);
}

/* A path line: the folder (or file) it adds to sys.path when it exists. */
static void path_line(struct site_walk *w, struct scan_finding *f, const char *site,
		      const struct scan_pth_line *l)
{
	const char *text;
	size_t len;
	struct stat st;
	char *target;

	scan_pth_path_text(l, &w->in->rules, &text, &len);
	if (memchr(text, '\0', len) != NULL)
		return;
	target = make_path(site, text, len);
	if (scan_fs_stat(&w->ctx->fs, target, &st) == 0) {
		scan_finding_add_interp(f, w->interp);
		scan_syspath_add(&w->path, target);
		if (S_ISDIR(st.st_mode) && (st.st_mode & S_IWOTH) && !(st.st_mode & S_ISVTX))
			scan_finding_reason(f, "adds %s, which every user can write to", target);
		else if (st.st_uid != 0 && st.st_uid != f->st.st_uid)
			scan_finding_reason(f, "adds %s, owned by uid %u, not by the .pth file's owner",
					    target, (unsigned)st.st_uid);
		else
			scan_finding_reason(f, "adds %s to sys.path", target);
	} else {
		scan_finding_note(f, w->interp, CAUSE_NO_TARGET);
	}
	free(target);
}

/* One line under this interpreter's rules. */
static void process_line(struct site_walk *w, const char *path, const char *site,
			 const struct pth_file *pf, const struct scan_pth_line *l, bool in_venv,
			 bool *stopped)
{
	struct scan_finding *f;

	if (l->kind == SCAN_LINE_BLANK || l->kind == SCAN_LINE_COMMENT)
		return;
	f = line_finding(w, path, pf, l);
	if (f == NULL)
		return;
	if (*stopped) {
		scan_finding_note(f, w->interp, CAUSE_STOPPED);
		return;
	}
	switch (l->kind) {
	case SCAN_LINE_IMPORT:
		run_import_line(w, f, l, in_venv, stopped);
		break;
	case SCAN_LINE_DORMANT:
		f->dormant = true;
		scan_finding_note(f, w->interp, CAUSE_DORMANT);
		break;
	default:
		if (l->hidden_by_bom) {
			f->dormant = true;
			scan_finding_note(f, w->interp, CAUSE_BOM);
		}
		path_line(w, f, site, l);
		break;
	}
}

/* Lines that exist for this version but are never reached: notes only. */
static void note_rest(struct site_walk *w, const char *path, const struct pth_file *pf,
		      const struct scan_pth_text *t, size_t from, const char *cause)
{
	for (size_t i = from; i < t->n; i++) {
		const struct scan_pth_line *l = &t->lines[i];
		struct scan_finding *f;

		if (l->kind == SCAN_LINE_BLANK || l->kind == SCAN_LINE_COMMENT)
			continue;
		f = line_finding(w, path, pf, l);
		if (f != NULL) {
			f->executes |= l->kind == SCAN_LINE_IMPORT;
			f->dormant |= l->kind == SCAN_LINE_DORMANT;
			scan_finding_note(f, w->interp, cause);
		}
	}
}

/* A decode error: the lines read before it run, then the start-up fails. */
static size_t decode_error(struct site_walk *w, const char *path, const struct scan_pth_text *t)
{
	struct scan_finding *f = file_finding(w, path);

	if (f != NULL) {
		f->fatal = true;
		f->executes = true;
		scan_finding_add_interp(f, w->interp);
		scan_finding_reason(f, "not valid UTF-8 at byte %zu: every start of the interpreters "
				    "listed fails (\"Fatal Python error: init_import_site\")",
				    t->error_offset);
	}
	return t->lines_before_error;
}

/*
 * A .pth over --max-file-size still runs, and a start-up file that large is
 * itself a warning sign (a padded payload): at least high, and its first
 * and last SCAN_OVERSIZE_PART bytes are read for lines that run code.
 * NOTE: the middle is not read, and the lines found carry no line numbers.
 */
static void oversize_pth(struct site_walk *w, struct scan_finding *f, const char *path, size_t size)
{
	struct scan_file ends;
	struct scan_pth_text t;
	struct buf code = BUF_INIT;

	if (f->floor < SCAN_HIGH)
		f->floor = SCAN_HIGH;
	scan_finding_reason(f, "%zu bytes, larger than --max-file-size (%zu): a start-up file that "
			    "large hides what it runs; only its first and last %d KiB were analysed",
			    size, w->ctx->opt.max_file_size, SCAN_OVERSIZE_PART / 1024);
	if (f->code != NULL || scan_fs_read_ends(&w->ctx->fs, path, SCAN_OVERSIZE_PART, &ends) != SCAN_READ_OK)
		return;
	scan_pth_read(ends.data, ends.size, &w->in->rules, w->ctx->opt.max_pth_lines, &t);
	for (size_t i = 0; i < t.n; i++) {
		if (t.lines[i].kind == SCAN_LINE_IMPORT) {
			buf_append(&code, t.lines[i].text, t.lines[i].len);
			buf_putc(&code, '\n');
		}
	}
	if (code.len > 0)
		scan_finding_reason(f, "the parts read contain lines that run code");
	f->code_len = code.len;
	f->code = code.len > 0 ? buf_detach(&code) : NULL;
	buf_free(&code);
	f->st = ends.st;
	f->has_stat = true;
	scan_pth_free(&t);
	scan_file_free(&ends);
}

/* A .pth name that cannot be read as a file. */
static void unreadable_pth(struct site_walk *w, const char *path, const struct pth_file *pf)
{
	struct scan_finding *f;

	if (pf->status == SCAN_READ_NOT_REGULAR && S_ISDIR(pf->file.st.st_mode))
		return; /* open() fails with an OSError, which site.addpackage() ignores */
	if (pf->status == SCAN_READ_ABSENT)
		return; /* a dangling symlink: the same OSError */
	f = file_finding(w, path);
	if (f == NULL)
		return;
	scan_finding_add_interp(f, w->interp);
	f->executes = true;
	if (pf->status == SCAN_READ_NOT_REGULAR && S_ISFIFO(pf->file.st.st_mode)) {
		f->fatal = true;
		scan_finding_reason(f, "a FIFO named .pth: the interpreters listed block at start-up "
				    "until something writes to it");
	} else if (pf->status == SCAN_READ_TOO_BIG) {
		oversize_pth(w, f, path, pf->file.size);
	} else {
		scan_finding_reason(f, "%s: not analysed",
				    scan_read_status_text(pf->status, pf->file.err));
	}
}

static void process_pth(struct site_walk *w, const char *site, const char *name, bool in_venv)
{
	char *path = scan_path_join(site, name);
	struct pth_file *pf = read_pth(w->ctx, path);
	struct scan_pth_text t;
	bool hidden = name[0] == '.' && w->in->rules.skip_hidden;
	bool stopped = false;
	size_t upto;

	if (pf->status != SCAN_READ_OK) {
		if (!hidden)
			unreadable_pth(w, path, pf);
		free(path);
		return;
	}
	scan_pth_read(pf->file.data, pf->file.size, &w->in->rules, w->ctx->opt.max_pth_lines, &t);
	if (t.truncated)
		scan_error(w->ctx, path, "more than %zu lines (--max-pth-lines): the rest is not analysed",
			   w->ctx->opt.max_pth_lines);

	if (hidden) {
		note_rest(w, path, pf, &t, 0, CAUSE_HIDDEN);
	} else {
		upto = t.decode_error ? decode_error(w, path, &t) : t.n;
		for (size_t i = 0; i < upto && !w->fatal; i++) {
			process_line(w, path, site, pf, &t.lines[i], in_venv, &stopped);
			if (stopped && w->in->rules.continue_on_error)
				stopped = false;
		}
		if (t.decode_error) {
			w->fatal = true;
			if (w->fatal_at == NULL) /* a line before the bad byte may have exited already */
				w->fatal_at = xstrdup(path);
			note_rest(w, path, pf, &t, upto, CAUSE_DECODE);
		}
	}
	scan_pth_free(&t);
	free(path);
}

static bool is_pth_name(const char *name)
{
	size_t len = strlen(name);

	return len >= 4 && strcmp(name + len - 4, ".pth") == 0;
}

/* site.addsitedir(): the folder joins sys.path, then its .pth files in sorted order. */
static void process_site(struct site_walk *w, const char *site, bool in_venv)
{
	const struct scan_dir *d = scan_listing(w->ctx, site);

	scan_syspath_add(&w->path, site);
	for (size_t i = 0; d != NULL && i < d->n && !w->fatal; i++) {
		if (is_pth_name(d->v[i].name))
			process_pth(w, site, d->v[i].name, in_venv);
	}
}

/* Every later line of every later file is never reached: noted for the report. */
static void note_after_fatal(struct site_walk *w, const char **sites, size_t nsites)
{
	for (size_t s = 0; s < nsites; s++) {
		const struct scan_dir *d = scan_listing(w->ctx, sites[s]);

		for (size_t i = 0; d != NULL && i < d->n; i++) {
			char *path;
			struct pth_file *pf;
			struct scan_pth_text t;

			if (!is_pth_name(d->v[i].name))
				continue;
			path = scan_path_join(sites[s], d->v[i].name);
			pf = read_pth(w->ctx, path);
			if (pf->status == SCAN_READ_OK) {
				scan_pth_read(pf->file.data, pf->file.size, &w->in->rules,
					      w->ctx->opt.max_pth_lines, &t);
				note_rest(w, path, pf, &t, 0, CAUSE_FATAL);
				scan_pth_free(&t);
			}
			free(path);
		}
	}
}

/* The ordered site folders of one walk: venv's, the user site, the system's. */
static size_t walk_sites(const struct scan_interp *in, const char *user_site, const char **out)
{
	size_t n = 0;

	for (size_t i = 0; i < in->venv_sites; i++)
		out[n++] = in->site_dirs[i];
	if (user_site)
		out[n++] = user_site;
	for (size_t i = in->venv_sites; i < in->nsite_dirs; i++)
		out[n++] = in->site_dirs[i];
	return n;
}

/* One start of interpreter `i`, by a user whose user site is `user_site` (or none). */
static void run_walk(struct scan_ctx *ctx, size_t i, const char *user_site)
{
	const struct scan_interp *in = &ctx->interps[i];
	struct site_walk w = { ctx, i, in, { NULL, 0, 0 }, false, NULL, false, 0, 0 };
	const char **sites = xcalloc(in->nsite_dirs + 1, sizeof(*sites));
	size_t nsites = walk_sites(in, user_site, sites);

	if (in->stdlib) {
		char *dynload = scan_path_join(in->stdlib, "lib-dynload");

		/* sys.path starts with BASE/lib/pythonXY.zip; when it exists, its content is not listed. */
		if (in->base_prefix && in->ver.major == 3)
			scan_syspath_add(&w.path, scan_printf(ctx, "%s/lib/python%d%d.zip", in->base_prefix,
							      in->ver.major, in->ver.minor));
		scan_syspath_add(&w.path, in->stdlib);
		scan_syspath_add(&w.path, dynload);
		free(dynload);
	}
	w.nstd = w.path.n;
	for (size_t s = 0; s < nsites && !w.fatal; s++) {
		process_site(&w, sites[s], s < in->venv_sites);
		if (w.fatal)
			note_after_fatal(&w, sites + s, nsites - s);
	}
	/*
	 * Behind a start-breaking hook the customize modules do not run yet, but
	 * removing that hook makes them run: they are searched on the sys.path
	 * the start-up would reach (every site folder; path lines of the files
	 * not processed are not known) and marked as blocked.
	 */
	for (size_t s = 0; w.fatal && s < nsites; s++)
		scan_syspath_add(&w.path, sites[s]);
	scan_customize(ctx, i, &w.path, in->user_site, w.fatal_at);
	free(w.fatal_at);
	free(sites);
	scan_syspath_free(&w.path);
}

/* The user site of a user base for this interpreter, if that folder exists. */
static char *user_site_of(struct scan_ctx *ctx, const struct scan_interp *in, const char *base)
{
	char *site = scan_printf(ctx, "%s/lib/python%d.%d%s/site-packages", base, in->ver.major,
				 in->ver.minor, in->freethreaded ? "t" : "");
	struct stat st;

	if (scan_fs_stat(&ctx->fs, site, &st) != 0 || !S_ISDIR(st.st_mode))
		return NULL;
	return site;
}

void scan_sites(struct scan_ctx *ctx)
{
	for (size_t i = 0; i < ctx->ninterps; i++) {
		const struct scan_interp *in = &ctx->interps[i];

		ctx->stats.site_dirs += in->nsite_dirs;
		run_walk(ctx, i, NULL);
		for (size_t u = 0; in->user_site && u < ctx->nuserbases; u++) {
			char *site = user_site_of(ctx, in, ctx->userbases[u].base);

			if (site != NULL) {
				ctx->stats.site_dirs++;
				run_walk(ctx, i, site);
			}
		}
	}
}

const struct strmap *scan_stdlib_names(struct scan_ctx *ctx, const struct scan_interp *in)
{
	void **slot;
	const struct scan_dir *d;
	struct strmap *names;

	if (in->stdlib == NULL)
		return NULL;
	slot = strmap_upsert(&ctx->stdlib_names, in->stdlib, strlen(in->stdlib));
	if (*slot != NULL)
		return *slot;
	names = xmalloc(sizeof(*names));
	strmap_init(names);
	*slot = names;
	d = scan_listing(ctx, in->stdlib);
	for (size_t i = 0; d != NULL && i < d->n; i++) {
		const char *name = d->v[i].name;
		size_t len = strcspn(name, ".");

		if (len == 0 || strcmp(name, "site-packages") == 0 || strcmp(name, "dist-packages") == 0 ||
		    strcmp(name, "sitecustomize.py") == 0 || strcmp(name, "usercustomize.py") == 0)
			continue;
		if (name[len] == '\0' || strcmp(name + len, ".py") == 0)
			*strmap_upsert(names, name, len) = names;
	}
	return names;
}

bool scan_site_file(struct scan_ctx *ctx, const char *path, const char **data, size_t *len)
{
	struct pth_file *pf = strmap_get(&ctx->pth_cache, path, strlen(path));

	if (pf == NULL || pf->status != SCAN_READ_OK)
		return false;
	*data = pf->file.data;
	*len = pf->file.size;
	return true;
}

static void free_listing(const char *key, size_t len, void *value, void *arg)
{
	(void)key;
	(void)len;
	(void)arg;
	if (value != &empty_listing) {
		scan_dir_free(value);
		free(value);
	}
}

static void free_pth(const char *key, size_t len, void *value, void *arg)
{
	struct pth_file *pf = value;

	(void)key;
	(void)len;
	(void)arg;
	scan_file_free(&pf->file);
	free(pf);
}

void scan_site_free(struct scan_ctx *ctx)
{
	strmap_each(&ctx->listings, free_listing, NULL);
	strmap_free(&ctx->listings);
	strmap_each(&ctx->pth_cache, free_pth, NULL);
	strmap_free(&ctx->pth_cache);
}
