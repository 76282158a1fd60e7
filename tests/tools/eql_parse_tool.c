/*
 * eql_parse_tool: parses EQL queries read from stdin, separated by NUL
 * bytes, and reports each one that does not parse.
 *
 *   eql_parse_tool [--dump] < queries
 *
 * For each failure it prints a line "failed INDEX" (0-based), then the
 * error as eql_error_print() writes it, with the origin "query INDEX".
 * With --dump it also prints each parsed query's tree on one line,
 * "tree INDEX: (...)", for eyeballing precedence and for other tests.
 * Exit status: 0 when every query parsed, 1 when one did not, 2 on a
 * usage or input error.
 *
 * Ownership: the input is one malloc'd buffer; each query is parsed into
 * its own arena, freed before the next.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eql/parse.h"
#include "util/arena.h"
#include "util/xalloc.h"

/* A cap on the input, which is read whole. */
#define MAX_INPUT_BYTES ((size_t)256 << 20)

static const char *const op_names[] = {
	[EQL_OP_NONE] = "", [EQL_OP_ADD] = "+", [EQL_OP_SUB] = "-",
	[EQL_OP_MUL] = "*", [EQL_OP_DIV] = "/", [EQL_OP_MOD] = "%",
	[EQL_OP_EQ] = "==", [EQL_OP_NE] = "!=", [EQL_OP_LT] = "<",
	[EQL_OP_LE] = "<=", [EQL_OP_GT] = ">", [EQL_OP_GE] = ">=",
	[EQL_OP_SEQ] = ":", [EQL_OP_LIKE] = "like", [EQL_OP_REGEX] = "regex",
};

static void dump_string(const struct eql_string *s)
{
	putchar('"');
	for (size_t i = 0; i < s->len; i++) {
		unsigned char c = (unsigned char)s->ptr[i];

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c == 0x7F)
			printf("\\x%02X", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void dump_expr(const struct eql_expr *e);

static void dump_args(const char *head, const struct eql_expr *e)
{
	printf("(%s", head);
	for (size_t i = 0; i < e->nargs; i++) {
		putchar(' ');
		dump_expr(e->args[i]);
	}
	putchar(')');
}

static void dump_expr(const struct eql_expr *e)
{
	char head[300];

	switch (e->kind) {
	case EQL_EXPR_NULL: printf("null"); return;
	case EQL_EXPR_BOOL: printf(e->u.boolean ? "true" : "false"); return;
	case EQL_EXPR_INT: printf("%lld", (long long)e->u.integer); return;
	case EQL_EXPR_FLOAT: printf("%.17g", e->u.real); return;
	case EQL_EXPR_STRING: dump_string(&e->u.string); return;
	case EQL_EXPR_FIELD:
		printf("%s%s", e->u.field.optional ? "?" : "$", e->u.field.path);
		return;
	case EQL_EXPR_NOT: dump_args("not", e); return;
	case EQL_EXPR_AND: dump_args("and", e); return;
	case EQL_EXPR_OR: dump_args("or", e); return;
	case EQL_EXPR_NEG: dump_args("neg", e); return;
	case EQL_EXPR_ARITH:
	case EQL_EXPR_COMPARE:
		dump_args(op_names[e->op], e);
		return;
	case EQL_EXPR_MATCH:
		snprintf(head, sizeof(head), "%s%s", op_names[e->op], e->insensitive ? "~" : "");
		dump_args(head, e);
		return;
	case EQL_EXPR_IN:
		snprintf(head, sizeof(head), "%sin%s", e->negated ? "not-" : "", e->insensitive ? "~" : "");
		dump_args(head, e);
		return;
	case EQL_EXPR_CALL:
		snprintf(head, sizeof(head), "call %s%s", e->u.function, e->insensitive ? "~" : "");
		dump_args(head, e);
		return;
	}
}

static void dump_keys(struct eql_expr *const *keys, size_t n)
{
	if (n == 0)
		return;
	printf(" (by");
	for (size_t i = 0; i < n; i++) {
		putchar(' ');
		dump_expr(keys[i]);
	}
	putchar(')');
}

static void dump_clause(const char *head, const struct eql_clause *c)
{
	printf(" (%s%s ", head, c->missing ? "-missing" : "");
	if (c->category.ptr == NULL)
		printf("any");
	else
		dump_string(&c->category);
	putchar(' ');
	dump_expr(c->where);
	dump_keys(c->by, c->nby);
	if (c->runs != 1)
		printf(" (runs %lld)", (long long)c->runs);
	putchar(')');
}

static void dump_query(size_t index, const struct eql_query *q)
{
	static const char *const kinds[] = { "event", "sequence", "sample" };

	printf("tree %zu: (%s", index, kinds[q->kind]);
	dump_keys(q->by, q->nby);
	if (q->maxspan_ms != 0)
		printf(" (maxspan-ms %lld)", (long long)q->maxspan_ms);
	for (size_t i = 0; i < q->nclauses; i++)
		dump_clause("clause", &q->clauses[i]);
	if (q->until != NULL)
		dump_clause("until", q->until);
	for (size_t i = 0; i < q->npipes; i++)
		printf(" (%s %lld)", q->pipes[i].kind == EQL_PIPE_HEAD ? "head" : "tail",
		       (long long)q->pipes[i].count);
	printf(")\n");
}

static char *read_all(FILE *in, size_t *len)
{
	size_t cap = 1 << 16;
	char *data = xmalloc(cap);

	*len = 0;
	for (;;) {
		size_t n = fread(data + *len, 1, cap - *len, in);

		*len += n;
		if (n == 0)
			break;
		if (*len == cap) {
			if (cap >= MAX_INPUT_BYTES) {
				fprintf(stderr, "eql_parse_tool: input over the limit of %zu bytes\n", MAX_INPUT_BYTES);
				free(data);
				return NULL;
			}
			cap *= 2;
			data = xrealloc(data, cap);
		}
	}
	if (ferror(in)) {
		perror("eql_parse_tool: reading stdin");
		free(data);
		return NULL;
	}
	return data;
}

/* Parses one query; returns true when it parsed. */
static bool parse_one(size_t index, const char *text, size_t len, bool dump)
{
	struct arena arena;
	struct eql_error err;
	struct eql_query *q;
	char origin[48];

	arena_init(&arena, 0);
	q = eql_parse(&arena, text, len, &err);
	if (q == NULL) {
		snprintf(origin, sizeof(origin), "query %zu", index);
		printf("failed %zu\n", index);
		eql_error_print(stdout, origin, text, len, &err);
	} else if (dump) {
		dump_query(index, q);
	}
	arena_free(&arena);
	return q != NULL;
}

int main(int argc, char **argv)
{
	bool dump = argc == 2 && strcmp(argv[1], "--dump") == 0;
	size_t len, start = 0, index = 0, failures = 0;
	char *data;

	if (argc > 2 || (argc == 2 && !dump)) {
		fprintf(stderr, "usage: eql_parse_tool [--dump] < NUL-separated queries\n");
		return 2;
	}
	data = read_all(stdin, &len);
	if (data == NULL)
		return 2;

	while (start < len) {
		const char *nul = memchr(data + start, '\0', len - start);
		size_t end = nul ? (size_t)(nul - data) : len;

		if (!parse_one(index, data + start, end - start, dump))
			failures++;
		index++;
		start = end + 1;
	}

	fprintf(stderr, "eql_parse_tool: %zu of %zu queries parsed\n", index - failures, index);
	free(data);
	return failures == 0 ? 0 : 1;
}
