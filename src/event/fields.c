/*
 * Field projection scanner: one pass over a JSON event document that
 * validates it (RFC 8259) and records the values of the requested paths.
 *
 * The field set keeps every requested path and every dot-prefix of one in
 * an open-addressing hash table. While the scanner walks an object, it
 * appends each key to the path of that object and looks the result up. A
 * miss means that no requested path lies at or below that key. Its value is
 * then passed over by skip_value(), which validates without lookups,
 * decoding or number conversion. A hit records scalars (when the path is
 * requested) and enters objects (when a requested path continues below).
 *
 * Values are first collected in document order in the scratch "pending"
 * list, then grouped by slot into event_fields.values at the end, so that
 * each slot's values are contiguous. Strings with escapes are decoded into
 * event_fields.decoded. Their pending entries hold an offset, turned into
 * a pointer only at the end, because the buffer may move when it grows.
 *
 * Ownership: the field set owns its node keys (xstrndup) and frees them in
 * field_set_free(). Everything event_fields_scan() grows (spans, values,
 * the decode buffer and the scratch arrays) belongs to the event_fields
 * struct, is kept across scans so that a warm scanner does not allocate,
 * and is freed by event_fields_free().
 *
 * Byte offsets in error messages are 0-based from the start of the
 * document.
 */
#include "event/fields.h"

#include <locale.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"
#include "util/hex.h"

/* 64-bit FNV-1a. It is computed byte by byte, so the hash of "a.b" continues from the hash of "a". */
#define HASH_SEED 0xcbf29ce484222325ULL
#define HASH_PRIME 0x100000001b3ULL

static inline uint64_t hash_byte(uint64_t h, unsigned char c)
{
	return (h ^ c) * HASH_PRIME;
}

static uint64_t hash_bytes(uint64_t h, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		h = hash_byte(h, (unsigned char)s[i]);
	return h;
}

/* ---- Field set ---- */

/* A requested path, or a dot-prefix of one, or both. */
struct path_node {
	char *key; /* NULL marks an empty table entry */
	size_t len;
	uint64_t hash;
	int slot;          /* -1 when the path is only a prefix */
	bool has_children; /* some requested path starts with key + "." */
};

struct field_set {
	struct path_node *nodes; /* power-of-two size, at most half full */
	size_t nodes_cap;
	size_t nodes_used;
	const char **paths; /* by slot; point at node keys */
	size_t npaths;
	size_t paths_cap;
	size_t max_len; /* longest requested path, in bytes */
};

struct field_set *field_set_new(void)
{
	struct field_set *set = xcalloc(1, sizeof(*set));

	set->nodes_cap = 64;
	set->nodes = xcalloc(set->nodes_cap, sizeof(*set->nodes));
	return set;
}

void field_set_free(struct field_set *set)
{
	if (set == NULL)
		return;
	for (size_t i = 0; i < set->nodes_cap; i++)
		free(set->nodes[i].key);
	free(set->nodes);
	free(set->paths);
	free(set);
}

static size_t table_index(uint64_t hash, size_t cap)
{
	return (size_t)(hash ^ (hash >> 32)) & (cap - 1);
}

static const struct path_node *set_lookup(const struct field_set *set,
					  const char *key, size_t len,
					  uint64_t hash)
{
	size_t mask = set->nodes_cap - 1;
	size_t i = table_index(hash, set->nodes_cap);

	for (;; i = (i + 1) & mask) {
		const struct path_node *n = &set->nodes[i];

		if (n->key == NULL)
			return NULL;
		if (n->hash == hash && n->len == len && memcmp(n->key, key, len) == 0)
			return n;
	}
}

static void set_rehash(struct field_set *set)
{
	struct path_node *old = set->nodes;
	size_t old_cap = set->nodes_cap;

	set->nodes_cap = old_cap * 2;
	set->nodes = xcalloc(set->nodes_cap, sizeof(*set->nodes));
	for (size_t i = 0; i < old_cap; i++) {
		size_t j = table_index(old[i].hash, set->nodes_cap);

		if (old[i].key == NULL)
			continue;
		while (set->nodes[j].key != NULL)
			j = (j + 1) & (set->nodes_cap - 1);
		set->nodes[j] = old[i];
	}
	free(old);
}

/* Returns the node for `key`, adding it as a bare prefix when absent. The pointer is valid until the next call. */
static struct path_node *set_intern(struct field_set *set, const char *key, size_t len)
{
	uint64_t hash = hash_bytes(HASH_SEED, key, len);
	struct path_node *n = (struct path_node *)set_lookup(set, key, len, hash);
	size_t i;

