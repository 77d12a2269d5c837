/*
 * HTTP(S) for kmend over libcurl (loaded with dlopen, lib/dynlib.h): registries, feeds and,
 * later, the Kubernetes API. One client per run keeps connections, TLS sessions and DNS
 * answers; requests of any method, bodies from memory or streamed, responses into memory,
 * as a stream, or line by line.
 *
 * Threads. libcurl does not support one connection cache used by concurrent threads, so:
 *   - loading libcurl and curl_global_init run once (pthread_once); safe from any thread;
 *   - DNS answers and TLS sessions live in one libcurl share handle for the whole process,
 *     with a mutex per kind of data: safe from any thread;
 *   - a client (a libcurl multi handle: connections, HTTP/2 multiplexing) belongs to one
 *     thread at a time. kmend_http_client_default() gives each thread its own, freed when
 *     the thread ends; today's kmend runs one thread, so one run has one client.
 *   - a stream from kmend_http_open is driven by its client: read it in the thread that
 *     opened it (or hand over the client with it). Requests and responses are the caller's.
 * Fetching in parallel (issue 12 item 3) fits this: one thread drives many transfers
 * through one client's multi handle (a bounded number at once, each connection reused,
 * HTTP/2 streams multiplexed), and hands the bytes to worker threads.
 *
 * Secrets. Authorization values and request bodies never appear in errors; URLs in errors
 * lose any user:password@ part.
 *
 * How the coming clients use this (designed now, so they need nothing new here):
 *   Registry push (OCI distribution spec):
 *     - monolithic blob upload: POST /v2/NAME/blobs/uploads/ (no body) answers 202 with
 *       resp.location; then PUT location?digest=D with .body_stream = the blob,
 *       .body_len = its size, .content_type = "application/octet-stream"; 201 expected.
 *     - chunked upload: after the POST, PATCH location with .body_stream over one chunk and
 *       .headers = {"Content-Range: a-b", NULL}; each 202 gives the next resp.location and
 *       resp.range ("0-b"); a final PUT location?digest=D with no body closes it.
 *     - cross-repository mount: POST /v2/NAME/blobs/uploads/?mount=D&from=OTHER: 201 means
 *       mounted, 202 means upload as above; HEAD /v2/NAME/blobs/D (method KMEND_HTTP_HEAD)
 *       first skips blobs already there.
 *     - manifest PUT: PUT /v2/NAME/manifests/REF with .body/.body_len from memory and
 *       .content_type = the manifest's media type; resp.docker_content_digest checks it.
 *     Uploads are not redirected (only GET and HEAD follow redirects): a streamed body cannot
 *     be rewound, and the spec hands out upload URLs in Location, which the caller follows.
 *   Kubernetes client:
 *     - server-side apply: PATCH /apis/apps/v1/namespaces/NS/deployments/N?fieldManager=kmend
 *       with .body = the YAML, .content_type = "application/apply-patch+yaml", .tls = the
 *       kubeconfig's CA and client certificate as PEM bytes, .authorization = "Bearer ...".
 *     - watches: kmend_http_open of ...?watch=1&timeoutSeconds=N with .stall_timeout =
 *       KMEND_HTTP_NO_STALL_TIMEOUT (an idle watch sends nothing) and .stream_any_status,
 *       then kmend_http_read_line for each JSON event; at the end of the stream the caller
 *       reconnects with the last resourceVersion.
 */
#ifndef KMEND_HTTP_H
#define KMEND_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "digest.h"
#include "error.h"
#include "kmend_limits.h"
#include "stream.h"

/* A run's connections, TLS sessions, DNS cache and HTTP/2 multiplexing. */
struct kmend_http_client;

/*
 * The calling thread's client, made on first use (libcurl loaded and checked then). NULL on
 * failure with err filled: -KMEND_E_UNSUPPORTED when libcurl is missing or older than
 * KMEND_CURL_MIN_VERSION (lib/dynlib.h; the message names both versions), -ENOMEM.
 */
struct kmend_http_client *kmend_http_client_default(struct kmend_error *err);

