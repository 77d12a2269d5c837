/*
 * The patched image: the package files fetched and read, the image's package database read
 * (two passes over the layers: the database, then the paths the payload and the old files
 * go through), the family's database update, the new layer, config and manifest.
 */
#include "image_patch.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "array.h"
#include "cleanup.h"
#include "image_patch_internal.h"
#include "kmend_limits.h"
#include "layercache.h"
#include "strv.h"

static const struct patch_family_ops *const families[] = {
    &patch_dpkg_ops,
    &patch_apk_ops,
    &patch_rpm_ops,
    NULL,
};

int patch_add_file(struct kmend_patch *p, const char *path, const char *data, size_t len,
                   mode_t perm)
{
	struct patch_file *f;

	if (kmend_array_grow(&p->files, &p->files_capacity, p->nfiles, sizeof(*p->files)) < 0)
		return -ENOMEM;
	f = &p->files[p->nfiles];
	*f = (struct patch_file){.perm = perm, .len = len};
	if (!(f->path = strdup(path)) || !(f->data = malloc(len + 1))) {
		free(f->path);
		return -ENOMEM;
	}
	memcpy(f->data, data, len);
	f->data[len] = '\0';
	p->nfiles++;
	return 0;
}

int patch_add_whiteout(struct kmend_patch *p, const char *path)
{
	if (kmend_strv_has(p->whiteouts, path))
		return 0;
	return kmend_strv_push(&p->whiteouts, path, strlen(path));
}

int patch_layer_path(const struct kmend_patch *p, const char *path, bool follow_last, char *out,
                     size_t size)
{
	char dir[KMEND_PATH_MAX];
	const char *slash = strrchr(path, '/');
	int r;

	if (follow_last)
		return kmend_rootfs_resolve(&p->view, path, out, size);
	if (!slash) {
		if (strlen(path) >= size)
			return -ENAMETOOLONG;
		snprintf(out, size, "%s", path);
		return 0;
	}
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	if ((r = kmend_rootfs_resolve(&p->view, dir, out, size)) < 0)
		return r;
	if (strlen(out) + strlen(slash) + 1 > size)
		return -ENAMETOOLONG;
	if (out[0])
		strcat(out, slash);
	else
		strcat(out, slash + 1);
	return 0;
}

const struct kmend_rootfs_node *patch_view_file(const struct kmend_patch *p, const char *path)
{
	return kmend_rootfs_node_at(&p->view, path);
}

bool patch_shipped(const struct kmend_patch *p, const char *path)
{
	size_t at;

	for (size_t i = 0; i < p->npkgs; i++)
		if (kmend_pathindex_get(&p->pkgs[i].index, path, &at))
			return true;
	return false;
}

bool patch_next_record(const char *text, size_t len, size_t *pos, size_t *start, size_t *end)
{
	size_t p = *pos;

	while (p < len && text[p] == '\n')
		p++;
	if (p >= len)
		return false;
	*start = p;
	while (p < len) {
		const char *nl = memchr(text + p, '\n', len - p);
		p = nl ? (size_t)(nl - text) + 1 : len;
		if (p >= len || text[p] == '\n')
			break;
	}
	*end = *pos = p;
	return true;
}

int patch_want_dir(struct kmend_want *want, const char *path)
{
	char dir[KMEND_PATH_MAX + 2];
	const char *slash = strrchr(path, '/');

	if (!slash)
		return kmend_want_add_presence(want, path);
	snprintf(dir, sizeof(dir), "%.*s/", (int)(slash - path), path);
	return kmend_want_add_presence(want, dir);
}

int patch_rewrite_records(struct kmend_patch *p, const char *path, const char *text, size_t len,
                          const struct patch_record *recs,
                          int (*write)(struct kmend_patch *p, size_t i, FILE *out))
{
	char *buf = NULL;
	size_t blen = 0, pos = 0;
	FILE *out = open_memstream(&buf, &blen);
	int r = 0;

	if (!out)
		return -ENOMEM;
	while (r == 0 && pos < len) {
		size_t next = len, which = p->npkgs;
		for (size_t i = 0; i < p->npkgs; i++)
			if (recs[i].at >= pos && recs[i].at < next) {
				next = recs[i].at;
				which = i;
			}
		fwrite(text + pos, 1, next - pos, out);
		if (which == p->npkgs)
			break;
		r = write(p, which, out);
		pos = recs[which].at + recs[which].len;
	}
	if (fclose(out) != 0 && r == 0)
		r = -ENOMEM;
	if (r == 0)
		r = patch_add_file(p, path, buf, blen, 0644);
	free(buf);
	return r;
}

