/*
 * The ECS file event writer. Objects are nested ({"file": {"name": ...}}),
 * members in the order of docs/watch-events.md; a field without a value is
 * left out rather than written as null.
 */
#include "ecs.h"

#include <inttypes.h>
#include <string.h>

#include "event/timestamp.h"

const char *sensor_action_name(enum sensor_action action)
{
	switch (action) {
	case SENSOR_CREATION: return "creation";
	case SENSOR_MODIFICATION: return "modification";
	case SENSOR_RENAME: return "rename";
	case SENSOR_DELETION: return "deletion";
	}
	return "change";
}

/* Elastic Defend types a rename as a change of the file. */
const char *sensor_action_type(enum sensor_action action)
{
	switch (action) {
	case SENSOR_CREATION: return "creation";
	case SENSOR_DELETION: return "deletion";
	case SENSOR_MODIFICATION:
	case SENSOR_RENAME: return "change";
	}
	return "change";
}

/* ---- strings ---- */

static bool in_range(unsigned char c, unsigned char lo, unsigned char hi)
{
	return c >= lo && c <= hi;
}

/* Length of the valid UTF-8 sequence at s[0] (RFC 3629), or 0. */
static size_t utf8_sequence(const unsigned char *s, size_t len)
{
	unsigned char c = s[0];
	unsigned char lo = 0x80, hi = 0xBF;
	size_t n;

	if (c < 0x80)
		return 1;
	if (in_range(c, 0xC2, 0xDF))
		n = 2;
	else if (in_range(c, 0xE0, 0xEF))
		n = 3;
	else if (in_range(c, 0xF0, 0xF4))
		n = 4;
	else
		return 0;

	/* The second byte's range rules out overlong forms, surrogates and > U+10FFFF. */
	if (c == 0xE0) lo = 0xA0;
	if (c == 0xED) hi = 0x9F;
	if (c == 0xF0) lo = 0x90;
	if (c == 0xF4) hi = 0x8F;
	if (len < n || !in_range(s[1], lo, hi))
		return 0;
	for (size_t i = 2; i < n; i++) {
		if (!in_range(s[i], 0x80, 0xBF))
			return 0;
	}
	return n;
}

/* Appends the escape for a byte that JSON does not allow as it is (RFC 8259). */
static void escape_byte(struct buf *out, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";
	char esc[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };

	switch (c) {
	case '"': buf_append(out, "\\\"", 2); return;
	case '\\': buf_append(out, "\\\\", 2); return;
	case '\n': buf_append(out, "\\n", 2); return;
	case '\r': buf_append(out, "\\r", 2); return;
	case '\t': buf_append(out, "\\t", 2); return;
	}
	buf_append(out, esc, sizeof(esc));
}

/*
 * One pass: runs of bytes that need nothing are appended whole, which
 * matters because every event has a dozen strings.
 */
void sensor_json_string(struct buf *out, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t run = 0;

	buf_reserve(out, len + 2);
	buf_putc(out, '"');
	for (size_t i = 0; i < len;) {
		size_t n = u[i] < 0x80 ? 1 : utf8_sequence(u + i, len - i);

		if (n > 0 && u[i] >= 0x20 && u[i] != '"' && u[i] != '\\') {
			i += n;
			continue;
		}
		buf_append(out, s + run, i - run);
		if (n == 0)
			buf_append(out, "\xEF\xBF\xBD", 3);
		else
			escape_byte(out, u[i]);
		run = ++i;
	}
	buf_append(out, s + run, len - run);
	buf_putc(out, '"');
}

/* ---- members ---- */

/* Keys are constants of this file, plain ASCII with nothing to escape. */
static void key(struct buf *out, const char *k)
{
	char last = out->len > 0 ? out->data[out->len - 1] : '{';

	if (last != '{')
		buf_putc(out, ',');
	buf_putc(out, '"');
	buf_append(out, k, strlen(k));
	buf_append(out, "\":", 2);
}

static void string_member(struct buf *out, const char *k, const char *v, size_t len)
{
	key(out, k);
	sensor_json_string(out, v, len);
}

static void cstring_member(struct buf *out, const char *k, const char *v)
{
	if (v != NULL)
		string_member(out, k, v, strlen(v));
}

