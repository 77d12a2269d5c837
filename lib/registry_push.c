/* Registry push: blobs (HEAD, mount, monolithic or chunked upload) and manifests. */
#include "registry_push.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cleanup.h"
#include "kmend_limits.h"

/*
 * The bytes of a blob the way an upload sends them: exactly length bytes, and for the
 * whole blob one more read past the end, so that the verifying stream beneath checks the
 * digest before the last byte is handed over (libcurl stops asking once it has length).
 */
struct exact_stream {
	struct kmend_istream base;
	struct kmend_istream *inner;
	uint64_t left;
	bool check_end;
};

static ssize_t exact_read(struct kmend_istream *s, void *buf, size_t size)
{
	struct exact_stream *e = (struct exact_stream *)s;
	ssize_t n;
	char extra;

	if (e->left == 0)
		return 0;
	if (size > e->left)
		size = (size_t)e->left;
	if ((n = kmend_istream_read(e->inner, buf, size)) < 0) {
		s->err = e->inner->err;
		return n;
	}
	if (n == 0)
		return kmend_error_set(&s->err, -KMEND_E_DIGEST, "blob", 0,
		                       "the blob ended %" PRIu64 " bytes short of its size",
		                       e->left);
	e->left -= (uint64_t)n;
	if (e->left == 0 && e->check_end) {
		ssize_t r = kmend_istream_read(e->inner, &extra, 1);
		if (r < 0) {
			s->err = e->inner->err;
			return r;
		}
		if (r > 0)
			return kmend_error_set(&s->err, -KMEND_E_DIGEST, "blob", 0,
			                       "the blob is longer than its size");
	}
	return n;
}

static void exact_close(struct kmend_istream *s)
{
	struct exact_stream *e = (struct exact_stream *)s;

	kmend_istream_close(e->inner);
	free(e);
}

static const struct kmend_istream_ops exact_ops = {
    .name = "upload body",
    .read = exact_read,
    .close = exact_close,
};

/* What one upload request sends: the blob's window [offset, offset + length). */
struct body {
	const struct kmend_push_blob *b;
	uint64_t offset, length;
};

static int open_body(void *ctx, struct kmend_istream **out, struct kmend_error *err)
{
	struct body *body = ctx;
	const struct kmend_push_blob *b = body->b;
	bool whole = body->offset == 0 && body->length == b->desc->size;
	struct kmend_istream *raw, *verified;
	struct exact_stream *e;
	int r;

	if ((r = b->open(b->ctx, body->offset, body->length, &raw, err)) < 0)
		return r;
	if (whole) {
		if ((r = kmend_istream_verify(raw, b->desc->digest, b->desc->size, &verified,
		                              err)) < 0)
			return r;
		raw = verified;
	}
	if (!(e = calloc(1, sizeof(*e)))) {
		kmend_istream_close(raw);
		return -ENOMEM;
	}
	e->base.ops = &exact_ops;
	e->inner = raw;
	e->left = body->length;
	e->check_end = whole;
	*out = &e->base;
	return 0;
}

/*
 * The registry's own words for a failure ("DIGEST_INVALID: provided digest did not match
 * uploaded content"), quoted for a terminal, into out; "" when the body has none.
 */
static void registry_said(const char *body, size_t len, char *out, size_t size)
{
	json_t *doc = body ? json_loadb(body, len, 0, NULL) : NULL;
	json_t *first = json_array_get(json_object_get(doc, "errors"), 0);
	const char *code = json_string_value(json_object_get(first, "code"));
	const char *message = json_string_value(json_object_get(first, "message"));
	char text[512];

	out[0] = '\0';
	if (code || message) {
		snprintf(text, sizeof(text), "%s%s%s", code ? code : "",
		         code && message ? ": " : "", message ? message : "");
		kmend_error_quote(out, size, text, strlen(text));
	}
	json_decref(doc);
}

/*
 * Upload answers that mean the bytes went wrong on the way (a cut body, a digest the
 * registry computed differently, an upload it lost): starting again may well work.
 */