/* Read the image's layers keeping want, into p->view (replacing it). */
static int read_view(struct kmend_patch *p, const struct kmend_want *want, const char *cache_dir,
                     struct kmend_error *err)
{
	struct kmend_image *img = p->req.img;
	int r = 0;

	kmend_rootfs_free(&p->view);
	for (size_t i = 0; i < img->nlayers && r == 0; i++) {
		struct kmend_layer_findings f = {0};
		int cached = 0;

		r = kmend_layercache_get(img, i, cache_dir, want,
		                         KMEND_IMAGE_KEPT_MAX - p->view.kept, &f, &cached, err);
		if (r == 0)
			r = kmend_rootfs_apply(&p->view, &f, i, img->layers[i].digest, err);
		kmend_layer_findings_free(&f);
	}
	return r;
}

/* The first walk of a payload: every path, and each file's digest when the family keeps one. */
struct collect {
	struct kmend_patch *p;
	struct patch_pkg *pkg;
};

static int collect_path(void *ctx, const struct kmend_pkgfile_entry *e,
                        struct kmend_pkgfile_data *data, struct kmend_error *err)
{
	struct collect *c = ctx;
	struct patch_pkg *pkg = c->pkg;
	struct patch_path *pp;
	size_t at;

	if (e->kind == KMEND_PKGFILE_HARDLINK && !kmend_pathindex_get(&pkg->index, e->target, &at))
		return kmend_error_set(err, -KMEND_E_BAD_INPUT, pkg->pf.what, 0,
		                       "a hard link to %.200s, which comes nowhere before it",
		                       e->target);
	if (kmend_pathindex_get(&pkg->index, e->path, &at)) {
		pkg->paths[at].kind = e->kind; /* tar's rule: the last entry wins */
		pp = &pkg->paths[at];
	} else {
		if (kmend_array_grow(&pkg->paths, &pkg->paths_capacity, pkg->npaths,
		                     sizeof(*pkg->paths)) < 0)
			return -ENOMEM;
		pp = &pkg->paths[pkg->npaths];
		*pp = (struct patch_path){.kind = e->kind};
		if (!(pp->path = strdup(e->path)))
			return -ENOMEM;
		/* The index keys are the paths' own strings, which never move. */
		if (kmend_pathindex_put(&pkg->index, pp->path, pkg->npaths) < 0) {
			free(pp->path);
			return -ENOMEM;
		}
		pkg->npaths++;
	}
	if (c->p->family->payload_digest && e->kind == KMEND_PKGFILE_FILE) {
		const EVP_MD *type = EVP_get_digestbyname(c->p->family->payload_digest);
		EVP_MD_CTX *md = EVP_MD_CTX_new();
		unsigned char buf[65536], raw[EVP_MAX_MD_SIZE];
		unsigned n = 0;
		ssize_t got;

		if (!md || !type) {
			EVP_MD_CTX_free(md);
			return -ENOMEM;
		}
		EVP_DigestInit_ex(md, type, NULL);
		while ((got = kmend_pkgfile_read(data, buf, sizeof(buf), err)) > 0)
			EVP_DigestUpdate(md, buf, (size_t)got);
		EVP_DigestFinal_ex(md, raw, &n);
		EVP_MD_CTX_free(md);
		if (got < 0)
			return (int)got;
		for (unsigned i = 0; i < n && 2 * i + 2 < sizeof(pp->sum); i++)
			snprintf(pp->sum + 2 * i, 3, "%02x", raw[i]);
	}
	return 0;
}

static int fetch_package(struct kmend_patch *p, struct patch_pkg *pkg, struct kmend_error *err)
{
	const struct kmend_fix_package *fp = pkg->fix;
	long status = 0;
	int r;

	r = kmend_repo_fetch(p->req.session, fp->url, fp->sha256, fp->size,
	                     "the repository's verified index", KMEND_REPO_FETCH_MAX, &pkg->bytes,
	                     &pkg->len, &status, err);
	if (r < 0)
		return r;
	if (status != 200) {
		free(pkg->bytes);
		pkg->bytes = NULL;
		return kmend_error_set(err, -KMEND_E_NETWORK, fp->url, 0,
		                       "the repository answered HTTP %ld for the package", status);
	}
	return 0;
}

