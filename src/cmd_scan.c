/* kmend scan: which installed packages of an image are vulnerable, and which version fixes them. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "cli.h"
#include "image_args.h"
#include "inventory.h"
#include "match.h"
#include "vulndb.h"

static const char *const severities[] = {"critical", "high",       "medium",
                                         "low",      "negligible", "unknown"};
#define NSEVERITIES (sizeof(severities) / sizeof(severities[0]))

static void scan_usage(void)
{
	printf(
	    "Usage: kmend scan [OPTIONS] IMAGE...\n"
	    "\n"
	    "Find the installed OS packages of each image that published advisories say are\n"
	    "vulnerable, with the version that fixes them. Advisories come from the local\n"
	    "store ('kmend db import'). IMAGE is as for 'kmend inventory'.\n"
	    "\n"
	    "Options:\n"
	    "  --format table|json   output format (default: table)\n"
	    "  --db PATH             the vulnerability store (default: "
	    "$XDG_CACHE_HOME/kmend/vuln.db)\n"
	    "  --severity LIST       only these severities (comma-separated: critical, high,\n"
	    "                        medium, low, negligible, unknown)\n"
	    "  --ignore-unfixed      leave out vulnerabilities with no fix published\n"
	    "  --exit-code N         exit with N when findings remain (default: 0)\n"
	    "  -h, --help            show this help\n"
	    "%s"
	    "\n"
	    "JSON: {\"results\": [{\"target\", \"workload\", \"container\", \"image\", "
	    "\"digest\",\n"
	    "\"os\", \"findings\": [{\"id\", \"aliases\", \"package\", \"source\", \"installed\",\n"
	    "\"fixed\", \"severity\", \"data_source\"}]}]} (docs/scan.md).\n",
	    cli_image_options_help);
}

struct scan_filter {
	unsigned severity_mask; /* bit i: severities[i] is wanted */
	int ignore_unfixed;
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
	return (f->severity_mask & (1u << severity_index(x->severity))) &&
	       !(f->ignore_unfixed && !x->fixed);
}

static json_t *str_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

static json_t *result_json(const char *target, const struct kmend_image *img,
                           const struct kmend_inventory *inv, const struct kmend_findings *fs,
                           const struct scan_filter *f)
{
	json_t *r = json_object(), *list = json_array(), *aliases;

	json_object_set_new(r, "target", json_string(target));
	json_object_set_new(r, "workload", json_null());
	json_object_set_new(r, "container", json_null());
	json_object_set_new(r, "image", json_string(img->name));
	json_object_set_new(r, "digest", str_or_null(img->digest));
	json_object_set_new(r, "os",
	                    inv->os_found ? json_pack("{s:s, s:s}", "id", inv->os.id, "version_id",
	                                              inv->os.version_id)
	                                  : json_null());
	for (size_t i = 0; i < fs->count; i++) {
		const struct kmend_finding *x = &fs->items[i];
		char buf[1024], *save = NULL;

		if (!wanted(f, x))
			continue;
		aliases = json_array();
		snprintf(buf, sizeof(buf), "%s", x->aliases ? x->aliases : "");
		for (char *w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save))
			json_array_append_new(aliases, json_string(w));
		json_array_append_new(
		    list, json_pack("{s:s, s:o, s:s, s:s, s:s, s:o, s:s, s:s}", "id", x->id,
		                    "aliases", aliases, "package", x->package, "source", x->source,
		                    "installed", x->installed, "fixed", str_or_null(x->fixed),
		                    "severity", x->severity, "data_source", x->data_source));
	}
	json_object_set_new(r, "findings", list);
	return r;
}

static void result_table(const char *target, const struct kmend_image *img,
                         const struct kmend_inventory *inv, const struct kmend_findings *fs,
                         const struct scan_filter *f)
{
	size_t counts[NSEVERITIES] = {0}, total = 0;

	printf("%s (%s, %s)\n", target, img->name,
	       inv->os_found ? (inv->os.pretty_name[0] ? inv->os.pretty_name : inv->os.id)
	                     : "OS not detected");
	for (size_t i = 0; i < fs->count; i++)
		if (wanted(f, &fs->items[i])) {
			counts[severity_index(fs->items[i].severity)]++;
			total++;
		}
	printf("Total: %zu (", total);
	for (size_t i = 0; i < NSEVERITIES; i++)
		printf("%s%s: %zu", i ? ", " : "", severities[i], counts[i]);
	printf(")\n");
	if (!total) {
		printf("\n");
		return;
	}
	printf("\n%-28s %-20s %-10s %-28s %s\n", "PACKAGE", "VULNERABILITY", "SEVERITY",
	       "INSTALLED", "FIXED");
	for (size_t i = 0; i < fs->count; i++) {
		const struct kmend_finding *x = &fs->items[i];
		if (wanted(f, x))
			printf("%-28s %-20s %-10s %-28s %s\n", x->package, x->id, x->severity,
			       x->installed, x->fixed ? x->fixed : "(no fix yet)");
	}
	printf("\n");
}

