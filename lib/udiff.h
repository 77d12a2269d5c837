/* Unified diffs of two texts, line by line, as `diff -u` writes them (kmend fix --dry-run). */
#ifndef KMEND_UDIFF_H
#define KMEND_UDIFF_H

#include <stddef.h>

/*
 * The change from a (alen bytes) to b (blen bytes) as a unified diff with
 * context lines of context around each change: "--- a_name", "+++ b_name",
 * then "@@ -l,n +l,n @@" hunks; a last line without a newline is followed by
 * "\ No newline at end of file". Lines are compared byte for byte (a CR before
 * the newline is part of the line; NULs are bytes like any other). Identical
 * texts give an empty diff (*out "" and *out_len 0).
 *
 * The edit script is a patience diff: lines that each text holds exactly once
 * anchor the texts, and Myers' O(ND) algorithm finds the shortest script
 * between anchors, up to KMEND_UDIFF_MAX_EDITS edits in one stretch, beyond
 * which that stretch is shown as removed and added whole (still a correct
 * diff, not the shortest). *out is malloc'd and NUL-terminated. Returns 0 or
 * -ENOMEM.
 */
int kmend_udiff(const char *a, size_t alen, const char *b, size_t blen, const char *a_name,
                const char *b_name, unsigned context, char **out, size_t *out_len);

#endif
