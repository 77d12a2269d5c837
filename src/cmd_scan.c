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
#include <unistd.h>

#include "array.h"
#include "blame.h"
#include "cli.h"
#include "fsutil.h"
#include "image_args.h"
#include "image_scan.h"
#include "kmend_limits.h"
#include "report.h"
#include "safetext.h"
#include "scan_args.h"
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
	    "%s"
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
	    cli_scan_options_help, cli_image_options_help);
}

/* One image's answer, computed once however many containers run it. */
struct image_result {
	char *ref;
	struct kmend_image_scan scan;
	bool blamed; /* blame was asked for and told */
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
	if (kmend_image_scan(ref, &st->ia->opts, st->ia->opts.cache_dir, st->db, &res->scan,
	                     st->blame ? &img : NULL) < 0) {
		worse(st, cli_report("scan", &res->scan.error));
		return res;
	}
	if (st->blame) {
		if (kmend_blame_image(img, st->base, &st->ia->opts, &res->blame, &res->scan.error) <
		    0) {
			res->scan.failed = true;
			worse(st, cli_report("scan", &res->scan.error));
		} else {
			res->blamed = true;
			kmend_warnings_add_all(&res->scan.warnings, &res->blame.warnings);
		}
		kmend_image_close(img);
	}
	for (size_t i = 0; i < res->scan.warnings.count; i++)
		warn(st, res->scan.name, res->scan.warnings.items[i].message);
	return res;
}

/* Report one container (or a bare image: c NULL) of target. */
static void scan_one(struct scan_state *st, const char *target, const struct kmend_container_ref *c,
                     const char *image)
{
	struct image_result *found = scan_image(st, image);
	const struct kmend_image_scan *img = found ? &found->scan : NULL;
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
		res.blame = found->blamed ? &found->blame : NULL;
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
	const char *format, *output, *base;
	bool blame;
};

static int parse_options(int argc, char **argv, struct scan_options *o, struct cli_scan_args *sa,
                         struct cli_image_args *ia)
{
	static const struct option options[] = {
	    {"format", required_argument, NULL, 'f'},
	    {"output", required_argument, NULL, 'o'},
	    {"blame", no_argument, NULL, 'B'},
	    {"base", required_argument, NULL, 'b'},
	    {"help", no_argument, NULL, 'h'},
	    CLI_SCAN_OPTIONS,
	    CLI_IMAGE_OPTIONS,
	    {NULL, 0, NULL, 0},
	};
	int c, r;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "f:o:qh", options, NULL)) != -1) {
		if ((r = cli_image_args_take(ia, "scan", c, optarg)) != 0 ||
		    (r = cli_scan_args_take(sa, "scan", c, optarg)) != 0) {
			if (r < 0)
				return -r;
			continue;
		}
		switch (c) {
		case 'f': o->format = optarg; break;
		case 'o': o->output = optarg; break;
		case 'B': o->blame = true; break;
		case 'b':
			o->base = optarg;
			o->blame = true;
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

static int scan_run(int argc, char **argv)
{
	struct scan_options o = {.format = "table"};
	struct kmend_report_options ro = {.tool_version = KMEND_VERSION_STRING};
	struct kmend_atomic_file af = {0};
	struct cli_scan_args sa;
	struct cli_image_args ia;
	struct kmend_vulndb *db;
	struct kmend_error err;
	struct scan_state st;
	int r, code;

	cli_image_args_init(&ia);
	cli_scan_args_init(&sa);
	if ((r = parse_options(argc, argv, &o, &sa, &ia)) != 0)
		return r < 0 ? KMEND_EXIT_OK : r;
	cli_image_args_finish(&ia);
	if ((r = cli_scan_args_finish(&sa, "scan", &db)) != 0) {
		cli_scan_args_free(&sa);
		return r;
	}
	ro.format = o.format;
	ro.out = stdout;
	ro.out_name = "standard output";
	ro.filter = &sa.filter;
	ro.color = want_color(o.format, o.output);
	ro.timestamp = sa.filter.now;
	if (o.output) {
		if (kmend_atomic_begin(&af, o.output, new_file_mode(), &err) < 0) {
			kmend_vulndb_close(db);
			cli_scan_args_free(&sa);
			return cli_report("scan", &err);
		}
		ro.out = af.f;
		ro.out_name = o.output;
	}
	st = (struct scan_state){.ia = &ia, .db = db, .quiet = sa.quiet, .blame = o.blame};
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
		code = sa.exit_code;
	kmend_report_free(st.report);
	for (size_t i = 0; i < st.nimages; i++) {
		free(st.images[i].ref);
		kmend_image_scan_free(&st.images[i].scan);
		kmend_blame_free(&st.images[i].blame);
	}
	kmend_image_close(st.base);
	free(st.images);
	kmend_vulndb_close(db);
	cli_scan_args_free(&sa);
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
