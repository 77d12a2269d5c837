/* libcurl behind kmend_http_get and the streaming kmend_http_open. */
#include "http.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dynlib.h"

#include "kmend_limits.h"

static int http_init(struct kmend_error *err)
{
	static int done;
	int r;

	if (done)
		return 0;
	if ((r = kmend_curl_load(err)) < 0)
		return r;
	kmend_curl.curl_global_init(CURL_GLOBAL_DEFAULT);
	done = 1;
	return 0;
}

/* Header values kmend reads; a redirect's headers are replaced by the final response's. */
static size_t on_header(char *line, size_t size, size_t n, void *ctx)
{
	struct kmend_http_response *resp = ctx;
	size_t len = size * n, klen;
	const char *colon = memchr(line, ':', len);
	char value[2048];

	if (len >= 5 && strncmp(line, "HTTP/", 5) == 0) {
		long keep_status = resp->status;
		memset(resp, 0, sizeof(*resp));
		resp->status = keep_status;
		resp->retry_after = -1;
		resp->content_length = -1;
		return len;
	}
	if (!colon)
		return len;
	klen = (size_t)(colon - line);
	colon++;
	while (colon < line + len && (*colon == ' ' || *colon == '\t'))
		colon++;
	snprintf(value, sizeof(value), "%.*s", (int)(line + len - colon), colon);
	value[strcspn(value, "\r\n")] = '\0';
	if (klen == 12 && strncasecmp(line, "content-type", 12) == 0)
		snprintf(resp->content_type, sizeof(resp->content_type), "%.*s",
		         (int)strcspn(value, ";"), value);
	else if (klen == 21 && strncasecmp(line, "docker-content-digest", 21) == 0)
		snprintf(resp->docker_content_digest, sizeof(resp->docker_content_digest), "%s",
		         value);
	else if (klen == 16 && strncasecmp(line, "www-authenticate", 16) == 0)
		snprintf(resp->www_authenticate, sizeof(resp->www_authenticate), "%s", value);
	else if (klen == 11 && strncasecmp(line, "retry-after", 11) == 0)
		resp->retry_after = isdigit((unsigned char)value[0]) ? atol(value) : -1;
	else if (klen == 14 && strncasecmp(line, "content-length", 14) == 0)
		resp->content_length = atoll(value);
	return len;
}

struct transfer {
	CURL *curl;
	struct curl_slist *headers;
	struct kmend_http_response *resp;
	const struct kmend_http_request *req;
	char curl_error[CURL_ERROR_SIZE];
};

static int progress_cb(void *ctx, curl_off_t total, curl_off_t now, curl_off_t ut, curl_off_t un)
{
	struct transfer *t = ctx;

	(void)ut;
	(void)un;
	if (t->req->progress && total > 0)
		t->req->progress(t->req->progress_ctx, t->req->what, (unsigned long long)now,
		                 (unsigned long long)total);
	return 0;
}

static int transfer_setup(struct transfer *t, const struct kmend_http_request *req,
                          struct kmend_http_response *resp, struct kmend_error *err)
{
	char auth[4096];
	int r;

