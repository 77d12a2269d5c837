/* The layer walker: libarchive over a plain tar stream, keeping only what analyzers want. */
#include "layer.h"
#include "array.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dynlib.h"
#include "kmend_limits.h"

/* The one normaliser: with clamp, ".." at the root stays at the root instead of failing. */
static int path_normalize(char *path, bool clamp)
{
	char *out = path, *p = path;

	while (*p) {
		char *part = p;
		size_t n;

		while (*p && *p != '/')
			p++;
		n = (size_t)(p - part);
		if (*p == '/')
			p++;
		if (n == 0 || (n == 1 && part[0] == '.'))
			continue;
		if (n == 2 && part[0] == '.' && part[1] == '.') {
			if (out == path) {
				if (clamp)
					continue;
				return -KMEND_E_BAD_INPUT;
			}
			while (out > path && out[-1] != '/')
				out--;
			if (out > path)
				out--; /* the '/' before the dropped part */
			continue;
		}
		if (out != path)
			*out++ = '/';
		memmove(out, part, n);
		out += n;
	}
	*out = '\0';
	return 0;
}

int kmend_path_normalize(char *path)
{
	return path_normalize(path, false);
}

void kmend_path_normalize_in_root(char *path)
{
	(void)path_normalize(path, true);
}

int kmend_layer_findings_add(struct kmend_layer_findings *f, enum kmend_entry_kind kind,
                             const char *path, const char *target, const char *data, size_t len)
{
	struct kmend_entry *e;

	if (kmend_array_grow(&f->entries, &f->capacity, f->count, sizeof(*f->entries)) < 0)
		return -ENOMEM;
	e = &f->entries[f->count];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->path = strdup(path);
	e->target = target ? strdup(target) : NULL;
	if (data) {
		e->data = malloc(len + 1);
		if (e->data) {
			memcpy(e->data, data, len);
			e->data[len] = '\0';
		}
	}
	e->len = len;
	if (!e->path || (target && !e->target) || (data && !e->data)) {
		free(e->path);
		free(e->target);
		free(e->data);
		return -ENOMEM;
	}
	f->count++;
	return 0;
}

void kmend_layer_findings_free(struct kmend_layer_findings *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->count; i++) {
		free(f->entries[i].path);
		free(f->entries[i].target);
		free(f->entries[i].data);
	}
	free(f->entries);
	memset(f, 0, sizeof(*f));
}

/* libarchive pulls from our stream through this. */
struct tar_source {
	struct kmend_istream *stream;
	unsigned char buf[1 << 20];
	int failed; /* the stream reported an error: its err has the detail */
};

static la_ssize_t tar_source_read(struct archive *a, void *ctx, const void **buf)
{
	struct tar_source *src = ctx;
	ssize_t n = kmend_istream_read(src->stream, src->buf, sizeof(src->buf));

	if (n < 0) {
		src->failed = 1;
		kmend_archive.archive_set_error(a, EIO, "%s", src->stream->err.message);
		return -1;
	}
	*buf = src->buf;
	return n;
}

static int read_content(struct archive *a, const char *name, const char *path, la_int64_t size,
                        char **out, struct kmend_error *err)
{
	char *data;
	la_ssize_t n;

	if (size < 0 || size > KMEND_PKGDB_MAX_SIZE)
		return kmend_error_set(err, -KMEND_E_TOO_LARGE, name, 0,
		                       "'%s' is %lld bytes, over kmend's limit of %ld", path,
		                       (long long)size, KMEND_PKGDB_MAX_SIZE);
	if (!(data = malloc((size_t)size + 1)))
		return -ENOMEM;
	n = kmend_archive.archive_read_data(a, data, (size_t)size);
	if (n != size) {
		free(data);
		return kmend_error_set(
		    err, -KMEND_E_BAD_INPUT, name, 0, "cannot read '%s' from the layer: %s", path,
		    n < 0 ? kmend_archive.archive_error_string(a) : "short read");
	}
	*out = data;
	return 0;
}

/* Turn one tar entry into findings, if it matters. */
static int walk_entry(struct archive *a, struct archive_entry *ae, const char *name,
                      const struct kmend_want *want, struct kmend_layer_findings *out,
                      struct kmend_error *err)
{
	const char *raw = kmend_archive.archive_entry_pathname(ae),
	           *hardlink = kmend_archive.archive_entry_hardlink(ae);
	char path[KMEND_PATH_MAX], *base, *data = NULL;
	int r;

