/* The layer findings cache: a small binary file per layer digest. */
#include "layercache.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"
#include "kmend_limits.h"

/* Bump when the format changes: old entries are then ignored. What the analyzers keep is in
   the file's name (the want id), so a change there needs no bump. */
#define LAYERCACHE_MAGIC "kmend-layer-findings-4\n"

static int put_bytes(FILE *f, const void *p, size_t n)
{
	uint64_t len = n;

	return fwrite(&len, sizeof(len), 1, f) == 1 && (n == 0 || fwrite(p, n, 1, f) == 1) ? 0
	                                                                                   : -EIO;
}

/* Written beside its name and renamed into place, private (0600): a cache that cannot be
   written is no error. */
static void cache_write(const char *file, const struct kmend_layer_findings *f)
{
	struct kmend_atomic_file af;
	uint64_t count = f->count;
	int ok;

	if (kmend_atomic_begin(&af, file, 0600, NULL) < 0)
		return;
	ok = fputs(LAYERCACHE_MAGIC, af.f) >= 0 && fwrite(&count, sizeof(count), 1, af.f) == 1;
	for (size_t i = 0; ok && i < f->count; i++) {
		const struct kmend_entry *e = &f->entries[i];
		uint8_t kind = (uint8_t)e->kind;
		ok = fwrite(&kind, 1, 1, af.f) == 1 &&
		     put_bytes(af.f, e->path, strlen(e->path)) == 0 &&
		     put_bytes(af.f, e->target, e->target ? strlen(e->target) : 0) == 0 &&
		     put_bytes(af.f, e->data, e->data ? e->len : 0) == 0;
	}
	ok = ok && fwrite(f->seen->bits, sizeof(f->seen->bits), 1, af.f) == 1;
	if (!ok || kmend_atomic_commit(&af, NULL) < 0)
		kmend_atomic_abort(&af);
}

/* A length-prefixed field of at most max bytes as a new string; NULL for an empty one when
   allow_null. */
static int take_field(FILE *in, size_t max, char **out, size_t *len, int allow_null)
{
	uint64_t n;

	*out = NULL;
	if (fread(&n, sizeof(n), 1, in) != 1 || n > max)
		return -1;
	if (len)
		*len = (size_t)n;
	if (n == 0 && allow_null)
		return 0;
	if (!(*out = malloc((size_t)n + 1)))
		return -1;
	if (n && fread(*out, (size_t)n, 1, in) != 1) {
		free(*out);
		*out = NULL;
		return -1;
	}
	(*out)[n] = '\0';
	return 0;
}

/*
 * Read a cache file back, one field at a time: memory holds what the findings keep, never
 * the file twice. More than budget bytes kept is a failure, as the walk would have been.
 */
static int cache_read(const char *file, size_t budget, struct kmend_layer_findings *f)
{
	char magic[sizeof(LAYERCACHE_MAGIC) - 1];
	_cleanup_fclose_ FILE *in = NULL;
	uint64_t count;
	int fd = open(file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return -1;
	if (!(in = fdopen(fd, "rb"))) {
		close(fd);
		return -1;
	}
	if (fread(magic, sizeof(magic), 1, in) != 1 ||
	    memcmp(magic, LAYERCACHE_MAGIC, sizeof(magic)) ||
	    fread(&count, sizeof(count), 1, in) != 1 || count > KMEND_KEPT_MAX_ENTRIES)
		return -1;
	for (uint64_t i = 0; i < count; i++) {
		uint8_t kind;
		char *path, *target, *content;
		size_t clen;
		int r;

		if (fread(&kind, 1, 1, in) != 1 || kind > KMEND_ENTRY_DIR)
			goto bad;
		if (take_field(in, KMEND_PATH_MAX, &path, NULL, 0) < 0)
			goto bad;
		if (take_field(in, KMEND_PATH_MAX, &target, NULL, 1) < 0 ||
		    take_field(in, KMEND_PKGDB_MAX_SIZE, &content, &clen, 1) < 0) {
			free(path);
			free(target);
			goto bad;
		}
		if (kind == KMEND_ENTRY_FILE && !content && !(content = strdup(""))) {
			free(path);
			free(target);
			goto bad;
		}
		r = kmend_layer_findings_take(f, (enum kmend_entry_kind)kind, path, target, content,
		                              clen);
		free(path);
		free(target);
		if (r < 0 || f->kept > budget)
			goto bad;
	}
	if (!(f->seen = malloc(sizeof(*f->seen))) ||
	    fread(f->seen->bits, sizeof(f->seen->bits), 1, in) != 1 || fgetc(in) != EOF)
		goto bad;
	return 0;
bad:
	kmend_layer_findings_free(f);
	return -1;
}

int kmend_layercache_get(struct kmend_image *img, size_t i, const char *cache_dir,
                         const struct kmend_want *want, size_t image_left,
                         struct kmend_layer_findings *out, int *cached, struct kmend_error *err)
{
	char dir[4096], file[4200], id[17];
	size_t budget = image_left < KMEND_LAYER_KEPT_MAX ? image_left : KMEND_LAYER_KEPT_MAX;
	struct kmend_istream *tar;
	int r;

	*cached = 0;
	if (cache_dir) {
		kmend_want_id(want, id);
		snprintf(dir, sizeof(dir), "%s/layers/sha256", cache_dir);
		snprintf(file, sizeof(file), "%s/%s-%s", dir,
		         kmend_digest_hex(img->layers[i].digest), id);
		/* Over the budget, the walk below gives the error. */
		if (cache_read(file, budget, out) == 0) {
			*cached = 1;
			return 0;
		}
	}
	if ((r = kmend_image_open_layer(img, i, &tar, err)) < 0)
		return r;
	r = kmend_layer_walk(tar, img->layers[i].digest, want, image_left, out, err);
	kmend_istream_close(tar);
	if (r < 0) {
		struct kmend_error digest_err;
		kmend_layer_findings_free(out);
		/* A layer that fails to decompress or untar may simply be corrupt: say so if the
		   digest disagrees, which is the clearer diagnosis. */
		if (r != -KMEND_E_DIGEST &&
		    kmend_image_check_blob(img, &img->layers[i], &digest_err) == -KMEND_E_DIGEST) {
			if (err)
				*err = digest_err;
			return -KMEND_E_DIGEST;
		}
		return r;
	}
	if (cache_dir && kmend_mkdir_p(dir, 0700) == 0)
		cache_write(file, out);
	return 0;
}
