/*
 * The fix planner's index cost: parse a Packages file (in place, as kmend does after
 * verifying it) and pool it (sorted by name, provides indexed), N times; prints the best.
 *
 *   bench_repo_index PACKAGES [ROUNDS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fsutil.h"
#include "pkgmgr.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	int rounds = argc > 2 ? atoi(argv[2]) : 5;
	double best_parse = 1e9, best_pool = 1e9;
	struct kmend_error err;
	size_t len, count = 0;
	char *data;

	if (argc < 2 || kmend_read_file(argv[1], 1L << 30, &data, &len, &err) < 0) {
		fprintf(stderr, "usage: bench_repo_index PACKAGES [ROUNDS]\n");
		return 2;
	}
	for (int i = 0; i < rounds; i++) {
		struct kmend_repo_index index = {0};
		struct kmend_repo_pool pool;
		const struct kmend_repo_index *idx[] = {&index};
		char *copy = malloc(len + 1);
		double t0, t1, t2;

		memcpy(copy, data, len + 1);
		t0 = now();
		if (kmend_pkgmgr_apt.parse_index(copy, len, "http://bench", argv[1], &index, &err) <
		        0 ||
		    (t1 = now(),
		     kmend_repo_pool_build(&pool, idx, 1, kmend_pkgmgr_apt.parse_relation)) < 0)
			return 3;
		t2 = now();
		best_parse = t1 - t0 < best_parse ? t1 - t0 : best_parse;
		best_pool = t2 - t1 < best_pool ? t2 - t1 : best_pool;
		count = index.count;
		kmend_repo_pool_free(&pool);
		kmend_repo_index_free(&index);
	}
	printf("%zu packages, %.1f MB: parse %.0f ms (%.0f MB/s), pool %.0f ms\n", count,
	       (double)len / 1e6, best_parse * 1e3, (double)len / 1e6 / best_parse,
	       best_pool * 1e3);
	free(data);
	return 0;
}
