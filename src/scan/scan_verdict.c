/*
 * Verdict rules: see scan_verdict.h.
 */
#include "scan_verdict.h"

#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scan_pycode.h"
#include "util/strmap.h"

struct primitive {
	const char *token;
	unsigned indicator;
	const char *what;
	bool prefix; /* also matches when an identifier goes on (os.execv, pickle.loads) */
};

/*
 * Matched in the skeleton (scan_pycode.h) as tokens: not preceded by an
 * identifier character. Those ending in '(', '.' or ' ' are prefixes too.
 */
static const struct primitive primitives[] = {
	{ "exec(", SCAN_IND_EXEC, "exec()", false },
	{ "exec ", SCAN_IND_EXEC, "exec", false },
	{ "eval(", SCAN_IND_EXEC, "eval()", false },
	{ "compile(", SCAN_IND_EXEC, "compile()", false },
	{ "execfile(", SCAN_IND_EXEC, "execfile()", false },
	{ "runpy", SCAN_IND_EXEC, "runpy", false },
	{ "pickle.load", SCAN_IND_EXEC, "pickle.load*", true },
	{ "cPickle.load", SCAN_IND_EXEC, "cPickle.load*", true },
	{ "_pickle.load", SCAN_IND_EXEC, "_pickle.load*", true },
	{ "dill.load", SCAN_IND_EXEC, "dill.load*", true },
	{ "code.Interactive", SCAN_IND_EXEC, "code.Interactive*", true },
	{ "code.interact", SCAN_IND_EXEC, "code.interact", false },
	{ "runsource(", SCAN_IND_EXEC, "runsource()", false },
	{ "runcode(", SCAN_IND_EXEC, "runcode()", false },
	{ "os.system", SCAN_IND_PROCESS, "os.system", false },
	{ "os.popen", SCAN_IND_PROCESS, "os.popen", false },
	{ "subprocess", SCAN_IND_PROCESS, "subprocess", false },
	{ "pty", SCAN_IND_PROCESS, "pty", false },
	{ "os.exec", SCAN_IND_PROCESS, "os.exec*", true },
	{ "os.spawn", SCAN_IND_PROCESS, "os.spawn*", true },
	{ "posix_spawn", SCAN_IND_PROCESS, "posix_spawn*", true },
	{ "os.fork", SCAN_IND_PROCESS, "os.fork*", true },
	{ "os.startfile", SCAN_IND_PROCESS, "os.startfile", false },
	{ "_posixsubprocess", SCAN_IND_PROCESS, "_posixsubprocess", false },
	{ "multiprocessing", SCAN_IND_PROCESS, "multiprocessing", false },
	{ "spawnv_passfds", SCAN_IND_PROCESS, "spawnv_passfds", false },
	{ "webbrowser", SCAN_IND_PROCESS, "webbrowser", false },
	{ "commands", SCAN_IND_PROCESS, "commands", false },
	{ "create_subprocess_", SCAN_IND_PROCESS, "asyncio.create_subprocess_*", true },
	{ "sys.executable", SCAN_IND_SELF, "sys.executable", false },
	{ "socket", SCAN_IND_NETWORK, "socket", false },
	{ "urllib", SCAN_IND_NETWORK, "urllib", false },
	{ "urlopen", SCAN_IND_NETWORK, "urlopen", false },
	{ "http.client", SCAN_IND_NETWORK, "http.client", false },
	{ "httplib", SCAN_IND_NETWORK, "httplib", false },
	{ "requests.", SCAN_IND_NETWORK, "requests", false },
	{ "ftplib", SCAN_IND_NETWORK, "ftplib", false },
	{ "smtplib", SCAN_IND_NETWORK, "smtplib", false },
	{ "telnetlib", SCAN_IND_NETWORK, "telnetlib", false },
	{ "xmlrpc", SCAN_IND_NETWORK, "xmlrpc", false },
	{ "urllib3", SCAN_IND_NETWORK, "urllib3", false },
	{ "httpx", SCAN_IND_NETWORK, "httpx", false },
	{ "aiohttp", SCAN_IND_NETWORK, "aiohttp", false },
	{ "paramiko", SCAN_IND_NETWORK, "paramiko", false },
	{ "ctypes", SCAN_IND_NATIVE, "ctypes", false },
	{ "cffi", SCAN_IND_NATIVE, "cffi", false },
	{ "base64", SCAN_IND_DECODE, "base64", false },
	{ "b64decode", SCAN_IND_DECODE, "b64decode", false },
	{ "b32decode", SCAN_IND_DECODE, "b32decode", false },
	{ "b85decode", SCAN_IND_DECODE, "b85decode", false },
	{ "a85decode", SCAN_IND_DECODE, "a85decode", false },
	{ "zlib", SCAN_IND_DECODE, "zlib", false },
	{ "lzma", SCAN_IND_DECODE, "lzma", false },
	{ "bz2", SCAN_IND_DECODE, "bz2", false },
	{ "gzip", SCAN_IND_DECODE, "gzip", false },
	{ "marshal", SCAN_IND_DECODE, "marshal", false },
	{ "codecs", SCAN_IND_DECODE, "codecs", false },
	{ "binascii", SCAN_IND_DECODE, "binascii", false },
	{ "fromhex", SCAN_IND_DECODE, "bytes.fromhex", false },
	{ "rot13", SCAN_IND_DECODE, "rot13", false },
	{ "rot_13", SCAN_IND_DECODE, "rot_13", false },
	{ "__import__(", SCAN_IND_DYNIMPORT, "__import__()", false },
	{ "import_module", SCAN_IND_DYNIMPORT, "importlib.import_module", false },
	/* The os module under its C name, and standard-library calls that run code they are given. */
	{ "posix.system", SCAN_IND_PROCESS, "posix.system", false },
	{ "posix.popen", SCAN_IND_PROCESS, "posix.popen", false },
	{ "posix.exec", SCAN_IND_PROCESS, "posix.exec*", true },
	{ "posix.fork", SCAN_IND_PROCESS, "posix.fork*", true },
	{ "timeit.timeit", SCAN_IND_EXEC, "timeit.timeit (runs a statement)", false },
	{ "timeit.repeat", SCAN_IND_EXEC, "timeit.repeat (runs a statement)", false },
	{ "timeit.Timer", SCAN_IND_EXEC, "timeit.Timer (runs a statement)", false },
	{ "cProfile.run", SCAN_IND_EXEC, "cProfile.run* (runs a statement)", true },
	{ "profile.run", SCAN_IND_EXEC, "profile.run* (runs a statement)", true },
	{ "pipepager", SCAN_IND_PROCESS, "pydoc.pipepager (starts a shell command)", false },
	{ "distutils.spawn", SCAN_IND_PROCESS, "distutils.spawn", false },
	{ "imp.load_", SCAN_IND_EXEC, "imp.load_* (loads a file as a module)", true },
	/* Loading a file by path counts only with the call that runs it: see pair_loaders(). */
	{ "SourceFileLoader", SCAN_IND_EXEC, "SourceFileLoader with exec_module or load_module", false },
	{ "SourcelessFileLoader", SCAN_IND_EXEC, "SourcelessFileLoader with exec_module or load_module", false },
	{ "spec_from_file_location", SCAN_IND_EXEC, "spec_from_file_location with exec_module", false },
	{ "exec_module", 0, "exec_module", false },
	{ "load_module", 0, "load_module", false },
	/* The skeleton drops the blank before '*'. */
	{ "from os import*", SCAN_IND_PROCESS, "from os import * (binds system, popen, exec*)", false },
	{ "from posix import*", SCAN_IND_PROCESS, "from posix import * (binds system, popen, exec*)", false },
};

