/* A layer written as libarchive's pax tar, through ISA-L's deflate, hashed both ways. */
#include "layer_write.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <isa-l/igzip_lib.h>
#include <openssl/evp.h>

#include "dynlib.h"
#include "fsutil.h"
#include "kmend_limits.h"
#include "layer.h"

#define OUT_BUF (256 * 1024)

struct kmend_layer_writer {
	struct archive *a;
	struct archive_entry *ae;
	int fd;
	char path[4096];
	struct isal_zstream z;
	unsigned char *level_buf;
	unsigned char out[OUT_BUF];
	EVP_MD_CTX *tar_md, *gz_md;
	uint64_t tar_size, gz_size;
	size_t entries, whiteouts;
	struct kmend_error io_err; /* why a write failed, for the caller */
	bool failed, finished;
};

/* Write what deflate produced; 0, or -1 with io_err filled. */
static int drain(struct kmend_layer_writer *w)
{
	size_t n = OUT_BUF - w->z.avail_out;

	for (size_t done = 0; done < n;) {
		ssize_t k = write(w->fd, w->out + done, n - done);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			kmend_error_set(&w->io_err, -errno, w->path, 0,
			                "cannot write the layer: %s", strerror(errno));
			return -1;
		}
		done += (size_t)k;
	}
	EVP_DigestUpdate(w->gz_md, w->out, n);
	w->gz_size += n;
	w->z.next_out = w->out;
	w->z.avail_out = OUT_BUF;
	return 0;
}

/* Compress len bytes (end: the last ones). */
static int deflate_bytes(struct kmend_layer_writer *w, const void *buf, size_t len, bool end)
{
	const unsigned char *p = buf;

	do {
		uint32_t chunk = len > (1u << 30) ? (1u << 30) : (uint32_t)len;
		w->z.next_in = (uint8_t *)p;
		w->z.avail_in = chunk;
		w->z.end_of_stream = end && chunk == len;
		p += chunk;
		len -= chunk;
		do {
			if (isal_deflate(&w->z) != COMP_OK) {
				kmend_error_set(&w->io_err, -EIO, w->path, 0,
				                "gzip compression failed");
				return -1;
			}
			if (w->z.avail_out < OUT_BUF / 2 && drain(w) < 0)
				return -1;
		} while (w->z.avail_in ||
		         (w->z.end_of_stream && w->z.internal_state.state != ZSTATE_END));
	} while (len);
	return 0;
}

static la_ssize_t on_write(struct archive *a, void *ctx, const void *buf, size_t len)
{
	struct kmend_layer_writer *w = ctx;

	(void)a;
	EVP_DigestUpdate(w->tar_md, buf, len);
	w->tar_size += len;
	if (deflate_bytes(w, buf, len, false) < 0) {
		w->failed = true;
		return -1;
	}
	return (la_ssize_t)len;
}

int kmend_layer_writer_open(const char *path, int level, struct kmend_layer_writer **out,
                            struct kmend_error *err)
{
	static const unsigned level_buf_size[] = {0, ISAL_DEF_LVL1_DEFAULT, ISAL_DEF_LVL2_DEFAULT,
	                                          ISAL_DEF_LVL3_DEFAULT};
	struct kmend_layer_writer *w;
	int r;

	*out = NULL;
	if ((r = kmend_archive_load(err)) < 0)
		return r;
	if (level < 0 || level > ISAL_DEF_MAX_LEVEL)
		level = 1;
	if (!(w = calloc(1, sizeof(*w))))
		return -ENOMEM;
	snprintf(w->path, sizeof(w->path), "%s", path);
	if ((w->fd = kmend_create_private(path)) < 0) {
		r = kmend_error_set(err, w->fd, path, 0, "cannot create the layer: %s",
		                    strerror(-w->fd));
		free(w);
		return r;
	}
	isal_deflate_init(&w->z);
	w->z.level = (uint32_t)level;
	w->z.gzip_flag = IGZIP_GZIP;
	w->z.level_buf_size = level_buf_size[level];
	w->z.next_out = w->out;
	w->z.avail_out = OUT_BUF;
	if ((w->z.level_buf_size &&
	     !(w->level_buf = w->z.level_buf = malloc(w->z.level_buf_size))) ||
	    !(w->tar_md = EVP_MD_CTX_new()) || !(w->gz_md = EVP_MD_CTX_new()) ||
	    !(w->a = kmend_archive.archive_write_new()) ||
	    !(w->ae = kmend_archive.archive_entry_new())) {
		kmend_layer_writer_free(w);
		return -ENOMEM;
	}
	EVP_DigestInit_ex(w->tar_md, EVP_sha256(), NULL);
	EVP_DigestInit_ex(w->gz_md, EVP_sha256(), NULL);
	kmend_archive.archive_write_set_format_pax_restricted(w->a);
	kmend_archive.archive_write_set_bytes_in_last_block(w->a, 1);
	if (kmend_archive.archive_write_open(w->a, w, NULL, on_write, NULL) != ARCHIVE_OK) {
		r = kmend_error_set(err, -EIO, path, 0, "cannot start the layer's tar: %s",
		                    kmend_archive.archive_error_string(w->a));
		kmend_layer_writer_free(w);
		return r;
	}
	*out = w;
	return 0;
}

/* A libarchive or output failure, as the caller's error. */
static int write_error(struct kmend_layer_writer *w, const char *what, struct kmend_error *err)
{
	if (w->failed) {
		if (err)
			*err = w->io_err;
		return w->io_err.code ? w->io_err.code : -EIO;
	}
	return kmend_error_set(err, -EIO, w->path, 0, "%s: %s", what,
	                       kmend_archive.archive_error_string(w->a));
}

