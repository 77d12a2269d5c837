/*
 * Fuzz target for what kmend fix reads from repositories and images: relation fields of the
 * three families, Debian's Packages, apk's archives and APKINDEX, rpm-md's repomd.xml and
 * primary.xml, and the repository configurations (sources.list, deb822, .repo, apk's
 * repositories). FUZZ_REPO picks one (see fuzz/meson.build).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fix_plan.h"
#include "pkgmgr.h"
#include "repo_apk.h"
#include "repo_rpmmd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *copy(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s) {
		memcpy(s, data, size);
		s[size] = '\0';
	}
	return s;
}

#define REPO_relation 1
#define REPO_packages 2
#define REPO_apk      3
#define REPO_rpmmd    4
#define REPO_sources  5
#define PICK(x)       REPO_##x
#define WHICH(x)      PICK(x)

/* Every alternative formatted and checked against a version: no read past the text. */
static void relation(const uint8_t *data, size_t size)
{
	static const struct kmend_pkgmgr *const families[] = {&kmend_pkgmgr_apt, &kmend_pkgmgr_apk,
	                                                      &kmend_pkgmgr_dnf};
	const struct kmend_pkgmgr *f;
	struct kmend_relation rel = {0};
	struct kmend_error err;
	char *text, buf[300];

	if (size < 1)
		return;
	f = families[data[0] % 3];
	if (!(text = copy(data + 1, size - 1)))
		return;
	if (f->parse_relation(text, &rel, &err) == 0)
		for (size_t i = 0; i < rel.nalts; i++) {
			kmend_rel_alt_format(&rel.alts[i], buf, sizeof(buf));
			kmend_rel_satisfied(f->scheme, rel.alts[i].op, "1.0-1",
			                    rel.alts[i].version);
		}
	kmend_relation_free(&rel);
	free(text);
}

static int count_provide(void *ctx, const char *name, size_t nlen, const char *ver, size_t vlen)
{
	(void)name;
	(void)ver;
	*(size_t *)ctx += nlen + vlen;
	return 0;
}

/* Parse an index, pool it, and read every entry's fields to their ends. */
static void index_of(const struct kmend_pkgmgr *f, char *text, size_t len)
{
	struct kmend_repo_index index = {0};
	struct kmend_repo_pool pool;
	const struct kmend_repo_index *idx[] = {&index};
	struct kmend_error err;
	size_t sum = 0;

	if (f->parse_index(text, len, "http://fuzz", "fuzz", &index, &err) == 0 &&
	    kmend_repo_pool_build(&pool, idx, 1, f->parse_relation) == 0) {
		for (size_t i = 0; i < index.count; i++) {
			const struct kmend_repo_pkg *p = &index.items[i];
			const struct kmend_repo_pkg *const *first;
			sum += strlen(p->name) + strlen(p->version) + strlen(p->arch) +
			       strlen(p->source) + strlen(p->filename) +
			       kmend_repo_pool_find(&pool, p->name, &first);
			if (p->provides)
				kmend_relation_each_provide(f->parse_relation, p->provides,
				                            count_provide, &sum);
		}
		kmend_repo_pool_free(&pool);
	}
	kmend_repo_index_free(&index);
	(void)sum;
}

static void apk(const uint8_t *data, size_t size)
{
	struct kmend_repo_key key = {.name = "k.rsa.pub", .data = "x", .len = 1};
	struct kmend_warnings w = {0};
	struct kmend_error err;
	char *text;
	size_t len;

	/* The archive: read past its signature (trusted), then its APKINDEX as an index. */
	if (kmend_apk_index_open((const char *)data, size, &key, 1, KMEND_REPO_TRUSTED, "fuzz",
	                         &text, &len, &w, &err) == 0)
		index_of(&kmend_pkgmgr_apk, text, len);
	if (kmend_apk_index_open((const char *)data, size, &key, 1, KMEND_REPO_VERIFY, "fuzz",
	                         &text, &len, &w, &err) == 0)
		free(text);
	kmend_apk_package_check((const char *)data, size, "Q1AAAAAAAAAAAAAAAAAAAAAAAAAAA=", "fuzz",
	                        &err);
	kmend_warnings_free(&w);
	if ((text = copy(data, size)))
		index_of(&kmend_pkgmgr_apk, text, size);
}

static void rpmmd(const uint8_t *data, size_t size)
{
	struct kmend_rpmmd_primary primary;
	struct kmend_error err;
	char *text;

	kmend_rpmmd_parse_repomd((const char *)data, size, "fuzz", &primary, &err);
	if ((text = copy(data, size)))
		index_of(&kmend_pkgmgr_dnf, text, size);
}

/* The input as each family's configuration file; mirrors too when the first byte is odd. */
static void sources(const uint8_t *data, size_t size)
{
	static const char *const paths[] = {"etc/apt/sources.list",
	                                    "etc/apt/sources.list.d/x.sources",
	                                    "etc/yum.repos.d/x.repo", "etc/apk/repositories"};
	const char *mirrors[] = {"http://127.0.0.1:9/m", NULL};
	struct kmend_os os = {.id = "debian", .version_id = "12", .codename = "bookworm"};

	if (size < 1)
		return;
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		struct kmend_fix_files files = {0};
		struct kmend_warnings w = {0};
		struct kmend_repo_list repos = {0};
		struct kmend_repo_options opts = {.mirrors = data[0] & 1 ? mirrors : NULL};
		const struct kmend_pkgmgr *f = i < 2    ? &kmend_pkgmgr_apt
		                               : i == 2 ? &kmend_pkgmgr_dnf
		                                        : &kmend_pkgmgr_apk;
		struct kmend_pkgmgr_context ctx = {.files = &files,
		                                   .os = &os,
		                                   .arch = i < 2 ? "amd64" : "x86_64",
		                                   .opts = &opts,
		                                   .warnings = &w};
		struct kmend_error err;

		if (kmend_fix_files_add(&files, paths[i], (const char *)data + 1, size - 1) == 0 &&
		    kmend_fix_files_add(&files, "etc/apt/trusted.gpg.d/k.gpg", "k", 1) == 0)
			f->read_repos(&ctx, &repos, &err);
		kmend_repo_list_free(&repos);
		kmend_warnings_free(&w);
		kmend_fix_files_free(&files);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;

	switch (WHICH(FUZZ_REPO)) {
	case REPO_relation: relation(data, size); break;
	case REPO_packages:
		if ((text = copy(data, size)))
			index_of(&kmend_pkgmgr_apt, text, size);
		break;
	case REPO_apk: apk(data, size); break;
	case REPO_rpmmd: rpmmd(data, size); break;
	case REPO_sources: sources(data, size); break;
	}
	return 0;
}
