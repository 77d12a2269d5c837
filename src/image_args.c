/* Parsing the image options shared by inventory and scan, and progress on a terminal. */
#include "image_args.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "fsutil.h"

const char cli_image_options_help[] =
    "  --platform OS/ARCH[/VAR]   which image of a multi-platform index (default: the host's)\n"
    "  --insecure-registry HOST   reach HOST over plain HTTP or unchecked TLS (repeatable)\n"
    "  --cache-dir DIR            cache directory (default: $XDG_CACHE_HOME/kmend)\n"
    "  --no-cache                 neither read nor write the cache\n"
    "  --allow-local-images       let manifests name local images (oci:, oci-archive:,\n"
    "                             docker-archive:); by default only registry images\n";

void cli_image_args_init(struct cli_image_args *a)
{
	memset(a, 0, sizeof(*a));
	a->opts.insecure = a->insecure;
	a->use_cache = 1;
}

int cli_image_args_take(struct cli_image_args *a, const char *command, int c, const char *arg)
{
	switch (c) {
	case 0x100: a->opts.platform = arg; return 1;
	case 0x101:
		if (a->ninsecure == CLI_IMAGE_MAX_INSECURE)
			return -cli_usage_error(command, "at most %d --insecure-registry",
			                        CLI_IMAGE_MAX_INSECURE);
		a->insecure[a->ninsecure++] = arg;
		return 1;
	case 0x102: snprintf(a->cache_dir, sizeof(a->cache_dir), "%s", arg); return 1;
	case 0x103: a->use_cache = 0; return 1;
	case 0x104: a->allow_local_images = 1; return 1;
	default: return 0;
	}
}

/* Progress on a terminal: one line, rewritten, at most every 1%. */
static void show_progress(void *ctx, const char *what, unsigned long long done,
                          unsigned long long total)
{
	static int last = -1;
	int pct = (int)(done * 100 / total);

	(void)ctx;
	if (total < (1 << 20) || pct == last)
		return;
	last = pct;
	fprintf(stderr, "\r%.40s %3d%% of %llu MB",
	        strrchr(what, '/') ? strrchr(what, '/') + 1 : what, pct, total >> 20);
	if (done == total)
		fputs("\r\033[K", stderr);
}

void cli_image_args_finish(struct cli_image_args *a)
{
	if (a->use_cache && !a->cache_dir[0] &&
	    kmend_default_cache_dir(a->cache_dir, sizeof(a->cache_dir)) < 0)
		a->use_cache = 0;
	a->opts.cache_dir = a->use_cache ? a->cache_dir : NULL;
	if (isatty(STDERR_FILENO))
		a->opts.progress = show_progress;
}
