/*
 * Start-up environment settings: see scan_env.h.
 */
#include "scan_env.h"

#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scan_custom.h"
#include "scan_discover.h"
#include "scan_hash.h"
#include "util/xalloc.h"

static const char *const variables[] = {
	"PYTHONSTARTUP", "PYTHONPATH", "PYTHONHOME", "PYTHONUSERBASE",
};

/* System files read whole, and folders whose every file is read. */
static const char *const system_files[] = {
	"/etc/environment", "/etc/profile", "/etc/bash.bashrc", "/etc/security/pam_env.conf",
	"/etc/zsh/zshenv", "/etc/zsh/zprofile", "/etc/zsh/zshrc", "/etc/zshenv", "/etc/zprofile",
	"/etc/zshrc", "/etc/crontab", "/etc/login.defs",
};
static const char *const system_folders[] = {
	"/etc/profile.d", "/etc/environment.d", "/usr/lib/environment.d", "/etc/cron.d",
	"/var/spool/cron/crontabs", "/var/spool/cron",
};
/* systemd unit folders: units and their drop-in folders (NAME.d). */
static const char *const unit_folders[] = {
	"/etc/systemd/system", "/usr/lib/systemd/system", "/lib/systemd/system",
	"/etc/systemd/user", "/usr/lib/systemd/user",
};
/* Per-account files, relative to the home folder. */
static const char *const home_files[] = {
	".profile", ".bashrc", ".bash_profile", ".bash_login", ".bash_logout", ".zshrc", ".zshenv",
	".zprofile", ".zlogin", ".pam_environment", ".config/environment.d",
	".config/systemd/user",
};

struct env_line {
	const char *origin; /* the file */
	const char *home;   /* the account's home for ~ and $HOME, or NULL */
	const char *text;
	size_t len;
	size_t line;
	size_t offset;
};

static struct scan_finding *setting_finding(struct scan_ctx *ctx, const struct env_line *l)
{
	struct scan_finding *f = scan_finding_at(ctx, "startup-env", l->origin, true, l->line, l->offset);

	if (f == NULL)
		return NULL;
	scan_finding_set_text(f, l->text, l->len);
	for (size_t i = 0; i < ctx->ninterps; i++)
		scan_finding_add_interp(f, i);
	return f;
}

/* "~/x" and "$HOME/x" with the account's home; other values as written. */
static char *expand(const struct env_line *l, const char *value)
{
	struct buf b = BUF_INIT;

	if (l->home && value[0] == '~' && (value[1] == '/' || value[1] == '\0'))
		buf_printf(&b, "%s%s", l->home, value + 1);
	else if (l->home && strncmp(value, "$HOME", 5) == 0)
		buf_printf(&b, "%s%s", l->home, value + 5);
	else if (l->home && strncmp(value, "${HOME}", 7) == 0)
		buf_printf(&b, "%s%s", l->home, value + 7);
	else
		buf_puts(&b, value);
	return buf_detach(&b);
}

/* Notes a place that anyone could fill: a temporary or world-writable folder. */
static void risky_place(struct scan_ctx *ctx, struct scan_finding *f, const char *path)
{
	struct stat st;

	if (strncmp(path, "/tmp/", 5) == 0 || strcmp(path, "/tmp") == 0 ||
	    strncmp(path, "/var/tmp", 8) == 0 || strncmp(path, "/dev/shm", 8) == 0) {
		scan_finding_reason(f, "%s is in a temporary folder", path);
		f->floor = f->floor < SCAN_MEDIUM ? SCAN_MEDIUM : f->floor;
	} else if (scan_fs_stat(&ctx->fs, path, &st) == 0 && (st.st_mode & S_IWOTH)) {
		scan_finding_reason(f, "%s is writable by every user", path);
		f->floor = f->floor < SCAN_MEDIUM ? SCAN_MEDIUM : f->floor;
	}
}

static void set_startup(struct scan_ctx *ctx, const struct env_line *l, const char *value)
{
	struct scan_finding *f = setting_finding(ctx, l);
	char *path = expand(l, value);
	struct scan_file file;

	if (f == NULL) {
		free(path);
		return;
	}
	if (path[0] == '/' && scan_fs_read(&ctx->fs, path, &file) == SCAN_READ_OK) {
		scan_finding_reason(f, "PYTHONSTARTUP runs %s at every interactive prompt (not for "
				    "scripts, -c, -m, -E or -I)", path);
		if (f->code == NULL) {
			f->code = file.data;
			f->code_len = file.size;
			file.data = NULL;
			f->executes = true;
		}
		scan_file_free(&file);
		risky_place(ctx, f, path);
	} else {
		scan_finding_reason(f, "PYTHONSTARTUP names %s, which cannot be read here", path);
	}
	free(path);
}

