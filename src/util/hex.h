/* The value of one hexadecimal digit, for the readers of escapes (EQL, JSON, Python text). */
#ifndef SW_UTIL_HEX_H
#define SW_UTIL_HEX_H

/* 0 to 15 for '0'-'9', 'a'-'f' and 'A'-'F'; -1 for anything else, EOF included. */
static inline int hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

#endif
