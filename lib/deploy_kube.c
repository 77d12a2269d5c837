/*
 * The Kubernetes deploy backend: server-side apply of each object (field manager "kmend"), the
 * workload's pods and Events read back and judged by lib/kube_health, the failing container's
 * log from pods/NAME/log, a watch on the namespace's pods to wake up.
 *
 * The mark (crash safety, lib/deploy.h) travels in the same apply as the change, so that no
 * workload is ever changed unmarked: the annotation kmend.dev/apply, holding the workload's
 * object from the first file. Settling it is an apply by a second field manager,
 * "kmend-mark", which takes the annotation over (force), so that applying the first file
 * afterwards (as "kmend", without the annotation) leaves the settled mark in place.
 */
#include "deploy.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "array.h"
#include "cleanup.h"
#include "json_get.h"
#include "kmend_limits.h"
#include "kube_client.h"
#include "kube_workload.h"
#include "kube_health.h"
#include "kubeconfig.h"
#include "rfc3339.h"
#include "yamljson.h"

#define FIELD_MANAGER "kmend"
#define MARK_MANAGER  "kmend-mark"

/* A workload the last apply marked, to settle without searching. */
struct marked_ref {
	struct kmend_workload_ref ref;
	char id[64];
};

struct kube {
	struct kmend_kube_config *cfg;
	struct kmend_kube_client *c;
	struct kmend_kube_watch *watch; /* the pods of watch_ns, to wake wait() */
	char watch_ns[254];
	struct marked_ref *marked;
	size_t nmarked, capacity;
};

static int kube_open(struct kmend_deploy *d, struct kmend_error *err)
{
	struct kmend_kubeconfig_options o = {.kubeconfig = d->opt.kubeconfig,
	                                     .context = d->opt.context};
	struct kube *k = calloc(1, sizeof(*k));
	int r;

	if (!k)
		return -ENOMEM;
	if ((r = kmend_kubeconfig_load(&o, &k->cfg, err)) < 0 ||
	    (r = kmend_kube_client_open(k->cfg, &k->c, err)) < 0) {
		kmend_kube_config_free(k->cfg);
		free(k);
		return r;
	}
	d->impl = k;
	return 0;
}

static void kube_close(struct kmend_deploy *d)
{
	struct kube *k = d->impl;

	if (!k)
		return;
	kmend_kube_watch_close(k->watch);
	kmend_kube_client_close(k->c);
	kmend_kube_config_free(k->cfg);
	free(k->marked);
	free(k);
}

/* The namespace an object goes to: its own, else --namespace, else the context's. */
static const char *ns_of(const struct kmend_deploy *d, const json_t *obj)
{
	const char *ns = kmend_json_str(json_object_get(obj, "metadata"), "namespace");
	const struct kube *k = d->impl;

	return ns ? ns : d->opt.namespace ? d->opt.namespace : k->cfg->namespace;
}

/* Every object of a manifest, List items flattened, into a new array. */
static int objects_of(const char *text, size_t len, const char *name, json_t **out,
                      struct kmend_error *err)
{
	json_t *docs = NULL, *doc, *items, *it;
	size_t i, j;
	int r;

	if ((r = kmend_yaml_to_json_typed(text, len, name, &docs, err)) < 0)
		return r;
	*out = json_array();
	json_array_foreach (docs, i, doc) {
		const char *kind = kmend_json_str(doc, "kind");

		if (!json_is_object(doc))
			continue;
		items = json_object_get(doc, "items");
		if (kind && strlen(kind) > 4 && !strcmp(kind + strlen(kind) - 4, "List") &&
		    json_is_array(items)) {
			json_array_foreach (items, j, it) {
				json_array_append(*out, it);
			}
		} else {
			json_array_append(*out, doc);
		}
	}
	json_decref(docs);
	return 0;
}

/* The object of kind and name in objs (a first file), or NULL. */
static const json_t *find_object(const json_t *objs, const char *kind, const char *name)
{
	const json_t *o;
	size_t i;

	json_array_foreach (objs, i, o) {
		const char *n = kmend_json_str(json_object_get(o, "metadata"), "name");

		if (kmend_json_str(o, "kind") && !strcmp(kmend_json_str(o, "kind"), kind) && n &&
		    !strcmp(n, name))
			return o;
	}
	return NULL;
}

