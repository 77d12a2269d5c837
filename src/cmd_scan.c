/* kmend scan: which installed packages of an image are vulnerable, and which version fixes them. */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "array.h"
#include "blame.h"
#include "cli.h"
#include "feed.h"
#include "distro.h"
#include "fsutil.h"
#include "ignore.h"
#include "image_args.h"
#include "inventory.h"
#include "kmend_limits.h"
#include "match.h"
#include "report.h"
#include "safetext.h"
#include "stream.h"
#include "vulndb.h"
#include "walk.h"
#include "workload.h"

static void scan_usage(void)
{
	printf(
	    "Usage: kmend scan [OPTIONS] TARGET...\n"
	    "\n"
	    "Find the installed OS packages that published advisories say are vulnerable,\n"
	    "with the version that fixes them. Advisories come from the local store ('kmend\n"
	    "db import' or 'kmend db update'). A TARGET is a Kubernetes manifest file (YAML\n"
	    "with any number of documents, or JSON; every workload kind and List), a\n"
	    "directory of them, '-' for manifests on standard input, a directory holding an\n"
	    "OCI image layout, or an image reference as for 'kmend inventory'. Each image is\n"
	    "read once however many containers run it.\n"
	    "\n"
	    "Options:\n"
	    "  -f, --format FORMAT        table, json, sarif or cyclonedx (default: table)\n"
	    "  -o, --output FILE          write the report to FILE (atomically) instead of\n"
	    "                             standard output\n"
	    "  -q, --quiet                no warnings or notes on standard error, only errors\n"
	    "  --db PATH                  the vulnerability store (default:\n"
	    "                             $XDG_CACHE_HOME/kmend/vuln.db)\n"
	    "  --severity LIST            only these severities, comma-separated, any case:\n"
	    "                             critical, high, medium, low, negligible, unknown\n"
	    "  --ignore-unfixed           leave out vulnerabilities with no fix published\n"
	    "  --ignore-status LIST       leave out findings whose feed status is one of LIST\n"
	    "                             (comma-separated: no-dsa, postponed, end-of-life...)\n"
	    "  --ignore-file FILE         accepted risks: YAML 'ignore: [{id, package, expires,\n"
	    "                             reason}]' (docs/scan.md); expired entries stop applying\n"
	    "  --exit-code N              exit with N (0-255) when findings remain (default: 0)\n"
	    "  --blame                    name the layer that installed each vulnerable package\n"
	    "                             version and whether it is the base's or the\n"
	    "                             application's (told by --base, the base annotations or\n"
	    "                             the image's history: docs/harden.md)\n"
	    "  --base REF                 the image the scanned images were built on (implies\n"
	    "                             --blame): its layers must be their first layers\n"
	    "  -h, --help                 show this help\n"
	    "%s"
	    "\n"
	    "Colour: the table is coloured on a terminal unless NO_COLOR is set.\n"
	    "JSON: {\"results\": [{\"target\", \"workload\", \"container\", \"image\", "
	    "\"digest\",\n"
	    "\"os\", \"ecosystem\", \"findings\": [{\"id\", \"aliases\", \"package\", \"source\",\n"
	    "\"installed\", \"source_version\", \"fixed\", \"fixed_in\", \"status\", "
	    "\"severity\",\n"
	    "\"title\", \"link\", \"data_source\"}], \"ignored\", \"filtered\", \"error\",\n"
	    "\"warnings\"}], \"summary\"} (docs/scan.md).\n",
	    cli_image_options_help);
}

/* One image's answer, computed once however many containers run it. */
struct image_result {
	char *ref;
	bool failed; /* the image could not be read: error says why */
	struct kmend_error error;
	char name[4600], digest[KMEND_DIGEST_MAX], ecosystem[128];
	struct kmend_inventory inv;
	struct kmend_findings findings;
	struct kmend_warnings warnings; /* the inventory's and the matcher's */
	bool blamed;                    /* blame was asked for and told */
	struct kmend_blame blame;
};