/*
 * Names that, spelled whole inside a string (or as the last part of a
 * dotted one: 'os.system'), can only be there to be looked up: getattr,
 * vars(os)[...], a dict of builtins. `prefix` as above.
 */
static const struct primitive string_names[] = {
	{ "system", SCAN_IND_PROCESS, "system", false },
	{ "popen", SCAN_IND_PROCESS, "popen", false },
	{ "Popen", SCAN_IND_PROCESS, "Popen", false },
	{ "subprocess", SCAN_IND_PROCESS, "subprocess", false },
	{ "check_output", SCAN_IND_PROCESS, "check_output", false },
	{ "getoutput", SCAN_IND_PROCESS, "getoutput", false },
	{ "getstatusoutput", SCAN_IND_PROCESS, "getstatusoutput", false },
	{ "spawn", SCAN_IND_PROCESS, "spawn*", true },
	{ "execv", SCAN_IND_PROCESS, "execv*", true },
	{ "execl", SCAN_IND_PROCESS, "execl*", true },
	{ "fork", SCAN_IND_PROCESS, "fork", false },
	{ "posix_spawn", SCAN_IND_PROCESS, "posix_spawn", true },
	{ "pty", SCAN_IND_PROCESS, "pty", false },
	{ "exec", SCAN_IND_EXEC, "exec", false },
	{ "eval", SCAN_IND_EXEC, "eval", false },
	{ "execfile", SCAN_IND_EXEC, "execfile", false },
	{ "runpy", SCAN_IND_EXEC, "runpy", false },
	{ "run_path", SCAN_IND_EXEC, "run_path", false },
	{ "run_module", SCAN_IND_EXEC, "run_module", false },
	{ "__import__", SCAN_IND_EXEC, "__import__", false },
	{ "socket", SCAN_IND_NETWORK, "socket", false },
	{ "urlopen", SCAN_IND_NETWORK, "urlopen", false },
	{ "ctypes", SCAN_IND_NATIVE, "ctypes", false },
	{ "CDLL", SCAN_IND_NATIVE, "CDLL", false },
	{ "b64decode", SCAN_IND_DECODE, "b64decode", false },
	{ "rot13", SCAN_IND_DECODE, "rot13", false },
	{ "rot_13", SCAN_IND_DECODE, "rot_13", false },
	{ "marshal", SCAN_IND_DECODE, "marshal", false },
	{ "zlib", SCAN_IND_DECODE, "zlib", false },
};