	if (n != NULL)
		return n;
	if (2 * (set->nodes_used + 1) > set->nodes_cap)
		set_rehash(set);

	i = table_index(hash, set->nodes_cap);
	while (set->nodes[i].key != NULL)
		i = (i + 1) & (set->nodes_cap - 1);
	n = &set->nodes[i];
	n->key = xstrndup(key, len);
	n->len = len;
	n->hash = hash;
	n->slot = -1;
	n->has_children = false;
	set->nodes_used++;
	return n;
}

int field_set_add(struct field_set *set, const char *path)
{
	size_t len = strlen(path);
	struct path_node *n = set_intern(set, path, len);
	int slot;

	if (n->slot < 0) {
		set->paths = xgrow(set->paths, &set->paths_cap, set->npaths + 1,
				   sizeof(*set->paths));
		n->slot = (int)set->npaths;
		set->paths[set->npaths++] = n->key;
	}
	slot = n->slot;

	/* Every dot-prefix lets the scanner enter an object, or match a dotted key, on the way to this path. */
	for (size_t i = 0; i < len; i++)
		if (path[i] == '.')
			set_intern(set, path, i)->has_children = true;
	if (len > set->max_len)
		set->max_len = len;
	return slot;
}

int field_set_find(const struct field_set *set, const char *path)
{
	size_t len = strlen(path);
	const struct path_node *n = set_lookup(set, path, len, hash_bytes(HASH_SEED, path, len));

	return n != NULL ? n->slot : -1;
}

size_t field_set_count(const struct field_set *set)
{
	return set->npaths;
}

const char *field_set_path(const struct field_set *set, int slot)
{
	return set->paths[slot];
}

/* ---- Scanner state ---- */

enum container { CONTAINER_OBJECT, CONTAINER_ARRAY };

/* The handling of a value, decided by the path it sits at. */
struct target {
	uint64_t hash;     /* hash of the path */
	size_t path_len;   /* bytes of the path in scratch->path */
	int slot;          /* record scalars into this slot; -1: do not */
	bool descend;      /* requested paths continue below: enter objects */
	bool root;         /* the document itself: keys get no leading dot */
};

/* An open object or array along requested paths. For an array, `t` is the target of each element. */
struct frame {
	struct target t;
	enum container kind;
};

/* A recorded value before grouping. A decoded string's bytes are at `decoded_off` in ev->decoded. */
struct pending {
	struct value v;
	int slot;
	bool decoded;
	size_t decoded_off;
};

struct scan_scratch {
	struct pending *pending;
	size_t npending;
	size_t pending_cap;
	struct frame *frames;
	size_t frames_cap;
	unsigned char *skip_kinds; /* containers open inside skip_value() */
	size_t skip_cap;
	char *path; /* path of the current key */
	size_t path_cap;
	char *key; /* decoded key, for keys with escapes */
	size_t key_cap;
	char *number; /* NUL-terminated copy of a long number literal */
	size_t number_cap;
	size_t spans_cap;
};

struct scanner {
	const char *start;
	const char *p;
	const char *end;
	const struct field_set *set;
	const struct scan_limits *limits;
	struct event_fields *ev;
	struct scan_scratch *s;
	const char *value_start; /* the scalar being recorded, for messages */
	size_t nframes;
	unsigned depth; /* open objects and arrays, the document included */
	char *why;
	size_t why_size;
};

/* ---- Errors ---- */

static void describe_at(const struct scanner *sc, const char *at, char *out, size_t size)
{
	unsigned char c;

	if (at >= sc->end) {
		snprintf(out, size, "the end of the document");
		return;
	}
	c = (unsigned char)*at;
	if (c > 0x20 && c < 0x7f)
		snprintf(out, size, "'%c'", c);
	else
		snprintf(out, size, "byte 0x%02x", c);
}

