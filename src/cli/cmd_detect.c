/*
 * sitewatch detect: runs EQL queries or rules over ECS event logs.
 *
 * Every input file and stdin form one stream evaluated in timestamp order.
 * Files are read first, through a sort buffer that releases their
 * candidates in order as they come. If they turn out not to be in time
 * order, the results are dropped and the files are read again with every
 * candidate held to the end, which is why results wait in a spool file.
 * stdin is read last, through the reorder window, so that an endless
 * stream works.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_options.h"
#include "commands.h"
#include "detect_job.h"
#include "detect_pool.h"
#include "detect_progress.h"
#include "engine/datefmt.h"
#include "engine/detector.h"
#include "engine/plan.h"
#include "eql/parse.h"
#include "event/timestamp.h"
#include "io/input.h"
#include "util/arena.h"
#include "util/diag.h"
#include "util/xalloc.h"

enum {
	OPT_TIMESTAMP_FIELD = 256,
	OPT_TIEBREAKER_FIELD,
	OPT_CATEGORY_FIELD,
	OPT_SIZE,
	OPT_FROM,
	OPT_TO,
	OPT_REORDER_WINDOW,
	OPT_REORDER_MAX,
	OPT_MAX_SEQUENCES,
	OPT_MAX_DOCUMENT,
	OPT_MAX_DEPTH,
	OPT_MAX_VALUES,
	OPT_MAX_ERRORS,
	OPT_INCLUDE_DISABLED,
	OPT_FORMAT,
	OPT_QUIET,
	OPT_NO_PREFILTER,
	OPT_THREADS,
	OPT_RESULT_POSITION,
	OPT_MAX_SAMPLES_PER_KEY,
	OPT_DATE_FIELD,
	OPT_SORT_BUFFER,
};

/*
 * Candidates of files held for ordering by default: about 10 MB for
 * events of 650 bytes, which take about 1 KB each when held
 * (bench/README.md, "Sequence memory").
 */
#define DEFAULT_SORT_BUFFER 10000

/* The EQL API's bound for max_samples_per_key is a positive int; this one bounds memory. */
#define MAX_SAMPLES_PER_KEY 10000

/* Threads when --threads is not given: the CPUs, up to 8. */
#define DEFAULT_MAX_THREADS 8
/*
 * --threads at most: the input layer's filter workers and the evaluation
 * workers (PAR_MAX_THREADS and DETECT_POOL_MAX_WORKERS are 16 too).
 */
#define MAX_THREADS 16

static const struct option long_options[] = {
	{ "query", required_argument, NULL, 'q' },
	{ "rules", required_argument, NULL, 'r' },
	{ "help", no_argument, NULL, 'h' },
	{ "timestamp-field", required_argument, NULL, OPT_TIMESTAMP_FIELD },
	{ "tiebreaker-field", required_argument, NULL, OPT_TIEBREAKER_FIELD },
	{ "event-category-field", required_argument, NULL, OPT_CATEGORY_FIELD },
	{ "size", required_argument, NULL, OPT_SIZE },
	{ "from", required_argument, NULL, OPT_FROM },
	{ "to", required_argument, NULL, OPT_TO },
	{ "reorder-window", required_argument, NULL, OPT_REORDER_WINDOW },
	{ "reorder-max-events", required_argument, NULL, OPT_REORDER_MAX },
	{ "max-sequences", required_argument, NULL, OPT_MAX_SEQUENCES },
	{ "max-document-size", required_argument, NULL, OPT_MAX_DOCUMENT },
	{ "max-depth", required_argument, NULL, OPT_MAX_DEPTH },
	{ "max-values-per-field", required_argument, NULL, OPT_MAX_VALUES },
	{ "max-errors", required_argument, NULL, OPT_MAX_ERRORS },
	{ "include-disabled", no_argument, NULL, OPT_INCLUDE_DISABLED },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "quiet", no_argument, NULL, OPT_QUIET },
	{ "no-prefilter", no_argument, NULL, OPT_NO_PREFILTER },
	{ "threads", required_argument, NULL, OPT_THREADS },
	{ "result-position", required_argument, NULL, OPT_RESULT_POSITION },
	{ "max-samples-per-key", required_argument, NULL, OPT_MAX_SAMPLES_PER_KEY },
	{ "date-field", required_argument, NULL, OPT_DATE_FIELD },
	{ "sort-buffer", required_argument, NULL, OPT_SORT_BUFFER },
	{ NULL, 0, NULL, 0 },
};

