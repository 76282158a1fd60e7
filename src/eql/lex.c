/*
 * EQL lexer (see lex.h for the token rules and ownership).
 *
 * A 256-entry byte-class table picks the scanner for each token. Names,
 * numbers, strings, backtick names and operators each have their own
 * function. Strings are scanned twice: once to find their end, so that the
 * decoded value gets one arena allocation of the right size, then to decode.
 */
#include "lex.h"

#include <errno.h>
#include <locale.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "util/hex.h"

enum byte_class {
	BC_OTHER,      /* not valid outside strings, comments and backticks */
	BC_SPACE,      /* space, tab, carriage return, newline */
	BC_LETTER,     /* A-Z a-z */
	BC_DIGIT,      /* 0-9 */
	BC_UNDERSCORE, /* starts or continues a name */
	BC_AT,         /* starts a name only: @timestamp */
	BC_DQUOTE,
	BC_SQUOTE,
	BC_BACKTICK,
	BC_PUNCT,      /* an operator or punctuation character */
};

static const unsigned char byte_class[256] = {
	['\t'] = BC_SPACE, ['\n'] = BC_SPACE, ['\r'] = BC_SPACE, [' '] = BC_SPACE,

	['A'] = BC_LETTER, ['B'] = BC_LETTER, ['C'] = BC_LETTER, ['D'] = BC_LETTER,
	['E'] = BC_LETTER, ['F'] = BC_LETTER, ['G'] = BC_LETTER, ['H'] = BC_LETTER,
	['I'] = BC_LETTER, ['J'] = BC_LETTER, ['K'] = BC_LETTER, ['L'] = BC_LETTER,
	['M'] = BC_LETTER, ['N'] = BC_LETTER, ['O'] = BC_LETTER, ['P'] = BC_LETTER,
	['Q'] = BC_LETTER, ['R'] = BC_LETTER, ['S'] = BC_LETTER, ['T'] = BC_LETTER,
	['U'] = BC_LETTER, ['V'] = BC_LETTER, ['W'] = BC_LETTER, ['X'] = BC_LETTER,
	['Y'] = BC_LETTER, ['Z'] = BC_LETTER,
	['a'] = BC_LETTER, ['b'] = BC_LETTER, ['c'] = BC_LETTER, ['d'] = BC_LETTER,
	['e'] = BC_LETTER, ['f'] = BC_LETTER, ['g'] = BC_LETTER, ['h'] = BC_LETTER,
	['i'] = BC_LETTER, ['j'] = BC_LETTER, ['k'] = BC_LETTER, ['l'] = BC_LETTER,
	['m'] = BC_LETTER, ['n'] = BC_LETTER, ['o'] = BC_LETTER, ['p'] = BC_LETTER,
	['q'] = BC_LETTER, ['r'] = BC_LETTER, ['s'] = BC_LETTER, ['t'] = BC_LETTER,
	['u'] = BC_LETTER, ['v'] = BC_LETTER, ['w'] = BC_LETTER, ['x'] = BC_LETTER,
	['y'] = BC_LETTER, ['z'] = BC_LETTER,

	['0'] = BC_DIGIT, ['1'] = BC_DIGIT, ['2'] = BC_DIGIT, ['3'] = BC_DIGIT,
	['4'] = BC_DIGIT, ['5'] = BC_DIGIT, ['6'] = BC_DIGIT, ['7'] = BC_DIGIT,
	['8'] = BC_DIGIT, ['9'] = BC_DIGIT,

	['_'] = BC_UNDERSCORE, ['@'] = BC_AT,
	['"'] = BC_DQUOTE, ['\''] = BC_SQUOTE, ['`'] = BC_BACKTICK,

	[':'] = BC_PUNCT, ['='] = BC_PUNCT, ['!'] = BC_PUNCT, ['<'] = BC_PUNCT,
	['>'] = BC_PUNCT, ['+'] = BC_PUNCT, ['-'] = BC_PUNCT, ['*'] = BC_PUNCT,
	['/'] = BC_PUNCT, ['%'] = BC_PUNCT, ['.'] = BC_PUNCT, [','] = BC_PUNCT,
	['['] = BC_PUNCT, [']'] = BC_PUNCT, ['('] = BC_PUNCT, [')'] = BC_PUNCT,
	['|'] = BC_PUNCT, ['?'] = BC_PUNCT, ['~'] = BC_PUNCT,
};

