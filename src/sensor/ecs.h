/*
 * The ECS file event the sensor emits: the field names and values of
 * Elastic Defend's file events (event.category ["file"], event.action
 * creation/modification/rename/deletion), with event.module "sitewatch".
 * docs/watch-events.md lists every field.
 *
 * Ownership: sensor_ecs_write() only reads its arguments and appends one
 * line of compact JSON (no newline) to the caller's buffer.
 */
#ifndef SW_SENSOR_ECS_H
#define SW_SENSOR_ECS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "paths.h"
#include "proc.h"
#include "util/buf.h"

enum sensor_action {
	SENSOR_CREATION,
	SENSOR_MODIFICATION,
	SENSOR_RENAME,
	SENSOR_DELETION,
};

/* A file named by its folder (NULL when unknown) and its name. */
struct sensor_name {
	const char *dir;
	size_t dir_len;
	enum sensor_path_state dir_state;
	const char *name;
	size_t name_len;
};

struct sensor_file_event {
	int64_t timestamp_ms;
	enum sensor_action action;
	struct sensor_name file;      /* for a rename, the new name */
	struct sensor_name original;  /* a rename's old name; unused otherwise */
	bool is_dir;                  /* a folder (file.type "dir"); files give no type */
	/* Names the file had when read, 0 when not read; more than 1 is written. */
	uint32_t links;
	/*
	 * Not reported by the kernel: a file moved along with its folder,
	 * listed by the sensor after the folder's rename.
	 */
	bool synthesized;
	const struct sensor_process *process;
	const char *host_name;
};

/* event.action of an action ("creation") and its event.type ("creation", "change"). */
const char *sensor_action_name(enum sensor_action action);
const char *sensor_action_type(enum sensor_action action);

void sensor_ecs_write(struct buf *out, const struct sensor_file_event *ev);

/*
 * Appends the record of a queue overflow: an event of kind "metric" and
 * action "queue-overflow", with the count of overflows so far in
 * sitewatch.sensor.overflows. It marks in the event stream where events
 * were lost. It has no category, so no file rule matches it.
 */
void sensor_ecs_write_overflow(struct buf *out, int64_t timestamp_ms, const char *host_name,
			       uint64_t overflows);

/*
 * Appends a file's full path: the folder, a "/" unless the folder is "/",
 * and the name. Nothing is appended when the folder is unknown.
 */
void sensor_name_path(struct buf *out, const struct sensor_name *n);

/*
 * Appends `s` as a JSON string. Bytes that are not valid UTF-8 (Linux
 * names are bytes) become U+FFFD, so that the document stays valid JSON.
 */
void sensor_json_string(struct buf *out, const char *s, size_t len);

#endif
