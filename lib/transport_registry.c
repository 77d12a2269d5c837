/*
 * docker://: registries speaking the OCI distribution API. Anonymous, Basic and
 * Bearer-token auth (the WWW-Authenticate challenge), retries with backoff on 429 and
 * 5xx, plain HTTP or unchecked TLS for hosts named insecure.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "cleanup.h"
#include "credentials.h"
#include "http.h"
#include "image.h"
#include "kmend_limits.h"
#include "registry_client.h"
#include "registry_session.h"
#include "strv.h"

#define MANIFEST_ACCEPT                                                                            \
	KMEND_MEDIA_OCI_INDEX ", " KMEND_MEDIA_OCI_MANIFEST ", " KMEND_MEDIA_DOCKER_LIST           \
	                      ", " KMEND_MEDIA_DOCKER_MANIFEST

struct registry {
	char registry[256]; /* as the user wrote it: "docker.io", "127.0.0.1:5000" */
	char host[256];     /* where the API is: registry-1.docker.io for docker.io */
	char repository[512];
	char reference[256]; /* tag or digest */
	char scope[600];     /* "repository:NAME:pull": the token's key in the session */
	const char *scheme;  /* "https", or "http" once that host answered over plain HTTP */
	int insecure;
	char *authorization; /* "Bearer x" or "Basic y", malloc'd; a secret */
	bool token_from_session;
	int have_credentials;
	struct kmend_credentials credentials;
	const struct kmend_image_options *opts;
};

/* The user named this host[:port] with --insecure-registry (a bare host covers its ports). */
static bool named_insecure(const struct kmend_image_options *opts, const char *authority)
{
	size_t host_len = strcspn(authority, ":");

	if (authority[0] == '[') /* [v6]:port */
		host_len = strcspn(authority, "]") + 1;
	for (const char *const *h = opts->insecure; h && *h; h++)
		if (strcasecmp(*h, authority) == 0 ||
		    (strlen(*h) == host_len && strncasecmp(*h, authority, host_len) == 0))
			return true;
	return false;
}

static void set_authorization(struct registry *r, char *value)
{
	if (r->authorization) {
		explicit_bzero(r->authorization, strlen(r->authorization));
		free(r->authorization);
	}
	r->authorization = value;
}

static void registry_close(void *state)
{
	struct registry *r = state;

	if (!r)
		return;
	set_authorization(r, NULL);
	kmend_credentials_clear(&r->credentials);
	free(r);
}

static int registry_open(const struct kmend_image_ref *ref, const struct kmend_image_options *opts,
                         void **state, struct kmend_error *err)
{
	struct registry *r;
	int rc;

	if (!kmend_http_client_default(err))
		return err ? err->code : -KMEND_E_UNSUPPORTED;
	if (!(r = calloc(1, sizeof(*r))))
		return -ENOMEM;
	snprintf(r->registry, sizeof(r->registry), "%s", ref->registry);
	snprintf(r->host, sizeof(r->host), "%s",
	         strcmp(ref->registry, "docker.io") == 0 ? "registry-1.docker.io" : ref->registry);
	snprintf(r->repository, sizeof(r->repository), "%s", ref->repository);
	snprintf(r->reference, sizeof(r->reference), "%s", ref->digest[0] ? ref->digest : ref->tag);
	snprintf(r->scope, sizeof(r->scope), "repository:%s:pull", r->repository);
	r->insecure = named_insecure(opts, r->registry) || named_insecure(opts, r->host);
	/* Plain HTTP only ever for hosts named insecure; then straight away once it answered. */
	r->scheme = r->insecure && kmend_registry_session_plain_http(r->host) ? "http" : "https";
	if ((rc = kmend_credentials_lookup(opts->credentials, r->registry, &r->credentials, err)) <
	    0) {
		registry_close(r);
		return rc;
	}
	r->have_credentials = rc;
	r->opts = opts;
	/* What earlier images of this run learnt: a token for this repository, or Basic. */
	if ((r->authorization = kmend_registry_session_token(r->host, r->scope)))
		r->token_from_session = true;
	*state = r;
	return 0;
}

