/*
 * Date formats of Elasticsearch `date` fields, so that a field declared as
 * a date (detect --date-field) reads the way its mapping would: a join key
 * on it joins on the instant, whatever way each event writes it.
 *
 * A format uses Elasticsearch's mapping syntax: alternatives separated by
 * "||". Each is a built-in name (epoch_millis, epoch_second,
 * strict_date_optional_time and its _nanos form, date_optional_time,
 * strict_date_time, date_time, iso8601, strict_date, date, basic_date,
 * strict_date_hour_minute_second) or a Java DateTimeFormatter pattern of
 * the numeric letters y u M d H m s S, with literal punctuation and
 * 'quoted text' (dd-MM-yyyy, yyyy/MM/dd HH:mm:ss.SSS). Times without a
 * zone are UTC, as Elasticsearch reads them.
 *
 * Ownership: datefmt_parse() returns a format the caller frees with
 * datefmt_free(); it keeps no pointer into the text it was given.
 */
#ifndef SW_DATEFMT_H
#define SW_DATEFMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../event/value.h"

/* Elasticsearch's default for a date field. */
#define DATEFMT_DEFAULT "strict_date_optional_time||epoch_millis"

struct datefmt;

/*
 * Parses `spec` (NULL for the default). On error returns NULL and writes
 * what is wrong, with the offending part, into `err`.
 */
struct datefmt *datefmt_parse(const char *spec, char *err, size_t err_size);

/* Reads `v` with the first alternative that accepts it, as epoch milliseconds. */
bool datefmt_read(const struct datefmt *f, const struct value *v, int64_t *ms);

void datefmt_free(struct datefmt *f);

#endif
