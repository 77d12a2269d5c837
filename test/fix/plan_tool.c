/*
 * Test driver for the fix planner and the step scripts (the library, not a CLI command):
 * plans the fix of one image and prints the plan as JSON; optionally writes the scripts.
 *
 *   plan-tool [--db DB | --findings SCAN.json] [--mirror URL]... [--mirror-key FILE]...
 *             [--allow-unsigned] [--prefer newest] [--cache DIR] [--platform P]
 *             [--dir DIR] [--download-script FILE] [--install-script FILE]
 *             [--install-argv FILE] [--orig ARG]... IMAGE
 *
 * --findings takes kmend scan's JSON (the first result's findings), so that a test can name
 * findings the feed does not have. --install-argv writes the install argv, one NUL-terminated
 * word each. --repos prints the repositories the image configures (or the mirrors) as the
 * family reads them, fetching nothing. Exit: 0, 2 bad usage or input, 3 a repository or image
 * error (printed).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "distro.h"
#include "fix_plan.h"
#include "fix_script.h"
#include "image.h"
#include "inventory.h"
#include "match.h"
#include "vulndb.h"

static char *jstr(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? strdup(s) : NULL;
}

static int findings_from_json(const char *path, struct kmend_findings *out)
{
	json_error_t e;
	json_t *doc = json_load_file(path, 0, &e), *list, *f;
	size_t i;

	memset(out, 0, sizeof(*out));
	if (!doc) {
		fprintf(stderr, "plan-tool: %s: %s\n", path, e.text);
		return -1;
	}
	list = json_object_get(json_array_get(json_object_get(doc, "results"), 0), "findings");
	out->count = json_array_size(list);
	out->items = calloc(out->count + 1, sizeof(*out->items));
	json_array_foreach (list, i, f) {
		struct kmend_finding *x = &out->items[i];
		x->id = jstr(f, "id");
		x->package = jstr(f, "package");
		x->source = jstr(f, "source");
		x->installed = jstr(f, "installed");
		x->fixed = jstr(f, "fixed");
		x->fixed_in = jstr(f, "fixed_in");
		x->severity = jstr(f, "severity");
	}
	json_decref(doc);
	return 0;
}

static json_t *plan_json(const struct kmend_fix_plan *plan, const struct kmend_findings *fs)
{
	json_t *doc = json_object(), *pk = json_array(), *rf = json_array(), *w = json_array(),
	       *rem = json_array();

	json_object_set_new(doc, "fixable", json_boolean(plan->fixable));
	json_object_set_new(doc, "family",
	                    plan->family ? json_string(plan->family->name) : json_null());
	json_object_set_new(doc, "arch", plan->arch ? json_string(plan->arch) : json_null());
	for (size_t i = 0; i < plan->npackages; i++) {
		const struct kmend_fix_package *p = &plan->packages[i];
		json_array_append_new(
		    pk, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:s}", "name",
		                  p->name, "version", p->version, "arch", p->arch, "installed",
		                  p->installed, "source", p->source, "filename", p->filename, "url",
		                  p->url, "file", p->file, "sha256", p->sha256, "size",
		                  (json_int_t)p->size, "reason", p->reason));
	}
	for (size_t i = 0; i < plan->nrefused; i++) {
		const struct kmend_fix_refusal *r = &plan->refused[i];
		json_array_append_new(rf, json_pack("{s:s, s:s?, s:s, s:s?}", "code", r->code,
		                                    "source", r->source, "message", r->message,
		                                    "repair", r->repair));
	}
	for (size_t i = 0; i < plan->warnings.count; i++)
		json_array_append_new(w,
		                      json_pack("{s:s, s:s}", "code", plan->warnings.items[i].code,
		                                "message", plan->warnings.items[i].message));
	for (size_t i = 0; fs && i < fs->count; i++)
		if (!kmend_fix_plan_fixes(plan, &fs->items[i]))
			json_array_append_new(rem, json_pack("{s:s, s:s}", "id", fs->items[i].id,
			                                     "package", fs->items[i].package));
	json_object_set_new(doc, "packages", pk);
	json_object_set_new(doc, "refused", rf);
	json_object_set_new(doc, "warnings", w);
	json_object_set_new(doc, "remaining", rem);
	return doc;
}

static json_t *strv_json(char **v)
{
	json_t *a;

	if (!v)
		return json_null();
	a = json_array();
	for (size_t i = 0; v[i]; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

/* What the image config says of how it runs. */
static json_t *run_json(const struct kmend_image_run_config *run)
{
	return json_pack("{s:s?, s:o, s:o, s:o, s:s?}", "user", run->user, "entrypoint",
	                 strv_json(run->entrypoint), "cmd", strv_json(run->cmd), "env",
	                 strv_json(run->env), "working_dir", run->working_dir);
}

