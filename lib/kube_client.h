/* A Kubernetes API client over lib/http: server-side apply, get, list, watch. No kubectl needed. */
#ifndef KMEND_KUBE_CLIENT_H
#define KMEND_KUBE_CLIENT_H

#include <stdbool.h>
#include <time.h>

#include <jansson.h>

#include "error.h"
#include "kubeconfig.h"

/* Where a kind lives in the API. */
struct kmend_kube_resource {
	const char *kind;          /* "Deployment" */
	const char *group_version; /* "apps/v1"; "v1" for the core group */
	const char *plural;        /* "deployments" */
	bool namespaced;
	const char *short_name; /* kubectl's ("deploy"), or NULL */
};

/* The resource of a kind kmend works with (workloads, Pods, Events, ...), or NULL. */
const struct kmend_kube_resource *kmend_kube_resource_of(const char *kind);

/* The resource a user's word names, as kubectl reads it: the kind, its plural or short
 * name, in any case ("deploy", "Deployments"), or NULL. */
const struct kmend_kube_resource *kmend_kube_resource_named(const char *word);

/* An RFC 1123 name (a namespace, an object's name): nothing that could change a URL's path. */
bool kmend_kube_valid_name(const char *s);

struct kmend_kube_client;

/*
 * A client for cfg's cluster (cfg is borrowed and must outlive the client):
 * its server, CA (file or data) or insecure-skip-tls-verify, and the user's
 * credential, fetched for each request (an exec plugin's is cached until it
 * expires; after a 401 it is fetched again, once). Errors:
 * -KMEND_E_UNSUPPORTED for tls-server-name and proxy-url, which lib/http does
 * not take (set HTTPS_PROXY for a proxy).
 */
int kmend_kube_client_open(struct kmend_kube_config *cfg, struct kmend_kube_client **out,
                           struct kmend_error *err);
void kmend_kube_client_close(struct kmend_kube_client *c);

/*
 * Errors of every call below: -KMEND_E_NETWORK (the server could not be
 * reached, TLS, a cut answer), -KMEND_E_AUTH (401, 403), -KMEND_E_NOT_FOUND
 * (404), -KMEND_E_CONFLICT (409), -KMEND_E_EXPIRED (410),
 * -KMEND_E_BAD_INPUT (another 4xx; a name that is not a Kubernetes name), a
 * 5xx as -KMEND_E_NETWORK; err carries the server's Status message. No
 * credential ever reaches err.
 */

/*
 * Server-side apply of obj (apiVersion, kind, metadata.name; the namespace
 * from metadata, else ns, else the context's) as field manager manager:
 * PATCH application/apply-patch+yaml (obj as JSON, which is YAML). Without
 * force, fields another manager owns with other values are a -KMEND_E_CONFLICT
 * whose message lists them ("conflict with \"kubectl\" using apps/v1:
 * .spec.replicas"). *live (may be NULL) gets the object the server returned.
 */
int kmend_kube_client_apply(struct kmend_kube_client *c, const json_t *obj, const char *ns,
                            const char *manager, bool force, json_t **live,
                            struct kmend_error *err);

/* GET one object; ns NULL: the context's (ignored for cluster-scoped kinds). */
int kmend_kube_client_get(struct kmend_kube_client *c, const char *kind, const char *ns,
                          const char *name, json_t **out, struct kmend_error *err);

/* DELETE one object (its dependents go by the server's garbage collection). */
int kmend_kube_client_delete(struct kmend_kube_client *c, const char *kind, const char *ns,
                             const char *name, struct kmend_error *err);

/*
 * The last tail lines a pod's container wrote (pods/NAME/log; previous: its
 * last instance, for a container waiting to restart), into a
 * malloc'd, NUL-terminated *text of *len bytes, as the server sends them.
 */
int kmend_kube_client_pod_log(struct kmend_kube_client *c, const char *ns, const char *pod,
                              const char *container, int tail, bool previous, char **text,
                              size_t *len, struct kmend_error *err);

/*
 * List every object of kind in ns (all namespaces when all_namespaces),
 * following continue tokens (KMEND_KUBE_LIST_PAGE per page) and relisting from
 * the start when a token expires (410). *items is a new array; rv (size
 * bytes) the list's resourceVersion, to watch from. Selectors may be NULL.
 */
int kmend_kube_client_list(struct kmend_kube_client *c, const char *kind, const char *ns,
                           bool all_namespaces, const char *label_selector,
                           const char *field_selector, json_t **items, char *rv, size_t size,
                           struct kmend_error *err);

/* A watch that survives dropped connections and expired resource versions. */
struct kmend_kube_watch;

/*
 * Watch kind in ns (all namespaces when all_namespaces) from resourceVersion
 * rv ("" or NULL: list first, so that nothing before is missed).
 */
int kmend_kube_watch_open(struct kmend_kube_client *c, const char *kind, const char *ns,
                          bool all_namespaces, const char *label_selector,
                          const char *field_selector, const char *rv, struct kmend_kube_watch **out,
                          struct kmend_error *err);

/*
 * The next event before deadline (CLOCK_MONOTONIC seconds): returns 1 with
 * type "ADDED", "MODIFIED" or "DELETED" and *obj (the caller's to decref), or
 * "RELISTED" with *obj the whole current list (the watch fell behind: the
 * server answered 410, so kmend listed again and goes on from there); 0 when
 * the deadline passed first. Bookmarks move the resourceVersion on silently;
 * a dropped stream is reopened from the last resourceVersion seen (up to
 * KMEND_KUBE_WATCH_RETRIES failures in a row).
 */
int kmend_kube_watch_next(struct kmend_kube_watch *w, time_t deadline, char type[16], json_t **obj,
                          struct kmend_error *err);

/* How many times the watch reconnected and relisted (for tests and logs). */
void kmend_kube_watch_counts(const struct kmend_kube_watch *w, unsigned *reconnects,
                             unsigned *relists);

void kmend_kube_watch_close(struct kmend_kube_watch *w);

#endif
