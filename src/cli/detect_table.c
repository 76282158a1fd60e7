#include "detect_table.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "event/timestamp.h"

/* Column widths; longer values are cut with "~" so that rows stay aligned. */
enum {
	WIDTH_HOST = 18,
	WIDTH_PROCESS = 16,
	WIDTH_ACTION = 13,
	WIDTH_SEVERITY = 8,
};

void detect_table_init(struct detect_table *t)
{
	t->fields = field_set_new();
	t->host = field_set_add(t->fields, "host.name");
	t->process = field_set_add(t->fields, "process.name");
	t->action = field_set_add(t->fields, "event.action");
	t->file = field_set_add(t->fields, "file.path");
	t->registry = field_set_add(t->fields, "registry.path");
	event_fields_init(&t->ev);
}

void detect_table_free(struct detect_table *t)
{
	event_fields_free(&t->ev);
	field_set_free(t->fields);
}

/* Whether `byte` continues a UTF-8 sequence rather than starting a character. */
static bool continues(char byte)
{
	return ((unsigned char)byte & 0xC0) == 0x80;
}

/* Characters (code points) in `text`; a stray continuation byte adds none. */
static size_t characters(const char *text, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		n += !continues(text[i]);
	return n;
}

/*
 * Appends `text` cut or padded to `width` characters (0: as is), control
 * bytes as '?'. A cut falls between two characters, never inside one.
 * Widths count code points: a character that a terminal draws two columns
 * wide (CJK, most emoji) still counts as one, so its row may sit one column
 * off.
 */
static void cell(struct buf *out, const char *text, size_t len, size_t width)
{
	size_t total = characters(text, len);
	size_t keep = width > 0 && total > width ? width - 1 : total;
	size_t shown = 0;

	for (size_t i = 0; i < len; i++) {
		if (!continues(text[i]) && shown++ == keep)
			break;
		buf_putc(out, (unsigned char)text[i] < 0x20 ? '?' : text[i]);
	}
	if (keep < total)
		buf_putc(out, '~');
	for (size_t i = keep + (keep < total); i < width; i++)
		buf_putc(out, ' ');
	buf_puts(out, "  ");
}

static void field_cell(struct detect_table *t, struct buf *out, int slot, size_t width)
{
	for (unsigned i = 0; i < event_fields_count(&t->ev, slot); i++) {
		const struct value *v = event_fields_get(&t->ev, slot, i);

		if (v->kind == VALUE_STRING) {
			cell(out, v->u.string.ptr, v->u.string.len, width);
			return;
		}
	}
	cell(out, "-", 1, width);
}

void detect_table_header(struct buf *out)
{
	cell(out, "TIME", 4, TIMESTAMP_TEXT_MAX - 8);
	cell(out, "SEVERITY", 8, WIDTH_SEVERITY);
	cell(out, "HOST", 4, WIDTH_HOST);
	cell(out, "PROCESS", 7, WIDTH_PROCESS);
	cell(out, "ACTION", 6, WIDTH_ACTION);
	buf_puts(out, "TARGET / RULE\n");
}

void detect_table_row(struct detect_table *t, struct buf *out, const char *severity,
		      const char *title, const struct detector_result *r)
{
	const struct candidate *last = detector_result_last(r);
	const struct scan_limits limits = SCAN_LIMITS_DEFAULT;
	char when[TIMESTAMP_TEXT_MAX];
	char why[128];
	int target;

	if (last->untimed)
		snprintf(when, sizeof(when), "-");
	else
		timestamp_format(last->timestamp, when, sizeof(when));
	cell(out, when, strlen(when), TIMESTAMP_TEXT_MAX - 8);
	cell(out, severity, strlen(severity), WIDTH_SEVERITY);

	/* The document was scanned once already, so it cannot fail here. */
	if (!event_fields_scan(t->fields, &limits, last->doc, last->doc_len, &t->ev, why, sizeof(why))) {
		buf_printf(out, "(event not readable: %s)  %s\n", why, title);
		return;
	}
	field_cell(t, out, t->host, WIDTH_HOST);
	field_cell(t, out, t->process, WIDTH_PROCESS);
	field_cell(t, out, t->action, WIDTH_ACTION);
	target = event_fields_count(&t->ev, t->file) > 0 ? t->file : t->registry;
	field_cell(t, out, target, 0);
	buf_puts(out, "/ ");
	buf_puts(out, title);
	if (r->nevents > 1) {
		size_t missing = 0;

		for (size_t i = 0; i < r->nevents; i++)
			missing += r->events[i] == NULL;
		if (missing > 0)
			buf_printf(out, " (%zu event%s, %zu missing)", r->nevents - missing,
				   r->nevents - missing == 1 ? "" : "s", missing);
		else
			buf_printf(out, " (%zu events)", r->nevents);
	}
	buf_putc(out, '\n');
}