static void detect_usage(FILE *out)
{
	fputs(
"usage: sitewatch detect [-q QUERY | -r PATH...] [OPTIONS] [FILE...]\n"
"\n"
"Runs EQL (the Elasticsearch dialect) over ECS events: NDJSON, a JSON array,\n"
"pretty-printed JSON documents or an Elasticsearch search response; plain,\n"
"gzip or zstd. FILE '-' or no FILE reads stdin. All inputs form one stream in\n"
"timestamp order. Without -q or -r, the bundled rules run.\n"
"\n"
"  -q, --query QUERY           run one EQL query; print each match as one line\n"
"  -r, --rules PATH            load rules from a Kibana rule file (JSON or NDJSON\n"
"                              export) or a folder of them; repeatable\n"
"      --include-disabled      also run rules whose \"enabled\" is false\n"
"      --format FORMAT         ndjson (default): one alert or match per line;\n"
"                              table: one row per result, for people\n"
"      --timestamp-field F     event time field (default @timestamp)\n"
"      --tiebreaker-field F    orders events with the same time (default none)\n"
"      --event-category-field F  field that 'process where' tests\n"
"                              (default event.category)\n"
"      --size N                results per query at most (default: no cap);\n"
"                              as in Elasticsearch, applied before the first\n"
"                              head or tail pipe, in that pipe's direction\n"
"      --result-position P     without a pipe, head (default): the first\n"
"                              --size results; tail: the last ones\n"
"      --max-samples-per-key N samples per join key of a sample query (default 1)\n"
"      --date-field F[=FORMAT] read field F as a date, as an Elasticsearch date\n"
"                              field with that mapping format (default\n"
"                              strict_date_optional_time||epoch_millis, or a\n"
"                              pattern such as dd-MM-yyyy); repeatable\n"
"      --from TIME, --to TIME  only events in this time range, inclusive\n"
"                              (ISO 8601 or epoch milliseconds)\n"
"      --reorder-window D      how long stdin events wait to be put in order,\n"
"                              in event time, e.g. 500ms, 5s, 1m (default 5s)\n"
"      --reorder-max-events N  events the window holds at most (default 100000)\n"
"      --sort-buffer N|all     events of files that pass a clause, held to be put\n"
"                              in order (default 10000); files out of time order\n"
"                              by more are read a second time, holding them all;\n"
"                              all: hold them all at once, reading files once\n"
"      --max-sequences N       open sequences, or sample join keys, per query\n"
"                              (default 1000000); past it the oldest sequence\n"
"                              is dropped\n"
"      --max-document-size N   bytes in one event document (default 67108864)\n"
"      --max-depth N           JSON nesting depth (default 512, at most 100000)\n"
"      --max-values-per-field N  values kept per field of one event (default\n"
"                              10000, at most 100000000)\n"
"      --max-errors N          messages printed per kind of bad input (default 20),\n"
"                              and of unreadable documents per file; the rest\n"
"                              are counted in the summary\n"
"      --quiet                 no progress line on a terminal\n"
"      --no-prefilter          parse every event and test every clause; by\n"
"                              default, NDJSON lines that lack every literal\n"
"                              the rules need are passed over unparsed (a\n"
"                              line that is not one {...} object is still\n"
"                              reported, but deeper JSON faults and missing\n"
"                              timestamps there are not), and a clause whose\n"
"                              literals are absent from the event is false\n"
"                              without being evaluated\n"
"      --threads N             threads that parse and evaluate events, and run\n"
"                              the prefilter over a plain NDJSON file; results\n"
"                              and messages are those of one thread (default:\n"
"                              the CPUs, at most 8)\n"
"  -h, --help                  show this help\n"
"\n"
"Exit status: 0 no match, 1 matches or alerts, 2 fatal error (bad usage, an\n"
"invalid query or rule, an unreadable input, or no usable event at all).\n"
"Malformed events are reported as FILE:LINE, skipped and counted; they do not\n"
"change the status while other events could be used.\n",
	      out);
}

struct detect_args {
	const char *query;
	struct detector_date_field *date_fields; /* the names point into argv */
	size_t ndate_fields;
	const char **rule_paths;
	size_t nrule_paths;
	bool include_disabled;
	bool table;
	bool quiet;              /* --quiet: no progress line */
	bool no_prefilter;       /* --no-prefilter: parse every event */
	unsigned threads;        /* --threads */
	const char *from, *to;   /* --from and --to as given, for messages */
	struct detector_options det;
	struct input_limits input;
	char **files;
	size_t nfiles;
};