static int open_package(struct kmend_patch *p, struct patch_pkg *pkg, struct kmend_error *err)
{
	const struct kmend_fix_package *fp = pkg->fix;
	struct collect c = {.p = p, .pkg = pkg};
	int r;

	if ((r = fetch_package(p, pkg, err)) < 0)
		return r;
	if ((r = kmend_pkgfile_open(p->family->format, pkg->bytes, pkg->len, fp->url, &pkg->pf,
	                            err)) < 0)
		return r;
	/* The file must be what the plan chose: an index can say anything of a file. */
	if (strcmp(pkg->pf.name, fp->name) || strcmp(pkg->pf.version, fp->version))
		return kmend_error_set(err, -KMEND_E_BAD_INPUT, fp->url, 0,
		                       "the file holds %.100s %.100s, not %s %s as the index says",
		                       pkg->pf.name, pkg->pf.version, fp->name, fp->version);
	return kmend_pkgfile_walk(&pkg->pf, collect_path, &c, err);
}

int kmend_patch_prepare(const struct kmend_patch_request *req, struct kmend_patch **out,
                        struct kmend_error *err)
{
	const struct kmend_fix_plan *plan = req->plan;
	struct kmend_want want = {0};
	struct kmend_patch *p;
	int r;

	*out = NULL;
	if (!plan->fixable || !plan->family)
		return kmend_error_set(err, -KMEND_E_UNSUPPORTED, req->img->name, 0,
		                       "kmend fix cannot resolve the packages to patch in: %s",
		                       plan->nrefused ? plan->refused[0].message : "no plan");
	if (!plan->npackages)
		return kmend_error_set(err, -KMEND_E_NOT_FOUND, req->img->name, 0,
		                       "no package to patch: no targeted finding has a fix");
	if (!(p = calloc(1, sizeof(*p))))
		return -ENOMEM;
	p->req = *req;
	for (size_t i = 0; families[i]; i++)
		if (!strcmp(families[i]->package_manager, plan->family->name))
			p->family = families[i];
	if (!p->family) {
		kmend_patch_free(p);
		return kmend_error_set(err, -KMEND_E_UNSUPPORTED, req->img->name, 0,
		                       "kmend cannot patch images of the %s family",
		                       plan->family->name);
	}
	if (!(p->pkgs = calloc(plan->npackages, sizeof(*p->pkgs))) ||
	    !(p->packages = calloc(plan->npackages, sizeof(*p->packages)))) {
		kmend_patch_free(p);
		return -ENOMEM;
	}
	for (size_t i = 0; i < plan->npackages; i++) {
		struct patch_pkg *pkg = &p->pkgs[p->npkgs++];
		const struct kmend_fix_package *fp = &plan->packages[i];
		int failed = 0;
		pkg->fix = fp;
		pkg->out = &p->packages[i];
		pkg->out->name = kmend_strdup_or_null(fp->name, &failed);
		pkg->out->from = kmend_strdup_or_null(fp->installed, &failed);
		pkg->out->to = kmend_strdup_or_null(fp->version, &failed);
		if (failed) {
			r = -ENOMEM;
			goto fail;
		}
		if ((r = open_package(p, pkg, err)) < 0)
			goto fail;
	}
	/* The database first (cached per layer: the same paths for every patch of the family),
	   then with what its reading adds: the paths the payload goes through, conffiles. */
	if ((r = p->family->want_db(&want)) < 0 ||
	    (r = read_view(p, &want, req->cache_dir, err)) < 0 ||
	    (r = p->family->read_db(p, &want, err)) < 0 ||
	    (r = read_view(p, &want, NULL, err)) < 0 || (r = p->family->update_db(p, err)) < 0)
		goto fail;
	kmend_want_free(&want);
	*out = p;
	return 0;
fail:
	kmend_want_free(&want);
	kmend_patch_free(p);
	return r;
}

const struct kmend_patch_package *kmend_patch_packages(const struct kmend_patch *p, size_t *n)
{
	*n = p->npkgs;
	return p->packages;
}

bool kmend_patch_prefers_rebuild(const struct kmend_patch *p)
{
	for (size_t i = 0; i < p->npkgs; i++)
		if (p->packages[i].scripts)
			return true;
	return false;
}

const struct kmend_warnings *kmend_patch_warnings(const struct kmend_patch *p)
{
	return &p->warnings;
}

