/* apk's signed index and packages: gzip members, tar segments, RSA signatures (see repo_apk.h). */
#include "repo_apk.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <zlib.h>

#include "cleanup.h"
#include "kmend_limits.h"
#include "kvtext.h"

/* Most bytes a signature or control member may inflate to (real ones: a few KiB). */
#define APK_SMALL_MEMBER_MAX (4 * 1024 * 1024)

static int bad(struct kmend_error *err, const char *what, const char *why)
{
	return kmend_error_set(err, -KMEND_E_BAD_INPUT, what, 0, "%s", why);
}

/*
 * Inflate the gzip member at data[0, len): its length in *used, and (when out
 * is not NULL) its content in a new buffer of at most max bytes.
 */
static int gzip_member(const unsigned char *data, size_t len, size_t max, size_t *used, char **out,
                       size_t *outlen, const char *what, struct kmend_error *err)
{
	z_stream z = {0};
	unsigned char chunk[65536];
	char *buf = NULL;
	size_t n = 0, cap = 0;
	int zr;

	if (len < 18 || data[0] != 0x1f || data[1] != 0x8b)
		return bad(err, what, "is not gzip members laid end to end (as apk writes them)");
	if (inflateInit2(&z, 16 + 15) != Z_OK)
		return -ENOMEM;
	z.next_in = (unsigned char *)data;
	do {
		z.avail_in = len - (size_t)(z.next_in - data) > UINT32_MAX
		                 ? UINT32_MAX
		                 : (uInt)(len - (size_t)(z.next_in - data));
		z.next_out = chunk;
		z.avail_out = sizeof(chunk);
		zr = inflate(&z, Z_NO_FLUSH);
		if (zr != Z_OK && zr != Z_STREAM_END) {
			inflateEnd(&z);
			free(buf);
			return bad(err, what, "has a gzip member that is corrupt or truncated");
		}
		size_t got = sizeof(chunk) - z.avail_out;
		if (n + got > max) {
			inflateEnd(&z);
			free(buf);
			return kmend_error_set(err, -KMEND_E_TOO_LARGE, what, 0,
			                       "a gzip member inflates to more than %zu bytes",
			                       max);
		}
		if (out && got) {
			if (n + got + 1 > cap) {
				char *bigger;
				cap = (n + got + 1) * 2;
				if (!(bigger = realloc(buf, cap))) {
					inflateEnd(&z);
					free(buf);
					return -ENOMEM;
				}
				buf = bigger;
			}
			memcpy(buf + n, chunk, got);
		}
		n += got;
		if (zr != Z_STREAM_END && z.avail_in == 0 && got == 0) {
			inflateEnd(&z);
			free(buf);
			return bad(err, what, "ends inside a gzip member");
		}
	} while (zr != Z_STREAM_END);
	*used = (size_t)(z.next_in - data);
	inflateEnd(&z);
	if (out) {
		if (!buf && !(buf = malloc(1)))
			return -ENOMEM;
		buf[n] = '\0';
		*out = buf;
		*outlen = n;
	}
	return 0;
}

/* One file of a tar segment: its name (NUL-terminated copy) and its bytes. */
struct tar_file {
	char name[256];
	const char *data;
	size_t len;
};

static size_t octal(const char *p, size_t n)
{
	size_t v = 0;

	for (size_t i = 0; i < n && p[i] >= '0' && p[i] <= '7'; i++)
		v = v * 8 + (size_t)(p[i] - '0');
	return v;
}

/*
 * The next regular file of a tar segment at tar[*pos, len): 1 with *f
 * filled, 0 at the end (zero block or no more bytes), <0 when malformed.
 * Headers of other types (pax, directories, links) are read past.
 */