static bool report(struct scanner *sc, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static bool report(struct scanner *sc, const char *fmt, ...)
{
	va_list ap;

	if (sc->why == NULL || sc->why_size == 0)
		return false;
	va_start(ap, fmt);
	vsnprintf(sc->why, sc->why_size, fmt, ap);
	va_end(ap);
	return false;
}

static bool fail_at(struct scanner *sc, const char *at, const char *what)
{
	return report(sc, "invalid JSON at byte %zu: %s", (size_t)(at - sc->start), what);
}

/* Reports that `what` was expected at sc->p, naming what is there instead. */
static bool fail_expected(struct scanner *sc, const char *what)
{
	char found[32];

	describe_at(sc, sc->p, found, sizeof(found));
	return report(sc, "invalid JSON at byte %zu: expected %s, found %s",
		      (size_t)(sc->p - sc->start), what, found);
}

static bool fail_depth(struct scanner *sc)
{
	return report(sc, "document nested deeper than %u levels at byte %zu; "
		      "raise the limit with --max-depth",
		      sc->limits->max_depth, (size_t)(sc->p - sc->start));
}

/* ---- Lexical pieces ---- */

static inline int peek(const struct scanner *sc)
{
	return sc->p < sc->end ? (unsigned char)*sc->p : -1;
}

static inline void skip_ws(struct scanner *sc)
{
	const char *p = sc->p;

	while (p < sc->end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
		p++;
	sc->p = p;
}

static inline bool is_special(unsigned char c)
{
	return c == '"' || c == '\\' || c < 0x20;
}

#if defined(__SSE2__)
#include <emmintrin.h>

/* Returns the first '"', '\\' or control character in [p, end), or end. Reads 16 bytes at a time (SSE2 is part of every x86-64). */
static inline const char *find_special(const char *p, const char *end)
{
	const __m128i quote = _mm_set1_epi8('"');
	const __m128i backslash = _mm_set1_epi8('\\');
	const __m128i max_control = _mm_set1_epi8(0x1f);

	while (end - p >= 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
		__m128i control = _mm_cmpeq_epi8(_mm_max_epu8(x, max_control), max_control);
		__m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, quote),
							_mm_cmpeq_epi8(x, backslash)), control);
		unsigned mask = (unsigned)_mm_movemask_epi8(hit);

		if (mask != 0)
			return p + __builtin_ctz(mask);
		p += 16;
	}
	for (; p < end; p++)
		if (is_special((unsigned char)*p))
			return p;
	return end;
}
#else
#define BYTES_01 0x0101010101010101ULL
#define BYTES_80 0x8080808080808080ULL

/* True when one of the 8 bytes of `w` is '"', '\\' or below 0x20 (bit tricks that are exact for "any byte matches"). */
static inline bool word_has_special(uint64_t w)
{
	uint64_t quote = w ^ (BYTES_01 * '"');
	uint64_t backslash = w ^ (BYTES_01 * '\\');

	quote = (quote - BYTES_01) & ~quote;
	backslash = (backslash - BYTES_01) & ~backslash;
	return ((quote | backslash | ((w - BYTES_01 * 0x20) & ~w)) & BYTES_80) != 0;
}

/* Returns the first '"', '\\' or control character in [p, end), or end. Reads 8 bytes at a time. */
static inline const char *find_special(const char *p, const char *end)
{
	for (;;) {
		const char *stop;
		uint64_t w;

		while (end - p >= 8) {
			memcpy(&w, p, 8);
			if (word_has_special(w))
				break;
			p += 8;
		}
		stop = end - p >= 8 ? p + 8 : end;
		for (; p < stop; p++)
			if (is_special((unsigned char)*p))
				return p;
		if (p == end)
			return end;
	}
}
#endif

/* Checks the escape sequence at *pp (a backslash) and moves past it. */
static bool check_escape(struct scanner *sc, const char **pp, const char *open)
{
	const char *p = *pp;

	if (sc->end - p < 2)
		return fail_at(sc, open, "unterminated string");
	switch (p[1]) {
	case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
		*pp = p + 2;
		return true;
	case 'u':
		for (int i = 2; i < 6; i++)
			if (p + i >= sc->end || hex_value((unsigned char)p[i]) < 0)
				return fail_at(sc, p, "invalid \\u escape: expected 4 hex digits");
		*pp = p + 6;
		return true;
	default:
		return fail_at(sc, p, "invalid escape in a string "
			       "(JSON allows \\\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX)");
	}
}

/*
 * Moves past the string whose opening quote is at sc->p, validating it, and
 * returns its raw body and whether it has escapes.
 * NOTE: bytes that are not valid UTF-8 are accepted and kept as they are.
 * Elasticsearch rejects such a document, but one bad byte in a command line
 * should not hide the rest of an event from the rules.
 */
