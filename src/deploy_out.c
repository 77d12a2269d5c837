/* What apply and revert --cluster tell about deploying (deploy_out.h). */
#include "deploy_out.h"

#include <stdarg.h>
#include <string.h>
#include <time.h>

void deploy_now_iso(char out[32])
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void deploy_say(const char *command, const char *fmt, ...)
{
	char when[32];
	va_list ap;

	deploy_now_iso(when);
	fprintf(stderr, "%s kmend %s: ", when, command);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void deploy_print_reason(FILE *fp, const char *indent, const struct kmend_workload_status *s)
{
	fprintf(fp, "%s%s", indent, kmend_failure_name(s->failure));
	if (s->container[0])
		fprintf(fp, ": container %s", s->container);
	if (s->pod[0])
		fprintf(fp, " of pod %s", s->pod);
	if (s->exit_code >= 0)
		fprintf(fp, " exited with code %d", s->exit_code);
	fputc('\n', fp);
	if (s->condition[0])
		fprintf(fp, "%s  pod condition: %s\n", indent, s->condition);
	if (s->state_reason[0])
		fprintf(fp, "%s  container state: %s\n", indent, s->state_reason);
	if (s->message[0])
		fprintf(fp, "%s  message: %s\n", indent, s->message);
	if (s->log[0]) {
		const char *line = s->log, *nl;

		fprintf(fp, "%s  last lines of its log:\n", indent);
		for (; *line; line = nl ? nl + 1 : line + strlen(line)) {
			nl = strchr(line, '\n');
			fprintf(fp, "%s    %.*s\n", indent,
			        nl ? (int)(nl - line) : (int)strlen(line), line);
		}
	}
}

const char *deploy_health_name(enum kmend_health h)
{
	return h == KMEND_HEALTH_HEALTHY  ? "healthy"
	       : h == KMEND_HEALTH_FAILED ? "failed"
	                                  : "progressing";
}
