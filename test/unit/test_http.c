/*
 * lib/http against a real server on 127.0.0.1 (test/registry/http-server.py: Python's
 * http.server and ssl, certificates from openssl): methods and bodies, kept headers, limits,
 * redirects, TLS from files and PEM bytes, mutual TLS, proxies from the environment,
 * connection reuse, line streams, stalls, threads, and secrets kept out of errors.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <openssl/sha.h>

#include "fsutil.h"
#include "http.h"
#include "subprocess.h"

static char dir[] = "/tmp/kmend-test-http.XXXXXX";
static pid_t server;
static int plain_port, tls_port, mtls_port;

__attribute__((format(printf, 1, 2))) static const char *u(const char *fmt, ...)
{
	static char buf[4][1024];
	static int i;
	va_list ap;

	i = (i + 1) % 4;
	va_start(ap, fmt);
	vsnprintf(buf[i], sizeof(buf[i]), fmt, ap);
	va_end(ap);
	return buf[i];
}

/* A path in the server's directory; kept until the end of the run. */
static const char *path_in_dir(const char *name)
{
	static char paths[8][256];
	static int i;

	i = (i + 1) % 8;
	snprintf(paths[i], sizeof(paths[i]), "%s/%s", dir, name);
	return paths[i];
}

static char *slurp_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *data = malloc(1 << 16);

	assert_non_null(f);
	assert_non_null(data);
	*len = fread(data, 1, 1 << 16, f);
	fclose(f);
	return data;
}

/* GET/whatever an /echo URL and parse the server's account of the request. */
static json_t *echo(const struct kmend_http_request *req, struct kmend_http_response *resp)
{
	struct kmend_error err = {0};
	char *body;
	size_t len;
	json_t *doc;
	int r = kmend_http_perform(req, 1 << 20, &body, &len, resp, &err);

	if (r != 0)
		fail_msg("%s: %s", req->url, err.message);
	assert_int_equal(resp->status, 200);
	doc = json_loadb(body, len, 0, NULL);
	assert_non_null(doc);
	free(body);
	return doc;
}

static const char *jstr(json_t *doc, const char *a, const char *b)
{
	json_t *v = json_object_get(doc, a);

	if (b)
		v = json_object_get(v, b);
	return json_string_value(v) ? json_string_value(v) : "";
}

static void test_get_keeps_headers(void **state)
{
	struct kmend_http_response resp;
	json_t *doc;

	(void)state;
	doc = echo(&(struct kmend_http_request){.url = u("http://127.0.0.1:%d/echo", plain_port),
	                                        .accept = "application/json"},
	           &resp);
	assert_string_equal(jstr(doc, "method", NULL), "GET");
	assert_string_equal(jstr(doc, "headers", "accept"), "application/json");
	assert_string_equal(resp.content_type, "application/json");
	assert_string_equal(resp.location, "/v2/x/blobs/uploads/next?state=1");
	assert_string_equal(resp.range, "0-1023");
	assert_string_equal(resp.docker_upload_uuid, "9f1c4d2e-uuid");
	assert_int_equal(strlen(resp.docker_content_digest), 71);
	assert_int_equal(resp.http_version, 11);
	assert_true(resp.content_length > 0);
	json_decref(doc);
}

