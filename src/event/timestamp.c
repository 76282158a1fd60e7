/*
 * Timestamp parsing and formatting in epoch milliseconds (UTC), following
 * what an Elasticsearch `date` field with its default format
 * "strict_date_optional_time||epoch_millis" stores:
 *
 *   text  = date [ ( "T" / " " ) time [ zone ] ] / epoch
 *   date  = year [ "-" month [ "-" day ] ]
 *   year  = 4digit / ( "+" / "-" ) 4*9digit
 *   time  = hour [ ":" minute [ ":" second [ ( "." / "," ) 1*digit ] ] ]
 *   zone  = "Z" / ( "+" / "-" ) hour [ [ ":" ] minute ]
 *   epoch = [ "-" ] 1*digit [ "." *digit ]
 *
 * A missing zone means UTC. A fraction beyond milliseconds is truncated,
 * because a `date` field keeps milliseconds and drops the rest. Exactly
 * four digits are a year, not epoch milliseconds, because Elasticsearch
 * tries the date format first.
 *
 * Two extensions over Elasticsearch's strict format: a space may replace
 * the "T", and a signed year of 4 to 9 digits (the ISO 8601 expanded form,
 * which timestamp_format() writes outside 0000-9999) is accepted, so that
 * every formatted timestamp parses back. Nothing here allocates.
 */
#include "event/timestamp.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>

#define MS_PER_DAY INT64_C(86400000)

struct cursor {
	const char *p;
	const char *end;
};

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Reads exactly `n` digits. */
static bool read_fixed(struct cursor *c, int n, int *out)
{
	int v = 0;

	if (c->end - c->p < n)
		return false;
	for (int i = 0; i < n; i++) {
		if (!is_digit(c->p[i]))
			return false;
		v = v * 10 + (c->p[i] - '0');
	}
	c->p += n;
	*out = v;
	return true;
}

static bool accept(struct cursor *c, char ch)
{
	if (c->p < c->end && *c->p == ch) {
		c->p++;
		return true;
	}
	return false;
}

static size_t count_digits(const struct cursor *c)
{
	size_t n = 0;

	while (c->p + n < c->end && is_digit(c->p[n]))
		n++;
	return n;
}

/* Days from 1970-01-01 to the given proleptic Gregorian date (Howard Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era;
	int64_t yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static int days_in_month(int64_t y, int m)
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : days[m - 1];
}

/* year = 4digit / ( "+" / "-" ) 4*9digit */
static bool parse_year(struct cursor *c, int64_t *year)
{
	bool negative = c->p < c->end && *c->p == '-';
	bool sign = negative || (c->p < c->end && *c->p == '+');
	size_t n;
	int64_t v = 0;

	c->p += sign;
	n = count_digits(c);
	if (sign ? n < 4 || n > 9 : n != 4)
		return false;
	for (size_t i = 0; i < n; i++)
		v = v * 10 + (c->p[i] - '0');
	c->p += n;
	*year = negative ? -v : v;
	return true;
}

/* Reads "." or "," and 1*digit, keeping the first three digits as milliseconds. */
static bool parse_fraction(struct cursor *c, int *ms)
{
	size_t n;
	int v = 0;

	if (!accept(c, '.') && !accept(c, ','))
		return true;
	n = count_digits(c);
	if (n == 0)
		return false;
	for (size_t i = 0; i < 3; i++)
		v = v * 10 + (i < n ? c->p[i] - '0' : 0);
	c->p += n;
	*ms = v;
	return true;
}

/* zone = "Z" / ( "+" / "-" ) hour [ [ ":" ] minute ]; *minutes is east of UTC. Offsets reach 18 hours, as in java.time. */
static bool parse_zone(struct cursor *c, int *minutes)
{
	int sign, h, m = 0;

	*minutes = 0;
	if (c->p == c->end || accept(c, 'Z'))
		return true;
	if (*c->p != '+' && *c->p != '-')
		return false;
	sign = *c->p++ == '-' ? -1 : 1;
	if (!read_fixed(c, 2, &h))
		return false;
	if (accept(c, ':') ? !read_fixed(c, 2, &m) : c->p < c->end && !read_fixed(c, 2, &m))
		return false;
	if (h > 18 || m > 59 || (h == 18 && m > 0))
		return false;
	*minutes = sign * (h * 60 + m);
	return true;
}

/* The broken-down parts of a date and time, before range checks. */
struct civil {
	int64_t year;
	int month, day, hour, minute, second, millis, zone_minutes;
};

/* time = hour [ ":" minute [ ":" second [ fraction ] ] ] [ zone ] */
static bool parse_time(struct cursor *c, struct civil *t)
{
	if (!read_fixed(c, 2, &t->hour))
		return false;
	if (accept(c, ':')) {
		if (!read_fixed(c, 2, &t->minute))
			return false;
		if (accept(c, ':') && (!read_fixed(c, 2, &t->second) || !parse_fraction(c, &t->millis)))
			return false;
	}
	return parse_zone(c, &t->zone_minutes);
}

