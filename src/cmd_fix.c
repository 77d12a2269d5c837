/* kmend fix: a second deployment file that installs the safe package versions when the pod starts.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "array.h"
#include "cleanup.h"
#include "cli.h"
#include "fix_plan.h"
#include "fix_options.h"
#include "fix_report.h"
#include "fix_script.h"
#include "fsutil.h"
#include "image_args.h"
#include "image_scan.h"
#include "imageref.h"
#include "kmend_limits.h"
#include "kube_edit.h"
#include "kube_workload.h"
#include "kube_yaml.h"
#include "repo.h"
#include "safetext.h"
#include "scan_args.h"
#include "strv.h"
#include "udiff.h"
#include "write_out.h"

/* The emptyDir kmend adds, and where the download and install steps mount it. */
#define FIX_VOLUME      KMEND_KUBE_NAME_PREFIX "packages"
#define FIX_MOUNT_PATH  "/kmend-packages"
#define FIX_MAX_MIRRORS 16

static void fix_usage(void)
{
	printf("Usage: kmend fix [OPTIONS] MANIFEST...\n"
	       "\n"
	       "Write a second deployment file that installs the safe versions of the vulnerable\n"
	       "OS packages when the pod starts. Every container of every workload is scanned\n"
	       "as 'kmend scan' scans it; for each image with findings kmend chooses the exact\n"
	       "package versions from the image's own repositories (or --mirror), verified\n"
	       "against their signatures, and splices into the pod template an emptyDir volume,\n"
	       "an init container per image that downloads those files and checks their\n"
	       "SHA-256, and an install step in each container to repair. Nothing else in the\n"
	       "file changes; 'kmend revert' takes the repair out again, byte for byte.\n"
	       "Containers that cannot install at start (non-root, read-only root, no shell or\n"
	       "package manager...) are left as they are and reported with the reason.\n"
	       "\n"
	       "Options:\n"
	       "  -o, --output OUT           write the second file to OUT, atomically (default:\n"
	       "                             standard output)\n"
	       "  -i, --in-place             replace MANIFEST atomically, keeping the original\n"
	       "                             beside it as MANIFEST.orig (.orig.1, .2... if taken)\n"
	       "  --dry-run                  write nothing: print the change as a unified diff,\n"
	       "                             then the report\n"
	       "  --install-at WHERE         entrypoint (default): the container's command\n"
	       "                             becomes the install step, which then execs the\n"
	       "                             original command; poststart: a postStart hook,\n"
	       "                             which Kubernetes runs alongside the entrypoint\n"
	       "  --mirror URL|DIR           use this repository instead of the image's own\n"
	       "                             (repeatable; the distribution's layout): http://,\n"
	       "                             https://, or a directory here (file:///PATH)\n"
	       "  --mirror-key FILE          trust this OpenPGP (or apk: PEM) key for the\n"
	       "                             mirrors (repeatable)\n"
	       "  --allow-unsigned           accept a mirror without a signature (warned)\n"
	       "  --no-check-valid-until     accept Release files past their Valid-Until, as\n"
	       "                             apt's Check-Valid-Until=false: for a frozen\n"
	       "                             snapshot of a repository (warned)\n"
	       "  --prefer lowest|newest     the lowest version that fixes (default) or the\n"
	       "                             newest in the repositories\n"
	       "  -f, --format FORMAT        the report: text (default) or json\n"
	       "%s"
	       "  -h, --help                 show this help\n"
	       "%s"
	       "\n"
	       "The report goes to standard output, or to standard error when standard output\n"
	       "carries the manifest. Several MANIFESTs take --in-place or --dry-run.\n"
	       "A file is not written when an image or repository of it could not be read or\n"
	       "verified. Exit status: 0 done; N (--exit-code N) findings remain that the\n"
	       "repair does not fix; 2 bad usage or input (a missing image, an index that\n"
	       "does not match its signed digest...); 3 operational failure (network, disk).\n"
	       "See docs/fix.md.\n",
	       cli_scan_options_help, cli_image_options_help);
}

struct fix_options {
	struct cli_output out;
	bool dry_run, prefer_newest;
	enum kmend_kube_install_at install_at;
	const char *format;
	const char *mirrors[FIX_MAX_MIRRORS + 1];
	char *mirror_dirs[FIX_MAX_MIRRORS + 1]; /* file:// URLs made of directories, owned */
	const char *mirror_keys[FIX_MAX_MIRRORS + 1];
	int nmirrors, nkeys;
	bool allow_unsigned, no_check_valid_until;
};