static const struct keyword {
	const char *word;
	enum eql_tok kind;
} keywords[] = {
	{ "and", EQL_TOK_AND },         { "any", EQL_TOK_ANY },
	{ "by", EQL_TOK_BY },           { "false", EQL_TOK_FALSE },
	{ "in", EQL_TOK_IN },           { "join", EQL_TOK_JOIN },
	{ "like", EQL_TOK_LIKE },       { "maxspan", EQL_TOK_MAXSPAN },
	{ "not", EQL_TOK_NOT },         { "null", EQL_TOK_NULL },
	{ "of", EQL_TOK_OF },           { "or", EQL_TOK_OR },
	{ "regex", EQL_TOK_REGEX },     { "sample", EQL_TOK_SAMPLE },
	{ "sequence", EQL_TOK_SEQUENCE }, { "true", EQL_TOK_TRUE },
	{ "until", EQL_TOK_UNTIL },     { "where", EQL_TOK_WHERE },
	{ "with", EQL_TOK_WITH },
};

static const char *const tok_names[EQL_TOK_COUNT] = {
	[EQL_TOK_EOF] = "the end of the query",
	[EQL_TOK_IDENT] = "a name",
	[EQL_TOK_TILDE_IDENT] = "a function name with '~'",
	[EQL_TOK_QUOTED_IDENT] = "a backtick-quoted name",
	[EQL_TOK_STRING] = "a string",
	[EQL_TOK_INTEGER] = "an integer",
	[EQL_TOK_DECIMAL] = "a decimal number",
	[EQL_TOK_AND] = "'and'", [EQL_TOK_ANY] = "'any'", [EQL_TOK_BY] = "'by'",
	[EQL_TOK_FALSE] = "'false'", [EQL_TOK_IN] = "'in'", [EQL_TOK_IN_I] = "'in~'",
	[EQL_TOK_JOIN] = "'join'", [EQL_TOK_LIKE] = "'like'",
	[EQL_TOK_LIKE_I] = "'like~'", [EQL_TOK_MAXSPAN] = "'maxspan'",
	[EQL_TOK_NOT] = "'not'", [EQL_TOK_NULL] = "'null'", [EQL_TOK_OF] = "'of'",
	[EQL_TOK_OR] = "'or'", [EQL_TOK_REGEX] = "'regex'",
	[EQL_TOK_REGEX_I] = "'regex~'", [EQL_TOK_SAMPLE] = "'sample'",
	[EQL_TOK_SEQUENCE] = "'sequence'", [EQL_TOK_TRUE] = "'true'",
	[EQL_TOK_UNTIL] = "'until'", [EQL_TOK_WHERE] = "'where'",
	[EQL_TOK_WITH] = "'with'",
	[EQL_TOK_COLON] = "':'", [EQL_TOK_ASSIGN] = "'='", [EQL_TOK_EQ] = "'=='",
	[EQL_TOK_NE] = "'!='", [EQL_TOK_LT] = "'<'", [EQL_TOK_LE] = "'<='",
	[EQL_TOK_GT] = "'>'", [EQL_TOK_GE] = "'>='", [EQL_TOK_PLUS] = "'+'",
	[EQL_TOK_MINUS] = "'-'", [EQL_TOK_STAR] = "'*'", [EQL_TOK_SLASH] = "'/'",
	[EQL_TOK_PERCENT] = "'%'", [EQL_TOK_DOT] = "'.'", [EQL_TOK_COMMA] = "','",
	[EQL_TOK_LBRACKET] = "'['", [EQL_TOK_RBRACKET] = "']'",
	[EQL_TOK_LPAREN] = "'('", [EQL_TOK_RPAREN] = "')'", [EQL_TOK_PIPE] = "'|'",
	[EQL_TOK_QUESTION] = "'?'", [EQL_TOK_MISSING] = "'!['",
};

