/* Manifest, index and config parsing with jansson; platform matching. */
#include "oci_manifest.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include <jansson.h>

#include "cleanup.h"
#include "kmend_limits.h"
#include "strv.h"

static int bad(struct kmend_error *err, const char *where, const char *what)
{
	return kmend_error_set(err, -KMEND_E_BAD_INPUT, where, 0, "%s", what);
}

static const char *str_or(json_t *o, const char *key, const char *fallback)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : fallback;
}

static void platform_string(json_t *p, char *out, size_t size)
{
	const char *os = str_or(p, "os", ""), *arch = str_or(p, "architecture", "");
	const char *variant = str_or(p, "variant", "");

	out[0] = '\0';
	if (*os || *arch)
		snprintf(out, size, "%s/%s%s%s", os, arch, *variant ? "/" : "", variant);
}

static int parse_descriptor(json_t *o, const char *where, struct kmend_descriptor *d,
                            struct kmend_error *err)
{
	json_t *size = json_object_get(o, "size");
	const char *digest = str_or(o, "digest", NULL);
	json_t *ann = json_object_get(o, "annotations");
	int r;

	memset(d, 0, sizeof(*d));
	if (!json_is_object(o) || !digest)
		return bad(err, where, "a descriptor without a digest");
	if ((r = kmend_digest_check(digest, where, err)) < 0)
		return r;
	if (!json_is_integer(size) || json_integer_value(size) < 0)
		return bad(err, where, "a descriptor without a valid size");
	snprintf(d->digest, sizeof(d->digest), "%s", digest);
	snprintf(d->media_type, sizeof(d->media_type), "%s", str_or(o, "mediaType", ""));
	d->size = (uint64_t)json_integer_value(size);
	platform_string(json_object_get(o, "platform"), d->platform, sizeof(d->platform));
	snprintf(d->ref_name, sizeof(d->ref_name), "%s",
	         str_or(ann, "org.opencontainers.image.ref.name", ""));
	return 0;
}

/*
 * The base image annotations. They are advice, not structure: a base.digest that is not a
 * digest is left out rather than making the image unreadable.
 */
static int parse_base_annotations(json_t *ann, struct kmend_manifest *out)
{
	const char *name = str_or(ann, "org.opencontainers.image.base.name", NULL);
	const char *digest = str_or(ann, "org.opencontainers.image.base.digest", NULL);

	if (digest && kmend_digest_valid(digest))
		snprintf(out->base_digest, sizeof(out->base_digest), "%s", digest);
	if (name && !(out->base_name = strdup(name)))
		return -ENOMEM;
	return 0;
}

int kmend_manifest_parse(const char *data, size_t len, const char *media_type, const char *where,
                         struct kmend_manifest *out, struct kmend_error *err)
{
	json_error_t jerr;
	json_t *root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr), *list;
	const char *own;
	int r = 0;

	memset(out, 0, sizeof(*out));
	if (!root) {
		kmend_error_set(err, -KMEND_E_BAD_INPUT, where, jerr.column, "not valid JSON: %s",
		                jerr.text);
		kmend_error_at_line(err, jerr.line);
		return -KMEND_E_BAD_INPUT;
	}
	if (!json_is_object(root)) {
		r = bad(err, where, "a manifest must be a JSON object");
		goto done;
	}
	if (json_integer_value(json_object_get(root, "schemaVersion")) == 1) {
		r = kmend_error_set(
		    err, -KMEND_E_UNSUPPORTED, where, 0,
		    "Docker image manifest schema 1 is deprecated and not supported");
		kmend_error_hint(err, "push the image again with a current tool (schema 2 or OCI)");
		goto done;
	}
	own = str_or(root, "mediaType", media_type ? media_type : "");
	list = json_object_get(root, "manifests");
	out->is_index = json_is_array(list) || !strcmp(own, KMEND_MEDIA_OCI_INDEX) ||
	                !strcmp(own, KMEND_MEDIA_DOCKER_LIST);
	if (!out->is_index) {
		if ((r = parse_base_annotations(json_object_get(root, "annotations"), out)) < 0)
			goto done;
		list = json_object_get(root, "layers");
		if ((r = parse_descriptor(json_object_get(root, "config"), where, &out->config,
		                          err)) < 0)
			goto done;
	}
	if (!json_is_array(list)) {
		r = bad(err, where,
		        out->is_index ? "an index without a manifests list"
		                      : "a manifest without a layers list");
		goto done;
	}
	if (json_array_size(list) > KMEND_MAX_LAYERS) {
		r = kmend_error_set(err, -KMEND_E_TOO_LARGE, where, 0,
		                    "%zu entries, over kmend's limit of %d", json_array_size(list),
		                    KMEND_MAX_LAYERS);
		goto done;
	}
	out->entries = calloc(json_array_size(list) + 1, sizeof(*out->entries));
	if (!out->entries) {
		r = -ENOMEM;
		goto done;
	}
	for (size_t i = 0; i < json_array_size(list); i++) {
		if ((r = parse_descriptor(json_array_get(list, i), where, &out->entries[i], err)) <
		    0)
			goto done;
		out->count++;
	}