/* Scan one image; adds its findings count (after filters) to *found. */
static int scan_image(const char *target, struct cli_image_args *ia, struct kmend_vulndb *db,
                      const struct scan_filter *f, json_t *results, size_t *found)
{
	struct kmend_image *img;
	struct kmend_inventory inv;
	struct kmend_findings fs;
	struct kmend_error err;
	int r;

	if ((r = kmend_image_open(target, &ia->opts, &img, &err)) < 0)
		return cli_report("scan", &err);
	if ((r = kmend_inventory_build(img, ia->opts.cache_dir, &inv, &err)) < 0 ||
	    (r = kmend_match(db, &inv, &fs, &err)) < 0) {
		kmend_inventory_free(&inv);
		kmend_image_close(img);
		return cli_report("scan", &err);
	}
	if (!inv.os_found)
		fprintf(stderr, "kmend scan: warning: %s: OS not detected, nothing to match\n",
		        img->name);
	for (size_t i = 0; i < fs.count; i++)
		*found += (size_t)wanted(f, &fs.items[i]);
	if (results)
		json_array_append_new(results, result_json(target, img, &inv, &fs, f));
	else
		result_table(target, img, &inv, &fs, f);
	kmend_findings_free(&fs);
	kmend_inventory_free(&inv);
	kmend_image_close(img);
	return KMEND_EXIT_OK;
}

/* Kubernetes manifests come with the next part of scan: say so rather than misread them. */
static int is_manifest_file(const char *target)
{
	struct stat sb;
	size_t n = strlen(target);

	return stat(target, &sb) == 0 &&
	       (S_ISDIR(sb.st_mode) ||
	        (n > 5 && (!strcmp(target + n - 5, ".yaml") || !strcmp(target + n - 4, ".yml"))));
}

static int scan_run(int argc, char **argv)
{
	static const struct option options[] = {
	    {"format", required_argument, NULL, 'f'},
	    {"db", required_argument, NULL, 'd'},
	    {"severity", required_argument, NULL, 's'},
	    {"ignore-unfixed", no_argument, NULL, 'u'},
	    {"exit-code", required_argument, NULL, 'x'},
	    {"help", no_argument, NULL, 'h'},
	    CLI_IMAGE_OPTIONS,
	    {NULL, 0, NULL, 0},
	};
	struct scan_filter filter = {.severity_mask = (1u << NSEVERITIES) - 1};
	const char *format = "table";
	char dbpath[4096] = "";
	struct cli_image_args ia;
	struct kmend_vulndb *db;
	struct kmend_error err;
	json_t *results = NULL;
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
		case 'x': exit_code = atoi(optarg); break;
		case 'h': scan_usage(); return KMEND_EXIT_OK;
		default:
			return cli_usage_error("scan", "unknown option or missing value in '%s'",
			                       argv[optind - 1]);
		}
	}
	if (strcmp(format, "table") && strcmp(format, "json"))
		return cli_usage_error("scan", "unknown format '%s'; use table or json", format);
	if (optind == argc)
		return cli_usage_error("scan", "expected one or more images");
	for (int i = optind; i < argc; i++)
		if (is_manifest_file(argv[i]))
			return cli_usage_error(
			    "scan",
			    "'%s' looks like Kubernetes manifests; scanning those "
			    "is not built yet, pass image references",
			    argv[i]);
	cli_image_args_finish(&ia);
	if (!dbpath[0] && kmend_vulndb_default_path(dbpath, sizeof(dbpath)) < 0)
		return cli_usage_error("scan",
		                       "no cache directory: set XDG_CACHE_HOME or use --db");
	if (kmend_vulndb_open(dbpath, false, &db, &err) < 0)
		return cli_report("scan", &err);
	if (!strcmp(format, "json"))
		results = json_array();
	for (int i = optind; i < argc; i++) {
		r = scan_image(argv[i], &ia, db, &filter, results, &found);
		if (r > worst)
			worst = r;
	}
	kmend_vulndb_close(db);
	if (results) {
		json_t *doc = json_pack("{s:o}", "results", results);
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