static void open_object(struct buf *out, const char *k)
{
	key(out, k);
	buf_putc(out, '{');
}

void sensor_name_path(struct buf *out, const struct sensor_name *n)
{
	if (n->dir == NULL)
		return;
	buf_append(out, n->dir, n->dir_len);
	if (!(n->dir_len == 1 && n->dir[0] == '/'))
		buf_putc(out, '/');
	buf_append(out, n->name, n->name_len);
}

/* ECS: the last extension, without its dot; none for ".bashrc" or "x.". */
static void write_extension(struct buf *out, const char *name, size_t len)
{
	for (size_t i = len; i > 1; i--) {
		if (name[i - 1] == '.') {
			if (i < len)
				string_member(out, "extension", name + i, len - i);
			return;
		}
	}
}

static void write_path_member(struct buf *out, const char *k, const struct sensor_name *n)
{
	struct buf path = BUF_INIT;

	if (n->dir == NULL)
		return;
	sensor_name_path(&path, n);
	string_member(out, k, path.data, path.len);
	buf_free(&path);
}

static void write_file(struct buf *out, const struct sensor_file_event *ev)
{
	const struct sensor_name *f = &ev->file;

	open_object(out, "file");
	write_path_member(out, "path", f);
	string_member(out, "name", f->name, f->name_len);
	write_extension(out, f->name, f->name_len);
	if (f->dir != NULL)
		string_member(out, "directory", f->dir, f->dir_len);
	if (ev->is_dir)
		cstring_member(out, "type", "dir");
	if (ev->action == SENSOR_RENAME) {
		open_object(out, "Ext");
		open_object(out, "original");
		write_path_member(out, "path", &ev->original);
		string_member(out, "name", ev->original.name, ev->original.name_len);
		buf_puts(out, "}}");
	}
	buf_putc(out, '}');
}

static void write_args(struct buf *out, const struct sensor_process *p)
{
	key(out, "args");
	buf_putc(out, '[');
	for (size_t i = 0; i < p->nargs; i++) {
		if (i > 0)
			buf_putc(out, ',');
		sensor_json_string(out, p->args[i], strlen(p->args[i]));
	}
	buf_putc(out, ']');
	key(out, "args_count");
	buf_printf(out, "%zu", p->nargs);
}

static void write_parent(struct buf *out, const struct sensor_process *p)
{
	if (p->ppid < 0)
		return;
	open_object(out, "parent");
	key(out, "pid");
	buf_printf(out, "%" PRId32, p->ppid);
	cstring_member(out, "name", p->parent_name);
	cstring_member(out, "executable", p->parent_executable);
	buf_putc(out, '}');
}

static void write_process(struct buf *out, const struct sensor_process *p)
{
	char start[TIMESTAMP_TEXT_MAX];

	/* pid 0 names no process (a writer outside the pid namespace): nothing is known. */
	if (p->pid <= 0)
		return;
	open_object(out, "process");
	key(out, "pid");
	buf_printf(out, "%" PRId32, p->pid);
	cstring_member(out, "name", p->name);
	cstring_member(out, "executable", p->executable);
	cstring_member(out, "command_line", p->command_line);
	if (p->nargs > 0)
		write_args(out, p);
	if (p->start_ms >= 0) {
		timestamp_format(p->start_ms, start, sizeof(start));
		cstring_member(out, "start", start);
	}
	write_parent(out, p);
	buf_putc(out, '}');
}

static void write_user(struct buf *out, const struct sensor_process *p)
{
	if (p->uid < 0)
		return;
	open_object(out, "user");
	key(out, "id");
	buf_printf(out, "\"%" PRId64 "\"", p->uid);
	cstring_member(out, "name", p->user_name);
	buf_putc(out, '}');
}

static const char *state_name(enum sensor_path_state state)
{
	return state == SENSOR_PATH_LAST_KNOWN ? "last_known" : "unknown";
}

static const char *unresolved_name(enum sensor_unresolved why)
{
	switch (why) {
	case SENSOR_PROC_EXITED: return "exited";
	case SENSOR_PROC_OTHER_PID_NS: return "outside_pid_namespace";
	case SENSOR_PROC_NO_PIDFD: return "no_pidfd";
	}
	return "exited";
}