/* One image, read and planned once however many containers run it. */
struct fix_image {
	char *ref;
	struct kmend_image_scan scan;
	bool told;                          /* its error or warnings were printed */
	const struct kmend_finding **shown; /* the findings the filters show */
	size_t nshown;
	struct kmend_findings shown_view; /* the same, as the planner takes them (not owned) */
	bool planned;
	int plan_rc;
	struct kmend_error plan_err;
	struct kmend_fix_plan plan;
};

struct fix_state {
	const struct fix_options *o;
	struct cli_scan_args *sa;
	struct cli_image_args *ia;
	struct kmend_vulndb *db;
	struct kmend_repo_session *repos;
	struct fix_report *report;
	struct fix_image **images;
	size_t nimages, images_cap;
	bool poststart; /* a postStart hook was written */
	char **said;    /* repository warnings printed: images sharing a mirror share them */
	int worst;
};

static void worse(struct fix_state *st, int code)
{
	if (code > st->worst)
		st->worst = code;
}

static void warn(const struct fix_state *st, const char *what, const char *message)
{
	char a[2048], b[4096];

	if (!st->sa->quiet)
		fprintf(stderr, "kmend fix: warning: %s: %s\n",
		        kmend_text_for_terminal(what, a, sizeof(a)),
		        kmend_text_for_terminal(message, b, sizeof(b)));
}

static void fix_image_free(struct fix_image *img)
{
	if (!img)
		return;
	free(img->ref);
	kmend_image_scan_free(&img->scan);
	free(img->shown);
	free(img->shown_view.items);
	if (img->planned)
		kmend_fix_plan_free(&img->plan);
	free(img);
}

/* The findings of img that the user's filters show: the ones fix repairs and reports. */
static int select_shown(struct fix_state *st, struct fix_image *img)
{
	const struct kmend_findings *all = &img->scan.findings;

	if (all->count == 0)
		return 0;
	if (!(img->shown = calloc(all->count, sizeof(*img->shown))) ||
	    !(img->shown_view.items = calloc(all->count, sizeof(*img->shown_view.items))))
		return -ENOMEM;
	for (size_t i = 0; i < all->count; i++)
		if (kmend_report_verdict(&st->sa->filter, &all->items[i], NULL) ==
		    KMEND_VERDICT_SHOWN) {
			img->shown[img->nshown++] = &all->items[i];
			/* A shallow copy: the strings stay the scan's. */
			img->shown_view.items[img->shown_view.count++] = all->items[i];
		}
	return 0;
}

/* The image ref names, read on first use; NULL out of memory. */
static struct fix_image *image_get(struct fix_state *st, const char *ref)
{
	struct fix_image *img;

	for (size_t i = 0; i < st->nimages; i++)
		if (!strcmp(st->images[i]->ref, ref))
			return st->images[i];
	if (kmend_array_grow(&st->images, &st->images_cap, st->nimages, sizeof(*st->images)) < 0 ||
	    !(img = calloc(1, sizeof(*img))))
		return NULL;
	if (!(img->ref = strdup(ref))) {
		free(img);
		return NULL;
	}
	st->images[st->nimages++] = img;
	if (kmend_image_scan(ref, &st->ia->opts, st->ia->opts.cache_dir, st->db, &img->scan, NULL) <
	    0)
		return img;
	if (select_shown(st, img) < 0)
		return NULL;
	return img;
}

/* Say once what went wrong with an image, or what it warns of. */
static void tell_image(struct fix_state *st, struct fix_image *img)
{
	if (img->told)
		return;
	img->told = true;
	if (img->scan.failed)
		worse(st, cli_report("fix", &img->scan.error));
	for (size_t i = 0; i < img->scan.warnings.count; i++)
		warn(st, img->scan.name, img->scan.warnings.items[i].message);
}

/*
 * The image's plan, made on first need (run as root is judged per container, not here):
 * img->plan_rc says whether it could be made. Returns 0 or -ENOMEM.
 */
