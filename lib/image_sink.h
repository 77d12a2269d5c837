/*
 * Where kmend writes an image it built: a registry repository (docker://, pushed) or an OCI
 * layout directory (oci:DIR[:TAG]). Blobs go first, then the manifest, which names the image
 * once everything it refers to is in place; an image left half-written is never named.
 */
#ifndef KMEND_IMAGE_SINK_H
#define KMEND_IMAGE_SINK_H

#include <stddef.h>

#include "error.h"
#include "image.h"
#include "registry_push.h"

/* A blob to write: bytes in memory, a local file, or a blob of an image open for reading. */
struct kmend_sink_blob {
	struct kmend_descriptor desc; /* digest, size (media type unused) */
	const void *data;             /* desc.size bytes (a config), or NULL: */
	const char *path;             /* the file holding exactly the blob, or NULL: */
	struct kmend_image *from;     /* read it from this image (mounted when it is in the
	                                 same registry) */
};

/* What the writing took: how many blobs were there already, mounted, or sent. */
struct kmend_sink_stats {
	size_t present, mounted, written;
	unsigned long long bytes_written;
};

struct kmend_image_sink;

/* A destination's backend (one per transport). */
struct kmend_image_sink_ops {
	const char *transport; /* kmend_image_ref's: "docker", "oci" */
	int (*open)(const struct kmend_image_ref *ref, const char *text,
	            const struct kmend_image_options *opts, const struct kmend_push_options *push,
	            void **state, struct kmend_error *err);
	int (*put_blob)(void *state, const struct kmend_sink_blob *b, struct kmend_sink_stats *st,
	                struct kmend_error *err);
	/* Write the manifest (digest computed by the caller) and name it with the reference. */
	int (*put_manifest)(void *state, const char *media_type, const char *data, size_t len,
	                    const char *digest, struct kmend_error *err);
	void (*close)(void *state);
};

extern const struct kmend_image_sink_ops kmend_sink_registry;
extern const struct kmend_image_sink_ops kmend_sink_oci_layout;

/*
 * Open the destination reference names ("REGISTRY/REPO:TAG", "docker://...",
 * "oci:DIR[:TAG]"). Errors: -KMEND_E_BAD_INPUT for a reference that does not parse,
 * -KMEND_E_UNSUPPORTED for a transport kmend cannot write (archives), the backend's.
 */
int kmend_image_sink_open(const char *reference, const struct kmend_image_options *opts,
                          const struct kmend_push_options *push, struct kmend_image_sink **out,
                          struct kmend_error *err);

int kmend_image_sink_put_blob(struct kmend_image_sink *s, const struct kmend_sink_blob *b,
                              struct kmend_error *err);

/*
 * Write the manifest and name the image; digest receives the manifest's digest. After this
 * the image is complete at the destination.
 */
int kmend_image_sink_put_manifest(struct kmend_image_sink *s, const char *media_type,
                                  const char *data, size_t len, char digest[KMEND_DIGEST_MAX],
                                  struct kmend_error *err);

/* The canonical name of the destination, and what the writing took. */
const char *kmend_image_sink_name(const struct kmend_image_sink *s);
const struct kmend_sink_stats *kmend_image_sink_stats(const struct kmend_image_sink *s);

void kmend_image_sink_close(struct kmend_image_sink *s);

/*
 * The bytes [offset, offset + length) of a sink blob (memory, a file window, or the image's
 * blob read past offset, verified when whole): what the backends hand to their writers.
 */
int kmend_sink_blob_open(const struct kmend_sink_blob *b, uint64_t offset, uint64_t length,
                         struct kmend_istream **out, struct kmend_error *err);

#endif
