/*
 * The rpm family of the patch. The rpm database (sqlite, as RHEL 9, Fedora and SUSE keep it)
 * is copied out of the image into a private directory, queried and updated there by librpm's
 * own program (rpm --dbpath DIR -U --justdb: the headers and file lists as rpm records them,
 * no file touched), and its files go back into the layer. %config files are handled as rpm
 * handles them: a file the user changed is kept with the new one beside it as .rpmnew
 * (noreplace), or replaced with the user's saved as .rpmsave; owners come from the package's
 * header, by the image's own user and group names.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"
#include "image_patch_internal.h"
#include "kmend_limits.h"
#include "strv.h"
#include "subprocess.h"
#include "version.h"

#define FILE_CONFIG    1u  /* RPMFILE_CONFIG */
#define FILE_NOREPLACE 16u /* RPMFILE_NOREPLACE */
#define FILE_GHOST     64u /* RPMFILE_GHOST */

/* A file as a header lists it: "path\tflags\tdigest\tuser\tgroup". */
struct rpm_file {
	char *path, *digest, *user, *group;
	unsigned flags;
};

struct rpm_files {
	struct rpm_file *items;
	size_t count;
};

struct rpm_pkg {
	char file[4200];      /* the package, written for rpm -U */
	struct rpm_files old; /* the installed version's */
	struct rpm_files now; /* the new version's */
	char **removed;
};

struct rpm_db {
	char dir[KMEND_PATH_MAX]; /* the database's directory in the image */
	char work[4096];          /* private: db/ holds the copy, N.rpm the packages */
	char dbpath[4200];
	char **names; /* the database's files in the image */
	struct rpm_pkg *pkgs;
};

static const char *const db_dirs[] = {"var/lib/rpm", "usr/lib/sysimage/rpm", NULL};

static int rpm_want_db(struct kmend_want *w)
{
	int r = 0;

	for (size_t i = 0; db_dirs[i] && r == 0; i++) {
		char pattern[64];
		snprintf(pattern, sizeof(pattern), "%s/", db_dirs[i]);
		r = kmend_want_add(w, pattern);
	}
	if (r == 0)
		r = kmend_want_add(w, "etc/passwd");
	if (r == 0)
		r = kmend_want_add(w, "etc/group");
	return r;
}

/* rpm with the private database; *out its output. Its failure is an error naming it. */
static int run_rpm(const struct rpm_db *db, const char *const *args, char **out,
                   struct kmend_error *err)
{
	const char *argv[24] = {"rpm", "--define", "_db_backend sqlite", "--dbpath", db->dbpath};
	struct kmend_spawn_result res;
	size_t n = 5;
	int r;

	for (size_t i = 0; args[i] && n < 23; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	if ((r = kmend_spawn_run(&(struct kmend_spawn){.argv = argv,
	                                               .max_output = KMEND_PKGDB_MAX_SIZE,
	                                               .timeout_ms = 5 * 60 * 1000},
	                         &res, err)) < 0) {
		if (r == -ENOENT)
			kmend_error_hint(err,
			                 "kmend patches rpm images with rpm, librpm's own program: "
			                 "install rpm");
		return r;
	}
	if (res.exit_code != 0) {
		char q[400];
		const char *last = kmend_last_lines(res.errout, res.err_len, 3);
		kmend_error_quote(q, sizeof(q), last, strlen(last));
		r = kmend_error_set(err, -KMEND_E_BAD_INPUT, db->dir, 0,
		                    "rpm %s failed (exit %d): %s", args[0], res.exit_code, q);
		kmend_spawn_result_free(&res);
		return r;
	}
	*out = res.out;
	res.out = NULL;
	kmend_spawn_result_free(&res);
	return 0;
}

#define FILES_QF                                                                                   \
	"[%{FILENAMES}\\t%{FILEFLAGS}\\t%{FILEDIGESTS}\\t%{FILEUSERNAME}\\t%{FILEGROUPNAME}\\n]"

/* Parse FILES_QF's output. */
static int parse_files(char *text, struct rpm_files *out)
{
	size_t cap = 0;

	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		char *f[5] = {line};
		int k = 1;
		for (char *p = line; *p && k < 5; p++)
			if (*p == '\t') {
				*p = '\0';
				f[k++] = p + 1;
			}
		if (k < 5 || f[0][0] != '/')
			continue;
		if (out->count == cap) {
			struct rpm_file *bigger =
			    realloc(out->items, (cap = cap ? 2 * cap : 64) * sizeof(*out->items));
			if (!bigger)
				return -ENOMEM;
			out->items = bigger;
		}
		struct rpm_file *rf = &out->items[out->count];
		char path[KMEND_PATH_MAX];
		snprintf(path, sizeof(path), "%s", f[0]);
		if (kmend_path_normalize(path) < 0)
			continue;
		*rf = (struct rpm_file){.flags = (unsigned)strtoul(f[1], NULL, 10)};
		if (!(rf->path = strdup(path)) || !(rf->digest = strdup(f[2])) ||
		    !(rf->user = strdup(f[3])) || !(rf->group = strdup(f[4]))) {
			free(rf->path);
			free(rf->digest);
			free(rf->user);
			return -ENOMEM;
		}
		out->count++;
	}
	return 0;
}