/* A kind that runs pods (a PodTemplate runs none): its object carries the mark. */
static bool is_workload(const char *kind)
{
	return kmend_kube_template_path(kind) && strcmp(kind, "PodTemplate");
}

/* The mark's value: {"v":1, "id", "phase", "deadline", "first"}, compact JSON. */
static char *mark_value(const struct kmend_apply_mark *m, const char *phase, const json_t *first)
{
	char deadline[32];
	json_t *v;
	char *s;

	kmend_rfc3339_format(m->deadline, deadline, sizeof(deadline));
	v = json_pack("{s:i, s:s, s:s, s:s, s:O?}", "v", 1, "id", m->id, "phase", phase, "deadline",
	              deadline, "first", first);
	s = v ? json_dumps(v, JSON_COMPACT) : NULL;
	json_decref(v);
	return s;
}

static int remember_mark(struct kube *k, const json_t *obj, const char *ns, const char *id)
{
	struct marked_ref *m;
	int r;

	if ((r = kmend_array_grow(&k->marked, &k->capacity, k->nmarked, sizeof(*k->marked))) < 0)
		return r;
	m = &k->marked[k->nmarked++];
	memset(m, 0, sizeof(*m));
	snprintf(m->ref.kind, sizeof(m->ref.kind), "%s", kmend_json_str(obj, "kind"));
	snprintf(m->ref.name, sizeof(m->ref.name), "%s",
	         kmend_json_str(json_object_get(obj, "metadata"), "name"));
	snprintf(m->ref.namespace, sizeof(m->ref.namespace), "%s", ns);
	snprintf(m->id, sizeof(m->id), "%s", id);
	return 0;
}

static int kube_apply(struct kmend_deploy *d, const char *text, size_t len, const char *name,
                      const struct kmend_apply_mark *mark, int flags,
                      struct kmend_workload_refs *refs, struct kmend_error *err)
{
	struct kube *k = d->impl;
	json_t *objs = NULL, *firsts = NULL, *obj;
	size_t first = refs->count, i;
	int r;

	if ((r = kmend_deploy_workloads_of(text, len, name, refs, err)) < 0)
		return r;
	/* The namespace the apply went to, where the watch listens. */
	for (i = first; i < refs->count; i++)
		if (!refs->items[i].namespace[0])
			snprintf(refs->items[i].namespace, sizeof(refs->items[i].namespace), "%s",
			         d->opt.namespace ? d->opt.namespace : k->cfg->namespace);
	if ((r = objects_of(text, len, name, &objs, err)) < 0)
		return r;
	if (mark && mark->first &&
	    (r = objects_of(mark->first, mark->first_len, mark->first_name, &firsts, err)) < 0)
		goto out;
	json_array_foreach (objs, i, obj) {
		const char *kind = kmend_json_str(obj, "kind"),
		           *oname = kmend_json_str(json_object_get(obj, "metadata"), "name");
		json_t *copy = NULL;

		if (!kind || !oname)
			continue;
		if (!kmend_kube_resource_of(kind)) {
			r = kmend_error_set(err, -KMEND_E_UNSUPPORTED, name, 0,
			                    "%s \"%s\": kmend does not apply this kind", kind,
			                    oname);
			goto out;
		}
		if (flags & KMEND_DEPLOY_ATTACH)
			continue;
		if (mark && is_workload(kind)) {
			_cleanup_free_ char *value =
			    mark_value(mark, "deploying", find_object(firsts, kind, oname));
			json_t *md;

			if (!value) {
				r = -ENOMEM;
				goto out;
			}
			if (strlen(value) > KMEND_KUBE_MARK_MAX) {
				r = kmend_error_set(
				    err, -KMEND_E_TOO_LARGE, name, 0,
				    "%s \"%s\": the first file's object is too large to keep "
				    "in an annotation (%zu bytes, at most %d)",
				    kind, oname, strlen(value), KMEND_KUBE_MARK_MAX);
				goto out;
			}
			copy = json_deep_copy(obj);
			md = json_object_get(copy, "metadata");
			if (!json_is_object(json_object_get(md, "annotations")))
				json_object_set_new(md, "annotations", json_object());
			json_object_set_new(json_object_get(md, "annotations"),
			                    KMEND_APPLY_ANNOTATION, json_string(value));
			if ((r = remember_mark(k, obj, ns_of(d, obj), mark->id)) < 0) {
				json_decref(copy);
				goto out;
			}
		}
		r = kmend_kube_client_apply(k->c, copy ? copy : obj, ns_of(d, obj), FIELD_MANAGER,
		                            d->opt.force_conflicts, NULL, err);
		json_decref(copy);
		if (r < 0)
			goto out;
	}
	r = 0;
out:
	json_decref(objs);
	json_decref(firsts);
	return r;
}

