#include "text.h"

#include <errno.h>
#include <inttypes.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#include "../util/diag.h"
#include "../util/xalloc.h"

#define REPLACEMENT 0xFFFDu

uint32_t text_decode(const char *s, size_t n, size_t *len)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t cp, min;
	size_t need;

	*len = 1;
	if (p[0] < 0x80)
		return p[0];
	if (p[0] >= 0xC2 && p[0] <= 0xDF) {
		cp = p[0] & 0x1F, need = 1, min = 0x80;
	} else if (p[0] >= 0xE0 && p[0] <= 0xEF) {
		cp = p[0] & 0x0F, need = 2, min = 0x800;
	} else if (p[0] >= 0xF0 && p[0] <= 0xF4) {
		cp = p[0] & 0x07, need = 3, min = 0x10000;
	} else {
		return REPLACEMENT;
	}

	if (need >= n)
		return REPLACEMENT;
	for (size_t i = 1; i <= need; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return REPLACEMENT;
		cp = (cp << 6) | (p[i] & 0x3F);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return REPLACEMENT;

	*len = need + 1;
	return cp;
}

size_t text_encode(uint32_t cp, char *out)
{
	unsigned char *o = (unsigned char *)out;

	if (cp < 0x80) {
		o[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (unsigned char)(0xC0 | (cp >> 6));
		o[1] = (unsigned char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (unsigned char)(0xE0 | (cp >> 12));
		o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		o[2] = (unsigned char)(0x80 | (cp & 0x3F));
		return 3;
	}
	o[0] = (unsigned char)(0xF0 | (cp >> 18));
	o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
	o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
	o[3] = (unsigned char)(0x80 | (cp & 0x3F));
	return 4;
}

/* ---- case folding ---- */

/*
 * Code points whose Unicode simple case folding (CaseFolding.txt, status C
 * and S) is not their lower case, so towlower() leaves them apart from the
 * letter they fold to. Sorted by `from`.
 */
static const struct {
	uint32_t from, to;
} fold_extra[] = {
	{ 0x00B5, 0x03BC }, /* micro sign -> mu */
	{ 0x017F, 0x0073 }, /* long s -> s */
	{ 0x0345, 0x03B9 }, /* combining ypogegrammeni -> iota */
	{ 0x03C2, 0x03C3 }, /* final sigma -> sigma */
	{ 0x03D0, 0x03B2 }, { 0x03D1, 0x03B8 }, { 0x03D5, 0x03C6 },
	{ 0x03D6, 0x03C0 }, { 0x03F0, 0x03BA }, { 0x03F1, 0x03C1 },
	{ 0x03F5, 0x03B5 }, /* Greek symbol variants */
	{ 0x1C80, 0x0432 }, { 0x1C81, 0x0434 }, { 0x1C82, 0x043E },
	{ 0x1C83, 0x0441 }, { 0x1C84, 0x0442 }, { 0x1C85, 0x0442 },
	{ 0x1C86, 0x044A }, { 0x1C87, 0x0463 }, { 0x1C88, 0xA64B }, /* old Cyrillic forms */
	{ 0x1E9B, 0x1E61 }, /* long s with dot above */
	{ 0x1FBE, 0x03B9 }, /* Greek prosgegrammeni -> iota */
};

static locale_t fold_locale;
/* The "C" locale, so that reading and writing numbers ignores LC_NUMERIC. */
static locale_t number_locale;
static pthread_once_t fold_once = PTHREAD_ONCE_INIT;

static void fold_load(void)
{
	static const char *const names[] = { "C.UTF-8", "C.utf8", "en_US.UTF-8" };

	number_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]) && fold_locale == (locale_t)0; i++)
		fold_locale = newlocale(LC_CTYPE_MASK, names[i], (locale_t)0);
	if (fold_locale == (locale_t)0)
		diag_warn("no UTF-8 locale (C.UTF-8) is installed: case-insensitive "
			  "matching folds ASCII letters only");
}

void text_fold_init(void)
{
	pthread_once(&fold_once, fold_load);
}