static void files_free(struct rpm_files *f)
{
	for (size_t i = 0; i < f->count; i++) {
		free(f->items[i].path);
		free(f->items[i].digest);
		free(f->items[i].user);
		free(f->items[i].group);
	}
	free(f->items);
	memset(f, 0, sizeof(*f));
}

static const struct rpm_file *find_file(const struct rpm_files *f, const char *path)
{
	for (size_t i = 0; i < f->count; i++)
		if (!strcmp(f->items[i].path, path))
			return &f->items[i];
	return NULL;
}

/* The database's directory: the first of db_dirs the image has it in (links followed). */
static int find_db(struct kmend_patch *p, struct rpm_db *db, struct kmend_error *err)
{
	for (size_t i = 0; db_dirs[i]; i++) {
		char dir[KMEND_PATH_MAX], path[KMEND_PATH_MAX + 32];
		if (kmend_rootfs_resolve(&p->view, db_dirs[i], dir, sizeof(dir)) < 0)
			continue;
		snprintf(path, sizeof(path), "%s/rpmdb.sqlite", dir);
		if (patch_view_file(p, path)) {
			snprintf(db->dir, sizeof(db->dir), "%s", dir);
			return 0;
		}
		snprintf(path, sizeof(path), "%s/Packages", dir);
		if (!patch_view_file(p, path))
			snprintf(path, sizeof(path), "%s/Packages.db", dir);
		if (patch_view_file(p, path)) {
			kmend_error_set(
			    err, -KMEND_E_UNSUPPORTED, p->req.img->name, 0,
			    "its rpm database (/%s) is not sqlite: kmend updates sqlite "
			    "rpm databases only",
			    path);
			kmend_error_hint(err, "use the rebuild, which runs the image's own rpm");
			return -KMEND_E_UNSUPPORTED;
		}
	}
	return kmend_error_set(err, -KMEND_E_UNSUPPORTED, p->req.img->name, 0,
	                       "the image has no rpm database (/var/lib/rpm/rpmdb.sqlite)");
}

/* Copy the database's files out of the view into the private directory. */
static int copy_db(struct kmend_patch *p, struct rpm_db *db, struct kmend_error *err)
{
	size_t n = strlen(db->dir);
	int r;

	if ((r = kmend_mkdir_p(db->dbpath, 0700)) < 0)
		return kmend_error_set(err, r, db->dbpath, 0, "cannot make it");
	for (size_t i = 0; i < p->view.count; i++) {
		const struct kmend_rootfs_node *node = &p->view.nodes[i];
		char to[4400];
		if (node->kind != KMEND_ENTRY_FILE || !node->data ||
		    strncmp(node->path, db->dir, n) || node->path[n] != '/' ||
		    strchr(node->path + n + 1, '/'))
			continue;
		snprintf(to, sizeof(to), "%s/%s", db->dbpath, node->path + n + 1);
		if ((r = kmend_write_file_atomic(to, node->data, node->len, 0600, err)) < 0 ||
		    (r = kmend_strv_push(&db->names, node->path + n + 1,
		                         strlen(node->path + n + 1))) < 0)
			return r;
	}
	return 0;
}

/* The scripts an upgrade runs: the new %pretrans, %pre, %post, %posttrans, the old %preun
   and %postun (from the database). */
