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
	".profile", ".bashrc", ".bash_aliases", ".bash_profile", ".bash_login", ".bash_logout",
	".zshrc", ".zshenv",
	".zprofile", ".zlogin", ".pam_environment", ".config/environment.d",
	".config/systemd/user",
};

struct env_line {
	const char *origin; /* the file */
	const char *home;   /* the account's home for ~ and $HOME, or NULL */
	const char *sourced_by; /* "FILE:LINE" that sources this file (`. FILE`), or NULL */
	const char *how;    /* how the line was reached ("eval of a constant string"), or NULL */
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
	if (l->sourced_by != NULL)
		scan_finding_reason(f, "read by the shell because %s sources this file", l->sourced_by);
	if (l->how != NULL)
		scan_finding_reason(f, "set through %s", l->how);
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
	struct stat st;

	buf_printf(&origin, "PYTHONPATH in %s:%zu", l->origin, l->line);
	scan_finding_reason(f, "PYTHONPATH puts %s ahead of the standard library", dir);
	risky_place(ctx, f, dir);
	if (scan_fs_stat(&ctx->fs, dir, &st) == 0 && S_ISREG(st.st_mode))
		scan_site_zip_on_path(ctx, f, dir);
	scan_customize_in_folder(ctx, dir, origin.data);
	ctx->pythonpath = xgrow(ctx->pythonpath, &ctx->pythonpath_cap, ctx->npythonpath + 1,
				sizeof(*ctx->pythonpath));
	ctx->pythonpath_origin = xrealloc(ctx->pythonpath_origin,
					  ctx->pythonpath_cap * sizeof(*ctx->pythonpath_origin));
	ctx->pythonpath[ctx->npythonpath] = xstrdup(dir);
	ctx->pythonpath_origin[ctx->npythonpath++] = buf_detach(&origin);
}

/*
 * The end of a $(...), ${...} or `...` that starts at p (after the '$' for
 * the first two), nested ones included, or `end` when it is not closed.
 */
static const char *expansion_end(const char *p, const char *end)
{
	char open = *p, close = '`';
	int depth = 0;

	if (open == '(')
		close = ')';
	else if (open == '{')
		close = '}';

	for (const char *q = p + 1; q < end; q++) {
		if (open != '`' && *q == open)
			depth++;
		else if (*q == close && depth-- == 0)
			return q + 1;
	}
	return end;
}

/*
 * Removes ${PYTHONPATH:+...} and ${PYTHONPATH+...} from a PYTHONPATH element:
 * they expand to nothing when PYTHONPATH was unset or empty, and to its
 * earlier value otherwise, whose own settings are scanned where they are
 * made. This is the usual way to append without an empty element.
 * Returns true when one was removed.
 */
static bool drop_conditional(char *elem)
{
	static const char *const forms[] = { "${PYTHONPATH:+", "${PYTHONPATH+" };
	bool dropped = false;

	for (size_t k = 0; k < sizeof(forms) / sizeof(forms[0]); k++) {
		char *at;

		while ((at = strstr(elem, forms[k])) != NULL) {
			const char *e = expansion_end(at + 1, at + strlen(at));

			memmove(at, e, strlen(e) + 1);
			dropped = true;
		}
	}
	return dropped;
}

