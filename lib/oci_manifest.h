/* OCI and Docker v2 manifests, indexes and image configs (parsing and platform choice). */
#ifndef KMEND_OCI_MANIFEST_H
#define KMEND_OCI_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "digest.h"
#include "error.h"

#define KMEND_MEDIA_OCI_INDEX       "application/vnd.oci.image.index.v1+json"
#define KMEND_MEDIA_OCI_MANIFEST    "application/vnd.oci.image.manifest.v1+json"
#define KMEND_MEDIA_DOCKER_LIST     "application/vnd.docker.distribution.manifest.list.v2+json"
#define KMEND_MEDIA_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"

/* A content descriptor; platform and ref_name only for index entries. */
struct kmend_descriptor {
	char media_type[128];
	char digest[KMEND_DIGEST_MAX];
	uint64_t size;
	char platform[96];  /* "os/arch[/variant]", "" when the entry gives none */
	char ref_name[256]; /* org.opencontainers.image.ref.name, "" when absent */
};

/* A parsed manifest (config + layers) or index (entries are manifests). */
struct kmend_manifest {
	bool is_index;
	struct kmend_descriptor config; /* manifests only */
	struct kmend_descriptor *entries;
	size_t count;
	/* The image it was built on, from the annotations org.opencontainers.image.base.name
	   and .base.digest: base_name is owned (NULL when absent), base_digest "" when absent
	   or not a digest. */
	char *base_name;
	char base_digest[KMEND_DIGEST_MAX];
};

/*
 * Parse a manifest or an index. media_type (from the transport, may be NULL)
 * is checked against the document's own. where names the document in errors.
 * Every digest is checked for form. Errors: -KMEND_E_BAD_INPUT (malformed,
 * schema 1), -KMEND_E_TOO_LARGE (over KMEND_MAX_LAYERS entries).
 */
int kmend_manifest_parse(const char *data, size_t len, const char *media_type, const char *where,
                         struct kmend_manifest *out, struct kmend_error *err);

/*
 * The index entry for platform ("os/arch[/variant]"; a missing variant
 * matches any). -KMEND_E_NOT_FOUND, listing the platforms there are, when
 * none matches.
 */
int kmend_manifest_pick_platform(const struct kmend_manifest *index, const char *platform,
                                 const char *where, const struct kmend_descriptor **out,
                                 struct kmend_error *err);

void kmend_manifest_free(struct kmend_manifest *m);

/*
 * How the image runs (the config's "config" object): what kmend fix needs to
 * wrap the start command and to tell whether the container runs as root.
 * Every string is owned; an argv is NULL-terminated, and NULL itself when the
 * config does not set it (an empty array is a vector holding only NULL).
 */
struct kmend_image_run_config {
	char *user;        /* "", "root", "1000", "app:app"...; NULL when not set */
	char **entrypoint; /* Entrypoint */
	char **cmd;        /* Cmd */
	char **env;        /* Env, "NAME=value" each */
	char *working_dir; /* WorkingDir; NULL when not set */
};

void kmend_image_run_config_free(struct kmend_image_run_config *run);

/* One entry of a config's history: the instruction that made a layer, or made none. */
struct kmend_history_entry {
	char *created_by; /* owned, NULL when absent */
	char *comment;    /* owned, NULL when absent */
	bool empty_layer; /* the instruction changed only the config (CMD, ENV...) */
};

/*
 * What harden reads of a config beyond the layers: how the image was built (history) and
 * what a rebuild must keep (ExposedPorts, Labels). Everything is owned.
 */
struct kmend_image_build_info {
	struct kmend_history_entry *history; /* in order, oldest first */
	size_t nhistory;
	char **exposed_ports; /* "8080/tcp"..., NULL-terminated; NULL when none */
	char **labels;        /* key, value, key, value..., NULL-terminated; NULL when none */
};

void kmend_image_build_info_free(struct kmend_image_build_info *b);

/* What kmend reads of an image config. */
struct kmend_image_config {
	char platform[96];
	size_t ndiff_ids;
	char (*diff_ids)[KMEND_DIGEST_MAX]; /* rootfs.diff_ids, in layer order */
	struct kmend_image_run_config run;
	struct kmend_image_build_info build;
};

/*
 * Parse an image config. where names it in errors: -KMEND_E_BAD_INPUT for
 * JSON that is not an object, a diff_id that is not a digest, or a run field
 * of the wrong type (User not a string, Cmd not an array of strings, a string
 * holding a NUL byte), -KMEND_E_TOO_LARGE for more than KMEND_MAX_ARGS entries
 * in one of Entrypoint, Cmd and Env.
 */
int kmend_image_config_parse(const char *data, size_t len, const char *where,
                             struct kmend_image_config *out, struct kmend_error *err);
void kmend_image_config_free(struct kmend_image_config *c);

/* Does platform have ("os/arch[/variant]") answer want? "os/arch" matches any variant. */
bool kmend_platform_matches(const char *have, const char *want);

/* The platform kmend runs on, as "linux/amd64", "linux/arm64/v8"... */
const char *kmend_host_platform(void);

#endif