static void test_methods_and_bodies(void **state)
{
	static const char yaml[] = "apiVersion: apps/v1\nkind: Deployment\n";
	const char *const extra[] = {"Content-Range: 0-36", "X-Kmend-Test: yes", NULL};
	unsigned char sha[SHA256_DIGEST_LENGTH];
	char hex[65];
	struct kmend_http_response resp;
	json_t *doc;

	(void)state;
	SHA256((const unsigned char *)yaml, strlen(yaml), sha);
	for (int i = 0; i < SHA256_DIGEST_LENGTH; i++)
		snprintf(hex + 2 * i, 3, "%02x", sha[i]);

	doc = echo(&(struct kmend_http_request){.method = KMEND_HTTP_PATCH,
	                                        .url = u("http://127.0.0.1:%d/echo", plain_port),
	                                        .content_type = "application/apply-patch+yaml",
	                                        .headers = extra,
	                                        .body = yaml,
	                                        .body_len = strlen(yaml)},
	           &resp);
	assert_string_equal(jstr(doc, "method", NULL), "PATCH");
	assert_string_equal(jstr(doc, "headers", "content-type"), "application/apply-patch+yaml");
	assert_string_equal(jstr(doc, "headers", "content-range"), "0-36");
	assert_string_equal(jstr(doc, "headers", "x-kmend-test"), "yes");
	assert_string_equal(jstr(doc, "headers", "expect"), "");
	assert_string_equal(jstr(doc, "body_sha256", NULL), hex);
	json_decref(doc);

	/* POST without a body still says Content-Length: 0 (the upload start). */
	doc = echo(&(struct kmend_http_request){.method = KMEND_HTTP_POST,
	                                        .url = u("http://127.0.0.1:%d/echo", plain_port)},
	           &resp);
	assert_string_equal(jstr(doc, "method", NULL), "POST");
	assert_string_equal(jstr(doc, "headers", "content-length"), "0");
	json_decref(doc);

	doc = echo(&(struct kmend_http_request){.method = KMEND_HTTP_DELETE,
	                                        .url = u("http://127.0.0.1:%d/echo", plain_port)},
	           &resp);
	assert_string_equal(jstr(doc, "method", NULL), "DELETE");
	json_decref(doc);

	/* HEAD: the headers, no body. */
	{
		struct kmend_error err = {0};
		char *body;
		size_t len;
		assert_int_equal(kmend_http_perform(
		                     &(struct kmend_http_request){
		                         .method = KMEND_HTTP_HEAD,
		                         .url = u("http://127.0.0.1:%d/big/5000", plain_port)},
		                     100, &body, &len, &resp, &err),
		                 0);
		assert_int_equal(resp.status, 200);
		assert_int_equal(resp.content_length, 5000);
		assert_int_equal(len, 0);
		free(body);
	}
}

static void test_stream_bodies(void **state)
{
	struct kmend_istream *in;
	struct kmend_http_response resp;
	struct kmend_error err = {0};
	const char *file = path_in_dir("upload");
	FILE *f = fopen(file, "wb");
	char *body;
	size_t len;
	json_t *doc;

	(void)state;
	assert_non_null(f);
	for (int i = 0; i < 300000; i++)
		fputc('a' + i % 26, f);
	fclose(f);

	/* Known length: a monolithic blob upload. */
	assert_int_equal(kmend_istream_open_file(file, 0, UINT64_MAX, &in, &err), 0);
	doc = echo(
	    &(struct kmend_http_request){.method = KMEND_HTTP_PUT,
	                                 .url = u("http://127.0.0.1:%d/echo?digest=x", plain_port),
	                                 .body_stream = in,
	                                 .body_len = 300000},
	    &resp);
	kmend_istream_close(in);
	assert_int_equal(json_integer_value(json_object_get(doc, "body_length")), 300000);
	assert_string_equal(jstr(doc, "headers", "content-type"), "application/octet-stream");
	assert_string_equal(jstr(doc, "headers", "content-length"), "300000");
	json_decref(doc);

	/* Unknown length: chunked. */
	assert_int_equal(kmend_istream_open_file(file, 0, UINT64_MAX, &in, &err), 0);
	doc = echo(&(struct kmend_http_request){.method = KMEND_HTTP_PATCH,
	                                        .url = u("http://127.0.0.1:%d/echo", plain_port),
	                                        .body_stream = in,
	                                        .body_chunked = true},
	           &resp);
	kmend_istream_close(in);
	assert_int_equal(json_integer_value(json_object_get(doc, "body_length")), 300000);
	assert_string_equal(jstr(doc, "headers", "transfer-encoding"), "chunked");
	json_decref(doc);

	/* A stream shorter than announced fails the request, naming the shortfall. */
	assert_int_equal(kmend_istream_open_file(file, 0, UINT64_MAX, &in, &err), 0);
	assert_true(kmend_http_perform(&(struct kmend_http_request){.method = KMEND_HTTP_PUT,
	                                                            .url = u("http://127.0.0.1:%d/"
	                                                                     "echo",
	                                                                     plain_port),
	                                                            .body_stream = in,
	                                                            .body_len = 400000},
	                               1 << 20, &body, &len, &resp, &err) < 0);
	kmend_istream_close(in);
	assert_non_null(strstr(err.message, "ended after 300000 of 400000 bytes"));
}