/* "k=v,k=v" from a matchLabels map; empty when there is none. */
static void selector_of(const json_t *match, char *out, size_t size)
{
	const char *key;
	json_t *v;
	size_t used = 0;

	out[0] = '\0';
	json_object_foreach ((json_t *)match, key, v) {
		if (json_is_string(v) && used < size)
			used += (size_t)snprintf(out + used, size - used, "%s%s=%s",
			                         used ? "," : "", key, json_string_value(v));
	}
}

/* The newest Job a CronJob made into *out (NULL when none yet). */
static int newest_job(struct kube *k, const json_t *cron, const char *ns, json_t **out,
                      struct kmend_error *err)
{
	const char *uid = kmend_json_str(json_object_get(cron, "metadata"), "uid");
	json_t *jobs = NULL, *j, *best = NULL;
	const char *best_t = "";
	char rv[64];
	size_t i, n;
	int r;

	*out = NULL;
	if ((r = kmend_kube_client_list(k->c, "Job", ns, false, NULL, NULL, &jobs, rv, sizeof(rv),
	                                err)) < 0)
		return r;
	json_array_foreach (jobs, i, j) {
		const json_t *md = json_object_get(j, "metadata"), *o;
		const char *t = kmend_json_str(md, "creationTimestamp");

		json_array_foreach (json_object_get(md, "ownerReferences"), n, o) {
			if (uid && kmend_json_str(o, "uid") &&
			    !strcmp(kmend_json_str(o, "uid"), uid) && t && strcmp(t, best_t) >= 0) {
				best = j;
				best_t = t;
			}
		}
	}
	*out = best ? json_incref(best) : NULL;
	json_decref(jobs);
	return 0;
}

/* A pod template without the label the Deployment controller adds to its ReplicaSets'. */
static json_t *template_sans_hash(const json_t *tmpl)
{
	json_t *t = json_deep_copy(tmpl);

	json_object_del(json_object_get(json_object_get(t, "metadata"), "labels"),
	                "pod-template-hash");
	return t;
}

/*
 * A Deployment's current pods: those of the ReplicaSet whose template is the Deployment's (the
 * pods of older ReplicaSets, still there during a rollout or a rollback, are not its state).
 */
