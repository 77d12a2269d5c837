/* kmend vercmp: compare two versions, or many pairs from standard input, as the distribution does.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "kmend_limits.h"
#include "version.h"

static void vercmp_usage(void)
{
	printf("Usage: kmend vercmp SCHEME A B\n"
	       "       kmend vercmp SCHEME --batch < PAIRS\n"
	       "\n"
	       "Compare package versions exactly as the distribution's own tool does and print\n"
	       "one of '<', '=' or '>' (A sorts before, equal to, or after B).\n"
	       "\n"
	       "Schemes:\n");
	for (size_t i = 0; kmend_version_schemes[i]; i++)
		printf("  %-5s %s\n", kmend_version_schemes[i]->name,
		       kmend_version_schemes[i]->description);
	printf("\n"
	       "Options:\n"
	       "  --batch     read lines 'A<TAB>B' from standard input and print one result per\n"
	       "              line, in order: '<', '=', '>' or 'error: ...' for that line\n"
	       "  -h, --help  show this help\n"
	       "\n"
	       "Exit status: 0 when every comparison was made; 2 on bad usage or when any\n"
	       "version is invalid (in --batch mode, after answering every line).\n");
}

static const char *const vercmp_symbols[] = {"<", "=", ">"};

static int vercmp_one(const struct kmend_version_scheme *scheme, const char *a, const char *b)
{
	struct kmend_error err;
	int result;
	int r = kmend_version_compare(scheme, a, b, &result, &err);

	if (r < 0)
		return cli_report("vercmp", &err);
	puts(vercmp_symbols[result + 1]);
	return KMEND_EXIT_OK;
}

/* Skip the rest of an over-long line; false at end of input. */
static int drain_line(FILE *in)
{
	int c;

	while ((c = getc_unlocked(in)) != EOF)
		if (c == '\n')
			return 1;
	return 0;
}

static int vercmp_batch(const struct kmend_version_scheme *scheme, FILE *in, FILE *out)
{
	static char line[KMEND_LINE_MAX + 2];
	struct kmend_error err;
	long lineno = 0;
	int failed = 0;

	while (fgets(line, sizeof(line), in)) {
		size_t len = strlen(line);
		char *tab;
		int result;

		lineno++;
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		else if (len == sizeof(line) - 1) {
			fprintf(out, "error: line %ld is longer than %d bytes\n", lineno,
			        KMEND_LINE_MAX);
			failed = 1;
			if (!drain_line(in))
				break;
			continue;
		}
		if (len > 0 && line[len - 1] == '\r')
			line[--len] = '\0';
		tab = memchr(line, '\t', len);
		if (!tab) {
			fprintf(out, "error: line %ld: expected two versions separated by a tab\n",
			        lineno);
			failed = 1;
			continue;
		}
		if (scheme->compare(line, (size_t)(tab - line), tab + 1,
		                    len - (size_t)(tab - line) - 1, &result, &err) < 0) {
			char buf[1200];
			fprintf(out, "error: line %ld: %s\n", lineno,
			        kmend_error_format(&err, buf, sizeof(buf)));
			failed = 1;
			continue;
		}
		fputs(vercmp_symbols[result + 1], out);
		putc_unlocked('\n', out);
	}
	if (ferror(in)) {
		perror("kmend vercmp: reading standard input");
		return KMEND_EXIT_FAILURE;
	}
	if (fflush(out) != 0) {
		perror("kmend vercmp: writing standard output");
		return KMEND_EXIT_FAILURE;
	}
	return failed ? KMEND_EXIT_USAGE : KMEND_EXIT_OK;
}

static int vercmp_run(int argc, char **argv)
{
	const struct kmend_version_scheme *scheme;
	const char *operands[3];
	int n = 0, batch = 0, options_done = 0;

	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];

		if (!options_done && cli_is_help(arg)) {
			vercmp_usage();
			return KMEND_EXIT_OK;
		} else if (!options_done && strcmp(arg, "--batch") == 0) {
			batch = 1;
		} else if (!options_done && strcmp(arg, "--") == 0) {
			options_done = 1;
		} else if (!options_done && arg[0] == '-' && arg[1]) {
			return cli_usage_error("vercmp", "unknown option '%s'", arg);
		} else if (n < 3) {
			operands[n++] = arg;
		} else {
			return cli_extra_arguments("vercmp", arg);
		}
	}
	if (n == 0)
		return cli_usage_error("vercmp", "missing the version scheme (deb, rpm or apk)");
	scheme = kmend_version_scheme_find(operands[0]);
	if (!scheme)
		return cli_usage_error("vercmp", "unknown version scheme '%s'; use deb, rpm or apk",
		                       operands[0]);
	if (batch) {
		if (n != 1)
			return cli_usage_error("vercmp", "--batch reads versions from standard "
			                                 "input and takes no version arguments");
		return vercmp_batch(scheme, stdin, stdout);
	}
	if (n != 3)
		return cli_usage_error("vercmp", "expected two versions to compare");
	return vercmp_one(scheme, operands[1], operands[2]);
}

const struct cli_command cli_vercmp = {
    .name = "vercmp",
    .summary = "compare two package versions (deb, rpm, apk) as the distribution does",
    .run = vercmp_run,
    .usage = vercmp_usage,
};
