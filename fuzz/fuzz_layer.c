/*
 * libFuzzer target: the layer pipeline on arbitrary bytes: decompression (gzip, zstd or
 * plain, by magic), the tar walker keeping what the inventory wants, and the merge.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "inventory.h"
#include "kmend_limits.h"
#include "layer.h"
#include "rootfs.h"
#include "stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A stream over the fuzzer's bytes. */
struct mem_stream {
	struct kmend_istream base;
	const uint8_t *p;
	size_t left;
};

static ssize_t mem_read(struct kmend_istream *s, void *buf, size_t n)
{
	struct mem_stream *m = (struct mem_stream *)s;

	/* Small, odd reads, to shake out buffering bugs. */
	if (n > 777)
		n = 777;
	if (n > m->left)
		n = m->left;
	memcpy(buf, m->p, n);
	m->p += n;
	m->left -= n;
	return (ssize_t)n;
}

static void mem_close(struct kmend_istream *s)
{
	free(s);
}

static const struct kmend_istream_ops mem_ops = {
    .name = "fuzz", .read = mem_read, .close = mem_close};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mem_stream *m = calloc(1, sizeof(*m));
	struct kmend_istream *plain;
	struct kmend_layer_findings f = {0};
	struct kmend_rootfs fs = {0};
	struct kmend_error err;
	struct kmend_want want;

	if (kmend_inventory_want_init(&want) < 0)
		abort();
	m->base.ops = &mem_ops;
	m->p = data;
	m->left = size;
	if (kmend_istream_decompress(&m->base, "fuzz", &plain, &err) < 0) {
		kmend_want_free(&want);
		return 0;
	}
	if (kmend_layer_walk(plain, "fuzz", &want, KMEND_IMAGE_KEPT_MAX, &f, &err) == 0 &&
	    kmend_rootfs_apply(&fs, &f, 0, "fuzz", &err) == 0) {
		(void)kmend_rootfs_lookup(&fs, "etc/os-release");
		(void)kmend_rootfs_lookup(&fs, "var/lib/dpkg/status");
	}
	kmend_istream_close(plain);
	kmend_layer_findings_free(&f);
	kmend_rootfs_free(&fs);
	kmend_want_free(&want);
	return 0;
}