/* kmend_http_perform for its return value and resp; the body is dropped. */
static int fetch(const struct kmend_http_request *req, size_t max, struct kmend_http_response *resp,
                 struct kmend_error *err)
{
	char *body;
	size_t len;
	int r = kmend_http_perform(req, max, &body, &len, resp, err);

	if (r == 0)
		free(body);
	return r;
}

/* A URL on the plain HTTP listener. */
static const char *plain(const char *path)
{
	return u("http://127.0.0.1:%d%s", plain_port, path);
}

static void test_bad_request_fields(void **state)
{
	const char *const smuggle[] = {"X-A: 1\r\nAuthorization: Bearer stolen", NULL};
	const char *const no_colon[] = {"just words", NULL};
	struct kmend_http_response resp;
	struct kmend_error err = {0};

	(void)state;
	assert_int_equal(
	    fetch(&(struct kmend_http_request){.url = plain("/echo"), .headers = smuggle}, 100,
	          &resp, &err),
	    -EINVAL);
	assert_int_equal(
	    fetch(&(struct kmend_http_request){.url = plain("/echo"), .headers = no_colon}, 100,
	          &resp, &err),
	    -EINVAL);
	assert_int_equal(fetch(&(struct kmend_http_request){.url = plain("/echo"),
	                                                    .authorization = "Bearer a\nX: b"},
	                       100, &resp, &err),
	                 -EINVAL);
	assert_null(strstr(err.message, "Bearer"));
}

static void test_limits(void **state)
{
	struct kmend_http_response resp;
	struct kmend_error err = {0};
	char *body;
	size_t len;

	(void)state;
	/* A header kmend does not keep may be long; one it keeps may not be cut. */
	assert_int_equal(fetch(&(struct kmend_http_request){.url = plain("/header/X-Junk/90000")},
	                       100, &resp, &err),
	                 0);
	assert_int_equal(fetch(&(struct kmend_http_request){.url = plain("/header/Location/9000")},
	                       100, &resp, &err),
	                 -KMEND_E_TOO_LARGE);
	assert_non_null(strstr(err.message, "Location header is longer than"));
	assert_int_equal(
	    fetch(&(struct kmend_http_request){.url = plain("/header/Docker-Content-Digest/300")},
	          100, &resp, &err),
	    -KMEND_E_TOO_LARGE);
	assert_int_equal(
	    fetch(&(struct kmend_http_request){.url = plain("/big/5000")}, 4999, &resp, &err),
	    -KMEND_E_TOO_LARGE);
	assert_int_equal(kmend_http_perform(&(struct kmend_http_request){.url = plain("/big/5000")},
	                                    5000, &body, &len, &resp, &err),
	                 0);
	assert_int_equal(len, 5000);
	free(body);
}

