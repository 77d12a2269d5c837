/* Reading one layer (a tar stream): the entries analyzers asked for, whiteouts, links. */
#ifndef KMEND_LAYER_H
#define KMEND_LAYER_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "stream.h"

enum kmend_entry_kind {
	KMEND_ENTRY_FILE,     /* data holds the content */
	KMEND_ENTRY_SYMLINK,  /* target as written in the layer */
	KMEND_ENTRY_HARDLINK, /* target: the normalised path it links to */
	KMEND_ENTRY_WHITEOUT, /* path and everything below it are deleted */
	KMEND_ENTRY_OPAQUE,   /* path is a directory whose lower content is hidden */
};

struct kmend_entry {
	enum kmend_entry_kind kind;
	char *path; /* normalised: relative to the root, no "." or ".." parts, no leading '/' */
	char *target;
	char *data;
	size_t len;
};

/* What one layer holds of interest. Owns every entry and string. */
struct kmend_layer_findings {
	struct kmend_entry *entries;
	size_t count, capacity;
};

/*
 * Which paths to keep. wants(path) is true for a file an analyzer reads;
 * wants_below(path) is true when path is a directory on the way to such a
 * file (so that a symlink or whiteout there matters).
 */
struct kmend_want {
	bool (*wants)(const char *path);
	bool (*wants_below)(const char *path);
};

/*
 * Walk a plain (decompressed) tar stream once, keeping the wanted files'
 * content and the symlinks, hard links, whiteouts and opaque markers that can
 * change them; everything else is read past. The stream is read to its very
 * end, so that a verifying stream beneath checks its digest. name (the layer's
 * digest) is used in errors.
 *
 * Errors: -KMEND_E_BAD_INPUT for a corrupt or truncated tar or an entry whose
 * name escapes the root ("../x"), -KMEND_E_TOO_LARGE for a wanted file over
 * KMEND_PKGDB_MAX_SIZE, and whatever the stream reports (-KMEND_E_DIGEST...).
 */
int kmend_layer_walk(struct kmend_istream *tar, const char *name, const struct kmend_want *want,
                     struct kmend_layer_findings *out, struct kmend_error *err);

void kmend_layer_findings_free(struct kmend_layer_findings *f);

/* Append an entry (strings copied). */
int kmend_layer_findings_add(struct kmend_layer_findings *f, enum kmend_entry_kind kind,
                             const char *path, const char *target, const char *data, size_t len);

/*
 * Normalise a path from a tar entry in place: drop leading "/" and "./",
 * empty and "." parts and a trailing '/', resolve ".." lexically. Returns 0,
 * or -KMEND_E_BAD_INPUT when ".." would climb above the root. The root itself
 * becomes "".
 */
int kmend_path_normalize(char *path);

/* The same for a symlink target joined to its directory: ".." at the root stays there. */
void kmend_path_normalize_in_root(char *path);

#endif
