/* A live cluster as kmend's target: its workloads, and the pull secrets their pods name. */
#include "kube_cluster.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "base64.h"
#include "cleanup.h"
#include "json_get.h"
#include "kube_workload.h"

/* Top-level kinds first: what they control is not listed again. */
const char *const kmend_cluster_kinds[] = {"Deployment", "StatefulSet", "DaemonSet",
                                           "CronJob",    "ReplicaSet",  "ReplicationController",
                                           "Job",        "Pod",         NULL};

static int kind_rank(const char *kind)
{
	for (int i = 0; kind && kmend_cluster_kinds[i]; i++)
		if (!strcmp(kmend_cluster_kinds[i], kind))
			return i;
	return 99;
}

/* Is obj controlled by a workload (a Pod by its ReplicaSet, a Job by its CronJob)? */
static bool controlled(const json_t *obj)
{
	const json_t *refs = json_object_get(json_object_get(obj, "metadata"), "ownerReferences");
	const json_t *o;
	size_t i;

	json_array_foreach (refs, i, o) {
		if (json_is_true(json_object_get(o, "controller")) &&
		    kmend_kube_template_path(kmend_json_str(o, "kind")))
			return true;
	}
	return false;
}

static const char *meta_str(const json_t *obj, const char *key)
{
	const char *s = kmend_json_str(json_object_get(obj, "metadata"), key);
	return s ? s : "";
}

static int by_place(const void *a, const void *b)
{
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	int r = strcmp(meta_str(x, "namespace"), meta_str(y, "namespace"));

	if (r == 0)
		r = kind_rank(kmend_json_str(x, "kind")) - kind_rank(kmend_json_str(y, "kind"));
	return r ? r : strcmp(meta_str(x, "name"), meta_str(y, "name"));
}

int kmend_cluster_workloads(struct kmend_kube_client *c, const struct kmend_cluster_scope *scope,
                            const char *default_ns, json_t **objects, struct kmend_error *err)
{
	const char *ns = scope->namespace ? scope->namespace : default_ns;
	_cleanup_free_ json_t **all = NULL;
	size_t n = 0, cap = 0, i;
	json_t *out = NULL;
	int r = 0;

	*objects = NULL;
	for (int k = 0; kmend_cluster_kinds[k] && r == 0; k++) {
		const struct kmend_kube_resource *res =
		    kmend_kube_resource_of(kmend_cluster_kinds[k]);
		json_t *items = NULL, *o;
		char rv[64];

		if ((r = kmend_kube_client_list(c, kmend_cluster_kinds[k], ns,
		                                scope->all_namespaces, scope->label_selector, NULL,
		                                &items, rv, sizeof(rv), err)) < 0)
			break;
		json_array_foreach (items, i, o) {
			if (controlled(o))
				continue;
			if ((r = kmend_array_grow(&all, &cap, n, sizeof(*all))) < 0)
				break;
			/* List items carry no kind or apiVersion: the list says them once. */
			json_object_set_new(o, "kind", json_string(kmend_cluster_kinds[k]));
			json_object_set_new(o, "apiVersion", json_string(res->group_version));
			all[n++] = json_incref(o);
		}
		json_decref(items);
	}
	if (r == 0 && !(out = json_array()))
		r = -ENOMEM;
	if (r == 0)
		qsort(all, n, sizeof(*all), by_place);
	for (i = 0; i < n; i++) {
		if (r == 0 && json_array_append(out, all[i]) < 0)
			r = -ENOMEM;
		json_decref(all[i]);
	}
	if (r < 0) {
		json_decref(out);
		return r;
	}
	*objects = out;
	return 0;
}

/* ---- pull secrets ---- */

/* A secret read (its credentials, or none), or a service account's secret names. */
struct cached {
	char kind; /* 's' secret, 'a' service account */
	char namespace[254], name[254];
	struct kmend_credential_set *creds; /* a secret's; NULL when it gave none */
	json_t *names;                      /* a service account's imagePullSecrets names */
};

struct kmend_pull_secrets {
	struct kmend_kube_client *c;
	struct cached *items;
	size_t count, capacity;
};

int kmend_pull_secrets_new(struct kmend_kube_client *c, struct kmend_pull_secrets **out)
{
	if (!(*out = calloc(1, sizeof(**out))))
		return -ENOMEM;
	(*out)->c = c;
	return 0;
}

