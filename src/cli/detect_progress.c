#include "detect_progress.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* Ticks between two looks at the clock: about a megabyte of NDJSON. */
#define TICKS_PER_CHECK 1024
/* The line appears after this long, and is redrawn at most this often. */
#define FIRST_DRAW_NS 1000000000LL
#define REDRAW_NS 250000000LL

static int64_t elapsed_ns(const struct timespec *from, const struct timespec *to)
{
	return (int64_t)(to->tv_sec - from->tv_sec) * 1000000000LL + (to->tv_nsec - from->tv_nsec);
}

void detect_progress_init(struct detect_progress *p, bool wanted)
{
	memset(p, 0, sizeof(*p));
	p->enabled = wanted && isatty(STDERR_FILENO);
	clock_gettime(CLOCK_MONOTONIC, &p->start);
	p->last_draw = p->start;
}

void detect_progress_file(struct detect_progress *p, const struct input *in, const char *origin)
{
	p->in = in;
	p->origin = origin;
}

void detect_progress_file_end(struct detect_progress *p)
{
	if (p->in != NULL)
		p->done_bytes += input_offset(p->in);
	p->in = NULL;
}

/* Writes `bytes` as "512.0 KB", "340.2 MB" or "1.0 GB" (units of 1024). */
static void format_bytes(char *out, size_t size, double bytes)
{
	static const char *const units[] = { "B", "KB", "MB", "GB", "TB" };
	size_t u = 0;

	while (bytes >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
		bytes /= 1024;
		u++;
	}
	snprintf(out, size, "%.1f %s", bytes, units[u]);
}

/* The terminal's width, or 80 when it cannot be read. */
static int terminal_width(void)
{
	struct winsize ws;

	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return 80;
}

static void draw(struct detect_progress *p, const struct timespec *now, uint64_t results)
{
	uintmax_t offset = input_offset(p->in);
	intmax_t size = input_size(p->in);
	double seconds = (double)elapsed_ns(&p->start, now) / 1e9;
	char read[32], total[32], rate[32], line[512];
	int width = terminal_width(), n;

	format_bytes(read, sizeof(read), (double)offset);
	format_bytes(rate, sizeof(rate), (double)(p->done_bytes + offset) / seconds);
	if (size > 0) {
		format_bytes(total, sizeof(total), (double)size);
		n = snprintf(line, sizeof(line), "sitewatch: %s: %s of %s (%.0f%%), %s/s, %" PRIu64
			     " results", p->origin, read, total, 100.0 * (double)offset / (double)size,
			     rate, results);
	} else {
		n = snprintf(line, sizeof(line), "sitewatch: %s: %s, %s/s, %" PRIu64 " results",
			     p->origin, read, rate, results);
	}
	/* A line that wraps could not be erased with a carriage return. */
	if (n >= width)
		n = width - 1;
	if (n >= (int)sizeof(line))
		n = (int)sizeof(line) - 1;
	fprintf(stderr, "\r%.*s\033[K", n, line);
	fflush(stderr);
	p->shown = true;
	p->last_draw = *now;
}

void detect_progress_tick(struct detect_progress *p, uint64_t results)
{
	struct timespec now;

	if (!p->enabled || p->in == NULL || ++p->ticks < TICKS_PER_CHECK)
		return;
	p->ticks = 0;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (elapsed_ns(&p->start, &now) < FIRST_DRAW_NS || elapsed_ns(&p->last_draw, &now) < REDRAW_NS)
		return;
	draw(p, &now, results);
}

void detect_progress_end(struct detect_progress *p)
{
	if (p->shown) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
	}
	p->shown = false;
	p->in = NULL;
}
