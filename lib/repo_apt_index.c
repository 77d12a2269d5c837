/*
 * apt's indexes: InRelease, or Release + Release.gpg, verified with gpgv; the Packages
 * index checked against the Release's SHA-256 and parsed in place.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cleanup.h"
#include "kmend_limits.h"
#include "kvtext.h"
#include "repo_apt.h"
#include "repo_gpg.h"
#include "strv.h"

/* The Release file: which suite it is, until when, and the checksums of its indexes. */
struct release {
	struct kmend_span suite, codename, valid_until, sha256, no_all, architectures;
};

/*
 * Whether the suite has an index of architecture "all" to read besides the architecture's
 * own, as apt decides: not when the Release says the architecture indexes hold those
 * packages (No-Support-for-Architecture-all), nor when its Architectures do not list "all"
 * (Debian's security archive: its amd64 index has the "all" packages, its binary-all index
 * is not kept in step).
 */
static bool has_all_index(const struct release *rel)
{
	const char *p = rel->architectures.ptr, *end = p + rel->architectures.len;

	if (rel->no_all.len)
		return false;
	if (!rel->architectures.len)
		return true;
	while (p < end) {
		const char *w = p;
		while (p < end && *p != ' ' && *p != '\t' && *p != '\n')
			p++;
		if (p - w == 3 && !memcmp(w, "all", 3))
			return true;
		while (p < end && (*p == ' ' || *p == '\t' || *p == '\n'))
			p++;
	}
	return false;
}

static int parse_release(const char *text, size_t len, struct release *rel)
{
	struct kvtext_reader rd;
	enum kvtext_item item;

	memset(rel, 0, sizeof(*rel));
	kvtext_init(&rd, text, len);
	rd.multiline = 1;
	while ((item = kvtext_next(&rd)) != KVTEXT_END) {
		if (item == KVTEXT_END_RECORD)
			break;
		if (item != KVTEXT_FIELD)
			continue;
		if (kmend_span_eq(rd.key, "Suite"))
			rel->suite = rd.value;
		else if (kmend_span_eq(rd.key, "Codename"))
			rel->codename = rd.value;
		else if (kmend_span_eq(rd.key, "Valid-Until"))
			rel->valid_until = rd.value;
		else if (kmend_span_eq(rd.key, "SHA256"))
			rel->sha256 = rd.value;
		else if (kmend_span_eq(rd.key, "No-Support-for-Architecture-all"))
			rel->no_all = rd.value;
		else if (kmend_span_eq(rd.key, "Architectures"))
			rel->architectures = rd.value;
	}
	return rel->sha256.len ? 0 : -KMEND_E_BAD_INPUT;
}

/* The SHA256 line for path: "hash size path". */
static bool release_entry(const struct release *rel, const char *path, char hash[65],
                          uint64_t *size)
{
	const char *p = rel->sha256.ptr, *end = p + rel->sha256.len;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		char h[80], name[1024];
		unsigned long long sz;
		_cleanup_free_ char *line = NULL;

		if (!eol)
			eol = end;
		if ((line = strndup(p, (size_t)(eol - p))) &&
		    sscanf(line, " %79s %llu %1023s", h, &sz, name) == 3 && !strcmp(name, path) &&
		    strlen(h) == 64 && strspn(h, "0123456789abcdef") == 64) {
			memcpy(hash, h, 65);
			*size = sz;
			return true;
		}
		p = eol < end ? eol + 1 : end;
	}
	return false;
}

/* RFC 2822 dates as Release files write them: "Sat, 30 Nov 2024 12:00:00 UTC". */
static long long release_time(struct kmend_span v)
{
	char buf[64];
	struct tm tm = {0};
	const char *rest;

	if (v.len >= sizeof(buf))
		return -1;
	memcpy(buf, v.ptr, v.len);
	buf[v.len] = '\0';
	rest = strptime(buf, "%a, %d %b %Y %H:%M:%S", &tm);
	if (!rest)
		return -1;
	return (long long)timegm(&tm);
}

/* dists/SUITE/ or, for a flat repository, SUITE itself. */
static void dist_url(const struct kmend_repo *repo, const char *file, char *out, size_t size)
{
	if (repo->suite[strlen(repo->suite) - 1] == '/')
		snprintf(out, size, "%s/%s%s", repo->url, repo->suite, file);
	else
		snprintf(out, size, "%s/dists/%s/%s", repo->url, repo->suite, file);
}

