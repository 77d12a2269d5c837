/* scan's view of a manifest: the containers lib/kube_workload finds, as self-contained records. */
#include "workload.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "cleanup.h"
#include "fsutil.h"
#include "kmend_limits.h"
#include "kube_workload.h"
#include "kube_yaml.h"

static int add(struct kmend_container_list *out, const char *file,
               const struct kmend_kube_workload *w, const struct kmend_kube_container *c)
{
	struct kmend_container_ref *r;
	int failed = 0;

	if (kmend_array_grow(&out->items, &out->capacity, out->count, sizeof(*out->items)) < 0)
		return -ENOMEM;
	r = &out->items[out->count++];
	r->file = kmend_strdup_or_null(file, &failed);
	r->kind = kmend_strdup_or_null(w->kind, &failed);
	r->namespace = kmend_strdup_or_null(w->namespace, &failed);
	r->name = kmend_strdup_or_null(w->name, &failed);
	r->container = kmend_strdup_or_null(c->name, &failed);
	r->image = kmend_strdup_or_null(c->image, &failed);
	r->role = c->role;
	r->document = w->document;
	return failed ? -ENOMEM : 0;
}

int kmend_workloads_from_file(const char *path, struct kmend_container_list *out,
                              struct kmend_error *err)
{
	_cleanup_free_ char *data = NULL;
	size_t len;
	int r;

	if ((r = kmend_read_file(path, KMEND_MANIFEST_FILE_MAX_SIZE, &data, &len, err)) < 0)
		return r;
	return kmend_workloads_from_memory(data, len, path, out, err);
}

int kmend_workloads_from_memory(const char *data, size_t len, const char *path,
                                struct kmend_container_list *out, struct kmend_error *err)
{
	struct kmend_kube_workloads wl = {0};
	struct kmend_kube_stream *s;
	int r;

	if ((r = kmend_kube_parse(data, len, path, &s, err)) < 0)
		return r;
	r = kmend_kube_find_workloads(s, &wl, err);
	for (size_t i = 0; r == 0 && i < wl.count; i++)
		for (size_t j = 0; r == 0 && j < wl.items[i].container_count; j++)
			r = add(out, path, &wl.items[i], &wl.items[i].containers[j]);
	kmend_kube_workloads_free(&wl);
	kmend_kube_stream_free(s);
	return r;
}

void kmend_container_list_free(struct kmend_container_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->count; i++) {
		struct kmend_container_ref *r = &l->items[i];
		free(r->file);
		free(r->kind);
		free(r->namespace);
		free(r->name);
		free(r->container);
		free(r->image);
	}
	free(l->items);
	memset(l, 0, sizeof(*l));
}
