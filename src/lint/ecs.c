/*
 * Lookups over the sorted ECS field table. Every lookup is a binary search,
 * so a query's fields are checked in O(log n) each.
 */
#include "ecs.h"

#include <stdlib.h>
#include <string.h>

static int compare_name(const void *key, const void *elem)
{
	const struct lint_ecs_field *f = elem;

	return strcmp(key, f->name);
}

const struct lint_ecs_field *lint_ecs_find(const char *path)
{
	return bsearch(path, lint_ecs_fields, lint_ecs_nfields, sizeof(lint_ecs_fields[0]),
		       compare_name);
}

const char *lint_ecs_type(const struct lint_ecs_field *f)
{
	return f->type < lint_ecs_ntypes ? lint_ecs_types[f->type] : "unknown";
}

static bool type_is(const struct lint_ecs_field *f, const char *name)
{
	return strcmp(lint_ecs_type(f), name) == 0;
}

bool lint_ecs_is_container(const struct lint_ecs_field *f)
{
	return type_is(f, "object") || type_is(f, "nested") || type_is(f, "flattened");
}

/* Index of the first field whose name is not below the first `len` bytes of `key`. */
static size_t lower_bound(const char *key, size_t len)
{
	size_t lo = 0, hi = lint_ecs_nfields;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strncmp(lint_ecs_fields[mid].name, key, len) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

bool lint_ecs_has_children(const char *prefix, size_t len)
{
	size_t i = lower_bound(prefix, len);

	/*
	 * Names that start with the prefix are contiguous from i, the prefix
	 * itself first when it is a field. A child (prefix + ".") comes next,
	 * unless a name continues the prefix with a byte below '.', which ECS
	 * names never do, so the scan stops at the first byte above '.'.
	 */
	for (; i < lint_ecs_nfields; i++) {
		const char *name = lint_ecs_fields[i].name;

		if (strncmp(name, prefix, len) != 0)
			return false;
		if (name[len] == '.')
			return true;
		if (name[len] > '.')
			return false;
	}
	return false;
}

const struct lint_ecs_field *lint_ecs_open_parent(const char *path)
{
	for (const char *dot = strchr(path, '.'); dot != NULL; dot = strchr(dot + 1, '.')) {
		size_t len = (size_t)(dot - path);
		char prefix[256];
		const struct lint_ecs_field *f;

		if (len >= sizeof(prefix))
			return NULL;
		memcpy(prefix, path, len);
		prefix[len] = '\0';
		f = lint_ecs_find(prefix);
		if (f == NULL)
			continue;
		if (type_is(f, "flattened"))
			return f;
		if (type_is(f, "object") && !lint_ecs_has_children(prefix, len))
			return f;
	}
	return NULL;
}

const struct lint_ecs_field *lint_ecs_leaf_parent(const char *path)
{
	const struct lint_ecs_field *best = NULL;

	for (const char *dot = strchr(path, '.'); dot != NULL; dot = strchr(dot + 1, '.')) {
		size_t len = (size_t)(dot - path);
		char prefix[256];
		const struct lint_ecs_field *f;

		if (len >= sizeof(prefix))
			break;
		memcpy(prefix, path, len);
		prefix[len] = '\0';
		f = lint_ecs_find(prefix);
		if (f != NULL && !lint_ecs_is_container(f))
			best = f;
	}
	return best;
}
