/* Base64 (RFC 4648, standard alphabet) decoding, for PEM blobs and credentials in config files. */
#ifndef KMEND_BASE64_H
#define KMEND_BASE64_H

#include <stddef.h>

/*
 * Decode len bytes of base64 (padding required, whitespace and newlines
 * skipped, as kubeconfig and Docker config files carry it) into a malloc'd,
 * NUL-terminated *out of *out_len bytes. Errors: -EINVAL for text that is not
 * base64 (*out untouched), -ENOMEM.
 */
int kmend_base64_decode(const char *in, size_t len, char **out, size_t *out_len);

/* Encode len bytes as base64 with padding into a malloc'd string; NULL on allocation failure. */
char *kmend_base64_encode(const void *in, size_t len);

#endif
