/*
 * Unit tests of the sensor's input side: fanotify record decoding
 * (src/sensor/fanotify.c) on buffers laid out as the kernel writes them
 * (fanotify(7)), and the mountinfo reader (src/sensor/mounts.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <fcntl.h>
#include <sys/fanotify.h>

#include "sensor/fanotify.h"
#include "sensor/mounts.h"

/* ---- building kernel-style event buffers ---- */

struct event_buf {
	unsigned char bytes[1024];
	size_t len;     /* of the whole buffer */
	size_t start;   /* of the event being built */
};

static void begin_event(struct event_buf *b, uint64_t mask, int32_t pid)
{
	struct fanotify_event_metadata meta = {
		.event_len = sizeof(meta),
		.vers = FANOTIFY_METADATA_VERSION,
		.metadata_len = sizeof(meta),
		.mask = mask,
		.fd = FAN_NOFD,
		.pid = pid,
	};

	b->start = b->len;
	memcpy(b->bytes + b->len, &meta, sizeof(meta));
	b->len += sizeof(meta);
}

/* Sets event_len once the records are in. */
static void end_event(struct event_buf *b)
{
	uint32_t len = (uint32_t)(b->len - b->start);

	memcpy(b->bytes + b->start, &len, sizeof(len));
}

/* A directory-handle record with a name, padded to 4 bytes as the kernel does. */
static void add_dir_record(struct event_buf *b, uint8_t type, uint32_t fsid0, const char *name)
{
	struct fanotify_event_info_fid info = { .hdr = { .info_type = type } };
	struct file_handle fh = { .handle_bytes = 8, .handle_type = 1 };
	unsigned char handle[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	size_t start = b->len;
	size_t len;

	info.fsid.val[0] = (int)fsid0;
	info.fsid.val[1] = 7;
	memcpy(b->bytes + b->len, &info, sizeof(info));
	b->len += sizeof(info);
	memcpy(b->bytes + b->len, &fh, sizeof(fh));
	b->len += sizeof(fh);
	memcpy(b->bytes + b->len, handle, sizeof(handle));
	b->len += sizeof(handle);
	memcpy(b->bytes + b->len, name, strlen(name) + 1);
	b->len += strlen(name) + 1;
	while ((b->len - start) % 4 != 0)
		b->bytes[b->len++] = 0;

	len = b->len - start;
	info.hdr.len = (uint16_t)len;
	memcpy(b->bytes + start, &info.hdr, sizeof(info.hdr));
}

static void add_pidfd_record(struct event_buf *b, int32_t pidfd)
{
	struct fanotify_event_info_pidfd info = {
		.hdr = { .info_type = FAN_EVENT_INFO_TYPE_PIDFD, .len = sizeof(info) },
		.pidfd = pidfd,
	};

	memcpy(b->bytes + b->len, &info, sizeof(info));
	b->len += sizeof(info);
}

/* ---- decoding ---- */

static void creation_with_name_and_pidfd(void **state)
{
	struct event_buf b = { .len = 0 };
	struct sensor_fan_event ev;
	size_t step;

	(void)state;
	begin_event(&b, FAN_CREATE, 4242);
	add_dir_record(&b, FAN_EVENT_INFO_TYPE_DFID_NAME, 99, "evil.pth");
	add_pidfd_record(&b, FAN_NOPIDFD);
	end_event(&b);

	assert_int_equal(sensor_fan_decode(b.bytes, b.len, &ev, &step), SENSOR_FAN_EVENT);
	assert_int_equal(step, b.len);
	assert_int_equal(ev.mask, FAN_CREATE);
	assert_int_equal(ev.pid, 4242);
	assert_true(ev.has_dir);
	assert_string_equal(ev.dir.name, "evil.pth");
	assert_int_equal(ev.dir.name_len, 8);
	assert_int_equal(ev.dir.fsid[0], 99);
	assert_int_equal(ev.dir.handle_len, sizeof(struct file_handle) + 8);
	assert_int_equal(ev.pidfd, -1);     /* the process was gone */
	assert_false(ev.pidfd_error);
	assert_int_equal(ev.fd, FAN_NOFD);
}

static void rename_has_both_names(void **state)
{
	struct event_buf b = { .len = 0 };
	struct sensor_fan_event ev;
	size_t step;

	(void)state;
	begin_event(&b, FAN_RENAME, 1);
	add_dir_record(&b, FAN_EVENT_INFO_TYPE_OLD_DFID_NAME, 1, "a.tmp");
	add_dir_record(&b, FAN_EVENT_INFO_TYPE_NEW_DFID_NAME, 1, "sitecustomize.py");
	add_pidfd_record(&b, FAN_EPIDFD);
	end_event(&b);

	assert_int_equal(sensor_fan_decode(b.bytes, b.len, &ev, &step), SENSOR_FAN_EVENT);
	assert_true(ev.has_old);
	assert_true(ev.has_new);
	assert_false(ev.has_dir);
	assert_string_equal(ev.old_dir.name, "a.tmp");
	assert_string_equal(ev.new_dir.name, "sitecustomize.py");
	assert_true(ev.pidfd_error);
}

/* With FAN_REPORT_TARGET_FID, a creation also carries the new file's own handle. */
static void creation_with_the_file_handle(void **state)
{
	struct event_buf b = { .len = 0 };
	struct sensor_fan_event ev;
	size_t step;

	(void)state;
	begin_event(&b, FAN_CREATE | FAN_DELETE, 5);
	add_dir_record(&b, FAN_EVENT_INFO_TYPE_DFID_NAME, 3, "x.pth");
	add_dir_record(&b, FAN_EVENT_INFO_TYPE_FID, 3, "");
	end_event(&b);

	assert_int_equal(sensor_fan_decode(b.bytes, b.len, &ev, &step), SENSOR_FAN_EVENT);
	assert_true(ev.has_dir);
	assert_true(ev.has_target);
	assert_string_equal(ev.dir.name, "x.pth");
	assert_string_equal(ev.target.name, "");
	assert_int_equal(ev.target.fsid[0], 3);
	assert_int_equal(ev.target.handle_len, sizeof(struct file_handle) + 8);
}

static void events_in_a_row_and_unknown_records(void **state)
{
	struct event_buf b = { .len = 0 };
	struct sensor_fan_event ev;
	size_t step, off;

	(void)state;
	begin_event(&b, FAN_CLOSE_WRITE, 10);
	add_dir_record(&b, 200, 1, "ignored");     /* a type from a later kernel */
	add_dir_record(&b, FAN_EVENT_INFO_TYPE_DFID_NAME, 1, "f");
	end_event(&b);
	begin_event(&b, FAN_Q_OVERFLOW, -1);
	end_event(&b);

	assert_int_equal(sensor_fan_decode(b.bytes, b.len, &ev, &step), SENSOR_FAN_EVENT);
	assert_string_equal(ev.dir.name, "f");
	off = step;
	assert_int_equal(sensor_fan_decode(b.bytes + off, b.len - off, &ev, &step), SENSOR_FAN_EVENT);
	assert_true(ev.mask & FAN_Q_OVERFLOW);
	assert_false(ev.has_dir);
	off += step;
	assert_int_equal(sensor_fan_decode(b.bytes + off, b.len - off, &ev, &step), SENSOR_FAN_END);
}

static void truncated_and_inconsistent(void **state)
{
	struct event_buf b = { .len = 0 };
	struct sensor_fan_event ev;
	size_t step;
	uint16_t bad_len = 200;

	(void)state;
	begin_event(&b, FAN_DELETE, 3);
	add_dir_record(&b, FAN_EVENT_INFO_TYPE_DFID_NAME, 1, "x");
	end_event(&b);

	/* Fewer bytes than the event's length: not a complete event. */
	assert_int_equal(sensor_fan_decode(b.bytes, b.len - 1, &ev, &step), SENSOR_FAN_END);
	assert_int_equal(sensor_fan_decode(b.bytes, 10, &ev, &step), SENSOR_FAN_END);

	/* A record longer than its event is malformed, and stepped over whole. */
	memcpy(b.bytes + sizeof(struct fanotify_event_metadata) + 2, &bad_len, sizeof(bad_len));
	assert_int_equal(sensor_fan_decode(b.bytes, b.len, &ev, &step), SENSOR_FAN_MALFORMED);
	assert_int_equal(step, b.len);

	/* Metadata of another version is refused. */
	b.bytes[4] = FANOTIFY_METADATA_VERSION + 1;
	assert_int_equal(sensor_fan_decode(b.bytes, b.len, &ev, &step), SENSOR_FAN_VERSION);
}

static void handle_longer_than_record(void **state)
{
	struct event_buf b = { .len = 0 };
	struct sensor_fan_event ev;
	size_t step;
	uint32_t huge = 4096;
	size_t at = sizeof(struct fanotify_event_metadata) + sizeof(struct fanotify_event_info_fid);

	(void)state;
	begin_event(&b, FAN_CREATE, 3);
	add_dir_record(&b, FAN_EVENT_INFO_TYPE_DFID_NAME, 1, "x");
	end_event(&b);
	memcpy(b.bytes + at, &huge, sizeof(huge));      /* handle_bytes */
	assert_int_equal(sensor_fan_decode(b.bytes, b.len, &ev, &step), SENSOR_FAN_MALFORMED);
}

/* ---- mountinfo ---- */

static const char mountinfo[] =
	"22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
	"23 22 0:21 / /proc rw,nosuid shared:5 - proc proc rw\n"
	"24 22 0:22 / /sys rw shared:6 - sysfs sysfs rw\n"
	"25 22 0:5 / /dev rw shared:2 - devtmpfs udev rw,size=1k\n"
	"26 22 0:30 / /tmp rw shared:9 - tmpfs tmpfs rw\n"
	"27 22 8:1 /srv/data /data rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
	"28 22 0:40 / /mnt/nfs rw - nfs4 host:/export rw\n"
	"29 22 8:2 /sub /with\\040space rw - xfs /dev/sda2 rw\n"
	"30 22 8:2 / /xfs-root rw master:3 propagate_from:1 - xfs /dev/sda2 rw\n"
	"31 24 0:50 / /sys/fs/cgroup rw - tmpfs tmpfs rw\n"
	"32 22 0:51 / /system rw - tmpfs tmpfs rw\n";

static void mounts_local_filesystems_once(void **state)
{
	struct sensor_mounts m;
	char why[128];

	(void)state;
	assert_true(sensor_mounts_parse(mountinfo, strlen(mountinfo), &m, why, sizeof(why)));
	assert_int_equal(m.count, 4);            /* ext4, tmpfs, xfs, tmpfs at /system */
	assert_int_equal(m.skipped, 5);          /* proc, sysfs, devtmpfs, nfs4, under /sys */

	assert_string_equal(m.items[0].path, "/");
	assert_string_equal(m.items[0].fstype, "ext4");
	assert_string_equal(m.items[1].path, "/tmp");
	assert_int_equal(m.items[1].major, 0);
	assert_int_equal(m.items[1].minor, 30);
	/* The xfs bind mount of /sub gives way to the mount of its root. */
	assert_string_equal(m.items[2].path, "/xfs-root");
	assert_string_equal(m.items[2].root, "/");
	assert_string_equal(m.items[3].path, "/system");
	sensor_mounts_free(&m);
}

static void mounts_unescape_and_errors(void **state)
{
	static const char one[] = "29 22 8:2 / /with\\040space\\134x rw - xfs /dev/sda2 rw";
	static const char bad[] = "22 1 8:1 / / rw shared:1 ext4 /dev/sda1 rw\n";
	struct sensor_mounts m;
	char why[128];

	(void)state;
	assert_true(sensor_mounts_parse(one, strlen(one), &m, why, sizeof(why)));
	assert_int_equal(m.count, 1);
	assert_string_equal(m.items[0].path, "/with space\\x");
	sensor_mounts_free(&m);

	assert_false(sensor_mounts_parse(bad, strlen(bad), &m, why, sizeof(why)));
	assert_string_equal(why, "line 1 is not a mountinfo line");
	sensor_mounts_free(&m);
}

/* The mount that names a filesystem's folders: one of its root, of any type. */
static void mounts_whole_filesystem(void **state)
{
	const char *text =
		"30 1 0:40 /w/sub /tmp/view rw - tmpfs none rw\n"
		"31 1 0:40 / /tmp/wt\\040x rw - tmpfs none rw\n"
		"32 1 0:41 /data /srv rw - ramfs none rw\n";
	char *found;

	(void)state;
	found = sensor_mounts_find_whole(text, strlen(text), 0, 40);
	assert_non_null(found);
	assert_string_equal(found, "/tmp/wt x");
	free(found);
	assert_null(sensor_mounts_find_whole(text, strlen(text), 0, 41));
	assert_null(sensor_mounts_find_whole(text, strlen(text), 8, 1));
}

static void fstype_classes(void **state)
{
	(void)state;
	assert_true(sensor_fstype_is_pseudo("proc"));
	assert_true(sensor_fstype_is_pseudo("cgroup2"));
	assert_false(sensor_fstype_is_pseudo("tmpfs"));
	assert_false(sensor_fstype_is_pseudo("ext4"));
	assert_true(sensor_fstype_is_remote("nfs4"));
	assert_false(sensor_fstype_is_remote("overlay"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(creation_with_name_and_pidfd),
		cmocka_unit_test(rename_has_both_names),
		cmocka_unit_test(creation_with_the_file_handle),
		cmocka_unit_test(events_in_a_row_and_unknown_records),
		cmocka_unit_test(truncated_and_inconsistent),
		cmocka_unit_test(handle_longer_than_record),
		cmocka_unit_test(mounts_local_filesystems_once),
		cmocka_unit_test(mounts_unescape_and_errors),
		cmocka_unit_test(mounts_whole_filesystem),
		cmocka_unit_test(fstype_classes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
