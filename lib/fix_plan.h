/*
 * What kmend fix installs in one image: for each vulnerable source package, the lowest
 * version in the image's repositories that fixes all its findings (or the newest), every
 * installed binary of that source, and every installed dependency the new versions need
 * newer; each with the exact file, URL, SHA-256 and size from the verified index. What
 * cannot be fixed at start is refused with the reason and the better repair, never skipped.
 */
#ifndef KMEND_FIX_PLAN_H
#define KMEND_FIX_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "fix_files.h"
#include "inventory.h"
#include "match.h"
#include "oci_manifest.h"
#include "pkgmgr.h"
#include "repo.h"
#include "warning.h"

/* One package the fix installs. Strings are owned by the plan. */
struct kmend_fix_package {
	char *name, *version, *arch;
	char *installed; /* the version installed now */
	char *source;    /* its source package */
	char
	    *filename; /* its path in the repository ("pool/main/p/perl/perl-base_..._amd64.deb") */
	char *url;     /* where the download step fetches it */
	char *file;    /* its file name in the download directory: safe for a shell word */
	char sha256[65]; /* hex, from the verified index (apk: from the file, checked against it) */
	char *checksum;  /* apk: the index's checksum of the package's control part; else NULL */
	uint64_t size;
	char *reason; /* why: "fixes perl (CVE-2024-56406)", "needed by apt (libapt-pkg6.0
	                 (>= 2.6.2))" */
};

/* Why something cannot be fixed at start; stable codes for machines. */
struct kmend_fix_refusal {
	char code[40]; /* "no-shell", "no-package-manager", "not-root", "unknown-distribution",
	                  "no-fix-published", "not-in-repository", "dependency-not-installed",
	                  "dependency-not-available", "no-original-command" */
	char *source;  /* the source package it concerns; NULL when it is the whole image */
	char *message; /* for people: what, and why */
	char *repair;  /* the better repair ("kmend harden: ...") */
};

struct kmend_fix_plan {
	const struct kmend_pkgmgr *family;  /* NULL when the image cannot be fixed at all */
	char *arch;                         /* the family's name for the image's architecture */
	bool fixable;                       /* false: refused[0] says why nothing can be done */
	struct kmend_fix_package *packages; /* in install order: sorted by name */
	size_t npackages, packages_capacity;
	struct kmend_fix_refusal *refused;
	size_t nrefused, refused_capacity;
	char **package_keys; /* dnf: rpm signing keys (image paths) the install step imports */
	bool package_gpgcheck;
	struct kmend_warnings warnings; /* a source kmend skipped, an optional suite missing... */
};

/* What to plan for. */
struct kmend_fix_request {
	const struct kmend_inventory *inv;        /* the image's OS, packages and fix files */
	const char *platform;                     /* "linux/amd64", as the image's config says */
	const struct kmend_image_run_config *run; /* User; may be NULL */
	const struct kmend_findings *findings;    /* from kmend_match, for this image */
	bool prefer_newest;                       /* --prefer newest */
	bool no_tools; /* kmend itself puts the packages in (harden's patch): the image's shell,
	                  package manager and downloader are not needed */
};

/*
 * Plan the fix. What cannot be fixed goes into out->refused (the whole image:
 * out->fixable false); a repository that cannot be read or verified is an
 * error (its URL named): -KMEND_E_DIGEST (signature, checksum), network
 * errors, -KMEND_E_BAD_INPUT (configuration), -KMEND_E_NOT_FOUND (no usable
 * repository). out is filled in either case and freed with kmend_fix_plan_free.
 */
int kmend_fix_plan_build(struct kmend_repo_session *s, const struct kmend_fix_request *req,
                         struct kmend_fix_plan *out, struct kmend_error *err);

/*
 * The resolution alone (kmend_fix_plan_build's last step), against indexes
 * already verified and pooled; pool may be NULL when no finding has a fix.
 * Adds to out's packages and refusals. 0, -ENOMEM, -KMEND_E_TOO_LARGE.
 */
int kmend_fix_plan_resolve(const struct kmend_fix_request *req, const struct kmend_pkgmgr *family,
                           const char *arch, const struct kmend_repo_pool *pool,
                           struct kmend_fix_plan *out);

void kmend_fix_plan_free(struct kmend_fix_plan *plan);

/* The planned package called name, or NULL. */
const struct kmend_fix_package *kmend_fix_plan_find(const struct kmend_fix_plan *plan,
                                                    const char *name);

/*
 * Whether the plan fixes a finding: its package is planned at a version at or
 * above the finding's fixed version (compared as its source's version).
 */
bool kmend_fix_plan_fixes(const struct kmend_fix_plan *plan, const struct kmend_finding *f);

/*
 * Whether a container of the image runs as root and so can install:
 * image_user is the config's User (NULL or "" for root), run_as_user the pod's
 * runAsUser (-1 when unset, it wins over User), run_as_non_root the pod's
 * runAsNonRoot. Names are looked up in the image's /etc/passwd. Returns true,
 * or false with why (a sentence) in reason.
 */
bool kmend_fix_runs_as_root(const char *image_user, const struct kmend_fix_files *files,
                            long run_as_user, bool run_as_non_root, char *reason, size_t size);

/* The better repair for what cannot be fixed at start. */
#define KMEND_FIX_REPAIR_REBUILD                                                                   \
	"kmend harden: rebuild the image with the fixed packages, or move it to a newer base "     \
	"image"

/* Add a refusal (strings copied; source and repair may be NULL). 0 or -ENOMEM. */
int kmend_fix_plan_refuse(struct kmend_fix_plan *plan, const char *code, const char *source,
                          const char *repair, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

#endif
