/* kmend scan: which installed packages of an image are vulnerable, and which version fixes them. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>

#include "array.h"
#include "cli.h"
#include "ignore.h"
#include "report_sarif.h"
#include "image_args.h"
#include "inventory.h"
#include "match.h"
#include "vulndb.h"
#include "walk.h"
#include "workload.h"

static const char *const severities[] = {"critical", "high",       "medium",
                                         "low",      "negligible", "unknown"};
#define NSEVERITIES (sizeof(severities) / sizeof(severities[0]))

static void scan_usage(void)
{
	printf(
	    "Usage: kmend scan [OPTIONS] TARGET...\n"
	    "\n"
	    "Find the installed OS packages that published advisories say are vulnerable,\n"
	    "with the version that fixes them. Advisories come from the local store ('kmend\n"
	    "db import'). A TARGET is a Kubernetes manifest file (YAML with any number of\n"
	    "documents, or JSON; every workload kind and List), a directory of them, or an\n"
	    "image reference as for 'kmend inventory'. Each image is read once however\n"
	    "many containers run it.\n"
	    "\n"
	    "Options:\n"
	    "  --format table|json|sarif  output format (default: table)\n"
	    "  --db PATH             the vulnerability store (default: "
	    "$XDG_CACHE_HOME/kmend/vuln.db)\n"
	    "  --severity LIST       only these severities (comma-separated: critical, high,\n"
	    "                        medium, low, negligible, unknown)\n"
	    "  --ignore-unfixed      leave out vulnerabilities with no fix published\n"
	    "  --exit-code N         exit with N when findings remain (default: 0)\n"
	    "  --ignore-file FILE    accepted risks: YAML 'ignore: [{id, package, expires,\n"
	    "                        reason}]' (docs/scan.md); expired entries stop applying\n"
	    "  -h, --help            show this help\n"
	    "%s"
	    "\n"
	    "JSON: {\"results\": [{\"target\", \"workload\", \"container\", \"image\", "
	    "\"digest\",\n"
	    "\"os\", \"findings\": [{\"id\", \"aliases\", \"package\", \"source\", \"installed\",\n"
	    "\"fixed\", \"fixed_in\", \"severity\", \"data_source\"}]}]} (docs/scan.md).\n",
	    cli_image_options_help);
}

struct scan_filter {
	unsigned severity_mask; /* bit i: severities[i] is wanted */
	int ignore_unfixed;
	struct kmend_ignore *ignore; /* accepted risks, may be NULL */
	time_t now;
};

static int severity_index(const char *s)
{
	for (size_t i = 0; i < NSEVERITIES; i++)
		if (!strcmp(s, severities[i]))
			return (int)i;
	return (int)NSEVERITIES - 1;
}

static int parse_severities(const char *list, unsigned *mask)
{
	char buf[256], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", list);
	*mask = 0;
	for (char *w = strtok_r(buf, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		size_t i;
		for (i = 0; i < NSEVERITIES && strcmp(w, severities[i]); i++)
			;
		if (i == NSEVERITIES)
			return -1;
		*mask |= 1u << i;
	}
	return *mask ? 0 : -1;
}

static int wanted(const struct scan_filter *f, const struct kmend_finding *x)
{
	struct kmend_ignore_rule *rule;

	if (!(f->severity_mask & (1u << severity_index(x->severity))) ||
	    (f->ignore_unfixed && !x->fixed))
		return 0;
	rule = kmend_ignore_find(f->ignore, x->id, x->aliases, x->package, f->now);
	if (rule)
		rule->used = 1;
	return rule == NULL;
}

static json_t *str_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

/* One image's answer, computed once however many containers run it. */
struct image_result {
	char *ref;
	int failed; /* the image could not be read: its error was reported */
	char name[4600], digest[KMEND_DIGEST_MAX];
	struct kmend_inventory inv;
	struct kmend_findings findings;
};

struct scan_state {
	struct cli_image_args *ia;
	struct kmend_vulndb *db;
	const struct scan_filter *filter;
	struct image_result *images;
	size_t nimages, cap;
	json_t *results; /* NULL: table output */
	size_t found;
	int worst;
};

static struct image_result *scan_image(struct scan_state *st, const char *ref)
{
	struct image_result *res;
	struct kmend_image *img;
	struct kmend_error err;

	for (size_t i = 0; i < st->nimages; i++)
		if (!strcmp(st->images[i].ref, ref))
			return &st->images[i];
	if (kmend_array_grow(&st->images, &st->cap, st->nimages, sizeof(*st->images)) < 0)
		return NULL;
	res = &st->images[st->nimages++];
	memset(res, 0, sizeof(*res));
	res->ref = strdup(ref);
	if (kmend_image_open(ref, &st->ia->opts, &img, &err) < 0) {
		res->failed = cli_report("scan", &err);
		return res;
	}
	snprintf(res->name, sizeof(res->name), "%s", img->name);
	snprintf(res->digest, sizeof(res->digest), "%s", img->digest);
	if (kmend_inventory_build(img, st->ia->opts.cache_dir, &res->inv, &err) < 0 ||
	    kmend_match(st->db, &res->inv, &res->findings, &err) < 0)
		res->failed = cli_report("scan", &err);
	else if (!res->inv.os_found)
		fprintf(stderr, "kmend scan: warning: %s: OS not detected, nothing to match\n",
		        img->name);
	kmend_image_close(img);
	return res;
}

static json_t *result_json(const char *target, const struct kmend_container_ref *c,
                           const struct image_result *res, const struct scan_filter *f)
{
	json_t *r = json_object(), *list = json_array(), *aliases;
	const struct kmend_inventory *inv = &res->inv;

	json_object_set_new(r, "target", json_string(target));
	json_object_set_new(r, "workload",
	                    c ? json_pack("{s:s, s:s, s:s}", "kind", c->kind, "namespace",
	                                  c->namespace[0] ? c->namespace : "default", "name",
	                                  c->name)
	                      : json_null());
	json_object_set_new(r, "container", c ? json_string(c->container) : json_null());
	json_object_set_new(r, "image", json_string(res->name));
	json_object_set_new(r, "digest", str_or_null(res->digest));
	json_object_set_new(r, "os",
	                    inv->os_found ? json_pack("{s:s, s:s}", "id", inv->os.id, "version_id",
	                                              inv->os.version_id)
	                                  : json_null());
	for (size_t i = 0; i < res->findings.count; i++) {
		const struct kmend_finding *x = &res->findings.items[i];
		char buf[1024], *save = NULL;

		if (!wanted(f, x))
			continue;
		aliases = json_array();
		snprintf(buf, sizeof(buf), "%s", x->aliases ? x->aliases : "");
		for (char *w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save))
			json_array_append_new(aliases, json_string(w));
		json_array_append_new(
		    list, json_pack("{s:s, s:o, s:s, s:s, s:s, s:o, s:o, s:s, s:s}", "id", x->id,
		                    "aliases", aliases, "package", x->package, "source", x->source,
		                    "installed", x->installed, "fixed", str_or_null(x->fixed),
		                    "fixed_in", str_or_null(x->fixed_in), "severity", x->severity,
		                    "data_source", x->data_source));
	}
	json_object_set_new(r, "findings", list);
	return r;
}