static int deployment_pods(struct kube *k, const json_t *dep, const char *ns, const char *sel,
                           json_t **pods, struct kmend_error *err)
{
	const char *uid = kmend_json_str(json_object_get(dep, "metadata"), "uid"), *rsuid = NULL;
	json_t *rss = NULL, *all = NULL, *rs, *p, *want;
	char rv[64];
	size_t i, n;
	int r;

	*pods = json_array();
	if ((r = kmend_kube_client_list(k->c, "ReplicaSet", ns, false, sel, NULL, &rss, rv,
	                                sizeof(rv), err)) < 0)
		return r;
	want = template_sans_hash(json_object_get(json_object_get(dep, "spec"), "template"));
	json_array_foreach (rss, i, rs) {
		json_t *t =
		    template_sans_hash(json_object_get(json_object_get(rs, "spec"), "template"));
		const json_t *o;
		bool mine = false;

		json_array_foreach (
		    json_object_get(json_object_get(rs, "metadata"), "ownerReferences"), n, o) {
			mine = mine || (uid && kmend_json_str(o, "uid") &&
			                !strcmp(kmend_json_str(o, "uid"), uid));
		}
		if (mine && json_equal(t, want))
			rsuid = kmend_json_str(json_object_get(rs, "metadata"), "uid");
		json_decref(t);
	}
	json_decref(want);
	if (rsuid && (r = kmend_kube_client_list(k->c, "Pod", ns, false, sel, NULL, &all, rv,
	                                         sizeof(rv), err)) == 0) {
		json_array_foreach (all, i, p) {
			const json_t *o;

			json_array_foreach (
			    json_object_get(json_object_get(p, "metadata"), "ownerReferences"), n,
			    o) {
				if (kmend_json_str(o, "uid") &&
				    !strcmp(kmend_json_str(o, "uid"), rsuid))
					json_array_append(*pods, p);
			}
		}
	}
	json_decref(all);
	json_decref(rss);
	return r;
}

static int kube_observe(struct kmend_deploy *d, const struct kmend_workload_ref *ref,
                        struct kmend_workload_status *st, struct kmend_error *err)
{
	struct kube *k = d->impl;
	const char *ns = ref->namespace[0] ? ref->namespace : k->cfg->namespace;
	json_t *w = NULL, *pods = NULL, *events = NULL;
	char sel[1024], rv[64];
	size_t i;
	int r;

	memset(st, 0, sizeof(*st));
	st->ref = *ref;
	st->exit_code = -1;
	r = kmend_kube_client_get(k->c, ref->kind, ns, ref->name, &w, err);
	if (r == -KMEND_E_NOT_FOUND) {
		kmend_error_clear(err);
		st->health = KMEND_HEALTH_FAILED;
		st->failure = KMEND_FAIL_GONE;
		snprintf(st->message, sizeof(st->message), "%s \"%s\" is not on the cluster",
		         ref->kind, ref->name);
		return 0;
	}
	if (r < 0)
		return r;
	if (!strcmp(ref->kind, "CronJob")) {
		json_t *job = NULL;

		r = newest_job(k, w, ns, &job, err);
		json_decref(w);
		if (r < 0 || !job) {
			snprintf(st->condition, sizeof(st->condition), "no Job made yet");
			return r;
		}
		w = job;
	}
	if (strcmp(kmend_json_str(w, "kind") ? kmend_json_str(w, "kind") : "", "Pod")) {
		if (!strcmp(kmend_json_str(w, "kind") ? kmend_json_str(w, "kind") : "", "Job"))
			snprintf(sel, sizeof(sel), "job-name=%s",
			         kmend_json_str(json_object_get(w, "metadata"), "name"));
		else
			selector_of(
			    json_object_get(json_object_get(json_object_get(w, "spec"), "selector"),
			                    "matchLabels"),
			    sel, sizeof(sel));
		if (!strcmp(ref->kind, "Deployment"))
			r = deployment_pods(k, w, ns, sel[0] ? sel : NULL, &pods, err);
		else if (sel[0])
			r = kmend_kube_client_list(k->c, "Pod", ns, false, sel, NULL, &pods, rv,
			                           sizeof(rv), err);
		if (r < 0)
			goto out;
	}
	events = json_array();
	/* The Events of each pod (and of a Pod workload): where hooks and probes report. */
	for (i = 0; i <= (pods ? json_array_size(pods) : 0) && i < KMEND_DEPLOY_EVENT_PODS; i++) {
		const json_t *obj = pods ? json_array_get(pods, i) : (i == 0 ? w : NULL);
		_cleanup_free_ char *fsel = NULL;
		json_t *evs = NULL;

		if (!obj)
			break;
		if (asprintf(&fsel, "involvedObject.name=%s",
		             kmend_json_str(json_object_get(obj, "metadata"), "name")) < 0) {
			fsel = NULL;
			r = -ENOMEM;
			goto out;
		}
		if ((r = kmend_kube_client_list(k->c, "Event", ns, false, NULL, fsel, &evs, rv,
		                                sizeof(rv), err)) < 0)
			goto out;
		json_array_extend(events, evs);
		json_decref(evs);
	}
	kmend_kube_assess(w, pods, events, st);
	if ((st->failure == KMEND_FAIL_INIT_CONTAINER || st->failure == KMEND_FAIL_CRASH_LOOP ||
	     st->failure == KMEND_FAIL_CONTAINER_FAILED) &&
	    st->pod[0] && st->container[0]) {
		_cleanup_free_ char *log = NULL;
		size_t len;

		/* A container waiting to restart: its last instance wrote the log worth quoting. */
		if (kmend_kube_client_pod_log(
		        k->c, ns, st->pod, st->container, KMEND_DEPLOY_LOG_LINES,
		        !strcmp(st->state_reason, "CrashLoopBackOff"), &log, &len, NULL) == 0 ||
		    kmend_kube_client_pod_log(k->c, ns, st->pod, st->container,
		                              KMEND_DEPLOY_LOG_LINES, false, &log, &len, NULL) == 0)
			kmend_deploy_copy_text(st->log, sizeof(st->log), log, len);
	}
	r = 0;
out:
	json_decref(w);
	json_decref(pods);
	json_decref(events);
	return r;
}

