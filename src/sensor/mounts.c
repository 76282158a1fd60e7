/*
 * /proc/self/mountinfo reader. A line reads (proc(5)):
 *
 *   36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw
 *   (1)(2)(3)   (4)   (5)      (6)      (7)   (8) (9)   (10)   (11)
 *
 * mount id, parent id, major:minor, root, mount point, mount options,
 * optional fields ended by "-", filesystem type, source, super options.
 * Spaces, tabs, newlines and backslashes in paths are written as octal
 * escapes (\040).
 */
#include "mounts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/xalloc.h"

/*
 * Types with no files of their own, or whose files are not the host's
 * (devices, kernel state, control groups). tmpfs is kept: /tmp and /dev/shm
 * hold files that attackers write.
 */
static const char *const pseudo_types[] = {
	"autofs", "binfmt_misc", "bpf", "cgroup", "cgroup2", "configfs", "debugfs",
	"devpts", "devtmpfs", "efivarfs", "fusectl", "hugetlbfs", "mqueue", "nsfs",
	"pipefs", "proc", "pstore", "ramfs", "rpc_pipefs", "securityfs", "selinuxfs",
	"sockfs", "sysfs", "tracefs",
};

/* Served by another host: its own sensor watches it, and marks often fail. */
static const char *const remote_types[] = {
	"9p", "afs", "ceph", "cifs", "glusterfs", "lustre", "ncpfs", "nfs", "nfs4",
	"smb3", "smbfs", "sshfs", "fuse.sshfs", "fuse.glusterfs", "fuse.s3fs",
};

static bool in_list(const char *const *list, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(list[i], s) == 0)
			return true;
	}
	return false;
}

bool sensor_fstype_is_pseudo(const char *fstype)
{
	return in_list(pseudo_types, sizeof(pseudo_types) / sizeof(pseudo_types[0]), fstype);
}

bool sensor_fstype_is_remote(const char *fstype)
{
	return in_list(remote_types, sizeof(remote_types) / sizeof(remote_types[0]), fstype);
}

/*
 * Mounts under the kernel's own trees hold kernel state whatever their
 * type (a tmpfs at /sys/fs/cgroup holds only the cgroup mounts).
 */
static bool in_kernel_tree(const char *path)
{
	static const char *const roots[] = { "/proc", "/sys" };

	for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
		size_t n = strlen(roots[i]);

		if (strncmp(path, roots[i], n) == 0 && (path[n] == '\0' || path[n] == '/'))
			return true;
	}
	return false;
}

static bool is_octal(char c, char max)
{
	return c >= '0' && c <= max;
}

/* Copies a mountinfo field, turning \ooo escapes back into bytes. */
static char *unescape(const char *s, size_t len)
{
	char *out = xmalloc(len + 1);
	size_t j = 0;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\\' && i + 3 < len && is_octal(s[i + 1], '3') &&
		    is_octal(s[i + 2], '7') && is_octal(s[i + 3], '7')) {
			out[j++] = (char)((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
			i += 3;
		} else {
			out[j++] = s[i];
		}
	}
	out[j] = '\0';
	return out;
}

/* Splits a line into space-separated fields; returns how many (at most `max`). */
static size_t split_fields(const char *line, size_t len, const char **start, size_t *flen, size_t max)
{
	size_t n = 0, i = 0;

	while (i < len && n < max) {
		while (i < len && line[i] == ' ')
			i++;
		if (i == len)
			break;
		start[n] = line + i;
		while (i < len && line[i] != ' ')
			i++;
		flen[n] = (size_t)(line + i - start[n]);
		n++;
	}
	return n;
}

/* Finds the entry for a device number, or NULL. */
static struct sensor_mount *find_dev(struct sensor_mounts *m, unsigned major, unsigned minor)
{
	for (size_t i = 0; i < m->count; i++) {
		if (m->items[i].major == major && m->items[i].minor == minor)
			return &m->items[i];
	}
	return NULL;
}

static void mount_free(struct sensor_mount *mt)
{
	free(mt->root);
	free(mt->path);
	free(mt->fstype);
}

/* Keeps the first mount of a filesystem, or a later one that shows its root. */
static void keep(struct sensor_mounts *m, struct sensor_mount *mt)
{
	struct sensor_mount *old = find_dev(m, mt->major, mt->minor);

	if (old == NULL) {
		m->items = xrealloc(m->items, (m->count + 1) * sizeof(*m->items));
		m->items[m->count++] = *mt;
		return;
	}
	if (strcmp(old->root, "/") != 0 && strcmp(mt->root, "/") == 0) {
		mount_free(old);
		*old = *mt;
		return;
	}
	mount_free(mt);
}

