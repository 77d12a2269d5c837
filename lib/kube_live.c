/* A live Kubernetes object made back into the file a user wrote. */
#include "kube_live.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cleanup.h"
#include "deploy.h"
#include "json_get.h"
#include "kmend_limits.h"
#include "yaml_write.h"

/* Managers whose fields are the cluster's, not a user's. */
static const char *const cluster_managers[] = {"kube-controller-manager", "kube-scheduler",
                                               "kubelet", "kmend-mark"};

/* Server-managed metadata, and annotations the cluster or kubectl writes. */
static const char *const server_metadata[] = {"uid",
                                              "resourceVersion",
                                              "generation",
                                              "creationTimestamp",
                                              "deletionTimestamp",
                                              "deletionGracePeriodSeconds",
                                              "selfLink",
                                              "managedFields"};
static const char *const server_annotations[] = {
    "deployment.kubernetes.io/revision", "deprecated.daemonset.template.generation",
    "kubectl.kubernetes.io/last-applied-configuration", KMEND_APPLY_ANNOTATION};

static bool is_cluster_manager(const char *m)
{
	for (size_t i = 0; m && i < sizeof(cluster_managers) / sizeof(*cluster_managers); i++)
		if (!strcmp(m, cluster_managers[i]))
			return true;
	return false;
}

