/* The edit plan of the fix/revert tests, fuzzing and benchmark: an edit spec (JSON) made into
 * kmend_kube_edits for every workload, and fix as kmend fix does it (see plan.h). */
#include "plan.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kube_yaml.h"

static const char *default_command[] = {"/bin/sh", "-c",
                                        "set -e; /kmend/install; exec \"$0\" \"$@\""};
static const char *fetch_command[] = {"/bin/sh", "-c", "set -e; /kmend/fetch"};
static const struct kmend_kube_env_var fetch_env[] = {{"KMEND_DIR", "/kmend"}};

void plan_free(struct plan *p)
{
	for (size_t i = 0; i < p->nnames; i++)
		free(p->names[i]);
	free(p->names);
	free(p->edits);
	free(p->inits);
	free(p->cedits);
	free(p->argv);
	memset(p, 0, sizeof(*p));
}

static size_t total_containers(const struct kmend_kube_workloads *w)
{
	size_t n = 0;

	for (size_t i = 0; i < w->count; i++)
		n += w->items[i].container_count;
	return n;
}

int make_plan(const json_t *spec, const struct kmend_kube_workloads *w, struct plan *p)
{
	size_t nc = total_containers(w), na = 0, ni = 0, nce = 0;
	const json_t *skip = json_object_get(spec, "skip"),
	             *over = json_object_get(spec, "override");
	const json_t *cmd = json_object_get(spec, "command");
	const char *install = json_string_value(json_object_get(spec, "installAt"));
	size_t argv_cap = 0, longest = json_array_size(cmd) + 4;
	const char *okey;
	const json_t *ov;

	/* Room for every container's argv, each as long as the longest there can be. */
	json_object_foreach ((json_t *)over, okey, ov) {
		if (json_array_size(json_object_get(ov, "command")) > longest)
			longest = json_array_size(json_object_get(ov, "command"));
	}
	argv_cap = nc * longest;
	p->edits = calloc(w->count + 1, sizeof(*p->edits));
	p->inits = calloc(nc + 1, sizeof(*p->inits));
	p->cedits = calloc(nc + 1, sizeof(*p->cedits));
	p->argv = calloc(argv_cap + 1, sizeof(*p->argv));
	p->names = calloc(nc + 1, sizeof(*p->names));
	if (!p->edits || !p->inits || !p->cedits || !p->argv || !p->names)
		return -ENOMEM;
	for (size_t i = 0; i < w->count; i++) {
		const struct kmend_kube_workload *wl = &w->items[i];
		struct kmend_kube_edit *e = &p->edits[p->count];
		size_t first_init = ni, first_ce = nce;

		for (size_t j = 0; j < wl->container_count; j++) {
			const struct kmend_kube_container *k = &wl->containers[j];
			struct kmend_kube_container_edit *ce = &p->cedits[nce];
			char key[512];
			const json_t *o, *ocmd, *s;
			const char *at;
			size_t idx;
			bool skipped = false, seen = false;

			if (!strcmp(k->list, "ephemeralContainers"))
				continue;
			snprintf(key, sizeof(key), "%s/%s", wl->name, k->name);
			json_array_foreach (skip, idx, s) {
				skipped = skipped || !strcmp(json_string_value(s), key);
			}
			if (skipped)
				continue;
			o = json_object_get(over, key);
			ocmd = json_object_get(o, "command");
			at = json_string_value(json_object_get(o, "installAt"));
			if (!at)
				at = install;
			ce->container = j;
			ce->install_at =
			    at && !strcmp(at, "poststart") && !strcmp(k->list, "containers")
			        ? KMEND_KUBE_INSTALL_POSTSTART
			        : KMEND_KUBE_INSTALL_ENTRYPOINT;
			ce->command = &p->argv[na];
			if (ocmd) {
				const json_t *a;
				json_array_foreach (ocmd, idx, a) {
					p->argv[na++] = json_string_value(a);
				}
			} else if (cmd) {
				const json_t *a;
				json_array_foreach (cmd, idx, a) {
					p->argv[na++] = json_string_value(a);
				}
				p->argv[na++] = k->name;
			} else {
				for (size_t a = 0; a < 3; a++)
					p->argv[na++] = default_command[a];
				p->argv[na++] = k->name;
			}
			ce->command_count = (size_t)(&p->argv[na] - ce->command);
			nce++;
			/* One init container per distinct image. */
			for (size_t x = first_init; x < ni && !seen; x++)
				seen = !strcmp(p->inits[x].image, k->image);
			if (!seen) {
				struct kmend_kube_init_container *ic = &p->inits[ni++];
				char name[64];
				snprintf(name, sizeof(name), "kmend-fetch-%zu", ni - first_init);
				if (!(p->names[p->nnames] = strdup(name)))
					return -ENOMEM;
				ic->name = p->names[p->nnames++];
				ic->image = k->image;
				ic->command = fetch_command;
				ic->command_count = 3;
				ic->env = fetch_env;
				ic->env_count = 1;
			}
		}
		if (nce == first_ce)
			continue;
		e->workload = i;
		e->volume = "kmend-repair";
		e->mount_path = "/kmend";
		e->init = &p->inits[first_init];
		e->init_count = ni - first_init;
		e->containers = &p->cedits[first_ce];
		e->container_count = nce - first_ce;
		p->count++;
	}
	return 0;
}

/* fix as kmend fix does it: revert kmend's old parts, then apply the plan to what is left. */
int fix_text(const char *name, const char *text, size_t len, const json_t *spec, char **out,
             size_t *out_len, struct kmend_error *err)
{
	struct kmend_kube_workloads w = {0};
	struct kmend_kube_stream *s = NULL;
	struct plan p = {0};
	char *base = NULL;
	size_t base_len;
	int r;

	if ((r = kmend_kube_revert(text, len, name, &base, &base_len, NULL, err)) < 0)
		return r;
	if ((r = kmend_kube_parse(base, base_len, name, &s, err)) == 0 &&
	    (r = kmend_kube_find_workloads(s, &w, err)) == 0 && (r = make_plan(spec, &w, &p)) == 0)
		r = kmend_kube_apply(s, &w, p.edits, p.count, out, out_len, err);
	plan_free(&p);
	kmend_kube_workloads_free(&w);
	kmend_kube_stream_free(s);
	free(base);
	return r;
}
