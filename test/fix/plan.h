/* The edit plan of the fix/revert corpus, the fuzz target and the benchmark. */
#ifndef KMEND_TEST_FIX_PLAN_H
#define KMEND_TEST_FIX_PLAN_H

#include <stddef.h>

#include <jansson.h>

#include "error.h"
#include "kube_edit.h"
#include "kube_workload.h"

/*
 * A stand-in for what kmend fix will decide from a scan (this tests the splicing, not the
 * choice), from an edit spec (JSON; every member optional):
 *   installAt   "entrypoint" (default) or "poststart", for regular containers
 *   command     argv before the container's name (default: a /bin/sh install step)
 *   skip        ["workload/container", ...] left alone
 *   override    {"workload/container": {"installAt": ..., "command": [...]}}: the whole argv
 * Every workload with a container to repair gets the volume kmend-repair at /kmend and one
 * init container per distinct image of its repaired containers, kmend-fetch-1, -2...
 * Ephemeral containers are never repaired. test/fix/make-golden applies the same rules to
 * the data.
 */
struct plan {
	struct kmend_kube_edit *edits;
	size_t count;
	struct kmend_kube_init_container *inits;
	struct kmend_kube_container_edit *cedits;
	const char **argv; /* every argv, back to back */
	char **names;      /* kmend-fetch-N */
	size_t nnames;
};

int make_plan(const json_t *spec, const struct kmend_kube_workloads *w, struct plan *p);
void plan_free(struct plan *p);

/*
 * fix as kmend fix does it: revert kmend's old parts, parse what is left, plan, apply; into
 * a new *out. Errors as kmend_kube_revert, kmend_kube_parse and kmend_kube_apply.
 */
int fix_text(const char *name, const char *text, size_t len, const json_t *spec, char **out,
             size_t *out_len, struct kmend_error *err);

#endif
