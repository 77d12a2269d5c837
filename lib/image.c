/* The transport-independent part of reading an image: resolution and verification. */
#include "image.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "digest.h"
#include "kmend_limits.h"
#include "fsutil.h"
#include "layercache.h"

static const struct kmend_transport *const transports[] = {
    &kmend_transport_docker,
    &kmend_transport_oci,
    &kmend_transport_oci_archive,
    &kmend_transport_docker_archive,
    NULL,
};

/* Fetch a manifest and check it: the bytes must hash to the digest asked for. */
static int fetch_manifest(struct kmend_image *img, const char *digest, char **data, size_t *len,
                          char *media_type, size_t mtsize, struct kmend_error *err)
{
	char got[KMEND_DIGEST_MAX], expected[KMEND_DIGEST_MAX] = "";
	int r = img->transport->get_manifest(img->state, digest, data, len, media_type, mtsize,
	                                     expected, err);

	if (r < 0)
		return r;
	if (*len > KMEND_MANIFEST_MAX_SIZE) {
		free(TAKE_PTR(*data));
		return kmend_error_set(err, -KMEND_E_TOO_LARGE, img->name, 0,
		                       "manifest of %zu bytes, over kmend's limit of %d", *len,
		                       KMEND_MANIFEST_MAX_SIZE);
	}
	kmend_digest_of(*data, *len, got);
	if (!digest && !img->transport->synthetic_manifest)
		snprintf(img->digest, sizeof(img->digest), "%s", got);
	if (!digest && expected[0])
		digest = expected;
	if (digest && strcmp(got, digest) != 0) {
		free(TAKE_PTR(*data));
		kmend_error_set(err, -KMEND_E_DIGEST, img->name, 0,
		                "manifest %s does not match its digest (content is %s)", digest,
		                got);
		return -KMEND_E_DIGEST;
	}
	return 0;
}

/*
 * A blob, verified. Remote blobs go through the content-addressed blob cache:
 * read from it when there, saved into it (once verified) when fetched.
 */
static int open_blob_verified(struct kmend_image *img, const struct kmend_descriptor *d,
                              struct kmend_istream **out, struct kmend_error *err)
{
	struct kmend_istream *raw;
	char dir[4096], path[4200];
	int r;

	if (img->transport->remote && img->opts.cache_dir) {
		snprintf(dir, sizeof(dir), "%s/blobs/sha256", img->opts.cache_dir);
		snprintf(path, sizeof(path), "%s/%s", dir, kmend_digest_hex(d->digest));
		/* Never through a link planted in the cache. */
		int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0 && kmend_istream_open_fd(fd, path, 0, UINT64_MAX, &raw, NULL) == 0)
			return kmend_istream_verify(raw, d->digest, d->size, out, err);
		if ((r = img->transport->open_blob(img->state, d, &raw, err)) < 0)
			return r;
		if (kmend_mkdir_p(dir, 0700) == 0)
			return kmend_istream_verify_save(raw, d->digest, d->size, path, out, err);
		return kmend_istream_verify(raw, d->digest, d->size, out, err);
	}
	if ((r = img->transport->open_blob(img->state, d, &raw, err)) < 0)
		return r;
	return kmend_istream_verify(raw, d->digest, d->size, out, err);
}