/* An empty PYTHONPATH element: the folder Python starts in comes first. */
static void empty_element(struct scan_ctx *ctx, const struct env_line *l, const char *why)
{
	struct scan_finding *f = scan_finding_at(ctx, "pythonpath-empty", l->origin, true, l->line,
						 l->offset);

	if (f == NULL)
		return;
	scan_finding_set_text(f, l->text, l->len);
	for (size_t i = 0; i < ctx->ninterps; i++)
		scan_finding_add_interp(f, i);
	scan_finding_reason(f, "%s: the current folder goes on sys.path ahead of site-packages, so a "
			    "sitecustomize.py in whatever folder Python starts in runs", why);
	f->floor = SCAN_MEDIUM;
}

static void pythonpath_folder(struct scan_ctx *ctx, const struct env_line *l,
			      struct scan_finding *f, const char *dir)
{
	struct buf origin = BUF_INIT;

	buf_printf(&origin, "PYTHONPATH in %s:%zu", l->origin, l->line);
	scan_finding_reason(f, "PYTHONPATH puts %s ahead of the standard library", dir);
	risky_place(ctx, f, dir);
	scan_customize_in_folder(ctx, dir, origin.data);
	ctx->pythonpath = xgrow(ctx->pythonpath, &ctx->pythonpath_cap, ctx->npythonpath + 1,
				sizeof(*ctx->pythonpath));
	ctx->pythonpath_origin = xrealloc(ctx->pythonpath_origin,
					  ctx->pythonpath_cap * sizeof(*ctx->pythonpath_origin));
	ctx->pythonpath[ctx->npythonpath] = xstrdup(dir);
	ctx->pythonpath_origin[ctx->npythonpath++] = buf_detach(&origin);
}

static void set_pythonpath(struct scan_ctx *ctx, const struct env_line *l, const char *value)
{
	struct scan_finding *f = setting_finding(ctx, l);
	char *copy = xstrdup(value), *p = copy;
	size_t n = 0;

	if (f == NULL) {
		free(copy);
		return;
	}
	for (;;) {
		char *colon = strchr(p, ':');
		char *elem;

		if (colon)
			*colon = '\0';
		elem = expand(l, p);
		if (elem[0] == '\0')
			empty_element(ctx, l, n == 0 ? "a leading ':' (an empty first element)"
					      : colon ? "'::' (an empty element)"
						      : "a trailing ':' (an empty last element)");
		else if (strstr(elem, "$PYTHONPATH") || strstr(elem, "${PYTHONPATH}"))
			empty_element(ctx, l, "appends to $PYTHONPATH with ':': when it was empty, "
				      "the result has an empty element");
		else if (strchr(elem, '$'))
			scan_finding_reason(f, "PYTHONPATH element %s expands when the shell runs: not analysed", elem);
		else
			pythonpath_folder(ctx, l, f, elem);
		free(elem);
		n++;
		if (!colon)
			break;
		p = colon + 1;
	}
	free(copy);
}

static void set_home_or_userbase(struct scan_ctx *ctx, const struct env_line *l, bool home,
				 const char *value)
{
	struct scan_finding *f = setting_finding(ctx, l);
	char *path = expand(l, value);
	struct buf origin = BUF_INIT;

	if (f == NULL) {
		free(path);
		return;
	}
	if (home) {
		scan_finding_reason(f, "PYTHONHOME moves the standard library and the site folders to %s", path);
	} else {
		buf_printf(&origin, "PYTHONUSERBASE in %s:%zu", l->origin, l->line);
		scan_add_userbase(ctx, path, origin.data);
		buf_free(&origin);
		scan_finding_reason(f, "PYTHONUSERBASE moves the user site under %s (read even under -E); "
				    "its .pth files are scanned as a user site", path);
	}
	risky_place(ctx, f, path);
	free(path);
}

