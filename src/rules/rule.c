/*
 * The rule set and the rule's vocabulary (severity and confidence words).
 * Reading rule files is in load.c.
 */
#include "rule.h"

#include <stdlib.h>
#include <string.h>

static const char *const severity_names[] = {
	[RULE_SEVERITY_LOW] = "low",
	[RULE_SEVERITY_MEDIUM] = "medium",
	[RULE_SEVERITY_HIGH] = "high",
	[RULE_SEVERITY_CRITICAL] = "critical",
};

/* sitewatch's own scale for how often a rule's alerts are true positives. */
static const char *const confidence_names[] = { "low", "medium", "high" };

void rule_set_init(struct rule_set *set)
{
	memset(set, 0, sizeof(*set));
	set->limits.max_file_bytes = (size_t)64 << 20;
	set->limits.max_rules = 10000;
	set->limits.max_folder_files = 10000;
	set->limits.max_depth = 64;
	set->diag = stderr;
	arena_init(&set->arena, 0);
	strmap_init(&set->by_id);
}

void rule_set_free(struct rule_set *set)
{
	free(set->rules);
	strmap_free(&set->by_id);
	arena_free(&set->arena);
	set->rules = NULL;
	set->count = 0;
	set->cap = 0;
}

const struct rule *rule_set_find(const struct rule_set *set, const char *rule_id)
{
	return strmap_get(&set->by_id, rule_id, strlen(rule_id));
}

const char *rule_severity_name(enum rule_severity severity)
{
	if ((size_t)severity >= sizeof(severity_names) / sizeof(severity_names[0]))
		return "unknown";
	return severity_names[severity];
}

bool rule_severity_parse(const char *word, enum rule_severity *out)
{
	for (size_t i = 0; i < sizeof(severity_names) / sizeof(severity_names[0]); i++) {
		if (strcmp(word, severity_names[i]) == 0) {
			*out = (enum rule_severity)i;
			return true;
		}
	}
	return false;
}

const char *rule_confidence_parse(const char *word)
{
	for (size_t i = 0; i < sizeof(confidence_names) / sizeof(confidence_names[0]); i++)
		if (strcmp(word, confidence_names[i]) == 0)
			return confidence_names[i];
	return NULL;
}
