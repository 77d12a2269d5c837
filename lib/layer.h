/* Reading one layer (a tar stream): the entries analyzers asked for, whiteouts, links. */
#ifndef KMEND_LAYER_H
#define KMEND_LAYER_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "pathindex.h"
#include "stream.h"

enum kmend_entry_kind {
	KMEND_ENTRY_FILE,     /* data holds the content */
	KMEND_ENTRY_SYMLINK,  /* target as written in the layer */
	KMEND_ENTRY_HARDLINK, /* target: the normalised path it links to, in a lower layer */
	KMEND_ENTRY_WHITEOUT, /* path and everything below it are deleted */
	KMEND_ENTRY_OPAQUE,   /* path is a directory whose lower content is hidden */
	KMEND_ENTRY_DIR,      /* path is a directory: it replaces a lower file or link there */
};

struct kmend_entry {
	enum kmend_entry_kind kind;
	char *path; /* normalised: relative to the root, no "." or ".." parts, no leading '/' */
	char *target;
	char *data;
	size_t len;
};

/*
 * What one layer holds of interest. Owns every entry and string. A file, symlink or hard
 * link met twice at one path is kept once, as the last entry wrote it (tar's rule).
 */
struct kmend_layer_findings {
	struct kmend_entry *entries;
	size_t count, capacity;
	size_t kept;                   /* bytes kept: contents, names, per-entry overhead */
	struct kmend_pathindex index;  /* path -> entry, for all but whiteouts and opaque markers */
	struct kmend_pathfilter *seen; /* every path in the layer and its directory; may be NULL */
};

/*
 * Which paths to keep: patterns, each a file's path, a directory's ending in '/' (every file
 * directly inside it), or a directory's followed by two stars, "usr/local/" "**" (every file
 * below it; the two stars alone: every file),
 * image-relative without a leading '/'. Owns its strings.
 */
struct kmend_want {
	char **patterns;
	size_t count, capacity;
};

/* Add a pattern (copied; one already there is not added twice). 0 or -ENOMEM. */
int kmend_want_add(struct kmend_want *w, const char *pattern);

/*
 * Add a file whose presence alone matters (a program kmend fix looks for): it is wanted as a
 * pattern is, but kept empty, its content never read. Stored as "?" + path. 0 or -ENOMEM.
 */
int kmend_want_add_presence(struct kmend_want *w, const char *path);

/* True when path is wanted for its presence only (no pattern asks for its content). */
bool kmend_want_presence_only(const struct kmend_want *w, const char *path);

/* True when some pattern names the file at path. */
bool kmend_want_file(const struct kmend_want *w, const char *path);

/*
 * True when dir is a directory on the way to a wanted file ("" is the root), so that a
 * symlink, whiteout or opaque marker there matters.
 */
bool kmend_want_below(const struct kmend_want *w, const char *dir);

/* 16 hex digits that change with the patterns: what the layer cache keys findings by. */
void kmend_want_id(const struct kmend_want *w, char out[17]);

void kmend_want_free(struct kmend_want *w);

/*
 * Walk a plain (decompressed) tar stream once, keeping the wanted files' content and the
 * symlinks, hard links, whiteouts and opaque markers that can change them; everything else
 * is read past, its path only added to out->seen. A hard link to an entry kept earlier in the
 * layer becomes a copy of it. The stream is read to its very end, so that a verifying stream
 * beneath checks its digest. name (the layer's digest) is used in errors. image_left is what
 * the image's cap (KMEND_IMAGE_KEPT_MAX) leaves for this layer.
 *
 * Errors: -KMEND_E_BAD_INPUT for a corrupt or truncated tar or an entry whose name escapes
 * the root ("../x"); -KMEND_E_TOO_LARGE for a wanted file over KMEND_PKGDB_MAX_SIZE, or kept
 * bytes over KMEND_LAYER_KEPT_MAX or image_left, or entries over KMEND_KEPT_MAX_ENTRIES;
 * whatever the stream reports (-KMEND_E_DIGEST...). out is left to free.
 */
int kmend_layer_walk(struct kmend_istream *tar, const char *name, const struct kmend_want *want,
                     size_t image_left, struct kmend_layer_findings *out, struct kmend_error *err);

void kmend_layer_findings_free(struct kmend_layer_findings *f);

/*
 * Append an entry (strings copied), or replace the file, link or directory already at its
 * path.
 * 0, -ENOMEM, or -KMEND_E_TOO_LARGE past KMEND_KEPT_MAX_ENTRIES entries.
 */
int kmend_layer_findings_add(struct kmend_layer_findings *f, enum kmend_entry_kind kind,
                             const char *path, const char *target, const char *data, size_t len);

/* The same, taking over data (malloc'd, a NUL after len bytes; freed on failure). */
int kmend_layer_findings_take(struct kmend_layer_findings *f, enum kmend_entry_kind kind,
                              const char *path, const char *target, char *data, size_t len);

/* The bytes an entry of this kind and size counts against the caps. */
size_t kmend_entry_cost(const char *path, const char *target, size_t len);

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
