/* HTTP GET over libcurl: into memory, or as a stream; what kmend needs of the responses. */
#ifndef KMEND_HTTP_H
#define KMEND_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "digest.h"
#include "error.h"
#include "stream.h"

struct kmend_http_request {
	const char *url;
	const char *accept;        /* Accept header, may be NULL */
	const char *authorization; /* full header value ("Bearer x", "Basic y"), may be NULL */
	bool insecure;             /* do not verify TLS certificates */
	void (*progress)(void *ctx, const char *what, unsigned long long done,
	                 unsigned long long total);
	void *progress_ctx;
	const char *what; /* names the transfer for progress and errors */
};

struct kmend_http_response {
	long status;
	char content_type[128];
	char docker_content_digest[KMEND_DIGEST_MAX];
	char www_authenticate[2048];
	long retry_after;         /* seconds, -1 when absent */
	long long content_length; /* -1 when unknown */
};

/*
 * GET url (redirects followed; credentials are not sent to another host)
 * into a malloc'd, NUL-terminated *body of at most max bytes. A response of
 * any status is a success here: the caller reads resp->status. Errors:
 * -KMEND_E_NETWORK (connection, TLS, timeout) with err naming the URL and
 * curl's reason, -KMEND_E_TOO_LARGE past max.
 */
int kmend_http_get(const struct kmend_http_request *req, size_t max, char **body, size_t *len,
                   struct kmend_http_response *resp, struct kmend_error *err);

/*
 * GET url and return once the final response's headers are in: *out streams
 * the body (for a 2xx status; for others *out is NULL and the body dropped).
 */
int kmend_http_open(const struct kmend_http_request *req, struct kmend_istream **out,
                    struct kmend_http_response *resp, struct kmend_error *err);

/* True for the curl failures that mean "TLS spoken to a plain HTTP server" and the like. */
bool kmend_http_is_tls_failure(const struct kmend_error *err);

#endif
