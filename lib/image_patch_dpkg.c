/*
 * The dpkg family of the patch: var/lib/dpkg/status with the new versions' stanzas (fields in
 * dpkg's own order), info/PKG.list, .md5sums, .conffiles and the other control members as
 * dpkg installs them, conffiles handled as dpkg does without a terminal (a changed one kept,
 * the new version beside it as .dpkg-dist), diversions followed, and the old version's files
 * that no package ships any more whited out.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "array.h"
#include "cleanup.h"
#include "image_patch_internal.h"
#include "kmend_limits.h"
#include "kvtext.h"
#include "strv.h"
#include "version.h"

#define STATUS     "var/lib/dpkg/status"
#define INFO       "var/lib/dpkg/info/"
#define DIVERSIONS "var/lib/dpkg/diversions"

/* What the database says of one package being replaced. */
struct dpkg_pkg {
	char *db_name;              /* "perl-base", or "libc6:amd64" for Multi-Arch: same */
	struct patch_record stanza; /* in the status text */
	char *want;                 /* the first word of its Status ("install", "hold") */
	char *conffiles;            /* the old stanza's Conffiles value, "" when none */
	char **new_conffiles; /* the new version's conffiles (paths without '/'), NULL-terminated */
	char **removed;       /* the old version's paths no package ships any more */
	char **obsolete;      /* old conffiles the new version lacks: kept, marked obsolete */
};

struct dpkg_db {
	char *status;
	size_t status_len;
	char *diversions; /* "from\nto\npackage\n" triples, "" when none */
	struct dpkg_pkg *pkgs;
};

static int dpkg_want_db(struct kmend_want *w)
{
	int r;

	if ((r = kmend_want_add(w, STATUS)) < 0 || (r = kmend_want_add(w, INFO)) < 0)
		return r;
	return kmend_want_add(w, DIVERSIONS);
}

/* A field of the paragraph text[0..len), copied (multi-line values whole); NULL when absent. */
static char *field(const char *text, size_t len, const char *key)
{
	struct kvtext_reader r;
	enum kvtext_item it;

	kvtext_init(&r, text, len);
	r.multiline = 1;
	while ((it = kvtext_next(&r)) != KVTEXT_END && it != KVTEXT_END_RECORD)
		if (it == KVTEXT_FIELD && kmend_span_eq(r.key, key))
			return kmend_span_dup(r.value);
	return NULL;
}

/* The view's copy of an image file, or NULL. */
static const struct kmend_rootfs_node *file_at(const struct kmend_patch *p, const char *path)
{
	const struct kmend_rootfs_node *n = patch_view_file(p, path);

	return n && n->kind == KMEND_ENTRY_FILE && n->data ? n : NULL;
}

/* Find pkg's stanza (its name and architecture), check it is installed as the plan says. */
static int find_stanza(struct kmend_patch *p, struct dpkg_db *db, const struct patch_pkg *pkg,
                       struct dpkg_pkg *dp, struct kmend_error *err)
{
	size_t pos = 0, start, end;

