/*
 * The sensor: marks, the read loop, and the turning of fanotify masks into
 * creation, modification, rename and deletion events.
 */
#include "sensor.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
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

/*
 * A renamed folder is searched this many levels down (a virtual
 * environment's site-packages is 3 below it), reading at most this many
 * entries, for the files Python runs at start-up that it moved.
 */
#define MOVED_DEPTH_MAX 6
#define MOVED_ENTRIES_MAX 20000

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
	struct strmap pending;     /* file key (make_key) -> malloc'd struct pending */
	dev_t *devs;               /* the filesystems marked, by device number */
	size_t ndevs;
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

/* Counts a filesystem once, however many --path folders are on it. */
static void count_fs(struct sensor *s, const char *path)
{
	struct stat st;

	if (stat(path, &st) == 0) {
		for (size_t i = 0; i < s->ndevs; i++) {
			if (s->devs[i] == st.st_dev)
				return;
		}
		s->devs = xrealloc(s->devs, (s->ndevs + 1) * sizeof(*s->devs));
		s->devs[s->ndevs++] = st.st_dev;
	}
	s->stats.filesystems++;
}

/*
 * Marks the filesystem holding `path`; its folders are named through
 * `naming`, a mount of it (`partial`: of a subtree only). A per-filesystem
 * failure is a warning; a missing feature or privilege is fatal (*fatal set).
 */