	if ((r = http_init(err)) < 0)
		return r;
	memset(resp, 0, sizeof(*resp));
	resp->retry_after = -1;
	resp->content_length = -1;
	memset(t, 0, sizeof(*t));
	t->resp = resp;
	t->req = req;
	if (!(t->curl = kmend_curl.curl_easy_init()))
		return -ENOMEM;
	if (req->accept) {
		snprintf(auth, sizeof(auth), "Accept: %s", req->accept);
		t->headers = kmend_curl.curl_slist_append(t->headers, auth);
	}
	if (req->authorization) {
		snprintf(auth, sizeof(auth), "Authorization: %s", req->authorization);
		t->headers = kmend_curl.curl_slist_append(t->headers, auth);
	}
	kmend_curl.curl_easy_setopt(t->curl, CURLOPT_URL, req->url);
	kmend_curl.curl_easy_setopt(t->curl, CURLOPT_HTTPHEADER, t->headers);
	kmend_curl.curl_easy_setopt(t->curl, CURLOPT_FOLLOWLOCATION, 1L);
	kmend_curl.curl_easy_setopt(t->curl, CURLOPT_MAXREDIRS, 10L);
	kmend_curl.curl_easy_setopt(t->curl, CURLOPT_UNRESTRICTED_AUTH, 0L);
	kmend_curl.curl_easy_setopt(t->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	kmend_curl.curl_easy_setopt(t->curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	kmend_curl.curl_easy_setopt(t->curl, CURLOPT_HEADERFUNCTION, on_header);
	kmend_curl.curl_easy_setopt(t->curl, CURLOPT_HEADERDATA, resp);
	kmend_curl.curl_easy_setopt(t->curl, CURLOPT_ERRORBUFFER, t->curl_error);
	kmend_curl.curl_easy_setopt(t->curl, CURLOPT_CONNECTTIMEOUT, 30L);
	kmend_curl.curl_easy_setopt(t->curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
	kmend_curl.curl_easy_setopt(t->curl, CURLOPT_LOW_SPEED_TIME, 60L);
	kmend_curl.curl_easy_setopt(t->curl, CURLOPT_USERAGENT, "kmend/" KMEND_VERSION_STRING);
	kmend_curl.curl_easy_setopt(t->curl, CURLOPT_NOSIGNAL, 1L);
	if (req->insecure) {
		kmend_curl.curl_easy_setopt(t->curl, CURLOPT_SSL_VERIFYPEER, 0L);
		kmend_curl.curl_easy_setopt(t->curl, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (req->progress) {
		kmend_curl.curl_easy_setopt(t->curl, CURLOPT_NOPROGRESS, 0L);
		kmend_curl.curl_easy_setopt(t->curl, CURLOPT_XFERINFOFUNCTION, progress_cb);
		kmend_curl.curl_easy_setopt(t->curl, CURLOPT_XFERINFODATA, t);
	}
	return 0;
}

static void transfer_cleanup(struct transfer *t)
{
	kmend_curl.curl_easy_cleanup(t->curl);
	kmend_curl.curl_slist_free_all(t->headers);
}

static int network_error(struct transfer *t, CURLcode code, struct kmend_error *err)
{
	kmend_error_set(err, -KMEND_E_NETWORK, t->req->url, 0, "%s",
	                t->curl_error[0] ? t->curl_error : kmend_curl.curl_easy_strerror(code));
	err->line = (long)code; /* kept for kmend_http_is_tls_failure */
	return -KMEND_E_NETWORK;
}

bool kmend_http_is_tls_failure(const struct kmend_error *err)
{
	return err->code == -KMEND_E_NETWORK &&
	       (err->line == CURLE_SSL_CONNECT_ERROR || err->line == CURLE_RECV_ERROR ||
	        err->line == CURLE_GOT_NOTHING);
}

struct memory_sink {
	char *data;
	size_t len, cap, max;
	int too_large;
};

static size_t on_body(char *p, size_t size, size_t n, void *ctx)
{
	struct memory_sink *m = ctx;
	size_t len = size * n;

	if (m->len + len > m->max) {
		m->too_large = 1;
		return 0;
	}
	if (m->len + len + 1 > m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 16384;
		char *bigger;
		while (cap < m->len + len + 1)
			cap *= 2;
		if (!(bigger = realloc(m->data, cap)))
			return 0;
		m->data = bigger;
		m->cap = cap;
	}
	memcpy(m->data + m->len, p, len);
	m->len += len;
	m->data[m->len] = '\0';
	return len;
}

int kmend_http_get(const struct kmend_http_request *req, size_t max, char **body, size_t *len,
                   struct kmend_http_response *resp, struct kmend_error *err)
{
	struct memory_sink sink = {.max = max};
	struct transfer t;
	CURLcode code;
	int r;

	if ((r = transfer_setup(&t, req, resp, err)) < 0)
		return r;
	kmend_curl.curl_easy_setopt(t.curl, CURLOPT_WRITEFUNCTION, on_body);
	kmend_curl.curl_easy_setopt(t.curl, CURLOPT_WRITEDATA, &sink);
	code = kmend_curl.curl_easy_perform(t.curl);
	kmend_curl.curl_easy_getinfo(t.curl, CURLINFO_RESPONSE_CODE, &resp->status);
	if (sink.too_large)
		r = kmend_error_set(err, -KMEND_E_TOO_LARGE, req->url, 0,
		                    "response larger than kmend's limit of %zu bytes", max);
	else if (code != CURLE_OK)
		r = network_error(&t, code, err);
	transfer_cleanup(&t);
	if (r < 0) {
		free(sink.data);
		return r;
	}
	*body = sink.data ? sink.data : strdup("");
	*len = sink.len;
	return *body ? 0 : -ENOMEM;
}

/* The streaming GET: curl's multi interface, paused whenever kmend has not asked for more. */
struct http_stream {
	struct kmend_istream base;
	struct transfer t;
	CURLM *multi;
	char *buf; /* bytes curl delivered that kmend has not read yet */
	size_t len, pos, cap;
	int done, paused;
	CURLcode result;
};

static size_t on_stream_body(char *p, size_t size, size_t n, void *ctx)
{
	struct http_stream *s = ctx;
	size_t len = size * n;

	if (s->pos < s->len) {
		s->paused = 1;
		return CURL_WRITEFUNC_PAUSE;
	}
	if (len > s->cap) {
		char *bigger = realloc(s->buf, len);
		if (!bigger)
			return 0;
		s->buf = bigger;
		s->cap = len;
	}
	memcpy(s->buf, p, len);
	s->len = len;
	s->pos = 0;
	return len;
}

/* Drive curl until there is data, the transfer ends, or (headers_only) the status is known. */
static int pump(struct http_stream *s, int headers_only)
{
	for (;;) {
		int running = 0, queued;
		long status = 0;
		CURLMsg *msg;

		if (s->paused) {
			s->paused = 0;
			kmend_curl.curl_easy_pause(s->t.curl, CURLPAUSE_CONT);
		}
		kmend_curl.curl_multi_perform(s->multi, &running);
		while ((msg = kmend_curl.curl_multi_info_read(s->multi, &queued)))
			if (msg->msg == CURLMSG_DONE) {
				s->done = 1;
				s->result = msg->data.result;
			}
		kmend_curl.curl_easy_getinfo(s->t.curl, CURLINFO_RESPONSE_CODE, &status);
		if (s->pos < s->len || s->done)
			return 0;
		if (headers_only && status >= 200 && !(status >= 300 && status < 400))
			return 0;
		kmend_curl.curl_multi_poll(s->multi, NULL, 0, 1000, NULL);
	}
}

static ssize_t http_stream_read(struct kmend_istream *base, void *buf, size_t size)
{
	struct http_stream *s = (struct http_stream *)base;

	if (s->pos == s->len && !s->done)
		pump(s, 0);
	if (s->pos < s->len) {
		size_t n = s->len - s->pos < size ? s->len - s->pos : size;
		memcpy(buf, s->buf + s->pos, n);
		s->pos += n;
		return (ssize_t)n;
	}
	if (s->result != CURLE_OK)
		return network_error(&s->t, s->result, &base->err);
	return 0;
}

static void http_stream_close(struct kmend_istream *base)
{
	struct http_stream *s = (struct http_stream *)base;

	kmend_curl.curl_multi_remove_handle(s->multi, s->t.curl);
	transfer_cleanup(&s->t);
	kmend_curl.curl_multi_cleanup(s->multi);
	free(s->buf);
	free(s);
}

static const struct kmend_istream_ops http_stream_ops = {
    .name = "http",
    .read = http_stream_read,
    .close = http_stream_close,
};

int kmend_http_open(const struct kmend_http_request *req, struct kmend_istream **out,
                    struct kmend_http_response *resp, struct kmend_error *err)
{
	struct http_stream *s = calloc(1, sizeof(*s));
	int r;

	*out = NULL;
	if (!s)
		return -ENOMEM;
	s->base.ops = &http_stream_ops;
	if ((r = transfer_setup(&s->t, req, resp, err)) < 0 ||
	    !(s->multi = kmend_curl.curl_multi_init())) {
		free(s);
		return r < 0 ? r : -ENOMEM;
	}
	kmend_curl.curl_easy_setopt(s->t.curl, CURLOPT_WRITEFUNCTION, on_stream_body);
	kmend_curl.curl_easy_setopt(s->t.curl, CURLOPT_WRITEDATA, s);
	kmend_curl.curl_multi_add_handle(s->multi, s->t.curl);
	pump(s, 1);
	kmend_curl.curl_easy_getinfo(s->t.curl, CURLINFO_RESPONSE_CODE, &resp->status);
	if (s->done && s->result != CURLE_OK) {
		r = network_error(&s->t, s->result, err);
		http_stream_close(&s->base);
		return r;
	}
	if (resp->status < 200 || resp->status >= 300) {
		http_stream_close(&s->base);
		return 0;
	}
	*out = &s->base;
	return 0;
}
