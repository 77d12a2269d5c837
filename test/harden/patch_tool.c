/*
 * Test driver for the patch strategy's library (image sinks, registry push, the patched
 * image), before and beside `kmend harden --strategy patch`:
 *
 *   patch-tool copy [--chunk N] [--insecure-registry H]... SRC DST
 *       read SRC and write it (its layers, config, an OCI manifest) to DST; prints JSON with
 *       the manifest digest and the blobs present, mounted and written
 *   patch-tool patch --db DB [--mirror URL --mirror-key FILE | --allow-unsigned]
 *       [--to DST] [--cache DIR] [--level N] [--chunk N] [--insecure-registry H]... IMAGE
 *       plan kmend fix's packages for every finding with a fix, prepare the patch and (with
 *       --to) write it; prints JSON: the packages, their scripts' notes, the layer, the image
 *
 * Exit: 0, 2 bad usage, 3 an error (printed as kmend prints errors).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fix_plan.h"
#include "image.h"
#include "image_patch.h"
#include "image_sink.h"
#include "inventory.h"
#include "match.h"
#include "vulndb.h"

struct args {
	const char *insecure[9];
	int ninsecure;
	const char *db, *mirror, *key, *to, *cache;
	bool allow_unsigned;
	int level;
	unsigned long long chunk;
};

static int fail(const struct kmend_error *err)
{
	char buf[2048];

	fprintf(stderr, "patch-tool: %s\n", kmend_error_format(err, buf, sizeof(buf)));
	return 3;
}

static json_t *stats_json(const struct kmend_sink_stats *s)
{
	return json_pack("{s:I, s:I, s:I, s:I}", "present", (json_int_t)s->present, "mounted",
	                 (json_int_t)s->mounted, "written", (json_int_t)s->written, "bytes_written",
	                 (json_int_t)s->bytes_written);
}

static json_t *descriptor(const char *type, const char *digest, uint64_t size)
{
	return json_pack("{s:s, s:s, s:I}", "mediaType", type, "digest", digest, "size",
	                 (json_int_t)size);
}

/* SRC as an OCI image at DST: what the sinks do, without a new layer. */
static int copy(const struct args *a, const char *src, const char *dst)
{
	struct kmend_image_options iopts = {.insecure = a->insecure};
	struct kmend_push_options push = {.chunk_size = a->chunk};
	struct kmend_error err = {0};
	struct kmend_image *img;
	struct kmend_image_sink *sink;
	struct kmend_sink_blob b;
	char digest[KMEND_DIGEST_MAX];
	json_t *layers, *m;
	char *text;
	int r = 0;

	if (kmend_image_open(src, &iopts, &img, &err) < 0)
		return fail(&err);
	if (kmend_image_sink_open(dst, &iopts, &push, &sink, &err) < 0) {
		kmend_image_close(img);
		return fail(&err);
	}
	layers = json_array();
	for (size_t i = 0; r == 0 && i < img->nlayers; i++) {
		b = (struct kmend_sink_blob){.desc = img->layers[i], .from = img};
		r = kmend_image_sink_put_blob(sink, &b, &err);
		json_array_append_new(layers,
		                      descriptor("application/vnd.oci.image.layer.v1.tar+gzip",
		                                 img->layers[i].digest, img->layers[i].size));
	}
	if (r == 0) {
		b = (struct kmend_sink_blob){.desc = img->config, .from = img};
		r = kmend_image_sink_put_blob(sink, &b, &err);
	}
	m = json_pack("{s:i, s:s, s:o, s:o}", "schemaVersion", 2, "mediaType",
	              KMEND_MEDIA_OCI_MANIFEST, "config",
	              descriptor("application/vnd.oci.image.config.v1+json", img->config.digest,
	                         img->config.size),
	              "layers", layers);
	text = json_dumps(m, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(m);
	if (r == 0)
		r = kmend_image_sink_put_manifest(sink, KMEND_MEDIA_OCI_MANIFEST, text,
		                                  strlen(text), digest, &err);
	free(text);
	if (r == 0) {
		json_t *out =
		    json_pack("{s:s, s:s, s:o}", "ref", kmend_image_sink_name(sink), "digest",
		              digest, "blobs", stats_json(kmend_image_sink_stats(sink)));
		json_dumpf(out, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
		json_decref(out);
	}
	kmend_image_sink_close(sink);
	kmend_image_close(img);
	return r < 0 ? fail(&err) : 0;
}

static json_t *patch_json(const struct kmend_patch *p, const struct kmend_patch_written *w)
{
	const struct kmend_patch_package *pk;
	const struct kmend_warnings *warn = kmend_patch_warnings(p);
	json_t *doc = json_object(), *list = json_array(), *wl = json_array();
	size_t n;

	pk = kmend_patch_packages(p, &n);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(
		    list, json_pack("{s:s, s:s, s:s, s:s?, s:I, s:I}", "name", pk[i].name, "from",
		                    pk[i].from, "to", pk[i].to, "scripts", pk[i].scripts, "files",
		                    (json_int_t)pk[i].files, "removed", (json_int_t)pk[i].removed));
	for (size_t i = 0; i < warn->count; i++)
		json_array_append_new(wl, json_pack("{s:s, s:s}", "code", warn->items[i].code,
		                                    "message", warn->items[i].message));
	json_object_set_new(doc, "packages", list);
	json_object_set_new(doc, "prefer_rebuild", json_boolean(kmend_patch_prefers_rebuild(p)));
	json_object_set_new(doc, "warnings", wl);
	if (w)
		json_object_set_new(
		    doc, "written",
		    json_pack("{s:s, s:s, s:s, s:{s:s, s:s, s:I, s:I, s:I, s:I}, s:o}", "ref",
		              w->ref, "digest", w->digest, "config", w->config_digest, "layer",
		              "diff_id", w->layer.diff_id, "digest", w->layer.digest, "size",
		              (json_int_t)w->layer.size, "tar_size", (json_int_t)w->layer.tar_size,
		              "entries", (json_int_t)w->layer.entries, "whiteouts",
		              (json_int_t)w->layer.whiteouts, "blobs", stats_json(&w->sink)));
	return doc;
}

static int patch(const struct args *a, const char *ref)
{
	const char *mirrors[] = {a->mirror, NULL}, *keys[] = {a->key, NULL};
	struct kmend_repo_options ropts = {
	    .mirrors = a->mirror ? mirrors : NULL,
	    .mirror_keys = a->key ? keys : NULL,
	    .allow_unsigned = a->allow_unsigned,
	    .cache_dir = a->cache,
	};
	struct kmend_image_options iopts = {.insecure = a->insecure, .cache_dir = a->cache};
	struct kmend_push_options push = {.chunk_size = a->chunk};
	struct kmend_findings findings = {0};
	struct kmend_fix_request req = {0};
	struct kmend_fix_plan plan = {0};
	struct kmend_repo_session *session = NULL;
	struct kmend_patch_written written;
	struct kmend_inventory inv = {0};
	struct kmend_error err = {0};
	struct kmend_vulndb *db = NULL;
	struct kmend_image *img = NULL;
	struct kmend_patch *p = NULL;
	int r, rc = 0;

	if ((r = kmend_image_open(ref, &iopts, &img, &err)) < 0 ||
	    (r = kmend_inventory_build(img, a->cache, &inv, &err)) < 0 ||
	    (r = kmend_vulndb_open(a->db, false, &db, &err)) < 0 ||
	    (r = kmend_match(db, &inv, &findings, &err)) < 0) {
		rc = fail(&err);
		goto done;
	}
	req = (struct kmend_fix_request){
	    .inv = &inv, .platform = img->platform, .findings = &findings, .no_tools = true};
	if (kmend_repo_session_new(&ropts, &session) < 0 ||
	    kmend_fix_plan_build(session, &req, &plan, &err) < 0) {
		rc = fail(&err);
		goto done;
	}
	if (kmend_patch_prepare(&(struct kmend_patch_request){.img = img,
	                                                      .inv = &inv,
	                                                      .plan = &plan,
	                                                      .session = session,
	                                                      .cache_dir = a->cache},
	                        &p, &err) < 0) {
		rc = fail(&err);
		goto done;
	}
	if (a->to) {
		struct kmend_patch_write_options wo = {
		    .to = a->to, .opts = &iopts, .push = &push, .level = a->level};
		if (kmend_patch_write(p, &wo, &written, &err) < 0) {
			rc = fail(&err);
			goto done;
		}
	}
	{
		json_t *doc = patch_json(p, a->to ? &written : NULL);
		json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
		json_decref(doc);
	}
done:
	kmend_patch_free(p);
	kmend_fix_plan_free(&plan);
	kmend_repo_session_free(session);
	kmend_findings_free(&findings);
	kmend_vulndb_close(db);
	kmend_inventory_free(&inv);
	kmend_image_close(img);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
	    {"insecure-registry", required_argument, NULL, 'i'},
	    {"chunk", required_argument, NULL, 'c'},
	    {"db", required_argument, NULL, 'd'},
	    {"mirror", required_argument, NULL, 'm'},
	    {"mirror-key", required_argument, NULL, 'k'},
	    {"allow-unsigned", no_argument, NULL, 'u'},
	    {"to", required_argument, NULL, 't'},
	    {"cache", required_argument, NULL, 'C'},
	    {"level", required_argument, NULL, 'l'},
	    {NULL, 0, NULL, 0},
	};
	struct args a = {.level = 1};
	const char *cmd;
	int c;

	if (argc < 2)
		return 2;
	cmd = argv[1];
	optind = 2;
	while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (c) {
		case 'i':
			if (a.ninsecure < 8)
				a.insecure[a.ninsecure++] = optarg;
			break;
		case 'c': a.chunk = strtoull(optarg, NULL, 10); break;
		case 'd': a.db = optarg; break;
		case 'm': a.mirror = optarg; break;
		case 'k': a.key = optarg; break;
		case 'u': a.allow_unsigned = true; break;
		case 't': a.to = optarg; break;
		case 'C': a.cache = optarg; break;
		case 'l': a.level = atoi(optarg); break;
		default: return 2;
		}
	}
	if (!strcmp(cmd, "copy") && optind == argc - 2)
		return copy(&a, argv[optind], argv[optind + 1]);
	if (!strcmp(cmd, "patch") && optind == argc - 1 && a.db)
		return patch(&a, argv[optind]);
	fprintf(stderr, "patch-tool: usage: copy SRC DST | patch --db DB ... IMAGE\n");
	return 2;
}
