/* The Kubernetes API over lib/http and jansson: requests, apply, get, list with pages, watches. */
#include "kube_client.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cleanup.h"
#include "deploy.h"
#include "http.h"
#include "kmend_limits.h"

static const struct kmend_kube_resource resources[] = {
    {"Namespace", "v1", "namespaces", false, "ns"},
    {"Pod", "v1", "pods", true, "po"},
    {"Event", "v1", "events", true, "ev"},
    {"ConfigMap", "v1", "configmaps", true, "cm"},
    {"Secret", "v1", "secrets", true, NULL},
    {"Service", "v1", "services", true, "svc"},
    {"ServiceAccount", "v1", "serviceaccounts", true, "sa"},
    {"ReplicationController", "v1", "replicationcontrollers", true, "rc"},
    {"PodTemplate", "v1", "podtemplates", true, NULL},
    {"Deployment", "apps/v1", "deployments", true, "deploy"},
    {"ReplicaSet", "apps/v1", "replicasets", true, "rs"},
    {"StatefulSet", "apps/v1", "statefulsets", true, "sts"},
    {"DaemonSet", "apps/v1", "daemonsets", true, "ds"},
    {"Job", "batch/v1", "jobs", true, NULL},
    {"CronJob", "batch/v1", "cronjobs", true, "cj"},
};

const struct kmend_kube_resource *kmend_kube_resource_of(const char *kind)
{
	size_t i;

	for (i = 0; kind && i < sizeof(resources) / sizeof(*resources); i++)
		if (!strcmp(resources[i].kind, kind))
			return &resources[i];
	return NULL;
}

const struct kmend_kube_resource *kmend_kube_resource_named(const char *word)
{
	size_t i;

	for (i = 0; word && i < sizeof(resources) / sizeof(*resources); i++)
		if (!strcasecmp(resources[i].kind, word) ||
		    !strcasecmp(resources[i].plural, word) ||
		    (resources[i].short_name && !strcasecmp(resources[i].short_name, word)))
			return &resources[i];
	return NULL;
}

struct kmend_kube_client {
	struct kmend_kube_config *cfg;
};

int kmend_kube_client_open(struct kmend_kube_config *cfg, struct kmend_kube_client **out,
                           struct kmend_error *err)
{
	*out = NULL;
	if (cfg->tls_server_name)
		return kmend_error_set(err, -KMEND_E_UNSUPPORTED, cfg->source ? cfg->source : "", 0,
		                       "context \"%s\": tls-server-name is not supported yet",
		                       cfg->context);
	if (cfg->proxy_url) {
		kmend_error_set(err, -KMEND_E_UNSUPPORTED, cfg->source ? cfg->source : "", 0,
		                "context \"%s\": proxy-url is not supported yet", cfg->context);
		kmend_error_hint(err, "set HTTPS_PROXY (and NO_PROXY) instead: kmend honours them");
		return -KMEND_E_UNSUPPORTED;
	}
	if (!(*out = calloc(1, sizeof(**out))))
		return -ENOMEM;
	(*out)->cfg = cfg;
	return 0;
}

void kmend_kube_client_close(struct kmend_kube_client *c)
{
	free(c);
}

bool kmend_kube_valid_name(const char *s)
{
	size_t n = s ? strlen(s) : 0, i;

	if (n == 0 || n > 253)
		return false;
	for (i = 0; i < n; i++)
		if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) && s[i] != '-' &&
		    s[i] != '.')
			return false;
	return s[0] != '.' && s[0] != '-';
}

/* The URL of kind's collection (name NULL) or object, with query appended as it is. */
static int resource_url(const struct kmend_kube_client *c, const char *kind, const char *ns,
                        bool all_namespaces, const char *name, const char *query, char **url,
                        struct kmend_error *err)
{
	const struct kmend_kube_resource *r = kmend_kube_resource_of(kind);
	const char *server = c->cfg->server;
	size_t slen = strlen(server);
	char nspart[300] = "";