/* Fetch and verify the Release; *text holds only what the signature covers. */
static int fetch_release(struct kmend_repo_session *s, const struct kmend_repo *repo, char **text,
                         size_t *len, char url[4200], struct kmend_warnings *warnings,
                         struct kmend_error *err)
{
	char gurl[4200];
	_cleanup_free_ char *body = NULL, *sig = NULL;
	size_t blen, slen;
	long status;
	int r;

	dist_url(repo, "InRelease", url, 4200);
	if ((r = kmend_repo_fetch(s, url, NULL, UINT64_MAX, NULL, KMEND_REPO_FETCH_MAX, &body,
	                          &blen, &status, err)) < 0)
		return r;
	if (status == 200) {
		if (repo->trust == KMEND_REPO_TRUSTED) {
			/* [trusted=yes]: as configured, no signature is needed; the text is the
			   part between the armor lines when there is one. */
			const char *b = strstr(body, "\n\n"),
			           *e = strstr(body, "\n-----BEGIN PGP SIGNATURE");
			if (!strncmp(body, "-----BEGIN PGP SIGNED MESSAGE", 29) && b && e &&
			    e > b) {
				*len = (size_t)(e - b - 1);
				if (!(*text = strndup(b + 2, *len)))
					return -ENOMEM;
				return 0;
			}
			*text = TAKE_PTR(body);
			*len = blen;
			return 0;
		}
		return kmend_repo_gpg_verify_clearsigned(repo->keys, repo->nkeys, body, blen, url,
		                                         text, len, err);
	}
	if (status != 404 && status != 403 && status != 410)
		return kmend_error_set(err, -KMEND_E_NETWORK, url, 0,
		                       "the server answered HTTP %ld", status);
	free(TAKE_PTR(body));
	dist_url(repo, "Release", url, 4200);
	if ((r = kmend_repo_fetch(s, url, NULL, UINT64_MAX, NULL, KMEND_REPO_FETCH_MAX, &body,
	                          &blen, &status, err)) < 0)
		return r;
	if (status == 404 || status == 403 || status == 410) {
		dist_url(repo, "", url, 4200);
		return kmend_error_set(err, -KMEND_E_NOT_FOUND, url, 0,
		                       "no InRelease or Release file (HTTP %ld)", status);
	}
	if (status != 200)
		return kmend_error_set(err, -KMEND_E_NETWORK, url, 0,
		                       "the server answered HTTP %ld", status);
	dist_url(repo, "Release.gpg", gurl, sizeof(gurl));
	if ((r = kmend_repo_fetch(s, gurl, NULL, UINT64_MAX, NULL, 1024 * 1024, &sig, &slen,
	                          &status, err)) < 0)
		return r;
	if (repo->trust != KMEND_REPO_TRUSTED && status == 200) {
		if ((r = kmend_repo_gpg_verify_detached(repo->keys, repo->nkeys, body, blen, sig,
		                                        slen, url, err)) < 0)
			return r;
	} else if (repo->trust == KMEND_REPO_VERIFY) {
		kmend_error_set(err, -KMEND_E_DIGEST, url, 0,
		                "is not signed (no InRelease, and Release.gpg: HTTP %ld)", status);
		kmend_error_hint(err,
		                 "apt refuses unsigned repositories; --allow-unsigned accepts an "
		                 "unsigned mirror");
		return -KMEND_E_DIGEST;
	} else if (repo->trust == KMEND_REPO_UNSIGNED) {
		kmend_warn(warnings, "unsigned-repository",
		           "%s is not signed: accepted because of --allow-unsigned", url);
	}
	*text = TAKE_PTR(body);
	*len = blen;
	return 0;
}