#define NPRIMITIVES (sizeof(primitives) / sizeof(primitives[0]))
#define NSTRING_NAMES (sizeof(string_names) / sizeof(string_names[0]))

/* Each table's hits are bits of a uint64_t (struct code_facts). */
/* Words of 64 bits for the primitives[] hits. */
#define PRIM_WORDS ((NPRIMITIVES + 63) / 64)
_Static_assert(PRIM_WORDS <= 2, "primitives[] has more entries than code_facts.prims has bits");
_Static_assert(NSTRING_NAMES <= 64, "string_names[] has more entries than code_facts.named has bits");

/* Levels of exec()'d strings and f-string fields analysed as code below the top. */
#define NESTED_CODE_DEPTH 2

/*
 * Tricks that raise a start-up line to high. In a module (a customize
 * file, PYTHONSTARTUP script) getattr, lambdas, built strings, file reads
 * and sys.path edits are ordinary Python, so only these make it medium.
 */
#define MODULE_TRICKS (SCAN_TRICK_COMPUTED_IMPORT | SCAN_TRICK_BUILTINS | SCAN_TRICK_INTROSPECTION | \
		       SCAN_TRICK_TEMP_PATH | SCAN_TRICK_NFKC_NAME | SCAN_TRICK_NONASCII_NAME)

/* The facts the rules found in one piece of code. */
struct code_facts {
	unsigned ind;
	uint64_t prims[PRIM_WORDS]; /* bit k % 64 of word k / 64: primitives[k] was seen */
	uint64_t named;   /* bit k: string_names[k] was spelled in a string */
	unsigned tricks;  /* enum scan_trick bits */
	bool plain_import;
	double entropy;
	size_t blob;
};

static bool ident_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static bool blob_char(unsigned char c)
{
	return ident_char(c) || c == '+' || c == '/' || c == '=' || c == '-';
}

/* Shannon entropy in bits per character of `len` bytes. */
static double entropy_of(const unsigned char *s, size_t len)
{
	size_t counts[256] = { 0 };
	double h = 0;

	for (size_t i = 0; i < len; i++)
		counts[s[i]]++;
	for (int c = 0; c < 256; c++) {
		if (counts[c] > 0) {
			double p = (double)counts[c] / (double)len;

			h -= p * log2(p);
		}
	}
	return h;
}

/* The longest high-entropy run of base64-like characters. */
static bool find_blob(const unsigned char *s, size_t len, double *entropy, size_t *blob_len)
{
	bool found = false;

	for (size_t i = 0; i < len;) {
		size_t j = i;

		while (j < len && blob_char(s[j]))
			j++;
		if (j - i >= SCAN_BLOB_MIN) {
			double h = entropy_of(s + i, j - i);

			if (h > SCAN_BLOB_ENTROPY && j - i > *blob_len) {
				*entropy = h;
				*blob_len = j - i;
				found = true;
			}
		}
		i = j + 1;
	}
	return found;
}

static bool is_prefix_token(const struct primitive *p)
{
	char last = p->token[strlen(p->token) - 1];

	return p->prefix || last == '(' || last == '.' || last == ' ';
}

/*
 * exec(, eval(, compile( after a '.' are methods (re.compile, model.eval),
 * unless the object is the builtins module.
 */
