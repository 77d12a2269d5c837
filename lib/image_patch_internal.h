/* What the patch's families share (lib/image_patch*.c only): the state and the ops. */
#ifndef KMEND_IMAGE_PATCH_INTERNAL_H
#define KMEND_IMAGE_PATCH_INTERNAL_H

#include <stdio.h>

#include "image_patch.h"
#include "pathindex.h"
#include "pkgfile.h"
#include "rootfs.h"

/* One entry of a package's payload, and where it lands in the layer. */
struct patch_path {
	char *path;       /* as the package names it: "lib/x86_64-linux-gnu/libz.so.1" */
	char *layer_path; /* where it is written ("usr/lib/..." through the image's
	                     /lib link); NULL: not written (a conffile the user changed) */
	enum kmend_pkgfile_kind kind;
	bool owner_set; /* uid and gid below replace the payload's (rpm: the header's names) */
	long long uid, gid;
	char sum[65]; /* files: the family's digest of the content, hex (dpkg: MD5, apk: SHA-1) */
};

/* One package being replaced. */
struct patch_pkg {
	const struct kmend_fix_package *fix;
	char *bytes; /* the package file */
	size_t len;
	struct kmend_pkgfile pf;
	struct patch_path *paths; /* the payload, in its order */
	size_t npaths, paths_capacity;
	struct kmend_pathindex index; /* path -> paths[i] */
	struct kmend_patch_package *out;
};

/* A file the patch writes itself (the package database's). */
struct patch_file {
	char *path;
	char *data;
	size_t len;
	mode_t perm;
};

struct patch_family_ops;

struct kmend_patch {
	const struct patch_family_ops *family;
	struct kmend_patch_request req;
	struct patch_pkg *pkgs;
	size_t npkgs;
	struct kmend_patch_package *packages;
	struct kmend_rootfs view; /* the image as its layers leave it, for the paths wanted */
	struct patch_file *files;
	size_t nfiles, files_capacity;
	char **whiteouts; /* layer paths, NULL-terminated (may be NULL) */
	struct kmend_warnings warnings;
	void *db; /* the family's */
};

/*
 * A family: the package format and how its database is updated. The steps run in order:
 * want_db's paths are read from the image; read_db parses them, reviews the scripts and
 * adds to want what the second read needs (paths on the way of the payload, conffiles);
 * update_db sets each payload path's layer_path and adds the database files and whiteouts.
 */
struct patch_family_ops {
	const char *package_manager; /* kmend_pkgmgr's name: "apt", "apk", "dnf" */
	const struct kmend_pkgfile_ops *format;
	const char *payload_digest; /* OpenSSL's name of the digest the database keeps of each
	                               file ("md5", "sha1"), or NULL */
	int (*want_db)(struct kmend_want *w);
	int (*read_db)(struct kmend_patch *p, struct kmend_want *want, struct kmend_error *err);
	int (*update_db)(struct kmend_patch *p, struct kmend_error *err);
	void (*free_db)(struct kmend_patch *p);
};

extern const struct patch_family_ops patch_dpkg_ops;
extern const struct patch_family_ops patch_apk_ops;
extern const struct patch_family_ops patch_rpm_ops;

/* Keep a file for the layer (data copied). 0 or -ENOMEM. */
int patch_add_file(struct kmend_patch *p, const char *path, const char *data, size_t len,
                   mode_t perm);

/* Delete path (a layer path) from the layers beneath. 0 or -ENOMEM. */
int patch_add_whiteout(struct kmend_patch *p, const char *path);

/*
 * Where path lands in the image: its directory's links followed (as dpkg and apk follow
 * them), and the last part too when follow_last (a directory over a link to one). Into out.
 * 0, -ELOOP, -ENAMETOOLONG.
 */
int patch_layer_path(const struct kmend_patch *p, const char *path, bool follow_last, char *out,
                     size_t size);

/* The file the view holds at exactly path (no link followed), or NULL. */
const struct kmend_rootfs_node *patch_view_file(const struct kmend_patch *p, const char *path);

/* Some package being patched ships path (another version's file that stays). */
bool patch_shipped(const struct kmend_patch *p, const char *path);

/* The next record (lines up to a blank line) at or after *pos: [*start, *end), *end after
   its last newline. false at the end. (dpkg's status, apk's installed.) */
bool patch_next_record(const char *text, size_t len, size_t *pos, size_t *start, size_t *end);

/* Ask the second read for path's directory: its links, and its files' presence. */
int patch_want_dir(struct kmend_want *want, const char *path);

/* Where a package's record lies in a database text. */
struct patch_record {
	size_t at, len;
};

/*
 * Keep the database file path: text with record recs[i] of each package being patched
 * replaced by what write(p, i, out) writes. 0, -ENOMEM, or write's error.
 */
int patch_rewrite_records(struct kmend_patch *p, const char *path, const char *text, size_t len,
                          const struct patch_record *recs,
                          int (*write)(struct kmend_patch *p, size_t i, FILE *out));

/*
 * A maintainer script reviewed line by line: NULL when it only places files for this upgrade
 * (comments, set -e, ldconfig, dpkg-maintscript-helper for older versions, tests of $1
 * around them), else the first line that does more, quoted into why. old_version is the
 * version being upgraded from (for the helpers' prior-version).
 */
const char *patch_script_review(const char *script, size_t len, const char *old_version,
                                const struct kmend_version_scheme *scheme, char *why, size_t size);

#endif
