/*
 * The registry transport's requests, for modules that talk to a registry beyond reading an
 * image (lib/registry_push.c): the same auth (Basic, Bearer tokens kept in the run's
 * session), retries, plain HTTP for hosts named insecure, and any method and body.
 */
#ifndef KMEND_REGISTRY_CLIENT_H
#define KMEND_REGISTRY_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "http.h"
#include "image.h"

/* One repository on one registry, with its credentials and token. */
struct kmend_registry;

/*
 * Connect to the repository a docker:// reference names (its tag or digest is kept, see
 * kmend_registry_reference). push asks for the "pull,push" scope. Credentials come from
 * auth.json / config.json as for pulls. Errors: -KMEND_E_BAD_INPUT (a reference that does
 * not parse or is not a registry's), the credentials' errors, -ENOMEM.
 */
int kmend_registry_connect(const char *reference, const struct kmend_image_options *opts, bool push,
                           struct kmend_registry **out, struct kmend_error *err);
void kmend_registry_disconnect(struct kmend_registry *r);

/* "127.0.0.1:5000", "kmend/debian", "12" (or "sha256:..."): the parts of the reference. */
const char *kmend_registry_name(const struct kmend_registry *r);
const char *kmend_registry_repository(const struct kmend_registry *r);
const char *kmend_registry_reference(const struct kmend_registry *r);

struct kmend_registry_call {
	enum kmend_http_method method; /* GET unless set */
	const char *path; /* "/v2/...", or an absolute URL on the registry's host (a Location) */
	const char *accept, *content_type;
	const char *const *headers; /* more "Name: value" lines, NULL-terminated; may be NULL */
	const void *body;           /* a body from memory, */
	size_t body_len;
	/* or streamed: opened afresh for each attempt (after a 401, a retry), never rewound;
	   the stream must give body_len bytes */
	int (*open_body)(void *ctx, struct kmend_istream **out, struct kmend_error *err);
	void *body_ctx;
	bool once;        /* no retry on 5xx or network failures: the caller starts over */
	bool any_status;  /* a final status other than 2xx, 401 and 403 is returned as it is,
	                     with its body, for the caller to read (a HEAD's 404) */
	size_t max;       /* the response body's cap; 0: KMEND_MANIFEST_MAX_SIZE */
	const char *what; /* names the transfer for progress; NULL: the path */
};

/*
 * Make the call and read the response (*body malloc'd, NUL-terminated). 0 for a 2xx status
 * (any status with c->any_status); else -KMEND_E_AUTH (401/403 after authenticating),
 * -KMEND_E_NOT_FOUND (404), -KMEND_E_NETWORK (other statuses, network failures), with err
 * naming the registry or the URL; never a credential.
 */
int kmend_registry_call(struct kmend_registry *r, const struct kmend_registry_call *c, char **body,
                        size_t *len, struct kmend_http_response *resp, struct kmend_error *err);

#endif