struct scan_state {
	struct cli_image_args *ia;
	struct kmend_vulndb *db;
	struct kmend_report *report;
	bool quiet;
	bool blame;               /* --blame */
	struct kmend_image *base; /* --base, NULL when not given */
	struct image_result *images;
	size_t nimages, cap;
	size_t containers;  /* of the current target */
	size_t errors;      /* errors reported so far */
	bool report_failed; /* the report could not be written completely */
	int worst;          /* the worst exit code so far */
};

static void worse(struct scan_state *st, int code)
{
	if (code != KMEND_EXIT_OK)
		st->errors++;
	if (code > st->worst)
		st->worst = code;
}

static void warn(const struct scan_state *st, const char *what, const char *message)
{
	char a[2048], b[4096];

	if (!st->quiet)
		fprintf(stderr, "kmend scan: warning: %s: %s\n",
		        kmend_text_for_terminal(what, a, sizeof(a)),
		        kmend_text_for_terminal(message, b, sizeof(b)));
}

static struct image_result *scan_image(struct scan_state *st, const char *ref)
{
	struct image_result *res;
	struct kmend_image *img;
	struct kmend_error *err;

	for (size_t i = 0; i < st->nimages; i++)
		if (!strcmp(st->images[i].ref, ref))
			return &st->images[i];
	if (kmend_array_grow(&st->images, &st->cap, st->nimages, sizeof(*st->images)) < 0)
		return NULL;
	res = &st->images[st->nimages];
	memset(res, 0, sizeof(*res));
	if (!(res->ref = strdup(ref)))
		return NULL;
	st->nimages++;
	err = &res->error;
	snprintf(res->name, sizeof(res->name), "%s", ref);
	if (kmend_image_open(ref, &st->ia->opts, &img, err) < 0) {
		res->failed = true;
		worse(st, cli_report("scan", err));
		return res;
	}
	snprintf(res->name, sizeof(res->name), "%s", img->name);
	snprintf(res->digest, sizeof(res->digest), "%s", img->digest);
	if (kmend_inventory_build(img, st->ia->opts.cache_dir, &res->inv, err) < 0 ||
	    kmend_match(st->db, &res->inv, &res->findings, err) < 0) {
		res->failed = true;
		worse(st, cli_report("scan", err));
	} else {
		if (!res->inv.os_found)
			kmend_warn(
			    &res->warnings, "no-os",
			    "OS not detected (no os-release or release file): nothing to match");
		else if (kmend_distro_ecosystem(&res->inv.os, NULL, res->ecosystem,
		                                sizeof(res->ecosystem)) < 0)
			res->ecosystem[0] = '\0';
		kmend_warnings_add_all(&res->warnings, &res->inv.warnings);
		kmend_warnings_add_all(&res->warnings, &res->findings.warnings);
		if (st->blame) {
			if (kmend_blame_image(img, st->base, &st->ia->opts, &res->blame, err) < 0) {
				res->failed = true;
				worse(st, cli_report("scan", err));
			} else {
				res->blamed = true;
				kmend_warnings_add_all(&res->warnings, &res->blame.warnings);
			}
		}
		for (size_t i = 0; i < res->warnings.count; i++)
			warn(st, res->name, res->warnings.items[i].message);
	}
	kmend_image_close(img);
	return res;
}

/* Report one container (or a bare image: c NULL) of target. */
static void scan_one(struct scan_state *st, const char *target, const struct kmend_container_ref *c,
                     const char *image)
{
	struct image_result *img = scan_image(st, image);
	struct kmend_report_result res = {.target = target, .container = c, .image = image};
	struct kmend_error err;

	if (!img) {
		worse(st, KMEND_EXIT_FAILURE);
		fprintf(stderr, "kmend scan: out of memory\n");
		return;
	}
	res.image = img->name;
	if (img->failed) {
		res.error = &img->error;
	} else {
		res.digest = img->digest;
		res.os = img->inv.os_found ? &img->inv.os : NULL;
		res.ecosystem = img->ecosystem[0] ? img->ecosystem : NULL;
		res.ecosystem_note =
		    img->findings.ecosystem_note[0] ? img->findings.ecosystem_note : NULL;
		res.packages = &img->inv.packages;
		res.findings = img->findings.items;
		res.nfindings = img->findings.count;
		res.warnings = &img->warnings;
		res.blame = img->blamed ? &img->blame : NULL;
	}
	if (kmend_report_add(st->report, &res, &err) < 0) {
		st->report_failed = true;
		worse(st, cli_report("scan", &err));
	}
}