static bool method_not_builtin(const unsigned char *s, size_t i, const struct primitive *p)
{
	static const char *const owners[] = { "builtins.", "__builtins__.", "__builtin__." };

	static const char *const builtin_calls[] = { "exec(", "eval(", "compile(", "execfile(" };
	bool builtin = false;

	for (size_t k = 0; k < sizeof(builtin_calls) / sizeof(builtin_calls[0]); k++)
		builtin |= strcmp(p->token, builtin_calls[k]) == 0;
	if (!builtin || i == 0 || s[i - 1] != '.')
		return false;
	for (size_t k = 0; k < sizeof(owners) / sizeof(owners[0]); k++) {
		size_t n = strlen(owners[k]);

		if (i >= n && memcmp(s + i - n, owners[k], n) == 0)
			return false;
	}
	return true;
}

/* The primitives of the table that occur as tokens in `code`. */
static uint64_t match_table(const char *code, size_t len, const struct primitive *table, size_t n,
			    bool methods_apart)
{
	const unsigned char *s = (const unsigned char *)code;
	uint64_t hits = 0;

	for (size_t i = 0; i < len; i++) {
		if (i > 0 && ident_char(s[i - 1]))
			continue;
		for (size_t k = 0; k < n; k++) {
			size_t tn = strlen(table[k].token);

			if (i + tn > len || memcmp(s + i, table[k].token, tn) != 0)
				continue;
			if (!is_prefix_token(&table[k]) && i + tn < len && ident_char(s[i + tn]))
				continue;
			if (methods_apart && method_not_builtin(s, i, &table[k]))
				continue;
			hits |= (uint64_t)1 << k;
		}
	}
	return hits;
}

static unsigned indicators_of(uint64_t hits, const struct primitive *table, size_t n)
{
	unsigned ind = 0;

	for (size_t k = 0; k < n; k++) {
		if (hits & ((uint64_t)1 << k))
			ind |= table[k].indicator;
	}
	return ind;
}

/* exec, eval or execfile named without a call: handed on to be called elsewhere. */
static bool bare_exec(const char *code, size_t len)
{
	static const char *const names[] = { "exec", "eval", "execfile" };

	for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		size_t n = strlen(names[k]);

		for (const char *p = code; (p = memmem(p, len - (size_t)(p - code), names[k], n)) != NULL; p += n) {
			size_t at = (size_t)(p - code);
			char before = at > 0 ? code[at - 1] : ' ';
			char after = at + n < len ? code[at + n] : ' ';

			if (!ident_char((unsigned char)before) && before != '.' &&
			    !ident_char((unsigned char)after) && after != '(' && after != ' ')
				return true;
		}
	}
	return false;
}

/* The string_names entry that a whole name is, or -1. */
static int string_name(const char *name, size_t n)
{
	for (size_t k = 0; k < NSTRING_NAMES; k++) {
		size_t tn = strlen(string_names[k].token);

		if ((n == tn || (string_names[k].prefix && n > tn)) &&
		    memcmp(name, string_names[k].token, tn) == 0)
			return (int)k;
	}
	return -1;
}

/* Each string value that is a name from string_names (whole, or the last part of a dotted name). */
static uint64_t named_in_strings(const struct buf *strings)
{
	const char *p = strings->data, *end = p + strings->len;
	uint64_t hits = 0;

	while (p != NULL && p < end) {
		const char *stop = memchr(p, '\0', (size_t)(end - p));
		const char *q = p, *last = p, *value_end = stop ? stop : end;
		int k;

		for (; q < value_end && (ident_char((unsigned char)*q) || *q == '.'); q++) {
			if (*q == '.')
				last = q + 1;
		}
		if (q == value_end && last < value_end &&
		    (k = string_name(last, (size_t)(value_end - last))) >= 0)
			hits |= (uint64_t)1 << k;
		p = stop ? stop + 1 : end;
	}
	return hits;
}

/* Matches primitives[] (more than 64 entries) 64 at a time; ORs the hits into `hits`. */
static void match_primitives(const char *code, size_t len, bool methods_apart, uint64_t *hits)
{
	for (size_t w = 0; w < PRIM_WORDS; w++) {
		size_t n = NPRIMITIVES - 64 * w < 64 ? NPRIMITIVES - 64 * w : 64;

		hits[w] |= match_table(code, len, primitives + 64 * w, n, methods_apart);
	}
}

static bool hit(const uint64_t *hits, size_t k)
{
	return (hits[k / 64] >> (k % 64)) & 1;
}

static bool primitive_seen(const struct code_facts *f, size_t k)
{
	return hit(f->prims, k);
}

