/* Deploy targets: the backend table, the watch loop every backend shares, apply marks. */
#include "deploy.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "array.h"
#include "workload.h"

extern const struct kmend_deploy_ops kmend_deploy_podman;
extern const struct kmend_deploy_ops kmend_deploy_kubernetes;

const struct kmend_deploy_ops *const kmend_deploy_backends[] = {
    &kmend_deploy_podman,
    &kmend_deploy_kubernetes,
    NULL,
};

static const char *const failure_names[] = {
    [KMEND_FAIL_NONE] = "none",
    [KMEND_FAIL_INIT_CONTAINER] = "init-container-failed",
    [KMEND_FAIL_POST_START_HOOK] = "post-start-hook-failed",
    [KMEND_FAIL_CRASH_LOOP] = "crash-loop",
    [KMEND_FAIL_CONTAINER_FAILED] = "container-failed",
    [KMEND_FAIL_IMAGE_PULL] = "image-pull",
    [KMEND_FAIL_CREATE_CONTAINER] = "create-container",
    [KMEND_FAIL_NOT_READY] = "not-ready",
    [KMEND_FAIL_PROGRESS_DEADLINE] = "progress-deadline",
    [KMEND_FAIL_TIMEOUT] = "timeout",
    [KMEND_FAIL_DEPLOY] = "deploy-refused",
    [KMEND_FAIL_GONE] = "gone",
};

const char *kmend_failure_name(enum kmend_failure f)
{
	if ((unsigned)f < sizeof(failure_names) / sizeof(*failure_names) && failure_names[f])
		return failure_names[f];
	return "unknown";
}

void kmend_workload_refs_free(struct kmend_workload_refs *refs)
{
	free(refs->items);
	memset(refs, 0, sizeof(*refs));
}

void kmend_marked_list_free(struct kmend_marked_list *l)
{
	size_t i;

	for (i = 0; i < l->count; i++) {
		free(l->items[i].first);
		free(l->items[i].second);
		free(l->items[i].first_name);
		free(l->items[i].second_name);
	}
	free(l->items);
	memset(l, 0, sizeof(*l));
}

int kmend_deploy_workloads_of(const char *text, size_t len, const char *name,
                              struct kmend_workload_refs *out, struct kmend_error *err)
{
	struct kmend_container_list cl = {0};
	size_t i, j, first = out->count;
	int r;

	/* The one manifest reader scan uses; each workload is listed once per container. */
	if ((r = kmend_workloads_from_memory(text, len, name, &cl, err)) < 0)
		return r;
	for (i = 0; i < cl.count; i++) {
		const struct kmend_container_ref *c = &cl.items[i];
		struct kmend_workload_ref *w;
		bool seen = false;

		/* A PodTemplate runs nothing: there is nothing to watch. */
		if (!strcmp(c->kind, "PodTemplate"))
			continue;
		if (!c->name || !*c->name) {
			r = kmend_error_set(err, -KMEND_E_BAD_INPUT, name, 0,
			                    "a %s in document %ld has no metadata.name", c->kind,
			                    c->document);
			break;
		}
		for (j = first; j < out->count && !seen; j++)
			seen = !strcmp(out->items[j].kind, c->kind) &&
			       !strcmp(out->items[j].name, c->name) &&
			       !strcmp(out->items[j].namespace, c->namespace);
		if (seen) {
			/* The same workload's next container, or a second object of that name. */
			if (i > 0 && cl.items[i - 1].document == c->document)
				continue;
			r = kmend_error_set(err, -KMEND_E_BAD_INPUT, name, 0,
			                    "%s \"%s\" is defined twice (document %ld)", c->kind,
			                    c->name, c->document);
			break;
		}
		if ((r = kmend_array_grow(&out->items, &out->capacity, out->count,
		                          sizeof(*out->items))) < 0)
			break;
		w = &out->items[out->count++];
		memset(w, 0, sizeof(*w));
		snprintf(w->kind, sizeof(w->kind), "%s", c->kind);
		snprintf(w->namespace, sizeof(w->namespace), "%s", c->namespace);
		snprintf(w->name, sizeof(w->name), "%s", c->name);
	}
	kmend_container_list_free(&cl);
	return r < 0 ? r : 0;
}

