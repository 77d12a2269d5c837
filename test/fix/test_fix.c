/*
 * The fix/revert corpus (TAP): for every manifest in test/fix/corpus, fix it with the edit
 * spec beside it, then check that the output parses and equals, as data, the golden JSON
 * beside it (made by test/fix/make-golden with PyYAML, a parser independent of kmend's);
 * that revert(fix(x)) == x byte for byte; and that fix(fix(x)) == fix(x).
 *
 *   test_fix [CASE...]            every case, or the named ones (arguments with a '/',
 *                                 such as test/run's data directories, are ignored)
 *   test_fix --print CASE         print fix(CASE) to stdout (to look at it)
 *
 * The edit spec (CASE.spec.json, {} when absent) is test/fix/plan.h's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dirent.h>
#include <jansson.h>

#include "fsutil.h"
#include "kmend_limits.h"
#include "kube_edit.h"
#include "kube_workload.h"
#include "kube_yaml.h"
#include "plan.h"

#if !defined(KMEND_FIX_CORPUS) || !defined(KMEND_FIX_REFUSE)
#error "KMEND_FIX_CORPUS and KMEND_FIX_REFUSE name the case directories"
#endif

static int tests, failures;

static void ok(int pass, const char *name, const char *what)
{
	tests++;
	failures += !pass;
	printf("%sok %d - %s: %s\n", pass ? "" : "not ", tests, name, what);
}

/* The output as data: every document, kmend's annotation value replaced by "<kmend>". */
static void mask_annotations(json_t *j)
{
	const char *key;
	json_t *v;
	size_t i;

	if (json_is_object(j)) {
		json_t *ann = json_object_get(j, KMEND_KUBE_ANNOTATION);
		if (json_is_string(ann))
			json_object_set_new(j, KMEND_KUBE_ANNOTATION, json_string("<kmend>"));
		json_object_foreach (j, key, v) {
			mask_annotations(v);
		}
	} else if (json_is_array(j)) {
		json_array_foreach (j, i, v) {
			mask_annotations(v);
		}
	}
}

static json_t *as_data(const char *text, size_t len, struct kmend_error *err)
{
	struct kmend_kube_stream *s;
	json_t *docs;

	if (kmend_kube_parse(text, len, "output", &s, err) < 0)
		return NULL;
	docs = json_array();
	for (size_t i = 0; docs && i < s->count; i++)
		json_array_append_new(docs, kmend_kube_to_json(s->docs[i].root));
	kmend_kube_stream_free(s);
	mask_annotations(docs);
	return docs;
}

static char *path_of(const char *dir, const char *name, const char *suffix)
{
	char *p;

	return asprintf(&p, "%s/%s%s", dir, name, suffix) < 0 ? NULL : p;
}

static void show_error(const struct kmend_error *err)
{
	char buf[1200];

	printf("#   %s\n", kmend_error_format(err, buf, sizeof(buf)));
}

/* The layout promises: CRLF files stay CRLF, JSON files stay JSON. */
static void check_layout(const char *name, const char *x, size_t xlen, const char *y, size_t ylen)
{
	const char *nl = memchr(x, '\n', xlen);

	if (nl && nl > x && nl[-1] == '\r') {
		size_t lone = 0;
		for (size_t i = 0; i < ylen; i++)
			lone += y[i] == '\n' && (i == 0 || y[i - 1] != '\r');
		ok(lone == 0, name, "a CRLF file stays CRLF");
	}
	size_t i = xlen >= 3 && !memcmp(x, "\xef\xbb\xbf", 3) ? 3 : 0;
	while (i < xlen && (x[i] == ' ' || x[i] == '\n' || x[i] == '\r' || x[i] == '\t'))
		i++;
	json_t *was_json = i < xlen && x[i] == '{' ? json_loadb(x, xlen, 0, NULL) : NULL;
	if (was_json) {
		json_t *j = json_loadb(y, ylen, 0, NULL);
		ok(j != NULL, name, "a JSON file stays JSON");
		json_decref(j);
		json_decref(was_json);
	}
	if (xlen >= 3 && !memcmp(x, "\xef\xbb\xbf", 3))
		ok(ylen >= 3 && !memcmp(y, "\xef\xbb\xbf", 3), name, "the byte order mark stays");
}

/*
 * Hand edits: one inside kmend's parts makes revert (and fix) refuse; one elsewhere (a
 * comment above everything, which moves every offset) is kept by revert.
 */
