/* Reading auth.json / config.json "auths" entries. */
#include "credentials.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "array.h"
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

/* One auths entry: "auth" (base64 user:password), else "username" and "password". */
static int entry_credentials(const char *name, const json_t *e, struct kmend_credentials *out,
                             struct kmend_error *err)
{
	const char *auth = json_string_value(json_object_get(e, "auth"));
	json_t *u = json_object_get(e, "username"), *p = json_object_get(e, "password");
	int found = 0;

	if (auth && *auth)
		found = decode_auth(name, auth, out, err);
	if (found == 0 && json_is_string(u) && json_is_string(p))
		found = keep(name, json_string_value(u), json_string_length(u),
		             json_string_value(p), json_string_length(p), out, err);
	return found;
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
	for (int i = 0; found == 0 && i < 4 && keys[i]; i++)
		found = entry_credentials(path, json_object_get(auths, keys[i]), out, err);
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

struct credential_entry {
	char *key;
	struct kmend_credentials c;
};

struct kmend_credential_set {
	struct credential_entry *items;
	size_t count, capacity;
};

int kmend_credential_set_new(struct kmend_credential_set **out)
{
	return (*out = calloc(1, sizeof(**out))) ? 0 : -ENOMEM;
}

void kmend_credential_set_free(struct kmend_credential_set *set)
{
	if (!set)
		return;
	for (size_t i = 0; i < set->count; i++) {
		free(set->items[i].key);
		kmend_credentials_clear(&set->items[i].c);
	}
	free(set->items);
	free(set);
}

size_t kmend_credential_set_count(const struct kmend_credential_set *set)
{
	return set ? set->count : 0;
}

static int push(struct kmend_credential_set *set, const char *key, struct kmend_credentials *c)
{
	char *k = strdup(key);

	if (!k ||
	    kmend_array_grow(&set->items, &set->capacity, set->count, sizeof(*set->items)) < 0) {
		free(k);
		kmend_credentials_clear(c);
		return -ENOMEM;
	}
	set->items[set->count].key = k;
	set->items[set->count++].c = *c;
	return 0;
}

/* Overwrite every string of a parsed configuration before it is freed. */
static void wipe_json(json_t *v, int depth)
{
	const char *k;
	json_t *child;
	size_t i;

	if (depth > 16)
		return;
	if (json_is_string(v))
		explicit_bzero((char *)json_string_value(v), json_string_length(v));
	json_object_foreach (v, k, child) {
		wipe_json(child, depth + 1);
	}
	json_array_foreach (v, i, child) {
		wipe_json(child, depth + 1);
	}
}

void kmend_json_wipe(json_t *v)
{
	wipe_json(v, 0);
}

int kmend_credential_set_add(struct kmend_credential_set *set, const char *text, size_t len,
                             const char *name, struct kmend_error *err)
{
	json_t *root = json_loadb(text, len, 0, NULL), *auths, *e;
	const char *key;
	int added = 0, r = 0;

	if (!json_is_object(root)) {
		wipe_json(root, 0);
		json_decref(root);
		/* jansson's message may quote the text: only say where. */
		return kmend_error_set(err, -KMEND_E_BAD_INPUT, name, 0,
		                       "not a docker configuration (JSON with \"auths\")");
	}
	auths =
	    json_is_object(json_object_get(root, "auths")) ? json_object_get(root, "auths") : root;
	json_object_foreach (auths, key, e) {
		struct kmend_credentials c = {0};

		if ((r = entry_credentials(name, e, &c, err)) < 0)
			break;
		if (r == 0)
			continue;
		if ((r = push(set, key, &c)) < 0)
			break;
		added++;
	}
	wipe_json(root, 0);
	json_decref(root);
	return r < 0 ? r : added;
}

int kmend_credential_set_merge(struct kmend_credential_set *set,
                               const struct kmend_credential_set *src)
{
	for (size_t i = 0; src && i < src->count; i++) {
		struct kmend_credentials c = {strdup(src->items[i].c.user),
		                              strdup(src->items[i].c.password)};

		if (!c.user || !c.password) {
			kmend_credentials_clear(&c);
			return -ENOMEM;
		}
		if (push(set, src->items[i].key, &c) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* The host[:port] a key names, into out; false for a key scoped to a repository path. */
static bool key_host(const char *key, char *out, size_t size)
{
	const char *slash;
	size_t n;

	if (!strncmp(key, "https://", 8))
		key += 8;
	else if (!strncmp(key, "http://", 7))
		key += 7;
	slash = strchr(key, '/');
	if (slash && strcmp(slash, "/") && strcmp(slash, "/v1/") && strcmp(slash, "/v2/") &&
	    strcmp(slash, "/v1") && strcmp(slash, "/v2"))
		return false;
	n = slash ? (size_t)(slash - key) : strlen(key);
	if (n == 0 || n >= size)
		return false;
	memcpy(out, key, n);
	out[n] = '\0';
	return true;
}

static bool is_docker_hub(const char *host)
{
	return !strcmp(host, "docker.io") || !strcmp(host, "index.docker.io") ||
	       !strcmp(host, "registry-1.docker.io");
}

/* Does key's host name registry? "*." matches exactly one label. */
static bool key_matches(const char *key, const char *registry)
{
	char host[512];
	const char *dot;

	if (!key_host(key, host, sizeof(host)))
		return false;
	if (!strcasecmp(host, registry) || (is_docker_hub(host) && is_docker_hub(registry)))
		return true;
	if (strncmp(host, "*.", 2) || !(dot = strchr(registry, '.')) || dot == registry)
		return false;
	return !strcasecmp(host + 1, dot);
}

int kmend_credentials_lookup(const struct kmend_credential_set *set, const char *registry,
                             struct kmend_credentials *out, struct kmend_error *err)
{
	for (size_t i = 0; set && i < set->count; i++) {
		const struct kmend_credentials *c = &set->items[i].c;

		if (!key_matches(set->items[i].key, registry))
			continue;
		out->user = strdup(c->user);
		out->password = strdup(c->password);
		if (!out->user || !out->password) {
			kmend_credentials_clear(out);
			return -ENOMEM;
		}
		return 1;
	}
	return kmend_credentials_find(registry, out, err);
}