/* An integer from `min` to `max`; the message names both bounds. */
static bool parse_bounded(const char *option, const char *text, int64_t min, int64_t max,
			  int64_t *out)
{
	char *end;
	long long n;

	errno = 0;
	n = strtoll(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' || n < min || n > max) {
		diag_error("invalid value '%s' for --%s: expected an integer from %" PRId64
			   " to %" PRId64, text, option, min, max);
		return false;
	}
	*out = n;
	return true;
}

/* --sort-buffer: a number of events, or "all" (0 for the detector: no buffer, hold all). */
static bool parse_sort_buffer(const char *text, size_t *out)
{
	char *end;
	long long n;

	if (strcmp(text, "all") == 0) {
		*out = 0;
		return true;
	}
	errno = 0;
	n = strtoll(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' || n < 1) {
		diag_error("invalid value '%s' for --sort-buffer: expected a number of events "
			   "of at least 1, or all", text);
		return false;
	}
	*out = (size_t)n;
	return true;
}

static bool parse_time(const char *option, const char *text, int64_t *ms)
{
	if (timestamp_parse_text(text, strlen(text), ms))
		return true;
	diag_error("invalid time '%s' for --%s: expected ISO 8601 (2024-05-01T10:00:00Z) "
		   "or epoch milliseconds", text, option);
	return false;
}

/* --date-field FIELD[=FORMAT]: checks the format now, so that a typo stops the run. */
static bool parse_date_field(char *arg, struct detect_args *a)
{
	char *eq = strchr(arg, '=');
	struct detector_date_field *f;
	struct datefmt *fmt;
	char err[256];

	if (eq == arg || arg[0] == '\0') {
		diag_error("invalid value '%s' for --date-field: expected FIELD or FIELD=FORMAT", arg);
		return false;
	}
	if (eq != NULL)
		*eq = '\0';
	fmt = datefmt_parse(eq ? eq + 1 : NULL, err, sizeof(err));
	if (fmt == NULL) {
		diag_error("invalid format for --date-field %s: %s", arg, err);
		return false;
	}
	datefmt_free(fmt);

	a->date_fields = xrealloc(a->date_fields, (a->ndate_fields + 1) * sizeof(*a->date_fields));
	f = &a->date_fields[a->ndate_fields++];
	f->path = arg;
	f->format = eq ? eq + 1 : NULL;
	return true;
}

static bool parse_option(int opt, char *arg, struct detect_args *a)
{
	int64_t n;

	switch (opt) {
	case 'q': return cli_set_query(&a->query, arg);
	case 'r':
		a->rule_paths = xrealloc(a->rule_paths, (a->nrule_paths + 1) * sizeof(*a->rule_paths));
		a->rule_paths[a->nrule_paths++] = arg;
		return true;
	case OPT_INCLUDE_DISABLED: a->include_disabled = true; return true;
	case OPT_QUIET: a->quiet = true; return true;
	case OPT_NO_PREFILTER: a->no_prefilter = a->det.no_clause_index = true; return true;
	case OPT_THREADS:
		if (!cli_parse_count("threads", arg, 1, &n))
			return false;
		if (n > MAX_THREADS) {
			diag_error("invalid value '%s' for --threads: at most %d", arg, MAX_THREADS);
			return false;
		}
		a->threads = (unsigned)n;
		return true;
	case OPT_FORMAT:
		if (strcmp(arg, "table") == 0 || strcmp(arg, "ndjson") == 0) {
			a->table = strcmp(arg, "table") == 0;
			return true;
		}
		diag_error("invalid value '%s' for --format: expected ndjson or table", arg);
		return false;
	case OPT_TIMESTAMP_FIELD: a->det.timestamp_field = arg; return true;
	case OPT_TIEBREAKER_FIELD: a->det.tiebreaker_field = arg; return true;
	case OPT_CATEGORY_FIELD: a->det.category_field = arg; return true;
	case OPT_SIZE: return cli_parse_count("size", arg, 0, &a->det.size);
	case OPT_RESULT_POSITION:
		if (strcmp(arg, "head") == 0 || strcmp(arg, "tail") == 0) {
			a->det.result_tail = strcmp(arg, "tail") == 0;
			return true;
		}
		diag_error("invalid value '%s' for --result-position: expected head or tail", arg);
		return false;
	case OPT_MAX_SAMPLES_PER_KEY:
		if (!cli_parse_count("max-samples-per-key", arg, 1, &n))
			return false;
		if (n > MAX_SAMPLES_PER_KEY) {
			diag_error("invalid value '%s' for --max-samples-per-key: at most %d", arg,
				   MAX_SAMPLES_PER_KEY);
			return false;
		}
		a->det.max_samples_per_key = (size_t)n;
		return true;
	case OPT_DATE_FIELD: return parse_date_field(arg, a);
	case OPT_FROM:
		a->det.has_from = true;
		a->from = arg;
		return parse_time("from", arg, &a->det.from_ms);
	case OPT_TO:
		a->det.has_to = true;
		a->to = arg;
		return parse_time("to", arg, &a->det.to_ms);
	case OPT_REORDER_WINDOW: return cli_parse_duration("reorder-window", arg, &a->det.reorder_window_ms);
	case OPT_SORT_BUFFER: return parse_sort_buffer(arg, &a->det.sort_buffer);
	case OPT_REORDER_MAX:
		if (!cli_parse_count("reorder-max-events", arg, 1, &n)) return false;
		a->det.reorder_max = (size_t)n;
		return true;
	case OPT_MAX_SEQUENCES:
		if (!cli_parse_count("max-sequences", arg, 1, &n)) return false;
		a->det.max_sequences = (size_t)n;
		return true;
	case OPT_MAX_DOCUMENT:
		if (!cli_parse_count("max-document-size", arg, 1024, &n)) return false;
		a->input.max_document = (size_t)n;
		return true;
	case OPT_MAX_DEPTH:
		if (!parse_bounded("max-depth", arg, 2, DETECTOR_MAX_DEPTH, &n)) return false;
		a->det.scan.max_depth = (unsigned)n;
		return true;
	case OPT_MAX_VALUES:
		if (!parse_bounded("max-values-per-field", arg, 1, DETECTOR_MAX_VALUES, &n))
			return false;
		a->det.scan.max_values = (unsigned)n;
		return true;
	case OPT_MAX_ERRORS:
		if (!cli_parse_count("max-errors", arg, 0, &n)) return false;
		a->det.max_diagnostics = (size_t)n;
		return true;
	}
	return false;
}

