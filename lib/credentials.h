/* Registry credentials from the files docker login and podman login write. */
#ifndef KMEND_CREDENTIALS_H
#define KMEND_CREDENTIALS_H

#include <stddef.h>

#include <jansson.h>

#include "error.h"

/* A user and password (or identity token); both malloc'd, and secrets. */
struct kmend_credentials {
	char *user;
	char *password;
};

/*
 * The credentials for registry (e.g. "docker.io", "localhost:5000"), from
 * ${REGISTRY_AUTH_FILE}, ${XDG_RUNTIME_DIR}/containers/auth.json, then
 * $DOCKER_CONFIG/config.json (default ~/.docker/config.json): "auths" entries keyed by the
 * host, with or without a scheme, holding "auth" (base64 of user:password) or "username" and
 * "password". Any length up to KMEND_CREDENTIAL_MAX each (cloud registries' tokens run to
 * several KiB). Returns 1 with *out filled, 0 when no file names the registry (a file that
 * cannot be parsed, or an entry that cannot be decoded, is passed over), or a negative code
 * with err naming the file (never the secret): -KMEND_E_TOO_LARGE past the limit, -ENOMEM.
 */
int kmend_credentials_find(const char *registry, struct kmend_credentials *out,
                           struct kmend_error *err);

/* Wipe and free both strings; NULL-safe, and safe to call twice. */
void kmend_credentials_clear(struct kmend_credentials *c);

/* Overwrite every string of v (a parsed secret, its base64 included) before it is freed. */
void kmend_json_wipe(json_t *v);

/*
 * Credentials held in memory only, never written anywhere: the image pull secrets a
 * cluster's pods name (kubernetes.io/dockerconfigjson and kubernetes.io/dockercfg).
 * Entries are kept in the order they were added; the first whose key names the registry
 * wins, as the kubelet tries a pod's secrets in order. A key is a host[:port], with or
 * without a scheme, with or without a "/v1/" or "/v2/" path (docker.io's
 * "https://index.docker.io/v1/"); "*.example.com" matches one label in its place. Keys
 * scoped to a repository path ("registry.example/team") are passed over: kmend looks
 * credentials up by registry.
 */
struct kmend_credential_set;

int kmend_credential_set_new(struct kmend_credential_set **out);

/* Wipe every secret and free; NULL-safe. */
void kmend_credential_set_free(struct kmend_credential_set *set);

/* How many entries set holds (0 for NULL). */
size_t kmend_credential_set_count(const struct kmend_credential_set *set);

/*
 * Add the entries of a docker configuration, {"auths": {KEY: {"auth"} or {"username",
 * "password"}}} (.dockerconfigjson), or the older form without "auths" (.dockercfg);
 * entries that cannot be decoded are passed over. name stands for the text in errors (a
 * secret's namespace/name; never its content). Returns the number of entries added, or
 * -KMEND_E_BAD_INPUT (not JSON, not an object), -KMEND_E_TOO_LARGE (a credential past
 * KMEND_CREDENTIAL_MAX), -ENOMEM. The parsed copy is wiped; text is the caller's to wipe.
 */
int kmend_credential_set_add(struct kmend_credential_set *set, const char *text, size_t len,
                             const char *name, struct kmend_error *err);

/*
 * Add copies of every entry of src to set (after its own). 0 or -ENOMEM.
 */
int kmend_credential_set_merge(struct kmend_credential_set *set,
                               const struct kmend_credential_set *src);

/*
 * The credentials for registry: from set (may be NULL) first, else from the files
 * kmend_credentials_find reads. Returns as kmend_credentials_find.
 */
int kmend_credentials_lookup(const struct kmend_credential_set *set, const char *registry,
                             struct kmend_credentials *out, struct kmend_error *err);

#endif