static void test_redirects(void **state)
{
	struct kmend_http_response resp;
	struct kmend_error err = {0};
	char *body;
	size_t len;
	json_t *doc;

	(void)state;
	doc = echo(&(struct kmend_http_request){.url = u("http://127.0.0.1:%d/redirect?to=/echo/"
	                                                 "there",
	                                                 plain_port)},
	           &resp);
	assert_string_equal(jstr(doc, "target", NULL), "/echo/there");
	json_decref(doc);
	/* Not for uploads: the caller reads Location. */
	assert_int_equal(kmend_http_perform(&(struct kmend_http_request){.method = KMEND_HTTP_POST,
	                                                                 .url = u("http://127.0.0."
	                                                                          "1:%d/redirect?"
	                                                                          "to=/echo/x",
	                                                                          plain_port)},
	                                    100, &body, &len, &resp, &err),
	                 0);
	free(body);
	assert_int_equal(resp.status, 302);
	assert_string_equal(resp.location, "/echo/x");
	/* Nor when the caller says so. */
	assert_int_equal(
	    kmend_http_perform(&(struct kmend_http_request){.url = u("http://127.0.0.1:%d/"
	                                                             "redirect?to=/echo/y",
	                                                             plain_port),
	                                                    .no_redirects = true},
	                       100, &body, &len, &resp, &err),
	    0);
	free(body);
	assert_int_equal(resp.status, 302);
}

static void test_failures_keep_secrets(void **state)
{
	struct kmend_http_response resp;
	struct kmend_error err = {0};
	char closed[128], text[1024];
	char *body;
	size_t len;

	(void)state;
	/* A port nobody listens on: bind one and close it. */
	snprintf(closed, sizeof(closed), "http://kmenduser:hunter2pass@127.0.0.1:1/x");
	assert_int_equal(
	    kmend_http_perform(
	        &(struct kmend_http_request){.url = closed, .authorization = "Bearer sEcReTtOkEn"},
	        100, &body, &len, &resp, &err),
	    -KMEND_E_NETWORK);
	assert_int_equal(resp.failure, KMEND_HTTP_FAIL_CONNECT);
	kmend_error_format(&err, text, sizeof(text));
	assert_null(strstr(text, "sEcReTtOkEn"));
	assert_null(strstr(text, "hunter2pass"));
	assert_non_null(strstr(text, "127.0.0.1:1/x"));
	assert_int_equal(err.line, 0);

	/* TLS spoken to a plain HTTP server. */
	assert_int_equal(kmend_http_perform(&(struct kmend_http_request){.url = u("https://"
	                                                                          "127.0.0.1:%d/"
	                                                                          "echo",
	                                                                          plain_port),
	                                                                 .insecure = true},
	                                    100, &body, &len, &resp, &err),
	                 -KMEND_E_NETWORK);
	assert_int_equal(resp.failure, KMEND_HTTP_FAIL_TLS);
	assert_int_equal(err.line, 0);
}

