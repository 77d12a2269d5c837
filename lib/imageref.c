/* Parsing and printing image references. */
#include "imageref.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static int ref_error(struct kmend_error *err, const char *text, const char *why)
{
	kmend_error_set(err, -KMEND_E_BAD_INPUT, text, 0, "not a valid image reference: %s", why);
	kmend_error_hint(err, "use NAME[:TAG][@DIGEST], docker://..., oci:DIR[:TAG], "
	                      "oci-archive:FILE[:TAG] or docker-archive:FILE");
	return -KMEND_E_BAD_INPUT;
}

/* "PATH[:NAME]": the name follows the last ':' when it holds no '/'. */
static void split_path_name(const char *rest, struct kmend_image_ref *ref)
{
	const char *colon = strrchr(rest, ':');

	if (colon && !strchr(colon, '/')) {
		snprintf(ref->path, sizeof(ref->path), "%.*s", (int)(colon - rest), rest);
		snprintf(ref->ref_name, sizeof(ref->ref_name), "%s", colon + 1);
	} else {
		snprintf(ref->path, sizeof(ref->path), "%s", rest);
	}
}

static int valid_repo_char(char c)
{
	return islower((unsigned char)c) || isdigit((unsigned char)c) || c == '.' || c == '_' ||
	       c == '-' || c == '/';
}

static int parse_docker(const char *text, const char *s, struct kmend_image_ref *ref,
                        struct kmend_error *err)
{
	char name[1024];
	const char *at = strchr(s, '@'), *slash, *colon;
	size_t n = at ? (size_t)(at - s) : strlen(s);

	if (at) {
		if (!kmend_digest_valid(at + 1))
			return ref_error(err, text, "the digest after '@' is not sha256:<64 hex>");
		snprintf(ref->digest, sizeof(ref->digest), "%s", at + 1);
	}
	if (n == 0 || n >= sizeof(ref->repository) - 8)
		return ref_error(err, text, "the name is empty or too long");
	memcpy(name, s, n);
	name[n] = '\0';
	/* A tag is after the last ':' that follows the last '/'. */
	slash = strrchr(name, '/');
	colon = strrchr(slash ? slash : name, ':');
	if (colon) {
		if (!colon[1] || strlen(colon + 1) >= sizeof(ref->tag))
			return ref_error(err, text, "the tag is empty or too long");
		snprintf(ref->tag, sizeof(ref->tag), "%s", colon + 1);
		name[colon - name] = '\0';
	}
	/* The first part is a registry when it looks like a host. */
	slash = strchr(name, '/');
	if (slash &&
	    (memchr(name, '.', (size_t)(slash - name)) ||
	     memchr(name, ':', (size_t)(slash - name)) || strncmp(name, "localhost/", 10) == 0)) {
		snprintf(ref->registry, sizeof(ref->registry), "%.*s", (int)(slash - name), name);
		snprintf(ref->repository, sizeof(ref->repository), "%s", slash + 1);
	} else {
		snprintf(ref->registry, sizeof(ref->registry), "docker.io");
		snprintf(ref->repository, sizeof(ref->repository), "%s%s", slash ? "" : "library/",
		         name);
	}
	if (!strcmp(ref->registry, "index.docker.io") ||
	    !strcmp(ref->registry, "registry-1.docker.io"))
		snprintf(ref->registry, sizeof(ref->registry), "docker.io");
	for (const char *p = ref->repository; *p; p++)
		if (!valid_repo_char(*p))
			return ref_error(err, text,
			                 "repository names hold lowercase letters, "
			                 "digits and . _ - /");
	if (!ref->repository[0] || ref->repository[0] == '/' ||
	    ref->repository[strlen(ref->repository) - 1] == '/' || strstr(ref->repository, "//"))
		return ref_error(err, text, "the repository name has an empty part");
	if (!ref->tag[0] && !ref->digest[0])
		snprintf(ref->tag, sizeof(ref->tag), "latest");
	return 0;
}

int kmend_image_ref_parse(const char *text, struct kmend_image_ref *ref, struct kmend_error *err)
{
	static const char *const transports[] = {
	    "oci-archive:", "docker-archive:", "oci:", "docker://"};

	memset(ref, 0, sizeof(*ref));
	if (!text[0])
		return ref_error(err, text, "it is empty");
	if (strlen(text) >= sizeof(ref->path))
		return ref_error(err, text, "it is too long");
	for (size_t i = 0; i < sizeof(transports) / sizeof(transports[0]); i++) {
		size_t n = strlen(transports[i]);
		if (strncmp(text, transports[i], n) != 0)
			continue;
		snprintf(ref->transport, sizeof(ref->transport), "%.*s",
		         (int)strcspn(transports[i], ":"), transports[i]);
		if (!text[n])
			return ref_error(err, text, "nothing follows the transport");
		if (!strcmp(ref->transport, "docker"))
			return parse_docker(text, text + n, ref, err);
		if (!strcmp(ref->transport, "docker-archive"))
			snprintf(ref->path, sizeof(ref->path), "%s", text + n);
		else
			split_path_name(text + n, ref);
		return 0;
	}
	snprintf(ref->transport, sizeof(ref->transport), "docker");
	return parse_docker(text, text, ref, err);
}

int kmend_image_ref_require_registry(const char *text, const char *where, struct kmend_error *err)
{
	struct kmend_image_ref ref;
	int r = kmend_image_ref_parse(text, &ref, err);

	if (r < 0 || strcmp(ref.transport, "docker") == 0)
		return r;
	kmend_error_set(err, -KMEND_E_BAD_INPUT, where, 0,
	                "image '%.300s' names a local path (%s:), and an image in a manifest may "
	                "only name a registry",
	                text, ref.transport);
	kmend_error_hint(err, "pass --allow-local-images if you trust the manifest to read files "
	                      "on this machine");
	return -KMEND_E_BAD_INPUT;
}

void kmend_image_ref_format(const struct kmend_image_ref *ref, char *out, size_t size)
{
	if (strcmp(ref->transport, "docker") != 0)
		snprintf(out, size, "%s:%s%s%s", ref->transport, ref->path,
		         ref->ref_name[0] ? ":" : "", ref->ref_name);
	else
		snprintf(out, size, "%s/%s%s%s%s%s", ref->registry, ref->repository,
		         ref->tag[0] ? ":" : "", ref->tag, ref->digest[0] ? "@" : "", ref->digest);
}