static int resolve(struct kmend_image *img, struct kmend_error *err)
{
	const char *platform = img->opts.platform ? img->opts.platform : kmend_host_platform();
	_cleanup_free_ char *data = NULL, *config = NULL;
	char media_type[128] = "", child[KMEND_DIGEST_MAX];
	struct kmend_manifest m;
	struct kmend_image_config cfg;
	struct kmend_istream *s;
	size_t len, clen;
	bool from_index;
	int r;

	if ((r = fetch_manifest(img, NULL, &data, &len, media_type, sizeof(media_type), err)) < 0)
		return r;
	if ((r = kmend_manifest_parse(data, len, media_type, img->name, &m, err)) < 0)
		return r;
	from_index = m.is_index;
	if (m.is_index) {
		const struct kmend_descriptor *pick;
		if ((r = kmend_manifest_pick_platform(&m, platform, img->name, &pick, err)) < 0) {
			kmend_manifest_free(&m);
			return r;
		}
		snprintf(child, sizeof(child), "%s", pick->digest);
		snprintf(media_type, sizeof(media_type), "%s", pick->media_type);
		kmend_manifest_free(&m);
		free(TAKE_PTR(data));
		if ((r = fetch_manifest(img, child, &data, &len, media_type, sizeof(media_type),
		                        err)) < 0)
			return r;
		if ((r = kmend_manifest_parse(data, len, media_type, img->name, &m, err)) < 0)
			return r;
		if (m.is_index) {
			kmend_manifest_free(&m);
			return kmend_error_set(err, -KMEND_E_UNSUPPORTED, img->name, 0,
			                       "an index inside an index");
		}
		snprintf(img->manifest_digest, sizeof(img->manifest_digest), "%s", child);
	} else {
		snprintf(img->manifest_digest, sizeof(img->manifest_digest), "%s", img->digest);
	}
	img->config = m.config;
	img->base_name = TAKE_PTR(m.base_name);
	snprintf(img->base_digest, sizeof(img->base_digest), "%s", m.base_digest);
	img->layers = TAKE_PTR(m.entries);
	img->nlayers = m.count;
	kmend_manifest_free(&m);

	if ((r = open_blob_verified(img, &img->config, &s, err)) < 0)
		return r;
	r = kmend_istream_slurp(s, KMEND_MANIFEST_MAX_SIZE, img->config.digest, &config, &clen,
	                        err);
	kmend_istream_close(s);
	if (r < 0)
		return r;
	if ((r = kmend_image_config_parse(config, clen, img->config.digest, &cfg, err)) < 0)
		return r;
	snprintf(img->platform, sizeof(img->platform), "%s", cfg.platform);
	/* An index was checked above; a single image must answer an explicit --platform too. */
	if (!from_index && img->opts.platform && cfg.platform[0] &&
	    !kmend_platform_matches(cfg.platform, img->opts.platform)) {
		kmend_error_set(err, -KMEND_E_NOT_FOUND, img->name, 0,
		                "no image for platform %s (the image is for %s only)",
		                img->opts.platform, cfg.platform);
		kmend_error_hint(err, "leave out --platform, or name a multi-platform image");
		kmend_image_config_free(&cfg);
		return -KMEND_E_NOT_FOUND;
	}
	if (cfg.ndiff_ids != img->nlayers) {
		r = kmend_error_set(
		    err, -KMEND_E_BAD_INPUT, img->name, 0,
		    "the config lists %zu layers (rootfs.diff_ids), the manifest %zu",
		    cfg.ndiff_ids, img->nlayers);
		kmend_image_config_free(&cfg);
		return r;
	}
	img->diff_ids = TAKE_PTR(cfg.diff_ids);
	img->run = cfg.run;
	memset(&cfg.run, 0, sizeof(cfg.run));
	img->build = cfg.build;
	memset(&cfg.build, 0, sizeof(cfg.build));
	kmend_image_config_free(&cfg);
	return 0;
}

int kmend_image_open(const char *reference, const struct kmend_image_options *opts,
                     struct kmend_image **out, struct kmend_error *err)
{
	struct kmend_image_ref ref;
	struct kmend_image *img;
	int r;

	if ((r = kmend_image_ref_parse(reference, &ref, err)) < 0)
		return r;
	if (!(img = calloc(1, sizeof(*img))))
		return -ENOMEM;
	if (opts)
		img->opts = *opts;
	kmend_image_ref_format(&ref, img->name, sizeof(img->name));
	for (size_t i = 0; transports[i]; i++)
		if (strcmp(transports[i]->name, ref.transport) == 0)
			img->transport = transports[i];
	if ((r = img->transport->open(&ref, &img->opts, &img->state, err)) < 0) {
		free(img);
		return r;
	}
	if ((r = resolve(img, err)) < 0) {
		kmend_image_close(img);
		return r;
	}
	*out = img;
	return 0;
}

int kmend_image_check_blob(struct kmend_image *img, const struct kmend_descriptor *d,
                           struct kmend_error *err)
{
	struct kmend_istream *s;
	int r = open_blob_verified(img, d, &s, err);

	if (r < 0)
		return r;
	r = kmend_istream_drain(s, err);
	kmend_istream_close(s);
	return r;
}

int kmend_image_open_blob(struct kmend_image *img, const struct kmend_descriptor *d,
                          struct kmend_istream **out, struct kmend_error *err)
{
	return open_blob_verified(img, d, out, err);
}

int kmend_image_open_layer(struct kmend_image *img, size_t i, struct kmend_istream **out,
                           struct kmend_error *err)
{
	struct kmend_istream *verified;
	int r;

	if (i >= img->nlayers)
		return -EINVAL;
	if ((r = open_blob_verified(img, &img->layers[i], &verified, err)) < 0)
		return r;
	return kmend_istream_decompress(verified, img->layers[i].digest, out, err);
}

void kmend_image_close(struct kmend_image *img)
{
	if (!img)
		return;
	if (img->transport && img->state)
		img->transport->close(img->state);
	free(img->layers);
	free(img->diff_ids);
	kmend_image_run_config_free(&img->run);
	kmend_image_build_info_free(&img->build);
	free(img->base_name);
	free(img);
}
