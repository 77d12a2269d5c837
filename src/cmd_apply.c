/*
 * kmend apply: make the second deployment file with kmend fix, deploy it, watch its
 * workloads, and deploy the first file again when they fail (lib/deploy.h does the
 * deploying and watching; this file decides and tells).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "array.h"
#include "cli.h"
#include "deploy.h"
#include "deploy_out.h"
#include "fix_options.h"
#include "fsutil.h"
#include "kmend_limits.h"

enum {
	OPT_BACKEND = 0x1000,
	OPT_TIMEOUT,
	OPT_NAMESPACE,
	OPT_KUBECONFIG,
	OPT_CONTEXT,
	OPT_NO_ROLLBACK,
	OPT_REPORT,
	OPT_RESUME,
	OPT_FORCE_CONFLICTS,
	OPT_STATE_DIR,
};

static const struct option apply_own_options[] = {
    {"backend", required_argument, NULL, OPT_BACKEND},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"namespace", required_argument, NULL, OPT_NAMESPACE},
    {"kubeconfig", required_argument, NULL, OPT_KUBECONFIG},
    {"context", required_argument, NULL, OPT_CONTEXT},
    {"no-rollback", no_argument, NULL, OPT_NO_ROLLBACK},
    {"report", required_argument, NULL, OPT_REPORT},
    {"resume", no_argument, NULL, OPT_RESUME},
    {"force-conflicts", no_argument, NULL, OPT_FORCE_CONFLICTS},
    {"state-dir", required_argument, NULL, OPT_STATE_DIR},
};

#define DEFAULT_TIMEOUT_S 300
/* A resumed watch whose deadline passed while kmend was away still looks this long. */
#define RESUME_GRACE_S 15

static void apply_usage(void)
{
	printf("Usage: kmend apply [OPTIONS] MANIFEST...\n"
	       "       kmend apply --resume [OPTIONS]\n"
	       "\n"
	       "Repair the workloads of each MANIFEST where they run: make the second deployment\n"
	       "file as 'kmend fix' makes it, deploy it, and watch every workload it changes\n"
	       "until each is healthy or has failed. When one fails, deploy the first file\n"
	       "again (the whole MANIFEST) and watch that. Each workload ends fixed and\n"
	       "healthy, rolled back (with the reason: the pod condition, the container state,\n"
	       "the event, the last lines of the failing container's log), or failed even after\n"
	       "the rollback. Every action is logged on standard error with the time.\n"
	       "\n"
	       "Before deploying, kmend marks each workload with what going back needs (a\n"
	       "Kubernetes annotation; for podman a label and a private journal), so that an\n"
	       "apply that was killed is finished by --resume, or by running apply again.\n"
	       "\n"
	       "Options:\n"
	       "  --backend NAME             kubernetes (default: the cluster of the kubeconfig)\n"
	       "                             or podman (podman kube play on this machine)\n"
	       "  --timeout DURATION         how long to wait for the workloads (90, 90s, 5m,\n"
	       "                             1h30m; default 5m); undecided by then is failed\n"
	       "  --namespace NS             Kubernetes: where workloads without one go\n"
	       "  --kubeconfig FILE          Kubernetes: instead of $KUBECONFIG, ~/.kube/config\n"
	       "  --context NAME             Kubernetes: instead of the current context\n"
	       "  --force-conflicts          Kubernetes: take fields other managers own\n"
	       "  --no-rollback              only report a failure; leave the second file\n"
	       "  --report FILE              write a JSON record of what was deployed, observed\n"
	       "                             and rolled back (docs/apply.md), atomically\n"
	       "  --resume                   only finish the applies a killed kmend left\n"
	       "  --state-dir DIR            podman: where journals are kept (default\n"
	       "                             $XDG_STATE_HOME/kmend/apply)\n"
	       "  -h, --help                 show this help\n"
	       "\n"
	       "Every option of 'kmend fix' except -o, --in-place, --dry-run and --format is\n"
	       "taken too (--mirror, --install-at, --db, --severity, registry options...):\n"
	       "see 'kmend fix --help'.\n"
	       "\n"
	       "Exit status: 0 every fixed workload is healthy (or there was nothing to fix);\n"
	       "1 a workload was rolled back, or failed (--no-rollback, or after the\n"
	       "rollback); 2 bad usage or input; 3 operational failure (the target could not be\n"
	       "reached, a deploy was refused). See docs/apply.md.\n");
}

