#include "func.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "coerce.h"
#include "text.h"

/* ---- the function table ---- */

static const struct func_def functions[] = {
	{ "add", FUNC_ADD, 2, 2, false, FRET_NUMBER, { FARG_NUMBER, FARG_NUMBER }, 0 },
	{ "between", FUNC_BETWEEN, 3, 4, true, FRET_STRING,
	  { FARG_STRING, FARG_STRING, FARG_STRING, FARG_BOOL }, 0 },
	{ "cidrMatch", FUNC_CIDRMATCH, 2, FUNC_VARIADIC, false, FRET_BOOL,
	  { FARG_STRING, FARG_STRING }, 1 },
	{ "concat", FUNC_CONCAT, 1, FUNC_VARIADIC, false, FRET_STRING, { FARG_ANY }, 0 },
	{ "divide", FUNC_DIVIDE, 2, 2, false, FRET_NUMBER, { FARG_NUMBER, FARG_NUMBER }, 0 },
	{ "endsWith", FUNC_ENDSWITH, 2, 2, true, FRET_BOOL, { FARG_STRING, FARG_STRING }, 0 },
	{ "indexOf", FUNC_INDEXOF, 2, 3, true, FRET_NUMBER,
	  { FARG_STRING, FARG_STRING, FARG_INTEGER }, 0 },
	{ "length", FUNC_LENGTH, 1, 1, false, FRET_NUMBER, { FARG_STRING }, 0 },
	{ "modulo", FUNC_MODULO, 2, 2, false, FRET_NUMBER, { FARG_NUMBER, FARG_NUMBER }, 0 },
	{ "multiply", FUNC_MULTIPLY, 2, 2, false, FRET_NUMBER, { FARG_NUMBER, FARG_NUMBER }, 0 },
	{ "number", FUNC_NUMBER, 1, 2, false, FRET_NUMBER, { FARG_STRING, FARG_INTEGER }, 1 },
	{ "startsWith", FUNC_STARTSWITH, 2, 2, true, FRET_BOOL, { FARG_STRING, FARG_STRING }, 0 },
	{ "string", FUNC_STRING, 1, 1, false, FRET_STRING, { FARG_ANY }, 0 },
	{ "stringContains", FUNC_STRINGCONTAINS, 2, 2, true, FRET_BOOL,
	  { FARG_STRING, FARG_STRING }, 0 },
	{ "substring", FUNC_SUBSTRING, 2, 3, false, FRET_STRING,
	  { FARG_STRING, FARG_INTEGER, FARG_INTEGER }, 0 },
	{ "subtract", FUNC_SUBTRACT, 2, 2, false, FRET_NUMBER, { FARG_NUMBER, FARG_NUMBER }, 0 },
};

#define NFUNCTIONS (sizeof(functions) / sizeof(functions[0]))

const struct func_def *func_lookup(const char *name)
{
	for (size_t i = 0; i < NFUNCTIONS; i++)
		if (strcasecmp(functions[i].name, name) == 0)
			return &functions[i];
	return NULL;
}

enum func_arg func_arg_type(const struct func_def *f, size_t i)
{
	/* A variadic function repeats the type of its last required argument. */
	if (f->max_args == FUNC_VARIADIC && i >= f->min_args)
		i = f->min_args - 1;
	return i < 4 ? f->args[i] : FARG_ANY;
}

const char *func_all_names(void)
{
	return "add, between, cidrMatch, concat, divide, endsWith, indexOf, length, "
	       "modulo, multiply, number, startsWith, string, stringContains, "
	       "substring, subtract";
}

/* ---- arithmetic ---- */

static struct value arith_int(enum eql_op op, int64_t x, int64_t y)
{
	int64_t r;

	switch (op) {
	case EQL_OP_ADD:
		return __builtin_add_overflow(x, y, &r) ? value_null() : value_int(r);
	case EQL_OP_SUB:
		return __builtin_sub_overflow(x, y, &r) ? value_null() : value_int(r);
	case EQL_OP_MUL:
		return __builtin_mul_overflow(x, y, &r) ? value_null() : value_int(r);
	case EQL_OP_DIV:
		if (y == 0)
			return value_null();
		/* Java's long division wraps here instead of trapping. */
		return value_int(y == -1 && x == INT64_MIN ? INT64_MIN : x / y);
	case EQL_OP_MOD:
		if (y == 0)
			return value_null();
		return value_int(y == -1 ? 0 : x % y);
	default:
		return value_null();
	}
}

