/*
 * Tests for the rule loaders (src/rules/load.c), the bundled rule and the
 * alert writer. Messages are captured in memory and checked word for word
 * where their wording is part of the contract ("FILE:LINE: rule 'NAME':
 * missing field 'x'"). Files are written under a fresh folder in /tmp.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "rules/alert.h"
#include "rules/rule.h"
#include "util/json.h"

/* A rule set whose messages go to memory. */
struct loader {
	struct rule_set set;
	char *messages;
	size_t messages_len;
};

static void loader_init(struct loader *l)
{
	rule_set_init(&l->set);
	l->messages = NULL;
	l->messages_len = 0;
	l->set.diag = open_memstream(&l->messages, &l->messages_len);
	assert_non_null(l->set.diag);
}

/* Returns every message printed so far. */
static const char *loader_messages(struct loader *l)
{
	fflush(l->set.diag);
	return l->messages != NULL ? l->messages : "";
}

static void loader_free(struct loader *l)
{
	fclose(l->set.diag);
	free(l->messages);
	rule_set_free(&l->set);
}

static bool load_text(struct loader *l, const char *origin, const char *text)
{
	return rules_load_text(&l->set, origin, text, strlen(text));
}

static void assert_contains(const char *haystack, const char *needle)
{
	if (strstr(haystack, needle) == NULL)
		fail_msg("expected \"%s\" in:\n%s", needle, haystack);
}

/* A folder under /tmp for one test, with helpers to fill and remove it. */
struct tmpdir {
	char path[64];
};

static void tmpdir_make(struct tmpdir *t)
{
	strcpy(t->path, "/tmp/sitewatch-test-rules-XXXXXX");
	assert_non_null(mkdtemp(t->path));
}

