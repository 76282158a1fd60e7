/*
 * The site stage: .pth files as each interpreter reads them. See scan_site.h.
 *
 * The order follows site.main(): the venv's site folders, the user site,
 * the venv's site folders again (site.venv() and site.addsitepackages()
 * both read them), then the system site folders. Within a folder, the
 * `*.pth` names come in sorted order. Within a file, the lines come in
 * order until a line raises (before 3.15) or ends the start-up. A line that calls
 * site.addsitedir() on a constant folder has that folder's .pth files read
 * at that point.
 */
#include "scan_site.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scan_custom.h"
#include "scan_hash.h"
#include "scan_owner.h"
#include "scan_pth.h"
#include "scan_pycode.h"
#include "scan_verdict.h"
#include "scan_zip.h"
#include "util/xalloc.h"

/* Folders that site.addsitedir() calls add within one start, nested or not (then reported). */
#define SCAN_MAX_ADDSITEDIR 16

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
static const char CAUSE_NUL[] = "a path with a NUL byte never exists (os.path.exists is false)";
static const char CAUSE_NUL_RAISES[] = "a path with a NUL byte makes os.path.exists raise before 3.8: "
				       "the lines after it in this file do not run";

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
	const char *hooked_by; /* the module that did, when it was not the line itself */
	bool second_pass; /* reading a venv's site folders for the second time in this start */
	size_t nadded;   /* folders processed for site.addsitedir() calls, up to SCAN_MAX_ADDSITEDIR */
	const char *added_by; /* the .pth whose addsitedir() call is being followed, or NULL */
	size_t nstd;     /* the first nstd sys.path entries are the standard library's */
};

void scan_syspath_add_from(struct scan_syspath *p, const char *dir, const char *origin)
{
	for (size_t i = 0; i < p->n; i++) {
		if (strcmp(p->dirs[i], dir) == 0)
			return;
	}
	p->dirs = xgrow(p->dirs, &p->cap, p->n + 1, sizeof(*p->dirs));
	p->origins = xgrow(p->origins, &p->origins_cap, p->n + 1, sizeof(*p->origins));
	p->origins[p->n] = origin ? xstrdup(origin) : NULL;
	p->dirs[p->n++] = xstrdup(dir);
}

void scan_syspath_add(struct scan_syspath *p, const char *dir)
{
	scan_syspath_add_from(p, dir, NULL);
}

void scan_syspath_free(struct scan_syspath *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->dirs[i]);
		free(p->origins[i]);
	}
	free(p->dirs);
	free(p->origins);
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

/* A NUL byte in a .pth: no tool writes one, and it hides the rest of a line from C-string readers. */
static void nul_byte(struct scan_finding *f)
{
	scan_finding_reason(f, "holds a NUL byte, which no tool writes into a start-up file");
	if (f->floor < SCAN_MEDIUM)
		f->floor = SCAN_MEDIUM;
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
	if (w->added_by != NULL)
		scan_finding_reason(f, "read because %s calls site.addsitedir() on its folder", w->added_by);
	if (f->sha256[0] == '\0') {
		memcpy(f->sha256, pf->sha256, sizeof(f->sha256));
		f->st = pf->file.st;
		f->has_stat = true;
		f->hidden_name = scan_path_base(path)[0] == '.';
		if (memchr(l->text, '\0', l->len) != NULL)
			nul_byte(f);
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

/* True when a name has a non-ASCII byte: Python looks up its NFKC form, which may exist. */
static bool non_ascii(const char *name, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)name[i] >= 0x80)
			return true;
	}
	return false;
}

