/* OCI image layouts: a directory (oci:DIR[:TAG]) or a tar of one (oci-archive:FILE[:TAG]). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "image.h"
#include "kmend_limits.h"
#include "tarindex.h"

struct layout {
	int is_archive;
	char root[4096];
	char ref_name[256];
	struct kmend_tarindex index; /* archive members */
};

/* A file of the layout, from the directory or from inside the archive. */
static int layout_open(struct layout *l, const char *rel, struct kmend_istream **out,
                       struct kmend_error *err)
{
	char path[8192];

	if (l->is_archive) {
		const struct kmend_tar_member *m = kmend_tarindex_find(&l->index, rel);
		if (!m)
			return kmend_error_set(err, -KMEND_E_NOT_FOUND, l->root, 0,
			                       "the archive holds no '%s'", rel);
		return kmend_istream_open_file(l->root, m->offset, m->size, out, err);
	}
	snprintf(path, sizeof(path), "%s/%s", l->root, rel);
	return kmend_istream_open_file(path, 0, UINT64_MAX, out, err);
}

static int layout_slurp(struct layout *l, const char *rel, char **data, size_t *len,
                        struct kmend_error *err)
{
	struct kmend_istream *s;
	int r = layout_open(l, rel, &s, err);

	if (r < 0)
		return r;
	r = kmend_istream_slurp(s, KMEND_MANIFEST_MAX_SIZE, rel, data, len, err);
	kmend_istream_close(s);
	return r;
}

static int layout_open_state(const struct kmend_image_ref *ref, int is_archive, void **state,
                             struct kmend_error *err)
{
	struct layout *l = calloc(1, sizeof(*l));
	int r;

	if (!l)
		return -ENOMEM;
	l->is_archive = is_archive;
	snprintf(l->root, sizeof(l->root), "%s", ref->path);
	snprintf(l->ref_name, sizeof(l->ref_name), "%s", ref->ref_name);
	if (is_archive && (r = kmend_tarindex_build(l->root, &l->index, err)) < 0) {
		free(l);
		return r;
	}
	*state = l;
	return 0;
}

static int oci_open(const struct kmend_image_ref *ref, const struct kmend_image_options *opts,
                    void **state, struct kmend_error *err)
{
	(void)opts;
	return layout_open_state(ref, 0, state, err);
}

static int oci_archive_open(const struct kmend_image_ref *ref,
                            const struct kmend_image_options *opts, void **state,
                            struct kmend_error *err)
{
	(void)opts;
	return layout_open_state(ref, 1, state, err);
}

/* The index.json entry the reference names: by tag, or the only one. */
static int layout_pick(struct layout *l, const struct kmend_manifest *index,
                       const struct kmend_descriptor **out, struct kmend_error *err)
{
	char names[1024] = "";
	size_t n = 0;

	for (size_t i = 0; i < index->count; i++) {
		const char *name = index->entries[i].ref_name;
		if (l->ref_name[0] ? strcmp(name, l->ref_name) == 0 : index->count == 1) {
			*out = &index->entries[i];
			return 0;
		}
		if (n < sizeof(names) - 300)
			n += (size_t)snprintf(names + n, sizeof(names) - n, "%s%s", n ? ", " : "",
			                      name[0] ? name : "(untagged)");
	}
	if (l->ref_name[0])
		kmend_error_set(err, -KMEND_E_NOT_FOUND, l->root, 0,
		                "no image tagged '%s' in the layout (it has: %s)", l->ref_name,
		                n ? names : "nothing");
	else
		kmend_error_set(err, -KMEND_E_NOT_FOUND, l->root, 0,
		                "the layout holds %zu images (%s): name one with :TAG",
		                index->count, names);
	return -KMEND_E_NOT_FOUND;
}

static int blob_path(const char *digest, char *out, size_t size)
{
	return snprintf(out, size, "blobs/sha256/%s", kmend_digest_hex(digest)) < (int)size
	           ? 0
	           : -ENAMETOOLONG;
}

static int layout_get_manifest(void *state, const char *digest, char **data, size_t *len,
                               char *media_type, size_t mtsize, char expected[KMEND_DIGEST_MAX],
                               struct kmend_error *err)
{
	struct layout *l = state;
	_cleanup_free_ char *index_data = NULL;
	struct kmend_manifest index;
	const struct kmend_descriptor *d;
	char rel[128];
	size_t ilen;
	int r;

	if (digest) {
		blob_path(digest, rel, sizeof(rel));
		return layout_slurp(l, rel, data, len, err);
	}
	if ((r = layout_slurp(l, "index.json", &index_data, &ilen, err)) < 0)
		return r;
	if ((r = kmend_manifest_parse(index_data, ilen, KMEND_MEDIA_OCI_INDEX, "index.json", &index,
	                              err)) < 0)
		return r;
	if ((r = layout_pick(l, &index, &d, err)) == 0) {
		snprintf(media_type, mtsize, "%s", d->media_type);
		snprintf(expected, KMEND_DIGEST_MAX, "%s", d->digest);
		blob_path(d->digest, rel, sizeof(rel));
		r = layout_slurp(l, rel, data, len, err);
	}
	kmend_manifest_free(&index);
	return r;
}

static int layout_open_blob(void *state, const struct kmend_descriptor *d,
                            struct kmend_istream **out, struct kmend_error *err)
{
	char rel[128];

	blob_path(d->digest, rel, sizeof(rel));
	return layout_open(state, rel, out, err);
}

static void layout_close(void *state)
{
	struct layout *l = state;

	kmend_tarindex_free(&l->index);
	free(l);
}

const struct kmend_transport kmend_transport_oci = {
    .name = "oci",
    .open = oci_open,
    .get_manifest = layout_get_manifest,
    .open_blob = layout_open_blob,
    .close = layout_close,
};

const struct kmend_transport kmend_transport_oci_archive = {
    .name = "oci-archive",
    .open = oci_archive_open,
    .get_manifest = layout_get_manifest,
    .open_blob = layout_open_blob,
    .close = layout_close,
};
