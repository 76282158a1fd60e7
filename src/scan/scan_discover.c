/*
 * Interpreter discovery from the file system: see scan_discover.h.
 */
#include "scan_discover.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scan_owner.h"
#include "util/xalloc.h"

/* The search folders when neither --search nor explicit paths are given. */
static const char *const default_search[] = {
	"/home", "/root", "/opt", "/srv", "/usr/local", "/tmp", "/var/tmp",
};

/* Folders whose executables are the system's interpreters. */
static const char *const system_bins[] = { "/usr/bin", "/usr/local/bin" };

/* Never entered by the walk: package folders are not prefixes, and /proc, /sys, /dev are live. */
static const char *const skipped_names[] = {
	".git", ".hg", ".svn", "node_modules", "__pycache__", "site-packages", "dist-packages",
};
static const char *const skipped_top[] = { "/proc", "/sys", "/dev" };

bool scan_exe_name_version(const char *name, struct scan_pyver *ver, bool *freethreaded)
{
	static const char *const suffixes[] = { "", "t", "m", "mu", "d", "dm" };
	const char *p = name + 6;
	const char *dot;
	size_t vlen;

	if (strncmp(name, "python", 6) != 0 || !(p[0] >= '2' && p[0] <= '9') || p[1] != '.')
		return false;
	dot = p + 2;
	while (*dot >= '0' && *dot <= '9')
		dot++;
	vlen = (size_t)(dot - p);
	if (vlen < 3)
		return false;
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		if (strcmp(dot, suffixes[i]) == 0) {
			*freethreaded = i == 1;
			return scan_pyver_parse(p, vlen, ver);
		}
	}
	return false;
}

void scan_add_userbase(struct scan_ctx *ctx, const char *base, const char *origin)
{
	for (size_t i = 0; i < ctx->nuserbases; i++) {
		if (strcmp(ctx->userbases[i].base, base) == 0)
			return;
	}
	ctx->userbases = xgrow(ctx->userbases, &ctx->userbases_cap, ctx->nuserbases + 1,
			       sizeof(*ctx->userbases));
	ctx->userbases[ctx->nuserbases].base = scan_strdup(ctx, base);
	ctx->userbases[ctx->nuserbases].origin = scan_strdup(ctx, origin);
	ctx->nuserbases++;
}

/* The "X.Y" or "X.Yt" folder name under lib/ for an interpreter. */
static void lib_name(const struct scan_interp *in, char out[32])
{
	snprintf(out, 32, "python%d.%d%s", in->ver.major, in->ver.minor, in->freethreaded ? "t" : "");
}