int kmend_layer_writer_add(struct kmend_layer_writer *w, const struct kmend_pkgfile_entry *e,
                           struct kmend_pkgfile_data *data, const void *content,
                           struct kmend_error *err)
{
	static const unsigned types[] = {
	    [KMEND_PKGFILE_FILE] = AE_IFREG,
	    [KMEND_PKGFILE_DIR] = AE_IFDIR,
	    [KMEND_PKGFILE_SYMLINK] = AE_IFLNK,
	    [KMEND_PKGFILE_HARDLINK] = AE_IFREG,
	};
	struct archive_entry *ae = w->ae;
	uint64_t left = e->kind == KMEND_PKGFILE_FILE ? e->size : 0;
	char buf[65536];

	if (!e->path[0])
		return 0; /* the root is every layer's */
	kmend_archive.archive_entry_clear(ae);
	kmend_archive.archive_entry_set_pathname(ae, e->path);
	kmend_archive.archive_entry_set_filetype(ae, types[e->kind]);
	kmend_archive.archive_entry_set_perm(ae, e->perm & 07777);
	kmend_archive.archive_entry_set_uid(ae, e->uid);
	kmend_archive.archive_entry_set_gid(ae, e->gid);
	if (e->uname)
		kmend_archive.archive_entry_set_uname(ae, e->uname);
	if (e->gname)
		kmend_archive.archive_entry_set_gname(ae, e->gname);
	kmend_archive.archive_entry_set_mtime(ae, e->mtime, 0);
	kmend_archive.archive_entry_set_size(ae, (la_int64_t)left);
	if (e->kind == KMEND_PKGFILE_SYMLINK)
		kmend_archive.archive_entry_set_symlink(ae, e->target);
	if (e->kind == KMEND_PKGFILE_HARDLINK)
		kmend_archive.archive_entry_set_hardlink(ae, e->target);
	if (kmend_archive.archive_write_header(w->a, ae) != ARCHIVE_OK)
		return write_error(w, e->path, err);
	while (left) {
		size_t n = left < sizeof(buf) ? (size_t)left : sizeof(buf);
		const void *from = buf;
		if (data) {
			ssize_t got = kmend_pkgfile_read(data, buf, n, err);
			if (got < 0)
				return (int)got;
			if (got == 0)
				return kmend_error_set(
				    err, -KMEND_E_BAD_INPUT, e->path, 0,
				    "the package's payload ends inside this file");
			n = (size_t)got;
		} else {
			from = (const char *)content + (e->size - left);
		}
		if (kmend_archive.archive_write_data(w->a, from, n) != (la_ssize_t)n)
			return write_error(w, e->path, err);
		left -= n;
	}
	if (kmend_archive.archive_write_finish_entry(w->a) != ARCHIVE_OK)
		return write_error(w, e->path, err);
	w->entries++;
	return 0;
}

int kmend_layer_writer_whiteout(struct kmend_layer_writer *w, const char *path,
                                struct kmend_error *err)
{
	char wh[KMEND_PATH_MAX + 8];
	const char *slash = strrchr(path, '/');
	struct kmend_pkgfile_entry e = {.kind = KMEND_PKGFILE_FILE, .path = wh, .perm = 0600};
	int r;

	if (slash)
		snprintf(wh, sizeof(wh), "%.*s/.wh.%s", (int)(slash - path), path, slash + 1);
	else
		snprintf(wh, sizeof(wh), ".wh.%s", path);
	if ((r = kmend_layer_writer_add(w, &e, NULL, "", err)) == 0) {
		w->entries--;
		w->whiteouts++;
	}
	return r;
}

static void hex_digest(EVP_MD_CTX *md, char out[KMEND_DIGEST_MAX])
{
	unsigned char raw[EVP_MAX_MD_SIZE];
	unsigned n = 0;

	EVP_DigestFinal_ex(md, raw, &n);
	memcpy(out, "sha256:", 7);
	for (unsigned i = 0; i < n; i++)
		snprintf(out + 7 + 2 * i, 3, "%02x", raw[i]);
}

int kmend_layer_writer_finish(struct kmend_layer_writer *w, struct kmend_layer_written *out,
                              struct kmend_error *err)
{
	if (kmend_archive.archive_write_close(w->a) != ARCHIVE_OK)
		return write_error(w, "ending the tar", err);
	if (deflate_bytes(w, "", 0, true) < 0 || drain(w) < 0) {
		if (err)
			*err = w->io_err;
		return w->io_err.code;
	}
	if (fsync(w->fd) < 0)
		return kmend_error_set(err, -errno, w->path, 0, "cannot sync the layer: %s",
		                       strerror(errno));
	memset(out, 0, sizeof(*out));
	hex_digest(w->tar_md, out->diff_id);
	hex_digest(w->gz_md, out->digest);
	out->size = w->gz_size;
	out->tar_size = w->tar_size;
	out->entries = w->entries;
	out->whiteouts = w->whiteouts;
	w->finished = true;
	return 0;
}

void kmend_layer_writer_free(struct kmend_layer_writer *w)
{
	if (!w)
		return;
	if (w->a)
		kmend_archive.archive_write_free(w->a);
	if (w->ae)
		kmend_archive.archive_entry_free(w->ae);
	if (w->fd >= 0)
		close(w->fd);
	if (!w->finished)
		unlink(w->path);
	EVP_MD_CTX_free(w->tar_md);
	EVP_MD_CTX_free(w->gz_md);
	free(w->level_buf);
	free(w);
}