static void result_table(const char *target, const struct kmend_container_ref *c,
                         const struct image_result *res, const struct scan_filter *f)
{
	const struct kmend_inventory *inv = &res->inv;
	size_t counts[NSEVERITIES] = {0}, total = 0;

	if (c)
		printf("%s: %s %s/%s, %s '%s'\n", target, c->kind,
		       c->namespace[0] ? c->namespace : "default", c->name, c->role, c->container);
	printf("%s (%s)\n", res->name,
	       inv->os_found ? (inv->os.pretty_name[0] ? inv->os.pretty_name : inv->os.id)
	                     : "OS not detected");
	for (size_t i = 0; i < res->findings.count; i++)
		if (wanted(f, &res->findings.items[i])) {
			counts[severity_index(res->findings.items[i].severity)]++;
			total++;
		}
	printf("Total: %zu (", total);
	for (size_t i = 0; i < NSEVERITIES; i++)
		printf("%s%s: %zu", i ? ", " : "", severities[i], counts[i]);
	printf(")\n");
	if (total) {
		printf("\n%-28s %-20s %-10s %-28s %s\n", "PACKAGE", "VULNERABILITY", "SEVERITY",
		       "INSTALLED", "FIXED");
		for (size_t i = 0; i < res->findings.count; i++) {
			const struct kmend_finding *x = &res->findings.items[i];
			if (wanted(f, x))
				printf("%-28s %-20s %-10s %-28s %s\n", x->package, x->id,
				       x->severity, x->installed,
				       x->fixed ? x->fixed : "(no fix yet)");
		}
	}
	printf("\n");
}

/* Report one container (or a bare image: c NULL) of target. */
static void scan_one(struct scan_state *st, const char *target, const struct kmend_container_ref *c,
                     const char *image)
{
	struct image_result *res = scan_image(st, image);

	if (!res)
		return;
	if (res->failed) {
		if (res->failed > st->worst)
			st->worst = res->failed;
		return;
	}
	for (size_t i = 0; i < res->findings.count; i++)
		st->found += (size_t)wanted(st->filter, &res->findings.items[i]);
	if (st->results)
		json_array_append_new(st->results, result_json(target, c, res, st->filter));
	else
		result_table(target, c, res, st->filter);
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n > m && !strcmp(s + n - m, suffix);
}

static bool is_manifest_name(const char *s)
{
	return has_suffix(s, ".yaml") || has_suffix(s, ".yml") || has_suffix(s, ".json");
}

/* One manifest file: every container of it. */
static void scan_manifest_file(const char *path, void *p)
{
	struct scan_state *st = p;
	struct kmend_container_list list = {0};
	struct kmend_error err;

	if (kmend_workloads_from_file(path, &list, &err) < 0) {
		int code = cli_report("scan", &err);
		if (code > st->worst)
			st->worst = code;
	}
	for (size_t i = 0; i < list.count; i++)
		scan_one(st, path, &list.items[i], list.items[i].image);
	kmend_container_list_free(&list);
}

