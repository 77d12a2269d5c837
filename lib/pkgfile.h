/*
 * Package files (.deb, .apk, .rpm) read from memory: the control part (metadata, scripts,
 * checksums) and a walk over the files they install. One reader per format behind one ops
 * table; what they hand out is checked (paths normalised and kept inside the root, sizes
 * and counts capped), since a package file is outside input even when its digest matched.
 */
#ifndef KMEND_PKGFILE_H
#define KMEND_PKGFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

enum kmend_pkgfile_kind {
	KMEND_PKGFILE_FILE,
	KMEND_PKGFILE_DIR,
	KMEND_PKGFILE_SYMLINK,
	KMEND_PKGFILE_HARDLINK, /* target: an earlier entry's path, normalised */
};

/* One file the package installs, as its payload describes it. Valid during the callback. */
struct kmend_pkgfile_entry {
	enum kmend_pkgfile_kind kind;
	const char *path;   /* normalised: relative to the root, no leading '/'; "" is the root */
	const char *target; /* symlink: as written; hard link: normalised path; else NULL */
	mode_t perm;        /* permission bits with setuid, setgid and sticky */
	long long uid, gid;
	const char *uname, *gname; /* may be NULL */
	long long mtime;
	uint64_t size; /* files only */
	bool ghost;    /* rpm %ghost: owned, not shipped; no content */
};

/* A member of the control part: "control", "md5sums", "postinst"; ".PKGINFO"; rpm's scripts. */
struct kmend_pkgfile_member {
	char *name;
	char *data; /* NUL-terminated, not counted in len */
	size_t len;
};

struct kmend_pkgfile;
struct kmend_pkgfile_data; /* the current entry's content, during a walk */

/* Read up to n bytes of the current entry; 0 at its end, <0 with err filled. */
ssize_t kmend_pkgfile_read(struct kmend_pkgfile_data *d, void *buf, size_t n,
                           struct kmend_error *err);

/* Called for each entry of the payload; non-zero stops the walk and is returned. */
typedef int (*kmend_pkgfile_fn)(void *ctx, const struct kmend_pkgfile_entry *e,
                                struct kmend_pkgfile_data *data, struct kmend_error *err);

struct kmend_pkgfile_ops {
	const char *format; /* "deb", "apk", "rpm" */
	/* Read the control part into pf->members (and the name, version, arch). */
	int (*open)(struct kmend_pkgfile *pf, struct kmend_error *err);
	/* Walk the payload in its order. */
	int (*walk)(struct kmend_pkgfile *pf, kmend_pkgfile_fn fn, void *ctx,
	            struct kmend_error *err);
	void (*free)(struct kmend_pkgfile *pf);
};

struct kmend_pkgfile {
	const struct kmend_pkgfile_ops *ops;
	char what[256];            /* names the file in errors */
	const unsigned char *data; /* the whole file; not owned, outlives pf */
	size_t len;
	char *name, *version, *arch; /* from the control part */
	struct kmend_pkgfile_member *members;
	size_t nmembers, members_capacity;
	void *state; /* the reader's */
};

extern const struct kmend_pkgfile_ops kmend_pkgfile_deb;
extern const struct kmend_pkgfile_ops kmend_pkgfile_apk;
extern const struct kmend_pkgfile_ops kmend_pkgfile_rpm;

/*
 * Open a package file of the given format held in data[0..len) (which must outlive pf);
 * what names it in errors. Errors: -KMEND_E_BAD_INPUT (not that format, truncated, a
 * member or path kmend refuses), -KMEND_E_TOO_LARGE (past KMEND_PKGFILE_* limits),
 * -KMEND_E_UNSUPPORTED (a compression or format version kmend cannot read), -ENOMEM.
 */
int kmend_pkgfile_open(const struct kmend_pkgfile_ops *ops, const void *data, size_t len,
                       const char *what, struct kmend_pkgfile *pf, struct kmend_error *err);

/* Walk the payload (see kmend_pkgfile_fn). */
int kmend_pkgfile_walk(struct kmend_pkgfile *pf, kmend_pkgfile_fn fn, void *ctx,
                       struct kmend_error *err);

/* The control member called name, or NULL. */
const struct kmend_pkgfile_member *kmend_pkgfile_member(const struct kmend_pkgfile *pf,
                                                        const char *name);

void kmend_pkgfile_free(struct kmend_pkgfile *pf);

/* For the readers: keep a control member (name and data copied). 0, -ENOMEM, -KMEND_E_TOO_LARGE. */
int kmend_pkgfile_add_member(struct kmend_pkgfile *pf, const char *name, const char *data,
                             size_t len, struct kmend_error *err);

/*
 * For the readers: read the walk's current entry e (at most KMEND_PKGDB_MAX_SIZE bytes) and
 * keep it as a control member under its path. Errors name pf->what and the member: over the
 * size, cut short (or the reader's own error).
 */
int kmend_pkgfile_keep_entry(struct kmend_pkgfile *pf, const struct kmend_pkgfile_entry *e,
                             struct kmend_pkgfile_data *data, struct kmend_error *err);

/*
 * For the readers: walk a tar (or cpio) payload with libarchive, any compression, from
 * memory: each entry's path normalised (one climbing out of the root is refused), its
 * kind, mode and owners handed to fn. skip_dot: entries whose first part starts with '.'
 * are control, not payload (apk).
 */
int kmend_pkgfile_walk_archive(const void *data, size_t len, const char *what, bool skip_dot,
                               kmend_pkgfile_fn fn, void *ctx, struct kmend_error *err);

#endif
