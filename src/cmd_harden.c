/* kmend harden: the image-hardening workflow as a plan, and with --build carried out. */
#include <errno.h>
#include <libgen.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "fsutil.h"
#include "harden.h"
#include "harden_build.h"
#include "harden_report.h"
#include "image_args.h"
#include "vulndb.h"

/* Largest Dockerfile and mirror key read. */
#define DOCKERFILE_MAX (1024 * 1024)
#define MIRROR_KEY_MAX (1024 * 1024)
#define MAX_REFS       256

static void harden_usage(void)
{
	printf(
	    "Usage: kmend harden [OPTIONS] IMAGE\n"
	    "\n"
	    "Plan how to rid IMAGE of its vulnerable packages, following the image-hardening\n"
	    "workflow: blame each finding on the base or the application layers; a newer\n"
	    "release of the image on the same line; a newer base; a rebuild that upgrades the\n"
	    "vulnerable packages; a patched image. Each step says what it fixes and what\n"
	    "remains, and kmend recommends one. With --build, the Dockerfiles are built and\n"
	    "rescanned until the target is met (docs/harden.md).\n"
	    "\n"
	    "Options:\n"
	    "  --target TARGET            critical, high (critical and high), medium, or\n"
	    "                             fixable (every finding with a fix); default: high\n"
	    "  --candidates REF[,REF...]  newer-image: consider these images rather than the\n"
	    "                             repository's tags (repeatable)\n"
	    "  --base REF                 the image IMAGE was built on\n"
	    "  --base-candidates REF[,REF...]  newer-base: consider these bases (repeatable)\n"
	    "  --dockerfile FILE          IMAGE's Dockerfile: the rebuild is a patch to it\n"
	    "  --strategy LIST            only these, comma-separated: newer-image, newer-base,\n"
	    "                             rebuild, patch\n"
	    "  --other-distro             newer-base may take a base of another distribution\n"
	    "  --mirror URL               the rebuild installs packages from this repository\n"
	    "                             (apt: its CODENAME-security suite) instead of the\n"
	    "                             image's\n"
	    "  --mirror-key FILE          the mirror's signing key (OpenPGP)\n"
	    "  --allow-unsigned           trust a mirror without a key\n"
	    "  --build                    build the Dockerfiles (podman build or buildah from\n"
	    "                             PATH), rescan, repeat until the target is met\n"
	    "  --to REF                   --build: the name the built image gets; without\n"
	    "                             --build, where the patch strategy writes the patched\n"
	    "                             image (REGISTRY/REPO:TAG or oci:DIR[:TAG])\n"
	    "  -f, --format FORMAT        table or json (default: table)\n"
	    "  -o, --output FILE          write the plan to FILE (atomically)\n"
	    "  --db PATH                  the vulnerability store\n"
	    "  -h, --help                 show this help\n"
	    "%s",
	    cli_image_options_help);
}

struct harden_cli {
	const char *format, *output, *dockerfile, *mirror_key_file, *to;
	char dbpath[4096];
	const char *candidates[MAX_REFS + 1], *base_candidates[MAX_REFS + 1];
	size_t ncandidates, nbase_candidates;
	bool build;
	char *split[2 * MAX_REFS]; /* the copies the comma lists were split into */
	size_t nsplit;
};

/* Append each comma-separated ref of arg to list. */
static int add_refs(struct harden_cli *c, const char *arg, const char **list, size_t *n,
                    const char *option)
{
	char *copy, *save = NULL;

	if (c->nsplit == sizeof(c->split) / sizeof(c->split[0]) || !(copy = strdup(arg)))
		return cli_usage_error("harden", "too many %s", option);
	c->split[c->nsplit++] = copy;
	for (char *ref = strtok_r(copy, ",", &save); ref; ref = strtok_r(NULL, ",", &save)) {
		if (*n == MAX_REFS)
			return cli_usage_error("harden", "more than %d %s", MAX_REFS, option);
		list[(*n)++] = ref;
	}
	return 0;
}

static int parse_strategies(const char *arg, unsigned *mask)
{
	char *copy = strdup(arg), *save = NULL;
	int r = 0;

	if (!copy)
		return KMEND_EXIT_FAILURE;
	for (char *w = strtok_r(copy, ",", &save); w && r == 0; w = strtok_r(NULL, ",", &save)) {
		int s = kmend_harden_strategy_parse(w);
		if (s < 0)
			r = cli_usage_error("harden",
			                    "unknown strategy '%s'; use newer-image, newer-base, "
			                    "rebuild or patch",
			                    w);
		else
			*mask |= 1u << s;
	}
	free(copy);
	return r;
}

