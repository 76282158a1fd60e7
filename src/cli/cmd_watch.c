/*
 * sitewatch watch: the live Linux sensor. Reads file events from fanotify
 * (src/sensor/), writes them as ECS events (--events-out) and runs the
 * rules on them as they arrive. The detector and the alert printing are
 * those of `detect`, so a replay of the events gives the same alerts.
 *
 * Live events arrive in time order (the sensor's @timestamp never goes
 * back), so the detector's reorder window is 0 and every batch is flushed
 * through it at once: an alert prints as soon as its event is read.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "cli_options.h"
#include "commands.h"
#include "detect_job.h"
#include "engine/detector.h"
#include "sensor/sensor.h"
#include "suppress.h"
#include "util/buf.h"
#include "util/diag.h"
#include "util/xalloc.h"
#include "watch_output.h"

/* Batches read in a row before signals and timers are looked at. */
#define READS_PER_WAKE 16
/*
 * Pause after a wake-up that found events, so that a burst is read in full
 * batches rather than a few events per wake-up: fewer context switches
 * for the writers, for at most this much delay of an alert.
 */
#define COALESCE_NS 1000000
/* Suppression groups are closed on time at least this often. */
#define EXPIRE_EVERY_MS 1000
/*
 * How often the detector's clock moves on a quiet stream, so that a
 * sequence waiting for a missing event is decided within this long of its
 * maxspan passing.
 */
#define CLOCK_EVERY_MS 1000

enum {
	OPT_PATH = 256,
	OPT_ALERTS_OUT,
	OPT_EVENTS_OUT,
	OPT_SUPPRESS_WINDOW,
	OPT_MAX_GROUPS,
	OPT_STATS_INTERVAL,
	OPT_UNLIMITED_QUEUE,
	OPT_MAX_SEQUENCES,
	OPT_INCLUDE_DISABLED,
};

static const struct option long_options[] = {
	{ "query", required_argument, NULL, 'q' },
	{ "rules", required_argument, NULL, 'r' },
	{ "help", no_argument, NULL, 'h' },
	{ "include-disabled", no_argument, NULL, OPT_INCLUDE_DISABLED },
	{ "path", required_argument, NULL, OPT_PATH },
	{ "alerts-out", required_argument, NULL, OPT_ALERTS_OUT },
	{ "events-out", required_argument, NULL, OPT_EVENTS_OUT },
	{ "suppress-window", required_argument, NULL, OPT_SUPPRESS_WINDOW },
	{ "max-suppression-groups", required_argument, NULL, OPT_MAX_GROUPS },
	{ "stats-interval", required_argument, NULL, OPT_STATS_INTERVAL },
	{ "unlimited-queue", no_argument, NULL, OPT_UNLIMITED_QUEUE },
	{ "max-sequences", required_argument, NULL, OPT_MAX_SEQUENCES },
	{ NULL, 0, NULL, 0 },
};

static void watch_usage(FILE *out)
{
	fputs(
"usage: sitewatch watch [-q QUERY | -r PATH...] [OPTIONS]\n"
"\n"
"Watches file creation, modification, rename and deletion on this Linux host\n"
"through fanotify, with the process that did each, builds ECS file events and\n"
"runs the rules on them as they happen. Without -q or -r, the bundled rules\n"
"run. Needs root (CAP_SYS_ADMIN). Stops on SIGINT or SIGTERM (exit status 0);\n"
"SIGHUP reopens the output files; SIGUSR1 logs the counts to stderr.\n"
"\n"
"  -q, --query QUERY           run one EQL query; print each match as one line\n"
"  -r, --rules PATH            load rules from a Kibana rule file or a folder of\n"
"                              them; repeatable\n"
"      --include-disabled      also run rules whose \"enabled\" is false\n"
"      --path DIR              watch the filesystem holding DIR and report only\n"
"                              events under DIR; repeatable (default: every\n"
"                              local filesystem)\n"
"      --alerts-out FILE       append alerts to FILE (default: stdout)\n"
"      --events-out FILE       append every ECS event to FILE, one per line, for\n"
"                              Filebeat or a replay with `detect`; '-' is stdout\n"
"      --suppress-window D     count repeated alerts of a rule for the same file\n"
"                              and process within D into one, e.g. 5m\n"
"                              (default 0: no suppression)\n"
"      --max-suppression-groups N  suppression groups open at once (default 100000)\n"
"      --stats-interval D      log counts to stderr every D, e.g. 10m (default 0:\n"
"                              only when stopping)\n"
"      --unlimited-queue       no cap on the kernel's event queue, so that events\n"
"                              are never dropped (memory grows instead)\n"
"      --max-sequences N       open partial sequences per query (default 1000000)\n"
"  -h, --help                  show this help\n"
"\n"
"Exit status: 0 stopped by SIGINT or SIGTERM (alerts or not), 2 fatal error at\n"
"start (not root, a kernel without the fanotify features needed, an invalid\n"
"rule, an output that cannot be opened) or a last write at exit that failed.\n"
"A write that fails while running is reported once, counted in the stats and\n"
"tried again with the next events; the sensor keeps watching.\n",
	      out);
}