const char *eql_tok_name(enum eql_tok kind)
{
	if ((unsigned)kind >= EQL_TOK_COUNT || tok_names[kind] == NULL)
		return "a token";
	return tok_names[kind];
}

bool eql_tok_is_keyword(enum eql_tok kind)
{
	return kind >= EQL_TOK_AND && kind <= EQL_TOK_WITH;
}

void eql_lex_init(struct eql_lexer *lx, struct arena *arena, const char *text,
		  size_t len, struct eql_error *err)
{
	memset(lx, 0, sizeof(*lx));
	lx->text = text;
	lx->len = len;
	lx->arena = arena;
	lx->err = err;
	lx->mark_line = 1;
	lx->mark_column = 1;
}

struct eql_pos eql_lex_pos(struct eql_lexer *lx, size_t offset)
{
	struct eql_pos pos;

	if (offset > lx->len)
		offset = lx->len;
	if (offset < lx->mark_off) {
		lx->mark_off = 0;
		lx->mark_line = 1;
		lx->mark_column = 1;
	}

	/* Count only the bytes after the last mark, because tokens come in order. */
	for (size_t i = lx->mark_off; i < offset; i++) {
		unsigned char c = (unsigned char)lx->text[i];

		if (c == '\n') {
			lx->mark_line++;
			lx->mark_column = 1;
		} else if ((c & 0xC0) != 0x80) {
			lx->mark_column++;
		}
	}
	lx->mark_off = offset;

	pos.line = lx->mark_line;
	pos.column = lx->mark_column;
	pos.offset = offset;
	return pos;
}

/* Fills the error at byte `offset` and returns false, so callers can `return lex_fail(...)`. */
static bool lex_fail(struct eql_lexer *lx, size_t offset, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static bool lex_fail(struct eql_lexer *lx, size_t offset, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	eql_error_vset(lx->err, eql_lex_pos(lx, offset), fmt, ap);
	va_end(ap);
	return false;
}

static int peek_at(const struct eql_lexer *lx, size_t offset)
{
	return offset < lx->len ? (unsigned char)lx->text[offset] : -1;
}

static bool at_line_end(const struct eql_lexer *lx, size_t offset)
{
	int c = peek_at(lx, offset);

	return c < 0 || c == '\n' || c == '\r';
}

/*
 * Skips the block comment at lx->off, up to the first star-slash.
 * NOTE: Elasticsearch's BRACKETED_COMMENT rule lists nested comments, but
 * its non-greedy loop should make ANTLR end the token at the first end
 * mark. That reading was not checked against a running Elasticsearch.
 */
static bool skip_block_comment(struct eql_lexer *lx)
{
	size_t start = lx->off;

	for (lx->off += 2; lx->off < lx->len; lx->off++) {
		if (lx->text[lx->off] == '*' && peek_at(lx, lx->off + 1) == '/') {
			lx->off += 2;
			return true;
		}
	}
	return lex_fail(lx, start, "this comment is not closed: end it with '*/'");
}

static bool skip_space_and_comments(struct eql_lexer *lx)
{
	while (lx->off < lx->len) {
		int c = peek_at(lx, lx->off);
		int next = peek_at(lx, lx->off + 1);

		if (byte_class[c] == BC_SPACE) {
			lx->off++;
		} else if (c == '/' && next == '/') {
			while (lx->off < lx->len && lx->text[lx->off] != '\n')
				lx->off++;
		} else if (c == '/' && next == '*') {
			if (!skip_block_comment(lx))
				return false;
		} else {
			break;
		}
	}
	return true;
}

static void set_token(struct eql_lexer *lx, struct eql_token *tok,
		      enum eql_tok kind, size_t start)
{
	tok->kind = kind;
	tok->pos = eql_lex_pos(lx, start);
	tok->text = lx->text + start;
	tok->len = lx->off - start;
	lx->prev_end = lx->off;
}

enum eql_tok eql_lex_keyword(const char *word, size_t len)
{
	for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++) {
		if (strlen(keywords[i].word) == len && memcmp(keywords[i].word, word, len) == 0)
			return keywords[i].kind;
	}
	return EQL_TOK_IDENT;
}

