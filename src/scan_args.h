/*
 * The options every command that judges findings takes (scan, fix): the store, the filters,
 * the accepted risks, --exit-code and --quiet; parsed once, so that both read them alike.
 */
#ifndef KMEND_SCAN_ARGS_H
#define KMEND_SCAN_ARGS_H

#include <getopt.h>
#include <stdbool.h>

#include "ignore.h"
#include "report.h"
#include "vulndb.h"

struct cli_scan_args {
	char dbpath[4096];
	const char *ignore_file;
	struct kmend_report_filter filter; /* filter.ignore points at ignore once loaded */
	struct kmend_ignore ignore;
	char statuses[512]; /* --ignore-status in kmend's spelling */
	int exit_code;      /* --exit-code */
	bool quiet;         /* -q */
};

/* getopt_long entries (values 0x200 and up, and 'q'), to put in a command's option table. */
/* clang-format off */
#define CLI_SCAN_OPTIONS                                          \
	{"quiet", no_argument, NULL, 'q'},                        \
	{"db", required_argument, NULL, 0x200},                   \
	{"severity", required_argument, NULL, 0x201},             \
	{"ignore-unfixed", no_argument, NULL, 0x202},             \
	{"ignore-status", required_argument, NULL, 0x203},        \
	{"exit-code", required_argument, NULL, 0x204},            \
	{"ignore-file", required_argument, NULL, 0x205}
/* clang-format on */

/* The --help lines for them. */
extern const char cli_scan_options_help[];

void cli_scan_args_init(struct cli_scan_args *a);

/* Take option c if it is one of CLI_SCAN_OPTIONS: 1 taken, 0 not ours, <0 usage error. */
int cli_scan_args_take(struct cli_scan_args *a, const char *command, int c, const char *arg);

/*
 * Load the ignore file (saying on stderr which rules expired) and open the store read-only.
 * Returns 0 or the exit code of the error it printed.
 */
int cli_scan_args_finish(struct cli_scan_args *a, const char *command, struct kmend_vulndb **db);

void cli_scan_args_free(struct cli_scan_args *a);

#endif
