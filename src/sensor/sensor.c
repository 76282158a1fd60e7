/*
 * The sensor: marks, the read loop, and the turning of fanotify masks into
 * creation, modification, rename and deletion events.
 */
#include "sensor.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ecs.h"
#include "fanotify.h"
#include "mounts.h"
#include "paths.h"
#include "proc.h"
#include "util/buf.h"
#include "util/diag.h"
#include "util/strmap.h"
#include "util/xalloc.h"

/* Bytes read from fanotify at once: several hundred events. */
#define READ_SIZE (64 * 1024)

/* Creations waiting for their close after write, at most. */
#define PENDING_MAX 65536
/* A creation not closed after this long is forgotten (its close is then a modification). */
#define PENDING_MAX_AGE_MS (10 * 60 * 1000)
#define PENDING_SWEEP_MS (60 * 1000)

/* Overflows are reported at once, then at most once per this interval. */
#define OVERFLOW_LOG_MS 10000

/* CAP_SYS_ADMIN's bit in the capability sets (linux/capability.h). */
#define CAP_SYS_ADMIN_BIT 21

struct sensor {
	int fan_fd;
	pid_t self;
	bool unlimited_queue;
	char **paths;              /* canonical --path folders */
	size_t npaths;
	struct sensor_paths dirs;
	struct sensor_procs *procs;
	struct strmap pending;     /* fsid+handle+name -> creation time + 1, as a pointer */
	int64_t last_sweep_ms;
	int64_t now_ms;
	uint64_t batch;
	int64_t overflow_logged_ms;
	char host[HOST_NAME_MAX + 1];
	unsigned char *buf;
	struct buf json, path, old_path, key;
	struct sensor_stats stats;
	bool warned_malformed;
};

/* ---- opening ---- */

/* True when CapEff in /proc/self/status has CAP_SYS_ADMIN. */
static bool has_sys_admin(void)
{
	char line[256];
	unsigned long long caps = 0;
	bool found = false;
	FILE *f = fopen("/proc/self/status", "r");

	if (f == NULL)
		return true;    /* no /proc: let fanotify_init() decide */
	while (!found && fgets(line, sizeof(line), f) != NULL)
		found = sscanf(line, "CapEff: %llx", &caps) == 1;
	fclose(f);
	return !found || (caps >> CAP_SYS_ADMIN_BIT) & 1;
}

static void say_not_root(void)
{
	diag_error("must run as root: fanotify needs CAP_SYS_ADMIN (and CAP_DAC_READ_SEARCH and "
		   "CAP_SYS_PTRACE to name folders and read other users' processes)");
}

static bool report_fault(const struct sensor_fan_error *err, const char *what)
{
	switch (err->fault) {
	case SENSOR_FAN_OK:
		return false;
	case SENSOR_FAN_NOT_ROOT:
		say_not_root();
		return true;
	case SENSOR_FAN_NO_FEATURE:
		diag_error("this kernel lacks %s, which the sensor needs (Linux %s and later have it)",
			   err->feature, err->since);
		return true;
	case SENSOR_FAN_SYSTEM:
		if (err->err == EMFILE)
			diag_error("%s: too many fanotify groups (/proc/sys/fs/fanotify/max_user_groups)", what);
		else
			diag_error("%s: %s", what, strerror(err->err));
		return true;
	}
	return true;
}

/*
 * Marks the filesystem holding `path`. A per-filesystem failure is a
 * warning; a missing feature or privilege is fatal (*fatal set).
 */
static bool mark(struct sensor *s, const char *path, const char *fstype, bool *fatal)
{
	struct sensor_fan_error err;

	if (sensor_fan_mark(s->fan_fd, path, &err)) {
		if (!sensor_paths_add_fs(&s->dirs, path)) {
			diag_warn("cannot open %s to name the folders of its events (%s); they are "
				  "reported without their folder", path, strerror(errno));
		}
		s->stats.filesystems++;
		return true;
	}
	if (err.fault == SENSOR_FAN_NOT_ROOT || err.fault == SENSOR_FAN_NO_FEATURE) {
		*fatal = report_fault(&err, path);
		return false;
	}
	diag_warn("cannot watch the %s%sfilesystem at %s: %s; the other filesystems are still watched",
		  fstype ? fstype : "", fstype ? " " : "", path, sensor_fan_mark_reason(err.err));
	return false;
}

