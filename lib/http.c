/* libcurl behind kmend's HTTP: a client per thread, transfers on its multi handle, lines. */
#include "http.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cleanup.h"
#include "dynlib.h"

/* ---- Once per process: libcurl, its features, the shared DNS and TLS session cache. */

static pthread_once_t process_once = PTHREAD_ONCE_INIT;
static int process_rc;
static struct kmend_error process_err;
static long default_stall = KMEND_HTTP_STALL_TIMEOUT;
static bool have_http2;
static CURLSH *process_share;
static pthread_mutex_t share_locks[CURL_LOCK_DATA_LAST];
static pthread_key_t thread_client;

static void share_lock(CURL *h, curl_lock_data data, curl_lock_access access, void *ctx)
{
	(void)h;
	(void)access;
	(void)ctx;
	if ((unsigned)data < CURL_LOCK_DATA_LAST)
		pthread_mutex_lock(&share_locks[data]);
}

static void share_unlock(CURL *h, curl_lock_data data, void *ctx)
{
	(void)h;
	(void)ctx;
	if ((unsigned)data < CURL_LOCK_DATA_LAST)
		pthread_mutex_unlock(&share_locks[data]);
}

static int share_setup(void)
{
	CURLSHcode c = CURLSHE_OK;

	for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_init(&share_locks[i], NULL);
	if (!(process_share = kmend_curl.curl_share_init()))
		return -ENOMEM;
	if ((c = kmend_curl.curl_share_setopt(process_share, CURLSHOPT_LOCKFUNC, share_lock)) ||
	    (c = kmend_curl.curl_share_setopt(process_share, CURLSHOPT_UNLOCKFUNC, share_unlock)) ||
	    (c = kmend_curl.curl_share_setopt(process_share, CURLSHOPT_SHARE,
	                                      CURL_LOCK_DATA_DNS)) ||
	    (c = kmend_curl.curl_share_setopt(process_share, CURLSHOPT_SHARE,
	                                      CURL_LOCK_DATA_SSL_SESSION)))
		return kmend_error_set(&process_err, -KMEND_E_UNSUPPORTED, "libcurl", 0,
		                       "cannot set up its share handle: %s",
		                       kmend_curl.curl_share_strerror(c));
	return 0;
}

static void client_free_at_thread_exit(void *client)
{
	kmend_http_client_free(client);
}

static void process_init(void)
{
	const curl_version_info_data *v;
	const char *env = getenv("KMEND_HTTP_TIMEOUT");
	CURLcode c;

	if ((process_rc = kmend_curl_load(&process_err)) < 0)
		return;
	if ((c = kmend_curl.curl_global_init(CURL_GLOBAL_DEFAULT)) != CURLE_OK) {
		process_rc = kmend_error_set(&process_err, -KMEND_E_UNSUPPORTED, "libcurl", 0,
		                             "curl_global_init failed: %s",
		                             kmend_curl.curl_easy_strerror(c));
		return;
	}
	v = kmend_curl.curl_version_info(CURLVERSION_NOW);
	have_http2 = v && (v->features & CURL_VERSION_HTTP2);
	if (env && *env) {
		char *end;
		long s = strtol(env, &end, 10);
		if (*end || s < 1 || s > KMEND_HTTP_STALL_TIMEOUT_MAX) {
			process_rc =
			    kmend_error_set(&process_err, -KMEND_E_BAD_INPUT, "KMEND_HTTP_TIMEOUT",
			                    0, "not a number of seconds from 1 to %d: '%.40s'",
			                    KMEND_HTTP_STALL_TIMEOUT_MAX, env);
			return;
		}
		default_stall = s;
	}
	if ((process_rc = share_setup()) < 0)
		return;
	if (pthread_key_create(&thread_client, client_free_at_thread_exit) != 0)
		process_rc = -ENOMEM;
}

static int http_init(struct kmend_error *err)
{
	pthread_once(&process_once, process_init);
	if (process_rc < 0 && err) {
		*err = process_err;
		err->code = process_rc;
	}
	return process_rc;
}

/* ---- Clients: one multi handle each. */

struct kmend_http_client {
	CURLM *multi;
};

int kmend_http_client_new(struct kmend_http_client **out, struct kmend_error *err)
{
	struct kmend_http_client *c;
	int r;

	*out = NULL;
	if ((r = http_init(err)) < 0)
		return r;
	if (!(c = calloc(1, sizeof(*c))))
		return -ENOMEM;
	if (!(c->multi = kmend_curl.curl_multi_init())) {
		free(c);
		return -ENOMEM;
	}
	*out = c;
	return 0;
}

void kmend_http_client_free(struct kmend_http_client *client)
{
	if (!client)
		return;
	kmend_curl.curl_multi_cleanup(client->multi);
	free(client);
}

struct kmend_http_client *kmend_http_client_default(struct kmend_error *err)
{
	struct kmend_http_client *c;
	int r;