static bool scan_string(struct scanner *sc, const char **body, size_t *len, bool *escaped)
{
	const char *open = sc->p;
	const char *p = open + 1;

	*escaped = false;
	for (;;) {
		p = find_special(p, sc->end);
		if (p == sc->end)
			return fail_at(sc, open, "unterminated string");
		if (*p == '"')
			break;
		if (*p != '\\')
			return report(sc, "invalid JSON at byte %zu: control character 0x%02x in a string "
				      "(escape it as \\u%04x)", (size_t)(p - sc->start),
				      (unsigned char)*p, (unsigned char)*p);
		if (!check_escape(sc, &p, open))
			return false;
		*escaped = true;
	}

	*body = open + 1;
	*len = (size_t)(p - open - 1);
	sc->p = p + 1;
	return true;
}

/* number = [ "-" ] ( "0" / digit1-9 *digit ) [ "." 1*digit ] [ ( "e" / "E" ) [ "-" / "+" ] 1*digit ] */
static bool scan_number(struct scanner *sc, size_t *len, bool *integral)
{
	const char *p = sc->p;
	const char *end = sc->end;

	*integral = true;
	if (*p == '-')
		p++;
	if (p == end || *p < '0' || *p > '9')
		return fail_at(sc, p, "expected a digit in a number");
	if (*p == '0' && p + 1 < end && p[1] >= '0' && p[1] <= '9')
		return fail_at(sc, p, "leading zeros are not allowed in a number");
	while (p < end && *p >= '0' && *p <= '9')
		p++;

	if (p < end && *p == '.') {
		*integral = false;
		if (++p == end || *p < '0' || *p > '9')
			return fail_at(sc, p, "expected a digit after the decimal point");
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		*integral = false;
		if (++p < end && (*p == '+' || *p == '-'))
			p++;
		if (p == end || *p < '0' || *p > '9')
			return fail_at(sc, p, "expected a digit in the exponent");
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	}

	*len = (size_t)(p - sc->p);
	return true;
}

static bool scan_literal(struct scanner *sc, const char *word, size_t len)
{
	if ((size_t)(sc->end - sc->p) < len || memcmp(sc->p, word, len) != 0)
		return fail_at(sc, sc->p, "invalid literal (expected true, false or null)");
	sc->p += len;
	return true;
}

/* ---- Decoding ---- */

static size_t put_utf8(char *out, uint32_t cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

static uint32_t read_hex4(const char *p)
{
	uint32_t v = 0;

	for (int i = 0; i < 4; i++)
		v = v << 4 | (uint32_t)hex_value((unsigned char)p[i]);
	return v;
}

/*
 * Decodes one \u escape at `p` (and the low half of a surrogate pair after
 * it) into `out`. A lone surrogate becomes U+FFFD, as Lucene's UTF-16 to
 * UTF-8 conversion stores it. Returns the escape bytes consumed.
 */
static size_t decode_unicode(const char *p, const char *end, char *out, size_t *written)
{
	uint32_t cp = read_hex4(p + 2);

	if (cp >= 0xd800 && cp <= 0xdbff && end - p >= 12 && p[6] == '\\' && p[7] == 'u') {
		uint32_t low = read_hex4(p + 8);

		if (low >= 0xdc00 && low <= 0xdfff) {
			*written = put_utf8(out, 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00));
			return 12;
		}
	}
	if (cp >= 0xd800 && cp <= 0xdfff)
		cp = 0xfffd;
	*written = put_utf8(out, cp);
	return 6;
}

/*
 * Decodes the body of a validated JSON string into `out` and returns the
 * decoded length. That length is never more than `len`, because every
 * escape is at least as long as the UTF-8 it stands for: 6 bytes give at
 * most 3, and a 12-byte surrogate pair gives 4.
 */
static size_t json_unescape(const char *s, size_t len, char *out)
{
	const char *end = s + len;
	size_t n = 0;

	while (s < end) {
		const char *bs = memchr(s, '\\', (size_t)(end - s));
		size_t run = bs != NULL ? (size_t)(bs - s) : (size_t)(end - s);
		size_t w;

		memcpy(out + n, s, run);
		n += run;
		if (bs == NULL)
			break;
		s = bs + 2;
		switch (bs[1]) {
		case 'b': out[n++] = '\b'; break;
		case 'f': out[n++] = '\f'; break;
		case 'n': out[n++] = '\n'; break;
		case 'r': out[n++] = '\r'; break;
		case 't': out[n++] = '\t'; break;
		case 'u':
			s = bs + decode_unicode(bs, end, out + n, &w);
			n += w;
			break;
		default: out[n++] = bs[1]; break; /* '"', '\\' and '/' stand for themselves */
		}
	}
	return n;
}

