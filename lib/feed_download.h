/* Fetching a published feed over HTTP(S) into the cache. */
#ifndef KMEND_FEED_DOWNLOAD_H
#define KMEND_FEED_DOWNLOAD_H

#include <stddef.h>

#include "error.h"

/*
 * Download url into dir (created if needed) under a name stable for that URL
 * that keeps the URL's file name (so that "all.zip" stays a zip); the path is
 * written to path. The file appears only once complete. Errors name the URL:
 * -KMEND_E_NETWORK (no network, TLS, HTTP errors), -KMEND_E_NOT_FOUND (404).
 */
int kmend_feed_download(const char *url, const char *dir, char *path, size_t size,
                        struct kmend_error *err);

#endif
