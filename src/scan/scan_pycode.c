/*
 * Python tokens for the verdict rules: see scan_pycode.h.
 *
 * The lexer handles the part of Python's lexical grammar that the verdicts
 * need: names, numbers, string literals (prefixes r, b, u, f and their
 * pairs, triple quotes, escapes), comments and line continuations. Every
 * other byte is a one-byte operator. A single-quoted literal left open at
 * the end of a line ends there, as a SyntaxError would end the line's run.
 */
#include "scan_pycode.h"

#include <stdlib.h>
#include <string.h>

#include "scan_ident.h"
#include "util/hex.h"
#include "util/xalloc.h"

enum tok_type { T_NAME, T_NUMBER, T_STRING, T_OP, T_NEWLINE };

struct token {
	enum tok_type type;
	const char *text; /* the source bytes */
	size_t len;
	size_t value;     /* T_STRING: offset of the decoded value in lexer.values */
	size_t vlen;
	size_t match;     /* an opening bracket: the index of the one that closes it, or n */
};

struct lexer {
	const char *s;
	size_t len, i;
	struct token *v;
	size_t n, cap;
	struct buf values;     /* decoded string values, back to back */
	struct scan_pycode *out;
};

struct alias {
	char *name;   /* the local name */
	char *target; /* what it stands for: "os" or "os.system" */
};

struct emitter {
	struct lexer *lx;
	struct scan_pycode *out;
	struct alias *aliases;
	size_t naliases, aliases_cap;
	int depth;    /* getattr targets being emitted, for SCAN_PYCODE_MAX_NESTING */
};

static bool ident_start(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}

static bool ident_char(unsigned char c)
{
	return ident_start(c) || (c >= '0' && c <= '9');
}

