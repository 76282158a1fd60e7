/*
 * Directory handle to path. open_by_handle_at(2) needs CAP_DAC_READ_SEARCH;
 * a handle of a removed directory gives ESTALE.
 */
#include "paths.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "util/diag.h"
#include "util/xalloc.h"

/* The largest handle open_by_handle_at() takes (MAX_HANDLE_SZ in fcntl.h). */
#define HANDLE_BYTES_MAX 128

/* The suffix the kernel appends to the path of an unlinked folder. */
#define DELETED_SUFFIX " (deleted)"

void sensor_paths_init(struct sensor_paths *p)
{
	memset(p, 0, sizeof(*p));
	strmap_init(&p->known);
}

static struct sensor_fs *find_fs(struct sensor_paths *p, const uint32_t fsid[2])
{
	for (size_t i = 0; i < p->nfs; i++) {
		if (p->fs[i].fsid[0] == fsid[0] && p->fs[i].fsid[1] == fsid[1])
			return &p->fs[i];
	}
	return NULL;
}

bool sensor_paths_add_fs(struct sensor_paths *p, const char *folder, bool partial)
{
	struct statfs sfs;
	uint32_t fsid[2];
	int fd = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return false;
	if (fstatfs(fd, &sfs) != 0) {
		close(fd);
		return false;
	}
	memcpy(fsid, &sfs.f_fsid, sizeof(fsid));
	if (find_fs(p, fsid) != NULL) {
		close(fd);
		return true;
	}

	p->fs = xrealloc(p->fs, (p->nfs + 1) * sizeof(*p->fs));
	p->fs[p->nfs].fsid[0] = fsid[0];
	p->fs[p->nfs].fsid[1] = fsid[1];
	p->fs[p->nfs].fd = fd;
	p->fs[p->nfs].where = xstrdup(folder);
	p->fs[p->nfs].partial = partial;
	p->nfs++;
	return true;
}

/* The key of a folder: its fsid and handle bytes. */
static size_t make_key(const struct sensor_fan_dir *dir, char *key, size_t size)
{
	size_t n = sizeof(dir->fsid) + dir->handle_len;

	if (n > size)
		return 0;
	memcpy(key, dir->fsid, sizeof(dir->fsid));
	memcpy(key + sizeof(dir->fsid), dir->handle, dir->handle_len);
	return n;
}

static void free_value(const char *key, size_t len, void *value, void *arg)
{
	(void)key;
	(void)len;
	(void)arg;
	free(value);
}

static void remember(struct sensor_paths *p, const char *key, size_t klen, const struct buf *path)
{
	void **slot;

	if (klen == 0)
		return;
	slot = strmap_upsert(&p->known, key, klen);
	if (*slot != NULL && strcmp(*slot, path->data) == 0)
		return;
	free(*slot);
	*slot = xstrndup(path->data, path->len);

	if (p->known.count >= SENSOR_PATHS_KNOWN_MAX) {
		strmap_each(&p->known, free_value, NULL);
		strmap_free(&p->known);
		strmap_init(&p->known);
		p->known_resets++;
	}
}

/*
 * Names an open folder through /proc/self/fd; false when it is unlinked.
 * The kernel appends " (deleted)" to the name of a removed folder, but a
 * live folder may be named so too: a removed folder has no links left.
 */
static bool name_fd(int fd, struct buf *out)
{
	struct stat st;
	char link[64];
	char target[4096];
	ssize_t n;
	size_t suffix = strlen(DELETED_SUFFIX);

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof(target));
	if (n <= 0 || (size_t)n == sizeof(target) || target[0] != '/')
		return false;
	if ((size_t)n > suffix && memcmp(target + n - suffix, DELETED_SUFFIX, suffix) == 0 &&
	    (fstat(fd, &st) != 0 || st.st_nlink == 0))
		return false;
	buf_append(out, target, (size_t)n);
	return true;
}

/*
 * Through a mount of a subtree, a folder outside it is named from the
 * filesystem's root: such a name leads elsewhere, or nowhere.
 */
static bool names_fd(const char *path, int fd)
{
	struct stat named, opened;

	return stat(path, &named) == 0 && fstat(fd, &opened) == 0 &&
	       named.st_dev == opened.st_dev && named.st_ino == opened.st_ino;
}

/*
 * True when the folder is live but outside the subtree its filesystem's
 * mount shows, so that it cannot be named. `out` keeps the wrong name, for
 * the caller to tell this from a folder that is gone.
 */
static bool names_elsewhere(struct sensor_paths *p, const struct sensor_fan_dir *dir, int fd,
			    const struct buf *out)
{
	struct sensor_fs *fs = find_fs(p, dir->fsid);

	return fs != NULL && fs->partial && !names_fd(out->data, fd);
}

int sensor_paths_open_handle(struct sensor_paths *p, const struct sensor_fan_dir *dir)
{
	union {
		struct file_handle fh;
		unsigned char bytes[sizeof(struct file_handle) + HANDLE_BYTES_MAX];
	} h;
	struct sensor_fs *fs = find_fs(p, dir->fsid);

	if (fs == NULL || dir->handle_len > sizeof(h.bytes)) {
		errno = ENODEV;
		return -1;
	}
	memcpy(h.bytes, dir->handle, dir->handle_len);
	return open_by_handle_at(fs->fd, &h.fh, O_PATH | O_CLOEXEC);
}

