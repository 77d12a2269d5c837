/*
 * The podman deploy backend: `podman kube play` of a podman-only copy of the manifest, states and
 * logs read back with `podman pod inspect`, `podman inspect` and `podman logs`, `kube down`.
 *
 * podman is not a kubelet, in two ways that matter to kmend, and the copy makes up for both
 * without touching what would go to a cluster (the user's text is never changed):
 * - podman restarts init containers in a loop unless the pod's restartPolicy is Never. The copy
 *   says Never; the workload's own policy is kept here and decides what an exit means: under
 *   Always (and OnFailure, for a non-zero exit) a kubelet would restart the container and back
 *   off, so an exit is reported as a crash loop (CrashLoopBackOff).
 * - podman ignores postStart hooks. The copy leaves them out and kmend runs each exec hook with
 *   `podman exec` once the container has started, as a kubelet does; a hook that fails gets its
 *   container stopped, as a kubelet kills it (FailedPostStartHook), with the hook's output kept.
 * Every workload kind becomes one Pod named after the workload (a Deployment's replicas are one
 * pod here); ConfigMaps, Secrets and volumes claims pass through; podman drops the other kinds.
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
#include "deploy_journal.h"
#include "fsutil.h"
#include "json_get.h"
#include "kmend_limits.h"
#include "kube_workload.h"
#include "rfc3339.h"
#include "subprocess.h"
#include "yamljson.h"

struct pcontainer {
	char *name;
	bool init;
	json_t *hook; /* lifecycle.postStart.exec.command (an array), or NULL */
};

struct pworkload {
	struct kmend_workload_ref ref;
	char policy[16]; /* the workload's own restartPolicy */
	struct pcontainer *c;
	size_t nc;
	/* What `kube play` said when it failed for another reason than an init container. */
	enum kmend_failure play_failure;
	char play_error[1024];
	/* A postStart hook that failed: its container, exit code and output. */
	bool hook_failed;
	char hook_container[254];
	int hook_exit;
	char hook_log[4096];
};

struct podman {
	struct pworkload *w;
	size_t nw, capacity;
	char state_dir[KMEND_PATH_MAX];
};

static void pworkload_clear(struct pworkload *w)
{
	size_t i;

	for (i = 0; i < w->nc; i++) {
		free(w->c[i].name);
		json_decref(w->c[i].hook);
	}
	free(w->c);
	memset(w, 0, sizeof(*w));
}

static int podman_open(struct kmend_deploy *d, struct kmend_error *err)
{
	struct podman *p = calloc(1, sizeof(*p));
	const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");

	if (!p)
		return -ENOMEM;
	if (d->opt.state_dir)
		snprintf(p->state_dir, sizeof(p->state_dir), "%s", d->opt.state_dir);
	else if (state && *state)
		snprintf(p->state_dir, sizeof(p->state_dir), "%s/kmend/apply", state);
	else if (home && *home)
		snprintf(p->state_dir, sizeof(p->state_dir), "%s/.local/state/kmend/apply", home);
	else {
		free(p);
		kmend_error_set(
		    err, -ENOENT, "podman", 0,
		    "no place for apply journals: neither XDG_STATE_HOME nor HOME is set");
		kmend_error_hint(err, "set XDG_STATE_HOME");
		return -ENOENT;
	}
	d->impl = p;
	return 0;
}

static void podman_close(struct kmend_deploy *d)
{
	struct podman *p = d->impl;
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->nw; i++)
		pworkload_clear(&p->w[i]);
	free(p->w);
	free(p);
}

/* Run podman with argv (argv[0] is "podman"); the result is the caller's to free. */
static int run_podman(const char *const *argv, int timeout_ms, struct kmend_spawn_result *res,
                      struct kmend_error *err)
{
	struct kmend_spawn sp = {.argv = argv, .timeout_ms = timeout_ms};

	return kmend_spawn_run(&sp, res, err);
}

static struct pworkload *find_workload(struct podman *p, const char *kind, const char *name)
{
	size_t i;

	for (i = 0; i < p->nw; i++)
		if (!strcmp(p->w[i].ref.kind, kind) && !strcmp(p->w[i].ref.name, name))
			return &p->w[i];
	return NULL;
}

/*
 * The podman copy of one workload: a Pod named after it, restartPolicy Never, no postStart
 * hooks, podman's annotation limit respected, the apply's label. Fills w.
 */