/* "Basic base64(user:password)", malloc'd; NULL out of memory. */
static char *basic_header(const struct kmend_credentials *c)
{
	size_t ulen = strlen(c->user), plen = strlen(c->password), n = ulen + 1 + plen;
	size_t out_len = 6 + 4 * ((n + 2) / 3) + 1;
	char *plain = malloc(n + 1), *out = malloc(out_len);

	if (plain && out) {
		memcpy(plain, c->user, ulen);
		plain[ulen] = ':';
		memcpy(plain + ulen + 1, c->password, plen);
		memcpy(out, "Basic ", 6);
		EVP_EncodeBlock((unsigned char *)out + 6, (const unsigned char *)plain, (int)n);
	} else {
		free(out);
		out = NULL;
	}
	if (plain) {
		explicit_bzero(plain, n);
		free(plain);
	}
	return out;
}

static int auth_error(struct registry *r, struct kmend_error *err, const char *what)
{
	kmend_error_set(err, -KMEND_E_AUTH, r->registry, 0, "%s", what);
	kmend_error_hint(err, r->have_credentials
	                          ? "check the credentials in auth.json / config.json"
	                          : "log in (podman login / docker login) or add the registry to "
	                            "$XDG_RUNTIME_DIR/containers/auth.json");
	return -KMEND_E_AUTH;
}

/* A token goes into a header: printable ASCII only, so that it cannot add a header line. */
static bool token_usable(const char *token)
{
	for (const unsigned char *p = (const unsigned char *)token; *p; p++)
		if (*p < 0x21 || *p > 0x7e)
			return false;
	return *token != '\0';
}

/*
 * "&scope=A&scope=B" for a challenge's space-separated scopes ("repository:x:pull,push
 * repository:y:pull" when a push mounts y's blob): the token spec wants one parameter each.
 * malloc'd; NULL out of memory.
 */
static char *scope_params(const char *scope)
{
	size_t cap = 1;
	char *out, *part;

	for (const char *p = scope; *p; p++)
		cap += *p == ' ' ? 8 : 3;
	if (!(out = calloc(1, cap + 8)))
		return NULL;
	for (const char *p = scope; *p;) {
		size_t n = strcspn(p, " ");
		char one[1024];
		if (n && n < sizeof(one)) {
			memcpy(one, p, n);
			one[n] = '\0';
			if (!(part = kmend_http_query_escape(one))) {
				free(out);
				return NULL;
			}
			strcat(strcat(out, "&scope="), part);
			free(part);
		}
		p += n + (p[n] == ' ');
	}
	return out;
}

/*
 * The Bearer token flow: ask the realm for a token for this repository, with the
 * credentials if there are any (never over plain HTTP to a host the user did not name).
 * The token is kept for the run, per host and scope, until shortly before it expires.
 */
