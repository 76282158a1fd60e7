/*
 * EQL lexer: query text to tokens, following the token rules of
 * Elasticsearch's EQL grammar (EqlBase.g4).
 *
 * Ownership: the lexer reads the caller's text and never copies it whole.
 * A token's `text` points into that text. The decoded value of a string or
 * of a backtick-quoted name is allocated in the arena given to
 * eql_lex_init() and lives as long as that arena. The lexer owns no other
 * memory, so it needs no release function.
 *
 * Token rules, as Elasticsearch has them:
 * - Keywords are lower case and reserved: `Where` or `AND` is an
 *   identifier, not a keyword, and a field named `by` needs backticks.
 * - An identifier starts with a letter, `_` or `@` and goes on with
 *   letters, digits and `_` (so `@timestamp` needs no quoting). A name
 *   followed at once by `~` is a case-insensitive function name
 *   (`startsWith~`), except `in~`, `like~` and `regex~`, which are operators.
 * - Numbers: `12` is an integer (int64), `1.5`, `1.`, `.5` and `2e3` are
 *   decimals. No sign: `-1` is the minus operator and the integer 1.
 * - Strings: "..." takes the escapes \b \t \n \f \r \" \' \\ and \u{X..X}
 *   (2 to 8 hex digits naming a Unicode scalar value, stored as UTF-8).
 *   Raw strings """...""" take no escapes. Neither kind may span lines.
 *   '...' and the legacy ?"..." raw form are rejected, and the message
 *   gives the form to write instead.
 * - Comments: // to the end of the line, and block comments from "/" "*"
 *   to the first "*" "/" (they do not nest).
 * - Whitespace: space, tab, carriage return and newline only.
 */
#ifndef SW_EQL_LEX_H
#define SW_EQL_LEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ast.h"
#include "parse.h"
#include "../util/arena.h"

enum eql_tok {
	EQL_TOK_EOF,

	/* Values. */
	EQL_TOK_IDENT,        /* process, @timestamp */
	EQL_TOK_TILDE_IDENT,  /* startsWith~ (str is the name without "~") */
	EQL_TOK_QUOTED_IDENT, /* `my field` */
	EQL_TOK_STRING,       /* "..." or """...""" */
	EQL_TOK_INTEGER,
	EQL_TOK_DECIMAL,

	/* Keywords. */
	EQL_TOK_AND,
	EQL_TOK_ANY,
	EQL_TOK_BY,
	EQL_TOK_FALSE,
	EQL_TOK_IN,
	EQL_TOK_IN_I,         /* in~ */
	EQL_TOK_JOIN,
	EQL_TOK_LIKE,
	EQL_TOK_LIKE_I,       /* like~ */
	EQL_TOK_MAXSPAN,
	EQL_TOK_NOT,
	EQL_TOK_NULL,
	EQL_TOK_OF,
	EQL_TOK_OR,
	EQL_TOK_REGEX,
	EQL_TOK_REGEX_I,      /* regex~ */
	EQL_TOK_SAMPLE,
	EQL_TOK_SEQUENCE,
	EQL_TOK_TRUE,
	EQL_TOK_UNTIL,
	EQL_TOK_WHERE,
	EQL_TOK_WITH,

	/* Operators and punctuation. */
	EQL_TOK_COLON,        /* : */
	EQL_TOK_ASSIGN,       /* = (only in maxspan= and runs=) */
	EQL_TOK_EQ,           /* == */
	EQL_TOK_NE,           /* != */
	EQL_TOK_LT,
	EQL_TOK_LE,
	EQL_TOK_GT,
	EQL_TOK_GE,
	EQL_TOK_PLUS,
	EQL_TOK_MINUS,
	EQL_TOK_STAR,
	EQL_TOK_SLASH,
	EQL_TOK_PERCENT,
	EQL_TOK_DOT,
	EQL_TOK_COMMA,
	EQL_TOK_LBRACKET,
	EQL_TOK_RBRACKET,
	EQL_TOK_LPAREN,
	EQL_TOK_RPAREN,
	EQL_TOK_PIPE,
	EQL_TOK_QUESTION,     /* ? before an optional field */
	EQL_TOK_MISSING,      /* ![ opening a missing-event clause */

	EQL_TOK_COUNT
};

struct eql_token {
	enum eql_tok kind;
	struct eql_pos pos;
	/* Token as written, pointing into the query text (not NUL-terminated). */
	const char *text;
	size_t len;
	/*
	 * Value of a name or string. For STRING and QUOTED_IDENT it is decoded
	 * into the arena and NUL-terminated, though it may contain NUL bytes.
	 * For IDENT and TILDE_IDENT it is a view into the query text.
	 */
	struct eql_string str;
	int64_t integer; /* EQL_TOK_INTEGER */
	double real;     /* EQL_TOK_DECIMAL */
};

struct eql_lexer {
	const char *text;
	size_t len;
	size_t off;            /* next byte to read */
	size_t prev_end;       /* end of the last token, where EOF is reported */
	struct arena *arena;
	struct eql_error *err;

	/* Last place whose position was computed, so that each byte is counted once. */
	size_t mark_off;
	int mark_line;
	int mark_column;
};

void eql_lex_init(struct eql_lexer *lx, struct arena *arena, const char *text,
		  size_t len, struct eql_error *err);

/*
 * Reads the next token into `tok`. At the end of the text it returns
 * EQL_TOK_EOF (again on every later call), placed just after the last
 * token so that "the query ends here" points at the query, not at
 * trailing blank lines. Returns false, with the lexer's error filled, when
 * no valid token starts there.
 */
bool eql_lex_next(struct eql_lexer *lx, struct eql_token *tok);

/*
 * Returns the position of byte `offset` of the text. Columns count
 * characters (UTF-8 sequences) from 1, and "\n" ends a line.
 */
struct eql_pos eql_lex_pos(struct eql_lexer *lx, size_t offset);

/* Returns the name of a token kind for messages: "'where'", "a string", ... */
const char *eql_tok_name(enum eql_tok kind);

/* Returns the keyword kind of `word` (lower case only), or EQL_TOK_IDENT. */
enum eql_tok eql_lex_keyword(const char *word, size_t len);

/* Returns true for the keyword kinds (AND..WITH). */
bool eql_tok_is_keyword(enum eql_tok kind);

#endif
