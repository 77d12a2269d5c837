/*
 * The apk family of the patch: lib/apk/db/installed with the new versions' records (the
 * fields apk writes from .PKGINFO, the index's control checksum, and the file list with each
 * file's SHA-1 as apk keeps it), files under /etc the user changed kept (the new version
 * beside them as .apk-new, as apk does), and the old version's files no package ships any more
 * whited out.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "cleanup.h"
#include "image_patch_internal.h"
#include "kmend_limits.h"
#include "strv.h"
#include "version.h"

#define INSTALLED "lib/apk/db/installed"

struct apk_pkg {
	struct patch_record rec; /* in the installed text */
	char **old;              /* the old version's files (F: dir + R: name) */
	char **removed;          /* those no package ships any more */
	char *old_text;          /* a copy of the old record, for its Z: sums */
};

struct apk_db {
	char *installed;
	size_t len;
	struct apk_pkg *pkgs;
};

static int apk_want_db(struct kmend_want *w)
{
	return kmend_want_add(w, INSTALLED);
}

/* The value of the first "K:" line of a record; NULL when absent. */
static char *record_field(const char *rec, size_t len, char key)
{
	for (const char *p = rec, *end = rec + len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (n >= 2 && p[0] == key && p[1] == ':')
			return strndup(p + 2, n - 2);
		p += n + 1;
	}
	return NULL;
}

/* The files a record lists (F: directory, then R: names in it), as paths. */
static int record_files(const char *rec, size_t len, char ***out)
{
	char dir[KMEND_PATH_MAX] = "";
	int r = 0;

	for (const char *p = rec, *end = rec + len; p < end && r == 0;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char path[2 * KMEND_PATH_MAX];
		if (n >= 2 && p[0] == 'F' && p[1] == ':' && n - 2 < sizeof(dir)) {
			memcpy(dir, p + 2, n - 2);
			dir[n - 2] = '\0';
		} else if (n > 2 && p[0] == 'R' && p[1] == ':') {
			snprintf(path, sizeof(path), "%s%s%.*s", dir, dir[0] ? "/" : "",
			         (int)(n - 2), p + 2);
			if (strlen(path) < KMEND_PATH_MAX && kmend_path_normalize(path) == 0 &&
			    path[0])
				r = kmend_strv_push(out, path, strlen(path));
		}
		p += n + 1;
	}
	return r;
}

/* The old record's "Q1..." SHA-1 of path (its Z: line), into out ("" when none). */
static void old_sum(const char *rec, const char *path, char *out, size_t size)
{
	char dir[KMEND_PATH_MAX] = "", full[2 * KMEND_PATH_MAX];
	bool match = false;

	out[0] = '\0';
	for (const char *p = rec; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		if (n >= 2 && p[0] == 'F' && p[1] == ':' && n - 2 < sizeof(dir)) {
			memcpy(dir, p + 2, n - 2);
			dir[n - 2] = '\0';
		} else if (n > 2 && p[0] == 'R' && p[1] == ':') {
			snprintf(full, sizeof(full), "%s%s%.*s", dir, dir[0] ? "/" : "",
			         (int)(n - 2), p + 2);
			match = !strcmp(full, path);
		} else if (match && n > 2 && p[0] == 'Z' && p[1] == ':') {
			snprintf(out, size, "%.*s", (int)(n - 2), p + 2);
			return;
		}
		p = nl ? nl + 1 : NULL;
	}
}

/* "Q1" + base64 of the raw digest whose hex is sum (apk's checksum notation). */
static void q1(const char *hex, char *out, size_t size)
{
	unsigned char raw[32];
	size_t n = strlen(hex) / 2;
	char b64[64];

	for (size_t i = 0; i < n && i < sizeof(raw); i++)
		sscanf(hex + 2 * i, "%2hhx", &raw[i]);
	EVP_EncodeBlock((unsigned char *)b64, raw, (int)n);
	snprintf(out, size, "Q1%s", b64);
}

