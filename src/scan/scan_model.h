/*
 * The model that the scan stages share: the interpreters found, the homes
 * whose user sites count, the findings, and the run's options and counters.
 *
 * Ownership: struct scan_ctx owns everything reachable from it. Strings of
 * interpreters and homes live in ctx->arena; findings are malloc()ed and
 * released by scan_findings_free() through scan_ctx_free().
 */
#ifndef SW_SCAN_MODEL_H
#define SW_SCAN_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "scan_fs.h"
#include "scan_version.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/strmap.h"

/* Defaults of the remaining caps (the file caps are in scan_fs.h and scan_pth.h). */
#define SCAN_DEFAULT_MAX_DEPTH 8           /* folder levels searched below each --search folder */
#define SCAN_DEFAULT_MAX_DIRS 2000000      /* folders visited while searching */
#define SCAN_DEFAULT_MAX_INTERPRETERS 20000
#define SCAN_DEFAULT_MAX_FINDINGS 100000
/*
 * Findings collected before their verdicts are known, as a multiple of
 * --max-findings: the worst --max-findings of them are kept (scan_run()).
 */
#define SCAN_FINDINGS_COLLECT_FACTOR 16
#define SCAN_DEFAULT_MAX_PROCESSES 100000  /* /proc/PID/environ files read */

enum scan_verdict {
	SCAN_BENIGN,
	SCAN_INFO,
	SCAN_LOW,
	SCAN_MEDIUM,
	SCAN_HIGH,
	SCAN_CRITICAL,
};

const char *scan_verdict_name(enum scan_verdict v);
/* Parses a verdict name; false when unknown. */
bool scan_verdict_parse(const char *name, enum scan_verdict *out);
bool scan_verdict_parse_n(const char *name, size_t len, enum scan_verdict *out);

struct scan_interp {
	char *exe;          /* the path shown, e.g. /usr/bin/python3.11 or VENV/bin/python */
	char *real;         /* the resolved executable, which identifies the interpreter */
	struct scan_pyver ver;
	char version[24];   /* "3.11.7", or "3.11" when the micro release is unknown */
	const char *version_source; /* where the version came from, for the record */
	bool freethreaded;  /* pythonX.Yt folders */
	bool debian;        /* Debian's site.py: dist-packages layout */
	bool venv;
	bool system_site;   /* a venv's include-system-site-packages is "true" */
	bool user_site;     /* the user site is read (not a venv, or one with system site) */
	char *prefix;       /* sys.prefix: the venv folder for a venv */
	char *base_prefix;  /* where the standard library is */
	char *stdlib;       /* BASE/lib/pythonX.Y */
	struct scan_pth_rules rules;
	char **site_dirs;   /* the site folders this interpreter reads, in its order */
	size_t nsite_dirs;
	size_t venv_sites;  /* the first venv_sites entries are the venv's own (read twice per start) */
};

/* A place whose user site counts: a home folder, or a PYTHONUSERBASE value. */
struct scan_userbase {
	char *base;         /* the folder that contains lib/pythonX.Y/site-packages */
	char *origin;       /* "home of alice", or "PYTHONUSERBASE in /etc/environment:3" */
};

/* The reason an interpreter does not run a finding (grouped by `cause` in the reason text). */
struct scan_note {
	size_t interp;
	const char *cause;    /* a static or arena string */
};

struct scan_finding {
	enum scan_verdict verdict;
	char *path;
	const char *kind;   /* pth, pth-path, sitecustomize, usercustomize, startup-env, ... */
	bool has_line;
	size_t line;
	size_t offset;
	char *text;         /* the line or setting, as read */
	size_t text_len;
	char *code;         /* the code that runs, when it is more than `text` (a module's source) */
	size_t code_len;
	/*
	 * Further code judged with this finding: the strings of the cached
	 * bytecode that runs for a source, the modules an import line names.
	 */
	struct buf extra;
	bool executes;      /* a hook that runs code (not a path or setting) */
	bool dormant;       /* would run only on a later version (3.15 stripping) */
	bool fatal;         /* breaks every start of the interpreters listed */
	bool hidden_name;
	bool no_verdict;    /* the verdict is already final (errors, caps) */
	bool module_suspect; /* a module that an executed line imports contains a primitive, or shadows the expected one */
	bool blocked;       /* runs once an earlier start-breaking hook is removed: rated as if it ran */
	bool raised;        /* an import line predicted to raise for some interpreter or pass */
	enum scan_verdict floor; /* the lowest verdict allowed, set by a stage with more evidence */
	enum scan_verdict module_verdict; /* the highest verdict of the modules it imports (benign: none) */
	/*
	 * "PATH SHA256\n" for each module it imports (and bytecode that runs
	 * for one), once each: part of the fingerprint, so a rewritten module
	 * behind an unchanged line is a change for --baseline.
	 */
	struct buf module_digests;
	struct buf reasons; /* "; "-separated, each reason written once */
	size_t *interps;    /* indices into ctx->interps that run it */
	size_t ninterps, interps_cap;
	struct scan_note *notes;
	size_t nnotes, notes_cap;
	char sha256[65];    /* of the whole file, "" when not read */
	/*
	 * For a setting (startup-env, pythonpath-empty): the digest an --allow
	 * entry names, SHA-256 of the line, followed by the script's bytes for
	 * a PYTHONSTARTUP whose script was read. "" otherwise.
	 */
	char allow_sha256[65];
	bool has_stat;
	struct stat st;
	char *evidence;     /* package ownership, shown but never trusted */
	char *fingerprint;  /* stable identity for --baseline */
	bool changed;       /* set by the baseline filter */
	int baseline_verdict; /* the verdict in the baseline when shown (rose, became active, removed), else -1 */
	char *removed_kind; /* kind "removed": the kind the finding had in the baseline */
	bool suppressed;    /* known to the baseline: not reported */
};

