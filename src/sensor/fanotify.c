/*
 * fanotify groups, marks and event records. Feature versions are those of
 * the fanotify_init(2) and fanotify_mark(2) manual pages.
 */
#include "fanotify.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/fanotify.h>
#include <unistd.h>

/* A FID group for notification only: events carry handles, not open files. */
#define GROUP_FLAGS (FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_NONBLOCK | \
		     FAN_REPORT_DFID_NAME_TARGET | FAN_REPORT_PIDFD)

/*
 * Creation, close after write (one event per edit, not one per write()),
 * both names of a rename, deletion. FAN_ONDIR adds the same events of
 * folders: the sensor reports only their renames, since moving a folder
 * moves every file in it.
 */
#define MARK_EVENTS (FAN_CREATE | FAN_CLOSE_WRITE | FAN_RENAME | FAN_DELETE | FAN_ONDIR)

/* The init flags in the order the kernel gained them, for probing. */
static const struct {
	unsigned flags;
	const char *feature;
	const char *since;
} init_features[] = {
	{ FAN_CLASS_NOTIF | FAN_REPORT_FID, "FAN_REPORT_FID", "5.1" },
	{ FAN_CLASS_NOTIF | FAN_REPORT_DFID_NAME, "FAN_REPORT_DFID_NAME", "5.9" },
	{ FAN_CLASS_NOTIF | FAN_REPORT_DFID_NAME | FAN_REPORT_PIDFD, "FAN_REPORT_PIDFD", "5.15" },
	{ FAN_CLASS_NOTIF | FAN_REPORT_DFID_NAME_TARGET, "FAN_REPORT_TARGET_FID", "5.17" },
};

static void set_error(struct sensor_fan_error *err, enum sensor_fan_fault fault, int e)
{
	err->fault = fault;
	err->err = e;
	err->feature = NULL;
	err->since = NULL;
}

