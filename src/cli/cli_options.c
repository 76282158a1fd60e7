#include "cli_options.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "util/diag.h"

bool cli_set_query(const char **query, const char *arg)
{
	if (*query != NULL) {
		diag_error("-q given twice ('%.60s' and '%.60s'): run one query per command, "
			   "or put the queries in a rule file for -r", *query, arg);
		return false;
	}
	*query = arg;
	return true;
}

bool cli_parse_count(const char *option, const char *text, int64_t min, int64_t *out)
{
	char *end;
	long long n;

	errno = 0;
	n = strtoll(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' || n < min) {
		diag_error("invalid value '%s' for --%s: expected an integer of at least %" PRId64,
			   text, option, min);
		return false;
	}
	*out = n;
	return true;
}

/* The milliseconds in one `unit`, or 0 for an unknown unit. */
static int64_t unit_scale(const char *unit)
{
	static const struct { const char *name; int64_t ms; } units[] = {
		{ "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 }, { "d", 86400000 }, { "", 1 },
	};

	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(unit, units[i].name) == 0)
			return units[i].ms;
	}
	return 0;
}

/*
 * Reads "INT[.DIGITS]UNIT" as milliseconds. Up to 9 fraction digits;
 * false when the text does not have that form, overflows, or the
 * fraction is not a whole number of milliseconds.
 */
static bool read_duration(const char *text, int64_t *ms)
{
	const char *p = text;
	int64_t whole = 0, frac = 0, frac_scale = 1, scale;

	if (*p < '0' || *p > '9')
		return false;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (whole > (INT64_MAX - 9) / 10)
			return false;
		whole = whole * 10 + (*p - '0');
	}
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++) {
			if (frac_scale == 1000000000)
				return false;
			frac = frac * 10 + (*p - '0');
			frac_scale *= 10;
		}
		if (frac_scale == 1)
			return false;
	}
	scale = unit_scale(p);
	if (scale == 0 || whole > (INT64_MAX - scale) / scale || (frac * scale) % frac_scale != 0)
		return false;
	*ms = whole * scale + frac * scale / frac_scale;
	return true;
}

bool cli_parse_duration(const char *option, const char *text, int64_t *ms)
{
	if (read_duration(text, ms))
		return true;
	diag_error("invalid duration '%s' for --%s: expected a number of whole milliseconds or a "
		   "number with ms, s, m, h or d (500ms, 0.5s, 10m)", text, option);
	return false;
}

void cli_option_error(const char *command, int opt, char **argv)
{
	const char *text = argv[optind - 1];
	char letter[3] = { '-', (char)optopt, '\0' };

	/* A long option is named as written; a short one by its letter, in case of a group ("-hx"). */
	if (strncmp(text, "--", 2) != 0)
		text = letter;
	if (opt == ':')
		diag_error("option '%s' needs a value", text);
	else
		diag_error("unknown or ambiguous option '%s' for %s", text, command);
}