static bool mark_all_mounts(struct sensor *s, bool *fatal)
{
	struct sensor_mounts mounts;
	char why[256];

	if (!sensor_mounts_read(&mounts, why, sizeof(why))) {
		diag_warn("/proc/self/mountinfo: %s", why);
		if (mounts.count == 0) {
			sensor_mounts_free(&mounts);
			return false;
		}
	}
	for (size_t i = 0; i < mounts.count && !*fatal; i++)
		mark(s, mounts.items[i].path, mounts.items[i].fstype, fatal);
	sensor_mounts_free(&mounts);
	return !*fatal;
}

static bool mark_paths(struct sensor *s, const struct sensor_options *opts, bool *fatal)
{
	s->paths = xcalloc(opts->npaths, sizeof(*s->paths));
	for (size_t i = 0; i < opts->npaths && !*fatal; i++) {
		char *real = realpath(opts->paths[i], NULL);
		struct stat st;

		if (real == NULL) {
			diag_error("invalid value '%s' for --path: %s", opts->paths[i], strerror(errno));
			return false;
		}
		if (stat(real, &st) != 0 || !S_ISDIR(st.st_mode)) {
			diag_error("invalid value '%s' for --path: not a folder; give the folder whose "
				   "events to report", opts->paths[i]);
			free(real);
			return false;
		}
		s->paths[s->npaths++] = real;
		mark(s, real, NULL, fatal);
	}
	return !*fatal;
}

static void init_host(struct sensor *s)
{
	if (gethostname(s->host, sizeof(s->host)) != 0 || s->host[0] == '\0')
		snprintf(s->host, sizeof(s->host), "localhost");
	s->host[sizeof(s->host) - 1] = '\0';
}

static struct sensor *sensor_alloc(void)
{
	struct sensor *s = xcalloc(1, sizeof(*s));

	s->fan_fd = -1;
	s->self = getpid();
	sensor_paths_init(&s->dirs);
	strmap_init(&s->pending);
	s->buf = xmalloc(READ_SIZE);
	init_host(s);
	return s;
}

struct sensor *sensor_open(const struct sensor_options *opts)
{
	struct sensor_fan_error err;
	struct sensor *s;
	bool fatal = false;
	bool ok;

	if (!has_sys_admin()) {
		say_not_root();
		return NULL;
	}
	s = sensor_alloc();
	s->unlimited_queue = opts->unlimited_queue;
	s->dirs.unnamed_fate = opts->npaths > 0
		? "with --path such events cannot be placed, so they are not reported; the stats "
		  "count them as \"events whose folder could not be named\""
		: "events there are reported without their folder";
	s->fan_fd = sensor_fan_open(opts->unlimited_queue, &err);
	if (s->fan_fd < 0) {
		report_fault(&err, "cannot start fanotify");
		sensor_close(s);
		return NULL;
	}

	ok = opts->npaths > 0 ? mark_paths(s, opts, &fatal) : mark_all_mounts(s, &fatal);
	if (ok && s->stats.filesystems == 0)
		diag_error("no filesystem could be watched (see the warnings above)");
	if (!ok || s->stats.filesystems == 0) {
		sensor_close(s);
		return NULL;
	}
	s->procs = sensor_procs_new();
	return s;
}

int sensor_fd(const struct sensor *s)
{
	return s->fan_fd;
}

/* ---- filtering ---- */

static bool under(const char *path, size_t len, const char *root)
{
	size_t n = strlen(root);

	if (n == 1 && root[0] == '/')
		return true;
	return len >= n && memcmp(path, root, n) == 0 && (len == n || path[n] == '/');
}

/*
 * An event whose folder is gone and was never seen is kept, because nothing
 * shows it is outside. One whose folder could not be opened at all (no
 * privilege) is not: with --path, that would report the whole filesystem.
 */
