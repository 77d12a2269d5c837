/* Opening a container image from any transport: its manifest, config and layers, verified. */
#ifndef KMEND_IMAGE_H
#define KMEND_IMAGE_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "imageref.h"
#include "oci_manifest.h"
#include "stream.h"

struct kmend_credential_set;

struct kmend_image_options {
	const char *platform;        /* "os/arch[/variant]", NULL for the host's */
	const char *const *insecure; /* registries reached over plain HTTP or with unchecked
	                                TLS, NULL-terminated; may be NULL */
	const char *cache_dir;       /* NULL: $XDG_CACHE_HOME/kmend or ~/.cache/kmend */
	/* Registry credentials held in memory (a cluster's pull secrets), tried before the
	   files docker and podman login write; may be NULL. lib/credentials.h */
	const struct kmend_credential_set *credentials;
	void (*progress)(void *ctx, const char *what, unsigned long long done,
	                 unsigned long long total); /* may be NULL */
	void *progress_ctx;
};

/*
 * A transport (containers-transports(5)). The core verifies everything a
 * transport returns against its digest; the transport only fetches.
 *
 * open: prepare to read the image ref names; *state is the transport's.
 * get_manifest: the manifest or index the reference names (digest NULL), or
 *   the one with that digest; *data is malloc'd, media_type filled ("" when
 *   the transport cannot tell). For digest NULL, expected is filled with the
 *   digest the bytes must have when the transport knows it (an OCI layout's
 *   index.json, a registry's Docker-Content-Digest), else "".
 * open_blob: a stream of the blob's raw bytes.
 * synthetic_manifest: the transport builds the manifest itself (a
 *   docker-archive keeps none), so it has no digest to report.
 * remote: blobs come over the network; the core keeps them in the blob cache.
 */
struct kmend_transport {
	const char *name;
	bool synthetic_manifest;
	bool remote;
	int (*open)(const struct kmend_image_ref *ref, const struct kmend_image_options *opts,
	            void **state, struct kmend_error *err);
	int (*get_manifest)(void *state, const char *digest, char **data, size_t *len,
	                    char *media_type, size_t media_type_size,
	                    char expected[KMEND_DIGEST_MAX], struct kmend_error *err);
	int (*open_blob)(void *state, const struct kmend_descriptor *d, struct kmend_istream **out,
	                 struct kmend_error *err);
	void (*close)(void *state);
};

extern const struct kmend_transport kmend_transport_oci;
extern const struct kmend_transport kmend_transport_oci_archive;
extern const struct kmend_transport kmend_transport_docker_archive;
extern const struct kmend_transport kmend_transport_docker;

/*
 * The tags of a registry repository (GET /v2/NAME/tags/list, following the Link header's next
 * pages on the same registry), with the transport's auth. reference names the repository
 * (its tag or digest is ignored). *tags is NULL-terminated, owned; tags that are not valid tag
 * names are left out. Errors: the registry's, -KMEND_E_BAD_INPUT (a list that is not the
 * spec's JSON, a next page on another host), -KMEND_E_TOO_LARGE (over KMEND_MAX_TAGS or
 * KMEND_MAX_TAG_PAGES).
 */
int kmend_registry_list_tags(const char *reference, const struct kmend_image_options *opts,
                             char ***tags, struct kmend_error *err);

struct kmend_image {
	char name[4600];                        /* the reference, canonical */
	char digest[KMEND_DIGEST_MAX];          /* what the reference resolves to (an index for a
	                                           multi-platform image); "" for docker-archive */
	char manifest_digest[KMEND_DIGEST_MAX]; /* the platform's manifest; "" for docker-archive */
	char platform[96];
	struct kmend_descriptor config; /* config.digest is the image ID */
	struct kmend_descriptor *layers;
	size_t nlayers;
	/* Each layer's diff_id (the digest of its uncompressed tar, from the config): the same
	   whatever the transport or compression, so it is what reports name layers by. */
	char (*diff_ids)[KMEND_DIGEST_MAX];
	struct kmend_image_run_config run;   /* User, Entrypoint, Cmd, Env, WorkingDir */
	struct kmend_image_build_info build; /* history, ExposedPorts, Labels */
	char *base_name;                     /* the base image annotations, NULL / "" when */
	char base_digest[KMEND_DIGEST_MAX];  /* the manifest has none */
	const struct kmend_transport *transport;
	void *state;
	struct kmend_image_options opts;
};

/*
 * Open the image named by reference: resolve an index to the platform's
 * manifest, read and verify the manifest and config. Errors name the
 * reference: -KMEND_E_BAD_INPUT (reference, manifest), -KMEND_E_DIGEST,
 * -KMEND_E_NOT_FOUND (no such image or platform), transport errors.
 */
int kmend_image_open(const char *reference, const struct kmend_image_options *opts,
                     struct kmend_image **out, struct kmend_error *err);

/*
 * Layer i as a decompressed tar stream whose reading fails at the end if the
 * compressed bytes do not match the layer's digest.
 */
int kmend_image_open_layer(struct kmend_image *img, size_t i, struct kmend_istream **out,
                           struct kmend_error *err);

/*
 * A blob of the image (a layer as stored, the config) whose reading fails at the end if the
 * bytes do not match d's digest and size; remote blobs through the blob cache.
 */
int kmend_image_open_blob(struct kmend_image *img, const struct kmend_descriptor *d,
                          struct kmend_istream **out, struct kmend_error *err);

/*
 * Read a blob through and check it against its digest and size: 0, or
 * -KMEND_E_DIGEST (or the transport's error). Used to tell a corrupt blob
 * from a blob that is intact but malformed.
 */
int kmend_image_check_blob(struct kmend_image *img, const struct kmend_descriptor *d,
                           struct kmend_error *err);

void kmend_image_close(struct kmend_image *img);

#endif