struct watch_args {
	const char *query;
	const char **rule_paths;
	size_t nrule_paths;
	bool include_disabled;
	const char **paths;
	size_t npaths;
	const char *alerts_out;
	const char *events_out;
	int64_t suppress_ms;
	size_t max_groups;
	int64_t stats_ms;
	bool unlimited_queue;
	size_t max_sequences;
};

struct watch {
	struct watch_args args;
	struct detector *det;
	struct detect_job job;
	struct suppress *suppress;
	struct sensor *sensor;
	struct watch_output alerts, events;
	bool have_events;
	int sigfd;
	uint64_t line;             /* events fed, for diagnostics */
	int64_t next_stats_ms, next_expire_ms, next_clock_ms;
};

/* ---- options ---- */

static void append(const char ***list, size_t *n, const char *item)
{
	*list = xrealloc(*list, (*n + 1) * sizeof(**list));
	(*list)[(*n)++] = item;
}

static bool parse_option(int opt, const char *arg, struct watch_args *a)
{
	int64_t n;

	switch (opt) {
	case 'q': return cli_set_query(&a->query, arg);
	case 'r': append(&a->rule_paths, &a->nrule_paths, arg); return true;
	case OPT_INCLUDE_DISABLED: a->include_disabled = true; return true;
	case OPT_PATH: append(&a->paths, &a->npaths, arg); return true;
	case OPT_ALERTS_OUT: a->alerts_out = arg; return true;
	case OPT_EVENTS_OUT: a->events_out = arg; return true;
	case OPT_SUPPRESS_WINDOW: return cli_parse_duration("suppress-window", arg, &a->suppress_ms);
	case OPT_STATS_INTERVAL: return cli_parse_duration("stats-interval", arg, &a->stats_ms);
	case OPT_UNLIMITED_QUEUE: a->unlimited_queue = true; return true;
	case OPT_MAX_GROUPS:
		if (!cli_parse_count("max-suppression-groups", arg, 1, &n)) return false;
		a->max_groups = (size_t)n;
		return true;
	case OPT_MAX_SEQUENCES:
		if (!cli_parse_count("max-sequences", arg, 1, &n)) return false;
		a->max_sequences = (size_t)n;
		return true;
	}
	return false;
}

static bool check_args(const struct watch_args *a)
{
	if (a->query != NULL && a->nrule_paths > 0) {
		diag_error("-q and -r cannot be used together: run a query or rules, not both");
		return false;
	}
	if (a->events_out != NULL && strcmp(a->events_out, "-") == 0 && strcmp(a->alerts_out, "-") == 0) {
		diag_error("--events-out - writes the events to stdout, where the alerts go too: give "
			   "--alerts-out FILE to keep them apart");
		return false;
	}
	if (a->events_out != NULL && strcmp(a->events_out, a->alerts_out) == 0) {
		diag_error("--events-out and --alerts-out name the same file '%s': give each its own",
			   a->alerts_out);
		return false;
	}
	return true;
}

