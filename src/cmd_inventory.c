/* kmend inventory: the OS and installed packages of one image. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "image.h"
#include "inventory.h"
#include "image_args.h"
#include "json_build.h"
#include "safetext.h"

static void inventory_usage(void)
{
	printf("Usage: kmend inventory [OPTIONS] IMAGE\n"
	       "\n"
	       "List the operating system and every installed OS package (dpkg, apk, rpm) of a\n"
	       "container image, each package with the layer that last wrote it.\n"
	       "\n"
	       "IMAGE is a reference as in containers-transports(5):\n"
	       "  NAME[:TAG][@DIGEST], docker://NAME...  a registry (docker.io by default)\n"
	       "  oci:DIR[:TAG]                          an OCI image layout directory\n"
	       "  oci-archive:FILE[:TAG]                 a tar of an OCI image layout\n"
	       "  docker-archive:FILE                    the output of 'docker save'\n"
	       "\n"
	       "Options:\n"
	       "  --format table|json        output format (default: table)\n"
	       "  -h, --help                 show this help\n"
	       "%s"
	       "\n"
	       "JSON: {\"image\": {\"ref\", \"digest\", \"id\", \"platform\"}, \"os\": {\"id\",\n"
	       "\"version_id\", \"codename\", \"pretty_name\"}, \"packages\": [{\"name\", "
	       "\"version\",\n"
	       "\"arch\", \"source\", \"source_version\", \"type\", \"layer\"}], \"warnings\":\n"
	       "[{\"code\", \"message\"}]} (docs/inventory.md).\n",
	       cli_image_options_help);
}

static json_t *inventory_json(struct kmend_jb *b, const struct kmend_image *img,
                              const struct kmend_inventory *inv)
{
	json_t *root = kmend_jb_object(b), *image = kmend_jb_object(b), *os, *pkgs, *warnings;

	kmend_jb_set_text(b, image, "ref", img->name);
	kmend_jb_set(b, image, "digest", kmend_jb_text_or_null(b, img->digest));
	kmend_jb_set_text(b, image, "id", img->config.digest);
	kmend_jb_set(b, image, "platform", kmend_jb_text_or_null(b, img->platform));
	kmend_jb_set(b, root, "image", image);
	if (inv->os_found) {
		os = kmend_jb_object(b);
		kmend_jb_set_text(b, os, "id", inv->os.id);
		kmend_jb_set(b, os, "version_id", kmend_jb_text_or_null(b, inv->os.version_id));
		kmend_jb_set(b, os, "codename", kmend_jb_text_or_null(b, inv->os.codename));
		kmend_jb_set(b, os, "pretty_name", kmend_jb_text_or_null(b, inv->os.pretty_name));
	} else {
		os = json_null();
	}
	kmend_jb_set(b, root, "os", os);
	pkgs = kmend_jb_array(b);
	for (size_t i = 0; i < inv->packages.count; i++) {
		const struct kmend_package *p = &inv->packages.items[i];
		json_t *o = kmend_jb_object(b);

		kmend_jb_set_text(b, o, "name", p->name);
		kmend_jb_set_text(b, o, "version", p->version);
		kmend_jb_set(b, o, "arch", kmend_jb_text_or_null(b, p->arch));
		kmend_jb_set_text(b, o, "source", p->source);
		kmend_jb_set_text(b, o, "source_version", p->source_version);
		kmend_jb_set_text(b, o, "type", kmend_package_type_name(p->type));
		kmend_jb_set(b, o, "layer", kmend_jb_text_or_null(b, p->layer));
		if (p->source_rpm)
			kmend_jb_set_text(b, o, "source_rpm", p->source_rpm);
		if (p->modularity_label && *p->modularity_label)
			kmend_jb_set_text(b, o, "modularity_label", p->modularity_label);
		kmend_jb_append(b, pkgs, o);
	}
	kmend_jb_set(b, root, "packages", pkgs);
	warnings = kmend_jb_array(b);
	for (size_t i = 0; i < inv->warnings.count; i++) {
		json_t *o = kmend_jb_object(b);

		kmend_jb_set_text(b, o, "code", inv->warnings.items[i].code);
		kmend_jb_set_text(b, o, "message", inv->warnings.items[i].message);
		kmend_jb_append(b, warnings, o);
	}
	kmend_jb_set(b, root, "warnings", warnings);
	return root;
}

/* Text from the image, escaped for the terminal (safetext.h). */
static const char *safe(const char *s, char *buf, size_t size)
{
	return kmend_text_for_terminal(s, buf, size);
}

