/*
 * bench_version SCHEME PAIRS [SECONDS]: in-library comparisons per second on one core.
 * PAIRS holds lines "A<TAB>B"; every pair is compared in turn, round and round, for
 * SECONDS (default 2) of wall time; invalid pairs are dropped up front. The strings sit
 * back to back in one arena, as they would in a store's row buffers, so that the figure
 * measures comparison and not malloc's scattering.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "version.h"

struct pair {
	const char *a, *b;
	size_t alen, blen;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	const struct kmend_version_scheme *s;
	struct pair *pairs = NULL;
	size_t n = 0, cap = 0, rounds = 0, limit = argc > 4 ? strtoul(argv[4], NULL, 10) : 0;
	char *arena = malloc(64 << 20), *fill = arena;
	char line[4096];
	double seconds = argc > 3 ? atof(argv[3]) : 2.0, start, elapsed;
	volatile long sink = 0;
	FILE *in;

	if (argc < 3 || !(s = kmend_version_scheme_find(argv[1]))) {
		fprintf(stderr, "usage: bench_version deb|rpm|apk PAIRS [SECONDS [MAX_PAIRS]]\n");
		return 2;
	}
	if (!(in = fopen(argv[2], "r"))) {
		perror(argv[2]);
		return 2;
	}
	while ((!limit || n < limit) && fgets(line, sizeof(line), in)) {
		char *tab = strchr(line, '\t');
		int r;

		line[strcspn(line, "\n")] = '\0';
		if (!tab ||
		    s->compare(line, (size_t)(tab - line), tab + 1, strlen(tab + 1), &r, NULL) < 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			pairs = realloc(pairs, cap * sizeof(*pairs));
		}
		if (fill + strlen(line) + 1 > arena + (64 << 20))
			break;
		pairs[n].a = fill;
		pairs[n].alen = (size_t)(tab - line);
		pairs[n].b = fill + pairs[n].alen + 1;
		pairs[n].blen = strlen(tab + 1);
		memcpy(fill, line, strlen(line) + 1);
		fill += strlen(line) + 1;
		n++;
	}
	fclose(in);
	if (n == 0) {
		fprintf(stderr, "bench_version: no valid %s pairs in %s\n", s->name, argv[2]);
		return 2;
	}
	start = now();
	do {
		for (size_t i = 0; i < n; i++) {
			int r;
			s->compare(pairs[i].a, pairs[i].alen, pairs[i].b, pairs[i].blen, &r, NULL);
			sink += r;
		}
		rounds++;
	} while ((elapsed = now() - start) < seconds);
	printf("%s: %zu pairs x %zu rounds in %.2f s: %.1f million comparisons/s\n", s->name, n,
	       rounds, elapsed, (double)(n * rounds) / elapsed / 1e6);
	(void)sink;
	return 0;
}
