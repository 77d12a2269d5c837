/* Reading auth.json / config.json "auths" entries. */
#include "credentials.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "kmend_limits.h"

static void wipe_free(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

void kmend_credentials_clear(struct kmend_credentials *c)
{
	if (!c)
		return;
	wipe_free(c->user);
	wipe_free(c->password);
	c->user = c->password = NULL;
}

static int too_large(const char *path, struct kmend_error *err)
{
	kmend_error_set(err, -KMEND_E_TOO_LARGE, path, 0,
	                "a credential longer than kmend's limit of %d bytes", KMEND_CREDENTIAL_MAX);
	return -KMEND_E_TOO_LARGE;
}

/* Both parts copied into out: 1, or a negative code. */
static int keep(const char *path, const char *user, size_t ulen, const char *pass, size_t plen,
                struct kmend_credentials *out, struct kmend_error *err)
{
	if (ulen > KMEND_CREDENTIAL_MAX || plen > KMEND_CREDENTIAL_MAX)
		return too_large(path, err);
	out->user = strndup(user, ulen);
	out->password = strndup(pass, plen);
	if (!out->user || !out->password) {
		kmend_credentials_clear(out);
		return -ENOMEM;
	}
	return 1;
}

/* base64 "user:password" into out: 1, 0 when it is not that, or a negative code. */
static int decode_auth(const char *path, const char *b64, struct kmend_credentials *out,
                       struct kmend_error *err)
{
	size_t n = strlen(b64);
	unsigned char *buf;
	char *colon;
	int len, r;

	if (n == 0 || n % 4 != 0)
		return 0;
	if (n / 4 * 3 > 2 * (size_t)KMEND_CREDENTIAL_MAX + 1)
		return too_large(path, err);
	if (!(buf = malloc(n / 4 * 3 + 1)))
		return -ENOMEM;
	len = EVP_DecodeBlock(buf, (const unsigned char *)b64, (int)n);
	if (len < 0) {
		free(buf);
		return 0;
	}
	/* EVP_DecodeBlock counts the '=' padding as zero bytes. */
	while (len > 0 && n > 0 && b64[--n] == '=')
		len--;
	buf[len] = '\0';
	if (!(colon = memchr(buf, ':', (size_t)len))) {
		explicit_bzero(buf, (size_t)len);
		free(buf);
		return 0;
	}
	r = keep(path, (char *)buf, (size_t)(colon - (char *)buf), colon + 1,
	         (size_t)len - (size_t)(colon + 1 - (char *)buf), out, err);
	explicit_bzero(buf, (size_t)len);
	free(buf);
	return r;
}

static int from_file(const char *path, const char *registry, struct kmend_credentials *out,
                     struct kmend_error *err)
{
	json_t *root = json_load_file(path, 0, NULL), *auths = json_object_get(root, "auths");
	const char *keys[4];
	char with_https[512], with_http[512];
	int found = 0;

	snprintf(with_https, sizeof(with_https), "https://%s", registry);
	snprintf(with_http, sizeof(with_http), "http://%s", registry);
	keys[0] = registry;
	keys[1] = with_https;
	keys[2] = with_http;
	keys[3] = strcmp(registry, "docker.io") == 0 ? "https://index.docker.io/v1/" : NULL;
	for (int i = 0; found == 0 && i < 4 && keys[i]; i++) {
		json_t *e = json_object_get(auths, keys[i]);
		const char *auth = json_string_value(json_object_get(e, "auth"));
		json_t *u = json_object_get(e, "username"), *p = json_object_get(e, "password");

		if (auth && *auth)
			found = decode_auth(path, auth, out, err);
		if (found == 0 && json_is_string(u) && json_is_string(p))
			found = keep(path, json_string_value(u), json_string_length(u),
			             json_string_value(p), json_string_length(p), out, err);
	}
	json_decref(root);
	return found;
}

int kmend_credentials_find(const char *registry, struct kmend_credentials *out,
                           struct kmend_error *err)
{
	const char *env = getenv("REGISTRY_AUTH_FILE"), *runtime = getenv("XDG_RUNTIME_DIR");
	const char *docker = getenv("DOCKER_CONFIG"), *home = getenv("HOME");
	char path[4096];
	int r;

	out->user = out->password = NULL;
	if (env && *env && (r = from_file(env, registry, out, err)) != 0)
		return r;
	if (runtime && *runtime) {
		snprintf(path, sizeof(path), "%s/containers/auth.json", runtime);
		if ((r = from_file(path, registry, out, err)) != 0)
			return r;
	}
	if (docker && *docker)
		snprintf(path, sizeof(path), "%s/config.json", docker);
	else if (home && *home)
		snprintf(path, sizeof(path), "%s/.docker/config.json", home);
	else
		return 0;
	return from_file(path, registry, out, err);
}