static int check_release(const struct kmend_repo_session *s, const struct kmend_repo *repo,
                         const struct release *rel, const char *what, struct kmend_error *err)
{
	const char *want = repo->suite;
	const struct kmend_repo_options *opts = kmend_repo_session_options(s);
	long long now = opts->now;

	if (want[strlen(want) - 1] != '/' && !kmend_span_eq(rel->suite, want) &&
	    !kmend_span_eq(rel->codename, want)) {
		kmend_error_set(err, -KMEND_E_DIGEST, what, 0,
		                "is the Release of suite '%.*s' (codename '%.*s'), not of '%s'",
		                (int)rel->suite.len, rel->suite.ptr, (int)rel->codename.len,
		                rel->codename.ptr, want);
		kmend_error_hint(err, "a mirror serving another suite's index could hold back "
		                      "security updates: check the mirror");
		return -KMEND_E_DIGEST;
	}
	if (repo->check_valid_until && !opts->no_check_valid_until && rel->valid_until.len) {
		long long until = release_time(rel->valid_until);
		if (!now)
			now = (long long)time(NULL);
		if (until < 0)
			return kmend_error_set(err, -KMEND_E_BAD_INPUT, what, 0,
			                       "Valid-Until '%.*s' is not a date",
			                       (int)rel->valid_until.len, rel->valid_until.ptr);
		if (until < now) {
			kmend_error_set(err, -KMEND_E_DIGEST, what, 0,
			                "expired on %.*s (Valid-Until): it may be an old copy",
			                (int)rel->valid_until.len, rel->valid_until.ptr);
			kmend_error_hint(err, "use an up-to-date mirror");
			return -KMEND_E_DIGEST;
		}
	}
	return 0;
}

static int is_hex64(const char *s)
{
	return strlen(s) == 64 && strspn(s, "0123456789abcdefABCDEF") == 64;
}

/* Split "perl (5.36.0-7)" into name and version in place. */
static void split_source(char *v, const char **name, const char **version)
{
	char *open = strchr(v, '('), *close;

	*name = v;
	*version = NULL;
	if (!open)
		return;
	for (char *e = open; e > v && (e[-1] == ' ' || e[-1] == '\t'); e--)
		e[-1] = '\0';
	*open = '\0';
	if ((close = strchr(open + 1, ')')))
		*close = '\0';
	*version = open + 1;
}

/*
 * Parse a Packages index in place (text is owned by index afterwards): each
 * value is NUL-terminated where it ends. Entries without what kmend needs are
 * counted and warned about.
 */
int kmend_apt_parse_packages(char *text, size_t len, const char *url, const char *what,
                             struct kmend_repo_index *index, struct kmend_error *err)
{
	struct kvtext_reader rd;
	struct kmend_repo_pkg pkg = {0};
	const char *sha = NULL, *size = NULL, *source = NULL;
	size_t skipped = 0;
	enum kvtext_item item;
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
			struct kmend_span k = rd.key;
			v[rd.value.len] = '\0';
			if (kmend_span_eq(k, "Package"))
				pkg.name = v;
			else if (kmend_span_eq(k, "Version"))
				pkg.version = v;
			else if (kmend_span_eq(k, "Architecture"))
				pkg.arch = v;
			else if (kmend_span_eq(k, "Source"))
				source = v;
			else if (kmend_span_eq(k, "Depends"))
				pkg.depends = v;
			else if (kmend_span_eq(k, "Pre-Depends"))
				pkg.pre_depends = v;
			else if (kmend_span_eq(k, "Breaks"))
				pkg.breaks = v;
			else if (kmend_span_eq(k, "Provides"))
				pkg.provides = v;
			else if (kmend_span_eq(k, "Filename"))
				pkg.filename = v;
			else if (kmend_span_eq(k, "Size"))
				size = v;
			else if (kmend_span_eq(k, "SHA256"))
				sha = v;
			continue;
		}
		/* The end of an entry. */
		if (pkg.name && pkg.version && pkg.arch && pkg.filename && size && sha &&
		    is_hex64(sha) && strspn(size, "0123456789") == strlen(size) && *size &&
		    kmend_version_deb.validate(pkg.version, strlen(pkg.version), NULL) == 0) {
			for (size_t i = 0; i < 64; i++)
				pkg.sha256[i] = (char)(sha[i] | 0x20);
			pkg.sha256[64] = '\0';
			pkg.size = strtoull(size, NULL, 10);
			pkg.url = url;
			if (source)
				split_source((char *)source, &pkg.source, &pkg.source_version);
			if (!pkg.source || !*pkg.source)
				pkg.source = pkg.name;
			if (!pkg.source_version || !*pkg.source_version)
				pkg.source_version = pkg.version;
			if ((r = kmend_repo_index_add(index, &pkg, what, err)) < 0)
				return r;
		} else {
			skipped++;
		}
		memset(&pkg, 0, sizeof(pkg));
		sha = size = source = NULL;
	}
	if (skipped)
		kmend_warn(
		    &index->warnings, "index-entries-skipped",
		    "%s: %zu entries kmend cannot use (no name, version, architecture, "
		    "file name, size or SHA-256, or a version that does not parse) were left out",
		    what, skipped);
	return 0;
}

