/*
 * The human-readable form of `detect` results (--format table): one row per
 * alert or match, with the fields a responder reads first, taken from the
 * last event of the match.
 *
 * Ownership: the table owns its field set and scan buffers;
 * detect_table_free() releases them.
 */
#ifndef SW_DETECT_TABLE_H
#define SW_DETECT_TABLE_H

#include "engine/detector.h"
#include "event/fields.h"
#include "util/buf.h"

struct detect_table {
	struct field_set *fields;
	struct event_fields ev;
	int host, process, action, file, registry;
};

void detect_table_init(struct detect_table *t);
void detect_table_header(struct buf *out);
/* Appends one row; `title` is the rule name, or "query" for -q. */
void detect_table_row(struct detect_table *t, struct buf *out, const char *severity,
		      const char *title, const struct detector_result *r);
void detect_table_free(struct detect_table *t);

#endif
