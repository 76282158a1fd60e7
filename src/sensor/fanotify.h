/*
 * The fanotify layer of the sensor: opening a notification group with the
 * features the sensor needs, marking filesystems, and decoding the records
 * the kernel reads out.
 *
 * The group reports a directory handle and a name for every event
 * (FAN_REPORT_DFID_NAME), the handle of the file itself, which names the
 * inode whatever its links or later renames (FAN_REPORT_FID and
 * FAN_REPORT_TARGET_FID), both names of a rename (FAN_RENAME), and a pidfd
 * of the process that caused the event (FAN_REPORT_PIDFD). The pidfd makes
 * sure that a pid reused after the writer exited is never taken for it.
 *
 * Ownership: sensor_fan_decode() fills a struct sensor_fan_event whose
 * handles and names point into the caller's read buffer; they are valid
 * until that buffer is reused. The descriptors in it belong to the caller,
 * who closes them (sensor_fan_event_close) once the event is handled.
 */
#ifndef SW_SENSOR_FANOTIFY_H
#define SW_SENSOR_FANOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * A directory handle with a name, as one info record carries it. `fsid`
 * names the filesystem; `handle` is a struct file_handle (handle_bytes,
 * handle_type, then the bytes) that open_by_handle_at() takes.
 */
struct sensor_fan_dir {
	uint32_t fsid[2];
	const void *handle;
	size_t handle_len;   /* the whole struct file_handle, header included */
	const char *name;    /* NUL-terminated; "" when the record had none */
	size_t name_len;
};

struct sensor_fan_event {
	uint64_t mask;
	int32_t pid;
	int fd;                /* an open file (>= 0) to close; FID groups send none */
	/* A pidfd (>= 0) to close, or -1: the process was gone when read. */
	int pidfd;
	bool pidfd_error;      /* the kernel could not make a pidfd (FAN_EPIDFD) */
	bool has_dir;          /* the event's directory and name */
	struct sensor_fan_dir dir;
	bool has_old, has_new; /* FAN_RENAME: where the file was, where it is */
	struct sensor_fan_dir old_dir, new_dir;
	bool has_target;       /* the file's own handle (its name is "") */
	struct sensor_fan_dir target;
};

/* The outcome of decoding one event from a read buffer. */
enum sensor_fan_status {
	SENSOR_FAN_END,        /* the bytes left hold no complete event */
	SENSOR_FAN_EVENT,      /* the event is decoded */
	SENSOR_FAN_MALFORMED,  /* a record is inconsistent: count it, step over */
	SENSOR_FAN_VERSION,    /* metadata of a version this build cannot read */
};

/* The reason opening or marking failed, for the caller to print and act on. */
enum sensor_fan_fault {
	SENSOR_FAN_OK,
	SENSOR_FAN_NOT_ROOT,     /* EPERM: CAP_SYS_ADMIN is missing */
	SENSOR_FAN_NO_FEATURE,   /* this kernel lacks a feature; see `feature` */
	SENSOR_FAN_SYSTEM,       /* any other error; errno is in `err` */
};

struct sensor_fan_error {
	enum sensor_fan_fault fault;
	int err;                 /* errno of the failed call */
	const char *feature;     /* for SENSOR_FAN_NO_FEATURE: "FAN_RENAME" */
	const char *since;       /* the Linux version that added it: "5.17" */
};

/*
 * Opens a notification group: non-blocking, close-on-exec, with the FID,
 * name and pidfd reporting the sensor needs, and no cap on the queue when
 * `unlimited_queue` is set. Returns the descriptor, or -1 with `err` set;
 * when the kernel refuses a flag, a probe finds which feature is missing.
 */
int sensor_fan_open(bool unlimited_queue, struct sensor_fan_error *err);

/*
 * Marks the whole filesystem that contains `path` for the sensor's events.
 * Returns false with `err` set (errno in err->err).
 */
bool sensor_fan_mark(int fan_fd, const char *path, struct sensor_fan_error *err);

/* A sentence for a failed mark: why this filesystem cannot be watched. */
const char *sensor_fan_mark_reason(int err);

/*
 * Decodes the event that starts at `data`, with `len` bytes left in the
 * read buffer, and sets *step to its length. Records of types the sensor
 * does not use are skipped by their length. Whatever the status, the
 * descriptors found (fd, pidfd) are in `ev` for sensor_fan_event_close().
 */
enum sensor_fan_status sensor_fan_decode(const void *data, size_t len,
					 struct sensor_fan_event *ev, size_t *step);

/* Closes the event's descriptors, if any. */
void sensor_fan_event_close(struct sensor_fan_event *ev);

#endif