/* Reads a name, a keyword, or a name with "~" (in~, like~ and regex~ are operators). */
static bool lex_name(struct eql_lexer *lx, struct eql_token *tok)
{
	size_t start = lx->off;
	enum eql_tok kind;
	size_t len;

	lx->off++;
	while (lx->off < lx->len) {
		enum byte_class bc = byte_class[(unsigned char)lx->text[lx->off]];

		if (bc != BC_LETTER && bc != BC_DIGIT && bc != BC_UNDERSCORE)
			break;
		lx->off++;
	}
	len = lx->off - start;
	kind = eql_lex_keyword(lx->text + start, len);

	if (peek_at(lx, lx->off) == '~') {
		lx->off++;
		if (kind == EQL_TOK_IN)
			kind = EQL_TOK_IN_I;
		else if (kind == EQL_TOK_LIKE)
			kind = EQL_TOK_LIKE_I;
		else if (kind == EQL_TOK_REGEX)
			kind = EQL_TOK_REGEX_I;
		else
			kind = EQL_TOK_TILDE_IDENT;
	}

	set_token(lx, tok, kind, start);
	tok->str.ptr = (char *)lx->text + start;
	tok->str.len = len;
	return true;
}

static size_t skip_digits(const struct eql_lexer *lx, size_t offset)
{
	while (offset < lx->len && byte_class[(unsigned char)lx->text[offset]] == BC_DIGIT)
		offset++;
	return offset;
}

/* Returns the length of the exponent ([eE][+-]?digits) at `offset`, or 0. */
static size_t exponent_len(const struct eql_lexer *lx, size_t offset)
{
	size_t i = offset;
	int c = peek_at(lx, i);

	if (c != 'e' && c != 'E')
		return 0;
	i++;
	c = peek_at(lx, i);
	if (c == '+' || c == '-')
		i++;
	c = peek_at(lx, i);
	if (c < '0' || c > '9')
		return 0;
	return skip_digits(lx, i) - offset;
}

static bool decode_integer(struct eql_lexer *lx, struct eql_token *tok)
{
	uint64_t value = 0;

	for (size_t i = 0; i < tok->len; i++) {
		unsigned digit = (unsigned)(tok->text[i] - '0');

		if (value > ((uint64_t)INT64_MAX - digit) / 10)
			return lex_fail(lx, tok->pos.offset,
					"the integer %.*s is too large: integers are 64-bit, up to 9223372036854775807",
					(int)(tok->len > 40 ? 40 : tok->len), tok->text);
		value = value * 10 + digit;
	}
	tok->integer = (int64_t)value;
	return true;
}

/* Converts with the "C" locale, so that '.' is the decimal point whatever the program's locale. */
static bool decode_decimal(struct eql_lexer *lx, struct eql_token *tok)
{
	char *copy = arena_strndup(lx->arena, tok->text, tok->len);
	locale_t c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
	double value;

	errno = 0;
	value = c_locale ? strtod_l(copy, NULL, c_locale) : strtod(copy, NULL);
	if (c_locale)
		freelocale(c_locale);

	if (errno == ERANGE && value != 0)
		return lex_fail(lx, tok->pos.offset,
				"the number %.*s is too large for a 64-bit float",
				(int)(tok->len > 40 ? 40 : tok->len), tok->text);
	tok->real = value;
	return true;
}

/*
 * Reads INTEGER_VALUE (digits) or DECIMAL_VALUE: digits "." digits?, or
 * "." digits, either with an optional exponent, or digits and an exponent.
 */