static int fetch_token(struct registry *r, const char *challenge, struct kmend_error *err)
{
	char realm[1024], service[512] = "", scope[1024], url[4096], realm_host[256];
	_cleanup_free_ char *body = NULL, *basic = NULL, *es = NULL, *ec = NULL;
	struct kmend_http_response resp;
	struct kmend_http_request req = {.url = url};
	json_t *doc, *expires;
	const char *token;
	char *value;
	long lifetime = 60;
	size_t len;
	int rc;

	if (kmend_http_challenge_param(challenge, "realm", realm, sizeof(realm)) < 0)
		return kmend_error_set(err, -KMEND_E_AUTH, r->registry, 0,
		                       "a Bearer challenge without a realm: %.200s", challenge);
	if ((strncasecmp(realm, "https://", 8) && strncasecmp(realm, "http://", 7)) ||
	    kmend_http_url_authority(realm, realm_host, sizeof(realm_host)) < 0)
		return kmend_error_set(err, -KMEND_E_AUTH, r->registry, 0,
		                       "the token server is not an http(s) URL: %.200s", realm);
	kmend_http_challenge_param(challenge, "service", service, sizeof(service));
	if (kmend_http_challenge_param(challenge, "scope", scope, sizeof(scope)) < 0)
		snprintf(scope, sizeof(scope), "%s", r->scope);
	if (!(es = kmend_http_query_escape(service)) || !(ec = scope_params(scope)))
		return -ENOMEM;
	snprintf(url, sizeof(url), "%s%sservice=%s%s", realm, strchr(realm, '?') ? "&" : "?", es,
	         ec);
	req.insecure = r->insecure || named_insecure(r->opts, realm_host);
	if (r->have_credentials) {
		if (strncasecmp(realm, "http://", 7) == 0 && !named_insecure(r->opts, realm_host)) {
			kmend_error_set(err, -KMEND_E_AUTH, r->registry, 0,
			                "kmend will not send the credentials for %s to the token "
			                "server %.200s over plain HTTP",
			                r->registry, realm);
			kmend_error_hint(err,
			                 "if that server is yours and the network trusted, pass "
			                 "--insecure-registry %s",
			                 realm_host);
			return -KMEND_E_AUTH;
		}
		if (!(basic = basic_header(&r->credentials)))
			return -ENOMEM;
		req.authorization = basic;
	}
	rc = kmend_http_get(&req, KMEND_TOKEN_RESPONSE_MAX, &body, &len, &resp, err);
	if (basic)
		explicit_bzero(basic, strlen(basic));
	if (rc < 0)
		return rc;
	if (resp.status == 401 || resp.status == 403)
		return auth_error(r, err,
		                  r->have_credentials ? "the token server refused the credentials"
		                                      : "the token server requires credentials");
	if (resp.status != 200)
		return kmend_error_set(err, -KMEND_E_NETWORK, realm, 0,
		                       "token server answered HTTP %ld", resp.status);
	doc = json_loadb(body, len, 0, NULL);
	explicit_bzero(body, len);
	token = json_string_value(json_object_get(doc, "token"));
	if (!token)
		token = json_string_value(json_object_get(doc, "access_token"));
	if (!token || !token_usable(token)) {
		json_decref(doc);
		return kmend_error_set(err, -KMEND_E_AUTH, realm, 0,
		                       "the token server's answer holds no usable token");
	}
	if (strlen(token) > KMEND_CREDENTIAL_MAX) {
		json_decref(doc);
		return kmend_error_set(err, -KMEND_E_TOO_LARGE, realm, 0,
		                       "the token is longer than kmend's limit of %d bytes",
		                       KMEND_CREDENTIAL_MAX);
	}
	/* The spec's default lifetime is 60 s; keep a tenth in hand for the clock and travel. */
	expires = json_object_get(doc, "expires_in");
	if (json_is_integer(expires) && json_integer_value(expires) > 0)
		lifetime =
		    json_integer_value(expires) > 86400 ? 86400 : (long)json_integer_value(expires);
	if (!(value = malloc(strlen(token) + 8))) {
		json_decref(doc);
		return -ENOMEM;
	}
	sprintf(value, "Bearer %s", token);
	json_decref(doc);
	set_authorization(r, value);
	r->token_from_session = false;
	kmend_registry_session_put_token(r->host, scope, value, lifetime - lifetime / 10);
	return 0;
}

/* Answer a 401's challenge: a token (Bearer) or the credentials (Basic). */
static int authenticate(struct registry *r, const char *challenge, struct kmend_error *err)
{
	if (r->token_from_session) {
		kmend_registry_session_drop_token(r->host, r->scope);
		r->token_from_session = false;
	}
	if (strncasecmp(challenge, "Bearer ", 7) == 0)
		return fetch_token(r, challenge, err);
	if (strncasecmp(challenge, "Basic", 5) == 0 && r->have_credentials) {
		char *basic = basic_header(&r->credentials);
		if (!basic)
			return -ENOMEM;
		set_authorization(r, basic);
		kmend_registry_session_set_wants_basic(r->host);
		return 0;
	}
	return auth_error(r, err, "the registry requires credentials (HTTP 401)");
}

static void backoff(int attempt, long retry_after)
{
	long ms = retry_after >= 0 ? retry_after * 1000 : 200L << attempt;
	struct timespec ts;

	if (ms > 10000)
		ms = 10000;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	nanosleep(&ts, NULL);
}

/*
 * The path of url when it is on r's API host (a Location a registry hands out may be
 * absolute), else NULL: credentials go to no other host.
 */
static const char *path_on_host(const struct registry *r, const char *url)
{
	char authority[300];
	const char *p;

	if (url[0] == '/')
		return url;
	if (kmend_http_url_authority(url, authority, sizeof(authority)) < 0 ||
	    strcasecmp(authority, r->host) || !(p = strstr(url, "://")) ||
	    !(p = strchr(p + 3, '/')))
		return NULL;
	return p;
}

/*
 * One API request with everything around it: authentication on 401, retries on 429/5xx
 * and network failures (unless c->once), the fall back to plain HTTP for insecure hosts.
 * stream: return the body as *out, else in *body.
 */