	while (patch_next_record(db->status, db->status_len, &pos, &start, &end)) {
		const char *s = db->status + start;
		size_t n = end - start;
		_cleanup_free_ char *name = field(s, n, "Package"),
		                    *arch = field(s, n, "Architecture");
		_cleanup_free_ char *status = NULL, *version = NULL, *ma = NULL;

		if (!name || strcmp(name, pkg->fix->name) ||
		    (arch && pkg->pf.arch && strcmp(arch, pkg->pf.arch) && strcmp(arch, "all") &&
		     strcmp(pkg->pf.arch, "all")))
			continue;
		status = field(s, n, "Status");
		version = field(s, n, "Version");
		if (!status || !version || !strstr(status, " ok installed") ||
		    strcmp(version, pkg->fix->installed))
			return kmend_error_set(
			    err, -KMEND_E_UNSUPPORTED, p->req.img->name, 0,
			    "%s is %s %s in the image, not installed at %s as the "
			    "plan says",
			    pkg->fix->name, status ? status : "without a status",
			    version ? version : "", pkg->fix->installed);
		ma = field(s, n, "Multi-Arch");
		if (ma && !strcmp(ma, "same") && arch) {
			if (asprintf(&dp->db_name, "%s:%s", name, arch) < 0)
				dp->db_name = NULL;
		} else {
			dp->db_name = strdup(name);
		}
		dp->want = strndup(status, strcspn(status, " "));
		dp->conffiles = field(s, n, "Conffiles");
		if (!dp->conffiles)
			dp->conffiles = strdup("");
		dp->stanza = (struct patch_record){.at = start, .len = end - start};
		return dp->db_name && dp->want && dp->conffiles ? 0 : -ENOMEM;
	}
	return kmend_error_set(err, -KMEND_E_UNSUPPORTED, p->req.img->name, 0,
	                       "the dpkg database has no stanza for %s", pkg->fix->name);
}

/* The paths of a .list or conffiles file (one absolute path a line), without the '/'. */
static int list_paths(const char *text, size_t len, char ***out)
{
	const char *p = text, *end = text + len;
	int r = 0;

	while (p < end && r == 0) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char path[KMEND_PATH_MAX];

		if (n && n < sizeof(path) && p[0] == '/') {
			memcpy(path, p, n);
			path[n] = '\0';
			if (kmend_path_normalize(path) == 0 && path[0])
				r = kmend_strv_push(out, path, strlen(path));
		}
		p += n + 1;
	}
	return r;
}

/* The old conffile's hash from a Conffiles value, into md5 ("" when not listed). */
static void old_conffile_hash(const char *conffiles, const char *path, char md5[33])
{
	const char *p = conffiles;
	size_t n = strlen(path);

	md5[0] = '\0';
	while ((p = strchr(p, '/'))) {
		if (!strncmp(p + 1, path, n) && p[1 + n] == ' ') {
			const char *h = p + 2 + n;
			size_t k = strspn(h, "0123456789abcdef");
			if (k == 32) {
				memcpy(md5, h, 32);
				md5[32] = '\0';
			}
			return;
		}
		p++;
	}
}

/* Whether a Conffiles value lists path. */
static bool conffile_listed(const char *conffiles, const char *path)
{
	char md5[33];

	old_conffile_hash(conffiles, path, md5);
	return md5[0] != '\0';
}

/* The scripts an upgrade runs: the new preinst and postinst, the old prerm and postrm. */
static int review(struct kmend_patch *p, struct patch_pkg *pkg, const struct dpkg_pkg *dp)
{
	static const char *const new_scripts[] = {"preinst", "postinst"};
	static const char *const old_scripts[] = {"prerm", "postrm"};
	char why[300], path[KMEND_PATH_MAX], note[400] = "";

	for (size_t i = 0; i < 2 && !note[0]; i++) {
		const struct kmend_pkgfile_member *m =
		    kmend_pkgfile_member(&pkg->pf, new_scripts[i]);
		if (m && patch_script_review(m->data, m->len, pkg->fix->installed,
		                             &kmend_version_deb, why, sizeof(why)))
			snprintf(note, sizeof(note), "its %s (%s): %s", new_scripts[i],
			         pkg->fix->version, why);
	}
	for (size_t i = 0; i < 2 && !note[0]; i++) {
		const struct kmend_rootfs_node *n;
		snprintf(path, sizeof(path), INFO "%s.%s", dp->db_name, old_scripts[i]);
		if ((n = file_at(p, path)) &&
		    patch_script_review(n->data, n->len, pkg->fix->installed, &kmend_version_deb,
		                        why, sizeof(why)))
			snprintf(note, sizeof(note), "its %s (%s): %s", old_scripts[i],
			         pkg->fix->installed, why);
	}
	/* Trigger interests live in dpkg's triggers database, which the patch does not edit. */
	if (!note[0]) {
		const struct kmend_pkgfile_member *m = kmend_pkgfile_member(&pkg->pf, "triggers");
		const struct kmend_rootfs_node *n;
		bool new_interest = m && strstr(m->data, "interest");
		snprintf(path, sizeof(path), INFO "%s.triggers", dp->db_name);
		n = file_at(p, path);
		if ((new_interest || (n && strstr(n->data, "interest"))) &&
		    (!m || !n || m->len != n->len || memcmp(m->data, n->data, m->len)))
			snprintf(note, sizeof(note),
			         "its triggers file changes the triggers it is interested in");
	}
	if (note[0] && !(pkg->out->scripts = strdup(note)))
		return -ENOMEM;
	return 0;
}