void kmend_apply_mark_init(struct kmend_apply_mark *mark)
{
	unsigned char rnd[4] = {0};
	time_t now = time(NULL);
	struct tm tm;
	char when[32];
	int fd;

	if ((fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC)) >= 0) {
		if (read(fd, rnd, sizeof(rnd)) != (ssize_t)sizeof(rnd))
			memset(rnd, 0, sizeof(rnd));
		close(fd);
	}
	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y%m%dT%H%M%SZ", &tm);
	/* A label value: at most 63 of [A-Za-z0-9._-], alphanumeric at both ends. */
	snprintf(mark->id, sizeof(mark->id), "%s-%ld-%02x%02x%02x%02x", when, (long)getpid(),
	         rnd[0], rnd[1], rnd[2], rnd[3]);
}

void kmend_deploy_copy_text(char *dst, size_t size, const char *text, size_t len)
{
	size_t i = 0, o = 0;

	if (!size)
		return;
	while (i < len && text[i] && o + 1 < size) {
		unsigned char ch = (unsigned char)text[i];
		size_t n = ch < 0x80         ? 1
		           : (ch >> 5) == 6  ? 2
		           : (ch >> 4) == 14 ? 3
		           : (ch >> 3) == 30 ? 4
		                             : 0;
		size_t k;
		bool valid = n > 0 && i + n <= len && o + n < size;

		for (k = 1; valid && k < n; k++)
			valid = ((unsigned char)text[i + k] >> 6) == 2;
		if (n == 1 && ch < 0x20 && ch != '\n' && ch != '\t')
			valid = false;
		if (n == 1 && ch == 0x7f)
			valid = false;
		if (!valid) {
			dst[o++] = '?';
			i++;
			continue;
		}
		memcpy(dst + o, text + i, n);
		o += n;
		i += n;
	}
	dst[o] = '\0';
}

int kmend_deploy_open(const char *name, const struct kmend_deploy_options *opt,
                      struct kmend_deploy **out, struct kmend_error *err)
{
	const struct kmend_deploy_ops *const *b;
	struct kmend_deploy *d;
	int r;

	*out = NULL;
	for (b = kmend_deploy_backends; *b && strcmp((*b)->name, name); b++)
		;
	if (!*b)
		return kmend_error_set(err, -KMEND_E_UNKNOWN_NAME, name, 0,
		                       "no deploy backend of that name (podman, kubernetes)");
	if (!(d = calloc(1, sizeof(*d))))
		return -ENOMEM;
	d->ops = *b;
	if (opt)
		d->opt = *opt;
	if (!d->opt.poll_ms)
		d->opt.poll_ms = 500;
	if (!d->opt.min_ready_ms)
		d->opt.min_ready_ms = 3000;
	if (!d->opt.hook_timeout_ms)
		d->opt.hook_timeout_ms = 300000;
	if ((r = d->ops->open(d, err)) < 0) {
		free(d);
		return r;
	}
	*out = d;
	return 0;
}

void kmend_deploy_close(struct kmend_deploy *d)
{
	if (!d)
		return;
	d->ops->close(d);
	kmend_warnings_free(&d->warnings);
	free(d);
}

int kmend_deploy_apply(struct kmend_deploy *d, const char *text, size_t len, const char *name,
                       const struct kmend_apply_mark *mark, int flags,
                       struct kmend_workload_refs *refs, struct kmend_error *err)
{
	return d->ops->apply(d, text, len, name, mark, flags, refs, err);
}

int kmend_deploy_observe(struct kmend_deploy *d, const struct kmend_workload_ref *ref,
                         struct kmend_workload_status *st, struct kmend_error *err)
{
	return d->ops->observe(d, ref, st, err);
}