/* A client of one's own (tests, a thread that wants its own connections); free it after
 * every transfer through it ended. */
int kmend_http_client_new(struct kmend_http_client **out, struct kmend_error *err);
void kmend_http_client_free(struct kmend_http_client *client);

enum kmend_http_method {
	KMEND_HTTP_GET = 0,
	KMEND_HTTP_HEAD,
	KMEND_HTTP_PUT,
	KMEND_HTTP_POST,
	KMEND_HTTP_PATCH,
	KMEND_HTTP_DELETE,
};

/*
 * TLS material. Each of CA, certificate and key comes from a file or from PEM bytes (not
 * both; bytes win). With no CA, the system's store is used.
 */
struct kmend_http_tls {
	const char *ca_file;
	const void *ca_pem;
	size_t ca_pem_len;
	const char *cert_file; /* client certificate (mutual TLS) */
	const void *cert_pem;
	size_t cert_pem_len;
	const char *key_file; /* its private key: a secret */
	const void *key_pem;
	size_t key_pem_len;
	bool insecure; /* do not verify the server's certificate */
};

/* For .stall_timeout: never give up on a silent server (watch streams). */
#define KMEND_HTTP_NO_STALL_TIMEOUT (-1)

struct kmend_http_request {
	enum kmend_http_method method; /* GET unless set */
	const char *url;
	const char *accept;         /* Accept header, may be NULL */
	const char *authorization;  /* full value ("Bearer x", "Basic y"), may be NULL; secret */
	const char *content_type;   /* of the body; "application/octet-stream" when NULL */
	const char *const *headers; /* more "Name: value" lines, NULL-terminated; may be NULL */
	/* The body (PUT, POST, PATCH; the others send none): body_len bytes from body, or from
	 * body_stream (read, not closed), or body_stream to its end with body_chunked (sent
	 * with Transfer-Encoding: chunked over HTTP/1.1). */
	const void *body;
	size_t body_len;
	struct kmend_istream *body_stream;
	bool body_chunked;
	bool insecure;                    /* do not verify TLS certificates (or tls->insecure) */
	const struct kmend_http_tls *tls; /* may be NULL */
	bool no_redirects;      /* GET and HEAD follow up to 10 redirects unless set; credentials
	                           never go to another host, port or scheme */
	long stall_timeout;     /* seconds without a byte before giving up; 0: the default
	                           (KMEND_HTTP_STALL_TIMEOUT, or $KMEND_HTTP_TIMEOUT) */
	bool stream_any_status; /* kmend_http_open: a stream for every status, not only 2xx */
	struct kmend_http_client *client; /* NULL: kmend_http_client_default() */
	void (*progress)(void *ctx, const char *what, unsigned long long done,
	                 unsigned long long total);
	void *progress_ctx;
	const char *what; /* names the transfer for progress */
};

/* Why a request failed without an HTTP answer, beside the error's message. */
enum kmend_http_failure {
	KMEND_HTTP_FAIL_NONE = 0,
	KMEND_HTTP_FAIL_RESOLVE,  /* no such host */
	KMEND_HTTP_FAIL_CONNECT,  /* refused, unreachable, connect timeout */
	KMEND_HTTP_FAIL_TLS,      /* handshake failed (also TLS spoken to a plain HTTP server),
	                             certificate refused */
	KMEND_HTTP_FAIL_TIMEOUT,  /* the server stayed silent past the stall timeout */
	KMEND_HTTP_FAIL_PROTOCOL, /* a malformed or cut answer: bad headers, short body */
	KMEND_HTTP_FAIL_OTHER,
};

/*
 * What kmend reads of a response (the final one, after redirects and 1xx). A header kmend
 * keeps that is longer than its field fails the request (-KMEND_E_TOO_LARGE naming it)
 * rather than being cut; trailers of a chunked body are ignored.
 */