struct scan_options {
	const char *root;
	const char **search;
	size_t nsearch;
	const char **paths;     /* explicit interpreters, prefixes or venvs */
	size_t npaths;
	const char **homes;     /* extra home folders whose user sites count */
	size_t nhomes;
	const char *allow_file;
	const char *baseline_file;
	bool no_env;            /* skip the start-up environment files */
	bool no_proc;           /* skip /proc/PID/environ */
	size_t max_file_size;
	size_t max_links;
	size_t max_dir_entries;
	size_t max_pth_lines;
	size_t max_depth;
	size_t max_dirs;
	size_t max_interpreters;
	size_t max_findings;
	size_t max_processes;
};

void scan_options_init(struct scan_options *o);

struct scan_stats {
	size_t dirs_visited;
	size_t site_dirs;
	size_t pth_files;
	size_t env_files;
	size_t processes;
	size_t errors;
	bool dirs_capped;
	bool interps_capped;
	bool findings_capped;     /* the collection ceiling was reached: later findings were not made */
	size_t findings_dropped;  /* findings over --max-findings, the least severe, not reported */
};

struct scan_ctx {
	struct scan_options opt;
	struct scan_fs fs;
	struct arena arena;
	struct scan_interp *interps;
	size_t ninterps, interps_cap;
	struct scan_userbase *userbases;
	size_t nuserbases, userbases_cap;
	struct strmap interp_by_real;  /* resolved executable -> index + 1 */
	struct strmap findings_by_key; /* kind, path, offset -> struct scan_finding * */
	struct scan_finding **findings;
	size_t nfindings, findings_cap;
	struct strmap stdlib_names;    /* stdlib folder -> struct strmap * of module names */
	struct scan_stats stats;
	void *dpkg;                    /* lazily loaded dpkg records (scan_owner.c) */
	struct strmap records;         /* site folder -> RECORD index (scan_owner.c) */
	struct strmap listings;        /* folder -> struct scan_dir *, "" entry when unlistable (scan_site.c) */
	struct strmap pth_cache;       /* .pth path -> struct scan_pth_file * (scan_site.c) */
	size_t ndepth_capped;          /* folders where --max-depth stopped the search (scan_discover.c) */
	bool bounded_walk;             /* the shallow /usr/lib search: its depth stop is by design, not reported */
	char *depth_capped_at;         /* the first of them (arena) */
	struct buf depth_capped_list;  /* the first few, ", "-separated */
	char **pythonpath;             /* PYTHONPATH folders found by the environment stage */
	char **pythonpath_origin;      /* "FILE:LINE" of each */
	size_t npythonpath, pythonpath_cap;
};

bool scan_ctx_init(struct scan_ctx *ctx, const struct scan_options *opt);
void scan_ctx_free(struct scan_ctx *ctx);

/*
 * Returns the finding for (kind, path, offset), creating it on first use.
 * Returns NULL once max_findings * SCAN_FINDINGS_COLLECT_FACTOR findings
 * exist (flagged in the statistics).
 */
struct scan_finding *scan_finding_at(struct scan_ctx *ctx, const char *kind, const char *path,
				     bool has_line, size_t line, size_t offset);
void scan_finding_add_interp(struct scan_finding *f, size_t interp);
bool scan_finding_has_interp(const struct scan_finding *f, size_t interp);
/* Adds one reason, unless the same text is already there. */
void scan_finding_reason(struct scan_finding *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void scan_finding_note(struct scan_finding *f, size_t interp, const char *cause);
void scan_finding_set_text(struct scan_finding *f, const char *text, size_t len);

/* Reports a problem with a file as a finding of kind "error" and counts it. */
void scan_error(struct scan_ctx *ctx, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Arena copies, for strings that live as long as the scan. */
char *scan_strdup(struct scan_ctx *ctx, const char *s);
char *scan_printf(struct scan_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
