/* Parsing the options shared by scan and fix: store, filters, accepted risks, exit code. */
#include "scan_args.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "feed.h"

const char cli_scan_options_help[] =
    "  -q, --quiet                no warnings or notes on standard error, only errors\n"
    "  --db PATH                  the vulnerability store (default:\n"
    "                             $XDG_CACHE_HOME/kmend/vuln.db)\n"
    "  --severity LIST            only these severities, comma-separated, any case:\n"
    "                             critical, high, medium, low, negligible, unknown\n"
    "  --ignore-unfixed           leave out vulnerabilities with no fix published\n"
    "  --ignore-status LIST       leave out findings whose feed status is one of LIST\n"
    "                             (comma-separated: no-dsa, postponed, end-of-life...)\n"
    "  --ignore-file FILE         accepted risks: YAML 'ignore: [{id, package, expires,\n"
    "                             reason}]' (docs/scan.md); expired entries stop applying\n"
    "  --exit-code N              exit with N (0-255) when findings remain (default: 0)\n";

void cli_scan_args_init(struct cli_scan_args *a)
{
	memset(a, 0, sizeof(*a));
	a->filter.now = time(NULL);
}

/*
 * --ignore-status: every comma-separated word one of the feeds' statuses (any case, '_' or
 * ' ' for '-'), written into out in kmend's spelling ("no-dsa,will-not-fix").
 */
static int check_statuses(const char *list, char *out, size_t size)
{
	char buf[512], *save = NULL;
	size_t n = 0;

	snprintf(buf, sizeof(buf), "%s", list);
	out[0] = '\0';
	for (char *w = strtok_r(buf, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		const char *status = kmend_feed_status(w);
		if (!status)
			return -1;
		n += (size_t)snprintf(out + n, n < size ? size - n : 0, "%s%s", n ? "," : "",
		                      status);
	}
	return n && n < size ? 0 : -1;
}

/* "no-dsa, postponed, ...": the words --ignore-status takes. */
static const char *status_words(void)
{
	static char words[512];
	size_t n = 0;

	for (size_t i = 0; kmend_feed_statuses[i] && n < sizeof(words); i++)
		n += (size_t)snprintf(words + n, sizeof(words) - n, "%s%s", i ? ", " : "",
		                      kmend_feed_statuses[i]);
	return words;
}

int cli_scan_args_take(struct cli_scan_args *a, const char *command, int c, const char *arg)
{
	struct kmend_error err;

	switch (c) {
	case 'q': a->quiet = true; return 1;
	case 0x200: snprintf(a->dbpath, sizeof(a->dbpath), "%s", arg); return 1;
	case 0x201:
		if (kmend_severity_parse_list(arg, &a->filter.severities, &err) < 0)
			return -cli_usage_error(command, "bad --severity: %s", err.message);
		return 1;
	case 0x202: a->filter.ignore_unfixed = true; return 1;
	case 0x203:
		/* A misspelt status would hide nothing, silently: only the feeds' words. */
		if (check_statuses(arg, a->statuses, sizeof(a->statuses)) < 0)
			return -cli_usage_error(command,
			                        "bad --ignore-status '%s': the statuses are %s",
			                        arg, status_words());
		a->filter.ignore_statuses = a->statuses;
		return 1;
	case 0x204:
		if (cli_parse_exit_code(arg, &a->exit_code) < 0)
			return -cli_usage_error(
			    command, "bad --exit-code '%s': give an integer from 0 to 255", arg);
		return 1;
	case 0x205: a->ignore_file = arg; return 1;
	default: return 0;
	}
}

int cli_scan_args_finish(struct cli_scan_args *a, const char *command, struct kmend_vulndb **db)
{
	struct kmend_error err;

	*db = NULL;
	if (a->ignore_file) {
		if (kmend_ignore_load(a->ignore_file, &a->ignore, &err) < 0)
			return cli_report(command, &err);
		for (size_t i = 0; i < a->ignore.count && !a->quiet; i++)
			if (a->ignore.rules[i].expires &&
			    a->filter.now >= a->ignore.rules[i].expires)
				fprintf(
				    stderr,
				    "kmend %s: warning: %s: the rule for %s expired on %s and no "
				    "longer applies\n",
				    command, a->ignore_file, a->ignore.rules[i].id,
				    a->ignore.rules[i].expires_text);
		a->filter.ignore = &a->ignore;
	}
	if (!a->dbpath[0] && kmend_vulndb_default_path(a->dbpath, sizeof(a->dbpath)) < 0)
		return cli_usage_error(command,
		                       "no cache directory: set XDG_CACHE_HOME or use --db");
	if (kmend_vulndb_open(a->dbpath, false, db, &err) < 0)
		return cli_report(command, &err);
	return 0;
}

void cli_scan_args_free(struct cli_scan_args *a)
{
	kmend_ignore_free(&a->ignore);
	a->filter.ignore = NULL;
}
