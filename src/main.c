/* kmend: the command-line entry point; finds the command and runs it. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

#ifndef KMEND_VERSION_STRING
#define KMEND_VERSION_STRING "unknown"
#endif

static void version_usage(void)
{
	printf("Usage: kmend version (or kmend --version)\n"
	       "\n"
	       "Print kmend's version.\n");
}

static int version_run(int argc, char **argv)
{
	if (argc > 1)
		return cli_is_help(argv[1]) ? (version_usage(), KMEND_EXIT_OK)
		                            : cli_extra_arguments("version", argv[1]);
	printf("kmend %s\n", KMEND_VERSION_STRING);
	return fflush(stdout) == 0 ? KMEND_EXIT_OK : KMEND_EXIT_FAILURE;
}

static const struct cli_command cli_version = {
    .name = "version",
    .summary = "print kmend's version",
    .run = version_run,
    .usage = version_usage,
};

static const struct cli_command *const commands[] = {
    &cli_scan,      &cli_fix, &cli_apply,  &cli_revert,  &cli_harden,
    &cli_inventory, &cli_db,  &cli_vercmp, &cli_version, NULL,
};

static void usage(FILE *out)
{
	fprintf(out, "Usage: kmend COMMAND [OPTIONS] [ARGS]\n"
	             "\n"
	             "Find and repair vulnerable OS packages in the container images that\n"
	             "Kubernetes workloads run.\n"
	             "\n"
	             "Commands:\n");
	for (size_t i = 0; commands[i]; i++)
		fprintf(out, "  %-10s %s\n", commands[i]->name, commands[i]->summary);
	fprintf(out, "\n"
	             "Options:\n"
	             "  -h, --help     show this help; 'kmend COMMAND --help' for a command\n"
	             "  -V, --version  print kmend's version\n"
	             "\n"
	             "Exit status: 0 ok, 1 findings at or above the requested severity,\n"
	             "2 bad usage or input, 3 operational failure.\n");
}

static const struct cli_command *find_command(const char *name)
{
	for (size_t i = 0; commands[i]; i++)
		if (strcmp(commands[i]->name, name) == 0)
			return commands[i];
	return NULL;
}

int main(int argc, char **argv)
{
	const struct cli_command *cmd;

	if (argc < 2) {
		usage(stderr);
		return KMEND_EXIT_USAGE;
	}
	if (cli_is_help(argv[1])) {
		usage(stdout);
		return KMEND_EXIT_OK;
	}
	if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0)
		return version_run(argc - 1, argv + 1);
	if (strcmp(argv[1], "help") == 0) {
		if (argc < 3) {
			usage(stdout);
			return KMEND_EXIT_OK;
		}
		if (argc > 3)
			return cli_extra_arguments("help", argv[3]);
		cmd = find_command(argv[2]);
		if (!cmd) {
			fprintf(stderr, "kmend: unknown command '%s' (see 'kmend --help')\n",
			        argv[2]);
			return KMEND_EXIT_USAGE;
		}
		cmd->usage();
		return KMEND_EXIT_OK;
	}
	cmd = find_command(argv[1]);
	if (!cmd) {
		fprintf(stderr, "kmend: unknown command '%s' (see 'kmend --help')\n", argv[1]);
		return KMEND_EXIT_USAGE;
	}
	return cmd->run(argc - 1, argv + 1);
}