/* A manifest names registry images: a local path is an error entry unless the user allows. */
static bool refused_local(struct scan_state *st, const char *target,
                          const struct kmend_container_ref *c)
{
	struct kmend_report_result res = {.target = target, .container = c, .image = c->image};
	struct kmend_error err, report_err;
	char where[4096];

	snprintf(where, sizeof(where), "%s: %s/%s container %s", target, c->kind, c->name,
	         c->container);
	if (st->ia->allow_local_images ||
	    kmend_image_ref_require_registry(c->image, where, &err) == 0)
		return false;
	worse(st, cli_report("scan", &err));
	res.error = &err;
	if (kmend_report_add(st->report, &res, &report_err) < 0) {
		st->report_failed = true;
		worse(st, cli_report("scan", &report_err));
	}
	return true;
}

static void scan_containers(struct scan_state *st, const char *target,
                            const struct kmend_container_list *list)
{
	for (size_t i = 0; i < list->count; i++)
		if (!refused_local(st, target, &list->items[i]))
			scan_one(st, target, &list->items[i], list->items[i].image);
	st->containers += list->count;
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n > m && !strcasecmp(s + n - m, suffix);
}

static bool is_manifest_name(const char *s)
{
	return has_suffix(s, ".yaml") || has_suffix(s, ".yml") || has_suffix(s, ".json");
}

static bool is_archive_name(const char *s)
{
	return has_suffix(s, ".tar") || has_suffix(s, ".tar.gz") || has_suffix(s, ".tgz");
}

/*
 * A target that names a file rather than an image: it has a path's shape, or a file's
 * extension. Such a target is never sent to a registry (a typo in a manifest's name must not
 * become a request to Docker Hub).
 */
static bool looks_like_path(const char *s)
{
	static const char *const extensions[] = {".yaml", ".yml", ".json", ".tar", ".tgz",
	                                         ".gz",   ".zip", ".txt",  ".zst"};

	if (s[0] == '/' || s[0] == '~' || !strncmp(s, "./", 2) || !strncmp(s, "../", 3) ||
	    !strcmp(s, ".") || !strcmp(s, "..") || strchr(s, '\\'))
		return true;
	for (size_t i = 0; i < sizeof(extensions) / sizeof(extensions[0]); i++)
		if (has_suffix(s, extensions[i]))
			return true;
	return false;
}

/* Image references with an explicit transport are the user's choice, whatever they look like. */
static bool has_transport(const char *s)
{
	return !strncmp(s, "docker://", 9) || !strncmp(s, "oci:", 4) ||
	       !strncmp(s, "oci-archive:", 12) || !strncmp(s, "docker-archive:", 15);
}

/* One manifest file: every container of it. */
static void scan_manifest_file(const char *path, void *p)
{
	struct scan_state *st = p;
	struct kmend_container_list list = {0};
	struct kmend_error err;

	if (kmend_workloads_from_file(path, &list, &err) < 0)
		worse(st, cli_report("scan", &err));
	scan_containers(st, path, &list);
	kmend_container_list_free(&list);
}