/* Returns 0 to go on, or the exit status + 100 to return at once. */
static int parse_args(int argc, char **argv, struct watch_args *a)
{
	int opt;

	memset(a, 0, sizeof(*a));
	a->alerts_out = "-";
	a->max_groups = SUPPRESS_MAX_GROUPS_DEFAULT;
	optind = 1;
	opterr = 0; /* getopt's own messages would start with "watch:" */
	while ((opt = getopt_long(argc, argv, ":q:r:h", long_options, NULL)) != -1) {
		if (opt == 'h') {
			watch_usage(stdout);
			return EXIT_NOTHING_FOUND + 100;
		}
		if (opt == '?' || opt == ':' || !parse_option(opt, optarg, a)) {
			if (opt == '?' || opt == ':')
				cli_option_error("watch", opt, argv);
			fputs("Run 'sitewatch watch --help' for the options.\n", stderr);
			return EXIT_FATAL + 100;
		}
	}
	if (optind < argc) {
		diag_error("unexpected argument '%s': watch reads the live host, not files "
			   "(replay files with 'sitewatch detect')", argv[optind]);
		return EXIT_FATAL + 100;
	}
	return check_args(a) ? 0 : EXIT_FATAL + 100;
}

/* ---- set-up ---- */

static bool setup_detection(struct watch *w)
{
	struct detector_options det;
	struct detect_job_options job = {
		.query = w->args.query,
		.rule_paths = w->args.rule_paths,
		.nrule_paths = w->args.nrule_paths,
		.include_disabled = w->args.include_disabled,
		.timestamp_field = "@timestamp",
	};

	detector_options_default(&det);
	det.reorder_window_ms = 0;
	/*
	 * A live stream is stopped, never complete: windows still open stay
	 * unreported. The sensor's clock moves the detector's every
	 * CLOCK_EVERY_MS (on_timers()), so a sequence waiting for a missing
	 * event is decided when its maxspan passes, not at the next event.
	 */
	det.input_complete = false;
	if (w->args.max_sequences > 0)
		det.max_sequences = w->args.max_sequences;
	w->det = detector_new(&det, detect_job_result, &w->job);
	if (!detect_job_init(&w->job, w->det, &job))
		return false;
	detector_start(w->det);

	if (w->args.suppress_ms > 0) {
		w->suppress = suppress_new(&w->job, w->args.suppress_ms, w->args.max_groups);
		w->job.alert_hook = suppress_alert;
		w->job.alert_hook_arg = w->suppress;
	}
	return true;
}

static bool setup_outputs(struct watch *w)
{
	if (!watch_output_open(&w->alerts, w->args.alerts_out))
		return false;
	detect_job_set_output(&w->job, w->alerts.f, w->alerts.name);
	if (w->args.events_out == NULL)
		return true;
	w->have_events = watch_output_open(&w->events, w->args.events_out);
	if (w->have_events && watch_output_same(&w->alerts, &w->events)) {
		diag_error("--events-out '%s' and --alerts-out '%s' are the same file: give each its own",
			   w->args.events_out, w->args.alerts_out);
		return false;
	}
	return w->have_events;
}

/* SIGINT, SIGTERM, SIGHUP and SIGUSR1 arrive through a signalfd, read in the poll loop. */
static bool setup_signals(struct watch *w)
{
	sigset_t set;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &set, NULL) != 0 ||
	    (w->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK)) < 0) {
		diag_error("cannot set up signal handling: %s", strerror(errno));
		return false;
	}
	return true;
}

/* Sends the service's state to systemd (Type=notify) when NOTIFY_SOCKET is set. */
static void notify_systemd(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa;
	size_t len;
	int fd;

	if (path == NULL || (path[0] != '/' && path[0] != '@'))
		return;
	len = strlen(path);
	if (len >= sizeof(sa.sun_path))
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, len);
	if (path[0] == '@')
		sa.sun_path[0] = '\0';   /* an abstract socket */
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	sendto(fd, state, strlen(state), 0, (struct sockaddr *)&sa,
	       (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len));
	close(fd);
}

/* ---- running ---- */

static void on_event(void *arg, const char *json, size_t len, int64_t timestamp_ms)
{
	struct watch *w = arg;

	(void)timestamp_ms;
	if (w->have_events)
		watch_output_line(&w->events, json, len);
	detector_feed(w->det, json, len, "watch", ++w->line, true);
}

