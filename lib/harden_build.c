/* kmend harden --build: build a step's Dockerfile, read the result back, rescan, plan again. */
#include "harden_build.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "array.h"
#include "cleanup.h"
#include "fsutil.h"
#include "harden_internal.h"
#include "subprocess.h"

/* A build may take long (package downloads): one hour before it is killed. */
#define BUILD_TIMEOUT_MS (60 * 60 * 1000)

const char *kmend_harden_find_builder(void)
{
	static const char *const builders[] = {"podman", "buildah"};

	for (size_t i = 0; i < sizeof(builders) / sizeof(builders[0]); i++) {
		const char *argv[] = {builders[i], "--version", NULL};
		struct kmend_spawn sp = {.argv = argv, .timeout_ms = 30000};
		struct kmend_spawn_result res;
		int ok;
		if (kmend_spawn_run(&sp, &res, NULL) < 0)
			continue;
		ok = res.exit_code == 0;
		kmend_spawn_result_free(&res);
		if (ok)
			return builders[i];
	}
	return NULL;
}

/* A loopback mirror is reached from the build only on the host's network. */
static bool loopback(const char *url)
{
	const char *p = url ? strstr(url, "://") : NULL;

	return p && (!strncmp(p + 3, "127.", 4) || !strncmp(p + 3, "localhost", 9) ||
	             !strncmp(p + 3, "[::1]", 5));
}

/* Run argv; a failure is *why (its last lines of error output). 0 ran and succeeded. */
static int run(const char *const *argv, char **why)
{
	struct kmend_spawn sp = {.argv = argv, .timeout_ms = BUILD_TIMEOUT_MS};
	struct kmend_spawn_result res;
	struct kmend_error e;
	char msg[700];
	int r;

	if ((r = kmend_spawn_run(&sp, &res, &e)) < 0) {
		if (r == -ENOMEM)
			return r;
		return asprintf(why, "%s", kmend_error_format(&e, msg, sizeof(msg))) < 0 ? -ENOMEM
		                                                                         : 1;
	}
	if (res.exit_code == 0) {
		kmend_spawn_result_free(&res);
		return 0;
	}
	r = asprintf(why, "%s %s exited with %d%s%s", argv[0], argv[1], res.exit_code,
	             res.timed_out ? " (timed out)" : "", res.err_len ? ": " : "");
	if (r >= 0 && res.err_len) {
		char *more;
		r = asprintf(&more, "%s%s", *why, kmend_last_lines(res.errout, res.err_len, 5));
		free(*why);
		*why = r < 0 ? NULL : more;
	}
	kmend_spawn_result_free(&res);
	return r < 0 ? -ENOMEM : 1;
}

/* Build dockerfile as tag and push it to archive. 0 built, 1 failed (*why), <0 error. */
static int build_image(const char *builder, const char *dir, const char *dockerfile,
                       const char *context, const char *tag, bool host_network, const char *archive,
                       char **why)
{
	_cleanup_free_ char *file = NULL, *dest = NULL;
	struct kmend_error e;
	int r;

	if (asprintf(&file, "%s/Dockerfile", dir) < 0 ||
	    asprintf(&dest, "oci-archive:%s", archive) < 0)
		return -ENOMEM;
	if ((r = kmend_write_file_atomic(file, dockerfile, strlen(dockerfile), 0600, &e)) < 0)
		return asprintf(why, "cannot write the Dockerfile: %s", kmend_strerror(r)) < 0
		           ? -ENOMEM
		           : 1;
	{
		const char *argv[] = {builder,
		                      "build",
		                      "--quiet",
		                      "-t",
		                      tag,
		                      "-f",
		                      file,
		                      host_network ? "--network=host" : context,
		                      host_network ? context : NULL,
		                      NULL};
		if ((r = run(argv, why)) != 0)
			return r;
	}
	{
		const char *argv[] = {builder, "push", "--quiet", tag, dest, NULL};
		return run(argv, why);
	}
}

