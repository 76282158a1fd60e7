/*
 * sitewatch scan: lists the Python start-up hooks of this host (or of a
 * mounted image with --root) with a verdict each. Reads only: nothing it
 * inspects is executed, imported or modified.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "scan/scan.h"
#include "util/diag.h"
#include "util/xalloc.h"

enum {
	OPT_ROOT = 256,
	OPT_SEARCH,
	OPT_HOME,
	OPT_FORMAT,
	OPT_FAIL_ON,
	OPT_ALLOW,
	OPT_BASELINE,
	OPT_NO_ENV,
	OPT_NO_PROC,
	OPT_MAX_FILE_SIZE,
	OPT_MAX_SYMLINKS,
	OPT_MAX_DIR_ENTRIES,
	OPT_MAX_PTH_LINES,
	OPT_MAX_DEPTH,
	OPT_MAX_DIRS,
	OPT_MAX_INTERPRETERS,
	OPT_MAX_FINDINGS,
	OPT_MAX_PROCESSES,
};

static const struct option long_options[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "root", required_argument, NULL, OPT_ROOT },
	{ "search", required_argument, NULL, OPT_SEARCH },
	{ "home", required_argument, NULL, OPT_HOME },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "fail-on", required_argument, NULL, OPT_FAIL_ON },
	{ "allow", required_argument, NULL, OPT_ALLOW },
	{ "baseline", required_argument, NULL, OPT_BASELINE },
	{ "no-env", no_argument, NULL, OPT_NO_ENV },
	{ "no-proc", no_argument, NULL, OPT_NO_PROC },
	{ "max-file-size", required_argument, NULL, OPT_MAX_FILE_SIZE },
	{ "max-symlinks", required_argument, NULL, OPT_MAX_SYMLINKS },
	{ "max-dir-entries", required_argument, NULL, OPT_MAX_DIR_ENTRIES },
	{ "max-pth-lines", required_argument, NULL, OPT_MAX_PTH_LINES },
	{ "max-depth", required_argument, NULL, OPT_MAX_DEPTH },
	{ "max-dirs", required_argument, NULL, OPT_MAX_DIRS },
	{ "max-interpreters", required_argument, NULL, OPT_MAX_INTERPRETERS },
	{ "max-findings", required_argument, NULL, OPT_MAX_FINDINGS },
	{ "max-processes", required_argument, NULL, OPT_MAX_PROCESSES },
	{ NULL, 0, NULL, 0 },
};

static void scan_usage(FILE *out)
{
	fputs(
"usage: sitewatch scan [OPTIONS] [PATH...]\n"
"\n"
"Lists every Python start-up hook (.pth lines, sitecustomize, usercustomize,\n"
"PYTHONSTARTUP, PYTHONPATH, PYTHONHOME, PYTHONUSERBASE) that the installed\n"
"interpreters would run, following CPython's rules for each version, with a\n"
"verdict and its reasons. Nothing is executed, imported or modified.\n"
"PATH (an interpreter, a prefix or a virtual environment) replaces the\n"
"default search; user sites then come only from --home.\n"
"\n"
"  -h, --help                show this help\n"
"      --root DIR            scan a mounted image or container root: every path\n"
"                            and symlink is resolved inside DIR; /proc is skipped\n"
"      --search DIR          search DIR for interpreters and environments;\n"
"                            repeatable (default /home /root /opt /srv\n"
"                            /usr/local /tmp /var/tmp, and /usr/lib 4 levels\n"
"                            deep for bundled interpreters)\n"
"      --home DIR            also read the user site and shell files of this home\n"
"      --format FORMAT       table (default on a terminal), ndjson (default\n"
"                            otherwise) or json (one document, for --baseline)\n"
"      --fail-on LEVEL       exit 1 when a finding is at LEVEL or above: benign,\n"
"                            info, low, medium, high (default), critical\n"
"      --allow FILE          allowlist: lines of \"SHA256 [PATH-PATTERN]\"; SHA256 is a\n"
"                            file's sha256, or a setting's allow_sha256\n"
"      --baseline FILE       report only what changed since this earlier --format\n"
"                            json result: new or changed hooks, verdicts that rose,\n"
"                            owner or mode changes, hooks that became active, and\n"
"                            removed ones (kind removed)\n"
"      --no-env              skip the start-up environment files\n"
"      --no-proc             skip /proc/PID/environ of running processes\n"
"      --max-file-size N     bytes read from one file (default 4194304); a larger\n"
"                            .pth or customize module is at least high, and only\n"
"                            its first and last MiB are analysed\n"
"      --max-symlinks N      symlinks followed in one path (default 40)\n"
"      --max-dir-entries N   names read from one folder (default 200000)\n"
"      --max-pth-lines N     lines analysed one by one in a .pth file (default\n"
"                            100000); a longer file is at least high\n"
"      --max-depth N         folder levels searched below a search folder (default 8)\n"
"      --max-dirs N          folders visited by the search (default 2000000)\n"
"      --max-interpreters N  interpreters scanned (default 20000)\n"
"      --max-findings N      findings reported, the worst first (default 100000)\n"
"      --max-processes N     process environments read (default 100000)\n"
"\n"
"Output fields: verdict, path, kind, line, offset, reason, interpreters\n"
"[{path, version}], text, sha256, allow_sha256, uid, mode, size, evidence,\n"
"fingerprint; with --baseline also changed, baseline_verdict, removed_kind.\n"
"Exit status: 0 nothing at the --fail-on level, 1 findings at or above it,\n"
"2 fatal error (bad usage, an unreadable --root, --allow or --baseline).\n",
	      out);
}

struct scan_args {
	struct scan_options opt;
	enum scan_format format;
	bool format_set;
	enum scan_verdict fail_on;
	const char **lists[3]; /* search, homes, paths storage */
};

