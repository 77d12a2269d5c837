/* Release lines from tags: numbers, variant, newer. */
#include "harden_tags.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

int kmend_tag_parse(const char *tag, struct kmend_tag_version *out)
{
	const char *p = tag;
	size_t v = 0;

	memset(out, 0, sizeof(*out));
	if (*p == 'v' || *p == 'V')
		p++;
	if (!isdigit((unsigned char)*p))
		return -1;
	while (isdigit((unsigned char)*p) && out->n < KMEND_TAG_MAX_NUMBERS) {
		char *end;
		errno = 0;
		out->nums[out->n++] = strtoul(p, &end, 10);
		if (errno)
			return -1;
		p = end;
		if (*p != '.' || !isdigit((unsigned char)p[1]))
			break;
		p++;
	}
	for (; *p && v + 1 < sizeof(out->variant); p++)
		if (!isdigit((unsigned char)*p) && *p != '.')
			out->variant[v++] = *p;
	out->variant[v] = '\0';
	return 0;
}

int kmend_tag_compare(const struct kmend_tag_version *a, const struct kmend_tag_version *b)
{
	for (size_t i = 0; i < a->n && i < b->n; i++)
		if (a->nums[i] != b->nums[i])
			return a->nums[i] < b->nums[i] ? -1 : 1;
	return a->n == b->n ? 0 : a->n < b->n ? -1 : 1;
}

const char *kmend_tag_on_line(const struct kmend_tag_version *cur, const char *cand_tag)
{
	struct kmend_tag_version c;

	if (kmend_tag_parse(cand_tag, &c) < 0)
		return "not a version";
	if (strcmp(c.variant, cur->variant))
		return "another variant";
	if (c.nums[0] != cur->nums[0])
		return "another major";
	if (cur->n >= 3 && (c.n < 2 || c.nums[1] != cur->nums[1]))
		return "another minor";
	if (kmend_tag_compare(&c, cur) <= 0)
		return "not newer";
	return NULL;
}