static void check_hand_edits(const char *name, const char *path, const char *x, size_t xlen,
                             const char *y, size_t ylen, const json_t *spec)
{
	char *t = malloc(ylen + 64), *back = NULL, *hit;
	const char *nl = memchr(y, '\r', ylen) ? "\r\n" : "\n", *comment = "# added by hand";
	size_t bom = ylen >= 3 && !memcmp(y, "\xef\xbb\xbf", 3) ? 3 : 0, back_len, n;
	struct kmend_error err;
	int r;

	memcpy(t, y, ylen);
	t[ylen] = '\0';
	hit = strstr(t, "/kmend\"");
	if (hit) {
		hit[5] = 'D';
		r = kmend_kube_revert(t, ylen, path, &back, &back_len, NULL, &err);
		ok(r == -KMEND_E_BAD_INPUT && strstr(err.message, "edited by hand") && err.line > 0,
		   name, "revert refuses kmend's part edited by hand, naming the line");
		free(back);
		back = NULL;
		r = fix_text(path, t, ylen, spec, &back, &back_len, &err);
		ok(r == -KMEND_E_BAD_INPUT, name, "fix refuses it too");
		free(back);
		back = NULL;
	}
	/* A comment added above everything. */
	n = bom;
	memcpy(t, y, bom);
	n += (size_t)sprintf(t + n, "%s%s", comment, nl);
	memcpy(t + n, y + bom, ylen - bom);
	n += ylen - bom;
	r = kmend_kube_revert(t, n, path, &back, &back_len, NULL, &err);
	ok(r == 0 && back_len == xlen + strlen(comment) + strlen(nl) &&
	       !memcmp(back + bom + strlen(comment) + strlen(nl), x + bom, xlen - bom),
	   name, "revert keeps a hand edit outside kmend's parts");
	free(back);
	free(t);
}

/* fix with another repair on fix's own output replaces kmend's parts: as if x had been fixed. */
static void check_other_repair(const char *name, const char *path, const char *x, size_t xlen,
                               const char *y, size_t ylen, const json_t *spec)
{
	json_t *other = json_deep_copy(spec);
	char *a = NULL, *b = NULL;
	size_t alen, blen;
	struct kmend_error err;

	json_object_set_new(other, "command", json_pack("[s, s]", "/kmend/other-install", "--"));
	json_object_del(other, "override");
	if (fix_text(path, y, ylen, other, &a, &alen, &err) < 0 ||
	    fix_text(path, x, xlen, other, &b, &blen, &err) < 0) {
		ok(0, name, "another repair of fix(x)");
		show_error(&err);
	} else
		ok(alen == blen && !memcmp(a, b, alen) && (alen != ylen || memcmp(a, y, ylen)),
		   name,
		   "another repair of fix(x) replaces kmend's parts: fix'(fix(x)) == fix'(x)");
	json_decref(other);
	free(a);
	free(b);
}

static void run_case(const char *dir, const char *name, const char *file)
{
	char *path = path_of(dir, file, ""), *spec_path = path_of(dir, name, ".spec.json");
	char *golden_path = path_of(dir, name, ".golden.json");
	char *x = NULL, *y = NULL, *back = NULL, *again = NULL;
	size_t xlen, ylen, back_len, again_len, reverted = 0;
	json_t *spec = NULL, *golden = NULL, *data = NULL;
	struct kmend_error err;

	if (kmend_read_file(path, KMEND_MANIFEST_FILE_MAX_SIZE, &x, &xlen, &err) < 0) {
		ok(0, name, "read the case");
		show_error(&err);
		goto out;
	}
	spec = json_load_file(spec_path, 0, NULL);
	if (!spec)
		spec = json_object();
	if (fix_text(path, x, xlen, spec, &y, &ylen, &err) < 0) {
		ok(0, name, "fix succeeds");
		show_error(&err);
		goto out;
	}
	ok(ylen > xlen, name, "fix inserts something");
	data = as_data(y, ylen, &err);
	golden = json_load_file(golden_path, 0, NULL);
	ok(data && golden && json_equal(data, golden), name,
	   "the output parses and equals the golden as data");
	if (data && golden && !json_equal(data, golden)) {
		char *d = json_dumps(data, JSON_SORT_KEYS | JSON_INDENT(1));
		printf("# output as data:\n");
		for (char *line = strtok(d, "\n"); line; line = strtok(NULL, "\n"))
			printf("#   %s\n", line);
		free(d);
	}
	if (kmend_kube_revert(y, ylen, path, &back, &back_len, &reverted, &err) < 0) {
		ok(0, name, "revert(fix(x)) succeeds");
		show_error(&err);
	} else
		ok(back_len == xlen && !memcmp(back, x, xlen) && reverted > 0, name,
		   "revert(fix(x)) == x, byte for byte");
	if (fix_text(path, y, ylen, spec, &again, &again_len, &err) < 0) {
		ok(0, name, "fix(fix(x)) succeeds");
		show_error(&err);
	} else
		ok(again_len == ylen && !memcmp(again, y, ylen), name, "fix(fix(x)) == fix(x)");
	check_other_repair(name, path, x, xlen, y, ylen, spec);
	check_layout(name, x, xlen, y, ylen);
	check_hand_edits(name, path, x, xlen, y, ylen, spec);
out:
	json_decref(spec);
	json_decref(golden);
	json_decref(data);
	free(x);
	free(y);
	free(back);
	free(again);
	free(path);
	free(spec_path);
	free(golden_path);
}

