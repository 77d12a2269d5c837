/*
 * Writing an image layer: a tar (pax) stream of files, directories, links and whiteouts,
 * compressed with gzip by ISA-L as it is written, into a private file; the layer's diff_id
 * (the SHA-256 of the tar) and digest (of the gzip bytes) computed on the way.
 */
#ifndef KMEND_LAYER_WRITE_H
#define KMEND_LAYER_WRITE_H

#include <stdint.h>

#include "digest.h"
#include "error.h"
#include "pkgfile.h"

struct kmend_layer_writer;

/*
 * Create path (O_EXCL, 0600) and start the layer. level is ISA-L's (0 to 3; 1 is fast with
 * gzip -1's ratio). Errors: -errno naming path, -KMEND_E_UNSUPPORTED without libarchive.
 */
int kmend_layer_writer_open(const char *path, int level, struct kmend_layer_writer **out,
                            struct kmend_error *err);

/*
 * Add an entry at e->path (a layer path: relative, normalised). A file's content comes from
 * data (a package's payload, e->size bytes) or, when data is NULL, from content[0..e->size).
 * A hard link's target is a path written earlier in this layer.
 */
int kmend_layer_writer_add(struct kmend_layer_writer *w, const struct kmend_pkgfile_entry *e,
                           struct kmend_pkgfile_data *data, const void *content,
                           struct kmend_error *err);

/* A whiteout: path (and what lies below it) is deleted from the layers beneath. */
int kmend_layer_writer_whiteout(struct kmend_layer_writer *w, const char *path,
                                struct kmend_error *err);

/* The layer as written so far, for the caller's summary. */
struct kmend_layer_written {
	char diff_id[KMEND_DIGEST_MAX]; /* sha256 of the tar */
	char digest[KMEND_DIGEST_MAX];  /* sha256 of the gzip file */
	uint64_t size;                  /* of the gzip file */
	uint64_t tar_size;
	size_t entries, whiteouts;
};

/* End the tar and the gzip stream, flush and sync the file; out describes it. */
int kmend_layer_writer_finish(struct kmend_layer_writer *w, struct kmend_layer_written *out,
                              struct kmend_error *err);

/* Free the writer; a layer not finished is removed. NULL-safe. */
void kmend_layer_writer_free(struct kmend_layer_writer *w);

#endif
