/*
 * Package repositories: what an image (or --mirror) names, the packages their verified
 * indexes list, and the session that fetches, verifies and caches those indexes once for
 * every image of a run. The family-specific parts (configuration syntax, index formats,
 * signatures) are the package-manager backends' (lib/pkgmgr.h).
 */
#ifndef KMEND_REPO_H
#define KMEND_REPO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "pkgmgr_relation.h"
#include "warning.h"

/* How a repository's index is trusted. */
enum kmend_repo_trust {
	KMEND_REPO_VERIFY,   /* its signature must verify against keys */
	KMEND_REPO_TRUSTED,  /* configured as trusted ([trusted=yes], gpgcheck off): no check */
	KMEND_REPO_UNSIGNED, /* --allow-unsigned: verified when signed, accepted with a warning
	                        when it carries no signature at all */
};

/* A key to verify with: an OpenPGP keyring (binary or armored) or a PEM public key (apk). */
struct kmend_repo_key {
	char *name; /* where it came from: "usr/share/keyrings/debian-archive-keyring.gpg" */
	char *data;
	size_t len;
};

struct kmend_repo {
	char *origin;      /* where it is configured: "etc/apt/sources.list:3", "--mirror" */
	char *url;         /* base URL without a trailing '/' */
	char *suite;       /* apt: the dists/ suite ("bookworm-security") or a flat repository's
	                      path ending in '/' ("./"); NULL for apk and dnf */
	char **components; /* apt: NULL-terminated; NULL for a flat repository and other families */
	char *arch;        /* the index architecture: "amd64", "x86_64" */
	enum kmend_repo_trust trust;
	struct kmend_repo_key *keys;
	size_t nkeys;
	bool optional;          /* added by kmend (a mirror's security or updates suite): a
	                           repository without it is warned about, not an error */
	bool check_valid_until; /* apt: a Release past its Valid-Until is refused */
	bool package_gpgcheck;  /* dnf: the install step checks each rpm's signature */
	char **package_keys;    /* dnf: gpgkey paths in the image (file://), NULL-terminated */
};

struct kmend_repo_list {
	struct kmend_repo *items;
	size_t count, capacity;
};

/*
 * Append a repository: every string is copied, keys too. Returns 0, -ENOMEM,
 * or -KMEND_E_TOO_LARGE past KMEND_REPO_MAX_REPOS.
 */
int kmend_repo_list_add(struct kmend_repo_list *list, const struct kmend_repo *repo);
void kmend_repo_list_free(struct kmend_repo_list *list);

/* Add a copy of a key to a repository being built (its keys array). 0 or -ENOMEM. */
int kmend_repo_add_key(struct kmend_repo *repo, const char *name, const char *data, size_t len);
/* Free what kmend_repo_list_add copied into one repository. */
void kmend_repo_clear(struct kmend_repo *repo);

/*
 * One package a repository offers. Strings are NUL-terminated views into the
 * index's own text (never freed one by one); fields marked "may be NULL" are
 * absent from some entries.
 */
struct kmend_repo_pkg {
	const char *name, *version, *arch;
	const char *source; /* source package (deb Source, apk origin, rpm source rpm name) */
	const char *source_version; /* the source's version (differs for binNMUs) */
	const char *depends;        /* the family's relation syntax; may be NULL */
	const char *pre_depends;    /* apt only; may be NULL */
	const char *breaks;         /* apt (Breaks), apk and rpm (conflicts); may be NULL */
	const char *provides;       /* may be NULL */
	const char *filename; /* relative to url: "pool/main/p/perl/perl-base_..._amd64.deb" */
	const char *url;      /* the repository's base URL */
	char sha256[65];      /* hex; "" when the index gives none (apk: see checksum) */
	const char *checksum; /* apk: "Q1" + base64 SHA-1 of the control segment; may be NULL */
	uint64_t size;
};

/* The packages of one repository's verified index. */
struct kmend_repo_index {
	char *name; /* for messages: "http://deb.debian.org/debian bookworm-security/main amd64" */
	struct kmend_repo_pkg *items;
	size_t count, capacity;
	char **texts; /* the buffers the strings point into, NULL-terminated */
	size_t ntexts;
	struct kmend_warnings warnings;
};

/*
 * Add an entry (the strings must live in one of the index's texts). 0,
 * -ENOMEM, or -KMEND_E_TOO_LARGE past KMEND_REPO_MAX_PACKAGES with err naming
 * what (the index).
 */
int kmend_repo_index_add(struct kmend_repo_index *index, const struct kmend_repo_pkg *pkg,
                         const char *what, struct kmend_error *err);
/* Give the index a buffer to own (its entries point into it). 0 or -ENOMEM (buffer freed). */
int kmend_repo_index_own(struct kmend_repo_index *index, char *text);
/*
 * A copy of s that the index owns, for strings its entries share (the repository's URL: the
 * session keeps an index longer than the repository list it was loaded for). NULL: ENOMEM.
 */
const char *kmend_repo_index_keep(struct kmend_repo_index *index, const char *s);
void kmend_repo_index_free(struct kmend_repo_index *index);