static void scan_stdin(struct scan_state *st)
{
	struct kmend_container_list list = {0};
	struct kmend_istream *in;
	struct kmend_error err;
	char *data = NULL;
	size_t len;
	int fd = dup(STDIN_FILENO), r;

	if (fd < 0) {
		fprintf(stderr, "kmend scan: standard input: %s\n", strerror(errno));
		worse(st, KMEND_EXIT_USAGE);
		return;
	}
	/* A pipe is read to its end, within the limit on a manifest file. */
	r = kmend_istream_open_fd(fd, "-", 0, UINT64_MAX, &in, &err);
	if (r == 0) {
		r = kmend_istream_slurp(in, KMEND_MANIFEST_FILE_MAX_SIZE, "-", &data, &len, &err);
		kmend_istream_close(in);
	}
	if (r < 0) {
		worse(st, cli_report("scan", &err));
		return;
	}
	if (kmend_workloads_from_memory(data, len, "-", &list, &err) < 0)
		worse(st, cli_report("scan", &err));
	free(data);
	scan_containers(st, "-", &list);
	kmend_container_list_free(&list);
}

static bool is_oci_layout(const char *dir)
{
	char a[8192], b[8192];
	struct stat sa, sb;

	snprintf(a, sizeof(a), "%s/index.json", dir);
	snprintf(b, sizeof(b), "%s/oci-layout", dir);
	return stat(a, &sa) == 0 && S_ISREG(sa.st_mode) && stat(b, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* What the target names, and scan it. */
static void scan_target(struct scan_state *st, const char *target)
{
	size_t errors = st->errors;
	struct stat sb;
	char ref[8192];

	st->containers = 0;
	if (!strcmp(target, "-")) {
		scan_stdin(st);
	} else if (has_transport(target)) {
		scan_one(st, target, NULL, target);
		return;
	} else if (stat(target, &sb) == 0) {
		if (S_ISDIR(sb.st_mode) && is_oci_layout(target)) {
			snprintf(ref, sizeof(ref), "oci:%s", target);
			if (!st->quiet)
				fprintf(stderr,
				        "kmend scan: note: %s holds an OCI image layout: scanning "
				        "it as "
				        "the image %s\n",
				        target, ref);
			scan_one(st, target, NULL, ref);
			return;
		}
		if (S_ISREG(sb.st_mode) && is_archive_name(target)) {
			worse(st, cli_usage_error("scan",
			                          "%s is an archive: name it as oci-archive:%s or "
			                          "docker-archive:%s",
			                          target, target, target));
			return;
		}
		if (S_ISDIR(sb.st_mode))
			cli_walk(target, is_manifest_name, scan_manifest_file, st);
		else
			scan_manifest_file(target, st);
	} else if (looks_like_path(target)) {
		fprintf(stderr, "kmend scan: %s: no such file\n", target);
		worse(st, KMEND_EXIT_USAGE);
		return;
	} else {
		scan_one(st, target, NULL, target);
		return;
	}
	if (st->containers == 0 && st->errors == errors) {
		fprintf(stderr, "kmend scan: no workloads found in %s\n",
		        strcmp(target, "-") ? target : "standard input");
		worse(st, KMEND_EXIT_USAGE);
	}
}

/* The mode a new file gets from open(2): 0666 less the umask. */
static mode_t new_file_mode(void)
{
	mode_t mask = umask(0);

	umask(mask);
	return 0666 & ~mask;
}

static bool want_color(const char *format, const char *output)
{
	const char *no = getenv("NO_COLOR"), *term = getenv("TERM");

	return !strcmp(format, "table") && !output && isatty(STDOUT_FILENO) && !(no && *no) &&
	       !(term && !strcmp(term, "dumb"));
}

struct scan_options {
	const char *format, *output, *ignore_file, *base;
	bool blame;
	char dbpath[4096];
	struct kmend_report_filter filter;
	int exit_code;
	bool quiet;
};

/*
 * --ignore-status: every comma-separated word one of the feeds' statuses (any case, '_' or
 * ' ' for '-'), written into out in kmend's spelling ("no-dsa,will-not-fix").
 */
static int check_statuses(const char *list, char *out, size_t size)
{
	char buf[512], *save = NULL;
	size_t n = 0;

	snprintf(buf, sizeof(buf), "%s", list);
	out[0] = '\0';
	for (char *w = strtok_r(buf, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		const char *status = kmend_feed_status(w);
		if (!status)
			return -1;
		n += (size_t)snprintf(out + n, n < size ? size - n : 0, "%s%s", n ? "," : "",
		                      status);
	}
	return n && n < size ? 0 : -1;
}

/* "no-dsa, postponed, ...": the words --ignore-status takes. */
static const char *status_words(void)
{
	static char words[512];
	size_t n = 0;

	for (size_t i = 0; kmend_feed_statuses[i] && n < sizeof(words); i++)
		n += (size_t)snprintf(words + n, sizeof(words) - n, "%s%s", i ? ", " : "",
		                      kmend_feed_statuses[i]);
	return words;
}

static int parse_options(int argc, char **argv, struct scan_options *o, struct cli_image_args *ia)
{
	static const struct option options[] = {
	    {"format", required_argument, NULL, 'f'},
	    {"output", required_argument, NULL, 'o'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"db", required_argument, NULL, 'd'},
	    {"severity", required_argument, NULL, 's'},
	    {"ignore-unfixed", no_argument, NULL, 'u'},
	    {"ignore-status", required_argument, NULL, 'S'},
	    {"exit-code", required_argument, NULL, 'x'},
	    {"ignore-file", required_argument, NULL, 'i'},
	    {"blame", no_argument, NULL, 'B'},
	    {"base", required_argument, NULL, 'b'},
	    {"help", no_argument, NULL, 'h'},
	    CLI_IMAGE_OPTIONS,
	    {NULL, 0, NULL, 0},
	};
	static char statuses[512]; /* --ignore-status in kmend's spelling; lives as o does */
	struct kmend_error err;
	int c, r;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "f:o:qh", options, NULL)) != -1) {
		if ((r = cli_image_args_take(ia, "scan", c, optarg)) != 0) {
			if (r < 0)
				return -r;
			continue;
		}
		switch (c) {
		case 'f': o->format = optarg; break;
		case 'o': o->output = optarg; break;
		case 'q': o->quiet = true; break;
		case 'd': snprintf(o->dbpath, sizeof(o->dbpath), "%s", optarg); break;
		case 's':
			if (kmend_severity_parse_list(optarg, &o->filter.severities, &err) < 0)
				return cli_usage_error("scan", "bad --severity: %s", err.message);
			break;
		case 'u': o->filter.ignore_unfixed = true; break;
		case 'S':
			/* A misspelt status would hide nothing, silently: only the feeds' words. */
			if (check_statuses(optarg, statuses, sizeof(statuses)) < 0)
				return cli_usage_error(
				    "scan", "bad --ignore-status '%s': the statuses are %s", optarg,
				    status_words());
			o->filter.ignore_statuses = statuses;
			break;
		case 'i': o->ignore_file = optarg; break;
		case 'B': o->blame = true; break;
		case 'b':
			o->base = optarg;
			o->blame = true;
			break;
		case 'x':
			if (cli_parse_exit_code(optarg, &o->exit_code) < 0)
				return cli_usage_error(
				    "scan", "bad --exit-code '%s': give an integer from 0 to 255",
				    optarg);
			break;
		case 'h': scan_usage(); return -1;
		default: return cli_unknown_option("scan", argc, argv);
		}
	}
	if (!kmend_report_format_known(o->format))
		return cli_usage_error("scan", "unknown format '%s'; use %s", o->format,
		                       kmend_report_format_list);
	if (optind == argc)
		return cli_usage_error("scan", "expected one or more targets (images, manifests)");
	return 0;
}