uint32_t text_fold_cp(uint32_t cp)
{
	size_t lo = 0, hi = sizeof(fold_extra) / sizeof(fold_extra[0]);

	if (cp < 0x80)
		return cp >= 'A' && cp <= 'Z' ? cp + 32 : cp;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (fold_extra[mid].from == cp)
			return fold_extra[mid].to;
		if (fold_extra[mid].from < cp)
			lo = mid + 1;
		else
			hi = mid;
	}
	text_fold_init();
	if (fold_locale == (locale_t)0)
		return cp;
	return (uint32_t)towlower_l((wint_t)cp, fold_locale);
}

size_t text_fold_into(const char *s, size_t n, char *out)
{
	size_t o = 0;

	text_fold_init();
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)s[i];
		size_t len;
		uint32_t cp;

		if (c < 0x80) {
			out[o++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
			i++;
			continue;
		}
		cp = text_decode(s + i, n - i, &len);
		if (cp == REPLACEMENT && len == 1) {
			/* An invalid byte stays as it is, so that it still matches itself. */
			out[o++] = s[i++];
			continue;
		}
		o += text_encode(text_fold_cp(cp), out + o);
		i += len;
	}
	return o;
}

/* True when folding s would change nothing: ASCII without capitals. */
static bool fold_is_identity(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x80 || (c >= 'A' && c <= 'Z'))
			return false;
	}
	return true;
}

const char *text_fold(struct arena *scratch, const char *s, size_t n, size_t *out_len)
{
	char *out;

	if (fold_is_identity(s, n)) {
		*out_len = n;
		return s;
	}
	out = arena_alloc(scratch, text_fold_bound(n));
	*out_len = text_fold_into(s, n, out);
	return out;
}

char *text_fold_dup(const char *s, size_t n, size_t *out_len)
{
	char *out = xmalloc(text_fold_bound(n) + 1);

	*out_len = text_fold_into(s, n, out);
	out[*out_len] = '\0';
	return out;
}

/* ---- positions ---- */

size_t text_utf16_len(const char *s, size_t n)
{
	size_t units = 0;

	for (size_t i = 0; i < n;) {
		size_t len;

		if ((unsigned char)s[i] < 0x80) {
			units++;
			i++;
			continue;
		}
		units += text_decode(s + i, n - i, &len) >= 0x10000 ? 2 : 1;
		i += len;
	}
	return units;
}

size_t text_utf16_to_byte(const char *s, size_t n, int64_t pos)
{
	size_t off = 0;
	int64_t units = 0;

	while (off < n && units < pos) {
		size_t len;

		units += text_decode(s + off, n - off, &len) >= 0x10000 ? 2 : 1;
		off += len;
	}
	return off;
}

size_t text_byte_to_utf16(const char *s, size_t n, size_t off)
{
	return text_utf16_len(s, off < n ? off : n);
}

size_t text_map_offset(const char *from, size_t off, const char *to, size_t to_len)
{
	size_t cps = 0, o = 0;

	for (size_t i = 0; i < off; cps++) {
		size_t len;

		text_decode(from + i, off - i, &len);
		i += len;
	}
	for (; cps > 0 && o < to_len; cps--) {
		size_t len;

		text_decode(to + o, to_len - o, &len);
		o += len;
	}
	return o;
}

/* ---- numbers ---- */

size_t text_format_int(int64_t i, char *out)
{
	return (size_t)snprintf(out, TEXT_NUMBER_MAX, "%" PRId64, i);
}

double text_strtod(const char *s, char **end)
{
	text_fold_init();
	if (number_locale == (locale_t)0)
		return strtod(s, end);
	return strtod_l(s, end, number_locale);
}

/*
 * The shortest decimal digits that read back as d (d finite, not zero):
 * digits without a point into `digits`, and the decimal exponent of the
 * first digit (d = 0.DIGITS * 10^(exp+1)).
 */