/* The repositories as the image's family reads them: nothing fetched. */
static int print_repos(const struct kmend_inventory *inv, const char *platform,
                       const struct kmend_repo_options *opts)
{
	const struct kmend_pkgmgr *f = kmend_pkgmgr_for(kmend_distro_by_id(inv->os.id));
	struct kmend_repo_list repos = {0};
	struct kmend_warnings w = {0};
	struct kmend_error err = {0};
	json_t *list = json_array(), *warn = json_array();
	char buf[2048];
	int r;

	if (!f)
		return 2;
	r = f->read_repos(&(struct kmend_pkgmgr_context){.files = &inv->fix_files,
	                                                 .os = &inv->os,
	                                                 .arch = f->arch_of_platform(platform),
	                                                 .opts = opts,
	                                                 .warnings = &w},
	                  &repos, &err);
	if (r < 0) {
		fprintf(stderr, "plan-tool: %s\n", kmend_error_format(&err, buf, sizeof(buf)));
		return 3;
	}
	for (size_t i = 0; i < repos.count; i++) {
		const struct kmend_repo *p = &repos.items[i];
		json_t *keys = json_array();
		for (size_t k = 0; k < p->nkeys; k++)
			json_array_append_new(keys, json_string(p->keys[k].name));
		json_array_append_new(
		    list, json_pack("{s:s, s:s, s:s?, s:o, s:s, s:i, s:o, s:b}", "origin",
		                    p->origin, "url", p->url, "suite", p->suite, "components",
		                    strv_json(p->components), "arch", p->arch, "trust",
		                    (int)p->trust, "keys", keys, "optional", p->optional));
	}
	for (size_t i = 0; i < w.count; i++)
		json_array_append_new(warn, json_string(w.items[i].message));
	list = json_pack("{s:o, s:o}", "repos", list, "warnings", warn);
	json_dumpf(list, stdout, JSON_INDENT(2));
	putchar('\n');
	json_decref(list);
	kmend_repo_list_free(&repos);
	kmend_warnings_free(&w);
	return 0;
}

