#include "datefmt.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../event/timestamp.h"
#include "../util/xalloc.h"

#define MAX_ALTERNATIVES 16
#define MAX_ITEMS 32
#define MS_PER_DAY INT64_C(86400000)

enum alt_kind {
	ALT_ISO,          /* ISO 8601 text (timestamp.h's grammar), not bare digits */
	ALT_EPOCH_MILLIS,
	ALT_EPOCH_SECOND,
	ALT_PATTERN,
};

/* One element of a pattern: a numeric field (letter) or literal text. */
struct item {
	char letter;    /* 0 for literal text */
	int width;      /* number of pattern letters */
	char text[32];  /* literal text */
	size_t len;
};

struct alt {
	enum alt_kind kind;
	struct item items[MAX_ITEMS];
	size_t nitems;
};

struct datefmt {
	struct alt alts[MAX_ALTERNATIVES];
	size_t nalts;
};

/* Built-in names; the ISO ones share timestamp.h's reader. */
static const struct {
	const char *name;
	enum alt_kind kind;
	const char *pattern;
} named[] = {
	{ "strict_date_optional_time", ALT_ISO, NULL },
	{ "date_optional_time", ALT_ISO, NULL },
	{ "strict_date_optional_time_nanos", ALT_ISO, NULL },
	{ "strict_date_time", ALT_ISO, NULL },
	{ "date_time", ALT_ISO, NULL },
	{ "iso8601", ALT_ISO, NULL },
	{ "epoch_millis", ALT_EPOCH_MILLIS, NULL },
	{ "epoch_second", ALT_EPOCH_SECOND, NULL },
	{ "strict_date", ALT_PATTERN, "yyyy-MM-dd" },
	{ "date", ALT_PATTERN, "yyyy-MM-dd" },
	{ "basic_date", ALT_PATTERN, "yyyyMMdd" },
	{ "strict_date_hour_minute_second", ALT_PATTERN, "yyyy-MM-dd'T'HH:mm:ss" },
};

/* ---- reading a pattern ---- */

static bool add_literal(struct alt *a, char c, char *err, size_t err_size)
{
	struct item *it = a->nitems > 0 ? &a->items[a->nitems - 1] : NULL;

	if (it == NULL || it->letter != 0 || it->len + 1 >= sizeof(it->text)) {
		if (a->nitems == MAX_ITEMS) {
			snprintf(err, err_size, "date pattern has more than %d parts", MAX_ITEMS);
			return false;
		}
		it = &a->items[a->nitems++];
		memset(it, 0, sizeof(*it));
	}
	it->text[it->len++] = c;
	return true;
}

static bool add_field(struct alt *a, char letter, int width, char *err, size_t err_size)
{
	if (strchr("yuMdHmsS", letter) == NULL) {
		snprintf(err, err_size, "date pattern letter '%c' is not supported: use y, u, M, d, H, m, s "
			 "and S (numbers only), with punctuation or 'quoted text' between them", letter);
		return false;
	}
	if (width > (strchr("yuS", letter) ? 9 : 2)) {
		snprintf(err, err_size, "date pattern field of %d '%c' is not supported: only numbers are "
			 "read, not text such as month names (MMM)", width, letter);
		return false;
	}
	if (a->nitems == MAX_ITEMS) {
		snprintf(err, err_size, "date pattern has more than %d parts", MAX_ITEMS);
		return false;
	}
	a->items[a->nitems].letter = letter;
	a->items[a->nitems].width = width;
	a->nitems++;
	return true;
}

/* pattern = *( letter-run / "'" text "'" / other-char ) */
static bool parse_pattern(struct alt *a, const char *p, size_t len, char *err, size_t err_size)
{
	size_t i = 0;

	a->kind = ALT_PATTERN;
	while (i < len) {
		char c = p[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
			size_t run = 1;

			while (i + run < len && p[i + run] == c)
				run++;
			if (!add_field(a, c, (int)run, err, err_size))
				return false;
			i += run;
		} else if (c == '\'') {
			size_t close = i + 1;

			while (close < len && p[close] != '\'')
				close++;
			if (close == len) {
				snprintf(err, err_size, "unterminated quote in date pattern '%.*s'", (int)len, p);
				return false;
			}
			if (close == i + 1 && !add_literal(a, '\'', err, err_size))
				return false;
			for (size_t k = i + 1; k < close; k++) {
				if (!add_literal(a, p[k], err, err_size))
					return false;
			}
			i = close + 1;
		} else {
			if (!add_literal(a, c, err, err_size))
				return false;
			i++;
		}
	}
	return true;
}

static bool parse_alternative(struct alt *a, const char *p, size_t len, char *err, size_t err_size)
{
	for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
		if (strlen(named[i].name) != len || memcmp(named[i].name, p, len) != 0)
			continue;
		if (named[i].pattern != NULL)
			return parse_pattern(a, named[i].pattern, strlen(named[i].pattern), err, err_size);
		a->kind = named[i].kind;
		return true;
	}
	if (len == 0) {
		snprintf(err, err_size, "empty date format: write a name such as epoch_millis or a pattern such as dd-MM-yyyy");
		return false;
	}
	return parse_pattern(a, p, len, err, err_size);
}

struct datefmt *datefmt_parse(const char *spec, char *err, size_t err_size)
{
	struct datefmt *f = xcalloc(1, sizeof(*f));
	const char *p = spec ? spec : DATEFMT_DEFAULT;

	for (;;) {
		const char *bar = strstr(p, "||");
		size_t len = bar ? (size_t)(bar - p) : strlen(p);

		if (f->nalts == MAX_ALTERNATIVES) {
			snprintf(err, err_size, "more than %d date formats joined with '||'", MAX_ALTERNATIVES);
			free(f);
			return NULL;
		}
		if (!parse_alternative(&f->alts[f->nalts], p, len, err, err_size)) {
			free(f);
			return NULL;
		}
		f->nalts++;
		if (bar == NULL)
			return f;
		p = bar + 2;
	}
}