struct apply_options {
	const char *backend;
	struct kmend_deploy_options dep;
	int timeout_s;
	bool no_rollback, resume;
	const char *report;
	char **fix_args; /* fix's options, as the user wrote them, in order */
	size_t nfix_args, fix_args_cap;
	char **manifests;
	size_t nmanifests, manifests_cap;
};

/* One manifest's apply: its two files, what was deployed, what was seen. */
struct apply_file {
	char *path; /* the first file's name */
	char *first, *second;
	size_t first_len, second_len;
	char id[64];
	bool resumed, deployed, rolled_back, settled;
	struct kmend_workload_refs refs, back_refs;
	struct kmend_workload_status *second_st, *first_st;
	int failed, failed_back;
	char *error; /* an operational error that stopped this file, as said */
};

static void apply_file_free(struct apply_file *f)
{
	free(f->path);
	free(f->first);
	free(f->second);
	kmend_workload_refs_free(&f->refs);
	kmend_workload_refs_free(&f->back_refs);
	free(f->second_st);
	free(f->first_st);
	free(f->error);
}

static int push_arg(char ***v, size_t *n, size_t *cap, char *arg)
{
	if (kmend_array_grow(v, cap, *n + 1, sizeof(**v)) < 0)
		return -ENOMEM;
	(*v)[(*n)++] = arg;
	(*v)[*n] = NULL;
	return 0;
}

/* The table getopt reads: apply's own options, then fix's. Caller frees. */
static struct option *all_options(void)
{
	size_t own = sizeof(apply_own_options) / sizeof(apply_own_options[0]), fix = 0;
	struct option *all;

	while (cli_fix_options[fix].name)
		fix++;
	all = calloc(own + fix + 1, sizeof(*all));
	if (!all)
		return NULL;
	memcpy(all, apply_own_options, sizeof(apply_own_options));
	memcpy(all + own, cli_fix_options, fix * sizeof(*all));
	return all;
}

/*
 * Apply's options are taken; fix's are kept as written (argv's own tokens, so that fix
 * parses them exactly as from its own command line); the rest are MANIFESTs.
 */
static int parse_options(int argc, char **argv, struct apply_options *o)
{
	char shorts[32];
	struct option *opts = all_options();
	int c, prev, r = 0;

	if (!opts)
		return -ENOMEM;
	/* '-': MANIFESTs come back in order as option 1, so argv is read left to right. */
	snprintf(shorts, sizeof(shorts), "-%s", cli_fix_short_options);
	optind = 1;
	opterr = 0;
	for (prev = optind; r == 0 && (c = getopt_long(argc, argv, shorts, opts, NULL)) != -1;
	     prev = optind) {
		switch (c) {
		case 1:
			r = push_arg(&o->manifests, &o->nmanifests, &o->manifests_cap, optarg);
			break;
		case OPT_BACKEND:
			if (strcmp(optarg, "kubernetes") && strcmp(optarg, "podman"))
				r = cli_usage_error(
				    "apply", "unknown backend '%s'; use kubernetes or podman",
				    optarg);
			o->backend = optarg;
			break;
		case OPT_TIMEOUT:
			if ((o->timeout_s = cli_parse_duration(optarg)) < 0)
				r = cli_usage_error(
				    "apply",
				    "bad --timeout '%s': give seconds or a duration "
				    "such as 90s, 5m or 1h30m (at most 24h)",
				    optarg);
			break;
		case OPT_NAMESPACE: o->dep.namespace = optarg; break;
		case OPT_KUBECONFIG: o->dep.kubeconfig = optarg; break;
		case OPT_CONTEXT: o->dep.context = optarg; break;
		case OPT_NO_ROLLBACK: o->no_rollback = true; break;
		case OPT_REPORT: o->report = optarg; break;
		case OPT_RESUME: o->resume = true; break;
		case OPT_FORCE_CONFLICTS: o->dep.force_conflicts = true; break;
		case OPT_STATE_DIR: o->dep.state_dir = optarg; break;
		case 'o':
		case 'i':
		case 'n':
			r = cli_usage_error("apply",
			                    "apply deploys the second file itself: leave out "
			                    "-o, --in-place and --dry-run (kmend fix --dry-run "
			                    "shows what apply would deploy)");
			break;
		case 'f':
			r = cli_usage_error("apply",
			                    "apply's record is --report FILE (JSON); leave out "
			                    "--format");
			break;
		case 'h':
			apply_usage();
			r = -1;
			break;
		case '?':
		case ':': r = cli_unknown_option("apply", argc, argv); break;
		default:
			/* One of fix's: the tokens getopt has finished with, as written. */
			for (int i = prev; i < optind && r == 0; i++)
				r = push_arg(&o->fix_args, &o->nfix_args, &o->fix_args_cap,
				             argv[i]);
			break;
		}
	}
	free(opts);
	if (r != 0)
		return r;
	if (o->resume && o->nmanifests)
		return cli_usage_error("apply", "--resume finishes what a killed apply left: it "
		                                "takes no MANIFEST");
	if (!o->resume && !o->nmanifests)
		return cli_usage_error("apply", "expected one or more MANIFEST files");
	return 0;
}

