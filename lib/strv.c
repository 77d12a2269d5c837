/* NULL-terminated string vectors (see strv.h). */
#include "strv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

size_t kmend_strv_len(char *const *v)
{
	size_t n = 0;

	while (v && v[n])
		n++;
	return n;
}

int kmend_strv_push(char ***v, const char *s, size_t len)
{
	size_t n = kmend_strv_len(*v);
	char *copy = strndup(s, len), **bigger;

	if (!copy)
		return -ENOMEM;
	if (!(bigger = realloc(*v, (n + 2) * sizeof(**v)))) {
		free(copy);
		return -ENOMEM;
	}
	bigger[n] = copy;
	bigger[n + 1] = NULL;
	*v = bigger;
	return 0;
}

int kmend_strv_extend(char ***v, char *const *from)
{
	for (size_t i = 0; from && from[i]; i++) {
		int r = kmend_strv_push(v, from[i], strlen(from[i]));
		if (r < 0)
			return r;
	}
	return 0;
}

bool kmend_strv_has(char *const *v, const char *s)
{
	for (size_t i = 0; v && v[i]; i++)
		if (!strcmp(v[i], s))
			return true;
	return false;
}

int kmend_strv_split(char ***v, const char *s, size_t len, const char *seps)
{
	const char *end = s + len;

	while (s < end) {
		const char *w = s;
		int r;
		while (w < end && strchr(seps, *w))
			w++;
		for (s = w; s < end && !strchr(seps, *s); s++)
			;
		if (s > w && (r = kmend_strv_push(v, w, (size_t)(s - w))) < 0)
			return r;
	}
	return 0;
}

char **kmend_strv_dup(char *const *v, int *failed)
{
	char **copy = NULL;

	if (!v)
		return NULL;
	if (!(copy = calloc(1, sizeof(*copy))) || kmend_strv_extend(&copy, v) < 0) {
		kmend_strv_free(copy);
		*failed = 1;
		return NULL;
	}
	return copy;
}

void kmend_strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}
