/*
 * rpm databases: Berkeley DB (Packages) and sqlite (rpmdb.sqlite) through librpm,
 * ndb (SUSE's Packages.db, which Debian's librpm lacks) through our own reader of its
 * container, each package header handed to librpm.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "dynlib.h"
#include "fsutil.h"
#include "kmend_limits.h"
#include "pkgdb.h"

/* librpm logs to stderr by default; the library must not print. */
static int rpm_log_swallow(rpmlogRec rec, rpmlogCallbackData data)
{
	(void)rec;
	(void)data;
	return 0;
}

static int rpm_initialised;

static int rpm_init(struct kmend_error *err)
{
	int r;

	if (rpm_initialised)
		return 0;
	if ((r = kmend_rpm_load(err)) < 0)
		return r;
	kmend_rpm.rpmlogSetCallback(rpm_log_swallow, NULL);
	if (kmend_rpm.rpmReadConfigFiles(NULL, NULL) != 0)
		return kmend_error_set(err, -KMEND_E_UNSUPPORTED, "librpm", 0,
		                       "cannot read rpm's configuration");
	rpm_initialised = 1;
	return 0;
}

/* "name-version-release.src.rpm" -> name and "version-release". */
static void rpm_split_sourcerpm(const char *srpm, char **name, char **evr)
{
	const char *end = srpm + strlen(srpm), *r, *v;

	*name = *evr = NULL;
	if (end - srpm > 8 && strcmp(end - 8, ".src.rpm") == 0)
		end -= 8;
	else if (end - srpm > 10 && strcmp(end - 10, ".nosrc.rpm") == 0)
		end -= 10;
	else
		return;
	for (r = end; r > srpm && r[-1] != '-'; r--)
		;
	if (r <= srpm + 1)
		return;
	for (v = r - 1; v > srpm && v[-1] != '-'; v--)
		;
	if (v <= srpm + 1)
		return;
	*name = strndup(srpm, (size_t)(v - 1 - srpm));
	*evr = strndup(v, (size_t)(end - v));
}

static char *rpm_evr(int has_epoch, uint64_t epoch, const char *v, const char *r)
{
	char *s = NULL;
	int n = has_epoch ? asprintf(&s, "%llu:%s-%s", (unsigned long long)epoch, v, r)
	                  : asprintf(&s, "%s-%s", v, r);

	return n < 0 ? NULL : s;
}

