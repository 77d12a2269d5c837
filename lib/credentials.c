/* Reading auth.json / config.json "auths" entries. */
#include "credentials.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>

/* base64 "user:password" into the two parts; 0 on success. */
static int decode_auth(const char *b64, char *user, size_t us, char *pass, size_t ps)
{
	size_t n = strlen(b64);
	unsigned char *buf = malloc(n + 4);
	int len;
	char *colon;

	if (!buf || n == 0 || n % 4 != 0) {
		free(buf);
		return -1;
	}
	len = EVP_DecodeBlock(buf, (const unsigned char *)b64, (int)n);
	if (len < 0) {
		free(buf);
		return -1;
	}
	/* EVP_DecodeBlock counts the '=' padding as zero bytes. */
	while (len > 0 && n > 0 && b64[--n] == '=')
		len--;
	buf[len] = '\0';
	colon = strchr((char *)buf, ':');
	if (!colon) {
		free(buf);
		return -1;
	}
	*colon = '\0';
	snprintf(user, us, "%s", (char *)buf);
	snprintf(pass, ps, "%s", colon + 1);
	free(buf);
	return 0;
}

static int from_file(const char *path, const char *registry, char *user, size_t us, char *pass,
                     size_t ps)
{
	json_t *root = json_load_file(path, 0, NULL), *auths = json_object_get(root, "auths");
	const char *keys[5];
	char with_https[512], with_http[512];
	int found = 0;

	snprintf(with_https, sizeof(with_https), "https://%s", registry);
	snprintf(with_http, sizeof(with_http), "http://%s", registry);
	keys[0] = registry;
	keys[1] = with_https;
	keys[2] = with_http;
	keys[3] = strcmp(registry, "docker.io") == 0 ? "https://index.docker.io/v1/" : NULL;
	keys[4] = NULL;
	for (int i = 0; !found && i < 4 && keys[i]; i++) {
		json_t *e = json_object_get(auths, keys[i]);
		const char *auth = json_string_value(json_object_get(e, "auth"));
		const char *u = json_string_value(json_object_get(e, "username"));
		const char *p = json_string_value(json_object_get(e, "password"));

		if (auth && *auth && decode_auth(auth, user, us, pass, ps) == 0) {
			found = 1;
		} else if (u && p) {
			snprintf(user, us, "%s", u);
			snprintf(pass, ps, "%s", p);
			found = 1;
		}
	}
	json_decref(root);
	return found;
}

int kmend_credentials_find(const char *registry, char *user, size_t user_size, char *password,
                           size_t password_size)
{
	const char *env = getenv("REGISTRY_AUTH_FILE"), *runtime = getenv("XDG_RUNTIME_DIR");
	const char *docker = getenv("DOCKER_CONFIG"), *home = getenv("HOME");
	char path[4096];

	if (env && *env && from_file(env, registry, user, user_size, password, password_size))
		return 1;
	if (runtime && *runtime) {
		snprintf(path, sizeof(path), "%s/containers/auth.json", runtime);
		if (from_file(path, registry, user, user_size, password, password_size))
			return 1;
	}
	if (docker && *docker)
		snprintf(path, sizeof(path), "%s/config.json", docker);
	else if (home && *home)
		snprintf(path, sizeof(path), "%s/.docker/config.json", home);
	else
		return 0;
	return from_file(path, registry, user, user_size, password, password_size);
}