static bool in_transit(long status, const char *said)
{
	return status >= 500 || status == 416 ||
	       ((status == 400 || status == 404) &&
	        (!strncmp(said, "DIGEST_INVALID", 14) || !strncmp(said, "SIZE_INVALID", 12) ||
	         !strncmp(said, "BLOB_UPLOAD_INVALID", 19) ||
	         !strncmp(said, "BLOB_UPLOAD_UNKNOWN", 19)));
}

/* An unexpected status: an error with what the registry said; *again when worth retrying. */
static int status_error(struct kmend_registry *r, const char *what, long status, const char *body,
                        size_t len, bool *again, struct kmend_error *err)
{
	char said[400];

	registry_said(body, len, said, sizeof(said));
	if (again)
		*again = in_transit(status, said);
	return kmend_error_set(err, -KMEND_E_NETWORK, kmend_registry_name(r), 0,
	                       "%s/%s: %s: HTTP %ld%s%s", kmend_registry_name(r),
	                       kmend_registry_repository(r), what, status, said[0] ? ", " : "",
	                       said);
}

/* The registry stored what kmend sent: its Docker-Content-Digest, when it gives one. */
static int check_stored(struct kmend_registry *r, const struct kmend_http_response *resp,
                        const char *digest, const char *what, struct kmend_error *err)
{
	if (resp->docker_content_digest[0] && strcmp(resp->docker_content_digest, digest))
		return kmend_error_set(err, -KMEND_E_DIGEST, kmend_registry_name(r), 0,
		                       "%s/%s: the registry stored %s as %s",
		                       kmend_registry_name(r), kmend_registry_repository(r), what,
		                       kmend_digest_valid(resp->docker_content_digest)
		                           ? resp->docker_content_digest
		                           : "something that is not a digest");
	return 0;
}

/* HEAD the blob: 1 when the registry has it (its size and digest checked), 0 when not. */
static int has_blob(struct kmend_registry *r, const struct kmend_descriptor *d,
                    struct kmend_error *err)
{
	struct kmend_http_response resp;
	char path[1024];
	const struct kmend_registry_call c = {
	    .method = KMEND_HTTP_HEAD, .path = path, .any_status = true};
	_cleanup_free_ char *body = NULL;
	size_t len;
	int rc;

	snprintf(path, sizeof(path), "/v2/%s/blobs/%s", kmend_registry_repository(r), d->digest);
	if ((rc = kmend_registry_call(r, &c, &body, &len, &resp, err)) < 0)
		return rc;
	if (resp.status == 404)
		return 0;
	if (resp.status != 200)
		return status_error(r, d->digest, resp.status, NULL, 0, NULL, err);
	/* A registry that has other bytes under this digest is not trusted to have it. */
	if ((rc = check_stored(r, &resp, d->digest, d->digest, err)) < 0)
		return rc;
	if (resp.content_length >= 0 && (uint64_t)resp.content_length != d->size)
		return kmend_error_set(err, -KMEND_E_DIGEST, kmend_registry_name(r), 0,
		                       "%s/%s: the registry has %s with %lld bytes, not %" PRIu64,
		                       kmend_registry_name(r), kmend_registry_repository(r),
		                       d->digest, resp.content_length, d->size);
	return 1;
}

/*
 * Start an upload (POST), mounting from b->mount_from when given: 1 when mounted, 0 with the
 * upload's URL in location.
 */
