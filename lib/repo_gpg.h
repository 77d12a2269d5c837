/*
 * OpenPGP signatures on repository indexes, checked the way apt and dnf check them: gpgv
 * (started with lib/subprocess.h) against the keyrings the image trusts, written to a
 * private temporary directory. Armored keys are de-armored first (gpgv reads binary
 * keyrings only, as apt knows).
 */
#ifndef KMEND_REPO_GPG_H
#define KMEND_REPO_GPG_H

#include <stddef.h>

#include "error.h"
#include "repo.h"

/*
 * Verify a clearsigned document (an InRelease file) and return the text gpgv
 * says is signed in a new buffer (*content, NUL-terminated), so that nothing
 * outside the signature is ever parsed. Detached: verify sig over data
 * (Release.gpg, repomd.xml.asc). what names the document (its URL) in errors.
 *
 * Errors: -KMEND_E_DIGEST when no key verifies the signature (bad signature,
 * unknown, expired or revoked key), with gpgv's reason and the keys tried;
 * -KMEND_E_BAD_INPUT for no keys or a key file that cannot be de-armored;
 * -ENOENT when gpgv is not installed; other -errno.
 */
int kmend_repo_gpg_verify_clearsigned(const struct kmend_repo_key *keys, size_t nkeys,
                                      const char *doc, size_t len, const char *what, char **content,
                                      size_t *content_len, struct kmend_error *err);
int kmend_repo_gpg_verify_detached(const struct kmend_repo_key *keys, size_t nkeys,
                                   const char *data, size_t len, const char *sig, size_t siglen,
                                   const char *what, struct kmend_error *err);

/*
 * De-armor every "-----BEGIN PGP PUBLIC KEY BLOCK-----" of text into binary
 * packets (*out, malloc'd). Text that is not armored is copied as it is.
 * -KMEND_E_BAD_INPUT for a broken armor.
 */
int kmend_repo_gpg_dearmor(const char *text, size_t len, const char *name, char **out,
                           size_t *outlen, struct kmend_error *err);

#endif
