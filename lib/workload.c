/* Finding the pod specs in Kubernetes manifests, whatever the workload kind. */
#include "workload.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "array.h"
#include "cleanup.h"
#include "kmend_limits.h"
#include "stream.h"
#include "yamljson.h"

/* Where each kind keeps its pod spec, as a path of object keys. */
static const struct {
	const char *kind;
	const char *path[6];
} pod_spec_paths[] = {
    {"Pod", {"spec"}},
    {"PodTemplate", {"template", "spec"}},
    {"Deployment", {"spec", "template", "spec"}},
    {"StatefulSet", {"spec", "template", "spec"}},
    {"DaemonSet", {"spec", "template", "spec"}},
    {"ReplicaSet", {"spec", "template", "spec"}},
    {"ReplicationController", {"spec", "template", "spec"}},
    {"Job", {"spec", "template", "spec"}},
    {"CronJob", {"spec", "jobTemplate", "spec", "template", "spec"}},
};

static const struct {
	const char *key, *role;
} container_lists[] = {
    {"initContainers", "initContainer"},
    {"containers", "container"},
    {"ephemeralContainers", "ephemeralContainer"},
};

static const char *str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

static int add(struct kmend_container_list *out, const char *file, long doc, json_t *obj,
               const char *role, json_t *c)
{
	struct kmend_container_ref *r;
	json_t *meta = json_object_get(obj, "metadata");

	if (kmend_array_grow(&out->items, &out->capacity, out->count, sizeof(*out->items)) < 0)
		return -ENOMEM;
	r = &out->items[out->count];
	r->file = strdup(file);
	r->kind = strdup(str(obj, "kind"));
	r->namespace = strdup(str(meta, "namespace"));
	r->name = strdup(str(meta, "name"));
	r->container = strdup(str(c, "name"));
	r->image = strdup(str(c, "image"));
	r->role = role;
	r->document = doc;
	out->count++;
	if (!r->file || !r->kind || !r->namespace || !r->name || !r->container || !r->image)
		return -ENOMEM;
	return 0;
}

static int walk_object(json_t *obj, const char *file, long doc, int depth,
                       struct kmend_container_list *out, struct kmend_error *err)
{
	const char *kind = str(obj, "kind");
	size_t n = strlen(kind), i;
	json_t *item;
	int r;

	if (!json_is_object(obj))
		return 0;
	/* List, DeploymentList, PodList...: their items are workloads too. */
	if (n >= 4 && !strcmp(kind + n - 4, "List") && depth < 8) {
		json_array_foreach (json_object_get(obj, "items"), i, item) {
			if ((r = walk_object(item, file, doc, depth + 1, out, err)) < 0)
				return r;
		}
		return 0;
	}
	for (size_t k = 0; k < sizeof(pod_spec_paths) / sizeof(pod_spec_paths[0]); k++) {
		json_t *spec = obj;
		if (strcmp(kind, pod_spec_paths[k].kind))
			continue;
		for (size_t p = 0; p < 6 && pod_spec_paths[k].path[p]; p++)
			spec = json_object_get(spec, pod_spec_paths[k].path[p]);
		for (size_t l = 0; l < sizeof(container_lists) / sizeof(container_lists[0]); l++) {
			json_t *c;
			json_array_foreach (json_object_get(spec, container_lists[l].key), i, c) {
				if (!json_is_string(json_object_get(c, "image"))) {
					kmend_error_set(
					    err, -KMEND_E_BAD_INPUT, file, 0,
					    "document %ld: %s '%s': container '%s' has no "
					    "image",
					    doc, kind,
					    str(json_object_get(obj, "metadata"), "name"),
					    str(c, "name"));
					return -KMEND_E_BAD_INPUT;
				}
				if ((r = add(out, file, doc, obj, container_lists[l].role, c)) < 0)
					return r;
			}
		}
	}
	return 0;
}

int kmend_workloads_from_file(const char *path, struct kmend_container_list *out,
                              struct kmend_error *err)
{
	_cleanup_free_ char *data = NULL;
	struct kmend_istream *s;
	size_t len;
	int r;

	if ((r = kmend_istream_open_file(path, 0, UINT64_MAX, &s, err)) < 0)
		return r;
	r = kmend_istream_slurp(s, KMEND_MANIFEST_FILE_MAX_SIZE, path, &data, &len, err);
	kmend_istream_close(s);
	if (r < 0)
		return r;
	return kmend_workloads_from_memory(data, len, path, out, err);
}

int kmend_workloads_from_memory(const char *data, size_t len, const char *path,
                                struct kmend_container_list *out, struct kmend_error *err)
{
	json_t *docs, *doc;
	size_t i;
	int r;

	if ((r = kmend_yaml_to_json(data, len, path, &docs, err)) < 0)
		return r;
	json_array_foreach (docs, i, doc) {
		if ((r = walk_object(doc, path, (long)i + 1, 0, out, err)) < 0)
			break;
	}
	json_decref(docs);
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
