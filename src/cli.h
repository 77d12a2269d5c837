/* What the kmend commands share: exit codes, error output, the command table. */
#ifndef KMEND_CLI_H
#define KMEND_CLI_H

#include "error.h"

/* Exit codes, the same for every command (docs/cli.md). */
enum {
	KMEND_EXIT_OK = 0,
	KMEND_EXIT_FINDINGS = 1, /* findings at or above the requested severity */
	KMEND_EXIT_USAGE = 2,    /* bad usage or bad input */
	KMEND_EXIT_FAILURE = 3,  /* operational failure: network, registry, cluster, disk */
};

struct cli_command {
	const char *name;
	const char *summary;
	int (*run)(int argc, char **argv); /* argv[0] is the command's name; returns an exit code */
	void (*usage)(void);               /* prints the command's --help to stdout */
};

extern const struct cli_command cli_apply;
extern const struct cli_command cli_db;
extern const struct cli_command cli_fix;
extern const struct cli_command cli_harden;
extern const struct cli_command cli_inventory;
extern const struct cli_command cli_revert;
extern const struct cli_command cli_scan;
extern const struct cli_command cli_vercmp;

/* The exit code that suits a library return value (negative errno or kmend code). */
int cli_exit_code(int code);

/* Print "kmend CMD: <error>" to stderr and return cli_exit_code(err->code). */
int cli_report(const char *command, const struct kmend_error *err);

/* Print "kmend CMD: <printf message>" and a hint to run --help; returns KMEND_EXIT_USAGE. */
int cli_usage_error(const char *command, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* True when arg is -h or --help. */
int cli_is_help(const char *arg);

/*
 * The usage error for getopt_long's '?' or ':' (call right after it returned one): names the
 * option that is unknown or lacks its value. Returns KMEND_EXIT_USAGE.
 */
int cli_unknown_option(const char *command, int argc, char **argv);

/* Arguments left after the ones a command takes: a usage error naming the first. */
int cli_extra_arguments(const char *command, const char *first);

/* An --exit-code value: an integer from 0 to 255, nothing else. 0 or -1. */
int cli_parse_exit_code(const char *arg, int *code);

/* "90", "90s", "5m", "1h30m" (a timeout) in seconds; -1 when it is none of these or over 24h. */
int cli_parse_duration(const char *s);

#endif
