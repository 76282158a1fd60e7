/*
 * The site stage: for every interpreter (and, where its user site is read,
 * for every user base), follows CPython's start-up over the site folders in
 * order, reads each .pth file with that version's rules, records which
 * lines run, and builds the sys.path that the customize stage searches.
 *
 * Ownership: folder listings and .pth bytes are cached in the struct
 * scan_ctx for the whole scan and released by scan_site_free().
 */
#ifndef SW_SCAN_SITE_H
#define SW_SCAN_SITE_H

#include "scan_model.h"

/* The start-up search path of one interpreter, in order. */
struct scan_syspath {
	char **dirs;   /* malloc()ed inner paths */
	char **origins; /* per entry: the .pth line that added it ("FILE:LINE", malloc()ed), or NULL */
	size_t n, cap, origins_cap;
};

void scan_syspath_add(struct scan_syspath *p, const char *dir);
/* As scan_syspath_add(), naming the .pth line that adds the folder. */
void scan_syspath_add_from(struct scan_syspath *p, const char *dir, const char *origin);
void scan_syspath_free(struct scan_syspath *p);

/* Cached, sorted listing of a folder (symlinks followed inside the root); NULL when unlistable. */
const struct scan_dir *scan_listing(struct scan_ctx *ctx, const char *dir);
/* Binary search in a listing; sets *type to the entry's d_type. */
bool scan_listing_has(const struct scan_dir *d, const char *name, unsigned char *type);

/*
 * True when `name` (len bytes, no dots) may import on a Python `major`: a
 * builtin or frozen module, a file or package in one of the first `upto`
 * path folders, or a path entry whose content cannot be listed. False only
 * when scan is sure the import fails.
 */
bool scan_module_exists(struct scan_ctx *ctx, const struct scan_syspath *p, size_t upto,
			int major, const char *name, size_t len);

/*
 * Follows the imports of a customize module that interpreter `interp` runs
 * (finding `f`, whose `code` is the source) as an executed .pth line's are
 * followed: each module found on `path` outside its first `nstd` folders
 * (the standard library) is judged, and a primitive in one raises `f`.
 */
void scan_site_follow_module(struct scan_ctx *ctx, size_t interp, const struct scan_syspath *path,
			     size_t nstd, struct scan_finding *f);

/*
 * Finding `f` (a .pth path line, or a PYTHONPATH setting) adds the file
 * `zip` to sys.path: zipimport reads it as a zip archive, whose modules
 * (sitecustomize among them) import from there. The customize stage reads
 * the members. An archive that scan cannot read hides what it contains, so
 * `f` is then at least high. A member name found twice makes it at least
 * medium.
 */
void scan_site_zip_on_path(struct scan_ctx *ctx, struct scan_finding *f, const char *zip);

/* Runs the .pth stage and then the customize stage for every interpreter. */
void scan_sites(struct scan_ctx *ctx);

/* Names (without suffix) of the interpreter's standard-library modules, or NULL. */
const struct strmap *scan_stdlib_names(struct scan_ctx *ctx, const struct scan_interp *in);

/* The bytes of a .pth file that the site stage read, if it did. */
bool scan_site_file(struct scan_ctx *ctx, const char *path, const char **data, size_t *len);

void scan_site_free(struct scan_ctx *ctx);

#endif
