/*
 * Package ownership from wheel RECORD files and dpkg: see scan_owner.h.
 */
#include "scan_owner.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scan_hash.h"
#include "util/xalloc.h"

struct record_entry {
	char *dist; /* the *.dist-info folder name */
	char *hash; /* "sha256=..." or "" */
};

struct dpkg_file {
	char *package;
	char md5[33];
	bool conffile;
};

struct dpkg_index {
	bool status_loaded;
	bool md5sums_loaded;
	struct strmap versions; /* package -> malloc()ed version */
	struct strmap files;    /* absolute path -> struct dpkg_file */
};

static struct dpkg_index *dpkg(struct scan_ctx *ctx)
{
	if (ctx->dpkg == NULL) {
		struct dpkg_index *d = xcalloc(1, sizeof(*d));

		strmap_init(&d->versions);
		strmap_init(&d->files);
		ctx->dpkg = d;
	}
	return ctx->dpkg;
}

static void add_dpkg_file(struct dpkg_index *d, const char *path, size_t len, const char *package,
			  const char *md5, bool conffile)
{
	void **slot = strmap_upsert(&d->files, path, len);
	struct dpkg_file *f;

	if (*slot != NULL)
		return; /* a conffile record (read first) wins over md5sums */
	f = xcalloc(1, sizeof(*f));
	f->package = xstrdup(package);
	snprintf(f->md5, sizeof(f->md5), "%.32s", md5);
	f->conffile = conffile;
	*slot = f;
}

/* One paragraph of the status file: Package, Status, Version and Conffiles. */
static void status_paragraph(struct dpkg_index *d, char *para)
{
	const char *package = NULL, *version = NULL;
	bool installed = false;
	char *save = NULL, *conffiles = NULL;

	for (char *line = strtok_r(para, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "Package: ", 9) == 0)
			package = line + 9;
		else if (strncmp(line, "Version: ", 9) == 0)
			version = line + 9;
		else if (strncmp(line, "Status: ", 8) == 0)
			installed = strstr(line, " installed") != NULL;
		else if (strncmp(line, "Conffiles:", 10) == 0)
			conffiles = line;
		else if (line[0] == ' ' && conffiles != NULL && package != NULL) {
			char path[4096], md5[64];

			if (sscanf(line, " %4095s %63s", path, md5) == 2)
				add_dpkg_file(d, path, strlen(path), package, md5, true);
		} else if (line[0] != ' ') {
			conffiles = NULL;
		}
	}
	if (package && version && installed)
		*strmap_upsert(&d->versions, package, strlen(package)) = xstrdup(version);
}

static void load_status(struct scan_ctx *ctx)
{
	struct dpkg_index *d = dpkg(ctx);
	struct scan_file f;
	char *p;

	if (d->status_loaded)
		return;
	d->status_loaded = true;
	if (scan_fs_read(&ctx->fs, "/var/lib/dpkg/status", &f) != SCAN_READ_OK)
		return;
	p = f.data;
	while (p && *p) {
		char *end = strstr(p, "\n\n");

		if (end)
			*end = '\0';
		status_paragraph(d, p);
		p = end ? end + 2 : NULL;
	}
	scan_file_free(&f);
}