/* Is path owned by a package other than the ones being patched? Marks them in owned. */
static int mark_owned(struct kmend_patch *p, struct dpkg_db *db, struct kmend_pathindex *cand,
                      bool *owned)
{
	for (size_t i = 0; i < p->view.count; i++) {
		const struct kmend_rootfs_node *n = &p->view.nodes[i];
		size_t len = strlen(n->path), at;
		const char *d, *end;
		bool mine = false;

		if (n->kind != KMEND_ENTRY_FILE || !n->data ||
		    strncmp(n->path, INFO, strlen(INFO)) || len < 5 ||
		    strcmp(n->path + len - 5, ".list"))
			continue;
		for (size_t k = 0; k < p->npkgs; k++) {
			const char *name = n->path + strlen(INFO);
			size_t nl = strlen(db->pkgs[k].db_name);
			mine |=
			    !strncmp(name, db->pkgs[k].db_name, nl) && !strcmp(name + nl, ".list");
		}
		if (mine)
			continue;
		for (d = n->data, end = n->data + n->len; d < end;) {
			const char *nl = memchr(d, '\n', (size_t)(end - d));
			size_t k = nl ? (size_t)(nl - d) : (size_t)(end - d);
			char path[KMEND_PATH_MAX];
			if (k > 1 && k < sizeof(path) && d[0] == '/') {
				memcpy(path, d + 1, k - 1);
				path[k - 1] = '\0';
				if (kmend_pathindex_get(cand, path, &at))
					owned[at] = true;
			}
			d += k + 1;
		}
	}
	return 0;
}

/* The old version's files that leave with it: not shipped now, not another package's. */
static int find_removed(struct kmend_patch *p, struct dpkg_db *db, struct patch_pkg *pkg,
                        struct dpkg_pkg *dp, char **old)
{
	struct kmend_pathindex cand = {0};
	char **list = NULL;
	bool *owned = NULL;
	int r = 0;

	for (size_t i = 0; old && old[i] && r == 0; i++) {
		if (patch_shipped(p, old[i]))
			continue;
		if (conffile_listed(dp->conffiles, old[i]))
			r = kmend_strv_push(&dp->obsolete, old[i], strlen(old[i]));
		else
			r = kmend_strv_push(&list, old[i], strlen(old[i]));
	}
	for (size_t i = 0; list && list[i] && r == 0; i++)
		r = kmend_pathindex_put(&cand, list[i], i);
	if (r == 0 && list && !(owned = calloc(kmend_strv_len(list), sizeof(*owned))))
		r = -ENOMEM;
	if (r == 0 && list)
		r = mark_owned(p, db, &cand, owned);
	for (size_t i = 0; list && list[i] && r == 0; i++)
		if (!owned[i])
			r = kmend_strv_push(&dp->removed, list[i], strlen(list[i]));
	(void)pkg;
	kmend_pathindex_free(&cand);
	kmend_strv_free(list);
	free(owned);
	return r;
}

