/*
 * Verdicts: how worried to be about a hook, with every reason spelled out.
 *
 * The rules (docs/scan.md has the full table):
 * - a hook that runs code starts at low, a path or setting at info;
 * - a code execution primitive (exec, eval, compile, os.system, subprocess,
 *   pty, socket, urllib, ctypes, a child of sys.executable) makes it high;
 *   joined with a decoding stage (base64, zlib, marshal, codecs, ...), an
 *   encoded blob, the network, a writable or temporary place or a hidden
 *   name, critical;
 * - a decoding stage or a blob alone, unusual size, a writable or temporary
 *   place or a hidden name make it at least medium;
 * - a hook that breaks every start is at least high;
 * - a hook that no installed interpreter runs (dormant, shadowed, skipped) is
 *   one level lower, and never below info.
 * Catalogue matches and allowlist entries are benign (scan_catalog.h).
 *
 * Ownership: reasons are appended to the caller's buffer.
 */
#ifndef SW_SCAN_VERDICT_H
#define SW_SCAN_VERDICT_H

#include <stdbool.h>
#include <stddef.h>

#include "scan_model.h"

/* Thresholds, documented in docs/scan.md. */
#define SCAN_LARGE_PTH 8192       /* bytes: a .pth larger than this is unusual */
#define SCAN_LONG_LINE 1024       /* bytes: an import line longer than this is unusual */
#define SCAN_BLOB_MIN 64          /* characters in a run of base64-like text to count as a blob */
#define SCAN_BLOB_ENTROPY 4.5     /* bits per character above which such a run is encoded data */

enum scan_indicator {
	SCAN_IND_EXEC = 1 << 0,       /* exec, eval, compile, execfile */
	SCAN_IND_PROCESS = 1 << 1,    /* os.system, subprocess, pty, os.exec*, os.spawn*, os.fork */
	SCAN_IND_NETWORK = 1 << 2,    /* socket, urllib, http.client, requests */
	SCAN_IND_DECODE = 1 << 3,     /* base64, zlib, marshal, codecs, bytes.fromhex, ... */
	SCAN_IND_SELF = 1 << 4,       /* sys.executable: a child interpreter */
	SCAN_IND_NATIVE = 1 << 5,     /* ctypes */
	SCAN_IND_BLOB = 1 << 6,       /* a long high-entropy run of text */
	SCAN_IND_DYNIMPORT = 1 << 7,  /* __import__, importlib.import_module */
	SCAN_IND_INDIRECT = 1 << 8,   /* hides what it runs: computed names, builtins, ... (scan_pycode.h) */
};

struct scan_verdict_input {
	const char *code;   /* the code that runs (a line or a module), may be NULL */
	size_t len;
	bool executes;      /* runs code, as opposed to a path line or a setting */
	bool runs;          /* at least one installed interpreter runs it */
	bool dormant;       /* runs only on a later version */
	bool fatal;         /* breaks every start */
	bool temp_location; /* under /tmp, /var/tmp or /dev/shm */
	bool writable;      /* the file or its folder is writable by every user */
	bool foreign_owner; /* owned by an ordinary user in a system folder */
	bool hidden_name;   /* the file name starts with '.' */
	bool binary;        /* bytecode or an extension module: only its strings are seen */
	bool pth_line;      /* a .pth line (or the import lines of an oversize .pth): held to
	                       plain `import NAME` statements, see scan_verdict_for() */
	size_t file_size;   /* for .pth files; 0 otherwise */
	size_t line_len;    /* bytes of the .pth line itself (`len` may hold more code); 0 otherwise */
};

/*
 * Returns the indicators in a piece of source code, read from its tokens
 * (scan_pycode.h). Words inside string literals are not calls. A
 * primitive's name spelled whole in a string counts, and so do the strings
 * that exec() or an f-string runs. Sets *entropy to the highest blob
 * entropy seen.
 */
unsigned scan_indicators(const char *code, size_t len, double *entropy, size_t *blob_len);

/*
 * The strings of a compiled module (.pyc): every marshal string object
 * (co_names, co_consts, names of nested code), one a line, then the tokens
 * that source would show but bytecode keeps apart ("os" and "system" give
 * "os.system", the name "exec" gives "exec("), so that scan_indicators()
 * judges bytecode as it judges source. Appends to `out`.
 */
void scan_pyc_strings(const char *data, size_t len, struct buf *out);

/* The verdict for `in`, with one "; "-separated reason per rule that applied. */
enum scan_verdict scan_verdict_for(const struct scan_verdict_input *in, struct buf *reasons);

#endif
