/*
 * The customize stage: which sitecustomize and usercustomize module, in any
 * importable form, an interpreter imports after its .pth files, and which
 * ones are shadowed.
 *
 * Import order within one sys.path folder follows importlib's FileFinder: a
 * package folder with __init__ first, then extension modules, source, and
 * sourceless bytecode; a folder without __init__ is a namespace portion,
 * used only when no folder has anything else. A source file whose cached
 * __pycache__/NAME.cpython-XY.pyc has a header matching the source's mtime
 * and size runs the cached code, which can differ from the source.
 *
 * Ownership: findings go to the struct scan_ctx.
 */
#ifndef SW_SCAN_CUSTOM_H
#define SW_SCAN_CUSTOM_H

#include "scan_model.h"
#include "scan_site.h"

/*
 * Records the sitecustomize (and, when `user_enabled`, usercustomize) that
 * interpreter `interp` imports through `path`, and the shadowed ones.
 * The first `nstd` folders of `path` are the standard library, whose
 * modules a customize module imports without being judged.
 * `blocked_by` is NULL, or the hook that ends every start before the
 * customize step: the module found is then marked as running once that
 * hook is removed (and rated as if it ran), not as run.
 */
void scan_customize(struct scan_ctx *ctx, size_t interp, const struct scan_syspath *path,
		    size_t nstd, bool user_enabled, const char *blocked_by);

/*
 * The file that `import NAME` loads for interpreter `interp` through `path`
 * (a package's __init__, an extension module, a source or a sourceless
 * .pyc; for a zip archive on `path`, the member as "ZIP/MEMBER"), malloc()ed, with the index of its folder in *at; NULL when no
 * folder holds it (or only a namespace folder, which runs nothing).
 */
char *scan_module_resolve(struct scan_ctx *ctx, size_t interp, const struct scan_syspath *path,
			  const char *name, size_t *at, char **cached);

/*
 * The file that importing NAME finds in the one folder `dir` (a package's
 * own folder, for `import pkg.NAME`), malloc()ed, or NULL. When `cached` is
 * not NULL it receives the __pycache__ bytecode that runs in place of a
 * source (malloc()ed), or NULL.
 */
char *scan_module_in_dir(struct scan_ctx *ctx, size_t interp, const char *dir, const char *name,
			 char **cached);

/*
 * When `path` runs into a zip archive ("/opt/a.zip/pkg/sub.py", as
 * scan_module_resolve() names a module that zipimport loads), reads that
 * member into `out` (the caller frees it with scan_file_free(); its stat is
 * the archive's) and returns true, with *why NULL, or a static text saying
 * why the member cannot be read. False when `path` is not inside a zip.
 */
bool scan_module_in_zip(struct scan_ctx *ctx, const char *path, struct scan_file *out, const char **why);

/*
 * Reports every customize module in a folder, or in a zip archive (a file
 * element, which zipimport reads), that an environment setting puts ahead
 * of the standard library (a PYTHONPATH element). `origin` names
 * the setting ("PYTHONPATH in /etc/environment:2").
 */
void scan_customize_in_folder(struct scan_ctx *ctx, const char *dir, const char *origin);

/*
 * Judges an extension module (`len` bytes of ELF `code`, or NULL when it
 * could not be read). Its machine code runs when it is imported and its
 * strings do not show what it does: at least SCAN_MEDIUM. The C library
 * functions it links against are NUL-delimited names in its dynamic string
 * table (ELF .dynstr): one that starts a process or loads code makes it
 * SCAN_HIGH. Appends the reasons, joined by "; ", to `why`.
 */
enum scan_verdict scan_native_judge(const char *code, size_t len, struct buf *why);

#endif
