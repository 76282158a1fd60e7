/*
 * Package ownership, as evidence: which wheel RECORD or dpkg package lists
 * a file, and whether the file still has the recorded hash. Ownership is
 * shown in a finding and never clears it: a malicious release is in its own
 * RECORD with a valid hash.
 *
 * Sources: a distribution's *.dist-info/RECORD in the same site folder
 * ("path,sha256=<URL-safe base64 without padding>,size"); dpkg's
 * /var/lib/dpkg/status (package versions and conffile MD5s) and
 * the NAME.md5sums files of /var/lib/dpkg/info (MD5s of shipped files). Both are read once,
 * on first use.
 *
 * Ownership: indexes live in the struct scan_ctx and are released by
 * scan_owner_free(); strings returned in *evidence are malloc()ed.
 */
#ifndef SW_SCAN_OWNER_H
#define SW_SCAN_OWNER_H

#include <stdbool.h>
#include <stddef.h>

#include "scan_model.h"

enum scan_owner_status {
	SCAN_OWNER_NONE,     /* no record lists the file */
	SCAN_OWNER_MATCH,    /* listed, and the hash matches */
	SCAN_OWNER_MISMATCH, /* listed, and the file differs from the record */
	SCAN_OWNER_NO_HASH,  /* listed without a hash */
};

/*
 * Looks the file up in its site folder's RECORD files (when `site_dir` is
 * not NULL and holds it) and in dpkg's records, and compares `data`.
 * Sets *evidence to a sentence for the report (or NULL).
 */
enum scan_owner_status scan_owner_check(struct scan_ctx *ctx, const char *path,
					const char *site_dir, const char *data, size_t len,
					char **evidence);

/* The RECORD hash field ("sha256=...") of SITE/REL and its distribution folder, if listed. */
bool scan_record_find(struct scan_ctx *ctx, const char *site_dir, const char *rel,
		      const char **dist, const char **hash);

/* The upstream version of Debian's pythonX.Y-minimal package, from dpkg's status file. */
bool scan_dpkg_python_version(struct scan_ctx *ctx, int major, int minor, struct scan_pyver *out);

void scan_owner_free(struct scan_ctx *ctx);

#endif