/* Returns 0 to go on, or the exit status to return at once. */
static int parse_args(int argc, char **argv, struct detect_args *a)
{
	struct input_limits limits = INPUT_LIMITS_DEFAULT;
	int opt;

	memset(a, 0, sizeof(*a));
	detector_options_default(&a->det);
	a->det.sort_buffer = DEFAULT_SORT_BUFFER;
	a->input = limits;
	optind = 1;
	opterr = 0; /* getopt's own messages would start with "detect:" */
	while ((opt = getopt_long(argc, argv, ":q:r:h", long_options, NULL)) != -1) {
		if (opt == 'h') {
			detect_usage(stdout);
			return EXIT_NOTHING_FOUND + 100;
		}
		if (opt == '?' || opt == ':' || !parse_option(opt, optarg, a)) {
			if (opt == '?' || opt == ':')
				cli_option_error("detect", opt, argv);
			fputs("Run 'sitewatch detect --help' for the options.\n", stderr);
			return EXIT_FATAL;
		}
	}
	if (a->query != NULL && a->nrule_paths > 0) {
		diag_error("-q and -r cannot be used together: run a query or rules, not both");
		return EXIT_FATAL;
	}
	if (a->det.has_from && a->det.has_to && a->det.from_ms > a->det.to_ms) {
		diag_error("--from %s is later than --to %s, so the time range holds no event; "
			   "swap them", a->from, a->to);
		return EXIT_FATAL;
	}
	a->files = argv + optind;
	a->nfiles = (size_t)(argc - optind);
	return 0;
}

static unsigned default_threads(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	if (cpus < 1)
		return 1;
	return cpus > DEFAULT_MAX_THREADS ? DEFAULT_MAX_THREADS : (unsigned)cpus;
}

/* What reading the inputs shares: the literal prefilter, the progress line and the counts. */
struct reading {
	struct detector *det;
	struct plan_prefilter *prefilter; /* NULL: every event is parsed */
	struct detect_progress progress;
	unsigned threads;                 /* filter workers per input, and evaluation workers */
	struct detect_pool *pool;         /* evaluation workers; NULL: this thread evaluates */
	size_t framing_skipped;           /* malformed documents the input layer found */
	size_t filtered;                  /* lines the prefilter passed over */
	size_t trailing;                  /* lines with text after their document */
	size_t max_reports;               /* --max-errors: malformed documents with a message, per input */
	/*
	 * Per FILE argument, from the first reading, for a second one: the
	 * input layer's messages (printed once only) and whether it could
	 * not be opened (not tried again). NULL for a run that reads once.
	 */
	size_t *messages;
	bool *unopened;
};

