/*
 * Python versions and the .pth rules that each one follows.
 *
 * The facts (docs/scan.md lists them with their sources):
 * - which names are read: `*.pth` in sorted order; names starting with '.'
 *   are skipped from 3.13.0, 3.12.2, 3.11.8, 3.10.14, 3.9.19 and 3.8.19 on
 *   (Debian 12's 3.11.2 still reads them);
 * - how a file becomes lines: up to 3.12 a text-mode read in the locale
 *   encoding, split on \n, \r and \r\n, decoded chunk by chunk; from 3.13 the
 *   whole file decoded as utf-8-sig then split with str.splitlines();
 *   Python 2 reads bytes with universal newlines;
 * - which lines run: those starting with exactly "import " or "import\t";
 *   3.15 strips each line first and goes on past a line that raises.
 *
 * Where the interpreter's own site.py can be read, its source overrides the
 * version table (scan_rules_from_site_py), so a patched or backported
 * site.py is judged by what it does.
 *
 * Ownership: plain values, nothing allocated.
 */
#ifndef SW_SCAN_VERSION_H
#define SW_SCAN_VERSION_H

#include <stdbool.h>
#include <stddef.h>

#define SCAN_MICRO_UNKNOWN (-1)

struct scan_pyver {
	int major;
	int minor;
	int micro; /* SCAN_MICRO_UNKNOWN when only X.Y is known */
};

/* Parses "3.11.7", "3.11", "3.13.0rc1", "3.11.7.final.0"; false on anything else. */
bool scan_pyver_parse(const char *text, size_t len, struct scan_pyver *out);
/* Writes "3.11.7" (or "3.11" when the micro release is unknown). */
void scan_pyver_format(const struct scan_pyver *v, char out[24]);
/* Orders by major, minor, micro; an unknown micro sorts first. */
int scan_pyver_cmp(const struct scan_pyver *a, const struct scan_pyver *b);

enum scan_split {
	SCAN_SPLIT_UNIVERSAL,  /* \n, \r, \r\n: text mode up to 3.12, "rU" in Python 2 */
	SCAN_SPLIT_SPLITLINES, /* str.splitlines(): from 3.13 */
};

struct scan_pth_rules {
	bool python2;           /* bytes, no decoding, blank lines not skipped */
	bool skip_hidden;       /* names starting with '.' are not read */
	bool hidden_uncertain;  /* micro release unknown and no site.py to tell */
	enum scan_split split;
	bool decode_whole;      /* the whole file is decoded before any line runs (3.13+) */
	bool strip_bom;         /* utf-8-sig: a leading BOM is dropped (3.13+) */
	bool strip_lines;       /* each line is stripped before it is classified (3.15+) */
	bool continue_on_error; /* a raising line does not end the file (3.15+) */
	bool from_site_py;      /* the rules were confirmed from site.py's source */
};

void scan_rules_for_version(const struct scan_pyver *v, struct scan_pth_rules *out);

/*
 * Adjusts `r` to what a site.py source does: the hidden-name check, the
 * utf-8-sig whole-file decode with splitlines(), Python 2's exec statement.
 */
void scan_rules_from_site_py(const char *src, size_t len, struct scan_pth_rules *r);

/* True when this site.py is Debian's (dist-packages layout). */
bool scan_site_py_is_debian(const char *src, size_t len);

/*
 * The magic number that a version writes into .pyc headers (first two bytes,
 * little-endian), or 0 when the version is not in the table. From
 * Lib/importlib/_bootstrap_external.py of each release.
 */
unsigned scan_pyc_magic(const struct scan_pyver *v);

#endif