/* The second file of f->path, made by kmend fix in dir; f->first and f->second read. */
static int make_second(const struct apply_options *o, struct apply_file *f, const char *dir,
                       size_t index)
{
	char out[PATH_MAX];
	char **argv = NULL;
	size_t n = 0, cap = 0;
	struct kmend_error err;
	int code, r = 0;

	snprintf(out, sizeof(out), "%s/second-%zu.yaml", dir, index);
	r = push_arg(&argv, &n, &cap, "fix");
	for (size_t i = 0; i < o->nfix_args && r == 0; i++)
		r = push_arg(&argv, &n, &cap, o->fix_args[i]);
	if (r == 0)
		r = push_arg(&argv, &n, &cap, "-o");
	if (r == 0)
		r = push_arg(&argv, &n, &cap, out);
	if (r == 0)
		r = push_arg(&argv, &n, &cap, f->path);
	if (r < 0) {
		free(argv);
		return KMEND_EXIT_FAILURE;
	}
	deploy_say("apply", "%s: making the second file (kmend fix)", f->path);
	code = cli_fix.run((int)n, argv);
	free(argv);
	if (code >= KMEND_EXIT_USAGE)
		return code;
	if (kmend_read_file(f->path, KMEND_MANIFEST_FILE_MAX_SIZE, &f->first, &f->first_len, &err) <
	    0)
		return cli_report("apply", &err);
	if (kmend_read_file(out, KMEND_MANIFEST_FILE_MAX_SIZE, &f->second, &f->second_len, &err) <
	    0) {
		fprintf(stderr, "kmend apply: %s: kmend fix wrote no second file (see above)\n",
		        f->path);
		return KMEND_EXIT_FAILURE;
	}
	unlink(out);
	return KMEND_EXIT_OK;
}

static void tell_watch(const char *what, const struct kmend_workload_refs *refs,
                       const struct kmend_workload_status *st)
{
	for (size_t i = 0; i < refs->count; i++)
		deploy_say("apply", "%s: %s %s: %s%s%s", what, st[i].ref.kind, st[i].ref.name,
		           deploy_health_name(st[i].health), st[i].failure ? ", " : "",
		           st[i].failure ? kmend_failure_name(st[i].failure) : "");
}

/*
 * Deploy the first file again and watch it. The mark says "rolling-back" first, so that a
 * kmend killed now is finished by --resume, and (Kubernetes) so that the first file's apply,
 * which has no mark, leaves it in place.
 */
static int go_back(struct kmend_deploy *d, struct apply_file *f, int timeout_ms,
                   struct kmend_error *err)
{
	int r;