static void inventory_table(const struct kmend_image *img, const struct kmend_inventory *inv)
{
	char a[1024], b[1024], c[1024], d[1024];

	printf("Image:    %s\n", safe(img->name, a, sizeof(a)));
	if (img->digest[0])
		printf("Digest:   %s\n", img->digest);
	printf("ID:       %s\n", img->config.digest);
	printf("Platform: %s\n",
	       img->platform[0] ? safe(img->platform, a, sizeof(a)) : "(unknown)");
	printf("OS:       %s\n",
	       inv->os_found
	           ? safe(inv->os.pretty_name[0] ? inv->os.pretty_name : inv->os.id, a, sizeof(a))
	           : "(not detected)");
	printf("Packages: %zu\n\n", inv->packages.count);
	if (!inv->packages.count)
		return;
	printf("%-32s %-32s %-8s %-24s %s\n", "NAME", "VERSION", "ARCH", "SOURCE", "LAYER");
	for (size_t i = 0; i < inv->packages.count; i++) {
		const struct kmend_package *p = &inv->packages.items[i];
		printf("%-32s %-32s %-8s %-24s %.19s\n", safe(p->name, a, sizeof(a)),
		       safe(p->version, b, sizeof(b)), p->arch ? safe(p->arch, c, sizeof(c)) : "-",
		       safe(p->source, d, sizeof(d)), p->layer ? p->layer : "-");
	}
}

static int inventory_run(int argc, char **argv)
{
	static const struct option options[] = {
	    {"format", required_argument, NULL, 'f'},
	    {"help", no_argument, NULL, 'h'},
	    CLI_IMAGE_OPTIONS,
	    {NULL, 0, NULL, 0},
	};
	const char *format = "table";
	struct cli_image_args ia;
	struct kmend_image *img;
	struct kmend_inventory inv;
	struct kmend_error err;
	char buf[2048], buf2[2048];
	int c, r;

	cli_image_args_init(&ia);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		if ((r = cli_image_args_take(&ia, "inventory", c, optarg)) != 0) {
			if (r < 0)
				return -r;
			continue;
		}
		switch (c) {
		case 'f': format = optarg; break;
		case 'h': inventory_usage(); return KMEND_EXIT_OK;
		default: return cli_unknown_option("inventory", argc, argv);
		}
	}
	if (strcmp(format, "table") != 0 && strcmp(format, "json") != 0)
		return cli_usage_error("inventory", "unknown format '%s'; use table or json",
		                       format);
	if (optind == argc)
		return cli_usage_error("inventory", "expected one image reference");
	if (optind < argc - 1)
		return cli_extra_arguments("inventory", argv[optind + 1]);
	cli_image_args_finish(&ia);
	if ((r = kmend_image_open(argv[optind], &ia.opts, &img, &err)) < 0)
		return cli_report("inventory", &err);
	r = kmend_inventory_build(img, ia.opts.cache_dir, &inv, &err);
	if (r < 0) {
		kmend_image_close(img);
		return cli_report("inventory", &err);
	}
	for (size_t i = 0; i < inv.warnings.count; i++)
		fprintf(stderr, "kmend inventory: warning: %s: %s\n",
		        safe(img->name, buf, sizeof(buf)),
		        safe(inv.warnings.items[i].message, buf2, sizeof(buf2)));
	if (!inv.os_found)
		fprintf(stderr,
		        "kmend inventory: warning: %s: no os-release or release file found\n",
		        safe(img->name, buf, sizeof(buf)));
	if (strcmp(format, "json") == 0) {
		struct kmend_jb b = {0};
		json_t *doc = inventory_json(&b, img, &inv);

		if (b.escaped)
			fprintf(
			    stderr,
			    "kmend inventory: warning: %zu values are not valid UTF-8 (the first: "
			    "%s); their bad bytes are written as \\xHH\n",
			    b.escaped, safe(b.first_escaped, buf, sizeof(buf)));
		r = b.failed ? -ENOMEM : kmend_json_write(stdout, doc, 0);
		json_decref(doc);
		if (r < 0) {
			kmend_inventory_free(&inv);
			kmend_image_close(img);
			fprintf(stderr, "kmend inventory: cannot write the JSON: %s\n",
			        strerror(-r));
			return KMEND_EXIT_FAILURE;
		}
		putchar('\n');
	} else {
		inventory_table(img, &inv);
	}
	kmend_inventory_free(&inv);
	kmend_image_close(img);
	return fflush(stdout) == 0 ? KMEND_EXIT_OK : KMEND_EXIT_FAILURE;
}

const struct cli_command cli_inventory = {
    .name = "inventory",
    .summary = "list the OS and installed packages of a container image",
    .run = inventory_run,
    .usage = inventory_usage,
};
