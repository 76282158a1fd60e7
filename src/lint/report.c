/*
 * The findings of a check: codes, severities, and the report that collects
 * them with a cap per query.
 */
#include "lint_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/xalloc.h"

static const struct {
	const char *name;
	enum lint_severity severity;
} codes[LINT_NCODES] = {
	[LINT_NON_ECS_FIELD] = { "non-ecs-field", LINT_WARNING },
	/* Elasticsearch refuses to run such a query: an error, not a guess. */
	[LINT_SINGLE_CLAUSE_SEQUENCE] = { "single-clause-sequence", LINT_ERROR },
	[LINT_WILDCARD_IN_EQUALITY] = { "wildcard-in-equality", LINT_WARNING },
	[LINT_CASE_SENSITIVE] = { "case-sensitive-compare", LINT_WARNING },
};

const char *lint_code_name(enum lint_code code)
{
	return (unsigned)code < LINT_NCODES ? codes[code].name : "unknown";
}

bool lint_code_parse(const char *name, enum lint_code *out)
{
	for (int i = 0; i < LINT_NCODES; i++) {
		if (strcmp(codes[i].name, name) == 0) {
			*out = (enum lint_code)i;
			return true;
		}
	}
	return false;
}

const char *lint_severity_name(enum lint_severity severity)
{
	return severity == LINT_ERROR ? "error" : "warning";
}

void lint_report_init(struct lint_report *r)
{
	memset(r, 0, sizeof(*r));
	arena_init(&r->arena, 16384);
}

void lint_report_clear(struct lint_report *r)
{
	r->count = 0;
	r->dropped = 0;
	arena_reset(&r->arena);
}

void lint_report_free(struct lint_report *r)
{
	free(r->findings);
	arena_free(&r->arena);
	memset(r, 0, sizeof(*r));
}

void lint_add(struct lint_report *r, enum lint_code code, struct eql_pos pos,
	      const char *suggestion, const char *fmt, ...)
{
	struct buf message = BUF_INIT;
	struct lint_finding *f;
	va_list ap;

	if (r->count >= LINT_MAX_FINDINGS) {
		r->dropped++;
		return;
	}
	if (r->count == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 16;
		r->findings = xrealloc(r->findings, r->cap * sizeof(*r->findings));
	}

	va_start(ap, fmt);
	buf_vprintf(&message, fmt, ap);
	va_end(ap);

	f = &r->findings[r->count++];
	f->code = code;
	f->severity = codes[code].severity;
	f->pos = pos;
	f->message = arena_strndup(&r->arena, message.data, message.len);
	f->suggestion = suggestion ? arena_strndup(&r->arena, suggestion, strlen(suggestion)) : NULL;
	buf_free(&message);
}