static struct value arith_float(enum eql_op op, double x, double y)
{
	switch (op) {
	case EQL_OP_ADD:
		return value_float(x + y);
	case EQL_OP_SUB:
		return value_float(x - y);
	case EQL_OP_MUL:
		return value_float(x * y);
	case EQL_OP_DIV:
		return value_float(x / y);
	case EQL_OP_MOD:
		return value_float(fmod(x, y));
	default:
		return value_null();
	}
}

struct value func_arith(enum eql_op op, const struct value *a, const struct value *b)
{
	struct value x, y;

	if (!value_to_number(a, &x) || !value_to_number(b, &y))
		return value_null();
	if (x.kind == VALUE_INT && y.kind == VALUE_INT)
		return arith_int(op, x.u.integer, y.u.integer);
	return arith_float(op, x.kind == VALUE_INT ? (double)x.u.integer : x.u.real,
			   y.kind == VALUE_INT ? (double)y.u.integer : y.u.real);
}

struct value func_negate(const struct value *a)
{
	struct value x;

	if (!value_to_number(a, &x))
		return value_null();
	if (x.kind == VALUE_FLOAT)
		return value_float(-x.u.real);
	if (x.u.integer == INT64_MIN)
		return value_null();
	return value_int(-x.u.integer);
}

/* ---- helpers ---- */

/* The text of an argument; numbers and booleans are written into scratch. */
static bool arg_text(const struct value *v, struct arena *scratch, const char **p, size_t *n)
{
	char *buf;

	if (v->kind == VALUE_STRING) {
		*p = v->u.string.ptr;
		*n = v->u.string.len;
		return true;
	}
	if (v->kind == VALUE_NULL)
		return false;
	buf = arena_alloc(scratch, TEXT_NUMBER_MAX);
	return value_to_text(v, buf, p, n);
}

/* Java's Number.intValue(): a long keeps its low 32 bits, a double saturates. */
static bool arg_int(const struct value *v, int32_t *out)
{
	struct value n;

	if (!value_to_number(v, &n))
		return false;
	if (n.kind == VALUE_INT) {
		*out = (int32_t)(uint32_t)(uint64_t)n.u.integer;
	} else if (isnan(n.u.real)) {
		*out = 0;
	} else if (n.u.real >= 2147483647.0) {
		*out = INT32_MAX;
	} else if (n.u.real <= -2147483648.0) {
		*out = INT32_MIN;
	} else {
		*out = (int32_t)n.u.real;
	}
	return true;
}

static const char *last_occurrence(const char *s, size_t n, const char *needle, size_t k)
{
	if (k > n)
		return NULL;
	for (size_t i = n - k + 1; i-- > 0;)
		if (memcmp(s + i, needle, k) == 0)
			return s + i;
	return NULL;
}

/* Folds when the call is case-insensitive, else hands the text back. */
static const char *maybe_fold(bool insensitive, struct arena *scratch, const char *s,
			      size_t n, size_t *out_n)
{
	if (!insensitive) {
		*out_n = n;
		return s;
	}
	return text_fold(scratch, s, n, out_n);
}

static struct value string_value(const char *p, size_t n)
{
	return value_string(p, n);
}

/* ---- the string functions ---- */

/*
 * between(source, left, right[, greedy]): Elasticsearch's StringUtils.between.
 * An empty source, left or right gives the source back. A left or right
 * that is not found gives "". Greedy takes the last `right` of the source.
 */
static struct value fn_between(const struct value *args, size_t nargs, bool insensitive,
			       struct arena *scratch)
{
	const char *src, *left, *right, *m, *l, *r, *hit;
	size_t ns, nl, nr, nm, nlf, nrf, start, stop;
	bool greedy = false;

	if (!arg_text(&args[0], scratch, &src, &ns) || !arg_text(&args[1], scratch, &left, &nl) ||
	    !arg_text(&args[2], scratch, &right, &nr))
		return value_null();
	if (nargs == 4 && !value_to_bool(&args[3], &greedy))
		return value_null();
	if (ns == 0 || nl == 0 || nr == 0)
		return string_value(src, ns);