static int parse_options(int argc, char **argv, struct harden_cli *c,
                         struct kmend_harden_options *o, struct cli_image_args *ia)
{
	static const struct option options[] = {
	    {"format", required_argument, NULL, 'f'},
	    {"output", required_argument, NULL, 'o'},
	    {"db", required_argument, NULL, 'd'},
	    {"target", required_argument, NULL, 't'},
	    {"candidates", required_argument, NULL, 'c'},
	    {"base", required_argument, NULL, 'b'},
	    {"base-candidates", required_argument, NULL, 'C'},
	    {"dockerfile", required_argument, NULL, 'D'},
	    {"strategy", required_argument, NULL, 's'},
	    {"other-distro", no_argument, NULL, 'O'},
	    {"mirror", required_argument, NULL, 'm'},
	    {"mirror-key", required_argument, NULL, 'k'},
	    {"allow-unsigned", no_argument, NULL, 'u'},
	    {"build", no_argument, NULL, 'B'},
	    {"to", required_argument, NULL, 'T'},
	    {"help", no_argument, NULL, 'h'},
	    CLI_IMAGE_OPTIONS,
	    {NULL, 0, NULL, 0},
	};
	int ch, r, t;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "f:o:h", options, NULL)) != -1) {
		if ((r = cli_image_args_take(ia, "harden", ch, optarg)) != 0) {
			if (r < 0)
				return -r;
			continue;
		}
		r = 0;
		switch (ch) {
		case 'f': c->format = optarg; break;
		case 'o': c->output = optarg; break;
		case 'd': snprintf(c->dbpath, sizeof(c->dbpath), "%s", optarg); break;
		case 't':
			if ((t = kmend_harden_target_parse(optarg)) < 0)
				return cli_usage_error(
				    "harden",
				    "unknown target '%s'; use critical, high, medium "
				    "or fixable",
				    optarg);
			o->target = (enum kmend_harden_target)t;
			break;
		case 'c':
			r = add_refs(c, optarg, c->candidates, &c->ncandidates, "--candidates");
			break;
		case 'C':
			r = add_refs(c, optarg, c->base_candidates, &c->nbase_candidates,
			             "--base-candidates");
			break;
		case 'b': o->base = optarg; break;
		case 'D': c->dockerfile = optarg; break;
		case 's': r = parse_strategies(optarg, &o->strategies); break;
		case 'O': o->other_distro = true; break;
		case 'm': o->mirror = optarg; break;
		case 'k': c->mirror_key_file = optarg; break;
		case 'u': o->allow_unsigned = true; break;
		case 'B': c->build = true; break;
		case 'T': c->to = optarg; break;
		case 'h': harden_usage(); return -1;
		default: return cli_unknown_option("harden", argc, argv);
		}
		if (r)
			return r;
	}
	if (!kmend_harden_format_known(c->format))
		return cli_usage_error("harden", "unknown format '%s'; use %s", c->format,
		                       kmend_harden_format_list);
	if (optind == argc)
		return cli_usage_error("harden", "expected the image to harden");
	if (optind + 1 < argc)
		return cli_extra_arguments("harden", argv[optind + 1]);
	/* Without --build, --to is where the patch strategy writes the image it makes itself. */
	if (c->to && !c->build && o->strategies && !(o->strategies & (1u << KMEND_STRATEGY_PATCH)))
		return cli_usage_error("harden", "--to names what --build or the patch strategy "
		                                 "makes: add --build, or --strategy patch");
	if (c->to && !c->build)
		o->patch_to = c->to;
	if (c->mirror_key_file && !o->mirror)
		return cli_usage_error("harden", "--mirror-key without --mirror");
	if (o->mirror && !c->mirror_key_file && !o->allow_unsigned)
		return cli_usage_error("harden", "--mirror needs --mirror-key FILE, or "
		                                 "--allow-unsigned to trust it without one");
	if (c->ncandidates)
		o->candidates = c->candidates;
	if (c->nbase_candidates)
		o->base_candidates = c->base_candidates;
	o->image = argv[optind];
	return 0;
}

