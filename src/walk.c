/* The directory walk shared by db import and scan. */
#include "walk.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define WALK_MAX_DEPTH 16

static int name_order(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static void walk(const char *path, int depth, bool (*accept)(const char *name),
                 void (*fn)(const char *file, void *ctx), void *ctx)
{
	struct dirent **names;
	struct stat sb;
	int n;

	if (stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		fn(path, ctx);
		return;
	}
	if (depth >= WALK_MAX_DEPTH || (n = scandir(path, &names, NULL, name_order)) < 0)
		return;
	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		char child[8192];
		struct stat cs;

		snprintf(child, sizeof(child), "%s/%s", path, name);
		if (name[0] != '.' && stat(child, &cs) == 0 &&
		    (S_ISDIR(cs.st_mode) || accept(name)))
			walk(child, depth + 1, accept, fn, ctx);
		free(names[i]);
	}
	free(names);
}

void cli_walk(const char *path, bool (*accept)(const char *name),
              void (*fn)(const char *file, void *ctx), void *ctx)
{
	walk(path, 0, accept, fn, ctx);
}
