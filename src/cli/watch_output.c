/*
 * Output files of `watch`. They are opened with O_APPEND so that a log
 * shipper reading them and a rotation renaming them are never confused
 * about the write position.
 */
#include "watch_output.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
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
	if (fclose(out->f) != 0)
		out->failed = true;
	out->f = f;
}

void watch_output_line(struct watch_output *out, const char *text, size_t len)
{
	if (fwrite(text, 1, len, out->f) != len || putc('\n', out->f) == EOF)
		out->failed = true;
}

bool watch_output_flush(struct watch_output *out)
{
	if (fflush(out->f) != 0)
		out->failed = true;
	if (out->failed)
		diag_error("writing to %s failed: %s", out->name, strerror(errno));
	return !out->failed;
}

void watch_output_close(struct watch_output *out)
{
	if (out->f != NULL && out->f != stdout)
		fclose(out->f);
	else if (out->f == stdout)
		fflush(stdout);
	out->f = NULL;
}