static bool check_import(const char *name, size_t len, void *arg)
{
	struct import_check *c = arg;

	if (c->w->in->stdlib == NULL || non_ascii(name, len) ||
	    scan_module_exists(c->w->ctx, &c->w->path, c->w->path.n, c->w->in->ver.major, name, len))
		return true;
	c->missing = name;
	c->missing_len = len;
	return c->w->hooked; /* an earlier hook may make it importable: taken to run */
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

/* Levels of imports followed from an executed line, and modules judged for one line. */
#define SCAN_MAX_IMPORT_DEPTH 4
#define SCAN_MAX_IMPORTED 64
/* Parts of one dotted module name resolved (pkg.sub.mod): deeper parts are not followed. */
#define SCAN_MAX_PACKAGE_DEPTH 16

/* The modules one executed line imports, followed through the modules' own imports. */
struct follow {
	struct site_walk *w;
	struct scan_finding *f;
	struct strmap seen;   /* module paths already judged for this line */
	size_t depth;         /* 1 for the line's own imports */
	size_t njudged;
	bool capped;          /* SCAN_MAX_IMPORTED reached: reported once */
	const char *via;      /* the module whose imports are being followed, NULL for the line */
};

static bool follow_one(const char *name, size_t len, void *arg);

/* Bytes of one dotted module name built for `from X import a` (X.a). */
#define SCAN_MAX_MODULE_NAME 512

/*
 * `from X import a, b as c`: X, then X.a and X.b, since a name imported from
 * a package can be a submodule that the import loads. `rest` is the text
 * after `import`, up to the end of the line or a ';'.
 */
static void from_names(const char *mod, size_t mlen, const char *rest, const char *end,
		       bool (*fn)(const char *, size_t, void *), void *arg)
{
	char name[SCAN_MAX_MODULE_NAME];
	const char *p = rest;

	fn(mod, mlen, arg);
	while (p < end) {
		const char *n, *ne;

		while (p < end && (*p == ' ' || *p == '\t' || *p == '(' || *p == ','))
			p++;
		for (n = p; p < end && (*p == '_' || (*p >= '0' && *p <= '9') || ((*p | 0x20) >= 'a' &&
					(*p | 0x20) <= 'z') || (unsigned char)*p >= 0x80); p++)
			;
		ne = p;
		if (ne == n)
			break;
		if (mlen + 1 + (size_t)(ne - n) < sizeof(name)) {
			size_t at = mlen;

			memcpy(name, mod, mlen);
			if (mod[mlen - 1] != '.') /* `from . import sub` gives ".sub" */
				name[at++] = '.';
			memcpy(name + at, n, (size_t)(ne - n));
			fn(name, at + (size_t)(ne - n), arg);
		}
		while (p < end && *p != ',' && *p != ';')
			p++; /* skips `as c` */
		if (p < end && *p == ';')
			break;
	}
}

/* The end of a call's first argument at p: the ',' or ')' at depth 0 outside strings, or NULL. */
static const char *argument_end(const char *p, const char *end)
{
	int depth = 0;
	char quote = 0;

	for (; p < end; p++) {
		if (quote != 0 && *p == '\\' && p + 1 < end)
			p++; /* an escaped character inside a string */
		else if (quote != 0 && *p == quote)
			quote = 0;
		else if (quote == 0 && (*p == '\'' || *p == '"'))
			quote = *p;
		else if (quote == 0 && (*p == '(' || *p == '['))
			depth++;
		else if (quote == 0 && (*p == ')' || *p == ']') && depth-- == 0)
			return p;
		else if (quote == 0 && *p == ',' && depth == 0)
			return p;
		else if (quote == 0 && *p == '\n')
			return NULL;
	}
	return NULL;
}

/*
 * __import__(NAME) and import_module(NAME) where NAME is a string
 * expression of literals only ('n02_' + 'stage2', chr(), ...): the value
 * folded as scan_pycode.h folds it. A computed name is not followed; the
 * verdict rules report it.
 */
static void dynamic_imports(const char *src, size_t len, bool (*fn)(const char *, size_t, void *),
			    void *arg)
{
	static const char *const calls[] = { "__import__(", "import_module(" };

	for (size_t k = 0; k < 2; k++) {
		const char *p = src, *end = src + len;
		size_t clen = strlen(calls[k]);

		while ((p = memmem(p, (size_t)(end - p), calls[k], clen)) != NULL) {
			const char *a = p + clen, *e = argument_end(a, end);
			struct scan_pycode code;

			p = a;
			if (e == NULL || e == a)
				continue;
			scan_pycode_read(a, (size_t)(e - a), &code);
			if (strcmp(code.skeleton.data, "\"\"") == 0 && code.strings.len > 1 &&
			    strlen(code.strings.data) + 1 == code.strings.len)
				fn(code.strings.data, code.strings.len - 1, arg);
			scan_pycode_free(&code);
		}
	}
}

/* The first part of a dotted name (`a` of a.b.c). */
static size_t first_part(const char *name, size_t len)
{
	const char *dot = memchr(name, '.', len);

	return dot ? (size_t)(dot - name) : len;
}

/*
 * `from X import a, b` at p (after the blanks): X, and X.a, X.b when
 * `whole` (a name imported from a package can be a submodule). Otherwise
 * only X's first part, and nothing for a relative X.
 */
static void from_statement(const char *p, const char *e, bool whole,
			   bool (*fn)(const char *, size_t, void *), void *arg)
{
	const char *n = p + 5, *ne, *rest;

	while (n < e && (*n == ' ' || *n == '\t'))
		n++;
	for (ne = n; ne < e && *ne != ' ' && *ne != '\t' && *ne != ';'; ne++)
		;
	if (ne == n)
		return;
	if (!whole) {
		if (*n != '.')
			fn(n, first_part(n, (size_t)(ne - n)), arg);
		return;
	}
	rest = ne;
	while (rest < e && (*rest == ' ' || *rest == '\t'))
		rest++;
	if (e - rest > 7 && memcmp(rest, "import", 6) == 0)
		from_names(n, (size_t)(ne - n), rest + 6, e, fn, arg);
	else
		fn(n, (size_t)(ne - n), arg);
}

/*
 * Calls `fn` for the imports of a module's source. Statements at the start
 * of a line run when the module is imported: `import a.b` gives a.b, and
 * `from X import y` gives X and X.y (a submodule when X is a package);
 * relative names keep their dots (`from . import sub` gives "." and
 * ".sub") for follow_one() to resolve from the importing module's folder;
 * __import__() and import_module() of a constant name count too.
 * Indented statements (in a function or a branch) give only the first part
 * of an absolute name. Following every submodule that a function might
 * import would judge most of a large package: setuptools' own hook imports
 * setuptools only inside functions.
 */
static void module_imports(const char *src, size_t len, bool (*fn)(const char *, size_t, void *),
			   void *arg)
{
	const char *p = src, *end = src + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end, *start = p;
		bool top;

		while (p < e && (*p == ' ' || *p == '\t'))
			p++;
		top = p == start;
		if (e - p > 7 && memcmp(p, "import", 6) == 0 && (p[6] == ' ' || p[6] == '\t')) {
			if (top)
				scan_pth_each_module(p, (size_t)(e - p), fn, arg);
			else
				scan_pth_each_import(p, (size_t)(e - p), fn, arg);
		} else if (e - p > 5 && memcmp(p, "from", 4) == 0 && (p[4] == ' ' || p[4] == '\t')) {
			from_statement(p, e, top, fn, arg);
		} else if (top) {
			dynamic_imports(p, (size_t)(e - p), fn, arg);
		}
		p = nl ? nl + 1 : end;
	}
}