static int review(struct rpm_db *db, struct patch_pkg *pkg, const char *nevra,
                  struct kmend_error *err)
{
	static const char *const new_scripts[] = {"%pretrans", "%pre", "%post", "%posttrans"};
	static const char *const old_qf[][2] = {
	    {"%preun", "%|PREUNPROG?{%{PREUNPROG}}:{}|\\n%|PREUN?{%{PREUN}}:{}|"},
	    {"%postun", "%|POSTUNPROG?{%{POSTUNPROG}}:{}|\\n%|POSTUN?{%{POSTUN}}:{}|"},
	};
	char why[300], note[500] = "";
	int r = 0;

	for (size_t i = 0; i < 4 && !note[0]; i++) {
		const struct kmend_pkgfile_member *m =
		    kmend_pkgfile_member(&pkg->pf, new_scripts[i]);
		if (m && patch_script_review(m->data, m->len, pkg->fix->installed,
		                             &kmend_version_rpm, why, sizeof(why)))
			snprintf(note, sizeof(note), "its %s (%s): %s", new_scripts[i],
			         pkg->fix->version, why);
	}
	for (size_t i = 0; i < 2 && !note[0] && r == 0; i++) {
		_cleanup_free_ char *out = NULL;
		const char *args[] = {"-q", "--qf", old_qf[i][1], nevra, NULL};
		char *body;
		if ((r = run_rpm(db, args, &out, err)) < 0)
			break;
		/* "PROG\nBODY": a shell's body reviewed; another interpreter, or ldconfig alone. */
		body = strchr(out, '\n');
		if (body)
			*body++ = '\0';
		if (out[0] && strcmp(out, "/bin/sh") && strcmp(out, "/usr/bin/sh") &&
		    strcmp(out, "/bin/bash") && (body && *body ? true : !strstr(out, "ldconfig")))
			snprintf(note, sizeof(note), "its %s (%s) runs %s", old_qf[i][0],
			         pkg->fix->installed, out);
		else if (body && patch_script_review(body, strlen(body), pkg->fix->installed,
		                                     &kmend_version_rpm, why, sizeof(why)))
			snprintf(note, sizeof(note), "its %s (%s): %s", old_qf[i][0],
			         pkg->fix->installed, why);
	}
	if (r == 0 && !note[0] && kmend_pkgfile_member(&pkg->pf, "%triggers"))
		snprintf(note, sizeof(note),
		         "it has triggers, which run when other packages change");
	if (r == 0 && note[0] && !(pkg->out->scripts = strdup(note)))
		r = -ENOMEM;
	return r;
}

