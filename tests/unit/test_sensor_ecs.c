/*
 * Unit tests of the sensor's output side: the ECS file event writer
 * (src/sensor/ecs.c) and the /proc parsers (src/sensor/proc.c). Documents
 * are checked through the JSON DOM, field by field, against
 * docs/watch-events.md.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sensor/ecs.h"
#include "sensor/proc.h"
#include "util/json.h"

/* Finds a dotted path through nested objects. */
static const struct json_node *get(const struct json_node *n, const char *path)
{
	char part[64];

	while (n != NULL && *path != '\0') {
		size_t len = strcspn(path, ".");

		assert_true(len < sizeof(part));
		memcpy(part, path, len);
		part[len] = '\0';
		n = json_get(n, part);
		path += len + (path[len] == '.');
	}
	return n;
}

static void assert_text(const struct json_node *root, const char *path, const char *want)
{
	const struct json_node *n = get(root, path);

	if (n == NULL || n->type != JSON_STRING)
		fail_msg("%s: expected the string \"%s\"", path, want);
	assert_string_equal(n->u.string.ptr, want);
}

static void parse(struct json_doc *doc, const struct buf *b)
{
	struct json_error err;

	if (!json_parse(doc, b->data, b->len, NULL, &err))
		fail_msg("invalid JSON at %zu: %s in %s", err.offset, err.message, b->data);
}

static struct sensor_process python_writer(void)
{
	static char *args[] = { "/usr/bin/python3", "-c", "print(1)" };
	struct sensor_process p = {
		.pid = 4321, .resolved = true, .name = "python3",
		.executable = "/usr/bin/python3.11", .command_line = "/usr/bin/python3 -c print(1)",
		.args = args, .nargs = 3, .start_ms = 1714557600000, .ppid = 1,
		.parent_name = "systemd", .parent_executable = "/usr/lib/systemd/systemd",
		.uid = 1000, .user_name = "alice",
	};

	return p;
}

static void creation_event_fields(void **state)
{
	struct sensor_process p = python_writer();
	struct sensor_file_event ev = {
		.timestamp_ms = 1714557600123,
		.action = SENSOR_CREATION,
		.file = { .dir = "/usr/lib/python3/dist-packages", .dir_len = 30,
			  .dir_state = SENSOR_PATH_LIVE, .name = "evil.pth", .name_len = 8 },
		.process = &p,
		.host_name = "web-1",
	};
	struct buf b = BUF_INIT;
	struct json_doc doc;

	(void)state;
	sensor_ecs_write(&b, &ev);
	assert_null(strchr(b.data, '\n'));
	parse(&doc, &b);
	assert_text(doc.root, "@timestamp", "2024-05-01T10:00:00.123Z");
	assert_text(doc.root, "event.kind", "event");
	assert_int_equal(get(doc.root, "event.category")->type, JSON_ARRAY);
	assert_string_equal(get(doc.root, "event.category")->u.children.first->u.string.ptr, "file");
	assert_string_equal(get(doc.root, "event.type")->u.children.first->u.string.ptr, "creation");
	assert_text(doc.root, "event.action", "creation");
	assert_text(doc.root, "event.module", "sitewatch");
	assert_text(doc.root, "event.dataset", "sitewatch.file");
	assert_text(doc.root, "file.path", "/usr/lib/python3/dist-packages/evil.pth");
	assert_text(doc.root, "file.name", "evil.pth");
	assert_text(doc.root, "file.extension", "pth");
	assert_text(doc.root, "file.directory", "/usr/lib/python3/dist-packages");
	assert_null(get(doc.root, "file.Ext"));
	assert_int_equal(get(doc.root, "process.pid")->u.number.integer, 4321);
	assert_text(doc.root, "process.name", "python3");
	assert_text(doc.root, "process.executable", "/usr/bin/python3.11");
	assert_text(doc.root, "process.command_line", "/usr/bin/python3 -c print(1)");
	assert_int_equal(get(doc.root, "process.args")->u.children.count, 3);
	assert_int_equal(get(doc.root, "process.args_count")->u.number.integer, 3);
	assert_text(doc.root, "process.start", "2024-05-01T10:00:00.000Z");
	assert_int_equal(get(doc.root, "process.parent.pid")->u.number.integer, 1);
	assert_text(doc.root, "process.parent.name", "systemd");
	assert_text(doc.root, "user.id", "1000");
	assert_text(doc.root, "user.name", "alice");
	assert_text(doc.root, "host.name", "web-1");
	assert_text(doc.root, "host.os.type", "linux");
	assert_null(get(doc.root, "sitewatch"));
	json_doc_free(&doc);
	buf_free(&b);
}