/* ---- Recording values ---- */

static bool record(struct scanner *sc, int slot, struct value v, bool decoded, size_t off)
{
	struct field_span *span = &sc->ev->spans[slot];
	struct scan_scratch *s = sc->s;
	struct pending *pe;

	if (span->count >= sc->limits->max_values)
		return report(sc, "field '%s' has more than %u values at byte %zu; "
			      "raise the limit with --max-values-per-field",
			      field_set_path(sc->set, slot), sc->limits->max_values,
			      (size_t)(sc->value_start - sc->start));
	span->count++;

	if (s->npending == s->pending_cap)
		s->pending = xgrow(s->pending, &s->pending_cap, s->npending + 1, sizeof(*s->pending));
	pe = &s->pending[s->npending++];
	pe->v = v;
	pe->slot = slot;
	pe->decoded = decoded;
	pe->decoded_off = off;
	return true;
}

static bool record_string(struct scanner *sc, int slot, const char *body, size_t len, bool escaped)
{
	struct event_fields *ev = sc->ev;
	size_t off;

	if (!escaped)
		return record(sc, slot, value_string(body, len), false, 0);

	ev->decoded = xgrow(ev->decoded, &ev->decoded_cap, ev->decoded_len + len + 1, 1);
	off = ev->decoded_len;
	ev->decoded_len += json_unescape(body, len, ev->decoded + off);
	return record(sc, slot, value_string(NULL, ev->decoded_len - off), true, off);
}

/*
 * Returns the C locale for number conversion, so that "1.5" never reads as
 * 1 under a locale whose decimal point is ','. It is created once, by the
 * first thread to get here, and kept for the life of the process.
 */
