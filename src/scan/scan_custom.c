/*
 * sitecustomize and usercustomize in every importable form: see scan_custom.h.
 */
#include "scan_custom.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scan_hash.h"
#include "scan_verdict.h"
#include "scan_zip.h"
#include "util/xalloc.h"

static const char CAUSE_SHADOWED[] = "an earlier sys.path folder holds another module of that name";
static const char CAUSE_BLOCKED[] = "an earlier hook ends every start before the customize step";

enum module_form {
	FORM_PACKAGE,
	FORM_EXTENSION,
	FORM_SOURCE,
	FORM_BYTECODE,   /* sourceless NAME.pyc */
	FORM_NAMESPACE,  /* a folder without __init__: imports, runs nothing */
};

static const char *const form_names[] = {
	"package", "extension module", "source", "sourceless bytecode", "namespace folder",
};

struct module_hit {
	enum module_form form;
	char *path;         /* the file that runs (the folder for a namespace) */
	char *cached;       /* __pycache__ bytecode that runs instead of a source, or NULL */
	const char *cache_note; /* for a checked hash-based cache: whether its hash matches, or NULL */
	const char *fails;  /* cause the import fails although this file is found first, or NULL */
};

static void hit_free(struct module_hit *h)
{
	free(h->path);
	free(h->cached);
	memset(h, 0, sizeof(*h));
}

static bool is_dir_entry(struct scan_ctx *ctx, const char *dir, const char *name, unsigned char type)
{
	char *path;
	struct stat st;
	bool yes;

	if (type == DT_DIR)
		return true;
	if (type != DT_LNK && type != DT_UNKNOWN)
		return false;
	path = scan_path_join(dir, name);
	yes = scan_fs_stat(&ctx->fs, path, &st) == 0 && S_ISDIR(st.st_mode);
	free(path);
	return yes;
}

/* True when an extension module file name fits the interpreter (any, when `in` is NULL). */
static bool extension_fits(const char *file, size_t name_len, const struct scan_interp *in)
{
	const char *rest = file + name_len;
	size_t len = strlen(rest);
	char tag[32];

	if (rest[0] != '.' || len < 3 || strcmp(rest + len - 3, ".so") != 0)
		return false;
	if (strcmp(rest, ".so") == 0 || in == NULL)
		return true;
	if (in->ver.major == 2)
		return false;
	if (strcmp(rest, ".abi3.so") == 0)
		return true;
	snprintf(tag, sizeof(tag), ".cpython-%d%d%s-", in->ver.major, in->ver.minor,
		 in->freethreaded ? "t" : "");
	return strncmp(rest, tag, strlen(tag)) == 0;
}

