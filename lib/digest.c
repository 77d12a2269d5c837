/* SHA-256 digests in the OCI form. */
#include "digest.h"

#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

bool kmend_digest_valid(const char *d)
{
	if (strncmp(d, "sha256:", 7) != 0 || strlen(d) != 71)
		return false;
	for (const char *p = d + 7; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	return true;
}

int kmend_digest_check(const char *d, const char *where, struct kmend_error *err)
{
	if (kmend_digest_valid(d))
		return 0;
	kmend_error_set(err, -KMEND_E_BAD_INPUT, where, 0,
	                "'%.80s' is not a digest kmend can verify", d);
	kmend_error_hint(err, "digests are sha256:<64 lowercase hex digits>");
	return -KMEND_E_BAD_INPUT;
}

void kmend_digest_of(const void *data, size_t len, char out[KMEND_DIGEST_MAX])
{
	unsigned char md[32];
	unsigned int n = 0;

	EVP_Digest(data, len, md, &n, EVP_sha256(), NULL);
	memcpy(out, "sha256:", 7);
	for (int i = 0; i < 32; i++)
		snprintf(out + 7 + 2 * i, 3, "%02x", md[i]);
}
