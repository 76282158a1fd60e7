/*
 * The known-benign catalogue: see scan_catalog.h.
 */
#include "scan_catalog.h"

#include <stdlib.h>
#include <string.h>

#include "scan_owner.h"
#include "util/xalloc.h"

/* setuptools 49.x-59.x (default "stdlib") and 60+ (default "local"), as written to site-packages. */
static const char *const distutils_lines[] = {
	"import os; var = 'SETUPTOOLS_USE_DISTUTILS'; enabled = os.environ.get(var, 'local') == 'local'; "
	"enabled and __import__('_distutils_hack').add_shim(); ",
	"import os; var = 'SETUPTOOLS_USE_DISTUTILS'; enabled = os.environ.get(var, 'stdlib') == 'local'; "
	"enabled and __import__('_distutils_hack').add_shim(); ",
};

/*
 * setuptools' namespace-package line (setuptools/namespaces.py), with {s}
 * for a quoted dotted name and {t} for a tuple of them. The first is the
 * template since 2017, the second the one before.
 */
static const char *const nspkg_templates[] = {
	"import sys, types, os;has_mfs = sys.version_info > (3, 5);"
	"p = os.path.join(sys._getframe(1).f_locals['sitedir'], *{t});"
	"importlib = has_mfs and __import__('importlib.util');"
	"has_mfs and __import__('importlib.machinery');"
	"m = has_mfs and sys.modules.setdefault({s}, importlib.util.module_from_spec("
	"importlib.machinery.PathFinder.find_spec({s}, [os.path.dirname(p)])));"
	"m = m or sys.modules.setdefault({s}, types.ModuleType({s}));"
	"mp = (m or []) and m.__dict__.setdefault('__path__',[]);"
	"(p not in mp) and mp.append(p)",
	"import sys, types, os;"
	"p = os.path.join(sys._getframe(1).f_locals['sitedir'], *{t});"
	"ie = os.path.exists(os.path.join(p,'__init__.py'));"
	"m = not ie and sys.modules.setdefault({s}, types.ModuleType({s}));"
	"mp = (m or []) and m.__dict__.setdefault('__path__',[]);"
	"(p not in mp) and mp.append(p)",
};
/* Appended when the namespace package has a parent. */
static const char nspkg_parent[] = ";m and setattr(sys.modules[{s}], {s}, m)";

/* The one line of coverage.py's documented subprocess hook. */
static const char coverage_line[] = "import coverage; coverage.process_startup()";

/*
 * pytest-cov's pytest-cov.pth (pytest-dev/pytest-cov, src/pytest-cov.pth):
 * one import line that exec()s a constant string, which calls
 * pytest_cov.embed.init() when COV_CORE_SOURCE is set. In the order below:
 * the 2.0 line, the same line of the pytest-cover fork (pytest-cover.pth),
 * the 2.x line that later releases kept until the .pth was dropped, and the
 * 2.6-2.8 line that also reorders pkg_resources' entry points.
 */
static const char *const pytest_cov_lines[] = {
	"import os, sys;exec('if \\'COV_CORE_SOURCE\\' in os.environ:\\n try:\\n"
	"  from pytest_cov.embed import init\\n  init()\\n except ImportError as exc:\\n"
	"  sys.stderr.write(\\n   \"Failed to setup coverage.\"\\n"
	"   \"Sources: {[COV_CORE_SOURCE]!r}\"\\n   \"Config: {[COV_CORE_CONFIG]!r}\"\\n"
	"   \"Exception: {!r}\\\\n\".format(os.environ, exc))\\n')",
	"import os, sys;exec('if \\'COV_CORE_SOURCE\\' in os.environ:\\n try:\\n"
	"  from pytest_cover.embed import init\\n  init()\\n except ImportError:\\n"
	"  sys.stderr.write(\\n   \"Failed to setup coverage.\"\\n"
	"   \"Sources: {[COV_CORE_SOURCE]!r}\"\\n   \"Config: {[COV_CORE_CONFIG]!r}\"\\n"
	"   \"Exception: {!r}\\\\n\".format(os.environ, exc))\\n')",
	"import os, sys;exec('if \\'COV_CORE_SOURCE\\' in os.environ:\\n try:\\n"
	"  from pytest_cov.embed import init\\n  init()\\n except Exception as exc:\\n"
	"  sys.stderr.write(\\n   \"pytest-cov: Failed to setup subprocess coverage. \"\\n"
	"   \"Environ: {0!r} \"\\n   \"Exception: {1!r}\\\\n\".format(\\n"
	"    dict((k, v) for k, v in os.environ.items() if k.startswith(\\'COV_CORE\\')),\\n"
	"    exc\\n   )\\n  )\\n')",
	"import os, sys;exec('try:\\n import pkg_resources\\nexcept ImportError:\\n pass\\n"
	"else:\\n"
	" def reordered_iter_entry_points(group, name=None, __original=pkg_resources.iter_entry_points):\\n"
	"  if group == \\'pytest11\\' and name is None:\\n   delayed_entrypoints = []\\n"
	"   for ep in __original(group):\\n    if ep.name == \\'pytest_cov\\':\\n"
	"     yield ep\\n     for delayed_ep in delayed_entrypoints:\\n"
	"      yield delayed_ep\\n     delayed_entrypoints = None\\n"
	"    elif delayed_entrypoints is None:\\n     yield ep\\n    else:\\n"
	"     delayed_entrypoints.append(ep)\\n  else:\\n"
	"   for ep in __original(group, name):\\n    yield ep\\n"
	" pkg_resources.iter_entry_points = reordered_iter_entry_points\\n"
	"if \\'COV_CORE_SOURCE\\' in os.environ:\\n try:\\n"
	"  from pytest_cov.embed import init\\n  init()\\n except Exception as exc:\\n"
	"  sys.stderr.write(\\n   \"pytest-cov: Failed to setup subprocess coverage. \"\\n"
	"   \"Environ: {0!r} \"\\n   \"Exception: {1!r}\\\\n\".format(\\n"
	"    dict((k, v) for k, v in os.environ.items() if k.startswith(\\'COV_CORE\\')),\\n"
	"    exc\\n   )\\n  )\\n')",
};

