/* Downloading published feeds (kmend db update): each URL to a file in the cache, then import. */
#include "feed_download.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "http.h"
#include "kmend_limits.h"
#include "fsutil.h"

int kmend_feed_download(const char *url, const char *dir, char *path, size_t size,
                        struct kmend_error *err)
{
	const char *base = strrchr(url, '/');
	struct kmend_http_request req = {.url = url, .what = url};
	struct kmend_atomic_file af;
	struct kmend_http_response resp;
	struct kmend_istream *s;
	char digest[KMEND_DIGEST_MAX], buf[1 << 16];
	unsigned long long total = 0;
	ssize_t n;
	int r;

	if (strncmp(url, "https://", 8) && strncmp(url, "http://", 7))
		return kmend_error_set(err, -KMEND_E_BAD_INPUT, url, 0, "not an http(s) URL");
	/* A stable name per URL: a short hash, and the URL's file name for its format. */
	kmend_digest_of(url, strlen(url), digest);
	base = base && base[1] ? base + 1 : "feed";
	if ((r = kmend_mkdir_p(dir, 0700)) < 0)
		return kmend_error_set(err, r, dir, 0, "cannot create the feeds directory");
	snprintf(path, size, "%s/%.16s-%.100s", dir, kmend_digest_hex(digest),
	         base[strcspn(base, "?#")] ? "feed" : base);
	if ((r = kmend_http_open(&req, &s, &resp, err)) < 0) {
		kmend_error_hint(err, "without network, download the feed elsewhere and use "
		                      "kmend db import FILE");
		return r;
	}
	if (!s)
		return kmend_error_set(err,
		                       resp.status == 404 ? -KMEND_E_NOT_FOUND : -KMEND_E_NETWORK,
		                       url, 0, "HTTP %ld", resp.status);
	/* Private, and in place only once complete: a cut transfer leaves the old copy. */
	if ((r = kmend_atomic_begin(&af, path, 0600, err)) < 0) {
		kmend_istream_close(s);
		return r;
	}
	while ((n = kmend_istream_read(s, buf, sizeof(buf))) > 0) {
		if ((total += (unsigned long long)n) > (unsigned long long)KMEND_FEED_MAX_SIZE) {
			r = kmend_error_set(err, -KMEND_E_TOO_LARGE, url, 0,
			                    "more than kmend's limit of %lld bytes for one feed",
			                    (long long)KMEND_FEED_MAX_SIZE);
			break;
		}
		if (fwrite(buf, 1, (size_t)n, af.f) != (size_t)n) {
			r = kmend_error_set(err, -errno, af.tmp, 0, "cannot write: %s",
			                    strerror(errno));
			break;
		}
	}
	if (n < 0 && r == 0) {
		if (err)
			*err = s->err;
		r = (int)n;
	}
	kmend_istream_close(s);
	if (r < 0) {
		kmend_atomic_abort(&af);
		return r;
	}
	return kmend_atomic_commit(&af, err);
}
