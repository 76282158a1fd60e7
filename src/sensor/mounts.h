/*
 * The filesystems to watch, from /proc/self/mountinfo (proc(5)): one entry
 * per distinct filesystem (device number), at a mount that shows its whole
 * tree when there is one. Pseudo and network filesystems, and any mount
 * under /proc or /sys, are left out.
 *
 * Ownership: a struct sensor_mounts owns its entries and their strings;
 * sensor_mounts_free() releases them.
 */
#ifndef SW_SENSOR_MOUNTS_H
#define SW_SENSOR_MOUNTS_H

#include <stdbool.h>
#include <stddef.h>

struct sensor_mount {
	unsigned major, minor;  /* st_dev of the filesystem */
	char *root;             /* the folder of the filesystem seen at the mount */
	char *path;             /* the mount point, unescaped */
	char *fstype;
};

struct sensor_mounts {
	struct sensor_mount *items;
	size_t count;
	size_t skipped;         /* mounts left out: pseudo, network, under /proc or /sys */
};

/* Mount tables beyond this many lines are cut, and the caller warned. */
#define SENSOR_MOUNTS_MAX 10000

/*
 * Parses mountinfo text. Keeps one local filesystem per device number,
 * preferring a mount of its root ("/") to a bind mount of a subfolder.
 * Returns false when a line cannot be read or the cap is hit. `why` then
 * names the line and the reason; the mounts parsed so far are kept.
 */
bool sensor_mounts_parse(const char *text, size_t len, struct sensor_mounts *out,
			 char *why, size_t why_size);

/* Reads and parses /proc/self/mountinfo. */
bool sensor_mounts_read(struct sensor_mounts *out, char *why, size_t why_size);

/*
 * Finds, in mountinfo text, the mount point of a mount that shows the
 * whole filesystem with device number major:minor (its root is "/"),
 * whatever its type. Returns it malloc'd, or NULL when there is none, as
 * when every mount of it is a bind mount of a folder.
 */
char *sensor_mounts_find_whole(const char *text, size_t len, unsigned major, unsigned minor);

/* The same, read from /proc/self/mountinfo. */
char *sensor_mounts_read_whole(unsigned major, unsigned minor);

/* True for filesystem types that hold no files of their own (proc, sysfs...). */
bool sensor_fstype_is_pseudo(const char *fstype);
/* True for filesystem types served by another host (nfs, cifs...). */
bool sensor_fstype_is_remote(const char *fstype);

void sensor_mounts_free(struct sensor_mounts *m);

#endif