static void test_tls(void **state)
{
	struct kmend_http_response resp;
	struct kmend_error err = {0};
	struct kmend_http_tls tls = {.ca_file = path_in_dir("ca.crt")};
	size_t ca_len, cert_len, key_len;
	char *ca = slurp_file(path_in_dir("ca.crt"), &ca_len);
	char *cert = slurp_file(path_in_dir("client.crt"), &cert_len);
	char *key = slurp_file(path_in_dir("client.key"), &key_len);
	char *body;
	size_t len;
	json_t *doc;

	(void)state;
	/* Unknown CA: refused, and said to be TLS. */
	assert_int_equal(kmend_http_perform(&(struct kmend_http_request){.url = u("https://"
	                                                                          "127.0.0.1:%d/"
	                                                                          "echo",
	                                                                          tls_port)},
	                                    1 << 20, &body, &len, &resp, &err),
	                 -KMEND_E_NETWORK);
	assert_int_equal(resp.failure, KMEND_HTTP_FAIL_TLS);
	/* Insecure, CA from a file, CA from PEM bytes. */
	doc = echo(&(struct kmend_http_request){.url = u("https://127.0.0.1:%d/echo", tls_port),
	                                        .insecure = true},
	           &resp);
	json_decref(doc);
	doc = echo(&(struct kmend_http_request){.url = u("https://127.0.0.1:%d/echo", tls_port),
	                                        .tls = &tls},
	           &resp);
	json_decref(doc);
	tls = (struct kmend_http_tls){.ca_pem = ca, .ca_pem_len = ca_len};
	doc = echo(&(struct kmend_http_request){.url = u("https://127.0.0.1:%d/echo", tls_port),
	                                        .tls = &tls},
	           &resp);
	json_decref(doc);

	/* Mutual TLS: without a client certificate the server refuses. */
	assert_true(kmend_http_perform(&(struct kmend_http_request){.url = u("https://"
	                                                                     "127.0.0.1:%d/echo",
	                                                                     mtls_port),
	                                                            .tls = &tls},
	                               1 << 20, &body, &len, &resp, &err) < 0);
	/* With one from files, and from PEM bytes. */
	tls = (struct kmend_http_tls){.ca_file = path_in_dir("ca.crt"),
	                              .cert_file = path_in_dir("client.crt"),
	                              .key_file = path_in_dir("client.key")};
	doc = echo(&(struct kmend_http_request){.url = u("https://127.0.0.1:%d/echo", mtls_port),
	                                        .tls = &tls},
	           &resp);
	assert_string_equal(jstr(doc, "client_cert", NULL), "kmend test client");
	json_decref(doc);
	tls = (struct kmend_http_tls){.ca_pem = ca,
	                              .ca_pem_len = ca_len,
	                              .cert_pem = cert,
	                              .cert_pem_len = cert_len,
	                              .key_pem = key,
	                              .key_pem_len = key_len};
	doc = echo(&(struct kmend_http_request){.url = u("https://127.0.0.1:%d/echo", mtls_port),
	                                        .tls = &tls},
	           &resp);
	assert_string_equal(jstr(doc, "client_cert", NULL), "kmend test client");
	json_decref(doc);
	free(ca);
	free(cert);
	free(key);
}

static void test_proxy_from_environment(void **state)
{
	struct kmend_http_response resp;
	json_t *doc;

	(void)state;
	/* The test server answers proxy requests with /echo: it sees the absolute URL. */
	setenv("http_proxy", u("http://127.0.0.1:%d", plain_port), 1);
	doc = echo(&(struct kmend_http_request){.url = "http://kmend-proxy-test.invalid/echo"},
	           &resp);
	unsetenv("http_proxy");
	assert_string_equal(jstr(doc, "target", NULL), "http://kmend-proxy-test.invalid/echo");
	json_decref(doc);
}

static void test_connections_reused(void **state)
{
	struct kmend_http_client *client;
	struct kmend_http_response resp, sresp;
	struct kmend_error err = {0};
	struct kmend_istream *s;
	json_int_t port = 0;
	char buf[100];

	(void)state;
	assert_int_equal(kmend_http_client_new(&client, &err), 0);
	for (int i = 0; i < 5; i++) {
		json_t *doc = echo(
		    &(struct kmend_http_request){.url = u("http://127.0.0.1:%d/echo", plain_port),
		                                 .client = client},
		    &resp);
		json_int_t p = json_integer_value(json_object_get(doc, "peer_port"));
		if (i == 0)
			port = p;
		assert_int_equal(p, port);
		json_decref(doc);
	}
	/* A stream open while other requests run: both move, on two connections at most. */
	assert_int_equal(kmend_http_open(&(struct kmend_http_request){.url = u("http://127.0.0.1:"
	                                                                       "%d/big/200000",
	                                                                       plain_port),
	                                                              .client = client},
	                                 &s, &sresp, &err),
	                 0);
	assert_non_null(s);
	assert_int_equal(kmend_istream_read_full(s, buf, sizeof(buf)), sizeof(buf));
	json_decref(
	    echo(&(struct kmend_http_request){.url = u("http://127.0.0.1:%d/echo", plain_port),
	                                      .client = client},
	         &resp));
	assert_int_equal(kmend_istream_drain(s, &err), 0);
	kmend_istream_close(s);
	kmend_http_client_free(client);
}

