/*
 * Plain, gzip and zstd byte sources. Compressed bytes are read from the
 * file in blocks of RAW_BLOCK into `raw` and decoded straight into the
 * caller's buffer. Plain files are read straight into it. So memory stays at
 * one raw block plus the decoder's own state, whatever the file size.
 */
#include "decompress.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>
#include <zstd.h>

#include "util/buf.h"
#include "util/diag.h"
#include "util/xalloc.h"

/* Bytes read from the file per read(2) for compressed input. */
#define RAW_BLOCK (256u << 10)

enum codec { CODEC_PLAIN, CODEC_GZIP, CODEC_ZSTD };

struct source {
	int fd;
	bool own_fd;             /* false for stdin, which is never closed */
	const char *origin;
	enum codec codec;

	unsigned char *raw;      /* file bytes read but not decoded yet */
	size_t raw_pos, raw_len;
	bool raw_eof;
	uintmax_t raw_total;     /* bytes read from the file so far */
	intmax_t size;           /* the file's size, or -1 when it is not a regular file */

	z_stream gz;
	bool gz_ready;           /* inflateInit2() succeeded */
	bool gz_member_done;     /* inflate() reached the end of a gzip member */
	bool gz_finished;        /* no member follows: the stream has ended */

	ZSTD_DStream *zs;
	size_t zs_hint;          /* last ZSTD_decompressStream() result, 0 at a frame end */

	bool failed;
	struct buf error;
	struct buf warning;      /* a warning not yet taken by source_take_warning() */
};

static void source_fail(struct source *src, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void source_fail(struct source *src, const char *fmt, ...)
{
	va_list ap;

	if (src->failed)
		return;
	va_start(ap, fmt);
	buf_vprintf(&src->error, fmt, ap);
	va_end(ap);
	src->failed = true;
}

/* Appends file bytes to `raw`. Returns -1 on a read error, else 0. */
static int raw_read(struct source *src)
{
	ssize_t n;

	if (src->raw_pos > 0) {
		memmove(src->raw, src->raw + src->raw_pos, src->raw_len - src->raw_pos);
		src->raw_len -= src->raw_pos;
		src->raw_pos = 0;
	}
	if (src->raw_len == RAW_BLOCK || src->raw_eof)
		return 0;

	do
		n = read(src->fd, src->raw + src->raw_len, RAW_BLOCK - src->raw_len);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		source_fail(src, "read failed: %s", strerror(errno));
		return -1;
	}

	if (n == 0)
		src->raw_eof = true;
	src->raw_len += (size_t)n;
	src->raw_total += (uintmax_t)n;
	return 0;
}

/* Reads until `n` undecoded bytes are buffered. Returns false if the file ends first. */
static bool raw_want(struct source *src, size_t n)
{
	while (src->raw_len - src->raw_pos < n && !src->raw_eof) {
		if (raw_read(src) < 0)
			return false;
	}
	return src->raw_len - src->raw_pos >= n;
}

static ssize_t plain_read(struct source *src, char *dst, size_t cap)
{
	size_t have = src->raw_len - src->raw_pos;
	ssize_t n;

	if (have > 0) {
		n = (ssize_t)(have < cap ? have : cap);
		memcpy(dst, src->raw + src->raw_pos, (size_t)n);
		src->raw_pos += (size_t)n;
		return n;
	}
	if (src->raw_eof)
		return 0;

	do
		n = read(src->fd, dst, cap);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		source_fail(src, "read failed: %s", strerror(errno));
		return 0;
	}
	if (n == 0)
		src->raw_eof = true;
	src->raw_total += (uintmax_t)n;
	return n;
}

/*
 * Starts the next gzip member after one has ended, as gzip(1) reads
 * concatenated members as one stream. Returns false at the end of the data.
 */
static bool gzip_next_member(struct source *src)
{
	const unsigned char *p;

	if (!raw_want(src, 2)) {
		if (!src->failed && src->raw_pos < src->raw_len)
			buf_printf(&src->warning, "ignored 1 trailing byte after the gzip stream");
		src->gz_finished = true;
		return false;
	}

	p = src->raw + src->raw_pos;
	if (p[0] != 0x1f || p[1] != 0x8b) {
		buf_printf(&src->warning, "ignored trailing data after the gzip stream, from byte %ju on",
			   src->raw_total - (src->raw_len - src->raw_pos));
		src->gz_finished = true;
		return false;
	}

	inflateReset(&src->gz);
	src->gz_member_done = false;
	return true;
}

static ssize_t gzip_read(struct source *src, char *dst, size_t cap)
{
	z_stream *z = &src->gz;
	uInt room = cap > UINT_MAX ? UINT_MAX : (uInt)cap;
	uInt before;
	int ret;

	z->next_out = (Bytef *)dst;
	z->avail_out = room;
	while (z->avail_out > 0 && !src->gz_finished) {
		if (src->gz_member_done && !gzip_next_member(src))
			break;
		if (src->raw_pos == src->raw_len && raw_read(src) < 0)
			break;

		/* Called even without input: inflate() may hold decoded bytes back. */
		z->next_in = src->raw + src->raw_pos;
		z->avail_in = (uInt)(src->raw_len - src->raw_pos);
		before = z->avail_out;
		ret = inflate(z, Z_NO_FLUSH);
		src->raw_pos = src->raw_len - z->avail_in;
		if (ret == Z_STREAM_END) {
			src->gz_member_done = true;
		} else if (ret == Z_OK || ret == Z_BUF_ERROR) {
			if (z->avail_out == before && src->raw_pos == src->raw_len && src->raw_eof) {
				source_fail(src, "truncated gzip stream after %ju bytes", src->raw_total);
				break;
			}
		} else {
			source_fail(src, "corrupt gzip data near byte %ju: %s",
				    src->raw_total - (src->raw_len - src->raw_pos),
				    z->msg ? z->msg : zError(ret));
			break;
		}
	}
	return (ssize_t)(room - z->avail_out);
}