	if (!r)
		return kmend_error_set(err, -KMEND_E_UNSUPPORTED, kind ? kind : "", 0,
		                       "kmend does not know where the API keeps kind \"%s\"",
		                       kind ? kind : "");
	if (r->namespaced && !all_namespaces) {
		if (!ns)
			ns = c->cfg->namespace;
		if (!kmend_kube_valid_name(ns))
			return kmend_error_set(err, -KMEND_E_BAD_INPUT, ns ? ns : "", 0,
			                       "not a valid namespace name");
		snprintf(nspart, sizeof(nspart), "/namespaces/%s", ns);
	}
	if (name && !kmend_kube_valid_name(name))
		return kmend_error_set(err, -KMEND_E_BAD_INPUT, name, 0,
		                       "not a valid %s name (lower-case letters, digits, '-', '.')",
		                       kind);
	while (slen && server[slen - 1] == '/')
		slen--;
	if (asprintf(url, "%.*s/%s%s%s/%s%s%s%s%s", (int)slen, server,
	             strchr(r->group_version, '/') ? "apis/" : "api/", r->group_version, nspart,
	             r->plural, name ? "/" : "", name ? name : "", query ? "?" : "",
	             query ? query : "") < 0) {
		*url = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* TLS and Authorization for a request, from the config and the current credential. */
struct auth {
	struct kmend_http_tls tls;
	struct kmend_kube_credential cred;
	char *authorization;
};

static int auth_get(struct kmend_kube_client *c, struct auth *a, struct kmend_error *err)
{
	const struct kmend_kube_config *cfg = c->cfg;
	int r;

	memset(a, 0, sizeof(*a));
	if ((r = kmend_kube_credential_get(c->cfg, &a->cred, err)) < 0)
		return r;
	a->tls.ca_file = cfg->ca_file;
	a->tls.ca_pem = cfg->ca_data;
	a->tls.ca_pem_len = cfg->ca_len;
	a->tls.insecure = cfg->insecure;
	a->tls.cert_pem = a->cred.cert_pem;
	a->tls.cert_pem_len = a->cred.cert_len;
	a->tls.key_pem = a->cred.key_pem;
	a->tls.key_pem_len = a->cred.key_len;
	if (a->cred.token && asprintf(&a->authorization, "Bearer %s", a->cred.token) < 0) {
		a->authorization = NULL;
		kmend_kube_credential_free(&a->cred);
		return -ENOMEM;
	}
	return 0;
}

static void auth_free(struct auth *a)
{
	if (a->authorization) {
		explicit_bzero(a->authorization, strlen(a->authorization));
		free(a->authorization);
	}
	kmend_kube_credential_free(&a->cred);
	memset(a, 0, sizeof(*a));
}

/* A non-2xx answer as an error: the code by status, the server's Status message quoted. */
static int status_error(long status, const char *body, size_t len, const char *url,
                        struct kmend_error *err)
{
	char msg[600] = "";
	json_t *s = body ? json_loadb(body, len, 0, NULL) : NULL;
	const char *m = json_string_value(json_object_get(s, "message"));
	int code = status == 401 || status == 403 ? -KMEND_E_AUTH
	           : status == 404                ? -KMEND_E_NOT_FOUND
	           : status == 409                ? -KMEND_E_CONFLICT
	           : status == 410                ? -KMEND_E_EXPIRED
	           : status >= 500                ? -KMEND_E_NETWORK
	                                          : -KMEND_E_BAD_INPUT;

	if (m)
		kmend_deploy_copy_text(msg, sizeof(msg), m, strlen(m));
	json_decref(s);
	kmend_error_set(err, code, url, 0, "the API server answered %ld%s%s", status,
	                *msg ? ": " : "", msg);
	if (code == -KMEND_E_AUTH)
		kmend_error_hint(err, "check the context's user and its rights (RBAC)");
	return code;
}

/*
 * One request; *data gets the 2xx answer's body (NUL-terminated). A 401 makes kmend fetch the
 * credential again (an exec plugin's may have been revoked) and try once more.
 */
static int request_raw(struct kmend_kube_client *c, enum kmend_http_method method, const char *url,
                       const char *accept, const char *content_type, const char *body,
                       size_t body_len, char **data, size_t *len, struct kmend_error *err)
{
	struct kmend_http_response resp;
	struct kmend_http_request req;
	struct auth a;
	int r, attempt;

	*data = NULL;
	for (attempt = 0; attempt < 2; attempt++) {
		if ((r = auth_get(c, &a, err)) < 0)
			return r;
		memset(&req, 0, sizeof(req));
		req.method = method;
		req.url = url;
		req.accept = accept;
		req.authorization = a.authorization;
		req.content_type = content_type;
		req.body = body;
		req.body_len = body_len;
		req.tls = &a.tls;
		req.no_redirects = true;
		req.what = url;
		free(*data);
		*data = NULL;
		r = kmend_http_perform(&req, KMEND_KUBE_RESPONSE_MAX, data, len, &resp, err);
		auth_free(&a);
		if (r < 0)
			return r;
		if (resp.status != 401 || !c->cfg->exec || attempt)
			break;
		kmend_kube_credential_invalidate(c->cfg);
	}
	if (resp.status < 200 || resp.status > 299) {
		r = status_error(resp.status, *data, *len, url, err);
		free(*data);
		*data = NULL;
		return r;
	}
	return 0;
}

/* request_raw of JSON: *out is the parsed answer. */
static int request(struct kmend_kube_client *c, enum kmend_http_method method, const char *url,
                   const char *content_type, const char *body, size_t body_len, json_t **out,
                   struct kmend_error *err)
{
	_cleanup_free_ char *data = NULL;
	json_error_t je;
	size_t len;
	int r;

	*out = NULL;
	r = request_raw(c, method, url, "application/json", content_type, body, body_len, &data,
	                &len, err);
	if (r < 0)
		return r;
	if (!(*out = json_loadb(data, len, 0, &je)))
		return kmend_error_set(err, -KMEND_E_BAD_INPUT, url, je.column,
		                       "the API server's answer is not JSON: %s", je.text);
	return 0;
}

int kmend_kube_client_pod_log(struct kmend_kube_client *c, const char *ns, const char *pod,
                              const char *container, int tail, bool previous, char **text,
                              size_t *len, struct kmend_error *err)
{
	_cleanup_free_ char *url = NULL, *query = NULL, *ctr = NULL;
	int r;

	*text = NULL;
	if (!(ctr = kmend_http_query_escape(container)) ||
	    asprintf(&query, "container=%s&tailLines=%d%s", ctr, tail,
	             previous ? "&previous=true" : "") < 0) {
		query = NULL;
		return -ENOMEM;
	}
	/* pods/NAME/log is a subresource: the object's URL plus "/log". */
	if ((r = resource_url(c, "Pod", ns, false, pod, NULL, &url, err)) < 0)
		return r;
	{
		char *full;

		if (asprintf(&full, "%s/log?%s", url, query) < 0)
			return -ENOMEM;
		free(url);
		url = full;
	}
	return request_raw(c, KMEND_HTTP_GET, url, "text/plain", NULL, NULL, 0, text, len, err);
}

int kmend_kube_client_delete(struct kmend_kube_client *c, const char *kind, const char *ns,
                             const char *name, struct kmend_error *err)
{
	_cleanup_free_ char *url = NULL;
	json_t *answer = NULL;
	int r;

	if ((r = resource_url(c, kind, ns, false, name, NULL, &url, err)) < 0)
		return r;
	r = request(c, KMEND_HTTP_DELETE, url, NULL, NULL, 0, &answer, err);
	json_decref(answer);
	return r;
}

int kmend_kube_client_apply(struct kmend_kube_client *c, const json_t *obj, const char *ns,
                            const char *manager, bool force, json_t **live, struct kmend_error *err)
{
	const json_t *md = json_object_get(obj, "metadata");
	const char *kind = json_string_value(json_object_get(obj, "kind"));
	const char *name = json_string_value(json_object_get(md, "name"));
	const char *objns = json_string_value(json_object_get(md, "namespace"));
	_cleanup_free_ char *url = NULL, *body = NULL, *query = NULL, *mgr = NULL;
	json_t *answer = NULL;
	int r;

	if (live)
		*live = NULL;
	if (!(mgr = kmend_http_query_escape(manager)) ||
	    asprintf(&query, "fieldManager=%s%s", mgr, force ? "&force=true" : "") < 0) {
		query = NULL;
		return -ENOMEM;
	}
	if ((r = resource_url(c, kind, objns ? objns : ns, false, name, query, &url, err)) < 0)
		return r;
	if (!(body = json_dumps(obj, JSON_COMPACT)))
		return -ENOMEM;
	r = request(c, KMEND_HTTP_PATCH, url, "application/apply-patch+yaml", body, strlen(body),
	            &answer, err);
	if (r == -KMEND_E_CONFLICT)
		kmend_error_hint(err, "another field manager owns these fields: apply with "
		                      "--force-conflicts to take them over");
	if (r == 0 && live)
		*live = answer;
	else
		json_decref(answer);
	return r;
}

int kmend_kube_client_get(struct kmend_kube_client *c, const char *kind, const char *ns,
                          const char *name, json_t **out, struct kmend_error *err)
{
	_cleanup_free_ char *url = NULL;
	int r;

	*out = NULL;
	if ((r = resource_url(c, kind, ns, false, name, NULL, &url, err)) < 0)
		return r;
	return request(c, KMEND_HTTP_GET, url, NULL, NULL, 0, out, err);
}

/* "labelSelector=..&fieldSelector=..&" escaped, into a malloc'd string. */
static char *selectors(const char *label, const char *field)
{
	_cleanup_free_ char *l = label ? kmend_http_query_escape(label) : NULL;
	_cleanup_free_ char *f = field ? kmend_http_query_escape(field) : NULL;
	char *q;

	if ((label && !l) || (field && !f))
		return NULL;
	if (asprintf(&q, "%s%s%s%s%s%s", l ? "labelSelector=" : "", l ? l : "", l ? "&" : "",
	             f ? "fieldSelector=" : "", f ? f : "", f ? "&" : "") < 0)
		return NULL;
	return q;
}

int kmend_kube_client_list(struct kmend_kube_client *c, const char *kind, const char *ns,
                           bool all_namespaces, const char *label_selector,
                           const char *field_selector, json_t **items, char *rv, size_t size,
                           struct kmend_error *err)
{
	_cleanup_free_ char *sel = selectors(label_selector, field_selector);
	char *cont = NULL;
	int r = 0, restarts = 0;

	if (!sel || !(*items = json_array()))
		return -ENOMEM;
	for (;;) {
		_cleanup_free_ char *query = NULL, *url = NULL, *tok = NULL;
		json_t *page = NULL, *md;

		tok = cont ? kmend_http_query_escape(cont) : NULL;
		free(cont);
		cont = NULL;
		if (asprintf(&query, "%slimit=%d%s%s", sel, KMEND_KUBE_LIST_PAGE,
		             tok ? "&continue=" : "", tok ? tok : "") < 0) {
			query = NULL;
			r = -ENOMEM;
			break;
		}
		if ((r = resource_url(c, kind, ns, all_namespaces, NULL, query, &url, err)) < 0)
			break;
		r = request(c, KMEND_HTTP_GET, url, NULL, NULL, 0, &page, err);
		/* The continue token outlived the server's history: start again, as kubectl does.
		 */
		if (r == -KMEND_E_EXPIRED && tok && restarts++ < KMEND_KUBE_WATCH_RETRIES) {
			json_array_clear(*items);
			kmend_error_clear(err);
			continue;
		}
		if (r < 0)
			break;
		if (json_array_extend(*items, json_object_get(page, "items")) < 0 &&
		    json_is_array(json_object_get(page, "items"))) {
			json_decref(page);
			r = -ENOMEM;
			break;
		}
		md = json_object_get(page, "metadata");
		snprintf(rv, size, "%s",
		         json_string_value(json_object_get(md, "resourceVersion"))
		             ? json_string_value(json_object_get(md, "resourceVersion"))
		             : "");
		if (json_string_value(json_object_get(md, "continue")) &&
		    *json_string_value(json_object_get(md, "continue")))
			cont = strdup(json_string_value(json_object_get(md, "continue")));
		json_decref(page);
		if (!cont)
			break;
		if (json_array_size(*items) > KMEND_KUBE_LIST_MAX_ITEMS) {
			r = kmend_error_set(err, -KMEND_E_TOO_LARGE, kind, 0,
			                    "more than %d objects in one list",
			                    KMEND_KUBE_LIST_MAX_ITEMS);
			break;
		}
	}
	free(cont);
	if (r < 0) {
		json_decref(*items);
		*items = NULL;
	}
	return r;
}

struct kmend_kube_watch {
	struct kmend_kube_client *c;
	char *kind, *ns, *label, *field;
	bool all_namespaces;
	char rv[64];
	struct kmend_istream *stream;
	unsigned reconnects, relists, failures;
	bool need_relist;
};

void kmend_kube_watch_close(struct kmend_kube_watch *w)
{
	if (!w)
		return;
	kmend_istream_close(w->stream);
	free(w->kind);
	free(w->ns);
	free(w->label);
	free(w->field);
	free(w);
}

void kmend_kube_watch_counts(const struct kmend_kube_watch *w, unsigned *reconnects,
                             unsigned *relists)
{
	*reconnects = w->reconnects;
	*relists = w->relists;
}

int kmend_kube_watch_open(struct kmend_kube_client *c, const char *kind, const char *ns,
                          bool all_namespaces, const char *label_selector,
                          const char *field_selector, const char *rv, struct kmend_kube_watch **out,
                          struct kmend_error *err)
{
	struct kmend_kube_watch *w = calloc(1, sizeof(*w));
	int failed = 0;

	*out = NULL;
	if (!w)
		return -ENOMEM;
	w->c = c;
	w->all_namespaces = all_namespaces;
	w->kind = kmend_strdup_or_null(kind, &failed);
	w->ns = kmend_strdup_or_null(ns, &failed);
	w->label = kmend_strdup_or_null(label_selector, &failed);
	w->field = kmend_strdup_or_null(field_selector, &failed);
	if (failed) {
		kmend_kube_watch_close(w);
		return -ENOMEM;
	}
	if (!kmend_kube_resource_of(kind)) {
		kmend_kube_watch_close(w);
		return kmend_error_set(err, -KMEND_E_UNSUPPORTED, kind, 0,
		                       "kmend does not know where the API keeps kind \"%s\"", kind);
	}
	snprintf(w->rv, sizeof(w->rv), "%s", rv ? rv : "");
	w->need_relist = !w->rv[0];
	*out = w;
	return 0;
}

static long now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* Open the stream from w->rv, asking the server to end it by the deadline. */
static int watch_connect(struct kmend_kube_watch *w, long seconds, struct kmend_error *err)
{
	_cleanup_free_ char *sel = selectors(w->label, w->field), *query = NULL, *url = NULL;
	struct kmend_http_response resp;
	struct kmend_http_request req = {0};
	struct auth a;
	int r;

	if (!sel || asprintf(&query,
	                     "%swatch=1&allowWatchBookmarks=true&resourceVersion=%s&"
	                     "timeoutSeconds=%ld",
	                     sel, w->rv, seconds) < 0) {
		query = NULL;
		return -ENOMEM;
	}
	if ((r = resource_url(w->c, w->kind, w->ns, w->all_namespaces, NULL, query, &url, err)) < 0)
		return r;
	if ((r = auth_get(w->c, &a, err)) < 0)
		return r;
	req.url = url;
	req.accept = "application/json";
	req.authorization = a.authorization;
	req.tls = &a.tls;
	req.no_redirects = true;
	req.stream_any_status = true;
	/* A watch is quiet between events; the server ends it by timeoutSeconds. */
	req.stall_timeout = seconds + KMEND_HTTP_STALL_TIMEOUT;
	req.what = url;
	r = kmend_http_open(&req, &w->stream, &resp, err);
	auth_free(&a);
	if (r < 0)
		return r;
	if (resp.status == 401 && w->c->cfg->exec)
		kmend_kube_credential_invalidate(w->c->cfg);
	if (resp.status < 200 || resp.status > 299) {
		_cleanup_free_ char *body = NULL;
		size_t len = 0;

		kmend_istream_slurp(w->stream, 64 * 1024, url, &body, &len, NULL);
		kmend_istream_close(w->stream);
		w->stream = NULL;
		return status_error(resp.status, body, len, url, err);
	}
	return 0;
}

static int relist(struct kmend_kube_watch *w, json_t **items, struct kmend_error *err)
{
	w->need_relist = false;
	w->relists++;
	return kmend_kube_client_list(w->c, w->kind, w->ns, w->all_namespaces, w->label, w->field,
	                              items, w->rv, sizeof(w->rv), err);
}

int kmend_kube_watch_next(struct kmend_kube_watch *w, time_t deadline, char type[16], json_t **obj,
                          struct kmend_error *err)
{
	const char *line;
	size_t len;
	int r;

	*obj = NULL;
	for (;;) {
		long left = (long)deadline - now_mono();

		if (w->need_relist) {
			if ((r = relist(w, obj, err)) < 0)
				return r;
			snprintf(type, 16, "RELISTED");
			return 1;
		}
		if (left <= 0)
			return 0;
		if (!w->stream) {
			r = watch_connect(w, left, err);
			if (r == -KMEND_E_EXPIRED) {
				w->need_relist = true;
				continue;
			}
			if (r < 0 && ++w->failures > KMEND_KUBE_WATCH_RETRIES)
				return r;
			if (r < 0)
				continue;
		}
		r = kmend_http_read_line(w->stream, &line, &len, err);
		if (r <= 0) {
			/* The server ended the stream (its timeout) or the connection dropped. */
			kmend_istream_close(w->stream);
			w->stream = NULL;
			if (r < 0 && ++w->failures > KMEND_KUBE_WATCH_RETRIES)
				return r;
			if (now_mono() < (long)deadline)
				w->reconnects++;
			kmend_error_clear(err);
			continue;
		}
		w->failures = 0;
		if (!len)
			continue;
		json_t *ev = json_loadb(line, len, 0, NULL);
		const char *t = json_string_value(json_object_get(ev, "type"));
		json_t *o = json_object_get(ev, "object");
		const char *orv = json_string_value(
		    json_object_get(json_object_get(o, "metadata"), "resourceVersion"));

		if (!t || !json_is_object(o)) {
			json_decref(ev);
			kmend_istream_close(w->stream);
			w->stream = NULL;
			return kmend_error_set(
			    err, -KMEND_E_BAD_INPUT, w->kind, 0,
			    "the API server sent a watch event kmend cannot read");
		}
		if (!strcmp(t, "ERROR")) {
			long code = (long)json_integer_value(json_object_get(o, "code"));

			json_decref(ev);
			kmend_istream_close(w->stream);
			w->stream = NULL;
			if (code == 410) {
				w->need_relist = true;
				continue;
			}
			return status_error(code ? code : 500, line, len, w->kind, err);
		}
		if (orv && strlen(orv) < sizeof(w->rv))
			snprintf(w->rv, sizeof(w->rv), "%s", orv);
		if (!strcmp(t, "BOOKMARK")) {
			json_decref(ev);
			continue;
		}
		snprintf(type, 16, "%.15s", t);
		*obj = json_incref(o);
		json_decref(ev);
		return 1;
	}
}