/* Where a diversion sends path (another package's), or NULL. */
static const char *diverted(const struct dpkg_db *db, const char *path, const char *pkg, char *out,
                            size_t size)
{
	const char *p = db->diversions;

	while (*p) {
		const char *from = p, *to = strchr(from, '\n'),
		           *owner = to ? strchr(to + 1, '\n') : NULL;
		const char *next = owner ? strchr(owner + 1, '\n') : NULL;
		if (!next)
			return NULL;
		if ((size_t)(to - from) == strlen(path) + 1 && from[0] == '/' &&
		    !strncmp(from + 1, path, strlen(path)) &&
		    ((size_t)(next - owner - 1) != strlen(pkg) ||
		     strncmp(owner + 1, pkg, strlen(pkg)))) {
			size_t n = (size_t)(owner - to - 2);
			if (to[1] != '/' || n >= size)
				return NULL;
			memcpy(out, to + 2, n);
			out[n] = '\0';
			return kmend_path_normalize(out) == 0 ? out : NULL;
		}
		p = next + 1;
	}
	return NULL;
}

static int dpkg_read_db(struct kmend_patch *p, struct kmend_want *want, struct kmend_error *err)
{
	const struct kmend_rootfs_node *status = file_at(p, STATUS), *div = file_at(p, DIVERSIONS);
	struct dpkg_db *db;
	int r = 0;

	if (!status)
		return kmend_error_set(err, -KMEND_E_UNSUPPORTED, p->req.img->name, 0,
		                       "the image has no dpkg database (/" STATUS ")");
	if (!(db = p->db = calloc(1, sizeof(*db))) ||
	    !(db->pkgs = calloc(p->npkgs, sizeof(*db->pkgs))) ||
	    !(db->status = malloc(status->len + 1)) ||
	    !(db->diversions = strndup(div ? div->data : "", div ? div->len : 0)))
		return -ENOMEM;
	memcpy(db->status, status->data, status->len + 1);
	db->status_len = status->len;
	for (size_t i = 0; i < p->npkgs && r == 0; i++) {
		struct patch_pkg *pkg = &p->pkgs[i];
		struct dpkg_pkg *dp = &db->pkgs[i];
		const struct kmend_pkgfile_member *cf = kmend_pkgfile_member(&pkg->pf, "conffiles");
		const struct kmend_rootfs_node *list;
		char path[KMEND_PATH_MAX], **old = NULL;

		if ((r = find_stanza(p, db, pkg, dp, err)) < 0 || (r = review(p, pkg, dp)) < 0)
			break;
		if (cf && (r = list_paths(cf->data, cf->len, &dp->new_conffiles)) < 0)
			break;
		snprintf(path, sizeof(path), INFO "%s.list", dp->db_name);
		if (!(list = file_at(p, path)))
			r = kmend_warn(
			    &p->warnings, "no-file-list",
			    "%s has no file list (/%s): the files its old version had and "
			    "the new one lacks stay in the image",
			    pkg->fix->name, path);
		else if ((r = list_paths(list->data, list->len, &old)) == 0)
			r = find_removed(p, db, pkg, dp, old);
		kmend_strv_free(old);
		/* The second read: the directories the payload and the old files lie in (their
		   links), the conffiles' contents, where diversions send files. */
		for (size_t k = 0; k < pkg->npaths && r == 0; k++) {
			char to[KMEND_PATH_MAX];
			r = patch_want_dir(want, pkg->paths[k].path);
			if (r == 0 &&
			    diverted(db, pkg->paths[k].path, pkg->fix->name, to, sizeof(to)))
				r = patch_want_dir(want, to);
		}
		for (size_t k = 0; dp->removed && dp->removed[k] && r == 0; k++)
			r = patch_want_dir(want, dp->removed[k]);
		for (size_t k = 0; dp->new_conffiles && dp->new_conffiles[k] && r == 0; k++)
			r = kmend_want_add(want, dp->new_conffiles[k]);
	}
	return r;
}

