/*
 * The functions of Elasticsearch's EQL function reference and the
 * arithmetic they share with the + - * / % operators. docs/semantics.md
 * ("Functions") gives each one's null and edge behaviour with its source.
 *
 * A function gets its arguments already evaluated. Text positions
 * (indexOf, length, substring) count UTF-16 code units, as Java does.
 * Where an Elasticsearch function throws (a string where a number belongs,
 * integer division by zero, an invalid number text), the result here is
 * null, because an error in one event cannot stop the search.
 *
 * Ownership: results that are new strings live in the scratch arena; the
 * function table and CIDR blocks are static or owned by the plan.
 */
#ifndef SW_FUNC_H
#define SW_FUNC_H

#include <stdbool.h>
#include <stddef.h>

#include "../eql/ast.h"
#include "../event/value.h"
#include "../util/arena.h"

enum func_id {
	FUNC_ADD,
	FUNC_BETWEEN,
	FUNC_CIDRMATCH,
	FUNC_CONCAT,
	FUNC_DIVIDE,
	FUNC_ENDSWITH,
	FUNC_INDEXOF,
	FUNC_LENGTH,
	FUNC_MODULO,
	FUNC_MULTIPLY,
	FUNC_NUMBER,
	FUNC_STARTSWITH,
	FUNC_STRING,
	FUNC_STRINGCONTAINS,
	FUNC_SUBSTRING,
	FUNC_SUBTRACT,
};

/* Type an argument must have. The planner checks literals against it. */
enum func_arg {
	FARG_ANY,
	FARG_STRING,
	FARG_NUMBER,
	FARG_INTEGER,
	FARG_BOOL,
};

enum func_ret {
	FRET_NUMBER,
	FRET_STRING,
	FRET_BOOL,
};

#define FUNC_VARIADIC 0xFFFFu
/* Arguments one call may have; plan_bind rejects a call with more. */
#define FUNC_MAX_ARGS 64

struct func_def {
	const char *name;        /* as the function reference writes it */
	enum func_id id;
	unsigned min_args;
	unsigned max_args;       /* FUNC_VARIADIC: no upper bound */
	bool case_aware;         /* has a `~` form */
	enum func_ret ret;
	enum func_arg args[4];   /* a variadic function repeats its last entry */
	unsigned literal_from;   /* arguments from this index on must be literals; 0: none */
};

/* The function named `name`, compared without regard to case (as
 * Elasticsearch's function registry does), or NULL. */
const struct func_def *func_lookup(const char *name);

/* The type argument `i` (from 0) must have. */
enum func_arg func_arg_type(const struct func_def *f, size_t i);

/* Every function name, comma-separated, for error messages. */
const char *func_all_names(void);

/* An address as 16 bytes; IPv4 is stored IPv4-mapped (::ffff:a.b.c.d). */
struct ip_addr {
	unsigned char b[16];
};

struct cidr_block {
	struct ip_addr addr;
	unsigned prefix; /* bits, out of 128 */
};

/* Reads an IPv4 or IPv6 address. */
bool ip_parse(const char *s, size_t n, struct ip_addr *out);

/* Reads "address" or "address/prefix"; an IPv4 prefix counts 96 extra bits. */
bool cidr_parse(const char *s, size_t n, struct cidr_block *out);

bool cidr_contains(const struct cidr_block *c, const struct ip_addr *ip);

/* State compiled at plan time for one call. */
struct func_aux {
	const struct cidr_block *cidrs; /* cidrMatch: the literal blocks */
	size_t ncidrs;
	bool cidr_null;                 /* a block was the literal null */
};

struct value func_call(const struct func_def *f, bool insensitive,
		       const struct value *args, size_t nargs,
		       const struct func_aux *aux, struct arena *scratch);

/*
 * a op b for op ADD..MOD, with Java's rules: two integers give an integer
 * (division truncates, % takes the dividend's sign), anything with a float
 * gives a float. Null, a non-number, integer overflow or an integer
 * division by zero give null.
 */
struct value func_arith(enum eql_op op, const struct value *a, const struct value *b);

/* Unary minus; null for null, a non-number or the negation of INT64_MIN. */
struct value func_negate(const struct value *a);

#endif
