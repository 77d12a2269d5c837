/*
 * bench_kube_edit MANIFEST [ROUNDS]: the manifest reader and fix's splicing, in-library, on
 * one core. Each step is run ROUNDS times (default 10) and the best is kept: parsing with
 * positions (and finding the workloads), fix (test/fix/plan.h's plan: every container of
 * every workload; kmend_kube_apply, which checks its own output by parsing it again and
 * reverting it), and revert of the result. Prints seconds and MB/s of input for each.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fsutil.h"
#include "kmend_limits.h"
#include "kube_edit.h"
#include "kube_workload.h"
#include "kube_yaml.h"
#include "plan.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void report(const char *what, double secs, size_t bytes)
{
	printf("%-44s %8.4f s  %7.1f MB/s\n", what, secs, (double)bytes / 1e6 / secs);
}

int main(int argc, char **argv)
{
	struct kmend_error err;
	struct kmend_kube_workloads w = {0};
	struct kmend_kube_stream *s;
	struct plan p = {0};
	char *text, *fixed = NULL, *back = NULL, buf[1200];
	size_t len, fixed_len = 0, back_len, containers = 0, templates = 0;
	double best_parse = 1e9, best_apply = 1e9, best_revert = 1e9, t;
	int rounds = argc > 2 ? atoi(argv[2]) : 10;
	json_t *spec = json_object();

	if (argc < 2 ||
	    kmend_read_file(argv[1], KMEND_MANIFEST_FILE_MAX_SIZE, &text, &len, &err) < 0) {
		fprintf(stderr, "usage: bench_kube_edit MANIFEST [ROUNDS]\n");
		return 2;
	}
	for (int i = 0; i < rounds; i++) {
		t = now();
		if (kmend_kube_parse(text, len, argv[1], &s, &err) < 0 ||
		    kmend_kube_find_workloads(s, &w, &err) < 0)
			goto fail;
		t = now() - t;
		best_parse = t < best_parse ? t : best_parse;
		if (make_plan(spec, &w, &p) < 0)
			goto fail;
		free(fixed);
		t = now();
		if (kmend_kube_apply(s, &w, p.edits, p.count, &fixed, &fixed_len, &err) < 0)
			goto fail;
		t = now() - t;
		best_apply = t < best_apply ? t : best_apply;
		containers = 0;
		templates = p.count;
		for (size_t k = 0; k < p.count; k++)
			containers += p.edits[k].container_count;
		plan_free(&p);
		kmend_kube_workloads_free(&w);
		kmend_kube_stream_free(s);
		t = now();
		if (kmend_kube_revert(fixed, fixed_len, argv[1], &back, &back_len, NULL, &err) < 0)
			goto fail;
		t = now() - t;
		best_revert = t < best_revert ? t : best_revert;
		if (back_len != len || memcmp(back, text, len) != 0) {
			fprintf(stderr, "bench_kube_edit: revert(fix(x)) != x\n");
			return 1;
		}
		free(back);
	}
	printf("%s: %.2f MB, %zu pod templates, %zu containers repaired; best of %d\n", argv[1],
	       (double)len / 1e6, templates, containers, rounds);
	report("parse with positions + find workloads", best_parse, len);
	report("fix: splice, parse again, check, revert", best_apply, len);
	report("revert the fixed file", best_revert, fixed_len);
	free(text);
	free(fixed);
	json_decref(spec);
	return 0;
fail:
	fprintf(stderr, "bench_kube_edit: %s\n", kmend_error_format(&err, buf, sizeof(buf)));
	return 1;
}
