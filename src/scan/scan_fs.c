/*
 * Confined, non-blocking file access for scan: see scan_fs.h.
 */
#include "scan_fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/xalloc.h"

bool scan_fs_open(struct scan_fs *fs, const char *root)
{
	memset(fs, 0, sizeof(*fs));
	fs->max_file_size = SCAN_DEFAULT_MAX_FILE_SIZE;
	fs->max_links = SCAN_DEFAULT_MAX_LINKS;
	fs->max_dir_entries = SCAN_DEFAULT_MAX_DIR_ENTRIES;
	fs->have_openat2 = true;

	if (root == NULL || root[0] == '\0' || strcmp(root, "/") == 0) {
		fs->root = xstrdup("");
	} else {
		size_t len = strlen(root);

		while (len > 1 && root[len - 1] == '/')
			len--;
		fs->root = xstrndup(root, len);
	}

	fs->root_fd = open(fs->root[0] ? fs->root : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fs->root_fd < 0) {
		int saved = errno;

		free(fs->root);
		fs->root = NULL;
		errno = saved;
		return false;
	}
	return true;
}

void scan_fs_close(struct scan_fs *fs)
{
	if (fs->root_fd >= 0)
		close(fs->root_fd);
	free(fs->root);
	fs->root = NULL;
	fs->root_fd = -1;
}

char *scan_fs_host(const struct scan_fs *fs, const char *inner)
{
	struct buf b = BUF_INIT;

	buf_puts(&b, fs->root);
	if (inner[0] != '/')
		buf_putc(&b, '/');
	buf_puts(&b, inner);
	return buf_detach(&b);
}

char *scan_path_join(const char *dir, const char *name)
{
	struct buf b = BUF_INIT;
	size_t len = strlen(dir);

	buf_append(&b, dir, len);
	if (len == 0 || dir[len - 1] != '/')
		buf_putc(&b, '/');
	buf_puts(&b, name);
	return buf_detach(&b);
}