/*
 * Server-side apply of the first file as "kmend": what only the second file set (fix's init
 * container, volume, mounts, command) is removed by the server, the rest stays as it is.
 */
static int kube_rollback(struct kmend_deploy *d, const char *second, size_t second_len,
                         const char *first, size_t first_len, const char *first_name,
                         struct kmend_workload_refs *refs, struct kmend_error *err)
{
	(void)second;
	(void)second_len;
	return kube_apply(d, first, first_len, first_name, NULL, 0, refs, err);
}

/* Wake on any change to the pods of the namespace last watched, or after timeout_ms. */
static int kube_wait(struct kmend_deploy *d, int timeout_ms, struct kmend_error *err)
{
	struct kube *k = d->impl;
	const char *ns = d->opt.namespace ? d->opt.namespace : k->cfg->namespace;
	struct timespec ts;
	char type[16];
	json_t *obj = NULL;
	int r;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	if (!k->watch || strcmp(k->watch_ns, ns)) {
		kmend_kube_watch_close(k->watch);
		k->watch = NULL;
		snprintf(k->watch_ns, sizeof(k->watch_ns), "%s", ns);
		if ((r = kmend_kube_watch_open(k->c, "Pod", ns, false, NULL, NULL, NULL, &k->watch,
		                               err)) < 0)
			return r;
	}
	r = kmend_kube_watch_next(k->watch, ts.tv_sec + (timeout_ms + 999) / 1000, type, &obj, err);
	json_decref(obj);
	if (r < 0) {
		/* The next wait opens a new watch; observing goes on meanwhile. */
		kmend_kube_watch_close(k->watch);
		k->watch = NULL;
		kmend_error_clear(err);
		ts.tv_sec = timeout_ms / 1000;
		ts.tv_nsec = (timeout_ms % 1000) * 1000000L;
		nanosleep(&ts, NULL);
	}
	return 0;
}

static int kube_remove(struct kmend_deploy *d, const char *text, size_t len, const char *name,
                       struct kmend_error *err)
{
	struct kube *k = d->impl;
	json_t *objs = NULL, *obj;
	size_t i;
	int r;

	if ((r = objects_of(text, len, name, &objs, err)) < 0)
		return r;
	json_array_foreach (objs, i, obj) {
		const char *kind = kmend_json_str(obj, "kind"),
		           *oname = kmend_json_str(json_object_get(obj, "metadata"), "name");

		if (!kind || !oname || !kmend_kube_resource_of(kind))
			continue;
		r = kmend_kube_client_delete(k->c, kind, ns_of(d, obj), oname, err);
		if (r == -KMEND_E_NOT_FOUND) {
			kmend_error_clear(err);
			r = 0;
		}
		if (r < 0)
			break;
	}
	json_decref(objs);
	return r;
}