done:
	json_decref(root);
	if (r < 0)
		kmend_manifest_free(out);
	return r;
}

bool kmend_platform_matches(const char *have, const char *want)
{
	size_t n = strlen(want);

	if (strcmp(have, want) == 0)
		return true;
	return strchr(strchr(want, '/') ? strchr(want, '/') + 1 : want, '/') == NULL &&
	       strncmp(have, want, n) == 0 && have[n] == '/';
}

int kmend_manifest_pick_platform(const struct kmend_manifest *index, const char *platform,
                                 const char *where, const struct kmend_descriptor **out,
                                 struct kmend_error *err)
{
	char have[1024] = "";
	size_t n = 0;

	for (size_t i = 0; i < index->count; i++)
		if (kmend_platform_matches(index->entries[i].platform, platform)) {
			*out = &index->entries[i];
			return 0;
		}
	for (size_t i = 0; i < index->count && n < sizeof(have) - 100; i++)
		n += (size_t)snprintf(have + n, sizeof(have) - n, "%s%s", i ? ", " : "",
		                      index->entries[i].platform[0] ? index->entries[i].platform
		                                                    : "(none)");
	kmend_error_set(err, -KMEND_E_NOT_FOUND, where, 0,
	                "no image for platform %s (the index has: %s)", platform,
	                index->count ? have : "nothing");
	kmend_error_hint(err, "choose one with --platform");
	return -KMEND_E_NOT_FOUND;
}

void kmend_manifest_free(struct kmend_manifest *m)
{
	if (!m)
		return;
	free(m->entries);
	free(m->base_name);
	memset(m, 0, sizeof(*m));
}

/* A JSON string as a new C string; a NUL inside cannot reach an exec: refused. */
static int config_string(json_t *v, const char *where, const char *field, char **out,
                         struct kmend_error *err)
{
	if (!json_is_string(v))
		return kmend_error_set(err, -KMEND_E_BAD_INPUT, where, 0,
		                       "image config: %s is not a string", field);
	if (strlen(json_string_value(v)) != json_string_length(v))
		return kmend_error_set(err, -KMEND_E_BAD_INPUT, where, 0,
		                       "image config: %s holds a NUL byte", field);
	return (*out = strdup(json_string_value(v))) ? 0 : -ENOMEM;
}