	deploy_say("apply", "%s: %d workload%s failed: deploying the first file again", f->path,
	           f->failed, f->failed == 1 ? "" : "s");
	if ((r = kmend_deploy_settle(d, f->id, "rolling-back", err)) < 0 ||
	    (r = kmend_deploy_rollback(d, f->second, f->second_len, "second", f->first,
	                               f->first_len, f->path, &f->back_refs, err)) < 0)
		return r; /* the mark stays: --resume goes back later */
	f->rolled_back = true;
	if (!(f->first_st = calloc(f->back_refs.count + 1, sizeof(*f->first_st))))
		return -ENOMEM;
	deploy_say("apply", "%s: the first file is deployed; watching it", f->path);
	if ((r = kmend_deploy_watch(d, &f->back_refs, timeout_ms, f->first_st, err)) < 0)
		return r;
	f->failed_back = r;
	tell_watch(f->path, &f->back_refs, f->first_st);
	return 0;
}

/*
 * Watch what the second file deployed (unless going_back: an interrupted rollback is
 * finished without looking again); on failure deploy the first again; settle the mark.
 */
static int decide(struct kmend_deploy *d, const struct apply_options *o, struct apply_file *f,
                  int timeout_ms, bool going_back, struct kmend_error *err)
{
	const char *phase;
	int r;

	if (!(f->second_st = calloc(f->refs.count + 1, sizeof(*f->second_st))))
		return -ENOMEM;
	if (going_back) {
		for (size_t i = 0; i < f->refs.count; i++) {
			f->second_st[i].ref = f->refs.items[i];
			f->second_st[i].health = KMEND_HEALTH_FAILED;
			f->second_st[i].exit_code = -1;
			snprintf(
			    f->second_st[i].message, sizeof(f->second_st[i].message),
			    "an earlier kmend was going back to the first file when it stopped");
		}
		f->failed = (int)f->refs.count;
	} else {
		deploy_say("apply", "%s: watching %zu workload%s for up to %d s", f->path,
		           f->refs.count, f->refs.count == 1 ? "" : "s", timeout_ms / 1000);
		if ((r = kmend_deploy_watch(d, &f->refs, timeout_ms, f->second_st, err)) < 0)
			return r;
		f->failed = r;
		tell_watch(f->path, &f->refs, f->second_st);
	}
	if (f->failed && !o->no_rollback && (r = go_back(d, f, timeout_ms, err)) < 0)
		return r;
	phase = !f->failed        ? "healthy"
	        : !f->rolled_back ? "failed"
	        : f->failed_back  ? "failed"
	                          : "rolled-back";
	if ((r = kmend_deploy_settle(d, f->id, phase, err)) < 0)
		return r;
	f->settled = true;
	deploy_say("apply", "%s: settled as %s", f->path, phase);
	return 0;
}

/* The first file's status of the workload ref, after a rollback; NULL when not watched. */
static const struct kmend_workload_status *back_status(const struct apply_file *f,
                                                       const struct kmend_workload_ref *ref)
{
	for (size_t i = 0; f->first_st && i < f->back_refs.count; i++)
		if (!strcmp(f->back_refs.items[i].kind, ref->kind) &&
		    !strcmp(f->back_refs.items[i].name, ref->name) &&
		    !strcmp(f->back_refs.items[i].namespace, ref->namespace))
			return &f->first_st[i];
	return NULL;
}

/* What happened to workload i of f, in a word apply's output and report share. */
static const char *outcome(const struct apply_file *f, size_t i)
{
	const struct kmend_workload_status *back;

	if (!f->settled)
		return "undecided";
	if (!f->failed)
		return "fixed";
	if (!f->rolled_back)
		return "failed";
	back = back_status(f, &f->refs.items[i]);
	return back && back->health == KMEND_HEALTH_HEALTHY ? "rolled-back"
	                                                    : "failed-after-rollback";
}

