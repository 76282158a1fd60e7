/*
 * sitewatch: finds persistence through Python startup hooks (MITRE ATT&CK
 * T1546.018). Dispatches to one command per cmd_*.c file.
 */
#include <stdio.h>
#include <string.h>

#include "commands.h"

static const struct command commands[] = {
	{ "detect", "run EQL rules or a query over ECS event logs", cmd_detect },
	{ "check", "lint EQL rules or a query without running them", cmd_check },
	{ "scan", "list the Python start-up hooks of this host or an image, with verdicts", cmd_scan },
#ifdef __linux__
	{ "watch", "watch this Linux host's files live and run the rules on them", cmd_watch },
#endif
};

static const size_t ncommands = sizeof(commands) / sizeof(commands[0]);

static void usage(FILE *out)
{
	fputs("usage: sitewatch [--version] [--help] COMMAND [ARGS...]\n\n"
	      "Finds persistence through Python startup hooks (MITRE ATT&CK T1546.018).\n\n"
	      "Commands:\n", out);
	for (size_t i = 0; i < ncommands; i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fputs("\nRun 'sitewatch COMMAND --help' for a command's options, or see sitewatch(1).\n"
	      "Exit status: 0 nothing found, 1 alerts or matches found, 2 fatal error.\n", out);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_FATAL;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("sitewatch %s\n", SITEWATCH_VERSION);
		return EXIT_NOTHING_FOUND;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return EXIT_NOTHING_FOUND;
	}

	for (size_t i = 0; i < ncommands; i++) {
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	}
	fprintf(stderr, "sitewatch: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return EXIT_FATAL;
}
