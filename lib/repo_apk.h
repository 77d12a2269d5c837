/*
 * apk's signed archives, checked the way apk-tools checks them: an APKINDEX.tar.gz or a .apk
 * is gzip members laid end to end; the first holds ".SIGN.RSA[256].<key name>", an RSA
 * signature (PKCS#1 v1.5, SHA-1 or SHA-256) over the raw bytes of the member after it. A
 * package's control member is pinned by the index (C:Q1, its SHA-1) and pins the data member
 * (datahash in .PKGINFO, its SHA-256).
 */
#ifndef KMEND_REPO_APK_H
#define KMEND_REPO_APK_H

#include <stddef.h>

#include "pkgmgr.h"

/*
 * Verify an APKINDEX.tar.gz against keys (PEM public keys, matched by file
 * name to the signature's key name) and return the APKINDEX text in a new
 * buffer. trust KMEND_REPO_TRUSTED skips the check; KMEND_REPO_UNSIGNED
 * accepts an archive without a signature member (a warning is added). what
 * names it in errors: -KMEND_E_DIGEST (bad signature, unknown key, no
 * signature), -KMEND_E_BAD_INPUT (not gzip members, no APKINDEX inside).
 */
int kmend_apk_index_open(const char *data, size_t len, const struct kmend_repo_key *keys,
                         size_t nkeys, enum kmend_repo_trust trust, const char *what, char **index,
                         size_t *index_len, struct kmend_warnings *warnings,
                         struct kmend_error *err);

/*
 * Check a downloaded .apk against its index entry: the SHA-1 of its control
 * member is checksum ("Q1" + base64), and its data member has the SHA-256
 * the control's .PKGINFO names. -KMEND_E_DIGEST naming what otherwise.
 */
int kmend_apk_package_check(const char *data, size_t len, const char *checksum, const char *what,
                            struct kmend_error *err);

/* kmend_pkgmgr_apk's parse_index: an APKINDEX text. */
int kmend_apk_parse_index(char *text, size_t len, const char *url, const char *what,
                          struct kmend_repo_index *index, struct kmend_error *err);

#endif
