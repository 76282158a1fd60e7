/*
 * non-ecs-field: a field that the Elastic Common Schema does not define is
 * absent from ECS data. Elasticsearch rejects an EQL query that names a
 * field no index of its pattern maps ("Unknown column"), and where some
 * other index maps it, the condition matches no ECS event. Each such path
 * is reported once per query, at its first use, with the nearest ECS names.
 *
 * Not reported: ECS fields, sub-fields of ECS objects that ECS leaves open
 * (labels.*), and the non-ECS fields of Elastic's own data sources
 * (vendor.c).
 */
#include "lint_internal.h"

#include <ctype.h>
#include <string.h>

#include "ecs.h"
#include "render.h"
#include "util/buf.h"
#include "util/strmap.h"
#include "vendor.h"

#define MAX_SUGGESTIONS 3

struct field_lint {
	struct lint_report *report;
	struct strmap seen;
	struct buf name;  /* the field being reported, as EQL writes it (`my field`) */
};

static bool is_ecs_or_known(const char *path)
{
	return lint_ecs_find(path) != NULL || lint_ecs_open_parent(path) != NULL ||
	       lint_vendor_owner(path) != NULL;
}

/* True when `a` and `b` differ only in letter case. */
static bool same_but_case(const char *a, const char *b)
{
	size_t n = strlen(a);

	if (strlen(b) != n || strcmp(a, b) == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (tolower((unsigned char)a[i]) != tolower((unsigned char)b[i]))
			return false;
	}
	return true;
}

static void report_leaf_child(struct field_lint *fl, const struct eql_expr *e,
			      const struct lint_ecs_field *leaf)
{
	lint_add(fl->report, LINT_NON_ECS_FIELD, e->pos, leaf->name,
		 "%s is not an ECS field: %s is a %s field, which has no sub-fields in ECS "
		 "%s, so this path matches no ECS event", fl->name.data, leaf->name,
		 lint_ecs_type(leaf), lint_ecs_version);
}

/* Appends "a, b or c" for the suggested names after the first. */
static void list_others(struct buf *b, const struct lint_ecs_field **near, size_t n)
{
	for (size_t i = 1; i < n; i++)
		buf_printf(b, "%s%s", i == 1 ? "" : i + 1 == n ? " or " : ", ", near[i]->name);
}

static void report_near(struct field_lint *fl, const struct eql_expr *e,
			const struct lint_ecs_field **near, size_t n)
{
	const char *path = e->u.field.path;
	struct buf others = BUF_INIT;

	list_others(&others, near, n);
	if (same_but_case(path, near[0]->name))
		lint_add(fl->report, LINT_NON_ECS_FIELD, e->pos, near[0]->name,
			 "%s is not an ECS field: ECS names are lower case, and field names "
			 "are case-sensitive", fl->name.data);
	else
		lint_add(fl->report, LINT_NON_ECS_FIELD, e->pos, near[0]->name,
			 "%s is not an ECS field (ECS %s); the nearest is %s (%s)%s%s", fl->name.data,
			 lint_ecs_version, near[0]->name, lint_ecs_type(near[0]),
			 n > 1 ? ", then " : "", n > 1 ? others.data : "");
	buf_free(&others);
}

static void report_unknown(struct field_lint *fl, const struct eql_expr *e)
{
	const char *path = e->u.field.path;
	const char *dot = strchr(path, '.');
	size_t top = dot != NULL ? (size_t)(dot - path) : strlen(path);

	if (dot != NULL && !lint_ecs_has_children(path, top) && lint_ecs_find(path) == NULL)
		lint_add(fl->report, LINT_NON_ECS_FIELD, e->pos, NULL,
			 "%s is not an ECS field: ECS %s has no field set named '%.*s', and no "
			 "known integration writes it; check the name against your index mapping",
			 fl->name.data, lint_ecs_version, (int)top, path);
	else
		lint_add(fl->report, LINT_NON_ECS_FIELD, e->pos, NULL,
			 "%s is not an ECS field (ECS %s), and no ECS field is close to it; "
			 "check the name against your index mapping", fl->name.data, lint_ecs_version);
}

static void check_field(const struct eql_expr *e, void *arg)
{
	struct field_lint *fl = arg;
	const char *path;
	const struct lint_ecs_field *near[MAX_SUGGESTIONS];
	const struct lint_ecs_field *leaf;
	struct eql_field field;
	size_t n;
	void **slot;

	if (e->kind != EQL_EXPR_FIELD)
		return;
	path = e->u.field.path;
	slot = strmap_upsert(&fl->seen, path, strlen(path));
	if (*slot != NULL)
		return;
	*slot = (void *)e;
	if (is_ecs_or_known(path))
		return;

	field = e->u.field;
	field.optional = false;
	buf_clear(&fl->name);
	lint_render_field(&fl->name, &field);
	leaf = lint_ecs_leaf_parent(path);
	if (leaf != NULL) {
		report_leaf_child(fl, e, leaf);
		return;
	}
	n = lint_ecs_suggest(path, near, MAX_SUGGESTIONS);
	if (n > 0)
		report_near(fl, e, near, n);
	else
		report_unknown(fl, e);
}

void lint_fields(const struct eql_query *q, struct lint_report *r)
{
	struct field_lint fl = { .report = r, .name = BUF_INIT };

	strmap_init(&fl.seen);
	lint_walk(q, check_field, &fl);
	strmap_free(&fl.seen);
	buf_free(&fl.name);
}