void datefmt_free(struct datefmt *f)
{
	free(f);
}

/* ---- reading a value ---- */

struct fields {
	int64_t year;
	int month, day, hour, minute, second, millis;
};

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Days from 1970-01-01 to a proleptic Gregorian date. */
static int64_t days_since_epoch(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int month_days(int64_t y, int m)
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : days[m - 1];
}

/* How many digits a numeric field takes: [min, max]. */
static void field_digits(const struct alt *a, size_t i, int *min, int *max)
{
	const struct item *it = &a->items[i];
	bool adjacent = i + 1 < a->nitems && a->items[i + 1].letter != 0;

	*min = it->width;
	*max = it->width;
	if ((it->letter == 'y' || it->letter == 'u') && it->width != 2 && !adjacent)
		*max = 9; /* Java reads a year of at least `width` digits */
	else if (it->letter != 'S' && it->width == 1 && !adjacent)
		*max = 2; /* "d" reads 1 or 2 digits */
}

static bool store_field(struct fields *f, const struct item *it, int64_t v, int digits)
{
	switch (it->letter) {
	case 'y':
	case 'u': f->year = it->width == 2 ? 2000 + v : v; return true;
	case 'M': f->month = (int)v; return v >= 1 && v <= 12;
	case 'd': f->day = (int)v; return v >= 1 && v <= 31;
	case 'H': f->hour = (int)v; return v <= 23;
	case 'm': f->minute = (int)v; return v <= 59;
	case 's': f->second = (int)v; return v <= 59;
	case 'S':
		/* A fraction: keep milliseconds, drop the rest. */
		while (digits > 3) {
			v /= 10;
			digits--;
		}
		while (digits < 3) {
			v *= 10;
			digits++;
		}
		f->millis = (int)v;
		return true;
	}
	return false;
}

static bool read_pattern(const struct alt *a, const char *s, size_t len, int64_t *ms)
{
	struct fields f = { .year = 1970, .month = 1, .day = 1 };
	size_t pos = 0;

	for (size_t i = 0; i < a->nitems; i++) {
		const struct item *it = &a->items[i];
		int min, max, n = 0;
		int64_t v = 0;

		if (it->letter == 0) {
			if (len - pos < it->len || memcmp(s + pos, it->text, it->len) != 0)
				return false;
			pos += it->len;
			continue;
		}
		field_digits(a, i, &min, &max);
		while (n < max && pos < len && is_digit(s[pos]))
			v = v * 10 + (s[pos++] - '0'), n++;
		if (n < min || !store_field(&f, it, v, n))
			return false;
	}
	if (pos != len || f.day > month_days(f.year, f.month))
		return false;

	*ms = days_since_epoch(f.year, f.month, f.day) * MS_PER_DAY +
	      ((int64_t)f.hour * 3600 + f.minute * 60 + f.second) * 1000 + f.millis;
	return true;
}

/* [-]digits[.digits], the text form of epoch_millis and epoch_second. */
static bool is_epoch_text(const char *s, size_t len)
{
	size_t i = len > 0 && s[0] == '-';
	size_t digits = 0;

	for (; i < len; i++) {
		if (!is_digit(s[i]) && s[i] != '.')
			return false;
		digits += is_digit(s[i]);
	}
	return digits > 0;
}

static bool read_epoch(const struct value *v, int64_t scale, int64_t *ms)
{
	double d;
	char *end;
	char text[64];

	if (v->kind == VALUE_INT) {
		*ms = v->u.integer * scale;
		return true;
	}
	if (v->kind == VALUE_FLOAT) {
		d = v->u.real * (double)scale;
	} else if (v->kind == VALUE_STRING && v->u.string.len < sizeof(text) &&
		   is_epoch_text(v->u.string.ptr, v->u.string.len)) {
		memcpy(text, v->u.string.ptr, v->u.string.len);
		text[v->u.string.len] = '\0';
		d = strtod(text, &end) * (double)scale;
	} else {
		return false;
	}
	if (!isfinite(d) || d < -0x1p62 || d >= 0x1p62)
		return false;
	*ms = (int64_t)d;
	return true;
}

static bool read_alt(const struct alt *a, const struct value *v, int64_t *ms)
{
	char text[32];
	const char *s;
	size_t len;

	switch (a->kind) {
	case ALT_EPOCH_MILLIS: return read_epoch(v, 1, ms);
	case ALT_EPOCH_SECOND: return read_epoch(v, 1000, ms);
	case ALT_ISO:
		if (v->kind != VALUE_STRING)
			return false;
		if (is_epoch_text(v->u.string.ptr, v->u.string.len) && v->u.string.len != 4)
			return false; /* bare digits are not ISO 8601, except a year */
		return timestamp_parse_text(v->u.string.ptr, v->u.string.len, ms);
	case ALT_PATTERN:
		break;
	}
	/* A pattern reads the text of a number, as Elasticsearch does. */
	if (v->kind == VALUE_INT) {
		len = (size_t)snprintf(text, sizeof(text), "%" PRId64, v->u.integer);
		s = text;
	} else if (v->kind == VALUE_STRING) {
		s = v->u.string.ptr;
		len = v->u.string.len;
	} else {
		return false;
	}
	return read_pattern(a, s, len, ms);
}

bool datefmt_read(const struct datefmt *f, const struct value *v, int64_t *ms)
{
	for (size_t i = 0; i < f->nalts; i++) {
		if (read_alt(&f->alts[i], v, ms))
			return true;
	}
	return false;
}