/*
 * True when a line does not look like one whole JSON object: after
 * trimming whitespace it does not start with '{' and end with '}'. Such a
 * line (a truncated write, text mixed into the log) goes to the full
 * parser even when the prefilter would pass over it, so that it is
 * reported as malformed.
 */
static bool looks_broken(const char *line, size_t len)
{
	size_t start = 0, end = len;

	while (start < end && (line[start] == ' ' || line[start] == '\t'))
		start++;
	while (end > start && (line[end - 1] == ' ' || line[end - 1] == '\t' ||
			       line[end - 1] == '\r' || line[end - 1] == '\n'))
		end--;
	return start == end || line[start] != '{' || line[end - 1] != '}';
}

/* The input layer's line filter; filter workers call it from their threads. */
static bool filter_line(void *arg, const char *line, size_t len)
{
	const struct plan_prefilter *pf = arg;

	return looks_broken(line, len) || plan_prefilter_pass(pf, line, len);
}

/* The input layer's tick, on this thread: redraws the progress line now and then. */
static void tick(void *arg)
{
	struct reading *rd = arg;

	detect_progress_tick(&rd->progress, detector_stats(rd->det)->results);
}

/* The prefilter of the job's queries, or NULL when some clause needs no literal. */
static struct plan_prefilter *job_prefilter(const struct detect_job *job)
{
	const struct eql_query **asts = xcalloc(job->nqueries + 1, sizeof(*asts));
	struct plan_prefilter *pf;

	for (size_t i = 0; i < job->nqueries; i++)
		asts[i] = job->queries[i].ast;
	pf = plan_prefilter_new(asts, job->nqueries);
	free(asts);
	return pf;
}

static bool stdin_is_live(void);

/* Copies the input's counts as they were when it returned the document just read. */
static void input_counts(const struct input *in, struct detect_pool_counts *out)
{
	out->messages = input_messages(in);
	out->skipped = input_skipped(in);
	out->trailing = input_trailing(in);
	out->filtered = input_filtered(in);
}

/*
 * Feeds the documents of `in` to the evaluation workers; the counts are
 * those of the last document fed. Returns input_next()'s last result, 1
 * when the detector stopped the reading.
 */
static int feed_pool(struct reading *rd, struct input *in, bool streaming,
		     struct detect_pool_counts *counts)
{
	struct input_doc doc;
	int r;

	input_set_notice(in, detect_pool_notice, rd->pool);
	while ((r = input_next(in, &doc)) == 1) {
		input_counts(in, counts);
		if (!detect_pool_feed(rd->pool, doc.json, doc.len, doc.origin, doc.line, streaming,
				      counts))
			break;
		detect_progress_tick(&rd->progress, detector_stats(rd->det)->results);
	}
	if (!detect_pool_drain(rd->pool)) {
		*counts = *detect_pool_stop_counts(rd->pool);
		return 1;
	}
	input_counts(in, counts);
	return r;
}

/* Feeds the documents of `in` to the detector on this thread, as detect_pool_feed() would. */
static int feed_here(struct reading *rd, struct input *in, bool streaming,
		     struct detect_pool_counts *counts)
{
	struct input_doc doc;
	int r;

	while ((r = input_next(in, &doc)) == 1) {
		detector_feed(rd->det, doc.json, doc.len, doc.origin, doc.line, streaming);
		detect_progress_tick(&rd->progress, detector_stats(rd->det)->results);
		if ((streaming && detector_done(rd->det)) || detector_order_broken(rd->det))
			break;
	}
	input_counts(in, counts);
	return r;
}

/*
 * Reads input `index` of `files` into the detector, or stdin for "-".
 * Returns false on a read error. Reading stops where the detector finds
 * the files out of order.
 */
static bool read_input(struct reading *rd, char **files, size_t index,
		       const struct input_limits *limits)
{
	const char *path = files[index];
	bool streaming = strcmp(path, "-") == 0;
	struct input *in = input_open(path, limits);
	struct detect_pool_counts counts;
	int r;

	if (in == NULL) {
		if (rd->unopened != NULL)
			rd->unopened[index] = true;
		return false;
	}
	if (rd->messages != NULL)
		input_set_quiet(in, rd->messages[index]);
	input_set_max_reports(in, rd->max_reports);
	if (rd->prefilter != NULL)
		input_set_filter(in, filter_line, rd->prefilter);
	input_set_threads(in, rd->threads);
	input_set_tick(in, tick, rd);
	detect_progress_file(&rd->progress, in, streaming ? "<stdin>" : path);
	/*
	 * A live stream is fed one event at a time: a batch would keep its
	 * events from the detector until more arrive.
	 */
	if (rd->pool != NULL && !(streaming && stdin_is_live()))
		r = feed_pool(rd, in, streaming, &counts);
	else
		r = feed_here(rd, in, streaming, &counts);
	if (rd->messages != NULL)
		rd->messages[index] = counts.messages;
	rd->framing_skipped += counts.skipped;
	rd->trailing += counts.trailing;
	rd->filtered += counts.filtered;
	detect_progress_file_end(&rd->progress);
	input_close(in);
	return r >= 0;
}

