/* Exit codes and error output shared by every command. */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

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
	char buf[1200];

	fprintf(stderr, "kmend %s: %s\n", command, kmend_error_format(err, buf, sizeof(buf)));
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