static void print_outcomes(const struct apply_file *f)
{
	if (f->error) {
		printf("%s: not applied: %s\n", f->path, f->error);
		return;
	}
	if (!f->deployed) {
		printf("%s: nothing to fix; not deployed\n", f->path);
		return;
	}
	for (size_t i = 0; i < f->refs.count; i++) {
		const struct kmend_workload_status *s = &f->second_st[i], *back;
		const char *what = outcome(f, i);

		printf("%s: %s %s: ", f->path, s->ref.kind, s->ref.name);
		if (!strcmp(what, "fixed"))
			printf("fixed and healthy\n");
		else if (!strcmp(what, "undecided"))
			printf("undecided: still marked; kmend apply --resume finishes it\n");
		else if (!strcmp(what, "failed"))
			printf("failed with the fix (--no-rollback: left as it is)\n");
		else if (!strcmp(what, "rolled-back"))
			printf("rolled back to the first file\n");
		else
			printf("failed even after the rollback to the first file\n");
		if (s->health == KMEND_HEALTH_FAILED)
			deploy_print_reason(stdout, "  ", s);
		else if (f->rolled_back)
			printf("  healthy with the fix; rolled back with its file, where another "
			       "workload failed\n");
		back = back_status(f, &s->ref);
		if (back && back->health == KMEND_HEALTH_FAILED) {
			printf("  after the rollback:\n");
			deploy_print_reason(stdout, "    ", back);
		}
	}
}

static json_t *status_json(const struct kmend_workload_status *s)
{
	if (!s)
		return json_null();
	return json_pack("{s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:s, s:s}", "health",
	                 deploy_health_name(s->health), "failure", kmend_failure_name(s->failure),
	                 "pod", s->pod, "container", s->container, "exit_code", s->exit_code,
	                 "condition", s->condition, "state_reason", s->state_reason, "message",
	                 s->message, "log", s->log);
}

static json_t *file_json(const struct apply_file *f)
{
	json_t *w = json_array();

	for (size_t i = 0; f->second_st && i < f->refs.count; i++) {
		const struct kmend_workload_ref *ref = &f->refs.items[i];

		json_array_append_new(w, json_pack("{s:s, s:s, s:s, s:s, s:o, s:o}", "kind",
		                                   ref->kind, "namespace", ref->namespace, "name",
		                                   ref->name, "outcome", outcome(f, i), "second",
		                                   status_json(&f->second_st[i]), "first",
		                                   status_json(back_status(f, ref))));
	}
	return json_pack("{s:s, s:s, s:b, s:b, s:b, s:s?, s:o}", "file", f->path, "apply_id", f->id,
	                 "resumed", f->resumed, "deployed", f->deployed, "rolled_back",
	                 f->rolled_back, "error", f->error, "workloads", w);
}

static int write_report(const struct apply_options *o, const char *started,
                        const struct apply_file *files, size_t nfiles, int code)
{
	char finished[32];
	struct kmend_error err;
	json_t *list = json_array(), *doc;
	char *text;
	int r;

	for (size_t i = 0; i < nfiles; i++)
		json_array_append_new(list, file_json(&files[i]));
	deploy_now_iso(finished);
	doc = json_pack("{s:i, s:s, s:s, s:s, s:i, s:o}", "kmend_apply_report", 1, "backend",
	                o->backend, "started", started, "finished", finished, "exit_code", code,
	                "files", list);
	text = doc ? json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	json_decref(doc);
	if (!text) {
		fprintf(stderr, "kmend apply: %s: out of memory writing the report\n", o->report);
		return KMEND_EXIT_FAILURE;
	}
	r = kmend_write_file_atomic(o->report, text, strlen(text), 0600, &err);
	free(text);
	if (r < 0)
		return cli_report("apply", &err);
	deploy_say("apply", "the record is in %s", o->report);
	return KMEND_EXIT_OK;
}

/* Keep the error of file f as said, for the output and the report. */
static int file_failed(struct apply_file *f, const struct kmend_error *err)
{
	char buf[2048];

	free(f->error);
	f->error = strdup(kmend_error_format(err, buf, sizeof(buf)));
	return cli_report("apply", err);
}

