/* Pull streams of bytes: files, digest verification, decompression, HTTP bodies. */
#ifndef KMEND_STREAM_H
#define KMEND_STREAM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

struct kmend_istream;

/*
 * A stream backend. read returns the number of bytes read (0 only at the
 * end) or a negative code with s->err filled. close frees the stream and
 * whatever it wraps; NULL-safe through kmend_istream_close.
 */
struct kmend_istream_ops {
	const char *name;
	ssize_t (*read)(struct kmend_istream *s, void *buf, size_t size);
	void (*close)(struct kmend_istream *s);
};

struct kmend_istream {
	const struct kmend_istream_ops *ops;
	struct kmend_error err; /* detail of the last failed read */
};

static inline ssize_t kmend_istream_read(struct kmend_istream *s, void *buf, size_t size)
{
	return s->ops->read(s, buf, size);
}

void kmend_istream_close(struct kmend_istream *s);

/*
 * Read the stream to its end, discarding the bytes (so that a verifying stream
 * beneath checks its digest). 0, or the read's negative code with err filled.
 */
int kmend_istream_drain(struct kmend_istream *s, struct kmend_error *err);

/* Read until size bytes or the end; returns the count or a negative code. */
ssize_t kmend_istream_read_full(struct kmend_istream *s, void *buf, size_t size);

/*
 * Read the whole stream into a new buffer (NUL-terminated for convenience,
 * the NUL not counted in *len). More than max bytes: -KMEND_E_TOO_LARGE with
 * err naming what. The stream is not closed.
 */
int kmend_istream_slurp(struct kmend_istream *s, size_t max, const char *what, char **out,
                        size_t *len, struct kmend_error *err);

/*
 * A file, or the window [offset, offset + length) of it (length UINT64_MAX:
 * to the end). name is used in errors. Returns 0 or a negative errno with
 * err filled.
 */
int kmend_istream_open_file(const char *path, uint64_t offset, uint64_t length,
                            struct kmend_istream **out, struct kmend_error *err);

/* The same over a file descriptor the stream then owns. */
int kmend_istream_open_fd(int fd, const char *name, uint64_t offset, uint64_t length,
                          struct kmend_istream **out, struct kmend_error *err);

/* The bytes [data, data + len), which must outlive the stream (an index in memory). */
int kmend_istream_open_memory(const void *data, size_t len, struct kmend_istream **out);

/*
 * Pass inner's bytes through, computing their SHA-256: at the end, a
 * mismatch with digest ("sha256:<64 hex>") or with size (if not UINT64_MAX)
 * fails the read with -KMEND_E_DIGEST, so that no caller uses an unverified
 * blob as complete. Takes ownership of inner.
 */
int kmend_istream_verify(struct kmend_istream *inner, const char *digest, uint64_t size,
                         struct kmend_istream **out, struct kmend_error *err);

/*
 * The same, also writing the bytes to save_as: the file appears (atomically)
 * only once the whole blob was read and verified. Failing to write it is not
 * an error: the stream still verifies.
 */
int kmend_istream_verify_save(struct kmend_istream *inner, const char *digest, uint64_t size,
                              const char *save_as, struct kmend_istream **out,
                              struct kmend_error *err);

/*
 * Decompress inner according to its first bytes: gzip (ISA-L), zstd, xz
 * (liblzma: Debian's Packages.xz), or plain (passed through). what names the data in errors. Takes
 * ownership of inner.
 */
int kmend_istream_decompress(struct kmend_istream *inner, const char *what,
                             struct kmend_istream **out, struct kmend_error *err);

#endif