/* Reads a shell or KEY=VALUE value at p: quoted, or up to a blank or a shell separator. */
static char *read_value(const char *p, const char *end)
{
	struct buf b = BUF_INIT;
	char quote = 0;

	while (p < end) {
		char c = *p++;

		if (quote) {
			if (c == quote)
				quote = 0;
			else
				buf_putc(&b, c);
		} else if (c == '"' || c == '\'') {
			quote = c;
		} else if (c == ' ' || c == '\t' || c == ';' || c == '&' || c == '|' || c == '\r') {
			break;
		} else {
			buf_putc(&b, c);
		}
	}
	if (b.data == NULL)
		buf_puts(&b, "");
	return buf_detach(&b);
}

static void setting(struct scan_ctx *ctx, const struct env_line *l, size_t var, const char *value)
{
	switch (var) {
	case 0:
		set_startup(ctx, l, value);
		break;
	case 1:
		set_pythonpath(ctx, l, value);
		break;
	default:
		set_home_or_userbase(ctx, l, var == 2, value);
		break;
	}
}

/*
 * Where the value of VAR starts: "VAR=" (shell, KEY=VALUE, systemd's
 * Environment=, cron), "VAR DEFAULT=" or "VAR OVERRIDE=" (pam_env.conf),
 * "setenv VAR " (csh). NULL when this occurrence is no assignment.
 */
static const char *value_start(const char *line, const char *at, size_t n, const char *end)
{
	const char *after = at + n;
	char before = at > line ? at[-1] : ' ';

	if (!strchr(" \t;\"'=", before))
		return NULL;
	if (after < end && *after == '=')
		return after + 1;
	if (after < end && (*after == ' ' || *after == '\t')) {
		while (after < end && (*after == ' ' || *after == '\t'))
			after++;
		if (end - after > 8 && strncmp(after, "DEFAULT=", 8) == 0)
			return after + 8;
		if (end - after > 9 && strncmp(after, "OVERRIDE=", 9) == 0)
			return after + 9;
		if (at - line >= 7 && strncmp(at - 7, "setenv ", 7) == 0)
			return after;
	}
	return NULL;
}

static void env_file(struct scan_ctx *ctx, const char *path, const char *home);

/* systemd's EnvironmentFile=[-]PATH: that file's KEY=VALUE lines count as the unit's. */
static void environment_file(struct scan_ctx *ctx, const struct env_line *l, const char *p,
			     const char *end)
{
	char *path;

	p += strlen("EnvironmentFile=");
	if (p < end && *p == '-')
		p++;
	path = read_value(p, end);
	/* Only from unit files, and never to another unit file: no chain can loop. */
	if (path[0] == '/' && strstr(l->origin, "/systemd/") && !strstr(path, "/systemd/"))
		env_file(ctx, path, l->home);
	free(path);
}

static void scan_line(struct scan_ctx *ctx, const struct env_line *l)
{
	const char *end = l->text + l->len, *p = l->text;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if ((size_t)(end - p) > 16 && strncmp(p, "EnvironmentFile=", 16) == 0)
		environment_file(ctx, l, p, end);
	if (p == end || *p == '#' || memmem(p, (size_t)(end - p), "PYTHON", 6) == NULL)
		return;
	for (size_t v = 0; v < sizeof(variables) / sizeof(variables[0]); v++) {
		size_t n = strlen(variables[v]);

		for (const char *at = p; (at = memmem(at, (size_t)(end - at), variables[v], n)) != NULL;
		     at += n) {
			const char *start = value_start(l->text, at, n, end);
			char *value;

			if (start == NULL)
				continue;
			value = read_value(start, end);
			setting(ctx, l, v, value);
			free(value);
		}
	}
}

static void env_text(struct scan_ctx *ctx, const char *origin, const char *home, const char *data,
		     size_t len)
{
	size_t offset = 0, line = 1;

	if (memmem(data, len, "PYTHON", 6) == NULL && memmem(data, len, "EnvironmentFile=", 16) == NULL)
		return;
	while (offset < len) {
		const char *nl = memchr(data + offset, '\n', len - offset);
		size_t end = nl ? (size_t)(nl - data) : len;
		struct env_line l = { origin, home, data + offset, end - offset, line, offset };

		scan_line(ctx, &l);
		offset = end + 1;
		line++;
	}
}

void scan_env_text(struct scan_ctx *ctx, const char *origin, const char *data, size_t len)
{
	env_text(ctx, origin, NULL, data, len);
}