/* Deploy f's second file, marked, and decide. */
static int apply_one(struct kmend_deploy *d, const struct apply_options *o, struct apply_file *f)
{
	struct kmend_apply_mark mark = {0};
	struct kmend_error err = {0};
	int r;

	if (f->second_len == f->first_len && !memcmp(f->first, f->second, f->first_len)) {
		deploy_say("apply", "%s: nothing to fix; not deployed", f->path);
		return KMEND_EXIT_OK;
	}
	kmend_apply_mark_init(&mark);
	snprintf(f->id, sizeof(f->id), "%s", mark.id);
	mark.first = f->first;
	mark.first_len = f->first_len;
	mark.first_name = f->path;
	mark.second = f->second;
	mark.second_len = f->second_len;
	mark.second_name = "second";
	mark.deadline = time(NULL) + o->timeout_s;
	deploy_say("apply", "%s: deploying the second file (apply %s, backend %s)", f->path, f->id,
	           o->backend);
	if ((r = kmend_deploy_apply(d, f->second, f->second_len, f->path, &mark, 0, &f->refs,
	                            &err)) < 0)
		return file_failed(f, &err);
	f->deployed = true;
	if ((r = decide(d, o, f, o->timeout_s * 1000, false, &err)) < 0)
		return file_failed(f, &err);
	return KMEND_EXIT_OK;
}

/* The applies a killed kmend left, one apply_file per mark id, appended to files. */
static int resume_marked(struct kmend_deploy *d, const struct apply_options *o,
                         struct apply_file **files, size_t *nfiles, size_t *cap)
{
	struct kmend_marked_list ml = {0};
	struct kmend_error err = {0};
	int code = KMEND_EXIT_OK, r;

	if ((r = kmend_deploy_find_marked(d, &ml, &err)) < 0)
		return cli_report("apply", &err);
	for (size_t i = 0; i < ml.count; i++) {
		const struct kmend_marked *m = &ml.items[i];
		struct apply_file *f;
		time_t left = m->deadline - time(NULL);
		bool seen = false, going_back;

		for (size_t j = 0; j < *nfiles; j++)
			seen |= !strcmp((*files)[j].id, m->id);
		if (seen)
			continue; /* one apply marks each of its workloads */
		if (!m->first || !m->second) {
			fprintf(stderr,
			        "kmend apply: %s %s: its mark %s holds no files to go back "
			        "with; left as it is\n",
			        m->ref.kind, m->ref.name, m->id);
			code = KMEND_EXIT_FAILURE;
			continue;
		}
		if (kmend_array_grow(files, cap, *nfiles + 1, sizeof(**files)) < 0) {
			code = KMEND_EXIT_FAILURE;
			break;
		}
		f = &(*files)[(*nfiles)++];
		*f = (struct apply_file){.resumed = true, .deployed = true};
		snprintf(f->id, sizeof(f->id), "%s", m->id);
		f->path = strdup(m->first_name ? m->first_name : "first");
		f->first = malloc(m->first_len + 1);
		f->second = malloc(m->second_len + 1);
		if (!f->path || !f->first || !f->second) {
			code = KMEND_EXIT_FAILURE;
			break;
		}
		memcpy(f->first, m->first, m->first_len);
		memcpy(f->second, m->second, m->second_len);
		f->first_len = m->first_len;
		f->second_len = m->second_len;
		going_back = !strcmp(m->phase, "rolling-back");
		deploy_say("apply", "%s: apply %s was interrupted (%s); finishing it", f->path,
		           f->id, m->phase);
		/* Going back, the second file's workloads are named, not attached to. */
		r = going_back ? kmend_deploy_workloads_of(f->second, f->second_len, f->path,
		                                           &f->refs, &err)
		               : kmend_deploy_apply(d, f->second, f->second_len, f->path, NULL,
		                                    KMEND_DEPLOY_ATTACH, &f->refs, &err);
		if (r < 0 ||
		    (r = decide(d, o, f,
		                (int)(left > RESUME_GRACE_S ? left : RESUME_GRACE_S) * 1000,
		                going_back, &err)) < 0)
			code = file_failed(f, &err);
	}
	kmend_marked_list_free(&ml);
	return code;
}

static int exit_code_of(const struct apply_file *files, size_t nfiles, int code)
{
	for (size_t i = 0; i < nfiles; i++) {
		if (files[i].error && code < KMEND_EXIT_FAILURE)
			code = KMEND_EXIT_FAILURE;
		if ((files[i].failed || !files[i].settled) && files[i].deployed &&
		    code < KMEND_EXIT_FINDINGS)
			code = KMEND_EXIT_FINDINGS;
	}
	return code;
}

