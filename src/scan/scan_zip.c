/*
 * Zip central directory and member reader: see scan_zip.h. Offsets and
 * signatures follow PKWARE's .ZIP file format specification (APPNOTE.TXT):
 * local file header, central directory header, end of central directory.
 */
#include "scan_zip.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "util/xalloc.h"

#define SIG_LOCAL 0x04034b50u
#define SIG_CENTRAL 0x02014b50u
#define SIG_END 0x06054b50u
#define END_SIZE 22u          /* end of central directory record without its comment */
#define CENTRAL_SIZE 46u      /* central directory header before the name */
#define LOCAL_SIZE 30u        /* local file header before the name */

static uint16_t le16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const unsigned char *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The end record is the last 22 bytes, or earlier when a comment (up to 65535 bytes) follows it. */
static const unsigned char *find_end(const unsigned char *data, size_t size)
{
	size_t lowest = size > END_SIZE + 65535 ? size - END_SIZE - 65535 : 0;

	if (size < END_SIZE)
		return NULL;
	for (size_t at = size - END_SIZE + 1; at-- > lowest;) {
		if (le32(data + at) == SIG_END)
			return data + at;
	}
	return NULL;
}

/* One central directory header at *pos; false when it is cut short or malformed. */
static bool read_central(struct scan_zip *z, size_t *pos, size_t end)
{
	const unsigned char *header = z->data + *pos;
	struct scan_zip_member *member;
	size_t name_len, total;

	if (end - *pos < CENTRAL_SIZE || le32(header) != SIG_CENTRAL)
		return false;
	name_len = le16(header + 28);
	total = CENTRAL_SIZE + name_len + le16(header + 30) + le16(header + 32);
	if (end - *pos < total)
		return false;
	member = &z->v[z->n++];
	member->method = le16(header + 10);
	member->csize = le32(header + 20);
	member->usize = le32(header + 24);
	member->local = le32(header + 42);
	member->name = (const char *)header + CENTRAL_SIZE;
	member->name_len = name_len;
	*pos += total;
	return true;
}

const char *scan_zip_open(struct scan_zip *z, const char *data, size_t size)
{
	const unsigned char *end;
	size_t count, pos, cd_end;

	memset(z, 0, sizeof(*z));
	z->data = (const unsigned char *)data;
	z->size = size;
	end = find_end(z->data, size);
	if (end == NULL)
		return "no end of central directory record: not a zip archive, or a damaged one";
	count = le16(end + 10);
	pos = le32(end + 16);
	cd_end = pos + le32(end + 12);
	if (count == 0xffff || pos == 0xffffffffu)
		return "a zip64 archive, which scan does not read";
	if (pos > size || cd_end > size || cd_end < pos)
		return "its central directory lies outside the file";
	if (count > SCAN_ZIP_MAX_MEMBERS) {
		count = SCAN_ZIP_MAX_MEMBERS;
		z->truncated = true;
	}
	z->v = xcalloc(count ? count : 1, sizeof(*z->v));
	while (z->n < count) {
		if (!read_central(z, &pos, cd_end)) {
			scan_zip_free(z);
			return "a damaged central directory entry";
		}
	}
	return NULL;
}

static bool same_name(const struct scan_zip_member *a, const char *name, size_t len)
{
	return a->name_len == len && memcmp(a->name, name, len) == 0;
}

/* From the end: zipimport fills its table in directory order, so the last entry of a name wins. */
long scan_zip_find(const struct scan_zip *z, const char *name)
{
	size_t len = strlen(name);

	for (size_t i = z->n; i-- > 0;) {
		if (same_name(&z->v[i], name, len))
			return (long)i;
	}
	return -1;
}

bool scan_zip_shadows(const struct scan_zip *z, size_t i)
{
	for (size_t j = 0; j < i; j++) {
		if (same_name(&z->v[j], z->v[i].name, z->v[i].name_len))
			return true;
	}
	return false;
}

static int by_name(const void *pa, const void *pb)
{
	const struct scan_zip_member *a = *(const struct scan_zip_member *const *)pa;
	const struct scan_zip_member *b = *(const struct scan_zip_member *const *)pb;
	size_t len = a->name_len < b->name_len ? a->name_len : b->name_len;
	int order = memcmp(a->name, b->name, len);

	if (order != 0)
		return order;
	return a->name_len < b->name_len ? -1 : a->name_len > b->name_len;
}

/* Sorts pointers to the members by name, so equal names are neighbours: O(n log n). */
long scan_zip_duplicate(const struct scan_zip *z)
{
	const struct scan_zip_member **sorted;
	long found = -1;

	if (z->n < 2)
		return -1;
	sorted = xcalloc(z->n, sizeof(*sorted));
	for (size_t i = 0; i < z->n; i++)
		sorted[i] = &z->v[i];
	qsort(sorted, z->n, sizeof(*sorted), by_name);
	for (size_t i = 1; i < z->n && found < 0; i++) {
		if (by_name(&sorted[i - 1], &sorted[i]) == 0)
			found = sorted[i] - z->v;
	}
	free(sorted);
	return found;
}

/* Inflates a raw deflate stream of `csize` bytes into exactly `usize` bytes. */
static const char *inflate_member(const unsigned char *src, size_t csize, size_t usize, struct buf *out)
{
	z_stream s;
	unsigned char *dst = xmalloc(usize + 1);
	int rc;

	memset(&s, 0, sizeof(s));
	if (inflateInit2(&s, -MAX_WBITS) != Z_OK) {
		free(dst);
		return "zlib could not start inflating";
	}
	s.next_in = (unsigned char *)src;
	s.avail_in = (uInt)csize;
	s.next_out = dst;
	s.avail_out = (uInt)usize + 1;
	rc = inflate(&s, Z_FINISH);
	inflateEnd(&s);
	if (rc != Z_STREAM_END || s.total_out != usize) {
		free(dst);
		return "its deflated data is damaged or longer than the size the archive gives";
	}
	buf_append(out, (const char *)dst, usize);
	free(dst);
	return NULL;
}

const char *scan_zip_read(const struct scan_zip *z, size_t i, size_t cap, struct buf *out)
{
	const struct scan_zip_member *member = &z->v[i];
	const unsigned char *header;
	size_t start;

	if (member->usize > cap)
		return "the member is larger than --max-file-size";
	if ((size_t)member->local > z->size || z->size - member->local < LOCAL_SIZE ||
	    le32(z->data + member->local) != SIG_LOCAL)
		return "its local header is missing";
	header = z->data + member->local;
	start = member->local + LOCAL_SIZE + le16(header + 26) + le16(header + 28);
	if (start > z->size || z->size - start < member->csize)
		return "its data runs past the end of the archive";
	if (member->method == 0 && member->csize == member->usize) {
		buf_append(out, (const char *)z->data + start, member->usize);
		return NULL;
	}
	if (member->method == 8)
		return inflate_member(z->data + start, member->csize, member->usize, out);
	return "it is compressed with a method other than stored or deflated";
}

void scan_zip_free(struct scan_zip *z)
{
	free(z->v);
	memset(z, 0, sizeof(*z));
}