	if (http_init(err) < 0)
		return NULL;
	if ((c = pthread_getspecific(thread_client)))
		return c;
	if ((r = kmend_http_client_new(&c, err)) < 0) {
		if (r == -ENOMEM)
			kmend_error_set(err, r, "libcurl", 0, "out of memory for an HTTP client");
		return NULL;
	}
	if (pthread_setspecific(thread_client, c) != 0) {
		kmend_http_client_free(c);
		kmend_error_set(err, -ENOMEM, "libcurl", 0, "out of memory for an HTTP client");
		return NULL;
	}
	return c;
}

/* ---- Small helpers on URLs. */

/* The authority's span in url (after "scheme://", before the path); NULL when not a URL. */
static const char *authority_span(const char *url, size_t *len)
{
	const char *p = strstr(url, "://");

	if (!p || p == url)
		return NULL;
	p += 3;
	*len = strcspn(p, "/?#");
	return p;
}

int kmend_http_url_authority(const char *url, char *out, size_t size)
{
	size_t len;
	const char *a = authority_span(url, &len), *at;

	if (!a || len == 0)
		return -1;
	/* user:password@host: only the host counts. */
	for (at = a + len; at > a && at[-1] != '@'; at--)
		;
	len -= (size_t)(at - a);
	if (len == 0 || len >= size)
		return -1;
	memcpy(out, at, len);
	out[len] = '\0';
	for (char *c = out; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	return 0;
}

/* A copy of url for messages: any user:password@ dropped. */
static char *url_for_messages(const char *url)
{
	size_t len, keep;
	const char *a = authority_span(url, &len), *at;
	char *out;

	if (!a)
		return strdup(url);
	for (at = a + len; at > a && at[-1] != '@'; at--)
		;
	if (at == a)
		return strdup(url);
	keep = (size_t)(a - url);
	if (!(out = malloc(strlen(url) + 1)))
		return NULL;
	memcpy(out, url, keep);
	strcpy(out + keep, at);
	return out;
}

char *kmend_http_query_escape(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	char *out = malloc(strlen(s) * 3 + 1), *o = out;

	if (!out)
		return NULL;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (isalnum(*p) || *p == '-' || *p == '.' || *p == '_' || *p == '~') {
			*o++ = (char)*p;
		} else {
			*o++ = '%';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 15];
		}
	}
	*o = '\0';
	return out;
}

/* ---- A transfer: one request and its response, alive until the last callback. */

struct transfer {
	struct kmend_istream base; /* kmend_http_open's stream */
	struct kmend_http_client *client;
	CURL *easy;
	struct curl_slist *headers;
	char *url;  /* for messages: without credentials */
	char *what; /* for progress */
	void (*progress)(void *ctx, const char *what, unsigned long long done,
	                 unsigned long long total);
	void *progress_ctx;
	long stall;
	bool follow, https, in_multi;

	/* The request body. */
	const unsigned char *body;
	size_t body_len, body_pos;
	struct kmend_istream *body_stream;
	bool body_chunked;
	unsigned long long body_sent;
	int body_failed;
	struct kmend_error body_err;

	/* The response: its headers land here, never in the caller's memory. */
	struct kmend_http_response resp;
	long parsed_status;
	bool saw_location;
	const char *overlong; /* the first kept header too long for its field */
	int headers_done;     /* the final response's headers are all in */

	/* Its body: all of it (kmend_http_perform), or what the reader has not taken yet. */
	bool streaming;
	char *buf;
	size_t len, pos, cap, max;
	int too_large, paused, done;
	CURLcode result;
	char curl_error[CURL_ERROR_SIZE];

	/* kmend_http_read_line's buffer. */
	char *line;
	size_t line_len, line_cap, line_scanned, line_used;
	int line_eof;
};

static void response_reset(struct kmend_http_response *resp)
{
	memset(resp, 0, sizeof(*resp));
	resp->retry_after = -1;
	resp->content_length = -1;
}

/* Keep value in field (size bytes) if it fits; else remember the header as overlong. */
static void keep_value(struct transfer *t, const char *name, char *field, size_t size,
                       const char *value, size_t len)
{
	if (len >= size) {
		if (!t->overlong)
			t->overlong = name;
		return;
	}
	memcpy(field, value, len);
	field[len] = '\0';
}

static bool header_is(const char *line, size_t klen, const char *name)
{
	return strlen(name) == klen && strncasecmp(line, name, klen) == 0;
}

static void on_status_line(struct transfer *t, const char *line, size_t len)
{
	const char *sp = memchr(line, ' ', len);
	long status = 0;

	response_reset(&t->resp);
	t->saw_location = false;
	t->overlong = NULL;
	if (sp && (size_t)(sp - line) + 4 <= len && isdigit((unsigned char)sp[1]) &&
	    isdigit((unsigned char)sp[2]) && isdigit((unsigned char)sp[3]))
		status = (sp[1] - '0') * 100 + (sp[2] - '0') * 10 + (sp[3] - '0');
	t->parsed_status = status;
}

/* The blank line after a response's headers: final unless curl goes on to another one. */
static void on_headers_end(struct transfer *t)
{
	long s = t->parsed_status;

	if (s >= 100 && s < 200)
		return;
	if (t->follow && t->saw_location &&
	    (s == 301 || s == 302 || s == 303 || s == 307 || s == 308))
		return;
	t->headers_done = 1;
}