struct kmend_http_response {
	long status;
	long http_version;                       /* 10, 11, 20 or 30 */
	char content_type[KMEND_HTTP_VALUE_MAX]; /* without parameters (";charset=...") */
	char docker_content_digest[KMEND_DIGEST_MAX];
	char docker_upload_uuid[KMEND_HTTP_VALUE_MAX];
	char range[KMEND_HTTP_VALUE_MAX];
	char location[KMEND_HTTP_URL_MAX];
	char www_authenticate[KMEND_HTTP_CHALLENGE_MAX];
	char link[KMEND_HTTP_URL_MAX]; /* the first Link header (a registry's next page), "" when
	                                  absent or longer than the field (link_overlong) */
	bool link_overlong;
	long retry_after;         /* seconds, -1 when absent or not a number */
	long long content_length; /* -1 when unknown */
	enum kmend_http_failure failure;
};

/*
 * Make the request and read the whole response body into a malloc'd, NUL-terminated
 * *body of at most max bytes. Any HTTP status is a success here: the caller reads
 * resp->status. Errors: -KMEND_E_NETWORK (resolve, connect, TLS, timeout, a malformed
 * answer) with resp->failure saying which and err naming the URL and libcurl's reason;
 * -KMEND_E_TOO_LARGE past max or for an overlong header; -KMEND_E_UNSUPPORTED when libcurl
 * lacks a requested feature (PEM blobs with GnuTLS) or is too old; -ENOMEM.
 */
int kmend_http_perform(const struct kmend_http_request *req, size_t max, char **body, size_t *len,
                       struct kmend_http_response *resp, struct kmend_error *err);

/* kmend_http_perform of a GET (req->method is ignored). */
int kmend_http_get(const struct kmend_http_request *req, size_t max, char **body, size_t *len,
                   struct kmend_http_response *resp, struct kmend_error *err);

/*
 * Make the request and return once the final response's headers are all in: *out streams
 * its body. For a status outside 2xx *out is NULL and the body dropped, unless
 * req->stream_any_status. The stream owns everything the transfer needs (req may go once
 * this returns); a read fails with -KMEND_E_NETWORK when the server stalls past the stall
 * timeout or sends fewer bytes than it announced. Errors as kmend_http_perform.
 */
int kmend_http_open(const struct kmend_http_request *req, struct kmend_istream **out,
                    struct kmend_http_response *resp, struct kmend_error *err);

/*
 * The next line of a stream from kmend_http_open (Kubernetes watch events: one JSON
 * object per line, in chunks cut anywhere). Returns 1 with *line pointing at the line
 * (NUL-terminated, without "\r\n"; valid until the next call or close), 0 at the end of
 * the stream (a last line without "\n" comes first), or a negative code with err filled:
 * -KMEND_E_TOO_LARGE for a line over KMEND_HTTP_LINE_MAX, the read's error, -EINVAL for a
 * stream that is not an HTTP stream.
 */
int kmend_http_read_line(struct kmend_istream *stream, const char **line, size_t *len,
                         struct kmend_error *err);

/*
 * A value of an authentication challenge's key="value" (or key=token) list, as in
 * 'Bearer realm="https://auth.example/token",service="registry"', into out (size bytes):
 * 0, or -1 when the key is absent or its value does not fit.
 */
int kmend_http_challenge_param(const char *challenge, const char *key, char *out, size_t size);

/*
 * Read a header block as a transfer reads what libcurl hands over (a status line, header
 * lines, a blank line; several blocks for 1xx and followed redirects, then trailers) into
 * resp. For the fuzz target and tests: returns 1 when a final response's headers are
 * complete, 0 when not, -KMEND_E_TOO_LARGE (err filled) for a kept header over its limit.
 */
int kmend_http_read_header_block(const char *data, size_t len, bool follow,
                                 struct kmend_http_response *resp, struct kmend_error *err);

/* s percent-encoded for a URL's query (RFC 3986 unreserved kept), malloc'd; NULL on ENOMEM. */
char *kmend_http_query_escape(const char *s);

/*
 * The host[:port] of an http(s) URL into out; 0, or -1 for a URL kmend cannot read. Used
 * to compare a server's URL with the hosts the user named (--insecure-registry).
 */
int kmend_http_url_authority(const char *url, char *out, size_t size);

#endif