static int start_upload(struct kmend_registry *r, const struct kmend_push_blob *b, bool mount,
                        char *location, size_t size, struct kmend_error *err)
{
	struct kmend_http_response resp;
	struct kmend_registry_call c = {
	    .method = KMEND_HTTP_POST, .any_status = true, .once = false};
	_cleanup_free_ char *body = NULL, *from = NULL;
	char path[2048];
	size_t len;
	int rc;

	if (mount) {
		if (!(from = kmend_http_query_escape(b->mount_from)))
			return -ENOMEM;
		snprintf(path, sizeof(path), "/v2/%s/blobs/uploads/?mount=%s&from=%s",
		         kmend_registry_repository(r), b->desc->digest, from);
	} else {
		snprintf(path, sizeof(path), "/v2/%s/blobs/uploads/", kmend_registry_repository(r));
	}
	c.path = path;
	if ((rc = kmend_registry_call(r, &c, &body, &len, &resp, err)) < 0)
		return rc;
	if (mount && resp.status == 201) {
		if ((rc = check_stored(r, &resp, b->desc->digest, b->desc->digest, err)) < 0)
			return rc;
		return 1;
	}
	if (resp.status != 202)
		return status_error(r, mount ? "mounting a blob" : "starting an upload",
		                    resp.status, body, len, NULL, err);
	if (!resp.location[0])
		return kmend_error_set(err, -KMEND_E_BAD_INPUT, kmend_registry_name(r), 0,
		                       "%s/%s: the registry started an upload without a Location",
		                       kmend_registry_name(r), kmend_registry_repository(r));
	snprintf(location, size, "%s", resp.location);
	return 0;
}

/* location with one more query parameter. */
static void add_query(char *out, size_t size, const char *location, const char *param)
{
	snprintf(out, size, "%s%s%s", location, strchr(location, '?') ? "&" : "?", param);
}

/* One upload request: PATCH a chunk, or PUT the rest (or nothing) with the digest. */
static int send_part(struct kmend_registry *r, const struct kmend_push_blob *b,
                     enum kmend_http_method method, char *location, size_t size, uint64_t offset,
                     uint64_t length, struct kmend_http_response *resp, bool *again,
                     struct kmend_error *err)
{
	char url[KMEND_HTTP_URL_MAX], range[80], param[100];
	const char *headers[] = {range, NULL};
	struct body body = {.b = b, .offset = offset, .length = length};
	struct kmend_registry_call c = {
	    .method = method,
	    .path = url,
	    .content_type = "application/octet-stream",
	    .once = true,
	    .any_status = true,
	    .what = b->desc->digest,
	};
	_cleanup_free_ char *answer = NULL;
	size_t len;
	int rc;

	if (method == KMEND_HTTP_PUT) {
		snprintf(param, sizeof(param), "digest=%s", b->desc->digest);
		add_query(url, sizeof(url), location, param);
	} else {
		snprintf(url, sizeof(url), "%s", location);
		snprintf(range, sizeof(range), "Content-Range: %" PRIu64 "-%" PRIu64, offset,
		         offset + length - 1);
		c.headers = headers;
	}
	if (length) {
		c.open_body = open_body;
		c.body_ctx = &body;
		c.body_len = (size_t)length;
	}
	if ((rc = kmend_registry_call(r, &c, &answer, &len, resp, err)) < 0) {
		*again = rc == -KMEND_E_NETWORK; /* cut on the way; not the source's errors */
		return rc;
	}
	if (method == KMEND_HTTP_PUT && resp->status == 201)
		return check_stored(r, resp, b->desc->digest, b->desc->digest, err);
	if (method == KMEND_HTTP_PATCH && resp->status == 202) {
		char want[80];
		/* The registry has exactly the bytes so far ("0-end"; some write "bytes=0-end"). */
		snprintf(want, sizeof(want), "0-%" PRIu64, offset + length - 1);
		if (strcmp(resp->range + (strncmp(resp->range, "bytes=", 6) ? 0 : 6), want)) {
			*again = true;
			return kmend_error_set(err, -KMEND_E_NETWORK, kmend_registry_name(r), 0,
			                       "%s: after bytes %s the registry holds %.60s",
			                       b->desc->digest, want,
			                       resp->range[0] ? resp->range : "nothing it says");
		}
		if (resp->location[0])
			snprintf(location, size, "%s", resp->location);
		return 0;
	}
	return status_error(r, b->desc->digest, resp->status, answer, len, again, err);
}

