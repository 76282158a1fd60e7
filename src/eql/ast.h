/*
 * Abstract syntax tree of an EQL query, Elasticsearch dialect.
 *
 * Ownership: every node, string and array of a parsed query lives in the
 * arena passed to eql_parse(); arena_free() on it frees the whole tree.
 * Strings are NUL-terminated and also carry their length, because an EQL
 * string may contain "\u{0}".
 */
#ifndef SW_EQL_AST_H
#define SW_EQL_AST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A place in the query text: 1-based line and column, 0-based byte offset. */
struct eql_pos {
	int line;
	int column;
	size_t offset;
};

struct eql_string {
	char *ptr;
	size_t len;
};

enum eql_expr_kind {
	EQL_EXPR_NULL,
	EQL_EXPR_BOOL,
	EQL_EXPR_INT,
	EQL_EXPR_FLOAT,
	EQL_EXPR_STRING,
	EQL_EXPR_FIELD,
	EQL_EXPR_NOT,     /* args[0] */
	EQL_EXPR_AND,     /* args[0] and args[1] */
	EQL_EXPR_OR,      /* args[0] or args[1] */
	EQL_EXPR_NEG,     /* unary minus of args[0] */
	EQL_EXPR_ARITH,   /* args[0] op args[1], op is ADD..MOD */
	EQL_EXPR_COMPARE, /* args[0] op args[1], op is EQ..GE */
	/*
	 * args[0] op (args[1], ..., args[nargs-1]), op is SEQ (":"), LIKE or
	 * REGEX; a single right-hand value is a list of one. `insensitive` is
	 * set for ":", "like~" and "regex~".
	 */
	EQL_EXPR_MATCH,
	/*
	 * args[0] in (args[1], ..., args[nargs-1]); `insensitive` for "in~",
	 * `negated` for "not in" and "not in~".
	 */
	EQL_EXPR_IN,
	/* name(args...), `insensitive` for the "~" form such as startsWith~ */
	EQL_EXPR_CALL,
};

enum eql_op {
	EQL_OP_NONE,
	EQL_OP_ADD,
	EQL_OP_SUB,
	EQL_OP_MUL,
	EQL_OP_DIV,
	EQL_OP_MOD,
	EQL_OP_EQ,
	EQL_OP_NE,
	EQL_OP_LT,
	EQL_OP_LE,
	EQL_OP_GT,
	EQL_OP_GE,
	EQL_OP_SEQ,   /* ":" */
	EQL_OP_LIKE,
	EQL_OP_REGEX,
};

/*
 * A field reference. `path` is the dotted path as written, with backticks
 * removed (`process.name`, or `my field` for a backtick-quoted name).
 * `slot` is filled by the planner: the field's index in the plan's field
 * set, -1 before planning.
 */
struct eql_field {
	char *path;
	bool optional; /* written as ?field */
	int slot;
};

struct eql_expr {
	enum eql_expr_kind kind;
	enum eql_op op;
	bool insensitive;
	bool negated;
	struct eql_pos pos;
	union {
		bool boolean;
		int64_t integer;
		double real;
		struct eql_string string;
		struct eql_field field;
		char *function; /* EQL_EXPR_CALL: name as written, without "~" */
	} u;
	struct eql_expr **args;
	size_t nargs;
	/*
	 * Engine-owned compiled form, set by the planner: a compiled regular
	 * expression or wildcard pattern list. Freed by plan_release().
	 */
	void *compiled;
};

/*
 * One bracketed clause of a sequence or sample, or the single clause of an
 * event query: `category where condition`, with optional per-clause join
 * keys ("by") and "with runs=N".
 */
struct eql_clause {
	struct eql_string category; /* ptr NULL for "any" */
	struct eql_expr *where;
	struct eql_expr **by;
	size_t nby;
	int64_t runs;   /* 1 unless "with runs=N" */
	bool missing;   /* written as ![...] */
	struct eql_pos pos;
};

enum eql_query_kind {
	EQL_QUERY_EVENT,
	EQL_QUERY_SEQUENCE,
	EQL_QUERY_SAMPLE,
};

enum eql_pipe_kind {
	EQL_PIPE_HEAD,
	EQL_PIPE_TAIL,
};

struct eql_pipe {
	enum eql_pipe_kind kind;
	int64_t count;
	struct eql_pos pos;
};

struct eql_query {
	enum eql_query_kind kind;
	/* An event query has one clause; a sequence or sample has one per bracket. */
	struct eql_clause *clauses;
	size_t nclauses;
	/* "sequence by ..." or "sample by ...": keys shared by every clause. */
	struct eql_expr **by;
	size_t nby;
	int64_t maxspan_ms; /* 0 when the sequence has no maxspan */
	struct eql_clause *until; /* NULL when absent */
	struct eql_pipe *pipes;
	size_t npipes;
	struct eql_pos pos;
};

#endif