static int image_plan(struct fix_state *st, struct fix_image *img)
{
	if (img->planned)
		return 0;
	img->planned = true;
	img->plan_rc =
	    kmend_fix_plan_build(st->repos,
	                         &(struct kmend_fix_request){.inv = &img->scan.inv,
	                                                     .platform = img->scan.platform,
	                                                     .findings = &img->shown_view,
	                                                     .prefer_newest = st->o->prefer_newest},
	                         &img->plan, &img->plan_err);
	if (img->plan_rc < 0)
		worse(st, cli_report("fix", &img->plan_err));
	for (size_t i = 0; i < img->plan.warnings.count; i++) {
		const char *m = img->plan.warnings.items[i].message;
		if (kmend_strv_has(st->said, m))
			continue;
		if (kmend_strv_push(&st->said, m, strlen(m)) < 0)
			return -ENOMEM;
		warn(st, img->scan.name, m);
	}
	return 0;
}

/* YAML 1.1's true, as Kubernetes' YAML reader takes it. */
static bool yaml_true(const struct kmend_kube_node *n)
{
	static const char *const words[] = {"true", "True", "TRUE", "yes", "Yes",
	                                    "YES",  "on",   "On",   "ON"};

	n = kmend_kube_resolve(n);
	if (!n || n->kind != KMEND_KUBE_SCALAR)
		return false;
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (!strcmp(n->value, words[i]))
			return true;
	return false;
}

/* What the pod and the container say of who runs it; the container's word wins. */
struct run_as {
	long user; /* -1: unset; -2: not a number */
	const char *user_text;
	bool non_root, read_only_root;
};

static void read_security(const struct kmend_kube_node *sc, struct run_as *ra, bool container)
{
	const struct kmend_kube_node *n;

	sc = kmend_kube_resolve(sc);
	if (!sc || sc->kind != KMEND_KUBE_MAPPING)
		return;
	if ((n = kmend_kube_resolve(kmend_kube_get(sc, "runAsUser", NULL, NULL))) &&
	    !kmend_kube_is_null(n)) {
		char *end;
		long v;
		errno = 0;
		v = n->kind == KMEND_KUBE_SCALAR ? strtol(n->value, &end, 10) : -1;
		ra->user_text = n->kind == KMEND_KUBE_SCALAR ? n->value : "?";
		ra->user =
		    n->kind == KMEND_KUBE_SCALAR && !errno && end != n->value && !*end && v >= 0
		        ? v
		        : -2;
	}
	if ((n = kmend_kube_get(sc, "runAsNonRoot", NULL, NULL)))
		ra->non_root = yaml_true(n);
	if (container && (n = kmend_kube_get(sc, "readOnlyRootFilesystem", NULL, NULL)))
		ra->read_only_root = yaml_true(n);
}

/* A list of scalars from the manifest (command, args) as a NULL-terminated argv; an absent,
   null or empty list gives *out NULL. */
static int spec_argv(const struct kmend_kube_node *c, const char *key, char ***out,
                     struct kmend_error *err, const char *where)
{
	const struct kmend_kube_node *n = kmend_kube_resolve(kmend_kube_get(c, key, NULL, NULL));
	char **v;

	*out = NULL;
	if (!n || kmend_kube_is_null(n))
		return 0;
	if (n->kind != KMEND_KUBE_SEQUENCE)
		return kmend_error_set(err, -KMEND_E_BAD_INPUT, where, 0,
		                       "line %u: %s is not a list", n->line, key);
	if (n->count == 0)
		return 0;
	if (!(v = calloc(n->count + 1, sizeof(*v))))
		return -ENOMEM;
	for (size_t i = 0; i < n->count; i++) {
		const struct kmend_kube_node *x = kmend_kube_resolve(n->children[i]);
		if (x->kind != KMEND_KUBE_SCALAR || strlen(x->value) != x->len) {
			kmend_argv_free(v);
			return kmend_error_set(err, -KMEND_E_BAD_INPUT, where, 0,
			                       "line %u: %s[%zu] is not a string", x->line, key, i);
		}
		if (!(v[i] = strdup(x->value))) {
			kmend_argv_free(v);
			return -ENOMEM;
		}
	}
	*out = v;
	return 0;
}

/* The edits of one file under construction: everything kube_apply reads, kept alive. */
struct file_edits {
	struct kmend_kube_edit *edits;
	size_t count;
	struct kmend_kube_init_container *inits;
	size_t ninits;
	struct kmend_kube_container_edit *cedits;
	size_t ncedits;
	char ***argvs; /* every argv made, freed at the end */
	size_t nargvs;
	char **names;
	size_t nnames;
};