/* ZSTD_decompressStream() decodes frame after frame, skippable ones included. */
static ssize_t zstd_read(struct source *src, char *dst, size_t cap)
{
	ZSTD_outBuffer out = { dst, cap, 0 };

	while (out.pos < out.size) {
		ZSTD_inBuffer in;
		size_t before_in = src->raw_pos, before_out = out.pos, ret;

		if (src->raw_pos == src->raw_len && !src->raw_eof) {
			if (raw_read(src) < 0)
				break;
			continue;
		}
		if (src->raw_pos == src->raw_len && src->zs_hint == 0)
			break;

		in = (ZSTD_inBuffer){ src->raw, src->raw_len, src->raw_pos };
		ret = ZSTD_decompressStream(src->zs, &out, &in);
		src->raw_pos = in.pos;
		if (ZSTD_isError(ret)) {
			source_fail(src, "corrupt zstd data near byte %ju: %s",
				    src->raw_total - (src->raw_len - src->raw_pos),
				    ZSTD_getErrorName(ret));
			break;
		}

		src->zs_hint = ret;
		if (src->raw_pos == before_in && out.pos == before_out) {
			source_fail(src, "truncated zstd stream after %ju bytes", src->raw_total);
			break;
		}
	}
	return (ssize_t)out.pos;
}

static bool source_open_fd(struct source *src, const char *path)
{
	struct stat st;

	if (strcmp(path, "-") == 0) {
		src->fd = STDIN_FILENO;
	} else {
		src->fd = open(path, O_RDONLY | O_CLOEXEC);
		if (src->fd < 0) {
			diag_error("%s: cannot open: %s", src->origin, strerror(errno));
			return false;
		}
		src->own_fd = true;
	}

	/* Without fstat() the size stays unknown; reading will tell what is wrong. */
	if (fstat(src->fd, &st) != 0)
		return true;
	if (S_ISDIR(st.st_mode)) {
		diag_error("%s: is a directory; name the event files in it", src->origin);
		return false;
	}
	src->size = S_ISREG(st.st_mode) ? (intmax_t)st.st_size : -1;
	return true;
}

static bool source_start_codec(struct source *src)
{
	const unsigned char *p = src->raw + src->raw_pos;
	size_t have = src->raw_len - src->raw_pos;

	if (have >= 2 && p[0] == 0x1f && p[1] == 0x8b) {
		src->codec = CODEC_GZIP;
		/* 16 + MAX_WBITS: expect a gzip header and trailer, not zlib's. */
		if (inflateInit2(&src->gz, 16 + MAX_WBITS) != Z_OK) {
			diag_error("%s: cannot start gzip decompression: %s", src->origin,
				   src->gz.msg ? src->gz.msg : "out of memory");
			return false;
		}
		src->gz_ready = true;
	} else if (have >= 4 && p[0] == 0x28 && p[1] == 0xb5 && p[2] == 0x2f && p[3] == 0xfd) {
		src->codec = CODEC_ZSTD;
		src->zs = ZSTD_createDStream();
		if (src->zs == NULL || ZSTD_isError(ZSTD_initDStream(src->zs))) {
			diag_error("%s: cannot start zstd decompression", src->origin);
			return false;
		}
	}
	return true;
}

struct source *source_open(const char *path, const char *origin)
{
	struct source *src = xcalloc(1, sizeof(*src));

	src->fd = -1;
	src->size = -1;
	src->origin = origin;
	src->zs_hint = 1;
	src->raw = xmalloc(RAW_BLOCK);
	if (!source_open_fd(src, path))
		goto fail;

	raw_want(src, 4);
	if (src->failed) {
		diag_error("%s: %s", origin, src->error.data);
		goto fail;
	}
	if (!source_start_codec(src))
		goto fail;
	return src;

fail:
	source_close(src);
	return NULL;
}

ssize_t source_read(struct source *src, char *dst, size_t cap)
{
	ssize_t n = 0;

	if (src->failed)
		return -1;

	switch (src->codec) {
	case CODEC_PLAIN: n = plain_read(src, dst, cap); break;
	case CODEC_GZIP: n = gzip_read(src, dst, cap); break;
	case CODEC_ZSTD: n = zstd_read(src, dst, cap); break;
	}

	/* Bytes decoded before an error are handed out first. */
	if (n > 0)
		return n;
	return src->failed ? -1 : 0;
}

uintmax_t source_bytes_read(const struct source *src)
{
	return src->raw_total;
}

intmax_t source_size(const struct source *src)
{
	return src->size;
}

int source_plain_fd(const struct source *src)
{
	return src->codec == CODEC_PLAIN && src->size >= 0 && !src->failed ? src->fd : -1;
}

const char *source_error(const struct source *src)
{
	return src->failed ? src->error.data : "";
}

const char *source_take_warning(struct source *src, struct buf *out)
{
	if (src->warning.len == 0)
		return NULL;
	buf_clear(out);
	buf_puts(out, src->warning.data);
	buf_clear(&src->warning);
	return out->data;
}

void source_close(struct source *src)
{
	if (src == NULL)
		return;

	if (src->gz_ready)
		inflateEnd(&src->gz);
	ZSTD_freeDStream(src->zs);
	if (src->own_fd && src->fd >= 0)
		close(src->fd);
	buf_free(&src->error);
	buf_free(&src->warning);
	free(src->raw);
	free(src);
}