static int apply_run(int argc, char **argv)
{
	struct apply_options o = {.backend = "kubernetes", .timeout_s = DEFAULT_TIMEOUT_S};
	struct apply_file *files = NULL;
	size_t nfiles = 0, cap = 0;
	struct kmend_deploy *d = NULL;
	struct kmend_error err = {0};
	char started[32], dir[PATH_MAX];
	const char *tmp = getenv("TMPDIR");
	bool made_dir = false;
	int code = KMEND_EXIT_OK, r;

	deploy_now_iso(started);
	if ((r = parse_options(argc, argv, &o)) != 0) {
		code = r < 0 ? (r == -1 ? KMEND_EXIT_OK : KMEND_EXIT_FAILURE) : r;
		goto out;
	}
	/* The second files: every MANIFEST fixed before anything is deployed. */
	snprintf(dir, sizeof(dir), "%s/kmend-apply-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (o.nmanifests && !(made_dir = mkdtemp(dir) != NULL)) {
		fprintf(stderr, "kmend apply: %s: cannot make a private directory: %s\n", dir,
		        strerror(errno));
		code = KMEND_EXIT_FAILURE;
		goto out;
	}
	if (kmend_array_grow(&files, &cap, o.nmanifests + 1, sizeof(*files)) < 0) {
		code = KMEND_EXIT_FAILURE;
		goto out;
	}
	for (size_t i = 0; i < o.nmanifests; i++) {
		files[nfiles] = (struct apply_file){.path = strdup(o.manifests[i])};
		if (!files[nfiles++].path ||
		    (code = make_second(&o, &files[nfiles - 1], dir, i)) >= KMEND_EXIT_USAGE) {
			code = code ? code : KMEND_EXIT_FAILURE;
			goto out;
		}
		code = KMEND_EXIT_OK; /* fix's own 1 (findings remain) is in its report */
	}
	if ((r = kmend_deploy_open(o.backend, &o.dep, &d, &err)) < 0) {
		code = cli_report("apply", &err);
		goto out;
	}
	/* An apply a killed kmend left is finished first (its workloads may be these). */
	{
		size_t before = nfiles;

		code = resume_marked(d, &o, &files, &nfiles, &cap);
		if (nfiles > before && before) {
			/* Deploying the same files again now would undo what was just decided. */
			deploy_say("apply",
			           "an interrupted apply was finished instead of deploying %zu new "
			           "file%s; "
			           "run kmend apply again to deploy them",
			           before, before == 1 ? "" : "s");
			for (size_t i = 0; i < before; i++)
				apply_file_free(&files[i]);
			memmove(files, files + before, (nfiles - before) * sizeof(*files));
			nfiles -= before;
		} else if (o.resume && nfiles == before) {
			deploy_say("apply", "no interrupted apply to finish");
		}
		for (size_t i = 0; i < nfiles; i++)
			if (!files[i].resumed) {
				int c = apply_one(d, &o, &files[i]);
				if (c > code)
					code = c;
			}
	}
	for (size_t i = 0; i < nfiles; i++)
		print_outcomes(&files[i]);
	for (size_t i = 0; i < d->warnings.count; i++)
		fprintf(stderr, "kmend apply: warning: %s\n", d->warnings.items[i].message);
	code = exit_code_of(files, nfiles, code);
	if (o.report && write_report(&o, started, files, nfiles, code) != KMEND_EXIT_OK &&
	    code < KMEND_EXIT_FAILURE)
		code = KMEND_EXIT_FAILURE;
out:
	kmend_deploy_close(d);
	if (made_dir)
		rmdir(dir);
	for (size_t i = 0; i < nfiles; i++)
		apply_file_free(&files[i]);
	free(files);
	free(o.fix_args);
	free(o.manifests);
	if (fflush(stdout) != 0)
		return KMEND_EXIT_FAILURE;
	return code;
}

const struct cli_command cli_apply = {
    .name = "apply",
    .summary = "deploy kmend fix's second file, watch it, roll back on failure",
    .run = apply_run,
    .usage = apply_usage,
};