/* The second walk of a payload: the entries that go into the layer, at their layer paths. */
struct emit {
	struct kmend_layer_writer *w;
	struct patch_pkg *pkg;
	size_t pkg_index;
	const struct kmend_pathindex *chosen; /* layer path -> the one entry written there */
};

/* Which entry writes each layer path (a layer holds a path once): the first directory, the
   last file or link; the patch's own files over every payload's. */
static size_t entry_id(size_t pkg, size_t k)
{
	return (pkg << 32) | k;
}

static int choose_entries(const struct kmend_patch *p, struct kmend_pathindex *chosen)
{
	size_t at;
	int r = 0;

	for (size_t i = 0; i < p->npkgs && r == 0; i++)
		for (size_t k = 0; k < p->pkgs[i].npaths && r == 0; k++) {
			const struct patch_path *pp = &p->pkgs[i].paths[k];
			if (!pp->layer_path)
				continue;
			if (pp->kind == KMEND_PKGFILE_DIR &&
			    kmend_pathindex_get(chosen, pp->layer_path, &at))
				continue;
			r = kmend_pathindex_put(chosen, pp->layer_path, entry_id(i, k));
		}
	for (size_t i = 0; i < p->nfiles && r == 0; i++)
		r = kmend_pathindex_put(chosen, p->files[i].path, SIZE_MAX);
	return r;
}

static int emit_path(void *ctx, const struct kmend_pkgfile_entry *e,
                     struct kmend_pkgfile_data *data, struct kmend_error *err)
{
	struct emit *em = ctx;
	struct kmend_pkgfile_entry out = *e;
	const struct patch_path *pp;
	size_t at;

	if (!kmend_pathindex_get(&em->pkg->index, e->path, &at))
		return kmend_error_set(err, -KMEND_E_BAD_INPUT, em->pkg->pf.what, 0,
		                       "the payload changed between two reads");
	pp = &em->pkg->paths[at];
	if (!pp->layer_path || pp->kind != e->kind ||
	    !kmend_pathindex_get(em->chosen, pp->layer_path, &at) ||
	    at != entry_id(em->pkg_index, (size_t)(pp - em->pkg->paths)))
		return 0;
	out.path = pp->layer_path;
	if (pp->owner_set) {
		out.uid = pp->uid;
		out.gid = pp->gid;
		out.uname = out.gname = NULL;
	}
	if (e->kind == KMEND_PKGFILE_HARDLINK) {
		if (!kmend_pathindex_get(&em->pkg->index, e->target, &at) ||
		    !em->pkg->paths[at].layer_path)
			return 0;
		out.target = em->pkg->paths[at].layer_path;
	}
	em->pkg->out->files++;
	return kmend_layer_writer_add(em->w, &out, data, NULL, err);
}

static int write_layer(struct kmend_patch *p, const char *path, int level, long long created,
                       struct kmend_layer_written *out, struct kmend_error *err)
{
	struct kmend_pathindex chosen = {0};
	struct kmend_layer_writer *w;
	size_t at;
	int r;

	if ((r = choose_entries(p, &chosen)) < 0 ||
	    (r = kmend_layer_writer_open(path, level, &w, err)) < 0) {
		kmend_pathindex_free(&chosen);
		return r;
	}
	for (size_t i = 0; r == 0 && i < p->npkgs; i++) {
		struct emit em = {.w = w, .pkg = &p->pkgs[i], .pkg_index = i, .chosen = &chosen};
		p->pkgs[i].out->files = 0;
		r = kmend_pkgfile_walk(&p->pkgs[i].pf, emit_path, &em, err);
	}
	for (size_t i = 0; r == 0 && i < p->nfiles; i++) {
		const struct patch_file *f = &p->files[i];
		struct kmend_pkgfile_entry e = {
		    .kind = KMEND_PKGFILE_FILE,
		    .path = f->path,
		    .perm = f->perm,
		    .uname = "root",
		    .gname = "root",
		    .mtime = created,
		    .size = f->len,
		};
		r = kmend_layer_writer_add(w, &e, NULL, f->data, err);
	}
	/* A path the layer writes is not deleted by it as well. */
	for (size_t i = 0; r == 0 && p->whiteouts && p->whiteouts[i]; i++)
		if (!kmend_pathindex_get(&chosen, p->whiteouts[i], &at))
			r = kmend_layer_writer_whiteout(w, p->whiteouts[i], err);
	if (r == 0)
		r = kmend_layer_writer_finish(w, out, err);
	kmend_layer_writer_free(w);
	kmend_pathindex_free(&chosen);
	return r;
}