static int registry_send(struct registry *r, const struct kmend_registry_call *c, int stream,
                         char **body, size_t *len, struct kmend_istream **out,
                         struct kmend_http_response *resp, struct kmend_error *err)
{
	const char *path = path_on_host(r, c->path);
	char url[KMEND_HTTP_URL_MAX];
	int authenticated = 0;

	if (!path || strlen(path) + strlen(r->host) + 10 > sizeof(url))
		return kmend_error_set(err, -KMEND_E_BAD_INPUT, r->registry, 0,
		                       "the registry sent kmend to %.300s, not a path on %s",
		                       c->path, r->host);
	for (int attempt = 0;; attempt++) {
		struct kmend_http_request req = {
		    .method = c->method,
		    .url = url,
		    .accept = c->accept,
		    .content_type = c->content_type,
		    .headers = c->headers,
		    .body = c->body,
		    .body_len = c->body_len,
		    .authorization = r->authorization,
		    .insecure = r->insecure,
		    .what = c->what ? c->what : path,
		};
		struct kmend_istream *body_stream = NULL;
		int rc;

		if (stream && r->opts->progress) {
			req.progress = r->opts->progress;
			req.progress_ctx = r->opts->progress_ctx;
		}
		/* Basic credentials go with the first request once the host asked for them. */
		if (!r->authorization && r->have_credentials &&
		    kmend_registry_session_wants_basic(r->host) &&
		    !(req.authorization = r->authorization = basic_header(&r->credentials)))
			return -ENOMEM;
		snprintf(url, sizeof(url), "%s://%s%s", r->scheme, r->host, path);
		/* A streamed body is opened afresh for each attempt: a sent one cannot rewind. */
		if (c->open_body) {
			if ((rc = c->open_body(c->body_ctx, &body_stream, err)) < 0)
				return rc;
			req.body_stream = body_stream;
		}
		rc = stream ? kmend_http_open(&req, out, resp, err)
		            : kmend_http_perform(&req, c->max ? c->max : KMEND_MANIFEST_MAX_SIZE,
		                                 body, len, resp, err);
		kmend_istream_close(body_stream);
		if (rc < 0) {
			if (resp->failure == KMEND_HTTP_FAIL_TLS && r->insecure &&
			    strcmp(r->scheme, "https") == 0) {
				r->scheme = "http";
				attempt--;
				continue;
			}
			if (rc == -KMEND_E_NETWORK && !c->once && attempt < KMEND_HTTP_RETRIES) {
				backoff(attempt, -1);
				continue;
			}
			if (resp->failure == KMEND_HTTP_FAIL_TLS && !r->insecure)
				kmend_error_hint(err,
				                 "if %s serves plain HTTP or a self-signed "
				                 "certificate, pass --insecure-registry %s",
				                 r->registry, r->registry);
			return rc;
		}
		if (strcmp(r->scheme, "http") == 0)
			kmend_registry_session_set_plain_http(r->host);
		if (resp->status >= 200 && resp->status < 300)
			return 0;
		if (resp->status == 401 && !authenticated) {
			if (!stream)
				free(TAKE_PTR(*body));
			authenticated = 1;
			if ((rc = authenticate(r, resp->www_authenticate, err)) < 0)
				return rc;
			attempt--;
			continue;
		}
		if (c->any_status && resp->status != 401 && resp->status != 403 &&
		    !((resp->status == 429 || resp->status >= 500) && !c->once &&
		      attempt < KMEND_HTTP_RETRIES))
			return 0;
		if (!stream)
			free(TAKE_PTR(*body));
		if (resp->status == 401 || resp->status == 403)
			return auth_error(r, err, "access denied (HTTP 401/403)");
		if ((resp->status == 429 || resp->status >= 500) && !c->once &&
		    attempt < KMEND_HTTP_RETRIES) {
			backoff(attempt, resp->retry_after);
			continue;
		}
		if (resp->status == 404) {
			kmend_error_set(err, -KMEND_E_NOT_FOUND, r->registry, 0,
			                "%s/%s: %s not found", r->registry, r->repository, path);
			kmend_error_hint(err, "check the repository name and the tag");
			return -KMEND_E_NOT_FOUND;
		}
		return kmend_error_set(err, -KMEND_E_NETWORK, url, 0, "HTTP %ld", resp->status);
	}
}