static int podman_pod(const char *kind, json_t *tmpl, const char *mark_id, struct pworkload *w,
                      json_t **out, const char *name, struct kmend_warnings *warn,
                      struct kmend_error *err)
{
	static const char *const lists[] = {"initContainers", "containers"};
	const json_t *meta = json_object_get(tmpl, "metadata"), *anns, *v;
	json_t *pod, *spec, *labels, *keep, *list, *c;
	const char *key, *policy;
	size_t li, i;

	spec = json_deep_copy(json_object_get(tmpl, "spec"));
	if (!json_is_object(spec)) {
		json_decref(spec);
		return kmend_error_set(err, -KMEND_E_BAD_INPUT, name, 0,
		                       "%s \"%s\" has no pod template spec", kind, w->ref.name);
	}
	policy = kmend_json_str(spec, "restartPolicy");
	snprintf(w->policy, sizeof(w->policy), "%s", policy ? policy : "Always");
	json_object_set_new(spec, "restartPolicy", json_string("Never"));
	json_object_del(spec, "ephemeralContainers");
	for (li = 0; li < 2; li++) {
		list = json_object_get(spec, lists[li]);
		json_array_foreach (list, i, c) {
			json_t *life = json_object_get(c, "lifecycle");
			json_t *hook = json_object_get(
			    json_object_get(json_object_get(life, "postStart"), "exec"), "command");
			struct pcontainer *pc, *grown;

			if (!kmend_json_str(c, "name"))
				continue;
			if (!(grown = realloc(w->c, (w->nc + 1) * sizeof(*grown)))) {
				json_decref(spec);
				return -ENOMEM;
			}
			w->c = grown;
			pc = &w->c[w->nc++];
			pc->init = li == 0;
			pc->hook = json_is_array(hook) ? json_incref(hook) : NULL;
			if (!(pc->name = strdup(kmend_json_str(c, "name")))) {
				json_decref(spec);
				return -ENOMEM;
			}
			/* httpGet and tcpSocket hooks need the pod's network from outside: not run.
			 */
			if (json_object_get(life, "postStart") && !pc->hook &&
			    kmend_warn(
			        warn, "podman-hook-not-run",
			        "%s \"%s\": the podman backend runs exec postStart hooks only; "
			        "container \"%s\"'s hook was not run",
			        kind, w->ref.name, pc->name) < 0) {
				json_decref(spec);
				return -ENOMEM;
			}
			if (json_is_object(life))
				json_object_del(life, "postStart");
		}
	}
	labels = json_deep_copy(json_object_get(meta, "labels"));
	if (!json_is_object(labels)) {
		json_decref(labels);
		labels = json_object();
	}
	if (mark_id)
		json_object_set_new(labels, KMEND_APPLY_ANNOTATION, json_string(mark_id));
	keep = json_object();
	anns = json_object_get(meta, "annotations");
	json_object_foreach ((json_t *)anns, key, v) {
		if (json_is_string(v) && json_string_length(v) <= 63)
			json_object_set(keep, key, (json_t *)v);
	}
	pod = json_pack("{s:s, s:s, s:{s:s, s:o, s:o}, s:o}", "apiVersion", "v1", "kind", "Pod",
	                "metadata", "name", w->ref.name, "labels", labels, "annotations", keep,
	                "spec", spec);
	if (!pod)
		return -ENOMEM;
	*out = pod;
	return 0;
}

struct copy_ctx {
	struct kmend_deploy *d;
	const char *name;
	const char *mark_id;
	bool update_model; /* remove builds the copy only to name the pods */
	json_t *pods;      /* the copy's Pods, one per workload, in the order of pods below */
	json_t *others;    /* ConfigMaps, Secrets, claims: played beside each Pod */
	struct kmend_workload_refs refs; /* the workloads of this text */
	char dir[KMEND_PATH_MAX];        /* a private directory holding 0.yaml, 1.yaml, ... */
};

