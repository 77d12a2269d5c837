/* gpgv against the image's keyrings, as apt runs it (see repo_gpg.h). */
#include "repo_gpg.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "cleanup.h"
#include "fsutil.h"
#include "subprocess.h"

#define ARMOR_BEGIN "-----BEGIN PGP PUBLIC KEY BLOCK-----"
#define ARMOR_END   "-----END PGP PUBLIC KEY BLOCK-----"

static const char *next_line(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));

	return nl ? nl + 1 : end;
}

static bool line_is_blank(const char *p, const char *eol)
{
	for (; p < eol; p++)
		if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
			return false;
	return true;
}

int kmend_repo_gpg_dearmor(const char *text, size_t len, const char *name, char **out,
                           size_t *outlen, struct kmend_error *err)
{
	const char *p = text, *end = text + len;
	_cleanup_free_ char *buf = NULL;
	size_t n = 0;
	bool armored = false;

	/* Binary output is never larger than the base64 it comes from. */
	if (!(buf = malloc(len + 1)))
		return -ENOMEM;
	while (p < end) {
		const char *begin = memmem(p, (size_t)(end - p), ARMOR_BEGIN, strlen(ARMOR_BEGIN));
		EVP_ENCODE_CTX *ctx;
		int got, ok = 1;
		bool ended = false;

		if (!begin)
			break;
		armored = true;
		p = next_line(begin, end);
		/* Armor headers ("Comment: ...") end at the first blank line. */
		while (p < end && memchr(p, ':', (size_t)(next_line(p, end) - p)) &&
		       !line_is_blank(p, next_line(p, end)))
			p = next_line(p, end);
		if (!(ctx = EVP_ENCODE_CTX_new()))
			return -ENOMEM;
		EVP_DecodeInit(ctx);
		while (p < end) {
			const char *eol = next_line(p, end);
			size_t l = (size_t)(eol - p);
			if (l >= strlen(ARMOR_END) && !strncmp(p, ARMOR_END, strlen(ARMOR_END))) {
				ended = true;
				p = eol;
				break;
			}
			/* "=XXXX" is the armor's CRC-24 line, not data. */
			if (*p != '=' && !line_is_blank(p, eol)) {
				if (EVP_DecodeUpdate(ctx, (unsigned char *)buf + n, &got,
				                     (const unsigned char *)p, (int)l) < 0) {
					ok = 0;
					break;
				}
				n += (size_t)got;
			}
			p = eol;
		}
		if (ok && EVP_DecodeFinal(ctx, (unsigned char *)buf + n, &got) == 1)
			n += (size_t)got;
		else
			ok = 0;
		EVP_ENCODE_CTX_free(ctx);
		if (!ok || !ended)
			return kmend_error_set(err, -KMEND_E_BAD_INPUT, name, 0,
			                       "an armored OpenPGP key that cannot be decoded%s",
			                       ended ? "" : " (no END line)");
	}
	if (!armored) {
		memcpy(buf, text, len);
		n = len;
	}
	*out = TAKE_PTR(buf);
	*outlen = n;
	return 0;
}

/* A private scratch directory holding the keyrings; removed by scratch_remove. */
struct scratch {
	char dir[4096];
	char **files;
	size_t nfiles;
};

static int scratch_file(struct scratch *sc, const char *name, const char *data, size_t len,
                        char **path)
{
	char **files = realloc(sc->files, (sc->nfiles + 1) * sizeof(*files));
	int r;

	if (!files)
		return -ENOMEM;
	sc->files = files;
	if (asprintf(path, "%s/%s", sc->dir, name) < 0)
		return -ENOMEM;
	if ((r = kmend_write_file_atomic(*path, data, len, 0600, NULL)) < 0) {
		free(*path);
		return r;
	}
	sc->files[sc->nfiles++] = *path;
	return 0;
}