static bool count_import(const char *name, size_t len, void *arg)
{
	(void)name;
	(void)len;
	(*(size_t *)arg)++;
	return true;
}

/* True for an extension module file: NAME.so, NAME.abi3.so, NAME.cpython-311-x86_64-linux-gnu.so. */
static bool is_extension(const char *module)
{
	size_t mlen = strlen(module);

	return mlen > 3 && strcmp(module + mlen - 3, ".so") == 0;
}

/* The module's code as the verdict rules read it: a compiled module's strings, or the source. */
static bool module_code(const char *module, const struct scan_file *file, struct buf *code)
{
	size_t mlen = strlen(module);
	bool binary = mlen > 4 && (strcmp(module + mlen - 4, ".pyc") == 0 ||
				   strcmp(module + mlen - 3, ".so") == 0);

	if (binary)
		scan_pyc_strings(file->data, file->size, code);
	else
		buf_append(code, file->data, file->size);
	return binary;
}

/* Adds "PATH SHA256" of a module a finding imports to its fingerprint input, once. */
static void note_digest(struct scan_finding *f, const char *path, const char *data, size_t len)
{
	char hex[65];
	struct buf entry = BUF_INIT;

	scan_sha256_hex(data, len, hex);
	buf_printf(&entry, "%s %s\n", path, hex);
	if (f->module_digests.len == 0 ||
	    memmem(f->module_digests.data, f->module_digests.len, entry.data, entry.len) == NULL)
		buf_append(&f->module_digests, entry.data, entry.len);
	buf_free(&entry);
}

/* Judges one piece of a module's code; returns its verdict, reasons into `reasons`. */
static enum scan_verdict judge_code(const char *code, size_t len, bool binary, struct buf *reasons)
{
	struct scan_verdict_input in = { 0 };

	in.binary = binary;
	in.code = code;
	in.len = len;
	in.executes = in.runs = true;
	return scan_verdict_for(&in, reasons);
}

/*
 * Judges the __pycache__ bytecode that runs in place of a module's source,
 * because a header that matches the source proves nothing about the code
 * inside. Returns its verdict (SCAN_BENIGN when it cannot be read).
 */
static enum scan_verdict judge_cached(struct follow *c, const char *cached)
{
	struct buf code = BUF_INIT, reasons = BUF_INIT;
	struct scan_file file;
	enum scan_verdict v = SCAN_BENIGN;

	if (scan_fs_read(&c->w->ctx->fs, cached, &file) != SCAN_READ_OK) {
		scan_finding_reason(c->f, "a module it imports is loaded through %s, which cannot be read",
				    cached);
		return v;
	}
	note_digest(c->f, cached, file.data, file.size);
	scan_pyc_strings(file.data, file.size, &code);
	v = judge_code(code.data, code.len, true, &reasons);
	scan_finding_reason(c->f, "a module it imports is loaded through its cached bytecode %s (the "
			    "header matches the source, or it is hash-based)%s%s", cached,
			    reasons.len ? ": " : "", reasons.len ? reasons.data : "");
	buf_free(&reasons);
	buf_free(&code);
	scan_file_free(&file);
	return v;
}

/*
 * A followed module that writes sys.path, sys.meta_path or sys.path_hooks
 * (or adds a site folder) can make a later import line find a module that
 * no folder shows: later lines of the same start are then taken to run.
 */
static void note_import_hooks(struct follow *c, const char *module, const struct scan_file *file)
{
	if (c->w->hooked || !changes_imports(file->data, file->size))
		return;
	c->w->hooked = true;
	c->w->hooked_by = scan_strdup(c->w->ctx, module);
}

/* Follows a judged module's own imports, up to SCAN_MAX_IMPORT_DEPTH levels. */
static void follow_module(struct follow *c, const char *module, const struct scan_file *file)
{
	if (c->depth < SCAN_MAX_IMPORT_DEPTH) {
		const char *outer = c->via;

		c->depth++;
		c->via = module;
		module_imports(file->data, file->size, follow_one, c);
		c->via = outer;
		c->depth--;
	} else {
		size_t n = 0;

		module_imports(file->data, file->size, count_import, &n);
		if (n > 0)
			scan_finding_reason(c->f, "the imports of %s are not followed: %d levels of imports is "
					    "the cap", module, SCAN_MAX_IMPORT_DEPTH);
	}
}