static void file_edits_free(struct file_edits *fe)
{
	for (size_t i = 0; i < fe->nargvs; i++)
		kmend_argv_free(fe->argvs[i]);
	for (size_t i = 0; i < fe->nnames; i++)
		free(fe->names[i]);
	free(fe->argvs);
	free(fe->names);
	free(fe->edits);
	free(fe->inits);
	free(fe->cedits);
}

static size_t argv_count(char *const *v)
{
	size_t n = 0;

	while (v[n])
		n++;
	return n;
}

static void argv_freep(char ***v)
{
	kmend_argv_free(*v);
}
#define _cleanup_argv_ __attribute__((cleanup(argv_freep)))

/* What fix does with one container: the verdict, and the install argv when it installs. */
struct verdict {
	struct fix_result res;
	struct fix_image *img;
	char **install; /* the argv, FIX_INSTALL only */
	char reason[1024];
	struct kmend_error err;
};

/* Judge one container of workload w; v->res says the outcome. Returns 0 or -ENOMEM. */
static int judge(struct fix_state *st, const char *path, const struct kmend_kube_workload *w,
                 const struct kmend_kube_container *k, struct verdict *v)
{
	const struct kmend_kube_node *c = k->node;
	struct run_as ra = {.user = -1};
	struct fix_image *img;
	_cleanup_argv_ char **command = NULL, **args = NULL, **orig = NULL;
	char where[4096];
	int r;

	memset(v, 0, sizeof(*v));
	v->res = (struct fix_result){
	    .target = path, .workload = w, .container = k, .image = k->image, .action = FIX_ERROR};
	v->res.install_at =
	    strcmp(k->list, "containers") ? KMEND_KUBE_INSTALL_ENTRYPOINT : st->o->install_at;
	snprintf(where, sizeof(where), "%s: %s/%s container %s", path, w->kind, w->name, k->name);
	if (!st->ia->allow_local_images &&
	    kmend_image_ref_require_registry(k->image, where, &v->err) < 0) {
		worse(st, cli_report("fix", &v->err));
		v->res.error = &v->err;
		return 0;
	}
	if (!(img = image_get(st, k->image)))
		return -ENOMEM;
	v->img = img;
	v->res.img = &img->scan;
	tell_image(st, img);
	if (img->scan.failed) {
		v->res.error = &img->scan.error;
		return 0;
	}
	v->res.findings = img->shown;
	v->res.nfindings = img->nshown;
	if (img->nshown == 0) {
		v->res.action = FIX_NOTHING;
		return 0;
	}
	v->res.action = FIX_REFUSED;
	v->res.repair = KMEND_FIX_REPAIR_REBUILD;
	if (!strcmp(k->list, "ephemeralContainers")) {
		v->res.code = "ephemeral-container";
		v->res.message = "an ephemeral container is added to a running pod, not started "
		                 "from the template";
		return 0;
	}
	read_security(kmend_kube_get(w->spec, "securityContext", NULL, NULL), &ra, false);
	read_security(kmend_kube_get(c, "securityContext", NULL, NULL), &ra, true);
	if (ra.user == -2) {
		snprintf(v->reason, sizeof(v->reason),
		         "runAsUser '%s' is not a user ID: kmend cannot tell that it is root",
		         ra.user_text);
		v->res.code = "not-root";
		v->res.message = v->reason;
		return 0;
	}
	if (!kmend_fix_runs_as_root(img->scan.run.user, &img->scan.inv.fix_files, ra.user,
	                            ra.non_root, v->reason, sizeof(v->reason))) {
		v->res.code = "not-root";
		v->res.message = v->reason;
		return 0;
	}
	if (ra.read_only_root) {
		v->res.code = "read-only-root";
		v->res.message = "readOnlyRootFilesystem is true: packages cannot be installed "
		                 "into the container's root";
		return 0;
	}
	if (v->res.install_at == KMEND_KUBE_INSTALL_POSTSTART &&
	    kmend_kube_get(kmend_kube_resolve(kmend_kube_get(c, "lifecycle", NULL, NULL)),
	                   "postStart", NULL, NULL)) {
		v->res.code = "has-poststart";
		v->res.message = "the container has a postStart hook of its own";
		v->res.repair = "kmend fix --install-at entrypoint";
		return 0;
	}
	if (v->res.install_at == KMEND_KUBE_INSTALL_ENTRYPOINT) {
		if ((r = spec_argv(c, "command", &command, &v->err, path)) < 0 ||
		    (r = spec_argv(c, "args", &args, &v->err, path)) < 0) {
			if (r == -ENOMEM)
				return r;
			v->res.action = FIX_ERROR;
			v->res.code = NULL;
			v->res.error = &v->err;
			worse(st, cli_report("fix", &v->err));
			return 0;
		}
		r = kmend_fix_original_command((const char *const *)command, args != NULL,
		                               &img->scan.run, &orig, &v->err);
		if (r == -ENOMEM)
			return r;
		if (r < 0) {
			v->res.code = "no-original-command";
			v->res.message = "neither the container nor its image says what to run, so "
			                 "the install step has nothing to hand over to";
			v->res.repair =
			    "give the container a command, or use --install-at poststart";
			return 0;
		}
	}
	if ((r = image_plan(st, img)) < 0)
		return r;
	if (img->plan_rc < 0) {
		v->res.action = FIX_ERROR;
		v->res.code = NULL;
		v->res.repair = NULL;
		v->res.error = &img->plan_err;
		return 0;
	}
	v->res.plan = &img->plan;
	v->res.code = NULL;
	v->res.repair = NULL;
	if (!img->plan.fixable || img->plan.npackages == 0)
		return 0;
	if ((r = kmend_fix_script_install(&img->plan, FIX_MOUNT_PATH,
	                                  v->res.install_at == KMEND_KUBE_INSTALL_ENTRYPOINT
	                                      ? (const char *const *)orig
	                                      : NULL,
	                                  &v->install, &v->err)) < 0) {
		if (r == -ENOMEM)
			return r;
		v->res.action = FIX_ERROR;
		v->res.error = &v->err;
		worse(st, cli_report("fix", &v->err));
		return 0;
	}
	v->res.action = FIX_INSTALL;
	return 0;
}