void kmend_pull_secrets_free(struct kmend_pull_secrets *ps)
{
	if (!ps)
		return;
	for (size_t i = 0; i < ps->count; i++) {
		kmend_credential_set_free(ps->items[i].creds);
		json_decref(ps->items[i].names);
	}
	free(ps->items);
	free(ps);
}

static struct cached *find(struct kmend_pull_secrets *ps, char kind, const char *ns,
                           const char *name)
{
	for (size_t i = 0; i < ps->count; i++)
		if (ps->items[i].kind == kind && !strcmp(ps->items[i].namespace, ns) &&
		    !strcmp(ps->items[i].name, name))
			return &ps->items[i];
	return NULL;
}

static struct cached *add(struct kmend_pull_secrets *ps, char kind, const char *ns,
                          const char *name)
{
	struct cached *e;

	if (kmend_array_grow(&ps->items, &ps->capacity, ps->count, sizeof(*ps->items)) < 0)
		return NULL;
	e = &ps->items[ps->count++];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	snprintf(e->namespace, sizeof(e->namespace), "%s", ns);
	snprintf(e->name, sizeof(e->name), "%s", name);
	return e;
}

/*
 * GET kind ns/name: 1 with *obj, 0 when it is missing or RBAC hides it (a warning says
 * which), or a negative error.
 */
static int get_or_warn(struct kmend_pull_secrets *ps, const char *kind, const char *ns,
                       const char *name, const char *why, json_t **obj, struct kmend_warnings *w,
                       struct kmend_error *err)
{
	int r = kmend_kube_client_get(ps->c, kind, ns, name, obj, err);

	if (r == -KMEND_E_NOT_FOUND || r == -KMEND_E_AUTH || r == -KMEND_E_BAD_INPUT) {
		r = kmend_warn(w, "pull-secret",
		               "%s %s/%s, %s, could not be read (%s); images are read "
		               "without it",
		               kind, ns, name, why,
		               r == -KMEND_E_NOT_FOUND ? "not found"
		               : r == -KMEND_E_AUTH ? "kmend may not get it: see the RBAC rules in "
		                                      "examples/cluster"
		                                    : "not a valid name");
		kmend_error_clear(err);
		return r < 0 ? r : 0;
	}
	return r < 0 ? r : 1;
}

/* A secret's docker configuration into e->creds (once). */
static int read_secret(struct kmend_pull_secrets *ps, struct cached *e, struct kmend_warnings *w,
                       struct kmend_error *err)
{
	static const char *const keys[] = {".dockerconfigjson", ".dockercfg"};
	json_t *secret = NULL, *data;
	char label[520];
	int r;

	snprintf(label, sizeof(label), "secret %s/%s", e->namespace, e->name);
	if ((r = get_or_warn(ps, "Secret", e->namespace, e->name, "an image pull secret", &secret,
	                     w, err)) <= 0)
		return r;
	data = json_object_get(secret, "data");
	r = 0;
	for (size_t k = 0; k < 2 && r == 0; k++) {
		const char *b64 = kmend_json_str(data, keys[k]);
		char *text = NULL;
		size_t len = 0;

		if (!b64)
			continue;
		if (kmend_base64_decode(b64, strlen(b64), &text, &len) < 0) {
			r = kmend_warn(w, "pull-secret",
			               "%s: %s is not base64; images are read "
			               "without it",
			               label, keys[k]);
			break;
		}
		if (!e->creds && (r = kmend_credential_set_new(&e->creds)) < 0) {
			explicit_bzero(text, len);
			free(text);
			break;
		}
		r = kmend_credential_set_add(e->creds, text, len, label, err);
		explicit_bzero(text, len);
		free(text);
		if (r == -KMEND_E_BAD_INPUT || r == -KMEND_E_TOO_LARGE) {
			r = kmend_warn(w, "pull-secret", "%s: %s", label, err->message);
			kmend_error_clear(err);
		}
		r = r < 0 ? r : 1;
	}
	if (r == 0)
		r = kmend_warn(w, "pull-secret",
		               "%s holds no .dockerconfigjson or .dockercfg; "
		               "images are read without it",
		               label);
	kmend_json_wipe(secret);
	json_decref(secret);
	return r < 0 ? r : 0;
}

/* Add secret ns/name's credentials to set, reading it on first use. */
static int add_secret(struct kmend_pull_secrets *ps, const char *ns, const char *name,
                      struct kmend_credential_set *set, struct kmend_warnings *w,
                      struct kmend_error *err)
{
	struct cached *e = find(ps, 's', ns, name);
	int r;

