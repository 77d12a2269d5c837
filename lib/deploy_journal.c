/* Apply journals: what a podman apply needs to finish or go back after kmend was killed. */
#include "deploy_journal.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "array.h"
#include "cleanup.h"
#include "fsutil.h"
#include "json_get.h"
#include "kmend_limits.h"
#include "rfc3339.h"

int kmend_apply_journal_write(const char *dir, const struct kmend_apply_mark *m, const char *phase,
                              struct kmend_error *err)
{
	char path[KMEND_PATH_MAX + 80], deadline[32];
	json_t *j;
	char *text;
	int r;

	if ((r = kmend_mkdir_p(dir, 0700)) < 0)
		return kmend_error_set(err, r, dir, 0, "cannot make the journal directory");
	kmend_rfc3339_format(m->deadline, deadline, sizeof(deadline));
	j = json_pack("{s:i, s:s, s:s, s:s, s:s, s:{s:s, s:s%}, s:{s:s, s:s%}}", "v", 1, "id",
	              m->id, "backend", "podman", "phase", phase, "deadline", deadline, "first",
	              "name", m->first_name ? m->first_name : "", "text", m->first ? m->first : "",
	              m->first ? m->first_len : 0, "second", "name",
	              m->second_name ? m->second_name : "", "text", m->second ? m->second : "",
	              m->second ? m->second_len : 0);
	if (!j || !(text = json_dumps(j, JSON_INDENT(1)))) {
		json_decref(j);
		return -ENOMEM;
	}
	json_decref(j);
	snprintf(path, sizeof(path), "%s/%s.json", dir, m->id);
	r = kmend_write_file_atomic(path, text, strlen(text), 0600, err);
	free(text);
	return r;
}

static int read_journal(const char *path, json_t **out, struct kmend_error *err)
{
	_cleanup_free_ char *data = NULL;
	json_error_t je;
	size_t len;
	int r;

	if ((r = kmend_read_file(path, KMEND_APPLY_JOURNAL_MAX, &data, &len, err)) < 0)
		return r;
	if (!(*out = json_loadb(data, len, 0, &je)) || !json_is_object(*out) ||
	    !kmend_json_str(*out, "id") || !kmend_json_str(*out, "phase")) {
		json_decref(*out);
		*out = NULL;
		return kmend_error_set(err, -KMEND_E_BAD_INPUT, path, 0,
		                       "not an apply journal kmend wrote");
	}
	return 0;
}

static int marked_from_journal(const json_t *j, struct kmend_marked_list *out,
                               struct kmend_error *err)
{
	const json_t *first = json_object_get(j, "first"), *second = json_object_get(j, "second");
	const char *text = kmend_json_str(second, "text"), *sname = kmend_json_str(second, "name");
	struct kmend_workload_refs refs = {0};
	struct timespec deadline = {0};
	size_t i;
	int r;

	if (!text)
		return 0;
	if ((r = kmend_deploy_workloads_of(text, strlen(text), sname ? sname : "", &refs, err)) < 0)
		return r;
	kmend_rfc3339_parse(kmend_json_str(j, "deadline") ? kmend_json_str(j, "deadline") : "",
	                    &deadline);
	for (i = 0; i < refs.count && r == 0; i++) {
		struct kmend_marked *m;
		int failed = 0;

		if ((r = kmend_array_grow(&out->items, &out->capacity, out->count,
		                          sizeof(*out->items))) < 0)
			break;
		m = &out->items[out->count++];
		memset(m, 0, sizeof(*m));
		m->ref = refs.items[i];
		snprintf(m->id, sizeof(m->id), "%s", kmend_json_str(j, "id"));
		snprintf(m->phase, sizeof(m->phase), "%s", kmend_json_str(j, "phase"));
		m->deadline = deadline.tv_sec;
		m->first = kmend_strdup_or_null(kmend_json_str(first, "text"), &failed);
		m->first_len = m->first ? strlen(m->first) : 0;
		m->first_name = kmend_strdup_or_null(kmend_json_str(first, "name"), &failed);
		m->second = kmend_strdup_or_null(text, &failed);
		m->second_len = strlen(text);
		m->second_name = kmend_strdup_or_null(sname, &failed);
		if (failed)
			r = -ENOMEM;
	}
	kmend_workload_refs_free(&refs);
	return r;
}

int kmend_apply_journal_find(const char *state_dir, struct kmend_marked_list *out,
                             struct kmend_error *err)
{
	struct dirent *e;
	DIR *dir;
	int r = 0;

	if (!(dir = opendir(state_dir)))
		return errno == ENOENT ? 0
		                       : kmend_error_set(err, -errno, state_dir, 0,
		                                         "cannot read the apply journals");
	while (r == 0 && (e = readdir(dir))) {
		char path[KMEND_PATH_MAX + 300];
		size_t n = strlen(e->d_name);
		json_t *j;

		if (n < 6 || strcmp(e->d_name + n - 5, ".json") || e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", state_dir, e->d_name);
		if ((r = read_journal(path, &j, err)) < 0)
			break;
		/* Settled applies stay for `revert --cluster`; only unsettled ones are resumed. */
		if (kmend_apply_phase_unsettled(kmend_json_str(j, "phase")))
			r = marked_from_journal(j, out, err);
		json_decref(j);
	}
	closedir(dir);
	return r;
}

int kmend_apply_journal_settle(const char *state_dir, const char *id, const char *phase,
                               struct kmend_error *err)
{
	char path[KMEND_PATH_MAX + 80], when[32];
	char *text;
	json_t *j;
	int r;

	if (strchr(id, '/') || id[0] == '.')
		return kmend_error_set(err, -KMEND_E_BAD_INPUT, id, 0, "not an apply id");
	snprintf(path, sizeof(path), "%s/%s.json", state_dir, id);
	if ((r = read_journal(path, &j, err)) < 0)
		return r;
	json_object_set_new(j, "phase", json_string(phase));
	json_object_set_new(j, "settled",
	                    json_string(kmend_rfc3339_format(time(NULL), when, sizeof(when))));
	if (!(text = json_dumps(j, JSON_INDENT(1)))) {
		json_decref(j);
		return -ENOMEM;
	}
	json_decref(j);
	r = kmend_write_file_atomic(path, text, strlen(text), 0600, err);
	free(text);
	return r;
}