static bool wanted(const struct sensor *s, const struct sensor_name *n, struct buf *scratch)
{
	if (s->npaths == 0)
		return true;
	if (n->dir_state == SENSOR_PATH_UNNAMED)
		return false;
	if (n->dir == NULL)
		return true;
	buf_clear(scratch);
	sensor_name_path(scratch, n);
	for (size_t i = 0; i < s->npaths; i++) {
		if (under(scratch->data, scratch->len, s->paths[i]))
			return true;
	}
	return false;
}

/* Counts an event that was not reported: outside --path, or not placeable. */
static void count_dropped(struct sensor *s, const struct sensor_name *a, const struct sensor_name *b)
{
	if (a->dir_state == SENSOR_PATH_UNNAMED || (b != NULL && b->dir_state == SENSOR_PATH_UNNAMED))
		s->stats.unnamed++;
	else
		s->stats.outside++;
}

/* ---- creations waiting for their close ---- */

static void make_key(struct buf *key, const struct sensor_fan_dir *dir)
{
	buf_clear(key);
	buf_append(key, dir->fsid, sizeof(dir->fsid));
	buf_append(key, dir->handle, dir->handle_len);
	buf_append(key, dir->name, dir->name_len);
}

/*
 * Remembers a created file until its first close after write. Links and
 * device nodes are never opened for writing; they stay until the sweep.
 */
static void pending_add(struct sensor *s, const struct buf *key)
{
	void **slot;

	if (s->pending.count >= PENDING_MAX) {
		s->stats.pending_full++;
		return;
	}
	slot = strmap_upsert(&s->pending, key->data, key->len);
	*slot = (void *)(uintptr_t)(s->now_ms + 1);
}

static bool pending_take(struct sensor *s, const struct buf *key)
{
	return strmap_remove(&s->pending, key->data, key->len) != NULL;
}

struct sweep {
	int64_t before;
	struct buf keys;           /* length-prefixed keys to remove */
};

static void collect_old(const char *key, size_t len, void *value, void *arg)
{
	struct sweep *sw = arg;

	if ((int64_t)(uintptr_t)value - 1 < sw->before) {
		buf_append(&sw->keys, &len, sizeof(len));
		buf_append(&sw->keys, key, len);
	}
}

/* Forgets creations never closed after write (links, files held open for long). */
static void pending_sweep(struct sensor *s)
{
	struct sweep sw = { s->now_ms - PENDING_MAX_AGE_MS, BUF_INIT };
	size_t len;

	s->last_sweep_ms = s->now_ms;
	strmap_each(&s->pending, collect_old, &sw);
	for (size_t off = 0; off < sw.keys.len; off += sizeof(len) + len) {
		memcpy(&len, sw.keys.data + off, sizeof(len));
		strmap_remove(&s->pending, sw.keys.data + off + sizeof(len), len);
	}
	buf_free(&sw.keys);
}

/* ---- events ---- */

struct emitter {
	sensor_emit_fn fn;
	void *arg;
};

static void emit(struct sensor *s, const struct emitter *out, enum sensor_action action,
		 const struct sensor_name *file, const struct sensor_name *original,
		 const struct sensor_process *proc)
{
	struct sensor_file_event ev = {
		.timestamp_ms = s->now_ms,
		.action = action,
		.file = *file,
		.process = proc,
		.host_name = s->host,
	};

	if (original != NULL)
		ev.original = *original;
	if (file->dir_state == SENSOR_PATH_UNKNOWN || file->dir_state == SENSOR_PATH_UNNAMED)
		s->stats.unknown_folders++;
	buf_clear(&s->json);
	sensor_ecs_write(&s->json, &ev);
	s->stats.events++;
	out->fn(out->arg, s->json.data, s->json.len, s->now_ms);
}