static void scratch_remove(struct scratch *sc)
{
	for (size_t i = 0; i < sc->nfiles; i++) {
		unlink(sc->files[i]);
		free(sc->files[i]);
	}
	free(sc->files);
	if (sc->dir[0])
		rmdir(sc->dir);
}

static int scratch_init(struct scratch *sc, struct kmend_error *err)
{
	const char *tmp = getenv("TMPDIR");

	memset(sc, 0, sizeof(*sc));
	snprintf(sc->dir, sizeof(sc->dir), "%s/kmend-gpgv-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(sc->dir)) {
		int e = -errno;
		sc->dir[0] = '\0';
		return kmend_error_set(err, e, "gpgv", 0, "cannot make a temporary directory: %s",
		                       strerror(-e));
	}
	return 0;
}

/* argv: gpgv --homedir DIR --status-fd 2 [--output -] --keyring K... then the files. */
static int build_argv(struct scratch *sc, const struct kmend_repo_key *keys, size_t nkeys,
                      bool output, const char *const *files, const char ***argv,
                      struct kmend_error *err)
{
	size_t n = 0, nfiles = 0;
	const char **v;
	int r;

	while (files[nfiles])
		nfiles++;
	if (!(v = calloc(8 + 2 * nkeys + nfiles, sizeof(*v))))
		return -ENOMEM;
	v[n++] = "gpgv";
	v[n++] = "--homedir";
	v[n++] = sc->dir;
	v[n++] = "--status-fd";
	v[n++] = "2";
	if (output) {
		v[n++] = "--output";
		v[n++] = "-";
	}
	for (size_t i = 0; i < nkeys; i++) {
		_cleanup_free_ char *bin = NULL;
		char fname[32], *path;
		size_t blen;

		if ((r = kmend_repo_gpg_dearmor(keys[i].data, keys[i].len, keys[i].name, &bin,
		                                &blen, err)) < 0) {
			free(v);
			return r;
		}
		snprintf(fname, sizeof(fname), "keyring-%zu.gpg", i);
		if ((r = scratch_file(sc, fname, bin, blen, &path)) < 0) {
			free(v);
			return kmend_error_set(err, r, "gpgv", 0, "cannot write a keyring: %s",
			                       strerror(-r));
		}
		v[n++] = "--keyring";
		v[n++] = path;
	}
	for (size_t i = 0; i < nfiles; i++)
		v[n++] = files[i];
	v[n] = NULL;
	*argv = v;
	return 0;
}

/* Count the status lines "[GNUPG:] WORD ..." of gpgv's stderr. */
static int count_status(const char *status, const char *word)
{
	char pat[64];
	int n = 0;

	snprintf(pat, sizeof(pat), "[GNUPG:] %s ", word);
	for (const char *p = status; (p = strstr(p, pat)); p += strlen(pat))
		if (p == status || p[-1] == '\n')
			n++;
	return n;
}

/* The hash algorithm of the first VALIDSIG line (field 8), or -1. */
static int validsig_hash(const char *status)
{
	const char *p = strstr(status, "[GNUPG:] VALIDSIG ");
	int field = 0;

	if (!p)
		return -1;
	for (p += strlen("[GNUPG:] VALIDSIG "); *p && *p != '\n'; p++)
		if (*p == ' ' && ++field == 7)
			return atoi(p + 1);
	return -1;
}