	m = maybe_fold(insensitive, scratch, src, ns, &nm);
	l = maybe_fold(insensitive, scratch, left, nl, &nlf);
	r = maybe_fold(insensitive, scratch, right, nr, &nrf);
	hit = memmem(m, nm, l, nlf);
	if (hit == NULL)
		return string_value("", 0);
	start = (size_t)(hit - m) + nlf;
	hit = greedy ? last_occurrence(m, nm, r, nrf) : memmem(m + start, nm - start, r, nrf);
	/* NOTE: Elasticsearch throws when the greedy `right` ends before `left`; this gives "". */
	if (hit == NULL || (size_t)(hit - m) < start)
		return string_value("", 0);
	stop = (size_t)(hit - m);

	if (m != src) {
		start = text_map_offset(m, start, src, ns);
		stop = text_map_offset(m, stop, src, ns);
	}
	return string_value(src + start, stop - start);
}

static struct value fn_affix(enum func_id id, const struct value *args, bool insensitive,
			     struct arena *scratch)
{
	const char *s, *sub;
	size_t ns, nsub;

	if (!arg_text(&args[0], scratch, &s, &ns) || !arg_text(&args[1], scratch, &sub, &nsub))
		return value_null();
	s = maybe_fold(insensitive, scratch, s, ns, &ns);
	sub = maybe_fold(insensitive, scratch, sub, nsub, &nsub);

	switch (id) {
	case FUNC_STARTSWITH:
		return value_bool(nsub <= ns && memcmp(s, sub, nsub) == 0);
	case FUNC_ENDSWITH:
		return value_bool(nsub <= ns && memcmp(s + ns - nsub, sub, nsub) == 0);
	default:
		/* Elasticsearch's stringContains is false for an empty source or substring. */
		if (ns == 0 || nsub == 0)
			return value_bool(false);
		return value_bool(memmem(s, ns, sub, nsub) != NULL);
	}
}

/*
 * indexOf(source, substring[, start]): Java's String.indexOf(sub, from) in
 * UTF-16 units. A negative or null start counts as 0, as the processor's
 * code does, although the reference page gives null for a null start.
 */
static struct value fn_indexof(const struct value *args, size_t nargs, bool insensitive,
			       struct arena *scratch)
{
	const char *s, *sub, *hit;
	size_t ns, nsub, units, from_byte;
	int32_t from = 0;

	if (!arg_text(&args[0], scratch, &s, &ns) || !arg_text(&args[1], scratch, &sub, &nsub))
		return value_null();
	if (nargs == 3 && args[2].kind != VALUE_NULL && !arg_int(&args[2], &from))
		return value_null();
	s = maybe_fold(insensitive, scratch, s, ns, &ns);
	sub = maybe_fold(insensitive, scratch, sub, nsub, &nsub);

	if (from < 0)
		from = 0;
	units = text_utf16_len(s, ns);
	if ((size_t)from >= units)
		return nsub == 0 ? value_int((int64_t)units) : value_null();
	from_byte = text_utf16_to_byte(s, ns, from);
	hit = memmem(s + from_byte, ns - from_byte, sub, nsub);
	if (hit == NULL)
		return value_null();
	return value_int((int64_t)text_byte_to_utf16(s, ns, (size_t)(hit - s)));
}

/*
 * substring(source, start[, end]): Python slice semantics in UTF-16 units
 * (Elasticsearch's StringUtils.substringSlice). A null start gives the
 * source back, and a null or absent end means the length.
 */
static struct value fn_substring(const struct value *args, size_t nargs, struct arena *scratch)
{
	const char *s;
	size_t ns, b0, b1;
	int32_t start, end;
	int64_t len;

	if (!arg_text(&args[0], scratch, &s, &ns))
		return value_null();
	if (ns == 0 || args[1].kind == VALUE_NULL)
		return string_value(s, ns);
	if (!arg_int(&args[1], &start))
		return value_null();
	len = (int64_t)text_utf16_len(s, ns);
	end = (int32_t)(len > INT32_MAX ? INT32_MAX : len);
	if (nargs == 3 && args[2].kind != VALUE_NULL && !arg_int(&args[2], &end))
		return value_null();

	int64_t a = start < 0 ? start + len : start;
	int64_t b = end < 0 ? end + len : end;

