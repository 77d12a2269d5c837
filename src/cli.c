/* Exit codes and error output shared by every command. */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "safetext.h"

int cli_exit_code(int code)
{
	switch (-code) {
	case 0: return KMEND_EXIT_OK;
	case KMEND_E_BAD_VERSION:
	case KMEND_E_BAD_INPUT:
	case KMEND_E_TOO_LARGE:
	case KMEND_E_UNKNOWN_NAME:
	case KMEND_E_DIGEST:
	case KMEND_E_NOT_FOUND:
	case KMEND_E_UNSUPPORTED:
	case EINVAL:
	case ENOENT:
	case EISDIR:
	case ENOTDIR:
	case EACCES: return KMEND_EXIT_USAGE;
	default: return KMEND_EXIT_FAILURE;
	}
}

int cli_report(const char *command, const struct kmend_error *err)
{
	char buf[1200], safe[4096];

	/* The error may quote an image or a manifest: never a control sequence on a terminal. */
	fprintf(
	    stderr, "kmend %s: %s\n", command,
	    kmend_text_for_terminal(kmend_error_format(err, buf, sizeof(buf)), safe, sizeof(safe)));
	return cli_exit_code(err->code);
}

int cli_usage_error(const char *command, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "kmend %s: ", command);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see 'kmend %s --help')\n", command);
	return KMEND_EXIT_USAGE;
}

int cli_is_help(const char *arg)
{
	return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}

int cli_unknown_option(const char *command, int argc, char **argv)
{
	const char *arg = optind > 0 && optind <= argc ? argv[optind - 1] : "";

	if (optopt && !(arg[0] == '-' && arg[1] == '-'))
		return cli_usage_error(command, "unknown option or missing value: -%c", optopt);
	return cli_usage_error(command, "unknown option or missing value in '%s'", arg);
}

int cli_extra_arguments(const char *command, const char *first)
{
	return cli_usage_error(command, "unexpected argument '%s'", first);
}

int cli_parse_exit_code(const char *arg, int *code)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (!*arg || *end || errno || v < 0 || v > 255)
		return -1;
	*code = (int)v;
	return 0;
}

int cli_parse_duration(const char *s)
{
	long total = 0;
	bool any = false;

	while (*s) {
		char *end;
		long n;

		if (*s < '0' || *s > '9')
			return -1;
		errno = 0;
		n = strtol(s, &end, 10);
		if (errno || n > 86400)
			return -1;
		switch (*end) {
		case 'h':
			n *= 3600;
			end++;
			break;
		case 'm':
			n *= 60;
			end++;
			break;
		case 's': end++; break;
		case '\0':
			if (any) /* a bare number only alone: "1h30" is a mistake, not 1h30s */
				return -1;
			break;
		default: return -1;
		}
		total += n;
		any = true;
		s = end;
		if (total > 86400)
			return -1;
	}
	return any && total > 0 ? (int)total : -1;
}
