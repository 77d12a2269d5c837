/* Tags as release lines: which tags of a repository are newer releases of the same line. */
#ifndef KMEND_HARDEN_TAGS_H
#define KMEND_HARDEN_TAGS_H

#include <stddef.h>

enum { KMEND_TAG_MAX_NUMBERS = 8 };

/* A tag read as "[v]N[.N...][SUFFIX]": "12.4-slim" is 12, 4 and the variant "-slim". */
struct kmend_tag_version {
	unsigned long nums[KMEND_TAG_MAX_NUMBERS];
	size_t n;
	char variant[128]; /* the suffix without its digits and dots: "-alpine3.19" is "-alpine" */
};

/* Read a tag; -1 when it does not start with a number ("latest", "bookworm"). */
int kmend_tag_parse(const char *tag, struct kmend_tag_version *out);

/*
 * Whether cand is a newer release on cur's line: NULL when it is, else why not ("another
 * major", "another minor", "another variant", "not newer", "not a version"). The line is the
 * major, and the minor too when cur has three or more numbers (1.25.3 stays on 1.25; 12.4 on
 * 12), and the same variant.
 */
const char *kmend_tag_on_line(const struct kmend_tag_version *cur, const char *cand_tag);

/* <0, 0, >0 as a's numbers sort before, equal or after b's (12.4 < 12.4.1 < 12.5). */
int kmend_tag_compare(const struct kmend_tag_version *a, const struct kmend_tag_version *b);

#endif