static int copy_doc(struct copy_ctx *x, json_t *doc, struct kmend_error *err)
{
	struct podman *p = x->d->impl;
	const char *kind = kmend_json_str(doc, "kind"), *wname;
	struct pworkload w = {0}, *slot;
	json_t *tmpl, *pod = NULL, *items, *item;
	size_t i;
	int r;

	if (!kind)
		return 0;
	items = json_object_get(doc, "items");
	if (strlen(kind) > 4 && !strcmp(kind + strlen(kind) - 4, "List") && json_is_array(items)) {
		json_array_foreach (items, i, item) {
			if ((r = copy_doc(x, item, err)) < 0)
				return r;
		}
		return 0;
	}
	if (!strcmp(kind, "PodTemplate") || !(tmpl = kmend_kube_json_template(doc, kind)))
		return json_array_append(x->others, doc) ? -ENOMEM : 0;
	wname = kmend_json_str(json_object_get(doc, "metadata"), "name");
	if (!wname || !*wname)
		return kmend_error_set(err, -KMEND_E_BAD_INPUT, x->name, 0,
		                       "a %s has no metadata.name", kind);
	/* One podman pod per workload, named after it: two kinds may not share a name. */
	for (i = 0; i < x->refs.count; i++)
		if (!strcmp(x->refs.items[i].name, wname))
			return kmend_error_set(
			    err, -KMEND_E_UNSUPPORTED, x->name, 0,
			    "%s \"%s\" and %s \"%s\" would both be podman pod \"%s\"",
			    x->refs.items[i].kind, wname, kind, wname, wname);
	if ((r = kmend_array_grow(&x->refs.items, &x->refs.capacity, x->refs.count,
	                          sizeof(*x->refs.items))) < 0)
		return r;
	memset(&x->refs.items[x->refs.count], 0, sizeof(*x->refs.items));
	snprintf(x->refs.items[x->refs.count].kind, sizeof(w.ref.kind), "%s", kind);
	snprintf(x->refs.items[x->refs.count++].name, sizeof(w.ref.name), "%s", wname);
	snprintf(w.ref.kind, sizeof(w.ref.kind), "%s", kind);
	snprintf(w.ref.name, sizeof(w.ref.name), "%s", wname);
	r = podman_pod(kind, tmpl, x->mark_id, &w, &pod, x->name, &x->d->warnings, err);
	if (r == 0)
		r = json_array_append_new(x->pods, pod) ? -ENOMEM : 0;
	if (r < 0 || !x->update_model) {
		pworkload_clear(&w);
		return r;
	}
	if ((slot = find_workload(p, kind, wname))) {
		pworkload_clear(slot);
	} else {
		if ((r = kmend_array_grow(&p->w, &p->capacity, p->nw, sizeof(*p->w))) < 0) {
			pworkload_clear(&w);
			return r;
		}
		slot = &p->w[p->nw++];
	}
	*slot = w;
	return 0;
}

/*
 * The podman copy of text: one YAML stream (of JSON documents) per workload, its Pod after the
 * other objects, because `kube play` stops at the first pod that fails, where a cluster would
 * create them all. It goes to podman on stdin: the user's Secrets never land in a file.
 */
static int build_copy(struct copy_ctx *x, const char *text, size_t len, struct kmend_error *err)
{
	json_t *docs = NULL, *doc;
	size_t i;
	int r;

	if ((r = kmend_yaml_to_json_typed(text, len, x->name, &docs, err)) < 0)
		return r;
	x->pods = json_array();
	x->others = json_array();
	if (!x->pods || !x->others)
		r = -ENOMEM;
	json_array_foreach (docs, i, doc) {
		if (r == 0)
			r = copy_doc(x, doc, err);
	}
	json_decref(docs);
	return r;
}

/* The stream that plays workload i of the copy, malloc'd; NULL on ENOMEM. */
static char *copy_text(const struct copy_ctx *x, size_t i)
{
	json_t *doc;
	char *out = NULL, *s;
	size_t len = 0, k, n;
	FILE *f = open_memstream(&out, &len);

	if (!f)
		return NULL;
	json_array_foreach (x->others, k, doc) {
		if ((s = json_dumps(doc, JSON_COMPACT))) {
			fprintf(f, "%s\n---\n", s);
			free(s);
		}
	}
	s = json_dumps(json_array_get(x->pods, i), JSON_COMPACT);
	n = s ? (size_t)fprintf(f, "%s\n", s) : 0;
	free(s);
	if (fclose(f) != 0 || !n) {
		free(out);
		return NULL;
	}
	return out;
}

static void copy_free(struct copy_ctx *x)
{
	json_decref(x->pods);
	json_decref(x->others);
	kmend_workload_refs_free(&x->refs);
	memset(x, 0, sizeof(*x));
}

