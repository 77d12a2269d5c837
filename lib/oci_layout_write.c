/*
 * The OCI layout destination (oci:DIR[:TAG]): blobs under blobs/sha256, each written beside
 * its name and renamed once complete and verified; index.json replaced atomically last, so
 * that a crash leaves the layout as it was (plus unreferenced blobs), never a broken one. A
 * new layout is made valid and empty first.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "cleanup.h"
#include "fsutil.h"
#include "image_sink.h"
#include "kmend_limits.h"

#define LAYOUT_FILE    "{\"imageLayoutVersion\":\"1.0.0\"}"
#define EMPTY_INDEX    "{\"schemaVersion\":2,\"manifests\":[]}"
#define REF_NAME_KEY   "org.opencontainers.image.ref.name"
#define LAYOUT_MAX_IDX KMEND_MANIFEST_MAX_SIZE

struct layout_sink {
	char dir[4096];
	char tag[256];
	int lock_fd; /* the directory, flock'ed: two writers never interleave index.json */
};

/* Is dir empty (nothing but "." and "..")? A layout is made only in an empty directory. */
static bool empty_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	bool empty = true;

	if (!d)
		return false;
	while (empty && (e = readdir(d)))
		empty = !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..");
	closedir(d);
	return empty;
}

static int layout_error(const char *dir, int code, const char *what, struct kmend_error *err)
{
	return kmend_error_set(err, code, dir, 0, "%s", what);
}

static int sink_open(const struct kmend_image_ref *ref, const char *text,
                     const struct kmend_image_options *opts, const struct kmend_push_options *push,
                     void **state, struct kmend_error *err)
{
	char path[4200], *layout = NULL;
	struct layout_sink *s;
	struct stat sb;
	size_t len;
	int r;

	(void)text;
	(void)opts;
	(void)push;
	if (!(s = calloc(1, sizeof(*s))))
		return -ENOMEM;
	s->lock_fd = -1;
	snprintf(s->dir, sizeof(s->dir), "%s", ref->path);
	snprintf(s->tag, sizeof(s->tag), "%s", ref->ref_name);
	if (stat(s->dir, &sb) < 0 && (r = kmend_mkdir_p(s->dir, 0755)) < 0) {
		r = kmend_error_set(err, r, s->dir, 0, "cannot make the layout's directory: %s",
		                    strerror(-r));
		goto fail;
	}
	if ((s->lock_fd = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    flock(s->lock_fd, LOCK_EX) < 0) {
		r = layout_error(s->dir, -errno, "not a directory kmend can write a layout in",
		                 err);
		goto fail;
	}
	snprintf(path, sizeof(path), "%s/oci-layout", s->dir);
	if (empty_dir(s->dir)) {
		/* A valid, empty layout first: whatever happens next, it stays one. */
		snprintf(path, sizeof(path), "%s/blobs/sha256", s->dir);
		if ((r = kmend_mkdir_p(path, 0755)) < 0) {
			r = kmend_error_set(err, r, path, 0, "cannot make it: %s", strerror(-r));
			goto fail;
		}
		snprintf(path, sizeof(path), "%s/oci-layout", s->dir);
		if ((r = kmend_write_file_atomic(path, LAYOUT_FILE, strlen(LAYOUT_FILE), 0644,
		                                 err)) < 0)
			goto fail;
		snprintf(path, sizeof(path), "%s/index.json", s->dir);
		if ((r = kmend_write_file_atomic(path, EMPTY_INDEX, strlen(EMPTY_INDEX), 0644,
		                                 err)) < 0)
			goto fail;
	} else {
		json_t *doc;
		if ((r = kmend_read_file(path, 4096, &layout, &len, err)) < 0) {
			kmend_error_set(err, r, s->dir, 0,
			                "the directory is not empty and holds no OCI layout (no "
			                "oci-layout file): kmend writes no image into it");
			goto fail;
		}
		doc = json_loadb(layout, len, 0, NULL);
		free(layout);
		if (!json_is_string(json_object_get(doc, "imageLayoutVersion"))) {
			json_decref(doc);
			r = layout_error(s->dir, -KMEND_E_BAD_INPUT,
			                 "its oci-layout file has no imageLayoutVersion", err);
			goto fail;
		}
		json_decref(doc);
		snprintf(path, sizeof(path), "%s/blobs/sha256", s->dir);
		if ((r = kmend_mkdir_p(path, 0755)) < 0) {
			r = kmend_error_set(err, r, path, 0, "cannot make it: %s", strerror(-r));
			goto fail;
		}
	}
	*state = s;
	return 0;
fail:
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	free(s);
	return r;
}

/* The blob already there is intact: 1; 0 when absent or not (it is written again). */
static int blob_intact(const char *path, const struct kmend_descriptor *d)
{
	struct kmend_istream *raw, *verified;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), r;
	struct stat sb;

	if (fd < 0)
		return 0;
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) || (uint64_t)sb.st_size != d->size ||
	    kmend_istream_open_fd(fd, path, 0, UINT64_MAX, &raw, NULL) < 0) {
		close(fd);
		return 0;
	}
	if (kmend_istream_verify(raw, d->digest, d->size, &verified, NULL) < 0)
		return 0;
	r = kmend_istream_drain(verified, NULL);
	kmend_istream_close(verified);
	return r == 0;
}

