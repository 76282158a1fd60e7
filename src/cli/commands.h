/*
 * The command table: each command is one entry (name, summary, function)
 * implemented in its own cmd_*.c file.
 */
#ifndef SW_COMMANDS_H
#define SW_COMMANDS_H

/* Exit statuses shared by every command. */
enum {
	EXIT_NOTHING_FOUND = 0,
	EXIT_FOUND = 1,
	EXIT_FATAL = 2,
};

struct command {
	const char *name;
	const char *summary;
	int (*run)(int argc, char **argv);
};

int cmd_detect(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_scan(int argc, char **argv);
#ifdef __linux__
int cmd_watch(int argc, char **argv);
#endif

#endif
