/*
 * Pushing to a registry (the OCI distribution spec's push side): blobs, skipped when the
 * registry has them, mounted from another repository of the same registry, or uploaded
 * whole (POST, then PUT ?digest=) or in chunks (PATCH with Content-Range, then PUT); and
 * manifests. Every answer is checked as pulls are: the digest the registry says it stored
 * must be the one kmend sent.
 */
#ifndef KMEND_REGISTRY_PUSH_H
#define KMEND_REGISTRY_PUSH_H

#include <stdint.h>

#include "oci_manifest.h"
#include "registry_client.h"

/* A blob to push: what it is, and how to read it. */
struct kmend_push_blob {
	const struct kmend_descriptor *desc; /* digest and size (media type unused) */
	/*
	 * The blob's bytes [offset, offset + length): called again for each attempt and chunk.
	 * For the whole blob (offset 0, length desc->size) kmend checks what it reads against
	 * the digest; a chunk's bytes are checked by the registry when the upload closes.
	 */
	int (*open)(void *ctx, uint64_t offset, uint64_t length, struct kmend_istream **out,
	            struct kmend_error *err);
	void *ctx;
	const char *mount_from; /* a repository of the same registry that holds the blob (the
	                           image's own), tried first; NULL: upload */
};

struct kmend_push_options {
	uint64_t chunk_size; /* blobs larger than this go up in PATCH chunks of this size; 0:
	                        KMEND_PUSH_CHUNK_SIZE */
};

enum kmend_push_outcome {
	KMEND_PUSH_PRESENT,  /* the registry had it (HEAD) */
	KMEND_PUSH_MOUNTED,  /* mounted from mount_from */
	KMEND_PUSH_UPLOADED, /* uploaded whole */
	KMEND_PUSH_CHUNKED,  /* uploaded in chunks */
};

/*
 * Push one blob into r's repository. An upload that fails (the connection cut, the registry
 * refusing the digest of what arrived) is started again from the beginning, up to
 * KMEND_HTTP_RETRIES times. Errors name the blob: -KMEND_E_DIGEST (the source does not match
 * its digest; the registry stored other bytes, or another size, than kmend sent),
 * -KMEND_E_NETWORK with the registry's own error code and message, -KMEND_E_AUTH, the
 * source's errors.
 */
int kmend_registry_push_blob(struct kmend_registry *r, const struct kmend_push_blob *b,
                             const struct kmend_push_options *o, enum kmend_push_outcome *how,
                             struct kmend_error *err);

/*
 * PUT a manifest (or index) under reference (a tag, or its own digest) with its media
 * type. digest receives the manifest's digest, checked against the registry's
 * Docker-Content-Digest. Errors as kmend_registry_push_blob (MANIFEST_BLOB_UNKNOWN when a
 * blob it names is missing).
 */
int kmend_registry_push_manifest(struct kmend_registry *r, const char *reference,
                                 const char *media_type, const char *data, size_t len,
                                 char digest[KMEND_DIGEST_MAX], struct kmend_error *err);

#endif
