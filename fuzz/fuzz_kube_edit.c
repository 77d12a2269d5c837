/*
 * libFuzzer target: kmend fix's splicing rewriter. For any manifest that fix accepts, the
 * output must parse, revert to the input byte for byte, and be left unchanged by fixing it
 * again (which reverts first). Refusals are fine; crashes, leaks and broken oracles are not.
 * The first input byte picks the install step and argument set; the rest is the manifest.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kube_edit.h"
#include "kube_workload.h"
#include "kube_yaml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const plain_argv[] = {"/bin/sh", "-c", "set -e; /kmend/install; exec \"$0\" \"$@\""};
static const char *const tricky_argv[] = {"", "$(VAR)", "a\nb", "# c", "key: v", "- x",
                                          "*a", "&b", "!c", "tab\there", "\xc3\xa9\xe2\x80\xa8"};
static const char *const fetch_argv[] = {"/bin/sh", "-c", "set -e; /kmend/fetch"};

/* revert, parse, edit every named container of every workload, as kmend fix would. */
static int fix(const char *text, size_t len, unsigned flags, char **out, size_t *out_len)
{
	struct kmend_kube_workloads w = {0};
	struct kmend_kube_stream *s = NULL;
	struct kmend_kube_edit *edits = NULL;
	struct kmend_kube_container_edit *ce = NULL;
	struct kmend_kube_init_container *ic = NULL;
	struct kmend_error err;
	char *base = NULL;
	size_t base_len, n = 0, total = 0, nce = 0;
	int r;

	if ((r = kmend_kube_revert(text, len, "fuzz.yaml", &base, &base_len, NULL, &err)) < 0)
		return r;
	if ((r = kmend_kube_parse(base, base_len, "fuzz.yaml", &s, &err)) < 0 ||
	    (r = kmend_kube_find_workloads(s, &w, &err)) < 0)
		goto out;
	for (size_t i = 0; i < w.count; i++)
		total += w.items[i].container_count;
	edits = calloc(w.count + 1, sizeof(*edits));
	ic = calloc(w.count + 1, sizeof(*ic));
	ce = calloc(total + 1, sizeof(*ce));
	if (!edits || !ic || !ce) {
		r = -1;
		goto out;
	}
	for (size_t i = 0; i < w.count; i++) {
		const struct kmend_kube_workload *wl = &w.items[i];
		size_t first = nce;
		for (size_t j = 0; j < wl->container_count; j++) {
			if (!*wl->containers[j].name)
				continue;
			ce[nce].container = j;
			ce[nce].install_at = (flags & 1) && !strcmp(wl->containers[j].list, "containers")
			                         ? KMEND_KUBE_INSTALL_POSTSTART
			                         : KMEND_KUBE_INSTALL_ENTRYPOINT;
			ce[nce].command = flags & 2 ? tricky_argv : plain_argv;
			ce[nce].command_count = flags & 2 ? 11 : 3;
			nce++;
		}
		if (nce == first || !wl->spec)
			continue;
		ic[n] = (struct kmend_kube_init_container){
		    .name = "kmend-fetch-1",
		    .image = wl->containers[0].image,
		    .command = fetch_argv,
		    .command_count = 3,
		};
		edits[n] = (struct kmend_kube_edit){
		    .workload = i,
		    .volume = "kmend-repair",
		    .mount_path = "/kmend",
		    .init = &ic[n],
		    .init_count = 1,
		    .containers = &ce[first],
		    .container_count = nce - first,
		};
		n++;
	}
	r = kmend_kube_apply(s, &w, edits, n, out, out_len, &err);
out:
	free(edits);
	free(ic);
	free(ce);
	kmend_kube_workloads_free(&w);
	kmend_kube_stream_free(s);
	free(base);
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kmend_kube_stream *s;
	struct kmend_error err;
	char *x, *y = NULL, *back = NULL, *again = NULL;
	size_t xlen, ylen, back_len, again_len;
	unsigned flags;

	if (size < 1)
		return 0;
	flags = data[0];
	xlen = size - 1;
	x = malloc(xlen + 1);
	memcpy(x, data + 1, xlen);
	x[xlen] = '\0';
	if (fix(x, xlen, flags, &y, &ylen) == 0) {
		/* Whatever kmend had in x is replaced: compare with x without kmend's parts. */
		char *base = NULL;
		size_t base_len;
		if (kmend_kube_revert(x, xlen, "fuzz.yaml", &base, &base_len, NULL, &err) < 0)
			abort();
		if (kmend_kube_parse(y, ylen, "fuzz.yaml", &s, &err) < 0)
			abort(); /* the output parses */
		kmend_kube_stream_free(s);
		if (kmend_kube_revert(y, ylen, "fuzz.yaml", &back, &back_len, NULL, &err) < 0 ||
		    back_len != base_len || memcmp(back, base, base_len) != 0)
			abort(); /* revert(fix(x)) == x */
		if (fix(y, ylen, flags, &again, &again_len) < 0 || again_len != ylen ||
		    memcmp(again, y, ylen) != 0)
			abort(); /* fix(fix(x)) == fix(x) */
		free(base);
	}
	free(x);
	free(y);
	free(back);
	free(again);
	return 0;
}
