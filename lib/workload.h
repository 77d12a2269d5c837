/* Kubernetes manifests: the containers of every workload, and the images they run. */
#ifndef KMEND_WORKLOAD_H
#define KMEND_WORKLOAD_H

#include <stddef.h>

#include "error.h"

struct kmend_container_ref {
	char *file; /* the manifest it came from */
	char *kind; /* Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, ... */
	char *namespace;  /* "" when the manifest names none */
	char *name;       /* the workload's name */
	char *container;  /* the container's name */
	char *image;      /* as written */
	const char *role; /* "container", "initContainer" or "ephemeralContainer" */
	long document;    /* 1-based document in the file */
};

struct kmend_container_list {
	struct kmend_container_ref *items;
	size_t count, capacity;
};

/*
 * Every container of every workload in a manifest file (YAML, several
 * documents, or JSON; kind List and *List items included): Pod,
 * Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController,
 * Job, CronJob, PodTemplate. Other kinds are passed over. Errors name the
 * file: -KMEND_E_BAD_INPUT (not YAML, a container without an image),
 * -KMEND_E_TOO_LARGE.
 */
int kmend_workloads_from_file(const char *path, struct kmend_container_list *out,
                              struct kmend_error *err);

/* The same for a manifest already in memory; name stands for the file in errors. */
int kmend_workloads_from_memory(const char *data, size_t len, const char *name,
                                struct kmend_container_list *out, struct kmend_error *err);

void kmend_container_list_free(struct kmend_container_list *l);

#endif
