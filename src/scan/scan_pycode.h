/*
 * The names in a piece of Python source, separated from the text inside
 * its string literals, read from its tokens without running it. The verdict
 * rules (scan_verdict.h) match their primitives on the result, so that the
 * text 'os.environ' in a message is not a call, while a name spelled
 * through strings ('sy' + 'stem', chr(115), '\x73ystem') still counts.
 *
 * The skeleton is the code with comments dropped, each string literal
 * replaced by "" and blanks around '.' and before '(' removed, after two
 * rewrites that undo the usual ways of hiding a name:
 * - string expressions of literals only are folded into one value:
 *   'a' + 'b', adjacent literals, chr(N), 'cba'[::-1], ''.join(['a', 'b']);
 * - indirections with a constant name become that name:
 *   __import__('os') and importlib.import_module('os') give `os`,
 *   getattr(X, 'system') gives `X.system`, and a name bound by
 *   `import os as o` or `from os import system as s` gives `os` or
 *   `os.system` where it is used, and sys.modules['os'] gives `os`.
 * What cannot be undone (a computed name, the builtins module, a file's
 * content read at start-up, ...) is reported as a trick.
 *
 * Ownership: struct scan_pycode owns its buffers; scan_pycode_free()
 * releases them.
 */
#ifndef SW_SCAN_PYCODE_H
#define SW_SCAN_PYCODE_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"

/* Tokens read from one piece of code; the rest is kept as raw text (see `truncated`). */
#define SCAN_PYCODE_MAX_TOKENS 500000
/* Nested folds and getattr targets undone; deeper ones are left as computed names. */
#define SCAN_PYCODE_MAX_NESTING 64

enum scan_trick {
	SCAN_TRICK_COMPUTED_IMPORT = 1 << 0, /* __import__ or import_module of a computed name */
	SCAN_TRICK_COMPUTED_ATTR = 1 << 1,   /* getattr with a computed name */
	SCAN_TRICK_BUILTINS = 1 << 2,        /* the builtins module or __builtins__ */
	SCAN_TRICK_BUILT_STRING = 1 << 3,    /* a string built by +, chr(), [::-1] or join */
	SCAN_TRICK_INTROSPECTION = 1 << 4,   /* __subclasses__, __globals__, __getattribute__, ... */
	SCAN_TRICK_FILE_READ = 1 << 5,       /* open(...).read(): runs on content not seen here */
	SCAN_TRICK_LAMBDA = 1 << 6,          /* a lambda in a start-up line */
	SCAN_TRICK_TEMP_PATH = 1 << 7,       /* a string naming /tmp, /var/tmp or /dev/shm */
	SCAN_TRICK_SYS_PATH = 1 << 8,        /* changes sys.path (insert, append, addsitedir) */
	SCAN_TRICK_FILE_WRITE = 1 << 9,      /* writes, copies or moves files: persistence */
	SCAN_TRICK_SCOPES = 1 << 10,         /* vars(), globals(), locals(): names looked up as data */
	SCAN_TRICK_NFKC_NAME = 1 << 11,      /* a name that NFKC turns into another (scan_ident.h) */
	SCAN_TRICK_NONASCII_NAME = 1 << 12,  /* a non-ASCII name the NFKC table does not know */
};

struct scan_pycode {
	struct buf skeleton; /* the code as described above */
	struct buf strings;  /* each folded string value, each ended by '\0' (a NUL inside is a blank) */
	struct buf fstrings; /* the contents of f-strings, whose {fields} are code, '\n'-separated */
	unsigned tricks;     /* enum scan_trick bits */
	bool plain_import;   /* only `import a.b as c, d` statements */
	bool truncated;      /* over SCAN_PYCODE_MAX_TOKENS: the rest is in the skeleton as written */
};

void scan_pycode_read(const char *src, size_t len, struct scan_pycode *out);
void scan_pycode_free(struct scan_pycode *c);

/* Names each trick bit set in `tricks`, ", "-separated, into `out`. */
void scan_pycode_name_tricks(unsigned tricks, struct buf *out);

#endif