/* Debian 12's /etc/python3.X/sitecustomize.py (python3.X-minimal). */
static const char debian_sitecustomize[] =
	"# install the apport exception handler if available\n"
	"try:\n"
	"    import apport_python_hook\n"
	"except ImportError:\n"
	"    pass\n"
	"else:\n"
	"    apport_python_hook.install()\n";

static bool equals(const char *line, size_t len, const char *text)
{
	return strlen(text) == len && memcmp(line, text, len) == 0;
}

bool scan_catalog_is_distutils_precedence(const char *line, size_t len)
{
	for (size_t i = 0; i < sizeof(distutils_lines) / sizeof(distutils_lines[0]); i++) {
		size_t n = strlen(distutils_lines[i]);

		/* With or without the trailing space that setuptools writes. */
		if (equals(line, len, distutils_lines[i]) ||
		    (len == n - 1 && memcmp(line, distutils_lines[i], len) == 0))
			return true;
	}
	return false;
}

bool scan_catalog_is_coverage(const char *line, size_t len)
{
	return equals(line, len, coverage_line);
}

bool scan_catalog_is_pytest_cov(const char *line, size_t len)
{
	for (size_t i = 0; i < sizeof(pytest_cov_lines) / sizeof(pytest_cov_lines[0]); i++) {
		if (equals(line, len, pytest_cov_lines[i]))
			return true;
	}
	return false;
}

bool scan_catalog_is_debian_sitecustomize(const char *data, size_t len)
{
	return equals(data, len, debian_sitecustomize);
}

