/* kmend revert: take out of a manifest exactly what kmend fix put in. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "cli.h"
#include "fsutil.h"
#include "kmend_limits.h"
#include "kube_edit.h"
#include "write_out.h"

static void revert_usage(void)
{
	printf("Usage: kmend revert [-o OUT | --in-place] FILE\n"
	       "\n"
	       "Remove what 'kmend fix' inserted into the Kubernetes manifest FILE (its volume,\n"
	       "init containers, volume mounts, install steps and its " KMEND_KUBE_ANNOTATION "\n"
	       "annotation) and put back what it replaced, so that the result is the file as it\n"
	       "was before fix, byte for byte. Edits made elsewhere in the file since are kept.\n"
	       "A part of kmend's that was edited by hand is refused, never guessed at.\n"
	       "\n"
	       "Options:\n"
	       "%s"
	       "  -h, --help        show this help\n"
	       "\n"
	       "Exit status: 0 reverted (or nothing of kmend's found, said on standard error);\n"
	       "2 bad usage or input (not YAML, kmend's parts edited by hand); 3 a write failed.\n",
	       cli_output_options_help);
}

static int revert_run(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"output", required_argument, NULL, 'o'},
	    {"in-place", no_argument, NULL, 'i'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct cli_output o = {0};
	_cleanup_free_ char *text = NULL, *out = NULL, *backup = NULL;
	struct kmend_error err;
	size_t len, out_len, reverted;
	const char *path;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+o:ih", opts, NULL)) != -1) {
		switch (c) {
		case 'o': o.out = optarg; break;
		case 'i': o.in_place = true; break;
		case 'h': revert_usage(); return KMEND_EXIT_OK;
		default: return cli_usage_error("revert", "unknown option");
		}
	}
	if (argc - optind != 1)
		return cli_usage_error("revert", "give exactly one FILE");
	if (o.out && o.in_place)
		return cli_usage_error("revert", "-o and --in-place exclude each other");
	path = argv[optind];
	if (kmend_read_file(path, KMEND_MANIFEST_FILE_MAX_SIZE, &text, &len, &err) < 0 ||
	    kmend_kube_revert(text, len, path, &out, &out_len, &reverted, &err) < 0)
		return cli_report("revert", &err);
	if (reverted == 0) {
		fprintf(stderr, "kmend revert: %s: no repair of kmend's found; nothing to revert\n",
		        path);
		if (o.in_place)
			return KMEND_EXIT_OK; /* nothing to write, nothing to back up */
	}
	if (cli_write_output(path, &o, text, len, out, out_len, &backup, &err) < 0)
		return cli_report("revert", &err);
	if (backup)
		fprintf(stderr, "kmend revert: %s: reverted; the file as it was is kept as %s\n",
		        path, backup);
	return KMEND_EXIT_OK;
}

const struct cli_command cli_revert = {
    .name = "revert",
    .summary = "take kmend fix's repair out of a manifest, byte for byte",
    .run = revert_run,
    .usage = revert_usage,
};