/* A manifest kmend must refuse to fix: the error names the file and line, says why, and
 * the spec's "error" is part of the message. */
static void run_refusal(const char *dir, const char *name, const char *file)
{
	char *path = path_of(dir, file, ""), *spec_path = path_of(dir, name, ".spec.json");
	char *x = NULL, *y = NULL, label[300];
	size_t xlen, ylen;
	json_t *spec = json_load_file(spec_path, 0, NULL);
	const char *want = json_string_value(json_object_get(spec, "error"));
	struct kmend_error err;
	int r;

	snprintf(label, sizeof(label), "refuse/%s", name);
	if (!want || kmend_read_file(path, KMEND_MANIFEST_FILE_MAX_SIZE, &x, &xlen, &err) < 0) {
		ok(0, label, "the case has an input and an expected error");
	} else {
		r = fix_text(path, x, xlen, spec, &y, &ylen, &err);
		ok(r == -KMEND_E_BAD_INPUT && strstr(err.message, want) && err.line > 0 &&
		       !strcmp(err.input, path),
		   label, want);
		if (r == 0 || !strstr(err.message, want))
			show_error(&err);
	}
	json_decref(spec);
	free(x);
	free(y);
	free(path);
	free(spec_path);
}

static int is_case(const char *file)
{
	size_t n = strlen(file);

	if (file[0] == '.' || (n > 5 && !strcmp(file + n - 5, ".json") &&
	                       (strstr(file, ".spec.json") || strstr(file, ".golden.json"))))
		return 0;
	return (n > 5 && !strcmp(file + n - 5, ".yaml")) ||
	       (n > 4 && !strcmp(file + n - 4, ".yml")) ||
	       (n > 5 && !strcmp(file + n - 5, ".json"));
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* --print FILE: fix(FILE) on standard output, with FILE's spec (FILE less its extension,
 * .spec.json) when there is one. */
static int print_fixed(const char *file)
{
	char *x = NULL, *y = NULL, *spec_path;
	size_t xlen, ylen, base;
	struct kmend_error err;
	json_t *spec;
	int r = 1;

	base = strrchr(file, '.') && strrchr(file, '.') > strrchr(file, '/')
	           ? (size_t)(strrchr(file, '.') - file)
	           : strlen(file);
	if (asprintf(&spec_path, "%.*s.spec.json", (int)base, file) < 0)
		return 1;
	if (!(spec = json_load_file(spec_path, 0, NULL)))
		spec = json_object();
	if (kmend_read_file(file, KMEND_MANIFEST_FILE_MAX_SIZE, &x, &xlen, &err) < 0 ||
	    fix_text(file, x, xlen, spec, &y, &ylen, &err) < 0)
		show_error(&err);
	else
		r = fwrite(y, 1, ylen, stdout) == ylen ? 0 : 1;
	json_decref(spec);
	free(spec_path);
	free(x);
	free(y);
	return r;
}

int main(int argc, char **argv)
{
	const char *dir = KMEND_FIX_CORPUS;
	char **files = NULL;
	size_t n = 0;
	struct dirent *d;
	DIR *dh;

	if (argc == 3 && !strcmp(argv[1], "--print"))
		return print_fixed(argv[2]);
	for (int pass = 0; pass < 2; pass++) {
		const char *d_name = pass ? KMEND_FIX_REFUSE : dir;
		if (!(dh = opendir(d_name))) {
			printf("not ok 1 - open %s: %s\n1..1\n", d_name, strerror(errno));
			return 1;
		}
		n = 0;
		while ((d = readdir(dh)))
			if (is_case(d->d_name)) {
				files = realloc(files, (n + 1) * sizeof(*files));
				files[n++] = strdup(d->d_name);
			}
		closedir(dh);
		qsort(files, n, sizeof(*files), by_name);
		for (size_t i = 0; i < n; i++) {
			char *name = strdup(files[i]);
			int wanted = 1;
			*strrchr(name, '.') = '\0';
			/* Case names filter; test/run's directory arguments do not. */
			for (int a = 1; a < argc; a++)
				if (!strchr(argv[a], '/'))
					wanted = 0;
			for (int a = 1; a < argc; a++)
				wanted =
				    wanted || !strcmp(argv[a], name) || !strcmp(argv[a], files[i]);
			if (wanted && pass)
				run_refusal(d_name, name, files[i]);
			else if (wanted)
				run_case(d_name, name, files[i]);
			free(name);
			free(files[i]);
		}
	}
	free(files);
	printf("1..%d\n", tests);
	return failures ? 1 : 0;
}