/* A target that is a manifest file or directory rather than an image reference. */
static bool is_manifest_target(const char *target)
{
	struct stat sb;

	return stat(target, &sb) == 0 && (S_ISDIR(sb.st_mode) || is_manifest_name(target));
}

static int scan_run(int argc, char **argv)
{
	static const struct option options[] = {
	    {"format", required_argument, NULL, 'f'},
	    {"db", required_argument, NULL, 'd'},
	    {"severity", required_argument, NULL, 's'},
	    {"ignore-unfixed", no_argument, NULL, 'u'},
	    {"exit-code", required_argument, NULL, 'x'},
	    {"ignore-file", required_argument, NULL, 'i'},
	    {"help", no_argument, NULL, 'h'},
	    CLI_IMAGE_OPTIONS,
	    {NULL, 0, NULL, 0},
	};
	struct scan_filter filter = {.severity_mask = (1u << NSEVERITIES) - 1, .now = time(NULL)};
	struct kmend_ignore ignore = {0};
	const char *ignore_file = NULL;
	const char *format = "table";
	char dbpath[4096] = "";
	struct cli_image_args ia;
	struct kmend_vulndb *db;
	struct kmend_error err;
	json_t *results = NULL;
	struct scan_state st;
	size_t found = 0;
	int c, r, exit_code = 0, worst = KMEND_EXIT_OK;

	cli_image_args_init(&ia);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		if ((r = cli_image_args_take(&ia, "scan", c, optarg)) != 0) {
			if (r < 0)
				return -r;
			continue;
		}
		switch (c) {
		case 'f': format = optarg; break;
		case 'd': snprintf(dbpath, sizeof(dbpath), "%s", optarg); break;
		case 's':
			if (parse_severities(optarg, &filter.severity_mask) < 0)
				return cli_usage_error("scan", "bad --severity '%s'", optarg);
			break;
		case 'u': filter.ignore_unfixed = 1; break;
		case 'i': ignore_file = optarg; break;
		case 'x': exit_code = atoi(optarg); break;
		case 'h': scan_usage(); return KMEND_EXIT_OK;
		default:
			return cli_usage_error("scan", "unknown option or missing value in '%s'",
			                       argv[optind - 1]);
		}
	}
	if (strcmp(format, "table") && strcmp(format, "json") && strcmp(format, "sarif"))
		return cli_usage_error("scan", "unknown format '%s'; use table, json or sarif",
		                       format);
	if (optind == argc)
		return cli_usage_error("scan", "expected one or more images");
	if (ignore_file) {
		if (kmend_ignore_load(ignore_file, &ignore, &err) < 0)
			return cli_report("scan", &err);
		filter.ignore = &ignore;
		for (size_t i = 0; i < ignore.count; i++)
			if (ignore.rules[i].expires && filter.now >= ignore.rules[i].expires)
				fprintf(
				    stderr,
				    "kmend scan: warning: %s: the rule for %s expired on %s and "
				    "no longer applies\n",
				    ignore_file, ignore.rules[i].id, ignore.rules[i].expires_text);
	}
	cli_image_args_finish(&ia);
	if (!dbpath[0] && kmend_vulndb_default_path(dbpath, sizeof(dbpath)) < 0)
		return cli_usage_error("scan",
		                       "no cache directory: set XDG_CACHE_HOME or use --db");
	if (kmend_vulndb_open(dbpath, false, &db, &err) < 0)
		return cli_report("scan", &err);
	if (strcmp(format, "table"))
		results = json_array();
	st = (struct scan_state){.ia = &ia, .db = db, .filter = &filter, .results = results};
	for (int i = optind; i < argc; i++) {
		if (is_manifest_target(argv[i]))
			cli_walk(argv[i], is_manifest_name, scan_manifest_file, &st);
		else
			scan_one(&st, argv[i], NULL, argv[i]);
	}
	for (size_t i = 0; i < st.nimages; i++) {
		free(st.images[i].ref);
		kmend_findings_free(&st.images[i].findings);
		kmend_inventory_free(&st.images[i].inv);
	}
	free(st.images);
	found = st.found;
	worst = st.worst;
	kmend_vulndb_close(db);
	kmend_ignore_free(&ignore);
	if (results) {
		json_t *doc = !strcmp(format, "sarif")
		                  ? kmend_sarif_from_results(results, KMEND_VERSION_STRING)
		                  : json_pack("{s:O}", "results", results);
		json_decref(results);
		json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
		json_decref(doc);
	}
	if (fflush(stdout) != 0)
		return KMEND_EXIT_FAILURE;
	if (worst != KMEND_EXIT_OK)
		return worst;
	return found && exit_code ? exit_code : KMEND_EXIT_OK;
}

const struct cli_command cli_scan = {
    .name = "scan",
    .summary = "find the vulnerable OS packages of images, and the versions that fix them",
    .run = scan_run,
    .usage = scan_usage,
};