/* An array of strings (absent or null: *out stays NULL). */
static int config_strv(json_t *o, const char *field, const char *where, char ***out,
                       struct kmend_error *err)
{
	json_t *v = json_object_get(o, field);
	size_t n;
	int r;

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_array(v))
		return kmend_error_set(err, -KMEND_E_BAD_INPUT, where, 0,
		                       "image config: %s is not an array of strings", field);
	if ((n = json_array_size(v)) > KMEND_MAX_ARGS)
		return kmend_error_set(err, -KMEND_E_TOO_LARGE, where, 0,
		                       "image config: %s has %zu entries, over kmend's limit of %d",
		                       field, n, KMEND_MAX_ARGS);
	if (!(*out = calloc(n + 1, sizeof(**out))))
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if ((r = config_string(json_array_get(v, i), where, field, &(*out)[i], err)) < 0)
			return r;
	return 0;
}

static int parse_run_config(json_t *c, const char *where, struct kmend_image_run_config *run,
                            struct kmend_error *err)
{
	json_t *v;
	int r;

	if (!c || json_is_null(c))
		return 0;
	if (!json_is_object(c))
		return bad(err, where, "image config: \"config\" is not an object");
	if ((v = json_object_get(c, "User")) && !json_is_null(v) &&
	    (r = config_string(v, where, "User", &run->user, err)) < 0)
		return r;
	if ((v = json_object_get(c, "WorkingDir")) && !json_is_null(v) &&
	    (r = config_string(v, where, "WorkingDir", &run->working_dir, err)) < 0)
		return r;
	if ((r = config_strv(c, "Entrypoint", where, &run->entrypoint, err)) < 0 ||
	    (r = config_strv(c, "Cmd", where, &run->cmd, err)) < 0 ||
	    (r = config_strv(c, "Env", where, &run->env, err)) < 0)
		return r;
	return 0;
}

static char *dup_string(json_t *v, int *failed)
{
	return kmend_strdup_or_null(json_is_string(v) ? json_string_value(v) : NULL, failed);
}

static int too_many(struct kmend_error *err, const char *where, const char *what, size_t n)
{
	return kmend_error_set(err, -KMEND_E_TOO_LARGE, where, 0,
	                       "%zu %s in the image config, over kmend's limit of %d", n, what,
	                       what[0] == 'h' ? KMEND_MAX_HISTORY : KMEND_MAX_LABELS);
}

/* history[], config.ExposedPorts and config.Labels; entries of the wrong type are skipped. */
static int parse_build_info(json_t *root, const char *where, struct kmend_image_build_info *b,
                            struct kmend_error *err)
{
	json_t *history = json_object_get(root, "history"), *cfg = json_object_get(root, "config");
	json_t *ports = json_object_get(cfg, "ExposedPorts"),
	       *labels = json_object_get(cfg, "Labels");
	const char *key;
	json_t *v;
	size_t n = 0;
	int failed = 0;

	if (json_is_array(history)) {
		if (json_array_size(history) > KMEND_MAX_HISTORY)
			return too_many(err, where, "history entries", json_array_size(history));
		if (!(b->history = calloc(json_array_size(history) + 1, sizeof(*b->history))))
			return -ENOMEM;
		for (size_t i = 0; i < json_array_size(history); i++) {
			json_t *h = json_array_get(history, i);
			struct kmend_history_entry *e = &b->history[b->nhistory];
			if (!json_is_object(h))
				continue;
			e->created_by = dup_string(json_object_get(h, "created_by"), &failed);
			e->comment = dup_string(json_object_get(h, "comment"), &failed);
			e->empty_layer = json_is_true(json_object_get(h, "empty_layer"));
			b->nhistory++;
		}
	}
	if (json_is_object(ports) && json_object_size(ports)) {
		if (json_object_size(ports) > KMEND_MAX_LABELS)
			return too_many(err, where, "exposed ports", json_object_size(ports));
		if (!(b->exposed_ports = calloc(json_object_size(ports) + 1, sizeof(char *))))
			return -ENOMEM;
		json_object_foreach (ports, key, v) {
			b->exposed_ports[n++] = kmend_strdup_or_null(key, &failed);
		}
	}
	n = 0;
	if (json_is_object(labels) && json_object_size(labels)) {
		if (json_object_size(labels) > KMEND_MAX_LABELS)
			return too_many(err, where, "labels", json_object_size(labels));
		if (!(b->labels = calloc(2 * json_object_size(labels) + 1, sizeof(char *))))
			return -ENOMEM;
		json_object_foreach (labels, key, v) {
			if (!json_is_string(v))
				continue;
			b->labels[n++] = kmend_strdup_or_null(key, &failed);
			b->labels[n++] = dup_string(v, &failed);
		}
	}
	return failed ? -ENOMEM : 0;
}

