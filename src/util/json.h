/*
 * A small JSON DOM (RFC 8259) for configuration-sized documents such as rule
 * files. Event documents never go through it: they are read by the streaming
 * field scanner in src/event/.
 *
 * Ownership: a struct json_doc owns one arena. json_parse() copies the source
 * text into that arena and allocates every node and every decoded string
 * there, so the caller may free its source as soon as json_parse() returns.
 * json_doc_free() releases all of it at once; no node is freed alone.
 *
 * What the DOM keeps:
 * - objects keep their members in source order, duplicates included;
 *   json_get() returns the last member with the key, the one JavaScript's
 *   JSON.parse keeps;
 * - strings are decoded to UTF-8, NUL-terminated, with their byte length
 *   (a "\u0000" escape yields an embedded NUL, so use the length);
 * - numbers keep their source text and, where it fits, an int64;
 * - every node records its raw span (offset and length of its source text,
 *   whitespace around it excluded), its 1-based line and its 1-based column
 *   in bytes, so that messages can name "FILE:LINE:COLUMN" and a subtree can be
 *   copied verbatim with json_raw().
 */
#ifndef SW_JSON_H
#define SW_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "buf.h"

enum json_type {
	JSON_NULL,
	JSON_BOOL,
	JSON_NUMBER,
	JSON_STRING,
	JSON_ARRAY,
	JSON_OBJECT,
};

struct json_node {
	enum json_type type;
	size_t offset; /* byte offset of the node's first byte in the source */
	size_t length; /* byte length of the node's source text */
	size_t line;   /* 1-based line of the first byte */
	size_t column; /* 1-based column of the first byte, in bytes */

	/* Set when the node is the value of an object member. */
	const char *key;
	size_t key_len;

	/* Next element of the parent array, or next member of the parent object. */
	struct json_node *next;

	union {
		bool boolean;
		struct {
			const char *text; /* NUL-terminated copy of the source text */
			size_t len;
			double real;      /* strtod() of the text */
			int64_t integer;  /* valid when is_integer */
			bool is_integer;  /* no fraction or exponent, and fits int64 */
		} number;
		struct {
			const char *ptr;  /* decoded UTF-8, NUL-terminated */
			size_t len;
		} string;
		struct {
			struct json_node *first; /* linked through `next` */
			size_t count;
		} children; /* JSON_ARRAY and JSON_OBJECT */
	} u;
};

struct json_limits {
	size_t max_depth; /* nesting of arrays and objects; 0 means the default, 64 */
	bool sequence;    /* accept several top-level values (NDJSON), see json_parse() */
};

struct json_error {
	size_t offset;
	size_t line;   /* 1-based */
	size_t column; /* 1-based, in bytes */
	char message[192];
};

struct json_doc {
	struct arena arena;
	char *text;           /* copy of the source, NUL-terminated */
	size_t len;
	struct json_node *root;
};

/*
 * Parses `len` bytes of `src` into `doc`, which the caller provides
 * uninitialised. With `limits->sequence` set, the source may hold any
 * number of JSON values separated by whitespace (NDJSON, or values spread
 * over several lines), and the root is a JSON_ARRAY node spanning the whole
 * source whose children are those values. `limits` may be NULL.
 *
 * Returns true on success. On failure, fills `err` with the position and
 * the reason and returns false; `doc` must still be released with
 * json_doc_free().
 */
bool json_parse(struct json_doc *doc, const char *src, size_t len,
		const struct json_limits *limits, struct json_error *err);

void json_doc_free(struct json_doc *doc);

/* Returns the value of the last member named `key`, or NULL (also when `obj` is no object). */
const struct json_node *json_get(const struct json_node *obj, const char *key);

/* Returns the node's source text, `node->length` bytes long. */
const char *json_raw(const struct json_doc *doc, const struct json_node *node);

/* Returns "null", "boolean", "number", "string", "array" or "object". */
const char *json_type_name(enum json_type type);

/*
 * Appends `len` bytes of valid JSON text with the whitespace outside strings
 * removed, so that a pretty-printed subtree fits on one line. Strings and
 * numbers are copied byte for byte.
 */
void json_write_compact(struct buf *out, const char *text, size_t len);

#endif