static size_t shortest_digits(double d, char *digits, int *exp10)
{
	char buf[64], check[64];
	size_t nd = 0;

	for (int prec = 0; prec <= 17; prec++) {
		const char *p;

		snprintf(buf, sizeof(buf), "%.*e", prec, fabs(d));
		nd = 0;
		for (p = buf; *p != '\0' && *p != 'e'; p++)
			if (*p >= '0' && *p <= '9')
				digits[nd++] = *p;
		*exp10 = atoi(p + 1);
		snprintf(check, sizeof(check), "%c.%.*se%d", digits[0], (int)nd - 1,
			 digits + 1, *exp10);
		if (text_strtod(check, NULL) == fabs(d))
			break;
	}
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	digits[nd] = '\0';
	return nd;
}

/* Java's plain form for 10^-3 <= |d| < 10^7: "0.00123", "42.5", "1234567.0". */
static size_t format_plain(const char *digits, size_t nd, int e, char *out)
{
	size_t o = 0;

	if (e < 0) {
		out[o++] = '0';
		out[o++] = '.';
		for (int z = -1; z > e; z--)
			out[o++] = '0';
		memcpy(out + o, digits, nd);
		return o + nd;
	}

	for (int i = 0; i <= e; i++)
		out[o++] = (size_t)i < nd ? digits[i] : '0';
	out[o++] = '.';
	if ((size_t)e + 1 >= nd) {
		out[o++] = '0';
		return o;
	}
	memcpy(out + o, digits + e + 1, nd - (size_t)e - 1);
	return o + nd - (size_t)e - 1;
}

/* Java's computerized scientific form: "1.0E20", "1.25E-5". */
static size_t format_scientific(const char *digits, size_t nd, int e, char *out, size_t room)
{
	size_t o = 0;

	out[o++] = digits[0];
	out[o++] = '.';
	if (nd > 1) {
		memcpy(out + o, digits + 1, nd - 1);
		o += nd - 1;
	} else {
		out[o++] = '0';
	}
	return o + (size_t)snprintf(out + o, room - o, "E%d", e);
}

size_t text_format_double(double d, char *out)
{
	char digits[32];
	int e;
	size_t nd, o = 0;

	if (isnan(d))
		return (size_t)snprintf(out, TEXT_NUMBER_MAX, "NaN");
	if (isinf(d))
		return (size_t)snprintf(out, TEXT_NUMBER_MAX, d < 0 ? "-Infinity" : "Infinity");
	if (d == 0)
		return (size_t)snprintf(out, TEXT_NUMBER_MAX, signbit(d) ? "-0.0" : "0.0");

	nd = shortest_digits(d, digits, &e);
	if (d < 0)
		out[o++] = '-';
	if (fabs(d) >= 1e-3 && fabs(d) < 1e7)
		o += format_plain(digits, nd, e, out + o);
	else
		o += format_scientific(digits, nd, e, out + o, TEXT_NUMBER_MAX - o);
	out[o] = '\0';
	return o;
}

/* Length of the plain number at s: [+-]digits[.digits][e[+-]digits], or 0. */
static size_t number_span(const char *s, size_t n, bool *integral)
{
	size_t i = 0, digits = 0;

	*integral = true;
	if (i < n && (s[i] == '+' || s[i] == '-'))
		i++;
	for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
		digits++;
	if (i < n && s[i] == '.') {
		*integral = false;
		for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			digits++;
	}
	if (digits == 0)
		return 0;
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		size_t exp_digits = 0;

		*integral = false;
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			exp_digits++;
		if (exp_digits == 0)
			return 0;
	}
	return i;
}

bool text_parse_number(const char *s, size_t n, struct value *out)
{
	char buf[128];
	bool integral;
	char *end;

	if (n == 0 || n >= sizeof(buf) || number_span(s, n, &integral) != n)
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';

	if (integral) {
		long long i;

		errno = 0;
		i = strtoll(buf, &end, 10);
		if (errno == 0 && *end == '\0') {
			*out = value_int((int64_t)i);
			return true;
		}
	}
	*out = value_float(text_strtod(buf, &end));
	return *end == '\0';
}
