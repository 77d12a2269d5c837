/* Finding the pod template of each workload kind, and its containers, in the node tree. */
#include "kube_workload.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"

/* Where each kind keeps its pod template (metadata and spec), as a path of keys. */
static const struct {
	const char *kind;
	const char *path[5]; /* NULL-terminated */
} template_paths[] = {
    {"Pod", {NULL}},
    {"PodTemplate", {"template"}},
    {"Deployment", {"spec", "template"}},
    {"StatefulSet", {"spec", "template"}},
    {"DaemonSet", {"spec", "template"}},
    {"ReplicaSet", {"spec", "template"}},
    {"ReplicationController", {"spec", "template"}},
    {"Job", {"spec", "template"}},
    {"CronJob", {"spec", "jobTemplate", "spec", "template"}},
};

static const struct {
	const char *list, *role;
} container_lists[] = {
    {"initContainers", "initContainer"},
    {"containers", "container"},
    {"ephemeralContainers", "ephemeralContainer"},
};

/* List nesting (a List of DeploymentLists...) kmend follows. */
enum { MAX_LIST_DEPTH = 8 };

static const char *str_or_empty(const char *s)
{
	return s ? s : "";
}

static int bad(const struct kmend_kube_stream *s, const struct kmend_kube_node *at,
               struct kmend_error *err, const char *what, long doc, const char *kind,
               const char *name)
{
	char qname[120], qkind[80];

	kmend_error_quote(qname, sizeof(qname), name, strlen(name));
	kmend_error_quote(qkind, sizeof(qkind), kind, strlen(kind));
	if (*name)
		kmend_error_set(err, -KMEND_E_BAD_INPUT, s->name, at->column,
		                "document %ld: %s '%s': %s", doc, qkind, qname, what);
	else
		kmend_error_set(err, -KMEND_E_BAD_INPUT, s->name, at->column,
		                "document %ld: %s: %s", doc, qkind, what);
	kmend_error_at_line(err, at->line);
	return -KMEND_E_BAD_INPUT;
}

static int add_containers(const struct kmend_kube_stream *s, struct kmend_kube_workload *w,
                          struct kmend_error *err)
{
	size_t cap = 0;

	for (size_t l = 0; l < sizeof(container_lists) / sizeof(container_lists[0]); l++) {
		const struct kmend_kube_node *list =
		    kmend_kube_get(w->spec, container_lists[l].list, NULL, NULL);

		if (!list || kmend_kube_is_null(list))
			continue;
		if (list->kind != KMEND_KUBE_SEQUENCE)
			return bad(s, list, err, "containers are not a list", w->document, w->kind,
			           w->name);
		for (size_t i = 0; i < list->count; i++) {
			const struct kmend_kube_node *c = kmend_kube_resolve(list->children[i]);
			struct kmend_kube_container *k;
			const char *image = kmend_kube_get_str(c, "image");

			if (c->kind != KMEND_KUBE_MAPPING)
				return bad(s, c, err, "a container that is not a mapping",
				           w->document, w->kind, w->name);
			if (!image) {
				const char *cname = str_or_empty(kmend_kube_get_str(c, "name"));
				char what[200], quoted[120];
				kmend_error_quote(quoted, sizeof(quoted), cname, strlen(cname));
				snprintf(what, sizeof(what), "container '%s' has no image", quoted);
				return bad(s, c, err, what, w->document, w->kind, w->name);
			}
			if (kmend_array_grow(&w->containers, &cap, w->container_count,
			                     sizeof(*w->containers)) < 0)
				return -ENOMEM;
			k = &w->containers[w->container_count++];
			k->node = c;
			k->list = container_lists[l].list;
			k->role = container_lists[l].role;
			k->name = str_or_empty(kmend_kube_get_str(c, "name"));
			k->image = image;
		}
	}
	return 0;
}

static int add_workload(const struct kmend_kube_stream *s, long doc,
                        const struct kmend_kube_node *obj, const char *kind, size_t k,
                        struct kmend_kube_workloads *out, struct kmend_error *err)
{
	const struct kmend_kube_node *tpl = obj,
	                             *meta = kmend_kube_get(obj, "metadata", NULL, NULL);
	struct kmend_kube_workload *w;

