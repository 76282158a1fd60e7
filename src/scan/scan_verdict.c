/*
 * Verdict rules: see scan_verdict.h.
 */
#include "scan_verdict.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/strmap.h"

struct primitive {
	const char *token;
	unsigned indicator;
	const char *what;
};

/* Matched as whole tokens: not preceded by an identifier character. */
static const struct primitive primitives[] = {
	{ "exec(", SCAN_IND_EXEC, "exec()" },
	{ "exec ", SCAN_IND_EXEC, "exec" },
	{ "eval(", SCAN_IND_EXEC, "eval()" },
	{ "compile(", SCAN_IND_EXEC, "compile()" },
	{ "execfile(", SCAN_IND_EXEC, "execfile()" },
	{ "os.system", SCAN_IND_PROCESS, "os.system" },
	{ "os.popen", SCAN_IND_PROCESS, "os.popen" },
	{ "subprocess", SCAN_IND_PROCESS, "subprocess" },
	{ "pty", SCAN_IND_PROCESS, "pty" },
	{ "os.exec", SCAN_IND_PROCESS, "os.exec*" },
	{ "os.spawn", SCAN_IND_PROCESS, "os.spawn*" },
	{ "posix_spawn", SCAN_IND_PROCESS, "posix_spawn" },
	{ "os.fork", SCAN_IND_PROCESS, "os.fork" },
	{ "commands", SCAN_IND_PROCESS, "commands" },
	{ "sys.executable", SCAN_IND_SELF, "sys.executable" },
	{ "socket", SCAN_IND_NETWORK, "socket" },
	{ "urllib", SCAN_IND_NETWORK, "urllib" },
	{ "urlopen", SCAN_IND_NETWORK, "urlopen" },
	{ "http.client", SCAN_IND_NETWORK, "http.client" },
	{ "httplib", SCAN_IND_NETWORK, "httplib" },
	{ "requests.", SCAN_IND_NETWORK, "requests" },
	{ "ctypes", SCAN_IND_NATIVE, "ctypes" },
	{ "base64", SCAN_IND_DECODE, "base64" },
	{ "b64decode", SCAN_IND_DECODE, "b64decode" },
	{ "b32decode", SCAN_IND_DECODE, "b32decode" },
	{ "b85decode", SCAN_IND_DECODE, "b85decode" },
	{ "a85decode", SCAN_IND_DECODE, "a85decode" },
	{ "zlib", SCAN_IND_DECODE, "zlib" },
	{ "lzma", SCAN_IND_DECODE, "lzma" },
	{ "bz2", SCAN_IND_DECODE, "bz2" },
	{ "gzip", SCAN_IND_DECODE, "gzip" },
	{ "marshal", SCAN_IND_DECODE, "marshal" },
	{ "codecs", SCAN_IND_DECODE, "codecs" },
	{ "binascii", SCAN_IND_DECODE, "binascii" },
	{ "fromhex", SCAN_IND_DECODE, "bytes.fromhex" },
	{ "rot13", SCAN_IND_DECODE, "rot13" },
	{ "rot_13", SCAN_IND_DECODE, "rot_13" },
	{ "__import__(", SCAN_IND_DYNIMPORT, "__import__()" },
	{ "import_module", SCAN_IND_DYNIMPORT, "importlib.import_module" },
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

unsigned scan_indicators(const char *code, size_t len, double *entropy, size_t *blob_len)
{
	const unsigned char *s = (const unsigned char *)code;
	unsigned found = 0;

	*entropy = 0;
	*blob_len = 0;
	for (size_t i = 0; i < len; i++) {
		if (i > 0 && ident_char(s[i - 1]))
			continue;
		for (size_t k = 0; k < sizeof(primitives) / sizeof(primitives[0]); k++) {
			size_t n = strlen(primitives[k].token);
			/* "os.exec" and "os.spawn" are prefixes (execv, spawnlp); the rest are whole words. */
			bool prefix = primitives[k].token[n - 1] == '(' || primitives[k].token[n - 1] == '.' ||
				      primitives[k].token[n - 1] == ' ' ||
				      strcmp(primitives[k].token, "os.exec") == 0 ||
				      strcmp(primitives[k].token, "os.spawn") == 0;
			bool ends = prefix || i + n >= len || !ident_char(s[i + n]);

			if (i + n <= len && memcmp(s + i, primitives[k].token, n) == 0 && ends)
				found |= primitives[k].indicator;
		}
	}
	if (find_blob(s, len, entropy, blob_len))
		found |= SCAN_IND_BLOB;
	return found;
}

/* Names the primitives of one class that occur in the code, for the reason. */
static void name_primitives(const char *code, size_t len, unsigned indicator, struct buf *out)
{
	const char *sep = "";

	for (size_t k = 0; k < sizeof(primitives) / sizeof(primitives[0]); k++) {
		if (!(primitives[k].indicator & indicator) ||
		    memmem(code, len, primitives[k].token, strlen(primitives[k].token)) == NULL)
			continue;
		buf_printf(out, "%s%s", sep, primitives[k].what);
		sep = ", ";
	}
}

static void reason(struct buf *r, const char *text)
{
	if (r->len > 0)
		buf_puts(r, "; ");
	buf_puts(r, text);
}

static void reason_primitives(struct buf *r, const char *label, const char *code, size_t len,
			      unsigned indicator)
{
	if (r->len > 0)
		buf_puts(r, "; ");
	buf_puts(r, label);
	buf_puts(r, " (");
	name_primitives(code, len, indicator, r);
	buf_putc(r, ')');
}

static enum scan_verdict raise_to(enum scan_verdict v, enum scan_verdict min)
{
	return v < min ? min : v;
}

/* The indicators found in the code, each with its reason; returns the verdict they give. */
static enum scan_verdict code_verdict(const struct scan_verdict_input *in, unsigned ind,
				      double entropy, size_t blob, struct buf *r)
{
	unsigned strong = SCAN_IND_EXEC | SCAN_IND_PROCESS | SCAN_IND_NETWORK | SCAN_IND_SELF |
			  SCAN_IND_NATIVE;
	enum scan_verdict v = SCAN_LOW;

	if (ind & SCAN_IND_EXEC)
		reason_primitives(r, "executes code", in->code, in->len, SCAN_IND_EXEC);
	if (ind & SCAN_IND_PROCESS)
		reason_primitives(r, "starts processes", in->code, in->len, SCAN_IND_PROCESS);
	if (ind & SCAN_IND_SELF)
		reason(r, "refers to sys.executable: can start a child interpreter, which re-reads the same hooks");
	if (ind & SCAN_IND_NETWORK)
		reason_primitives(r, "uses the network", in->code, in->len, SCAN_IND_NETWORK);
	if (ind & SCAN_IND_NATIVE)
		reason(r, "loads native code through ctypes");
	if (ind & SCAN_IND_DECODE)
		reason_primitives(r, "has a decoding stage", in->code, in->len, SCAN_IND_DECODE);
	if (ind & SCAN_IND_DYNIMPORT)
		reason_primitives(r, "imports by computed name", in->code, in->len, SCAN_IND_DYNIMPORT);
	if (ind & SCAN_IND_BLOB) {
		buf_printf(r, "%sholds a %zu-character encoded-looking run (entropy %.1f bits per character)",
			   r->len ? "; " : "", blob, entropy);
	}

	if (ind & strong)
		v = SCAN_HIGH;
	else if (ind & (SCAN_IND_DECODE | SCAN_IND_BLOB))
		v = SCAN_MEDIUM;
	if ((ind & strong) && (ind & (SCAN_IND_DECODE | SCAN_IND_BLOB)))
		v = SCAN_CRITICAL;
	if ((ind & SCAN_IND_NETWORK) && (ind & (SCAN_IND_EXEC | SCAN_IND_PROCESS)))
		v = SCAN_CRITICAL;
	if ((ind & SCAN_IND_SELF) && (ind & (SCAN_IND_PROCESS | SCAN_IND_EXEC)))
		v = SCAN_CRITICAL;
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

enum scan_verdict scan_verdict_for(const struct scan_verdict_input *in, struct buf *r)
{
	enum scan_verdict v = in->executes ? SCAN_LOW : SCAN_INFO;
	unsigned ind = 0;
	double entropy = 0;
	size_t blob = 0;

	if (in->code != NULL && in->executes) {
		ind = scan_indicators(in->code, in->len, &entropy, &blob);
		v = code_verdict(in, ind, entropy, blob, r);
		if (ind == 0)
			reason(r, in->binary ? "compiled code: no execution primitive in its strings"
					     : "runs code; no execution primitive or decoding stage seen");
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
	static const char *const os_attrs[] = { "system", "popen", "fork", "exec", "spawn" };

	for (size_t k = 0; k < sizeof(calls) / sizeof(calls[0]); k++) {
		if (strlen(calls[k]) == len && memcmp(name, calls[k], len) == 0)
			buf_printf(out, "%s(\n", calls[k]);
	}
	for (size_t k = 0; k < sizeof(os_attrs) / sizeof(os_attrs[0]) && has_name(names, "os"); k++) {
		size_t n = strlen(os_attrs[k]);
		/* "exec" and "spawn" are prefixes (os.execv, os.spawnlp); bare "exec" is the builtin. */
		bool prefix = k >= 3;

		if ((prefix ? len > n : len == n) && memcmp(name, os_attrs[k], n) == 0)
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
