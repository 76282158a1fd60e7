/*
 * Python identifiers as the compiler reads them. CPython normalises every
 * identifier with NFKC while parsing (PEP 3131), so `ｓｙｓｔｅｍ`, `𝐬𝐲𝐬𝐭𝐞𝐦`
 * and `ſystem` all name `system`. Without a Unicode library, this maps the
 * compatibility characters that spell ASCII names: fullwidth forms, the
 * mathematical alphanumeric symbols, the letterlike symbols that fill their
 * gaps, Latin ligatures, the long s, Roman numerals and the sub- and
 * superscript letters.
 *
 * Ownership: the caller owns `out`; nothing is kept.
 */
#ifndef SW_SCAN_IDENT_H
#define SW_SCAN_IDENT_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"

/*
 * Appends the NFKC form of the UTF-8 identifier `s` to `out`. Sets *mapped
 * when a character was normalised, *unknown when a non-ASCII character is
 * not in the table (it is copied as it is).
 */
void scan_ident_normalise(const char *s, size_t len, struct buf *out, bool *mapped, bool *unknown);

#endif
