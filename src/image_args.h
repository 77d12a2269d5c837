/* The options every command that reads images takes: platform, insecure registries, cache. */
#ifndef KMEND_IMAGE_ARGS_H
#define KMEND_IMAGE_ARGS_H

#include <getopt.h>

#include "image.h"

#define CLI_IMAGE_MAX_INSECURE 16

struct cli_image_args {
	struct kmend_image_options opts;
	const char *insecure[CLI_IMAGE_MAX_INSECURE + 1];
	int ninsecure;
	char cache_dir[4096];
	int use_cache;
	int allow_local_images; /* images named in manifests may be local paths (oci:...) */
};

/* getopt_long entries (values 0x100 and up), to put in a command's option table. */
/* clang-format off */
#define CLI_IMAGE_OPTIONS                                         \
	{"platform", required_argument, NULL, 0x100},             \
	{"insecure-registry", required_argument, NULL, 0x101},    \
	{"cache-dir", required_argument, NULL, 0x102},            \
	{"no-cache", no_argument, NULL, 0x103},                   \
	{"allow-local-images", no_argument, NULL, 0x104}
/* clang-format on */

/* The --help lines for them. */
extern const char cli_image_options_help[];

void cli_image_args_init(struct cli_image_args *a);

/* Take option c if it is one of CLI_IMAGE_OPTIONS: 1 taken, 0 not ours, <0 usage error. */
int cli_image_args_take(struct cli_image_args *a, const char *command, int c, const char *arg);

/* Settle the defaults (cache directory) and the progress display; call before use. */
void cli_image_args_finish(struct cli_image_args *a);

#endif
