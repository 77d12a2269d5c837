/* A stream that checks the SHA-256 digest and size of what passes through it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "digest.h"
#include "fsutil.h"
#include "stream.h"

struct verify_stream {
	struct kmend_istream base;
	struct kmend_istream *inner;
	EVP_MD_CTX *ctx;
	uint64_t expected_size, seen;
	char digest[KMEND_DIGEST_MAX];
	int done;
	/* kmend_istream_verify_save: the copy being written (private, O_EXCL|O_NOFOLLOW) and
	   renamed into place once verified; save.f NULL when there is none. */
	struct kmend_atomic_file save;
};

/* Keep the copy only when every byte was verified; otherwise it never existed. */
static void save_finish(struct verify_stream *v, int verified)
{
	if (!v->save.f)
		return;
	if (!verified || kmend_atomic_commit(&v->save, NULL) < 0)
		kmend_atomic_abort(&v->save);
	v->save.f = NULL;
}

static ssize_t verify_read(struct kmend_istream *s, void *buf, size_t size)
{
	struct verify_stream *v = (struct verify_stream *)s;
	unsigned char md[32];
	char got[KMEND_DIGEST_MAX] = "sha256:";
	ssize_t n;

	if (v->done)
		return 0;
	n = kmend_istream_read(v->inner, buf, size);
	if (n < 0) {
		s->err = v->inner->err;
		return n;
	}
	if (n > 0) {
		v->seen += (uint64_t)n;
		if (v->expected_size != UINT64_MAX && v->seen > v->expected_size)
			return kmend_error_set(&s->err, -KMEND_E_DIGEST, v->digest, 0,
			                       "blob is larger than the %llu bytes its descriptor "
			                       "gives",
			                       (unsigned long long)v->expected_size);
		EVP_DigestUpdate(v->ctx, buf, (size_t)n);
		if (v->save.f && fwrite(buf, 1, (size_t)n, v->save.f) != (size_t)n)
			save_finish(v, 0); /* a cache that cannot be written is no error */
		return n;
	}
	v->done = 1;
	if (v->expected_size != UINT64_MAX && v->seen != v->expected_size) {
		save_finish(v, 0);
		return kmend_error_set(&s->err, -KMEND_E_DIGEST, v->digest, 0,
		                       "blob has %llu bytes, its descriptor says %llu",
		                       (unsigned long long)v->seen,
		                       (unsigned long long)v->expected_size);
	}
	EVP_DigestFinal_ex(v->ctx, md, NULL);
	for (int i = 0; i < 32; i++)
		snprintf(got + 7 + 2 * i, 3, "%02x", md[i]);
	if (strcmp(got, v->digest) != 0) {
		kmend_error_set(&s->err, -KMEND_E_DIGEST, v->digest, 0,
		                "blob content does not match its digest (content is %s)", got);
		kmend_error_hint(&s->err, "the image or the cache is corrupt or was tampered "
		                          "with; pull it again");
		save_finish(v, 0);
		return -KMEND_E_DIGEST;
	}
	save_finish(v, 1);
	return 0;
}

static void verify_close(struct kmend_istream *s)
{
	struct verify_stream *v = (struct verify_stream *)s;

	kmend_istream_close(v->inner);
	EVP_MD_CTX_free(v->ctx);
	save_finish(v, 0); /* closed before the end: not verified */
	free(v);
}

static const struct kmend_istream_ops verify_ops = {
    .name = "verify",
    .read = verify_read,
    .close = verify_close,
};

int kmend_istream_verify(struct kmend_istream *inner, const char *digest, uint64_t size,
                         struct kmend_istream **out, struct kmend_error *err)
{
	struct verify_stream *v;
	int r;

	if ((r = kmend_digest_check(digest, "blob descriptor", err)) < 0) {
		kmend_istream_close(inner);
		return r;
	}
	v = calloc(1, sizeof(*v));
	if (!v || !(v->ctx = EVP_MD_CTX_new()) || !EVP_DigestInit_ex(v->ctx, EVP_sha256(), NULL)) {
		if (v)
			EVP_MD_CTX_free(v->ctx);
		free(v);
		kmend_istream_close(inner);
		return -ENOMEM;
	}
	v->base.ops = &verify_ops;
	v->inner = inner;
	v->expected_size = size;
	snprintf(v->digest, sizeof(v->digest), "%s", digest);
	*out = &v->base;
	return 0;
}

int kmend_istream_verify_save(struct kmend_istream *inner, const char *digest, uint64_t size,
                              const char *save_as, struct kmend_istream **out,
                              struct kmend_error *err)
{
	struct verify_stream *v;
	int r = kmend_istream_verify(inner, digest, size, out, err);

	if (r < 0)
		return r;
	v = (struct verify_stream *)*out;
	/* Blobs from private registries are private: 0600, never through a planted link. */
	if (kmend_atomic_begin(&v->save, save_as, 0600, NULL) < 0)
		v->save.f = NULL; /* no copy kept, the stream still verifies */
	return 0;
}