	if (a < 0)
		a = 0;
	if (b < 0)
		b = 0;
	if (b > len)
		b = len;
	if (a >= b)
		return string_value("", 0);
	b0 = text_utf16_to_byte(s, ns, a);
	b1 = text_utf16_to_byte(s, ns, b);
	return string_value(s + b0, b1 - b0);
}

static struct value fn_concat(const struct value *args, size_t nargs, struct arena *scratch)
{
	const char *parts[FUNC_MAX_ARGS], *p;
	size_t lens[FUNC_MAX_ARGS], total = 0, n;
	char *out, *o;

	if (nargs > FUNC_MAX_ARGS)
		return value_null();
	for (size_t i = 0; i < nargs; i++) {
		if (!arg_text(&args[i], scratch, &p, &n))
			return value_null();
		parts[i] = p;
		lens[i] = n;
		total += n;
	}
	out = arena_alloc(scratch, total + 1);
	o = out;
	for (size_t i = 0; i < nargs; i++) {
		memcpy(o, parts[i], lens[i]);
		o += lens[i];
	}
	return string_value(out, total);
}

/* ---- number() ---- */

/* Java's Long.parseLong(s, radix): optional sign, digits, no spaces. */
static bool java_parse_long(const char *s, size_t n, int radix, int64_t *out)
{
	size_t i = 0;
	bool neg = false;
	uint64_t acc = 0, limit;

	if (n > 0 && (s[0] == '+' || s[0] == '-')) {
		neg = s[0] == '-';
		i = 1;
	}
	if (i == n)
		return false;
	limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; i < n; i++) {
		int c = (unsigned char)s[i], d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'z')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'Z')
			d = c - 'A' + 10;
		else
			return false;
		if (d >= radix || acc > (limit - (uint64_t)d) / (uint64_t)radix)
			return false;
		acc = acc * (uint64_t)radix + (uint64_t)d;
	}
	*out = neg ? (int64_t)(0 - acc) : (int64_t)acc;
	return true;
}

static size_t skip_digits(const char *s, size_t n, size_t i, bool hex)
{
	while (i < n && ((s[i] >= '0' && s[i] <= '9') ||
			 (hex && ((s[i] >= 'a' && s[i] <= 'f') || (s[i] >= 'A' && s[i] <= 'F')))))
		i++;
	return i;
}

/*
 * Checks s against Java's Double.valueOf grammar, after trimming: [+-] then
 * NaN, Infinity, a decimal with optional exponent, or a hexadecimal float
 * with a binary exponent. A decimal or hexadecimal may end in f F d D.
 * Sets *num_len to the length of the part to convert.
 */
static bool java_double_span(const char *s, size_t n, size_t *num_len)
{
	size_t i = 0, m;
	bool hex;

	if (i < n && (s[i] == '+' || s[i] == '-'))
		i++;
	if ((n - i == 3 && memcmp(s + i, "NaN", 3) == 0) ||
	    (n - i == 8 && memcmp(s + i, "Infinity", 8) == 0)) {
		*num_len = n;
		return true;
	}
	hex = n - i > 2 && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X');
	if (hex)
		i += 2;
	m = skip_digits(s, n, i, hex);
	if (m < n && s[m] == '.')
		m = skip_digits(s, n, m + 1, hex);
	if (m == i || (m == i + 1 && s[i] == '.'))
		return false;
	i = m;
	if (i < n && (hex ? (s[i] == 'p' || s[i] == 'P') : (s[i] == 'e' || s[i] == 'E'))) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		m = skip_digits(s, n, i, false);
		if (m == i)
			return false;
		i = m;
	} else if (hex) {
		return false;
	}
	*num_len = i;
	if (i < n && strchr("fFdD", s[i]) != NULL)
		i++;
	return i == n;
}

static struct value java_double_value_of(const char *s, size_t n)
{
	char buf[128];
	size_t len;

	while (n > 0 && (unsigned char)s[0] <= ' ')
		s++, n--;
	while (n > 0 && (unsigned char)s[n - 1] <= ' ')
		n--;
	if (n == 0 || n >= sizeof(buf) || !java_double_span(s, n, &len))
		return value_null();
	memcpy(buf, s, len);
	buf[len] = '\0';
	return value_float(text_strtod(buf, NULL));
}