static int registry_request(struct registry *r, const char *path, const char *accept, int stream,
                            char **body, size_t *len, struct kmend_istream **out,
                            struct kmend_http_response *resp, struct kmend_error *err)
{
	const struct kmend_registry_call c = {.path = path, .accept = accept};

	return registry_send(r, &c, stream, body, len, out, resp, err);
}

static int registry_get_manifest(void *state, const char *digest, char **data, size_t *len,
                                 char *media_type, size_t mtsize, char expected[KMEND_DIGEST_MAX],
                                 struct kmend_error *err)
{
	struct registry *r = state;
	struct kmend_http_response resp;
	char path[1024];
	int rc;

	snprintf(path, sizeof(path), "/v2/%s/manifests/%s", r->repository,
	         digest ? digest : r->reference);
	if ((rc = registry_request(r, path, MANIFEST_ACCEPT, 0, data, len, NULL, &resp, err)) < 0)
		return rc;
	snprintf(media_type, mtsize, "%s", resp.content_type);
	expected[0] = '\0';
	/* A reference by digest pins the bytes; by tag, the registry's own header does. */
	if (!digest && kmend_digest_valid(r->reference))
		snprintf(expected, KMEND_DIGEST_MAX, "%s", r->reference);
	else if (!digest && kmend_digest_valid(resp.docker_content_digest))
		snprintf(expected, KMEND_DIGEST_MAX, "%s", resp.docker_content_digest);
	return 0;
}

static int registry_open_blob(void *state, const struct kmend_descriptor *d,
                              struct kmend_istream **out, struct kmend_error *err)
{
	struct registry *r = state;
	struct kmend_http_response resp;
	char path[1024];

	snprintf(path, sizeof(path), "/v2/%s/blobs/%s", r->repository, d->digest);
	return registry_request(r, path, NULL, 1, NULL, NULL, out, &resp, err);
}

const struct kmend_transport kmend_transport_docker = {
    .name = "docker",
    .remote = true,
    .open = registry_open,
    .get_manifest = registry_get_manifest,
    .open_blob = registry_open_blob,
    .close = registry_close,
};

/* A tag name as the distribution spec allows: [A-Za-z0-9_][A-Za-z0-9._-]{0,127}. */
static bool valid_tag(const char *t)
{
	size_t n = strlen(t);

	if (n == 0 || n > 128 || !(isalnum((unsigned char)t[0]) || t[0] == '_'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!isalnum((unsigned char)t[i]) && !strchr("._-", t[i]))
			return false;
	return true;
}

/*
 * The next page's path from a Link header ("</v2/x/tags/list?n=1000&last=a>; rel="next""):
 * relative, or absolute on the same host. "" when there is no next page; -1 when it leads
 * elsewhere or is malformed.
 */
static int next_page(const struct registry *r, const char *link, char *path, size_t size)
{
	const char *lt = strchr(link, '<'), *gt = lt ? strchr(lt, '>') : NULL, *p;
	size_t n;

	path[0] = '\0';
	if (!link[0])
		return 0;
	if (!gt || !strstr(gt, "rel=\"next\""))
		return strstr(link, "next") ? -1 : 0;
	p = lt + 1;
	if (!strncmp(p, "https://", 8) || !strncmp(p, "http://", 7)) {
		p = strstr(p, "://") + 3;
		n = strlen(r->host);
		if (strncmp(p, r->host, n) || p[n] != '/')
			return -1;
		p += n;
	}
	n = (size_t)(gt - p);
	if (n == 0 || n >= size || strncmp(p, "/v2/", 4))
		return -1;
	memcpy(path, p, n);
	path[n] = '\0';
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)path[i] <= ' ' || path[i] == 0x7f)
			return -1;
	return 0;
}