static void test_lines(void **state)
{
	static const char *const want[] = {
	    "{\"type\":\"ADDED\",\"n\":1}", "{\"type\":\"MODIFIED\",\"n\":2}", "",
	    "{\"type\":\"DELETED\",\"n\":3}", "{\"type\":\"BOOKMARK\",\"n\":4}"};
	struct kmend_http_response resp;
	struct kmend_error err = {0};
	struct kmend_istream *s, *file;
	const char *line;
	size_t len;
	int n = 0, r;

	(void)state;
	assert_int_equal(
	    kmend_http_open(
	        &(struct kmend_http_request){.url = u("http://127.0.0.1:%d/lines", plain_port),
	                                     .stall_timeout = KMEND_HTTP_NO_STALL_TIMEOUT},
	        &s, &resp, &err),
	    0);
	while ((r = kmend_http_read_line(s, &line, &len, &err)) == 1) {
		assert_true(n < 5);
		assert_string_equal(line, want[n]);
		assert_int_equal(len, strlen(want[n]));
		n++;
	}
	assert_int_equal(r, 0);
	assert_int_equal(n, 5);
	kmend_istream_close(s);

	/* One line over the limit. */
	assert_int_equal(
	    kmend_http_open(
	        &(struct kmend_http_request){.url = u("http://127.0.0.1:"
	                                              "%d/longline/%d",
	                                              plain_port, KMEND_HTTP_LINE_MAX + 10)},
	        &s, &resp, &err),
	    0);
	assert_int_equal(kmend_http_read_line(s, &line, &len, &err), -KMEND_E_TOO_LARGE);
	kmend_istream_close(s);

	/* Only HTTP streams. */
	assert_int_equal(kmend_istream_open_file(path_in_dir("ca.crt"), 0, UINT64_MAX, &file, &err),
	                 0);
	assert_int_equal(kmend_http_read_line(file, &line, &len, &err), -EINVAL);
	kmend_istream_close(file);
}

static void test_stall_and_status(void **state)
{
	struct kmend_http_response resp;
	struct kmend_error err = {0};
	struct kmend_istream *s;
	char buf[4096];
	ssize_t n, total = 0;

	(void)state;
	assert_int_equal(kmend_http_open(&(struct kmend_http_request){.url = u("http://127.0.0.1:"
	                                                                       "%d/stall",
	                                                                       plain_port),
	                                                              .stall_timeout = 1},
	                                 &s, &resp, &err),
	                 0);
	while ((n = kmend_istream_read(s, buf, sizeof(buf))) > 0)
		total += n;
	assert_int_equal(total, 500);
	assert_int_equal(n, -KMEND_E_NETWORK);
	if (!strstr(s->err.message, "sent nothing for 1 seconds"))
		fail_msg("%s", s->err.message);
	kmend_istream_close(s);

	/* Not 2xx: no stream, unless asked for. */
	assert_int_equal(kmend_http_open(&(struct kmend_http_request){.url = u("http://127.0.0.1:"
	                                                                       "%d/status/410",
	                                                                       plain_port)},
	                                 &s, &resp, &err),
	                 0);
	assert_null(s);
	assert_int_equal(resp.status, 410);
	assert_int_equal(kmend_http_open(&(struct kmend_http_request){.url = u("http://127.0.0.1:"
	                                                                       "%d/status/410",
	                                                                       plain_port),
	                                                              .stream_any_status = true},
	                                 &s, &resp, &err),
	                 0);
	assert_non_null(s);
	assert_int_equal(kmend_istream_read_full(s, buf, sizeof(buf)), 11);
	kmend_istream_close(s);
}