	for (size_t p = 0; tpl && template_paths[k].path[p]; p++)
		tpl = kmend_kube_get(tpl, template_paths[k].path[p], NULL, NULL);
	if (!tpl || tpl->kind != KMEND_KUBE_MAPPING)
		return 0;
	if (kmend_array_grow(&out->items, &out->capacity, out->count, sizeof(*out->items)) < 0)
		return -ENOMEM;
	w = &out->items[out->count++];
	memset(w, 0, sizeof(*w));
	w->document = doc;
	w->kind = kind;
	w->name = str_or_empty(kmend_kube_get_str(meta, "name"));
	w->namespace = str_or_empty(kmend_kube_get_str(meta, "namespace"));
	w->object = obj;
	w->template = tpl;
	w->spec = kmend_kube_get(tpl, "spec", NULL, NULL);
	if (!w->spec || w->spec->kind != KMEND_KUBE_MAPPING)
		return 0;
	return add_containers(s, w, err);
}

static int walk(const struct kmend_kube_stream *s, long doc, const struct kmend_kube_node *obj,
                int list_depth, struct kmend_kube_workloads *out, struct kmend_error *err)
{
	const char *kind = kmend_kube_get_str(obj, "kind");
	size_t n = kind ? strlen(kind) : 0;
	int r;

	if (!kind)
		return 0;
	/* List, DeploymentList, PodList...: their items are workloads too. */
	if (n >= 4 && strcmp(kind + n - 4, "List") == 0) {
		const struct kmend_kube_node *items = kmend_kube_get(obj, "items", NULL, NULL);
		if (list_depth >= MAX_LIST_DEPTH)
			return bad(s, obj, err, "Lists nested too deeply", doc, kind, "");
		if (!items || kmend_kube_is_null(items))
			return 0;
		if (items->kind != KMEND_KUBE_SEQUENCE)
			return bad(s, items, err, "items are not a list", doc, kind, "");
		for (size_t i = 0; i < items->count; i++) {
			const struct kmend_kube_node *item = kmend_kube_resolve(items->children[i]);
			if (item->kind != KMEND_KUBE_MAPPING)
				return bad(s, item, err, "an item that is not a mapping", doc, kind,
				           "");
			if ((r = walk(s, doc, item, list_depth + 1, out, err)) < 0)
				return r;
		}
		return 0;
	}
	for (size_t k = 0; k < sizeof(template_paths) / sizeof(template_paths[0]); k++)
		if (strcmp(kind, template_paths[k].kind) == 0)
			return add_workload(s, doc, obj, template_paths[k].kind, k, out, err);
	return 0;
}

int kmend_kube_find_workloads(const struct kmend_kube_stream *s, struct kmend_kube_workloads *out,
                              struct kmend_error *err)
{
	int r;

	kmend_kube_workloads_free(out);
	for (size_t d = 0; d < s->count; d++) {
		const struct kmend_kube_node *root = kmend_kube_resolve(s->docs[d].root);

		if (!root || kmend_kube_is_null(root))
			continue; /* an empty document: helm template prints them */
		if (root->kind != KMEND_KUBE_MAPPING) {
			kmend_error_set(err, -KMEND_E_BAD_INPUT, s->name, root->column,
			                "document %zu is not a mapping, so not a Kubernetes object",
			                d + 1);
			kmend_error_at_line(err, root->line);
			kmend_error_hint(err, "a manifest holds objects with apiVersion, kind "
			                      "and metadata, one per document");
			return -KMEND_E_BAD_INPUT;
		}
		if ((r = walk(s, (long)d + 1, root, 0, out, err)) < 0)
			return r;
	}
	return 0;
}

const char *const *kmend_kube_template_path(const char *kind)
{
	for (size_t k = 0; kind && k < sizeof(template_paths) / sizeof(template_paths[0]); k++)
		if (strcmp(kind, template_paths[k].kind) == 0)
			return template_paths[k].path;
	return NULL;
}

json_t *kmend_kube_json_template(json_t *obj, const char *kind)
{
	const char *const *path = kmend_kube_template_path(kind);

	for (size_t p = 0; path && path[p] && obj; p++)
		obj = json_object_get(obj, path[p]);
	return path && json_is_object(obj) ? obj : NULL;
}

void kmend_kube_workloads_free(struct kmend_kube_workloads *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->count; i++)
		free(w->items[i].containers);
	free(w->items);
	memset(w, 0, sizeof(*w));
}