/* The next ':'-separated element of a PYTHONPATH value, with ':' inside ${...} and $(...) kept. */
static char *next_element(char *p, char **rest)
{
	char *q = p;

	while (*q != '\0' && *q != ':') {
		if (q[0] == '$' && (q[1] == '{' || q[1] == '('))
			q = (char *)expansion_end(q + 1, q + strlen(q));
		else
			q++;
	}
	*rest = *q == ':' ? q + 1 : NULL;
	*q = '\0';
	return p;
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
	while (p != NULL) {
		char *rest;
		char *raw = next_element(p, &rest);
		bool conditional = drop_conditional(raw);
		char *elem = expand(l, raw);

		if (elem[0] == '\0' && !conditional)
			empty_element(ctx, l, n == 0 ? "a leading ':' (an empty first element)"
					      : rest ? "'::' (an empty element)"
						     : "a trailing ':' (an empty last element)");
		else if (strstr(elem, "$PYTHONPATH") || strstr(elem, "${PYTHONPATH}"))
			empty_element(ctx, l, "appends to $PYTHONPATH with ':': when it was empty, "
				      "the result has an empty element");
		else if (strchr(elem, '$'))
			scan_finding_reason(f, "PYTHONPATH element %s expands when the shell runs: not analysed", elem);
		else if (elem[0] != '\0')
			pythonpath_folder(ctx, l, f, elem);
		free(elem);
		n++;
		p = rest;
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

/*
 * Reads a shell or KEY=VALUE value at p: quoted, or up to a blank or a shell
 * separator. A $(...), ${...} or `...` is kept whole, blanks and all.
 */
static char *read_value(const char *p, const char *end)
{
	struct buf b = BUF_INIT;
	char quote = 0;

	while (p < end) {
		char c = *p++;

		if (quote != '\'' && ((c == '$' && p < end && (*p == '(' || *p == '{')) || c == '`')) {
			const char *e = expansion_end(c == '`' ? p - 1 : p, end);

			buf_append(&b, p - 1, (size_t)(e - (p - 1)));
			p = e;
		} else if (quote) {
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

/*
 * Rates a value made by a command ($(...) or `...`). The shell computes it
 * only when it runs, so what it names cannot be checked here: at least
 * medium, and high when the command decodes something.
 */
static bool command_value(struct scan_ctx *ctx, const struct env_line *l, size_t var, const char *value)
{
	static const char *const decoders[] = { "base64", "base32", "xxd", "openssl", "gunzip", "zcat",
						"rev" };
	struct scan_finding *f;

	if (strstr(value, "$(") == NULL && strchr(value, '`') == NULL)
		return false;
	f = setting_finding(ctx, l);
	if (f == NULL)
		return true;
	scan_finding_reason(f, "%s is set from a command's output (%s), which the shell computes only when "
			    "it runs: what it names cannot be checked here", variables[var], value);
	if (f->floor < SCAN_MEDIUM)
		f->floor = SCAN_MEDIUM;
	for (size_t k = 0; k < sizeof(decoders) / sizeof(decoders[0]); k++) {
		if (strstr(value, decoders[k]) != NULL && f->floor < SCAN_HIGH) {
			f->floor = SCAN_HIGH;
			scan_finding_reason(f, "the command decodes its output (%s): a hidden value", decoders[k]);
		}
	}
	return true;
}

static void setting(struct scan_ctx *ctx, const struct env_line *l, size_t var, const char *value)
{
	if (command_value(ctx, l, var, value))
		return;
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

/* One NAME=VALUE of a systemd Environment= line: a setting when NAME is one of ours. */
static void unit_assignment(struct scan_ctx *ctx, const struct env_line *l, const struct buf *word)
{
	const char *eq = word->data ? memchr(word->data, '=', word->len) : NULL;

	if (eq == NULL)
		return;
	for (size_t v = 0; v < sizeof(variables) / sizeof(variables[0]); v++) {
		size_t n = strlen(variables[v]);

		if ((size_t)(eq - word->data) == n && memcmp(word->data, variables[v], n) == 0)
			setting(ctx, l, v, eq + 1);
	}
}

/*
 * systemd's Environment= (systemd.exec(5)): the line is split on blanks into
 * NAME=VALUE words; quotes group blanks into a word ("A=b c", or A="b c")
 * and are removed; a backslash takes the next byte as it is. $ is not
 * expanded. NOTE: %-specifiers (%h, %u) are left as written.
 */
static void unit_environment(struct scan_ctx *ctx, const struct env_line *l, const char *p,
			     const char *end)
{
	while (p < end) {
		struct buf word = BUF_INIT;
		char quote = 0;

		while (p < end && (*p == ' ' || *p == '\t' || *p == '\r'))
			p++;
		while (p < end && (quote || (*p != ' ' && *p != '\t' && *p != '\r'))) {
			char c = *p++;

			if (c == '\\' && p < end)
				buf_putc(&word, *p++);
			else if (quote && c == quote)
				quote = 0;
			else if (!quote && (c == '"' || c == '\''))
				quote = c;
			else
				buf_putc(&word, c);
		}
		unit_assignment(ctx, l, &word);
		buf_free(&word);
	}
}

static void env_text(struct scan_ctx *ctx, const char *origin, const char *home,
		     const char *sourced_by, const char *data, size_t len);
static void scan_line(struct scan_ctx *ctx, const struct env_line *l);

/* The word after `. ` or `source ` at p (blank, ';', '&' or '|' ends it), malloc()ed, or NULL. */
static char *sourced_word(const char *p, const char *end)
{
	const char *w;

	if (end - p > 2 && p[0] == '.' && (p[1] == ' ' || p[1] == '\t'))
		p += 2;
	else if (end - p > 7 && memcmp(p, "source", 6) == 0 && (p[6] == ' ' || p[6] == '\t'))
		p += 7;
	else
		return NULL;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	for (w = p; w < end && !strchr(" \t;&|", *w); w++)
		;
	if (w == p)
		return NULL;
	/* Only $HOME is known here (expand() replaces it); other variables are the shell's. */
	if (memchr(p, '$', (size_t)(w - p)) != NULL && ((size_t)(w - p) < 5 || strncmp(p, "$HOME", 5) != 0))
		return NULL;
	return xstrndup(p, (size_t)(w - p));
}

/*
 * Reads FILE of `. FILE` or `source FILE` in an account's shell file, since
 * the shell runs it there and then. Only one level is followed: a sourced
 * file's own `.` lines are not. A relative FILE is taken from the home
 * folder, where a login shell starts.
 */
static void sourced_file(struct scan_ctx *ctx, const struct env_line *l, const char *p, const char *end)
{
	char *word = sourced_word(p, end), *path;
	struct scan_file f;

	if (word == NULL || l->sourced_by != NULL || l->home == NULL) {
		free(word);
		return;
	}
	path = expand(l, word);
	if (path[0] != '/') {
		char *joined = scan_path_join(l->home, path);

		free(path);
		path = joined;
	}
	if (scan_fs_read(&ctx->fs, path, &f) == SCAN_READ_OK) {
		env_text(ctx, path, l->home, scan_printf(ctx, "%s:%zu", l->origin, l->line), f.data, f.size);
		scan_file_free(&f);
	}
	free(path);
	free(word);
}

/*
 * eval "..." of constant strings: the pieces ("export PYTHON""STARTUP=x")
 * joined as the shell joins them, then read as a line. A piece with `$` or
 * a backquote is computed by the shell and left alone.
 */
static void eval_line(struct scan_ctx *ctx, const struct env_line *l, const char *p, const char *end)
{
	struct buf text = BUF_INIT;
	struct env_line inner = *l;

	for (p += 5; p < end && *p != ';' && *p != '&' && *p != '|'; p++) {
		const char *q;

		if (*p != '"' && *p != '\'') {
			if (*p == ' ' || *p == '\t')
				buf_putc(&text, ' ');
			else
				buf_putc(&text, *p);
			continue;
		}
		q = memchr(p + 1, *p, (size_t)(end - p - 1));
		if (q == NULL || (*p == '"' && (memchr(p, '$', (size_t)(q - p)) || memchr(p, '`', (size_t)(q - p)))))
			goto done;
		buf_append(&text, p + 1, (size_t)(q - p - 1));
		p = q;
	}
	if (text.len == 0 || l->how != NULL)
		goto done;
	inner.text = text.data;
	inner.len = text.len;
	inner.how = "eval of a constant string";
	scan_line(ctx, &inner);
done:
	buf_free(&text);
}

static void scan_line(struct scan_ctx *ctx, const struct env_line *l)
{
	const char *end = l->text + l->len, *p = l->text;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	sourced_file(ctx, l, p, end);
	if (end - p > 5 && memcmp(p, "eval", 4) == 0 && (p[4] == ' ' || p[4] == '\t')) {
		eval_line(ctx, l, p, end);
		return;
	}
	if ((size_t)(end - p) > 16 && strncmp(p, "EnvironmentFile=", 16) == 0)
		environment_file(ctx, l, p, end);
	if ((size_t)(end - p) > 12 && strncmp(p, "Environment=", 12) == 0 && strstr(l->origin, "/systemd/")) {
		unit_environment(ctx, l, p + 12, end);
		return;
	}
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

/*
 * The line that starts at `offset`, with backslash-newline continuations
 * joined as the shell (and systemd) join them. Returns the offset after it
 * and counts the newlines it spans in *lines.
 */
static size_t logical_line(const char *data, size_t len, size_t offset, struct buf *out, size_t *lines)
{
	buf_clear(out);
	*lines = 1;
	for (;;) {
		const char *nl = memchr(data + offset, '\n', len - offset);
		size_t end = nl ? (size_t)(nl - data) : len;

		if (nl != NULL && end > offset && data[end - 1] == '\\' && end + 1 < len) {
			buf_append(out, data + offset, end - 1 - offset);
			offset = end + 1;
			(*lines)++;
			continue;
		}
		buf_append(out, data + offset, end - offset);
		return end + 1;
	}
}

static void env_text(struct scan_ctx *ctx, const char *origin, const char *home,
		     const char *sourced_by, const char *data, size_t len)
{
	size_t offset = 0, line = 1;
	struct buf text = BUF_INIT;

	if (memmem(data, len, "PYTHON", 6) == NULL && memmem(data, len, "EnvironmentFile=", 16) == NULL &&
	    memmem(data, len, "\\\n", 2) == NULL && (home == NULL || (memmem(data, len, ". ", 2) == NULL &&
	    memmem(data, len, "source", 6) == NULL)))
		return;
	while (offset < len) {
		size_t lines;
		size_t next = logical_line(data, len, offset, &text, &lines);
		struct env_line l = { origin, home, sourced_by, NULL, text.data ? text.data : "", text.len,
				      line, offset };

		scan_line(ctx, &l);
		offset = next;
		line += lines;
	}
	buf_free(&text);
}

void scan_env_text(struct scan_ctx *ctx, const char *origin, const char *data, size_t len)
{
	env_text(ctx, origin, NULL, NULL, data, len);
}

static void env_file(struct scan_ctx *ctx, const char *path, const char *home)
{
	struct scan_file f;
	enum scan_read_status s = scan_fs_read(&ctx->fs, path, &f);

	if (s == SCAN_READ_OK) {
		ctx->stats.env_files++;
		env_text(ctx, path, home, NULL, f.data, f.size);
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

/*
 * Environments that could not be read. As root this is not a matter of
 * running as root: the kernel's ptrace access check refuses them (a
 * container without CAP_SYS_PTRACE, a process of another user namespace,
 * a Yama or LSM policy).
 */
static void denied_environ(struct scan_ctx *ctx, size_t denied, const char *pids)
{
	if (geteuid() != 0)
		scan_error(ctx, "/proc", "%zu processes' environments cannot be read (PID %s%s): they "
			   "belong to other users; run as root to read them", denied, pids,
			   denied > 5 ? ", ..." : "");
	else
		scan_error(ctx, "/proc", "%zu processes' environments cannot be read even as root (PID "
			   "%s%s): the kernel's ptrace access check refuses them (a container without "
			   "CAP_SYS_PTRACE, another user namespace, or a security module); their settings "
			   "are not seen, so scan the unit and profile files they were started from",
			   denied, pids, denied > 5 ? ", ..." : "");
}

/* /proc/PID/environ of every process (a live host only). */
static void env_processes(struct scan_ctx *ctx)
{
	struct scan_dir d;
	struct buf denied_pids = BUF_INIT;
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
		if (s == SCAN_READ_DENIED && denied++ < 5)
			buf_printf(&denied_pids, "%s%s", denied_pids.len ? ", " : "", d.v[i].name);
		if (s != SCAN_READ_OK)
			continue;
		ctx->stats.processes++;
		/* Variables are NUL-separated: each becomes one "line". */
		for (size_t k = 0; k < f.size; k++) {
			if (f.data[k] == '\0')
				f.data[k] = '\n';
		}
		env_text(ctx, path, NULL, NULL, f.data, f.size);
		scan_file_free(&f);
	}
	scan_dir_free(&d);
	if (denied > 0)
		denied_environ(ctx, denied, denied_pids.data);
	buf_free(&denied_pids);
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
