/*
 * Byte source for the input layer: a file or stdin, plain, gzip or zstd.
 * The codec is chosen from the first bytes (gzip 1f 8b, zstd 28 b5 2f fd),
 * never from the file name. gzip files of several members and zstd files of
 * several frames are read whole, as gzip(1) and zstd(1) read them.
 *
 * Ownership: source_open() allocates the source and its buffers;
 * source_close() frees them and closes the file (never stdin). The caller
 * owns `origin`, which must outlive the source.
 */
#ifndef SW_IO_DECOMPRESS_H
#define SW_IO_DECOMPRESS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct buf;
struct source;

/*
 * Opens `path` ("-" for stdin) and reads its first bytes to detect the
 * codec. Returns NULL after printing "sitewatch: ORIGIN: reason".
 */
struct source *source_open(const char *path, const char *origin);

/*
 * Reads up to `cap` decompressed bytes into `dst`. Returns the count (at
 * least 1), 0 at the clean end of the input, or -1 on a read or
 * decompression error. After -1, source_error() returns the message and
 * every later call returns -1 again.
 */
ssize_t source_read(struct source *src, char *dst, size_t cap);

/* Bytes read from the file so far: compressed bytes for gzip and zstd. */
uintmax_t source_bytes_read(const struct source *src);

/* The file's size in bytes, or -1 when it is not a regular file (a pipe, a terminal). */
intmax_t source_size(const struct source *src);

/*
 * The descriptor of a plain (not compressed) regular file, for reading
 * ranges of it with pread(); -1 for anything else. The stream offset of a
 * plain file is its file offset.
 */
int source_plain_fd(const struct source *src);

/* The message of the last error, without the "sitewatch: FILE: " prefix. */
const char *source_error(const struct source *src);

/*
 * Moves a pending warning (trailing data after a gzip stream), without the
 * "sitewatch: FILE: " prefix, into `out` and returns out->data; NULL when
 * there is none. The caller prints it, so that it counts it among its own
 * messages.
 */
const char *source_take_warning(struct source *src, struct buf *out);

void source_close(struct source *src);

#endif