/* ESTALE and ENOENT mean the folder is gone, which is expected. */
static bool folder_gone(int err)
{
	return err == ESTALE || err == ENOENT;
}

/*
 * Any other failure would hide every path of a filesystem, so it is
 * reported once, with its cause.
 */
static void warn_open_error(struct sensor_paths *p, const struct sensor_fan_dir *dir, int err)
{
	struct sensor_fs *fs = find_fs(p, dir->fsid);

	if (folder_gone(err) || p->warned)
		return;
	p->warned = true;
	if (fs == NULL)
		diag_warn("cannot name the folders of events on a filesystem whose folder could not "
			  "be opened at start (see the warning above); %s", p->unnamed_fate);
	else if (err == EPERM)
		diag_warn("cannot open folders by their handle on the filesystem at %s: the sensor "
			  "lacks CAP_DAC_READ_SEARCH; run it as root with that capability; %s",
			  fs->where, p->unnamed_fate);
	else
		diag_warn("cannot open folders by their handle on the filesystem at %s (%s); %s",
			  fs->where, strerror(err), p->unnamed_fate);
}

void sensor_paths_next_batch(struct sensor_paths *p)
{
	p->batch++;
}

/* True when the folder was named earlier in this batch; its path is then in `out`. */
static bool memo_get(struct sensor_paths *p, const char *key, size_t klen, struct buf *out)
{
	if (p->memo_batch != p->batch || klen == 0 || p->memo_key.len != klen ||
	    memcmp(p->memo_key.data, key, klen) != 0)
		return false;
	buf_append(out, p->memo_path.data, p->memo_path.len);
	return true;
}

static void memo_set(struct sensor_paths *p, const char *key, size_t klen, const struct buf *path)
{
	p->memo_batch = p->batch;
	buf_clear(&p->memo_key);
	buf_append(&p->memo_key, key, klen);
	buf_clear(&p->memo_path);
	buf_append(&p->memo_path, path->data, path->len);
}

enum sensor_path_state sensor_paths_resolve(struct sensor_paths *p,
					    const struct sensor_fan_dir *dir,
					    struct buf *out, int *dirfd)
{
	char key[sizeof(dir->fsid) + sizeof(struct file_handle) + HANDLE_BYTES_MAX];
	size_t klen = make_key(dir, key, sizeof(key));
	const char *known;
	int fd;

	buf_clear(out);
	if (dirfd != NULL)
		*dirfd = -1;
	else if (memo_get(p, key, klen, out))
		return SENSOR_PATH_LIVE;

	fd = sensor_paths_open_handle(p, dir);
	if (fd >= 0 && name_fd(fd, out) && !names_elsewhere(p, dir, fd, out)) {
		remember(p, key, klen, out);
		memo_set(p, key, klen, out);
		if (dirfd != NULL)
			*dirfd = fd;
		else
			close(fd);
		return SENSOR_PATH_LIVE;
	}
	if (fd >= 0 && out->len > 0) {
		close(fd);
		buf_clear(out);
		return SENSOR_PATH_UNNAMED;
	}
	if (fd >= 0) {
		close(fd);
	} else if (!folder_gone(errno)) {
		warn_open_error(p, dir, errno);
		buf_clear(out);
		return SENSOR_PATH_UNNAMED;
	}

	buf_clear(out);
	known = klen > 0 ? strmap_get(&p->known, key, klen) : NULL;
	if (known == NULL)
		return SENSOR_PATH_UNKNOWN;
	buf_puts(out, known);
	return SENSOR_PATH_LAST_KNOWN;
}

bool sensor_paths_name_folder(struct sensor_paths *p, const char *folder, struct buf *out)
{
	union {
		struct file_handle fh;
		unsigned char bytes[sizeof(struct file_handle) + HANDLE_BYTES_MAX];
	} h;
	struct sensor_fan_dir dir = { .name = "", .name_len = 0 };
	struct statfs sfs;
	int mount_id;

	buf_clear(out);
	h.fh.handle_bytes = HANDLE_BYTES_MAX;
	if (statfs(folder, &sfs) != 0 || name_to_handle_at(AT_FDCWD, folder, &h.fh, &mount_id, 0) != 0)
		return false;
	memcpy(dir.fsid, &sfs.f_fsid, sizeof(dir.fsid));
	dir.handle = h.bytes;
	dir.handle_len = sizeof(h.fh) + h.fh.handle_bytes;
	if (sensor_paths_resolve(p, &dir, out, NULL) == SENSOR_PATH_LIVE)
		return true;
	buf_clear(out);
	return false;
}

void sensor_paths_free(struct sensor_paths *p)
{
	for (size_t i = 0; i < p->nfs; i++) {
		close(p->fs[i].fd);
		free(p->fs[i].where);
	}
	free(p->fs);
	strmap_each(&p->known, free_value, NULL);
	strmap_free(&p->known);
	buf_free(&p->memo_key);
	buf_free(&p->memo_path);
	memset(p, 0, sizeof(*p));
}