/* Run podman with argv and text on its stdin. */
static int run_podman_input(const char *const *argv, const char *text, int timeout_ms,
                            struct kmend_spawn_result *res, struct kmend_error *err)
{
	struct kmend_spawn sp = {
	    .argv = argv, .timeout_ms = timeout_ms, .input = text, .input_len = strlen(text)};

	return kmend_spawn_run(&sp, res, err);
}

/* What a failed `kube play` means for its workloads. */
static enum kmend_failure classify_play_error(const char *msg)
{
	if (strstr(msg, "initializing source") || strstr(msg, "pulling image") ||
	    strstr(msg, "manifest unknown") || strstr(msg, "reading manifest") ||
	    strstr(msg, "image not known"))
		return KMEND_FAIL_IMAGE_PULL;
	if (strstr(msg, "starting container") || strstr(msg, "OCI runtime") ||
	    strstr(msg, "executable file not found"))
		return KMEND_FAIL_CREATE_CONTAINER;
	return KMEND_FAIL_DEPLOY;
}

/* name-container: how podman names a pod's containers. */
static void ctr_name(char *buf, size_t size, const char *pod, const char *container)
{
	snprintf(buf, size, "%s-%s", pod, container);
}

/* Run a workload's postStart exec hooks with `podman exec`, as a kubelet would. */
static int run_hooks(struct kmend_deploy *d, struct pworkload *w, struct kmend_error *err)
{
	size_t i, k;
	int r;

	for (i = 0; i < w->nc && !w->hook_failed; i++) {
		struct pcontainer *c = &w->c[i];
		const char *argv[KMEND_DEPLOY_HOOK_MAX_ARGS + 4];
		char name[520], cmd[600] = "";
		struct kmend_spawn_result res;
		json_t *a;

		if (c->init || !c->hook || !json_array_size(c->hook))
			continue;
		if (json_array_size(c->hook) > KMEND_DEPLOY_HOOK_MAX_ARGS)
			return kmend_error_set(err, -KMEND_E_TOO_LARGE, w->ref.name, 0,
			                       "container \"%s\"'s postStart hook has more than %d "
			                       "arguments",
			                       c->name, KMEND_DEPLOY_HOOK_MAX_ARGS);
		ctr_name(name, sizeof(name), w->ref.name, c->name);
		argv[0] = "podman";
		argv[1] = "exec";
		argv[2] = name;
		json_array_foreach (c->hook, k, a) {
			argv[3 + k] = json_is_string(a) ? json_string_value(a) : "";
			if (strlen(cmd) + strlen(argv[3 + k]) + 2 < sizeof(cmd))
				strcat(strcat(cmd, k ? " " : ""), argv[3 + k]);
		}
		argv[3 + k] = NULL;
		if ((r = run_podman(argv, d->opt.hook_timeout_ms, &res, err)) < 0)
			return r;
		/* A container that already stopped is the container's failure, not the hook's. */
		if ((res.exit_code != 0 || res.timed_out) &&
		    !(res.exit_code == 125 && strstr(res.errout, "state improper"))) {
			char out[4096];
			size_t used;

			w->hook_failed = true;
			w->hook_exit = res.timed_out ? -1 : res.exit_code;
			snprintf(w->hook_container, sizeof(w->hook_container), "%s", c->name);
			used = (size_t)snprintf(
			    out, sizeof(out), "%s",
			    kmend_last_lines(res.out, res.out_len, KMEND_DEPLOY_LOG_LINES));
			if (used < sizeof(out))
				snprintf(out + used, sizeof(out) - used, "%s",
				         kmend_last_lines(res.errout, res.err_len,
				                          KMEND_DEPLOY_LOG_LINES));
			kmend_deploy_copy_text(w->hook_log, sizeof(w->hook_log), out, strlen(out));
			snprintf(w->play_error, sizeof(w->play_error),
			         "Exec lifecycle hook ([%s]) for Container \"%s\" in Pod \"%s\" "
			         "failed - "
			         "error: command '%s' %s %d",
			         cmd, c->name, w->ref.name, cmd,
			         res.timed_out ? "was stopped after (ms)" : "exited with",
			         res.timed_out ? d->opt.hook_timeout_ms : res.exit_code);
			kmend_spawn_result_free(&res);
			/* A kubelet kills the container whose hook failed. */
			const char *stop[] = {"podman", "stop", "--time", "1", name, NULL};

			if ((r = run_podman(stop, 60000, &res, err)) < 0)
				return r;
		}
		kmend_spawn_result_free(&res);
	}
	return 0;
}