/* The mark of a live object, parsed, or NULL. */
static json_t *mark_of(const json_t *obj)
{
	const char *v =
	    kmend_json_str(json_object_get(json_object_get(obj, "metadata"), "annotations"),
	                   KMEND_APPLY_ANNOTATION);
	json_t *m = v ? json_loads(v, 0, NULL) : NULL;

	if (m && (!json_is_object(m) || !kmend_json_str(m, "id") || !kmend_json_str(m, "phase"))) {
		json_decref(m);
		m = NULL;
	}
	return m;
}

static int kube_find_marked(struct kmend_deploy *d, struct kmend_marked_list *out,
                            struct kmend_error *err)
{
	static const char *const kinds[] = {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet",
	                                    "Job",        "CronJob",     "Pod"};
	struct kube *k = d->impl;
	size_t i, j;
	int r = 0;

	for (i = 0; i < sizeof(kinds) / sizeof(*kinds) && r == 0; i++) {
		json_t *items = NULL, *o;
		char rv[64];

		if ((r = kmend_kube_client_list(k->c, kinds[i], d->opt.namespace, !d->opt.namespace,
		                                NULL, NULL, &items, rv, sizeof(rv), err)) < 0)
			break;
		json_array_foreach (items, j, o) {
			json_t *m = mark_of(o);
			struct kmend_marked *e;
			struct timespec ts = {0};
			const json_t *md = json_object_get(o, "metadata");

			if (!m || !kmend_apply_phase_unsettled(kmend_json_str(m, "phase"))) {
				json_decref(m);
				continue;
			}
			if ((r = kmend_array_grow(&out->items, &out->capacity, out->count,
			                          sizeof(*out->items))) < 0) {
				json_decref(m);
				break;
			}
			e = &out->items[out->count++];
			memset(e, 0, sizeof(*e));
			snprintf(e->ref.kind, sizeof(e->ref.kind), "%s", kinds[i]);
			snprintf(e->ref.name, sizeof(e->ref.name), "%s",
			         kmend_json_str(md, "name"));
			snprintf(e->ref.namespace, sizeof(e->ref.namespace), "%s",
			         kmend_json_str(md, "namespace") ? kmend_json_str(md, "namespace")
			                                         : "");
			snprintf(e->id, sizeof(e->id), "%s", kmend_json_str(m, "id"));
			snprintf(e->phase, sizeof(e->phase), "%s", kmend_json_str(m, "phase"));
			kmend_rfc3339_parse(
			    kmend_json_str(m, "deadline") ? kmend_json_str(m, "deadline") : "",
			    &ts);
			e->deadline = ts.tv_sec;
			/* The first file's object, as JSON (which is YAML); the live object is the
			 * second. */
			if (json_is_object(json_object_get(m, "first"))) {
				e->first = json_dumps(json_object_get(m, "first"), JSON_INDENT(2));
				e->first_len = e->first ? strlen(e->first) : 0;
				if (!e->first)
					r = -ENOMEM;
			}
			json_decref(m);
		}
		json_decref(items);
	}
	return r;
}

/* Re-apply the mark of one workload with phase, as MARK_MANAGER (which takes it over). */
static int settle_one(struct kube *k, const struct kmend_workload_ref *ref, const char *id,
                      const char *phase, struct kmend_error *err)
{
	const struct kmend_kube_resource *res = kmend_kube_resource_of(ref->kind);
	json_t *live = NULL, *m, *patch;
	_cleanup_free_ char *value = NULL;
	int r;

	if ((r = kmend_kube_client_get(k->c, ref->kind, ref->namespace, ref->name, &live, err)) < 0)
		return r == -KMEND_E_NOT_FOUND ? (kmend_error_clear(err), 0) : r;
	m = mark_of(live);
	json_decref(live);
	if (!m || strcmp(kmend_json_str(m, "id"), id)) {
		json_decref(m);
		return 0; /* another apply's mark, or none: not ours to settle */
	}
	json_object_set_new(m, "phase", json_string(phase));
	value = json_dumps(m, JSON_COMPACT);
	json_decref(m);
	patch = json_pack("{s:s, s:s, s:{s:s, s:{s:s}}}", "apiVersion", res->group_version, "kind",
	                  ref->kind, "metadata", "name", ref->name, "annotations",
	                  KMEND_APPLY_ANNOTATION, value ? value : "");
	if (!patch || !value) {
		json_decref(patch);
		return -ENOMEM;
	}
	r = kmend_kube_client_apply(k->c, patch, ref->namespace, MARK_MANAGER, true, NULL, err);
	json_decref(patch);
	return r;
}