/* A quoted dotted name: 'a.b_c'. Returns the bytes consumed, or 0. */
static size_t match_name(const char *s, size_t len)
{
	size_t i = 1;

	if (len < 3 || s[0] != '\'')
		return 0;
	while (i < len && (s[i] == '.' || s[i] == '_' || (s[i] >= '0' && s[i] <= '9') ||
			   (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z')))
		i++;
	return i > 1 && i < len && s[i] == '\'' ? i + 1 : 0;
}

/* A tuple of quoted names as Python's repr writes it: ('a',) or ('a', 'b'). */
static size_t match_tuple(const char *s, size_t len)
{
	size_t i = 1, n;

	if (len < 2 || s[0] != '(')
		return 0;
	for (;;) {
		n = match_name(s + i, len - i);
		if (n == 0)
			return 0;
		i += n;
		if (i + 2 <= len && s[i] == ',' && s[i + 1] == ')')
			return i + 2;
		if (i < len && s[i] == ')')
			return i + 1;
		if (!(i + 2 <= len && s[i] == ',' && s[i + 1] == ' '))
			return 0;
		i += 2;
	}
}

/* Matches `line` from `pos` against `tmpl`; returns the end position or (size_t)-1. */
static size_t match_template(const char *line, size_t len, size_t pos, const char *tmpl)
{
	while (*tmpl) {
		size_t n;

		if (tmpl[0] == '{' && (tmpl[1] == 's' || tmpl[1] == 't') && tmpl[2] == '}') {
			n = tmpl[1] == 's' ? match_name(line + pos, len - pos) : match_tuple(line + pos, len - pos);
			if (n == 0)
				return (size_t)-1;
			pos += n;
			tmpl += 3;
			continue;
		}
		if (pos >= len || line[pos] != *tmpl)
			return (size_t)-1;
		pos++;
		tmpl++;
	}
	return pos;
}

bool scan_catalog_is_nspkg(const char *line, size_t len)
{
	for (size_t i = 0; i < sizeof(nspkg_templates) / sizeof(nspkg_templates[0]); i++) {
		size_t end = match_template(line, len, 0, nspkg_templates[i]);

		if (end == (size_t)-1)
			continue;
		if (end < len)
			end = match_template(line, len, end, nspkg_parent);
		if (end == len)
			return true;
	}
	return false;
}

bool scan_catalog_is_editable_finder(const char *line, size_t len, const char **module,
				     size_t *module_len)
{
	static const char prefix[] = "import __editable___";
	size_t i = 7, n;

	if (len < sizeof(prefix) || memcmp(line, prefix, sizeof(prefix) - 1) != 0)
		return false;
	while (i < len && line[i] != ';' && line[i] != ' ')
		i++;
	n = i - 7;
	if (n < 20 || memcmp(line + i - 7, "_finder", 7) != 0)
		return false;
	for (size_t k = 7; k < i; k++) {
		char c = line[k];

		if (!(c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
			return false;
	}
	/* "; MODULE.install()" and nothing else. */
	if (len != i + 2 + n + 10 || memcmp(line + i, "; ", 2) != 0 ||
	    memcmp(line + i + 2, line + 7, n) != 0 || memcmp(line + i + 2 + n, ".install()", 10) != 0)
		return false;
	*module = line + 7;
	*module_len = n;
	return true;
}

/*
 * The record of a file in the site folder `site` (NULL: the file's own
 * folder): benign evidence when the hash matches, else the finding stays unknown.
 */
static enum scan_owner_status record_in(struct scan_ctx *ctx, struct scan_finding *f,
					const char *path, const char *site, const char *data, size_t len)
{
	char *own = site == NULL ? scan_path_dir(path) : NULL;
	char *evidence = NULL;
	enum scan_owner_status s = scan_owner_check(ctx, path, site ? site : own, data, len, &evidence);

	if (evidence != NULL)
		scan_finding_reason(f, "%s", evidence);
	free(evidence);
	free(own);
	return s;
}

static enum scan_owner_status record_of(struct scan_ctx *ctx, struct scan_finding *f,
					const char *path, const char *data, size_t len)
{
	return record_in(ctx, f, path, NULL, data, len);
}

/* The file beside a .pth: read and checked against its RECORD. */
static enum scan_owner_status sibling_record(struct scan_ctx *ctx, struct scan_finding *f,
					     const char *pth, const char *name)
{
	char *site = scan_path_dir(pth);
	char *path = scan_path_join(site, name);
	struct scan_file file;
	enum scan_owner_status s = SCAN_OWNER_NONE;

	if (scan_fs_read(&ctx->fs, path, &file) == SCAN_READ_OK) {
		s = record_in(ctx, f, path, site, file.data, file.size);
		scan_file_free(&file);
	} else {
		scan_finding_reason(f, "%s is missing", path);
	}
	free(path);
	free(site);
	return s;
}

static enum scan_catalog_result check_editable(struct scan_ctx *ctx, struct scan_finding *f,
					       const char *module, size_t n, const char *data,
					       size_t len)
{
	char *name = xstrndup(module, n);
	struct buf file = BUF_INIT;
	enum scan_owner_status pth, mod;

	buf_printf(&file, "%s.py", name);
	pth = record_of(ctx, f, f->path, data, len);
	mod = sibling_record(ctx, f, f->path, file.data);
	buf_free(&file);
	free(name);
	if (pth == SCAN_OWNER_MATCH && mod == SCAN_OWNER_MATCH) {
		scan_finding_reason(f, "editable install finder; the .pth and the finder module match "
				    "their RECORD hashes");
		return SCAN_CATALOG_BENIGN;
	}
	if (pth == SCAN_OWNER_MISMATCH || mod == SCAN_OWNER_MISMATCH)
		return SCAN_CATALOG_MODIFIED;
	scan_finding_reason(f, "shaped like an editable install finder, but not confirmed by a RECORD");
	return SCAN_CATALOG_UNKNOWN;
}

/* virtualenv's line: benign; its module becomes a finding of its own. */
static enum scan_catalog_result check_virtualenv(struct scan_ctx *ctx, struct scan_finding *f)
{
	char *site = scan_path_dir(f->path);
	char *module = scan_path_join(site, "_virtualenv.py");
	struct scan_finding *m;
	struct scan_file file;

	if (scan_fs_read(&ctx->fs, module, &file) != SCAN_READ_OK) {
		scan_finding_reason(f, "imports _virtualenv, but %s is missing", module);
		free(module);
		free(site);
		return SCAN_CATALOG_UNKNOWN;
	}
	m = scan_finding_at(ctx, "pth-module", module, false, 0, 0);
	if (m != NULL && m->code == NULL) {
		m->code = file.data;
		m->code_len = file.size;
		file.data = NULL;
		m->executes = true;
		m->st = file.st;
		m->has_stat = true;
		for (size_t i = 0; i < f->ninterps; i++)
			scan_finding_add_interp(m, f->interps[i]);
		scan_finding_reason(m, "imported by %s", f->path);
	}
	scan_file_free(&file);
	scan_finding_reason(f, "virtualenv's _virtualenv.pth line; its module %s is judged as its own finding",
			    module);
	free(module);
	free(site);
	return SCAN_CATALOG_BENIGN;
}

/*
 * setuptools' line runs _distutils_hack: the line is cleared only when the
 * module beside it is the one a package record (wheel RECORD or dpkg)
 * lists with a matching hash, since its content varies by release.
 */
static enum scan_catalog_result check_distutils(struct scan_ctx *ctx, struct scan_finding *f)
{
	enum scan_owner_status s;

	scan_finding_reason(f, "setuptools' distutils-precedence line");
	if (f->module_suspect) {
		scan_finding_reason(f, "not cleared: the _distutils_hack it imports is not "
				    "setuptools' own, or holds an execution primitive");
		return SCAN_CATALOG_UNKNOWN;
	}
	s = sibling_record(ctx, f, f->path, "_distutils_hack/__init__.py");
	if (s == SCAN_OWNER_MISMATCH)
		return SCAN_CATALOG_MODIFIED;
	if (s != SCAN_OWNER_MATCH) {
		scan_finding_reason(f, "not cleared: no package record (RECORD or dpkg) vouches for "
				    "the _distutils_hack/__init__.py beside it");
		return SCAN_CATALOG_UNKNOWN;
	}
	return SCAN_CATALOG_BENIGN;
}

static enum scan_catalog_result check_line(struct scan_ctx *ctx, struct scan_finding *f,
					   const char *data, size_t len)
{
	const char *line = f->text, *module;
	size_t n = f->text_len, mlen;

	if (scan_catalog_is_distutils_precedence(line, n))
		return check_distutils(ctx, f);
	if (equals(line, n, "import _virtualenv"))
		return check_virtualenv(ctx, f);
	if (scan_catalog_is_editable_finder(line, n, &module, &mlen))
		return check_editable(ctx, f, module, mlen, data, len);
	if (scan_catalog_is_nspkg(line, n)) {
		scan_finding_reason(f, "setuptools' namespace-package (-nspkg.pth) line");
		return SCAN_CATALOG_BENIGN;
	}
	if (scan_catalog_is_coverage(line, n)) {
		scan_finding_reason(f, "coverage.py's subprocess measurement hook");
		return SCAN_CATALOG_BENIGN;
	}
	if (scan_catalog_is_pytest_cov(line, n)) {
		scan_finding_reason(f, "pytest-cov's subprocess measurement hook (pytest-cov.pth)");
		return SCAN_CATALOG_BENIGN;
	}
	return SCAN_CATALOG_UNKNOWN;
}

enum scan_catalog_result scan_catalog_check(struct scan_ctx *ctx, struct scan_finding *f,
					    const char *data, size_t len)
{
	enum scan_catalog_result r = SCAN_CATALOG_UNKNOWN;
	enum scan_owner_status owner = SCAN_OWNER_NONE;

	if (strcmp(f->kind, "pth") == 0 && f->has_line && f->executes && f->text != NULL) {
		r = check_line(ctx, f, data, len);
		/*
		 * A template names a module, but not what that module does. A
		 * module that the module stage rated above low keeps its rating.
		 */
		if (r == SCAN_CATALOG_BENIGN && f->module_suspect) {
			scan_finding_reason(f, "a known template, not cleared: the module it imports is "
					    "rated %s on its own", scan_verdict_name(f->floor));
			r = SCAN_CATALOG_UNKNOWN;
		}
		if (r == SCAN_CATALOG_BENIGN && f->evidence == NULL)
			owner = record_of(ctx, f, f->path, data, len);
	} else if (strcmp(f->kind, "sitecustomize") == 0 && data != NULL &&
		   scan_catalog_is_debian_sitecustomize(data, len)) {
		char *real = scan_fs_resolve(&ctx->fs, f->path, true);

		scan_finding_reason(f, "Debian's sitecustomize (the apport hook)");
		owner = record_of(ctx, f, real ? real : f->path, data, len);
		r = owner == SCAN_OWNER_MATCH ? SCAN_CATALOG_BENIGN : SCAN_CATALOG_UNKNOWN;
		free(real);
	}
	if (owner == SCAN_OWNER_MISMATCH)
		r = SCAN_CATALOG_MODIFIED;
	return r;
}
