/*
 * Process attribution: who caused a file event, read from /proc.
 *
 * fanotify gives the pid of the writer and, with FAN_REPORT_PIDFD, a pidfd
 * made when the event was read. The pidfd is what makes the /proc reading
 * safe: /proc/PID is read first, then the pidfd is checked for a live
 * process. If it is alive, the pid was never freed in between, so what
 * was read belongs to the writer. If not, or if the kernel gave no pidfd
 * because the writer was already gone, the event keeps the pid and is
 * marked as not resolved. A reused pid is never taken for the writer.
 *
 * Details of a process (name, executable, arguments, parent, user) are
 * cached by pid, start time and name, so that a process writing many files
 * is read in full once. An exec keeps the pid and start time, and setuid
 * keeps the name too, so a cache hit is checked once per read of the queue
 * before it is used: the executable link, the effective uid (from
 * /proc/PID/status) and a hash of the whole /proc/PID/cmdline are read
 * again, and any difference re-reads everything. The cost is five small
 * system calls' worth of /proc reads (readlink, and open/read/close of two
 * files) per writer and batch instead of the full read's ten; the benefit
 * is that an exec of the same program with other arguments, or a drop of
 * privileges, is never reported with the old details.
 *
 * A process that has exited but not yet been reaped (a zombie, state Z)
 * still answers pidfd_send_signal, yet its executable and arguments are
 * gone: it is reported as not resolved, like one already reaped.
 *
 * What /proc shows is the process as it is when the event is read: a
 * process that ran another program (exec) after writing shows the new one.
 *
 * Ownership: struct sensor_procs owns its cache. sensor_procs_lookup()
 * returns a record owned by the cache, valid until the next lookup.
 */
#ifndef SW_SENSOR_PROC_H
#define SW_SENSOR_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bytes of a command line read at most; longer ones are cut (args_truncated). */
#define SENSOR_PROC_CMDLINE_MAX 32768
/* Processes in the cache (direct-mapped by pid). */
#define SENSOR_PROC_CACHE_SIZE 4096

/* The reason a process could not be read. */
enum sensor_unresolved {
	SENSOR_PROC_EXITED,     /* gone (reaped, or a zombie) before it was read */
	/*
	 * The writer runs outside the sensor's pid namespace (a sensor in a
	 * container, a write from the host): the kernel gives pid 0, which
	 * names no process, and no pidfd.
	 */
	SENSOR_PROC_OTHER_PID_NS,
	SENSOR_PROC_NO_PIDFD,   /* the kernel could not make a pidfd (FAN_EPIDFD) */
};

struct sensor_process {
	int32_t pid;            /* 0 with SENSOR_PROC_OTHER_PID_NS: unknown */
	bool resolved;          /* false: the details below are unknown */
	enum sensor_unresolved why;  /* when not resolved */
	char *name;             /* the kernel's name for the task (comm), at most 15 bytes */
	char *executable;       /* the program file; NULL when unreadable */
	char *command_line;     /* the arguments joined by spaces; NULL when none */
	char **args;
	size_t nargs;
	bool args_truncated;
	int64_t start_ms;       /* start time, epoch milliseconds; -1 when unknown */
	int32_t ppid;           /* -1 when unknown */
	char *parent_name;      /* NULL when the parent could not be read */
	char *parent_executable;
	int64_t uid;            /* effective user id; -1 when unknown */
	char *user_name;        /* NULL when the id has no name */
};

/* The fields of /proc/PID/stat the sensor uses. */
struct sensor_proc_stat {
	char comm[64];
	char state;             /* R, S, D, Z (zombie), X (dead), ... */
	int32_t ppid;
	uint64_t start_ticks;   /* clock ticks after boot */
};

struct sensor_procs_stats {
	uint64_t lookups;
	uint64_t cache_hits;
	uint64_t unresolved;    /* not read: gone, outside the pid namespace, no pidfd */
	uint64_t revalidated;   /* cache hits found changed (exec, setuid) and read again */
};

struct sensor_procs;

struct sensor_procs *sensor_procs_new(void);

/*
 * Returns the process for an event of `pid` with `pidfd` (-1 when the
 * kernel had none; `pidfd_error` when it failed to make one). `batch`
 * numbers the read the event came from: events of one read with a pidfd
 * for the same pid are the same process, so it is read once per batch.
 */
const struct sensor_process *sensor_procs_lookup(struct sensor_procs *procs, int32_t pid,
						 int pidfd, bool pidfd_error, uint64_t batch);

const struct sensor_procs_stats *sensor_procs_stats(const struct sensor_procs *procs);
void sensor_procs_free(struct sensor_procs *procs);

/* Parses the text of /proc/PID/stat; false when it is not one. */
bool sensor_proc_parse_stat(const char *text, size_t len, struct sensor_proc_stat *out);

/* Parses the effective uid from the text of /proc/PID/status; -1 when absent. */
int64_t sensor_proc_parse_euid(const char *text, size_t len);

/*
 * Splits the NUL-separated /proc/PID/cmdline into proc->args and joins
 * them with spaces into proc->command_line (both malloc'd).
 */
void sensor_proc_set_args(struct sensor_process *proc, const char *cmdline, size_t len);

#endif