static size_t on_header(char *line, size_t size, size_t n, void *ctx)
{
	struct transfer *t = ctx;
	size_t len = size * n, klen;
	const char *colon, *v, *end;

	if (t->headers_done) /* trailers of a chunked body: not read */
		return len;
	if (len >= 5 && memcmp(line, "HTTP/", 5) == 0) {
		on_status_line(t, line, len);
		return len;
	}
	if (len > 0 && len <= 2 && (line[0] == '\r' || line[0] == '\n')) {
		on_headers_end(t);
		return len;
	}
	if (!(colon = memchr(line, ':', len)))
		return len;
	klen = (size_t)(colon - line);
	v = colon + 1;
	end = line + len;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t'))
		end--;
	if (header_is(line, klen, "content-type")) {
		const char *semi = memchr(v, ';', (size_t)(end - v));
		if (semi)
			for (end = semi; end > v && (end[-1] == ' ' || end[-1] == '\t');)
				end--;
		keep_value(t, "Content-Type", t->resp.content_type, sizeof(t->resp.content_type), v,
		           (size_t)(end - v));
	} else if (header_is(line, klen, "docker-content-digest")) {
		keep_value(t, "Docker-Content-Digest", t->resp.docker_content_digest,
		           sizeof(t->resp.docker_content_digest), v, (size_t)(end - v));
	} else if (header_is(line, klen, "docker-upload-uuid")) {
		keep_value(t, "Docker-Upload-UUID", t->resp.docker_upload_uuid,
		           sizeof(t->resp.docker_upload_uuid), v, (size_t)(end - v));
	} else if (header_is(line, klen, "range")) {
		keep_value(t, "Range", t->resp.range, sizeof(t->resp.range), v, (size_t)(end - v));
	} else if (header_is(line, klen, "location")) {
		t->saw_location = true;
		keep_value(t, "Location", t->resp.location, sizeof(t->resp.location), v,
		           (size_t)(end - v));
	} else if (header_is(line, klen, "www-authenticate")) {
		if (!t->resp.www_authenticate[0])
			keep_value(t, "WWW-Authenticate", t->resp.www_authenticate,
			           sizeof(t->resp.www_authenticate), v, (size_t)(end - v));
	} else if (header_is(line, klen, "link")) {
		/* Only tag lists read it: an overlong one fails them, not every request. */
		if (!t->resp.link[0] && !t->resp.link_overlong) {
			size_t vlen = (size_t)(end - v);
			t->resp.link_overlong = vlen >= sizeof(t->resp.link);
			if (!t->resp.link_overlong) {
				memcpy(t->resp.link, v, vlen);
				t->resp.link[vlen] = '\0';
			}
		}
	} else if (header_is(line, klen, "retry-after")) {
		long s = 0;
		const char *p = v;
		for (; p < end && isdigit((unsigned char)*p) && s < 1000000; p++)
			s = s * 10 + (*p - '0');
		t->resp.retry_after = p == end && p > v ? s : -1;
	} else if (header_is(line, klen, "content-length")) {
		long long l = 0;
		const char *p = v;
		for (; p < end && isdigit((unsigned char)*p) && l < (1LL << 56); p++)
			l = l * 10 + (*p - '0');
		t->resp.content_length = p == end && p > v ? l : -1;
	}
	return len;
}

/* Memory: keep everything, up to max. Stream: one delivery at a time, paused meanwhile. */
static size_t on_body(char *p, size_t size, size_t n, void *ctx)
{
	struct transfer *t = ctx;
	size_t len = size * n, need;

	t->headers_done = 1; /* a body byte means the headers are over */
	if (t->streaming) {
		if (t->pos < t->len) {
			t->paused = 1;
			return CURL_WRITEFUNC_PAUSE;
		}
		t->len = t->pos = 0;
	} else if (len > t->max - t->len) {
		t->too_large = 1;
		return 0;
	}
	need = t->len + len + 1;
	if (need > t->cap) {
		size_t cap = t->cap ? t->cap : 16384;
		char *bigger;
		while (cap < need)
			cap *= 2;
		if (!(bigger = realloc(t->buf, cap)))
			return 0;
		t->buf = bigger;
		t->cap = cap;
	}
	memcpy(t->buf + t->len, p, len);
	t->len += len;
	t->buf[t->len] = '\0';
	return len;
}