/* Appends a code point as UTF-8 (values above U+10FFFF become '?'). */
static void put_codepoint(struct buf *b, unsigned long cp)
{
	if (cp < 0x80) {
		buf_putc(b, (char)cp);
	} else if (cp < 0x800) {
		buf_putc(b, (char)(0xc0 | cp >> 6));
		buf_putc(b, (char)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		buf_putc(b, (char)(0xe0 | cp >> 12));
		buf_putc(b, (char)(0x80 | ((cp >> 6) & 0x3f)));
		buf_putc(b, (char)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x110000) {
		buf_putc(b, (char)(0xf0 | cp >> 18));
		buf_putc(b, (char)(0x80 | ((cp >> 12) & 0x3f)));
		buf_putc(b, (char)(0x80 | ((cp >> 6) & 0x3f)));
		buf_putc(b, (char)(0x80 | (cp & 0x3f)));
	} else {
		buf_putc(b, '?');
	}
}

/* Reads up to `max` hex digits at s[*i]; returns the value. */
static unsigned long read_hex(const char *s, size_t len, size_t *i, int max)
{
	unsigned long v = 0;

	for (int k = 0; k < max && *i < len && hex_value(s[*i]) >= 0; k++)
		v = v * 16 + (unsigned long)hex_value(s[(*i)++]);
	return v;
}

/* One escape after a backslash at s[i - 1]; returns the index after it. */
static size_t decode_escape(const char *s, size_t len, size_t i, struct buf *b)
{
	static const char simple[] = "n\nt\tr\rb\ba\af\fv\v\\\\''\"\"";
	char c = s[i++];

	for (size_t k = 0; simple[k]; k += 2) {
		if (c == simple[k]) {
			buf_putc(b, simple[k + 1]);
			return i;
		}
	}
	if (c == '\n')
		return i; /* a continued line */
	if (c == 'x') {
		put_codepoint(b, read_hex(s, len, &i, 2));
	} else if (c == 'u' || c == 'U') {
		put_codepoint(b, read_hex(s, len, &i, c == 'u' ? 4 : 8));
	} else if (c >= '0' && c <= '7') {
		unsigned long v = (unsigned long)(c - '0');

		for (int k = 0; k < 2 && i < len && s[i] >= '0' && s[i] <= '7'; k++)
			v = v * 8 + (unsigned long)(s[i++] - '0');
		put_codepoint(b, v);
	} else {
		buf_putc(b, '\\');
		buf_putc(b, c);
	}
	return i;
}

static struct token *push(struct lexer *lx, enum tok_type type, size_t start)
{
	struct token *t;

	lx->v = xgrow(lx->v, &lx->cap, lx->n + 1, sizeof(*lx->v));
	t = &lx->v[lx->n++];
	memset(t, 0, sizeof(*t));
	t->type = type;
	t->text = lx->s + start;
	t->len = lx->i - start;
	return t;
}

/* A string literal whose quote is at lx->i; `start` is where its prefix began. */
static void lex_string(struct lexer *lx, size_t start, bool raw, bool fstring)
{
	const char *s = lx->s;
	char q = s[lx->i];
	bool triple = lx->i + 2 < lx->len && s[lx->i + 1] == q && s[lx->i + 2] == q;
	size_t value = lx->values.len, i = lx->i + (triple ? 3 : 1);
	struct token *t;

	while (i < lx->len) {
		if (triple ? i + 2 < lx->len && s[i] == q && s[i + 1] == q && s[i + 2] == q : s[i] == q)
			break;
		if (!triple && s[i] == '\n')
			break;
		if (s[i] == '\\' && i + 1 < lx->len && !raw) {
			i = decode_escape(s, lx->len, i + 1, &lx->values);
		} else if (s[i] == '\\' && i + 1 < lx->len) {
			buf_append(&lx->values, s + i, 2);
			i += 2;
		} else {
			buf_putc(&lx->values, s[i++]);
		}
	}
	if (i < lx->len && s[i] == q)
		i += triple ? 3 : 1;
	lx->i = i;
	t = push(lx, T_STRING, start);
	t->value = value;
	t->vlen = lx->values.len - value;
	if (fstring) {
		buf_append(&lx->out->fstrings, lx->values.data + value, t->vlen);
		buf_putc(&lx->out->fstrings, '\n');
	}
}

/* True when the n bytes at s are made of string prefix letters (r, b, u, f in either case). */
static bool string_prefix(const char *s, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		if (strchr("rRbBuUfF", s[k]) == NULL || s[k] == '\0')
			return false;
	}
	return true;
}

/* A name at lx->i, or a string prefix (r, b, u, f, rb, fr, ...) followed by a quote. */
static void lex_name(struct lexer *lx)
{
	size_t start = lx->i, n;
	const char *s = lx->s;

	while (lx->i < lx->len && ident_char((unsigned char)s[lx->i]))
		lx->i++;
	n = lx->i - start;
	if (n <= 2 && lx->i < lx->len && (s[lx->i] == '\'' || s[lx->i] == '"') &&
	    string_prefix(s + start, n)) {
		bool raw = memchr(s + start, 'r', n) || memchr(s + start, 'R', n);
		bool f = memchr(s + start, 'f', n) || memchr(s + start, 'F', n);

		lex_string(lx, start, raw, f);
		return;
	}
	push(lx, T_NAME, start);
}

static void lex(struct lexer *lx)
{
	const char *s = lx->s;

	while (lx->i < lx->len) {
		unsigned char c = (unsigned char)s[lx->i];
		size_t start = lx->i;

		if (lx->n >= SCAN_PYCODE_MAX_TOKENS) {
			lx->out->truncated = true;
			return;
		}
		if (c == ' ' || c == '\t' || c == '\r' || c == '\f' ||
		    (c == '\\' && lx->i + 1 < lx->len && s[lx->i + 1] == '\n')) {
			lx->i += c == '\\' ? 2 : 1;
		} else if (c == '#') {
			while (lx->i < lx->len && s[lx->i] != '\n')
				lx->i++;
		} else if (c == '\n') {
			lx->i++;
			push(lx, T_NEWLINE, start);
		} else if (ident_start(c)) {
			lex_name(lx);
		} else if (c >= '0' && c <= '9') {
			while (lx->i < lx->len && (ident_char((unsigned char)s[lx->i]) || s[lx->i] == '.'))
				lx->i++;
			push(lx, T_NUMBER, start);
		} else if (c == '\'' || c == '"') {
			lex_string(lx, start, false, false);
		} else {
			lx->i++;
			push(lx, T_OP, start);
		}
	}
}

/* Token helpers: bounds-checked tests of the token at i. */
static bool is_op(const struct lexer *lx, size_t i, char c)
{
	return i < lx->n && lx->v[i].type == T_OP && lx->v[i].text[0] == c;
}

static bool is_name(const struct lexer *lx, size_t i, const char *name)
{
	return i < lx->n && lx->v[i].type == T_NAME && lx->v[i].len == strlen(name) &&
	       memcmp(lx->v[i].text, name, lx->v[i].len) == 0;
}

/* The index of the bracket that closes the one at i (any kind closes any), or lx->n. */
static size_t closing(const struct lexer *lx, size_t i)
{
	return i < lx->n ? lx->v[i].match : lx->n;
}

/* Pairs the brackets once, so that every later lookup is constant time. */
static void match_brackets(struct lexer *lx)
{
	size_t *stack = xmalloc((lx->n + 1) * sizeof(*stack));
	size_t top = 0;

	for (size_t i = 0; i < lx->n; i++) {
		lx->v[i].match = lx->n;
		if (is_op(lx, i, '(') || is_op(lx, i, '[') || is_op(lx, i, '{'))
			stack[top++] = i;
		else if ((is_op(lx, i, ')') || is_op(lx, i, ']') || is_op(lx, i, '}')) && top > 0)
			lx->v[stack[--top]].match = i;
	}
	free(stack);
}

static bool fold_expr(struct lexer *lx, size_t i, struct buf *val, size_t *next, bool *built,
		      int depth);

/* 'x'[::-1]: reverses the bytes appended since `from`. */
static size_t reversal(const struct lexer *lx, size_t j, struct buf *val, size_t from, bool *built)
{
	while (is_op(lx, j, '[') && is_op(lx, j + 1, ':') && is_op(lx, j + 2, ':') &&
	       is_op(lx, j + 3, '-') && j + 4 < lx->n && lx->v[j + 4].type == T_NUMBER &&
	       lx->v[j + 4].len == 1 && lx->v[j + 4].text[0] == '1' && is_op(lx, j + 5, ']')) {
		for (size_t a = from, b = val->len; a + 1 < b; a++, b--) {
			char c = val->data[a];

			val->data[a] = val->data[b - 1];
			val->data[b - 1] = c;
		}
		*built = true;
		j += 6;
	}
	return j;
}

/* SEP.join([a, b, ...]) or SEP.join((a, b, ...)) with literal items. */
static bool fold_join(struct lexer *lx, size_t i, struct buf *val, size_t *next, bool *built,
		      int depth)
{
	const struct token *sep = &lx->v[i];
	size_t j = i + 5, end;

	if (!(is_op(lx, i + 1, '.') && is_name(lx, i + 2, "join") && is_op(lx, i + 3, '(') &&
	      (is_op(lx, i + 4, '[') || is_op(lx, i + 4, '('))))
		return false;
	end = closing(lx, i + 4);
	while (j < end) {
		if (j > i + 5)
			buf_append(val, lx->values.data + sep->value, sep->vlen);
		if (!fold_expr(lx, j, val, &j, built, depth + 1))
			return false;
		if (is_op(lx, j, ','))
			j++;
		else if (j != end)
			return false;
	}
	if (!is_op(lx, end + 1, ')'))
		return false;
	*next = end + 2;
	*built = true;
	return true;
}

/* One term: a literal, chr(N), SEP.join([...]), each maybe reversed with [::-1]. */
static bool fold_term(struct lexer *lx, size_t i, struct buf *val, size_t *next, bool *built,
		      int depth)
{
	size_t from = val->len, j;

	if (i >= lx->n || depth > SCAN_PYCODE_MAX_NESTING)
		return false;
	if (lx->v[i].type == T_STRING && fold_join(lx, i, val, &j, built, depth)) {
		/* j is set */
	} else if (lx->v[i].type == T_STRING) {
		buf_append(val, lx->values.data + lx->v[i].value, lx->v[i].vlen);
		j = i + 1;
	} else if (is_name(lx, i, "chr") && is_op(lx, i + 1, '(') && i + 2 < lx->n &&
		   lx->v[i + 2].type == T_NUMBER && is_op(lx, i + 3, ')')) {
		put_codepoint(val, strtoul(lx->v[i + 2].text, NULL, 0));
		*built = true;
		j = i + 4;
	} else {
		return false;
	}
	*next = reversal(lx, j, val, from, built);
	return true;
}

/* term (['+'] term)*: adjacent literals join as Python joins them. */
static bool fold_expr(struct lexer *lx, size_t i, struct buf *val, size_t *next, bool *built,
		      int depth)
{
	size_t j;

	if (!fold_term(lx, i, val, &j, built, depth))
		return false;
	for (;;) {
		if (is_op(lx, j, '+') && fold_term(lx, j + 1, val, &j, built, depth))
			*built = true;
		else if (j < lx->n && lx->v[j].type == T_STRING && fold_term(lx, j, val, &j, built, depth))
			continue;
		else
			break;
	}
	*next = j;
	return true;
}

static void emit_text(struct emitter *e, const char *text, size_t len, bool word)
{
	struct buf *sk = &e->out->skeleton;

	if (word && sk->len > 0 && ident_char((unsigned char)sk->data[sk->len - 1]))
		buf_putc(sk, ' ');
	buf_append(sk, text, len);
}

static const struct alias *find_alias(const struct emitter *e, const char *name, size_t len)
{
	for (size_t k = e->naliases; k-- > 0;) {
		if (strlen(e->aliases[k].name) == len && memcmp(e->aliases[k].name, name, len) == 0)
			return &e->aliases[k];
	}
	return NULL;
}

static void add_alias(struct emitter *e, const struct token *name, const char *target, size_t tlen)
{
	struct alias *a;

	e->aliases = xgrow(e->aliases, &e->aliases_cap, e->naliases + 1, sizeof(*e->aliases));
	a = &e->aliases[e->naliases++];
	a->name = xstrndup(name->text, name->len);
	a->target = xstrndup(target, tlen);
}

/* Reads a dotted name from token i into `out`; returns the index after it. */
static size_t dotted(const struct lexer *lx, size_t i, struct buf *out)
{
	while (i < lx->n && lx->v[i].type == T_NAME) {
		buf_append(out, lx->v[i].text, lx->v[i].len);
		if (!is_op(lx, i + 1, '.'))
			return i + 1;
		buf_putc(out, '.');
		i += 2;
	}
	return i;
}

/*
 * Records the names an import statement binds:
 *   "import" dotted ["as" NAME] ("," ...)*   binds NAME to dotted
 *   "from" dotted "import" NAME ["as" NAME] ("," ...)*   binds to dotted.NAME
 * Only aliases and from-imports are recorded: a plain import binds the name itself.
 */
static void bind_imports(struct emitter *e, size_t i)
{
	const struct lexer *lx = e->lx;
	struct buf from = BUF_INIT, name = BUF_INIT;
	bool is_from = is_name(lx, i, "from");

	if (is_from) {
		i = dotted(lx, i + 1, &from);
		if (!is_name(lx, i, "import"))
			goto done;
		buf_putc(&from, '.');
	}
	i++;
	i += is_op(lx, i, '(');
	for (;;) {
		size_t at;

		buf_clear(&name);
		buf_append(&name, from.data, from.len);
		at = i;
		i = dotted(lx, i, &name);
		if (i == at)
			break;
		if (is_name(lx, i, "as") && i + 1 < lx->n && lx->v[i + 1].type == T_NAME) {
			add_alias(e, &lx->v[i + 1], name.data, name.len);
			i += 2;
		} else if (is_from) {
			add_alias(e, &lx->v[i - 1], name.data, name.len);
		}
		if (!is_op(lx, i, ','))
			break;
		i++;
	}
done:
	buf_free(&from);
	buf_free(&name);
}

/*
 * The module an import call at i names, when its name folds to a constant:
 *   "sys" "." "modules" ("." "get" "(" | "[") STRING
 *   ["importlib" "."] ("import_module" | "__import__") "(" STRING
 * Sets *end to the token after the call.
 */
static bool name_like(const struct buf *val);

static bool imported_value(struct lexer *lx, size_t i, struct buf *name, size_t *end)
{
	size_t open = i, j;
	bool built = false;

	if (is_name(lx, i, "sys") && is_op(lx, i + 1, '.') && is_name(lx, i + 2, "modules"))
		open = is_op(lx, i + 3, '[') ? i + 3 : is_op(lx, i + 3, '.') && is_name(lx, i + 4, "get") ? i + 5 : i;
	else if (is_name(lx, i, "importlib") && is_op(lx, i + 1, '.') && is_name(lx, i + 2, "import_module"))
		open = i + 3;
	else if (is_name(lx, i, "import_module") || is_name(lx, i, "__import__"))
		open = i + 1;
	if (open == i || !(is_op(lx, open, '(') || is_op(lx, open, '[')) ||
	    !fold_expr(lx, open + 1, name, &j, &built, 0) || !name_like(name) ||
	    !(is_op(lx, j, ')') || is_op(lx, j, ']') || is_op(lx, j, ','))) {
		buf_clear(name);
		return false;
	}
	*end = closing(lx, open) + 1;
	return true;
}

/*
 * Records a plain assignment of a name:
 *   NAME "=" dotted (NEWLINE | ";" | end)   binds NAME to dotted
 * so that after `m = os`, `m.system` reads as `os.system`. The head of
 * dotted is read through the aliases already bound. A later rebinding of
 * NAME to anything else is not seen: the alias is kept.
 */
static void bind_assignment(struct emitter *e, size_t i)
{
	struct lexer *lx = e->lx;
	struct buf target = BUF_INIT;
	const struct alias *a;
	size_t end;

	if (!is_op(lx, i + 1, '=') || is_op(lx, i + 2, '=') || i + 2 >= lx->n ||
	    lx->v[i + 2].type != T_NAME)
		return;
	a = find_alias(e, lx->v[i + 2].text, lx->v[i + 2].len);
	if (imported_value(lx, i + 2, &target, &end)) {
		/* m = sys.modules.get('os'), m = __import__('os'): the module's name */
	} else if (a != NULL) {
		buf_puts(&target, a->target);
		if (is_op(lx, i + 3, '.'))
			buf_putc(&target, '.');
		end = is_op(lx, i + 3, '.') ? dotted(lx, i + 4, &target) : i + 3;
	} else {
		end = dotted(lx, i + 2, &target);
	}
	if ((end >= lx->n || lx->v[end].type == T_NEWLINE || is_op(lx, end, ';')) && target.len > 0)
		add_alias(e, &lx->v[i], target.data, target.len);
	buf_free(&target);
}

/* Keeps a folded string's value in out->strings, ended by '\0'. */
static void record_string(struct emitter *e, const struct buf *val, bool built)
{
	for (size_t k = 0; k < val->len; k++)
		buf_putc(&e->out->strings, val->data[k] == '\0' ? ' ' : val->data[k]);
	buf_putc(&e->out->strings, '\0');
	if (built)
		e->out->tricks |= SCAN_TRICK_BUILT_STRING;
}

/* A folded string: its value is kept, and the skeleton shows "". */
static void emit_string(struct emitter *e, const struct buf *val, bool built)
{
	record_string(e, val, built);
	emit_text(e, "\"\"", 2, true);
}

/* A constant module or attribute name: letters, digits, '_' and '.'. */
static bool name_like(const struct buf *val)
{
	if (val->len == 0 || !ident_start((unsigned char)val->data[0]))
		return false;
	for (size_t k = 0; k < val->len; k++) {
		if (!ident_char((unsigned char)val->data[k]) && val->data[k] != '.')
			return false;
	}
	return true;
}

static void emit_range(struct emitter *e, size_t i, size_t end);

/* __import__('x'), import_module('x') or sys.modules['x'] at i (the name): the module's name. */
static bool emit_import_call(struct emitter *e, size_t i, size_t *next)
{
	struct lexer *lx = e->lx;
	struct buf val = BUF_INIT;
	bool built = false, ok;
	size_t j;

	/* import_module('x'), or sys.modules['x'] when i is `modules`. */
	ok = (is_op(lx, i + 1, '(') || is_op(lx, i + 1, '[')) && fold_expr(lx, i + 2, &val, &j, &built, 0) &&
	     (is_op(lx, j, ')') || is_op(lx, j, ',') || is_op(lx, j, ']')) && name_like(&val);
	if (ok) {
		record_string(e, &val, built);
		emit_text(e, val.data, val.len, true); /* the module's name replaces the call */
		*next = closing(lx, i + 1) + 1;
	} else if (!is_op(lx, i + 1, '[')) {
		e->out->tricks |= SCAN_TRICK_COMPUTED_IMPORT;
	}
	buf_free(&val);
	return ok;
}

/* getattr(X, 'name'[, default]) at i: X.name. */
static bool emit_getattr(struct emitter *e, size_t i, size_t *next)
{
	struct lexer *lx = e->lx;
	size_t close = closing(lx, i + 1), comma = i + 2, j;
	struct buf val = BUF_INIT;
	bool built = false, ok;

	if (!is_op(lx, i + 1, '('))
		return false;
	if (e->depth >= SCAN_PYCODE_MAX_NESTING) {
		e->out->tricks |= SCAN_TRICK_COMPUTED_ATTR; /* too deep to follow: not resolved */
		return false;
	}
	while (comma < close && !is_op(lx, comma, ','))
		comma = is_op(lx, comma, '(') || is_op(lx, comma, '[') ? closing(lx, comma) + 1 : comma + 1;
	ok = comma < close && fold_expr(lx, comma + 1, &val, &j, &built, 0) &&
	     (j == close || is_op(lx, j, ',')) && name_like(&val);
	if (ok) {
		record_string(e, &val, built);
		e->depth++;
		emit_range(e, i + 2, comma);
		e->depth--;
		buf_putc(&e->out->skeleton, '.');
		buf_append(&e->out->skeleton, val.data, val.len);
		*next = close + 1;
	} else {
		e->out->tricks |= SCAN_TRICK_COMPUTED_ATTR;
	}
	buf_free(&val);
	return ok;
}

/* Names that reach code through a side door. */
static void name_tricks(struct emitter *e, const struct token *t, bool call)
{
	static const char *const introspection[] = {
		"__subclasses__", "__globals__", "__getattribute__", "__code__", "__closure__",
		"func_globals", "__reduce__", "__reduce_ex__", "attrgetter", "methodcaller",
	};
	static const char *const scopes[] = { "vars", "globals", "locals" };

	if ((t->len == 8 && memcmp(t->text, "builtins", 8) == 0) ||
	    (t->len == 12 && memcmp(t->text, "__builtins__", 12) == 0) ||
	    (t->len == 11 && memcmp(t->text, "__builtin__", 11) == 0))
		e->out->tricks |= SCAN_TRICK_BUILTINS;
	if (t->len == 6 && memcmp(t->text, "lambda", 6) == 0)
		e->out->tricks |= SCAN_TRICK_LAMBDA;
	for (size_t k = 0; k < sizeof(introspection) / sizeof(introspection[0]); k++) {
		if (strlen(introspection[k]) == t->len && memcmp(t->text, introspection[k], t->len) == 0)
			e->out->tricks |= SCAN_TRICK_INTROSPECTION;
	}
	for (size_t k = 0; call && k < sizeof(scopes) / sizeof(scopes[0]); k++) {
		if (strlen(scopes[k]) == t->len && memcmp(t->text, scopes[k], t->len) == 0)
			e->out->tricks |= SCAN_TRICK_SCOPES;
	}
}

/* True when token i starts a statement ("import" of "from x import" does not). */
static bool statement_start(const struct lexer *lx, size_t i)
{
	return i == 0 || lx->v[i - 1].type == T_NEWLINE || is_op(lx, i - 1, ';') || is_op(lx, i - 1, ':');
}

/* A name: an import call, getattr, an alias, or itself. Returns the next index. */
static size_t emit_name(struct emitter *e, size_t i)
{
	struct lexer *lx = e->lx;
	const struct token *t = &lx->v[i];
	bool after_dot = i > 0 && is_op(lx, i - 1, '.');
	const struct alias *a;
	size_t next;

	if (is_name(lx, i, "importlib") && is_op(lx, i + 1, '.') && is_name(lx, i + 2, "import_module") &&
	    emit_import_call(e, i + 2, &next))
		return next;
	if ((is_name(lx, i, "__import__") || is_name(lx, i, "import_module")) &&
	    emit_import_call(e, i, &next))
		return next;
	if (is_name(lx, i, "getattr") && emit_getattr(e, i, &next))
		return next;
	if (is_name(lx, i, "sys") && is_op(lx, i + 1, '.') && is_name(lx, i + 2, "modules") &&
	    is_op(lx, i + 3, '[') && emit_import_call(e, i + 2, &next))
		return next;
	/* sys.modules.get('os') */
	if (is_name(lx, i, "sys") && is_op(lx, i + 1, '.') && is_name(lx, i + 2, "modules") &&
	    is_op(lx, i + 3, '.') && is_name(lx, i + 4, "get") && emit_import_call(e, i + 4, &next))
		return next;
	if (!after_dot && statement_start(lx, i))
		bind_assignment(e, i);
	if ((is_name(lx, i, "from") || (is_name(lx, i, "import") && statement_start(lx, i))) && !after_dot)
		bind_imports(e, i);
	name_tricks(e, t, is_op(lx, i + 1, '('));
	/* NOTE: only imports and plain `m = os` assignments are followed, not other rebindings. */
	a = after_dot ? NULL : find_alias(e, t->text, t->len);
	if (a != NULL)
		emit_text(e, a->target, strlen(a->target), true);
	else
		emit_text(e, t->text, t->len, true);
	return i + 1;
}

static void emit_range(struct emitter *e, size_t i, size_t end)
{
	struct lexer *lx = e->lx;

	while (i < end) {
		const struct token *t = &lx->v[i];
		struct buf val = BUF_INIT;
		bool built = false;
		size_t next;

		if ((t->type == T_STRING || is_name(lx, i, "chr")) && fold_expr(lx, i, &val, &next, &built, 0)) {
			emit_string(e, &val, built);
			i = next;
		} else if (t->type == T_NAME) {
			i = emit_name(e, i);
		} else {
			emit_text(e, t->text, t->len, t->type == T_NUMBER);
			i++;
		}
		buf_free(&val);
	}
}

/* True when every statement is `import dotted [as NAME], ...`. */
static bool only_plain_imports(const struct lexer *lx)
{
	size_t i = 0;

	while (i < lx->n) {
		if (lx->v[i].type == T_NEWLINE || is_op(lx, i, ';')) {
			i++;
			continue;
		}
		if (!is_name(lx, i, "import"))
			return false;
		for (i++;;) {
			struct buf skip = BUF_INIT;
			size_t at = i;

			i = dotted(lx, i, &skip);
			buf_free(&skip);
			if (i == at)
				return false;
			if (is_name(lx, i, "as") && i + 1 < lx->n && lx->v[i + 1].type == T_NAME)
				i += 2;
			if (!is_op(lx, i, ','))
				break;
			i++;
		}
		if (i < lx->n && lx->v[i].type != T_NEWLINE && !is_op(lx, i, ';'))
			return false;
	}
	return true;
}

static bool has(const struct buf *b, const char *text)
{
	return b->len > 0 && memmem(b->data, b->len, text, strlen(text)) != NULL;
}

/* True when a string value is a path in a temporary folder. */
static bool temp_path(const char *s, size_t len)
{
	static const char *const temp[] = { "/tmp", "/var/tmp", "/dev/shm" };

	for (size_t k = 0; k < sizeof(temp) / sizeof(temp[0]); k++) {
		size_t n = strlen(temp[k]);

		if (len >= n && memcmp(s, temp[k], n) == 0 && (len == n || s[n] == '/'))
			return true;
	}
	return false;
}

/* Tricks read from the finished skeleton and strings. */
static void text_tricks(struct scan_pycode *out)
{
	const char *p = out->strings.data, *end = p + out->strings.len;

	static const char *const writes[] = {
		"shutil.copy", "shutil.move", "os.rename(", "os.replace(", "os.symlink(", "os.link(",
		"os.chmod(", ".write_text(", ".write_bytes(",
	};

	if (has(&out->skeleton, "open(") && has(&out->skeleton, ".read"))
		out->tricks |= SCAN_TRICK_FILE_READ;
	if (has(&out->skeleton, "open(") && has(&out->skeleton, ".write"))
		out->tricks |= SCAN_TRICK_FILE_WRITE;
	for (size_t k = 0; k < sizeof(writes) / sizeof(writes[0]); k++) {
		if (has(&out->skeleton, writes[k]))
			out->tricks |= SCAN_TRICK_FILE_WRITE;
	}
	if (has(&out->skeleton, "sys.path.") || has(&out->skeleton, "sys.path[") ||
	    has(&out->skeleton, "sys.path=") || has(&out->skeleton, "sys.path+=") ||
	    has(&out->skeleton, "addsitedir("))
		out->tricks |= SCAN_TRICK_SYS_PATH;
	while (p != NULL && p < end) {
		const char *nl = memchr(p, '\0', (size_t)(end - p));

		if (temp_path(p, (size_t)((nl ? nl : end) - p)))
			out->tricks |= SCAN_TRICK_TEMP_PATH;
		p = nl ? nl + 1 : end;
	}
}

/*
 * The source with every non-ASCII name in its NFKC form, as the compiler
 * reads it (string literals and comments are left as written). Returns
 * false, leaving `norm` empty, when no name has a non-ASCII byte.
 */
static bool normalise_names(const struct lexer *lx, struct buf *norm, unsigned *tricks)
{
	size_t done = 0;
	bool mapped = false, unknown = false;

	for (size_t k = 0; k < lx->n; k++) {
		const struct token *t = &lx->v[k];
		size_t at = (size_t)(t->text - lx->s);
		bool high = false;

		for (size_t b = 0; t->type == T_NAME && b < t->len && !high; b++)
			high = (unsigned char)t->text[b] >= 0x80;
		if (!high)
			continue;
		buf_append(norm, lx->s + done, at - done);
		scan_ident_normalise(t->text, t->len, norm, &mapped, &unknown);
		done = at + t->len;
	}
	if (done == 0)
		return false;
	buf_append(norm, lx->s + done, lx->len - done);
	if (mapped)
		*tricks |= SCAN_TRICK_NFKC_NAME;
	if (unknown)
		*tricks |= SCAN_TRICK_NONASCII_NAME;
	return true;
}

/* Lexes src; when a name needs NFKC, lexes the normalised text (kept in `norm`) instead. */
static void lex_normalised(struct lexer *lx, struct buf *norm)
{
	lex(lx);
	if (!normalise_names(lx, norm, &lx->out->tricks))
		return;
	lx->s = norm->data;
	lx->len = norm->len;
	lx->i = 0;
	lx->n = 0;
	buf_free(&lx->values);
	buf_free(&lx->out->fstrings);
	lx->out->truncated = false;
	lex(lx);
}

void scan_pycode_read(const char *src, size_t len, struct scan_pycode *out)
{
	struct lexer lx = { src, len, 0, NULL, 0, 0, BUF_INIT, out };
	struct emitter e = { &lx, out, NULL, 0, 0, 0 };
	struct buf norm = BUF_INIT;

	memset(out, 0, sizeof(*out));
	lex_normalised(&lx, &norm);
	match_brackets(&lx);
	out->plain_import = !out->truncated && lx.n > 0 && only_plain_imports(&lx);
	emit_range(&e, 0, lx.n);
	if (out->truncated) {
		buf_putc(&out->skeleton, '\n');
		buf_append(&out->skeleton, lx.s + lx.i, lx.len - lx.i);
	}
	if (out->skeleton.data == NULL)
		buf_puts(&out->skeleton, "");
	text_tricks(out);

	for (size_t k = 0; k < e.naliases; k++) {
		free(e.aliases[k].name);
		free(e.aliases[k].target);
	}
	free(e.aliases);
	buf_free(&lx.values);
	buf_free(&norm);
	free(lx.v);
}

void scan_pycode_free(struct scan_pycode *c)
{
	buf_free(&c->skeleton);
	buf_free(&c->strings);
	buf_free(&c->fstrings);
	memset(c, 0, sizeof(*c));
}

void scan_pycode_name_tricks(unsigned tricks, struct buf *out)
{
	static const char *const names[] = {
		"__import__ or import_module of a computed name", "getattr with a computed name",
		"the builtins module", "a name built from pieces (+, chr, [::-1], join)",
		"introspection (__subclasses__, __globals__, __getattribute__)",
		"runs on a file's content read at start-up (open().read())", "a lambda",
		"a path in a temporary folder", "changes sys.path",
		"writes, copies or moves files (open().write, shutil, os.rename)",
		"names looked up in vars(), globals() or locals()",
		"a name in fullwidth, mathematical or ligature letters, which Python reads as ASCII",
		"a non-ASCII name",
	};
	const char *sep = "";

	for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		if (tricks & (1u << k)) {
			buf_printf(out, "%s%s", sep, names[k]);
			sep = ", ";
		}
	}
}