	if (!e) {
		if (!(e = add(ps, 's', ns, name)))
			return -ENOMEM;
		if ((r = read_secret(ps, e, w, err)) < 0)
			return r;
	}
	return kmend_credential_set_merge(set, e->creds);
}

/* The imagePullSecrets names of service account ns/name, read on first use. */
static int account_secrets(struct kmend_pull_secrets *ps, const char *ns, const char *name,
                           const json_t **names, struct kmend_warnings *w, struct kmend_error *err)
{
	struct cached *e = find(ps, 'a', ns, name);
	json_t *sa = NULL;
	int r;

	if (!e) {
		if (!(e = add(ps, 'a', ns, name)))
			return -ENOMEM;
		if ((r = get_or_warn(ps, "ServiceAccount", ns, name, "the pods' service account",
		                     &sa, w, err)) < 0)
			return r;
		e->names = json_incref(json_object_get(sa, "imagePullSecrets"));
		json_decref(sa);
	}
	*names = e->names;
	return 0;
}

static int add_named(struct kmend_pull_secrets *ps, const char *ns, const json_t *list,
                     struct kmend_credential_set *set, struct kmend_warnings *w,
                     struct kmend_error *err)
{
	const json_t *ref;
	size_t i;
	int r;

	json_array_foreach (list, i, ref) {
		const char *name = kmend_json_str(ref, "name");

		if (name && *name && (r = add_secret(ps, ns, name, set, w, err)) < 0)
			return r;
	}
	return 0;
}

int kmend_pull_secrets_of(struct kmend_pull_secrets *ps, const json_t *workload,
                          struct kmend_credential_set *set, struct kmend_warnings *w,
                          struct kmend_error *err)
{
	const char *ns = meta_str(workload, "namespace");
	const json_t *tmpl = kmend_kube_json_template((json_t *)workload,
	                                              kmend_json_str(workload, "kind")),
	             *spec = json_object_get(tmpl, "spec"), *names = NULL;
	const char *sa = kmend_json_str(spec, "serviceAccountName");
	int r;

	if (!spec || !*ns)
		return 0;
	/* The deprecated serviceAccount field, where serviceAccountName is not set. */
	if (!sa || !*sa)
		sa = kmend_json_str(spec, "serviceAccount");
	if ((r = add_named(ps, ns, json_object_get(spec, "imagePullSecrets"), set, w, err)) < 0 ||
	    (r = account_secrets(ps, ns, sa && *sa ? sa : "default", &names, w, err)) < 0)
		return r;
	return add_named(ps, ns, names, set, w, err);
}

int kmend_cluster_parse_ref(const char *arg, const char *ns, struct kmend_workload_ref *ref,
                            struct kmend_error *err)
{
	const char *slash = strchr(arg, '/');
	const struct kmend_kube_resource *res;
	char kind[64];

	memset(ref, 0, sizeof(*ref));
	if (!slash || slash == arg || (size_t)(slash - arg) >= sizeof(kind)) {
		kmend_error_set(err, -KMEND_E_BAD_INPUT, arg, 0, "not a workload");
		kmend_error_hint(err, "name a workload as kubectl does, KIND/NAME: deployment/web, "
		                      "sts/db");
		return -KMEND_E_BAD_INPUT;
	}
	snprintf(kind, sizeof(kind), "%.*s", (int)(slash - arg), arg);
	res = kmend_kube_resource_named(kind);
	if (!res || !kmend_kube_template_path(res->kind) || !strcmp(res->kind, "PodTemplate")) {
		kmend_error_set(err, -KMEND_E_BAD_INPUT, arg, 0,
		                "\"%s\" is not a kind of workload kmend knows", kind);
		kmend_error_hint(err, "kinds: deployment, statefulset, daemonset, replicaset, "
		                      "replicationcontroller, job, cronjob, pod");
		return -KMEND_E_BAD_INPUT;
	}
	if (!kmend_kube_valid_name(slash + 1) || strlen(slash + 1) >= sizeof(ref->name))
		return kmend_error_set(
		    err, -KMEND_E_BAD_INPUT, arg, 0,
		    "\"%s\" is not a Kubernetes name (lower-case letters, digits, "
		    "'-', '.')",
		    slash + 1);
	snprintf(ref->kind, sizeof(ref->kind), "%s", res->kind);
	snprintf(ref->name, sizeof(ref->name), "%s", slash + 1);
	snprintf(ref->namespace, sizeof(ref->namespace), "%s", ns ? ns : "");
	return 0;
}