/* "2024-05-01T12:00:00Z" for t. */
static void rfc3339(long long t, char *out, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* "perl-base 5.36.0-7+deb12u3 -> 5.36.0-7+deb12u4, ...": what was patched, for people. */
static char *patched_summary(const struct kmend_patch *p, const char *sep, bool arrows)
{
	size_t cap = 1;
	char *s;

	for (size_t i = 0; i < p->npkgs; i++)
		cap += strlen(p->packages[i].name) + strlen(p->packages[i].from) +
		       strlen(p->packages[i].to) + 16;
	if (!(s = calloc(1, cap)))
		return NULL;
	for (size_t i = 0; i < p->npkgs; i++) {
		const struct kmend_patch_package *k = &p->packages[i];
		size_t n = strlen(s);
		if (arrows)
			snprintf(s + n, cap - n, "%s%s %s -> %s", i ? sep : "", k->name, k->from,
			         k->to);
		else
			snprintf(s + n, cap - n, "%s%s=%s", i ? sep : "", k->name, k->to);
	}
	return s;
}

/* The original config's bytes (checked against its digest). */
static int read_config(struct kmend_image *img, char **data, size_t *len, struct kmend_error *err)
{
	struct kmend_istream *s;
	int r;

	if ((r = kmend_image_open_blob(img, &img->config, &s, err)) < 0)
		return r;
	r = kmend_istream_slurp(s, KMEND_MANIFEST_MAX_SIZE, img->config.digest, data, len, err);
	kmend_istream_close(s);
	return r;
}

/* The config with the new layer: its diff_id, and a history entry saying what was patched. */
static int new_config(struct kmend_patch *p, const struct kmend_layer_written *layer,
                      const char *created, const char *created_by, char **out,
                      struct kmend_error *err)
{
	struct kmend_image *img = p->req.img;
	_cleanup_free_ char *raw = NULL, *summary = NULL;
	json_t *doc = NULL, *rootfs, *diff_ids, *history, *entry;
	size_t len, nonempty = 0;
	int r;

	if ((r = read_config(img, &raw, &len, err)) < 0)
		return r;
	if (!(doc = json_loadb(raw, len, 0, NULL)) || !json_is_object(doc) ||
	    !json_is_object(rootfs = json_object_get(doc, "rootfs")) ||
	    !json_is_array(diff_ids = json_object_get(rootfs, "diff_ids"))) {
		json_decref(doc);
		return kmend_error_set(
		    err, -KMEND_E_BAD_INPUT, img->config.digest, 0,
		    "the image config has no rootfs.diff_ids to add the layer to");
	}
	if (!(summary = patched_summary(p, ", ", true)))
		goto nomem;
	history = json_object_get(doc, "history");
	for (size_t i = 0; json_is_array(history) && i < json_array_size(history); i++)
		nonempty +=
		    !json_is_true(json_object_get(json_array_get(history, i), "empty_layer"));
	/* History is matched to layers in order: a config without it (or with too few entries)
	   gets one per layer before ours, so that ours describes the new layer. */
	if (!json_is_array(history)) {
		if (!(history = json_array()) || json_object_set_new(doc, "history", history) < 0)
			goto nomem;
	}
	for (; nonempty < img->nlayers; nonempty++)
		if (json_array_append_new(history, json_pack("{s:s}", "comment",
		                                             "a layer of the original image")) < 0)
			goto nomem;
	entry = json_pack("{s:s, s:s, s:s}", "created", created, "created_by", created_by,
	                  "comment", summary);
	if (!entry || json_array_append_new(history, entry) < 0 ||
	    json_array_append_new(diff_ids, json_string(layer->diff_id)) < 0 ||
	    json_object_set_new(doc, "created", json_string(created)) < 0 ||
	    !(*out = json_dumps(doc, JSON_COMPACT)))
		goto nomem;
	json_decref(doc);
	return 0;
nomem:
	json_decref(doc);
	return -ENOMEM;
}

/* The OCI media type for a layer's (Docker's own are renamed; the bytes are the same). */
static const char *oci_layer_type(const char *t)
{
	if (!strcmp(t, "application/vnd.docker.image.rootfs.diff.tar.gzip"))
		return "application/vnd.oci.image.layer.v1.tar+gzip";
	if (!strcmp(t, "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"))
		return "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip";
	return t;
}

/* The original manifest's JSON (verified), for the fields kmend does not read (annotations). */
static json_t *original_manifest(struct kmend_image *img)
{
	char media_type[128], expected[KMEND_DIGEST_MAX], got[KMEND_DIGEST_MAX];
	_cleanup_free_ char *data = NULL;
	json_t *doc = NULL;
	size_t len;

	if (!img->manifest_digest[0] ||
	    img->transport->get_manifest(img->state, img->manifest_digest, &data, &len, media_type,
	                                 sizeof(media_type), expected, NULL) < 0)
		return NULL;
	kmend_digest_of(data, len, got);
	if (!strcmp(got, img->manifest_digest))
		doc = json_loadb(data, len, 0, NULL);
	return json_is_object(doc) ? doc : (json_decref(doc), NULL);
}

static json_t *descriptor(const char *media_type, const char *digest, uint64_t size)
{
	return json_pack("{s:s, s:s, s:I}", "mediaType", media_type, "digest", digest, "size",
	                 (json_int_t)size);
}

/* The manifest: the original layers (OCI media types), the new one, the base annotations. */
static int new_manifest(struct kmend_patch *p, const struct kmend_layer_written *layer,
                        const char *config_digest, size_t config_len, const char *created,
                        char **out)
{
	struct kmend_image *img = p->req.img;
	json_t *orig = original_manifest(img), *orig_layers = json_object_get(orig, "layers");
	json_t *doc = json_object(), *layers = json_array(), *annotations;
	_cleanup_free_ char *summary = patched_summary(p, " ", false);

	if (!doc || !layers || !summary)
		goto nomem;
	for (size_t i = 0; i < img->nlayers; i++) {
		json_t *o = json_array_get(orig_layers, i), *d;
		/* Keep what the original says of its layers (annotations, urls) when it matches. */
		if (json_is_object(o) &&
		    !strcmp(json_string_value(json_object_get(o, "digest"))
		                ? json_string_value(json_object_get(o, "digest"))
		                : "",
		            img->layers[i].digest))
			d = json_deep_copy(o);
		else
			d = descriptor(img->layers[i].media_type, img->layers[i].digest,
			               img->layers[i].size);
		if (!d ||
		    json_object_set_new(d, "mediaType",
		                        json_string(oci_layer_type(img->layers[i].media_type))) <
		        0 ||
		    json_array_append_new(layers, d) < 0)
			goto nomem;
	}
	if (json_array_append_new(layers, descriptor("application/vnd.oci.image.layer.v1.tar+gzip",
	                                             layer->digest, layer->size)) < 0)
		goto nomem;
	annotations = json_deep_copy(json_object_get(orig, "annotations"));
	if (!json_is_object(annotations)) {
		json_decref(annotations);
		annotations = json_object();
	}
	if (!annotations ||
	    json_object_set_new(annotations, "org.opencontainers.image.base.name",
	                        json_string(img->name)) < 0 ||
	    json_object_set_new(annotations, "org.opencontainers.image.base.digest",
	                        json_string(img->manifest_digest)) < 0 ||
	    json_object_set_new(annotations, "org.opencontainers.image.created",
	                        json_string(created)) < 0 ||
	    json_object_set_new(annotations, "io.kmend.patched", json_string(summary)) < 0 ||
	    json_object_set_new(doc, "schemaVersion", json_integer(2)) < 0 ||
	    json_object_set_new(doc, "mediaType", json_string(KMEND_MEDIA_OCI_MANIFEST)) < 0 ||
	    json_object_set_new(doc, "config",
	                        descriptor("application/vnd.oci.image.config.v1+json",
	                                   config_digest, config_len)) < 0 ||
	    json_object_set_new(doc, "layers", layers) < 0 ||
	    json_object_set_new(doc, "annotations", annotations) < 0)
		goto nomem;
	layers = NULL;
	*out = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	json_decref(orig);
	return *out ? 0 : -ENOMEM;
nomem:
	json_decref(layers);
	json_decref(doc);
	json_decref(orig);
	return -ENOMEM;
}

static long long created_time(long long given)
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	char *end;
	long long t;

	if (given)
		return given;
	if (sde && *sde && (t = strtoll(sde, &end, 10)) >= 0 && !*end)
		return t;
	return (long long)time(NULL);
}

