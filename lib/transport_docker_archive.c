/*
 * docker-archive:FILE, the output of `docker save`: manifest.json names a config and
 * uncompressed layer tars; the layers' digests are the config's rootfs.diff_ids. kmend
 * builds an OCI manifest from them (there is no original to report a digest of).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cleanup.h"
#include "digest.h"
#include "image.h"
#include "kmend_limits.h"
#include "layer.h"
#include "tarindex.h"

struct docker_archive {
	char path[4096];
	struct kmend_tarindex index;
	char config_member[KMEND_PATH_MAX];
	char config_digest[KMEND_DIGEST_MAX];
	size_t nlayers;
	char (*layer_members)[KMEND_PATH_MAX];
	char (*layer_digests)[KMEND_DIGEST_MAX];
};

static int member_slurp(struct docker_archive *a, const char *name, char **data, size_t *len,
                        struct kmend_error *err)
{
	const struct kmend_tar_member *m = kmend_tarindex_find(&a->index, name);
	struct kmend_istream *s;
	int r;

	if (!m)
		return kmend_error_set(err, -KMEND_E_BAD_INPUT, a->path, 0,
		                       "the archive holds no '%s'", name);
	if ((r = kmend_istream_open_file(a->path, m->offset, m->size, &s, err)) < 0)
		return r;
	r = kmend_istream_slurp(s, KMEND_MANIFEST_MAX_SIZE, name, data, len, err);
	kmend_istream_close(s);
	return r;
}

static int normalized_member(const char *raw, char *out)
{
	if (strlen(raw) >= KMEND_PATH_MAX)
		return -KMEND_E_BAD_INPUT;
	strcpy(out, raw);
	return kmend_path_normalize(out);
}

/* Read manifest.json and the config: which members are the config and the layers. */
static int docker_archive_load(struct docker_archive *a, struct kmend_error *err)
{
	_cleanup_free_ char *data = NULL, *config = NULL;
	struct kmend_image_config cfg;
	json_error_t jerr;
	json_t *root, *entry, *layers;
	size_t len, clen;
	int r;

	if ((r = member_slurp(a, "manifest.json", &data, &len, err)) < 0)
		return r;
	root = json_loadb(data, len, 0, &jerr);
	entry = json_array_get(root, 0);
	layers = json_object_get(entry, "Layers");
	if (!json_is_array(root) || json_array_size(root) != 1 ||
	    !json_is_string(json_object_get(entry, "Config")) || !json_is_array(layers) ||
	    json_array_size(layers) > KMEND_MAX_LAYERS) {
		r = kmend_error_set(err, -KMEND_E_BAD_INPUT, a->path, 0, "%s",
		                    json_array_size(root) > 1
		                        ? "the archive holds several images; kmend reads "
		                          "archives of one (docker save IMAGE)"
		                        : "manifest.json is not a docker save manifest");
		json_decref(root);
		return r;
	}
	a->nlayers = json_array_size(layers);
	a->layer_members = calloc(a->nlayers + 1, sizeof(*a->layer_members));
	a->layer_digests = calloc(a->nlayers + 1, sizeof(*a->layer_digests));
	r = !a->layer_members || !a->layer_digests ? -ENOMEM : 0;
	if (!r && normalized_member(json_string_value(json_object_get(entry, "Config")),
	                            a->config_member) < 0)
		r = kmend_error_set(err, -KMEND_E_BAD_INPUT, a->path, 0, "a bad Config path");
	for (size_t i = 0; !r && i < a->nlayers; i++) {
		const char *m = json_string_value(json_array_get(layers, i));
		if (!m || normalized_member(m, a->layer_members[i]) < 0)
			r = kmend_error_set(err, -KMEND_E_BAD_INPUT, a->path, 0,
			                    "a bad layer path in manifest.json");
	}
	json_decref(root);
	if (r < 0)
		return r;
	if ((r = member_slurp(a, a->config_member, &config, &clen, err)) < 0)
		return r;
	kmend_digest_of(config, clen, a->config_digest);
	if ((r = kmend_image_config_parse(config, clen, a->config_member, &cfg, err)) < 0)
		return r;
	if (cfg.ndiff_ids != a->nlayers) {
		kmend_image_config_free(&cfg);
		return kmend_error_set(err, -KMEND_E_BAD_INPUT, a->path, 0,
		                       "the config lists %zu layers, manifest.json %zu",
		                       cfg.ndiff_ids, a->nlayers);
	}
	memcpy(a->layer_digests, cfg.diff_ids, a->nlayers * sizeof(*a->layer_digests));
	kmend_image_config_free(&cfg);
	return 0;
}