	if (!raw || strlen(raw) >= sizeof(path))
		return kmend_error_set(err, -KMEND_E_BAD_INPUT, name, 0,
		                       "a tar entry with no name or a name over %d bytes",
		                       KMEND_PATH_MAX);
	strcpy(path, raw);
	if (kmend_path_normalize(path) < 0)
		return kmend_error_set(err, -KMEND_E_BAD_INPUT, name, 0,
		                       "tar entry '%.200s' escapes the image root", raw);
	if (!path[0])
		return 0;
	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	if (strncmp(base, ".wh.", 4) == 0) {
		/* Whiteouts name what they delete: ".wh.x" deletes x, ".wh..wh..opq" the lower dir.
		 */
		int opaque = strcmp(base, ".wh..wh..opq") == 0;
		if (opaque)
			base[base == path ? 0 : -1] = '\0';
		else
			memmove(base, base + 4, strlen(base + 4) + 1);
		if (want->wants(path) || want->wants_below(path) || opaque)
			return kmend_layer_findings_add(
			    out, opaque ? KMEND_ENTRY_OPAQUE : KMEND_ENTRY_WHITEOUT, path, NULL,
			    NULL, 0);
		return 0;
	}
	if (!want->wants(path) && !want->wants_below(path))
		return 0;
	if (hardlink) {
		char target[KMEND_PATH_MAX];
		if (strlen(hardlink) >= sizeof(target))
			return kmend_error_set(err, -KMEND_E_BAD_INPUT, name, 0,
			                       "hard link target over %d bytes", KMEND_PATH_MAX);
		strcpy(target, hardlink);
		if (kmend_path_normalize(target) < 0)
			return kmend_error_set(err, -KMEND_E_BAD_INPUT, name, 0,
			                       "hard link '%.200s' points outside the image root",
			                       raw);
		return kmend_layer_findings_add(out, KMEND_ENTRY_HARDLINK, path, target, NULL, 0);
	}
	switch (kmend_archive.archive_entry_filetype(ae)) {
	case AE_IFLNK:
		/* A symlink with an empty target points nowhere: nothing to follow. */
		if (!kmend_archive.archive_entry_symlink(ae) ||
		    !kmend_archive.archive_entry_symlink(ae)[0])
			return 0;
		return kmend_layer_findings_add(out, KMEND_ENTRY_SYMLINK, path,
		                                kmend_archive.archive_entry_symlink(ae), NULL, 0);
	case AE_IFREG:
		if (!want->wants(path))
			return 0;
		if ((r = read_content(a, name, path, kmend_archive.archive_entry_size(ae), &data,
		                      err)) < 0)
			return r;
		r = kmend_layer_findings_add(out, KMEND_ENTRY_FILE, path, NULL, data,
		                             (size_t)kmend_archive.archive_entry_size(ae));
		free(data);
		return r;
	default:
		/* Directories, devices, fifos: nothing an analyzer reads. */
		return 0;
	}
}

int kmend_layer_walk(struct kmend_istream *tar, const char *name, const struct kmend_want *want,
                     struct kmend_layer_findings *out, struct kmend_error *err)
{
	struct tar_source *src;
	struct archive *a;
	struct archive_entry *ae;
	int r = kmend_archive_load(err), ar;

	if (r < 0)
		return r;
	src = malloc(sizeof(*src));
	a = kmend_archive.archive_read_new();
	if (!src || !a) {
		free(src);
		kmend_archive.archive_read_free(a);
		return -ENOMEM;
	}
	src->stream = tar;
	src->failed = 0;
	kmend_archive.archive_read_support_format_tar(a);
	kmend_archive.archive_read_support_format_gnutar(a);
	if (kmend_archive.archive_read_open(a, src, NULL, tar_source_read, NULL) != ARCHIVE_OK) {
		r = src->failed
		        ? (err ? (*err = tar->err, tar->err.code) : -EIO)
		        : kmend_error_set(err, -KMEND_E_BAD_INPUT, name, 0, "not a tar archive: %s",
		                          kmend_archive.archive_error_string(a));
		goto done;
	}
	while ((ar = kmend_archive.archive_read_next_header(a, &ae)) == ARCHIVE_OK ||
	       ar == ARCHIVE_WARN) {
		if ((r = walk_entry(a, ae, name, want, out, err)) < 0)
			goto done;
	}
	if (ar != ARCHIVE_EOF) {
		if (src->failed) {
			if (err)
				*err = tar->err;
			r = tar->err.code ? tar->err.code : -EIO;
		} else {
			r = kmend_error_set(err, -KMEND_E_BAD_INPUT, name, 0, "corrupt layer: %s",
			                    kmend_archive.archive_error_string(a));
		}
		goto done;
	}
	/* What follows the tar's end marker must be read too: the digest covers it. */
	r = kmend_istream_drain(tar, err);
done:
	kmend_archive.archive_read_free(a);
	free(src);
	return r;
}