static int add_step(struct kmend_harden_build *b, struct kmend_harden_build_step **out)
{
	if (kmend_array_grow(&b->steps, &b->capacity, b->nsteps, sizeof(*b->steps)) < 0)
		return -ENOMEM;
	*out = &b->steps[b->nsteps++];
	memset(*out, 0, sizeof(**out));
	return 0;
}

/*
 * The step to take next: the first, in the workflow's order, not tried yet that fixes
 * something (a newer image before a rebuild: the smaller change first, the rest left to the
 * next round on its result).
 */
static const struct kmend_harden_step *next_step(const struct kmend_harden_plan *p, unsigned tried)
{
	for (size_t i = 0; i < p->nsteps; i++)
		if (p->steps[i].available && p->steps[i].fixes && p->steps[i].fixes[0] &&
		    !(tried & (1u << p->steps[i].strategy)))
			return &p->steps[i];
	return NULL;
}

static int set_stopped(struct kmend_harden_build *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int set_stopped(struct kmend_harden_build *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&b->stopped, fmt, ap);
	va_end(ap);
	return n < 0 ? -ENOMEM : 0;
}

static void remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[4200];

	while (d && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			unlink(path);
		}
	if (d)
		closedir(d);
	rmdir(dir);
}

/* Where --build keeps a patched image when --to names none: the cache (kept, as a builder
   keeps its tags), else the run's own directory. */
static void patched_dir(const struct kmend_harden_options *o, const char *tmp, char *out,
                        size_t size)
{
	if (o->image_opts && o->image_opts->cache_dir)
		snprintf(out, size, "%s", o->image_opts->cache_dir);
	else if (kmend_default_cache_dir(out, size) < 0)
		snprintf(out, size, "%s", tmp);
}

int kmend_harden_build_run(const struct kmend_harden_options *o,
                           const struct kmend_harden_plan *first, const char *builder,
                           const struct kmend_harden_build_options *bo,
                           struct kmend_harden_build *out, struct kmend_error *err)
{
	const struct kmend_harden_plan *plan = first;
	struct kmend_harden_plan next = {0};
	struct kmend_harden_options opts = *o;
	char dir[4096], keep[4096], *refs[KMEND_STRATEGY_COUNT + 1] = {NULL};
	const char *tmp = getenv("TMPDIR");
	unsigned tried = 0;
	bool have_next = false;
	int r = 0;