/* Every blob of the patched image to the destination, the manifest last. */
static int send_image(struct kmend_patch *p, const struct kmend_patch_write_options *o,
                      const char *layer_file, const struct kmend_layer_written *layer,
                      const char *config, const char *manifest, struct kmend_patch_written *out,
                      struct kmend_error *err)
{
	struct kmend_image *img = p->req.img;
	struct kmend_image_sink *sink;
	struct kmend_sink_blob b;
	int r;

	if ((r = kmend_image_sink_open(o->to, o->opts, o->push, &sink, err)) < 0)
		return r;
	for (size_t i = 0; r == 0 && i < img->nlayers; i++) {
		/* A layer the registry serves from elsewhere is never a blob to copy. */
		if (strstr(oci_layer_type(img->layers[i].media_type), "nondistributable"))
			continue;
		b = (struct kmend_sink_blob){.desc = img->layers[i], .from = img};
		r = kmend_image_sink_put_blob(sink, &b, err);
	}
	if (r == 0) {
		b = (struct kmend_sink_blob){.path = layer_file};
		snprintf(b.desc.digest, sizeof(b.desc.digest), "%s", layer->digest);
		b.desc.size = layer->size;
		r = kmend_image_sink_put_blob(sink, &b, err);
	}
	if (r == 0) {
		b = (struct kmend_sink_blob){.data = config};
		snprintf(b.desc.digest, sizeof(b.desc.digest), "%s", out->config_digest);
		b.desc.size = strlen(config);
		r = kmend_image_sink_put_blob(sink, &b, err);
	}
	if (r == 0)
		r = kmend_image_sink_put_manifest(sink, KMEND_MEDIA_OCI_MANIFEST, manifest,
		                                  strlen(manifest), out->digest, err);
	snprintf(out->ref, sizeof(out->ref), "%s", kmend_image_sink_name(sink));
	out->sink = *kmend_image_sink_stats(sink);
	kmend_image_sink_close(sink);
	return r;
}

