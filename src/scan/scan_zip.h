/*
 * Zip archives on a start-up path: a .pth path line (or PYTHONPATH) can put
 * a zip on sys.path, and zipimport then imports sitecustomize or any module
 * from it. The central directory is read to list the members; stored and
 * deflated members are inflated with zlib, up to a size cap. Zip64 and
 * other compression methods are reported, not read.
 *
 * Ownership: struct scan_zip borrows the archive bytes (they must outlive
 * it) and owns its member table; scan_zip_free() releases it. Member bytes
 * from scan_zip_read() are the caller's buffer.
 */
#ifndef SW_SCAN_ZIP_H
#define SW_SCAN_ZIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

/* Members listed from one archive; more are reported as a cap reached. */
#define SCAN_ZIP_MAX_MEMBERS 100000

struct scan_zip_member {
	const char *name;   /* points into the archive bytes, not NUL-terminated */
	size_t name_len;
	uint16_t method;    /* 0 stored, 8 deflated */
	uint32_t csize, usize;
	uint32_t local;     /* offset of the local header */
};

struct scan_zip {
	const unsigned char *data;
	size_t size;
	struct scan_zip_member *v;
	size_t n;
	bool truncated;     /* more than SCAN_ZIP_MAX_MEMBERS */
};

/*
 * Reads the central directory of `data` (`size` bytes). Returns NULL, or a
 * static text saying why the archive cannot be read ("no end of central
 * directory record", "zip64 archive"). On failure nothing stays allocated,
 * and scan_zip_free() may still be called.
 */
const char *scan_zip_open(struct scan_zip *z, const char *data, size_t size);

/*
 * The index of the member named exactly `name`, or -1. When several entries
 * share the name, the last one in the central directory: the one zipimport
 * imports (its directory table is a dict filled in order, so a later entry
 * replaces an earlier one; CPython 3.3 to 3.13 zipimport).
 */
long scan_zip_find(const struct scan_zip *z, const char *name);

/* True when a member before `i` in the central directory has the same name. */
bool scan_zip_shadows(const struct scan_zip *z, size_t i);

/*
 * The index of some member whose name another member also has, or -1.
 * Two entries of one name let a reader that takes the first see other bytes
 * than the ones zipimport runs, so a duplicate is suspect on its own.
 */
long scan_zip_duplicate(const struct scan_zip *z);

/*
 * Appends member `i`'s bytes to `out` when its size is at most `cap`.
 * Returns NULL, or a static text saying why it could not be read.
 */
const char *scan_zip_read(const struct scan_zip *z, size_t i, size_t cap, struct buf *out);

void scan_zip_free(struct scan_zip *z);

#endif