/* What the sequence and sample limits cost, and what missing events left open. */
static void print_sequence_summary(const struct detector_stats *st)
{
	if (st->sequences_evicted > 0)
		diag_warn("%" PRIu64 " open sequences were dropped, oldest first, because --max-sequences "
			  "was reached; raise it to keep them", st->sequences_evicted);
	if (st->missing_forgotten > 0)
		diag_warn("%" PRIu64 " missing-event records were dropped because --max-sequences was "
			  "reached; a sequence may match although its missing event occurred",
			  st->missing_forgotten);
	if (st->sequences_undecided > 0)
		diag_warn("%" PRIu64 " sequences with a missing event (![...]) were not reported: an event "
			  "outside --from/--to, within maxspan, could rule them out; widen the range "
			  "by maxspan to decide them", st->sequences_undecided);
	if (st->sequences_open_at_end > 0)
		diag_warn("%" PRIu64 " reported sequences end with a missing event (![...]) whose maxspan "
			  "window was still open when the input ended; a later event could still "
			  "rule them out", st->sequences_open_at_end);
	if (st->sample_keys_rejected > 0)
		diag_warn("%" PRIu64 " events of sample queries were not kept because --max-sequences "
			  "join keys were already held; raise it to keep them", st->sample_keys_rejected);
	if (st->sample_searches_stopped > 0)
		diag_warn("%" PRIu64 " sample join keys stopped the search for distinct events after "
			  "its step limit; they may give fewer samples", st->sample_searches_stopped);
}

/* Late events of a stream: `why` they were late, and the option to raise. */
static void print_late(const struct detector_stats *st, const char *why, const char *raise)
{
	if (st->late_skipped > 0)
		diag_warn("%" PRIu64 " events arrived %s; sequence queries skipped %" PRIu64
			  " of them (raise %s)", st->late, why, st->late_skipped, raise);
	else
		diag_warn("%" PRIu64 " events arrived %s and were reported out of time order "
			  "(raise %s to keep the order)", st->late, why, raise);
}

/* `filtered` events were counted but not parsed, so they are neither skipped nor examined. */
static void print_summary(const struct detector_stats *st, size_t framing_skipped,
			  size_t filtered, size_t trailing)
{
	uint64_t malformed = st->malformed + framing_skipped;
	uint64_t skipped = malformed + st->over_limit + st->no_timestamp;
	char over[96] = "";

	if (st->over_limit > 0)
		snprintf(over, sizeof(over), ", %" PRIu64 " over --max-depth or --max-values-per-field",
			 st->over_limit);
	if (skipped > 0)
		diag_error("%" PRIu64 " of %" PRIu64 " events skipped: %" PRIu64 " malformed%s, "
			   "%" PRIu64 " without a valid timestamp", skipped,
			   st->events + framing_skipped + filtered, malformed, over, st->no_timestamp);
	if (trailing > 0)
		diag_warn("%zu lines had text after their event; the events were read and the "
			  "text ignored", trailing);
	if (st->late > 0 && st->late_at_cap == 0)
		print_late(st, "later than the reorder window", "--reorder-window");
	else if (st->late > 0)
		print_late(st, "after --reorder-max-events released newer ones early",
			   st->late_at_cap == st->late ? "--reorder-max-events"
			   : "--reorder-window and --reorder-max-events");
	if (st->released_at_cap > 0)
		diag_warn("%" PRIu64 " events left the reorder window before it passed, because "
			  "--reorder-max-events were waiting", st->released_at_cap);
	print_sequence_summary(st);
}

/*
 * A run that read events but could use none of them: a wrong
 * --timestamp-field, or inputs that are not JSON events. Exit status 2 says
 * so where 0 would claim that nothing matched. Events the prefilter passed
 * over were not read, so they do not count as unusable.
 */
