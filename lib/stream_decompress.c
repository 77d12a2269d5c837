/*
 * Decompressing streams: gzip through ISA-L's igzip, zstd through libzstd, xz through liblzma,
 * plain passed on.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <isa-l/igzip_lib.h>
#include <lzma.h>
#include <zstd.h>

#include "kmend_limits.h"
#include "stream.h"

enum codec { CODEC_PLAIN, CODEC_GZIP, CODEC_ZSTD, CODEC_XZ };

struct decompress_stream {
	struct kmend_istream base;
	struct kmend_istream *inner;
	enum codec codec;
	char what[200];
	uint64_t total_out;
	int inner_eof;
	unsigned char *in;
	size_t in_pos, in_len; /* unconsumed input is in[in_pos, in_len) */
	struct inflate_state *gz;
	ZSTD_DStream *zs;
	int zstd_frame_open;
	lzma_stream *xz;
};

#define IN_BUFFER (256 * 1024)

static int refill(struct decompress_stream *d)
{
	ssize_t n;

	if (d->in_pos < d->in_len || d->inner_eof)
		return 0;
	n = kmend_istream_read(d->inner, d->in, IN_BUFFER);
	if (n < 0) {
		d->base.err = d->inner->err;
		return (int)n;
	}
	d->in_pos = 0;
	d->in_len = (size_t)n;
	d->inner_eof = n == 0;
	return 0;
}

static ssize_t corrupt(struct decompress_stream *d, const char *codec, const char *why)
{
	return kmend_error_set(&d->base.err, -KMEND_E_BAD_INPUT, d->what, 0, "%s data %s", codec,
	                       why);
}

/* Counts what comes out, against decompression bombs. */
static ssize_t produced(struct decompress_stream *d, size_t n)
{
	d->total_out += n;
	if (d->total_out > KMEND_LAYER_MAX_UNCOMPRESSED)
		return kmend_error_set(&d->base.err, -KMEND_E_TOO_LARGE, d->what, 0,
		                       "decompresses to more than %llu bytes",
		                       (unsigned long long)KMEND_LAYER_MAX_UNCOMPRESSED);
	return (ssize_t)n;
}

static ssize_t gzip_read(struct decompress_stream *d, void *buf, size_t size)
{
	struct inflate_state *st = d->gz;

	for (;;) {
		int r;

		if ((r = refill(d)) < 0)
			return r;
		if (st->block_state == ISAL_BLOCK_FINISH) {
			/* A member ended: another may follow (pigz, concatenated gzip). */
			if (d->in_pos == d->in_len)
				return 0;
			if (d->in_len - d->in_pos >= 2 && d->in[d->in_pos] == 0x1f &&
			    d->in[d->in_pos + 1] == 0x8b) {
				isal_inflate_reset(st);
				st->crc_flag = ISAL_GZIP;
			} else {
				/* Zero padding after the last member, as tar writers leave. */
				for (; d->in_pos < d->in_len; d->in_pos++)
					if (d->in[d->in_pos] != 0)
						return corrupt(d, "gzip",
						               "has trailing bytes after its end");
				continue;
			}
		}
		st->next_in = d->in + d->in_pos;
		st->avail_in = (uint32_t)(d->in_len - d->in_pos);
		st->next_out = buf;
		st->avail_out = (uint32_t)(size > UINT32_MAX ? UINT32_MAX : size);
		r = isal_inflate(st);
		d->in_pos = d->in_len - st->avail_in;
		if (r < 0)
			return corrupt(d, "gzip",
			               r == ISAL_INCORRECT_CHECKSUM ? "fails its CRC check"
			                                            : "is corrupt");
		if (st->avail_out < size)
			return produced(d, size - st->avail_out);
		if (d->inner_eof && d->in_pos == d->in_len && st->block_state != ISAL_BLOCK_FINISH)
			return corrupt(d, "gzip", "is truncated");
	}
}

static ssize_t zstd_read(struct decompress_stream *d, void *buf, size_t size)
{
	for (;;) {
		ZSTD_inBuffer in;
		ZSTD_outBuffer out = {buf, size, 0};
		size_t r;
		int e;

		if ((e = refill(d)) < 0)
			return e;
		if (d->in_pos == d->in_len && d->inner_eof) {
			if (d->zstd_frame_open)
				return corrupt(d, "zstd", "is truncated");
			return 0;
		}
		in = (ZSTD_inBuffer){d->in, d->in_len, d->in_pos};
		r = ZSTD_decompressStream(d->zs, &out, &in);
		d->in_pos = in.pos;
		if (ZSTD_isError(r))
			return corrupt(d, "zstd", ZSTD_getErrorName(r));
		d->zstd_frame_open = r != 0;
		if (out.pos > 0)
			return produced(d, out.pos);
	}
}