static bool is_dir(struct scan_ctx *ctx, const char *inner)
{
	struct stat st;

	return scan_fs_stat(&ctx->fs, inner, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool exists(struct scan_ctx *ctx, const char *inner)
{
	struct stat st;

	return scan_fs_stat(&ctx->fs, inner, &st) == 0;
}

/*
 * Returns the interpreter for (prefix, version), adding it when new. NULL
 * when the cap on interpreters is reached or when it was already known.
 */
static struct scan_interp *add_interp(struct scan_ctx *ctx, const char *prefix,
				      const struct scan_pyver *ver, bool freethreaded)
{
	struct buf key = BUF_INIT;
	struct scan_interp *in;
	void **slot;

	buf_printf(&key, "%s%c%d.%d%s", prefix, 0, ver->major, ver->minor, freethreaded ? "t" : "");
	slot = strmap_upsert(&ctx->interp_by_real, key.data, key.len);
	buf_free(&key);
	if (*slot != NULL)
		return NULL;
	if (ctx->ninterps >= ctx->opt.max_interpreters) {
		ctx->stats.interps_capped = true;
		return NULL;
	}
	*slot = (void *)(uintptr_t)(ctx->ninterps + 1);

	ctx->interps = xgrow(ctx->interps, &ctx->interps_cap, ctx->ninterps + 1, sizeof(*ctx->interps));
	in = &ctx->interps[ctx->ninterps++];
	memset(in, 0, sizeof(*in));
	in->ver = *ver;
	in->freethreaded = freethreaded;
	in->prefix = scan_strdup(ctx, prefix);
	in->base_prefix = in->prefix;
	return in;
}

/*
 * Registers the interpreter BIN/NAME of a plain installation. Its prefix is
 * the folder above the resolved executable's bin/ (so /usr/local/bin/python3
 * linked to /usr/bin/python3.11 is /usr's interpreter), and it needs
 * PREFIX/lib/pythonX.Y.
 */
static void add_installation(struct scan_ctx *ctx, const char *bin, const char *exe_name)
{
	struct scan_pyver ver;
	struct scan_interp *in;
	char *exe, *real, *real_bin, *prefix, *stdlib;
	bool ft;

	if (!scan_exe_name_version(exe_name, &ver, &ft))
		return;
	exe = scan_path_join(bin, exe_name);
	real = scan_fs_resolve(&ctx->fs, exe, true);
	if (real == NULL || !scan_exe_name_version(scan_path_base(real), &ver, &ft)) {
		free(exe);
		free(real);
		return;
	}
	real_bin = scan_path_dir(real);
	prefix = scan_path_dir(real_bin);
	stdlib = scan_printf(ctx, "%s/lib/python%d.%d%s", strcmp(prefix, "/") == 0 ? "" : prefix,
			     ver.major, ver.minor, ft ? "t" : "");

	if (is_dir(ctx, stdlib) && (in = add_interp(ctx, prefix, &ver, ft)) != NULL) {
		in->exe = scan_strdup(ctx, exe);
		in->real = scan_strdup(ctx, real);
		in->stdlib = stdlib;
	}
	free(exe);
	free(real);
	free(real_bin);
	free(prefix);
}

/* Fills `out` with the python executable names listed in FOLDER/bin. */
static void list_python_names(struct scan_ctx *ctx, const char *folder, struct scan_dir *out)
{
	char *bin = scan_path_join(folder, "bin");

	if (scan_fs_list(&ctx->fs, bin, out) != 0)
		memset(out, 0, sizeof(*out));
	free(bin);
}

/* A plain installation prefix: registers each bin/pythonX.Y that has its lib/pythonX.Y. */
static bool try_installation(struct scan_ctx *ctx, const char *prefix)
{
	struct scan_dir bin;
	char *bin_path = scan_path_join(prefix, "bin");
	size_t before = ctx->ninterps;

	list_python_names(ctx, prefix, &bin);
	for (size_t i = 0; i < bin.n; i++)
		add_installation(ctx, bin_path, bin.v[i].name);
	scan_dir_free(&bin);
	free(bin_path);
	return ctx->ninterps > before;
}

/* Strips `text` of spaces and tabs at both ends, in place; returns it. */
static char *strip(char *text)
{
	size_t len = strlen(text);

	while (len > 0 && strchr(" \t\r\n", text[len - 1]))
		text[--len] = '\0';
	while (*text == ' ' || *text == '\t')
		text++;
	return text;
}

struct pyvenv_cfg {
	char *home;
	char *version;
	bool system_site;
};

/*
 * Reads pyvenv.cfg as site.venv() does: each line with '=' is split at the
 * first one, both sides stripped, the key lower-cased;
 * include-system-site-packages is true when absent. `version` (venv) and
 * `version_info` (virtualenv) give the version.
 */
static bool read_pyvenv_cfg(struct scan_ctx *ctx, const char *path, struct pyvenv_cfg *cfg)
{
	struct scan_file f;
	char *save = NULL;

	memset(cfg, 0, sizeof(*cfg));
	cfg->system_site = true;
	if (scan_fs_read(&ctx->fs, path, &f) != SCAN_READ_OK)
		return false;
	for (char *line = strtok_r(f.data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(line, '='), *key, *value;

		if (eq == NULL)
			continue;
		*eq = '\0';
		key = strip(line);
		value = strip(eq + 1);
		for (char *k = key; *k; k++)
			*k = (char)(*k >= 'A' && *k <= 'Z' ? *k + 32 : *k);
		if (strcmp(key, "include-system-site-packages") == 0)
			cfg->system_site = strcasecmp(value, "true") == 0;
		else if (strcmp(key, "home") == 0)
			cfg->home = scan_strdup(ctx, value);
		else if (strcmp(key, "version") == 0 || (strcmp(key, "version_info") == 0 && !cfg->version))
			cfg->version = scan_strdup(ctx, value);
	}
	scan_file_free(&f);
	return true;
}

/* Finds the venv's lib/pythonX.Y[t] folder when pyvenv.cfg gives no version. */
static bool venv_lib_version(struct scan_ctx *ctx, const char *venv, struct scan_pyver *ver, bool *ft)
{
	char *lib = scan_path_join(venv, "lib");
	struct scan_dir d;
	bool found = false;

	if (scan_fs_list(&ctx->fs, lib, &d) == 0) {
		for (size_t i = 0; i < d.n && !found; i++)
			found = scan_exe_name_version(d.v[i].name, ver, ft);
		scan_dir_free(&d);
	}
	free(lib);
	return found;
}

/* The venv's executable: bin/python, else bin/pythonX.Y. */
static char *venv_exe(struct scan_ctx *ctx, const char *venv, const struct scan_pyver *ver)
{
	char *exe = scan_printf(ctx, "%s/bin/python", venv);

	if (!exists(ctx, exe))
		exe = scan_printf(ctx, "%s/bin/python%d.%d", venv, ver->major, ver->minor);
	return exe;
}

static void add_venv(struct scan_ctx *ctx, const char *venv)
{
	char *cfg_path = scan_path_join(venv, "pyvenv.cfg"), *real;
	struct pyvenv_cfg cfg;
	struct scan_pyver ver = { 0, 0, SCAN_MICRO_UNKNOWN }, libver;
	struct scan_interp *in;
	bool ft = false, ok;

	ok = read_pyvenv_cfg(ctx, cfg_path, &cfg);
	free(cfg_path);
	if (!ok)
		return;
	if (!venv_lib_version(ctx, venv, &libver, &ft))
		return;
	if (!(cfg.version && scan_pyver_parse(cfg.version, strlen(cfg.version), &ver) &&
	      ver.major == libver.major && ver.minor == libver.minor))
		ver = libver;

	in = add_interp(ctx, venv, &ver, ft);
	if (in == NULL)
		return;
	in->venv = true;
	in->system_site = cfg.system_site;
	in->exe = venv_exe(ctx, venv, &ver);
	real = scan_fs_resolve(&ctx->fs, in->exe, true);
	in->real = scan_strdup(ctx, real ? real : in->exe);
	free(real);
	if (ver.micro != SCAN_MICRO_UNKNOWN)
		in->version_source = "pyvenv.cfg";
	if (cfg.home) {
		char *home = cfg.home;
		size_t len = strlen(home);

		/* home names the base interpreter's bin folder; its parent is the base prefix. */
		if (len > 4 && strcmp(home + len - 4, "/bin") == 0)
			in->base_prefix = scan_printf(ctx, "%.*s", (int)(len - 4), home);
		else
			in->base_prefix = scan_strdup(ctx, home);
	}
	in->stdlib = scan_printf(ctx, "%s/lib/python%d.%d%s", in->base_prefix, ver.major, ver.minor,
				 ft ? "t" : "");
}

/* Reads PY_VERSION from BASE/include/pythonX.Y{,m,t}/patchlevel.h. */
static bool version_from_patchlevel(struct scan_ctx *ctx, struct scan_interp *in)
{
	static const char *const abis[] = { "", "m", "t", "mu" };
	bool found = false;

	for (size_t i = 0; i < sizeof(abis) / sizeof(abis[0]) && !found; i++) {
		char *path = scan_printf(ctx, "%s/include/python%d.%d%s/patchlevel.h", in->base_prefix,
					 in->ver.major, in->ver.minor, abis[i]);
		struct scan_file f;
		const char *p;

		if (scan_fs_read(&ctx->fs, path, &f) != SCAN_READ_OK)
			continue;
		p = strstr(f.data, "#define PY_VERSION");
		if (p && (p = strchr(p, '"')) != NULL) {
			struct scan_pyver v;

			found = scan_pyver_parse(p + 1, strcspn(p + 1, "\"\n"), &v) &&
				v.major == in->ver.major && v.minor == in->ver.minor;
			if (found)
				in->ver = v;
		}
		scan_file_free(&f);
	}
	return found;
}

/* conda-meta/python-X.Y.Z-BUILD.json in the base prefix. */
static bool version_from_conda(struct scan_ctx *ctx, struct scan_interp *in)
{
	char *meta = scan_path_join(in->base_prefix, "conda-meta");
	struct scan_dir d;
	bool found = false;

	if (scan_fs_list(&ctx->fs, meta, &d) == 0) {
		for (size_t i = 0; i < d.n && !found; i++) {
			struct scan_pyver v;
			const char *name = d.v[i].name;

			if (strncmp(name, "python-", 7) == 0 && name[7] >= '0' && name[7] <= '9' &&
			    scan_pyver_parse(name + 7, strcspn(name + 7, "-"), &v) &&
			    v.major == in->ver.major && v.minor == in->ver.minor) {
				in->ver = v;
				found = true;
			}
		}
		scan_dir_free(&d);
	}
	free(meta);
	return found;
}

/* pyenv and similar layouts name the prefix folder after the version ("3.11.7"). */
static bool version_from_folder(struct scan_interp *in)
{
	const char *name = scan_path_base(in->base_prefix);
	size_t len = strspn(name, "0123456789.");
	struct scan_pyver v;

	if (len != strlen(name) && name[len] != 't')
		return false;
	if (!scan_pyver_parse(name, len, &v) || v.micro == SCAN_MICRO_UNKNOWN ||
	    v.major != in->ver.major || v.minor != in->ver.minor)
		return false;
	in->ver = v;
	return true;
}

static void resolve_version(struct scan_ctx *ctx, struct scan_interp *in)
{
	struct scan_pyver dpkg_ver;

	if (in->version_source != NULL)
		;
	else if (strcmp(in->base_prefix, "/usr") == 0 &&
		 scan_dpkg_python_version(ctx, in->ver.major, in->ver.minor, &dpkg_ver)) {
		in->ver = dpkg_ver;
		in->version_source = "dpkg status";
	} else if (version_from_patchlevel(ctx, in)) {
		in->version_source = "patchlevel.h";
	} else if (version_from_conda(ctx, in)) {
		in->version_source = "conda-meta";
	} else if (version_from_folder(in)) {
		in->version_source = "folder name";
	} else {
		in->version_source = "executable name";
	}
	scan_pyver_format(&in->ver, in->version);
}

/* Version rules, then what the interpreter's own site.py shows. */
static void resolve_rules(struct scan_ctx *ctx, struct scan_interp *in)
{
	char *site_py = scan_path_join(in->stdlib, "site.py");
	struct scan_file f;

	scan_rules_for_version(&in->ver, &in->rules);
	if (scan_fs_read(&ctx->fs, site_py, &f) == SCAN_READ_OK) {
		scan_rules_from_site_py(f.data, f.size, &in->rules);
		in->debian = scan_site_py_is_debian(f.data, f.size);
		scan_file_free(&f);
	}
	free(site_py);
	in->user_site = !in->venv || in->system_site;
}

static void add_site(struct scan_ctx *ctx, struct scan_interp *in, size_t *cap, const char *dir)
{
	if (!is_dir(ctx, dir))
		return;
	in->site_dirs = xgrow(in->site_dirs, cap, in->nsite_dirs + 1, sizeof(*in->site_dirs));
	in->site_dirs[in->nsite_dirs++] = scan_strdup(ctx, dir);
}

/*
 * The site folders of one prefix, as site.getsitepackages() lists them:
 * Debian's dist-packages layout (site-packages first inside a venv), or
 * lib/pythonX.Y/site-packages (and lib/site-python on Python 2).
 */
static void add_prefix_sites(struct scan_ctx *ctx, struct scan_interp *in, size_t *cap,
			     const char *prefix, bool in_venv)
{
	const char *p = strcmp(prefix, "/") == 0 ? "" : prefix;
	char lib[32];
	int maj = in->ver.major;

	lib_name(in, lib);
	if (!in->debian || in_venv)
		add_site(ctx, in, cap, scan_printf(ctx, "%s/lib/%s/site-packages", p, lib));
	if (in->debian) {
		add_site(ctx, in, cap, scan_printf(ctx, "%s/local/lib/%s/dist-packages", p, lib));
		if (maj == 3)
			add_site(ctx, in, cap, scan_printf(ctx, "%s/lib/python3/dist-packages", p));
		add_site(ctx, in, cap, scan_printf(ctx, "%s/lib/%s/dist-packages", p, lib));
	} else if (maj == 2) {
		add_site(ctx, in, cap, scan_printf(ctx, "%s/lib/site-python", p));
	}
}

void scan_compute_site_dirs(struct scan_ctx *ctx)
{
	for (size_t i = 0; i < ctx->ninterps; i++) {
		struct scan_interp *in = &ctx->interps[i];
		size_t cap = 0;

		free(in->site_dirs);
		in->site_dirs = NULL;
		in->nsite_dirs = 0;
		if (in->venv)
			add_prefix_sites(ctx, in, &cap, in->prefix, true);
		in->venv_sites = in->nsite_dirs;
		if (!in->venv || in->system_site)
			add_prefix_sites(ctx, in, &cap, in->base_prefix, false);
	}
}

/* Registers the prefixes that a folder's entries show; true when it is one. */
static bool classify_folder(struct scan_ctx *ctx, const char *path, const struct scan_dir *d,
			    bool *descend_envs)
{
	bool has_bin = false, has_lib = false;

	*descend_envs = false;
	for (size_t i = 0; i < d->n; i++) {
		const char *name = d->v[i].name;

		/* NOTE: CPython also reads a pyvenv.cfg beside the executable (in bin/); only the prefix one is looked for. */
		if (strcmp(name, "pyvenv.cfg") == 0) {
			add_venv(ctx, path);
			return true;
		}
		has_bin |= strcmp(name, "bin") == 0;
		has_lib |= strcmp(name, "lib") == 0;
		if (strcmp(name, "conda-meta") == 0 || strcmp(name, "envs") == 0)
			*descend_envs = true;
	}
	if (has_bin && has_lib && try_installation(ctx, path))
		return true;
	return *descend_envs && has_bin;
}

static bool skipped(const char *path, const char *name)
{
	for (size_t i = 0; i < sizeof(skipped_names) / sizeof(skipped_names[0]); i++) {
		if (strcmp(name, skipped_names[i]) == 0)
			return true;
	}
	for (size_t i = 0; i < sizeof(skipped_top) / sizeof(skipped_top[0]); i++) {
		if (strcmp(path, skipped_top[i]) == 0)
			return true;
	}
	return false;
}

static void walk(struct scan_ctx *ctx, const char *path, size_t depth);

/* True when the walk would enter one of the folder's subfolders (the depth cap aside). */
static bool has_subfolder(struct scan_ctx *ctx, const char *path, const struct scan_dir *d)
{
	bool found = false;

	for (size_t i = 0; i < d->n && !found; i++) {
		char *child = scan_path_join(strcmp(path, "/") == 0 ? "" : path, d->v[i].name);
		struct stat st;

		found = !skipped(child, d->v[i].name) &&
			(d->v[i].type == DT_DIR ||
			 (d->v[i].type == DT_UNKNOWN && scan_fs_lstat(&ctx->fs, child, &st) == 0 &&
			  S_ISDIR(st.st_mode)));
		free(child);
	}
	return found;
}

/* Enters the subfolders of a folder that is not a prefix (or only a conda base's envs/). */
static void walk_children(struct scan_ctx *ctx, const char *path, const struct scan_dir *d,
			  size_t depth, bool only_envs)
{
	for (size_t i = 0; i < d->n; i++) {
		char *child;
		struct stat st;

		if (only_envs && strcmp(d->v[i].name, "envs") != 0)
			continue;
		child = scan_path_join(strcmp(path, "/") == 0 ? "" : path, d->v[i].name);
		if (skipped(child, d->v[i].name)) {
			free(child);
			continue;
		}
		/* Symlinked folders are not entered: the walk cannot loop. */
		if (d->v[i].type == DT_DIR ||
		    (d->v[i].type == DT_UNKNOWN && scan_fs_lstat(&ctx->fs, child, &st) == 0 &&
		     S_ISDIR(st.st_mode)))
			walk(ctx, child, depth + 1);
		free(child);
	}
}

/* Folders named in the one finding that reports the depth cap. */
#define DEPTH_EXAMPLES 5

/*
 * A folder where --max-depth stops the search while it has subfolders. A
 * deep tree has many (a node_modules-like layout gives dozens), so they
 * become one finding, at the first such folder, with the count and examples.
 */
static void depth_capped(struct scan_ctx *ctx, const char *path)
{
	if (ctx->ndepth_capped == 0) {
		ctx->depth_capped_at = scan_strdup(ctx, path);
		ctx->stats.errors++;
	}
	if (ctx->ndepth_capped++ < DEPTH_EXAMPLES)
		buf_printf(&ctx->depth_capped_list, "%s%s", ctx->depth_capped_list.len ? ", " : "", path);
}

void scan_discover_report(struct scan_ctx *ctx)
{
	struct scan_finding *f;
	struct buf more = BUF_INIT;

	if (ctx->ndepth_capped == 0)
		return;
	f = scan_finding_at(ctx, "error", ctx->depth_capped_at, false, 0, 0);
	if (f == NULL)
		return;
	if (ctx->ndepth_capped > DEPTH_EXAMPLES)
		buf_printf(&more, " and %zu more", ctx->ndepth_capped - DEPTH_EXAMPLES);
	scan_finding_reason(f, "subfolders not searched in %zu folder%s where the search stops %zu "
			    "levels below a search folder (--max-depth): %s%s; an environment deeper "
			    "down is missed: raise --max-depth to search it", ctx->ndepth_capped,
			    ctx->ndepth_capped == 1 ? "" : "s", ctx->opt.max_depth,
			    ctx->depth_capped_list.data, more.data ? more.data : "");
	buf_free(&more);
	f->verdict = SCAN_INFO;
	f->no_verdict = true;
}

static void walk(struct scan_ctx *ctx, const char *path, size_t depth)
{
	struct scan_dir d;
	bool envs, is_prefix;

	if (ctx->stats.dirs_visited >= ctx->opt.max_dirs) {
		ctx->stats.dirs_capped = true;
		return;
	}
	ctx->stats.dirs_visited++;
	if (scan_fs_list(&ctx->fs, path, &d) != 0) {
		if (errno == EACCES || errno == EPERM)
			scan_error(ctx, path, "folder cannot be listed: %s; run as root to scan it",
				   strerror(errno));
		return;
	}
	if (d.truncated)
		scan_error(ctx, path, "folder has more than %zu entries (--max-dir-entries): the rest was not searched",
			   ctx->opt.max_dir_entries);

	is_prefix = classify_folder(ctx, path, &d, &envs);
	if (depth < ctx->opt.max_depth && (!is_prefix || envs))
		walk_children(ctx, path, &d, depth, is_prefix);
	else if (!is_prefix && !ctx->bounded_walk && has_subfolder(ctx, path, &d))
		depth_capped(ctx, path);
	scan_dir_free(&d);
}

/*
 * Levels below /usr/lib searched by default. Vendors bundle whole
 * interpreters there: the Google Cloud SDK's prefix is
 * /usr/lib/google-cloud-sdk/platform/bundledpythonunix, 3 levels down.
 * The rest of /usr/lib is libraries, so a shallow search is enough.
 */
#define USR_LIB_DEPTH 4

/* The default search of /usr/lib, USR_LIB_DEPTH levels deep (--max-depth when smaller). */
static void discover_usr_lib(struct scan_ctx *ctx)
{
	size_t depth = ctx->opt.max_depth;

	if (ctx->opt.max_depth > USR_LIB_DEPTH)
		ctx->opt.max_depth = USR_LIB_DEPTH;
	ctx->bounded_walk = true;
	walk(ctx, "/usr/lib", 0);
	ctx->bounded_walk = false;
	ctx->opt.max_depth = depth;
}

/* The interpreters in /usr/bin and /usr/local/bin: their prefix is the folder above bin/. */
static void discover_system(struct scan_ctx *ctx)
{
	for (size_t b = 0; b < sizeof(system_bins) / sizeof(system_bins[0]); b++) {
		struct scan_dir d;

		if (scan_fs_list(&ctx->fs, system_bins[b], &d) == 0) {
			for (size_t i = 0; i < d.n; i++)
				add_installation(ctx, system_bins[b], d.v[i].name);
			scan_dir_free(&d);
		}
	}
}

/*
 * A named executable that need not be called pythonX.Y (python3, pyenv's
 * bin/python): the link is followed, inside the root, to the file whose
 * name gives the version; the name given stays the one shown.
 */
static void add_executable(struct scan_ctx *ctx, const char *named, const char *path)
{
	char *target = scan_fs_resolve(&ctx->fs, path, true);
	size_t before = ctx->ninterps;

	if (target != NULL) {
		char *bin = scan_path_dir(target);

		add_installation(ctx, bin, scan_path_base(target));
		free(bin);
	}
	if (ctx->ninterps > before)
		ctx->interps[before].exe = scan_strdup(ctx, named);
	else
		scan_error(ctx, named, "not scanned: resolves to %s, which is not a pythonX.Y executable "
			   "beside its lib/pythonX.Y folder", target ? target : "nothing");
	free(target);
}

/*
 * A path given on the command line as an absolute inner path: a relative
 * one is taken from the working folder on the host, and from the root's
 * top folder under --root (the working folder has no meaning inside an image).
 */
static const char *absolute_arg(struct scan_ctx *ctx, const char *path)
{
	char cwd[PATH_MAX];

	if (path[0] == '/')
		return path;
	if (ctx->opt.root != NULL || getcwd(cwd, sizeof(cwd)) == NULL)
		return scan_printf(ctx, "/%s", path);
	return scan_printf(ctx, "%s/%s", strcmp(cwd, "/") == 0 ? "" : cwd, path);
}

/* An explicit path: an executable, or a folder searched like a --search folder. */
static void discover_explicit(struct scan_ctx *ctx, const char *arg)
{
	struct stat st;
	const char *path = absolute_arg(ctx, arg);
	char *real = scan_fs_resolve(&ctx->fs, path, false);

	if (real == NULL || scan_fs_stat(&ctx->fs, real, &st) != 0) {
		scan_error(ctx, path, "cannot be scanned: %s", strerror(errno));
	} else if (S_ISDIR(st.st_mode)) {
		walk(ctx, real, 0);
	} else {
		char *bin = scan_path_dir(real);
		char *prefix = scan_path_dir(bin);

		/* A venv's bin/python links to its base interpreter: the venv is what was named. */
		if (exists(ctx, scan_printf(ctx, "%s/pyvenv.cfg", prefix)))
			add_venv(ctx, prefix);
		else
			add_executable(ctx, path, real);
		free(bin);
		free(prefix);
	}
	free(real);
}

/* Every account's home from /etc/passwd, once, when it exists. */
static void discover_homes(struct scan_ctx *ctx)
{
	struct scan_file f;
	char *save = NULL;

	if (scan_fs_read(&ctx->fs, "/etc/passwd", &f) != SCAN_READ_OK)
		return;
	for (char *line = strtok_r(f.data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *fields[7] = { 0 }, *p = line;
		size_t n = 0;

		while (n < 7) {
			fields[n++] = p;
			p = strchr(p, ':');
			if (p == NULL)
				break;
			*p++ = '\0';
		}
		if (n < 6 || fields[5][0] != '/' || strcmp(fields[5], "/") == 0 || !is_dir(ctx, fields[5]))
			continue;
		scan_add_userbase(ctx, scan_printf(ctx, "%s/.local", fields[5]),
				  scan_printf(ctx, "home of %s", fields[0]));
	}
	scan_file_free(&f);
}

void scan_discover(struct scan_ctx *ctx)
{
	if (ctx->opt.npaths == 0) {
		discover_homes(ctx);
		discover_system(ctx);
	}
	for (size_t i = 0; i < ctx->opt.nhomes; i++)
		scan_add_userbase(ctx, scan_printf(ctx, "%s/.local", ctx->opt.homes[i]),
				  scan_printf(ctx, "home %s (--home)", ctx->opt.homes[i]));

	for (size_t i = 0; i < ctx->opt.npaths; i++)
		discover_explicit(ctx, ctx->opt.paths[i]);
	if (ctx->opt.nsearch > 0) {
		for (size_t i = 0; i < ctx->opt.nsearch; i++)
			walk(ctx, absolute_arg(ctx, ctx->opt.search[i]), 0);
	} else if (ctx->opt.npaths == 0) {
		for (size_t i = 0; i < sizeof(default_search) / sizeof(default_search[0]); i++)
			walk(ctx, default_search[i], 0);
		discover_usr_lib(ctx);
	}

	for (size_t i = 0; i < ctx->ninterps; i++) {
		resolve_version(ctx, &ctx->interps[i]);
		resolve_rules(ctx, &ctx->interps[i]);
	}
	scan_compute_site_dirs(ctx);
}