/*
 * Judges one module that a hook imports, found outside the standard
 * library, with the verdict rules. Its path and reasons join the hook's
 * finding. A primitive in it, or in the cached bytecode that runs instead
 * (`cached` when not NULL), raises the hook's verdict. Its own imports are
 * followed in turn.
 */
static void judge_module(struct follow *c, const char *name, const char *module, const char *cached)
{
	struct buf code = BUF_INIT, reasons = BUF_INIT, via = BUF_INIT;
	struct scan_file file;
	enum scan_read_status status = scan_fs_read(&c->w->ctx->fs, module, &file);
	enum scan_verdict v, vc;
	bool binary;

	const char *zip_why = NULL;

	if (c->via != NULL)
		buf_printf(&via, " (imported by %s)", c->via);
	if (status != SCAN_READ_OK && scan_module_in_zip(c->w->ctx, module, &file, &zip_why)) {
		status = zip_why == NULL ? SCAN_READ_OK : status;
		if (zip_why != NULL) {
			if (c->f->floor < SCAN_HIGH)
				c->f->floor = SCAN_HIGH;
			scan_finding_reason(c->f, "imports %s from %s%s, which cannot be read from its zip "
					    "archive (%s): a module that scan cannot see into", name, module,
					    via.len ? via.data : "", zip_why);
			buf_free(&via);
			return;
		}
	}
	if (status != SCAN_READ_OK) {
		scan_finding_reason(c->f, "imports %s from %s%s, which %s", name, module,
				    via.len ? via.data : "", scan_read_status_text(status, file.err));
		buf_free(&via);
		return;
	}
	note_digest(c->f, module, file.data, file.size);
	binary = module_code(module, &file, &code);
	v = judge_code(code.data, code.len, binary, &reasons);
	if (is_extension(module)) {
		struct buf native = BUF_INIT;
		enum scan_verdict vn = scan_native_judge(file.data, file.size, &native);

		v = vn > v ? vn : v;
		buf_printf(&native, "%s%s", reasons.len ? "; " : "", reasons.len ? reasons.data : "");
		buf_free(&reasons);
		reasons = native;
	}
	scan_finding_reason(c->f, "imports %s from %s%s%s%s", name, module, via.len ? via.data : "",
			    reasons.len ? ": " : "", reasons.len ? reasons.data : "");
	vc = cached != NULL ? judge_cached(c, cached) : SCAN_BENIGN;
	v = vc > v ? vc : v;
	if (c->f->module_verdict < v)
		c->f->module_verdict = v;
	if (v > SCAN_LOW) {
		c->f->module_suspect = true;
		if (c->f->floor < v)
			c->f->floor = v;
	}
	if (!binary) {
		note_import_hooks(c, module, &file);
		follow_module(c, module, &file);
	}
	buf_free(&via);
	buf_free(&reasons);
	buf_free(&code);
	scan_file_free(&file);
}

/*
 * True when `module` has the same bytes as `own` and a package record of its
 * own site folder lists it with a matching hash: a venv made with
 * --system-site-packages that installs the same setuptools release puts
 * such a copy ahead of the system's, and nothing about the hook changes.
 */
static bool same_recorded_module(struct scan_ctx *ctx, const char *module, const char *own)
{
	struct scan_file a, b;
	bool same = false;

	if (scan_fs_read(&ctx->fs, module, &a) != SCAN_READ_OK)
		return false;
	if (scan_fs_read(&ctx->fs, own, &b) == SCAN_READ_OK) {
		char *pkg = scan_path_dir(module);
		char *site = scan_path_dir(pkg);
		char *evidence = NULL;

		same = a.size == b.size && memcmp(a.data, b.data, a.size) == 0 &&
		       scan_owner_check(ctx, module, site, a.data, a.size, &evidence) == SCAN_OWNER_MATCH;
		free(evidence);
		free(site);
		free(pkg);
		scan_file_free(&b);
	}
	scan_file_free(&a);
	return same;
}

/* setuptools' module must be the one beside distutils-precedence.pth, not one found earlier. */
static void check_distutils_hack(struct scan_ctx *ctx, struct scan_finding *f, const char *module)
{
	char *site = scan_path_dir(f->path);
	char *own = scan_path_join(site, "_distutils_hack/__init__.py");

	if (strcmp(module, own) != 0 && same_recorded_module(ctx, module, own)) {
		scan_finding_reason(f, "_distutils_hack resolves to %s, a copy of setuptools' %s with the "
				    "same bytes, listed with a matching hash in its own package record",
				    module, own);
	} else if (strcmp(module, own) != 0) {
		f->module_suspect = true;
		if (f->floor < SCAN_MEDIUM)
			f->floor = SCAN_MEDIUM;
		scan_finding_reason(f, "_distutils_hack resolves to %s, which shadows setuptools' %s",
				    module, own);
	}
	free(own);
	free(site);
}