static void write_sitewatch_file(struct buf *out, const struct sensor_file_event *ev)
{
	bool file = ev->file.dir_state != SENSOR_PATH_LIVE;
	bool original = ev->action == SENSOR_RENAME && ev->original.dir_state != SENSOR_PATH_LIVE;

	if (!file && !original && ev->links <= 1)
		return;
	open_object(out, "file");
	if (file)
		cstring_member(out, "directory_source", state_name(ev->file.dir_state));
	if (original)
		cstring_member(out, "original_directory_source", state_name(ev->original.dir_state));
	if (ev->links > 1) {
		key(out, "hard_links");
		buf_printf(out, "%" PRIu32, ev->links);
	}
	buf_putc(out, '}');
}

static void write_sitewatch_process(struct buf *out, const struct sensor_process *p)
{
	if (p->resolved && !p->args_truncated)
		return;
	open_object(out, "process");
	if (!p->resolved) {
		key(out, "resolved");
		buf_puts(out, "false");
		cstring_member(out, "unresolved_reason", unresolved_name(p->why));
	}
	if (p->args_truncated) {
		key(out, "args_truncated");
		buf_puts(out, "true");
	}
	buf_putc(out, '}');
}

/* The sensor's own namespace: what could not be learnt; nothing when all is known. */
static void write_sitewatch(struct buf *out, const struct sensor_file_event *ev)
{
	const struct sensor_process *p = ev->process;
	bool file = ev->file.dir_state != SENSOR_PATH_LIVE || ev->links > 1 ||
		    (ev->action == SENSOR_RENAME && ev->original.dir_state != SENSOR_PATH_LIVE);

	if (!file && !ev->synthesized && p->resolved && !p->args_truncated)
		return;
	open_object(out, "sitewatch");
	if (ev->synthesized) {
		open_object(out, "event");
		key(out, "synthesized");
		buf_puts(out, "true");
		buf_putc(out, '}');
	}
	write_sitewatch_file(out, ev);
	write_sitewatch_process(out, p);
	buf_putc(out, '}');
}

static void write_event(struct buf *out, enum sensor_action action)
{
	open_object(out, "event");
	cstring_member(out, "kind", "event");
	key(out, "category");
	buf_puts(out, "[\"file\"]");
	key(out, "type");
	buf_printf(out, "[\"%s\"]", sensor_action_type(action));
	cstring_member(out, "action", sensor_action_name(action));
	cstring_member(out, "module", "sitewatch");
	cstring_member(out, "dataset", "sitewatch.file");
	buf_putc(out, '}');
}

void sensor_ecs_write_overflow(struct buf *out, int64_t timestamp_ms, const char *host_name,
			       uint64_t overflows)
{
	char ts[TIMESTAMP_TEXT_MAX];

	timestamp_format(timestamp_ms, ts, sizeof(ts));
	buf_putc(out, '{');
	cstring_member(out, "@timestamp", ts);
	open_object(out, "event");
	cstring_member(out, "kind", "metric");
	cstring_member(out, "action", "queue-overflow");
	cstring_member(out, "module", "sitewatch");
	cstring_member(out, "dataset", "sitewatch.sensor");
	buf_putc(out, '}');
	cstring_member(out, "message", "the kernel's fanotify queue overflowed: file events "
		       "were lost before this time");
	open_object(out, "host");
	cstring_member(out, "name", host_name);
	open_object(out, "os");
	cstring_member(out, "type", "linux");
	buf_puts(out, "}}");
	open_object(out, "sitewatch");
	open_object(out, "sensor");
	key(out, "overflows");
	buf_printf(out, "%" PRIu64, overflows);
	buf_puts(out, "}}}");
}

void sensor_ecs_write(struct buf *out, const struct sensor_file_event *ev)
{
	char ts[TIMESTAMP_TEXT_MAX];

	timestamp_format(ev->timestamp_ms, ts, sizeof(ts));
	buf_putc(out, '{');
	cstring_member(out, "@timestamp", ts);
	write_event(out, ev->action);
	write_file(out, ev);
	write_process(out, ev->process);
	write_user(out, ev->process);
	open_object(out, "host");
	cstring_member(out, "name", ev->host_name);
	open_object(out, "os");
	cstring_member(out, "type", "linux");
	buf_puts(out, "}}");
	write_sitewatch(out, ev);
	buf_putc(out, '}');
}