/* A resolved process with cut arguments: only args_truncated, no "resolved" field. */
static void truncated_args_of_a_resolved_process(void **state)
{
	struct sensor_process p = python_writer();
	struct sensor_file_event ev = {
		.timestamp_ms = 1714557600123,
		.action = SENSOR_MODIFICATION,
		.file = { .dir = "/srv", .dir_len = 4, .dir_state = SENSOR_PATH_LIVE,
			  .name = "a.pth", .name_len = 5 },
		.process = &p,
		.host_name = "web-1",
	};
	struct buf b = BUF_INIT;
	struct json_doc doc;

	(void)state;
	p.args_truncated = true;
	sensor_ecs_write(&b, &ev);
	parse(&doc, &b);
	assert_true(get(doc.root, "sitewatch.process.args_truncated")->u.boolean);
	assert_null(get(doc.root, "sitewatch.process.resolved"));
	assert_null(get(doc.root, "sitewatch.process.unresolved_reason"));
	json_doc_free(&doc);
	buf_free(&b);
}

static void rename_and_unknowns(void **state)
{
	struct sensor_process gone = { .pid = 77, .resolved = false, .start_ms = -1, .ppid = -1, .uid = -1 };
	struct sensor_file_event ev = {
		.timestamp_ms = 0,
		.action = SENSOR_RENAME,
		.file = { .dir = "/", .dir_len = 1, .dir_state = SENSOR_PATH_LAST_KNOWN,
			  .name = "sitecustomize.py", .name_len = 16 },
		.original = { .dir = NULL, .dir_state = SENSOR_PATH_UNKNOWN, .name = ".x", .name_len = 2 },
		.process = &gone,
		.host_name = "h",
	};
	struct buf b = BUF_INIT;
	struct json_doc doc;

	(void)state;
	sensor_ecs_write(&b, &ev);
	parse(&doc, &b);
	assert_text(doc.root, "event.action", "rename");
	assert_string_equal(get(doc.root, "event.type")->u.children.first->u.string.ptr, "change");
	assert_text(doc.root, "file.path", "/sitecustomize.py");
	assert_text(doc.root, "file.directory", "/");
	assert_null(get(doc.root, "file.Ext.original.path"));
	assert_text(doc.root, "file.Ext.original.name", ".x");
	assert_int_equal(get(doc.root, "process.pid")->u.number.integer, 77);
	assert_null(get(doc.root, "process.name"));
	assert_null(get(doc.root, "process.parent"));
	assert_null(get(doc.root, "user"));
	assert_false(get(doc.root, "sitewatch.process.resolved")->u.boolean);
	assert_text(doc.root, "sitewatch.process.unresolved_reason", "exited");
	assert_text(doc.root, "sitewatch.file.directory_source", "last_known");
	assert_text(doc.root, "sitewatch.file.original_directory_source", "unknown");
	json_doc_free(&doc);
	buf_free(&b);
}

/* A folder's rename, a file moved with it, a file with two names, a writer with no pid. */
static void folders_links_and_pid_namespaces(void **state)
{
	struct sensor_process p = python_writer();
	struct sensor_process outside = { .pid = 0, .why = SENSOR_PROC_OTHER_PID_NS, .start_ms = -1,
					  .ppid = -1, .uid = -1 };
	struct sensor_file_event ev = {
		.action = SENSOR_RENAME,
		.file = { .dir = "/v", .dir_len = 2, .name = "site-packages", .name_len = 13 },
		.original = { .dir = "/v", .dir_len = 2, .name = "stage", .name_len = 5 },
		.is_dir = true,
		.process = &p,
		.host_name = "h",
	};
	struct buf b = BUF_INIT;
	struct json_doc doc;

	(void)state;
	sensor_ecs_write(&b, &ev);
	parse(&doc, &b);
	assert_text(doc.root, "file.type", "dir");
	assert_null(get(doc.root, "sitewatch"));
	json_doc_free(&doc);

	ev.is_dir = false;
	ev.synthesized = true;
	ev.links = 2;
	ev.process = &outside;
	buf_clear(&b);
	sensor_ecs_write(&b, &ev);
	parse(&doc, &b);
	assert_null(get(doc.root, "file.type"));
	assert_true(get(doc.root, "sitewatch.event.synthesized")->u.boolean);
	assert_int_equal(get(doc.root, "sitewatch.file.hard_links")->u.number.integer, 2);
	assert_null(get(doc.root, "process"));
	assert_false(get(doc.root, "sitewatch.process.resolved")->u.boolean);
	assert_text(doc.root, "sitewatch.process.unresolved_reason", "outside_pid_namespace");
	json_doc_free(&doc);
	buf_free(&b);
}

