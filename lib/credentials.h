/* Registry credentials from the files docker login and podman login write. */
#ifndef KMEND_CREDENTIALS_H
#define KMEND_CREDENTIALS_H

#include <stddef.h>

/*
 * The user and password for registry (e.g. "docker.io", "localhost:5000"),
 * from ${REGISTRY_AUTH_FILE}, ${XDG_RUNTIME_DIR}/containers/auth.json, then
 * $DOCKER_CONFIG/config.json (default ~/.docker/config.json): "auths"
 * entries keyed by the host, with or without a scheme, holding "auth"
 * (base64 of user:password) or "username" and "password". Returns 1 when
 * found, 0 when not; a file that cannot be parsed is passed over.
 */
int kmend_credentials_find(const char *registry, char *user, size_t user_size, char *password,
                           size_t password_size);

#endif