static uint64_t alerts_printed(const struct watch *w)
{
	uint64_t n = detector_stats(w->det)->results;

	if (w->suppress != NULL)
		n = n - suppress_stats(w->suppress)->suppressed + suppress_stats(w->suppress)->summaries;
	return n;
}

/* "1 event", "2 events": appends the count and the noun in the right number. */
static void count(struct buf *line, uint64_t n, const char *one, const char *many)
{
	buf_printf(line, "%s%" PRIu64 " %s", line->len > 0 ? ", " : "", n, n == 1 ? one : many);
}

static void log_stats(const struct watch *w, const char *when)
{
	const struct sensor_stats *st = sensor_stats(w->sensor);
	struct buf line = BUF_INIT;

	count(&line, st->events, "event", "events");
	count(&line, alerts_printed(w), "alert", "alerts");
	count(&line, w->suppress ? suppress_stats(w->suppress)->suppressed : 0,
	      "suppressed alert", "suppressed alerts");
	count(&line, st->unresolved_processes, "unresolved process", "unresolved processes");
	count(&line, st->overflows, "queue overflow", "queue overflows");
	count(&line, st->unknown_folders, "event without a folder", "events without a folder");
	count(&line, st->filesystems, "filesystem watched", "filesystems watched");
	count(&line, w->alerts.failures + w->events.failures, "failed write", "failed writes");
	fprintf(stderr, "sitewatch: stats%s: %s\n", when, line.data);

	buf_clear(&line);
	count(&line, st->process_lookups, "lookup", "lookups");
	count(&line, st->process_cache_hits, "hit", "hits");
	fprintf(stderr, "sitewatch: stats%s: process cache: %s, %" PRIu64 " revalidated (read again "
		"after an exec or a change of user)\n", when, line.data, st->process_revalidated);
	buf_free(&line);
	if (st->unnamed > 0)
		fprintf(stderr, "sitewatch: stats%s: %" PRIu64 " event%s whose folder could not be "
			"named (not reported, since --path cannot be checked)\n", when, st->unnamed,
			st->unnamed == 1 ? "" : "s");
	if (st->synthesized > 0 || st->moved_cut > 0)
		fprintf(stderr, "sitewatch: stats%s: %" PRIu64 " start-up files reported after their "
			"folder's rename, %" PRIu64 " renamed folders not searched to the end (cap hit)\n",
			when, st->synthesized, st->moved_cut);
	if (st->pending_full > 0 || st->malformed > 0)
		fprintf(stderr, "sitewatch: stats%s: %" PRIu64 " creations not paired with their close "
			"(cap of waiting creations hit), %" PRIu64 " undecodable records\n", when,
			st->pending_full, st->malformed);
}

/*
 * After each wake-up with events: alerts out now, files flushed. A failed
 * write is reported and counted by watch_output, never fatal: the sensor
 * keeps watching and keeps writing to the other output.
 */
static bool after_batch(struct watch *w)
{
	bool ok = true;

	detector_flush(w->det);
	if (w->job.write_failed && !w->alerts.failed) {
		w->alerts.failed = true;
		w->alerts.error = errno;
	}
	w->job.write_failed = false;
	ok = watch_output_flush(&w->alerts) && ok;
	if (w->have_events)
		ok = watch_output_flush(&w->events) && ok;
	return ok;
}

static void on_timers(struct watch *w)
{
	int64_t now = sensor_now_ms(w->sensor);

	if (now >= w->next_clock_ms) {
		detector_advance(w->det, now);
		after_batch(w);
		w->next_clock_ms = now + CLOCK_EVERY_MS;
	}
	if (w->suppress != NULL && now >= w->next_expire_ms) {
		suppress_expire(w->suppress, now);
		w->next_expire_ms = now + EXPIRE_EVERY_MS;
	}
	if (w->args.stats_ms > 0 && now >= w->next_stats_ms) {
		log_stats(w, "");
		w->next_stats_ms = now + w->args.stats_ms;
	}
}

static int poll_timeout(struct watch *w)
{
	int64_t now = sensor_now_ms(w->sensor);
	int64_t next = now + 60000;

	if (w->next_clock_ms < next)
		next = w->next_clock_ms;
	if (w->suppress != NULL && w->next_expire_ms < next)
		next = w->next_expire_ms;
	if (w->args.stats_ms > 0 && w->next_stats_ms < next)
		next = w->next_stats_ms;
	return next <= now ? 0 : (int)(next - now);
}

