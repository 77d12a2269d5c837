/*
 * Package-manager families (apt/dpkg, apk, dnf/rpm): one const ops table each, one file
 * each (pkgmgr_apt.c, pkgmgr_apk.c, pkgmgr_dnf.c). A family reads the image's repository
 * configuration, fetches, verifies and parses indexes, parses its relation fields, and writes
 * the download and install steps of a fix. lib/distro.h says which family an OS uses.
 */
#ifndef KMEND_PKGMGR_H
#define KMEND_PKGMGR_H

#include <stdbool.h>
#include <stdio.h>

#include "distro.h"
#include "error.h"
#include "fix_files.h"
#include "osrelease.h"
#include "pkgmgr_relation.h"
#include "repo.h"
#include "version.h"
#include "warning.h"

struct kmend_fix_plan;
struct kmend_fix_package;

/* What a family reads its repositories from. */
struct kmend_pkgmgr_context {
	const struct kmend_fix_files *files; /* the image's */
	const struct kmend_os *os;
	const char *arch; /* the family's name for the image's architecture */
	const struct kmend_repo_options *opts;
	struct kmend_warnings *warnings; /* what the user should know (a source kmend skips) */
};

struct kmend_pkgmgr {
	const char *name; /* "apt", "apk", "dnf": kmend_distro's package_manager */
	enum kmend_package_type type;
	const struct kmend_version_scheme *scheme;
	/* The image files it reads: paths, or "dir/" for every file directly in dir. */
	const char *const *config_paths;
	/* Programs whose presence it checks (only their presence is kept). */
	const char *const *programs;

	/* The family's architecture name for an OCI platform ("linux/arm64" -> "arm64"), or NULL.
	 */
	const char *(*arch_of_platform)(const char *platform);
	/* The architecture of packages for every architecture: "all", "noarch". */
	const char *arch_indep;

	/*
	 * NULL when the image has what the steps run (a shell, the package tool, a
	 * way to download), else a sentence saying what is missing.
	 */
	const char *(*missing_tool)(const struct kmend_fix_files *files);

	/*
	 * The repositories to resolve from: the image's own configuration, or the
	 * mirrors (opts->mirrors) laid out as the distribution lays them out. A
	 * source kmend cannot use is warned about; none usable is
	 * -KMEND_E_NOT_FOUND, a malformed configuration -KMEND_E_BAD_INPUT naming
	 * the file and line.
	 */
	int (*read_repos)(const struct kmend_pkgmgr_context *ctx, struct kmend_repo_list *out,
	                  struct kmend_error *err);

	/*
	 * Load every index of one repository into the session (fetch, verify the
	 * signature and the index's checksum, parse), appending each to *indexes
	 * (at most max). Errors name the URL: -KMEND_E_DIGEST for an index that
	 * does not match its signed checksum or a signature that does not verify,
	 * -KMEND_E_NOT_FOUND for a repository with no index (not for an optional
	 * one: that is a warning), network errors.
	 */
	int (*load)(struct kmend_repo_session *s, const struct kmend_repo *repo,
	            const struct kmend_repo_index **indexes, size_t *n, size_t max,
	            struct kmend_warnings *warnings, struct kmend_error *err);

	/*
	 * Parse an index already verified (Debian's Packages, apk's APKINDEX, rpm's
	 * primary.xml): text becomes the index's (freed with it, also on error);
	 * url is the repository's base URL the entries' file names are relative
	 * to; what names the index in warnings. Entries kmend cannot use are
	 * counted in a warning. Errors: -KMEND_E_BAD_INPUT, -KMEND_E_TOO_LARGE.
	 */
	int (*parse_index)(char *text, size_t len, const char *url, const char *what,
	                   struct kmend_repo_index *out, struct kmend_error *err);

	/* Relation fields (depends, pre_depends, breaks, provides), in the family's syntax. */
	kmend_relation_parser parse_relation;

	/*
	 * May be NULL. After resolution: pin what the index does not pin by SHA-256
	 * (apk: fetch each planned package, check it against the signed index,
	 * record its SHA-256). Errors name the package's URL.
	 */
	int (*pin_files)(struct kmend_repo_session *s, struct kmend_fix_plan *plan,
	                 struct kmend_error *err);

	/*
	 * The family's parts of the steps (lib/fix_script.c writes the rest: POSIX
	 * sh under set -e, in the download directory). write_fetch defines
	 * kmend_get URL FILE SHA256, which downloads URL into FILE with the
	 * image's own tools. write_installed writes a shell test that is true when
	 * package p is installed at its planned version; write_install_helpers
	 * (may be NULL) defines what that test calls. write_install installs the
	 * files named in $kmend_todo (file names in the current directory).
	 */
	void (*write_fetch)(FILE *out);
	void (*write_install_helpers)(FILE *out);
	void (*write_installed)(FILE *out, const struct kmend_fix_package *p);
	void (*write_install)(FILE *out, const struct kmend_fix_plan *plan);
};

extern const struct kmend_pkgmgr kmend_pkgmgr_apt;
extern const struct kmend_pkgmgr kmend_pkgmgr_apk;
extern const struct kmend_pkgmgr kmend_pkgmgr_dnf;

/* Every family, NULL-terminated. */
extern const struct kmend_pkgmgr *const kmend_pkgmgrs[];

/* The family of a distribution (its package_manager), or NULL. */
const struct kmend_pkgmgr *kmend_pkgmgr_for(const struct kmend_distro *distro);

/*
 * Whether an index entry of pkg_arch may replace a package installed with
 * installed_arch (NULL: any) on an image of arch: the same architecture, or a
 * move between the architecture-independent one and the image's.
 */
bool kmend_pkgmgr_arch_matches(const struct kmend_pkgmgr *family, const char *pkg_arch,
                               const char *installed_arch, const char *arch);

/* The first of candidates (NULL-terminated paths) that the image has, or NULL. */
const char *kmend_pkgmgr_find_program(const struct kmend_fix_files *files,
                                      const char *const *candidates);

/* Write s to out as one single-quoted shell word ('it'\''s'). */
void kmend_sh_quote(FILE *out, const char *s);

#endif
