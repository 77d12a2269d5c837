/*
 * libFuzzer target: the merged view over crafted layer findings (no tar), and link
 * resolution in it. The input is lines, one entry each, "-" starting the next layer:
 *   F path<TAB>content   L path<TAB>symlink target   H path<TAB>hard link target
 *   W path (whiteout)    O path (opaque directory)   D path (directory)
 * Checked: lookups and the unread-target search end (loops, "..", long chains) without
 * crashing, the path index always finds every node where it is, and the path filter never
 * forgets a path it was given.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "inventory.h"
#include "kmend_limits.h"
#include "layer.h"
#include "rootfs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* One line as an entry of f; lines that are no entry are passed over. */
static void add_line(struct kmend_layer_findings *f, struct kmend_pathfilter *seen, char *line)
{
	static const char kinds[] = "FLHWOD";
	static const enum kmend_entry_kind kind_of[] = {KMEND_ENTRY_FILE,     KMEND_ENTRY_SYMLINK,
	                                                KMEND_ENTRY_HARDLINK, KMEND_ENTRY_WHITEOUT,
	                                                KMEND_ENTRY_OPAQUE,   KMEND_ENTRY_DIR};
	const char *k = line[0] ? strchr(kinds, line[0]) : NULL;
	char *path = line + 1, *rest = strchr(path, '\t');
	enum kmend_entry_kind kind;

	if (!k || strlen(path) >= KMEND_PATH_MAX)
		return;
	kind = kind_of[k - kinds];
	if (rest)
		*rest++ = '\0';
	if (kmend_path_normalize(path) < 0 || (!path[0] && kind != KMEND_ENTRY_OPAQUE))
		return;
	if (kind == KMEND_ENTRY_HARDLINK && (!rest || kmend_path_normalize(rest) < 0))
		return;
	if (kind == KMEND_ENTRY_SYMLINK && (!rest || !rest[0]))
		return;
	kmend_pathfilter_add(seen, path,
	                     kind == KMEND_ENTRY_SYMLINK ? KMEND_PATH_SYMLINK : KMEND_PATH_ANY);
	if (!kmend_pathfilter_may_hold(
	        seen, path, kind == KMEND_ENTRY_SYMLINK ? KMEND_PATH_SYMLINK : KMEND_PATH_ANY))
		abort(); /* a Bloom filter has no false "no" */
	(void)kmend_layer_findings_add(
	    f, kind, path,
	    kind == KMEND_ENTRY_SYMLINK || kind == KMEND_ENTRY_HARDLINK ? rest : NULL,
	    kind == KMEND_ENTRY_FILE ? (rest ? rest : "") : NULL,
	    kind == KMEND_ENTRY_FILE && rest ? strlen(rest) : 0);
}

/* Every node is where the index says, and every wanted path resolves or fails cleanly. */
static void check(const struct kmend_rootfs *fs, const struct kmend_want *want)
{
	struct kmend_want unread = {0};
	char real[KMEND_PATH_MAX];

	for (size_t i = 0; i < fs->count; i++)
		if (kmend_rootfs_node_at(fs, fs->nodes[i].path) != &fs->nodes[i])
			abort();
	for (size_t i = 0; i < want->count; i++) {
		(void)kmend_rootfs_lookup(fs, want->patterns[i]);
		(void)kmend_rootfs_resolve(fs, want->patterns[i], real, sizeof(real));
	}
	if (kmend_rootfs_unread_targets(fs, want, &unread) >= 0)
		for (size_t i = 0; i < unread.count; i++)
			(void)kmend_rootfs_lookup(fs, unread.patterns[i]);
	kmend_want_free(&unread);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kmend_rootfs fs = {0};
	struct kmend_layer_findings f = {0};
	struct kmend_pathfilter *seen = calloc(1, sizeof(*seen));
	struct kmend_want want;
	struct kmend_error err;
	char *text = malloc(size + 1), *line, *next;
	size_t layer = 0;

	if (!seen || !text || kmend_inventory_want_init(&want) < 0)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	for (line = text; line; line = next) {
		if ((next = strchr(line, '\n')))
			*next++ = '\0';
		if (strcmp(line, "-") != 0) {
			add_line(&f, seen, line);
			continue;
		}
		if (kmend_rootfs_apply(&fs, &f, layer++, "fuzz", &err) < 0)
			break;
		kmend_layer_findings_free(&f);
		check(&fs, &want);
	}
	if (kmend_rootfs_apply(&fs, &f, layer, "fuzz", &err) == 0)
		check(&fs, &want);
	kmend_layer_findings_free(&f);
	kmend_rootfs_free(&fs);
	kmend_want_free(&want);
	free(seen);
	free(text);
	return 0;
}