/* Keep an argv (or a name) for the file's edits; 0 or -ENOMEM (freeing it). */
static int keep_argv(struct file_edits *fe, size_t cap, char **argv)
{
	if (fe->nargvs == cap) {
		kmend_argv_free(argv);
		return -ENOMEM;
	}
	fe->argvs[fe->nargvs++] = argv;
	return 0;
}

/*
 * Judge every container of workload wi, report each, and add the workload's edit to fe when
 * one installs. *errors counts the containers that could not be judged.
 */
static int plan_workload(struct fix_state *st, const char *path,
                         const struct kmend_kube_workloads *ws, size_t wi, struct file_edits *fe,
                         size_t cap, size_t *errors)
{
	const struct kmend_kube_workload *w = &ws->items[wi];
	size_t first_init = fe->ninits, first_ce = fe->ncedits;
	struct fix_image **init_images = calloc(w->container_count + 1, sizeof(*init_images));
	int r = 0;

	if (!init_images)
		return -ENOMEM;
	for (size_t j = 0; j < w->container_count && r == 0; j++) {
		struct verdict v;
		if ((r = judge(st, path, w, &w->containers[j], &v)) < 0)
			break;
		if ((r = fix_report_add(st->report, &v.res)) < 0) {
			kmend_argv_free(v.install);
			break;
		}
		if (v.res.action == FIX_ERROR)
			(*errors)++;
		if (v.res.action != FIX_INSTALL)
			continue;
		st->poststart |= v.res.install_at == KMEND_KUBE_INSTALL_POSTSTART;
		if ((r = keep_argv(fe, cap, v.install)) < 0)
			break;
		fe->cedits[fe->ncedits++] = (struct kmend_kube_container_edit){
		    .container = j,
		    .install_at = v.res.install_at,
		    .command = (const char *const *)v.install,
		    .command_count = argv_count(v.install),
		};
		/* One download step per distinct image. */
		bool seen = false;
		for (size_t x = first_init; x < fe->ninits && !seen; x++)
			seen = init_images[x - first_init] == v.img;
		if (!seen) {
			struct kmend_kube_init_container *ic = &fe->inits[fe->ninits];
			char **dl = NULL, name[64];
			if ((r = kmend_fix_script_download(&v.img->plan, FIX_MOUNT_PATH, &dl,
			                                   &v.err)) < 0 ||
			    (r = keep_argv(fe, cap, dl)) < 0)
				break;
			snprintf(name, sizeof(name), KMEND_KUBE_NAME_PREFIX "download-%zu",
			         fe->ninits - first_init + 1);
			if (!(fe->names[fe->nnames] = strdup(name))) {
				r = -ENOMEM;
				break;
			}
			init_images[fe->ninits - first_init] = v.img;
			*ic = (struct kmend_kube_init_container){
			    .name = fe->names[fe->nnames++],
			    .image = w->containers[j].image,
			    .command = (const char *const *)dl,
			    .command_count = argv_count(dl),
			};
			fe->ninits++;
		}
	}
	free(init_images);
	if (r == 0 && fe->ncedits > first_ce)
		fe->edits[fe->count++] = (struct kmend_kube_edit){
		    .workload = wi,
		    .volume = FIX_VOLUME,
		    .mount_path = FIX_MOUNT_PATH,
		    .init = &fe->inits[first_init],
		    .init_count = fe->ninits - first_init,
		    .containers = &fe->cedits[first_ce],
		    .container_count = fe->ncedits - first_ce,
		};
	return r;
}

