/*
 * /proc readers and the process cache. Field positions of /proc/PID/stat
 * and /proc/PID/status are those of proc(5).
 */
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/xalloc.h"

/* User names cached at most; past it, names are looked up each time. */
#define USER_CACHE_MAX 256

struct cache_entry {
	bool used;
	uint64_t start_ticks;
	uint64_t verified_batch; /* the batch in which the process was last seen alive */
	uint64_t cmdline_hash;   /* of the raw /proc/PID/cmdline read with `proc` */
	struct sensor_process proc;
};

struct user_entry {
	int64_t uid;
	char *name;             /* NULL: the id has no name */
};

struct sensor_procs {
	struct cache_entry *cache;
	char *cmdline;          /* SENSOR_PROC_CMDLINE_MAX bytes, reused by every read */
	struct sensor_process scratch;  /* the unresolved record handed out */
	struct user_entry users[USER_CACHE_MAX];
	size_t nusers;
	int64_t boot_ms;        /* boot time, epoch milliseconds; -1 unknown */
	long ticks_per_second;
	struct sensor_procs_stats stats;
};

/* ---- parsers ---- */

/* stat reads "PID (COMM) STATE PPID ...": COMM may hold spaces and ')'. */
bool sensor_proc_parse_stat(const char *text, size_t len, struct sensor_proc_stat *out)
{
	const char *open = memchr(text, '(', len);
	const char *close = NULL;
	const char *p;
	size_t clen;
	unsigned long long start;

	for (size_t i = len; i > 0; i--) {
		if (text[i - 1] == ')') {
			close = text + i - 1;
			break;
		}
	}
	if (open == NULL || close == NULL || close < open || (size_t)(close - text) + 2 >= len)
		return false;
	clen = (size_t)(close - open - 1);
	if (clen >= sizeof(out->comm))
		clen = sizeof(out->comm) - 1;
	memcpy(out->comm, open + 1, clen);
	out->comm[clen] = '\0';

	/* After ") ": field 3 (state) is index 0, ppid (4) is 1, starttime (22) is 19. */
	p = close + 2;
	if (sscanf(p, "%c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
		   &out->state, &out->ppid, &start) != 3)
		return false;
	out->start_ticks = start;
	return true;
}

int64_t sensor_proc_parse_euid(const char *text, size_t len)
{
	for (size_t pos = 0; pos < len;) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len;
		long long real, effective;

		if (end - pos > 4 && memcmp(text + pos, "Uid:", 4) == 0) {
			char line[128];
			size_t n = end - pos < sizeof(line) - 1 ? end - pos : sizeof(line) - 1;

			memcpy(line, text + pos, n);
			line[n] = '\0';
			if (sscanf(line, "Uid: %lld %lld", &real, &effective) == 2)
				return effective;
			return -1;
		}
		pos = end + 1;
	}
	return -1;
}

void sensor_proc_set_args(struct sensor_process *proc, const char *cmdline, size_t len)
{
	struct buf joined = BUF_INIT;
	size_t start = 0;

	/* The kernel ends every argument with a NUL; a last one without is kept. */
	while (len > 0 && cmdline[len - 1] == '\0' && (len < 2 || cmdline[len - 2] == '\0'))
		len--;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && cmdline[i] != '\0')
			continue;
		if (i == len && i == start)
			break;
		proc->args = xrealloc(proc->args, (proc->nargs + 1) * sizeof(*proc->args));
		proc->args[proc->nargs++] = xstrndup(cmdline + start, i - start);
		if (joined.len > 0)
			buf_putc(&joined, ' ');
		buf_append(&joined, cmdline + start, i - start);
		start = i + 1;
	}
	proc->command_line = proc->nargs > 0 ? buf_detach(&joined) : NULL;
	buf_free(&joined);
}

/* ---- /proc readers ---- */

/* Reads at most `cap` bytes of a file; returns the length or -1. */
static ssize_t read_file(const char *path, char *out, size_t cap)
{
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	while (got < cap) {
		ssize_t n = read(fd, out + got, cap - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	return (ssize_t)got;
}

static ssize_t read_proc(int32_t pid, const char *file, char *out, size_t cap)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	return read_file(path, out, cap);
}

static bool read_stat(int32_t pid, struct sensor_proc_stat *st)
{
	char text[1024];
	ssize_t n = read_proc(pid, "stat", text, sizeof(text));

	return n > 0 && sensor_proc_parse_stat(text, (size_t)n, st);
}

/* readlink of /proc/PID/exe, or NULL (a kernel thread, a zombie). */
static char *read_exe(int32_t pid)
{
	char path[64];
	char target[4096];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	n = readlink(path, target, sizeof(target));
	if (n <= 0 || (size_t)n == sizeof(target))
		return NULL;
	return xstrndup(target, (size_t)n);
}

/* FNV-1a (64 bit) of the bytes read and their count; 0 when unreadable. */
static uint64_t hash_bytes(const char *text, ssize_t n)
{
	uint64_t h = 14695981039346656037ULL;

	if (n < 0)
		return 0;
	for (ssize_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)text[i]) * 1099511628211ULL;
	return h ^ (uint64_t)n;
}

