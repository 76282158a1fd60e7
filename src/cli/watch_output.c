/*
 * Output files of `watch`. They are opened with O_APPEND so that a log
 * shipper reading them and a rotation renaming them are never confused
 * about the write position.
 */
#include "watch_output.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio_ext.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/diag.h"

/* Output lines are buffered and flushed after each batch of events. */
#define OUTPUT_BUFFER (1 << 16)

static FILE *open_append(const char *path)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	FILE *f;

	if (fd < 0)
		return NULL;
	f = fdopen(fd, "a");
	if (f == NULL) {
		close(fd);
		return NULL;
	}
	setvbuf(f, NULL, _IOFBF, OUTPUT_BUFFER);
	return f;
}

bool watch_output_open(struct watch_output *out, const char *path)
{
	memset(out, 0, sizeof(*out));
	out->path = path;
	if (strcmp(path, "-") == 0) {
		out->name = "stdout";
		out->f = stdout;
		return true;
	}
	out->name = path;
	out->f = open_append(path);
	if (out->f == NULL) {
		diag_error("cannot open '%s' for writing: %s", path, strerror(errno));
		return false;
	}
	return true;
}

void watch_output_reopen(struct watch_output *out)
{
	FILE *f;

	if (out->f == stdout)
		return;
	fflush(out->f);
	f = open_append(out->path);
	if (f == NULL) {
		diag_error("cannot reopen '%s' after SIGHUP: %s; still writing to the file "
			   "opened before", out->path, strerror(errno));
		return;
	}
	if (fclose(out->f) != 0) {
		out->failed = true;
		out->error = errno;
	}
	out->f = f;
}

void watch_output_line(struct watch_output *out, const char *text, size_t len)
{
	if (!out->failed && (fwrite(text, 1, len, out->f) != len || putc('\n', out->f) == EOF)) {
		out->failed = true;
		out->error = errno;
	}
}

/*
 * Ends a line cut by a failed write: O_APPEND puts the newline after it,
 * before the buffered lines. A pipe or terminal has no tail to read.
 */
static bool mend_tail(struct watch_output *out)
{
	int fd = fileno(out->f);
	struct stat st;
	char last;

	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size == 0)
		return true;
	if (pread(fd, &last, 1, st.st_size - 1) != 1)
		return false;
	return last == '\n' || write(fd, "\n", 1) == 1;
}

/* Drops the lines that could not be written; the next batch tries again. */
static void record_failure(struct watch_output *out, int error)
{
	out->failures++;
	out->torn = true;
	__fpurge(out->f);
	clearerr(out->f);
	if (out->reported)
		return;
	out->reported = true;
	/* stdout is never reopened and a closed pipe stays closed, so the message gives the way out. */
	diag_error("writing to %s failed: %s; the sensor keeps watching and tries again with "
		   "the next events%s; lost batches are counted in the stats as \"failed writes\"",
		   out->name, strerror(error),
		   out->f != stdout ? " (and on SIGHUP)"
		   : error == EPIPE ? " (a closed pipe stays closed: restart the sensor with another output)"
		   : "");
}

bool watch_output_flush(struct watch_output *out)
{
	int error = out->error;

	if (out->torn && !mend_tail(out)) {
		out->failed = true;
		error = errno;
	}
	if (!out->failed && fflush(out->f) != 0) {
		out->failed = true;
		error = errno;
	}
	if (!out->failed) {
		out->torn = false;
		return true;
	}
	record_failure(out, error != 0 ? error : EIO);
	out->failed = false;
	out->error = 0;
	return false;
}

void watch_output_close(struct watch_output *out)
{
	if (out->f != NULL && out->f != stdout)
		fclose(out->f);
	else if (out->f == stdout)
		fflush(stdout);
	out->f = NULL;
}

bool watch_output_same(const struct watch_output *a, const struct watch_output *b)
{
	struct stat sa, sb;

	if (a->f == NULL || b->f == NULL || fstat(fileno(a->f), &sa) != 0 || fstat(fileno(b->f), &sb) != 0)
		return false;
	return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}