const char *scan_path_base(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

char *scan_path_dir(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

/* Drops the last component of the canonical path in `out` (never past the root). */
static void pop_component(struct buf *out)
{
	while (out->len > 0 && out->data[out->len - 1] != '/')
		out->len--;
	if (out->len > 0)
		out->len--;
	if (out->data)
		out->data[out->len] = '\0';
}

/* Appends the components of `rest` lexically, once the file system has no more to say. */
static void append_lexically(struct buf *out, const char *rest)
{
	while (*rest) {
		const char *end = strchrnul(rest, '/');
		size_t len = (size_t)(end - rest);

		if (len == 2 && rest[0] == '.' && rest[1] == '.') {
			pop_component(out);
		} else if (len > 0 && !(len == 1 && rest[0] == '.')) {
			buf_putc(out, '/');
			buf_append(out, rest, len);
		}
		rest = *end ? end + 1 : end;
	}
}

/* Reads the symlink at the host path into a malloc()ed string, or NULL with errno. */
static char *read_link(const char *host)
{
	size_t cap = 256;

	for (;;) {
		char *target = xmalloc(cap);
		ssize_t n = readlink(host, target, cap);

		if (n < 0) {
			free(target);
			return NULL;
		}
		if ((size_t)n < cap) {
			target[n] = '\0';
			return target;
		}
		free(target);
		if (cap >= 65536) {
			errno = ENAMETOOLONG;
			return NULL;
		}
		cap *= 4;
	}
}

/*
 * One step of resolution: `comp` (len bytes) is appended to `out`. Returns
 * 1 when it was a symlink (its target is stored in *target), 0 when it was
 * appended, 2 when it does not exist (appended anyway), -1 on error.
 */
static int resolve_step(struct scan_fs *fs, struct buf *out, const char *comp, size_t len,
			bool follow, char **target)
{
	size_t mark = out->len;
	struct stat st;
	char *host;
	int rc = 0;

	buf_putc(out, '/');
	buf_append(out, comp, len);
	if (!follow)
		return 0;

	host = scan_fs_host(fs, out->data);
	if (lstat(host, &st) != 0) {
		rc = (errno == ENOENT || errno == ENOTDIR) ? 2 : -1;
	} else if (S_ISLNK(st.st_mode)) {
		*target = read_link(host);
		rc = *target ? 1 : -1;
		out->len = mark;
		out->data[mark] = '\0';
	}
	free(host);
	return rc;
}

char *scan_fs_resolve(struct scan_fs *fs, const char *inner, bool follow_last)
{
	struct buf out = BUF_INIT;
	char *pending = xstrdup(inner);
	const char *p = pending;
	size_t links = 0;

	buf_reserve(&out, strlen(inner) + 1);
	out.data[0] = '\0';
	while (*p) {
		const char *end = strchrnul(p, '/');
		size_t len = (size_t)(end - p);
		const char *rest = *end ? end + 1 : end;
		bool last = strspn(rest, "/") == strlen(rest);
		char *target = NULL;
		int rc;

		if (len == 0 || (len == 1 && p[0] == '.')) {
			p = rest;
			continue;
		}
		if (len == 2 && p[0] == '.' && p[1] == '.') {
			pop_component(&out);
			p = rest;
			continue;
		}

		rc = resolve_step(fs, &out, p, len, !last || follow_last, &target);
		if (rc < 0)
			goto fail;
		if (rc == 2) {
			append_lexically(&out, rest);
			break;
		}
		if (rc == 1) {
			struct buf next = BUF_INIT;

			if (++links > fs->max_links) {
				free(target);
				errno = ELOOP;
				goto fail;
			}
			if (target[0] == '/')
				out.len = 0;
			buf_puts(&next, target);
			buf_putc(&next, '/');
			buf_puts(&next, rest);
			free(target);
			free(pending);
			pending = buf_detach(&next);
			p = pending;
			continue;
		}
		p = rest;
	}

	free(pending);
	if (out.len == 0)
		buf_putc(&out, '/');
	return buf_detach(&out);

fail:
	free(pending);
	buf_free(&out);
	return NULL;
}

int scan_fs_lstat(struct scan_fs *fs, const char *inner, struct stat *st)
{
	char *host = scan_fs_host(fs, inner);
	int rc = lstat(host, st);
	int saved = errno;

	free(host);
	errno = saved;
	return rc;
}

int scan_fs_stat(struct scan_fs *fs, const char *inner, struct stat *st)
{
	char *real = scan_fs_resolve(fs, inner, true);
	int rc;

	if (real == NULL)
		return -1;
	rc = scan_fs_lstat(fs, real, st);
	free(real);
	return rc;
}

/*
 * Opens a resolved inner path without following a last symlink. Through
 * openat2(RESOLVE_IN_ROOT) where the kernel has it, else by host path.
 */
static int open_confined(struct scan_fs *fs, const char *real, int flags)
{
	flags |= O_NOFOLLOW | O_CLOEXEC | O_NOCTTY;
	if (fs->have_openat2) {
		struct open_how how = {
			.flags = (unsigned long long)flags,
			.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
		};
		long fd = syscall(SYS_openat2, fs->root_fd, real, &how, sizeof(how));

		if (fd >= 0 || errno != ENOSYS)
			return (int)fd;
		fs->have_openat2 = false;
	}

	char *host = scan_fs_host(fs, real);
	int fd = open(host, flags);
	int saved = errno;

	free(host);
	errno = saved;
	return fd;
}

static enum scan_read_status status_from_errno(int err)
{
	switch (err) {
	case ENOENT:
	case ENOTDIR:
		return SCAN_READ_ABSENT;
	case ELOOP:
		return SCAN_READ_LOOP;
	case EACCES:
	case EPERM:
		return SCAN_READ_DENIED;
	default:
		return SCAN_READ_ERROR;
	}
}

/* Reads up to max_file_size bytes from fd into out->data. */
static enum scan_read_status read_all(struct scan_fs *fs, int fd, struct scan_file *out)
{
	size_t cap = (size_t)out->st.st_size + 1;
	size_t len = 0;

	out->data = xmalloc(cap + 1);
	for (;;) {
		ssize_t n;

		if (len == cap)
			out->data = xgrow(out->data, &cap, cap + 4096, 1);
		n = read(fd, out->data + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			out->err = errno;
			return status_from_errno(errno);
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > fs->max_file_size) {
			out->size = len;
			return SCAN_READ_TOO_BIG;
		}
	}
	out->data = xrealloc(out->data, len + 1);
	out->data[len] = '\0';
	out->size = len;
	return SCAN_READ_OK;
}

enum scan_read_status scan_fs_read(struct scan_fs *fs, const char *inner, struct scan_file *out)
{
	enum scan_read_status status;
	struct stat st;
	char *real;
	int fd;

	memset(out, 0, sizeof(*out));
	real = scan_fs_resolve(fs, inner, true);
	if (real == NULL) {
		out->err = errno;
		return status_from_errno(errno);
	}

	/* Checked before open() too, so that no device or FIFO is ever opened. */
	if (scan_fs_lstat(fs, real, &st) != 0) {
		out->err = errno;
		free(real);
		return status_from_errno(out->err);
	}
	if (!S_ISREG(st.st_mode)) {
		out->st = st;
		free(real);
		return SCAN_READ_NOT_REGULAR;
	}

	fd = open_confined(fs, real, O_RDONLY | O_NONBLOCK);
	free(real);
	if (fd < 0) {
		out->err = errno;
		return status_from_errno(errno);
	}
	status = SCAN_READ_OK;
	if (fstat(fd, &out->st) != 0) {
		out->err = errno;
		status = SCAN_READ_ERROR;
	} else if (!S_ISREG(out->st.st_mode)) {
		status = SCAN_READ_NOT_REGULAR;
	} else if ((size_t)out->st.st_size > fs->max_file_size) {
		out->size = (size_t)out->st.st_size;
		status = SCAN_READ_TOO_BIG;
	} else {
		fs->files_read++;
		status = read_all(fs, fd, out);
	}
	close(fd);
	if (status != SCAN_READ_OK) {
		free(out->data);
		out->data = NULL;
	}
	return status;
}

/* Reads exactly `len` bytes at `offset` (short only at the end of the file). */
static size_t read_at(int fd, char *out, size_t len, off_t offset)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = pread(fd, out + got, len - got, offset + (off_t)got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	return got;
}

enum scan_read_status scan_fs_read_ends(struct scan_fs *fs, const char *inner, size_t part,
					struct scan_file *out)
{
	char *real = scan_fs_resolve(fs, inner, true);
	struct stat st;
	size_t size, head, tail;
	int fd;

	memset(out, 0, sizeof(*out));
	if (real == NULL || scan_fs_lstat(fs, real, &st) != 0 || !S_ISREG(st.st_mode)) {
		free(real);
		return SCAN_READ_ERROR;
	}
	fd = open_confined(fs, real, O_RDONLY | O_NONBLOCK);
	free(real);
	if (fd < 0 || fstat(fd, &out->st) != 0 || !S_ISREG(out->st.st_mode)) {
		if (fd >= 0)
			close(fd);
		return SCAN_READ_ERROR;
	}
	size = (size_t)out->st.st_size;
	head = size < part ? size : part;
	tail = size - head < part ? size - head : part;
	out->data = xmalloc(head + tail + 2);
	head = read_at(fd, out->data, head, 0);
	out->data[head] = '\n';
	tail = read_at(fd, out->data + head + 1, tail, (off_t)(size - tail));
	close(fd);
	out->size = head + 1 + tail;
	out->data[out->size] = '\0';
	fs->files_read++;
	return SCAN_READ_OK;
}

void scan_file_free(struct scan_file *f)
{
	free(f->data);
	f->data = NULL;
	f->size = 0;
}

const char *scan_read_status_text(enum scan_read_status status, int err)
{
	switch (status) {
	case SCAN_READ_OK:
		return "read";
	case SCAN_READ_ABSENT:
		return "does not exist";
	case SCAN_READ_NOT_REGULAR:
		return "is not a regular file";
	case SCAN_READ_TOO_BIG:
		return "is larger than the size cap (--max-file-size)";
	case SCAN_READ_LOOP:
		return "has a symlink loop or more symlinks than --max-symlinks";
	case SCAN_READ_DENIED:
		return "cannot be read: permission denied";
	case SCAN_READ_ERROR:
		break;
	}
	return err ? strerror(err) : "cannot be read";
}

static int compare_dirents(const void *a, const void *b)
{
	const struct scan_dirent *x = a, *y = b;

	return strcmp(x->name, y->name);
}

int scan_fs_list(struct scan_fs *fs, const char *inner, struct scan_dir *out)
{
	size_t cap = 0;
	char *real;
	DIR *dir;
	int fd;

	memset(out, 0, sizeof(*out));
	real = scan_fs_resolve(fs, inner, true);
	if (real == NULL)
		return -1;
	fd = open_confined(fs, real, O_RDONLY | O_DIRECTORY | O_NONBLOCK);
	free(real);
	if (fd < 0)
		return -1;
	dir = fdopendir(fd);
	if (dir == NULL) {
		close(fd);
		return -1;
	}

	for (struct dirent *e; (e = readdir(dir)) != NULL;) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (out->n == fs->max_dir_entries) {
			out->truncated = true;
			break;
		}
		out->v = xgrow(out->v, &cap, out->n + 1, sizeof(*out->v));
		out->v[out->n].name = xstrdup(e->d_name);
		out->v[out->n].type = e->d_type;
		out->n++;
	}
	closedir(dir);
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(*out->v), compare_dirents);
	return 0;
}

void scan_dir_free(struct scan_dir *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->v[i].name);
	free(d->v);
	memset(d, 0, sizeof(*d));
}