static void q1_of(const void *data, size_t len, char *out, size_t size)
{
	unsigned char raw[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	char hex[2 * EVP_MAX_MD_SIZE + 1];

	EVP_Digest(data, len, raw, &n, EVP_sha1(), NULL);
	for (unsigned i = 0; i < n; i++)
		snprintf(hex + 2 * i, 3, "%02x", raw[i]);
	q1(hex, out, size);
}

/* Is path listed by a record other than the patched ones'? */
static bool owned_elsewhere(const struct kmend_patch *p, const struct apk_db *db, const char *path)
{
	size_t pos = 0, start, end;

	while (patch_next_record(db->installed, db->len, &pos, &start, &end)) {
		char **files = NULL;
		bool mine = false, found;
		for (size_t i = 0; i < p->npkgs; i++)
			mine |= db->pkgs[i].rec.at == start;
		if (mine)
			continue;
		if (record_files(db->installed + start, end - start, &files) < 0) {
			kmend_strv_free(files);
			return true; /* out of memory: keep the file rather than delete another's */
		}
		found = kmend_strv_has(files, path);
		kmend_strv_free(files);
		if (found)
			return true;
	}
	return false;
}

/* The scripts an upgrade runs: the new package's .pre-upgrade and .post-upgrade. */
static int review(struct patch_pkg *pkg)
{
	static const char *const scripts[] = {".pre-upgrade", ".post-upgrade"};
	char why[300], note[400] = "";

	for (size_t i = 0; i < 2 && !note[0]; i++) {
		const struct kmend_pkgfile_member *m = kmend_pkgfile_member(&pkg->pf, scripts[i]);
		if (m && patch_script_review(m->data, m->len, pkg->fix->installed,
		                             &kmend_version_apk, why, sizeof(why)))
			snprintf(note, sizeof(note), "its %s: %s", scripts[i] + 1, why);
	}
	if (!note[0] && kmend_pkgfile_member(&pkg->pf, ".trigger"))
		snprintf(note, sizeof(note),
		         "it has a trigger script, which runs when directories "
		         "it watches change");
	if (note[0] && !(pkg->out->scripts = strdup(note)))
		return -ENOMEM;
	return 0;
}

static int apk_read_db(struct kmend_patch *p, struct kmend_want *want, struct kmend_error *err)
{
	const struct kmend_rootfs_node *n = patch_view_file(p, INSTALLED);
	struct apk_db *db;
	int r = 0;

	if (!n || n->kind != KMEND_ENTRY_FILE || !n->data)
		return kmend_error_set(err, -KMEND_E_UNSUPPORTED, p->req.img->name, 0,
		                       "the image has no apk database (/" INSTALLED ")");
	if (!(db = p->db = calloc(1, sizeof(*db))) ||
	    !(db->pkgs = calloc(p->npkgs, sizeof(*db->pkgs))) ||
	    !(db->installed = malloc(n->len + 1)))
		return -ENOMEM;
	memcpy(db->installed, n->data, n->len + 1);
	db->len = n->len;
	for (size_t i = 0; i < p->npkgs && r == 0; i++) {
		struct patch_pkg *pkg = &p->pkgs[i];
		struct apk_pkg *ap = &db->pkgs[i];
		size_t pos = 0, start, end;
		bool found = false;

		while (!found && patch_next_record(db->installed, db->len, &pos, &start, &end)) {
			_cleanup_free_ char *name =
			    record_field(db->installed + start, end - start, 'P');
			_cleanup_free_ char *ver =
			    record_field(db->installed + start, end - start, 'V');
			if (!name || strcmp(name, pkg->fix->name))
				continue;
			if (!ver || strcmp(ver, pkg->fix->installed))
				return kmend_error_set(
				    err, -KMEND_E_UNSUPPORTED, p->req.img->name, 0,
				    "%s is %s in the image, not %s as the plan says", name,
				    ver ? ver : "without a version", pkg->fix->installed);
			ap->rec = (struct patch_record){.at = start, .len = end - start};
			found = true;
		}
		if (!found)
			return kmend_error_set(err, -KMEND_E_UNSUPPORTED, p->req.img->name, 0,
			                       "the apk database has no record of %s",
			                       pkg->fix->name);
		if (!(ap->old_text = strndup(db->installed + ap->rec.at, ap->rec.len)) ||
		    (r = record_files(ap->old_text, ap->rec.len, &ap->old)) < 0 ||
		    (r = review(pkg)) < 0)
			break;
		for (size_t k = 0; ap->old && ap->old[k] && r == 0; k++)
			if (!patch_shipped(p, ap->old[k]) &&
			    (r = patch_want_dir(want, ap->old[k])) == 0 &&
			    !owned_elsewhere(p, db, ap->old[k]))
				r = kmend_strv_push(&ap->removed, ap->old[k], strlen(ap->old[k]));
		for (size_t k = 0; k < pkg->npaths && r == 0; k++) {
			r = patch_want_dir(want, pkg->paths[k].path);
			if (r == 0 && !strncmp(pkg->paths[k].path, "etc/", 4) &&
			    pkg->paths[k].kind == KMEND_PKGFILE_FILE)
				r = kmend_want_add(want, pkg->paths[k].path);
		}
		if (r == 0 && (kmend_pkgfile_member(&pkg->pf, ".post-upgrade") ||
		               kmend_pkgfile_member(&pkg->pf, ".pre-upgrade")))
			r = kmend_warn(
			    &p->warnings, "apk-scripts-kept",
			    "/lib/apk/db/scripts.tar keeps %s's scripts of %s: kmend does "
			    "not rewrite it (apk runs them only when it installs)",
			    pkg->fix->name, pkg->fix->installed);
	}
	return r;
}

/* A .PKGINFO value list (every "key = value" of key), joined with spaces; NULL when none. */
static char *pkginfo_all(const struct kmend_pkgfile_member *m, const char *key)
{
	size_t n = strlen(key), cap = 0, used = 0;
	char *out = NULL;

	for (const char *p = m->data; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		if (len > n + 3 && !strncmp(p, key, n) && !strncmp(p + n, " = ", 3)) {
			size_t v = len - n - 3;
			char *bigger = realloc(out, cap = used + v + 2);
			if (!bigger) {
				free(out);
				return NULL;
			}
			out = bigger;
			if (used)
				out[used++] = ' ';
			memcpy(out + used, p + n + 3, v);
			used += v;
			out[used] = '\0';
		}
		p = nl ? nl + 1 : NULL;
	}
	(void)cap;
	return out;
}

/* The new record, as apk writes an installed package: its fields, then its files. */
static int new_record(const struct patch_pkg *pkg, FILE *out)
{
	static const struct {
		char key;
		const char *pkginfo;
	} fields[] = {{'P', "pkgname"},
	              {'V', "pkgver"},
	              {'A', "arch"},
	              {'S', NULL},
	              {'I', "size"},
	              {'T', "pkgdesc"},
	              {'U', "url"},
	              {'L', "license"},
	              {'o', "origin"},
	              {'m', "maintainer"},
	              {'t', "builddate"},
	              {'c', "commit"},
	              {'k', "provider_priority"},
	              {'D', "depend"},
	              {'p', "provides"},
	              {'i', "install_if"},
	              {'r', "replaces"}};
	const struct kmend_pkgfile_member *info = kmend_pkgfile_member(&pkg->pf, ".PKGINFO");
	char dir[KMEND_PATH_MAX + 1] = "\x01", sum[64];

	if (pkg->fix->checksum)
		fprintf(out, "C:%s\n", pkg->fix->checksum);
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		char *v;
		if (!fields[i].pkginfo) {
			fprintf(out, "S:%zu\n", pkg->len);
			continue;
		}
		if (!(v = pkginfo_all(info, fields[i].pkginfo)))
			continue;
		fprintf(out, "%c:%s\n", fields[i].key, v);
		free(v);
	}
	for (size_t i = 0; i < pkg->npaths; i++) {
		const struct patch_path *pp = &pkg->paths[i];
		const char *slash = strrchr(pp->path, '/');
		char parent[KMEND_PATH_MAX + 1];
		if (!pp->path[0])
			continue;
		if (pp->kind == KMEND_PKGFILE_DIR) {
			fprintf(out, "F:%s\n", pp->path);
			snprintf(dir, sizeof(dir), "%s", pp->path);
			continue;
		}
		snprintf(parent, sizeof(parent), "%.*s", slash ? (int)(slash - pp->path) : 0,
		         pp->path);
		if (strcmp(parent, dir)) {
			fprintf(out, "F:%s\n", parent);
			snprintf(dir, sizeof(dir), "%s", parent);
		}
		fprintf(out, "R:%s\n", slash ? slash + 1 : pp->path);
		if (pp->sum[0]) {
			q1(pp->sum, sum, sizeof(sum));
			fprintf(out, "Z:%s\n", sum);
		}
	}
	return ferror(out) ? -ENOMEM : 0;
}