int kmend_registry_list_tags(const char *reference, const struct kmend_image_options *opts,
                             char ***tags, struct kmend_error *err)
{
	static const struct kmend_image_options none = {0};
	struct kmend_image_ref ref;
	struct registry *r = NULL;
	char path[2048];
	size_t count = 0;
	void *state;
	int rc;

	*tags = NULL;
	if ((rc = kmend_image_ref_parse(reference, &ref, err)) < 0)
		return rc;
	if (strcmp(ref.transport, "docker"))
		return kmend_error_set(err, -KMEND_E_UNSUPPORTED, reference, 0,
		                       "not a registry image: it has no tags to list");
	if ((rc = registry_open(&ref, opts ? opts : &none, &state, err)) < 0)
		return rc;
	r = state;
	if (!(*tags = calloc(1, sizeof(char *)))) {
		registry_close(r);
		return -ENOMEM;
	}
	snprintf(path, sizeof(path), "/v2/%s/tags/list?n=1000", r->repository);
	for (int page = 0; rc == 0 && path[0]; page++) {
		struct kmend_http_response resp;
		json_error_t jerr;
		json_t *root, *list;
		char *body = NULL;
		size_t len;

		if (page == KMEND_MAX_TAG_PAGES) {
			rc = kmend_error_set(err, -KMEND_E_TOO_LARGE, reference, 0,
			                     "the tag list goes on past %d pages",
			                     KMEND_MAX_TAG_PAGES);
			break;
		}
		if ((rc = registry_request(r, path, "application/json", 0, &body, &len, NULL, &resp,
		                           err)) < 0)
			break;
		root = json_loadb(body, len, 0, &jerr);
		free(body);
		list = json_object_get(root, "tags");
		if (!json_is_object(root) || !(json_is_array(list) || json_is_null(list))) {
			json_decref(root);
			rc = kmend_error_set(
			    err, -KMEND_E_BAD_INPUT, reference, 0,
			    "the registry's tag list (%s) is not {\"tags\": [...]}", path);
			break;
		}
		for (size_t i = 0; rc == 0 && i < json_array_size(list); i++) {
			const char *t = json_string_value(json_array_get(list, i));
			if (!t || !valid_tag(t))
				continue;
			if (count == KMEND_MAX_TAGS) {
				rc = kmend_error_set(err, -KMEND_E_TOO_LARGE, reference, 0,
				                     "more than %d tags", KMEND_MAX_TAGS);
				break;
			}
			if ((rc = kmend_strv_push(tags, t, strlen(t))) < 0)
				break;
			count++;
		}
		json_decref(root);
		if (rc == 0 &&
		    (resp.link_overlong || next_page(r, resp.link, path, sizeof(path)) < 0))
			rc = kmend_error_set(err, -KMEND_E_BAD_INPUT, reference, 0,
			                     "the tag list's next page is not on %s", r->registry);
	}
	registry_close(r);
	if (rc < 0) {
		kmend_strv_free(*tags);
		*tags = NULL;
	}
	return rc;
}

struct kmend_registry {
	struct registry r;
};

int kmend_registry_connect(const char *reference, const struct kmend_image_options *opts, bool push,
                           struct kmend_registry **out, struct kmend_error *err)
{
	static const struct kmend_image_options none = {0};
	struct kmend_image_ref ref;
	struct registry *r;
	void *state;
	int rc;

	*out = NULL;
	if ((rc = kmend_image_ref_parse(reference, &ref, err)) < 0)
		return rc;
	if (strcmp(ref.transport, "docker"))
		return kmend_error_set(err, -KMEND_E_BAD_INPUT, reference, 0,
		                       "not a registry image reference");
	if ((rc = registry_open(&ref, opts ? opts : &none, &state, err)) < 0)
		return rc;
	r = state;
	if (push) {
		/* A token for pulls only cannot push: ask for both from the start. */
		snprintf(r->scope, sizeof(r->scope), "repository:%s:pull,push", r->repository);
		if (r->token_from_session)
			set_authorization(r, NULL);
		r->token_from_session = false;
		if ((r->authorization = kmend_registry_session_token(r->host, r->scope)))
			r->token_from_session = true;
	}
	/* struct kmend_registry is struct registry: one allocation, one close. */
	*out = (struct kmend_registry *)r;
	return 0;
}

void kmend_registry_disconnect(struct kmend_registry *r)
{
	registry_close(r ? &r->r : NULL);
}

const char *kmend_registry_name(const struct kmend_registry *r)
{
	return r->r.registry;
}

const char *kmend_registry_repository(const struct kmend_registry *r)
{
	return r->r.repository;
}

const char *kmend_registry_reference(const struct kmend_registry *r)
{
	return r->r.reference;
}

int kmend_registry_call(struct kmend_registry *r, const struct kmend_registry_call *c, char **body,
                        size_t *len, struct kmend_http_response *resp, struct kmend_error *err)
{
	*body = NULL;
	*len = 0;
	return registry_send(&r->r, c, 0, body, len, NULL, resp, err);
}
