/* Content digests ("sha256:<hex>"): checking their form and computing them. */
#ifndef KMEND_DIGEST_H
#define KMEND_DIGEST_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

/* "sha256:" + 64 lowercase hex digits + NUL. */
#define KMEND_DIGEST_MAX 72

/* True when d is "sha256:" followed by exactly 64 lowercase hex digits. */
bool kmend_digest_valid(const char *d);

/* Like kmend_digest_valid, with an error naming the digest and where it came from. */
int kmend_digest_check(const char *d, const char *where, struct kmend_error *err);

/* The SHA-256 digest of data, as "sha256:<hex>", into out[KMEND_DIGEST_MAX]. */
void kmend_digest_of(const void *data, size_t len, char out[KMEND_DIGEST_MAX]);

/* The 64 hex digits of a valid digest (what follows "sha256:"). */
static inline const char *kmend_digest_hex(const char *d)
{
	return d + 7;
}

#endif
