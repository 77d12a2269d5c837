/* A live cluster as kmend's target: its workloads, and the pull secrets their pods name. */
#ifndef KMEND_KUBE_CLUSTER_H
#define KMEND_KUBE_CLUSTER_H

#include <stdbool.h>

#include <jansson.h>

#include "credentials.h"
#include "deploy.h"
#include "error.h"
#include "kube_client.h"
#include "warning.h"

/* Which part of the cluster: kubectl's --namespace, --all-namespaces and -l. */
struct kmend_cluster_scope {
	const char *namespace; /* NULL: the context's */
	bool all_namespaces;
	const char *label_selector; /* of the workloads; NULL for all */
};

/*
 * Every workload in scope that no other workload controls, as the server returned it:
 * Deployments, StatefulSets, DaemonSets and CronJobs, and the ReplicaSets,
 * ReplicationControllers, Jobs and Pods no listed kind controls (an ownerReference with
 * controller true to a ReplicaSet, Deployment, Job, CronJob, ... that is listed too). A
 * Pod an operator of its own controls is listed: it runs an image nobody else reports.
 * Sorted by namespace, kind (in the order above) and name. *objects is a new array.
 * Errors: those of kmend_kube_client_list (-KMEND_E_AUTH for a kind RBAC does not let
 * kmend list names the kind).
 */
int kmend_cluster_workloads(struct kmend_kube_client *c, const struct kmend_cluster_scope *scope,
                            const char *default_ns, json_t **objects, struct kmend_error *err);

/* The kinds kmend_cluster_workloads lists, NULL-terminated. */
extern const char *const kmend_cluster_kinds[];

/*
 * Pull secrets: each secret and service account read once, through this cache; their
 * credentials live in memory only (lib/credentials.h).
 */
struct kmend_pull_secrets;

int kmend_pull_secrets_new(struct kmend_kube_client *c, struct kmend_pull_secrets **out);
void kmend_pull_secrets_free(struct kmend_pull_secrets *ps);

/*
 * Add to set the credentials of the pull secrets workload's pods name: its pod
 * template's imagePullSecrets, then those of its service account (serviceAccountName,
 * else "default"), in the workload's namespace, as the kubelet uses them. A secret or
 * service account that is missing or that RBAC hides, or a secret that holds no docker
 * configuration, is a warning on w ("pull-secret"), naming it, never its content: the
 * image may still be public. Errors: -ENOMEM, -KMEND_E_NETWORK (the server could not
 * be asked).
 */
int kmend_pull_secrets_of(struct kmend_pull_secrets *ps, const json_t *workload,
                          struct kmend_credential_set *set, struct kmend_warnings *w,
                          struct kmend_error *err);

/*
 * A workload named as kubectl names it, KIND/NAME: KIND a kind's name, plural or short
 * name in any case (deployment, deployments, deploy, Deployment; sts, ds, rs, rc, job,
 * cj, po). ref's namespace is ns. Errors: -KMEND_E_BAD_INPUT naming arg (no '/', an
 * unknown kind, a name that is not a Kubernetes name).
 */
int kmend_cluster_parse_ref(const char *arg, const char *ns, struct kmend_workload_ref *ref,
                            struct kmend_error *err);

#endif
