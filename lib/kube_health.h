/* A Kubernetes workload's health, read from the objects the API server returns. */
#ifndef KMEND_KUBE_HEALTH_H
#define KMEND_KUBE_HEALTH_H

#include <jansson.h>

#include "deploy.h"

/*
 * Decide whether workload (a Deployment, StatefulSet, DaemonSet, ReplicaSet,
 * Job or Pod object as the API server returns it; for a CronJob, the newest
 * Job it made) is healthy, failed or still progressing, as `kubectl rollout
 * status` would, and why it failed, from:
 * - pods: a JSON array of its current pods (for a Deployment, those of its
 *   newest ReplicaSet), may be NULL for a Pod (the workload is the pod);
 * - events: a JSON array of the Events about those pods and the workload,
 *   may be NULL.
 * Pod-level reasons come first (an init container that exited non-zero,
 * FailedPostStartHook, CrashLoopBackOff, ErrImagePull/ImagePullBackOff,
 * CreateContainerConfigError and kin, a container that failed under
 * restartPolicy Never); then ProgressDeadlineExceeded and a failed Job. A pod
 * that runs but is not Ready stays progressing, with its condition and the
 * readiness probe's event in st, so that a watch that times out reports
 * "not-ready". st->pod and st->container name where a log is worth reading
 * (the caller fetches it: pods/NAME/log?container=C). Strings from the
 * objects go through kmend_deploy_copy_text. st->ref is left as it was.
 */
void kmend_kube_assess(const json_t *workload, const json_t *pods, const json_t *events,
                       struct kmend_workload_status *st);

#endif