/* Returns true when the sensor should stop. */
static bool on_signals(struct watch *w)
{
	struct signalfd_siginfo si;
	bool stop = false;

	while (read(w->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGUSR1) {
			log_stats(w, "");
		} else if (si.ssi_signo == SIGHUP) {
			watch_output_reopen(&w->alerts);
			detect_job_set_output(&w->job, w->alerts.f, w->alerts.name);
			if (w->have_events)
				watch_output_reopen(&w->events);
		} else {
			stop = true;
		}
	}
	return stop;
}

/* Reads what is queued; returns -1 on a fatal error, else 0. */
static int on_events(struct watch *w)
{
	struct timespec pause = { 0, COALESCE_NS };
	int r = 1;

	for (int i = 0; i < READS_PER_WAKE && r > 0; i++)
		r = sensor_read(w->sensor, on_event, w);
	if (r < 0)
		return -1;
	after_batch(w);
	nanosleep(&pause, NULL);
	return 0;
}

static int run(struct watch *w)
{
	struct pollfd fds[2] = {
		{ .fd = sensor_fd(w->sensor), .events = POLLIN },
		{ .fd = w->sigfd, .events = POLLIN },
	};

	w->next_stats_ms = sensor_now_ms(w->sensor) + w->args.stats_ms;
	for (;;) {
		int n = poll(fds, 2, poll_timeout(w));

		if (n < 0 && errno != EINTR) {
			diag_error("waiting for events failed: %s", strerror(errno));
			return EXIT_FATAL;
		}
		if (n > 0 && (fds[0].revents & POLLIN) && on_events(w) < 0)
			return EXIT_FATAL;
		if (n > 0 && (fds[1].revents & POLLIN) && on_signals(w))
			return EXIT_NOTHING_FOUND;
		on_timers(w);
	}
}

/*
 * SIGINT or SIGTERM: what is held goes out before the sensor exits; the
 * exit status is 2 only when that last write failed.
 */
static int finish(struct watch *w, int status)
{
	detector_finish(w->det);
	if (w->suppress != NULL)
		suppress_finish(w->suppress);
	if (detect_job_finish(&w->job) != 0 || !after_batch(w))
		status = EXIT_FATAL;
	log_stats(w, " at exit");
	return status;
}

static void cleanup(struct watch *w)
{
	notify_systemd("STOPPING=1");
	sensor_close(w->sensor);
	suppress_free(w->suppress);
	detect_job_free(&w->job);
	detector_free(w->det);
	watch_output_close(&w->alerts);
	if (w->have_events)
		watch_output_close(&w->events);
	if (w->sigfd >= 0)
		close(w->sigfd);
	free(w->args.rule_paths);
	free(w->args.paths);
}

static struct sensor *open_sensor(const struct watch *w)
{
	struct sensor_options opts = {
		.paths = w->args.paths,
		.npaths = w->args.npaths,
		.unlimited_queue = w->args.unlimited_queue,
	};

	return sensor_open(&opts);
}

int cmd_watch(int argc, char **argv)
{
	struct watch w;
	int status;

	memset(&w, 0, sizeof(w));
	w.sigfd = -1;
	status = parse_args(argc, argv, &w.args);
	if (status != 0) {
		free(w.args.rule_paths);
		free(w.args.paths);
		return status - 100;
	}

	/* Rules first (their errors need no root), then the sensor, then the files. */
	if (!setup_detection(&w) || (w.sensor = open_sensor(&w)) == NULL ||
	    !setup_outputs(&w) || !setup_signals(&w)) {
		cleanup(&w);
		return EXIT_FATAL;
	}
	fprintf(stderr, "sitewatch: watching %zu filesystem%s; stop with SIGINT or SIGTERM\n",
		sensor_stats(w.sensor)->filesystems, sensor_stats(w.sensor)->filesystems == 1 ? "" : "s");
	notify_systemd("READY=1");

	status = finish(&w, run(&w));
	cleanup(&w);
	return status;
}