/* Load the ignore file into ig and say which of its rules no longer apply. */
static int load_ignore(const struct scan_options *o, struct kmend_ignore *ig)
{
	struct kmend_error err;

	if (kmend_ignore_load(o->ignore_file, ig, &err) < 0)
		return cli_report("scan", &err);
	for (size_t i = 0; i < ig->count && !o->quiet; i++)
		if (ig->rules[i].expires && o->filter.now >= ig->rules[i].expires)
			fprintf(
			    stderr,
			    "kmend scan: warning: %s: the rule for %s expired on %s and no longer "
			    "applies\n",
			    o->ignore_file, ig->rules[i].id, ig->rules[i].expires_text);
	return 0;
}

static int scan_run(int argc, char **argv)
{
	struct scan_options o = {.format = "table", .filter.now = time(NULL)};
	struct kmend_report_options ro = {.tool_version = KMEND_VERSION_STRING};
	struct kmend_atomic_file af = {0};
	struct kmend_ignore ignore = {0};
	struct cli_image_args ia;
	struct kmend_vulndb *db;
	struct kmend_error err;
	struct scan_state st;
	int r, code;

	cli_image_args_init(&ia);
	if ((r = parse_options(argc, argv, &o, &ia)) != 0)
		return r < 0 ? KMEND_EXIT_OK : r;
	if (o.ignore_file) {
		if ((r = load_ignore(&o, &ignore)) != 0)
			return r;
		o.filter.ignore = &ignore;
	}
	cli_image_args_finish(&ia);
	if (!o.dbpath[0] && kmend_vulndb_default_path(o.dbpath, sizeof(o.dbpath)) < 0) {
		kmend_ignore_free(&ignore);
		return cli_usage_error("scan",
		                       "no cache directory: set XDG_CACHE_HOME or use --db");
	}
	if (kmend_vulndb_open(o.dbpath, false, &db, &err) < 0) {
		kmend_ignore_free(&ignore);
		return cli_report("scan", &err);
	}
	ro.format = o.format;
	ro.out = stdout;
	ro.out_name = "standard output";
	ro.filter = &o.filter;
	ro.color = want_color(o.format, o.output);
	ro.timestamp = o.filter.now;
	if (o.output) {
		if (kmend_atomic_begin(&af, o.output, new_file_mode(), &err) < 0) {
			kmend_vulndb_close(db);
			kmend_ignore_free(&ignore);
			return cli_report("scan", &err);
		}
		ro.out = af.f;
		ro.out_name = o.output;
	}
	st = (struct scan_state){.ia = &ia, .db = db, .quiet = o.quiet, .blame = o.blame};
	if (o.base && kmend_image_open(o.base, &ia.opts, &st.base, &err) < 0) {
		st.report_failed = true;
		worse(&st, cli_report("scan", &err));
	} else if (kmend_report_open(&ro, &st.report, &err) < 0) {
		st.report_failed = true;
		worse(&st, cli_report("scan", &err));
	} else {
		for (int i = optind; i < argc; i++)
			scan_target(&st, argv[i]);
		if (kmend_report_close(st.report, &err) < 0) {
			st.report_failed = true;
			worse(&st, cli_report("scan", &err));
		}
	}
	code = st.worst;
	if (code == KMEND_EXIT_OK && st.report && kmend_report_totals(st.report)->shown)
		code = o.exit_code;
	kmend_report_free(st.report);
	for (size_t i = 0; i < st.nimages; i++) {
		free(st.images[i].ref);
		kmend_findings_free(&st.images[i].findings);
		kmend_inventory_free(&st.images[i].inv);
		kmend_warnings_free(&st.images[i].warnings);
		kmend_blame_free(&st.images[i].blame);
	}
	kmend_image_close(st.base);
	free(st.images);
	kmend_vulndb_close(db);
	kmend_ignore_free(&ignore);
	if (o.output) {
		/* A report that could not be completed never replaces the file. */
		if (st.report_failed)
			kmend_atomic_abort(&af);
		else if (kmend_atomic_commit(&af, &err) < 0)
			return cli_report("scan", &err);
	} else if (fflush(stdout) != 0) {
		return KMEND_EXIT_FAILURE;
	}
	return code;
}

const struct cli_command cli_scan = {
    .name = "scan",
    .summary = "find the vulnerable OS packages of images, and the versions that fix them",
    .run = scan_run,
    .usage = scan_usage,
};