int kmend_deploy_remove(struct kmend_deploy *d, const char *text, size_t len, const char *name,
                        struct kmend_error *err)
{
	return d->ops->remove(d, text, len, name, err);
}

int kmend_deploy_rollback(struct kmend_deploy *d, const char *second, size_t second_len,
                          const char *second_name, const char *first, size_t first_len,
                          const char *first_name, struct kmend_workload_refs *refs,
                          struct kmend_error *err)
{
	int r;

	if (d->ops->rollback)
		return d->ops->rollback(d, second, second_len, first, first_len, first_name, refs,
		                        err);
	if ((r = d->ops->remove(d, second, second_len, second_name, err)) < 0)
		return r;
	return d->ops->apply(d, first, first_len, first_name, NULL, 0, refs, err);
}

int kmend_deploy_find_marked(struct kmend_deploy *d, struct kmend_marked_list *out,
                             struct kmend_error *err)
{
	return d->ops->find_marked(d, out, err);
}

int kmend_deploy_revert(struct kmend_deploy *d, const struct kmend_workload_ref *ref,
                        struct kmend_workload_refs *refs, char id[64], struct kmend_error *err)
{
	if (!d->ops->revert)
		return kmend_error_set(err, -KMEND_E_UNSUPPORTED, d->ops->name, 0,
		                       "the %s backend keeps no mark to go back from; "
		                       "revert --cluster is for a Kubernetes cluster",
		                       d->ops->name);
	return d->ops->revert(d, ref, refs, id, err);
}

bool kmend_apply_phase_unsettled(const char *phase)
{
	return phase && (!strcmp(phase, "deploying") || !strcmp(phase, "rolling-back"));
}

int kmend_deploy_settle(struct kmend_deploy *d, const char *id, const char *phase,
                        struct kmend_error *err)
{
	return d->ops->settle(d, id, phase, err);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int kmend_deploy_watch(struct kmend_deploy *d, const struct kmend_workload_refs *refs,
                       int timeout_ms, struct kmend_workload_status *st, struct kmend_error *err)
{
	long long deadline = now_ms() + timeout_ms;
	size_t i, open_count, failed = 0;
	int r;

	for (i = 0; i < refs->count; i++) {
		memset(&st[i], 0, sizeof(st[i]));
		st[i].ref = refs->items[i];
		st[i].exit_code = -1;
	}
	for (;;) {
		open_count = 0;
		for (i = 0; i < refs->count; i++) {
			if (st[i].health != KMEND_HEALTH_PROGRESSING)
				continue;
			if ((r = d->ops->observe(d, &refs->items[i], &st[i], err)) < 0)
				return r;
			open_count += st[i].health == KMEND_HEALTH_PROGRESSING;
		}
		if (!open_count)
			break;
		long long left = deadline - now_ms();

		if (left <= 0) {
			for (i = 0; i < refs->count; i++) {
				struct kmend_workload_status *s = &st[i];

				if (s->health != KMEND_HEALTH_PROGRESSING)
					continue;
				s->health = KMEND_HEALTH_FAILED;
				/* Running but not ready: say so; otherwise kmend's own timeout. */
				s->failure = strstr(s->condition, "Ready=False") &&
				                     !strstr(s->condition, "Initialized=False")
				                 ? KMEND_FAIL_NOT_READY
				                 : KMEND_FAIL_TIMEOUT;
				if (!s->message[0])
					snprintf(s->message, sizeof(s->message),
					         "not healthy within %d s", timeout_ms / 1000);
			}
			break;
		}
		if ((r = d->ops->wait(d, left < d->opt.poll_ms ? (int)left : d->opt.poll_ms, err)) <
		    0)
			return r;
	}
	for (i = 0; i < refs->count; i++)
		failed += st[i].health == KMEND_HEALTH_FAILED;
	return (int)failed;
}
