/* A live Kubernetes object made back into the file a user wrote: the first file of --cluster. */
#ifndef KMEND_KUBE_LIVE_H
#define KMEND_KUBE_LIVE_H

#include <stddef.h>

#include <jansson.h>

#include "error.h"

/*
 * The fields of live (an object as the API server returns it) that its users set, as a
 * new object, apiVersion, kind, metadata.name and metadata.namespace always kept:
 * - when metadata.managedFields lists them, only the fields some manager owns other than
 *   the cluster's own controllers (kube-controller-manager, kube-scheduler, kubelet) and
 *   kmend's mark (kmend-mark), and never through the status subresource: what the server
 *   defaulted (strategy, terminationMessagePath, ...) is owned by nobody and goes;
 * - then, in any case, what the server manages: status, metadata.uid, resourceVersion,
 *   generation, creationTimestamp, deletionTimestamp, deletionGracePeriodSeconds,
 *   selfLink, managedFields, a pod template's creationTimestamp, and the annotations
 *   deployment.kubernetes.io/revision, deprecated.daemonset.template.generation,
 *   kubectl.kubernetes.io/last-applied-configuration and kmend's own mark
 *   (KMEND_APPLY_ANNOTATION); labels and annotations left empty go too.
 * Errors: -KMEND_E_BAD_INPUT (live is not an object with apiVersion, kind and
 * metadata.name; name names it in err), -ENOMEM.
 */
int kmend_kube_live_config(const json_t *live, const char *name, json_t **out,
                           struct kmend_error *err);

/*
 * objs (an array of objects) as a YAML stream, one document each ("---" between them),
 * in block style (lib/yaml_write.h): malloc'd *text of *len bytes. Errors: -ENOMEM,
 * -KMEND_E_TOO_LARGE past KMEND_MANIFEST_FILE_MAX_SIZE.
 */
int kmend_kube_objects_yaml(const json_t *objs, char **text, size_t *len, struct kmend_error *err);

#endif
