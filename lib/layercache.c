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

/* Bump when the format or what the analyzers keep changes: old entries are then ignored. */
#define LAYERCACHE_MAGIC "kmend-layer-findings-3\n"

static int put_bytes(FILE *f, const void *p, size_t n)
{
	uint64_t len = n;

	return fwrite(&len, sizeof(len), 1, f) == 1 && (n == 0 || fwrite(p, n, 1, f) == 1) ? 0
	                                                                                   : -EIO;
}

static void cache_write(const char *file, const struct kmend_layer_findings *f)
{
	char tmp[4200];
	FILE *out;
	int ok;

	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", file, (int)getpid());
	if (!(out = fopen(tmp, "wb")))
		return;
	ok = fputs(LAYERCACHE_MAGIC, out) >= 0 && put_bytes(out, &f->count, sizeof(f->count)) == 0;
	for (size_t i = 0; ok && i < f->count; i++) {
		const struct kmend_entry *e = &f->entries[i];
		uint8_t kind = (uint8_t)e->kind;
		ok = fwrite(&kind, 1, 1, out) == 1 &&
		     put_bytes(out, e->path, strlen(e->path)) == 0 &&
		     put_bytes(out, e->target, e->target ? strlen(e->target) : 0) == 0 &&
		     put_bytes(out, e->data, e->data ? e->len : 0) == 0;
	}
	ok = fclose(out) == 0 && ok;
	if (!ok || rename(tmp, file) < 0)
		unlink(tmp);
}

/* A bounded cursor over the cache file's bytes. */
struct cursor {
	const char *p, *end;
};

static int take(struct cursor *c, void *dst, size_t n)
{
	if ((size_t)(c->end - c->p) < n)
		return -1;
	memcpy(dst, c->p, n);
	c->p += n;
	return 0;
}

/* A length-prefixed field as a new string; *out NULL for an empty field when allow_null. */
static int take_field(struct cursor *c, char **out, size_t *len, int allow_null)
{
	uint64_t n;

	*out = NULL;
	if (take(c, &n, sizeof(n)) < 0 || n > (uint64_t)(c->end - c->p))
		return -1;
	if (len)
		*len = (size_t)n;
	if (n == 0 && allow_null)
		return 0;
	if (!(*out = malloc((size_t)n + 1)))
		return -1;
	memcpy(*out, c->p, (size_t)n);
	(*out)[n] = '\0';
	c->p += n;
	return 0;
}

static int cache_read(const char *file, struct kmend_layer_findings *f)
{
	_cleanup_free_ char *data = NULL;
	struct kmend_istream *s;
	struct cursor c;
	size_t len, count;

	if (kmend_istream_open_file(file, 0, UINT64_MAX, &s, NULL) < 0)
		return -1;
	if (kmend_istream_slurp(s, KMEND_PKGDB_MAX_SIZE * 4L, file, &data, &len, NULL) < 0) {
		kmend_istream_close(s);
		return -1;
	}
	kmend_istream_close(s);
	c = (struct cursor){data, data + len};
	if (len < sizeof(LAYERCACHE_MAGIC) - 1 ||
	    memcmp(data, LAYERCACHE_MAGIC, sizeof(LAYERCACHE_MAGIC) - 1) != 0)
		return -1;
	c.p += sizeof(LAYERCACHE_MAGIC) - 1;
	{
		uint64_t n;
		if (take(&c, &n, sizeof(n)) < 0 || n != sizeof(count) ||
		    take(&c, &count, sizeof(count)) < 0)
			return -1;
	}
	for (size_t i = 0; i < count; i++) {
		uint8_t kind;
		char *path, *target, *content;
		size_t clen;
		int r;

		if (take(&c, &kind, 1) < 0 || kind > KMEND_ENTRY_OPAQUE)
			goto bad;
		if (take_field(&c, &path, NULL, 0) < 0)
			goto bad;
		if (take_field(&c, &target, NULL, 1) < 0 ||
		    take_field(&c, &content, &clen, 1) < 0) {
			free(path);
			free(target);
			goto bad;
		}
		if (kind == KMEND_ENTRY_FILE && !content)
			content = strdup("");
		r = kmend_layer_findings_add(f, (enum kmend_entry_kind)kind, path, target, content,
		                             clen);
		free(path);
		free(target);
		free(content);
		if (r < 0)
			goto bad;
	}
	if (c.p == c.end)
		return 0;
bad:
	kmend_layer_findings_free(f);
	return -1;
}

int kmend_layercache_get(struct kmend_image *img, size_t i, const char *cache_dir,
                         const struct kmend_want *want, struct kmend_layer_findings *out,
                         int *cached, struct kmend_error *err)
{
	char dir[4096], file[4200];
	struct kmend_istream *tar;
	int r;

	*cached = 0;
	if (cache_dir) {
		snprintf(dir, sizeof(dir), "%s/layers/sha256", cache_dir);
		snprintf(file, sizeof(file), "%s/%s", dir, kmend_digest_hex(img->layers[i].digest));
		if (cache_read(file, out) == 0) {
			*cached = 1;
			return 0;
		}
	}
	if ((r = kmend_image_open_layer(img, i, &tar, err)) < 0)
		return r;
	r = kmend_layer_walk(tar, img->layers[i].digest, want, out, err);
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
