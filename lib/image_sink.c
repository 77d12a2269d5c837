/* Writing an image: the destination's backend chosen by the reference's transport. */
#include "image_sink.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "imageref.h"

static const struct kmend_image_sink_ops *const sinks[] = {
    &kmend_sink_registry,
    &kmend_sink_oci_layout,
    NULL,
};

struct kmend_image_sink {
	const struct kmend_image_sink_ops *ops;
	void *state;
	char name[4600];
	struct kmend_sink_stats stats;
};

int kmend_image_sink_open(const char *reference, const struct kmend_image_options *opts,
                          const struct kmend_push_options *push, struct kmend_image_sink **out,
                          struct kmend_error *err)
{
	struct kmend_image_ref ref;
	struct kmend_image_sink *s;
	int r;

	*out = NULL;
	if ((r = kmend_image_ref_parse(reference, &ref, err)) < 0)
		return r;
	if (!(s = calloc(1, sizeof(*s))))
		return -ENOMEM;
	for (size_t i = 0; sinks[i]; i++)
		if (!strcmp(sinks[i]->transport, ref.transport))
			s->ops = sinks[i];
	if (!s->ops) {
		free(s);
		kmend_error_set(
		    err, -KMEND_E_UNSUPPORTED, reference, 0,
		    "kmend writes images to registries and OCI layouts, not to %s:", ref.transport);
		kmend_error_hint(err, "name a registry (REGISTRY/REPO:TAG) or oci:DIR[:TAG]");
		return -KMEND_E_UNSUPPORTED;
	}
	kmend_image_ref_format(&ref, s->name, sizeof(s->name));
	if ((r = s->ops->open(&ref, reference, opts, push, &s->state, err)) < 0) {
		free(s);
		return r;
	}
	*out = s;
	return 0;
}

int kmend_image_sink_put_blob(struct kmend_image_sink *s, const struct kmend_sink_blob *b,
                              struct kmend_error *err)
{
	return s->ops->put_blob(s->state, b, &s->stats, err);
}

int kmend_image_sink_put_manifest(struct kmend_image_sink *s, const char *media_type,
                                  const char *data, size_t len, char digest[KMEND_DIGEST_MAX],
                                  struct kmend_error *err)
{
	kmend_digest_of(data, len, digest);
	return s->ops->put_manifest(s->state, media_type, data, len, digest, err);
}

const char *kmend_image_sink_name(const struct kmend_image_sink *s)
{
	return s->name;
}

const struct kmend_sink_stats *kmend_image_sink_stats(const struct kmend_image_sink *s)
{
	return &s->stats;
}

void kmend_image_sink_close(struct kmend_image_sink *s)
{
	if (!s)
		return;
	s->ops->close(s->state);
	free(s);
}

/* A window of a stream: skip offset bytes, then give length. */
struct window {
	struct kmend_istream base;
	struct kmend_istream *inner;
	uint64_t skip, left;
};

static ssize_t window_read(struct kmend_istream *s, void *buf, size_t size)
{
	struct window *w = (struct window *)s;
	ssize_t n;

	while (w->skip) {
		char drop[65536];
		size_t want = w->skip < sizeof(drop) ? (size_t)w->skip : sizeof(drop);
		if ((n = kmend_istream_read(w->inner, drop, want)) <= 0) {
			if (n == 0)
				return kmend_error_set(&s->err, -KMEND_E_DIGEST, "blob", 0,
				                       "the blob ends before the part asked for");
			s->err = w->inner->err;
			return n;
		}
		w->skip -= (uint64_t)n;
	}
	if (size > w->left)
		size = (size_t)w->left;
	if (size == 0)
		return 0;
	if ((n = kmend_istream_read(w->inner, buf, size)) < 0)
		s->err = w->inner->err;
	else
		w->left -= (uint64_t)n;
	return n;
}

static void window_close(struct kmend_istream *s)
{
	struct window *w = (struct window *)s;

	kmend_istream_close(w->inner);
	free(w);
}

static const struct kmend_istream_ops window_ops = {
    .name = "blob window",
    .read = window_read,
    .close = window_close,
};

int kmend_sink_blob_open(const struct kmend_sink_blob *b, uint64_t offset, uint64_t length,
                         struct kmend_istream **out, struct kmend_error *err)
{
	struct kmend_istream *whole;
	struct window *w;
	int r;

	if (offset > b->desc.size || length > b->desc.size - offset)
		return kmend_error_set(err, -EINVAL, b->desc.digest, 0,
		                       "a part past the blob's end");
	if (b->data)
		return kmend_istream_open_memory((const char *)b->data + offset, (size_t)length,
		                                 out);
	if (b->path)
		return kmend_istream_open_file(b->path, offset, length, out, err);
	if ((r = kmend_image_open_blob(b->from, &b->desc, &whole, err)) < 0)
		return r;
	if (offset == 0 && length == b->desc.size) {
		*out = whole;
		return 0;
	}
	if (!(w = calloc(1, sizeof(*w)))) {
		kmend_istream_close(whole);
		return -ENOMEM;
	}
	w->base.ops = &window_ops;
	w->inner = whole;
	w->skip = offset;
	w->left = length;
	*out = &w->base;
	return 0;
}