/* Cancel an upload that failed (best effort: the registry expires it anyway). */
static void cancel_upload(struct kmend_registry *r, const char *location)
{
	const struct kmend_registry_call c = {
	    .method = KMEND_HTTP_DELETE, .path = location, .once = true, .any_status = true};
	struct kmend_http_response resp;
	_cleanup_free_ char *body = NULL;
	size_t len;

	kmend_registry_call(r, &c, &body, &len, &resp, NULL);
}

static void pause_before(int attempt)
{
	struct timespec ts = {.tv_sec = 0, .tv_nsec = (200L << attempt) * 1000000L};

	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec = ts.tv_nsec / 1000000000L;
		ts.tv_nsec %= 1000000000L;
	}
	nanosleep(&ts, NULL);
}

int kmend_registry_push_blob(struct kmend_registry *r, const struct kmend_push_blob *b,
                             const struct kmend_push_options *o, enum kmend_push_outcome *how,
                             struct kmend_error *err)
{
	uint64_t chunk = o && o->chunk_size ? o->chunk_size : KMEND_PUSH_CHUNK_SIZE;
	char location[KMEND_HTTP_URL_MAX];
	bool mount = b->mount_from && b->mount_from[0] &&
	             strcmp(b->mount_from, kmend_registry_repository(r));
	int rc;

	if ((rc = kmend_digest_check(b->desc->digest, "a blob to push", err)) < 0)
		return rc;
	if ((rc = has_blob(r, b->desc, err)) != 0) {
		*how = KMEND_PUSH_PRESENT;
		return rc < 0 ? rc : 0;
	}
	for (int attempt = 0;; attempt++) {
		struct kmend_http_response resp;
		uint64_t offset = 0;
		bool again = false;

		if ((rc = start_upload(r, b, mount, location, sizeof(location), err)) < 0)
			return rc;
		if (rc == 1) {
			*how = KMEND_PUSH_MOUNTED;
			return 0;
		}
		mount = false; /* the registry could not mount it: once is enough to ask */
		if (b->desc->size > chunk) {
			*how = KMEND_PUSH_CHUNKED;
			for (; rc == 0 && offset < b->desc->size; offset += chunk) {
				uint64_t n =
				    b->desc->size - offset < chunk ? b->desc->size - offset : chunk;
				rc = send_part(r, b, KMEND_HTTP_PATCH, location, sizeof(location),
				               offset, n, &resp, &again, err);
			}
			if (rc == 0)
				rc = send_part(r, b, KMEND_HTTP_PUT, location, sizeof(location), 0,
				               0, &resp, &again, err);
		} else {
			*how = KMEND_PUSH_UPLOADED;
			rc = send_part(r, b, KMEND_HTTP_PUT, location, sizeof(location), 0,
			               b->desc->size, &resp, &again, err);
		}
		if (rc == 0)
			return 0;
		cancel_upload(r, location);
		if (!again || attempt >= KMEND_HTTP_RETRIES)
			return rc;
		pause_before(attempt);
	}
}

int kmend_registry_push_manifest(struct kmend_registry *r, const char *reference,
                                 const char *media_type, const char *data, size_t len,
                                 char digest[KMEND_DIGEST_MAX], struct kmend_error *err)
{
	struct kmend_http_response resp;
	char path[1024];
	const struct kmend_registry_call c = {
	    .method = KMEND_HTTP_PUT,
	    .path = path,
	    .content_type = media_type,
	    .body = data,
	    .body_len = len,
	    .any_status = true,
	};
	_cleanup_free_ char *body = NULL;
	size_t blen;
	int rc;

	kmend_digest_of(data, len, digest);
	snprintf(path, sizeof(path), "/v2/%s/manifests/%s", kmend_registry_repository(r),
	         reference);
	if ((rc = kmend_registry_call(r, &c, &body, &blen, &resp, err)) < 0)
		return rc;
	if (resp.status != 201 && resp.status != 200)
		return status_error(r, "putting the manifest", resp.status, body, blen, NULL, err);
	return check_stored(r, &resp, digest, "the manifest", err);
}