static size_t primitive_index(const char *token)
{
	size_t k = 0;

	while (k < NPRIMITIVES && strcmp(primitives[k].token, token) != 0)
		k++;
	return k;
}

/*
 * A loader made for a file (spec_from_file_location, SourceFileLoader) runs
 * that file only through exec_module() or load_module(). setuptools'
 * editable finders make specs and never run them, so a loader alone does
 * not count. Returns the indicators of every primitive kept.
 */
static unsigned pair_loaders(uint64_t *hits)
{
	static const char *const loaders[] = { "SourceFileLoader", "SourcelessFileLoader",
					       "spec_from_file_location" };
	bool runs = hit(hits, primitive_index("exec_module")) || hit(hits, primitive_index("load_module"));
	unsigned ind = 0;

	for (size_t i = 0; i < sizeof(loaders) / sizeof(loaders[0]) && !runs; i++) {
		size_t k = primitive_index(loaders[i]);

		hits[k / 64] &= ~((uint64_t)1 << (k % 64));
	}
	for (size_t k = 0; k < NPRIMITIVES; k++) {
		if (hit(hits, k))
			ind |= primitives[k].indicator;
	}
	return ind;
}

/* The primitives in one piece of code: their indicators, and their bits ORed into f->prims. */
static unsigned primitives_in(const char *code, size_t len, bool methods_apart, struct code_facts *f)
{
	uint64_t hits[PRIM_WORDS] = { 0 };
	unsigned ind;

	match_primitives(code, len, methods_apart, hits);
	ind = pair_loaders(hits);
	for (size_t w = 0; w < PRIM_WORDS; w++)
		f->prims[w] |= hits[w];
	return ind;
}

static void analyse(const char *code, size_t len, int depth, struct code_facts *f);

/* The strings that run as code: f-string fields, and every literal when this code calls exec. */
static void analyse_nested(const struct scan_pycode *pc, int depth, bool calls_exec,
			   struct code_facts *f)
{
	const char *p = pc->strings.data, *end = p + pc->strings.len;

	if (depth >= NESTED_CODE_DEPTH)
		return;
	if (pc->fstrings.len > 0)
		analyse(pc->fstrings.data, pc->fstrings.len, depth + 1, f);
	while (calls_exec && p != NULL && p < end) {
		const char *stop = memchr(p, '\0', (size_t)(end - p));
		size_t n = (size_t)((stop ? stop : end) - p);

		analyse(p, n, depth + 1, f);
		p = stop ? stop + 1 : end;
	}
}

static void analyse(const char *code, size_t len, int depth, struct code_facts *f)
{
	struct scan_pycode pc;
	uint64_t named;
	unsigned ind;

	scan_pycode_read(code, len, &pc);
	ind = primitives_in(pc.skeleton.data, pc.skeleton.len, true, f);
	named = named_in_strings(&pc.strings);
	ind |= indicators_of(named, string_names, NSTRING_NAMES);
	if (bare_exec(pc.skeleton.data, pc.skeleton.len))
		ind |= SCAN_IND_EXEC;
	f->named |= named;
	f->ind |= ind;
	f->tricks |= pc.tricks;
	if (depth == 0)
		f->plain_import = pc.plain_import;
	analyse_nested(&pc, depth, (ind & SCAN_IND_EXEC) != 0, f);
	scan_pycode_free(&pc);
}

/* Bytecode strings: names and constants one a line, matched as written. */
static void analyse_raw(const char *code, size_t len, struct code_facts *f)
{
	f->ind = primitives_in(code, len, false, f);
}

static void facts_of(const char *code, size_t len, bool binary, struct code_facts *f)
{
	memset(f, 0, sizeof(*f));
	if (binary)
		analyse_raw(code, len, f);
	else
		analyse(code, len, 0, f);
	if (find_blob((const unsigned char *)code, len, &f->entropy, &f->blob))
		f->ind |= SCAN_IND_BLOB;
}

unsigned scan_indicators(const char *code, size_t len, double *entropy, size_t *blob_len)
{
	struct code_facts f;

	facts_of(code, len, false, &f);
	*entropy = f.entropy;
	*blob_len = f.blob;
	return f.ind;
}