/* Judges a resolved module once per line, within SCAN_MAX_IMPORTED. */
static void judge_once(struct follow *c, const char *name, const char *module, const char *cached)
{
	if (strmap_get(&c->seen, module, strlen(module)) != NULL)
		return;
	*strmap_upsert(&c->seen, module, strlen(module)) = c;
	if (c->njudged++ >= SCAN_MAX_IMPORTED) {
		if (!c->capped)
			scan_finding_reason(c->f, "imports more than %d modules outside the standard "
					    "library: the rest are not judged", SCAN_MAX_IMPORTED);
		c->capped = true;
		return;
	}
	if (c->depth == 1 && strcmp(name, "_distutils_hack") == 0)
		check_distutils_hack(c->w->ctx, c->f, module);
	judge_module(c, name, module, cached);
}

/* True when a module file is a package's __init__, whose folder contains its submodules. */
static bool package_init(const char *module)
{
	return strncmp(scan_path_base(module), "__init__.", 9) == 0;
}

/*
 * The folder a relative name (`.sub`, `..pkg.sub`) starts from: the
 * importing module's folder, one level up per extra dot. NULL outside a
 * followed module. Sets *skip to the number of dots.
 */
static char *relative_base(const struct follow *c, const char *name, size_t len, size_t *skip)
{
	char *dir;
	size_t i;

	if (c->via == NULL)
		return NULL;
	dir = scan_path_dir(c->via);
	for (i = 1; i < len && name[i] == '.'; i++) {
		char *up = scan_path_dir(dir);

		free(dir);
		dir = up;
	}
	*skip = i;
	return dir;
}

/*
 * Resolves one imported name as the interpreter would at that point of the
 * start-up. The top-level module is searched on sys.path, then each further
 * part (`import pkg.sub`) in the folder of the package before it. Every part
 * is judged, because importing pkg.sub runs pkg/__init__ and then pkg/sub.
 */
static bool follow_one(const char *name, size_t len, void *arg)
{
	struct follow *c = arg;
	size_t i = 0, parts = 0;
	char *dir = NULL;   /* the package folder of the next part; NULL: search sys.path */
	bool std = false;

	if (len > 0 && name[0] == '.' && (dir = relative_base(c, name, len, &i)) == NULL)
		return true;
	while (i < len && parts++ < SCAN_MAX_PACKAGE_DEPTH) {
		const char *dot = memchr(name + i, '.', len - i);
		size_t n = dot ? (size_t)(dot - name - i) : len - i;
		char *part = xstrndup(name + i, n), *cached = NULL, *module = NULL, *dotted;
		size_t at = 0;

		if (n > 0 && dir == NULL) {
			module = scan_module_resolve(c->w->ctx, c->w->interp, &c->w->path, part, &at, &cached);
			/* The interpreter's own standard library is not judged: it defines every primitive. */
			std = module != NULL && at < c->w->nstd;
		} else if (n > 0) {
			module = scan_module_in_dir(c->w->ctx, c->w->interp, dir, part, &cached);
		}
		free(part);
		free(dir);
		dir = NULL;
		dotted = xstrndup(name, i + n);
		if (module != NULL && !std)
			judge_once(c, dotted, module, cached);
		if (module != NULL && package_init(module))
			dir = scan_path_dir(module);
		free(dotted);
		free(cached);
		free(module);
		if (dir == NULL)
			break;
		i += n + 1;
	}
	free(dir);
	return true;
}

/*
 * Follows the modules an executed line names: `import a.b, c` statements
 * and __import__('name') or import_module('name') calls with a constant
 * name (setuptools' line uses __import__).
 */
static void follow_imports(struct site_walk *w, struct scan_finding *f, const char *text, size_t len)
{
	struct follow c = { .w = w, .f = f, .depth = 1 };

	strmap_init(&c.seen);
	scan_pth_each_module(text, len, follow_one, &c);
	dynamic_imports(text, len, follow_one, &c);
	strmap_free(&c.seen);
}

void scan_site_follow_module(struct scan_ctx *ctx, size_t interp, const struct scan_syspath *path,
			     size_t nstd, struct scan_finding *f)
{
	struct site_walk w = { .ctx = ctx, .interp = interp, .in = &ctx->interps[interp],
			       .path = *path, .nstd = nstd };
	struct follow c = { .w = &w, .f = f, .depth = 1, .via = f->path };
	size_t plen = strlen(f->path);

	if (f->code == NULL || plen < 3 || strcmp(f->path + plen - 3, ".py") != 0)
		return; /* bytecode and extension modules: their imports are not read */
	strmap_init(&c.seen);
	module_imports(f->code, f->code_len, follow_one, &c);
	strmap_free(&c.seen);
}

static void process_site(struct site_walk *w, const char *site, bool in_venv);

/*
 * The folder named by the constant string in `addsitedir(` at p, or NULL
 * (malloc()ed). A raw or plain literal without escapes; anything else is
 * computed at run time.
 */