static int tar_next(const char *tar, size_t len, size_t *pos, struct tar_file *f)
{
	while (*pos + 512 <= len) {
		const char *h = tar + *pos;
		size_t size = octal(h + 124, 12), padded;
		char type = h[156];

		if (h[0] == '\0')
			return 0;
		if (size > len)
			return -KMEND_E_BAD_INPUT;
		padded = (size + 511) / 512 * 512;
		if (*pos + 512 + padded < *pos || *pos + 512 + size > len)
			return -KMEND_E_BAD_INPUT;
		*pos += 512 + padded;
		if (*pos > len)
			*pos = len;
		if (type != '0' && type != '\0')
			continue;
		memcpy(f->name, h, 100);
		f->name[100] = '\0';
		f->data = h + 512;
		f->len = size;
		return 1;
	}
	return 0;
}

/* The contents of the file called name in a tar segment, or NULL. */
static const char *tar_find(const char *tar, size_t len, const char *name, size_t *flen)
{
	struct tar_file f;
	size_t pos = 0;

	while (tar_next(tar, len, &pos, &f) == 1)
		if (!strcmp(f.name, name) ||
		    (!strncmp(f.name, "./", 2) && !strcmp(f.name + 2, name))) {
			*flen = f.len;
			return f.data;
		}
	return NULL;
}

static const struct kmend_repo_key *key_named(const struct kmend_repo_key *keys, size_t nkeys,
                                              const char *name)
{
	for (size_t i = 0; i < nkeys; i++) {
		const char *base = strrchr(keys[i].name, '/');
		base = base ? base + 1 : keys[i].name;
		if (!strcmp(base, name))
			return &keys[i];
	}
	return NULL;
}

static int rsa_verify(const struct kmend_repo_key *key, const EVP_MD *md, const void *sig,
                      size_t siglen, const void *data, size_t len)
{
	BIO *bio = BIO_new_mem_buf(key->data, (int)key->len);
	EVP_PKEY *pkey = bio ? PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL) : NULL;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = pkey && ctx && EVP_DigestVerifyInit(ctx, NULL, md, NULL, pkey) == 1 &&
	         EVP_DigestVerify(ctx, sig, siglen, data, len) == 1;

	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pkey);
	BIO_free(bio);
	return ok ? 0 : -1;
}

/*
 * The signature member at the start of data: verify it over the member that
 * follows. *next is where that member starts. Returns 0, 1 when data carries
 * no signature member (its first member is the content), or an error.
 */
static int check_signature(const unsigned char *data, size_t len, const struct kmend_repo_key *keys,
                           size_t nkeys, bool verify, const char *what, size_t *next,
                           struct kmend_error *err)
{
	_cleanup_free_ char *sigtar = NULL;
	struct tar_file f;
	size_t siglen, pos = 0, used;
	const struct kmend_repo_key *key;
	const EVP_MD *md;
	const char *keyname;
	int r;

	if ((r = gzip_member(data, len, APK_SMALL_MEMBER_MAX, &used, &sigtar, &siglen, what, err)) <
	    0)
		return r;
	if (tar_next(sigtar, siglen, &pos, &f) != 1 || strncmp(f.name, ".SIGN.", 6)) {
		*next = 0;
		return 1;
	}
	if (!strncmp(f.name, ".SIGN.RSA256.", 13)) {
		md = EVP_sha256();
		keyname = f.name + 13;
	} else if (!strncmp(f.name, ".SIGN.RSA.", 10)) {
		md = EVP_sha1();
		keyname = f.name + 10;
	} else {
		return kmend_error_set(
		    err, -KMEND_E_DIGEST, what, 0,
		    "is signed with %s, a kind of signature kmend does not check", f.name);
	}
	*next = used;
	if (!verify)
		return 0;
	if (!(key = key_named(keys, nkeys, keyname))) {
		kmend_error_set(
		    err, -KMEND_E_DIGEST, what, 0,
		    "is signed by %s, a key the image does not trust (not in /etc/apk/keys)",
		    keyname);
		kmend_error_hint(err, "give the repository's public key with --mirror-key");
		return -KMEND_E_DIGEST;
	}
	if (rsa_verify(key, md, f.data, f.len, data + used, len - used) < 0) {
		kmend_error_set(err, -KMEND_E_DIGEST, what, 0,
		                "its signature by %s does not verify: the file was changed",
		                keyname);
		return -KMEND_E_DIGEST;
	}
	return 0;
}