/* The request body, from memory or from the caller's stream. */
static size_t on_read(char *buf, size_t size, size_t n, void *ctx)
{
	struct transfer *t = ctx;
	size_t want = size * n;
	ssize_t r;

	if (!t->body_stream) {
		size_t left = t->body_len - t->body_pos;
		if (want > left)
			want = left;
		memcpy(buf, t->body + t->body_pos, want);
		t->body_pos += want;
		return want;
	}
	if (!t->body_chunked && want > t->body_len - t->body_sent)
		want = (size_t)(t->body_len - t->body_sent);
	if ((r = kmend_istream_read(t->body_stream, buf, want)) < 0) {
		t->body_err = t->body_stream->err;
		t->body_err.code = (int)r;
		t->body_failed = 1;
		return CURL_READFUNC_ABORT;
	}
	if (r == 0 && !t->body_chunked && t->body_sent < t->body_len) {
		kmend_error_set(&t->body_err, -KMEND_E_BAD_INPUT, t->url, 0,
		                "the request body ended after %llu of %zu bytes", t->body_sent,
		                t->body_len);
		t->body_failed = 1;
		return CURL_READFUNC_ABORT;
	}
	t->body_sent += (unsigned long long)r;
	return (size_t)r;
}

static int on_progress(void *ctx, curl_off_t total, curl_off_t now, curl_off_t ut, curl_off_t un)
{
	struct transfer *t = ctx;

	(void)ut;
	(void)un;
	if (total > 0)
		t->progress(t->progress_ctx, t->what, (unsigned long long)now,
		            (unsigned long long)total);
	return 0;
}

static enum kmend_http_failure classify(const struct transfer *t, CURLcode c)
{
	switch (c) {
	case CURLE_OK: return KMEND_HTTP_FAIL_NONE;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY: return KMEND_HTTP_FAIL_RESOLVE;
	case CURLE_COULDNT_CONNECT: return KMEND_HTTP_FAIL_CONNECT;
	case CURLE_OPERATION_TIMEDOUT: return KMEND_HTTP_FAIL_TIMEOUT;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS: return KMEND_HTTP_FAIL_TLS;
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
		/* No answer at all to a TLS hello: most often a plain HTTP server. */
		return t->https && !t->parsed_status ? KMEND_HTTP_FAIL_TLS
		                                     : KMEND_HTTP_FAIL_PROTOCOL;
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_BAD_CONTENT_ENCODING:
	case CURLE_TOO_MANY_REDIRECTS:
	case CURLE_UNSUPPORTED_PROTOCOL: return KMEND_HTTP_FAIL_PROTOCOL;
	default: return KMEND_HTTP_FAIL_OTHER;
	}
}

/* The request went out (on a new connection or a reused one): a timeout now is a stall. */
static bool request_sent(struct transfer *t)
{
	long size = 0;

	return t->parsed_status ||
	       (kmend_curl.curl_easy_getinfo(t->easy, CURLINFO_REQUEST_SIZE, &size) == CURLE_OK &&
	        size > 0);
}

/* The error for a transfer that ended with code: what the caller's err and resp get. */
static int transfer_error(struct transfer *t, CURLcode code, struct kmend_error *err)
{
	t->resp.failure = classify(t, code);
	if (t->body_failed) {
		if (err)
			*err = t->body_err;
		return t->body_err.code < 0 ? t->body_err.code : -KMEND_E_BAD_INPUT;
	}
	if (code == CURLE_OPERATION_TIMEDOUT && request_sent(t)) {
		kmend_error_set(err, -KMEND_E_NETWORK, t->url, 0,
		                "the server sent nothing for %ld seconds", t->stall);
		kmend_error_hint(err, "KMEND_HTTP_TIMEOUT=SECONDS waits longer for slow servers");
		return -KMEND_E_NETWORK;
	}
	return kmend_error_set(err, -KMEND_E_NETWORK, t->url, 0, "%s",
	                       t->curl_error[0] ? t->curl_error
	                                        : kmend_curl.curl_easy_strerror(code));
}

static int overlong_error(struct transfer *t, struct kmend_error *err)
{
	size_t limit = strcmp(t->overlong, "Location") == 0           ? KMEND_HTTP_URL_MAX
	               : strcmp(t->overlong, "WWW-Authenticate") == 0 ? KMEND_HTTP_CHALLENGE_MAX
	               : strcmp(t->overlong, "Docker-Content-Digest") == 0
	                   ? (size_t)KMEND_DIGEST_MAX
	                   : KMEND_HTTP_VALUE_MAX;

	t->resp.failure = KMEND_HTTP_FAIL_PROTOCOL;
	return kmend_error_set(err, -KMEND_E_TOO_LARGE, t->url, 0,
	                       "the server's %s header is longer than kmend's limit of %zu bytes",
	                       t->overlong, limit - 1);
}

static void transfer_free(struct transfer *t)
{
	if (!t)
		return;
	if (t->in_multi)
		kmend_curl.curl_multi_remove_handle(t->client->multi, t->easy);
	if (t->easy)
		kmend_curl.curl_easy_cleanup(t->easy);
	kmend_curl.curl_slist_free_all(t->headers);
	free(t->url);
	free(t->what);
	free(t->buf);
	free(t->line);
	free(t);
}

static int add_header(struct transfer *t, const char *name, const char *value)
{
	size_t n = strlen(name) + strlen(value) + 3;
	_cleanup_free_ char *line = malloc(n);
	struct curl_slist *l;

	if (!line)
		return -ENOMEM;
	snprintf(line, n, "%s: %s", name, value);
	if (!(l = kmend_curl.curl_slist_append(t->headers, line)))
		return -ENOMEM;
	t->headers = l;
	return 0;
}