static char *addsitedir_arg(const char *p, const char *end)
{
	const char *q;
	char quote;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p < end && (*p == 'r' || *p == 'R'))
		p++;
	if (p >= end || (*p != '\'' && *p != '"'))
		return NULL;
	quote = *p++;
	q = memchr(p, quote, (size_t)(end - p));
	if (q == NULL || q == p || memchr(p, '\\', (size_t)(q - p)) != NULL || p[0] != '/')
		return NULL;
	return xstrndup(p, (size_t)(q - p));
}

/*
 * site.addsitedir(DIR) in an executed line: the interpreter adds DIR to
 * sys.path and runs its .pth files there and then, so they are part of the
 * start-up. At least high: no installer writes such a line.
 * NOTE: a customize module's addsitedir() calls are not followed.
 */
static void follow_addsitedir(struct site_walk *w, struct scan_finding *f, const char *text, size_t len)
{
	const char *p = text, *end = text + len;

	while ((p = memmem(p, (size_t)(end - p), "addsitedir(", 11)) != NULL) {
		char *dir = addsitedir_arg(p + 11, end);

		p += 11;
		if (f->floor < SCAN_HIGH)
			f->floor = SCAN_HIGH;
		if (dir == NULL) {
			scan_finding_reason(f, "calls site.addsitedir() on a folder that is computed at run "
					    "time or relative to the working folder: the .pth files it runs "
					    "cannot be known here");
			continue;
		}
		if (w->nadded >= SCAN_MAX_ADDSITEDIR) {
			scan_finding_reason(f, "calls site.addsitedir('%s'), not followed: %d folders were "
					    "already added this way in one start", dir, SCAN_MAX_ADDSITEDIR);
		} else {
			scan_finding_reason(f, "calls site.addsitedir('%s'): the .pth files there run at "
					    "this point of the start-up", dir);
			const char *outer = w->added_by;

			w->nadded++;
			w->added_by = f->path;
			process_site(w, dir, false);
			w->added_by = outer;
		}
		free(dir);
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
	/*
	 * The second pass finds the same modules for a line that ran without
	 * raising on the first: judged once.
	 */
	bool judged = w->second_pass && !f->raised && scan_finding_has_interp(f, w->interp);

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
	if (memchr(l->text, '\0', l->len) != NULL) {
		*stopped = true;
		scan_finding_reason(f, "exec() refuses a line with a NUL byte, so it raises: the lines "
				    "after it in this file do not run (before 3.15)");
		return;
	}
	if (effect == SCAN_EFFECT_RAISES) {
		*stopped = true;
		scan_finding_reason(f, "raises: the lines after it in this file do not run (before 3.15)");
		return;
	}
	if (!scan_pth_each_import(l->text, l->len, check_import, &check)) {
		*stopped = true;
		f->raised = true;
		scan_finding_reason(f, "imports '%.*s', which no folder on sys.path holds at that point "
				    "for %s: it raises, and the lines after it in this file do not run%s "
				    "(before 3.15)", (int)check.missing_len, check.missing, w->in->version,
				    in_venv ? " on that pass" : "");
	} else if (check.missing != NULL) {
		scan_finding_reason(f, "imports '%.*s', which no folder on sys.path shows, but %s earlier "
				    "in this start can change what imports find (sys.path, sys.meta_path, "
				    "sys.path_hooks): rated as if it ran, with the lines after it",
				    (int)check.missing_len, check.missing,
				    w->hooked_by ? w->hooked_by : "a hook");
	} else if (w->second_pass && f->raised) {
		scan_finding_reason(f, "on the second pass over the virtual environment's site folders "
				    "the import succeeds (a folder added since holds it): the lines after "
				    "it run then");
	}
	if (!judged)
		follow_imports(w, f, l->text, l->len);
	follow_addsitedir(w, f, l->text, l->len);
	if (changes_imports(l->text, l->len) && !w->hooked) {
		w->hooked = true;
		w->hooked_by = scan_printf(w->ctx, "%s:%zu", f->path, (size_t)l->line);
	}
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

/*
 * Two central-directory entries of one name: zipimport imports the last,
 * while a reader that takes the first reads other bytes. Python's zipfile
 * warns when asked to write one ("Duplicate name"), so an archive that has
 * one is suspect on its own: at least medium.
 */
static void duplicate_names(struct scan_finding *f, const struct scan_zip *z, const char *zip)
{
	long i = scan_zip_duplicate(z);

	if (i < 0)
		return;
	if (f->floor < SCAN_MEDIUM)
		f->floor = SCAN_MEDIUM;
	scan_finding_reason(f, "the zip archive %s holds more than one entry named %.*s: zipimport "
			    "imports the last of them", zip, (int)z->v[i].name_len, z->v[i].name);
}

/* See scan_site.h. */
void scan_site_zip_on_path(struct scan_ctx *ctx, struct scan_finding *f, const char *zip)
{
	struct scan_file file;
	struct scan_zip z;
	enum scan_read_status status = scan_fs_read(&ctx->fs, zip, &file);
	const char *why = status == SCAN_READ_OK ? scan_zip_open(&z, file.data, file.size)
						 : scan_read_status_text(status, file.err);

	if (why != NULL) {
		if (f->floor < SCAN_HIGH)
			f->floor = SCAN_HIGH;
		scan_finding_reason(f, "adds the file %s, which zipimport reads as a zip archive, but scan "
				    "cannot read it (%s): an unreadable archive on the start-up path", zip, why);
	} else {
		scan_finding_reason(f, "adds the zip archive %s (%zu members): its modules import from "
				    "there, and its sitecustomize and usercustomize are judged", zip, z.n);
		if (z.truncated)
			scan_finding_reason(f, "the archive lists more than %d members: the rest are not "
					    "searched", SCAN_ZIP_MAX_MEMBERS);
		duplicate_names(f, &z, zip);
	}
	if (status == SCAN_READ_OK) {
		if (why == NULL)
			scan_zip_free(&z);
		scan_file_free(&file);
	}
}

/* A path line: the folder (or file) it adds to sys.path when it exists. */
static void path_line(struct site_walk *w, struct scan_finding *f, const char *site,
		      const struct scan_pth_line *l, bool *stopped)
{
	const char *text;
	size_t len;
	struct stat st;
	char *target;

	scan_pth_path_text(l, &w->in->rules, &text, &len);
	if (memchr(text, '\0', len) != NULL) {
		/* os.path.exists() is false for it from 3.8; 2.7 to 3.7 raise (TypeError, ValueError). */
		bool raises = w->in->ver.major < 3 || (w->in->ver.major == 3 && w->in->ver.minor < 8);

		scan_finding_note(f, w->interp, raises ? CAUSE_NUL_RAISES : CAUSE_NUL);
		*stopped |= raises;
		return;
	}
	target = make_path(site, text, len);
	if (scan_fs_stat(&w->ctx->fs, target, &st) == 0) {
		scan_finding_add_interp(f, w->interp);
		scan_syspath_add_from(&w->path, target, scan_printf(w->ctx, "%s:%zu", f->path, (size_t)l->line));
		if (S_ISREG(st.st_mode))
			scan_site_zip_on_path(w->ctx, f, target);
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

/*
 * A path line that an earlier hook keeps from being read: what it would
 * add once that hook is fixed or removed, since a folder it names can hold
 * a sitecustomize or more .pth-like content.
 */
static void blocked_path(struct site_walk *w, struct scan_finding *f, const char *site,
			 const struct scan_pth_line *l, const char *blocker)
{
	const char *text;
	size_t len;
	struct stat st;
	char *target;

	scan_pth_path_text(l, &w->in->rules, &text, &len);
	if (len == 0 || memchr(text, '\0', len) != NULL)
		return;
	target = make_path(site, text, len);
	if (scan_fs_stat(&w->ctx->fs, target, &st) == 0)
		scan_finding_reason(f, "would add %s to sys.path once %s is fixed or removed", target, blocker);
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
		/* Kept a code line (not a path line), so that its kind does not depend on what ran before it. */
		f->executes |= l->kind == SCAN_LINE_IMPORT || l->kind == SCAN_LINE_DORMANT;
		f->dormant |= l->kind == SCAN_LINE_DORMANT;
		scan_finding_note(f, w->interp, CAUSE_STOPPED);
		if (l->kind == SCAN_LINE_PATH)
			blocked_path(w, f, site, l, "the line that breaks this file");
		return;
	}
	switch (l->kind) {
	case SCAN_LINE_IMPORT:
		run_import_line(w, f, l, in_venv, stopped);
		break;
	case SCAN_LINE_DORMANT:
		f->dormant = true;
		f->executes = true; /* code on 3.15, judged as such one level lower */
		scan_finding_note(f, w->interp, CAUSE_DORMANT);
		break;
	default:
		if (l->hidden_by_bom) {
			f->dormant = true;
			scan_finding_note(f, w->interp, CAUSE_BOM);
		}
		path_line(w, f, site, l, stopped);
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
			bool first = f->nnotes == 0; /* a line already stopped by its own file keeps that cause */

			f->executes |= l->kind == SCAN_LINE_IMPORT || l->kind == SCAN_LINE_DORMANT;
			f->dormant |= l->kind == SCAN_LINE_DORMANT;
			scan_finding_note(f, w->interp, cause);
			if (first && l->kind == SCAN_LINE_PATH && cause != CAUSE_HIDDEN && w->fatal_at != NULL) {
				char *site = scan_path_dir(path);

				blocked_path(w, f, site, l, w->fatal_at);
				free(site);
			}
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

/*
 * A .pth name that is not a file the scan can read: what site does with it.
 * A FIFO or a device is opened and read at every start, so a FIFO without a
 * writer or a terminal blocks and /dev/zero never ends. A symlink loop or a
 * socket fails to open, which site ignores.
 */
static void unreadable_pth(struct site_walk *w, const char *path, const struct pth_file *pf)
{
	mode_t mode = pf->file.st.st_mode;
	bool special = pf->status == SCAN_READ_NOT_REGULAR && (S_ISFIFO(mode) || S_ISCHR(mode) || S_ISBLK(mode));
	struct scan_finding *f;

	if (pf->status == SCAN_READ_NOT_REGULAR && S_ISDIR(mode))
		return; /* open() fails with an OSError, which site.addpackage() ignores */
	if (pf->status == SCAN_READ_ABSENT)
		return; /* a dangling symlink: the same OSError */
	f = file_finding(w, path);
	if (f == NULL)
		return;
	if (pf->status == SCAN_READ_LOOP || (pf->status == SCAN_READ_NOT_REGULAR && !special)) {
		scan_finding_reason(f, "%s: site's open() fails and skips it, so nothing runs; no installer "
				    "writes one", pf->status == SCAN_READ_LOOP ? "a symlink loop named .pth"
									: "a socket named .pth");
		return;
	}
	scan_finding_add_interp(f, w->interp);
	f->executes = true;
	if (special) {
		f->fatal = true;
		scan_finding_reason(f, "a %s named .pth: the interpreters listed open and read it at every "
				    "start, and block (a FIFO without a writer, a terminal) or never finish "
				    "(/dev/zero)", S_ISFIFO(mode) ? "FIFO" : S_ISCHR(mode) ? "character device"
									 : "block device");
	} else if (pf->status == SCAN_READ_TOO_BIG) {
		oversize_pth(w, f, path, pf->file.size);
	} else {
		scan_finding_reason(f, "%s: not analysed",
				    scan_read_status_text(pf->status, pf->file.err));
	}
}

/*
 * A .pth longer than --max-pth-lines: the interpreters read every line, and
 * padding a payload below thousands of filler lines is a way to hide it. At
 * least high, like a file over --max-file-size; the lines past the cap are
 * still searched for import lines, whose code joins the verdict.
 * NOTE: those lines carry no line numbers and no per-line prediction.
 */
static void capped_pth(struct site_walk *w, const char *path, const struct pth_file *pf,
		       const struct scan_pth_text *t)
{
	struct scan_finding *f = file_finding(w, path);
	const char *p = pf->file.data + t->rest_offset, *end = pf->file.data + pf->file.size;
	struct buf code = BUF_INIT;

	if (f == NULL)
		return;
	scan_finding_add_interp(f, w->interp);
	f->executes = true;
	if (f->floor < SCAN_HIGH)
		f->floor = SCAN_HIGH;
	scan_finding_reason(f, "more than %zu lines (--max-pth-lines): a start-up file that long hides "
			    "what it runs; the lines past the cap were searched for import lines only",
			    w->ctx->opt.max_pth_lines);
	if (f->code != NULL)
		return;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (n > 7 && memcmp(p, "import", 6) == 0 && (p[6] == ' ' || p[6] == '\t')) {
			buf_append(&code, p, n);
			buf_putc(&code, '\n');
		}
		p += n + 1;
	}
	if (code.len > 0)
		scan_finding_reason(f, "lines past the cap run code");
	f->code_len = code.len;
	f->code = code.len > 0 ? buf_detach(&code) : NULL;
	buf_free(&code);
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
	if (t.truncated && !hidden)
		capped_pth(w, path, pf, &t);

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

/*
 * The ordered site folders of one walk: the venv's, the user site, the
 * venv's again, then the system's. site.venv() reads the venv's folders
 * with addsitepackages(), then main() calls addsitepackages() on PREFIXES,
 * which starts with the venv's prefix. So its .pth files run a second time,
 * on the sys.path that the first pass and the user site built (CPython
 * 3.3+, Lib/site.py venv() and main()).
 */
static size_t walk_sites(const struct scan_interp *in, const char *user_site, const char **out)
{
	size_t n = 0;

	for (size_t i = 0; i < in->venv_sites; i++)
		out[n++] = in->site_dirs[i];
	if (user_site)
		out[n++] = user_site;
	for (size_t i = 0; i < in->venv_sites; i++)
		out[n++] = in->site_dirs[i];
	for (size_t i = in->venv_sites; i < in->nsite_dirs; i++)
		out[n++] = in->site_dirs[i];
	return n;
}

/* Tells whether entry s of walk_sites()'s list is a venv folder, and sets *second on its second pass. */
static bool venv_entry(const struct scan_interp *in, bool user_site, size_t s, bool *second)
{
	size_t again = in->venv_sites + (user_site ? 1 : 0);

	*second = s >= again && s < again + in->venv_sites;
	return s < in->venv_sites || *second;
}

/* One start of interpreter `i`, by a user whose user site is `user_site` (or none). */
static void run_walk(struct scan_ctx *ctx, size_t i, const char *user_site)
{
	const struct scan_interp *in = &ctx->interps[i];
	struct site_walk w = { .ctx = ctx, .interp = i, .in = in };
	const char **sites = xcalloc(in->nsite_dirs + in->venv_sites + 1, sizeof(*sites));
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
		bool in_venv = venv_entry(in, user_site != NULL, s, &w.second_pass);

		process_site(&w, sites[s], in_venv);
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
	scan_customize(ctx, i, &w.path, w.nstd, in->user_site, w.fatal_at);
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
