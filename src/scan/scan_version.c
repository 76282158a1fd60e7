/*
 * Python versions and per-version .pth rules: see scan_version.h.
 */
#include "scan_version.h"

#include <stdio.h>
#include <string.h>

/* Reads a decimal number of at most 4 digits at *p; false when there is none. */
static bool read_number(const char **p, const char *end, int *out)
{
	int n = 0, digits = 0;

	while (*p < end && **p >= '0' && **p <= '9' && digits < 4) {
		n = n * 10 + (**p - '0');
		(*p)++;
		digits++;
	}
	*out = n;
	return digits > 0;
}

bool scan_pyver_parse(const char *text, size_t len, struct scan_pyver *out)
{
	const char *p = text, *end = text + len;

	out->micro = SCAN_MICRO_UNKNOWN;
	if (!read_number(&p, end, &out->major) || p >= end || *p != '.')
		return false;
	p++;
	if (!read_number(&p, end, &out->minor))
		return false;
	if (p < end && *p == '.') {
		p++;
		if (!read_number(&p, end, &out->micro))
			return false;
	}
	/* Anything after X.Y.Z is a release tag ("rc1", "+", ".final.0", "t"): ignored. */
	return out->major >= 2 && out->major <= 9;
}

void scan_pyver_format(const struct scan_pyver *v, char out[24])
{
	if (v->micro == SCAN_MICRO_UNKNOWN)
		snprintf(out, 24, "%d.%d", v->major, v->minor);
	else
		snprintf(out, 24, "%d.%d.%d", v->major, v->minor, v->micro);
}

int scan_pyver_cmp(const struct scan_pyver *a, const struct scan_pyver *b)
{
	if (a->major != b->major)
		return a->major < b->major ? -1 : 1;
	if (a->minor != b->minor)
		return a->minor < b->minor ? -1 : 1;
	if (a->micro != b->micro)
		return a->micro < b->micro ? -1 : 1;
	return 0;
}

/*
 * The first micro release of each minor version that skips hidden .pth
 * names (CPython's fix for hidden .pth files, backported to the branches
 * still taking security fixes in early 2024). 0 for minors that skip from
 * their first release; -1 for minors that never got the fix.
 */
static int hidden_fix_micro(int major, int minor)
{
	static const struct { int minor, micro; } fixed[] = {
		{ 8, 19 }, { 9, 19 }, { 10, 14 }, { 11, 8 }, { 12, 2 },
	};

	if (major != 3 || minor < 8)
		return -1;
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		if (fixed[i].minor == minor)
			return fixed[i].micro;
	}
	return 0;
}

void scan_rules_for_version(const struct scan_pyver *v, struct scan_pth_rules *out)
{
	int fix = hidden_fix_micro(v->major, v->minor);
	bool py3_13 = v->major > 3 || (v->major == 3 && v->minor >= 13);
	bool py3_15 = v->major > 3 || (v->major == 3 && v->minor >= 15);

	memset(out, 0, sizeof(*out));
	out->python2 = v->major == 2;
	if (fix == 0) {
		out->skip_hidden = true;
	} else if (fix > 0) {
		out->skip_hidden = v->micro != SCAN_MICRO_UNKNOWN && v->micro >= fix;
		out->hidden_uncertain = v->micro == SCAN_MICRO_UNKNOWN;
	}
	out->split = py3_13 ? SCAN_SPLIT_SPLITLINES : SCAN_SPLIT_UNIVERSAL;
	out->decode_whole = py3_13;
	out->strip_bom = py3_13;
	out->strip_lines = py3_15;
	out->continue_on_error = py3_15;
}

/* True when `needle` occurs in the `len` bytes at `src`. */
static bool contains(const char *src, size_t len, const char *needle)
{
	return memmem(src, len, needle, strlen(needle)) != NULL;
}

void scan_rules_from_site_py(const char *src, size_t len, struct scan_pth_rules *r)
{
	if (contains(src, len, "exec line")) {
		r->python2 = true;
		r->from_site_py = true;
		return;
	}
	if (contains(src, len, "def addpackage") == false)
		return;

	/* 3.13.0's addsitedir: `if name.endswith(".pth") and not name.startswith(".")`. */
	r->skip_hidden = contains(src, len, "name.startswith(\".\")") ||
			 contains(src, len, "name.startswith('.')");
	r->hidden_uncertain = false;
	if (contains(src, len, "\"utf-8-sig\"") && contains(src, len, ".splitlines()")) {
		r->split = SCAN_SPLIT_SPLITLINES;
		r->decode_whole = true;
		r->strip_bom = true;
	}
	r->from_site_py = true;
}

bool scan_site_py_is_debian(const char *src, size_t len)
{
	return contains(src, len, "dist-packages");
}

unsigned scan_pyc_magic(const struct scan_pyver *v)
{
	/* importlib.util.MAGIC_NUMBER of each release's final version (imp.get_magic() on 2.7). */
	static const struct { int major, minor; unsigned magic; } table[] = {
		{ 2, 7, 62211 }, { 3, 6, 3379 }, { 3, 7, 3394 }, { 3, 8, 3413 }, { 3, 9, 3425 },
		{ 3, 10, 3439 }, { 3, 11, 3495 }, { 3, 12, 3531 }, { 3, 13, 3571 },
	};

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		if (table[i].major == v->major && table[i].minor == v->minor)
			return table[i].magic;
	}
	/* NOTE: 3.14 and later are not in the table; their .pyc files are reported as of unknown version. */
	return 0;
}