static int rpm_read_db(struct kmend_patch *p, struct kmend_want *want, struct kmend_error *err)
{
	const char *tmp = p->req.work_dir ? p->req.work_dir : getenv("TMPDIR");
	_cleanup_free_ char *owned = NULL;
	struct rpm_db *db;
	int r;

	if (!(db = p->db = calloc(1, sizeof(*db))) ||
	    !(db->pkgs = calloc(p->npkgs, sizeof(*db->pkgs))))
		return -ENOMEM;
	snprintf(db->work, sizeof(db->work), "%s/kmend-rpm-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(db->work))
		return kmend_error_set(err, -errno, db->work, 0, "cannot make a private directory");
	snprintf(db->dbpath, sizeof(db->dbpath), "%s/db", db->work);
	if ((r = find_db(p, db, err)) < 0 || (r = copy_db(p, db, err)) < 0)
		return r;
	for (size_t i = 0; i < p->npkgs; i++) {
		struct patch_pkg *pkg = &p->pkgs[i];
		struct rpm_pkg *rp = &db->pkgs[i];
		_cleanup_free_ char *old = NULL, *now = NULL;
		char nevra[600], *files;
		const char *q[] = {
		    "-q", "--qf", "%{NAME}\\t%|EPOCH?{%{EPOCH}:}|%{VERSION}-%{RELEASE}\\n" FILES_QF,
		    nevra, NULL};
		const char *qp[] = {"-qp", "--nosignature", "--qf", FILES_QF, rp->file, NULL};

		snprintf(nevra, sizeof(nevra), "%s%s%s", pkg->fix->name, pkg->pf.arch ? "." : "",
		         pkg->pf.arch ? pkg->pf.arch : "");
		snprintf(rp->file, sizeof(rp->file), "%s/%zu.rpm", db->work, i);
		if ((r = kmend_write_file_atomic(rp->file, pkg->bytes, pkg->len, 0600, err)) < 0)
			return r;
		if ((r = run_rpm(db, q, &old, err)) < 0) {
			kmend_error_set(err, -KMEND_E_UNSUPPORTED, p->req.img->name, 0,
			                "the rpm database has no %s", nevra);
			return -KMEND_E_UNSUPPORTED;
		}
		files = strchr(old, '\n');
		if (!files ||
		    (size_t)(files - old) !=
		        strlen(pkg->fix->name) + 1 + strlen(pkg->fix->installed) ||
		    strncmp(files - strlen(pkg->fix->installed), pkg->fix->installed,
		            strlen(pkg->fix->installed)))
			return kmend_error_set(err, -KMEND_E_UNSUPPORTED, p->req.img->name, 0,
			                       "%s is not installed at %s as the plan says", nevra,
			                       pkg->fix->installed);
		if ((r = parse_files(files + 1, &rp->old)) < 0 ||
		    (r = run_rpm(db, qp, &now, err)) < 0 || (r = parse_files(now, &rp->now)) < 0 ||
		    (r = review(db, pkg, nevra, err)) < 0)
			return r;
		for (size_t k = 0; k < pkg->npaths && r == 0; k++) {
			const struct rpm_file *rf = find_file(&rp->now, pkg->paths[k].path);
			r = patch_want_dir(want, pkg->paths[k].path);
			if (r == 0 && rf && (rf->flags & FILE_CONFIG))
				r = kmend_want_add(want, rf->path);
		}
		for (size_t k = 0; k < rp->old.count && r == 0; k++)
			if (!patch_shipped(p, rp->old.items[k].path) &&
			    !find_file(&rp->now, rp->old.items[k].path) &&
			    !(rp->old.items[k].flags & FILE_GHOST))
				r = kmend_strv_push(&rp->removed, rp->old.items[k].path,
				                    strlen(rp->old.items[k].path));
		if (r < 0)
			return r;
	}
	/* What the other packages own stays. */
	{
		const char *qa[] = {"-qa", "--qf", "[%{=NAME}\\t%{FILENAMES}\\n]", NULL};
		if ((r = run_rpm(db, qa, &owned, err)) < 0)
			return r;
	}
	for (char *line = strtok(owned, "\n"); line; line = strtok(NULL, "\n")) {
		char *tab = strchr(line, '\t'), path[KMEND_PATH_MAX];
		bool mine = false;
		if (!tab || tab[1] != '/')
			continue;
		*tab = '\0';
		for (size_t i = 0; i < p->npkgs; i++)
			mine |= !strcmp(line, p->pkgs[i].fix->name);
		snprintf(path, sizeof(path), "%s", tab + 1);
		if (mine || kmend_path_normalize(path) < 0)
			continue;
		for (size_t i = 0; i < p->npkgs; i++) {
			char **v = db->pkgs[i].removed;
			for (size_t k = 0; v && v[k]; k++)
				if (!strcmp(v[k], path))
					v[k][0] = '\0'; /* owned elsewhere: kept */
		}
	}
	for (size_t i = 0; i < p->npkgs && r == 0; i++)
		for (size_t k = 0; db->pkgs[i].removed && db->pkgs[i].removed[k] && r == 0; k++) {
			const char *path = db->pkgs[i].removed[k];
			const struct rpm_file *was = find_file(&db->pkgs[i].old, path);
			if (!path[0])
				continue;
			r = patch_want_dir(want, path);
			/* A config file that leaves: its content tells whether the user changed it.
			 */
			if (r == 0 && was && (was->flags & FILE_CONFIG))
				r = kmend_want_add(want, path);
		}
	return r;
}

/* A name's id in the image's /etc/passwd or /etc/group; -1 when it has none. */
static long long id_of(const struct kmend_patch *p, const char *file, const char *name)
{
	const struct kmend_rootfs_node *n = patch_view_file(p, file);
	size_t len = strlen(name);

	if (!strcmp(name, "root"))
		return 0;
	for (const char *l = n && n->data ? n->data : ""; *l;) {
		const char *nl = strchr(l, '\n'), *c;
		if (!strncmp(l, name, len) && l[len] == ':' && (c = strchr(l + len + 1, ':')))
			return strtoll(c + 1, NULL, 10);
		l = nl ? nl + 1 : l + strlen(l);
	}
	return -1;
}

static void sha256_hex(const void *data, size_t len, char out[65])
{
	char d[KMEND_DIGEST_MAX];

	kmend_digest_of(data, len, d);
	snprintf(out, 65, "%s", kmend_digest_hex(d));
}

static int rpm_update_db(struct kmend_patch *p, struct kmend_error *err)
{
	struct rpm_db *db = p->db;
	int r = 0;

	for (size_t i = 0; i < p->npkgs && r == 0; i++) {
		struct patch_pkg *pkg = &p->pkgs[i];
		struct rpm_pkg *rp = &db->pkgs[i];
		for (size_t k = 0; k < pkg->npaths && r == 0; k++) {
			struct patch_path *pp = &pkg->paths[k];
			const struct rpm_file *rf = find_file(&rp->now, pp->path);
			const struct rpm_file *was = find_file(&rp->old, pp->path);
			const struct kmend_rootfs_node *cur;
			char where[KMEND_PATH_MAX], sum[65] = "";
			if (!pp->path[0])
				continue;
			if ((r = patch_layer_path(p, pp->path, pp->kind == KMEND_PKGFILE_DIR, where,
			                          sizeof(where))) < 0) {
				r = kmend_error_set(err, -KMEND_E_BAD_INPUT, pkg->pf.what, 0,
				                    "/%s leads nowhere in the image: %s", pp->path,
				                    strerror(-r));
				break;
			}
			if (rf && rf->user[0] &&
			    (strcmp(rf->user, "root") || strcmp(rf->group, "root"))) {
				long long uid = id_of(p, "etc/passwd", rf->user);
				long long gid = id_of(p, "etc/group", rf->group);
				if (uid < 0 || gid < 0)
					r = kmend_warn(
					    &p->warnings, "owner-unknown",
					    "/%s belongs to %s:%s, which the image does not "
					    "name: written as the package's numbers",
					    pp->path, rf->user, rf->group);
				pp->uid = uid;
				pp->gid = gid;
				pp->owner_set = uid >= 0 && gid >= 0;
			}
			/* %config: as rpm does when the user changed the file since it was
			 * installed. */
			if (r == 0 && rf && (rf->flags & FILE_CONFIG) && was &&
			    pp->kind == KMEND_PKGFILE_FILE && strcmp(was->digest, rf->digest) &&
			    (cur = kmend_rootfs_lookup(&p->view, pp->path)) && cur->data) {
				sha256_hex(cur->data, cur->len, sum);
				if (strcmp(sum, was->digest) && strlen(was->digest) == 64) {
					bool noreplace = rf->flags & FILE_NOREPLACE;
					char saved[KMEND_PATH_MAX + 16];
					if (noreplace) {
						strcat(where, ".rpmnew");
					} else {
						snprintf(saved, sizeof(saved), "%s.rpmsave", where);
						r = patch_add_file(p, saved, cur->data, cur->len,
						                   0644);
					}
					if (r == 0)
						r = kmend_warn(
						    &p->warnings, "config-kept",
						    noreplace
						        ? "/%s was changed in the image: kept; "
						          "the new version is /%s.rpmnew"
						        : "/%s was changed in the image: "
						          "replaced, yours saved as /%s.rpmsave",
						    pp->path, pp->path);
				}
			}
			if (r == 0 && !(pp->layer_path = strdup(where)))
				r = -ENOMEM;
		}
		for (size_t k = 0; rp->removed && rp->removed[k] && r == 0; k++) {
			const struct rpm_file *was = find_file(&rp->old, rp->removed[k]);
			const struct kmend_rootfs_node *cur;
			char where[KMEND_PATH_MAX], saved[KMEND_PATH_MAX + 16], sum[65];
			if (!rp->removed[k][0] ||
			    patch_layer_path(p, rp->removed[k], false, where, sizeof(where)) < 0 ||
			    !(cur = patch_view_file(p, where)))
				continue;
			/* A config file the user changed leaves as rpm leaves it: saved aside. */
			if (was && (was->flags & FILE_CONFIG) && cur->data) {
				sha256_hex(cur->data, cur->len, sum);
				if (strcmp(sum, was->digest)) {
					snprintf(saved, sizeof(saved), "%s.rpmsave", where);
					if ((r = patch_add_file(p, saved, cur->data, cur->len,
					                        0644)) < 0 ||
					    (r = kmend_warn(
					         &p->warnings, "config-saved",
					         "/%s was changed in the image and %s %s no longer "
					         "has it: saved as /%s.rpmsave",
					         rp->removed[k], pkg->fix->name, pkg->fix->version,
					         rp->removed[k])) < 0)
						break;
				}
			}
			if ((r = patch_add_whiteout(p, where)) == 0)
				pkg->out->removed++;
		}
		if (r == 0) {
			_cleanup_free_ char *out = NULL;
			const char *args[] = {"-U",           "--justdb",
			                      "--nodeps",     "--noscripts",
			                      "--notriggers", "--nosignature",
			                      "--ignorearch", "--ignoreos",
			                      rp->file,       NULL};
			r = run_rpm(db, args, &out, err);
		}
	}
	/* The database as rpm left it: every file back into the layer, the ones gone whited out. */
	for (size_t i = 0; db->names && db->names[i] && r == 0; i++) {
		char from[4400], to[KMEND_PATH_MAX + 300];
		snprintf(from, sizeof(from), "%s/%s", db->dbpath, db->names[i]);
		snprintf(to, sizeof(to), "%s/%s", db->dir, db->names[i]);
		if (access(from, F_OK) < 0)
			r = patch_add_whiteout(p, to);
	}
	if (r == 0) {
		const char *names[] = {"rpmdb.sqlite", "rpmdb.sqlite-wal", "rpmdb.sqlite-shm",
		                       "Packages.db", NULL};
		for (size_t i = 0; names[i] && r == 0; i++) {
			_cleanup_free_ char *data = NULL;
			char from[4400], to[KMEND_PATH_MAX + 300];
			size_t len;
			snprintf(from, sizeof(from), "%s/%s", db->dbpath, names[i]);
			snprintf(to, sizeof(to), "%s/%s", db->dir, names[i]);
			if (access(from, F_OK) < 0)
				continue;
			if ((r = kmend_read_file(from, KMEND_PKGDB_MAX_SIZE, &data, &len, err)) ==
			    0)
				r = patch_add_file(p, to, data, len, 0644);
		}
	}
	return r;
}

/* rm -r of the private directory (two levels: db/ and the packages). */
static void remove_work(const char *dir)
{
	char path[4400];
	const char *names[] = {"rpmdb.sqlite", "rpmdb.sqlite-wal", "rpmdb.sqlite-shm", ".rpm.lock",
	                       NULL};
	snprintf(path, sizeof(path), "%s/db", dir);
	for (size_t i = 0; names[i]; i++) {
		char f[4500];
		snprintf(f, sizeof(f), "%s/%s", path, names[i]);
		unlink(f);
	}
	rmdir(path);
	rmdir(dir);
}

static void rpm_free_db(struct kmend_patch *p)
{
	struct rpm_db *db = p->db;

	if (!db)
		return;
	for (size_t i = 0; db->pkgs && i < p->npkgs; i++) {
		if (db->pkgs[i].file[0])
			unlink(db->pkgs[i].file);
		files_free(&db->pkgs[i].old);
		files_free(&db->pkgs[i].now);
		kmend_strv_free(db->pkgs[i].removed);
	}
	for (size_t i = 0; db->names && db->names[i]; i++) {
		char f[4500];
		snprintf(f, sizeof(f), "%s/%s", db->dbpath, db->names[i]);
		unlink(f);
	}
	if (db->work[0] && strcmp(db->work + strlen(db->work) - 6, "XXXXXX"))
		remove_work(db->work);
	kmend_strv_free(db->names);
	free(db->pkgs);
	free(db);
	p->db = NULL;
}

const struct patch_family_ops patch_rpm_ops = {
    .package_manager = "dnf",
    .format = &kmend_pkgfile_rpm,
    .payload_digest = "sha256",
    .want_db = rpm_want_db,
    .read_db = rpm_read_db,
    .update_db = rpm_update_db,
    .free_db = rpm_free_db,
};
