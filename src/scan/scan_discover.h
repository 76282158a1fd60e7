/*
 * Interpreter discovery without running anything.
 *
 * Interpreters come from the file system only: the system folders
 * (/usr/bin, /usr/local/bin), and a walk of the search folders that
 * recognises a virtual environment by its pyvenv.cfg, a conda environment by
 * its conda-meta folder, and any other installation (pyenv versions, source
 * builds) by bin/pythonX.Y beside lib/pythonX.Y. Versions come from
 * pyvenv.cfg, dpkg's status file, the headers' patchlevel.h, conda-meta, or
 * the folder name, in that order; the .pth rules then come from the version
 * and from the interpreter's own site.py.
 *
 * Explicit paths (an executable, a prefix or a venv folder) replace the
 * default search; user sites then come only from --home folders.
 *
 * Ownership: everything found is stored in the struct scan_ctx.
 */
#ifndef SW_SCAN_DISCOVER_H
#define SW_SCAN_DISCOVER_H

#include "scan_model.h"

/* Finds the interpreters and user bases and sets up each one's site folders. */
void scan_discover(struct scan_ctx *ctx);

/* The one finding for the folders where --max-depth stopped the search (if any). */
void scan_discover_report(struct scan_ctx *ctx);

/* Adds a user base (a home's ~/.local, or a PYTHONUSERBASE value) once. */
void scan_add_userbase(struct scan_ctx *ctx, const char *base, const char *origin);

/* Recomputes every interpreter's site folders (after user bases were added). */
void scan_compute_site_dirs(struct scan_ctx *ctx);

/*
 * Parses a python executable name: pythonX.Y with an optional ABI suffix
 * ("t" free-threaded, "m" and the like before 3.8). False for anything else.
 */
bool scan_exe_name_version(const char *name, struct scan_pyver *ver, bool *freethreaded);

#endif