/* Write one file's result where the options say, or its diff; report where it went. */
static int write_result(struct fix_state *st, const char *path, const char *text, size_t len,
                        const char *out, size_t out_len)
{
	const struct fix_options *o = st->o;
	bool changed = out_len != len || memcmp(out, text, len);
	_cleanup_free_ char *backup = NULL, *diff = NULL;
	struct kmend_error err;
	size_t diff_len;
	int r;

	if (o->dry_run) {
		if ((r = kmend_udiff(text, len, out, out_len, path, path, 3, &diff, &diff_len)) < 0)
			return r;
		if (strcmp(o->format, "json") && fwrite(diff, 1, diff_len, stdout) != diff_len)
			return -EIO;
		return fix_report_add_file(st->report, path, NULL, NULL, changed, diff);
	}
	if (o->out.in_place && !changed)
		return fix_report_add_file(st->report, path, path, NULL, false, NULL);
	if (cli_write_output(path, &o->out, text, len, out, out_len, &backup, &err) < 0) {
		worse(st, cli_report("fix", &err));
		return fix_report_add_file(st->report, path, NULL, NULL, changed, NULL);
	}
	return fix_report_add_file(st->report, path,
	                           o->out.in_place ? path
	                           : o->out.out    ? o->out.out
	                                           : "-",
	                           backup, changed, NULL);
}

/* Fix one manifest file. Errors are reported and leave the file unwritten. */
static int fix_file(struct fix_state *st, const char *path)
{
	_cleanup_free_ char *text = NULL, *base = NULL, *out = NULL;
	struct kmend_kube_workloads ws = {0};
	struct kmend_kube_stream *s = NULL;
	struct file_edits fe = {0};
	struct kmend_error err;
	size_t len, base_len, out_len = 0, containers = 0, errors = 0, cap;
	int r;

	if ((r = kmend_read_file(path, KMEND_MANIFEST_FILE_MAX_SIZE, &text, &len, &err)) < 0 ||
	    (r = kmend_kube_revert(text, len, path, &base, &base_len, NULL, &err)) < 0 ||
	    (r = kmend_kube_parse(base, base_len, path, &s, &err)) < 0 ||
	    (r = kmend_kube_find_workloads(s, &ws, &err)) < 0) {
		worse(st, cli_report("fix", &err));
		goto done;
	}
	for (size_t i = 0; i < ws.count; i++)
		containers += ws.items[i].container_count;
	if (containers == 0) {
		fprintf(stderr, "kmend fix: no workloads found in %s\n", path);
		worse(st, KMEND_EXIT_USAGE);
		goto done;
	}
	cap = 2 * containers;
	fe.edits = calloc(ws.count, sizeof(*fe.edits));
	fe.inits = calloc(containers, sizeof(*fe.inits));
	fe.cedits = calloc(containers, sizeof(*fe.cedits));
	fe.argvs = calloc(cap, sizeof(*fe.argvs));
	fe.names = calloc(containers, sizeof(*fe.names));
	if (!fe.edits || !fe.inits || !fe.cedits || !fe.argvs || !fe.names) {
		r = -ENOMEM;
		goto done;
	}
	for (size_t i = 0; i < ws.count && r == 0; i++)
		r = plan_workload(st, path, &ws, i, &fe, cap, &errors);
	if (r < 0)
		goto done;
	if (errors) {
		fprintf(stderr, "kmend fix: %s: not written: %zu container%s could not be judged\n",
		        path, errors, errors == 1 ? "" : "s");
		r = fix_report_add_file(st->report, path, NULL, NULL, false, NULL);
		goto done;
	}
	if (fe.count == 0) {
		r = write_result(st, path, text, len, base, base_len);
		goto done;
	}
	if ((r = kmend_kube_apply(s, &ws, fe.edits, fe.count, &out, &out_len, &err)) < 0) {
		worse(st, cli_report("fix", &err));
		r = fix_report_add_file(st->report, path, NULL, NULL, false, NULL);
		goto done;
	}
	r = write_result(st, path, text, len, out, out_len);
done:
	file_edits_free(&fe);
	kmend_kube_workloads_free(&ws);
	kmend_kube_stream_free(s);
	return r == -ENOMEM || r == -EIO ? r : 0;
}

