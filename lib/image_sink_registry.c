/* The registry destination: blobs pushed (or mounted from the image's own repository). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "image_sink.h"
#include "imageref.h"

struct registry_sink {
	struct kmend_registry *r;
	struct kmend_push_options push;
};

static int sink_open(const struct kmend_image_ref *ref, const char *text,
                     const struct kmend_image_options *opts, const struct kmend_push_options *push,
                     void **state, struct kmend_error *err)
{
	struct registry_sink *s = calloc(1, sizeof(*s));
	int r;

	(void)ref;
	if (!s)
		return -ENOMEM;
	if (push)
		s->push = *push;
	if ((r = kmend_registry_connect(text, opts, true, &s->r, err)) < 0) {
		free(s);
		return r;
	}
	*state = s;
	return 0;
}

static int open_part(void *ctx, uint64_t offset, uint64_t length, struct kmend_istream **out,
                     struct kmend_error *err)
{
	return kmend_sink_blob_open(ctx, offset, length, out, err);
}

static int sink_put_blob(void *state, const struct kmend_sink_blob *b, struct kmend_sink_stats *st,
                         struct kmend_error *err)
{
	struct registry_sink *s = state;
	struct kmend_image_ref from;
	struct kmend_push_blob pb = {.desc = &b->desc, .open = open_part, .ctx = (void *)b};
	enum kmend_push_outcome how;
	int r;

	/* A blob of an image in the same registry is mounted, not sent again. */
	if (b->from && b->from->transport == &kmend_transport_docker &&
	    kmend_image_ref_parse(b->from->name, &from, NULL) == 0 &&
	    !strcmp(from.registry, kmend_registry_name(s->r)))
		pb.mount_from = from.repository;
	if ((r = kmend_registry_push_blob(s->r, &pb, &s->push, &how, err)) < 0)
		return r;
	switch (how) {
	case KMEND_PUSH_PRESENT: st->present++; break;
	case KMEND_PUSH_MOUNTED: st->mounted++; break;
	case KMEND_PUSH_UPLOADED:
	case KMEND_PUSH_CHUNKED:
		st->written++;
		st->bytes_written += b->desc.size;
		break;
	}
	return 0;
}

static int sink_put_manifest(void *state, const char *media_type, const char *data, size_t len,
                             const char *digest, struct kmend_error *err)
{
	struct registry_sink *s = state;
	const char *reference = kmend_registry_reference(s->r);
	char got[KMEND_DIGEST_MAX];

	/* A destination named by digest can only take the manifest with that digest. */
	if (kmend_digest_valid(reference) && strcmp(reference, digest))
		return kmend_error_set(err, -KMEND_E_BAD_INPUT, reference, 0,
		                       "the destination names a digest; the image built is %s",
		                       digest);
	return kmend_registry_push_manifest(s->r, reference, media_type, data, len, got, err);
}

static void sink_close(void *state)
{
	struct registry_sink *s = state;

	if (!s)
		return;
	kmend_registry_disconnect(s->r);
	free(s);
}

const struct kmend_image_sink_ops kmend_sink_registry = {
    .transport = "docker",
    .open = sink_open,
    .put_blob = sink_put_blob,
    .put_manifest = sink_put_manifest,
    .close = sink_close,
};