static int write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
		fprintf(stderr, "plan-tool: cannot write %s\n", path);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
	    {"db", required_argument, NULL, 'd'},
	    {"findings", required_argument, NULL, 'f'},
	    {"mirror", required_argument, NULL, 'm'},
	    {"mirror-key", required_argument, NULL, 'k'},
	    {"allow-unsigned", no_argument, NULL, 'u'},
	    {"prefer", required_argument, NULL, 'p'},
	    {"cache", required_argument, NULL, 'c'},
	    {"platform", required_argument, NULL, 'P'},
	    {"dir", required_argument, NULL, 'D'},
	    {"download-script", required_argument, NULL, 'S'},
	    {"install-script", required_argument, NULL, 'I'},
	    {"install-argv", required_argument, NULL, 'A'},
	    {"orig", required_argument, NULL, 'o'},
	    {"now", required_argument, NULL, 'n'},
	    {"repos", no_argument, NULL, 'R'},
	    {NULL, 0, NULL, 0},
	};
	const char *mirrors[17] = {0}, *keys[17] = {0}, *orig[65] = {0};
	const char *db_path = NULL, *findings_path = NULL, *dir = "/kmend-fix";
	const char *download_path = NULL, *install_path = NULL, *argv_path = NULL;
	int nmirrors = 0, nkeys = 0, norig = 0, c, r, rc = 0, repos_only = 0;
	struct kmend_repo_options ropts = {0};
	struct kmend_fix_request req = {0};
	struct kmend_image_options iopts = {0};
	struct kmend_repo_session *session;
	struct kmend_findings findings = {0};
	struct kmend_inventory inv;
	struct kmend_fix_plan plan;
	struct kmend_image *img;
	struct kmend_error err = {0};
	char buf[2048];
	json_t *doc;

	while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (c) {
		case 'd': db_path = optarg; break;
		case 'f': findings_path = optarg; break;
		case 'm':
			if (nmirrors < 16)
				mirrors[nmirrors++] = optarg;
			break;
		case 'k':
			if (nkeys < 16)
				keys[nkeys++] = optarg;
			break;
		case 'u': ropts.allow_unsigned = true; break;
		case 'p': req.prefer_newest = !strcmp(optarg, "newest"); break;
		case 'c': ropts.cache_dir = optarg; break;
		case 'P': iopts.platform = optarg; break;
		case 'D': dir = optarg; break;
		case 'S': download_path = optarg; break;
		case 'I': install_path = optarg; break;
		case 'A': argv_path = optarg; break;
		case 'o':
			if (norig < 64)
				orig[norig++] = optarg;
			break;
		case 'n': ropts.now = atoll(optarg); break;
		case 'R': repos_only = 1; break;
		default: return 2;
		}
	}
	if (optind != argc - 1 || (!repos_only && !db_path == !findings_path)) {
		fprintf(stderr, "plan-tool: one image, and --db or --findings\n");
		return 2;
	}
	ropts.mirrors = mirrors;
	ropts.mirror_keys = keys;
	if ((r = kmend_image_open(argv[optind], &iopts, &img, &err)) < 0 ||
	    (r = kmend_inventory_build(img, NULL, &inv, &err)) < 0) {
		fprintf(stderr, "plan-tool: %s\n", kmend_error_format(&err, buf, sizeof(buf)));
		return 3;
	}
	if (repos_only) {
		rc = print_repos(&inv, img->platform, &ropts);
		kmend_inventory_free(&inv);
		kmend_image_close(img);
		return rc;
	}
	if (findings_path) {
		if (findings_from_json(findings_path, &findings) < 0)
			return 2;
	} else {
		struct kmend_vulndb *db;
		if ((r = kmend_vulndb_open(db_path, false, &db, &err)) < 0 ||
		    (r = kmend_match(db, &inv, &findings, &err)) < 0) {
			fprintf(stderr, "plan-tool: %s\n",
			        kmend_error_format(&err, buf, sizeof(buf)));
			return 3;
		}
		kmend_vulndb_close(db);
	}
	req.inv = &inv;
	req.platform = img->platform;
	req.run = &img->run;
	req.findings = &findings;
	kmend_repo_session_new(&ropts, &session);
	r = kmend_fix_plan_build(session, &req, &plan, &err);
	if (r < 0) {
		fprintf(stderr, "plan-tool: %s\n", kmend_error_format(&err, buf, sizeof(buf)));
		rc = 3;
	} else {
		doc = plan_json(&plan, &findings);
		json_object_set_new(doc, "run", run_json(&img->run));
		json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
		json_decref(doc);
	}
	if (rc == 0 && plan.family && (download_path || install_path || argv_path)) {
		char **dl = NULL, **in = NULL;
		if (kmend_fix_script_download(&plan, dir, &dl, &err) < 0 ||
		    kmend_fix_script_install(&plan, dir, norig ? orig : NULL, &in, &err) < 0) {
			fprintf(stderr, "plan-tool: %s\n",
			        kmend_error_format(&err, buf, sizeof(buf)));
			rc = 3;
		} else {
			if (download_path && write_text(download_path, dl[2]) < 0)
				rc = 3;
			if (install_path && write_text(install_path, in[2]) < 0)
				rc = 3;
			if (argv_path) {
				FILE *f = fopen(argv_path, "w");
				for (size_t i = 0; f && in[i]; i++)
					fwrite(in[i], 1, strlen(in[i]) + 1, f);
				if (!f || fclose(f) != 0)
					rc = 3;
			}
		}
		kmend_argv_free(dl);
		kmend_argv_free(in);
	}
	kmend_fix_plan_free(&plan);
	kmend_repo_session_free(session);
	kmend_findings_free(&findings);
	kmend_inventory_free(&inv);
	kmend_image_close(img);
	return rc;
}