const struct option cli_fix_options[] = {
    {"output", required_argument, NULL, 'o'},
    {"in-place", no_argument, NULL, 'i'},
    {"dry-run", no_argument, NULL, 'n'},
    {"install-at", required_argument, NULL, 'a'},
    {"mirror", required_argument, NULL, 'm'},
    {"mirror-key", required_argument, NULL, 'k'},
    {"allow-unsigned", no_argument, NULL, 'u'},
    {"no-check-valid-until", no_argument, NULL, 'V'},
    {"prefer", required_argument, NULL, 'p'},
    {"format", required_argument, NULL, 'f'},
    {"help", no_argument, NULL, 'h'},
    CLI_SCAN_OPTIONS,
    CLI_IMAGE_OPTIONS,
    {NULL, 0, NULL, 0},
};

const char cli_fix_short_options[] = "o:if:qh";

static int parse_options(int argc, char **argv, struct fix_options *o, struct cli_scan_args *sa,
                         struct cli_image_args *ia)
{
	int c, r;

	/* 0, not 1: glibc starts afresh, as apply parses its own argv with fix's options first. */
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, cli_fix_short_options, cli_fix_options, NULL)) != -1) {
		if ((r = cli_image_args_take(ia, "fix", c, optarg)) != 0 ||
		    (r = cli_scan_args_take(sa, "fix", c, optarg)) != 0) {
			if (r < 0)
				return -r;
			continue;
		}
		switch (c) {
		case 'o': o->out.out = optarg; break;
		case 'i': o->out.in_place = true; break;
		case 'n': o->dry_run = true; break;
		case 'a':
			if (!strcmp(optarg, "entrypoint"))
				o->install_at = KMEND_KUBE_INSTALL_ENTRYPOINT;
			else if (!strcmp(optarg, "poststart"))
				o->install_at = KMEND_KUBE_INSTALL_POSTSTART;
			else
				return cli_usage_error(
				    "fix", "bad --install-at '%s': use entrypoint or poststart",
				    optarg);
			break;
		case 'm':
		case 'k': {
			const char **list = c == 'm' ? o->mirrors : o->mirror_keys;
			int *n = c == 'm' ? &o->nmirrors : &o->nkeys;
			if (*n == FIX_MAX_MIRRORS)
				return cli_usage_error("fix", "at most %d --%s", FIX_MAX_MIRRORS,
				                       c == 'm' ? "mirror" : "mirror-key");
			if (c == 'm' && !strstr(optarg, "://")) {
				/* A directory on this machine: the file:// URL of its real path. */
				char *real = realpath(optarg, NULL), *url = NULL;
				struct stat sb;
				bool dir = real && stat(real, &sb) == 0 && S_ISDIR(sb.st_mode);
				if (dir && asprintf(&url, "file://%s", real) < 0)
					url = NULL;
				free(real);
				if (!url)
					return cli_usage_error(
					    "fix", "bad --mirror '%s': give a URL or a directory",
					    optarg);
				o->mirror_dirs[*n] = url;
				list[(*n)++] = url;
				break;
			}
			list[(*n)++] = optarg;
			break;
		}
		case 'u': o->allow_unsigned = true; break;
		case 'V': o->no_check_valid_until = true; break;
		case 'p':
			if (strcmp(optarg, "lowest") && strcmp(optarg, "newest"))
				return cli_usage_error(
				    "fix", "bad --prefer '%s': use lowest or newest", optarg);
			o->prefer_newest = !strcmp(optarg, "newest");
			break;
		case 'f':
			if (strcmp(optarg, "text") && strcmp(optarg, "json"))
				return cli_usage_error(
				    "fix", "unknown format '%s'; use text or json", optarg);
			o->format = optarg;
			break;
		case 'h': fix_usage(); return -1;
		default: return cli_unknown_option("fix", argc, argv);
		}
	}
	if (optind == argc)
		return cli_usage_error("fix", "expected one or more MANIFEST files");
	if (o->out.out && o->out.in_place)
		return cli_usage_error("fix", "-o and --in-place exclude each other");
	if (o->dry_run && (o->out.out || o->out.in_place))
		return cli_usage_error("fix",
		                       "--dry-run writes nothing: leave out -o and --in-place");
	if (argc - optind > 1 && !o->dry_run && !o->out.in_place)
		return cli_usage_error("fix", "several MANIFESTs take --in-place or --dry-run (-o "
		                              "and standard output hold one file)");
	if (!strcmp(o->format, "json") && !o->dry_run && !o->out.out && !o->out.in_place)
		return cli_usage_error("fix", "--format json needs -o, --in-place or --dry-run: "
		                              "standard output carries the manifest");
	return 0;
}