/* Threads: each has its own client (its own connection), all at once. */
static void *thread_requests(void *arg)
{
	json_int_t *port = arg;

	for (int i = 0; i < 10; i++) {
		struct kmend_http_response resp;
		struct kmend_error err = {0};
		char *body;
		size_t len;
		json_t *doc;
		if (kmend_http_perform(&(struct kmend_http_request){.url = u("http://127.0.0.1:%d/"
		                                                             "echo",
		                                                             plain_port)},
		                       1 << 20, &body, &len, &resp, &err) != 0 ||
		    resp.status != 200)
			return NULL;
		doc = json_loadb(body, len, 0, NULL);
		free(body);
		if (i == 0)
			*port = json_integer_value(json_object_get(doc, "peer_port"));
		else if (*port != json_integer_value(json_object_get(doc, "peer_port")))
			*port = -1;
		json_decref(doc);
	}
	return arg;
}

static void test_threads(void **state)
{
	pthread_t th[4];
	json_int_t ports[4];
	void *ret;

	(void)state;
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&th[i], NULL, thread_requests, &ports[i]), 0);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(th[i], &ret), 0);
		assert_ptr_equal(ret, &ports[i]);
		assert_true(ports[i] > 0);
		for (int j = 0; j < i; j++)
			assert_true(ports[i] != ports[j]);
	}
}

static void test_helpers(void **state)
{
	char a[64];
	char *e = kmend_http_query_escape("repository:a/b:pull,push ~x");

	(void)state;
	assert_string_equal(e, "repository%3Aa%2Fb%3Apull%2Cpush%20~x");
	free(e);
	assert_int_equal(kmend_http_url_authority("http://u:p@Reg.Example:5000/v2?x", a, sizeof(a)),
	                 0);
	assert_string_equal(a, "reg.example:5000");
	assert_int_equal(kmend_http_url_authority("https://auth.example", a, sizeof(a)), 0);
	assert_string_equal(a, "auth.example");
	assert_int_equal(kmend_http_url_authority("no-scheme/x", a, sizeof(a)), -1);
	assert_int_equal(kmend_http_url_authority("http:///x", a, sizeof(a)), -1);
}

static int start_server(void **state)
{
	const char *src = getenv("KMEND_SOURCE");
	char script[1024], line[256];
	int fds[2];
	FILE *f;

	(void)state;
	if (!src)
		src = ".";
	snprintf(script, sizeof(script), "%s/test/registry/http-server.py", src);
	if (!mkdtemp(dir) || pipe(fds) != 0)
		return -1;
	if ((server = fork()) == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		execlp("python3", "python3", script, dir, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	f = fdopen(fds[0], "r");
	if (!f || !fgets(line, sizeof(line), f) ||
	    sscanf(line, "PORTS %d %d %d", &plain_port, &tls_port, &mtls_port) != 3) {
		fprintf(stderr, "# the test server did not start (%s)\n", script);
		return -1;
	}
	fclose(f);
	return 0;
}

static int stop_server(void **state)
{
	const char *const rm[] = {"rm", "-rf", dir, NULL};
	struct kmend_spawn_result res;

	(void)state;
	if (server > 0) {
		kill(server, SIGTERM);
		waitpid(server, NULL, 0);
	}
	if (kmend_spawn_run(&(struct kmend_spawn){.argv = rm}, &res, NULL) == 0)
		kmend_spawn_result_free(&res);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_helpers),
	    cmocka_unit_test(test_get_keeps_headers),
	    cmocka_unit_test(test_methods_and_bodies),
	    cmocka_unit_test(test_stream_bodies),
	    cmocka_unit_test(test_bad_request_fields),
	    cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_redirects),
	    cmocka_unit_test(test_failures_keep_secrets),
	    cmocka_unit_test(test_tls),
	    cmocka_unit_test(test_proxy_from_environment),
	    cmocka_unit_test(test_connections_reused),
	    cmocka_unit_test(test_lines),
	    cmocka_unit_test(test_stall_and_status),
	    cmocka_unit_test(test_threads),
	};

	/* No proxy from the machine's environment between the tests and 127.0.0.1. */
	unsetenv("http_proxy");
	unsetenv("https_proxy");
	unsetenv("HTTPS_PROXY");
	unsetenv("ALL_PROXY");
	unsetenv("all_proxy");
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, start_server, stop_server);
}