static bool nothing_usable(const struct detector_stats *st, const char *timestamp_field,
			   size_t framing_skipped, size_t filtered)
{
	if (st->timed > 0 || st->untimed_used > 0)
		return false;
	if (st->no_timestamp > 0) {
		diag_error("no event had a valid %s (%" PRIu64 " events read); if the event time is "
			   "in another field, name it with --timestamp-field", timestamp_field,
			   st->events);
		return true;
	}
	if (filtered > 0 || st->malformed + st->over_limit + framing_skipped == 0)
		return false;
	if (st->malformed + framing_skipped == 0)
		diag_error("no event could be read: every one was over --max-depth or "
			   "--max-values-per-field; raise the limit named above");
	else
		diag_error("no event could be read: every document was malformed or over a limit "
			   "(see the messages above); the input must be JSON events (NDJSON, a JSON "
			   "array or documents), plain, gzip or zstd");
	return true;
}

/* Whether stdin is a live stream (a pipe, socket or terminal), not a file that ends. */
static bool stdin_is_live(void)
{
	struct stat st;

	return fstat(STDIN_FILENO, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode);
}

/*
 * Whether every FILE argument can be read a second time, as the sort
 * buffer may need: none is stdin or a pipe (a FIFO, the /dev/fd/N of a
 * shell's process substitution). stdin comes after the files as a stream
 * whose late events are measured against what the files released, which
 * the buffer would change, so stdin among the inputs turns it off too. A
 * file that cannot be opened fails in both readings alike.
 */
static bool files_rereadable(char **files, size_t n)
{
	struct stat st;

	for (size_t i = 0; i < n; i++) {
		if (strcmp(files[i], "-") == 0)
			return false;
		if (stat(files[i], &st) == 0 &&
		    (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode) || S_ISSOCK(st.st_mode)))
			return false;
	}
	return true;
}

/*
 * Opens the spool where results wait until the end of a run with a sort
 * buffer: a file in $TMPDIR (default /tmp), unlinked at once so that
 * nothing is left behind. Returns NULL, with the reason in `*err`, when it
 * cannot be created.
 */
static FILE *open_spool(const char **dir, int *err)
{
	const char *tmp = getenv("TMPDIR");
	char path[4096];
	FILE *f = NULL;
	int fd = -1;

	*dir = tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp";
	*err = ENAMETOOLONG;
	if (snprintf(path, sizeof(path), "%s/sitewatch-results-XXXXXX", *dir) < (int)sizeof(path)) {
		fd = mkstemp(path);
		*err = errno;
	}
	if (fd >= 0) {
		unlink(path);
		f = fdopen(fd, "w+");
		*err = errno;
	}
	if (f == NULL) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	setvbuf(f, NULL, _IOFBF, 1 << 16);
	*err = 0;
	return f;
}

/*
 * Warns that the files were read with every candidate held, for want of a
 * spool, when there were more candidates than the sort buffer holds: only
 * then would the spool have saved memory.
 */
static void warn_no_spool(const struct detector *det, size_t buffer, const char *dir, int err)
{
	uint64_t held = detector_stats(det)->candidates;

	if (err == 0 || held <= buffer)
		return;
	diag_warn("every one of the %" PRIu64 " events that passed a clause was held in memory "
		  "until the end, past --sort-buffer %zu, because no temporary file for the "
		  "results could be created in %s (%s); set TMPDIR to a writable folder",
		  held, buffer, dir, strerror(err));
}

/* Reads every FILE argument but stdin; false when one could not be read. */
static bool read_files(struct reading *rd, const struct detect_args *a)
{
	bool ok = true;

	for (size_t i = 0; i < a->nfiles && detector_order_broken(rd->det) == NULL; i++) {
		if (strcmp(a->files[i], "-") == 0 || (rd->unopened != NULL && rd->unopened[i]))
			continue;
		if (!read_input(rd, a->files, i, &a->input))
			ok = false;
	}
	return ok;
}

/*
 * Reads the files again after they turned out not to be in time order.
 * It prints where, once, drops what the first reading found and keeps
 * every candidate in memory until the end. Files that could not be opened are not tried
 * again, and the messages of the first reading are not repeated.
 */
static bool read_again(struct reading *rd, struct detect_job *job, const struct detect_args *a)
{
	const struct detector_break *brk = detector_order_broken(rd->det);

	detect_progress_end(&rd->progress);
	diag_at(brk->origin, brk->line, "the files are not in time order: this event sorts "
		"before one that the sort buffer (--sort-buffer %zu) had already released; reading "
		"them again with every event that passes a clause held in memory until the end "
		"(--sort-buffer all reads them once that way)", a->det.sort_buffer);
	detector_restart(rd->det);
	detect_job_restart(job);
	rd->framing_skipped = 0;
	rd->filtered = 0;
	rd->trailing = 0;
	detect_progress_init(&rd->progress, !a->quiet);
	return read_files(rd, a);
}