static void extensions(void **state)
{
	static const struct { const char *name; const char *ext; } cases[] = {
		{ "a.tar.gz", "gz" }, { ".bashrc", NULL }, { "x.", NULL }, { "noext", NULL },
		{ "..pth", "pth" }, { "sitecustomize.py", "py" },
	};
	struct sensor_process p = python_writer();

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sensor_file_event ev = {
			.action = SENSOR_DELETION,
			.file = { .dir = "/t", .dir_len = 2, .name = cases[i].name,
				  .name_len = strlen(cases[i].name) },
			.process = &p, .host_name = "h",
		};
		struct buf b = BUF_INIT;
		struct json_doc doc;
		const struct json_node *ext;

		sensor_ecs_write(&b, &ev);
		parse(&doc, &b);
		ext = get(doc.root, "file.extension");
		if (cases[i].ext == NULL)
			assert_null(ext);
		else
			assert_string_equal(ext->u.string.ptr, cases[i].ext);
		assert_text(doc.root, "event.action", "deletion");
		json_doc_free(&doc);
		buf_free(&b);
	}
}

static void invalid_utf8_becomes_replacement(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	sensor_json_string(&b, "a\xff" "b\xc3\xa9" "\xe2\x82" "\"", 8);
	assert_string_equal(b.data, "\"a\xEF\xBF\xBD" "b\xc3\xa9\xEF\xBF\xBD\xEF\xBF\xBD\\\"\"");
	buf_clear(&b);
	sensor_json_string(&b, "\xed\xa0\x80", 3);     /* a UTF-16 surrogate */
	assert_string_equal(b.data, "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");
	buf_free(&b);
}

/* ---- /proc parsers ---- */

static void stat_lines(void **state)
{
	static const char line[] =
		"4321 (my (odd) name) S 17 4321 4321 0 -1 4194560 100 0 0 0 5 3 0 0 20 0 1 0 "
		"987654 12345678 900 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0\n";
	struct sensor_proc_stat st;

	(void)state;
	assert_true(sensor_proc_parse_stat(line, strlen(line), &st));
	assert_string_equal(st.comm, "my (odd) name");
	assert_int_equal(st.ppid, 17);
	assert_int_equal(st.start_ticks, 987654);
	assert_false(sensor_proc_parse_stat("4321 (x", 7, &st));
	assert_false(sensor_proc_parse_stat("4321 (x) S", 10, &st));
}

static void status_euid(void **state)
{
	static const char status[] = "Name:\tsu\nUmask:\t0022\nUid:\t1000\t0\t0\t0\nGid:\t0\t0\t0\t0\n";

	(void)state;
	assert_int_equal(sensor_proc_parse_euid(status, strlen(status)), 0);
	assert_int_equal(sensor_proc_parse_euid("Name:\tx\n", 8), -1);
}

static void command_lines(void **state)
{
	struct sensor_process p = { .pid = 1 };

	(void)state;
	sensor_proc_set_args(&p, "python3\0-c\0print('a b')\0", 25);
	assert_int_equal(p.nargs, 3);
	assert_string_equal(p.args[2], "print('a b')");
	assert_string_equal(p.command_line, "python3 -c print('a b')");
	for (size_t i = 0; i < p.nargs; i++)
		free(p.args[i]);
	free(p.args);
	free(p.command_line);

	/* An empty argument in the middle is kept; a cut last one too. */
	memset(&p, 0, sizeof(p));
	sensor_proc_set_args(&p, "sh\0\0-x", 6);
	assert_int_equal(p.nargs, 3);
	assert_string_equal(p.args[1], "");
	assert_string_equal(p.args[2], "-x");
	for (size_t i = 0; i < p.nargs; i++)
		free(p.args[i]);
	free(p.args);
	free(p.command_line);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(creation_event_fields),
		cmocka_unit_test(truncated_args_of_a_resolved_process),
		cmocka_unit_test(rename_and_unknowns),
		cmocka_unit_test(folders_links_and_pid_namespaces),
		cmocka_unit_test(extensions),
		cmocka_unit_test(invalid_utf8_becomes_replacement),
		cmocka_unit_test(stat_lines),
		cmocka_unit_test(status_euid),
		cmocka_unit_test(command_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
