/* Downloading published feeds (kmend db update): each URL to a file in the cache, then import. */
#include "feed_download.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "digest.h"
#include "http.h"
#include "kmend_limits.h"
#include "fsutil.h"

int kmend_feed_download(const char *url, const char *dir, char *path, size_t size,
                        struct kmend_error *err)
{
	const char *base = strrchr(url, '/');
	struct kmend_http_request req = {.url = url, .what = url};
	struct kmend_http_response resp;
	struct kmend_istream *s;
	char digest[KMEND_DIGEST_MAX], tmp[4200], buf[1 << 16];
	ssize_t n;
	int fd, r;

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
	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid());
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
		kmend_istream_close(s);
		return kmend_error_set(err, -errno, tmp, 0, "cannot write: %s", strerror(errno));
	}
	r = 0;
	while ((n = kmend_istream_read(s, buf, sizeof(buf))) > 0)
		if (write(fd, buf, (size_t)n) != n) {
			r = kmend_error_set(err, -errno, tmp, 0, "cannot write: %s",
			                    strerror(errno));
			break;
		}
	if (n < 0) {
		if (err)
			*err = s->err;
		r = (int)n;
	}
	kmend_istream_close(s);
	if (close(fd) != 0 && r == 0)
		r = kmend_error_set(err, -errno, tmp, 0, "cannot write: %s", strerror(errno));
	if (r == 0 && rename(tmp, path) != 0)
		r = kmend_error_set(err, -errno, path, 0, "cannot write: %s", strerror(errno));
	if (r < 0)
		unlink(tmp);
	return r;
}