/*
 * number(string[, base]): Elasticsearch's ToNumberFunctionProcessor. A
 * "0x" prefix means base 16 unless a base is given. Base 10 reads a long,
 * else a double, and other bases read a long. Unreadable text gives null,
 * where Elasticsearch fails the search.
 */
static struct value fn_number(const struct value *args, size_t nargs, struct arena *scratch)
{
	const char *s;
	size_t n;
	int64_t radix = 10, i;
	bool hex;

	if (!arg_text(&args[0], scratch, &s, &n))
		return value_null();
	hex = n >= 2 && s[0] == '0' && s[1] == 'x';
	if (nargs == 2 && args[1].kind == VALUE_INT)
		radix = args[1].u.integer;
	else
		radix = hex ? 16 : 10;
	if (radix < 2 || radix > 36)
		return value_null();
	if (hex && radix == 16)
		s += 2, n -= 2;

	if (java_parse_long(s, n, (int)radix, &i))
		return value_int(i);
	return radix == 10 ? java_double_value_of(s, n) : value_null();
}

/* ---- cidrMatch ---- */

/* One decimal IPv4 octet without a leading zero, as Elasticsearch reads it. */
static bool parse_octet(const char *s, size_t n, unsigned char *out)
{
	unsigned v = 0;

	if (n == 0 || n > 3 || (n > 1 && s[0] == '0'))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v > 255)
		return false;
	*out = (unsigned char)v;
	return true;
}

static bool parse_ipv4(const char *s, size_t n, unsigned char out[4])
{
	size_t start = 0, part = 0;

	for (size_t i = 0; i <= n; i++) {
		if (i < n && s[i] != '.')
			continue;
		if (part == 4 || !parse_octet(s + start, i - start, &out[part]))
			return false;
		part++;
		start = i + 1;
	}
	return part == 4;
}

/* One to four hex digits. */
static bool parse_group16(const char *s, size_t n, unsigned *out)
{
	unsigned v = 0;

	if (n == 0 || n > 4)
		return false;
	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)s[i];

		if (c >= '0' && c <= '9')
			v = v * 16 + (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v = v * 16 + (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v = v * 16 + (unsigned)(c - 'A' + 10);
		else
			return false;
	}
	*out = v;
	return true;
}

/* Reads groups of an IPv6 half ("a:b:c", maybe ending in an IPv4 tail) into words. */
static bool parse_v6_half(const char *s, size_t n, unsigned words[8], size_t *count, bool allow_v4)
{
	size_t start = 0;

	*count = 0;
	if (n == 0)
		return true;
	for (size_t i = 0; i <= n; i++) {
		unsigned char v4[4];

		if (i < n && s[i] != ':')
			continue;
		if (i == n && allow_v4 && memchr(s + start, '.', n - start) != NULL) {
			if (*count > 6 || !parse_ipv4(s + start, n - start, v4))
				return false;
			words[(*count)++] = (unsigned)(v4[0] << 8 | v4[1]);
			words[(*count)++] = (unsigned)(v4[2] << 8 | v4[3]);
			return true;
		}
		if (*count == 8 || !parse_group16(s + start, i - start, &words[*count]))
			return false;
		(*count)++;
		start = i + 1;
	}
	return true;
}

static bool parse_ipv6(const char *s, size_t n, unsigned char out[16])
{
	unsigned head[8], tail[8], words[8] = { 0 };
	size_t nh, nt;
	const char *gap = NULL;

	for (size_t i = 0; i + 1 < n; i++) {
		if (s[i] == ':' && s[i + 1] == ':') {
			if (gap != NULL)
				return false;
			gap = s + i;
		}
	}
	if (gap == NULL) {
		if (!parse_v6_half(s, n, words, &nh, true) || nh != 8)
			return false;
	} else {
		size_t hl = (size_t)(gap - s), tl = n - hl - 2;

		if (!parse_v6_half(s, hl, head, &nh, false) ||
		    !parse_v6_half(gap + 2, tl, tail, &nt, true) || nh + nt > 7)
			return false;
		memcpy(words, head, nh * sizeof(unsigned));
		memcpy(words + 8 - nt, tail, nt * sizeof(unsigned));
	}
	for (size_t i = 0; i < 8; i++) {
		out[2 * i] = (unsigned char)(words[i] >> 8);
		out[2 * i + 1] = (unsigned char)(words[i] & 0xFF);
	}
	return true;
}

