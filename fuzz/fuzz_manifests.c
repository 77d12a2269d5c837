/*
 * libFuzzer target: Kubernetes manifests through kmend's one reader (lib/kube_yaml), the
 * workload finder, and scan's container list. Beyond "no crash": every node's positions lie
 * in the text and in order, children inside their parent, and the workloads' containers have
 * an image.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kube_workload.h"
#include "kube_yaml.h"
#include "workload.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_node(const struct kmend_kube_stream *s, const struct kmend_kube_node *n)
{
	if (n->start > n->content || n->content > n->end || n->end > s->len)
		abort();
	if (n->kind == KMEND_KUBE_ALIAS)
		return;
	for (size_t i = 0; i < n->count; i++) {
		const struct kmend_kube_node *c = n->children[i];
		if (c->parent != n || c->start < n->start || c->end > n->end ||
		    (i > 0 && c->start < n->children[i - 1]->end))
			abort();
		check_node(s, c);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kmend_container_list list = {0};
	struct kmend_kube_workloads w = {0};
	struct kmend_kube_stream *s;
	struct kmend_error err;
	char *copy = malloc(size ? size : 1);

	memcpy(copy, data, size);
	if (kmend_workloads_from_memory(copy, size, "fuzz.yaml", &list, &err) == 0)
		for (size_t i = 0; i < list.count; i++)
			if (!list.items[i].image || !list.items[i].kind)
				abort();
	kmend_container_list_free(&list);
	if (kmend_kube_parse(copy, size, "fuzz.yaml", &s, &err) == 0) {
		for (size_t d = 0; d < s->count; d++) {
			json_t *j = kmend_kube_to_json(s->docs[d].root);
			if (s->docs[d].root)
				check_node(s, s->docs[d].root);
			json_decref(j);
		}
		if (kmend_kube_find_workloads(s, &w, &err) == 0)
			for (size_t i = 0; i < w.count; i++)
				for (size_t j = 0; j < w.items[i].container_count; j++)
					if (!w.items[i].containers[j].image)
						abort();
		kmend_kube_workloads_free(&w);
		kmend_kube_stream_free(s);
	}
	free(copy);
	return 0;
}