static mode_t new_file_mode(void)
{
	mode_t mask = umask(0);

	umask(mask);
	return 0666 & ~mask;
}

static int harden_run(int argc, char **argv)
{
	struct harden_cli c = {.format = "table"};
	struct kmend_harden_options o = {.target = KMEND_TARGET_HIGH};
	struct kmend_harden_dockerfile df = {0};
	struct kmend_harden_plan plan = {0};
	struct kmend_harden_build build = {0};
	struct kmend_atomic_file af = {0};
	struct cli_image_args ia;
	struct kmend_vulndb *db = NULL;
	struct kmend_error err;
	char *df_text = NULL, *key = NULL;
	size_t len;
	FILE *out = stdout;
	int r, code = KMEND_EXIT_OK;

	cli_image_args_init(&ia);
	if ((r = parse_options(argc, argv, &c, &o, &ia)) != 0) {
		code = r < 0 ? KMEND_EXIT_OK : r;
		goto done;
	}
	cli_image_args_finish(&ia);
	o.image_opts = &ia.opts;
	if (c.dockerfile) {
		if (kmend_read_file(c.dockerfile, DOCKERFILE_MAX, &df_text, &len, &err) < 0) {
			code = cli_report("harden", &err);
			goto done;
		}
		df = (struct kmend_harden_dockerfile){
		    .name = c.dockerfile, .text = df_text, .len = len};
		o.dockerfile = &df;
	}
	if (c.mirror_key_file) {
		if (kmend_read_file(c.mirror_key_file, MIRROR_KEY_MAX, &key, &len, &err) < 0) {
			code = cli_report("harden", &err);
			goto done;
		}
		o.mirror_key = key;
		o.mirror_key_len = len;
		o.mirror_key_file = c.mirror_key_file;
	}
	if (!c.dbpath[0] && kmend_vulndb_default_path(c.dbpath, sizeof(c.dbpath)) < 0) {
		code =
		    cli_usage_error("harden", "no cache directory: set XDG_CACHE_HOME or use --db");
		goto done;
	}
	if (kmend_vulndb_open(c.dbpath, false, &db, &err) < 0) {
		code = cli_report("harden", &err);
		goto done;
	}
	o.db = db;
	if (kmend_harden_plan_build(&o, &plan, &err) < 0) {
		code = cli_report("harden", &err);
		goto done;
	}
	if (c.build) {
		struct kmend_harden_build_options bo = {.to = c.to};
		const char *builder = kmend_harden_find_builder();
		char ctxdir[4096];
		/* The patch strategy makes its image itself: only it may go without a builder. */
		if (!builder && o.strategies != (1u << KMEND_STRATEGY_PATCH)) {
			fprintf(stderr, "kmend harden: --build needs podman or buildah on PATH (or "
			                "--strategy patch, which needs neither)\n");
			code = KMEND_EXIT_FAILURE;
			goto done;
		}
		if (c.dockerfile) {
			snprintf(ctxdir, sizeof(ctxdir), "%s", c.dockerfile);
			bo.context = dirname(ctxdir);
		}
		if (kmend_harden_build_run(&o, &plan, builder, &bo, &build, &err) < 0) {
			code = cli_report("harden", &err);
			goto done;
		}
	}
	if (c.output) {
		if (kmend_atomic_begin(&af, c.output, new_file_mode(), &err) < 0) {
			code = cli_report("harden", &err);
			goto done;
		}
		out = af.f;
	}
	if (kmend_harden_write(&plan, c.build ? &build : NULL, c.format, out,
	                       c.output ? c.output : "standard output", &err) < 0) {
		if (c.output)
			kmend_atomic_abort(&af);
		code = cli_report("harden", &err);
		goto done;
	}
	if (c.output && kmend_atomic_commit(&af, &err) < 0)
		code = cli_report("harden", &err);
done:
	kmend_harden_plan_free(&plan);
	kmend_harden_build_free(&build);
	kmend_vulndb_close(db);
	free(df_text);
	free(key);
	for (size_t i = 0; i < c.nsplit; i++)
		free(c.split[i]);
	return code;
}

const struct cli_command cli_harden = {
    .name = "harden",
    .summary = "plan an image's repair: newer image or base, rebuild (--build)",
    .run = harden_run,
    .usage = harden_usage,
};