/* `kube play` one workload's stream; a failure other than an init container's is kept on w. */
static int play(struct pworkload *w, const char *text, struct kmend_error *err)
{
	const char *argv[] = {"podman", "kube", "play", "--replace", "-", NULL};
	struct kmend_spawn_result res;
	char msg[1024];
	int r;

	if ((r = run_podman_input(argv, text, KMEND_PODMAN_PLAY_TIMEOUT_MS, &res, err)) < 0)
		return r;
	kmend_deploy_copy_text(msg, sizeof(msg), kmend_last_lines(res.errout, res.err_len, 3),
	                       res.err_len);
	/* An init container that failed is an outcome observe reports, not an error. */
	if ((res.exit_code != 0 || res.timed_out) &&
	    !(strstr(msg, "init container") && strstr(msg, "exited with code"))) {
		w->play_failure = classify_play_error(msg);
		snprintf(w->play_error, sizeof(w->play_error), "podman kube play: %s",
		         res.timed_out ? "timed out" : msg);
	}
	kmend_spawn_result_free(&res);
	return 0;
}

static int podman_apply(struct kmend_deploy *d, const char *text, size_t len, const char *name,
                        const struct kmend_apply_mark *mark, int flags,
                        struct kmend_workload_refs *refs, struct kmend_error *err)
{
	struct podman *p = d->impl;
	struct copy_ctx x = {
	    .d = d, .name = name, .mark_id = mark ? mark->id : NULL, .update_model = true};
	struct pworkload *w;
	size_t i;
	int r;

	if ((r = kmend_deploy_workloads_of(text, len, name, refs, err)) < 0)
		return r;
	if ((r = build_copy(&x, text, len, err)) < 0)
		goto out;
	/* The journal first: a kill -9 during the play leaves what is needed to go back. */
	if (mark && !(flags & KMEND_DEPLOY_ATTACH) &&
	    (r = kmend_apply_journal_write(p->state_dir, mark, "deploying", err)) < 0)
		goto out;
	for (i = 0; i < x.refs.count; i++) {
		if (!(w = find_workload(p, x.refs.items[i].kind, x.refs.items[i].name)))
			continue;
		if (!(flags & KMEND_DEPLOY_ATTACH)) {
			_cleanup_free_ char *stream = copy_text(&x, i);

			if (!stream) {
				r = -ENOMEM;
				goto out;
			}
			if ((r = play(w, stream, err)) < 0)
				goto out;
		}
		if (w->play_failure == KMEND_FAIL_NONE && (r = run_hooks(d, w, err)) < 0)
			goto out;
	}
out:
	copy_free(&x);
	return r;
}

static int podman_wait(struct kmend_deploy *d, int timeout_ms, struct kmend_error *err)
{
	struct timespec ts = {.tv_sec = timeout_ms / 1000,
	                      .tv_nsec = (timeout_ms % 1000) * 1000000L};

	(void)d;
	(void)err;
	nanosleep(&ts, NULL);
	return 0;
}

struct logline {
	struct timespec ts;
	int stream;
	size_t seq;
	const char *text;
	size_t len;
};

static int logline_cmp(const void *a, const void *b)
{
	const struct logline *x = a, *y = b;

	if (x->ts.tv_sec != y->ts.tv_sec)
		return x->ts.tv_sec < y->ts.tv_sec ? -1 : 1;
	if (x->ts.tv_nsec != y->ts.tv_nsec)
		return x->ts.tv_nsec < y->ts.tv_nsec ? -1 : 1;
	if (x->stream != y->stream)
		return x->stream - y->stream;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static size_t split_log(const char *text, size_t len, int stream, struct logline *lines, size_t n,
                        size_t max)
{
	const char *p = text, *end = text + len;

	while (p < end && n < max) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *sp;
		const char *eol = nl ? nl : end;
		char ts[64];

		sp = memchr(p, ' ', (size_t)(eol - p));
		lines[n] = (struct logline){
		    .stream = stream, .seq = n, .text = p, .len = (size_t)(eol - p)};
		if (sp && (size_t)(sp - p) < sizeof(ts)) {
			memcpy(ts, p, (size_t)(sp - p));
			ts[sp - p] = '\0';
			if (kmend_rfc3339_parse(ts, &lines[n].ts) == 0) {
				lines[n].text = sp + 1;
				lines[n].len = (size_t)(eol - sp - 1);
			}
		}
		n++;
		p = nl ? nl + 1 : end;
	}
	return n;
}

