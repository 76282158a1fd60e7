/*
 * Read-only access to the scanned file system, confined to a root.
 *
 * Every path that scan handles is an "inner" path: absolute, as the scanned
 * system sees it ("/usr/lib/python3.11/site.py"). With --root DIR the host
 * path is DIR followed by the inner path, and every symlink is resolved
 * inside DIR: an absolute target restarts at DIR, ".." stops at DIR. Without
 * --root the root is "/" and inner and host paths are the same.
 *
 * Files are opened with O_NONBLOCK | O_NOFOLLOW and checked with fstat(), so
 * a FIFO or a device never blocks the scan and only regular files are read.
 * Where the kernel has openat2(2), opens also go through RESOLVE_IN_ROOT, so
 * that a component swapped for a symlink after resolution still cannot leave
 * the root.
 *
 * Ownership: struct scan_fs is the caller's; scan_fs_close() releases it.
 * Strings returned by scan_fs_resolve() and the bytes of a struct scan_file
 * are malloc()ed and belong to the caller (scan_file_free()).
 */
#ifndef SW_SCAN_FS_H
#define SW_SCAN_FS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

/* Defaults of the caps, documented in docs/scan.md and in `scan --help`. */
#define SCAN_DEFAULT_MAX_FILE_SIZE (4u << 20)  /* bytes read from one file */
#define SCAN_DEFAULT_MAX_LINKS 40              /* symlinks followed in one path, as Linux */
#define SCAN_DEFAULT_MAX_DIR_ENTRIES 200000    /* names listed from one folder */

struct scan_fs {
	char *root;        /* "" for the host, else the root folder without a trailing '/' */
	int root_fd;       /* open on the root for openat2(), or -1 */
	bool have_openat2; /* cleared on the first ENOSYS */
	size_t max_file_size;
	size_t max_links;
	size_t max_dir_entries;
	size_t files_read; /* files opened and read, for the statistics */
};

enum scan_read_status {
	SCAN_READ_OK,
	SCAN_READ_ABSENT,      /* no such file (or a dangling symlink) */
	SCAN_READ_NOT_REGULAR, /* a folder, FIFO, socket or device */
	SCAN_READ_TOO_BIG,     /* larger than max_file_size: `size` is set, no bytes */
	SCAN_READ_LOOP,        /* more than max_links symlinks */
	SCAN_READ_DENIED,      /* permission denied */
	SCAN_READ_ERROR,       /* any other error: errno in `err` */
};

struct scan_file {
	char *data;         /* the bytes, NUL-terminated (data[size] == 0) */
	size_t size;
	struct stat st;     /* fstat() of the opened file */
	int err;            /* errno behind SCAN_READ_ERROR */
};

/* Opens the root ("" or NULL for the host). Returns false with errno set. */
bool scan_fs_open(struct scan_fs *fs, const char *root);
void scan_fs_close(struct scan_fs *fs);

/* Returns a malloc()ed host path for an inner path. */
char *scan_fs_host(const struct scan_fs *fs, const char *inner);

/*
 * Resolves an inner path to its canonical inner form: ".", ".." and
 * repeated slashes removed, every symlink followed (the last component only
 * when `follow_last`). A missing component ends resolution without error:
 * the rest is appended as written. Returns NULL with errno ELOOP when
 * max_links is exceeded, or another errno from lstat() or readlink().
 */
char *scan_fs_resolve(struct scan_fs *fs, const char *inner, bool follow_last);

/* lstat() and stat() (the latter resolved inside the root). 0 or -1 with errno. */
int scan_fs_lstat(struct scan_fs *fs, const char *inner, struct stat *st);
int scan_fs_stat(struct scan_fs *fs, const char *inner, struct stat *st);

/* Reads a whole regular file, following symlinks inside the root. */
enum scan_read_status scan_fs_read(struct scan_fs *fs, const char *inner, struct scan_file *out);
void scan_file_free(struct scan_file *f);

/*
 * For a file over max_file_size: its first and last `part` bytes, joined
 * by one '\n' (out->size counts it), so that a payload at either end of a
 * padded file is still seen. out->st is the whole file's.
 */
enum scan_read_status scan_fs_read_ends(struct scan_fs *fs, const char *inner, size_t part,
					struct scan_file *out);
const char *scan_read_status_text(enum scan_read_status status, int err);

struct scan_dirent {
	char *name;
	unsigned char type; /* DT_REG, DT_DIR, DT_LNK, ... or DT_UNKNOWN */
};

struct scan_dir {
	struct scan_dirent *v;
	size_t n;
	bool truncated; /* max_dir_entries was reached: the rest is not listed */
};

/*
 * Lists a folder (symlinks followed inside the root), without "." and "..",
 * sorted by bytes: UTF-8 byte order is code-point order, the order of
 * Python's sorted() on the names. Returns 0, or -1 with errno.
 */
int scan_fs_list(struct scan_fs *fs, const char *inner, struct scan_dir *out);
void scan_dir_free(struct scan_dir *d);

/* Joins a folder and a name into a malloc()ed inner path. */
char *scan_path_join(const char *dir, const char *name);
/* Returns the last component of a path (a pointer into it). */
const char *scan_path_base(const char *path);
/* Returns a malloc()ed copy of everything before the last '/' ("/" for "/x"). */
char *scan_path_dir(const char *path);

#endif
