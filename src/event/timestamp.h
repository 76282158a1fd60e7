/*
 * Event timestamps, in epoch milliseconds, as Elasticsearch's `date` type
 * stores them.
 */
#ifndef SW_TIMESTAMP_H
#define SW_TIMESTAMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "value.h"

/*
 * Parses ISO 8601 ("2024-05-01T10:00:00Z", any fraction length, truncated
 * to milliseconds, "Z" or a "+hh:mm"/"+hhmm"/"+hh" offset, date-only
 * "2024-05-01", a space instead of "T") or epoch milliseconds as a JSON
 * number or a string of digits. Returns false when `v` is none of these.
 */
bool timestamp_parse(const struct value *v, int64_t *ms);
bool timestamp_parse_text(const char *s, size_t len, int64_t *ms);

/* Room for any formatted timestamp, years beyond 0000-9999 included. */
#define TIMESTAMP_TEXT_MAX 32

/*
 * Writes `ms` as "2024-05-01T10:00:00.000Z" into `out`; `size` should be
 * TIMESTAMP_TEXT_MAX.
 */
void timestamp_format(int64_t ms, char *out, size_t size);

#endif