int kmend_patch_write(struct kmend_patch *p, const struct kmend_patch_write_options *o,
                      struct kmend_patch_written *out, struct kmend_error *err)
{
	const char *tmp = p->req.work_dir ? p->req.work_dir : getenv("TMPDIR");
	_cleanup_free_ char *config = NULL, *manifest = NULL;
	char layer_file[4200], created[64];
	int r;

	memset(out, 0, sizeof(*out));
	snprintf(layer_file, sizeof(layer_file), "%s/kmend-layer.%d.%p.tar.gz",
	         tmp && *tmp ? tmp : "/tmp", (int)getpid(), (void *)p);
	long long when = created_time(o->created);

	rfc3339(when, created, sizeof(created));
	if ((r = write_layer(p, layer_file, o->level, when, &out->layer, err)) < 0)
		return r;
	if ((r = new_config(p, &out->layer, created,
	                    o->created_by ? o->created_by : "kmend harden --strategy patch",
	                    &config, err)) < 0)
		goto done;
	kmend_digest_of(config, strlen(config), out->config_digest);
	if ((r = new_manifest(p, &out->layer, out->config_digest, strlen(config), created,
	                      &manifest)) < 0)
		goto done;
	r = send_image(p, o, layer_file, &out->layer, config, manifest, out, err);
done:
	unlink(layer_file);
	return r;
}

void kmend_patch_free(struct kmend_patch *p)
{
	if (!p)
		return;
	if (p->family && p->family->free_db)
		p->family->free_db(p);
	for (size_t i = 0; i < p->npkgs; i++) {
		struct patch_pkg *pkg = &p->pkgs[i];
		kmend_pkgfile_free(&pkg->pf);
		free(pkg->bytes);
		for (size_t k = 0; k < pkg->npaths; k++) {
			free(pkg->paths[k].path);
			free(pkg->paths[k].layer_path);
		}
		free(pkg->paths);
		kmend_pathindex_free(&pkg->index);
	}
	for (size_t i = 0; p->packages && i < p->npkgs; i++) {
		free(p->packages[i].name);
		free(p->packages[i].from);
		free(p->packages[i].to);
		free(p->packages[i].scripts);
	}
	free(p->packages);
	free(p->pkgs);
	for (size_t i = 0; i < p->nfiles; i++) {
		free(p->files[i].path);
		free(p->files[i].data);
	}
	free(p->files);
	kmend_strv_free(p->whiteouts);
	kmend_rootfs_free(&p->view);
	kmend_warnings_free(&p->warnings);
	free(p);
}