int kmend_apk_index_open(const char *data, size_t len, const struct kmend_repo_key *keys,
                         size_t nkeys, enum kmend_repo_trust trust, const char *what, char **index,
                         size_t *index_len, struct kmend_warnings *warnings,
                         struct kmend_error *err)
{
	const unsigned char *d = (const unsigned char *)data;
	_cleanup_free_ char *tar = NULL;
	size_t start = 0, tlen, used, flen;
	const char *file;
	/* [trusted]: a signature member is read past, not checked. */
	int r =
	    check_signature(d, len, keys, nkeys, trust != KMEND_REPO_TRUSTED, what, &start, err);

	if (r < 0)
		return r;
	if (r == 1 && trust == KMEND_REPO_VERIFY)
		return kmend_error_set(err, -KMEND_E_DIGEST, what, 0,
		                       "is not signed (apk refuses it; --allow-unsigned accepts an "
		                       "unsigned mirror)");
	if (r == 1 && trust == KMEND_REPO_UNSIGNED)
		kmend_warn(warnings, "unsigned-repository",
		           "%s is not signed: accepted because of --allow-unsigned", what);
	if ((r = gzip_member(d + start, len - start, KMEND_REPO_INDEX_MAX, &used, &tar, &tlen, what,
	                     err)) < 0)
		return r;
	if (!(file = tar_find(tar, tlen, "APKINDEX", &flen)))
		return bad(err, what, "holds no APKINDEX file");
	if (!(*index = malloc(flen + 1)))
		return -ENOMEM;
	memcpy(*index, file, flen);
	(*index)[flen] = '\0';
	*index_len = flen;
	return 0;
}

/* "Q1" + base64 of a SHA-1: the 20 bytes, or -1. */
static int q1_decode(const char *checksum, unsigned char out[20])
{
	unsigned char buf[64];

	if (!checksum || strncmp(checksum, "Q1", 2) || strlen(checksum + 2) != 28)
		return -1;
	if (EVP_DecodeBlock(buf, (const unsigned char *)checksum + 2, 28) != 21)
		return -1;
	memcpy(out, buf, 20);
	return 0;
}

int kmend_apk_package_check(const char *data, size_t len, const char *checksum, const char *what,
                            struct kmend_error *err)
{
	const unsigned char *d = (const unsigned char *)data;
	unsigned char want[20], got[EVP_MAX_MD_SIZE];
	_cleanup_free_ char *control = NULL;
	size_t sig_used = 0, cused, clen, ilen;
	const char *info, *hash;
	char hex[65];
	unsigned int n;
	int r;

