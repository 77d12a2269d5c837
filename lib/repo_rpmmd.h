/*
 * rpm-md repositories (dnf, yum, microdnf): repodata/repomd.xml, optionally signed
 * (repomd.xml.asc, checked with gpgv), names primary.xml by SHA-256; primary.xml lists the
 * packages. Both parsed with expat, streaming; documents with a DOCTYPE are refused.
 */
#ifndef KMEND_REPO_RPMMD_H
#define KMEND_REPO_RPMMD_H

#include <stddef.h>
#include <stdint.h>

#include "pkgmgr.h"

/* What repomd.xml says of primary.xml. */
struct kmend_rpmmd_primary {
	char href[1024]; /* relative to the repository: "repodata/<sha256>-primary.xml.gz" */
	char sha256[65];
	uint64_t size; /* UINT64_MAX when not given */
};

/* -KMEND_E_BAD_INPUT naming what for a repomd.xml without a primary with a SHA-256. */
int kmend_rpmmd_parse_repomd(const char *xml, size_t len, const char *what,
                             struct kmend_rpmmd_primary *out, struct kmend_error *err);

/*
 * kmend_pkgmgr_dnf's parse_index: a primary.xml (text is freed; the index
 * keeps what it needs in buffers of its own). Relations are written in kmend's
 * rpm serialisation (kmend_relation_parse_rpm); the files primary.xml lists
 * are provides too.
 */
int kmend_rpmmd_parse_primary(char *text, size_t len, const char *url, const char *what,
                              struct kmend_repo_index *index, struct kmend_error *err);

/* kmend_pkgmgr_dnf's load: repomd.xml (verified where the repository asks), then primary.xml. */
int kmend_rpmmd_load(struct kmend_repo_session *s, const struct kmend_repo *repo,
                     const struct kmend_repo_index **indexes, size_t *n, size_t max,
                     struct kmend_warnings *warnings, struct kmend_error *err);

#endif