static bool lex_number(struct eql_lexer *lx, struct eql_token *tok)
{
	size_t start = lx->off;
	bool decimal = false;
	size_t exp;

	lx->off = skip_digits(lx, lx->off);
	if (peek_at(lx, lx->off) == '.') {
		decimal = true;
		lx->off = skip_digits(lx, lx->off + 1);
	}
	exp = exponent_len(lx, lx->off);
	if (exp > 0) {
		decimal = true;
		lx->off += exp;
	}

	set_token(lx, tok, decimal ? EQL_TOK_DECIMAL : EQL_TOK_INTEGER, start);
	return decimal ? decode_decimal(lx, tok) : decode_integer(lx, tok);
}

static size_t utf8_encode(uint32_t cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/*
 * Decodes the \u{X..X} whose backslash is at `*at`, appends its UTF-8 to
 * `out` and moves `*at` past the "}". Elasticsearch accepts 2 to 8 hex
 * digits and rejects surrogates and values above U+10FFFF.
 */
static bool decode_unicode_escape(struct eql_lexer *lx, size_t *at, char *out,
				  size_t *outlen)
{
	size_t start = *at;
	size_t i = start + 2;
	uint32_t cp = 0;
	size_t digits = 0;

	if (peek_at(lx, i) != '{')
		return lex_fail(lx, start, "write a Unicode escape as \\u{XXXX}, with 2 to 8 hex digits in braces");
	for (i++; hex_value(peek_at(lx, i)) >= 0; i++) {
		if (++digits <= 8)
			cp = cp * 16 + (uint32_t)hex_value(peek_at(lx, i));
	}
	if (peek_at(lx, i) != '}')
		return lex_fail(lx, start, "invalid Unicode escape: write \\u{XXXX}, with 2 to 8 hex digits and a closing '}'");
	if (digits < 2 || digits > 8)
		return lex_fail(lx, start, "a Unicode escape takes 2 to 8 hex digits, this one has %zu (pad with zeros: \\u{0041})", digits);
	if (cp > 0x10FFFF)
		return lex_fail(lx, start, "\\u{%.*s} is beyond the last Unicode code point, U+10FFFF",
				(int)digits, lx->text + start + 3);
	if (cp >= 0xD800 && cp <= 0xDFFF)
		return lex_fail(lx, start, "\\u{%.*s} is a UTF-16 surrogate, not a character: write the code point itself",
				(int)digits, lx->text + start + 3);

	*outlen += utf8_encode(cp, out + *outlen);
	*at = i + 1;
	return true;
}

/* Decodes one escape whose backslash is at `*at` (the grammar's [btnfr"'\\] and \u{}). */
static bool decode_escape(struct eql_lexer *lx, size_t *at, char *out, size_t *outlen)
{
	int c = peek_at(lx, *at + 1);
	char plain;

	switch (c) {
	case 'b': plain = '\b'; break;
	case 't': plain = '\t'; break;
	case 'n': plain = '\n'; break;
	case 'f': plain = '\f'; break;
	case 'r': plain = '\r'; break;
	case '"': plain = '"'; break;
	case '\'': plain = '\''; break;
	case '\\': plain = '\\'; break;
	case 'u':
		return decode_unicode_escape(lx, at, out, outlen);
	default:
		if (c >= 0x20 && c < 0x7F)
			return lex_fail(lx, *at, "unknown escape '\\%c' in a string: the escapes are \\b \\t \\n \\f \\r \\\" \\' \\\\ and \\u{XXXX}; write \\\\ for a backslash, or use a raw string \"\"\"...\"\"\"", c);
		return lex_fail(lx, *at, "unknown escape in a string: write \\\\ for a backslash, or use a raw string \"\"\"...\"\"\"");
	}
	out[(*outlen)++] = plain;
	*at += 2;
	return true;
}

/* Finds the closing quote of the "..." opened at `start`, or fails if the line ends first. */
static bool find_string_end(struct eql_lexer *lx, size_t start, size_t *end)
{
	size_t i = start + 1;

	while (!at_line_end(lx, i)) {
		if (lx->text[i] == '"') {
			*end = i;
			return true;
		}
		if (lx->text[i] == '\\' && !at_line_end(lx, i + 1))
			i++;
		i++;
	}
	return lex_fail(lx, start, "this string is not closed on its line: end it with '\"' (a string cannot span lines; write \\n for a newline)");
}

/* Reads STRING: '"' (escape | ~[\\"\r\n])* '"' */
static bool lex_plain_string(struct eql_lexer *lx, struct eql_token *tok)
{
	size_t start = lx->off;
	size_t end = 0;
	size_t i;
	char *out;
	size_t outlen = 0;

	if (!find_string_end(lx, start, &end))
		return false;

	/* Compute the start's position first, so that positions are requested in order. */
	tok->pos = eql_lex_pos(lx, start);
	out = arena_alloc(lx->arena, end - start);
	for (i = start + 1; i < end;) {
		if (lx->text[i] == '\\') {
			if (!decode_escape(lx, &i, out, &outlen))
				return false;
		} else {
			out[outlen++] = lx->text[i++];
		}
	}
	out[outlen] = '\0';

	lx->off = end + 1;
	set_token(lx, tok, EQL_TOK_STRING, start);
	tok->str.ptr = out;
	tok->str.len = outlen;
	return true;
}

/*
 * Reads a raw string: '"""' (~[\r\n])*? '"""' '"'? '"'?. It ends at the
 * first '"""' plus up to two more quotes, as in Elasticsearch, so """a""""
 * is the string a".
 */
static bool lex_raw_string(struct eql_lexer *lx, struct eql_token *tok)
{
	size_t start = lx->off;
	size_t i = start + 3;
	size_t end = 0;

	while (!(peek_at(lx, i) == '"' && peek_at(lx, i + 1) == '"' && peek_at(lx, i + 2) == '"')) {
		if (at_line_end(lx, i))
			return lex_fail(lx, start, "this raw string is not closed on its line: end it with '\"\"\"' (a string cannot span lines)");
		i++;
	}
	end = i + 3;
	if (peek_at(lx, end) == '"')
		end++;
	if (peek_at(lx, end) == '"')
		end++;

	lx->off = end;
	set_token(lx, tok, EQL_TOK_STRING, start);
	tok->str.len = end - 3 - (start + 3);
	tok->str.ptr = arena_strndup(lx->arena, lx->text + start + 3, tok->str.len);
	return true;
}

static bool lex_string(struct eql_lexer *lx, struct eql_token *tok)
{
	if (peek_at(lx, lx->off + 1) == '"' && peek_at(lx, lx->off + 2) == '"')
		return lex_raw_string(lx, tok);
	return lex_plain_string(lx, tok);
}

/* Reads QUOTED_IDENTIFIER: '`' (~'`' | '``')* '`', where a doubled backtick is one backtick. */
static bool lex_backtick_name(struct eql_lexer *lx, struct eql_token *tok)
{
	size_t start = lx->off;
	size_t i = start + 1;
	char *out = NULL;
	size_t outlen = 0;

	for (;;) {
		if (i >= lx->len)
			return lex_fail(lx, start, "this backtick-quoted name is not closed: end it with '`' (write `` for a backtick inside)");
		if (lx->text[i] == '`') {
			if (peek_at(lx, i + 1) != '`')
				break;
			i++;
		}
		i++;
	}

	out = arena_alloc(lx->arena, i - start);
	for (size_t j = start + 1; j < i; j++) {
		out[outlen++] = lx->text[j];
		if (lx->text[j] == '`')
			j++;
	}
	out[outlen] = '\0';

	lx->off = i + 1;
	set_token(lx, tok, EQL_TOK_QUOTED_IDENT, start);
	tok->str.ptr = out;
	tok->str.len = outlen;
	return true;
}

/* Returns the operator at `c`, trying two-character operators before one-character ones. */
static enum eql_tok punct_kind(int c, int next, size_t *len)
{
	*len = 2;
	if (c == '=' && next == '=')
		return EQL_TOK_EQ;
	if (c == '!' && next == '=')
		return EQL_TOK_NE;
	if (c == '!' && next == '[')
		return EQL_TOK_MISSING;
	if (c == '<' && next == '=')
		return EQL_TOK_LE;
	if (c == '>' && next == '=')
		return EQL_TOK_GE;

	*len = 1;
	switch (c) {
	case ':': return EQL_TOK_COLON;
	case '=': return EQL_TOK_ASSIGN;
	case '<': return EQL_TOK_LT;
	case '>': return EQL_TOK_GT;
	case '+': return EQL_TOK_PLUS;
	case '-': return EQL_TOK_MINUS;
	case '*': return EQL_TOK_STAR;
	case '/': return EQL_TOK_SLASH;
	case '%': return EQL_TOK_PERCENT;
	case '.': return EQL_TOK_DOT;
	case ',': return EQL_TOK_COMMA;
	case '[': return EQL_TOK_LBRACKET;
	case ']': return EQL_TOK_RBRACKET;
	case '(': return EQL_TOK_LPAREN;
	case ')': return EQL_TOK_RPAREN;
	case '|': return EQL_TOK_PIPE;
	case '?': return EQL_TOK_QUESTION;
	default: return EQL_TOK_EOF;
	}
}

static bool lex_punct(struct eql_lexer *lx, struct eql_token *tok)
{
	int c = peek_at(lx, lx->off);
	int next = peek_at(lx, lx->off + 1);
	size_t len;
	enum eql_tok kind;

	if (c == '.' && next >= '0' && next <= '9')
		return lex_number(lx, tok);
	if (c == '?' && (next == '"' || next == '\''))
		return lex_fail(lx, lx->off, "?%c...%c raw strings are not EQL as Elasticsearch speaks it: write a raw string between triple double quotes, \"\"\"...\"\"\"", next, next);
	if (c == '!' && next != '=' && next != '[')
		return lex_fail(lx, lx->off, "unexpected '!': write 'not' to negate, '!=' for \"not equal\", or '![' to open a missing-event clause");
	if (c == '~')
		return lex_fail(lx, lx->off, "unexpected '~': it belongs right after a function name (startsWith~) or after in, like and regex (in~), with no space before it");

	kind = punct_kind(c, next, &len);
	lx->off += len;
	set_token(lx, tok, kind, lx->off - len);
	return true;
}

/* Reports the byte (or UTF-8 character) at lx->off, with which no token starts. */
static bool lex_unexpected(struct eql_lexer *lx)
{
	unsigned char c = (unsigned char)lx->text[lx->off];
	size_t n = 1;

	if (c >= 0x21 && c < 0x7F)
		return lex_fail(lx, lx->off, "unexpected character '%c'", c);
	if (c < 0x80)
		return lex_fail(lx, lx->off, "unexpected control character 0x%02X: only space, tab, carriage return and newline may separate tokens", c);

	while (n < 4 && lx->off + n < lx->len && ((unsigned char)lx->text[lx->off + n] & 0xC0) == 0x80)
		n++;
	return lex_fail(lx, lx->off, "unexpected character '%.*s': outside strings and backticks, EQL takes ASCII only (quote such a field name with backticks)",
			(int)n, lx->text + lx->off);
}

bool eql_lex_next(struct eql_lexer *lx, struct eql_token *tok)
{
	memset(tok, 0, sizeof(*tok));
	if (!skip_space_and_comments(lx))
		return false;
	if (lx->off >= lx->len) {
		tok->kind = EQL_TOK_EOF;
		tok->pos = eql_lex_pos(lx, lx->prev_end);
		tok->text = lx->text + lx->prev_end;
		return true;
	}

	switch (byte_class[(unsigned char)lx->text[lx->off]]) {
	case BC_LETTER:
	case BC_UNDERSCORE:
	case BC_AT:
		return lex_name(lx, tok);
	case BC_DIGIT:
		return lex_number(lx, tok);
	case BC_DQUOTE:
		return lex_string(lx, tok);
	case BC_SQUOTE:
		return lex_fail(lx, lx->off, "use double quotes for strings: Elasticsearch EQL does not accept single-quoted strings ('...')");
	case BC_BACKTICK:
		return lex_backtick_name(lx, tok);
	case BC_PUNCT:
		return lex_punct(lx, tok);
	default:
		return lex_unexpected(lx);
	}
}
