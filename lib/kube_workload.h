/* The workloads of a Kubernetes manifest: pod templates and their containers, as nodes of the tree.
 */
#ifndef KMEND_KUBE_WORKLOAD_H
#define KMEND_KUBE_WORKLOAD_H

#include <stddef.h>

#include <jansson.h>

#include "error.h"
#include "kube_yaml.h"

/*
 * scan and fix find workloads here, so that the container scan reports is
 * the very node that fix edits. Nodes and strings point into the stream:
 * it must outlive the list.
 */

struct kmend_kube_container {
	const struct kmend_kube_node *node; /* the container's mapping (aliases resolved) */
	const char *list;                   /* "initContainers", "containers" or
	                                       "ephemeralContainers" */
	const char *role;  /* "initContainer", "container" or "ephemeralContainer" */
	const char *name;  /* "" when it has none */
	const char *image; /* as written */
};

struct kmend_kube_workload {
	long document;         /* 1-based document in the file */
	const char *kind;      /* Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet,
	                          ReplicationController, Job, CronJob, PodTemplate */
	const char *name;      /* metadata.name, "" when absent */
	const char *namespace; /* metadata.namespace, "" when absent */
	const struct kmend_kube_node *object;    /* the workload's mapping */
	const struct kmend_kube_node *template;  /* the pod template (metadata and spec): the
	                                            object itself for a Pod */
	const struct kmend_kube_node *spec;      /* the pod spec */
	struct kmend_kube_container *containers; /* init, regular, then ephemeral */
	size_t container_count;
};

struct kmend_kube_workloads {
	struct kmend_kube_workload *items;
	size_t count, capacity;
};

/*
 * Every workload of every document, in file order, List and *List items
 * included; other kinds (Service, ConfigMap...) and empty documents are
 * passed over. A workload whose pod spec is absent has no containers.
 * Errors name the file, line and column: -KMEND_E_BAD_INPUT for a document
 * that is not a mapping, a List whose items are not mappings, a container
 * that is not a mapping or has no image; -ENOMEM. out is emptied first.
 */
int kmend_kube_find_workloads(const struct kmend_kube_stream *s, struct kmend_kube_workloads *out,
                              struct kmend_error *err);

void kmend_kube_workloads_free(struct kmend_kube_workloads *w);

/*
 * The one table of workload kinds (Pod, PodTemplate, Deployment, StatefulSet, DaemonSet,
 * ReplicaSet, ReplicationController, Job, CronJob): where kind keeps its pod template, as
 * a NULL-terminated path of keys (empty for a Pod, which is its own), or NULL when kind is
 * not a workload. Parsed objects (jansson) are walked with it as manifest nodes are.
 */
const char *const *kmend_kube_template_path(const char *kind);

/* obj's pod template (metadata and spec) by that path, or NULL. Borrowed from obj. */
json_t *kmend_kube_json_template(json_t *obj, const char *kind);

#endif
