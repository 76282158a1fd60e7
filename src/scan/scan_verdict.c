/*
 * Verdict rules: see scan_verdict.h.
 */
#include "scan_verdict.h"

#include <math.h>
#include <string.h>

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
	if (in->executes && !in->binary && in->len > SCAN_LONG_LINE && in->file_size > 0) {
		buf_printf(r, "%sunusually long line (%zu bytes)", r->len ? "; " : "", in->len);
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