bool ip_parse(const char *s, size_t n, struct ip_addr *out)
{
	unsigned char v4[4];

	if (memchr(s, ':', n) != NULL)
		return parse_ipv6(s, n, out->b);
	if (!parse_ipv4(s, n, v4))
		return false;
	memset(out->b, 0, 10);
	out->b[10] = out->b[11] = 0xFF;
	memcpy(out->b + 12, v4, 4);
	return true;
}

bool cidr_parse(const char *s, size_t n, struct cidr_block *out)
{
	const char *slash = memchr(s, '/', n);
	size_t an = slash ? (size_t)(slash - s) : n;
	bool v4 = memchr(s, ':', an) == NULL;
	unsigned max = v4 ? 32 : 128, prefix = max;

	if (!ip_parse(s, an, &out->addr))
		return false;
	if (slash != NULL) {
		size_t pn = n - an - 1;

		prefix = 0;
		if (pn == 0 || pn > 3)
			return false;
		for (size_t i = 0; i < pn; i++) {
			if (slash[1 + i] < '0' || slash[1 + i] > '9')
				return false;
			prefix = prefix * 10 + (unsigned)(slash[1 + i] - '0');
		}
		if (prefix > max)
			return false;
	}
	out->prefix = v4 ? prefix + 96 : prefix;
	return true;
}

bool cidr_contains(const struct cidr_block *c, const struct ip_addr *ip)
{
	unsigned full = c->prefix / 8, rest = c->prefix % 8;

	if (memcmp(c->addr.b, ip->b, full) != 0)
		return false;
	if (rest == 0)
		return true;
	unsigned char mask = (unsigned char)(0xFF << (8 - rest));

	return (c->addr.b[full] & mask) == (ip->b[full] & mask);
}

static struct value fn_cidrmatch(const struct value *args, const struct func_aux *aux,
				 struct arena *scratch)
{
	const char *s;
	size_t n;
	struct ip_addr ip;

	if (!arg_text(&args[0], scratch, &s, &n))
		return value_null();
	/* A value that is no IP address could not be in an ip field at all. */
	if (!ip_parse(s, n, &ip))
		return value_null();
	for (size_t i = 0; i < aux->ncidrs; i++)
		if (cidr_contains(&aux->cidrs[i], &ip))
			return value_bool(true);
	return aux->cidr_null ? value_null() : value_bool(false);
}

/* ---- dispatch ---- */

static struct value arith_fn(enum eql_op op, const struct value *args)
{
	return func_arith(op, &args[0], &args[1]);
}

struct value func_call(const struct func_def *f, bool insensitive,
		       const struct value *args, size_t nargs,
		       const struct func_aux *aux, struct arena *scratch)
{
	const char *s;
	size_t n;

	switch (f->id) {
	case FUNC_ADD:
		return arith_fn(EQL_OP_ADD, args);
	case FUNC_SUBTRACT:
		return arith_fn(EQL_OP_SUB, args);
	case FUNC_MULTIPLY:
		return arith_fn(EQL_OP_MUL, args);
	case FUNC_DIVIDE:
		return arith_fn(EQL_OP_DIV, args);
	case FUNC_MODULO:
		return arith_fn(EQL_OP_MOD, args);
	case FUNC_BETWEEN:
		return fn_between(args, nargs, insensitive, scratch);
	case FUNC_CIDRMATCH:
		return fn_cidrmatch(args, aux, scratch);
	case FUNC_CONCAT:
		return fn_concat(args, nargs, scratch);
	case FUNC_ENDSWITH:
	case FUNC_STARTSWITH:
	case FUNC_STRINGCONTAINS:
		return fn_affix(f->id, args, insensitive, scratch);
	case FUNC_INDEXOF:
		return fn_indexof(args, nargs, insensitive, scratch);
	case FUNC_LENGTH:
		if (!arg_text(&args[0], scratch, &s, &n))
			return value_null();
		return value_int((int64_t)text_utf16_len(s, n));
	case FUNC_NUMBER:
		return fn_number(args, nargs, scratch);
	case FUNC_STRING:
		if (!arg_text(&args[0], scratch, &s, &n))
			return value_null();
		return string_value(s, n);
	case FUNC_SUBSTRING:
		return fn_substring(args, nargs, scratch);
	}
	return value_null();
}
