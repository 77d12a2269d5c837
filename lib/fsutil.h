/* Files and directories the way every kmend module needs them: private, atomic, never followed. */
#ifndef KMEND_FSUTIL_H
#define KMEND_FSUTIL_H

#include <stdio.h>
#include <sys/types.h>

#include "error.h"

/*
 * mkdir -p with mode for the directories it creates (0700 for caches: blobs
 * from private registries are private). Returns 0 or a negative errno.
 */
int kmend_mkdir_p(const char *dir, mode_t mode);

/*
 * The cache directory: $XDG_CACHE_HOME/kmend, else $HOME/.cache/kmend. There is
 * no shared fallback (a world-writable /tmp/kmend could be planted): with
 * neither variable set it is -ENOENT, and callers tell the user to set one.
 */
int kmend_default_cache_dir(char *out, size_t size);

/*
 * Create path as a new file (O_EXCL|O_NOFOLLOW|O_CLOEXEC, mode 0600): never
 * opens something an attacker placed there first. Returns the fd or -errno.
 */
int kmend_create_private(const char *path);

/*
 * A file written beside its final path and renamed over it on commit, so
 * that readers see the old content or the new, never half. The temporary
 * file is private (0600) until commit gives it mode (or, when the final file
 * exists, that file's mode).
 */
struct kmend_atomic_file {
	FILE *f;
	char path[4096];
	char tmp[4200];
	mode_t mode;
};

/*
 * Begin writing path; err names path on failure (-errno). mode is used for a
 * new file; an existing file keeps its own.
 */
int kmend_atomic_begin(struct kmend_atomic_file *af, const char *path, mode_t mode,
                       struct kmend_error *err);

/*
 * Flush, fsync and rename into place. On any failure the temporary file is
 * removed, the old file is untouched, and err says why.
 */
int kmend_atomic_commit(struct kmend_atomic_file *af, struct kmend_error *err);

/* Give up: remove the temporary file. NULL-safe and safe after commit. */
void kmend_atomic_abort(struct kmend_atomic_file *af);

/* Write len bytes to path atomically (begin, write, commit). */
int kmend_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode,
                            struct kmend_error *err);

/*
 * Read a whole regular file of at most max bytes into a malloc'd,
 * NUL-terminated *data. Errors name path: -ENOENT ("no such file"),
 * -KMEND_E_TOO_LARGE, -KMEND_E_BAD_INPUT (not a regular file), -errno.
 */
int kmend_read_file(const char *path, size_t max, char **data, size_t *len,
                    struct kmend_error *err);

#endif