/* apt's rule: at least one good, valid signature from a trusted key, none bad. */
static int judge(const struct kmend_spawn_result *res, const struct kmend_repo_key *keys,
                 size_t nkeys, const char *what, struct kmend_error *err)
{
	const char *s = res->errout, *last;
	int hash = validsig_hash(s);
	char tried[256] = "";
	size_t n = 0;

	for (size_t i = 0; i < nkeys && n < sizeof(tried); i++)
		n += (size_t)snprintf(tried + n, sizeof(tried) - n, "%s%s", i ? ", " : "",
		                      keys[i].name);
	if (count_status(s, "GOODSIG") > 0 && count_status(s, "VALIDSIG") > 0 &&
	    count_status(s, "BADSIG") == 0) {
		if (hash == 1 || hash == 2)
			return kmend_error_set(err, -KMEND_E_DIGEST, what, 0,
			                       "is signed with a weak digest algorithm (%s), which "
			                       "apt refuses",
			                       hash == 1 ? "MD5" : "SHA-1");
		return 0;
	}
	last = kmend_last_lines(s, res->err_len, 1);
	kmend_error_set(err, -KMEND_E_DIGEST, what, 0,
	                "the signature does not verify%s%s%s%s (gpgv: %.*s)",
	                count_status(s, "BADSIG")      ? ": it is BAD (the file was changed)"
	                : count_status(s, "NO_PUBKEY") ? ": made by a key the image does not trust"
	                                               : "",
	                count_status(s, "EXPKEYSIG") ? ": the key has expired" : "",
	                count_status(s, "REVKEYSIG") ? ": the key was revoked" : "",
	                count_status(s, "NODATA") ? ": there is no signature" : "",
	                (int)strcspn(last, "\n"), last);
	kmend_error_hint(err, "give the repository's key with --mirror-key (keys tried: %s)",
	                 nkeys ? tried : "none");
	return -KMEND_E_DIGEST;
}

static int run_gpgv(const struct kmend_repo_key *keys, size_t nkeys, const char *input,
                    size_t input_len, bool output, const char *sig, size_t siglen, const char *what,
                    char **content, size_t *content_len, struct kmend_error *err)
{
	struct scratch sc;
	struct kmend_spawn_result res;
	const char **argv = NULL;
	const char *files[3] = {NULL};
	char *sigpath = NULL;
	int r;

	if (nkeys == 0)
		return kmend_error_set(err, -KMEND_E_DIGEST, what, 0,
		                       "is signed, but the image trusts no key for it");
	if ((r = scratch_init(&sc, err)) < 0)
		return r;
	if (sig) {
		if ((r = scratch_file(&sc, "signature", sig, siglen, &sigpath)) < 0) {
			kmend_error_set(err, r, "gpgv", 0, "cannot write the signature: %s",
			                strerror(-r));
			goto out;
		}
		files[0] = sigpath;
		files[1] = "-";
	}
	if ((r = build_argv(&sc, keys, nkeys, output, files, &argv, err)) < 0)
		goto out;
	r = kmend_spawn_run(&(struct kmend_spawn){.argv = argv,
	                                          .input = input,
	                                          .input_len = input_len,
	                                          .max_output = input_len + 4096,
	                                          .timeout_ms = 120000},
	                    &res, err);
	if (r < 0)
		goto out;
	if (res.timed_out || res.out_truncated)
		r = kmend_error_set(err, -KMEND_E_DIGEST, what, 0, "gpgv %s",
		                    res.timed_out ? "took over two minutes" : "wrote too much");
	else
		r = judge(&res, keys, nkeys, what, err);
	if (r == 0 && content) {
		*content = TAKE_PTR(res.out);
		*content_len = res.out_len;
	}
	kmend_spawn_result_free(&res);
out:
	free(argv);
	scratch_remove(&sc);
	return r;
}

int kmend_repo_gpg_verify_clearsigned(const struct kmend_repo_key *keys, size_t nkeys,
                                      const char *doc, size_t len, const char *what, char **content,
                                      size_t *content_len, struct kmend_error *err)
{
	return run_gpgv(keys, nkeys, doc, len, true, NULL, 0, what, content, content_len, err);
}

int kmend_repo_gpg_verify_detached(const struct kmend_repo_key *keys, size_t nkeys,
                                   const char *data, size_t len, const char *sig, size_t siglen,
                                   const char *what, struct kmend_error *err)
{
	return run_gpgv(keys, nkeys, data, len, false, sig, siglen, what, NULL, NULL, err);
}
