/* kmend inventory: the OS and installed packages of one image. */
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
	       "\"arch\", \"source\", \"source_version\", \"type\", \"layer\"}]} "
	       "(docs/inventory.md).\n",
	       cli_image_options_help);
}

static json_t *str_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

static json_t *inventory_json(const struct kmend_image *img, const struct kmend_inventory *inv)
{
	json_t *root = json_object(), *image = json_object(), *os, *pkgs = json_array();

	json_object_set_new(image, "ref", json_string(img->name));
	json_object_set_new(image, "digest", str_or_null(img->digest));
	json_object_set_new(image, "id", json_string(img->config.digest));
	json_object_set_new(image, "platform", str_or_null(img->platform));
	json_object_set_new(root, "image", image);
	if (inv->os_found) {
		os = json_object();
		json_object_set_new(os, "id", json_string(inv->os.id));
		json_object_set_new(os, "version_id", str_or_null(inv->os.version_id));
		json_object_set_new(os, "codename", str_or_null(inv->os.codename));
		json_object_set_new(os, "pretty_name", str_or_null(inv->os.pretty_name));
	} else {
		os = json_null();
	}
	json_object_set_new(root, "os", os);
	for (size_t i = 0; i < inv->packages.count; i++) {
		const struct kmend_package *p = &inv->packages.items[i];
		json_t *o = json_object();

		json_object_set_new(o, "name", json_string(p->name));
		json_object_set_new(o, "version", json_string(p->version));
		json_object_set_new(o, "arch", str_or_null(p->arch));
		json_object_set_new(o, "source", json_string(p->source));
		json_object_set_new(o, "source_version", json_string(p->source_version));
		json_object_set_new(o, "type", json_string(kmend_package_type_name(p->type)));
		json_object_set_new(o, "layer", str_or_null(p->layer));
		if (p->source_rpm)
			json_object_set_new(o, "source_rpm", json_string(p->source_rpm));
		if (p->modularity_label && *p->modularity_label)
			json_object_set_new(o, "modularity_label",
			                    json_string(p->modularity_label));
		json_array_append_new(pkgs, o);
	}
	json_object_set_new(root, "packages", pkgs);
	return root;
}

static void inventory_table(const struct kmend_image *img, const struct kmend_inventory *inv)
{
	printf("Image:    %s\n", img->name);
	if (img->digest[0])
		printf("Digest:   %s\n", img->digest);
	printf("ID:       %s\n", img->config.digest);
	printf("Platform: %s\n", img->platform[0] ? img->platform : "(unknown)");
	printf("OS:       %s\n", inv->os_found
	                             ? (inv->os.pretty_name[0] ? inv->os.pretty_name : inv->os.id)
	                             : "(not detected)");
	printf("Packages: %zu\n\n", inv->packages.count);
	if (!inv->packages.count)
		return;
	printf("%-32s %-32s %-8s %-24s %s\n", "NAME", "VERSION", "ARCH", "SOURCE", "LAYER");
	for (size_t i = 0; i < inv->packages.count; i++) {
		const struct kmend_package *p = &inv->packages.items[i];
		printf("%-32s %-32s %-8s %-24s %.19s\n", p->name, p->version,
		       p->arch ? p->arch : "-", p->source, p->layer ? p->layer : "-");
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
		default:
			return cli_usage_error("inventory",
			                       "unknown option or missing value in '%s'",
			                       argv[optind - 1]);
		}
	}
	if (strcmp(format, "table") != 0 && strcmp(format, "json") != 0)
		return cli_usage_error("inventory", "unknown format '%s'; use table or json",
		                       format);
	if (optind != argc - 1)
		return cli_usage_error("inventory", "expected one image reference");
	cli_image_args_finish(&ia);
	if ((r = kmend_image_open(argv[optind], &ia.opts, &img, &err)) < 0)
		return cli_report("inventory", &err);
	r = kmend_inventory_build(img, ia.opts.cache_dir, &inv, &err);
	if (r < 0) {
		kmend_image_close(img);
		return cli_report("inventory", &err);
	}
	if (inv.packages.skipped)
		fprintf(stderr,
		        "kmend inventory: warning: %zu package entries left out (first: %s)\n",
		        inv.packages.skipped, inv.packages.skip_reason);
	if (!inv.os_found)
		fprintf(stderr,
		        "kmend inventory: warning: %s: no os-release or release file found\n",
		        img->name);
	if (strcmp(format, "json") == 0) {
		json_t *doc = inventory_json(img, &inv);
		json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
		json_decref(doc);
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