static ssize_t xz_read(struct decompress_stream *d, void *buf, size_t size)
{
	for (;;) {
		lzma_ret r;
		int e;

		if ((e = refill(d)) < 0)
			return e;
		d->xz->next_in = d->in + d->in_pos;
		d->xz->avail_in = d->in_len - d->in_pos;
		d->xz->next_out = buf;
		d->xz->avail_out = size;
		/* LZMA_CONCATENATED: LZMA_FINISH tells it the input has ended. */
		r = lzma_code(d->xz,
		              d->inner_eof && d->in_pos == d->in_len ? LZMA_FINISH : LZMA_RUN);
		d->in_pos = d->in_len - d->xz->avail_in;
		if (r != LZMA_OK && r != LZMA_STREAM_END)
			return corrupt(d, "xz",
			               r == LZMA_MEMLIMIT_ERROR
			                   ? "needs more memory to decode than kmend's limit"
			               : r == LZMA_DATA_ERROR || r == LZMA_BUF_ERROR
			                   ? "is corrupt or truncated"
			                   : "cannot be decoded");
		if (d->xz->avail_out < size)
			return produced(d, size - d->xz->avail_out);
		if (r == LZMA_STREAM_END)
			return 0;
	}
}

static ssize_t plain_read(struct decompress_stream *d, void *buf, size_t size)
{
	ssize_t n;

	if (d->in_pos < d->in_len) {
		size_t k = d->in_len - d->in_pos < size ? d->in_len - d->in_pos : size;
		memcpy(buf, d->in + d->in_pos, k);
		d->in_pos += k;
		return (ssize_t)k;
	}
	n = kmend_istream_read(d->inner, buf, size);
	if (n < 0)
		d->base.err = d->inner->err;
	return n;
}

static ssize_t decompress_read(struct kmend_istream *s, void *buf, size_t size)
{
	struct decompress_stream *d = (struct decompress_stream *)s;

	switch (d->codec) {
	case CODEC_GZIP: return gzip_read(d, buf, size);
	case CODEC_ZSTD: return zstd_read(d, buf, size);
	case CODEC_XZ: return xz_read(d, buf, size);
	default: return plain_read(d, buf, size);
	}
}

static void decompress_close(struct kmend_istream *s)
{
	struct decompress_stream *d = (struct decompress_stream *)s;

	kmend_istream_close(d->inner);
	free(d->gz);
	ZSTD_freeDStream(d->zs);
	if (d->xz)
		lzma_end(d->xz);
	free(d->xz);
	free(d->in);
	free(d);
}

static const struct kmend_istream_ops decompress_ops = {
    .name = "decompress",
    .read = decompress_read,
    .close = decompress_close,
};

int kmend_istream_decompress(struct kmend_istream *inner, const char *what,
                             struct kmend_istream **out, struct kmend_error *err)
{
	struct decompress_stream *d = calloc(1, sizeof(*d));
	int r;

	if (!d || !(d->in = malloc(IN_BUFFER))) {
		free(d);
		kmend_istream_close(inner);
		return -ENOMEM;
	}
	d->base.ops = &decompress_ops;
	d->inner = inner;
	snprintf(d->what, sizeof(d->what), "%s", what);
	/* Sniff the format from the first bytes; short reads are filled up to 6 bytes. */
	while (d->in_len < 6 && !d->inner_eof) {
		ssize_t n = kmend_istream_read(inner, d->in + d->in_len, IN_BUFFER - d->in_len);
		if (n < 0) {
			if (err)
				*err = inner->err;
			r = (int)n;
			goto fail;
		}
		d->in_len += (size_t)n;
		d->inner_eof = n == 0;
	}
	if (d->in_len >= 2 && d->in[0] == 0x1f && d->in[1] == 0x8b) {
		d->codec = CODEC_GZIP;
		if (!(d->gz = malloc(sizeof(*d->gz)))) {
			r = -ENOMEM;
			goto fail;
		}
		isal_inflate_init(d->gz);
		d->gz->crc_flag = ISAL_GZIP;
	} else if (d->in_len >= 4 && d->in[0] == 0x28 && d->in[1] == 0xb5 && d->in[2] == 0x2f &&
	           d->in[3] == 0xfd) {
		d->codec = CODEC_ZSTD;
		if (!(d->zs = ZSTD_createDStream())) {
			r = -ENOMEM;
			goto fail;
		}
		ZSTD_initDStream(d->zs);
	} else if (d->in_len >= 6 && memcmp(d->in,
	                                    "\xfd"
	                                    "7zXZ\0",
	                                    6) == 0) {
		d->codec = CODEC_XZ;
		if (!(d->xz = calloc(1, sizeof(*d->xz)))) {
			r = -ENOMEM;
			goto fail;
		}
		*d->xz = (lzma_stream)LZMA_STREAM_INIT;
		if (lzma_stream_decoder(d->xz, KMEND_XZ_MAX_MEMORY, LZMA_CONCATENATED) != LZMA_OK) {
			free(d->xz);
			d->xz = NULL;
			r = -ENOMEM;
			goto fail;
		}
	}
	*out = &d->base;
	return 0;
fail:
	decompress_close(&d->base);
	return r;
}