/* The Packages index of one component (or a flat repository's), verified and parsed. */
static int load_component(struct kmend_repo_session *s, const struct kmend_repo *repo,
                          const char *component, struct kmend_repo_index *out,
                          struct kmend_error *err)
{
	static const char *const suffixes[] = {".xz", ".gz", ".zst", ""};
	_cleanup_free_ char *release = NULL, *body = NULL;
	char url[4200], rurl[4200], hash[65], path[512];
	const char *arch_dirs[2] = {repo->arch, "all"};
	size_t rlen, blen;
	struct release rel;
	bool flat = !component;
	int r;

	if ((r = fetch_release(s, repo, &release, &rlen, rurl, &out->warnings, err)) < 0)
		return r;
	if (parse_release(release, rlen, &rel) < 0)
		return kmend_error_set(err, -KMEND_E_BAD_INPUT, rurl, 0,
		                       "the Release file lists no SHA256 checksums");
	if ((r = check_release(s, repo, &rel, rurl, err)) < 0)
		return r;
	if (asprintf(&out->name, "%s %s%s%s %s", repo->url, repo->suite, flat ? "" : "/",
	             flat ? "" : component, repo->arch) < 0)
		return -ENOMEM;
	for (size_t a = 0; a < (has_all_index(&rel) ? 2 : 1); a++) {
		uint64_t size = 0;
		size_t k;
		for (k = 0; k < sizeof(suffixes) / sizeof(suffixes[0]); k++) {
			if (flat)
				snprintf(path, sizeof(path), "Packages%s", suffixes[k]);
			else
				snprintf(path, sizeof(path), "%s/binary-%s/Packages%s", component,
				         arch_dirs[a], suffixes[k]);
			if (release_entry(&rel, path, hash, &size))
				break;
		}
		if (k == sizeof(suffixes) / sizeof(suffixes[0])) {
			if (a == 1)
				break;
			/* A suite without this component or architecture offers nothing here. */
			kmend_warn(&out->warnings, "no-index",
			           "%s does not list %s/binary-%s/Packages: nothing from it", rurl,
			           flat ? "." : component, repo->arch);
			return 0;
		}
		dist_url(repo, path, url, sizeof(url));
		{
			char *text;
			size_t tlen;
			long status;
			if ((r = kmend_repo_fetch(s, url, hash, size, rurl, KMEND_REPO_FETCH_MAX,
			                          &body, &blen, &status, err)) < 0)
				return r;
			/* Not "not found": that would pass for a suite the mirror lacks. */
			if (status != 200)
				return kmend_error_set(
				    err, -KMEND_E_NETWORK, url, 0,
				    "the Release lists it, but the server answered HTTP "
				    "%ld",
				    status);
			if ((r = kmend_repo_decompress(body, blen, url, KMEND_REPO_INDEX_MAX, &text,
			                               &tlen, err)) < 0)
				return r;
			free(TAKE_PTR(body));
			if ((r = kmend_apt_parse_packages(text, tlen, repo->url, url, out, err)) <
			    0)
				return r;
		}
	}
	return 0;
}

int kmend_apt_load(struct kmend_repo_session *s, const struct kmend_repo *repo,
                   const struct kmend_repo_index **indexes, size_t *n, size_t max,
                   struct kmend_warnings *warnings, struct kmend_error *err)
{
	size_t ncomp = repo->components ? kmend_strv_len(repo->components) : 1;
	int r = 0;

	for (size_t i = 0; i < ncomp && r == 0; i++)
		r = kmend_repo_load_part(s, repo, repo->components ? repo->components[i] : NULL,
		                         load_component, indexes, n, max, warnings, err);
	return r;
}