/*
 * The last lines a container wrote, stdout and stderr in the order they were written
 * (`podman logs -t` stamps each line; the two streams come back apart).
 */
static int container_log(const char *ctr, char *dst, size_t size, struct kmend_error *err)
{
	char tail[16];
	const char *argv[] = {"podman", "logs", "-t", "--tail", tail, ctr, NULL};
	struct logline lines[2 * KMEND_DEPLOY_LOG_LINES];
	struct kmend_spawn_result res;
	char buf[8192];
	size_t n, i, used = 0;
	int r;

	snprintf(tail, sizeof(tail), "%d", KMEND_DEPLOY_LOG_LINES);
	if ((r = run_podman(argv, 60000, &res, err)) < 0)
		return r;
	n = split_log(res.out, res.out_len, 0, lines, 0, KMEND_DEPLOY_LOG_LINES);
	n = split_log(res.errout, res.err_len, 1, lines, n, 2 * KMEND_DEPLOY_LOG_LINES);
	qsort(lines, n, sizeof(*lines), logline_cmp);
	buf[0] = '\0';
	for (i = n > KMEND_DEPLOY_LOG_LINES ? n - KMEND_DEPLOY_LOG_LINES : 0; i < n; i++)
		if (used < sizeof(buf))
			used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%.*s\n",
			                         (int)lines[i].len, lines[i].text);
	kmend_deploy_copy_text(dst, size, buf, strlen(buf));
	kmend_spawn_result_free(&res);
	return 0;
}

/* podman's JSON about one container of the workload, found by name in an inspect array. */
static const json_t *state_of(const json_t *inspect, const char *ctr)
{
	const json_t *e;
	size_t i;

	json_array_foreach (inspect, i, e) {
		const char *n = kmend_json_str(e, "Name");

		if (n && !strcmp(n, ctr))
			return json_object_get(e, "State");
	}
	return NULL;
}

static void fail(struct kmend_workload_status *st, enum kmend_failure f, const char *container,
                 int exit_code, const char *reason, const char *condition)
{
	st->health = KMEND_HEALTH_FAILED;
	st->failure = f;
	snprintf(st->container, sizeof(st->container), "%s", container ? container : "");
	st->exit_code = exit_code;
	snprintf(st->state_reason, sizeof(st->state_reason), "%s", reason);
	snprintf(st->condition, sizeof(st->condition), "%s", condition);
}

/* Inspect the workload's containers; *inspect is a JSON array (or NULL: the pod is gone). */
static int inspect_pod(const struct pworkload *w, json_t **inspect, struct kmend_error *err)
{
	const char *argv[4 + 64 + 1] = {"podman", "inspect", "--type", "container"};
	struct kmend_spawn_result res;
	char names[64][520];
	size_t i, n = 0;
	int r;

	*inspect = NULL;
	for (i = 0; i < w->nc && n < 64; i++) {
		ctr_name(names[n], sizeof(names[n]), w->ref.name, w->c[i].name);
		argv[4 + n] = names[n];
		n++;
	}
	argv[4 + n] = NULL;
	if ((r = run_podman(argv, 60000, &res, err)) < 0)
		return r;
	/* Containers that do not exist are left out of the array (and podman exits 125). */
	*inspect = json_loadb(res.out, res.out_len, JSON_ALLOW_NUL, NULL);
	if (!json_is_array(*inspect)) {
		json_decref(*inspect);
		*inspect = json_array();
	}
	kmend_spawn_result_free(&res);
	return *inspect ? 0 : -ENOMEM;
}

/* Whether any regular container of the workload has been started. */
static bool started_any(const struct pworkload *w, const json_t *inspect)
{
	char ctr[520];
	size_t i;

	for (i = 0; i < w->nc; i++) {
		const json_t *s;
		const char *status;

		if (w->c[i].init)
			continue;
		ctr_name(ctr, sizeof(ctr), w->ref.name, w->c[i].name);
		s = state_of(inspect, ctr);
		status = s ? kmend_json_str(s, "Status") : NULL;
		if (status && strcmp(status, "created") && strcmp(status, "configured") &&
		    strcmp(status, "initialized"))
			return true;
	}
	return false;
}

