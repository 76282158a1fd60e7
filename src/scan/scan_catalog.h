/*
 * The catalogue of hooks that are legitimately there, matched by exact
 * content (whole lines or whole files, or a template with only names
 * filled in), never by file name or by who wrote them:
 * - setuptools' distutils-precedence.pth line (both defaults of
 *   SETUPTOOLS_USE_DISTUTILS);
 * - virtualenv's `import _virtualenv` line, whose module is reported and
 *   judged as its own finding;
 * - editable installs: `import __editable___NAME_finder;
 *   __editable___NAME_finder.install()`, benign only when the .pth and the
 *   finder module both match the distribution's RECORD hashes;
 * - setuptools' *-nspkg.pth namespace lines (current and pre-2017 templates);
 * - coverage.py's `import coverage; coverage.process_startup()`;
 * - pytest-cov's pytest-cov.pth lines (an exec() of a constant string; four
 *   known releases' texts);
 * - Debian's sitecustomize.py (the apport hook), when dpkg's record matches.
 * A template with anything appended is not the template, and a template
 * whose imported module the site stage rated above low is not cleared.
 *
 * Ownership: reasons and evidence are added to the finding.
 */
#ifndef SW_SCAN_CATALOG_H
#define SW_SCAN_CATALOG_H

#include <stdbool.h>
#include <stddef.h>

#include "scan_model.h"

enum scan_catalog_result {
	SCAN_CATALOG_UNKNOWN,  /* not in the catalogue: judge by the verdict rules */
	SCAN_CATALOG_BENIGN,   /* matches an entry and its conditions */
	SCAN_CATALOG_MODIFIED, /* matches an entry's shape, but its record says it was changed */
};

/* Pure template checks, for the unit tests and the catalogue. */
bool scan_catalog_is_distutils_precedence(const char *line, size_t len);
bool scan_catalog_is_nspkg(const char *line, size_t len);
bool scan_catalog_is_coverage(const char *line, size_t len);
bool scan_catalog_is_pytest_cov(const char *line, size_t len);
/* Sets *module (len bytes) to the finder module's name. */
bool scan_catalog_is_editable_finder(const char *line, size_t len, const char **module,
				     size_t *module_len);
bool scan_catalog_is_debian_sitecustomize(const char *data, size_t len);

/*
 * Checks one finding against the catalogue, adding the reasons (and, for
 * virtualenv, the module's own finding). `data` is the whole file.
 */
enum scan_catalog_result scan_catalog_check(struct scan_ctx *ctx, struct scan_finding *f,
					    const char *data, size_t len);

#endif