/* The tricks that count for this kind of code. */
static unsigned counted_tricks(const struct scan_verdict_input *in, const struct code_facts *f)
{
	unsigned tricks = f->tricks;

	/* `import builtins` alone does nothing: the module counts when it is used. */
	if (f->plain_import)
		tricks &= ~(unsigned)SCAN_TRICK_BUILTINS;
	if (!in->pth_line)
		return tricks & MODULE_TRICKS;
	/* A .pth line that edits sys.path matters when the folder is one anybody can fill. */
	if (!(tricks & SCAN_TRICK_TEMP_PATH))
		tricks &= ~(unsigned)SCAN_TRICK_SYS_PATH;
	return tricks;
}

/* Names the primitives of one class that were seen, for the reason. */
static void name_primitives(const struct code_facts *f, unsigned indicator, struct buf *out)
{
	const char *sep = "";

	for (size_t k = 0; k < NPRIMITIVES; k++) {
		if ((primitives[k].indicator & indicator) && primitive_seen(f, k)) {
			buf_printf(out, "%s%s", sep, primitives[k].what);
			sep = ", ";
		}
	}
	for (size_t k = 0; k < NSTRING_NAMES; k++) {
		if ((string_names[k].indicator & indicator) && (f->named & ((uint64_t)1 << k))) {
			buf_printf(out, "%s'%s' spelled in a string", sep, string_names[k].what);
			sep = ", ";
		}
	}
	if (*sep == '\0')
		buf_puts(out, "exec, eval or execfile named without a call");
}

static void reason(struct buf *r, const char *text)
{
	if (r->len > 0)
		buf_puts(r, "; ");
	buf_puts(r, text);
}

static void reason_primitives(struct buf *r, const char *label, const struct code_facts *f,
			      unsigned indicator)
{
	if (r->len > 0)
		buf_puts(r, "; ");
	buf_puts(r, label);
	buf_puts(r, " (");
	name_primitives(f, indicator, r);
	buf_putc(r, ')');
}

static enum scan_verdict raise_to(enum scan_verdict v, enum scan_verdict min)
{
	return v < min ? min : v;
}

static void indicator_reasons(const struct code_facts *f, struct buf *r)
{
	unsigned ind = f->ind;

	if (ind & SCAN_IND_EXEC)
		reason_primitives(r, "executes code", f, SCAN_IND_EXEC);
	if (ind & SCAN_IND_PROCESS)
		reason_primitives(r, "starts processes", f, SCAN_IND_PROCESS);
	if (ind & SCAN_IND_SELF)
		reason(r, "refers to sys.executable: can start a child interpreter, which re-reads the same hooks");
	if (ind & SCAN_IND_NETWORK)
		reason_primitives(r, "uses the network", f, SCAN_IND_NETWORK);
	if (ind & SCAN_IND_NATIVE)
		reason_primitives(r, "loads native code", f, SCAN_IND_NATIVE);
	if (ind & SCAN_IND_DECODE)
		reason_primitives(r, "has a decoding stage", f, SCAN_IND_DECODE);
	if (ind & SCAN_IND_DYNIMPORT)
		reason_primitives(r, "imports by computed name", f, SCAN_IND_DYNIMPORT);
	if (ind & SCAN_IND_INDIRECT) {
		buf_puts(r, r->len ? "; hides or extends what it runs (" : "hides or extends what it runs (");
		scan_pycode_name_tricks(f->tricks, r);
		buf_putc(r, ')');
	}
	if (ind & SCAN_IND_BLOB) {
		buf_printf(r, "%sholds a %zu-character encoded-looking run (entropy %.1f bits per character)",
			   r->len ? "; " : "", f->blob, f->entropy);
	}
}

/* The indicators found in the code, each with its reason; returns the verdict they give. */
static enum scan_verdict code_verdict(const struct scan_verdict_input *in, struct code_facts *f,
				      struct buf *r)
{
	unsigned strong = SCAN_IND_EXEC | SCAN_IND_PROCESS | SCAN_IND_NETWORK | SCAN_IND_SELF |
			  SCAN_IND_NATIVE;
	unsigned tricks = counted_tricks(in, f);
	unsigned ind;
	enum scan_verdict v = SCAN_LOW;

	f->tricks = tricks;
	if (tricks != 0)
		f->ind |= SCAN_IND_INDIRECT;
	if (in->pth_line)
		strong |= SCAN_IND_INDIRECT;
	ind = f->ind;
	indicator_reasons(f, r);

