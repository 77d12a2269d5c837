/* Registry credentials from the files docker login and podman login write. */
#ifndef KMEND_CREDENTIALS_H
#define KMEND_CREDENTIALS_H

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

#endif