	memset(out, 0, sizeof(*out));
	out->builder = builder;
	snprintf(dir, sizeof(dir), "%s/kmend-harden-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		return kmend_error_set(err, -errno, dir, 0, "cannot create a temporary directory");
	patched_dir(o, dir, keep, sizeof(keep));
	if (!plan->targeted || !plan->targeted[0]) {
		r = set_stopped(out, "the target is met: the image has no targeted finding");
		out->target_met = true;
		goto done;
	}
	for (int iter = 0; iter < KMEND_STRATEGY_COUNT && r == 0; iter++) {
		const struct kmend_harden_step *s = next_step(plan, tried);
		struct kmend_harden_build_step *bs;
		struct harden_ctx ctx = {.o = &opts};
		struct harden_scan scan;
		struct kmend_error e;
		char archive[4200], tag[512], msg[700], *ref;

		if (!s) {
			r = set_stopped(out, "nothing left to try: %zu targeted finding%s remain",
			                kmend_strv_len(plan->targeted),
			                kmend_strv_len(plan->targeted) == 1 ? "" : "s");
			break;
		}
		tried |= 1u << s->strategy;
		if ((r = add_step(out, &bs)) < 0)
			break;
		bs->strategy = s->strategy;
		if (s->strategy == KMEND_STRATEGY_NEWER_IMAGE) {
			ref = s->ref;
			if (!(bs->image = strdup(s->ref))) {
				r = -ENOMEM;
				break;
			}
		} else if (s->strategy == KMEND_STRATEGY_PATCH) {
			/* kmend writes it itself: to --to, else to a layout in the cache, kept. */
			if (bo && bo->to)
				snprintf(tag, sizeof(tag), "%s", bo->to);
			else
				snprintf(tag, sizeof(tag), "oci:%s/harden-patched:%zu", keep,
				         out->nsteps);
			if (!(bs->image = strdup(tag)) || !(refs[iter] = strdup(tag))) {
				r = -ENOMEM;
				break;
			}
			if ((r = harden_patch_image(&opts, opts.image, tag, bs->digest,
			                            &bs->error)) < 0)
				break;
			if (bs->error)
				continue;
			ref = refs[iter];
		} else if (s->dockerfile && !builder) {
			if (!(bs->error =
			          strdup("no builder (podman or buildah) on PATH to build its "
			                 "Dockerfile"))) {
				r = -ENOMEM;
				break;
			}
			continue;
		} else if (s->dockerfile) {
			snprintf(tag, sizeof(tag), "%s", bo && bo->to ? bo->to : "");
			if (!tag[0])
				snprintf(tag, sizeof(tag), "localhost/kmend-harden:%zu",
				         out->nsteps);
			snprintf(archive, sizeof(archive), "%s/%zu.tar", dir, out->nsteps);
			if (!(bs->image = strdup(tag))) {
				r = -ENOMEM;
				break;
			}
			r = build_image(builder, dir, s->dockerfile,
			                bo && bo->context ? bo->context : dir, tag,
			                loopback(o->mirror), archive, &bs->error);
			if (r < 0)
				break;
			if (r > 0) {
				r = 0;
				continue;
			}
			if (asprintf(&refs[iter], "oci-archive:%s", archive) < 0) {
				r = -ENOMEM;
				break;
			}
			ref = refs[iter];
		} else {
			out->nsteps--;
			continue;
		}
		if ((r = harden_scan_ref(&ctx, ref, false, &scan, &e)) < 0) {
			if (r == -ENOMEM)
				break;
			r = asprintf(&bs->error, "cannot be read back: %s",
			             kmend_error_format(&e, msg, sizeof(msg))) < 0
			        ? -ENOMEM
			        : 0;
			continue;
		}
		snprintf(bs->digest, sizeof(bs->digest), "%s", scan.digest);
		bs->left = TAKE_PTR(scan.targeted);
		harden_scan_free(&scan);
		if ((r = harden_strv_empty(&bs->fixed)) < 0)
			break;
		for (size_t i = 0; r == 0 && first->targeted[i]; i++)
			if (!kmend_strv_has(bs->left, first->targeted[i]))
				r = kmend_strv_push(&bs->fixed, first->targeted[i],
				                    strlen(first->targeted[i]));
		if (r < 0)
			break;
		if (!bs->left[0]) {
			out->target_met = true;
			r = set_stopped(out, "the target is met: %s has no targeted finding",
			                bs->image);
			break;
		}
		/* Plan again on the result, with the strategies not tried yet. */
		opts.image = ref;
		opts.strategies = ((1u << KMEND_STRATEGY_COUNT) - 1) & ~tried;
		if (have_next)
			kmend_harden_plan_free(&next);
		have_next = true;
		if ((r = kmend_harden_plan_build(&opts, &next, err)) < 0)
			break;
		plan = &next;
	}
	if (r == 0 && !out->stopped)
		r = set_stopped(out, "every strategy was tried: %zu targeted finding%s remain",
		                kmend_strv_len(plan->targeted),
		                kmend_strv_len(plan->targeted) == 1 ? "" : "s");
done:
	if (have_next)
		kmend_harden_plan_free(&next);
	for (int i = 0; i < KMEND_STRATEGY_COUNT; i++)
		free(refs[i]);
	remove_dir(dir);
	return r;
}

void kmend_harden_build_free(struct kmend_harden_build *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->nsteps; i++) {
		free(b->steps[i].image);
		kmend_strv_free(b->steps[i].fixed);
		kmend_strv_free(b->steps[i].left);
		free(b->steps[i].error);
	}
	free(b->steps);
	free(b->stopped);
	memset(b, 0, sizeof(*b));
}