static int fix_run(int argc, char **argv)
{
	struct fix_options o = {.format = "text", .install_at = KMEND_KUBE_INSTALL_ENTRYPOINT};
	struct kmend_repo_options ro = {0};
	struct cli_scan_args sa;
	struct cli_image_args ia;
	struct fix_state st = {0};
	FILE *report_out;
	int r, code;

	cli_image_args_init(&ia);
	cli_scan_args_init(&sa);
	if ((r = parse_options(argc, argv, &o, &sa, &ia)) != 0 ||
	    (r = cli_scan_args_finish(&sa, "fix", &st.db)) != 0) {
		cli_scan_args_free(&sa);
		for (int i = 0; i < o.nmirrors; i++)
			free(o.mirror_dirs[i]);
		return r < 0 ? KMEND_EXIT_OK : r;
	}
	cli_image_args_finish(&ia);
	ro.mirrors = o.mirrors;
	ro.mirror_keys = o.mirror_keys;
	ro.allow_unsigned = o.allow_unsigned;
	ro.no_check_valid_until = o.no_check_valid_until;
	if (o.no_check_valid_until && !sa.quiet)
		fprintf(stderr,
		        "kmend fix: warning: --no-check-valid-until: Release files past their "
		        "Valid-Until are accepted, so an old copy of a repository cannot be "
		        "told from a current one\n");
	ro.cache_dir = ia.opts.cache_dir;
	st.o = &o;
	st.sa = &sa;
	st.ia = &ia;
	if (kmend_repo_session_new(&ro, &st.repos) < 0 || fix_report_new(&st.report) < 0) {
		fprintf(stderr, "kmend fix: out of memory\n");
		st.worst = KMEND_EXIT_FAILURE;
		goto done;
	}
	for (int i = optind; i < argc; i++)
		if (fix_file(&st, argv[i]) < 0) {
			fprintf(stderr, "kmend fix: %s: out of memory or a write failed\n",
			        argv[i]);
			worse(&st, KMEND_EXIT_FAILURE);
			break;
		}
	if (st.poststart && !sa.quiet)
		fprintf(
		    stderr,
		    "kmend fix: warning: Kubernetes runs a postStart hook at the same time as the "
		    "container's entrypoint, not before it: the application may start before the "
		    "fixed packages are in (--install-at entrypoint installs first); podman kube "
		    "play does not run postStart hooks at all\n");
	/* The report shares standard output only when the manifest is not there. */
	report_out = o.dry_run || o.out.out || o.out.in_place ? stdout : stderr;
	if (report_out == stderr && sa.quiet)
		report_out = NULL;
	if (report_out && fix_report_write(st.report, o.format, report_out) < 0) {
		fprintf(stderr, "kmend fix: the report could not be written\n");
		worse(&st, KMEND_EXIT_FAILURE);
	}
done:
	code = st.worst;
	if (code == KMEND_EXIT_OK && st.report && fix_report_remaining(st.report) > 0)
		code = sa.exit_code;
	fix_report_free(st.report);
	for (size_t i = 0; i < st.nimages; i++)
		fix_image_free(st.images[i]);
	free(st.images);
	kmend_strv_free(st.said);
	kmend_repo_session_free(st.repos);
	kmend_vulndb_close(st.db);
	cli_scan_args_free(&sa);
	for (int i = 0; i < o.nmirrors; i++)
		free(o.mirror_dirs[i]);
	if (fflush(stdout) != 0)
		return KMEND_EXIT_FAILURE;
	return code;
}

const struct cli_command cli_fix = {
    .name = "fix",
    .summary = "a second deployment file that installs the fixed packages at start",
    .run = fix_run,
    .usage = fix_usage,
};
