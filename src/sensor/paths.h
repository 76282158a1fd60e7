/*
 * Turning the directory handles of fanotify events into paths.
 *
 * Each marked filesystem is registered with its fsid and an open folder on
 * it; open_by_handle_at() opens the event's directory through that folder
 * and /proc/self/fd names it, as seen from the sensor's mount namespace at
 * the time of reading. A directory removed before the event is read can no
 * longer be opened (or, still cached, has no links left): its last path
 * seen by the sensor is used, and when there is none the event keeps its
 * name without a folder. Removal is decided from the folder itself, never
 * from the " (deleted)" the kernel appends to the name, which a live folder
 * may also carry.
 *
 * Ownership: struct sensor_paths owns the folder descriptors and the
 * last-known paths; sensor_paths_free() closes and frees them. A resolved
 * path is written into the caller's buffer.
 */
#ifndef SW_SENSOR_PATHS_H
#define SW_SENSOR_PATHS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fanotify.h"
#include "util/buf.h"
#include "util/strmap.h"

/* Last-known folder paths kept at most; the table starts afresh past it. */
#define SENSOR_PATHS_KNOWN_MAX 65536

enum sensor_path_state {
	SENSOR_PATH_LIVE,        /* the folder was opened now */
	SENSOR_PATH_LAST_KNOWN,  /* the folder is gone; its last path seen */
	SENSOR_PATH_UNKNOWN,     /* the folder is gone and was never seen */
	SENSOR_PATH_UNNAMED,     /* the folder could not be opened (no privilege, no
				  * folder of its filesystem): where it is is unknown */
};

struct sensor_fs {
	uint32_t fsid[2];
	int fd;                  /* a folder on the filesystem, for open_by_handle_at */
	char *where;             /* that folder's path, for messages */
	/*
	 * The folder's mount shows only a subtree of the filesystem (a bind
	 * mount): a folder outside it would be named from the filesystem's
	 * root, so each name is checked against the folder it names.
	 */
	bool partial;
};

struct sensor_paths {
	struct sensor_fs *fs;
	size_t nfs;
	struct strmap known;     /* fsid + handle -> malloc'd folder path */
	uint64_t known_resets;   /* times the table was full and emptied */
	bool warned;             /* a failure other than "folder gone" was reported */
	const char *unnamed_fate; /* for that warning: what happens to such events */
	/* The last folder opened in this batch: events of a batch mostly share one. */
	uint64_t batch, memo_batch;
	struct buf memo_key, memo_path;
};

void sensor_paths_init(struct sensor_paths *p);

/*
 * Registers the filesystem that contains `folder`, which should be the mount
 * point of a mount of the filesystem's root ("/"); `partial` is true when
 * it is not. Returns false with errno set when the folder cannot be opened or
 * its fsid read. A filesystem registered twice keeps its first folder.
 */
bool sensor_paths_add_fs(struct sensor_paths *p, const char *folder, bool partial);

/*
 * Writes into `out` the path of `folder` as the sensor names the folders
 * of events: through the registered folder of its filesystem. False when
 * it cannot be named so (`out` is then left empty).
 */
bool sensor_paths_name_folder(struct sensor_paths *p, const char *folder, struct buf *out);

/*
 * Opens what a handle names, a folder or a file, as an O_PATH descriptor
 * for the caller to close. Returns -1 with errno set: ESTALE or ENOENT
 * when it is gone.
 */
int sensor_paths_open_handle(struct sensor_paths *p, const struct sensor_fan_dir *handle);

/*
 * Starts a new batch of events: folders are named again, since they may
 * have been renamed since the last batch was read.
 */
void sensor_paths_next_batch(struct sensor_paths *p);

/*
 * Writes the path of the directory `dir` names into `out` (cleared first)
 * and returns how it was found. When `dirfd` is not NULL and the folder
 * was opened, *dirfd receives an O_PATH descriptor of it for the caller to
 * close; otherwise -1.
 */
enum sensor_path_state sensor_paths_resolve(struct sensor_paths *p,
					    const struct sensor_fan_dir *dir,
					    struct buf *out, int *dirfd);

void sensor_paths_free(struct sensor_paths *p);

#endif
