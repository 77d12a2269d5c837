/*
 * libFuzzer target: kmend fix's splicing rewriter. For any manifest that fix accepts, the
 * output must parse, revert to the input (less any earlier kmend parts) byte for byte, and
 * be left unchanged by fixing it again, which reverts first. Refusals are fine; crashes,
 * leaks and broken oracles are not. The first input byte picks the install step and the
 * arguments (test/fix/plan.h's edit spec); the rest is the manifest.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kube_edit.h"
#include "kube_yaml.h"
#include "plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static json_t *spec_for(unsigned flags)
{
	json_t *spec = json_object();

	if (flags & 1)
		json_object_set_new(spec, "installAt", json_string("poststart"));
	if (flags & 2)
		json_object_set_new(spec, "command",
		                    json_pack("[s, s, s, s, s, s, s, s, s, s]", "", "$(VAR)",
		                              "a\nb", "# c", "key: v", "- x", "*a", "!c",
		                              "tab\there", "\xc3\xa9\xe2\x80\xa8"));
	return spec;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kmend_kube_stream *s;
	struct kmend_error err;
	char *x, *y = NULL, *base = NULL, *back = NULL, *again = NULL;
	size_t xlen, ylen, base_len, back_len, again_len;
	json_t *spec;

	if (size < 1)
		return 0;
	spec = spec_for(data[0]);
	xlen = size - 1;
	x = malloc(xlen + 1);
	memcpy(x, data + 1, xlen);
	x[xlen] = '\0';
	if (fix_text("fuzz.yaml", x, xlen, spec, &y, &ylen, &err) == 0) {
		/* Whatever kmend had in x is replaced: compare with x without kmend's parts. */
		if (kmend_kube_revert(x, xlen, "fuzz.yaml", &base, &base_len, NULL, &err) < 0)
			abort();
		if (kmend_kube_parse(y, ylen, "fuzz.yaml", &s, &err) < 0)
			abort(); /* the output parses */
		kmend_kube_stream_free(s);
		if (kmend_kube_revert(y, ylen, "fuzz.yaml", &back, &back_len, NULL, &err) < 0 ||
		    back_len != base_len || memcmp(back, base, base_len) != 0)
			abort(); /* revert(fix(x)) == x */
		if (fix_text("fuzz.yaml", y, ylen, spec, &again, &again_len, &err) < 0 ||
		    again_len != ylen || memcmp(again, y, ylen) != 0)
			abort(); /* fix(fix(x)) == fix(x) */
	}
	json_decref(spec);
	free(x);
	free(y);
	free(base);
	free(back);
	free(again);
	return 0;
}
