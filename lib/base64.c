/* Base64 decoding over OpenSSL's block decoder, with the padding arithmetic it leaves out. */
#include "base64.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

int kmend_base64_decode(const char *in, size_t len, char **out, size_t *out_len)
{
	char *clean, *buf;
	size_t n = 0, i, pad = 0;
	int got;

	if (len > (size_t)1 << 30)
		return -EINVAL;
	if (!(clean = malloc(len + 1)))
		return -ENOMEM;
	for (i = 0; i < len; i++)
		if (in[i] != '\n' && in[i] != '\r' && in[i] != ' ' && in[i] != '\t')
			clean[n++] = in[i];
	if (n % 4 != 0) {
		free(clean);
		return -EINVAL;
	}
	/* '=' only at the end, at most two of them. */
	while (pad < 2 && n > pad && clean[n - 1 - pad] == '=')
		pad++;
	if (memchr(clean, '=', n - pad)) {
		free(clean);
		return -EINVAL;
	}
	if (!(buf = malloc(n / 4 * 3 + 1))) {
		free(clean);
		return -ENOMEM;
	}
	got = n ? EVP_DecodeBlock((unsigned char *)buf, (unsigned char *)clean, (int)n) : 0;
	free(clean);
	if (got < 0) {
		free(buf);
		return -EINVAL;
	}
	/* EVP_DecodeBlock counts each '=' as a zero byte of output. */
	got -= (int)pad;
	buf[got] = '\0';
	*out = buf;
	*out_len = (size_t)got;
	return 0;
}

char *kmend_base64_encode(const void *in, size_t len)
{
	char *out;

	if (len > (size_t)1 << 30 || !(out = malloc((len + 2) / 3 * 4 + 1)))
		return NULL;
	EVP_EncodeBlock((unsigned char *)out, in, (int)len);
	return out;
}