static void tmpdir_write(const struct tmpdir *t, const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", t->path, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void tmpdir_remove(const struct tmpdir *t, const char *const *names, size_t n)
{
	char path[256];

	for (size_t i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", t->path, names[i]);
		remove(path);
	}
	rmdir(t->path);
}

static const char full_rule[] =
	"{\n"
	"  \"rule_id\": \"11111111-2222-3333-4444-555555555555\",\n"
	"  \"name\": \"Full rule\",\n"
	"  \"description\": \"Every field set.\",\n"
	"  \"severity\": \"critical\",\n"
	"  \"risk_score\": 99,\n"
	"  \"version\": 7,\n"
	"  \"type\": \"eql\",\n"
	"  \"language\": \"eql\",\n"
	"  \"query\": \"file where file.name == \\\"a\\\\\\\\b\\\"\\n\",\n"
	"  \"index\": [\"logs-*\", \"auditbeat-*\"],\n"
	"  \"tags\": [\"Tactic: Persistence\"],\n"
	"  \"references\": [\"https://example.org/a\", \"https://example.org/b\"],\n"
	"  \"false_positives\": [\"pip\"],\n"
	"  \"author\": [\"Someone\"],\n"
	"  \"license\": \"Apache-2.0\",\n"
	"  \"note\": \"## Triage\",\n"
	"  \"timestamp_override\": \"event.ingested\",\n"
	"  \"timestamp_field\": \"@timestamp\",\n"
	"  \"event_category_override\": \"event.type\",\n"
	"  \"tiebreaker_field\": \"event.sequence\",\n"
	"  \"enabled\": false,\n"
	"  \"threat\": [\n"
	"    {\"framework\": \"MITRE ATT&CK\",\n"
	"     \"tactic\": {\"id\": \"TA0003\", \"name\": \"Persistence\",\n"
	"                \"reference\": \"https://attack.mitre.org/tactics/TA0003/\"},\n"
	"     \"technique\": [{\"id\": \"T1546\", \"name\": \"Event Triggered Execution\",\n"
	"                    \"reference\": \"https://attack.mitre.org/techniques/T1546/\",\n"
	"                    \"subtechnique\": [{\"id\": \"T1546.018\", \"name\": \"Python Startup Hooks\",\n"
	"                      \"reference\": \"https://attack.mitre.org/techniques/T1546/018/\"}]}]}\n"
	"  ],\n"
	"  \"sitewatch\": {\"confidence\": \"high\"}\n"
	"}\n";

static const char full_threat_compact[] =
	"[{\"framework\":\"MITRE ATT&CK\","
	"\"tactic\":{\"id\":\"TA0003\",\"name\":\"Persistence\","
	"\"reference\":\"https://attack.mitre.org/tactics/TA0003/\"},"
	"\"technique\":[{\"id\":\"T1546\",\"name\":\"Event Triggered Execution\","
	"\"reference\":\"https://attack.mitre.org/techniques/T1546/\","
	"\"subtechnique\":[{\"id\":\"T1546.018\",\"name\":\"Python Startup Hooks\","
	"\"reference\":\"https://attack.mitre.org/techniques/T1546/018/\"}]}]}]";

static void json_rule_keeps_every_field(void **state)
{
	struct loader l;
	const struct rule *r;

	(void)state;
	loader_init(&l);
	assert_true(load_text(&l, "full.json", full_rule));
	assert_string_equal(loader_messages(&l), "");
	assert_int_equal(l.set.count, 1);
	r = l.set.rules[0];

	assert_string_equal(r->rule_id, "11111111-2222-3333-4444-555555555555");
	assert_string_equal(r->name, "Full rule");
	assert_string_equal(r->description, "Every field set.");
	assert_int_equal(r->severity, RULE_SEVERITY_CRITICAL);
	assert_int_equal(r->risk_score, 99);
	assert_int_equal(r->version, 7);
	assert_string_equal(r->type, "eql");
	assert_string_equal(r->language, "eql");
	assert_string_equal(r->query, "file where file.name == \"a\\\\b\"\n");
	assert_int_equal(r->query_len, strlen(r->query));
	assert_int_equal(r->index.count, 2);
	assert_string_equal(r->index.items[1], "auditbeat-*");
	assert_int_equal(r->tags.count, 1);
	assert_string_equal(r->tags.items[0], "Tactic: Persistence");
	assert_int_equal(r->references.count, 2);
	assert_int_equal(r->false_positives.count, 1);
	assert_string_equal(r->author.items[0], "Someone");
	assert_string_equal(r->license, "Apache-2.0");
	assert_string_equal(r->note, "## Triage");
	assert_string_equal(r->timestamp_override, "event.ingested");
	assert_string_equal(r->timestamp_field, "@timestamp");
	assert_string_equal(r->event_category_override, "event.type");
	assert_string_equal(r->tiebreaker_field, "event.sequence");
	assert_false(r->enabled);
	assert_string_equal(r->threat_json, full_threat_compact);
	assert_int_equal(r->threat_json_len, strlen(full_threat_compact));
	assert_string_equal(r->confidence, "high");
	assert_string_equal(r->origin, "full.json");
	assert_int_equal(r->line, 1);
	assert_ptr_equal(rule_set_find(&l.set, r->rule_id), r);
	loader_free(&l);
}

static void minimal_rule_gets_defaults(void **state)
{
	struct loader l;
	const struct rule *r;

	(void)state;
	loader_init(&l);
	assert_true(load_text(&l, "min.json",
		"{\"rule_id\":\"m\",\"name\":\"Minimal\",\"query\":\"any where true\","
		"\"severity\":\"low\",\"risk_score\":0,\"note\":null}"));
	assert_int_equal(l.set.count, 1);
	r = l.set.rules[0];
	assert_string_equal(r->type, "eql");
	assert_string_equal(r->language, "eql");
	assert_int_equal(r->version, 1);
	assert_true(r->enabled);
	assert_string_equal(r->description, "");
	assert_string_equal(r->threat_json, "[]");
	assert_null(r->confidence);
	assert_null(r->note);
	assert_null(r->license);
	assert_int_equal(r->tags.count, 0);
	loader_free(&l);
}

static void ndjson_export_skips_summary(void **state)
{
	struct loader l;

	(void)state;
	loader_init(&l);
	assert_true(load_text(&l, "export.ndjson",
		"{\"rule_id\":\"a\",\"name\":\"A\",\"query\":\"any where true\",\"severity\":\"low\",\"risk_score\":1,\"type\":\"eql\",\"language\":\"eql\"}\n"
		"{\"rule_id\":\"b\",\"name\":\"B\",\"query\":\"any where true\",\"severity\":\"high\",\"risk_score\":73,\"type\":\"eql\",\"language\":\"eql\"}\n"
		"{\"exported_count\":2,\"exported_rules_count\":2,\"missing_rules\":[],\"missing_rules_count\":0}\n"));
	assert_string_equal(loader_messages(&l), "");
	assert_int_equal(l.set.count, 2);
	assert_string_equal(l.set.rules[0]->name, "A");
	assert_int_equal(l.set.rules[0]->line, 1);
	assert_string_equal(l.set.rules[1]->name, "B");
	assert_int_equal(l.set.rules[1]->line, 2);
	loader_free(&l);
}

static void export_skips_exceptions_and_connectors(void **state)
{
	struct loader l;

	(void)state;
	loader_init(&l);
	assert_true(load_text(&l, "export.ndjson",
		"{\"rule_id\":\"a\",\"name\":\"A\",\"query\":\"any where true\",\"severity\":\"low\",\"risk_score\":1,"
		"\"exceptions_list\":[{\"id\":\"x\",\"list_id\":\"l\",\"type\":\"detection\",\"namespace_type\":\"single\"}]}\n"
		"{\"list_id\":\"l\",\"type\":\"detection\",\"name\":\"Exceptions\"}\n"
		"{\"item_id\":\"i\",\"list_id\":\"l\",\"entries\":[]}\n"
		"{\"id\":\"c\",\"type\":\"action\",\"attributes\":{}}\n"
		"{\"exported_count\":4}\n"));
	assert_int_equal(l.set.count, 1);
	assert_string_equal(loader_messages(&l),
		"sitewatch: export.ndjson:1: warning: rule 'A': its exceptions_list is not applied: "
		"sitewatch does not read Kibana exception lists\n"
		"sitewatch: export.ndjson: warning: skipped 2 exception list entries: "
		"sitewatch does not apply Kibana exceptions\n");
	loader_free(&l);
}

static void array_of_rules_loads(void **state)
{
	struct loader l;

	(void)state;
	loader_init(&l);
	assert_true(load_text(&l, "array.json",
		"[\n"
		"  {\"rule_id\":\"a\",\"name\":\"A\",\"query\":\"any where true\",\"severity\":\"low\",\"risk_score\":1},\n"
		"  {\"rule_id\":\"b\",\"name\":\"B\",\"query\":\"any where true\",\"severity\":\"medium\",\"risk_score\":47}\n"
		"]\n"));
	assert_int_equal(l.set.count, 2);
	assert_int_equal(l.set.rules[0]->line, 2);
	assert_int_equal(l.set.rules[1]->line, 3);
	assert_int_equal(l.set.rules[1]->severity, RULE_SEVERITY_MEDIUM);
	loader_free(&l);
}

static void non_object_value_is_error(void **state)
{
	struct loader l;

	(void)state;
	loader_init(&l);
	assert_false(load_text(&l, "bad.json", "[[{}]]\n42\n"));
	assert_string_equal(loader_messages(&l),
		"sitewatch: bad.json:1: expected a rule (a JSON object), found array\n"
		"sitewatch: bad.json:2: expected a rule (a JSON object), found number\n");
	loader_free(&l);
}

static void folder_reads_sorted_rule_files(void **state)
{
	static const char *const names[] = { "b.ndjson", "a.json", "c.txt", "d.json", "e" };
	struct tmpdir t;
	struct loader l;
	char sub[128];

	(void)state;
	tmpdir_make(&t);
	tmpdir_write(&t, "b.ndjson",
		"{\"rule_id\":\"b1\",\"name\":\"B1\",\"query\":\"any where true\",\"severity\":\"low\",\"risk_score\":1}\n"
		"{\"rule_id\":\"b2\",\"name\":\"B2\",\"query\":\"any where true\",\"severity\":\"low\",\"risk_score\":1}\n");
	tmpdir_write(&t, "a.json",
		"{\"rule_id\":\"a\",\"name\":\"A\",\"query\":\"any where true\",\"severity\":\"low\",\"risk_score\":1}");
	tmpdir_write(&t, "c.txt", "not a rule");
	snprintf(sub, sizeof(sub), "%s/d.json", t.path);
	assert_int_equal(mkdir(sub, 0700), 0);
	tmpdir_write(&t, "e", "{}");

	loader_init(&l);
	assert_true(rules_load_path(&l.set, t.path));
	assert_string_equal(loader_messages(&l), "");
	assert_int_equal(l.set.count, 3);
	assert_string_equal(l.set.rules[0]->name, "A");
	assert_string_equal(l.set.rules[1]->name, "B1");
	assert_string_equal(l.set.rules[2]->name, "B2");
	assert_non_null(strstr(l.set.rules[2]->origin, "/b.ndjson"));
	assert_int_equal(l.set.rules[2]->line, 2);
	loader_free(&l);
	tmpdir_remove(&t, names, sizeof(names) / sizeof(names[0]));
}

static void folder_reports_every_bad_file(void **state)
{
	static const char *const names[] = { "a.json", "b.json" };
	struct tmpdir t;
	struct loader l;
	const char *messages;

	(void)state;
	tmpdir_make(&t);
	tmpdir_write(&t, "a.json", "{\"rule_id\": }");
	tmpdir_write(&t, "b.json", "{\"rule_id\":\"b\",\"name\":\"B\",\"query\":\"x\",\"severity\":\"low\"}");

	loader_init(&l);
	assert_false(rules_load_path(&l.set, t.path));
	messages = loader_messages(&l);
	assert_contains(messages, "/a.json:1:13: invalid JSON: expected a JSON value, found '}'\n");
	assert_contains(messages, "/b.json:1: rule 'B': missing field 'risk_score'\n");
	assert_int_equal(l.set.errors, 2);
	loader_free(&l);
	tmpdir_remove(&t, names, 2);
}

static void empty_folder_warns(void **state)
{
	struct tmpdir t;
	struct loader l;
	char expected[160];

	(void)state;
	tmpdir_make(&t);
	loader_init(&l);
	assert_true(rules_load_path(&l.set, t.path));
	snprintf(expected, sizeof(expected),
		 "sitewatch: %s: warning: no .json or .ndjson rule files in this folder\n", t.path);
	assert_string_equal(loader_messages(&l), expected);
	loader_free(&l);
	tmpdir_remove(&t, NULL, 0);
}

static void missing_path_is_error(void **state)
{
	struct loader l;

	(void)state;
	loader_init(&l);
	assert_false(rules_load_path(&l.set, "/nonexistent/sitewatch-rules.json"));
	assert_string_equal(loader_messages(&l),
		"sitewatch: /nonexistent/sitewatch-rules.json: cannot open rules: No such file or directory\n");
	loader_free(&l);
}

static void file_size_cap_is_reported(void **state)
{
	static const char *const names[] = { "big.json" };
	struct tmpdir t;
	struct loader l;
	char path[128];

	(void)state;
	tmpdir_make(&t);
	tmpdir_write(&t, "big.json", "[                                                  ]");
	snprintf(path, sizeof(path), "%s/big.json", t.path);

	loader_init(&l);
	l.set.limits.max_file_bytes = 16;
	assert_false(rules_load_path(&l.set, path));
	assert_contains(loader_messages(&l),
		"/big.json: rule file larger than 16 bytes; split it into several files in a folder\n");
	loader_free(&l);
	tmpdir_remove(&t, names, 1);
}

static void non_eql_rules_are_skipped(void **state)
{
	struct loader l;

	(void)state;
	loader_init(&l);
	assert_true(load_text(&l, "mixed.ndjson",
		"{\"rule_id\":\"k\",\"name\":\"KQL rule\",\"type\":\"query\",\"language\":\"kuery\",\"query\":\"x:1\",\"severity\":\"low\",\"risk_score\":1}\n"
		"{\"rule_id\":\"m\",\"name\":\"ML rule\",\"type\":\"machine_learning\",\"severity\":\"low\",\"risk_score\":1}\n"
		"{\"rule_id\":\"e\",\"name\":\"EQL rule\",\"type\":\"eql\",\"language\":\"eql\",\"query\":\"any where true\",\"severity\":\"low\",\"risk_score\":1}\n"
		"{\"rule_id\":\"s\",\"name\":\"ESQL rule\",\"type\":\"esql\",\"language\":\"esql\",\"query\":\"from x\",\"severity\":\"low\",\"risk_score\":1}\n"));
	assert_string_equal(loader_messages(&l),
		"sitewatch: mixed.ndjson:1: warning: rule 'KQL rule': skipped: type 'query' with language "
		"'kuery' is not EQL (sitewatch runs only EQL rules)\n"
		"sitewatch: mixed.ndjson:2: warning: rule 'ML rule': skipped: type 'machine_learning' is "
		"not EQL (sitewatch runs only EQL rules)\n"
		"sitewatch: mixed.ndjson:4: warning: rule 'ESQL rule': skipped: type 'esql' with language "
		"'esql' is not EQL (sitewatch runs only EQL rules)\n");
	assert_int_equal(l.set.count, 1);
	assert_string_equal(l.set.rules[0]->name, "EQL rule");
	assert_int_equal(l.set.skipped, 3);
	assert_int_equal(l.set.warnings, 3);
	assert_int_equal(l.set.errors, 0);
	loader_free(&l);
}

static void missing_fields_name_file_and_line(void **state)
{
	struct loader l;

	(void)state;
	loader_init(&l);
	assert_false(load_text(&l, "rules.ndjson",
		"{\"rule_id\":\"ok\",\"name\":\"Fine\",\"query\":\"any where true\",\"severity\":\"low\",\"risk_score\":1}\n"
		"\n"
		"{\"rule_id\":\"x\",\"name\":\"No score\",\"query\":\"any where true\",\"severity\":\"low\"}\n"
		"{\"name\":\"No id\",\"query\":\"any where true\",\"severity\":\"low\",\"risk_score\":2}\n"
		"{\"rule_id\":\"y\",\"query\":\"any where true\",\"severity\":\"low\",\"risk_score\":2}\n"
		"{\"rule_id\":\"z\",\"name\":\"Bare\"}\n"));
	assert_string_equal(loader_messages(&l),
		"sitewatch: rules.ndjson:3: rule 'No score': missing field 'risk_score'\n"
		"sitewatch: rules.ndjson:4: rule 'No id': missing field 'rule_id'\n"
		"sitewatch: rules.ndjson:5: rule with rule_id 'y': missing field 'name'\n"
		"sitewatch: rules.ndjson:6: rule 'Bare': missing field 'query'\n"
		"sitewatch: rules.ndjson:6: rule 'Bare': missing field 'severity'\n"
		"sitewatch: rules.ndjson:6: rule 'Bare': missing field 'risk_score'\n");
	assert_int_equal(l.set.count, 1);
	assert_int_equal(l.set.errors, 6);
	loader_free(&l);
}

struct invalid_case {
	const char *members; /* inserted into an otherwise valid rule named 'R' */
	const char *message;
};

static void invalid_values_are_errors(void **state)
{
	static const struct invalid_case cases[] = {
		{ "\"severity\":\"severe\"",
		  "field 'severity' must be one of low, medium, high, critical, found 'severe'" },
		{ "\"severity\":\"High\"",
		  "field 'severity' must be one of low, medium, high, critical, found 'High'" },
		{ "\"risk_score\":120", "field 'risk_score' must be an integer from 0 to 100, found 120" },
		{ "\"risk_score\":-1", "field 'risk_score' must be an integer from 0 to 100, found -1" },
		{ "\"risk_score\":7.5", "field 'risk_score' must be an integer from 0 to 100, found 7.5" },
		{ "\"risk_score\":\"73\"", "field 'risk_score' must be a number, found string" },
		{ "\"version\":0",
		  "field 'version' must be an integer from 1 to 9223372036854775807, found 0" },
		{ "\"query\":\"\"", "field 'query' is empty" },
		{ "\"name\":\"a\\u0000b\"", "field 'name' contains a NUL character (\\u0000)" },
		{ "\"tags\":\"x\"", "field 'tags' must be an array, found string" },
		{ "\"tags\":[\"a\",1]", "field 'tags[1]' must be a string, found number" },
		{ "\"enabled\":\"yes\"", "field 'enabled' must be a boolean, found string" },
		{ "\"type\":3", "field 'type' must be a string, found number" },
		{ "\"threat\":{}", "field 'threat' must be an array, found object" },
		{ "\"threat\":[{\"framework\":\"MITRE ATT&CK\"}]", "missing field 'threat[0].tactic'" },
		{ "\"threat\":[{\"tactic\":{\"id\":\"TA0003\",\"name\":\"P\",\"reference\":\"u\"}}]",
		  "missing field 'threat[0].framework'" },
		{ "\"threat\":[{\"framework\":\"M\",\"tactic\":{\"id\":\"TA0003\",\"name\":\"P\"}}]",
		  "missing field 'threat[0].tactic.reference'" },
		{ "\"threat\":[{\"framework\":\"M\",\"tactic\":{\"id\":\"T\",\"name\":\"P\",\"reference\":\"u\"},"
		  "\"technique\":[{\"id\":\"T1\",\"name\":\"N\",\"reference\":\"u\",\"subtechnique\":[{\"id\":1,\"name\":\"S\",\"reference\":\"u\"}]}]}]",
		  "field 'threat[0].technique[0].subtechnique[0].id' must be a string, found number" },
		{ "\"sitewatch\":{\"confidance\":\"high\"}",
		  "unknown field 'sitewatch.confidance'; the sitewatch object accepts only 'confidence'" },
		{ "\"sitewatch\":{\"confidence\":\"sure\"}",
		  "field 'sitewatch.confidence' must be one of low, medium, high, found 'sure'" },
		{ "\"sitewatch\":[]", "field 'sitewatch' must be an object, found array" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct loader l;
		char text[1024], expected[512];

		snprintf(text, sizeof(text),
			 "{\"rule_id\":\"r\",\"name\":\"R\",\"query\":\"any where true\",\"severity\":\"low\","
			 "\"risk_score\":1,%s}", cases[i].members);
		loader_init(&l);
		if (load_text(&l, "case.json", text))
			fail_msg("case %zu: %s loaded, expected an error", i, cases[i].members);
		snprintf(expected, sizeof(expected), "sitewatch: case.json:1: rule '%s': %s\n",
			 strncmp(cases[i].members, "\"name\"", 6) == 0 ? "a" : "R", cases[i].message);
		assert_string_equal(loader_messages(&l), expected);
		assert_int_equal(l.set.count, 0);
		loader_free(&l);
	}
}

static void error_line_is_the_value_line(void **state)
{
	struct loader l;

	(void)state;
	loader_init(&l);
	assert_false(load_text(&l, "pretty.json",
		"{\n  \"rule_id\": \"r\",\n  \"name\": \"R\",\n  \"query\": \"any where true\",\n"
		"  \"severity\": \"low\",\n  \"risk_score\": 200\n}\n"));
	assert_string_equal(loader_messages(&l),
		"sitewatch: pretty.json:6: rule 'R': field 'risk_score' must be an integer from 0 to 100, "
		"found 200\n");
	loader_free(&l);
}

static void invalid_json_names_line_and_column(void **state)
{
	struct loader l;

	(void)state;
	loader_init(&l);
	assert_false(load_text(&l, "broken.ndjson", "{\"rule_id\":\"a\"}\n{\"rule_id\" \"b\"}\n"));
	assert_string_equal(loader_messages(&l),
		"sitewatch: broken.ndjson:2:12: invalid JSON: expected ':' after the member name, "
		"found '\"'\n");
	assert_int_equal(l.set.count, 0);
	loader_free(&l);
}

static void duplicate_rule_id_is_error(void **state)
{
	struct loader l;

	(void)state;
	loader_init(&l);
	assert_true(load_text(&l, "one.json",
		"{\"rule_id\":\"same\",\"name\":\"First\",\"query\":\"any where true\",\"severity\":\"low\",\"risk_score\":1}"));
	assert_false(load_text(&l, "two.ndjson",
		"\n{\"rule_id\":\"same\",\"name\":\"Second\",\"query\":\"any where true\",\"severity\":\"low\",\"risk_score\":1}"));
	assert_string_equal(loader_messages(&l),
		"sitewatch: two.ndjson:2: rule 'Second': duplicate rule_id 'same', first used by rule "
		"'First' at one.json:1; give each rule its own rule_id\n");
	assert_int_equal(l.set.count, 1);
	assert_string_equal(rule_set_find(&l.set, "same")->name, "First");
	loader_free(&l);
}

static void rule_cap_is_reported_once(void **state)
{
	struct loader l;

	(void)state;
	loader_init(&l);
	l.set.limits.max_rules = 1;
	assert_false(load_text(&l, "many.ndjson",
		"{\"rule_id\":\"a\",\"name\":\"A\",\"query\":\"any where true\",\"severity\":\"low\",\"risk_score\":1}\n"
		"{\"rule_id\":\"b\",\"name\":\"B\",\"query\":\"any where true\",\"severity\":\"low\",\"risk_score\":1}\n"
		"{\"rule_id\":\"c\",\"name\":\"C\",\"query\":\"any where true\",\"severity\":\"low\",\"risk_score\":1}\n"));
	assert_string_equal(loader_messages(&l),
		"sitewatch: many.ndjson:2: rule 'B': not loaded: a rule set holds at most 1 rules\n");
	assert_int_equal(l.set.count, 1);
	assert_int_equal(l.set.dropped, 2);
	assert_int_equal(l.set.errors, 2);
	loader_free(&l);
}

static void filters_warn_not_applied(void **state)
{
	struct loader l;

	(void)state;
	loader_init(&l);
	assert_true(load_text(&l, "f.json",
		"{\"rule_id\":\"a\",\"name\":\"A\",\"query\":\"any where true\",\"severity\":\"low\",\"risk_score\":1,"
		"\"filters\":[{\"query\":{\"match_phrase\":{\"host.name\":\"x\"}}}]}"));
	assert_string_equal(loader_messages(&l),
		"sitewatch: f.json:1: warning: rule 'A': its filters are not applied: sitewatch runs only "
		"the EQL query\n");
	assert_int_equal(l.set.count, 1);
	loader_free(&l);
}

static void severity_words_round_trip(void **state)
{
	enum rule_severity s;

	(void)state;
	for (int i = RULE_SEVERITY_LOW; i <= RULE_SEVERITY_CRITICAL; i++) {
		assert_true(rule_severity_parse(rule_severity_name((enum rule_severity)i), &s));
		assert_int_equal(s, i);
	}
	assert_false(rule_severity_parse("severe", &s));
	assert_string_equal(rule_confidence_parse("medium"), "medium");
	assert_null(rule_confidence_parse("certain"));
}

static void bundled_rule_metadata(void **state)
{
	static const char threat[] =
		"[{\"framework\":\"MITRE ATT&CK\","
		"\"technique\":[{\"id\":\"T1546\",\"name\":\"Event Triggered Execution\","
		"\"reference\":\"https://attack.mitre.org/techniques/T1546/\","
		"\"subtechnique\":[{\"id\":\"T1546.018\",\"name\":\"Python Startup Hooks\","
		"\"reference\":\"https://attack.mitre.org/techniques/T1546/018/\"}]}],"
		"\"tactic\":{\"id\":\"TA0003\",\"name\":\"Persistence\","
		"\"reference\":\"https://attack.mitre.org/tactics/TA0003/\"}},"
		"{\"framework\":\"MITRE ATT&CK\","
		"\"technique\":[{\"id\":\"T1546\",\"name\":\"Event Triggered Execution\","
		"\"reference\":\"https://attack.mitre.org/techniques/T1546/\","
		"\"subtechnique\":[{\"id\":\"T1546.018\",\"name\":\"Python Startup Hooks\","
		"\"reference\":\"https://attack.mitre.org/techniques/T1546/018/\"}]}],"
		"\"tactic\":{\"id\":\"TA0004\",\"name\":\"Privilege Escalation\","
		"\"reference\":\"https://attack.mitre.org/tactics/TA0004/\"}}]";
	struct loader l;
	const struct rule *r;

	(void)state;
	loader_init(&l);
	assert_true(rules_load_bundled(&l.set));
	assert_string_equal(loader_messages(&l), "");
	assert_int_equal(l.set.count, 1);
	r = l.set.rules[0];

	assert_string_equal(r->name, "Detect Python Startup Hooks");
	assert_string_equal(r->rule_id, "b35a1168-8786-4175-9c28-f062179fc1c7");
	assert_int_equal(r->severity, RULE_SEVERITY_HIGH);
	assert_int_equal(r->risk_score, 73);
	assert_string_equal(r->confidence, "medium");
	assert_int_equal(r->version, 1);
	assert_true(r->enabled);
	assert_string_equal(r->type, "eql");
	assert_string_equal(r->language, "eql");
	assert_int_equal(r->index.count, 3);
	assert_string_equal(r->index.items[0], "logs-endpoint.events.file-*");
	assert_string_equal(r->index.items[1], "logs-endpoint.events.registry-*");
	assert_string_equal(r->index.items[2], "auditbeat-*");
	assert_int_equal(r->false_positives.count, 4);
	assert_string_equal(r->references.items[0], "https://attack.mitre.org/techniques/T1546/018/");
	assert_string_equal(r->threat_json, threat);
	assert_string_equal(r->origin, "<bundled>");
	assert_int_equal(r->line, 1);
	assert_null(r->timestamp_override);
	assert_non_null(strstr(r->description, "sitecustomize.py"));
	assert_non_null(strstr(r->note, "## Triage and analysis"));
	loader_free(&l);
}

/* Reads $SITEWATCH_DATA/RELATIVE into a malloc'd buffer, or skips the test. */
static char *read_reference(const char *relative, size_t *len)
{
	const char *data = getenv("SITEWATCH_DATA");
	char path[1024];
	FILE *f;
	char *text;
	long size;

	if (data == NULL) {
		print_message("SITEWATCH_DATA is not set; skipping (run through meson test)\n");
		skip();
	}
	snprintf(path, sizeof(path), "%s/%s", data, relative);
	f = fopen(path, "rb");
	if (f == NULL) {
		print_message("%s is absent; skipping\n", path);
		skip();
	}
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	fseek(f, 0, SEEK_SET);
	text = malloc((size_t)size + 1);
	assert_int_equal(fread(text, 1, (size_t)size, f), (size_t)size);
	text[size] = '\0';
	fclose(f);
	*len = (size_t)size;
	return text;
}

static void bundled_query_is_published_text(void **state)
{
	size_t len;
	char *published = read_reference("published-rule/T1546.018.eql", &len);
	struct loader l;
	const struct rule *r;

	(void)state;
	loader_init(&l);
	assert_true(rules_load_bundled(&l.set));
	r = l.set.rules[0];
	assert_int_equal(r->query_len, len);
	assert_memory_equal(r->query, published, len);
	loader_free(&l);
	free(published);
}

static void kibana_export_sample_loads(void **state)
{
	size_t len;
	char *text = read_reference("detection-rules/kibana-export-sample.ndjson", &len);
	struct loader l;
	const struct rule *r;

	(void)state;
	loader_init(&l);
	assert_true(rules_load_text(&l.set, "kibana-export-sample.ndjson", text, len));
	assert_string_equal(loader_messages(&l), "");
	assert_int_equal(l.set.count, 1);
	r = l.set.rules[0];
	assert_string_equal(r->rule_id, "2cc8f325-e1b1-4201-8b8d-88a51c94992b");
	assert_string_equal(r->name, "test_eql_rule");
	assert_int_equal(r->severity, RULE_SEVERITY_LOW);
	assert_int_equal(r->risk_score, 0);
	assert_int_equal(r->version, 1);
	assert_string_equal(r->index.items[0], "logs-*");
	assert_string_equal(r->threat_json, "[]");
	assert_non_null(strstr(r->query, "sequence by process.entity_id with maxspan=2h"));
	loader_free(&l);
	free(text);
}

/* Asserts that `obj.key` is the string `expected`. */
static void assert_member_string(const struct json_node *obj, const char *key, const char *expected)
{
	const struct json_node *n = json_get(obj, key);

	if (n == NULL)
		fail_msg("member '%s' is missing", key);
	assert_int_equal(n->type, JSON_STRING);
	assert_string_equal(n->u.string.ptr, expected);
}

static void assert_member_integer(const struct json_node *obj, const char *key, int64_t expected)
{
	const struct json_node *n = json_get(obj, key);

	if (n == NULL)
		fail_msg("member '%s' is missing", key);
	assert_int_equal(n->type, JSON_NUMBER);
	assert_true(n->u.number.is_integer);
	assert_int_equal(n->u.number.integer, expected);
}

static void alert_has_ecs_fields(void **state)
{
	static const char *const events[] = { "{\"host\":{\"name\":\"web-1\"},\"a\":1}", "{\"missing\":true}" };
	const size_t event_lens[] = { strlen(events[0]), strlen(events[1]) };
	struct alert_match m = {
		.timestamp_ms = 1714557600123,
		.host_name = "web-1",
		.host_name_len = 5,
		.join_keys_json = "[\"web-1\"]",
		.join_keys_len = 9,
		.events = events,
		.event_lens = event_lens,
		.nevents = 2,
	};
	struct loader l;
	struct buf out = BUF_INIT;
	struct json_doc doc;
	struct json_error err;
	const struct json_node *root, *node, *eql;
	struct buf threat = BUF_INIT;

	(void)state;
	loader_init(&l);
	assert_true(load_text(&l, "full.json", full_rule));
	alert_write(&out, l.set.rules[0], &m);
	assert_null(memchr(out.data, '\n', out.len));
	if (!json_parse(&doc, out.data, out.len, NULL, &err))
		fail_msg("alert is not JSON (%s at column %zu): %s", err.message, err.column, out.data);
	root = doc.root;

	assert_member_string(root, "@timestamp", "2024-05-01T10:00:00.123Z");
	node = json_get(root, "event");
	assert_member_string(node, "kind", "alert");
	assert_member_string(node, "module", "sitewatch");
	assert_member_integer(node, "severity", 99);
	assert_member_integer(node, "risk_score", 99);

	node = json_get(root, "rule");
	assert_member_string(node, "id", "11111111-2222-3333-4444-555555555555");
	assert_member_string(node, "uuid", "11111111-2222-3333-4444-555555555555");
	assert_member_string(node, "name", "Full rule");
	assert_member_string(node, "description", "Every field set.");
	assert_member_string(node, "version", "7");
	assert_member_string(node, "license", "Apache-2.0");
	assert_int_equal(json_get(node, "author")->u.children.count, 1);
	assert_int_equal(json_get(node, "reference")->u.children.count, 2);
	assert_string_equal(json_get(node, "reference")->u.children.first->next->u.string.ptr,
			    "https://example.org/b");

	node = json_get(root, "threat");
	json_write_compact(&threat, json_raw(&doc, node), node->length);
	assert_string_equal(threat.data, full_threat_compact);

	node = json_get(json_get(root, "sitewatch"), "rule");
	assert_member_string(node, "severity", "critical");
	assert_member_string(node, "confidence", "high");
	assert_member_string(json_get(root, "host"), "name", "web-1");

	eql = json_get(root, "eql");
	node = json_get(eql, "join_keys");
	assert_memory_equal(json_raw(&doc, node), "[\"web-1\"]", node->length);
	node = json_get(eql, "events");
	assert_int_equal(node->u.children.count, 2);
	assert_memory_equal(json_raw(&doc, node->u.children.first), events[0], event_lens[0]);
	assert_memory_equal(json_raw(&doc, node->u.children.first->next), events[1], event_lens[1]);

	json_doc_free(&doc);
	buf_free(&threat);
	buf_free(&out);
	loader_free(&l);
}

static void alert_omits_unknown_fields(void **state)
{
	static const char *const events[] = { "{\"a\":\"x\\ny\"}" };
	const size_t event_lens[] = { strlen(events[0]) };
	struct alert_match m = {
		.timestamp_ms = 0,
		.join_keys_json = "[]",
		.join_keys_len = 2,
		.events = events,
		.event_lens = event_lens,
		.nevents = 1,
	};
	struct loader l;
	struct buf out = BUF_INIT;

	(void)state;
	loader_init(&l);
	assert_true(load_text(&l, "min.json",
		"{\"rule_id\":\"m\",\"name\":\"Min \\\"quoted\\\"\",\"query\":\"any where true\","
		"\"severity\":\"medium\",\"risk_score\":47}"));
	alert_write(&out, l.set.rules[0], &m);
	assert_string_equal(out.data,
		"{\"@timestamp\":\"1970-01-01T00:00:00.000Z\","
		"\"event\":{\"kind\":\"alert\",\"module\":\"sitewatch\",\"severity\":47,\"risk_score\":47},"
		"\"rule\":{\"id\":\"m\",\"uuid\":\"m\",\"name\":\"Min \\\"quoted\\\"\",\"version\":\"1\"},"
		"\"threat\":[],"
		"\"sitewatch\":{\"rule\":{\"severity\":\"medium\"}},"
		"\"eql\":{\"join_keys\":[],\"events\":[{\"a\":\"x\\ny\"}]}}");
	buf_free(&out);
	loader_free(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(json_rule_keeps_every_field),
		cmocka_unit_test(minimal_rule_gets_defaults),
		cmocka_unit_test(ndjson_export_skips_summary),
		cmocka_unit_test(export_skips_exceptions_and_connectors),
		cmocka_unit_test(array_of_rules_loads),
		cmocka_unit_test(non_object_value_is_error),
		cmocka_unit_test(folder_reads_sorted_rule_files),
		cmocka_unit_test(folder_reports_every_bad_file),
		cmocka_unit_test(empty_folder_warns),
		cmocka_unit_test(missing_path_is_error),
		cmocka_unit_test(file_size_cap_is_reported),
		cmocka_unit_test(non_eql_rules_are_skipped),
		cmocka_unit_test(missing_fields_name_file_and_line),
		cmocka_unit_test(invalid_values_are_errors),
		cmocka_unit_test(error_line_is_the_value_line),
		cmocka_unit_test(invalid_json_names_line_and_column),
		cmocka_unit_test(duplicate_rule_id_is_error),
		cmocka_unit_test(rule_cap_is_reported_once),
		cmocka_unit_test(filters_warn_not_applied),
		cmocka_unit_test(severity_words_round_trip),
		cmocka_unit_test(bundled_rule_metadata),
		cmocka_unit_test(bundled_query_is_published_text),
		cmocka_unit_test(kibana_export_sample_loads),
		cmocka_unit_test(alert_has_ecs_fields),
		cmocka_unit_test(alert_omits_unknown_fields),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