void kmend_image_build_info_free(struct kmend_image_build_info *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->nhistory; i++) {
		free(b->history[i].created_by);
		free(b->history[i].comment);
	}
	free(b->history);
	kmend_strv_free(b->exposed_ports);
	kmend_strv_free(b->labels);
	memset(b, 0, sizeof(*b));
}

int kmend_image_config_parse(const char *data, size_t len, const char *where,
                             struct kmend_image_config *out, struct kmend_error *err)
{
	json_error_t jerr;
	json_t *root = json_loadb(data, len, 0, &jerr), *ids;
	int r = 0;

	memset(out, 0, sizeof(*out));
	if (!json_is_object(root)) {
		json_decref(root);
		return kmend_error_set(err, -KMEND_E_BAD_INPUT, where, 0,
		                       "image config is not a JSON object%s%s", root ? "" : ": ",
		                       root ? "" : jerr.text);
	}
	platform_string(root, out->platform, sizeof(out->platform));
	ids = json_object_get(json_object_get(root, "rootfs"), "diff_ids");
	if (json_is_array(ids) && json_array_size(ids) <= KMEND_MAX_LAYERS) {
		out->diff_ids = calloc(json_array_size(ids) + 1, sizeof(*out->diff_ids));
		if (!out->diff_ids) {
			r = -ENOMEM;
			goto done;
		}
		for (size_t i = 0; i < json_array_size(ids); i++) {
			const char *d = json_string_value(json_array_get(ids, i));
			if (!d || (r = kmend_digest_check(d, where, err)) < 0) {
				r = r ? r : bad(err, where, "a diff_id that is not a string");
				goto done;
			}
			snprintf(out->diff_ids[i], KMEND_DIGEST_MAX, "%s", d);
			out->ndiff_ids++;
		}
	}
	r = parse_run_config(json_object_get(root, "config"), where, &out->run, err);
	if (r == 0)
		r = parse_build_info(root, where, &out->build, err);
done:
	json_decref(root);
	if (r < 0)
		kmend_image_config_free(out);
	return r;
}

void kmend_image_config_free(struct kmend_image_config *c)
{
	if (!c)
		return;
	free(c->diff_ids);
	kmend_image_run_config_free(&c->run);
	kmend_image_build_info_free(&c->build);
	memset(c, 0, sizeof(*c));
}

void kmend_image_run_config_free(struct kmend_image_run_config *run)
{
	if (!run)
		return;
	free(run->user);
	kmend_strv_free(run->entrypoint);
	kmend_strv_free(run->cmd);
	kmend_strv_free(run->env);
	free(run->working_dir);
	memset(run, 0, sizeof(*run));
}

const char *kmend_host_platform(void)
{
	static char buf[64];
	struct utsname u;
	const char *arch = "amd64";

	if (buf[0])
		return buf;
	if (uname(&u) == 0) {
		if (!strcmp(u.machine, "aarch64"))
			arch = "arm64";
		else if (!strcmp(u.machine, "i686") || !strcmp(u.machine, "i386"))
			arch = "386";
		else if (!strcmp(u.machine, "ppc64le") || !strcmp(u.machine, "s390x") ||
		         !strcmp(u.machine, "riscv64"))
			arch = u.machine;
		else if (!strncmp(u.machine, "armv7", 5))
			arch = "arm/v7";
	}
	snprintf(buf, sizeof(buf), "linux/%s", arch);
	return buf;
}