static bool parse_size(const char *option, const char *text, size_t min, size_t *out)
{
	char *end;
	unsigned long long n;

	errno = 0;
	n = strtoull(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' || text[0] == '-' || n < min) {
		diag_error("invalid value '%s' for --%s: expected an integer of at least %zu",
			   text, option, min);
		return false;
	}
	*out = (size_t)n;
	return true;
}

static void push(const char ***list, size_t *n, const char *value)
{
	*list = xrealloc(*list, (*n + 1) * sizeof(**list));
	(*list)[(*n)++] = value;
}

static bool parse_format(const char *text, struct scan_args *a)
{
	if (strcmp(text, "table") == 0)
		a->format = SCAN_FORMAT_TABLE;
	else if (strcmp(text, "ndjson") == 0)
		a->format = SCAN_FORMAT_NDJSON;
	else if (strcmp(text, "json") == 0)
		a->format = SCAN_FORMAT_JSON;
	else {
		diag_error("invalid value '%s' for --format: expected table, ndjson or json", text);
		return false;
	}
	a->format_set = true;
	return true;
}

/* The options that take a count, mapped to their field. Their enum values follow
 * long_options[] from OPT_ROOT on (index 1), which names them in messages. */
static size_t *cap_field(struct scan_options *o, int c, size_t *min)
{
	*min = 1;
	switch (c) {
	case OPT_MAX_FILE_SIZE: return &o->max_file_size;
	case OPT_MAX_SYMLINKS: *min = 0; return &o->max_links;
	case OPT_MAX_DIR_ENTRIES: return &o->max_dir_entries;
	case OPT_MAX_PTH_LINES: return &o->max_pth_lines;
	case OPT_MAX_DEPTH: *min = 0; return &o->max_depth;
	case OPT_MAX_DIRS: return &o->max_dirs;
	case OPT_MAX_INTERPRETERS: return &o->max_interpreters;
	case OPT_MAX_FINDINGS: return &o->max_findings;
	case OPT_MAX_PROCESSES: *min = 0; return &o->max_processes;
	default: return NULL;
	}
}

static bool parse_option(int c, struct scan_args *a)
{
	struct scan_options *o = &a->opt;
	size_t min, *field;

	switch (c) {
	case OPT_ROOT: o->root = optarg; return true;
	case OPT_SEARCH: push(&o->search, &o->nsearch, optarg); return true;
	case OPT_HOME: push(&o->homes, &o->nhomes, optarg); return true;
	case OPT_FORMAT: return parse_format(optarg, a);
	case OPT_ALLOW: o->allow_file = optarg; return true;
	case OPT_BASELINE: o->baseline_file = optarg; return true;
	case OPT_NO_ENV: o->no_env = true; return true;
	case OPT_NO_PROC: o->no_proc = true; return true;
	case OPT_FAIL_ON:
		if (scan_verdict_parse(optarg, &a->fail_on))
			return true;
		diag_error("invalid value '%s' for --fail-on: expected benign, info, low, medium, "
			   "high or critical", optarg);
		return false;
	default:
		field = cap_field(o, c, &min);
		if (field == NULL)
			return false;
		return parse_size(long_options[c - OPT_ROOT + 1].name, optarg, min, field);
	}
}

static void free_args(struct scan_args *a)
{
	free(a->opt.search);
	free(a->opt.homes);
	free(a->opt.paths);
}

int cmd_scan(int argc, char **argv)
{
	struct scan_args a;
	struct scan_ctx ctx;
	int c, status;

	memset(&a, 0, sizeof(a));
	scan_options_init(&a.opt);
	a.fail_on = SCAN_HIGH;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", long_options, NULL)) != -1) {
		if (c == 'h') {
			scan_usage(stdout);
			free_args(&a);
			return EXIT_NOTHING_FOUND;
		}
		if (c == '?' || !parse_option(c, &a)) {
			if (c == '?')
				fputs("Run 'sitewatch scan --help' for the options.\n", stderr);
			free_args(&a);
			return EXIT_FATAL;
		}
	}
	for (int i = optind; i < argc; i++)
		push(&a.opt.paths, &a.opt.npaths, argv[i]);
	if (!a.format_set)
		a.format = isatty(STDOUT_FILENO) ? SCAN_FORMAT_TABLE : SCAN_FORMAT_NDJSON;

	if (!scan_ctx_init(&ctx, &a.opt)) {
		diag_error("cannot open --root %s: %s; give a mounted root folder", a.opt.root,
			   strerror(errno));
		free_args(&a);
		return EXIT_FATAL;
	}
	if (!scan_run(&ctx)) {
		status = EXIT_FATAL;
	} else {
		scan_output(&ctx, a.format, stdout);
		status = scan_any_at_least(&ctx, a.fail_on) ? EXIT_FOUND : EXIT_NOTHING_FOUND;
	}
	if (fflush(stdout) != 0) {
		diag_error("cannot write the output: %s", strerror(errno));
		status = EXIT_FATAL;
	}
	scan_ctx_free(&ctx);
	free_args(&a);
	return status;
}