static locale_t c_numeric_locale(void)
{
	static locale_t cached;
	locale_t loc = __atomic_load_n(&cached, __ATOMIC_ACQUIRE);
	locale_t expected = (locale_t)0;

	if (loc != (locale_t)0)
		return loc;
	loc = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
	if (loc == (locale_t)0)
		return (locale_t)0;
	if (!__atomic_compare_exchange_n(&cached, &expected, loc, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		freelocale(loc);
		return expected;
	}
	return loc;
}

static double parse_double(struct scanner *sc, const char *tok, size_t len)
{
	char small[64];
	char *text = small;
	locale_t loc;

	if (len >= sizeof(small)) {
		sc->s->number = xgrow(sc->s->number, &sc->s->number_cap, len + 1, 1);
		text = sc->s->number;
	}
	memcpy(text, tok, len);
	text[len] = '\0';

	/* Without a locale object (out of memory in newlocale), the process locale is used. */
	loc = c_numeric_locale();
	if (loc == (locale_t)0)
		return strtod(text, NULL);
	return strtod_l(text, NULL, loc);
}

/* Reads a validated integer literal; false when it does not fit int64. */
static bool parse_int64(const char *tok, size_t len, int64_t *out)
{
	bool negative = tok[0] == '-';
	uint64_t limit = negative ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	uint64_t v = 0;

	for (size_t i = negative; i < len; i++) {
		unsigned digit = (unsigned)(tok[i] - '0');

		if (v > (limit - digit) / 10)
			return false;
		v = v * 10 + digit;
	}
	if (!negative)
		*out = (int64_t)v;
	else if (v > (uint64_t)INT64_MAX)
		*out = INT64_MIN;
	else
		*out = -(int64_t)v;
	return true;
}

static bool record_number(struct scanner *sc, int slot, const char *tok, size_t len, bool integral)
{
	int64_t i;

	if (integral && parse_int64(tok, len, &i))
		return record(sc, slot, value_int(i), false, 0);
	return record(sc, slot, value_float(parse_double(sc, tok, len)), false, 0);
}

/*
 * Scans the scalar at sc->p (string, number, true, false or null) and,
 * when `slot` is not -1, records it.
 */
static bool scan_scalar(struct scanner *sc, int slot)
{
	const char *tok = sc->p;
	const char *body;
	bool flag;
	size_t len = 0;

	sc->value_start = tok;
	switch (peek(sc)) {
	case '"':
		if (!scan_string(sc, &body, &len, &flag))
			return false;
		return slot < 0 || record_string(sc, slot, body, len, flag);
	case 't':
		return scan_literal(sc, "true", 4) && (slot < 0 || record(sc, slot, value_bool(true), false, 0));
	case 'f':
		return scan_literal(sc, "false", 5) && (slot < 0 || record(sc, slot, value_bool(false), false, 0));
	case 'n':
		return scan_literal(sc, "null", 4) && (slot < 0 || record(sc, slot, value_null(), false, 0));
	case '-': case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9':
		if (!scan_number(sc, &len, &flag))
			return false;
		sc->p += len;
		return slot < 0 || record_number(sc, slot, tok, len, flag);
	default:
		return fail_expected(sc, "a value (string, number, object, array, true, false or null)");
	}
}

/* ---- Object members ---- */

/*
 * Reads `"key" :` at sc->p. `after_comma` is true when a ',' came before.
 * It selects the error message and turns a '}' into a trailing-comma error.
 */
static bool scan_member_key(struct scanner *sc, bool after_comma,
			    const char **key, size_t *len, bool *escaped)
{
	if (peek(sc) != '"') {
		if (after_comma && peek(sc) == '}')
			return fail_at(sc, sc->p, "expected a string key after ',' "
				       "(a trailing comma is not allowed)");
		return fail_expected(sc, after_comma ? "a string key after ','" : "a string key or '}'");
	}
	if (!scan_string(sc, key, len, escaped))
		return false;

	skip_ws(sc);
	if (peek(sc) != ':')
		return fail_expected(sc, "':' after an object key");
	sc->p++;
	return true;
}

/* Returns the key's bytes, decoding it into scratch when it has escapes. */
static const char *key_bytes(struct scanner *sc, const char *raw, size_t *len, bool escaped)
{
	if (!escaped)
		return raw;
	sc->s->key = xgrow(sc->s->key, &sc->s->key_cap, *len + 1, 1);
	*len = json_unescape(raw, *len, sc->s->key);
	return sc->s->key;
}

/* Computes the target of the member `key` of an object whose path is `parent`. */
static void member_target(struct scanner *sc, const struct target *parent,
			  const char *key, size_t len, struct target *t)
{
	size_t start = parent->path_len + (parent->root ? 0 : 1);
	const struct path_node *n;
	uint64_t h = parent->hash;
	char *path = sc->s->path;

	t->slot = -1;
	t->descend = false;
	t->root = false;
	if (start + len > sc->set->max_len)
		return;

	if (!parent->root) {
		path[parent->path_len] = '.';
		h = hash_byte(h, '.');
	}
	for (size_t i = 0; i < len; i++) {
		path[start + i] = key[i];
		h = hash_byte(h, (unsigned char)key[i]);
	}
	n = set_lookup(sc->set, path, start + len, h);
	if (n == NULL)
		return;

	t->hash = h;
	t->path_len = start + len;
	t->slot = n->slot;
	t->descend = n->has_children;
}

/* ---- Skipping ---- */

static bool skip_push(struct scanner *sc, size_t *top, unsigned char kind)
{
	if (sc->depth + *top >= sc->limits->max_depth)
		return fail_depth(sc);
	if (*top == sc->s->skip_cap)
		sc->s->skip_kinds = xgrow(sc->s->skip_kinds, &sc->s->skip_cap, *top + 1, 1);
	sc->s->skip_kinds[(*top)++] = kind;
	sc->p++;
	skip_ws(sc);
	return true;
}

static bool skip_member_key(struct scanner *sc, bool after_comma)
{
	const char *key;
	size_t len;
	bool escaped;

	return scan_member_key(sc, after_comma, &key, &len, &escaped);
}

/*
 * Handles the start of a value inside skip_value(): opens a container or
 * passes a scalar. Sets *at_value when the next thing to read is a value.
 */
static bool skip_value_start(struct scanner *sc, size_t *top, bool *at_value)
{
	int c;

	skip_ws(sc);
	c = peek(sc);
	if (c == '{') {
		if (!skip_push(sc, top, CONTAINER_OBJECT))
			return false;
		if (peek(sc) == '}') {
			sc->p++;
			(*top)--;
			*at_value = false;
			return true;
		}
		*at_value = true;
		return skip_member_key(sc, false);
	}
	if (c == '[') {
		if (!skip_push(sc, top, CONTAINER_ARRAY))
			return false;
		*at_value = peek(sc) != ']';
		if (!*at_value) {
			sc->p++;
			(*top)--;
		}
		return true;
	}
	*at_value = false;
	return scan_scalar(sc, -1);
}

/* Handles what follows a value inside skip_value(): a ',' or the closing bracket. */
static bool skip_value_end(struct scanner *sc, size_t *top, bool *at_value)
{
	bool object = sc->s->skip_kinds[*top - 1] == CONTAINER_OBJECT;
	int c;

	skip_ws(sc);
	c = peek(sc);
	if (c == ',') {
		sc->p++;
		skip_ws(sc);
		*at_value = true;
		if (object)
			return skip_member_key(sc, true);
		if (peek(sc) == ']')
			return fail_at(sc, sc->p, "expected a value after ',' (a trailing comma is not allowed)");
		return true;
	}
	if (c == (object ? '}' : ']')) {
		sc->p++;
		(*top)--;
		*at_value = false;
		return true;
	}
	return fail_expected(sc, object ? "',' or '}' after an object member"
			     : "',' or ']' after an array element");
}

/*
 * Validates the value at sc->p and moves past it without recording
 * anything: the fast path for subtrees that hold no requested path. It
 * keeps its own stack of open containers and never recurses.
 */
static bool skip_value(struct scanner *sc)
{
	size_t top = 0;
	bool at_value = true;

	for (;;) {
		if (at_value) {
			if (!skip_value_start(sc, &top, &at_value))
				return false;
		} else if (top == 0) {
			return true;
		} else if (!skip_value_end(sc, &top, &at_value)) {
			return false;
		}
	}
}

/* ---- Walking requested paths ---- */

enum step { STEP_VALUE, STEP_DONE, STEP_FAIL };

static struct frame *top_frame(struct scanner *sc)
{
	return &sc->s->frames[sc->nframes - 1];
}

static void pop_frame(struct scanner *sc)
{
	sc->nframes--;
	sc->depth--;
}

/*
 * Reads the key of the next member of the top object and sets *t to the
 * target of its value.
 * NOTE: a key repeated in one object is accepted and both values are kept.
 * Elasticsearch (since 6.0) rejects such a document, because its JSON
 * parser runs with strict duplicate detection. Detecting it here would
 * cost a key set per object.
 */
static enum step next_member(struct scanner *sc, bool after_comma, struct target *t)
{
	const char *key;
	size_t len;
	bool escaped;

	if (!scan_member_key(sc, after_comma, &key, &len, &escaped))
		return STEP_FAIL;
	key = key_bytes(sc, key, &len, escaped);
	member_target(sc, &top_frame(sc)->t, key, len, t);
	return STEP_VALUE;
}

/*
 * Moves past what follows a value: a ',' (then sets *t to the next value's
 * target) or closing brackets. Returns STEP_DONE when the document closes.
 */
static enum step after_value(struct scanner *sc, struct target *t)
{
	while (sc->nframes > 0) {
		struct frame *f = top_frame(sc);
		bool object = f->kind == CONTAINER_OBJECT;

		skip_ws(sc);
		if (peek(sc) == ',') {
			sc->p++;
			skip_ws(sc);
			if (object)
				return next_member(sc, true, t);
			if (peek(sc) == ']') {
				fail_at(sc, sc->p, "expected a value after ',' (a trailing comma is not allowed)");
				return STEP_FAIL;
			}
			*t = f->t;
			return STEP_VALUE;
		}
		if (peek(sc) != (object ? '}' : ']')) {
			fail_expected(sc, object ? "',' or '}' after an object member"
				      : "',' or ']' after an array element");
			return STEP_FAIL;
		}
		sc->p++;
		pop_frame(sc);
	}
	return STEP_DONE;
}

/* Opens the object or array at sc->p along a requested path; `t` is its target. */
static enum step open_container(struct scanner *sc, struct target *t, enum container kind)
{
	struct scan_scratch *s = sc->s;
	struct frame *f;

	if (sc->depth >= sc->limits->max_depth) {
		fail_depth(sc);
		return STEP_FAIL;
	}
	s->frames = xgrow(s->frames, &s->frames_cap, sc->nframes + 1, sizeof(*s->frames));
	f = &s->frames[sc->nframes++];
	f->t = *t;
	f->kind = kind;
	sc->depth++;
	sc->p++;
	skip_ws(sc);

	if (peek(sc) == (kind == CONTAINER_OBJECT ? '}' : ']')) {
		sc->p++;
		pop_frame(sc);
		return after_value(sc, t);
	}
	if (kind == CONTAINER_OBJECT)
		return next_member(sc, false, t);
	return STEP_VALUE;
}

/*
 * Scans the value at sc->p, whose path has target `t`, then what follows
 * it; on STEP_VALUE, *t is the target of the next value.
 */
static enum step scan_value(struct scanner *sc, struct target *t)
{
	int c;

	skip_ws(sc);
	c = peek(sc);
	if (t->slot < 0 && !t->descend) {
		if (!skip_value(sc))
			return STEP_FAIL;
		return after_value(sc, t);
	}

	/* An object at a requested path records nothing; it is entered only when paths continue below. */
	if (c == '{' && t->descend)
		return open_container(sc, t, CONTAINER_OBJECT);
	if (c == '{') {
		if (!skip_value(sc))
			return STEP_FAIL;
		return after_value(sc, t);
	}
	if (c == '[')
		return open_container(sc, t, CONTAINER_ARRAY);
	if (!scan_scalar(sc, t->slot))
		return STEP_FAIL;
	return after_value(sc, t);
}

static bool scan_document(struct scanner *sc)
{
	struct target t = { .hash = HASH_SEED, .slot = -1, .descend = true, .root = true };
	enum step step;

	skip_ws(sc);
	if (peek(sc) != '{')
		return fail_expected(sc, "'{' at the start of the document (an event is a JSON object)");
	step = open_container(sc, &t, CONTAINER_OBJECT);
	while (step == STEP_VALUE)
		step = scan_value(sc, &t);
	if (step == STEP_FAIL)
		return false;

	skip_ws(sc);
	if (sc->p != sc->end)
		return fail_expected(sc, "the end of the document after its closing '}'");
	return true;
}

/* ---- Public entry points ---- */

void event_fields_init(struct event_fields *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->scratch = xcalloc(1, sizeof(struct scan_scratch));
}

void event_fields_free(struct event_fields *ev)
{
	struct scan_scratch *s = ev->scratch;

	if (s != NULL) {
		free(s->pending);
		free(s->frames);
		free(s->skip_kinds);
		free(s->path);
		free(s->key);
		free(s->number);
		free(s);
	}
	free(ev->spans);
	free(ev->values);
	free(ev->decoded);
	memset(ev, 0, sizeof(*ev));
}

/* Sizes the per-slot and per-path buffers for `set` and clears the values of the previous document. */
static void prepare(struct event_fields *ev, const struct field_set *set)
{
	struct scan_scratch *s;

	if (ev->scratch == NULL)
		ev->scratch = xcalloc(1, sizeof(struct scan_scratch));
	s = ev->scratch;
	ev->nspans = field_set_count(set);
	ev->spans = xgrow(ev->spans, &s->spans_cap, ev->nspans + 1, sizeof(*ev->spans));
	memset(ev->spans, 0, ev->nspans * sizeof(*ev->spans));
	ev->nvalues = 0;
	ev->decoded_len = 0;
	s->npending = 0;
	s->path = xgrow(s->path, &s->path_cap, set->max_len + 1, 1);
}

/* Groups the pending values by slot (a stable counting sort) into ev->values and resolves decoded strings. */
static void finish(struct event_fields *ev)
{
	struct scan_scratch *s = ev->scratch;
	unsigned next = 0;

	for (size_t i = 0; i < ev->nspans; i++) {
		ev->spans[i].first = next;
		next += ev->spans[i].count;
		ev->spans[i].count = 0;
	}
	ev->values = xgrow(ev->values, &ev->values_cap, s->npending + 1, sizeof(*ev->values));
	for (size_t i = 0; i < s->npending; i++) {
		struct pending *pe = &s->pending[i];
		struct field_span *span = &ev->spans[pe->slot];

		if (pe->decoded)
			pe->v.u.string.ptr = ev->decoded + pe->decoded_off;
		ev->values[span->first + span->count++] = pe->v;
	}
	ev->nvalues = s->npending;
}

bool event_fields_scan(const struct field_set *set,
		       const struct scan_limits *limits,
		       const char *json, size_t len,
		       struct event_fields *ev, char *why, size_t why_size)
{
	static const struct scan_limits defaults = SCAN_LIMITS_DEFAULT;
	struct scanner sc = {
		.start = json, .p = json, .end = json + len,
		.set = set, .limits = limits != NULL ? limits : &defaults,
		.ev = ev, .why = why, .why_size = why_size,
	};

	prepare(ev, set);
	sc.s = ev->scratch;
	if (!scan_document(&sc)) {
		/* A rejected document leaves no values behind. */
		memset(ev->spans, 0, ev->nspans * sizeof(*ev->spans));
		sc.s->npending = 0;
		return false;
	}
	finish(ev);
	return true;
}