static void set_name(struct sensor_name *n, enum sensor_path_state state, const struct buf *dir,
		     const struct sensor_fan_dir *rec)
{
	bool none = state == SENSOR_PATH_UNKNOWN || state == SENSOR_PATH_UNNAMED;

	n->dir_state = state;
	n->dir = none ? NULL : dir->data;
	n->dir_len = none ? 0 : dir->len;
	n->name = rec->name;
	n->name_len = rec->name_len;
}

/*
 * The kernel merges queued events of one file by one process, so a mask
 * may hold several. Creation and deletion together are put in order by
 * whether the file exists now. Returns the number of actions.
 */
static size_t plan_actions(struct sensor *s, const struct sensor_fan_event *ev, int dirfd,
			   enum sensor_action out[2])
{
	bool created = ev->mask & FAN_CREATE, deleted = ev->mask & FAN_DELETE;
	bool closed = ev->mask & FAN_CLOSE_WRITE;
	struct stat st;
	size_t n = 0;

	make_key(&s->key, &ev->dir);
	if (created && deleted) {
		bool exists = dirfd >= 0 && fstatat(dirfd, ev->dir.name, &st, AT_SYMLINK_NOFOLLOW) == 0;

		pending_take(s, &s->key);
		out[n++] = exists ? SENSOR_DELETION : SENSOR_CREATION;
		out[n++] = exists ? SENSOR_CREATION : SENSOR_DELETION;
		return n;
	}
	if (created) {
		out[n++] = SENSOR_CREATION;
		if (!closed)
			pending_add(s, &s->key);
	} else if (closed && !pending_take(s, &s->key)) {
		out[n++] = SENSOR_MODIFICATION;
	}
	if (deleted) {
		pending_take(s, &s->key);
		out[n++] = SENSOR_DELETION;
	}
	return n;
}

static void handle_dirent(struct sensor *s, const struct sensor_fan_event *ev,
			  const struct emitter *out)
{
	bool both = (ev->mask & FAN_CREATE) && (ev->mask & FAN_DELETE);
	enum sensor_action actions[2];
	struct sensor_name name;
	const struct sensor_process *proc;
	int dirfd = -1;
	size_t n;

	/* A folder descriptor is needed only to order a merged creation and deletion. */
	set_name(&name, sensor_paths_resolve(&s->dirs, &ev->dir, &s->path, both ? &dirfd : NULL),
		 &s->path, &ev->dir);
	if (!wanted(s, &name, &s->old_path)) {
		count_dropped(s, &name, NULL);
		if (dirfd >= 0)
			close(dirfd);
		return;
	}

	n = plan_actions(s, ev, dirfd, actions);
	if (dirfd >= 0)
		close(dirfd);
	if (n == 0)
		return;
	proc = sensor_procs_lookup(s->procs, ev->pid, ev->pidfd, s->batch);
	for (size_t i = 0; i < n; i++)
		emit(s, out, actions[i], &name, NULL, proc);
}

/* FAN_RENAME: reported when either name is under a watched path. */
static void handle_rename(struct sensor *s, const struct sensor_fan_event *ev,
			  const struct emitter *out)
{
	struct sensor_name from, to;
	struct buf scratch = BUF_INIT;
	bool keep;

	set_name(&from, sensor_paths_resolve(&s->dirs, &ev->old_dir, &s->old_path, NULL),
		 &s->old_path, &ev->old_dir);
	set_name(&to, sensor_paths_resolve(&s->dirs, &ev->new_dir, &s->path, NULL),
		 &s->path, &ev->new_dir);
	keep = wanted(s, &to, &scratch) || wanted(s, &from, &scratch);
	buf_free(&scratch);
	if (!keep) {
		count_dropped(s, &to, &from);
		return;
	}

	make_key(&s->key, &ev->old_dir);
	if (pending_take(s, &s->key)) {
		make_key(&s->key, &ev->new_dir);
		pending_add(s, &s->key);
	}
	emit(s, out, SENSOR_RENAME, &to, &from, sensor_procs_lookup(s->procs, ev->pid, ev->pidfd, s->batch));
}