static bool flags_accepted(unsigned flags)
{
	int fd = fanotify_init(flags, O_RDONLY);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

/* Called after EINVAL: finds the first flag this kernel refuses. */
static void probe_init(struct sensor_fan_error *err)
{
	for (size_t i = 0; i < sizeof(init_features) / sizeof(init_features[0]); i++) {
		if (!flags_accepted(init_features[i].flags)) {
			err->fault = SENSOR_FAN_NO_FEATURE;
			err->feature = init_features[i].feature;
			err->since = init_features[i].since;
			return;
		}
	}
}

int sensor_fan_open(bool unlimited_queue, struct sensor_fan_error *err)
{
	unsigned flags = GROUP_FLAGS | (unlimited_queue ? FAN_UNLIMITED_QUEUE : 0);
	int fd = fanotify_init(flags, O_RDONLY | O_CLOEXEC | O_LARGEFILE);

	if (fd >= 0) {
		set_error(err, SENSOR_FAN_OK, 0);
		return fd;
	}

	set_error(err, SENSOR_FAN_SYSTEM, errno);
	if (errno == EPERM) {
		err->fault = SENSOR_FAN_NOT_ROOT;
	} else if (errno == ENOSYS) {
		err->fault = SENSOR_FAN_NO_FEATURE;
		err->feature = "fanotify (CONFIG_FANOTIFY)";
		err->since = "2.6.37";
	} else if (errno == EINVAL) {
		probe_init(err);
	}
	return -1;
}

/*
 * Called after EINVAL: when the mark works without FAN_RENAME, that is the
 * missing feature. The trial mark is removed again.
 */
static void probe_mark(int fan_fd, const char *path, struct sensor_fan_error *err)
{
	unsigned base = FAN_MARK_FILESYSTEM;

	if (fanotify_mark(fan_fd, FAN_MARK_ADD | base, MARK_EVENTS & ~FAN_RENAME, AT_FDCWD, path) == 0) {
		fanotify_mark(fan_fd, FAN_MARK_REMOVE | base, MARK_EVENTS & ~FAN_RENAME, AT_FDCWD, path);
		err->fault = SENSOR_FAN_NO_FEATURE;
		err->feature = "FAN_RENAME";
		err->since = "5.17";
	}
}

bool sensor_fan_mark(int fan_fd, const char *path, struct sensor_fan_error *err)
{
	if (fanotify_mark(fan_fd, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, MARK_EVENTS, AT_FDCWD, path) == 0) {
		set_error(err, SENSOR_FAN_OK, 0);
		return true;
	}

	set_error(err, SENSOR_FAN_SYSTEM, errno);
	if (errno == EPERM)
		err->fault = SENSOR_FAN_NOT_ROOT;
	else if (errno == EINVAL)
		probe_mark(fan_fd, path, err);
	return false;
}

const char *sensor_fan_mark_reason(int err)
{
	switch (err) {
	case ENODEV:
		return "the filesystem has no filesystem id, which fanotify needs to report file handles";
	case EOPNOTSUPP:
		return "the filesystem cannot encode file handles, which fanotify needs to report names";
	case EXDEV:
		return "it is a subvolume whose filesystem id differs from its filesystem's (btrfs); "
		       "the events of the whole filesystem need a mark on its top-level subvolume";
	case ENOSPC:
		return "the limit of fanotify marks is reached (/proc/sys/fs/fanotify/max_user_marks)";
	case ENOENT:
	case ENOTDIR:
		return "the path does not exist";
	case EACCES:
		return "the path cannot be searched";
	}
	return strerror(err);
}

/* ---- decoding ---- */

static void clear_event(struct sensor_fan_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->fd = -1;
	ev->pidfd = -1;
}

/*
 * Reads a directory-handle-and-name record: the header, the fsid, a
 * struct file_handle, then the name up to a NUL inside the record.
 */
static bool decode_dir(const unsigned char *rec, size_t len, struct sensor_fan_dir *dir)
{
	size_t head = sizeof(struct fanotify_event_info_fid);
	struct file_handle fh;
	const char *name;
	size_t left;

	if (len < head + sizeof(fh))
		return false;
	memcpy(dir->fsid, rec + sizeof(struct fanotify_event_info_header), sizeof(dir->fsid));
	memcpy(&fh, rec + head, sizeof(fh));
	if (fh.handle_bytes > len - head - sizeof(fh))
		return false;
	dir->handle = rec + head;
	dir->handle_len = sizeof(fh) + fh.handle_bytes;

	name = (const char *)rec + head + dir->handle_len;
	left = len - head - dir->handle_len;
	if (left == 0 || memchr(name, '\0', left) == NULL) {
		dir->name = "";
		dir->name_len = 0;
		return left == 0;
	}
	dir->name = name;
	dir->name_len = strlen(name);
	return true;
}

static bool decode_pidfd(const unsigned char *rec, size_t len, struct sensor_fan_event *ev)
{
	struct fanotify_event_info_pidfd info;

	if (len < sizeof(info))
		return false;
	memcpy(&info, rec, sizeof(info));
	if (info.pidfd >= 0)
		ev->pidfd = info.pidfd;
	else
		ev->pidfd_error = info.pidfd == FAN_EPIDFD;
	return true;
}

static bool decode_record(const unsigned char *rec, size_t len, struct sensor_fan_event *ev)
{
	switch (rec[0]) {
	case FAN_EVENT_INFO_TYPE_DFID_NAME:
		ev->has_dir = true;
		return decode_dir(rec, len, &ev->dir);
	case FAN_EVENT_INFO_TYPE_OLD_DFID_NAME:
		ev->has_old = true;
		return decode_dir(rec, len, &ev->old_dir);
	case FAN_EVENT_INFO_TYPE_NEW_DFID_NAME:
		ev->has_new = true;
		return decode_dir(rec, len, &ev->new_dir);
	case FAN_EVENT_INFO_TYPE_FID:
		ev->has_target = true;
		return decode_dir(rec, len, &ev->target);
	case FAN_EVENT_INFO_TYPE_PIDFD:
		return decode_pidfd(rec, len, ev);
	}
	return true;
}

enum sensor_fan_status sensor_fan_decode(const void *data, size_t len,
					 struct sensor_fan_event *ev, size_t *step)
{
	const unsigned char *bytes = data;
	struct fanotify_event_metadata meta;
	struct fanotify_event_info_header hdr;
	bool ok = true;

	clear_event(ev);
	*step = 0;
	if (len < sizeof(meta))
		return SENSOR_FAN_END;
	memcpy(&meta, data, sizeof(meta));
	if (meta.vers != FANOTIFY_METADATA_VERSION)
		return SENSOR_FAN_VERSION;
	if (meta.event_len < sizeof(meta) || meta.event_len > len || meta.metadata_len > meta.event_len)
		return SENSOR_FAN_END;

	*step = meta.event_len;
	ev->mask = meta.mask;
	ev->pid = meta.pid;
	ev->fd = meta.fd;
	for (size_t off = meta.metadata_len; off < meta.event_len; off += hdr.len) {
		if (meta.event_len - off < sizeof(hdr))
			return SENSOR_FAN_MALFORMED;
		memcpy(&hdr, bytes + off, sizeof(hdr));
		if (hdr.len < sizeof(hdr) || hdr.len > meta.event_len - off)
			return SENSOR_FAN_MALFORMED;
		ok = decode_record(bytes + off, hdr.len, ev) && ok;
	}
	return ok ? SENSOR_FAN_EVENT : SENSOR_FAN_MALFORMED;
}

void sensor_fan_event_close(struct sensor_fan_event *ev)
{
	if (ev->fd >= 0)
		close(ev->fd);
	if (ev->pidfd >= 0)
		close(ev->pidfd);
	ev->fd = -1;
	ev->pidfd = -1;
}