/* Reads a little-endian 32-bit value. */
static uint32_t le32(const unsigned char *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Reads the first bytes of a file; false when it cannot be read. */
static bool read_head(struct scan_ctx *ctx, const char *path, unsigned char *out, size_t want,
		      struct stat *st)
{
	struct scan_file f;
	bool ok;

	if (scan_fs_read(&ctx->fs, path, &f) != SCAN_READ_OK)
		return false;
	ok = f.size >= want;
	if (ok)
		memcpy(out, f.data, want);
	*st = f.st;
	scan_file_free(&f);
	return ok;
}

/*
 * True when the bytecode at `pyc` is what the interpreter uses for `source`:
 * the magic number is this version's, and the header's source mtime and
 * size (PEP 552 flags 0; 3.3+ layout; 2.7 has the mtime only) match the
 * source, or it is an unchecked hash-based file (flags 1).
 */
static const char HASH_MATCHES[] = "a checked hash-based .pyc whose SipHash matches the source: the "
				   "interpreter runs it in place of the source";
static const char HASH_DIFFERS[] = "a checked hash-based .pyc whose SipHash does not match the source: "
				   "the interpreter compiles the source instead, unless started with "
				   "--check-hash-based-pycs never; judged anyway";

/* PEP 552 flags 3: whether the 8-byte hash at h matches the source's, as a note for the reason. */
static const char *checked_hash(struct scan_ctx *ctx, const struct scan_interp *in, const char *source,
				const unsigned char *h)
{
	struct scan_file src;
	uint8_t want[8];
	bool same;

	if (scan_fs_read(&ctx->fs, source, &src) != SCAN_READ_OK)
		return HASH_DIFFERS;
	scan_pyc_source_hash(scan_pyc_magic(&in->ver), in->ver.minor, src.data, src.size, want);
	same = memcmp(want, h, 8) == 0;
	scan_file_free(&src);
	return same ? HASH_MATCHES : HASH_DIFFERS;
}

static bool cached_matches(struct scan_ctx *ctx, const struct scan_interp *in, const char *pyc,
			   const char *source_path, const struct stat *source, const char **note)
{
	unsigned char h[16];
	struct stat st;
	unsigned magic = scan_pyc_magic(&in->ver);
	bool pep552 = in->ver.major == 3 && in->ver.minor >= 7;
	size_t header = 12; /* magic, mtime, size: 3.3 to 3.6 */

	if (in->ver.major == 2)
		header = 8;
	else if (pep552)
		header = 16;
	if (magic == 0 || !read_head(ctx, pyc, h, header, &st))
		return false;
	if ((unsigned)(h[0] | h[1] << 8) != magic)
		return false;
	if (in->ver.major == 2)
		return le32(h + 4) == (uint32_t)source->st_mtime;
	if (pep552) {
		uint32_t flags = le32(h + 4);

		/*
		 * Hash-based (flags 1 unchecked, 3 checked): an unchecked one is used
		 * whatever the source contains, a checked one when its SipHash of the
		 * source matches. Its code is judged with the source either way, and
		 * the note names the case that applies.
		 */
		if (flags == 3)
			*note = checked_hash(ctx, in, source_path, h + 8);
		if (flags == 1 || flags == 3)
			return true;
		if (flags != 0)
			return false;
		return le32(h + 8) == (uint32_t)source->st_mtime &&
		       le32(h + 12) == (uint32_t)source->st_size;
	}
	return le32(h + 4) == (uint32_t)source->st_mtime && le32(h + 8) == (uint32_t)source->st_size;
}

/* The bytecode cache path for DIR/NAME.py: __pycache__/NAME.cpython-XY.pyc (2.7: NAME.pyc beside it). */
static char *cache_path(const struct scan_interp *in, const char *dir, const char *name)
{
	struct buf b = BUF_INIT;

	if (in->ver.major == 2)
		buf_printf(&b, "%s/%s.pyc", dir, name);
	else
		buf_printf(&b, "%s/__pycache__/%s.cpython-%d%d.pyc", dir, name, in->ver.major,
			   in->ver.minor);
	return buf_detach(&b);
}

/* A package folder: __init__ in any form makes it a package, else a namespace portion. */
static bool find_package(struct scan_ctx *ctx, const struct scan_interp *in, const char *dir,
			 const char *name, struct module_hit *hit)
{
	char *pkg = scan_path_join(dir, name);
	const struct scan_dir *sub = scan_listing(ctx, pkg);
	static const char *const inits[] = { "__init__.py", "__init__.pyc", "__init__.so" };

	for (size_t i = 0; sub != NULL && i < sub->n; i++) {
		for (size_t k = 0; k < sizeof(inits) / sizeof(inits[0]); k++) {
			bool match = strcmp(sub->v[i].name, inits[k]) == 0 ||
				     (k == 2 && strncmp(sub->v[i].name, "__init__", 8) == 0 &&
				      extension_fits(sub->v[i].name, 8, in));

			if (match) {
				hit->form = FORM_PACKAGE;
				hit->path = scan_path_join(pkg, sub->v[i].name);
				free(pkg);
				return true;
			}
		}
	}
	hit->form = FORM_NAMESPACE;
	hit->path = pkg;
	return false;
}

/* Extension modules, in the interpreter's suffix order (tagged, abi3, plain). */
static bool find_extension(const struct scan_dir *d, const struct scan_interp *in, const char *dir,
			   const char *name, struct module_hit *hit)
{
	size_t len = strlen(name);

	/* Pass 0: the version-tagged name, 1: .abi3.so, 2: plain .so (importlib's suffix order). */
	for (int pass = 0; pass < 3; pass++) {
		for (size_t i = 0; i < d->n; i++) {
			const char *file = d->v[i].name;
			int rank;

			if (strncmp(file, name, len) != 0 || !extension_fits(file, len, in))
				continue;
			rank = strcmp(file + len, ".so") == 0 ? 2 : strcmp(file + len, ".abi3.so") == 0;
			if (rank == pass) {
				hit->form = FORM_EXTENSION;
				hit->path = scan_path_join(dir, file);
				return true;
			}
		}
	}
	return false;
}

static void find_source(struct scan_ctx *ctx, const struct scan_interp *in, const char *dir,
			const char *name, struct module_hit *hit)
{
	struct stat st;
	char *cached;

	hit->form = FORM_SOURCE;
	hit->path = xstrdup(scan_printf(ctx, "%s/%s.py", dir, name));
	if (in == NULL || scan_fs_stat(&ctx->fs, hit->path, &st) != 0)
		return;
	cached = cache_path(in, dir, name);
	if (cached_matches(ctx, in, cached, hit->path, &st, &hit->cache_note))
		hit->cached = cached;
	else
		free(cached);
}

static void find_bytecode(struct scan_ctx *ctx, const struct scan_interp *in, const char *dir,
			  const char *name, struct module_hit *hit)
{
	unsigned char h[4];
	struct stat st;

	hit->form = FORM_BYTECODE;
	hit->path = xstrdup(scan_printf(ctx, "%s/%s.pyc", dir, name));
	if (in == NULL)
		return;
	if (!read_head(ctx, hit->path, h, 4, &st) || scan_pyc_magic(&in->ver) == 0 ||
	    (unsigned)(h[0] | h[1] << 8) != scan_pyc_magic(&in->ver))
		hit->fails = "its magic number is for another Python version: the import fails "
			     "(\"bad magic number\") and site ignores it, so nothing runs";
}

/*
 * What importing NAME finds in one folder, as FileFinder (or Python 2's
 * imp) does: true when the search stops here. A namespace folder does not
 * stop it; it is returned in `ns` for when nothing else is found.
 */
static bool find_in_dir(struct scan_ctx *ctx, const struct scan_interp *in, const char *dir,
			const char *name, struct module_hit *hit, struct module_hit *ns)
{
	const struct scan_dir *d = scan_listing(ctx, dir);
	struct buf probe = BUF_INIT;
	unsigned char type;
	bool found = false;

	memset(hit, 0, sizeof(*hit));
	if (d == NULL)
		return false;
	if (scan_listing_has(d, name, &type) && is_dir_entry(ctx, dir, name, type)) {
		if (find_package(ctx, in, dir, name, hit))
			return true;
		if (ns->path == NULL)
			*ns = *hit;
		else
			hit_free(hit);
		memset(hit, 0, sizeof(*hit));
	}
	if (find_extension(d, in, dir, name, hit))
		return true;

	buf_printf(&probe, "%s.py", name);
	if (scan_listing_has(d, probe.data, NULL)) {
		find_source(ctx, in, dir, name, hit);
		found = true;
	} else {
		buf_putc(&probe, 'c');
		if (scan_listing_has(d, probe.data, NULL)) {
			find_bytecode(ctx, in, dir, name, hit);
			found = true;
		}
	}
	buf_free(&probe);
	return found;
}

/* Bytes read from each end of a module over --max-file-size. */
#define OVERSIZE_PART (1024 * 1024)

/*
 * A customize module over --max-file-size still runs, and one that large is
 * a warning sign: at least high, judged on its first and last OVERSIZE_PART
 * bytes. NOTE: the middle is not read.
 */
static void oversize_module(struct scan_ctx *ctx, struct scan_finding *f, const char *path,
			    size_t size)
{
	struct scan_file ends;

	f->floor = f->floor < SCAN_HIGH ? SCAN_HIGH : f->floor;
	scan_finding_reason(f, "%zu bytes, larger than --max-file-size (%zu): a start-up module that "
			    "large hides what it runs; only its first and last %d KiB were analysed",
			    size, ctx->opt.max_file_size, OVERSIZE_PART / 1024);
	if (scan_fs_read_ends(&ctx->fs, path, OVERSIZE_PART, &ends) != SCAN_READ_OK)
		return;
	f->code = ends.data;
	f->code_len = ends.size;
	f->st = ends.st;
	f->has_stat = true;
}

/*
 * A module file the scan cannot read: what the import does with it. The
 * import reads a FIFO or a device, so a FIFO without a writer or a terminal
 * blocks every start and /dev/zero never ends. A symlink loop makes the
 * import fail, which site reports ("Error in sitecustomize") and goes past.
 */
static void unreadable_module(struct scan_finding *f, enum scan_read_status status,
			      const struct scan_file *file)
{
	mode_t mode = file->st.st_mode;

	if (status == SCAN_READ_NOT_REGULAR && (S_ISFIFO(mode) || S_ISCHR(mode) || S_ISBLK(mode))) {
		f->fatal = true;
		scan_finding_reason(f, "a %s where a module is expected: the import reads it at every "
				    "start, and blocks or never finishes",
				    S_ISFIFO(mode) ? "FIFO" : S_ISCHR(mode) ? "character device" : "block device");
	} else if (status == SCAN_READ_LOOP) {
		f->executes = false;
		scan_finding_reason(f, "a symlink loop where a module is expected: the import fails, and "
				    "site prints the error and goes on; nothing runs");
	} else {
		scan_finding_reason(f, "%s", scan_read_status_text(status, file->err));
	}
}

enum scan_verdict scan_native_judge(const char *code, size_t len, struct buf *why)
{
	static const char *const calls[] = { "system", "popen", "execve", "execv", "execvp", "execl",
					     "execlp", "execle", "posix_spawn", "posix_spawnp", "fork",
					     "vfork", "dlopen" };
	char probe[32];
	const char *sep = "";
	struct buf seen = BUF_INIT;
	enum scan_verdict v = SCAN_MEDIUM;

	buf_puts(why, "a native extension module: the machine code it runs cannot be judged from its "
		 "strings");
	for (size_t k = 0; code != NULL && k < sizeof(calls) / sizeof(calls[0]); k++) {
		size_t n = (size_t)snprintf(probe, sizeof(probe), "%c%s%c", 0, calls[k], 0);

		if (memmem(code, len, probe, n) != NULL) {
			buf_printf(&seen, "%s%s()", sep, calls[k]);
			sep = ", ";
		}
	}
	if (seen.len > 0) {
		v = SCAN_HIGH;
		buf_printf(why, "; links against %s, which start processes or load code", seen.data);
	}
	buf_free(&seen);
	return v;
}

/* A customize module that is an extension module: see scan_native_judge(). */
static void native_module(struct scan_finding *f)
{
	struct buf why = BUF_INIT;
	enum scan_verdict v = scan_native_judge(f->code, f->code_len, &why);

	if (f->floor < v)
		f->floor = v;
	scan_finding_reason(f, "%s", why.data);
	buf_free(&why);
}

/* Fills a finding with the module file's facts, once. */
static struct scan_finding *module_finding(struct scan_ctx *ctx, const char *kind, const char *path,
					   enum module_form form)
{
	struct scan_finding *f = scan_finding_at(ctx, kind, path, false, 0, 0);
	struct scan_file file;
	enum scan_read_status status;
	char *real;

	if (f == NULL || f->has_stat || form == FORM_NAMESPACE)
		return f;
	f->executes = true;
	status = scan_fs_read(&ctx->fs, path, &file);
	if (status == SCAN_READ_OK) {
		scan_sha256_hex(file.data, file.size, f->sha256);
		f->code = file.data;
		f->code_len = file.size;
		f->st = file.st;
		f->has_stat = true;
	} else if (status == SCAN_READ_TOO_BIG) {
		oversize_module(ctx, f, path, file.size);
	} else {
		unreadable_module(f, status, &file);
	}
	scan_finding_reason(f, "%s", form_names[form]);
	if (form == FORM_EXTENSION)
		native_module(f);
	real = scan_fs_resolve(&ctx->fs, path, true);
	if (real && strcmp(real, path) != 0)
		scan_finding_reason(f, "a symlink to %s", real);
	free(real);
	return f;
}

/*
 * A source whose cached bytecode is what the interpreter loads: the finding
 * stays the source's (it is what a reader checks and what changes), and
 * the bytecode's strings are judged with it, since a header that matches
 * the source's mtime and size says nothing about the code inside.
 */
static void attach_cache(struct scan_ctx *ctx, struct scan_finding *f, const char *pyc)
{
	struct scan_file file;
	enum scan_read_status status;
	char digest[65];

	if (f->extra.len > 0)
		return; /* another interpreter of the same version attached it already */
	status = scan_fs_read(&ctx->fs, pyc, &file);
	if (status != SCAN_READ_OK) {
		scan_finding_reason(f, "loaded through its cached bytecode %s, which %s", pyc,
				    scan_read_status_text(status, file.err));
		return;
	}
	scan_sha256_hex(file.data, file.size, digest);
	scan_finding_reason(f, "loaded through its cached bytecode %s (sha256 %s; the header matches "
			    "this source, or it is hash-based), whose strings are judged with it", pyc,
			    digest);
	scan_pyc_strings(file.data, file.size, &f->extra);
	scan_file_free(&file);
}

/*
 * The module that wins the import: run by the interpreter, or, behind a
 * start-breaking hook, one admin cleanup away from running.
 */
static void module_runs(struct scan_finding *f, size_t interp, const char *blocked_by)
{
	if (blocked_by == NULL) {
		scan_finding_add_interp(f, interp);
		return;
	}
	f->blocked = true;
	scan_finding_note(f, interp, CAUSE_BLOCKED);
	scan_finding_reason(f, "would run once the breaking hook %s is removed (rated as if it ran)",
			    blocked_by);
}

/* True when a sys.path entry is a file (a zip or an egg), which zipimport reads. */
static bool zip_entry(struct scan_ctx *ctx, const char *entry)
{
	struct stat st;

	return scan_fs_stat(&ctx->fs, entry, &st) == 0 && S_ISREG(st.st_mode);
}

/*
 * The member zipimport runs for NAME, in its search order (3.3+ zipimport):
 * NAME/__init__.pyc, NAME/__init__.py, NAME.pyc, NAME.py. A .pyc whose
 * timestamp does not match its source is passed over for the source, so
 * both are judged: the source (or the bytecode alone) is the finding.
 */
static bool zip_member(const struct scan_zip *z, const char *name, long *src, long *pyc)
{
	char probe[600];

	for (int package = 1; package >= 0; package--) {
		const char *form = package ? "%s/__init__.py%s" : "%s.py%s";

		snprintf(probe, sizeof(probe), form, name, "");
		*src = scan_zip_find(z, probe);
		snprintf(probe, sizeof(probe), form, name, "c");
		*pyc = scan_zip_find(z, probe);
		if (*src >= 0 || *pyc >= 0)
			return true;
	}
	return false;
}

/* Reads member `i` of the zip into a finding's code (or its bytecode's strings into `extra`). */
static void zip_code(struct scan_ctx *ctx, struct scan_finding *f, const struct scan_zip *z, long i,
		     bool bytecode)
{
	struct buf out = BUF_INIT;
	const char *why = scan_zip_read(z, (size_t)i, ctx->opt.max_file_size, &out);

	if (why != NULL) {
		if (f->floor < SCAN_HIGH)
			f->floor = SCAN_HIGH;
		scan_finding_reason(f, "cannot be read from the archive (%s): a start-up module that scan "
				    "cannot see into", why);
	} else if (bytecode) {
		scan_finding_reason(f, "the archive also holds its bytecode %.*s, which zipimport prefers "
				    "when its timestamp matches: its strings are judged with it",
				    (int)z->v[i].name_len, z->v[i].name);
		scan_pyc_strings(out.data, out.len, &f->extra);
	} else {
		scan_sha256_hex(out.data, out.len, f->sha256);
		f->code_len = out.len;
		f->code = buf_detach(&out);
	}
	buf_free(&out);
}

/*
 * An earlier entry of the same name: scan judged the last one (the one
 * zipimport imports), and the hidden copy is itself a reason for doubt.
 */
static void duplicate_member(struct scan_finding *f, const struct scan_zip *z, long i)
{
	if (!scan_zip_shadows(z, (size_t)i))
		return;
	if (f->floor < SCAN_MEDIUM)
		f->floor = SCAN_MEDIUM;
	scan_finding_reason(f, "the archive holds more than one entry named %.*s: zipimport imports "
			    "the last one, which is the one judged, while tools that read the first see "
			    "other content", (int)z->v[i].name_len, z->v[i].name);
}

/*
 * Records a customize module inside a zip on sys.path as the finding
 * ZIP/MEMBER. Returns NULL when the zip has no such module or cannot be
 * read (path_line() reports an unreadable zip).
 */
static struct scan_finding *zip_module(struct scan_ctx *ctx, const char *zip, const char *name)
{
	struct scan_file file;
	struct scan_zip z;
	struct scan_finding *f = NULL;
	long src, pyc;

	if (scan_fs_read(&ctx->fs, zip, &file) != SCAN_READ_OK)
		return NULL;
	if (scan_zip_open(&z, file.data, file.size) == NULL && zip_member(&z, name, &src, &pyc)) {
		long named = src >= 0 ? src : pyc;
		char *path = scan_printf(ctx, "%s/%.*s", zip, (int)z.v[named].name_len, z.v[named].name);

		f = scan_finding_at(ctx, name, path, false, 0, 0);
		if (f != NULL && !f->has_stat) {
			f->executes = true;
			f->st = file.st;
			f->has_stat = true;
			zip_code(ctx, f, &z, named, false);
			if (src >= 0 && pyc >= 0)
				zip_code(ctx, f, &z, pyc, true);
			scan_finding_reason(f, "a member of the zip archive %s on sys.path, which zipimport "
					    "reads", zip);
			duplicate_member(f, &z, named);
		}
	}
	scan_zip_free(&z);
	scan_file_free(&file);
	return f;
}

/*
 * The member that importing NAME loads from the folder `inner` of the zip
 * archive `zip` ("" for its top, "pkg" inside a package), as the path
 * "ZIP/MEMBER", malloc()ed; NULL when the archive has none or cannot be read.
 */
static char *zip_find_module(struct scan_ctx *ctx, const char *zip, const char *inner, const char *name)
{
	struct scan_file file;
	struct scan_zip z;
	char probe[512];    /* a dotted name's path in the archive; longer ones are not looked up */
	char *found = NULL;
	long src, pyc;

	if ((size_t)snprintf(probe, sizeof(probe), "%s%s%s", inner, inner[0] ? "/" : "", name) >=
	    sizeof(probe))
		return NULL;
	if (scan_fs_read(&ctx->fs, zip, &file) != SCAN_READ_OK)
		return NULL;
	if (scan_zip_open(&z, file.data, file.size) == NULL && zip_member(&z, probe, &src, &pyc)) {
		long named = src >= 0 ? src : pyc;
		struct buf out = BUF_INIT;

		buf_printf(&out, "%s/%.*s", zip, (int)z.v[named].name_len, z.v[named].name);
		found = buf_detach(&out);
	}
	scan_zip_free(&z);
	scan_file_free(&file);
	return found;
}

/*
 * Splits a path that runs into a zip archive ("/opt/a.zip/pkg/sub.py") into
 * the archive (malloc()ed in *zip) and the part inside it (*inner, pointing
 * into `path`). False when no leading part of `path` is a regular file.
 */
static bool zip_split(struct scan_ctx *ctx, const char *path, char **zip, const char **inner)
{
	char *head = xstrdup(path);
	char *cut;
	struct stat st;

	while ((cut = strrchr(head, '/')) != NULL && cut != head) {
		*cut = '\0';
		if (scan_fs_stat(&ctx->fs, head, &st) != 0)
			continue;
		if (!S_ISREG(st.st_mode))
			break;
		*inner = path + (cut - head) + 1;
		*zip = head;
		return true;
	}
	free(head);
	return false;
}

bool scan_module_in_zip(struct scan_ctx *ctx, const char *path, struct scan_file *out, const char **why)
{
	struct scan_file file;
	struct scan_zip z;
	struct buf bytes = BUF_INIT;
	const char *inner;
	char *zip;
	long i;

	if (!zip_split(ctx, path, &zip, &inner))
		return false;
	*why = "the archive cannot be read";
	if (scan_fs_read(&ctx->fs, zip, &file) == SCAN_READ_OK) {
		*why = scan_zip_open(&z, file.data, file.size);
		i = *why == NULL ? scan_zip_find(&z, inner) : -1;
		if (*why == NULL && i < 0)
			*why = "the archive has no such member";
		if (i >= 0)
			*why = scan_zip_read(&z, (size_t)i, ctx->opt.max_file_size, &bytes);
		if (*why == NULL) {
			out->size = bytes.len;
			out->data = buf_detach(&bytes);
			out->st = file.st;
		}
		scan_zip_free(&z);
		scan_file_free(&file);
	}
	buf_free(&bytes);
	free(zip);
	return true;
}

/* The import of one customize module through `path`. */
static void find_module(struct scan_ctx *ctx, size_t interp, const struct scan_syspath *path,
			size_t nstd, const char *name, const char *blocked_by)
{
	const struct scan_interp *in = &ctx->interps[interp];
	struct module_hit ns = { 0 }, hit;
	const char *winner = NULL;

	for (size_t i = 0; i < path->n; i++) {
		struct scan_finding *f;

		if (zip_entry(ctx, path->dirs[i])) {
			hit.path = NULL;
			f = zip_module(ctx, path->dirs[i], name);
			if (f == NULL)
				continue;
			hit.form = FORM_SOURCE;
			hit.cached = NULL;
			hit.cache_note = NULL;
			hit.fails = NULL;
			hit.path = xstrdup(f->path);
		} else if (!find_in_dir(ctx, in, path->dirs[i], name, &hit, &ns)) {
			continue;
		} else {
			f = module_finding(ctx, name, hit.path, hit.form);
		}
		if (f == NULL) {
			hit_free(&hit);
			continue;
		}
		if (winner != NULL) {
			scan_finding_note(f, interp, CAUSE_SHADOWED);
			scan_finding_reason(f, "shadowed by %s for %s", winner, in->exe);
		} else if (hit.fails) {
			scan_finding_reason(f, "%s", hit.fails);
			scan_finding_note(f, interp, "magic number of another version");
			winner = scan_strdup(ctx, hit.path);
		} else {
			if (hit.cached)
				attach_cache(ctx, f, hit.cached);
			if (hit.cache_note)
				scan_finding_reason(f, "%s", hit.cache_note);
			module_runs(f, interp, blocked_by);
			if (path->origins[i] != NULL)
				scan_finding_reason(f, "runs because the path line %s puts %s on sys.path",
						    path->origins[i], path->dirs[i]);
			scan_site_follow_module(ctx, interp, path, nstd, f);
			winner = scan_strdup(ctx, hit.path);
		}
		hit_free(&hit);
	}
	if (winner == NULL && ns.path != NULL) {
		struct scan_finding *f = scan_finding_at(ctx, name, ns.path, false, 0, 0);

		if (f != NULL)
			scan_finding_reason(f, "a namespace folder without __init__: imports, runs nothing");
	}
	hit_free(&ns);
}

void scan_customize(struct scan_ctx *ctx, size_t interp, const struct scan_syspath *path,
		    size_t nstd, bool user_enabled, const char *blocked_by)
{
	find_module(ctx, interp, path, nstd, "sitecustomize", blocked_by);
	if (user_enabled)
		find_module(ctx, interp, path, nstd, "usercustomize", blocked_by);
}

/* Hands the found file (and its cached bytecode, when `cached` is not NULL) to the caller. */
static char *take_hit(struct module_hit *hit, struct module_hit *ns, char **cached)
{
	char *found = hit->path;

	hit->path = NULL;
	if (cached != NULL) {
		*cached = hit->cached;
		hit->cached = NULL;
	}
	hit_free(hit);
	hit_free(ns);
	return found;
}

char *scan_module_resolve(struct scan_ctx *ctx, size_t interp, const struct scan_syspath *path,
			  const char *name, size_t *at, char **cached)
{
	struct module_hit ns = { 0 }, hit;

	if (cached != NULL)
		*cached = NULL;
	for (size_t i = 0; i < path->n; i++) {
		char *member = NULL;

		if (zip_entry(ctx, path->dirs[i]) &&
		    (member = zip_find_module(ctx, path->dirs[i], "", name)) != NULL) {
			*at = i;
			hit_free(&ns);
			return member;
		}
		if (find_in_dir(ctx, &ctx->interps[interp], path->dirs[i], name, &hit, &ns)) {
			*at = i;
			return take_hit(&hit, &ns, cached);
		}
	}
	hit_free(&ns);
	return NULL;
}

/* A submodule of a package that lies inside a zip archive ("ZIP/pkg"). */
static char *package_in_zip(struct scan_ctx *ctx, const char *dir, const char *name)
{
	const char *inner;
	char *zip, *found;

	if (!zip_split(ctx, dir, &zip, &inner))
		return NULL;
	found = zip_find_module(ctx, zip, inner, name);
	free(zip);
	return found;
}

char *scan_module_in_dir(struct scan_ctx *ctx, size_t interp, const char *dir, const char *name,
			 char **cached)
{
	struct module_hit ns = { 0 }, hit;

	if (cached != NULL)
		*cached = NULL;
	if (find_in_dir(ctx, &ctx->interps[interp], dir, name, &hit, &ns))
		return take_hit(&hit, &ns, cached);
	hit_free(&ns);
	return package_in_zip(ctx, dir, name);
}

/* Which interpreters a module form found outside their own sys.path would load. */
static void add_fitting_interps(struct scan_ctx *ctx, struct scan_finding *f,
				const struct module_hit *hit)
{
	for (size_t i = 0; i < ctx->ninterps; i++) {
		const struct scan_interp *in = &ctx->interps[i];
		bool fits = true;

		if (hit->form == FORM_EXTENSION)
			fits = extension_fits(scan_path_base(hit->path),
					      strcspn(scan_path_base(hit->path), "."), in);
		if (fits)
			scan_finding_add_interp(f, i);
	}
}

/* A customize module in a zip archive that an environment setting puts on sys.path. */
static void customize_in_zip(struct scan_ctx *ctx, const char *zip, const char *name,
			     const char *origin)
{
	struct scan_finding *f = zip_module(ctx, zip, name);

	if (f == NULL)
		return;
	for (size_t i = 0; i < ctx->ninterps; i++)
		scan_finding_add_interp(f, i);
	scan_finding_reason(f, "in %s, a zip archive that %s puts ahead of the standard library: runs "
			    "in every interpreter started with that setting", zip, origin);
}

void scan_customize_in_folder(struct scan_ctx *ctx, const char *dir, const char *origin)
{
	static const char *const names[] = { "sitecustomize", "usercustomize" };

	for (size_t k = 0; k < 2; k++) {
		struct module_hit ns = { 0 }, hit;
		struct scan_finding *f;

		if (zip_entry(ctx, dir)) {
			customize_in_zip(ctx, dir, names[k], origin);
			continue;
		}
		if (!find_in_dir(ctx, NULL, dir, names[k], &hit, &ns)) {
			hit_free(&ns);
			continue;
		}
		f = module_finding(ctx, names[k], hit.path, hit.form);
		if (f != NULL) {
			add_fitting_interps(ctx, f, &hit);
			scan_finding_reason(f, "in %s, a folder that %s puts ahead of the standard "
					    "library: runs in every interpreter started with that setting",
					    dir, origin);
		}
		hit_free(&hit);
		hit_free(&ns);
	}
}
