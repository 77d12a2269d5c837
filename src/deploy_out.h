/* What apply and revert --cluster tell about deploying: timestamped actions, failure reasons. */
#ifndef KMEND_DEPLOY_OUT_H
#define KMEND_DEPLOY_OUT_H

#include <stdio.h>

#include "deploy.h"

/* The time now, UTC, as 2026-11-24T00:40:01Z. */
void deploy_now_iso(char out[32]);

/* One action, on standard error, after the time and "kmend COMMAND: ". */
void deploy_say(const char *command, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* "healthy", "failed" or "progressing". */
const char *deploy_health_name(enum kmend_health h);

/*
 * Why a workload failed, as lines under indent: the failure's name, container, pod and exit
 * code, then the pod condition, the container state, the message and the log's last lines.
 */
void deploy_print_reason(FILE *fp, const char *indent, const struct kmend_workload_status *s);

#endif