/* Merge FieldsV1 set b into a (both objects of "f:..." keys). */
static int set_union(json_t *a, const json_t *b, int depth)
{
	const char *k;
	json_t *v;

	if (depth > KMEND_YAML_MAX_DEPTH)
		return -KMEND_E_TOO_LARGE;
	json_object_foreach ((json_t *)b, k, v) {
		json_t *mine = json_object_get(a, k);

		if (!json_is_object(v))
			continue;
		if (!mine) {
			if (json_object_set_new(a, k, json_deep_copy(v)) < 0)
				return -ENOMEM;
		} else if (json_is_object(mine)) {
			int r = set_union(mine, v, depth + 1);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

/* Does list item match a FieldsV1 "k:{...}" key (every key field equal)? */
static bool key_matches(const json_t *item, const json_t *key)
{
	const char *k;
	json_t *v;

	if (!json_is_object(item) || !json_is_object(key) || json_object_size(key) == 0)
		return false;
	json_object_foreach ((json_t *)key, k, v) {
		if (!json_equal(json_object_get(item, k), v))
			return false;
	}
	return true;
}

/* The part of list item i that set (a list's FieldsV1) owns: its item set, or NULL. */
static const json_t *item_set(const json_t *set, const json_t *item, size_t i)
{
	const char *k;
	json_t *v;

	json_object_foreach ((json_t *)set, k, v) {
		json_t *parsed;
		bool hit = false;

		if (!strncmp(k, "i:", 2)) {
			char *end;
			unsigned long n = strtoul(k + 2, &end, 10);
			hit = *end == '\0' && end != k + 2 && n == i;
		} else if (!strncmp(k, "k:", 2) || !strncmp(k, "v:", 2)) {
			if (!(parsed = json_loads(k + 2, JSON_DECODE_ANY, NULL)))
				continue;
			hit = k[0] == 'k' ? key_matches(item, parsed) : json_equal(item, parsed);
			json_decref(parsed);
		}
		if (hit)
			return v;
	}
	return NULL;
}

/*
 * The part of v that set owns, as a new value, or NULL when it owns none. An empty set
 * owns v whole (a leaf, an atomic list); "." owns a map or an item itself, kept even when
 * no field of it is owned.
 */
static json_t *prune(const json_t *v, const json_t *set, int depth)
{
	json_t *out;

	if (!json_is_object(set) || depth > KMEND_YAML_MAX_DEPTH)
		return NULL;
	if (json_object_size(set) == 0 || (!json_is_object(v) && !json_is_array(v)))
		return json_deep_copy(v);
	if (json_is_object(v)) {
		const char *k;
		json_t *child;

		if (!(out = json_object()))
			return NULL;
		json_object_foreach ((json_t *)v, k, child) {
			_cleanup_free_ char *fk = malloc(strlen(k) + 3);
			json_t *kept;

			if (!fk)
				continue;
			strcpy(fk, "f:");
			strcat(fk, k);
			if ((kept = prune(child, json_object_get(set, fk), depth + 1)))
				json_object_set_new(out, k, kept);
		}
	} else {
		if (!(out = json_array()))
			return NULL;
		for (size_t i = 0; i < json_array_size(v); i++) {
			const json_t *s = item_set(set, json_array_get(v, i), i);
			json_t *kept = s ? prune(json_array_get(v, i), s, depth + 1) : NULL;

			if (kept)
				json_array_append_new(out, kept);
		}
	}
	if (json_object_size(out) == 0 && json_array_size(out) == 0 && !json_object_get(set, ".")) {
		json_decref(out);
		return NULL;
	}
	return out;
}

/* The union of what users own, or NULL when managedFields says nothing. */
static json_t *user_fields(const json_t *managed)
{
	json_t *set, *e;
	size_t i, users = 0;

	if (!json_is_array(managed) || !(set = json_object()))
		return NULL;
	json_array_foreach ((json_t *)managed, i, e) {
		const char *sub = kmend_json_str(e, "subresource");

		if (is_cluster_manager(kmend_json_str(e, "manager")) ||
		    (sub && !strcmp(sub, "status")))
			continue;
		if (!json_is_object(json_object_get(e, "fieldsV1")) ||
		    set_union(set, json_object_get(e, "fieldsV1"), 0) < 0)
			continue;
		users++;
	}
	if (users == 0) {
		json_decref(set);
		return NULL;
	}
	return set;
}

static void drop_empty(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	if (json_is_object(v) && json_object_size(v) == 0)
		json_object_del(obj, key);
}

/*
 * The API's Go types write the creationTimestamp of a template's metadata (a pod template,
 * a CronJob's jobTemplate) as null: nobody set it.
 */
static void drop_null_timestamps(json_t *v, int depth)
{
	const char *k;
	json_t *child;
	size_t i;

	if (depth > KMEND_YAML_MAX_DEPTH)
		return;
	if (json_is_array(v)) {
		json_array_foreach (v, i, child) {
			drop_null_timestamps(child, depth + 1);
		}
		return;
	}
	if (!json_is_object(v))
		return;
	child = json_object_get(json_object_get(v, "metadata"), "creationTimestamp");
	if (json_is_null(child))
		json_object_del(json_object_get(v, "metadata"), "creationTimestamp");
	json_object_foreach (v, k, child) {
		drop_null_timestamps(child, depth + 1);
	}
}

/* Take out what the server manages, whatever managedFields said. */
static void drop_server_fields(json_t *obj)
{
	json_t *md = json_object_get(obj, "metadata"), *ann = json_object_get(md, "annotations");

	json_object_del(obj, "status");
	for (size_t i = 0; i < sizeof(server_metadata) / sizeof(*server_metadata); i++)
		json_object_del(md, server_metadata[i]);
	for (size_t i = 0; i < sizeof(server_annotations) / sizeof(*server_annotations); i++)
		json_object_del(ann, server_annotations[i]);
	drop_empty(md, "annotations");
	drop_empty(md, "labels");
	drop_null_timestamps(json_object_get(obj, "spec"), 0);
}

/*
 * The fields users own, apiVersion, kind, metadata.name and .namespace first, as a file
 * has them (never in managedFields, always in a file). NULL on ENOMEM.
 */
static json_t *owned_part(const json_t *live, const json_t *users)
{
	const json_t *md = json_object_get(live, "metadata");
	json_t *pruned = prune(live, users, 0), *obj, *omd;

	obj = json_pack("{s:O, s:O, s:{s:O}}", "apiVersion", json_object_get(live, "apiVersion"),
	                "kind", json_object_get(live, "kind"), "metadata", "name",
	                json_object_get(md, "name"));
	omd = json_object_get(obj, "metadata");
	if (obj && json_object_get(md, "namespace") &&
	    json_object_set(omd, "namespace", json_object_get(md, "namespace")) < 0)
		goto fail;
	if (obj && json_is_object(json_object_get(pruned, "metadata")) &&
	    json_object_update_missing(omd, json_object_get(pruned, "metadata")) < 0)
		goto fail;
	if (obj && pruned && json_object_update_missing(obj, pruned) < 0)
		goto fail;
	json_decref(pruned);
	return obj;
fail:
	json_decref(pruned);
	json_decref(obj);
	return NULL;
}

int kmend_kube_live_config(const json_t *live, const char *name, json_t **out,
                           struct kmend_error *err)
{
	const json_t *md = json_object_get(live, "metadata");
	json_t *users, *obj;

	*out = NULL;
	if (!json_is_object(live) || !kmend_json_str(live, "apiVersion") ||
	    !kmend_json_str(live, "kind") || !kmend_json_str(md, "name"))
		return kmend_error_set(err, -KMEND_E_BAD_INPUT, name, 0,
		                       "the server's answer is not an object with apiVersion, kind "
		                       "and metadata.name");
	if ((users = user_fields(json_object_get(md, "managedFields")))) {
		obj = owned_part(live, users);
		json_decref(users);
	} else {
		obj = json_deep_copy(live);
	}
	if (!obj)
		return -ENOMEM;
	drop_server_fields(obj);
	*out = obj;
	return 0;
}

int kmend_kube_objects_yaml(const json_t *objs, char **text, size_t *len, struct kmend_error *err)
{
	struct kmend_buf b = {.max = KMEND_MANIFEST_FILE_MAX_SIZE};
	json_t *o;
	size_t i;
	int r = 0;

	json_array_foreach ((json_t *)objs, i, o) {
		if ((i > 0 && (r = kmend_buf_adds(&b, "---\n")) < 0) ||
		    (r = kmend_yaml_write(o, &b)) < 0)
			break;
	}
	if (r == 0)
		r = kmend_buf_take(&b, text, len);
	kmend_buf_free(&b);
	if (r == -KMEND_E_TOO_LARGE)
		kmend_error_set(err, r, "objects", 0,
		                "the objects make a manifest larger than kmend's limit of %d bytes",
		                KMEND_MANIFEST_FILE_MAX_SIZE);
	return r;
}