static int write_record(struct kmend_patch *p, size_t i, FILE *out)
{
	return new_record(&p->pkgs[i], out);
}

static int apk_update_db(struct kmend_patch *p, struct kmend_error *err)
{
	struct apk_db *db = p->db;
	struct patch_record *recs;
	int r = 0;

	for (size_t i = 0; i < p->npkgs && r == 0; i++) {
		struct patch_pkg *pkg = &p->pkgs[i];
		struct apk_pkg *ap = &db->pkgs[i];
		for (size_t k = 0; k < pkg->npaths && r == 0; k++) {
			struct patch_path *pp = &pkg->paths[k];
			const struct kmend_rootfs_node *now;
			char where[KMEND_PATH_MAX], was[64], cur[64];
			if (!pp->path[0])
				continue;
			if ((r = patch_layer_path(p, pp->path, pp->kind == KMEND_PKGFILE_DIR, where,
			                          sizeof(where))) < 0) {
				r = kmend_error_set(err, -KMEND_E_BAD_INPUT, pkg->pf.what, 0,
				                    "/%s leads nowhere in the image: %s", pp->path,
				                    strerror(-r));
				break;
			}
			/* apk's protected /etc: a file the user changed stays, the new one beside
			 * it. */
			old_sum(ap->old_text, pp->path, was, sizeof(was));
			if (pp->kind == KMEND_PKGFILE_FILE && !strncmp(pp->path, "etc/", 4) &&
			    was[0] && (now = kmend_rootfs_lookup(&p->view, pp->path)) &&
			    now->data) {
				q1_of(now->data, now->len, cur, sizeof(cur));
				if (strcmp(cur, was) && strlen(where) + 9 < sizeof(where)) {
					strcat(where, ".apk-new");
					r = kmend_warn(
					    &p->warnings, "config-kept",
					    "/%s was changed in the image: kept; %s's new "
					    "version is beside it as /%s.apk-new",
					    pp->path, pkg->fix->name, pp->path);
				}
			}
			if (r == 0 && !(pp->layer_path = strdup(where)))
				r = -ENOMEM;
		}
		for (size_t k = 0; ap->removed && ap->removed[k] && r == 0; k++) {
			char where[KMEND_PATH_MAX];
			if (patch_layer_path(p, ap->removed[k], false, where, sizeof(where)) < 0 ||
			    !patch_view_file(p, where))
				continue;
			if ((r = patch_add_whiteout(p, where)) == 0)
				pkg->out->removed++;
		}
	}
	if (r < 0 || !(recs = calloc(p->npkgs ? p->npkgs : 1, sizeof(*recs))))
		return r < 0 ? r : -ENOMEM;
	for (size_t i = 0; i < p->npkgs; i++)
		recs[i] = db->pkgs[i].rec;
	r = patch_rewrite_records(p, INSTALLED, db->installed, db->len, recs, write_record);
	free(recs);
	return r;
}

static void apk_free_db(struct kmend_patch *p)
{
	struct apk_db *db = p->db;

	if (!db)
		return;
	for (size_t i = 0; db->pkgs && i < p->npkgs; i++) {
		kmend_strv_free(db->pkgs[i].old);
		kmend_strv_free(db->pkgs[i].removed);
		free(db->pkgs[i].old_text);
	}
	free(db->pkgs);
	free(db->installed);
	free(db);
	p->db = NULL;
}

const struct patch_family_ops patch_apk_ops = {
    .package_manager = "apk",
    .format = &kmend_pkgfile_apk,
    .payload_digest = "sha1",
    .want_db = apk_want_db,
    .read_db = apk_read_db,
    .update_db = apk_update_db,
    .free_db = apk_free_db,
};