static bool civil_to_ms(const struct civil *t, int64_t *ms)
{
	int64_t day_ms = ((t->hour * INT64_C(60) + t->minute) * 60 + t->second) * 1000 + t->millis;
	int64_t days = days_from_civil(t->year, t->month, t->day);
	int64_t v;

	if (t->month < 1 || t->month > 12 || t->day < 1 || t->day > days_in_month(t->year, t->month))
		return false;
	if (t->hour > 23 || t->minute > 59 || t->second > 59)
		return false;
	if (__builtin_mul_overflow(days, MS_PER_DAY, &v) ||
	    __builtin_add_overflow(v, day_ms - t->zone_minutes * INT64_C(60000), &v))
		return false;
	*ms = v;
	return true;
}

static bool parse_iso(const char *s, size_t len, int64_t *ms)
{
	struct cursor c = { s, s + len };
	struct civil t = { .month = 1, .day = 1 };
	bool full_date = false;

	if (!parse_year(&c, &t.year))
		return false;
	if (accept(&c, '-')) {
		if (!read_fixed(&c, 2, &t.month))
			return false;
		if (accept(&c, '-')) {
			if (!read_fixed(&c, 2, &t.day))
				return false;
			full_date = true;
		}
	}
	/* A time needs the full date before it, as in strict_date_optional_time. */
	if (full_date && c.p < c.end && (*c.p == 'T' || *c.p == ' ')) {
		c.p++;
		if (!parse_time(&c, &t))
			return false;
	}
	return c.p == c.end && civil_to_ms(&t, ms);
}

/* epoch = [ "-" ] 1*digit [ "." *digit ]; the fraction is truncated toward zero. */
static bool parse_epoch(const char *s, size_t len, int64_t *ms)
{
	struct cursor c = { s, s + len };
	bool negative = accept(&c, '-');
	size_t n = count_digits(&c);
	uint64_t limit = negative ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	uint64_t v = 0;

	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned digit = (unsigned)(c.p[i] - '0');

		if (v > (limit - digit) / 10)
			return false;
		v = v * 10 + digit;
	}
	c.p += n;
	if (accept(&c, '.'))
		c.p += count_digits(&c);
	if (c.p != c.end)
		return false;
	if (!negative)
		*ms = (int64_t)v;
	else if (v > (uint64_t)INT64_MAX)
		*ms = INT64_MIN;
	else
		*ms = -(int64_t)v;
	return true;
}

/* True for [-]digits[.digits] text, except four bare digits, which are a year. */
static bool is_epoch_text(const char *s, size_t len)
{
	size_t digits = 0;

	for (size_t i = len > 0 && s[0] == '-'; i < len; i++) {
		if (!is_digit(s[i]) && s[i] != '.')
			return false;
		digits += is_digit(s[i]);
	}
	return !(len == 4 && digits == 4);
}

bool timestamp_parse_text(const char *s, size_t len, int64_t *ms)
{
	if (is_epoch_text(s, len))
		return parse_epoch(s, len, ms);
	return parse_iso(s, len, ms);
}

/*
 * NOTE: a JSON integer is always epoch milliseconds, even with four digits,
 * while Elasticsearch would read the number 2024 as the year 2024 (it
 * parses the number's text with the date format first).
 */
bool timestamp_parse(const struct value *v, int64_t *ms)
{
	switch (v->kind) {
	case VALUE_INT:
		*ms = v->u.integer;
		return true;
	case VALUE_FLOAT:
		/* Truncated toward zero, as Java's Double.longValue() does for Elasticsearch's epoch_millis. */
		if (!isfinite(v->u.real) || v->u.real < -0x1p63 || v->u.real >= 0x1p63)
			return false;
		*ms = (int64_t)v->u.real;
		return true;
	case VALUE_STRING:
		return timestamp_parse_text(v->u.string.ptr, v->u.string.len, ms);
	default:
		return false;
	}
}

void timestamp_format(int64_t ms, char *out, size_t size)
{
	int64_t days = ms / MS_PER_DAY;
	int64_t rem = ms % MS_PER_DAY;
	int64_t year;
	int month, day;

	if (rem < 0) {
		rem += MS_PER_DAY;
		days--;
	}
	civil_from_days(days, &year, &month, &day);

	/* ISO 8601 writes a year outside 0000-9999 with a sign and at least 5 digits. */
	snprintf(out, size,
		 year >= 0 && year <= 9999 ? "%04" PRId64 "-%02d-%02dT%02d:%02d:%02d.%03dZ"
					   : "%+05" PRId64 "-%02d-%02dT%02d:%02d:%02d.%03dZ",
		 year, month, day, (int)(rem / 3600000), (int)(rem / 60000 % 60),
		 (int)(rem / 1000 % 60), (int)(rem % 1000));
}