/* Copy a verified stream into a new blob file, renamed into place once complete. */
static int write_blob(const char *path, struct kmend_istream *in, struct kmend_error *err)
{
	struct kmend_atomic_file af;
	char buf[65536];
	ssize_t n;
	int r;

	if ((r = kmend_atomic_begin(&af, path, 0644, err)) < 0)
		return r;
	while ((n = kmend_istream_read(in, buf, sizeof(buf))) > 0)
		if (fwrite(buf, 1, (size_t)n, af.f) != (size_t)n) {
			kmend_atomic_abort(&af);
			return kmend_error_set(err, -EIO, path, 0, "cannot write the blob");
		}
	if (n < 0) {
		if (err)
			*err = in->err;
		kmend_atomic_abort(&af);
		return (int)n;
	}
	return kmend_atomic_commit(&af, err);
}

static int sink_put_blob(void *state, const struct kmend_sink_blob *b, struct kmend_sink_stats *st,
                         struct kmend_error *err)
{
	struct layout_sink *s = state;
	struct kmend_istream *raw, *verified;
	char path[4300];
	int r;

	if ((r = kmend_digest_check(b->desc.digest, "a blob to write", err)) < 0)
		return r;
	snprintf(path, sizeof(path), "%s/blobs/sha256/%s", s->dir,
	         kmend_digest_hex(b->desc.digest));
	if (blob_intact(path, &b->desc)) {
		st->present++;
		return 0;
	}
	if ((r = kmend_sink_blob_open(b, 0, b->desc.size, &raw, err)) < 0)
		return r;
	if ((r = kmend_istream_verify(raw, b->desc.digest, b->desc.size, &verified, err)) < 0)
		return r;
	r = write_blob(path, verified, err);
	kmend_istream_close(verified);
	if (r == 0) {
		st->written++;
		st->bytes_written += b->desc.size;
	}
	return r;
}

/* index.json with the new manifest under the tag (entries with that tag replaced). */
static int update_index(struct layout_sink *s, const char *media_type, const char *digest,
                        size_t len, struct kmend_error *err)
{
	_cleanup_free_ char *text = NULL, *out = NULL;
	char path[4200];
	json_t *doc, *manifests, *entry, *kept;
	json_error_t jerr;
	size_t tlen;
	int r;

	snprintf(path, sizeof(path), "%s/index.json", s->dir);
	if ((r = kmend_read_file(path, LAYOUT_MAX_IDX, &text, &tlen, err)) < 0)
		return r;
	if (!(doc = json_loadb(text, tlen, 0, &jerr)) || !json_is_object(doc) ||
	    !json_is_array(manifests = json_object_get(doc, "manifests"))) {
		json_decref(doc);
		return layout_error(
		    path, -KMEND_E_BAD_INPUT,
		    "not an OCI index (no \"manifests\" array): kmend leaves it alone", err);
	}
	if (!(kept = json_array())) {
		json_decref(doc);
		return -ENOMEM;
	}
	for (size_t i = 0; i < json_array_size(manifests); i++) {
		json_t *e = json_array_get(manifests, i);
		const char *name = json_string_value(
		    json_object_get(json_object_get(e, "annotations"), REF_NAME_KEY));
		if (s->tag[0] ? name && !strcmp(name, s->tag) : true) {
			if (!s->tag[0] &&
			    strcmp(json_string_value(json_object_get(e, "digest"))
			               ? json_string_value(json_object_get(e, "digest"))
			               : "",
			           digest)) {
				json_decref(kept);
				json_decref(doc);
				kmend_error_set(
				    err, -KMEND_E_BAD_INPUT, s->dir, 0,
				    "the layout holds other images: kmend does not replace "
				    "them with one that has no name");
				kmend_error_hint(err, "name the image: oci:%s:TAG", s->dir);
				return -KMEND_E_BAD_INPUT;
			}
			continue;
		}
		json_array_append(kept, e);
	}
	entry = json_pack("{s:s, s:s, s:I}", "mediaType", media_type, "digest", digest, "size",
	                  (json_int_t)len);
	if (entry && s->tag[0])
		json_object_set_new(entry, "annotations", json_pack("{s:s}", REF_NAME_KEY, s->tag));
	if (!entry || json_array_append_new(kept, entry) < 0 ||
	    json_object_set_new(doc, "manifests", kept) < 0 ||
	    !(out = json_dumps(doc, JSON_COMPACT))) {
		json_decref(doc);
		return -ENOMEM;
	}
	json_decref(doc);
	return kmend_write_file_atomic(path, out, strlen(out), 0644, err);
}

static int sink_put_manifest(void *state, const char *media_type, const char *data, size_t len,
                             const char *digest, struct kmend_error *err)
{
	struct layout_sink *s = state;
	struct kmend_istream *in;
	char path[4300];
	int r;

	snprintf(path, sizeof(path), "%s/blobs/sha256/%s", s->dir, kmend_digest_hex(digest));
	if ((r = kmend_istream_open_memory(data, len, &in)) < 0)
		return r;
	r = write_blob(path, in, err);
	kmend_istream_close(in);
	if (r < 0)
		return r;
	return update_index(s, media_type, digest, len, err);
}

static void sink_close(void *state)
{
	struct layout_sink *s = state;

	if (!s)
		return;
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	free(s);
}

const struct kmend_image_sink_ops kmend_sink_oci_layout = {
    .transport = "oci",
    .open = sink_open,
    .put_blob = sink_put_blob,
    .put_manifest = sink_put_manifest,
    .close = sink_close,
};