/*
 * Every package of several indexes, searchable by name and by what they
 * provide. Holds pointers into the indexes, which must outlive it.
 */
struct kmend_repo_pool {
	const struct kmend_repo_pkg **by_name; /* sorted by name */
	size_t count;
	struct kmend_repo_provide *provides; /* sorted by provided name */
	size_t nprovides;
};

struct kmend_repo_provide {
	const char *name;    /* NUL-terminated copy owned by the pool */
	const char *version; /* the provided version, NULL when unversioned; owned by the pool */
	const struct kmend_repo_pkg *pkg;
};

/*
 * Build the pool of indexes[0..n). parse (may be NULL) reads each package's
 * provides field, in the family's relation syntax.
 */
int kmend_repo_pool_build(struct kmend_repo_pool *pool,
                          const struct kmend_repo_index *const *indexes, size_t n,
                          kmend_relation_parser parse);

/* The packages called name: *first and the count (0 when none). */
size_t kmend_repo_pool_find(const struct kmend_repo_pool *pool, const char *name,
                            const struct kmend_repo_pkg *const **first);

/* The packages providing name: *first and the count. */
size_t kmend_repo_pool_providers(const struct kmend_repo_pool *pool, const char *name,
                                 const struct kmend_repo_provide **first);

void kmend_repo_pool_free(struct kmend_repo_pool *pool);

/* What a session needs to fetch and verify. */
struct kmend_repo_options {
	const char *const *mirrors;     /* --mirror URLs, NULL-terminated; NULL or empty: the
	                                   image's own repositories */
	const char *const *mirror_keys; /* --mirror-key files (OpenPGP or PEM), NULL-terminated */
	bool allow_unsigned;            /* --allow-unsigned */
	const char *cache_dir;          /* NULL: no cache; else indexes are kept under
	                                   cache_dir/repo/ by their SHA-256 */
	bool insecure_tls;              /* do not verify TLS certificates */
	long long now;                  /* the time Release files are checked against; 0: now */
	bool no_check_valid_until;      /* accept Release files past their Valid-Until (a frozen
	                                   snapshot), as apt's Check-Valid-Until=false */
};

struct kmend_repo_session;

/* How a family loads one part (an apt component) of a repository into an index. */
typedef int (*kmend_repo_loader)(struct kmend_repo_session *s, const struct kmend_repo *repo,
                                 const char *part, struct kmend_repo_index *out,
                                 struct kmend_error *err);

/*
 * A session for one run: loaded indexes are kept, so that every image with
 * the same repository (same URL, suite, component, architecture and keys)
 * shares one. opts must outlive the session.
 */
int kmend_repo_session_new(const struct kmend_repo_options *opts, struct kmend_repo_session **out);
void kmend_repo_session_free(struct kmend_repo_session *s);
const struct kmend_repo_options *kmend_repo_session_options(const struct kmend_repo_session *s);

/*
 * The index of a repository, loaded once per session by load (the family's
 * fetch, verify and parse). Returns 0 with *out owned by the session, or
 * load's error (also kept: the same repository fails the same way again).
 */
int kmend_repo_session_index(struct kmend_repo_session *s, const struct kmend_repo *repo,
                             const char *part, kmend_repo_loader load,
                             const struct kmend_repo_index **out, struct kmend_error *err);

/*
 * The pool of indexes[0..n) (see kmend_repo_pool_build), built once per
 * session for each distinct list, so that images sharing repositories share
 * it. *out is owned by the session.
 */
int kmend_repo_session_pool(struct kmend_repo_session *s,
                            const struct kmend_repo_index *const *indexes, size_t n,
                            kmend_relation_parser parse, const struct kmend_repo_pool **out);

/*
 * A family's load step for one part: the session's index of it (loaded once
 * with load), appended to indexes[*n] (at most max) and its warnings to
 * warnings. A repository kmend added (repo->optional) that the server does not
 * have (-KMEND_E_NOT_FOUND) is a warning, not an error.
 */
int kmend_repo_load_part(struct kmend_repo_session *s, const struct kmend_repo *repo,
                         const char *part, kmend_repo_loader load,
                         const struct kmend_repo_index **indexes, size_t *n, size_t max,
                         struct kmend_warnings *warnings, struct kmend_error *err);

/*
 * GET url into memory (at most max bytes). *status is the HTTP status (a
 * response of any status is a success here). A file:///PATH URL reads PATH
 * on this machine (a missing file is status 404). When sha256 (hex) is given and
 * a cache directory is set, a cached copy with that digest is used, and a
 * fetched body whose digest matches is saved; a body whose digest or size
 * (when size is not UINT64_MAX) differs is -KMEND_E_DIGEST naming the URL and
 * where the expected value came from (expected_from).
 */
int kmend_repo_fetch(struct kmend_repo_session *s, const char *url, const char *sha256,
                     uint64_t size, const char *expected_from, size_t max, char **body, size_t *len,
                     long *status, struct kmend_error *err);

/* Decompress (gzip, xz, zstd or plain) data into a new NUL-terminated buffer of at most max. */
int kmend_repo_decompress(const char *data, size_t len, const char *what, size_t max, char **out,
                          size_t *outlen, struct kmend_error *err);

#endif