	if (q1_decode(checksum, want) < 0)
		return kmend_error_set(err, -KMEND_E_DIGEST, what, 0,
		                       "its index entry has no checksum kmend can check ('%s')",
		                       checksum ? checksum : "");
	/* The signature member first (apk add checks it against the image's keys). */
	if ((r = gzip_member(d, len, APK_SMALL_MEMBER_MAX, &sig_used, NULL, NULL, what, err)) < 0 ||
	    (r = gzip_member(d + sig_used, len - sig_used, APK_SMALL_MEMBER_MAX, &cused, &control,
	                     &clen, what, err)) < 0)
		return r;
	EVP_Digest(d + sig_used, cused, got, &n, EVP_sha1(), NULL);
	if (memcmp(got, want, 20) != 0)
		return kmend_error_set(
		    err, -KMEND_E_DIGEST, what, 0,
		    "its control part does not have the checksum the signed index "
		    "gives (%s)",
		    checksum);
	info = tar_find(control, clen, ".PKGINFO", &ilen);
	hash = info ? strstr(info, "\ndatahash = ") : NULL;
	if (!hash || (size_t)(hash - info) >= ilen)
		return kmend_error_set(err, -KMEND_E_DIGEST, what, 0,
		                       "its .PKGINFO names no datahash to check its files against");
	EVP_Digest(d + sig_used + cused, len - sig_used - cused, got, &n, EVP_sha256(), NULL);
	for (unsigned int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", got[i]);
	if (strncmp(hash + 12, hex, 64) != 0)
		return kmend_error_set(err, -KMEND_E_DIGEST, what, 0,
		                       "its files do not have the SHA-256 its control part names");
	return 0;
}

int kmend_apk_parse_index(char *text, size_t len, const char *url, const char *what,
                          struct kmend_repo_index *index, struct kmend_error *err)
{
	struct kvtext_reader rd;
	struct kmend_repo_pkg pkg = {0};
	const char *size = NULL;
	size_t skipped = 0, first = index->count, names = 0;
	enum kvtext_item item;
	char *files, *p;
	int r;

	if ((r = kmend_repo_index_own(index, text)) < 0)
		return r;
	/* Entries point at the URL: the index, kept by the session, owns a copy. */
	if (!(url = kmend_repo_index_keep(index, url)))
		return -ENOMEM;
	kvtext_init(&rd, text, len);
	while ((item = kvtext_next(&rd)) != KVTEXT_END) {
		char *v = (char *)rd.value.ptr;
		if (item == KVTEXT_MALFORMED) {
			skipped++;
			continue;
		}
		if (item == KVTEXT_FIELD) {
			v[rd.value.len] = '\0';
			if (rd.key.len != 1)
				continue;
			switch (rd.key.ptr[0]) {
			case 'P': pkg.name = v; break;
			case 'V': pkg.version = v; break;
			case 'A': pkg.arch = v; break;
			case 'C': pkg.checksum = v; break;
			case 'S': size = v; break;
			case 'o': pkg.source = v; break;
			case 'D': pkg.depends = v; break;
			case 'p': pkg.provides = v; break;
			default: break;
			}
			continue;
		}
		if (pkg.name && pkg.version && pkg.arch && pkg.checksum && size && *size &&
		    strspn(size, "0123456789") == strlen(size) && !strchr(pkg.name, '/') &&
		    !strchr(pkg.arch, '/') &&
		    kmend_version_apk.validate(pkg.version, strlen(pkg.version), NULL) == 0) {
			pkg.size = strtoull(size, NULL, 10);
			pkg.url = url;
			if (!pkg.source || !*pkg.source)
				pkg.source = pkg.name;
			pkg.source_version = pkg.version;
			names += strlen(pkg.arch) + strlen(pkg.name) + strlen(pkg.version) + 7;
			if ((r = kmend_repo_index_add(index, &pkg, what, err)) < 0)
				return r;
		} else {
			skipped++;
		}
		memset(&pkg, 0, sizeof(pkg));
		size = NULL;
	}
	/* apk names files "ARCH/NAME-VERSION.apk" below the repository: one buffer for all. */
	if (!(files = malloc(names + 1)) || (r = kmend_repo_index_own(index, files)) < 0)
		return files ? r : -ENOMEM;
	p = files;
	for (size_t i = first; i < index->count; i++) {
		struct kmend_repo_pkg *e = &index->items[i];
		e->filename = p;
		p += sprintf(p, "%s/%s-%s.apk", e->arch, e->name, e->version) + 1;
	}
	if (skipped)
		kmend_warn(
		    &index->warnings, "index-entries-skipped",
		    "%s: %zu entries kmend cannot use (no name, version, architecture, checksum or "
		    "size, or a version that does not parse) were left out",
		    what, skipped);
	return 0;
}