static int podman_observe(struct kmend_deploy *d, const struct kmend_workload_ref *ref,
                          struct kmend_workload_status *st, struct kmend_error *err)
{
	struct podman *p = d->impl;
	struct pworkload *w = find_workload(p, ref->kind, ref->name);
	char ctr[520], msg[1024];
	json_t *inspect = NULL;
	bool all_ready = true, any = false;
	size_t i;
	int r;

	if (!w)
		return kmend_error_set(err, -KMEND_E_NOT_FOUND, ref->name, 0,
		                       "the podman backend did not deploy %s \"%s\"", ref->kind,
		                       ref->name);
	memset(st, 0, sizeof(*st));
	st->ref = *ref;
	st->exit_code = -1;
	snprintf(st->pod, sizeof(st->pod), "%s", w->ref.name);
	if ((r = inspect_pod(w, &inspect, err)) < 0)
		return r;
	for (i = 0; i < w->nc && !any; i++) {
		ctr_name(ctr, sizeof(ctr), w->ref.name, w->c[i].name);
		any = state_of(inspect, ctr) != NULL;
	}
	if (!any) {
		if (w->play_failure)
			fail(st, w->play_failure, NULL, -1,
			     w->play_failure == KMEND_FAIL_IMAGE_PULL ? "ErrImagePull" : "", "");
		else
			fail(st, KMEND_FAIL_GONE, NULL, -1, "", "");
		snprintf(st->message, sizeof(st->message), "%s",
		         w->play_failure ? w->play_error : "the pod does not exist");
		goto out;
	}
	/* Init containers run in order; the first that did not end well decides. */
	for (i = 0; i < w->nc; i++) {
		const struct pcontainer *c = &w->c[i];
		const json_t *s;
		const char *status;
		int code;

		if (!c->init)
			continue;
		ctr_name(ctr, sizeof(ctr), w->ref.name, c->name);
		s = state_of(inspect, ctr);
		status = s ? kmend_json_str(s, "Status") : "";
		code = s ? (int)json_integer_value(json_object_get(s, "ExitCode")) : 0;
		if (status && !strcmp(status, "exited") && code == 0)
			continue;
		/* podman removes an init container that completed once the pod goes on. */
		if (!s && started_any(w, inspect))
			continue;
		if (status && (!strcmp(status, "exited") || !strcmp(status, "stopped"))) {
			fail(st, KMEND_FAIL_INIT_CONTAINER, c->name, code, "Error",
			     "Initialized=False (ContainersNotInitialized)");
			snprintf(st->message, sizeof(st->message),
			         "init container \"%s\" exited with code %d", c->name, code);
			r = container_log(ctr, st->log, sizeof(st->log), err);
			goto out;
		}
		if (w->play_failure) {
			fail(st, w->play_failure, c->name, -1, "StartError",
			     "Initialized=False (ContainersNotInitialized)");
			snprintf(st->message, sizeof(st->message), "%s", w->play_error);
			goto out;
		}
		snprintf(st->condition, sizeof(st->condition),
		         "Initialized=False (ContainersNotInitialized)");
		goto out;
	}
	if (w->hook_failed) {
		fail(st, KMEND_FAIL_POST_START_HOOK, w->hook_container, w->hook_exit,
		     "FailedPostStartHook", "Ready=False (ContainersNotReady)");
		snprintf(st->message, sizeof(st->message), "%s", w->play_error);
		snprintf(st->log, sizeof(st->log), "%s", w->hook_log);
		goto out;
	}
	for (i = 0; i < w->nc; i++) {
		const struct pcontainer *c = &w->c[i];
		const json_t *s, *health;
		const char *status, *hs;
		struct timespec started;
		int code;

		if (c->init)
			continue;
		ctr_name(ctr, sizeof(ctr), w->ref.name, c->name);
		s = state_of(inspect, ctr);
		status = s ? kmend_json_str(s, "Status") : NULL;
		code = s ? (int)json_integer_value(json_object_get(s, "ExitCode")) : 0;
		if (!status) {
			all_ready = false;
			continue;
		}
		if (!strcmp(status, "exited") || !strcmp(status, "stopped")) {
			bool restarts = !strcmp(w->policy, "Always") ||
			                (!strcmp(w->policy, "OnFailure") && code != 0);

			if (code == 0 && !restarts)
				continue; /* completed, as a Job's pod does */
			if (restarts) {
				fail(st, KMEND_FAIL_CRASH_LOOP, c->name, code, "CrashLoopBackOff",
				     "Ready=False (ContainersNotReady)");
				snprintf(st->message, sizeof(st->message),
				         "back-off restarting failed container \"%s\": it exited "
				         "with code "
				         "%d%s (podman ran it once; restartPolicy %s restarts it)",
				         c->name, code,
				         json_is_true(json_object_get(s, "OOMKilled"))
				             ? " (OOMKilled)"
				             : "",
				         w->policy);
			} else {
				fail(st, KMEND_FAIL_CONTAINER_FAILED, c->name, code, "Error",
				     "Ready=False (PodFailed)");
				snprintf(st->message, sizeof(st->message),
				         "container \"%s\" exited with code %d", c->name, code);
			}
			r = container_log(ctr, st->log, sizeof(st->log), err);
			goto out;
		}
		if (strcmp(status, "running")) {
			if (w->play_failure) {
				fail(st, w->play_failure, c->name, -1, "StartError",
				     "Ready=False (ContainersNotReady)");
				snprintf(st->message, sizeof(st->message), "%s", w->play_error);
				goto out;
			}
			all_ready = false;
			continue;
		}
		health = json_object_get(s, "Health");
		hs = kmend_json_str(health, "Status");
		if (hs && !strcmp(hs, "unhealthy")) {
			all_ready = false;
			snprintf(msg, sizeof(msg),
			         "container \"%s\" is unhealthy (its probe fails)", c->name);
			kmend_deploy_copy_text(st->message, sizeof(st->message), msg, strlen(msg));
			snprintf(st->container, sizeof(st->container), "%s", c->name);
			continue;
		}
		if (!kmend_json_str(s, "StartedAt") ||
		    kmend_rfc3339_parse(kmend_json_str(s, "StartedAt"), &started) < 0 ||
		    (time(NULL) - started.tv_sec) * 1000 < d->opt.min_ready_ms)
			all_ready = false;
	}
	if (all_ready) {
		st->health = KMEND_HEALTH_HEALTHY;
		snprintf(st->condition, sizeof(st->condition), "Ready=True");
	} else {
		snprintf(st->condition, sizeof(st->condition), "Ready=False (ContainersNotReady)");
	}
	r = 0;
out:
	json_decref(inspect);
	return r;
}