/* Reads /proc/PID/cmdline into procs->cmdline; returns the length or -1. */
static ssize_t read_cmdline(struct sensor_procs *procs, int32_t pid)
{
	return read_proc(pid, "cmdline", procs->cmdline, SENSOR_PROC_CMDLINE_MAX);
}

/* Sets proc's arguments; returns the hash of what was read. */
static uint64_t read_args(struct sensor_procs *procs, struct sensor_process *proc)
{
	ssize_t n = read_cmdline(procs, proc->pid);

	if (n > 0) {
		sensor_proc_set_args(proc, procs->cmdline, (size_t)n);
		proc->args_truncated = n == SENSOR_PROC_CMDLINE_MAX;
	}
	return hash_bytes(procs->cmdline, n);
}

static int64_t read_euid(int32_t pid)
{
	char text[4096];
	ssize_t n = read_proc(pid, "status", text, sizeof(text));

	return n > 0 ? sensor_proc_parse_euid(text, (size_t)n) : -1;
}

/*
 * The parent has no pidfd: it is read as it is now and kept only when it
 * started before the child, as a parent must (otherwise its pid was reused).
 */
static void read_parent(struct sensor_process *proc, uint64_t child_start)
{
	struct sensor_proc_stat st;

	if (proc->ppid <= 0 || !read_stat(proc->ppid, &st) || st.start_ticks > child_start)
		return;
	proc->parent_name = xstrdup(st.comm);
	proc->parent_executable = read_exe(proc->ppid);
}

/* ---- users ---- */

/* Returns a malloc'd copy of the name of `uid`, or NULL when it has none. */
static char *user_name(struct sensor_procs *procs, int64_t uid)
{
	struct passwd pw, *found = NULL;
	char text[4096];
	char *name = NULL;

	for (size_t i = 0; i < procs->nusers; i++) {
		if (procs->users[i].uid == uid)
			return procs->users[i].name ? xstrdup(procs->users[i].name) : NULL;
	}
	if (getpwuid_r((uid_t)uid, &pw, text, sizeof(text), &found) == 0 && found != NULL)
		name = xstrdup(found->pw_name);
	/* Past the cap, the names of further ids are looked up each time. */
	if (procs->nusers < USER_CACHE_MAX) {
		procs->users[procs->nusers].uid = uid;
		procs->users[procs->nusers].name = name ? xstrdup(name) : NULL;
		procs->nusers++;
	}
	return name;
}

/* ---- the cache ---- */

static void process_clear(struct sensor_process *p)
{
	free(p->name);
	free(p->executable);
	free(p->command_line);
	for (size_t i = 0; i < p->nargs; i++)
		free(p->args[i]);
	free(p->args);
	free(p->parent_name);
	free(p->parent_executable);
	free(p->user_name);
	memset(p, 0, sizeof(*p));
	p->start_ms = -1;
	p->ppid = -1;
	p->uid = -1;
}

/*
 * Returns the wall-clock time of boot, epoch milliseconds. The start time
 * in /proc/PID/stat counts clock ticks on CLOCK_BOOTTIME (proc(5)), so
 * boot is CLOCK_REALTIME minus CLOCK_BOOTTIME, read back to back. The
 * btime of /proc/stat is cut to whole seconds, which would put starts up
 * to 1 s early.
 */
static int64_t read_boot_ms(void)
{
	struct timespec real, boot;

	if (clock_gettime(CLOCK_REALTIME, &real) != 0 || clock_gettime(CLOCK_BOOTTIME, &boot) != 0)
		return -1;
	return (((int64_t)real.tv_sec - boot.tv_sec) * 1000000000 + (real.tv_nsec - boot.tv_nsec)) /
	       1000000;
}

struct sensor_procs *sensor_procs_new(void)
{
	struct sensor_procs *procs = xcalloc(1, sizeof(*procs));

	procs->cache = xcalloc(SENSOR_PROC_CACHE_SIZE, sizeof(*procs->cache));
	procs->cmdline = xmalloc(SENSOR_PROC_CMDLINE_MAX);
	procs->boot_ms = read_boot_ms();
	procs->ticks_per_second = sysconf(_SC_CLK_TCK);
	process_clear(&procs->scratch);
	return procs;
}

static bool still_alive(int pidfd)
{
	return syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) == 0;
}

