/*
 * NFKC for identifiers, limited to what spells ASCII names: see scan_ident.h.
 * Mappings from the Unicode Character Database's decompositions
 * (UnicodeData.txt, <font>, <wide>, <compat>, <super> and <sub> tags).
 */
#include "scan_ident.h"

#include <string.h>

/* A single code point that NFKC turns into ASCII letters. */
struct ident_map {
	unsigned long cp;
	const char *ascii;
};

/* Letterlike symbols (U+2100 block) that stand in the gaps of the mathematical alphabets, and others. */
static const struct ident_map singles[] = {
	{ 0x017F, "s" },  { 0x2071, "i" },  { 0x207F, "n" },  { 0x2090, "a" },  { 0x2091, "e" },
	{ 0x2092, "o" },  { 0x2093, "x" },  { 0x2095, "h" },  { 0x2096, "k" },  { 0x2097, "l" },
	{ 0x2098, "m" },  { 0x2099, "n" },  { 0x209A, "p" },  { 0x209B, "s" },  { 0x209C, "t" },
	{ 0x2102, "C" },  { 0x210A, "g" },  { 0x210B, "H" },  { 0x210C, "H" },  { 0x210D, "H" },
	{ 0x210E, "h" },  { 0x2110, "I" },  { 0x2111, "I" },  { 0x2112, "L" },  { 0x2113, "l" },
	{ 0x2115, "N" },  { 0x2119, "P" },  { 0x211A, "Q" },  { 0x211B, "R" },  { 0x211C, "R" },
	{ 0x211D, "R" },  { 0x2124, "Z" },  { 0x2128, "Z" },  { 0x212A, "K" },  { 0x212C, "B" },
	{ 0x212D, "C" },  { 0x212F, "e" },  { 0x2130, "E" },  { 0x2131, "F" },  { 0x2133, "M" },
	{ 0x2134, "o" },  { 0x2139, "i" },  { 0x2145, "D" },  { 0x2146, "d" },  { 0x2147, "e" },
	{ 0x2148, "i" },  { 0x2149, "j" },  { 0xFB00, "ff" }, { 0xFB01, "fi" }, { 0xFB02, "fl" },
	{ 0xFB03, "ffi" }, { 0xFB04, "ffl" }, { 0xFB05, "st" }, { 0xFB06, "st" },
};

/* Roman numerals U+2160 to U+217F: capitals, then small letters. */
static const char *const roman[16] = {
	"I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "L", "C", "D", "M",
};

/* Decodes one UTF-8 sequence at s; returns its length (1 for a stray byte, whose cp is the byte). */
static size_t utf8_next(const unsigned char *s, size_t len, unsigned long *cp)
{
	size_t n = 1;

	if (s[0] >= 0xF0)
		n = 4;
	else if (s[0] >= 0xE0)
		n = 3;
	else if (s[0] >= 0xC0)
		n = 2;
	*cp = n == 1 ? s[0] : s[0] & (0x7F >> n);
	if (n > len)
		return 1;
	for (size_t k = 1; k < n; k++) {
		if ((s[k] & 0xC0) != 0x80) {
			*cp = s[0];
			return 1;
		}
		*cp = (*cp << 6) | (s[k] & 0x3F);
	}
	return n;
}

/* One ASCII character for the ranges that map letter for letter; '\0' when cp is not in one. */
static char map_range(unsigned long cp)
{
	if (cp >= 0xFF10 && cp <= 0xFF19)          /* fullwidth digits */
		return (char)('0' + (cp - 0xFF10));
	if (cp >= 0xFF21 && cp <= 0xFF3A)          /* fullwidth capitals */
		return (char)('A' + (cp - 0xFF21));
	if (cp >= 0xFF41 && cp <= 0xFF5A)          /* fullwidth small letters */
		return (char)('a' + (cp - 0xFF41));
	if (cp == 0xFF3F)                          /* fullwidth low line */
		return '_';
	/*
	 * 13 alphabets of 26 capitals then 26 small letters. Their unassigned
	 * gaps map too, which only matters for code that Python rejects anyway.
	 */
	if (cp >= 0x1D400 && cp < 0x1D6A4) {
		unsigned long k = (cp - 0x1D400) % 52;

		return (char)(k < 26 ? 'A' + k : 'a' + (k - 26));
	}
	if (cp >= 0x1D7CE && cp <= 0x1D7FF)        /* 5 styles of digits */
		return (char)('0' + (cp - 0x1D7CE) % 10);
	return '\0';
}

/* Writes the ASCII form of cp to out; false when the table does not know it. */
static bool map_cp(unsigned long cp, struct buf *out)
{
	char c = map_range(cp);

	if (c != '\0') {
		buf_putc(out, c);
		return true;
	}
	if (cp >= 0x2160 && cp <= 0x217F) {        /* Roman numerals: capitals, then small ones */
		const char *r = roman[(cp - 0x2160) % 16];

		for (size_t k = 0; r[k]; k++)
			buf_putc(out, cp < 0x2170 ? r[k] : (char)(r[k] - 'A' + 'a'));
		return true;
	}
	for (size_t k = 0; k < sizeof(singles) / sizeof(singles[0]); k++) {
		if (singles[k].cp == cp) {
			buf_puts(out, singles[k].ascii);
			return true;
		}
	}
	return false;
}

void scan_ident_normalise(const char *s, size_t len, struct buf *out, bool *mapped, bool *unknown)
{
	const unsigned char *p = (const unsigned char *)s;

	for (size_t i = 0; i < len;) {
		unsigned long cp;
		size_t n;

		if (p[i] < 0x80) {
			buf_putc(out, (char)p[i++]);
			continue;
		}
		n = utf8_next(p + i, len - i, &cp);
		if (map_cp(cp, out)) {
			*mapped = true;
		} else {
			buf_append(out, s + i, n);
			*unknown = true;
		}
		i += n;
	}
}
