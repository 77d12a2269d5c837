/*
 * Test driver for lib/kube_client, run by test/kube/client.sh against test/kube/apiserver.py.
 * Not part of kmend.
 *
 *   kube_driver --kubeconfig FILE [--context NAME] COMMAND ARGS
 *     apply FILE MANAGER [force]        every document of FILE by server-side apply
 *     get KIND NS NAME                  the object as JSON
 *     list KIND NS|-A [SELECTOR]        {"count", "rv", "names"}
 *     watch KIND NS RV SECONDS MAX      one line per event, then the reconnect/relist counts
 *     creds N                           get the credential N times (exec plugin caching)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "fsutil.h"
#include "kube_client.h"
#include "yamljson.h"

static int fail(const struct kmend_error *err, int r)
{
	char buf[2048];

	fprintf(stderr, "kube_driver: %s (%s)\n", kmend_error_format(err, buf, sizeof(buf)),
	        kmend_strerror(r));
	return 3;
}

int main(int argc, char **argv)
{
	struct kmend_kubeconfig_options o = {0};
	struct kmend_kube_config *cfg = NULL;
	struct kmend_kube_client *c = NULL;
	struct kmend_error err = {0};
	int i = 1, r = 0, rc = 0;

	for (; i + 1 < argc && !strncmp(argv[i], "--", 2); i += 2) {
		if (!strcmp(argv[i], "--kubeconfig"))
			o.kubeconfig = argv[i + 1];
		else if (!strcmp(argv[i], "--context"))
			o.context = argv[i + 1];
	}
	if (i >= argc)
		return 2;
	if ((r = kmend_kubeconfig_load(&o, &cfg, &err)) < 0)
		return fail(&err, r);
	if ((r = kmend_kube_client_open(cfg, &c, &err)) < 0) {
		rc = fail(&err, r);
		goto out;
	}
	if (!strcmp(argv[i], "apply") && i + 2 < argc) {
		char *text = NULL;
		json_t *docs = NULL, *doc, *live;
		size_t len, k;

		if ((r = kmend_read_file(argv[i + 1], 1 << 26, &text, &len, &err)) < 0 ||
		    (r = kmend_yaml_to_json_typed(text, len, argv[i + 1], &docs, &err)) < 0) {
			free(text);
			rc = fail(&err, r);
			goto out;
		}
		free(text);
		json_array_foreach (docs, k, doc) {
			r = kmend_kube_client_apply(c, doc, NULL, argv[i + 2],
			                            i + 3 < argc && !strcmp(argv[i + 3], "force"),
			                            &live, &err);
			if (r < 0) {
				rc = fail(&err, r);
				break;
			}
			printf("{\"kind\":\"%s\",\"name\":\"%s\",\"resourceVersion\":\"%s\"}\n",
			       json_string_value(json_object_get(live, "kind")),
			       json_string_value(
			           json_object_get(json_object_get(live, "metadata"), "name")),
			       json_string_value(json_object_get(json_object_get(live, "metadata"),
			                                         "resourceVersion")));
			json_decref(live);
		}
		json_decref(docs);
	} else if (!strcmp(argv[i], "get") && i + 3 < argc) {
		json_t *obj;

		if ((r = kmend_kube_client_get(c, argv[i + 1], argv[i + 2], argv[i + 3], &obj,
		                               &err)) < 0) {
			rc = fail(&err, r);
			goto out;
		}
		json_dumpf(obj, stdout, JSON_COMPACT);
		putchar('\n');
		json_decref(obj);
	} else if (!strcmp(argv[i], "list") && i + 2 < argc) {
		bool all = !strcmp(argv[i + 2], "-A");
		json_t *items, *names, *it;
		char rv[64];
		size_t k;

		r = kmend_kube_client_list(c, argv[i + 1], all ? NULL : argv[i + 2], all,
		                           i + 3 < argc ? argv[i + 3] : NULL, NULL, &items, rv,
		                           sizeof(rv), &err);
		if (r < 0) {
			rc = fail(&err, r);
			goto out;
		}
		names = json_array();
		json_array_foreach (items, k, it) {
			json_array_append(names,
			                  json_object_get(json_object_get(it, "metadata"), "name"));
		}
		it = json_pack("{s:I, s:s, s:o}", "count", (json_int_t)json_array_size(items), "rv",
		               rv, "names", names);
		json_dumpf(it, stdout, JSON_COMPACT);
		putchar('\n');
		json_decref(it);
		json_decref(items);
	} else if (!strcmp(argv[i], "watch") && i + 5 < argc) {
		struct kmend_kube_watch *w;
		struct timespec ts;
		char type[16];
		unsigned rec, rel;
		int n = 0, max = atoi(argv[i + 5]);
		json_t *obj;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		if ((r = kmend_kube_watch_open(c, argv[i + 1], argv[i + 2], false, NULL, NULL,
		                               argv[i + 3], &w, &err)) < 0) {
			rc = fail(&err, r);
			goto out;
		}
		while (n < max && (r = kmend_kube_watch_next(w, ts.tv_sec + atoi(argv[i + 4]), type,
		                                             &obj, &err)) > 0) {
			if (!strcmp(type, "RELISTED"))
				printf("{\"type\":\"RELISTED\",\"count\":%zu}\n",
				       json_array_size(obj));
			else
				printf("{\"type\":\"%s\",\"name\":\"%s\"}\n", type,
				       json_string_value(json_object_get(
				           json_object_get(obj, "metadata"), "name")));
			fflush(stdout);
			json_decref(obj);
			n++;
		}
		if (r < 0)
			rc = fail(&err, r);
		kmend_kube_watch_counts(w, &rec, &rel);
		printf("{\"reconnects\":%u,\"relists\":%u}\n", rec, rel);
		kmend_kube_watch_close(w);
	} else if (!strcmp(argv[i], "creds") && i + 1 < argc) {
		struct kmend_kube_credential cred;

		for (int k = 0; k < atoi(argv[i + 1]); k++) {
			if ((r = kmend_kube_credential_get(cfg, &cred, &err)) < 0) {
				rc = fail(&err, r);
				break;
			}
			kmend_kube_credential_free(&cred);
		}
	} else {
		rc = 2;
	}
out:
	kmend_kube_client_close(c);
	kmend_kube_config_free(cfg);
	return rc;
}