/* Reads the files, again if they are out of order, then stdin; false when one could not be read. */
static bool read_inputs(struct reading *rd, struct detect_job *job, const struct detect_args *a)
{
	bool ok = read_files(rd, a);

	if (detector_order_broken(rd->det) != NULL)
		ok = read_again(rd, job, a) && ok;
	for (size_t i = 0; i < a->nfiles; i++) {
		if (strcmp(a->files[i], "-") != 0)
			continue;
		detect_job_flush_each(job, stdin_is_live());
		if (!read_input(rd, a->files, i, &a->input))
			ok = false;
	}
	return ok;
}

int cmd_detect(int argc, char **argv)
{
	static char *stdin_only[] = { "-" };
	struct detect_args args;
	struct detect_job job;
	struct detector *det;
	struct reading rd = { .det = NULL };
	bool read_failed;
	FILE *spool = NULL;
	const char *spool_dir = NULL;
	int spool_err = 0;
	size_t buffer;
	int status = parse_args(argc, argv, &args);

	if (status != 0) {
		free(args.rule_paths);
		free(args.date_fields);
		return status >= 100 ? status - 100 : status;
	}

	struct detect_job_options job_opts = {
		.query = args.query,
		.rule_paths = args.rule_paths,
		.nrule_paths = args.nrule_paths,
		.include_disabled = args.include_disabled,
		.table = args.table,
		.timestamp_field = args.det.timestamp_field,
		.date_fields = args.date_fields,
		.ndate_fields = args.ndate_fields,
		.category_field = args.det.category_field,
		.tiebreaker_field = args.det.tiebreaker_field,
	};

	args.det.date_fields = args.date_fields;
	args.det.ndate_fields = args.ndate_fields;
	if (args.nfiles == 0) {
		args.files = stdin_only;
		args.nfiles = 1;
	}
	buffer = args.det.sort_buffer;
	if (buffer > 0 && files_rereadable(args.files, args.nfiles))
		spool = open_spool(&spool_dir, &spool_err);
	if (spool == NULL)
		args.det.sort_buffer = 0;
	det = detector_new(&args.det, detect_job_result, &job);
	if (!detect_job_init(&job, det, &job_opts)) {
		if (spool != NULL)
			fclose(spool);
		detector_free(det);
		detect_job_free(&job);
		free(args.rule_paths);
		free(args.date_fields);
		return EXIT_FATAL;
	}
	detector_start(det);
	rd.det = det;
	rd.prefilter = args.no_prefilter ? NULL : job_prefilter(&job);
	rd.threads = args.threads > 0 ? args.threads : default_threads();
	rd.max_reports = args.det.max_diagnostics;
	/*
	 * --threads 1 evaluates on this thread, with no batches. Otherwise
	 * this thread frames, feeds in order, and evaluates when it waits.
	 */
	rd.pool = rd.threads > 1 ? detect_pool_new(det, rd.threads) : NULL;
	detect_progress_init(&rd.progress, !args.quiet);
	if (spool != NULL) {
		detect_job_set_spool(&job, spool, spool_dir);
		rd.messages = xcalloc(args.nfiles, sizeof(*rd.messages));
		rd.unopened = xcalloc(args.nfiles, sizeof(*rd.unopened));
	}

	read_failed = !read_inputs(&rd, &job, &args);
	detect_pool_free(rd.pool);
	detector_finish(det);
	detect_progress_end(&rd.progress);
	plan_prefilter_free(rd.prefilter);

	print_summary(detector_stats(det), rd.framing_skipped, rd.filtered, rd.trailing);
	warn_no_spool(det, buffer, spool_dir, spool_err);
	detect_job_report_limits(&job, det);
	status = detect_job_finish(&job);
	if (read_failed || nothing_usable(detector_stats(det), args.det.timestamp_field,
					  rd.framing_skipped, rd.filtered))
		status = EXIT_FATAL;
	else if (status == 0 && detector_stats(det)->results > 0)
		status = EXIT_FOUND;

	detect_job_free(&job);
	detector_free(det);
	free(rd.messages);
	free(rd.unopened);
	free(args.rule_paths);
	free(args.date_fields);
	return status;
}