static void overflowed(struct sensor *s)
{
	s->stats.overflows++;
	if (s->stats.overflows > 1 && s->now_ms - s->overflow_logged_ms < OVERFLOW_LOG_MS)
		return;
	s->overflow_logged_ms = s->now_ms;
	diag_warn("the fanotify queue overflowed and the kernel dropped events (%" PRIu64
		  " overflows so far)%s", s->stats.overflows,
		  s->unlimited_queue ? "" : "; run with --unlimited-queue, or raise "
		  "/proc/sys/fs/fanotify/max_queued_events");
}

static void handle(struct sensor *s, const struct sensor_fan_event *ev, const struct emitter *out)
{
	if (ev->mask & FAN_Q_OVERFLOW) {
		overflowed(s);
		return;
	}
	/* The sensor's own writes (its output files) would feed back into it. */
	if (ev->pid == s->self) {
		s->stats.own++;
		return;
	}
	if (ev->mask & FAN_ONDIR)
		return;
	if ((ev->mask & FAN_RENAME) && ev->has_old && ev->has_new)
		handle_rename(s, ev, out);
	else if (ev->has_dir)
		handle_dirent(s, ev, out);
	else
		s->stats.malformed++;
}

/* ---- reading ---- */

static void take_time(struct sensor *s)
{
	struct timespec ts;
	int64_t now;

	clock_gettime(CLOCK_REALTIME, &ts);
	now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	if (now > s->now_ms)
		s->now_ms = now;
}

int64_t sensor_now_ms(struct sensor *s)
{
	take_time(s);
	return s->now_ms;
}

static void malformed(struct sensor *s)
{
	s->stats.malformed++;
	if (s->warned_malformed)
		return;
	s->warned_malformed = true;
	diag_warn("a fanotify event record could not be decoded and was skipped "
		  "(further ones are counted in the stats)");
}

/* Walks the events of one read; false on a metadata version this build cannot read. */
static bool walk(struct sensor *s, size_t len, const struct emitter *out)
{
	struct sensor_fan_event ev;
	size_t step;

	for (size_t off = 0; off < len; off += step) {
		enum sensor_fan_status st = sensor_fan_decode(s->buf + off, len - off, &ev, &step);

		if (st == SENSOR_FAN_VERSION) {
			diag_error("the kernel reports fanotify metadata version %u; this build reads "
				   "version %u", (unsigned)s->buf[off + 4], (unsigned)FANOTIFY_METADATA_VERSION);
			return false;
		}
		if (st == SENSOR_FAN_END) {
			malformed(s);
			break;
		}
		if (st == SENSOR_FAN_MALFORMED)
			malformed(s);
		else
			handle(s, &ev, out);
		sensor_fan_event_close(&ev);
	}
	return true;
}

int sensor_read(struct sensor *s, sensor_emit_fn fn, void *arg)
{
	struct emitter out = { fn, arg };
	ssize_t n;

	do
		n = read(s->fan_fd, s->buf, READ_SIZE);
	while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 0;
	if (n < 0) {
		diag_error("reading fanotify events failed: %s", strerror(errno));
		return -1;
	}
	if (n == 0)
		return 0;

	s->batch++;
	s->stats.reads++;
	sensor_paths_next_batch(&s->dirs);
	take_time(s);
	if (!walk(s, (size_t)n, &out))
		return -1;
	s->stats.unresolved_processes = sensor_procs_stats(s->procs)->unresolved;
	if (s->now_ms - s->last_sweep_ms >= PENDING_SWEEP_MS)
		pending_sweep(s);
	return 1;
}

const struct sensor_stats *sensor_stats(const struct sensor *s)
{
	return &s->stats;
}

void sensor_close(struct sensor *s)
{
	if (s == NULL)
		return;
	if (s->fan_fd >= 0)
		close(s->fan_fd);
	for (size_t i = 0; i < s->npaths; i++)
		free(s->paths[i]);
	free(s->paths);
	sensor_paths_free(&s->dirs);
	sensor_procs_free(s->procs);
	strmap_free(&s->pending);
	free(s->buf);
	buf_free(&s->json);
	buf_free(&s->path);
	buf_free(&s->old_path);
	buf_free(&s->key);
	free(s);
}