/* A libcurl option that did not take: a feature this libcurl lacks, named with the option. */
static int setopt_failed(struct transfer *t, const char *option, CURLcode c,
                         struct kmend_error *err)
{
	kmend_error_set(err, c == CURLE_OUT_OF_MEMORY ? -ENOMEM : -KMEND_E_UNSUPPORTED, t->url, 0,
	                "libcurl refused %s: %s", option, kmend_curl.curl_easy_strerror(c));
	if (c != CURLE_OUT_OF_MEMORY)
		kmend_error_hint(err,
		                 "kmend needs libcurl %s or later built with OpenSSL "
		                 "(Debian's libcurl4)",
		                 KMEND_CURL_MIN_VERSION_TEXT);
	return c == CURLE_OUT_OF_MEMORY ? -ENOMEM : -KMEND_E_UNSUPPORTED;
}

/* curl_easy_setopt, checked: every option kmend sets is one it relies on. */
#define SETOPT(t, opt, value)                                                                      \
	do {                                                                                       \
		CURLcode c_ = kmend_curl.curl_easy_setopt((t)->easy, opt, value);                  \
		if (c_ != CURLE_OK)                                                                \
			return setopt_failed(t, #opt, c_, err);                                    \
	} while (0)

/* A PEM blob option (copied by libcurl); GnuTLS builds refuse some of them. */
static int set_blob(struct transfer *t, CURLoption option, const char *name, const void *data,
                    size_t len, struct kmend_error *err)
{
	struct curl_blob blob = {.data = (void *)data, .len = len, .flags = CURL_BLOB_COPY};
	CURLcode c = kmend_curl.curl_easy_setopt(t->easy, option, &blob);

	return c == CURLE_OK ? 0 : setopt_failed(t, name, c, err);
}

static int set_tls(struct transfer *t, const struct kmend_http_request *req,
                   struct kmend_error *err)
{
	const struct kmend_http_tls *tls = req->tls;
	int r;

	if (req->insecure || (tls && tls->insecure)) {
		SETOPT(t, CURLOPT_SSL_VERIFYPEER, 0L);
		SETOPT(t, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (!tls)
		return 0;
	if (tls->ca_pem) {
		if ((r = set_blob(t, CURLOPT_CAINFO_BLOB, "CURLOPT_CAINFO_BLOB", tls->ca_pem,
		                  tls->ca_pem_len, err)) < 0)
			return r;
	} else if (tls->ca_file) {
		SETOPT(t, CURLOPT_CAINFO, tls->ca_file);
	}
	if (tls->cert_pem) {
		if ((r = set_blob(t, CURLOPT_SSLCERT_BLOB, "CURLOPT_SSLCERT_BLOB", tls->cert_pem,
		                  tls->cert_pem_len, err)) < 0)
			return r;
		SETOPT(t, CURLOPT_SSLCERTTYPE, "PEM");
	} else if (tls->cert_file) {
		SETOPT(t, CURLOPT_SSLCERT, tls->cert_file);
	}
	if (tls->key_pem) {
		if ((r = set_blob(t, CURLOPT_SSLKEY_BLOB, "CURLOPT_SSLKEY_BLOB", tls->key_pem,
		                  tls->key_pem_len, err)) < 0)
			return r;
		SETOPT(t, CURLOPT_SSLKEYTYPE, "PEM");
	} else if (tls->key_file) {
		SETOPT(t, CURLOPT_SSLKEY, tls->key_file);
	}
	return 0;
}

static const char *const method_names[] = {
    [KMEND_HTTP_GET] = "GET",   [KMEND_HTTP_HEAD] = "HEAD",   [KMEND_HTTP_PUT] = "PUT",
    [KMEND_HTTP_POST] = "POST", [KMEND_HTTP_PATCH] = "PATCH", [KMEND_HTTP_DELETE] = "DELETE",
};

static int set_method(struct transfer *t, const struct kmend_http_request *req,
                      struct kmend_error *err)
{
	enum kmend_http_method m = req->method;
	int r;

	if ((unsigned)m >= sizeof(method_names) / sizeof(method_names[0]))
		return kmend_error_set(err, -EINVAL, t->url, 0, "unknown HTTP method %d", (int)m);
	if (m == KMEND_HTTP_GET) {
		SETOPT(t, CURLOPT_HTTPGET, 1L);
		return 0;
	}
	if (m == KMEND_HTTP_HEAD) {
		SETOPT(t, CURLOPT_NOBODY, 1L);
		return 0;
	}
	SETOPT(t, CURLOPT_CUSTOMREQUEST, method_names[m]);
	if (m == KMEND_HTTP_DELETE)
		return 0;
	/* PUT, POST, PATCH: always a body, if only an empty one (Content-Length: 0). */
	t->body = req->body;
	t->body_len = req->body ? req->body_len : 0;
	t->body_stream = req->body_stream;
	t->body_chunked = req->body_stream && req->body_chunked;
	if (req->body_stream)
		t->body_len = req->body_len;
	SETOPT(t, CURLOPT_UPLOAD, 1L);
	SETOPT(t, CURLOPT_READFUNCTION, on_read);
	SETOPT(t, CURLOPT_READDATA, t);
	SETOPT(t, CURLOPT_INFILESIZE_LARGE,
	       t->body_chunked ? (curl_off_t)-1 : (curl_off_t)t->body_len);
	if ((r = add_header(t, "Content-Type",
	                    req->content_type ? req->content_type : "application/octet-stream")) <
	    0)
		return r;
	if (t->body_chunked && (r = add_header(t, "Transfer-Encoding", "chunked")) < 0)
		return r;
	/* No "Expect: 100-continue": servers that ignore it cost a second per request. */
	if (!(t->headers = kmend_curl.curl_slist_append(t->headers, "Expect:")))
		return -ENOMEM;
	return 0;
}

static int set_headers(struct transfer *t, const struct kmend_http_request *req,
                       struct kmend_error *err)
{
	int r;

	if (req->accept && (r = add_header(t, "Accept", req->accept)) < 0)
		return r;
	if (req->authorization && (r = add_header(t, "Authorization", req->authorization)) < 0)
		return r;
	for (const char *const *h = req->headers; h && *h; h++) {
		struct curl_slist *l;
		/* One header per entry: a CR or LF would smuggle in another. */
		if (strpbrk(*h, "\r\n") || !strchr(*h, ':'))
			return kmend_error_set(err, -EINVAL, t->url, 0,
			                       "not one 'Name: value' header line: %.60s", *h);
		if (!(l = kmend_curl.curl_slist_append(t->headers, *h)))
			return -ENOMEM;
		t->headers = l;
	}
	if (req->authorization && strpbrk(req->authorization, "\r\n"))
		return kmend_error_set(err, -EINVAL, t->url, 0,
		                       "an Authorization value with a line break");
	SETOPT(t, CURLOPT_HTTPHEADER, t->headers);
	return 0;
}

static int transfer_new(const struct kmend_http_request *req, bool streaming, struct transfer **out,
                        struct kmend_error *err)
{
	struct transfer *t;
	int r;

	*out = NULL;
	if (!req->client && !kmend_http_client_default(err))
		return err ? err->code : -KMEND_E_UNSUPPORTED;
	if (!(t = calloc(1, sizeof(*t))))
		return -ENOMEM;
	*out = t;
	t->client = req->client ? req->client : kmend_http_client_default(NULL);
	response_reset(&t->resp);
	t->streaming = streaming;
	t->max = SIZE_MAX - 1;
	t->follow =
	    !req->no_redirects && (req->method == KMEND_HTTP_GET || req->method == KMEND_HTTP_HEAD);
	t->https = strncasecmp(req->url, "https:", 6) == 0;
	t->stall = req->stall_timeout > 0 ? req->stall_timeout : default_stall;
	if (!(t->url = url_for_messages(req->url)) ||
	    !(t->what = strdup(req->what ? req->what : "")))
		return -ENOMEM;
	t->progress = req->progress;
	t->progress_ctx = req->progress_ctx;
	if (!(t->easy = kmend_curl.curl_easy_init()))
		return -ENOMEM;

	SETOPT(t, CURLOPT_URL, req->url);
	SETOPT(t, CURLOPT_PRIVATE, (void *)t);
	SETOPT(t, CURLOPT_SHARE, process_share);
	SETOPT(t, CURLOPT_PROTOCOLS_STR, "http,https");
	SETOPT(t, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	SETOPT(t, CURLOPT_FOLLOWLOCATION, t->follow ? 1L : 0L);
	SETOPT(t, CURLOPT_MAXREDIRS, 10L);
	SETOPT(t, CURLOPT_UNRESTRICTED_AUTH, 0L);
	SETOPT(t, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);
	SETOPT(t, CURLOPT_HEADERFUNCTION, on_header);
	SETOPT(t, CURLOPT_HEADERDATA, t);
	SETOPT(t, CURLOPT_WRITEFUNCTION, on_body);
	SETOPT(t, CURLOPT_WRITEDATA, t);
	SETOPT(t, CURLOPT_ERRORBUFFER, t->curl_error);
	SETOPT(t, CURLOPT_CONNECTTIMEOUT, (long)KMEND_HTTP_CONNECT_TIMEOUT);
	if (req->stall_timeout != KMEND_HTTP_NO_STALL_TIMEOUT) {
		SETOPT(t, CURLOPT_LOW_SPEED_LIMIT, 1L);
		SETOPT(t, CURLOPT_LOW_SPEED_TIME, t->stall);
	}
	SETOPT(t, CURLOPT_TCP_KEEPALIVE, 1L);
	SETOPT(t, CURLOPT_USERAGENT, "kmend/" KMEND_VERSION_STRING);
	SETOPT(t, CURLOPT_NOSIGNAL, 1L);
	if (have_http2)
		SETOPT(t, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	if (t->progress) {
		SETOPT(t, CURLOPT_NOPROGRESS, 0L);
		SETOPT(t, CURLOPT_XFERINFOFUNCTION, on_progress);
		SETOPT(t, CURLOPT_XFERINFODATA, t);
	}
	if ((r = set_tls(t, req, err)) < 0 || (r = set_method(t, req, err)) < 0 ||
	    (r = set_headers(t, req, err)) < 0)
		return r;
	return 0;
}

static int multi_failed(struct transfer *t, const char *what, CURLMcode c, struct kmend_error *err)
{
	t->resp.failure = KMEND_HTTP_FAIL_OTHER;
	return kmend_error_set(err, c == CURLM_OUT_OF_MEMORY ? -ENOMEM : -KMEND_E_NETWORK, t->url,
	                       0, "libcurl's %s failed: %s", what,
	                       kmend_curl.curl_multi_strerror(c));
}

static bool ready_done(const struct transfer *t)
{
	return t->done;
}

static bool ready_headers(const struct transfer *t)
{
	return t->done || t->headers_done;
}

static bool ready_data(const struct transfer *t)
{
	return t->done || t->pos < t->len;
}

/*
 * Drive the client's transfers until ready(t). Every transfer of the client moves, not
 * only t: a stream its reader is not reading pauses itself until it is read.
 */
static int pump(struct transfer *t, bool (*ready)(const struct transfer *), struct kmend_error *err)
{
	CURLM *multi = t->client->multi;

	for (;;) {
		int running = 0, queued;
		CURLMsg *msg;
		CURLMcode mc;

		if (t->paused && t->pos == t->len) {
			CURLcode c;
			t->paused = 0;
			if ((c = kmend_curl.curl_easy_pause(t->easy, CURLPAUSE_CONT)) != CURLE_OK) {
				t->done = 1;
				t->result = c;
			}
		}
		if ((mc = kmend_curl.curl_multi_perform(multi, &running)) != CURLM_OK)
			return multi_failed(t, "curl_multi_perform", mc, err);
		while ((msg = kmend_curl.curl_multi_info_read(multi, &queued))) {
			struct transfer *x = NULL;
			if (msg->msg != CURLMSG_DONE)
				continue;
			kmend_curl.curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
			                             (char **)&x);
			if (x) {
				x->done = 1;
				x->result = msg->data.result;
			}
		}
		if (ready(t))
			return 0;
		if ((mc = kmend_curl.curl_multi_poll(multi, NULL, 0, 1000, NULL)) != CURLM_OK)
			return multi_failed(t, "curl_multi_poll", mc, err);
	}
}

/* Start t and run it until ready; the response's state then, or an error. */
static int transfer_run(struct transfer *t, bool (*ready)(const struct transfer *),
                        struct kmend_error *err)
{
	CURLMcode mc;
	int r;

	if ((mc = kmend_curl.curl_multi_add_handle(t->client->multi, t->easy)) != CURLM_OK)
		return multi_failed(t, "curl_multi_add_handle", mc, err);
	t->in_multi = true;
	if ((r = pump(t, ready, err)) < 0)
		return r;
	kmend_curl.curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &t->resp.status);
	kmend_curl.curl_easy_getinfo(t->easy, CURLINFO_HTTP_VERSION, &t->resp.http_version);
	t->resp.http_version = t->resp.http_version == CURL_HTTP_VERSION_1_0   ? 10
	                       : t->resp.http_version == CURL_HTTP_VERSION_1_1 ? 11
	                       : t->resp.http_version == CURL_HTTP_VERSION_2_0 ? 20
	                       : t->resp.http_version == CURL_HTTP_VERSION_3   ? 30
	                                                                       : 0;
	if (t->too_large)
		return kmend_error_set(err, -KMEND_E_TOO_LARGE, t->url, 0,
		                       "response larger than kmend's limit of %zu bytes", t->max);
	if (t->done && t->result != CURLE_OK)
		return transfer_error(t, t->result, err);
	if (t->overlong)
		return overlong_error(t, err);
	return 0;
}

int kmend_http_perform(const struct kmend_http_request *req, size_t max, char **body, size_t *len,
                       struct kmend_http_response *resp, struct kmend_error *err)
{
	struct transfer *t;
	int r;

	*body = NULL;
	*len = 0;
	response_reset(resp);
	if ((r = transfer_new(req, false, &t, err)) == 0) {
		t->max = max;
		r = transfer_run(t, ready_done, err);
	}
	if (t)
		*resp = t->resp;
	if (r == 0) {
		*body = t->buf ? TAKE_PTR(t->buf) : strdup("");
		*len = t->len;
		if (!*body)
			r = -ENOMEM;
	}
	transfer_free(t);
	return r;
}

int kmend_http_get(const struct kmend_http_request *req, size_t max, char **body, size_t *len,
                   struct kmend_http_response *resp, struct kmend_error *err)
{
	struct kmend_http_request get = *req;

	get.method = KMEND_HTTP_GET;
	return kmend_http_perform(&get, max, body, len, resp, err);
}

int kmend_http_read_header_block(const char *data, size_t len, bool follow,
                                 struct kmend_http_response *resp, struct kmend_error *err)
{
	struct transfer t = {.follow = follow, .url = (char *)"(headers)"};
	const char *p = data, *end = data + len;

	response_reset(&t.resp);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
		/* libcurl hands over a writable line; so does this. */
		char *line = malloc(n ? n : 1);
		if (!line)
			return -ENOMEM;
		memcpy(line, p, n);
		on_header(line, 1, n, &t);
		free(line);
		p += n;
	}
	*resp = t.resp;
	if (t.overlong)
		return overlong_error(&t, err);
	return t.headers_done;
}

int kmend_http_challenge_param(const char *challenge, const char *key, char *out, size_t size)
{
	size_t n = strlen(key);

	for (const char *p = challenge; (p = strstr(p, key)); p += n) {
		const char *v, *end;
		if ((p != challenge && p[-1] != ' ' && p[-1] != ',') || p[n] != '=')
			continue;
		v = p + n + 1;
		if (*v == '"')
			end = strchr(++v, '"');
		else
			end = v + strcspn(v, ", ");
		if (!end || (size_t)(end - v) >= size)
			return -1;
		memcpy(out, v, (size_t)(end - v));
		out[end - v] = '\0';
		return 0;
	}
	return -1;
}

/* ---- The streaming response. */

static ssize_t http_stream_read(struct kmend_istream *base, void *buf, size_t size)
{
	struct transfer *t = (struct transfer *)base;
	int r;

	if (t->pos == t->len && !t->done && (r = pump(t, ready_data, &base->err)) < 0)
		return r;
	if (t->pos < t->len) {
		size_t n = t->len - t->pos < size ? t->len - t->pos : size;
		memcpy(buf, t->buf + t->pos, n);
		t->pos += n;
		return (ssize_t)n;
	}
	if (t->result != CURLE_OK)
		return transfer_error(t, t->result, &base->err);
	return 0;
}

static void http_stream_close(struct kmend_istream *base)
{
	transfer_free((struct transfer *)base);
}

static const struct kmend_istream_ops http_stream_ops = {
    .name = "http",
    .read = http_stream_read,
    .close = http_stream_close,
};

int kmend_http_open(const struct kmend_http_request *req, struct kmend_istream **out,
                    struct kmend_http_response *resp, struct kmend_error *err)
{
	struct transfer *t;
	int r;

	*out = NULL;
	response_reset(resp);
	if ((r = transfer_new(req, true, &t, err)) == 0) {
		t->base.ops = &http_stream_ops;
		r = transfer_run(t, ready_headers, err);
	}
	if (t)
		*resp = t->resp;
	if (r < 0 || ((resp->status < 200 || resp->status >= 300) && !req->stream_any_status)) {
		transfer_free(t);
		return r;
	}
	*out = &t->base;
	return 0;
}

int kmend_http_read_line(struct kmend_istream *stream, const char **line, size_t *len,
                         struct kmend_error *err)
{
	struct transfer *t = (struct transfer *)stream;
	const size_t step = 65536;

	if (!stream || stream->ops != &http_stream_ops)
		return kmend_error_set(err, -EINVAL, "", 0, "not an HTTP stream");
	/* Drop the line returned last time. */
	if (t->line_used) {
		memmove(t->line, t->line + t->line_used, t->line_len - t->line_used);
		t->line_len -= t->line_used;
		t->line_scanned =
		    t->line_scanned > t->line_used ? t->line_scanned - t->line_used : 0;
		t->line_used = 0;
	}
	for (;;) {
		char *nl =
		    t->line ? memchr(t->line + t->line_scanned, '\n', t->line_len - t->line_scanned)
		            : NULL;
		size_t n;
		ssize_t r;

		if (nl || (t->line_eof && t->line_len > 0)) {
			n = nl ? (size_t)(nl - t->line) : t->line_len;
			t->line_used = nl ? n + 1 : n;
			t->line[n] = '\0';
			if (n > 0 && t->line[n - 1] == '\r')
				t->line[--n] = '\0';
			if (n > KMEND_HTTP_LINE_MAX)
				break;
			*line = t->line;
			*len = n;
			return 1;
		}
		if (t->line_eof)
			return 0;
		t->line_scanned = t->line_len;
		if (t->line_len > KMEND_HTTP_LINE_MAX)
			break;
		if (t->line_len + step + 1 > t->line_cap) {
			size_t cap = t->line_cap ? t->line_cap * 2 : 2 * step;
			char *bigger = realloc(t->line, cap);
			if (!bigger)
				return -ENOMEM;
			t->line = bigger;
			t->line_cap = cap;
		}
		if ((r = http_stream_read(stream, t->line + t->line_len, step)) < 0) {
			if (err)
				*err = stream->err;
			return (int)r;
		}
		t->line_len += (size_t)r;
		t->line_eof = r == 0;
	}
	return kmend_error_set(err, -KMEND_E_TOO_LARGE, t->url, 0,
	                       "a line longer than kmend's limit of %d bytes", KMEND_HTTP_LINE_MAX);
}