	if (ind & strong)
		v = SCAN_HIGH;
	else if (ind & (SCAN_IND_DECODE | SCAN_IND_BLOB | SCAN_IND_INDIRECT))
		v = SCAN_MEDIUM;
	if ((ind & strong) && (ind & (SCAN_IND_DECODE | SCAN_IND_BLOB)))
		v = SCAN_CRITICAL;
	if ((ind & SCAN_IND_NETWORK) && (ind & (SCAN_IND_EXEC | SCAN_IND_PROCESS)))
		v = SCAN_CRITICAL;
	if ((ind & SCAN_IND_SELF) && (ind & (SCAN_IND_PROCESS | SCAN_IND_EXEC)))
		v = SCAN_CRITICAL;
	if (in->pth_line && !in->binary && !f->plain_import && v < SCAN_MEDIUM) {
		reason(r, "does more than import modules by name");
		v = SCAN_MEDIUM;
	}
	return v;
}

/* Where the file is and what it is called. */
static enum scan_verdict place_verdict(const struct scan_verdict_input *in, enum scan_verdict v,
				       bool strong, struct buf *r)
{
	bool risky_place = in->temp_location || in->writable || in->foreign_owner || in->hidden_name;

	if (in->temp_location)
		reason(r, "in a temporary folder");
	if (in->writable)
		reason(r, "the file or its folder is writable by every user");
	if (in->foreign_owner)
		reason(r, "owned by an ordinary user in a system folder");
	if (in->hidden_name)
		reason(r, "hidden name (starts with '.')");
	if (risky_place)
		v = raise_to(v, strong ? SCAN_CRITICAL : in->executes ? SCAN_MEDIUM : SCAN_LOW);
	return v;
}

/* The encoding name after `coding[:=]` in one comment line, or false (PEP 263's pattern). */
static bool line_cookie(const char *p, const char *e, char *name, size_t cap)
{
	const char *hash = memchr(p, '#', (size_t)(e - p));
	const char *c;
	size_t n = 0;

	for (const char *q = p; hash != NULL && q < hash; q++) {
		if (*q != ' ' && *q != '\t' && *q != '\f')
			return false; /* code before the comment: not a cookie line */
	}
	if (hash == NULL || (c = memmem(hash, (size_t)(e - hash), "coding", 6)) == NULL)
		return false;
	c += 6;
	if (c >= e || (*c != ':' && *c != '='))
		return false;
	for (c++; c < e && (*c == ' ' || *c == '\t'); c++)
		;
	while (c < e && n + 1 < cap && (isalnum((unsigned char)*c) || *c == '-' || *c == '_' || *c == '.'))
		name[n++] = (char)tolower((unsigned char)*c++);
	name[n] = '\0';
	return n > 0;
}

/*
 * True when a PEP 263 coding cookie (first or second line) names anything
 * but UTF-8 or ASCII. The interpreter decodes the module with it, so the
 * code that runs differs from the text as a reader reads it. UTF-7, for
 * one, hides letters in +...- runs.
 */
static bool foreign_coding(const char *code, size_t len, char *name, size_t cap)
{
	static const char *const plain[] = { "utf-8", "utf8", "utf_8", "utf-8-sig", "ascii", "us-ascii" };
	const char *p = code, *end = code + len;

	for (int line = 0; line < 2 && p < end; line++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;

		if (line_cookie(p, e, name, cap)) {
			for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
				if (strcmp(name, plain[i]) == 0)
					return false;
			}
			return true;
		}
		p = nl ? nl + 1 : end;
	}
	return false;
}

enum scan_verdict scan_verdict_for(const struct scan_verdict_input *in, struct buf *r)
{
	enum scan_verdict v = in->executes ? SCAN_LOW : SCAN_INFO;
	struct code_facts f;

	if (in->code != NULL && in->executes) {
		facts_of(in->code, in->len, in->binary, &f);
		v = code_verdict(in, &f, r);
		if (f.ind == 0 && v == SCAN_LOW)
			reason(r, in->binary ? "compiled code: no execution primitive in its strings"
					     : "runs code; no execution primitive or decoding stage seen");
	}
	if (in->code != NULL && in->executes && !in->binary && !in->pth_line) {
		char coding[64];

		if (foreign_coding(in->code, in->len, coding, sizeof(coding))) {
			buf_printf(r, "%sdeclares the source encoding '%s' (a coding comment): the code "
				   "that runs is not the text shown", r->len ? "; " : "", coding);
			v = raise_to(v, SCAN_HIGH);
		}
	}
	v = place_verdict(in, v, v >= SCAN_HIGH, r);
	if (in->executes && in->file_size > SCAN_LARGE_PTH) {
		buf_printf(r, "%sunusually large for a .pth file (%zu bytes)", r->len ? "; " : "",
			   in->file_size);
		v = raise_to(v, SCAN_MEDIUM);
	}
	if (in->executes && !in->binary && in->line_len > SCAN_LONG_LINE) {
		buf_printf(r, "%sunusually long line (%zu bytes)", r->len ? "; " : "", in->line_len);
		v = raise_to(v, SCAN_MEDIUM);
	}
	if (in->fatal) {
		reason(r, "breaks every start of the interpreters that read it");
		v = raise_to(v, SCAN_HIGH);
	}
	if (!in->runs && v > SCAN_INFO) {
		reason(r, in->dormant ? "dormant: no installed interpreter runs it yet"
				      : "no installed interpreter runs it");
		v--;
	}
	return v;
}