/* Parses one line; returns false when it is not a mountinfo line. */
static bool parse_line(struct sensor_mounts *m, const char *line, size_t len)
{
	const char *f[64];
	size_t fl[64];
	size_t n = split_fields(line, len, f, fl, 64);
	size_t dash = 6;
	struct sensor_mount mt;

	while (dash < n && !(fl[dash] == 1 && f[dash][0] == '-'))
		dash++;
	if (n < 7 || dash + 1 >= n)
		return false;
	if (sscanf(f[2], "%u:%u", &mt.major, &mt.minor) != 2)
		return false;

	mt.fstype = unescape(f[dash + 1], fl[dash + 1]);
	if (sensor_fstype_is_pseudo(mt.fstype) || sensor_fstype_is_remote(mt.fstype)) {
		free(mt.fstype);
		m->skipped++;
		return true;
	}
	mt.root = unescape(f[3], fl[3]);
	mt.path = unescape(f[4], fl[4]);
	if (in_kernel_tree(mt.path)) {
		mount_free(&mt);
		m->skipped++;
		return true;
	}
	keep(m, &mt);
	return true;
}

bool sensor_mounts_parse(const char *text, size_t len, struct sensor_mounts *out,
			 char *why, size_t why_size)
{
	size_t lineno = 0;

	memset(out, 0, sizeof(*out));
	for (size_t pos = 0; pos < len;) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len;

		lineno++;
		if (lineno > SENSOR_MOUNTS_MAX) {
			snprintf(why, why_size, "more than %d mounts: the rest are not watched",
				 SENSOR_MOUNTS_MAX);
			return false;
		}
		if (end > pos && !parse_line(out, text + pos, end - pos)) {
			snprintf(why, why_size, "line %zu is not a mountinfo line", lineno);
			return false;
		}
		pos = end + 1;
	}
	return true;
}

/* The mount point of a line for major:minor with root "/", malloc'd, or NULL. */
static char *whole_mount_of(const char *line, size_t len, unsigned major, unsigned minor)
{
	const char *f[5];
	size_t fl[5];
	unsigned maj, min;

	if (split_fields(line, len, f, fl, 5) < 5 || sscanf(f[2], "%u:%u", &maj, &min) != 2)
		return NULL;
	if (maj != major || min != minor || fl[3] != 1 || f[3][0] != '/')
		return NULL;
	return unescape(f[4], fl[4]);
}

char *sensor_mounts_find_whole(const char *text, size_t len, unsigned major, unsigned minor)
{
	size_t lineno = 0;

	for (size_t pos = 0; pos < len && lineno < SENSOR_MOUNTS_MAX; lineno++) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len;
		char *found = whole_mount_of(text + pos, end - pos, major, minor);

		if (found != NULL)
			return found;
		pos = end + 1;
	}
	return NULL;
}

/* Reads /proc/self/mountinfo whole into `text`; false when it cannot be opened. */
static bool read_mountinfo(struct buf *text)
{
	FILE *f = fopen("/proc/self/mountinfo", "r");
	char chunk[8192];
	size_t n;

	if (f == NULL)
		return false;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(text, chunk, n);
	fclose(f);
	return true;
}

char *sensor_mounts_read_whole(unsigned major, unsigned minor)
{
	struct buf text = BUF_INIT;
	char *found = NULL;

	if (read_mountinfo(&text))
		found = sensor_mounts_find_whole(text.data ? text.data : "", text.len, major, minor);
	buf_free(&text);
	return found;
}

bool sensor_mounts_read(struct sensor_mounts *out, char *why, size_t why_size)
{
	struct buf text = BUF_INIT;
	bool ok;

	memset(out, 0, sizeof(*out));
	if (!read_mountinfo(&text)) {
		snprintf(why, why_size, "cannot read /proc/self/mountinfo: is /proc mounted?");
		return false;
	}
	ok = sensor_mounts_parse(text.data ? text.data : "", text.len, out, why, why_size);
	buf_free(&text);
	return ok;
}

void sensor_mounts_free(struct sensor_mounts *m)
{
	for (size_t i = 0; i < m->count; i++)
		mount_free(&m->items[i]);
	free(m->items);
	memset(m, 0, sizeof(*m));
}