static int rpm_add_header(Header h, const char *path, struct kmend_package_list *out)
{
	const char *name = kmend_rpm.headerGetString(h, RPMTAG_NAME);
	const char *version = kmend_rpm.headerGetString(h, RPMTAG_VERSION);
	const char *release = kmend_rpm.headerGetString(h, RPMTAG_RELEASE);
	const char *srpm = kmend_rpm.headerGetString(h, RPMTAG_SOURCERPM);
	int has_epoch = kmend_rpm.headerIsEntry(h, RPMTAG_EPOCH);
	uint64_t epoch = kmend_rpm.headerGetNumber(h, RPMTAG_EPOCH);
	_cleanup_free_ char *evr = NULL, *src_name = NULL, *src_vr = NULL, *src_evr = NULL;

	/* gpg-pubkey pseudo-packages carry the placeholder "(none)". */
	if (srpm && strcmp(srpm, "(none)") == 0)
		srpm = NULL;
	if (!name || !version || !release) {
		kmend_package_list_skip(out, path, 0, "a header without name, version or release");
		return 0;
	}
	if (!(evr = rpm_evr(has_epoch, epoch, version, release)))
		return -ENOMEM;
	if (srpm)
		rpm_split_sourcerpm(srpm, &src_name, &src_vr);
	if (src_vr && has_epoch &&
	    asprintf(&src_evr, "%llu:%s", (unsigned long long)epoch, src_vr) < 0)
		return -ENOMEM;
	return kmend_package_list_add(
	    out,
	    &(struct kmend_package){
	        .type = KMEND_PKG_RPM,
	        .name = (char *)name,
	        .version = evr,
	        .arch = (char *)kmend_rpm.headerGetString(h, RPMTAG_ARCH),
	        .source = src_name,
	        .source_version = src_evr ? src_evr : src_vr,
	        .source_rpm = (char *)srpm,
	        .modularity_label = (char *)kmend_rpm.headerGetString(h, RPMTAG_MODULARITYLABEL),
	    });
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

#define NDB_PAGE_SIZE      4096
#define NDB_SLOT_SIZE      16
#define NDB_BLOCK_SIZE     16
#define NDB_MAX_SLOT_PAGES 2048
#define NDB_MAGIC(a, b, c, d)                                                                      \
	((uint32_t)(a) | (uint32_t)(b) << 8 | (uint32_t)(c) << 16 | (uint32_t)(d) << 24)

/*
 * ndb's Packages.db: a 32-byte header ("RpmP", version 0, generation, slot
 * page count), then slot pages of 16-byte slots ("Slot", package index, block
 * offset, block count; index 0 is free), the first two slot places taken by the
 * header. A slot's block (offset in 16-byte units) starts with a blob header
 * ("BlbS", package index, checksum, length) followed by the package's header.
 */
static int rpm_parse_ndb(const char *path, const unsigned char *d, size_t len,
                         struct kmend_package_list *out, struct kmend_error *err)
{
	uint32_t slot_pages;
	size_t nslots;

	if (len < 32 || le32(d) != NDB_MAGIC('R', 'p', 'm', 'P') || le32(d + 4) != 0)
		return kmend_error_set(err, -KMEND_E_BAD_INPUT, path, 0,
		                       "not an rpm ndb database (bad header)");
	slot_pages = le32(d + 12);
	if (slot_pages == 0 || slot_pages > NDB_MAX_SLOT_PAGES ||
	    (size_t)slot_pages * NDB_PAGE_SIZE > len)
		return kmend_error_set(err, -KMEND_E_BAD_INPUT, path, 0,
		                       "rpm ndb database with %u slot pages in %zu bytes",
		                       slot_pages, len);
	nslots = (size_t)slot_pages * (NDB_PAGE_SIZE / NDB_SLOT_SIZE) - 2;
	for (size_t i = 0; i < nslots; i++) {
		const unsigned char *slot = d + 32 + i * NDB_SLOT_SIZE;
		uint32_t pkgidx = le32(slot + 4);
		size_t off = (size_t)le32(slot + 8) * NDB_BLOCK_SIZE, bloblen;
		Header h;
		int r;

		if (le32(slot) != NDB_MAGIC('S', 'l', 'o', 't'))
			return kmend_error_set(err, -KMEND_E_BAD_INPUT, path, 0,
			                       "rpm ndb database: bad slot %zu", i);
		if (pkgidx == 0)
			continue;
		if (off > len || len - off < 16 || le32(d + off) != NDB_MAGIC('B', 'l', 'b', 'S') ||
		    le32(d + off + 4) != pkgidx) {
			kmend_package_list_skip(out, path, 0, "a slot whose blob is missing");
			continue;
		}
		bloblen = le32(d + off + 12);
		if (bloblen > len - off - 16) {
			kmend_package_list_skip(out, path, 0, "a blob running past the file's end");
			continue;
		}
		/* HEADERIMPORT_COPY: librpm checks the blob and keeps its own copy. */
		h = kmend_rpm.headerImport((void *)(d + off + 16), (unsigned)bloblen,
		                           HEADERIMPORT_COPY);
		if (!h) {
			kmend_package_list_skip(out, path, 0, "a package header librpm rejects");
			continue;
		}
		r = rpm_add_header(h, path, out);
		kmend_rpm.headerFree(h);
		if (r < 0)
			return r;
	}
	return 0;
}

static void remove_dir(const char *dir)
{
	DIR *dp = opendir(dir);
	struct dirent *de;

	if (dp) {
		while ((de = readdir(dp)))
			if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
				unlinkat(dirfd(dp), de->d_name, 0);
		closedir(dp);
	}
	rmdir(dir);
}

static int write_file(const char *file, const unsigned char *d, size_t len)
{
	int fd = kmend_create_private(file);
	size_t done = 0;

	if (fd < 0)
		return fd;
	while (done < len) {
		ssize_t n = write(fd, d + done, len - done);
		if (n < 0) {
			int e = -errno;
			close(fd);
			return e;
		}
		done += (size_t)n;
	}
	return close(fd) < 0 ? -errno : 0;
}

/*
 * librpm reads a database only from a directory: put the file in a private
 * temporary one, iterate, remove it.
 */
static int rpm_parse_librpm(const char *path, const char *file, const char *backend,
                            const unsigned char *d, size_t len, struct kmend_package_list *out,
                            struct kmend_error *err)
{
	const char *tmp = getenv("TMPDIR");
	char dir[4096], dbfile[4200];
	rpmdbMatchIterator mi;
	Header h;
	rpmts ts;
	int r = 0, opened;

	snprintf(dir, sizeof(dir), "%s/kmend-rpmdb-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		return kmend_error_set(err, -errno, dir, 0, "cannot create a temporary directory");
	snprintf(dbfile, sizeof(dbfile), "%s/%s", dir, file);
	if ((r = write_file(dbfile, d, len)) < 0) {
		remove_dir(dir);
		return kmend_error_set(err, r, dbfile, 0, "cannot write the rpm database copy");
	}
	kmend_rpm.rpmPushMacro(NULL, "_dbpath", NULL, dir, RMIL_CMDLINE);
	kmend_rpm.rpmPushMacro(NULL, "_db_backend", NULL, backend, RMIL_CMDLINE);
	ts = kmend_rpm.rpmtsCreate();
	kmend_rpm.rpmtsSetRootDir(ts, "/");
	kmend_rpm.rpmtsSetVSFlags(ts, RPMVSF_MASK_NOSIGNATURES | RPMVSF_MASK_NODIGESTS);
	opened = kmend_rpm.rpmtsOpenDB(ts, O_RDONLY) == 0;
	mi = opened ? kmend_rpm.rpmtsInitIterator(ts, RPMDBI_PACKAGES, NULL, 0) : NULL;
	if (!mi)
		r = kmend_error_set(err, -KMEND_E_BAD_INPUT, path, 0,
		                    "librpm cannot read this %s rpm database", backend);
	while (mi && r == 0 && (h = kmend_rpm.rpmdbNextIterator(mi)))
		r = rpm_add_header(h, path, out);
	kmend_rpm.rpmdbFreeIterator(mi);
	kmend_rpm.rpmtsFree(ts);
	kmend_rpm.rpmPopMacro(NULL, "_db_backend");
	kmend_rpm.rpmPopMacro(NULL, "_dbpath");
	remove_dir(dir);
	return r;
}

static int rpm_parse(const char *path, const char *data, size_t len, struct kmend_package_list *out,
                     struct kmend_error *err)
{
	const char *base = strrchr(path, '/');
	const unsigned char *d = (const unsigned char *)data;
	int r;

	base = base ? base + 1 : path;
	if ((r = rpm_init(err)) < 0)
		return r;
	if (strcmp(base, "Packages.db") == 0)
		return rpm_parse_ndb(path, d, len, out, err);
	if (strcmp(base, "rpmdb.sqlite") == 0)
		return rpm_parse_librpm(path, base, "sqlite", d, len, out, err);
	return rpm_parse_librpm(path, "Packages", "bdb_ro", d, len, out, err);
}

static const char *const rpm_paths[] = {
    "var/lib/rpm/Packages",
    "var/lib/rpm/Packages.db",
    "var/lib/rpm/rpmdb.sqlite",
    "usr/lib/sysimage/rpm/Packages",
    "usr/lib/sysimage/rpm/Packages.db",
    "usr/lib/sysimage/rpm/rpmdb.sqlite",
    NULL,
};

const struct kmend_pkgdb kmend_pkgdb_rpm = {
    .name = "rpm",
    .type = KMEND_PKG_RPM,
    .paths = rpm_paths,
    .parse = rpm_parse,
};