static int kube_settle(struct kmend_deploy *d, const char *id, const char *phase,
                       struct kmend_error *err)
{
	struct kube *k = d->impl;
	struct kmend_marked_list found = {0};
	size_t i;
	int r = 0, hits = 0;

	for (i = 0; i < k->nmarked && r == 0; i++) {
		if (!strcmp(k->marked[i].id, id)) {
			hits++;
			r = settle_one(k, &k->marked[i].ref, id, phase, err);
		}
	}
	if (r < 0 || hits)
		return r;
	/* An apply of an earlier run: find its workloads on the cluster. */
	if ((r = kube_find_marked(d, &found, err)) < 0)
		return r;
	for (i = 0; i < found.count && r == 0; i++)
		if (!strcmp(found.items[i].id, id))
			r = settle_one(k, &found.items[i].ref, id, phase, err);
	kmend_marked_list_free(&found);
	return r;
}

static int kube_revert(struct kmend_deploy *d, const struct kmend_workload_ref *ref,
                       struct kmend_workload_refs *refs, char id[64], struct kmend_error *err)
{
	struct kube *k = d->impl;
	const char *ns = ref->namespace[0]  ? ref->namespace
	                 : d->opt.namespace ? d->opt.namespace
	                                    : k->cfg->namespace;
	json_t *live = NULL, *m, *first;
	struct kmend_workload_ref *w;
	char what[600];
	int r;

	snprintf(what, sizeof(what), "%s %s/%s", ref->kind, ns, ref->name);
	if ((r = kmend_kube_client_get(k->c, ref->kind, ns, ref->name, &live, err)) < 0)
		return r;
	m = mark_of(live);
	json_decref(live);
	if (!m) {
		kmend_error_set(err, -KMEND_E_NOT_FOUND, what, 0,
		                "carries no " KMEND_APPLY_ANNOTATION " mark: kmend apply did not "
		                "change it");
		kmend_error_hint(err,
		                 "a file fixed with kmend fix goes back with kmend revert FILE");
		return -KMEND_E_NOT_FOUND;
	}
	first = json_object_get(m, "first");
	if (!json_is_object(first)) {
		json_decref(m);
		kmend_error_set(err, -KMEND_E_NOT_FOUND, what, 0,
		                "its mark records no first file: kmend apply created it");
		kmend_error_hint(err, "delete it if it should not be there");
		return -KMEND_E_NOT_FOUND;
	}
	snprintf(id, 64, "%s", kmend_json_str(m, "id"));
	/* Settled first, as kmend-mark: the apply of first (without it) leaves the mark. */
	if ((r = kmend_array_grow(&refs->items, &refs->capacity, refs->count,
	                          sizeof(*refs->items))) < 0)
		goto out;
	w = &refs->items[refs->count];
	*w = *ref;
	snprintf(w->namespace, sizeof(w->namespace), "%s", ns);
	if ((r = settle_one(k, w, id, "reverting", err)) < 0 ||
	    (r = kmend_kube_client_apply(k->c, first, ns, FIELD_MANAGER, d->opt.force_conflicts,
	                                 NULL, err)) < 0)
		goto out;
	refs->count++;
	r = remember_mark(k, first, ns, id);
out:
	json_decref(m);
	return r;
}

const struct kmend_deploy_ops kmend_deploy_kubernetes = {
    .name = "kubernetes",
    .open = kube_open,
    .apply = kube_apply,
    .observe = kube_observe,
    .wait = kube_wait,
    .rollback = kube_rollback,
    .remove = kube_remove,
    .find_marked = kube_find_marked,
    .revert = kube_revert,
    .settle = kube_settle,
    .close = kube_close,
};