static bool mark(struct sensor *s, const char *path, const char *fstype, const char *naming,
		 bool partial, bool *fatal)
{
	struct sensor_fan_error err;

	if (sensor_fan_mark(s->fan_fd, path, &err)) {
		if (!sensor_paths_add_fs(&s->dirs, naming, partial)) {
			diag_warn("cannot open %s to name the folders of its events (%s); they are "
				  "reported without their folder", naming, strerror(errno));
		}
		count_fs(s, path);
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
	for (size_t i = 0; i < mounts.count && !*fatal; i++) {
		const struct sensor_mount *mt = &mounts.items[i];

		mark(s, mt->path, mt->fstype, mt->path, strcmp(mt->root, "/") != 0, fatal);
	}
	sensor_mounts_free(&mounts);
	return !*fatal;
}

/*
 * Marks the filesystem of a --path folder. Its folders are named through
 * a mount of the whole filesystem when there is one: through a bind mount
 * of a subfolder, the folders outside it have no name. The --path is then
 * kept as the sensor names it, so that it compares with the event paths.
 */
static void mark_path(struct sensor *s, char **path, bool *fatal)
{
	struct stat st, at;
	char *whole = stat(*path, &st) == 0 ? sensor_mounts_read_whole(major(st.st_dev), minor(st.st_dev))
					    : NULL;
	struct buf named = BUF_INIT;

	/* A mount hidden under a later one opens that one instead: it cannot name anything. */
	if (whole != NULL && (stat(whole, &at) != 0 || at.st_dev != st.st_dev)) {
		free(whole);
		whole = NULL;
	}

	if (mark(s, *path, NULL, whole != NULL ? whole : *path, whole == NULL, fatal) &&
	    sensor_paths_name_folder(&s->dirs, *path, &named) && strcmp(named.data, *path) != 0) {
		free(*path);
		*path = buf_detach(&named);
	}
	free(whole);
	buf_free(&named);
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
		s->paths[s->npaths] = real;
		mark_path(s, &s->paths[s->npaths++], fatal);
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

/* A creation waiting for the close that ends its first write. */
struct pending {
	int32_t pid;               /* the creator: only its own close belongs to the creation */
	int64_t since_ms;
};

/*
 * The key of a file: its own handle when the kernel gave one (the inode,
 * which another link or a rename keeps), else its folder and name.
 */
static void make_key(struct buf *key, const struct sensor_fan_event *ev,
		     const struct sensor_fan_dir *dir)
{
	const struct sensor_fan_dir *id = ev->has_target ? &ev->target : dir;

	buf_clear(key);
	buf_append(key, id->fsid, sizeof(id->fsid));
	buf_append(key, id->handle, id->handle_len);
	if (!ev->has_target)
		buf_append(key, dir->name, dir->name_len);
}

static void pending_add(struct sensor *s, const struct buf *key, int32_t pid)
{
	struct pending *p;
	void **slot;

	if (s->pending.count >= PENDING_MAX) {
		s->stats.pending_full++;
		return;
	}
	slot = strmap_upsert(&s->pending, key->data, key->len);
	if (*slot == NULL)
		*slot = xmalloc(sizeof(struct pending));
	p = *slot;
	p->pid = pid;
	p->since_ms = s->now_ms;
}

static void pending_drop(struct sensor *s, const struct buf *key)
{
	free(strmap_remove(&s->pending, key->data, key->len));
}

/*
 * True when a close after write by `pid` ends the creation it made: that
 * write was reported with the creation. A close by any other process is a
 * modification of its own, and the creation keeps waiting for its creator.
 */
static bool pending_close(struct sensor *s, const struct buf *key, int32_t pid)
{
	/*
	 * NOTE: the creator is known by its pid only, so a new process that
	 * reuses it within PENDING_MAX_AGE_MS has its first close of that file
	 * taken for the creator's.
	 */
	const struct pending *p = strmap_get(&s->pending, key->data, key->len);

	if (p == NULL || p->pid != pid)
		return false;
	pending_drop(s, key);
	return true;
}

struct sweep {
	int64_t before;
	struct buf keys;           /* length-prefixed keys to remove */
};

static void collect_old(const char *key, size_t len, void *value, void *arg)
{
	struct sweep *sw = arg;
	const struct pending *p = value;

	if (p->since_ms < sw->before) {
		buf_append(&sw->keys, &len, sizeof(len));
		buf_append(&sw->keys, key, len);
	}
}

/* Forgets creations never closed after write by their creator. */
static void pending_sweep(struct sensor *s)
{
	struct sweep sw = { s->now_ms - PENDING_MAX_AGE_MS, BUF_INIT };
	size_t len;

	s->last_sweep_ms = s->now_ms;
	strmap_each(&s->pending, collect_old, &sw);
	for (size_t off = 0; off < sw.keys.len; off += sizeof(len) + len) {
		memcpy(&len, sw.keys.data + off, sizeof(len));
		free(strmap_remove(&s->pending, sw.keys.data + off + sizeof(len), len));
	}
	buf_free(&sw.keys);
}

static void free_pending(const char *key, size_t len, void *value, void *arg)
{
	(void)key;
	(void)len;
	(void)arg;
	free(value);
}

/* ---- events ---- */

struct emitter {
	sensor_emit_fn fn;
	void *arg;
};

static void emit(struct sensor *s, const struct emitter *out, struct sensor_file_event *ev)
{
	ev->timestamp_ms = s->now_ms;
	ev->host_name = s->host;
	if (ev->file.dir_state == SENSOR_PATH_UNKNOWN || ev->file.dir_state == SENSOR_PATH_UNNAMED)
		s->stats.unknown_folders++;
	buf_clear(&s->json);
	sensor_ecs_write(&s->json, ev);
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
 * The file as it is now, read through its own handle, so that a name
 * taken by another file since does not matter. False when it is gone or
 * the kernel gave no handle.
 */
static bool stat_target(struct sensor *s, const struct sensor_fan_event *ev, struct stat *st)
{
	int fd;
	bool ok;

	if (!ev->has_target)
		return false;
	fd = sensor_paths_open_handle(&s->dirs, &ev->target);
	if (fd < 0)
		return false;
	ok = fstat(fd, st) == 0;
	close(fd);
	return ok;
}

/*
 * A creation and a deletion merged into one event are of one file, since
 * the kernel merges events of the same process and file handle. They were
 * a deletion and then a creation only when that same file has the name
 * now. A file that another process created since under the name does not
 * count.
 */
static bool deleted_first(const struct sensor_fan_event *ev, int dirfd, const struct stat *target)
{
	struct stat now;

	if (dirfd < 0 || fstatat(dirfd, ev->dir.name, &now, AT_SYMLINK_NOFOLLOW) != 0)
		return false;
	if (!ev->has_target)
		return true;
	return target != NULL && now.st_dev == target->st_dev && now.st_ino == target->st_ino;
}

/*
 * A creation waits for its creator's close only when it made a new regular
 * file: a hard link (more than one name), a symbolic link or a device node
 * is never closed after write by the call that made it. Unknown (gone
 * already): it waits, as an open(O_CREAT) would.
 */
static bool waits_for_close(const struct stat *st)
{
	return st == NULL || (S_ISREG(st->st_mode) && st->st_nlink == 1);
}

/*
 * The kernel merges queued events of one file by one process, so a mask
 * may hold several. Returns the number of actions.
 */
static size_t plan_actions(struct sensor *s, const struct sensor_fan_event *ev, int dirfd,
			   const struct stat *target, enum sensor_action out[2])
{
	bool created = ev->mask & FAN_CREATE, deleted = ev->mask & FAN_DELETE;
	bool closed = ev->mask & FAN_CLOSE_WRITE;
	size_t n = 0;

	make_key(&s->key, ev, &ev->dir);
	if (created && deleted) {
		bool first = deleted_first(ev, dirfd, target);

		pending_drop(s, &s->key);
		out[n++] = first ? SENSOR_DELETION : SENSOR_CREATION;
		out[n++] = first ? SENSOR_CREATION : SENSOR_DELETION;
		return n;
	}
	if (created) {
		out[n++] = SENSOR_CREATION;
		/* A link that its creator then wrote before the read: two edits merged. */
		if (closed && !waits_for_close(target))
			out[n++] = SENSOR_MODIFICATION;
		else if (!closed && waits_for_close(target))
			pending_add(s, &s->key, ev->pid);
	} else if (closed && !pending_close(s, &s->key, ev->pid)) {
		out[n++] = SENSOR_MODIFICATION;
	}
	if (deleted) {
		pending_drop(s, &s->key);
		out[n++] = SENSOR_DELETION;
	}
	return n;
}

static const struct sensor_process *writer(struct sensor *s, const struct sensor_fan_event *ev)
{
	return sensor_procs_lookup(s->procs, ev->pid, ev->pidfd, ev->pidfd_error, s->batch);
}

static void handle_dirent(struct sensor *s, const struct sensor_fan_event *ev,
			  const struct emitter *out)
{
	bool both = (ev->mask & FAN_CREATE) && (ev->mask & FAN_DELETE);
	struct sensor_file_event fe = { .links = 0 };
	enum sensor_action actions[2];
	struct stat st;
	bool known;
	int dirfd = -1;
	size_t n;

	/* A folder descriptor is needed only to order a merged creation and deletion. */
	set_name(&fe.file, sensor_paths_resolve(&s->dirs, &ev->dir, &s->path, both ? &dirfd : NULL),
		 &s->path, &ev->dir);
	if (!wanted(s, &fe.file, &s->old_path)) {
		count_dropped(s, &fe.file, NULL);
		if (dirfd >= 0)
			close(dirfd);
		return;
	}

	known = (ev->mask & (FAN_CREATE | FAN_CLOSE_WRITE)) && stat_target(s, ev, &st);
	n = plan_actions(s, ev, dirfd, known ? &st : NULL, actions);
	if (dirfd >= 0)
		close(dirfd);
	fe.process = n > 0 ? writer(s, ev) : NULL;
	for (size_t i = 0; i < n; i++) {
		fe.action = actions[i];
		fe.links = known && actions[i] != SENSOR_DELETION ? (uint32_t)st.st_nlink : 0;
		emit(s, out, &fe);
	}
}

/* ---- folders moved with their files ---- */

/* The files Python runs at start-up, after the site module's documentation. */
static bool startup_file(const char *name)
{
	static const char *const names[] = {
		"sitecustomize.py", "usercustomize.py", "site.py", "sitecustomize.pyc", "usercustomize.pyc",
	};
	size_t len = strlen(name);

	if (len > 4 && strcmp(name + len - 4, ".pth") == 0)
		return true;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(name, names[i]) == 0)
			return true;
	}
	return false;
}

/* One search of a renamed folder. */
struct moved {
	const struct emitter *out;
	const struct sensor_process *proc;
	enum sensor_path_state from_state;
	struct buf to, from;       /* the folder being read, new and old paths */
	struct buf scratch;        /* for wanted() */
	size_t entries;            /* read so far, capped at MOVED_ENTRIES_MAX */
	bool cut;
};

/* Reports one start-up file that the rename moved, as a rename of its own. */
static void moved_file(struct sensor *s, struct moved *m, const char *name)
{
	struct sensor_file_event fe = { .action = SENSOR_RENAME, .synthesized = true, .process = m->proc };
	struct sensor_name *f = &fe.file, *o = &fe.original;

	f->dir = m->to.data;
	f->dir_len = m->to.len;
	f->dir_state = SENSOR_PATH_LIVE;
	f->name = o->name = name;
	f->name_len = o->name_len = strlen(name);
	o->dir_state = m->from_state;
	if (m->from_state == SENSOR_PATH_LIVE || m->from_state == SENSOR_PATH_LAST_KNOWN) {
		o->dir = m->from.data;
		o->dir_len = m->from.len;
	}
	if (!wanted(s, f, &m->scratch))
		return;
	s->stats.synthesized++;
	emit(s, m->out, &fe);
}

static bool entry_is(int dfd, const struct dirent *d, mode_t type)
{
	struct stat st;

	if (d->d_type != DT_UNKNOWN)
		return (mode_t)DTTOIF(d->d_type) == type;
	return fstatat(dfd, d->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && (st.st_mode & S_IFMT) == type;
}

static void walk_moved(struct sensor *s, struct moved *m, int dfd, int depth);

/* Enters a subfolder: its name is added to both paths and taken off after. */
static void enter_moved(struct sensor *s, struct moved *m, int dfd, const char *name, int depth)
{
	size_t to_len = m->to.len, from_len = m->from.len;
	int sub = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (sub < 0)
		return;
	buf_printf(&m->to, "/%s", name);
	buf_printf(&m->from, "/%s", name);
	walk_moved(s, m, sub, depth + 1);
	m->to.len = to_len;
	m->to.data[to_len] = '\0';
	m->from.len = from_len;
	m->from.data[from_len] = '\0';
}

/* Reads the folder open at `dfd` (closed here), then its subfolders down to MOVED_DEPTH_MAX. */
static void walk_moved(struct sensor *s, struct moved *m, int dfd, int depth)
{
	DIR *d = fdopendir(dfd);
	struct dirent *e;

	if (d == NULL) {
		close(dfd);
		return;
	}
	while ((e = readdir(d)) != NULL && !m->cut) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		m->cut = ++m->entries > MOVED_ENTRIES_MAX;
		if (m->cut)
			break;
		if (startup_file(e->d_name) && entry_is(dirfd(d), e, S_IFREG))
			moved_file(s, m, e->d_name);
		else if (entry_is(dirfd(d), e, S_IFDIR) && depth < MOVED_DEPTH_MAX)
			enter_moved(s, m, dirfd(d), e->d_name, depth);
	}
	closedir(d);
}

/*
 * After a folder's rename, the files Python runs at start-up that it
 * moved are reported too, each as a rename marked as synthesized: the
 * kernel reports only the folder. The folder is read as it is when the
 * event is read.
 */
static void list_moved(struct sensor *s, const struct emitter *out, const struct sensor_name *to,
		       const struct sensor_name *from, const struct sensor_process *proc)
{
	struct moved m = { .out = out, .proc = proc, .from_state = from->dir_state };
	int fd;

	if (to->dir == NULL)
		return;
	sensor_name_path(&m.to, to);
	sensor_name_path(&m.from, from);
	fd = open(m.to.data, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0)
		walk_moved(s, &m, fd, 1);
	if (m.cut)
		s->stats.moved_cut++;
	buf_free(&m.to);
	buf_free(&m.from);
	buf_free(&m.scratch);
}

/* A folder is kept when a --path is inside it, too: its rename moves that --path. */
static bool holds_a_path(const struct sensor *s, const struct sensor_name *n, struct buf *scratch)
{
	if (n->dir == NULL)
		return false;
	buf_clear(scratch);
	sensor_name_path(scratch, n);
	for (size_t i = 0; i < s->npaths; i++) {
		if (under(s->paths[i], strlen(s->paths[i]), scratch->data))
			return true;
	}
	return false;
}

/* The fallback without file handles: a waiting creation follows its file's new name. */
static void move_pending(struct sensor *s, const struct sensor_fan_event *ev)
{
	struct pending *p;

	make_key(&s->key, ev, &ev->old_dir);
	p = strmap_remove(&s->pending, s->key.data, s->key.len);
	if (p == NULL)
		return;
	make_key(&s->key, ev, &ev->new_dir);
	pending_add(s, &s->key, p->pid);
	free(p);
}

/* FAN_RENAME: reported when either name is under a watched path. */
static void handle_rename(struct sensor *s, const struct sensor_fan_event *ev,
			  const struct emitter *out)
{
	struct sensor_file_event fe = { .action = SENSOR_RENAME, .is_dir = ev->mask & FAN_ONDIR };
	struct buf scratch = BUF_INIT;
	bool keep;

	set_name(&fe.original, sensor_paths_resolve(&s->dirs, &ev->old_dir, &s->old_path, NULL),
		 &s->old_path, &ev->old_dir);
	set_name(&fe.file, sensor_paths_resolve(&s->dirs, &ev->new_dir, &s->path, NULL),
		 &s->path, &ev->new_dir);
	keep = wanted(s, &fe.file, &scratch) || wanted(s, &fe.original, &scratch);
	if (!keep && fe.is_dir)
		keep = holds_a_path(s, &fe.file, &scratch) || holds_a_path(s, &fe.original, &scratch);
	buf_free(&scratch);
	if (!keep) {
		count_dropped(s, &fe.file, &fe.original);
		return;
	}

	if (!ev->has_target)
		move_pending(s, ev);
	fe.process = writer(s, ev);
	emit(s, out, &fe);
	if (fe.is_dir)
		list_moved(s, out, &fe.file, &fe.original, fe.process);
}

static void overflowed(struct sensor *s, const struct emitter *out)
{
	s->stats.overflows++;
	buf_clear(&s->json);
	sensor_ecs_write_overflow(&s->json, s->now_ms, s->host, s->stats.overflows);
	out->fn(out->arg, s->json.data, s->json.len, s->now_ms);
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
		overflowed(s, out);
		return;
	}
	/* The sensor's own writes (its output files) would feed back into it. */
	if (ev->pid == s->self) {
		s->stats.own++;
		return;
	}
	/* Of folders, only renames are reported: creating or removing one changes no file. */
	if ((ev->mask & FAN_ONDIR) && !(ev->mask & FAN_RENAME))
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

static void copy_process_stats(struct sensor *s)
{
	const struct sensor_procs_stats *ps = sensor_procs_stats(s->procs);

	s->stats.unresolved_processes = ps->unresolved;
	s->stats.process_lookups = ps->lookups;
	s->stats.process_cache_hits = ps->cache_hits;
	s->stats.process_revalidated = ps->revalidated;
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
	copy_process_stats(s);
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
	strmap_each(&s->pending, free_pending, NULL);
	strmap_free(&s->pending);
	free(s->devs);
	free(s->buf);
	buf_free(&s->json);
	buf_free(&s->path);
	buf_free(&s->old_path);
	buf_free(&s->key);
	free(s);
}