static void md5_hex(const void *data, size_t len, char out[33])
{
	unsigned char raw[EVP_MAX_MD_SIZE];
	unsigned n = 0;

	EVP_Digest(data, len, raw, &n, EVP_md5(), NULL);
	for (unsigned i = 0; i < 16 && i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", raw[i]);
}

/*
 * A conffile as dpkg upgrades it without a terminal: installed when the user left it as the
 * old version had it (or it is new), kept when the user changed it, with the new version
 * beside it as .dpkg-dist; left alone when the package did not change it.
 */
static int conffile(struct kmend_patch *p, const struct dpkg_pkg *dp, struct patch_path *pp,
                    char *layer_path, size_t size)
{
	const struct kmend_rootfs_node *now = kmend_rootfs_lookup(&p->view, pp->path);
	char old[33], cur[33] = "";

	old_conffile_hash(dp->conffiles, pp->path, old);
	if (!old[0])
		return 1; /* new: installed */
	if (!strcmp(old, pp->sum))
		return 0; /* unchanged by the package */
	if (!now)
		return 0; /* the user deleted it: dpkg leaves it deleted */
	if (now->data)
		md5_hex(now->data, now->len, cur);
	if (!strcmp(cur, old))
		return 1;
	if (strlen(layer_path) + 11 > size)
		return -ENAMETOOLONG;
	strcat(layer_path, ".dpkg-dist");
	return kmend_warn(&p->warnings, "conffile-kept",
	                  "/%s was changed in the image: kept; %s's new version is beside it as "
	                  "/%s.dpkg-dist",
	                  pp->path, dp->db_name, pp->path) < 0
	           ? -ENOMEM
	           : 1;
}

/* dpkg's status fields in its own order (lib/dpkg's fieldinfos); others follow as given. */
static const char *const field_order[] = {
    "Package",      "Essential",        "Protected",        "Status",      "Priority",
    "Section",      "Installed-Size",   "Origin",           "Maintainer",  "Bugs",
    "Architecture", "Multi-Arch",       "Source",           "Version",     "Config-Version",
    "Replaces",     "Provides",         "Depends",          "Pre-Depends", "Recommends",
    "Suggests",     "Breaks",           "Conflicts",        "Enhances",    "Conffiles",
    "Description",  "Triggers-Pending", "Triggers-Awaited", NULL};

static bool known_field(struct kmend_span key)
{
	for (size_t i = 0; field_order[i]; i++)
		if (kmend_span_eq(key, field_order[i]))
			return true;
	return false;
}

/* The new stanza: the control file's fields, Status and Conffiles, in dpkg's order. */
static int new_stanza(const struct patch_pkg *pkg, const struct dpkg_pkg *dp, FILE *out)
{
	const struct kmend_pkgfile_member *control = kmend_pkgfile_member(&pkg->pf, "control");
	struct kvtext_reader r;
	enum kvtext_item it;

	for (size_t i = 0; field_order[i]; i++) {
		if (!strcmp(field_order[i], "Status")) {
			fprintf(out, "Status: %s ok installed\n", dp->want);
			continue;
		}
		if (!strcmp(field_order[i], "Conffiles")) {
			size_t n = kmend_strv_len(dp->new_conffiles) + kmend_strv_len(dp->obsolete);
			if (n)
				fputs("Conffiles:\n", out);
			for (size_t k = 0; dp->new_conffiles && dp->new_conffiles[k]; k++) {
				size_t at;
				if (kmend_pathindex_get(&pkg->index, dp->new_conffiles[k], &at))
					fprintf(out, " /%s %s\n", dp->new_conffiles[k],
					        pkg->paths[at].sum);
			}
			for (size_t k = 0; dp->obsolete && dp->obsolete[k]; k++) {
				char md5[33];
				old_conffile_hash(dp->conffiles, dp->obsolete[k], md5);
				fprintf(out, " /%s %s obsolete\n", dp->obsolete[k], md5);
			}
			continue;
		}
		kvtext_init(&r, control->data, control->len);
		r.multiline = 1;
		while ((it = kvtext_next(&r)) != KVTEXT_END && it != KVTEXT_END_RECORD)
			if (it == KVTEXT_FIELD && kmend_span_eq(r.key, field_order[i]))
				fprintf(out, "%s: %.*s\n", field_order[i], (int)r.value.len,
				        r.value.ptr);
	}
	kvtext_init(&r, control->data, control->len);
	r.multiline = 1;
	while ((it = kvtext_next(&r)) != KVTEXT_END && it != KVTEXT_END_RECORD)
		if (it == KVTEXT_FIELD && !known_field(r.key))
			fprintf(out, "%.*s: %.*s\n", (int)r.key.len, r.key.ptr, (int)r.value.len,
			        r.value.ptr);
	return ferror(out) ? -ENOMEM : 0;
}

static int write_stanza(struct kmend_patch *p, size_t i, FILE *out)
{
	const struct dpkg_db *db = p->db;

	return new_stanza(&p->pkgs[i], &db->pkgs[i], out);
}

/* The status file with each patched package's stanza replaced. */
static int write_status(struct kmend_patch *p, const struct dpkg_db *db)
{
	struct patch_record *recs = calloc(p->npkgs ? p->npkgs : 1, sizeof(*recs));
	int r;

	if (!recs)
		return -ENOMEM;
	for (size_t i = 0; i < p->npkgs; i++)
		recs[i] = db->pkgs[i].stanza;
	r = patch_rewrite_records(p, STATUS, db->status, db->status_len, recs, write_stanza);
	free(recs);
	return r;
}

/* info/NAME.list, .md5sums and the other control members, as dpkg keeps them. */
static int write_info(struct kmend_patch *p, struct patch_pkg *pkg, const struct dpkg_pkg *dp)
{
	static const char *const scripts[] = {"preinst", "postinst", "prerm", "postrm", "config"};
	const struct kmend_pkgfile_member *md5sums = kmend_pkgfile_member(&pkg->pf, "md5sums");
	char path[KMEND_PATH_MAX], *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	int r;

	if (!out)
		return -ENOMEM;
	fputs("/.\n", out);
	for (size_t i = 0; i < pkg->npaths; i++)
		if (pkg->paths[i].path[0])
			fprintf(out, "/%s\n", pkg->paths[i].path);
	for (size_t i = 0; dp->obsolete && dp->obsolete[i]; i++)
		fprintf(out, "/%s\n", dp->obsolete[i]);
	if (fclose(out) != 0) {
		free(text);
		return -ENOMEM;
	}
	snprintf(path, sizeof(path), INFO "%s.list", dp->db_name);
	r = patch_add_file(p, path, text, len, 0644);
	free(text);
	if (r < 0)
		return r;
	/* A .deb without md5sums gets them computed, as dpkg does when it unpacks one. */
	if (!md5sums) {
		text = NULL;
		if (!(out = open_memstream(&text, &len)))
			return -ENOMEM;
		for (size_t i = 0; i < pkg->npaths; i++)
			if (pkg->paths[i].kind == KMEND_PKGFILE_FILE)
				fprintf(out, "%s  %s\n", pkg->paths[i].sum, pkg->paths[i].path);
		if (fclose(out) != 0) {
			free(text);
			return -ENOMEM;
		}
		snprintf(path, sizeof(path), INFO "%s.md5sums", dp->db_name);
		r = patch_add_file(p, path, text, len, 0644);
		free(text);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < pkg->pf.nmembers; i++) {
		const struct kmend_pkgfile_member *m = &pkg->pf.members[i];
		mode_t perm = 0644;
		if (!strcmp(m->name, "control"))
			continue;
		for (size_t k = 0; k < sizeof(scripts) / sizeof(scripts[0]); k++)
			if (!strcmp(m->name, scripts[k]))
				perm = 0755;
		snprintf(path, sizeof(path), INFO "%s.%s", dp->db_name, m->name);
		if ((r = patch_add_file(p, path, m->data, m->len, perm)) < 0)
			return r;
	}
	/* The old version's info files the new one has no counterpart of. */
	for (size_t i = 0; i < p->view.count; i++) {
		const char *name = p->view.nodes[i].path, *rest;
		size_t nl = strlen(dp->db_name);
		if (strncmp(name, INFO, strlen(INFO)))
			continue;
		name += strlen(INFO);
		if (strncmp(name, dp->db_name, nl) || name[nl] != '.' ||
		    strchr(rest = name + nl + 1, '.'))
			continue;
		if (strcmp(rest, "list") && (strcmp(rest, "md5sums") || md5sums) &&
		    !kmend_pkgfile_member(&pkg->pf, rest) &&
		    (r = patch_add_whiteout(p, p->view.nodes[i].path)) < 0)
			return r;
	}
	return 0;
}

static int dpkg_update_db(struct kmend_patch *p, struct kmend_error *err)
{
	struct dpkg_db *db = p->db;
	int r = 0;

	for (size_t i = 0; i < p->npkgs && r == 0; i++) {
		struct patch_pkg *pkg = &p->pkgs[i];
		struct dpkg_pkg *dp = &db->pkgs[i];

		for (size_t k = 0; k < pkg->npaths && r == 0; k++) {
			struct patch_path *pp = &pkg->paths[k];
			char where[KMEND_PATH_MAX], to[KMEND_PATH_MAX];
			const char *path = pp->path;
			int keep = 1;

			if (!path[0])
				continue;
			if (diverted(db, path, pkg->fix->name, to, sizeof(to)))
				path = to;
			if ((r = patch_layer_path(p, path, pp->kind == KMEND_PKGFILE_DIR, where,
			                          sizeof(where))) < 0) {
				r = kmend_error_set(err, -KMEND_E_BAD_INPUT, pkg->pf.what, 0,
				                    "/%s leads nowhere in the image: %s", path,
				                    strerror(-r));
				break;
			}
			if (kmend_strv_has(dp->new_conffiles, pp->path) &&
			    (keep = conffile(p, dp, pp, where, sizeof(where))) < 0) {
				r = keep;
				break;
			}
			if (keep && !(pp->layer_path = strdup(where)))
				r = -ENOMEM;
		}
		for (size_t k = 0; dp->removed && dp->removed[k] && r == 0; k++) {
			char where[KMEND_PATH_MAX];
			const struct kmend_rootfs_node *n;
			if (patch_layer_path(p, dp->removed[k], false, where, sizeof(where)) < 0)
				continue;
			/* Only what is there as a file or link: directories stay (dpkg removes
			   only empty ones), and what is gone is gone. */
			if (!(n = patch_view_file(p, where)))
				continue;
			if ((r = patch_add_whiteout(p, where)) == 0)
				pkg->out->removed++;
		}
		if (r == 0)
			r = write_info(p, pkg, dp);
	}
	if (r == 0)
		r = write_status(p, db);
	return r;
}

static void dpkg_free_db(struct kmend_patch *p)
{
	struct dpkg_db *db = p->db;

	if (!db)
		return;
	for (size_t i = 0; db->pkgs && i < p->npkgs; i++) {
		free(db->pkgs[i].db_name);
		free(db->pkgs[i].want);
		free(db->pkgs[i].conffiles);
		kmend_strv_free(db->pkgs[i].new_conffiles);
		kmend_strv_free(db->pkgs[i].removed);
		kmend_strv_free(db->pkgs[i].obsolete);
	}
	free(db->pkgs);
	free(db->status);
	free(db->diversions);
	free(db);
	p->db = NULL;
}

const struct patch_family_ops patch_dpkg_ops = {
    .package_manager = "apt",
    .format = &kmend_pkgfile_deb,
    .payload_digest = "md5",
    .want_db = dpkg_want_db,
    .read_db = dpkg_read_db,
    .update_db = dpkg_update_db,
    .free_db = dpkg_free_db,
};