static void docker_archive_close(void *state)
{
	struct docker_archive *a = state;

	kmend_tarindex_free(&a->index);
	free(a->layer_members);
	free(a->layer_digests);
	free(a);
}

static int docker_archive_open(const struct kmend_image_ref *ref,
                               const struct kmend_image_options *opts, void **state,
                               struct kmend_error *err)
{
	struct docker_archive *a = calloc(1, sizeof(*a));
	int r;

	(void)opts;
	if (!a)
		return -ENOMEM;
	snprintf(a->path, sizeof(a->path), "%s", ref->path);
	if ((r = kmend_tarindex_build(a->path, &a->index, err)) < 0 ||
	    (r = docker_archive_load(a, err)) < 0) {
		docker_archive_close(a);
		return r;
	}
	*state = a;
	return 0;
}

static uint64_t member_size(struct docker_archive *a, const char *name)
{
	const struct kmend_tar_member *m = kmend_tarindex_find(&a->index, name);

	return m ? m->size : 0;
}

/* An OCI manifest for the archive's image: config by its digest, layers by diff_id. */
static int docker_archive_get_manifest(void *state, const char *digest, char **data, size_t *len,
                                       char *media_type, size_t mtsize,
                                       char expected[KMEND_DIGEST_MAX], struct kmend_error *err)
{
	struct docker_archive *a = state;
	json_t *m, *layers;

	expected[0] = '\0';
	if (digest)
		return kmend_error_set(err, -KMEND_E_NOT_FOUND, a->path, 0,
		                       "a docker-archive holds no manifest %s", digest);
	m = json_pack("{s:i, s:s, s:{s:s, s:s, s:I}}", "schemaVersion", 2, "mediaType",
	              KMEND_MEDIA_OCI_MANIFEST, "config", "mediaType",
	              "application/vnd.oci.image.config.v1+json", "digest", a->config_digest,
	              "size", (json_int_t)member_size(a, a->config_member));
	layers = json_array();
	for (size_t i = 0; i < a->nlayers; i++)
		json_array_append_new(layers,
		                      json_pack("{s:s, s:s, s:I}", "mediaType",
		                                "application/vnd.oci.image.layer.v1.tar", "digest",
		                                a->layer_digests[i], "size",
		                                (json_int_t)member_size(a, a->layer_members[i])));
	json_object_set_new(m, "layers", layers);
	*data = json_dumps(m, JSON_COMPACT);
	json_decref(m);
	if (!*data)
		return -ENOMEM;
	*len = strlen(*data);
	snprintf(media_type, mtsize, "%s", KMEND_MEDIA_OCI_MANIFEST);
	return 0;
}

static int docker_archive_open_blob(void *state, const struct kmend_descriptor *d,
                                    struct kmend_istream **out, struct kmend_error *err)
{
	struct docker_archive *a = state;
	const char *name = NULL;
	const struct kmend_tar_member *m;

	if (strcmp(d->digest, a->config_digest) == 0)
		name = a->config_member;
	for (size_t i = 0; !name && i < a->nlayers; i++)
		if (strcmp(d->digest, a->layer_digests[i]) == 0)
			name = a->layer_members[i];
	if (!name || !(m = kmend_tarindex_find(&a->index, name)))
		return kmend_error_set(err, -KMEND_E_NOT_FOUND, a->path, 0,
		                       "the archive holds no blob %s", d->digest);
	return kmend_istream_open_file(a->path, m->offset, m->size, out, err);
}

const struct kmend_transport kmend_transport_docker_archive = {
    .name = "docker-archive",
    .synthetic_manifest = true,
    .open = docker_archive_open,
    .get_manifest = docker_archive_get_manifest,
    .open_blob = docker_archive_open_blob,
    .close = docker_archive_close,
};