/* Reads everything but the stat line into e->proc, whose pid is set. */
static void fill(struct sensor_procs *procs, struct cache_entry *e,
		 const struct sensor_proc_stat *st)
{
	struct sensor_process *proc = &e->proc;

	proc->resolved = true;
	proc->name = xstrdup(st->comm);
	proc->executable = read_exe(proc->pid);
	e->cmdline_hash = read_args(procs, proc);
	proc->ppid = st->ppid;
	read_parent(proc, st->start_ticks);
	proc->uid = read_euid(proc->pid);
	proc->user_name = proc->uid >= 0 ? user_name(procs, proc->uid) : NULL;
	if (procs->boot_ms >= 0 && procs->ticks_per_second > 0)
		proc->start_ms = procs->boot_ms +
				 (int64_t)(st->start_ticks * 1000 / (uint64_t)procs->ticks_per_second);
}

static const struct sensor_process *unresolved(struct sensor_procs *procs, int32_t pid,
					       enum sensor_unresolved why)
{
	process_clear(&procs->scratch);
	procs->scratch.pid = pid;
	procs->scratch.why = why;
	procs->stats.unresolved++;
	return &procs->scratch;
}

/* A zombie (Z) or a dying task (X) has lost its executable and arguments. */
static bool exited(const struct sensor_proc_stat *st)
{
	return st->state == 'Z' || st->state == 'X';
}

/*
 * Whether the cached details of e still hold for its process: an exec or a
 * setuid keeps pid, start time and often the name, so the executable, the
 * effective uid and the whole command line are compared again.
 */
static bool still_same(struct sensor_procs *procs, const struct cache_entry *e)
{
	int32_t pid = e->proc.pid;
	char *exe = read_exe(pid);
	bool same = exe == NULL ? e->proc.executable == NULL
				: e->proc.executable != NULL && strcmp(exe, e->proc.executable) == 0;

	free(exe);
	if (!same || read_euid(pid) != e->proc.uid)
		return false;
	return hash_bytes(procs->cmdline, read_cmdline(procs, pid)) == e->cmdline_hash;
}

/* Reads the process into e unless e already holds it, unchanged; true on a hit. */
static bool load(struct sensor_procs *procs, struct cache_entry *e, int32_t pid,
		 const struct sensor_proc_stat *st)
{
	bool hit = e->used && e->proc.pid == pid && e->start_ticks == st->start_ticks &&
		   strcmp(e->proc.name, st->comm) == 0;

	if (hit && still_same(procs, e))
		return true;
	procs->stats.revalidated += hit;
	process_clear(&e->proc);
	e->used = false;
	e->proc.pid = pid;
	fill(procs, e, st);
	return false;
}

/*
 * Whether what was read belongs to a live process. Checked after the read:
 * alive now means the pid was the writer's all along. A process without an
 * executable may have turned into a zombie during the read: stat tells.
 */
static bool read_was_live(const struct cache_entry *e, int pidfd)
{
	struct sensor_proc_stat st;

	if (!still_alive(pidfd))
		return false;
	if (e->proc.executable != NULL)
		return true;
	return read_stat(e->proc.pid, &st) && !exited(&st);
}

const struct sensor_process *sensor_procs_lookup(struct sensor_procs *procs, int32_t pid,
						 int pidfd, bool pidfd_error, uint64_t batch)
{
	struct cache_entry *e = &procs->cache[(uint32_t)pid % SENSOR_PROC_CACHE_SIZE];
	struct sensor_proc_stat st;
	bool hit;

	procs->stats.lookups++;
	/* fanotify(7): pid 0 is a writer outside the reader's pid namespace. */
	if (pid <= 0)
		return unresolved(procs, pid, SENSOR_PROC_OTHER_PID_NS);
	if (pidfd < 0)
		return unresolved(procs, pid, pidfd_error ? SENSOR_PROC_NO_PIDFD : SENSOR_PROC_EXITED);
	/* Events of one read share one look at /proc: the first one checked the entry. */
	if (e->used && e->proc.pid == pid && e->verified_batch == batch) {
		procs->stats.cache_hits++;
		return &e->proc;
	}
	if (!read_stat(pid, &st) || exited(&st))
		return unresolved(procs, pid, SENSOR_PROC_EXITED);

	hit = load(procs, e, pid, &st);
	if (!read_was_live(e, pidfd)) {
		process_clear(&e->proc);
		e->used = false;
		return unresolved(procs, pid, SENSOR_PROC_EXITED);
	}
	procs->stats.cache_hits += hit;
	e->used = true;
	e->start_ticks = st.start_ticks;
	e->verified_batch = batch;
	return &e->proc;
}

const struct sensor_procs_stats *sensor_procs_stats(const struct sensor_procs *procs)
{
	return &procs->stats;
}

void sensor_procs_free(struct sensor_procs *procs)
{
	if (procs == NULL)
		return;
	for (size_t i = 0; i < SENSOR_PROC_CACHE_SIZE; i++)
		process_clear(&procs->cache[i].proc);
	for (size_t i = 0; i < procs->nusers; i++)
		free(procs->users[i].name);
	process_clear(&procs->scratch);
	free(procs->cmdline);
	free(procs->cache);
	free(procs);
}