static void load_md5sums_file(struct scan_ctx *ctx, struct dpkg_index *d, const char *name)
{
	char *path = scan_path_join("/var/lib/dpkg/info", name);
	char *package = xstrndup(name, strlen(name) - strlen(".md5sums"));
	struct scan_file f;
	char *save = NULL;

	if (scan_fs_read(&ctx->fs, path, &f) == SCAN_READ_OK) {
		for (char *l = strtok_r(f.data, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
			char *file = strstr(l, "  ");
			struct buf abs = BUF_INIT;

			if (file == NULL || file - l != 32)
				continue;
			buf_putc(&abs, '/');
			buf_puts(&abs, file + 2);
			add_dpkg_file(d, abs.data, abs.len, package, l, false);
			buf_free(&abs);
		}
		scan_file_free(&f);
	}
	free(package);
	free(path);
}

static void load_md5sums(struct scan_ctx *ctx)
{
	struct dpkg_index *d = dpkg(ctx);
	struct scan_dir dir;

	load_status(ctx);
	if (d->md5sums_loaded)
		return;
	d->md5sums_loaded = true;
	if (scan_fs_list(&ctx->fs, "/var/lib/dpkg/info", &dir) != 0)
		return;
	for (size_t i = 0; i < dir.n; i++) {
		size_t len = strlen(dir.v[i].name);

		if (len > 8 && strcmp(dir.v[i].name + len - 8, ".md5sums") == 0)
			load_md5sums_file(ctx, d, dir.v[i].name);
	}
	scan_dir_free(&dir);
}

bool scan_dpkg_python_version(struct scan_ctx *ctx, int major, int minor, struct scan_pyver *out)
{
	char name[64];
	const char *version;

	load_status(ctx);
	snprintf(name, sizeof(name), "python%d.%d-minimal", major, minor);
	version = strmap_get(&dpkg(ctx)->versions, name, strlen(name));
	if (version == NULL)
		return false;
	/* "3.11.2-6+deb12u6": the upstream part ends at the Debian revision. */
	if (strchr(version, ':'))
		version = strchr(version, ':') + 1;
	return scan_pyver_parse(version, strcspn(version, "-+~"), out) && out->major == major &&
	       out->minor == minor;
}

/* Splits a RECORD line into its path (CSV, maybe quoted) and hash fields. */
static bool record_fields(char *line, char **path, char **hash)
{
	char *p = line;

	if (*p == '"') {
		char *w = ++p;

		*path = w;
		while (*p && !(p[0] == '"' && p[1] != '"')) {
			if (p[0] == '"')
				p++;
			*w++ = *p++;
		}
		if (*p != '"')
			return false;
		*w = '\0';
		p++;
	} else {
		*path = p;
		p += strcspn(p, ",");
	}
	if (*p != ',')
		return false;
	*p++ = '\0';
	*hash = p;
	p[strcspn(p, ",\r")] = '\0';
	return true;
}

/* Which RECORD entries are indexed: top-level files and the modules the catalogue checks. */
static bool record_interesting(const char *rel)
{
	return strchr(rel, '/') == NULL || strncmp(rel, "_distutils_hack/", 16) == 0 ||
	       strncmp(rel, "sitecustomize/", 14) == 0 || strncmp(rel, "usercustomize/", 14) == 0;
}

static void index_record(struct scan_ctx *ctx, struct strmap *index, const char *site_dir,
			 const char *dist)
{
	char *path = scan_printf(ctx, "%s/%s/RECORD", site_dir, dist);
	struct scan_file f;
	char *save = NULL;

	if (scan_fs_read(&ctx->fs, path, &f) != SCAN_READ_OK)
		return;
	for (char *l = strtok_r(f.data, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *rel, *hash;
		void **slot;
		struct record_entry *e;

		if (!record_fields(l, &rel, &hash) || !record_interesting(rel))
			continue;
		slot = strmap_upsert(index, rel, strlen(rel));
		if (*slot != NULL)
			continue;
		e = xmalloc(sizeof(*e));
		e->dist = xstrdup(dist);
		e->hash = xstrdup(hash);
		*slot = e;
	}
	scan_file_free(&f);
}

static struct strmap *record_index(struct scan_ctx *ctx, const char *site_dir)
{
	void **slot = strmap_upsert(&ctx->records, site_dir, strlen(site_dir));
	struct strmap *index;
	struct scan_dir d;

	if (*slot != NULL)
		return *slot;
	index = xmalloc(sizeof(*index));
	strmap_init(index);
	*slot = index;
	if (scan_fs_list(&ctx->fs, site_dir, &d) != 0)
		return index;
	for (size_t i = 0; i < d.n; i++) {
		size_t len = strlen(d.v[i].name);

		if (len > 10 && strcmp(d.v[i].name + len - 10, ".dist-info") == 0)
			index_record(ctx, index, site_dir, d.v[i].name);
	}
	scan_dir_free(&d);
	return index;
}

bool scan_record_find(struct scan_ctx *ctx, const char *site_dir, const char *rel,
		      const char **dist, const char **hash)
{
	struct record_entry *e = strmap_get(record_index(ctx, site_dir), rel, strlen(rel));

	if (e == NULL)
		return false;
	*dist = e->dist;
	*hash = e->hash;
	return true;
}

static enum scan_owner_status compare_record(const char *dist, const char *hash, const char *data,
					     size_t len, char **evidence)
{
	struct buf b = BUF_INIT;
	char actual[52];
	bool match;

	scan_sha256_record(data, len, actual);
	match = strcmp(actual, hash) == 0;
	buf_printf(&b, "listed in %s/RECORD, %s", dist,
		   match ? "hash matches" : "hash differs from the record (modified after install)");
	*evidence = buf_detach(&b);
	return match ? SCAN_OWNER_MATCH : SCAN_OWNER_MISMATCH;
}

static enum scan_owner_status check_record(struct scan_ctx *ctx, const char *path,
					   const char *site_dir, const char *data, size_t len,
					   char **evidence)
{
	size_t n = strlen(site_dir);
	const char *dist, *hash;

	if (strncmp(path, site_dir, n) != 0 || path[n] != '/' ||
	    !scan_record_find(ctx, site_dir, path + n + 1, &dist, &hash))
		return SCAN_OWNER_NONE;
	if (hash[0] == '\0') {
		struct buf b = BUF_INIT;

		buf_printf(&b, "listed in %s/RECORD without a hash", dist);
		*evidence = buf_detach(&b);
		return SCAN_OWNER_NO_HASH;
	}
	return compare_record(dist, hash, data, len, evidence);
}

static enum scan_owner_status check_dpkg(struct scan_ctx *ctx, const char *path, const char *data,
					 size_t len, char **evidence)
{
	struct dpkg_file *f;
	uint8_t digest[SCAN_MD5_LEN];
	char hex[33];
	struct buf b = BUF_INIT;
	bool match;

	load_md5sums(ctx);
	f = strmap_get(&dpkg(ctx)->files, path, strlen(path));
	if (f == NULL)
		return SCAN_OWNER_NONE;
	if (strspn(f->md5, "0123456789abcdef") != 32) {
		/* "newconffile": dpkg has not recorded the conffile's MD5 yet. */
		buf_printf(&b, "%s %s of dpkg package %s, without a recorded MD5",
			   f->conffile ? "conffile" : "file", path, f->package);
		*evidence = buf_detach(&b);
		return SCAN_OWNER_NO_HASH;
	}
	scan_md5(data, len, digest);
	scan_hex(digest, sizeof(digest), hex);
	match = strcmp(hex, f->md5) == 0;
	if (match)
		buf_printf(&b, "%s %s of dpkg package %s, MD5 matches dpkg's record",
			   f->conffile ? "conffile" : "file", path, f->package);
	else if (f->conffile)
		buf_printf(&b, "conffile %s of dpkg package %s: its MD5 %s differs from %s in dpkg's "
			   "Conffiles record (/var/lib/dpkg/status): changed since it was installed",
			   path, f->package, hex, f->md5);
	else
		buf_printf(&b, "file %s of dpkg package %s: its MD5 %s differs from %s in "
			   "/var/lib/dpkg/info/%s.md5sums: modified after install", path, f->package,
			   hex, f->md5, f->package);
	*evidence = buf_detach(&b);
	return match ? SCAN_OWNER_MATCH : SCAN_OWNER_MISMATCH;
}

enum scan_owner_status scan_owner_check(struct scan_ctx *ctx, const char *path,
					const char *site_dir, const char *data, size_t len,
					char **evidence)
{
	enum scan_owner_status s = SCAN_OWNER_NONE;

	*evidence = NULL;
	if (site_dir != NULL)
		s = check_record(ctx, path, site_dir, data, len, evidence);
	if (s == SCAN_OWNER_NONE)
		s = check_dpkg(ctx, path, data, len, evidence);
	return s;
}

static void free_record_entry(const char *key, size_t len, void *value, void *arg)
{
	struct record_entry *e = value;

	(void)key;
	(void)len;
	(void)arg;
	free(e->dist);
	free(e->hash);
	free(e);
}

static void free_record_index(const char *key, size_t len, void *value, void *arg)
{
	(void)key;
	(void)len;
	strmap_each(value, free_record_entry, arg);
	strmap_free(value);
	free(value);
}

static void free_dpkg_file(const char *key, size_t len, void *value, void *arg)
{
	struct dpkg_file *f = value;

	(void)key;
	(void)len;
	(void)arg;
	free(f->package);
	free(f);
}

static void free_string(const char *key, size_t len, void *value, void *arg)
{
	(void)key;
	(void)len;
	(void)arg;
	free(value);
}

void scan_owner_free(struct scan_ctx *ctx)
{
	struct dpkg_index *d = ctx->dpkg;

	strmap_each(&ctx->records, free_record_index, NULL);
	strmap_free(&ctx->records);
	if (d == NULL)
		return;
	strmap_each(&d->versions, free_string, NULL);
	strmap_free(&d->versions);
	strmap_each(&d->files, free_dpkg_file, NULL);
	strmap_free(&d->files);
	free(d);
	ctx->dpkg = NULL;
}