/* Reads a little-endian 32-bit value. */
static size_t le32_at(const unsigned char *p)
{
	return p[0] | (size_t)p[1] << 8 | (size_t)p[2] << 16 | (size_t)p[3] << 24;
}

static bool printable_run(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] < 0x20 || s[i] > 0x7e)
			return false;
	}
	return true;
}

/*
 * The length and start of a marshal string object at s[0], or 0. Type codes
 * (marshal.c, 2.7 to 3.13): 'z', 'Z' short ASCII with a 1-byte length; 'a',
 * 'A', 'u', 't', 's' with a 4-byte length. The 0x80 bit flags a reference.
 */
static size_t marshal_string(const unsigned char *s, size_t left, size_t *start)
{
	unsigned char type = s[0] & 0x7f;
	size_t n;

	if ((type == 'z' || type == 'Z') && left >= 2) {
		n = s[1];
		*start = 2;
	} else if (strchr("aAuts", type) != NULL && type != '\0' && left >= 5) {
		n = le32_at(s + 1);
		*start = 5;
	} else {
		return 0;
	}
	if (n < 2 || n > left - *start || !printable_run(s + *start, n))
		return 0;
	return n;
}

static bool has_name(const struct strmap *names, const char *name)
{
	return strmap_get(names, name, strlen(name)) != NULL;
}

/* Call-shaped and attribute-shaped tokens for names that bytecode keeps apart. */
static void synthesize(const struct strmap *names, const char *name, size_t len, struct buf *out)
{
	static const char *const calls[] = { "exec", "eval", "compile", "execfile", "__import__" };
	static const char *const os_attrs[] = { "system", "popen", "startfile", "fork", "exec", "spawn",
						"posix_spawn" };

	for (size_t k = 0; k < sizeof(calls) / sizeof(calls[0]); k++) {
		if (strlen(calls[k]) == len && memcmp(name, calls[k], len) == 0)
			buf_printf(out, "%s(\n", calls[k]);
	}
	for (size_t k = 0; k < sizeof(os_attrs) / sizeof(os_attrs[0]) && has_name(names, "os"); k++) {
		size_t n = strlen(os_attrs[k]);
		/*
		 * "fork", "exec", "spawn" and "posix_spawn" are prefixes too (os.forkpty,
		 * os.execv, os.spawnlp, os.posix_spawnp); bare "exec" is the builtin.
		 */
		bool prefix = k >= 3;
		bool whole = len == n && strcmp(os_attrs[k], "exec") != 0;

		if ((whole || (prefix && len > n)) && memcmp(name, os_attrs[k], n) == 0)
			buf_printf(out, "os.%.*s\n", (int)len, name);
	}
	if (len == 10 && memcmp(name, "executable", 10) == 0 && has_name(names, "sys"))
		buf_puts(out, "sys.executable\n");
	if (len == 8 && memcmp(name, "requests", 8) == 0)
		buf_puts(out, "requests.\n");
}

static void add_name(const char *key, size_t len, void *value, void *arg)
{
	void **pair = arg;

	(void)value;
	synthesize(pair[0], key, len, pair[1]);
}

void scan_pyc_strings(const char *data, size_t len, struct buf *out)
{
	const unsigned char *s = (const unsigned char *)data;
	struct strmap names;
	void *pair[2];

	strmap_init(&names);
	for (size_t i = 0; i < len;) {
		size_t start = 0;
		size_t n = marshal_string(s + i, len - i, &start);

		if (n == 0) {
			i++;
			continue;
		}
		buf_append(out, s + i + start, n);
		buf_putc(out, '\n');
		*strmap_upsert(&names, (const char *)s + i + start, n) = &names;
		i += start + n;
	}
	pair[0] = &names;
	pair[1] = out;
	strmap_each(&names, add_name, pair);
	strmap_free(&names);
}
