/* Workload health from API objects: pod and container states, Events, rollout status. */
#include "kube_health.h"

#include <stdio.h>
#include <string.h>

#include "json_get.h"

static long long jint(const json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

/* o.a.b... as an object, or NULL. */
static const json_t *path(const json_t *o, const char *a, const char *b)
{
	o = json_object_get(o, a);
	return b ? json_object_get(o, b) : o;
}

static void put(char *dst, size_t size, const char *s)
{
	kmend_deploy_copy_text(dst, size, s ? s : "", s ? strlen(s) : 0);
}

static void fail(struct kmend_workload_status *st, enum kmend_failure f, const char *pod,
                 const char *container, const char *reason, const char *message)
{
	st->health = KMEND_HEALTH_FAILED;
	st->failure = f;
	/* Callers may pass st's own fields: copy only what is new. */
	if (pod != st->pod)
		put(st->pod, sizeof(st->pod), pod);
	if (container != st->container)
		put(st->container, sizeof(st->container), container);
	put(st->state_reason, sizeof(st->state_reason), reason);
	if (message && *message)
		put(st->message, sizeof(st->message), message);
}

/*
 * The hook's output, which the kubelet quotes (Go's %q) at the end of its FailedPostStartHook
 * message: `... failed - error: ..., message: "OUTPUT"`. The message opens with the hook's
 * whole command, which for kmend's install step fills the status's message field, so the output
 * is kept where a failing container's log goes.
 */
static void hook_output(const char *message, char *out, size_t size)
{
	const char *p = message ? strstr(message, ", message: \"") : NULL, *q;
	size_t n = 0;

	if (!p || size == 0)
		return;
	for (q = strstr(p + 1, ", message: \""); q; q = strstr(q + 1, ", message: \""))
		p = q; /* the last one: the command itself may hold the words */
	for (p += strlen(", message: \""); *p && !(p[0] == '"' && p[1] == '\0') && n + 1 < size;
	     p++) {
		char c = *p;

		if (c == '\\' && p[1]) {
			p++;
			c = *p == 'n' ? '\n' : *p == 't' ? '\t' : *p;
		}
		out[n++] = (char)((unsigned char)c < 0x20 && c != '\n' && c != '\t' ? '?' : c);
	}
	out[n] = '\0';
}

/* The pod condition worth quoting: the first of Initialized, ContainersReady, Ready not True. */
static void pod_condition(const json_t *pod, struct kmend_workload_status *st)
{
	static const char *const order[] = {"PodScheduled", "Initialized", "ContainersReady",
	                                    "Ready"};
	const json_t *conds = path(pod, "status", "conditions"), *c;
	char buf[512];
	size_t i, k;

	for (k = 0; k < sizeof(order) / sizeof(*order); k++) {
		json_array_foreach (conds, i, c) {
			const char *type = kmend_json_str(c, "type"),
			           *status = kmend_json_str(c, "status");

			if (!type || strcmp(type, order[k]) || !status || !strcmp(status, "True"))
				continue;
			snprintf(buf, sizeof(buf), "%s=%s%s%s%s%s%s", type, status,
			         kmend_json_str(c, "reason") ? " (" : "",
			         kmend_json_str(c, "reason") ? kmend_json_str(c, "reason") : "",
			         kmend_json_str(c, "reason") ? ")" : "",
			         kmend_json_str(c, "message") ? ": " : "",
			         kmend_json_str(c, "message") ? kmend_json_str(c, "message") : "");
			put(st->condition, sizeof(st->condition), buf);
			return;
		}
	}
	snprintf(st->condition, sizeof(st->condition), "Ready=True");
}

/* The newest Event of reason about the pod (by name), or NULL. */
static const json_t *event_for(const json_t *events, const char *pod, const char *reason)
{
	const json_t *e, *found = NULL;
	size_t i;

	json_array_foreach (events, i, e) {
		const char *name = kmend_json_str(json_object_get(e, "involvedObject"), "name");
		const char *r = kmend_json_str(e, "reason");

		if (name && r && !strcmp(r, reason) && (!pod || !strcmp(name, pod)))
			found = e;
	}
	return found;
}

/* `for Container "app"` in a kubelet message: the container's name into out. */
static void container_of_message(const char *msg, char *out, size_t size)
{
	const char *p = msg ? strstr(msg, "for Container \"") : NULL, *q;

	out[0] = '\0';
	if (p && (q = strchr(p += 15, '"')))
		snprintf(out, size, "%.*s", (int)(q - p), p);
}

static const char *const pull_reasons[] = {"ErrImagePull", "ImagePullBackOff", "InvalidImageName",
                                           "ErrImageNeverPull", NULL};
static const char *const create_reasons[] = {"CreateContainerConfigError",
                                             "CreateContainerError",
                                             "RunContainerError",
                                             "StartError",
                                             "PreCreateHookError",
                                             "PostStartHookError",
                                             NULL};

static bool one_of(const char *s, const char *const *list)
{
	for (; s && *list; list++)
		if (!strcmp(s, *list))
			return true;
	return false;
}

/*
 * One container's status: fails st and returns true when it shows a failure. The exit code
 * comes from the state, else the last state (a container waiting in CrashLoopBackOff).
 */
static bool container_failed(const json_t *cs, bool init, const char *pod, const char *policy,
                             struct kmend_workload_status *st)
{
	const json_t *waiting = path(cs, "state", "waiting");
	const json_t *term = path(cs, "state", "terminated");
	const json_t *last = path(cs, "lastState", "terminated");
	const char *wr = kmend_json_str(waiting, "reason"), *name = kmend_json_str(cs, "name");
	char msg[1024];

	if (one_of(wr, pull_reasons)) {
		fail(st, KMEND_FAIL_IMAGE_PULL, pod, name, wr, kmend_json_str(waiting, "message"));
		return true;
	}
	if (one_of(wr, create_reasons)) {
		fail(st, KMEND_FAIL_CREATE_CONTAINER, pod, name, wr,
		     kmend_json_str(waiting, "message"));
		return true;
	}
	if (init &&
	    ((term && jint(term, "exitCode") != 0) || (last && jint(last, "exitCode") != 0))) {
		const json_t *t = term && jint(term, "exitCode") != 0 ? term : last;

		snprintf(msg, sizeof(msg), "init container \"%s\" exited with code %lld%s%s",
		         name ? name : "", jint(t, "exitCode"),
		         kmend_json_str(waiting, "message") ? "; " : "",
		         kmend_json_str(waiting, "message") ? kmend_json_str(waiting, "message")
		                                            : "");
		fail(st, KMEND_FAIL_INIT_CONTAINER, pod, name,
		     wr ? wr : kmend_json_str(t, "reason"), msg);
		st->exit_code = (int)jint(t, "exitCode");
		return true;
	}
	if (wr && !strcmp(wr, "CrashLoopBackOff")) {
		fail(st, KMEND_FAIL_CRASH_LOOP, pod, name, wr, kmend_json_str(waiting, "message"));
		st->exit_code = last ? (int)jint(last, "exitCode") : -1;
		return true;
	}
	if (!init && term && jint(term, "exitCode") != 0 && policy && !strcmp(policy, "Never")) {
		snprintf(msg, sizeof(msg), "container \"%s\" exited with code %lld",
		         name ? name : "", jint(term, "exitCode"));
		fail(st, KMEND_FAIL_CONTAINER_FAILED, pod, name, kmend_json_str(term, "reason"),
		     msg);
		st->exit_code = (int)jint(term, "exitCode");
		return true;
	}
	return false;
}

/* Pod-level failures; returns true when st now says failed. Counts ready pods. */
static bool pods_failed(const json_t *pods, const json_t *events, struct kmend_workload_status *st,
                        size_t *ready)
{
	const json_t *pod, *cs;
	size_t i, k;

	json_array_foreach (pods, i, pod) {
		const char *name = kmend_json_str(json_object_get(pod, "metadata"), "name");
		const char *policy = kmend_json_str(json_object_get(pod, "spec"), "restartPolicy");
		const json_t *hook = event_for(events, name, "FailedPostStartHook");

		if (json_object_get(json_object_get(pod, "metadata"), "deletionTimestamp"))
			continue; /* an old pod going away */
		pod_condition(pod, st);
		put(st->pod, sizeof(st->pod), name);
		json_array_foreach (path(pod, "status", "initContainerStatuses"), k, cs) {
			if (container_failed(cs, true, name, policy, st))
				return true;
		}
		if (hook) {
			char ctr[254];

			container_of_message(kmend_json_str(hook, "message"), ctr, sizeof(ctr));
			fail(st, KMEND_FAIL_POST_START_HOOK, name, ctr, "FailedPostStartHook",
			     kmend_json_str(hook, "message"));
			hook_output(kmend_json_str(hook, "message"), st->log, sizeof(st->log));
			return true;
		}
		json_array_foreach (path(pod, "status", "containerStatuses"), k, cs) {
			if (container_failed(cs, false, name, policy, st))
				return true;
		}
		if (!strcmp(st->condition, "Ready=True") ||
		    (kmend_json_str(json_object_get(pod, "status"), "phase") &&
		     !strcmp(kmend_json_str(json_object_get(pod, "status"), "phase"), "Succeeded")))
			(*ready)++;
		else if (event_for(events, name, "Unhealthy"))
			put(st->message, sizeof(st->message),
			    kmend_json_str(event_for(events, name, "Unhealthy"), "message"));
	}
	return false;
}

/* A condition of the workload's status by type, or NULL. */
static const json_t *condition(const json_t *workload, const char *type)
{
	const json_t *c;
	size_t i;

	json_array_foreach (path(workload, "status", "conditions"), i, c) {
		if (kmend_json_str(c, "type") && !strcmp(kmend_json_str(c, "type"), type))
			return c;
	}
	return NULL;
}

static bool cond_true(const json_t *c)
{
	return c && kmend_json_str(c, "status") && !strcmp(kmend_json_str(c, "status"), "True");
}

/* The controller has seen the workload's current spec (metadata.generation). */
static bool observed(const json_t *w)
{
	long long gen = jint(json_object_get(w, "metadata"), "generation");

	return !gen || jint(json_object_get(w, "status"), "observedGeneration") >= gen;
}

/* Rollout status, as kubectl computes it, once no pod has failed. */
static bool rolled_out(const char *kind, const json_t *w)
{
	const json_t *spec = json_object_get(w, "spec"), *status = json_object_get(w, "status");
	long long want = json_object_get(spec, "replicas") ? jint(spec, "replicas") : 1;

	if (!observed(w))
		return false;
	if (!strcmp(kind, "Deployment"))
		return jint(status, "updatedReplicas") == want &&
		       jint(status, "replicas") == want &&
		       jint(status, "availableReplicas") == want;
	if (!strcmp(kind, "StatefulSet"))
		return jint(status, "readyReplicas") == want &&
		       jint(status, "updatedReplicas") == want;
	if (!strcmp(kind, "DaemonSet"))
		return jint(status, "updatedNumberScheduled") ==
		           jint(status, "desiredNumberScheduled") &&
		       jint(status, "numberAvailable") == jint(status, "desiredNumberScheduled");
	if (!strcmp(kind, "ReplicaSet") || !strcmp(kind, "ReplicationController"))
		return jint(status, "readyReplicas") == want;
	return false;
}

void kmend_kube_assess(const json_t *workload, const json_t *pods, const json_t *events,
                       struct kmend_workload_status *st)
{
	const char *kind = kmend_json_str(workload, "kind");
	const json_t *c;
	json_t *self = NULL;
	size_t ready = 0;

	st->health = KMEND_HEALTH_PROGRESSING;
	st->failure = KMEND_FAIL_NONE;
	st->exit_code = -1;
	st->pod[0] = st->container[0] = st->condition[0] = st->state_reason[0] = '\0';
	st->message[0] = st->log[0] = '\0';
	if (!kind)
		return;
	if (!strcmp(kind, "Pod")) {
		self = json_pack("[O]", workload);
		pods = self;
	}
	if (pods_failed(pods, events, st, &ready))
		goto out;
	if (!strcmp(kind, "Pod")) {
		if (ready == 1)
			st->health = KMEND_HEALTH_HEALTHY;
		goto out;
	}
	if (!strcmp(kind, "Job")) {
		if (cond_true(condition(workload, "Complete")) ||
		    cond_true(condition(workload, "SuccessCriteriaMet"))) {
			st->health = KMEND_HEALTH_HEALTHY;
		} else if (cond_true((c = condition(workload, "Failed")))) {
			fail(st, KMEND_FAIL_CONTAINER_FAILED, st->pod, st->container,
			     kmend_json_str(c, "reason"), kmend_json_str(c, "message"));
		}
		goto out;
	}
	c = condition(workload, "Progressing");
	/* As kubectl: a condition speaks of the template the controller has seen, not a newer one.
	 */
	if (c && observed(workload) && kmend_json_str(c, "reason") &&
	    !strcmp(kmend_json_str(c, "reason"), "ProgressDeadlineExceeded")) {
		fail(st, KMEND_FAIL_PROGRESS_DEADLINE, st->pod, "", "ProgressDeadlineExceeded",
		     kmend_json_str(c, "message"));
		goto out;
	}
	if (rolled_out(kind, workload)) {
		st->health = KMEND_HEALTH_HEALTHY;
		snprintf(st->condition, sizeof(st->condition), "Ready=True");
		st->message[0] = '\0';
	}
out:
	json_decref(self);
}
