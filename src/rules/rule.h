/*
 * Detection rules: the model and its loaders.
 *
 * A rule is what Kibana's detection rule API accepts and its export writes
 * (one JSON object per rule), reduced to the fields sitewatch uses, plus one
 * sitewatch extension: a top-level object "sitewatch": {"confidence": WORD},
 * because Kibana's schema has no confidence. Rule files are read in any of
 * these shapes:
 * - one JSON object;
 * - NDJSON, one rule per line, as Kibana exports them. An export ends with
 *   exception lists, action connectors and a summary line (the object with
 *   "exported_count"); the loader skips all three;
 * - a JSON array of rule objects.
 * A path may also be a folder: its files ending in ".json" or ".ndjson" are
 * read in byte order of their names. Sub-folders are not entered.
 *
 * Only EQL rules are kept. A rule whose type or language is not "eql" is
 * skipped with one warning; a missing type or language counts as "eql" so
 * that hand-written rules may leave them out. The loader checks the fields
 * but does not parse the query: the caller does, with the EQL parser.
 *
 * Ownership: a struct rule_set owns every rule and every string of a rule in
 * its arena; rule_set_free() releases them all. The pointers returned by
 * the set stay valid until then.
 */
#ifndef SW_RULE_H
#define SW_RULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../util/arena.h"
#include "../util/strmap.h"

/* Kibana's four severity words, in increasing order. */
enum rule_severity {
	RULE_SEVERITY_LOW,
	RULE_SEVERITY_MEDIUM,
	RULE_SEVERITY_HIGH,
	RULE_SEVERITY_CRITICAL,
};

/* A list of NUL-terminated strings. */
struct rule_strings {
	const char *const *items;
	size_t count;
};

struct rule {
	const char *rule_id;     /* Kibana's stable id, the same in every installation */
	const char *name;
	const char *description; /* "" when the rule has none */
	enum rule_severity severity;
	int risk_score;          /* 0 to 100 */
	int64_t version;         /* 1 when the rule has none */
	const char *type;        /* "eql" */
	const char *language;    /* "eql" */
	const char *query;       /* the EQL text, unparsed */
	size_t query_len;
	struct rule_strings index;
	struct rule_strings tags;
	struct rule_strings references;
	struct rule_strings false_positives;
	struct rule_strings author;
	const char *license;     /* NULL when absent, as are the strings below */
	const char *note;
	const char *timestamp_override;
	const char *timestamp_field;  /* Kibana's EQL sort field, not timestamp_override */
	const char *event_category_override;
	const char *tiebreaker_field;
	bool enabled;            /* true when the rule has no "enabled" */

	/*
	 * The MITRE ATT&CK mapping, Kibana's "threat" array copied from the rule
	 * file with the whitespace outside strings removed; "[]" when absent.
	 */
	const char *threat_json;
	size_t threat_json_len;

	const char *confidence;  /* "low", "medium" or "high"; NULL when absent */

	const char *origin;      /* file the rule came from, or "<bundled>" */
	size_t line;             /* 1-based line where the rule's object starts */
};

/* Caps on what a load may read; rule_set_init() sets the defaults shown. */
struct rule_limits {
	size_t max_file_bytes;   /* one rule file: 64 MiB */
	size_t max_rules;        /* rules kept in one set: 10000 */
	size_t max_folder_files; /* rule files taken from one folder: 10000 */
	size_t max_depth;        /* JSON nesting in a rule file: 64 */
};

struct rule_set {
	struct rule **rules;     /* in load order */
	size_t count;
	size_t cap;
	size_t skipped;          /* rules skipped because they are not EQL */
	size_t warnings;
	size_t errors;
	size_t dropped;          /* rules beyond limits.max_rules, reported once */
	struct rule_limits limits;
	FILE *diag;              /* where warnings and errors go; stderr by default */
	struct arena arena;
	struct strmap by_id;     /* rule_id -> struct rule * */
};

void rule_set_init(struct rule_set *set);
void rule_set_free(struct rule_set *set);

/* Returns the rule with `rule_id`, or NULL. */
const struct rule *rule_set_find(const struct rule_set *set, const char *rule_id);

/*
 * Loaders. Each adds the EQL rules it reads to `set` and prints every
 * problem to set->diag as "sitewatch: FILE:LINE: message". A rule with an
 * error is not added; the other rules of the file are. Returns false when
 * any error was found (the caller should then stop with exit status 2);
 * warnings alone return true.
 */
bool rules_load_path(struct rule_set *set, const char *path);
bool rules_load_text(struct rule_set *set, const char *origin, const char *text, size_t len);

/*
 * Loads the rules compiled into the binary from the TOML files in rules/. Their origin
 * is "<bundled>" and their line is their 1-based position in the list.
 */
bool rules_load_bundled(struct rule_set *set);

/* Returns "low", "medium", "high" or "critical". */
const char *rule_severity_name(enum rule_severity severity);

/* Parses a severity word (lowercase, as Kibana requires); false when unknown. */
bool rule_severity_parse(const char *word, enum rule_severity *out);

/* Returns the static confidence word equal to `word`, or NULL when unknown. */
const char *rule_confidence_parse(const char *word);

#endif
