/* kmend revert: take out of a manifest exactly what kmend fix put in. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "cli.h"
#include "deploy.h"
#include "deploy_out.h"
#include "fsutil.h"
#include "kmend_limits.h"
#include "kube_cluster.h"
#include "kube_edit.h"
#include "write_out.h"

static void revert_usage(void)
{
	printf("Usage: kmend revert [-o OUT | --in-place] FILE\n"
	       "       kmend revert --cluster [OPTIONS] KIND/NAME...\n"
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
	       "With --cluster, put back the first file of each workload that 'kmend apply'\n"
	       "changed, from the cluster alone: its kmend.dev/apply mark holds the first file,\n"
	       "applied again by server-side apply; then watch it until healthy.\n"
	       "  --cluster             KIND/NAME are workloads of a cluster (deploy/web, sts/db)\n"
	       "  --namespace NS        their namespace (default: the context's)\n"
	       "  --kubeconfig FILE     instead of $KUBECONFIG, ~/.kube/config\n"
	       "  --context NAME        instead of the current context\n"
	       "  --timeout DURATION    how long to watch (90s, 5m; default 5m)\n"
	       "\n"
	       "Exit status: 0 reverted (or nothing of kmend's found, said on standard error);\n"
	       "1 (--cluster) a workload is not healthy on its first file; 2 bad usage or input\n"
	       "(not YAML, kmend's parts edited by hand, no mark); 3 a write failed, or the\n"
	       "cluster could not be reached.\n",
	       cli_output_options_help);
}

enum { OPT_CLUSTER = 0x1000, OPT_NAMESPACE, OPT_KUBECONFIG, OPT_CONTEXT, OPT_TIMEOUT };

/* revert --cluster: each workload's first file from its mark, applied, watched, settled. */
static int revert_cluster(const struct kmend_deploy_options *opt, int timeout_s, int n,
                          char **names)
{
	struct kmend_workload_refs refs = {0};
	struct kmend_workload_status *st = NULL;
	struct kmend_deploy *d = NULL;
	struct kmend_error err = {0};
	char(*ids)[64] = calloc((size_t)n, sizeof(*ids));
	int code = KMEND_EXIT_OK, r, failed;

	if (!ids)
		return KMEND_EXIT_FAILURE;
	if ((r = kmend_deploy_open("kubernetes", opt, &d, &err)) < 0) {
		code = cli_report("revert", &err);
		goto out;
	}
	for (int i = 0; i < n; i++) {
		struct kmend_workload_ref ref;

		if ((r = kmend_cluster_parse_ref(names[i], opt->namespace ? opt->namespace : "",
		                                 &ref, &err)) < 0 ||
		    (r = kmend_deploy_revert(d, &ref, &refs, ids[i], &err)) < 0) {
			code = cli_report("revert", &err);
			goto out;
		}
		deploy_say("revert", "%s: its first file is applied again (from apply %s)",
		           names[i], ids[i]);
	}
	if (!(st = calloc(refs.count + 1, sizeof(*st)))) {
		code = KMEND_EXIT_FAILURE;
		goto out;
	}
	deploy_say("revert", "watching %zu workload%s for up to %d s", refs.count,
	           refs.count == 1 ? "" : "s", timeout_s);
	if ((failed = kmend_deploy_watch(d, &refs, timeout_s * 1000, st, &err)) < 0) {
		code = cli_report("revert", &err);
		goto out;
	}
	for (size_t i = 0; i < refs.count; i++) {
		printf("%s/%s: the first file is back; %s\n", st[i].ref.kind, st[i].ref.name,
		       deploy_health_name(st[i].health));
		if (st[i].health == KMEND_HEALTH_FAILED)
			deploy_print_reason(stdout, "  ", &st[i]);
		if ((r = kmend_deploy_settle(d, ids[i], "reverted", &err)) < 0)
			code = cli_report("revert", &err);
	}
	if (failed && code == KMEND_EXIT_OK)
		code = KMEND_EXIT_FINDINGS;
out:
	kmend_deploy_close(d);
	kmend_workload_refs_free(&refs);
	free(st);
	free(ids);
	return code;
}

static int revert_run(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"output", required_argument, NULL, 'o'},
	    {"in-place", no_argument, NULL, 'i'},
	    {"help", no_argument, NULL, 'h'},
	    {"cluster", no_argument, NULL, OPT_CLUSTER},
	    {"namespace", required_argument, NULL, OPT_NAMESPACE},
	    {"kubeconfig", required_argument, NULL, OPT_KUBECONFIG},
	    {"context", required_argument, NULL, OPT_CONTEXT},
	    {"timeout", required_argument, NULL, OPT_TIMEOUT},
	    {NULL, 0, NULL, 0},
	};
	struct cli_output o = {0};
	struct kmend_deploy_options dopt = {0};
	bool cluster = false;
	int timeout_s = 300;
	_cleanup_free_ char *text = NULL, *out = NULL, *backup = NULL;
	struct kmend_error err;
	size_t len, out_len, reverted;
	const char *path;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:ih", opts, NULL)) != -1) {
		switch (c) {
		case 'o': o.out = optarg; break;
		case 'i': o.in_place = true; break;
		case 'h': revert_usage(); return KMEND_EXIT_OK;
		case OPT_CLUSTER: cluster = true; break;
		case OPT_NAMESPACE: dopt.namespace = optarg; break;
		case OPT_KUBECONFIG: dopt.kubeconfig = optarg; break;
		case OPT_CONTEXT: dopt.context = optarg; break;
		case OPT_TIMEOUT:
			if ((timeout_s = cli_parse_duration(optarg)) < 0)
				return cli_usage_error("revert",
				                       "bad --timeout '%s': give seconds "
				                       "or a duration such as 90s or 5m",
				                       optarg);
			break;
		default: return cli_usage_error("revert", "unknown option");
		}
	}
	if (cluster) {
		if (o.out || o.in_place)
			return cli_usage_error("revert",
			                       "--cluster puts the workloads back where they "
			                       "run: leave out -o and --in-place");
		if (optind == argc)
			return cli_usage_error("revert",
			                       "--cluster: name the workloads, KIND/NAME");
		return revert_cluster(&dopt, timeout_s, argc - optind, argv + optind);
	}
	if (dopt.namespace || dopt.kubeconfig || dopt.context)
		return cli_usage_error("revert", "--namespace, --kubeconfig and --context go with "
		                                 "--cluster");
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
