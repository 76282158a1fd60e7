/*
 * Option values shared by the commands: counts, durations, and getopt's
 * errors worded as sitewatch words its other messages. Each function
 * prints its own error (naming the option and the value) and returns
 * false on a bad value; nothing is allocated.
 */
#ifndef SW_CLI_OPTIONS_H
#define SW_CLI_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

/* -q: takes `arg` as *query; a second -q is an error. */
bool cli_set_query(const char **query, const char *arg);

/* A whole number of at least `min`. */
bool cli_parse_count(const char *option, const char *text, int64_t min, int64_t *out);

/*
 * A duration in milliseconds: a number with a unit of ms, s, m, h or d
 * ("500ms", "0.5s", "10m"), or a bare number of milliseconds. A fraction
 * must come to whole milliseconds.
 */
bool cli_parse_duration(const char *option, const char *text, int64_t *ms);

/*
 * Reports the error getopt_long() returned for the option just read (':'
 * a missing value, '?' an unknown option), for a loop run with opterr = 0
 * and an optstring that starts with ':'.
 */
void cli_option_error(const char *command, int opt, char **argv);

#endif