static void env_file(struct scan_ctx *ctx, const char *path, const char *home)
{
	struct scan_file f;
	enum scan_read_status s = scan_fs_read(&ctx->fs, path, &f);

	if (s == SCAN_READ_OK) {
		ctx->stats.env_files++;
		env_text(ctx, path, home, f.data, f.size);
		scan_file_free(&f);
	} else if (s == SCAN_READ_DENIED || s == SCAN_READ_TOO_BIG || s == SCAN_READ_LOOP) {
		scan_error(ctx, path, "start-up file %s", scan_read_status_text(s, f.err));
	}
}

/* Every regular file in a folder (and, for unit folders, in its NAME.d drop-in folders). */
static void env_folder(struct scan_ctx *ctx, const char *dir, const char *home, bool dropins)
{
	struct scan_dir d;

	if (scan_fs_list(&ctx->fs, dir, &d) != 0)
		return;
	for (size_t i = 0; i < d.n; i++) {
		char *path = scan_path_join(dir, d.v[i].name);
		size_t len = strlen(d.v[i].name);

		if (d.v[i].type == DT_DIR) {
			if (dropins && len > 2 && strcmp(d.v[i].name + len - 2, ".d") == 0)
				env_folder(ctx, path, home, false);
		} else {
			env_file(ctx, path, home);
		}
		free(path);
	}
	scan_dir_free(&d);
}

/* The homes behind the user bases that came from /etc/passwd or --home. */
static void env_homes(struct scan_ctx *ctx)
{
	size_t n = ctx->nuserbases;

	for (size_t u = 0; u < n; u++) {
		const char *base = ctx->userbases[u].base;
		size_t len = strlen(base);
		char *home;

		if (len < 7 || strcmp(base + len - 7, "/.local") != 0)
			continue;
		home = xstrndup(base, len - 7);
		for (size_t i = 0; i < sizeof(home_files) / sizeof(home_files[0]); i++) {
			char *path = scan_path_join(home, home_files[i]);
			struct stat st;

			if (scan_fs_stat(&ctx->fs, path, &st) == 0 && S_ISDIR(st.st_mode))
				env_folder(ctx, path, home, true);
			else
				env_file(ctx, path, home);
			free(path);
		}
		free(home);
	}
}

/* /proc/PID/environ of every process (a live host only). */
static void env_processes(struct scan_ctx *ctx)
{
	struct scan_dir d;
	size_t denied = 0;

	if (scan_fs_list(&ctx->fs, "/proc", &d) != 0)
		return;
	for (size_t i = 0; i < d.n; i++) {
		char path[64];
		struct scan_file f;
		enum scan_read_status s;

		if (!isdigit((unsigned char)d.v[i].name[0]) || atol(d.v[i].name) == (long)getpid())
			continue;
		if (ctx->stats.processes >= ctx->opt.max_processes) {
			scan_error(ctx, "/proc", "more than %zu processes (--max-processes): the rest "
				   "were not read", ctx->opt.max_processes);
			break;
		}
		snprintf(path, sizeof(path), "/proc/%s/environ", d.v[i].name);
		s = scan_fs_read(&ctx->fs, path, &f);
		if (s == SCAN_READ_DENIED)
			denied++;
		if (s != SCAN_READ_OK)
			continue;
		ctx->stats.processes++;
		/* Variables are NUL-separated: each becomes one "line". */
		for (size_t k = 0; k < f.size; k++) {
			if (f.data[k] == '\0')
				f.data[k] = '\n';
		}
		env_text(ctx, path, NULL, f.data, f.size);
		scan_file_free(&f);
	}
	scan_dir_free(&d);
	if (denied > 0)
		scan_error(ctx, "/proc", "%zu processes' environments cannot be read: run as root to "
			   "read them", denied);
}

void scan_env(struct scan_ctx *ctx)
{
	for (size_t i = 0; i < sizeof(system_files) / sizeof(system_files[0]); i++)
		env_file(ctx, system_files[i], NULL);
	for (size_t i = 0; i < sizeof(system_folders) / sizeof(system_folders[0]); i++)
		env_folder(ctx, system_folders[i], NULL, false);
	for (size_t i = 0; i < sizeof(unit_folders) / sizeof(unit_folders[0]); i++)
		env_folder(ctx, unit_folders[i], NULL, true);
	env_homes(ctx);
	/* Live sources only on the live host: a --root image has no running processes. */
	if (ctx->fs.root[0] == '\0' && !ctx->opt.no_proc)
		env_processes(ctx);
}