static int podman_remove(struct kmend_deploy *d, const char *text, size_t len, const char *name,
                         struct kmend_error *err)
{
	struct copy_ctx x = {.d = d, .name = name};
	const char *argv[] = {"podman", "kube", "down", "-", NULL};
	struct kmend_spawn_result res;
	char msg[1024];
	size_t i;
	int r, code;

	if ((r = build_copy(&x, text, len, err)) < 0)
		goto out;
	for (i = 0; i < x.refs.count; i++) {
		_cleanup_free_ char *stream = copy_text(&x, i);

		if (!stream) {
			r = -ENOMEM;
			goto out;
		}
		if ((r = run_podman_input(argv, stream, 120000, &res, err)) < 0)
			goto out;
		kmend_deploy_copy_text(msg, sizeof(msg),
		                       kmend_last_lines(res.errout, res.err_len, 2), res.err_len);
		code = res.exit_code;
		kmend_spawn_result_free(&res);
		/* Pods that are not there are already down. */
		if (code != 0 && !strstr(msg, "no such pod")) {
			r = kmend_error_set(err, -EIO, name, 0, "podman kube down failed: %s", msg);
			goto out;
		}
	}
out:
	copy_free(&x);
	return r;
}

static int podman_find_marked(struct kmend_deploy *d, struct kmend_marked_list *out,
                              struct kmend_error *err)
{
	return kmend_apply_journal_find(((struct podman *)d->impl)->state_dir, out, err);
}

static int podman_settle(struct kmend_deploy *d, const char *id, const char *phase,
                         struct kmend_error *err)
{
	return kmend_apply_journal_settle(((struct podman *)d->impl)->state_dir, id, phase, err);
}

const struct kmend_deploy_ops kmend_deploy_podman = {
    .name = "podman",
    .open = podman_open,
    .apply = podman_apply,
    .observe = podman_observe,
    .wait = podman_wait,
    .remove = podman_remove,
    .find_marked = podman_find_marked,
    .settle = podman_settle,
    .close = podman_close,
};
