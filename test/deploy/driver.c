/*
 * Test driver for lib/deploy: apply, watch, remove, marks, as `kmend apply` will use them, with
 * each workload's status printed as one JSON line. Not part of kmend; the suites in test/deploy
 * run it against real podman containers.
 *
 *   driver [--state-dir DIR] [--min-ready-ms N] [--backend NAME] COMMAND ARGS
 *     apply FILE TIMEOUT_S [FIRST]  deploy FILE (marked, FIRST being the file to go back to,
 *                                   when given) and watch it; exit 0 when all are healthy,
 *                                   1 when some failed
 *     attach FILE TIMEOUT_S         the same for a FILE deployed by a run that was killed
 *     remove FILE
 *     rollback SECOND FIRST TIMEOUT_S   deploy FIRST in place of SECOND and watch it
 *     marked                        the workloads still marked, one JSON line each
 *     settle ID PHASE
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "deploy.h"
#include "fsutil.h"

static int die(const struct kmend_error *err, int code)
{
	char buf[2048];

	fprintf(stderr, "driver: %s (%s)\n", kmend_error_format(err, buf, sizeof(buf)),
	        kmend_strerror(code));
	return 3;
}

static void print_status(const struct kmend_workload_status *s)
{
	static const char *const health[] = {"progressing", "healthy", "failed"};
	json_t *j = json_pack(
	    "{s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:s, s:s}", "kind", s->ref.kind, "name",
	    s->ref.name, "health", health[s->health], "failure", kmend_failure_name(s->failure),
	    "pod", s->pod, "container", s->container, "exit_code", s->exit_code, "condition",
	    s->condition, "state_reason", s->state_reason, "message", s->message, "log", s->log);

	json_dumpf(j, stdout, JSON_COMPACT);
	putchar('\n');
	json_decref(j);
}

int main(int argc, char **argv)
{
	struct kmend_deploy_options opt = {0};
	struct kmend_error err = {0};
	struct kmend_deploy *d = NULL;
	struct kmend_workload_refs refs = {0};
	struct kmend_workload_status *st = NULL;
	struct kmend_marked_list marked = {0};
	char *text = NULL, *first = NULL;
	const char *backend = "podman";
	int i = 1, r, rc = 0;

	for (; i + 1 < argc && !strncmp(argv[i], "--", 2); i += 2) {
		if (!strcmp(argv[i], "--state-dir"))
			opt.state_dir = argv[i + 1];
		else if (!strcmp(argv[i], "--min-ready-ms"))
			opt.min_ready_ms = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--backend"))
			backend = argv[i + 1];
		else if (!strcmp(argv[i], "--kubeconfig"))
			opt.kubeconfig = argv[i + 1];
		else if (!strcmp(argv[i], "--namespace"))
			opt.namespace = argv[i + 1];
	}
	if (i >= argc)
		return 2;
	if ((r = kmend_deploy_open(backend, &opt, &d, &err)) < 0)
		return die(&err, r);
#define CHECK(call)                                                                                \
	do {                                                                                       \
		if ((r = (call)) < 0) {                                                            \
			rc = die(&err, r);                                                         \
			goto out;                                                                  \
		}                                                                                  \
	} while (0)
	if ((!strcmp(argv[i], "apply") || !strcmp(argv[i], "attach")) && i + 2 < argc) {
		struct kmend_apply_mark mark = {0};
		size_t len, flen = 0, k;
		int timeout = atoi(argv[i + 2]) * 1000;
		bool attach = !strcmp(argv[i], "attach");

		if ((r = kmend_read_file(argv[i + 1], 64 << 20, &text, &len, &err)) < 0 ||
		    (i + 3 < argc &&
		     (r = kmend_read_file(argv[i + 3], 64 << 20, &first, &flen, &err)) < 0))
			return die(&err, r);
		if (first) {
			kmend_apply_mark_init(&mark);
			mark.first = first;
			mark.first_len = flen;
			mark.first_name = argv[i + 3];
			mark.second = text;
			mark.second_len = len;
			mark.second_name = argv[i + 1];
			mark.deadline = time(NULL) + timeout / 1000;
			printf("{\"mark\":\"%s\"}\n", mark.id);
			fflush(stdout);
		}
		CHECK(kmend_deploy_apply(d, text, len, argv[i + 1], first ? &mark : NULL,
		                         attach ? KMEND_DEPLOY_ATTACH : 0, &refs, &err));
		printf("{\"deployed\":%zu}\n", refs.count);
		fflush(stdout);
		st = calloc(refs.count + 1, sizeof(*st));
		CHECK(kmend_deploy_watch(d, &refs, timeout, st, &err));
		for (k = 0; k < refs.count; k++)
			print_status(&st[k]);
		for (k = 0; k < d->warnings.count; k++)
			printf("{\"warning\":\"%s\"}\n", d->warnings.items[k].code);
		rc = r > 0;
	} else if (!strcmp(argv[i], "rollback") && i + 3 < argc) {
		size_t len, flen, k;

		CHECK(kmend_read_file(argv[i + 1], 64 << 20, &text, &len, &err));
		CHECK(kmend_read_file(argv[i + 2], 64 << 20, &first, &flen, &err));
		CHECK(kmend_deploy_rollback(d, text, len, argv[i + 1], first, flen, argv[i + 2],
		                            &refs, &err));
		st = calloc(refs.count + 1, sizeof(*st));
		CHECK(kmend_deploy_watch(d, &refs, atoi(argv[i + 3]) * 1000, st, &err));
		for (k = 0; k < refs.count; k++)
			print_status(&st[k]);
		rc = r > 0;
	} else if (!strcmp(argv[i], "remove") && i + 1 < argc) {
		size_t len;

		CHECK(kmend_read_file(argv[i + 1], 64 << 20, &text, &len, &err));
		CHECK(kmend_deploy_remove(d, text, len, argv[i + 1], &err));
	} else if (!strcmp(argv[i], "marked")) {
		struct kmend_marked_list l = {0};
		size_t k;

		CHECK(kmend_deploy_find_marked(d, &marked, &err));
		l = marked;
		for (k = 0; k < l.count; k++) {
			json_t *j = json_pack(
			    "{s:s, s:s, s:s, s:s, s:s, s:s, s:I}", "kind", l.items[k].ref.kind,
			    "name", l.items[k].ref.name, "id", l.items[k].id, "phase",
			    l.items[k].phase, "first", l.items[k].first ? l.items[k].first : "",
			    "first_name", l.items[k].first_name ? l.items[k].first_name : "",
			    "deadline", (json_int_t)l.items[k].deadline);

			json_dumpf(j, stdout, JSON_COMPACT);
			putchar('\n');
			json_decref(j);
		}
	} else if (!strcmp(argv[i], "settle") && i + 2 < argc) {
		CHECK(kmend_deploy_settle(d, argv[i + 1], argv[i + 2], &err));
	} else {
		rc = 2;
	}
out:
	kmend_marked_list_free(&marked);
	kmend_workload_refs_free(&refs);
	free(st);
	free(text);
	free(first);
	kmend_deploy_close(d);
	return rc;
}
