/*
 * Field projection: the set of field paths a plan reads, and the values one
 * JSON event document holds for them.
 *
 * A field set is built once per run (field_set_add for every path any rule
 * reads), then event_fields_scan() walks one document and records the
 * values of those paths only. A path matches nested objects, dotted keys or
 * a mix of both: "file.name" is found in {"file":{"name":1}},
 * {"file.name":1} and {"file":{"x":{}},"file.name":1}. A JSON array is a
 * multi-valued field: each element is one value, nested arrays are
 * flattened, and an array of objects contributes the values of its
 * objects ({"a":[{"b":1},{"b":2}]} gives a.b the values 1 and 2), as
 * Elasticsearch indexes them. A JSON null is recorded as a VALUE_NULL
 * value; an object at a requested path records nothing for that path.
 *
 * Ownership: the field set owns its path strings. struct event_fields is
 * owned by the caller, reused across documents, and freed with
 * event_fields_free(); its string values point into the scanned document
 * or into its own decode buffer, so they stay valid until the next scan of
 * the same struct or until the document bytes are freed.
 */
#ifndef SW_FIELDS_H
#define SW_FIELDS_H

#include <stdbool.h>
#include <stddef.h>

#include "value.h"

struct field_set;

struct field_set *field_set_new(void);
void field_set_free(struct field_set *set);
/* Adds `path` if absent and returns its slot, a dense index from 0. */
int field_set_add(struct field_set *set, const char *path);
/* Returns the slot of `path`, or -1. */
int field_set_find(const struct field_set *set, const char *path);
size_t field_set_count(const struct field_set *set);
const char *field_set_path(const struct field_set *set, int slot);

/* Where a slot's values lie in event_fields.values. */
struct field_span {
	unsigned first;
	unsigned count;
};

struct event_fields {
	struct field_span *spans; /* one per slot */
	size_t nspans;
	struct value *values;
	size_t nvalues;
	size_t values_cap;
	char *decoded; /* unescaped strings; values point into it */
	size_t decoded_len;
	size_t decoded_cap;
	/* internal scratch used by the scanner */
	void *scratch;
};

/* Limits the scanner enforces; a document beyond them is rejected. */
struct scan_limits {
	unsigned max_depth;      /* nesting of objects and arrays; default 512 */
	unsigned max_values;     /* values kept per field; default 10000 */
};

#define SCAN_LIMITS_DEFAULT { 512, 10000 }

void event_fields_init(struct event_fields *ev);
void event_fields_free(struct event_fields *ev);

/*
 * Scans one JSON document. Returns true on success. On malformed JSON, or
 * a limit hit, returns false and writes a short reason naming the byte
 * offset into `why` (at most `why_size` bytes, NUL-terminated).
 */
bool event_fields_scan(const struct field_set *set,
		       const struct scan_limits *limits,
		       const char *json, size_t len,
		       struct event_fields *ev, char *why, size_t why_size);

/* Number of values of `slot` in the last scanned document (0 when missing). */
static inline unsigned event_fields_count(const struct event_fields *ev, int slot)
{
	return ev->spans[slot].count;
}

static inline const struct value *event_fields_get(const struct event_fields *ev,
						   int slot, unsigned i)
{
	return &ev->values[ev->spans[slot].first + i];
}

/*
 * Copies `json` into `out` without whitespace outside strings, so that a
 * pretty-printed document fits on one line. The bytes are otherwise
 * unchanged.
 */
struct buf;
void json_compact(const char *json, size_t len, struct buf *out);

#endif
